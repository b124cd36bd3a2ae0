//! mailtls: analyse published Internet-wide scans of mail servers.
//!
//! The pipeline, one module per room (see `docs/architecture.md`):
//! [`input`] (files, codecs, framing) → [`formats`] (one parser per layout,
//! emitting [`record`] types) → [`ingest`] (parallel run, certificate
//! deduplication, quarantine) → [`dataset`] (Parquet parts, manifest,
//! atomic commit). [`synth`] writes synthetic archives with known truth.

#![warn(missing_docs)]

pub mod catalogue;
pub mod challenge;
pub mod chart;
pub mod checkpoint;
pub mod cli;
pub mod cmd;
pub mod csv;
pub mod dane;
pub mod dataset;
pub mod der;
pub mod formats;
pub mod ingest;
pub mod input;
pub mod over_time;
pub mod query;
pub mod record;
pub mod render;
pub mod report;
pub mod synth;
pub mod time;
pub mod tls;
pub mod trust;
pub mod x509;
