//! `mailtls dataset merge`.

use std::path::{Path, PathBuf};

use anyhow::Result;

/// Merges `datasets` into `out` and prints what was done.
pub fn execute(datasets: &[PathBuf], out: &Path, quiet: bool) -> Result<()> {
    let summary = crate::ingest::merge::run(datasets, out, quiet)?;
    if !quiet {
        println!("{summary}");
    }
    Ok(())
}
