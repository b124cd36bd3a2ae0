//! `mailtls report`: the reproduction report of a dataset.

use std::path::Path;

use anyhow::Result;

/// Writes the report and says where.
pub fn execute(dataset: &Path, out: &Path) -> Result<()> {
    crate::report::write(dataset, out)?;
    println!(
        "wrote {} and a CSV for every catalogue table the dataset gives",
        out.join("REPORT.md").display()
    );
    Ok(())
}
