//! `mailtls roots`: the built-in root-store snapshots and where they came from.

use std::io::Write;

use anyhow::Result;

use crate::trust::store::{RootStore, SNAPSHOTS};

/// Lists every built-in snapshot with its date, size and origin.
pub fn execute() -> Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(out, "{:<20} {:<10} {:>5}  source", "name", "date", "roots")?;
    for s in SNAPSHOTS {
        let store = RootStore::builtin(s.name)?;
        writeln!(
            out,
            "{:<20} {:<10} {:>5}  Mozilla's store as shipped in certifi {} (PyPI)",
            s.name,
            s.date,
            store.len(),
            s.certifi
        )?;
    }
    writeln!(
        out,
        "`--roots mozilla` (the default) picks the newest snapshot on or before the as-of date."
    )?;
    Ok(())
}
