//! Printing a query answer in the formats users ask for: an aligned text
//! table, CSV, JSON, Markdown, LaTeX, or Parquet (to a file).

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use polars::prelude::*;

/// Output formats of `mailtls table` and `mailtls sql`.
pub const FORMATS: &[&str] = &["table", "csv", "json", "md", "latex", "parquet"];

/// One cell as text; nulls are empty.
fn cell(v: AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(x) => format!("{x:.6}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned(),
        AnyValue::Float32(x) => format!("{x:.6}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned(),
        other => other.to_string().trim_matches('"').to_owned(),
    }
}

/// The answer as rows of text cells.
pub fn text_rows(df: &DataFrame) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut row = Vec::with_capacity(df.width());
        for c in df.columns() {
            row.push(cell(c.get(i)?));
        }
        rows.push(row);
    }
    Ok(rows)
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// Cells escaped for a format and joined by its separator.
fn joined(cells: &[String], escape: impl Fn(&str) -> String, separator: &str) -> String {
    cells
        .iter()
        .map(|c| escape(c))
        .collect::<Vec<_>>()
        .join(separator)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn json_value(v: AnyValue) -> serde_json::Value {
    use serde_json::Value;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::Int8(x) => x.into(),
        AnyValue::Int16(x) => x.into(),
        AnyValue::Int32(x) => x.into(),
        AnyValue::Int64(x) => x.into(),
        AnyValue::UInt8(x) => x.into(),
        AnyValue::UInt16(x) => x.into(),
        AnyValue::UInt32(x) => x.into(),
        AnyValue::UInt64(x) => x.into(),
        AnyValue::Float32(x) => {
            serde_json::Number::from_f64(f64::from(x)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        other => Value::String(cell(other)),
    }
}

fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            c => out.push(c),
        }
    }
    out
}

/// Writes `df` to `out` in `format`; Parquet goes to `parquet_path`.
pub fn write(
    df: &mut DataFrame,
    format: &str,
    out: &mut dyn Write,
    parquet_path: Option<&Path>,
) -> Result<()> {
    let header = names(df);
    match format {
        "table" => {
            let rows = text_rows(df)?;
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            writeln!(out, "{}", line(&header))?;
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            writeln!(out, "{}", line(&rule))?;
            for r in &rows {
                writeln!(out, "{}", line(r))?;
            }
            writeln!(out, "({} rows)", rows.len())?;
        }
        "csv" => {
            writeln!(out, "{}", joined(&header, csv_cell, ","))?;
            for r in text_rows(df)? {
                writeln!(out, "{}", joined(&r, csv_cell, ","))?;
            }
        }
        "json" => {
            let mut rows = Vec::with_capacity(df.height());
            for i in 0..df.height() {
                let mut obj = serde_json::Map::new();
                for (name, c) in header.iter().zip(df.columns()) {
                    obj.insert(name.clone(), json_value(c.get(i)?));
                }
                rows.push(serde_json::Value::Object(obj));
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        }
        "md" => {
            let esc = |s: &str| s.replace('|', "\\|");
            writeln!(out, "| {} |", joined(&header, esc, " | "))?;
            writeln!(out, "|{}|", vec!["---"; header.len()].join("|"))?;
            for r in text_rows(df)? {
                writeln!(out, "| {} |", joined(&r, esc, " | "))?;
            }
        }
        "latex" => {
            writeln!(out, "\\begin{{tabular}}{{{}}}", "l".repeat(header.len()))?;
            writeln!(out, "\\hline")?;
            writeln!(out, "{} \\\\", joined(&header, latex_escape, " & "))?;
            writeln!(out, "\\hline")?;
            for r in text_rows(df)? {
                writeln!(out, "{} \\\\", joined(&r, latex_escape, " & "))?;
            }
            writeln!(out, "\\hline")?;
            writeln!(out, "\\end{{tabular}}")?;
        }
        "parquet" => {
            let path = parquet_path.context("--format parquet needs --output FILE")?;
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let written = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(df);
            anyhow::Context::with_context(written, || format!("cannot write {}", path.display()))?;
            writeln!(out, "wrote {} rows to {}", df.height(), path.display())?;
        }
        other => bail!(
            "unknown format {other:?}; use one of {}",
            FORMATS.join(", ")
        ),
    }
    Ok(())
}
