//! The dataset: hive-partitioned zstd Parquet plus `_manifest.json`.
//!
//! ```text
//! DATASET/_manifest.json                      what is committed (the only truth)
//! DATASET/scans/part-r0001.parquet            one row per scan series
//! DATASET/handshakes/scan_id=<id>/part-….parquet
//! DATASET/discovery/scan_id=<id>/part-….parquet
//! DATASET/certificates/part-….parquet         distinct certificates
//! DATASET/_quarantine/r0001/<input>.jsonl     rejected records with file, line, offset, reason
//! ```
//! Only parts named in the manifest belong to the dataset.

pub mod columns;
pub mod commit;
pub mod manifest;
pub mod read;
pub mod series;
pub mod tables;
pub mod writer;

/// Name of the manifest file inside a dataset folder.
pub const MANIFEST: &str = "_manifest.json";
