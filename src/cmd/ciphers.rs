//! `mailtls ciphers`: the cipher-suite table, keyed by numeric code, with
//! each suite's level in every Mozilla guideline version the data holds.

use anyhow::Result;
use polars::prelude::*;

use crate::dataset::tables::CipherSuiteRows;
use crate::render;
use crate::tls::mozilla;

/// Columns the aligned `table` format shows; the other formats give all.
const TABLE_COLUMNS: &[&str] = &[
    "code",
    "name",
    "openssl_name",
    "kx",
    "au",
    "enc",
    "bits",
    "mac",
    "openssl_strength",
    "testssl_bucket",
    "cipherscan_family",
];

fn hex_code(id: u32) -> String {
    if id > 0xFFFF {
        format!("0x{id:06X}")
    } else {
        format!("0x{id:04X}")
    }
}

/// Prints the table as `table`, `csv`, `json`, `md` or `latex`.
pub fn execute(format: &str) -> Result<()> {
    let mut df = CipherSuiteRows::built_in().into_frame()?;
    let ids: Vec<u32> = df.column("id")?.u32()?.iter().flatten().collect();
    let codes: Vec<String> = ids.iter().map(|id| hex_code(*id)).collect();
    df.with_column(Column::new("code".into(), codes))?;
    let mut versions: Vec<&str> = mozilla::levels()
        .iter()
        .map(|m| m.guideline.as_str())
        .collect();
    versions.dedup();
    let mut level_columns = Vec::new();
    for version in versions {
        let name = format!("mozilla_{}", version.replace('.', "_"));
        let levels: Vec<Option<&str>> = ids.iter().map(|id| mozilla::level(*id, version)).collect();
        df.with_column(Column::new(name.as_str().into(), levels))?;
        level_columns.push(name);
    }
    if format == "table" {
        let shown: Vec<&str> = TABLE_COLUMNS
            .iter()
            .copied()
            .chain(level_columns.iter().map(String::as_str))
            .collect();
        df = df.select(shown)?;
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    render::write(&mut df, format, &mut out, None)
}
