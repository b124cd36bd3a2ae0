//! `mailtls ciphers`: the cipher-suite table, keyed by numeric code.

use std::io::Write;

use anyhow::Result;
use serde_json::Value;

use crate::tls::suites::{table, COLUMNS};

fn hex_code(id: u64) -> String {
    if id > 0xFFFF {
        format!("0x{id:06X}")
    } else {
        format!("0x{id:04X}")
    }
}

/// Prints the table as `table`, `csv` or `json`.
pub fn execute(format: &str) -> Result<()> {
    let suites = table();
    let rows: Vec<Value> = suites
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    let out = std::io::stdout();
    let mut out = out.lock();
    match format {
        "json" => {
            writeln!(out, "{}", serde_json::to_string_pretty(suites)?)?;
        }
        "csv" => {
            writeln!(out, "{}", COLUMNS.join(","))?;
            for r in &rows {
                let cells: Vec<String> = COLUMNS.iter().map(|c| csv_cell(&r[*c])).collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
        _ => {
            writeln!(
                out,
                "{:<8} {:<48} {:<6} {:<6} {:<9} {:>4} {:<6} {:<7} {:<8} {:<10}",
                "id", "name", "kx", "au", "enc", "bits", "mac", "min", "openssl", "testssl"
            )?;
            for r in &rows {
                let id = r["id"].as_u64().unwrap_or_default();
                let min = r["min_version"].as_u64().unwrap_or_default();
                writeln!(
                    out,
                    "{:<8} {:<48} {:<6} {:<6} {:<9} {:>4} {:<6} {:<7} {:<8} {:<10}",
                    hex_code(id),
                    text(&r["name"]),
                    text(&r["kx"]),
                    text(&r["au"]),
                    text(&r["enc"]),
                    r["bits"].as_u64().unwrap_or_default(),
                    text(&r["mac"]),
                    format!("0x{min:04X}"),
                    text(&r["openssl_strength"]),
                    text(&r["testssl_bucket"]),
                )?;
            }
            writeln!(
                out,
                "{} suites; codes in hex; `--format csv|json` gives every column",
                rows.len()
            )?;
        }
    }
    Ok(())
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn csv_cell(v: &Value) -> String {
    let t = text(v);
    if t.contains([',', '"']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}
