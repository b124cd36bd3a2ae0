//! `mailtls diff`: the tables that compare consecutive scans, for any two
//! scans of one series chosen by the user.

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use polars::prelude::DataFrame;

use super::scope::ScansRead;
use super::{find, PAIR_TABLES, SCAN_PAIRS};
use crate::dataset::manifest::Manifest;
use crate::dataset::series::series_of;

/// Computes `table` for the pair (`earlier`, `later`) of scans of one
/// series: as the catalogue table would if `later` came right after
/// `earlier` (`cert_volatility`'s lifetimes are those of `later`).
pub fn run(dataset: &Path, earlier: &str, later: &str, table: &str) -> Result<DataFrame> {
    if !PAIR_TABLES.contains(&table) {
        bail!(
            "`diff` computes {}; {table:?} is a table of its own: `mailtls table {table}`",
            PAIR_TABLES.join(" and ")
        );
    }
    let manifest = Manifest::load(dataset)?;
    let series = |id: &str| -> Result<String> {
        let scan = manifest.scans.get(id).with_context(|| {
            format!(
                "no scan {id:?} in {}; `mailtls sql --dataset {} \"SELECT scan_id, series, scan_date FROM scans\"` lists them",
                dataset.display(),
                dataset.display()
            )
        })?;
        series_of(scan).with_context(|| {
            format!("scan {id:?} has no handshakes (a port scan alone): nothing to compare")
        })
    };
    let (a, b) = (series(earlier)?, series(later)?);
    if a != b {
        bail!(
            "{earlier:?} belongs to series {a} and {later:?} to {b}: endpoints can only be followed within one port, protocol, TLS mode and kind of source"
        );
    }
    if earlier == later {
        bail!("give two different scans");
    }
    let entry = find(table)?;
    let body = entry
        .sql
        .strip_prefix(SCAN_PAIRS)
        .with_context(|| format!("table {table} does not open with the scan pairs"))?;
    let quote = |id: &str| id.replace('\'', "''");
    let opening = format!(
        "WITH pairs AS (\n    SELECT b.series, a.scan_id AS previous_scan_id, b.scan_id, b.port, b.protocol, b.tls_mode\n    FROM scans a CROSS JOIN scans b\n    WHERE a.scan_id = '{}' AND b.scan_id = '{}'\n)\n",
        quote(earlier),
        quote(later)
    );
    let sql = format!("{opening}{body}");
    if entry.reads == ScansRead::Paired {
        // The chosen pair is then all such a table reads.
        let pair = [earlier.to_owned(), later.to_owned()];
        crate::query::run_catalogue_in_scans(dataset, &sql, &pair)
    } else {
        crate::query::run_catalogue(dataset, &sql)
    }
    .with_context(|| format!("table {table} for {earlier} → {later}"))
}
