//! `mailtls dataset info`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use polars::prelude::*;

use crate::dataset::manifest::Manifest;

/// The tables a dataset may hold, in the order they are listed.
pub const TABLES: &[&str] = &[
    "scans",
    "handshakes",
    "certificates",
    "discovery",
    "chain_trust",
    "name_checks",
    "cipher_suites",
    "mozilla_levels",
    "dh_groups",
];

/// Prints the manifest summary, every table's rows and schema.
pub fn execute(dataset: &Path) -> Result<()> {
    let m = Manifest::load(dataset)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "dataset {} (written by {}, dataset layout {})",
        dataset.display(),
        m.tool,
        m.format
    )?;
    writeln!(out, "runs:")?;
    for r in &m.runs {
        writeln!(
            out,
            "  run {} committed {} by {} with {} jobs; {} inputs skipped",
            r.id,
            r.committed,
            r.tool,
            r.jobs,
            r.skipped_inputs.len()
        )?;
    }
    writeln!(out, "inputs:")?;
    for i in &m.inputs {
        let records: u64 = i.records.values().sum();
        writeln!(
            out,
            "  [{}] {} ({} bytes, {}, xxh3 {}): {} records, {} bad{}",
            i.id,
            i.path,
            i.size,
            i.codec,
            i.xxh3_128,
            records,
            i.bad_total(),
            i.stream_error
                .as_ref()
                .map(|e| format!("; STREAM ERROR: {e}"))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "scans: {}", m.scans.len())?;
    for (id, s) in &m.scans {
        writeln!(
            out,
            "  {id}: port {} {} {} — {} handshakes, {} discovery rows",
            s.port, s.protocol, s.tls_mode, s.handshakes, s.discoveries
        )?;
    }
    writeln!(out, "tables:")?;
    for table in TABLES {
        let parts = m.part_paths(table);
        if parts.is_empty() {
            continue;
        }
        writeln!(
            out,
            "  {table}: {} rows in {} parts",
            m.rows(table),
            parts.len()
        )?;
        let first = dataset.join(parts[0]);
        let file = std::fs::File::open(&first)
            .with_context(|| format!("cannot open {}", first.display()))?;
        let arrow = ParquetReader::new(file).schema()?;
        let schema = Schema::from_arrow_schema(&arrow);
        for (name, dtype) in schema.iter() {
            writeln!(out, "    {name:<22} {dtype}")?;
        }
        if *table == "handshakes" || *table == "discovery" {
            writeln!(out, "    {:<22} str (hive partition)", "scan_id")?;
        }
    }
    Ok(())
}
