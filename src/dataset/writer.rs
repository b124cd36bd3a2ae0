//! Writing Parquet parts into a staging folder.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::{DataFrame, ParquetCompression, ParquetWriter};

use super::manifest::Part;

/// Rows buffered per table and scan before a part is written.
pub const ROWS_PER_PART: usize = 65_536;

/// Bytes buffered per table and scan before a part is written, so memory
/// reaches its steady state early and does not depend on row width.
pub const BYTES_PER_PART: usize = 16 << 20;

/// Writes `df` to `root/rel` as zstd Parquet and describes the part.
pub fn write_part(
    root: &Path,
    rel: &str,
    table: &str,
    run: u32,
    df: &mut DataFrame,
) -> Result<Part> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    df.rechunk_mut_par();
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(ZstdLevel::try_new(1).ok()))
        .with_row_group_size(Some(128 * 1024))
        .finish(df)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Part {
        table: table.to_owned(),
        path: rel.to_owned(),
        rows: df.height() as u64,
        run,
    })
}

/// Frames of one table (and scan) waiting to be written as one part.
#[derive(Default)]
pub struct Pending {
    frames: Vec<DataFrame>,
    rows: usize,
    bytes: usize,
    written: u32,
}

impl Pending {
    /// Adds a frame; returns true when a part's worth of rows or bytes is waiting.
    pub fn add(&mut self, df: DataFrame) -> bool {
        self.rows += df.height();
        if df.height() > 0 {
            self.bytes += df.estimated_size();
            self.frames.push(df);
        }
        self.rows >= ROWS_PER_PART || self.bytes >= BYTES_PER_PART
    }

    /// Writes what is waiting (if anything) as `dir/part-r<run>-i<input>-<n>.parquet`.
    pub fn flush(
        &mut self,
        root: &Path,
        dir: &str,
        table: &str,
        run: u32,
        input: u32,
    ) -> Result<Option<Part>> {
        if self.frames.is_empty() {
            return Ok(None);
        }
        let mut frames = std::mem::take(&mut self.frames).into_iter();
        let mut df = frames.next().unwrap_or_default();
        for f in frames {
            df.vstack_mut_owned(f)?;
        }
        self.rows = 0;
        self.bytes = 0;
        let rel = format!(
            "{dir}/part-r{run:04}-i{input:05}-{:05}.parquet",
            self.written
        );
        self.written += 1;
        write_part(root, &rel, table, run, &mut df).map(Some)
    }
}

/// The partition folder of a table for one scan, e.g. `handshakes/scan_id=25-smtp-…`.
pub fn partition_dir(table: &str, scan_id: &str) -> String {
    format!("{table}/scan_id={scan_id}")
}

/// Makes a text safe as a hive partition value and file-name part: readers
/// URL-decode partition values, so `%` (as in `1%_sample_ipv4`) becomes `pct`.
pub fn path_safe(text: &str) -> String {
    let safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    // The common case, a scans.io series id, needs no change.
    if text.bytes().all(safe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("pct"),
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') => out.push(c),
            _ => out.push('_'),
        }
    }
    out
}

/// Absolute form of a path, for the manifest.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
