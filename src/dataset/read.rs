//! Reading a committed table back: only the parts the manifest names, with
//! the hive partition value (`scan_id`) restored as a column.

use std::path::Path;

use anyhow::{Context as _, Result};
use polars::io::HiveOptions;
use polars::prelude::{
    col, Column, DataFrame, DataType, Field, LazyFrame, ParquetReader, PlRefPath, ScanArgsParquet,
    Schema, SerReader,
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

/// The whole of `table` as one lazy scan over its committed parts, with
/// `scan_id` restored from the hive path of partitioned tables: queries
/// over it stream.
pub fn scan_table(dataset: &Path, manifest: &Manifest, table: &str) -> Result<LazyFrame> {
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
        // from the path, always as text.
        args.hive_options = HiveOptions {
            enabled: Some(true),
            hive_start_idx: 0,
            schema: Some(std::sync::Arc::new(Schema::from_iter([Field::new(
                "scan_id".into(),
                DataType::String,
            )]))),
            try_parse_dates: false,
        };
    }
    LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)
        .with_context(|| format!("cannot read the `{table}` table of {}", dataset.display()))
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
