//! The table catalogue: named, documented SQL queries over a dataset.
//!
//! Each table is one portable SQL file in `sql/` (plain SQL that polars and
//! Spark SQL both accept: no engine-specific functions; derived facts come
//! from dataset columns), with its metadata here as data.

use std::path::Path;

use anyhow::{Context as _, Result};
use polars::prelude::DataFrame;

/// One catalogue table.
pub struct Entry {
    /// Name (`mailtls table NAME`), also the SQL file's stem.
    pub name: &'static str,
    /// Title for reports and charts.
    pub title: &'static str,
    /// What one row is.
    pub row: &'static str,
    /// The denominator of its shares, in words.
    pub denominator: &'static str,
    /// The paper table or figure it reproduces or challenges.
    pub paper: &'static str,
    /// The chart it wants.
    pub chart: &'static str,
    /// The query.
    pub sql: &'static str,
}

/// Every catalogue table, in report order.
pub const CATALOGUE: &[Entry] = &[Entry {
    name: "trust_agreement",
    title: "Recorded vs computed certificate trust",
    row: "port × scanner verdict × computed verdict and reason",
    denominator: "endpoints whose record carries the scanner's browser_trusted verdict",
    paper: "challenges the scanner-recorded trust behind the certificate tables",
    chart: "stacked bars: computed reason within recorded trusted / untrusted",
    sql: include_str!("sql/trust_agreement.sql"),
}];

/// A catalogue entry by name, or an error listing the names.
pub fn find(name: &str) -> Result<&'static Entry> {
    CATALOGUE.iter().find(|e| e.name == name).with_context(|| {
        format!(
            "no catalogue table {name:?}; `mailtls tables` lists them: {}",
            CATALOGUE
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Runs a catalogue table over a dataset.
pub fn run(dataset: &Path, name: &str) -> Result<DataFrame> {
    let entry = find(name)?;
    crate::query::run(dataset, entry.sql).with_context(|| format!("table {name}"))
}
