//! Reading a committed table back: only the parts the manifest names, with
//! the hive partition value (`scan_id`) restored as a column.

use std::path::Path;

use anyhow::{Context as _, Result};
use polars::prelude::{
    concat, lit, Column, DataFrame, LazyFrame, ParquetReader, PlRefPath, ScanArgsParquet,
    SerReader, UnionArgs,
};

use super::manifest::Manifest;

fn partition_value(rel: &str) -> Option<&str> {
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

/// The whole of `table` as a lazy scan over its committed parts, with
/// `scan_id` restored for partitioned tables: queries over it stream.
pub fn scan_table(dataset: &Path, manifest: &Manifest, table: &str) -> Result<LazyFrame> {
    let mut frames = Vec::new();
    for rel in manifest.part_paths(table) {
        let path = dataset.join(rel);
        let source = PlRefPath::try_from_path(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut lf = LazyFrame::scan_parquet(source, ScanArgsParquet::default())
            .with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(scan) = partition_value(rel) {
            lf = lf.with_column(lit(scan.to_owned()).alias("scan_id"));
        }
        frames.push(lf);
    }
    if frames.is_empty() {
        anyhow::bail!("{} has no `{table}` table", dataset.display());
    }
    Ok(concat(frames, UnionArgs::default())?)
}
