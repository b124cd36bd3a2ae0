//! Reading a committed table back: only the parts the manifest names, with
//! the hive partition value (`scan_id`) restored as a column.
//!
//! Scans name themselves with long texts repeated on every row; a lazy
//! scan can read them as categories (one small integer a row), which joins
//! and group-bys on `scan_id` compare faster than text ([`ScanNames`]).

use std::path::Path;

use anyhow::{Context as _, Result};
use polars::io::HiveOptions;
use polars::prelude::{
    by_name, col, Categories, Column, DataFrame, DataType, Field, IntoLazy, LazyFrame,
    ParquetReader, PlRefPath, ScanArgsParquet, Schema, SerReader,
};

use super::manifest::Manifest;

/// The `scan_id` a part's path is partitioned by, if any.
pub fn partition_value(rel: &str) -> Option<&str> {
    rel.split('/').find_map(|seg| seg.strip_prefix("scan_id="))
}

/// The whole of `table`, in manifest order (small and medium datasets).
pub fn read_table(dataset: &Path, table: &str) -> Result<DataFrame> {
    let manifest = Manifest::load(dataset)?;
    let mut out: Option<DataFrame> = None;
    for rel in manifest.part_paths(table) {
        let path = dataset.join(rel);
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let mut df = ParquetReader::new(file)
            .finish()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(scan) = partition_value(rel) {
            let col = Column::new("scan_id".into(), vec![scan.to_owned(); df.height()]);
            df.with_column(col)?;
        }
        match out.as_mut() {
            Some(acc) => {
                acc.vstack_mut_owned(df)?;
            }
            None => out = Some(df),
        }
    }
    out.with_context(|| format!("{} has no `{table}` table", dataset.display()))
}

/// The columns that name a scan, wherever a table holds them.
const SCAN_NAME_COLUMNS: [&str; 2] = ["scan_id", "previous_scan_id"];

/// How a lazy scan types the columns naming a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanNames {
    /// Text, as stored: every SQL string function applies to them.
    Text,
    /// Categories from polars' one global set (so the columns of different
    /// tables join each other). Joins, group-bys, equality and order work
    /// on them as on text, faster; string functions (`LIKE`, `||`,
    /// `UPPER`…) do not, so only queries known to need none of those use
    /// them (the catalogue's, whose answers agree with DuckDB's).
    Categories,
}

impl ScanNames {
    fn dtype(self) -> DataType {
        match self {
            ScanNames::Text => DataType::String,
            ScanNames::Categories => DataType::from_categories(Categories::global()),
        }
    }
}

/// The whole of `table` as one lazy scan over its committed parts, with
/// `scan_id` restored from the hive path of partitioned tables and every
/// column naming a scan typed as `names` says: queries over it stream.
pub fn scan_table(
    dataset: &Path,
    manifest: &Manifest,
    table: &str,
    names: ScanNames,
) -> Result<LazyFrame> {
    let rels = manifest.part_paths(table);
    if rels.is_empty() {
        anyhow::bail!("{} has no `{table}` table", dataset.display());
    }
    let mut paths = Vec::with_capacity(rels.len());
    for rel in &rels {
        let path = dataset.join(rel);
        paths.push(
            PlRefPath::try_from_path(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
    }
    let mut args = ScanArgsParquet::default();
    if rels.iter().any(|rel| partition_value(rel).is_some()) {
        // One scan over every part (not a union of scans: polars 0.55
        // miscounts `COUNT(*)` over a union); the partition value is read
        // from the path, always as a scan name (never parsed as a date).
        args.hive_options = HiveOptions {
            enabled: Some(true),
            hive_start_idx: 0,
            schema: Some(std::sync::Arc::new(Schema::from_iter([Field::new(
                "scan_id".into(),
                names.dtype(),
            )]))),
            try_parse_dates: false,
        };
    }
    let scan = LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)
        .with_context(|| format!("cannot read the `{table}` table of {}", dataset.display()))?;
    if names == ScanNames::Text {
        return Ok(scan);
    }
    // Whichever of the columns the table holds, found when the query is
    // planned: reading every table's schema here would cost each query a
    // footer read per table it does not use.
    let stored = by_name(SCAN_NAME_COLUMNS, false, false).as_expr();
    Ok(scan.with_column(stored.cast(names.dtype())))
}

/// `answer` with every categorical column turned back into text: what
/// users and the other engines see of a scan name is its text, however
/// the query read it.
pub fn categories_as_text(answer: DataFrame) -> Result<DataFrame> {
    let categorical: Vec<_> = answer
        .columns()
        .iter()
        .filter(|c| c.dtype().is_categorical())
        .map(|c| col(c.name().clone()).cast(DataType::String))
        .collect();
    if categorical.is_empty() {
        return Ok(answer);
    }
    Ok(IntoLazy::lazy(answer).with_columns(categorical).collect()?)
}

/// The named columns of one Parquet part.
pub fn read_columns(path: &Path, columns: &[&str]) -> Result<DataFrame> {
    let read = PlRefPath::try_from_path(path)
        .and_then(|source| LazyFrame::scan_parquet(source, ScanArgsParquet::default()))
        .and_then(|lf| {
            lf.select(columns.iter().map(|c| col(*c)).collect::<Vec<_>>())
                .collect()
        });
    read.with_context(|| format!("cannot read {}", path.display()))
}

/// One column of a frame as owned text, whatever its stored type; null stays
/// `None`.
pub fn texts(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let s = df.column(name)?.cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

/// One integer column of a frame widened to `i64`; null stays `None`.
pub fn numbers(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let s = df.column(name)?.cast(&DataType::Int64)?;
    Ok(s.i64()?.iter().collect())
}
