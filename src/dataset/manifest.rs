//! `_manifest.json`: the committed state of a dataset.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::MANIFEST;

/// Version of the dataset layout. 2: `handshakes.chain_hash` and the
/// derived `chain_trust`, `name_checks` and `mozilla_levels` tables.
/// 3: `handshakes.kex`, `certificates.path_len` and `key_cert_sign`,
/// `cipher_suites.kex_class`, `chain_trust.as_of` to the second, and the
/// `toplist` and `dns` tables. 4: the `mta_sts_policy` rows, the derived
/// `dns_mx`, `dns_addr`, `dns_tlsa` and `mta_sts` tables, and
/// `mail_routes.{starttls_offered, cipher_id, mta_sts, mta_sts_names_mx}`,
/// and the `enumerated_targets`, `cipher_support`, `banners` and
/// `sonar_ssl` rows.
pub const FORMAT: u32 = 4;

/// Everything a dataset holds, and where it came from.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Manifest {
    /// Manifest layout version.
    pub format: u32,
    /// `mailtls <version>` of the last writer.
    pub tool: String,
    /// Ingest runs, oldest first.
    pub runs: Vec<Run>,
    /// Every input file ingested.
    pub inputs: Vec<InputEntry>,
    /// Every Parquet part of the dataset; files not listed here do not exist for readers.
    pub parts: Vec<Part>,
    /// Scan series, aggregated over all runs.
    pub scans: BTreeMap<String, ScanEntry>,
    /// How `chain_trust` judges chains: one setting per root store and
    /// as-of rule; the first is the one tables use by default.
    #[serde(default)]
    pub trust: Vec<crate::trust::TrustSetting>,
}

/// One ingest run.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Run {
    /// 1-based run number.
    pub id: u32,
    /// Start time, RFC 3339.
    pub started: String,
    /// Commit time, RFC 3339.
    pub committed: String,
    /// `mailtls <version>`.
    pub tool: String,
    /// Worker threads used.
    pub jobs: usize,
    /// Inputs skipped because their content was already ingested.
    pub skipped_inputs: Vec<String>,
    /// Inputs that could not be opened or read: nothing of them was
    /// committed, and a later ingest of the same path tries them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_inputs: Vec<FailedInput>,
}

/// An input a run could not ingest, and why.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct FailedInput {
    /// Path as given (made absolute).
    pub path: String,
    /// What went wrong.
    pub error: String,
}

/// One input file.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct InputEntry {
    /// Index used in the tables' `input_id` column.
    pub id: u32,
    /// Run that ingested it.
    pub run: u32,
    /// Path as given (made absolute).
    pub path: String,
    /// Size in bytes as stored.
    pub size: u64,
    /// XXH3-128 of the stored bytes, lower-case hex (detects re-ingestion);
    /// empty for a file read in pieces, whose pieces carry theirs.
    pub xxh3_128: String,
    /// Detected compression.
    pub codec: String,
    /// Decompressed size in bytes.
    pub decompressed: u64,
    /// Records read per layout.
    pub records: BTreeMap<String, u64>,
    /// Rows written to `handshakes`.
    pub handshakes: u64,
    /// Rows written to `discovery`.
    pub discoveries: u64,
    /// Non-TLS services in the records (SSH banners, HTTP GETs), counted only.
    pub ignored_services: u64,
    /// Records rejected, by reason.
    pub bad_records: BTreeMap<String, u64>,
    /// A decompression error that ended the file early.
    pub stream_error: Option<String>,
    /// Chunks whose parsing failed inside mailtls (a bug): their records
    /// are quarantined with the reason, and the run exits non-zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub internal_errors: u64,
    /// The byte-range pieces of the file this entry holds, when it was
    /// split among shards (`--shard K/N` on a large plain file): one piece
    /// for a shard's dataset, every piece once a merge put them together.
    /// Empty when the file was read whole. Line numbers in the rows of a
    /// single piece count from the piece's start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<Piece>,
    /// Why the input could not be ingested, when it could not: none of its
    /// rows is in the dataset (the certificates it decoded are), and a
    /// later ingest of it tries again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// A byte range of an input file, read on its own.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Piece {
    /// First byte.
    pub start: u64,
    /// Byte after the last.
    pub end: u64,
    /// Line breaks in it: the lines before the next piece.
    pub line_breaks: u64,
    /// XXH3-128 of its bytes, lower-case hex.
    pub xxh3_128: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl InputEntry {
    /// Whether the entry's pieces cover its file from first byte to last.
    pub fn pieces_cover_the_file(&self) -> bool {
        let mut next = 0;
        for p in &self.pieces {
            if p.start != next {
                return false;
            }
            next = p.end;
        }
        !self.pieces.is_empty() && next == self.size
    }

    /// Total rejected records.
    pub fn bad_total(&self) -> u64 {
        self.bad_records.values().sum()
    }
}

/// One Parquet file of a table.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Part {
    /// `handshakes`, `certificates`, `discovery` or `scans`.
    pub table: String,
    /// Path relative to the dataset folder.
    pub path: String,
    /// Rows in the part.
    pub rows: u64,
    /// Run that wrote it.
    pub run: u32,
}

/// One scan series.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct ScanEntry {
    /// Port.
    pub port: u16,
    /// Protocol.
    pub protocol: String,
    /// `starttls` or `implicit`.
    pub tls_mode: String,
    /// Layouts its records came in.
    pub layouts: Vec<String>,
    /// scans.io sub-protocol, if named so.
    pub subprotocol: Option<String>,
    /// scans.io destination, if named so.
    pub destination: Option<String>,
    /// Run start from the file name, µs since the epoch.
    pub run_start_us: Option<i64>,
    /// Earliest record timestamp, µs.
    pub first_seen_us: Option<i64>,
    /// Latest record timestamp, µs.
    pub last_seen_us: Option<i64>,
    /// Rows in `handshakes`.
    pub handshakes: u64,
    /// Rows in `discovery`.
    pub discoveries: u64,
    /// Inputs that contributed.
    pub input_ids: Vec<u32>,
}

impl ScanEntry {
    /// The same series with nothing counted yet.
    pub fn identity(&self) -> ScanEntry {
        ScanEntry {
            port: self.port,
            protocol: self.protocol.clone(),
            tls_mode: self.tls_mode.clone(),
            subprotocol: self.subprotocol.clone(),
            destination: self.destination.clone(),
            run_start_us: self.run_start_us,
            ..ScanEntry::default()
        }
    }

    /// Folds another partial view of the same series into this one.
    pub fn merge(&mut self, other: &ScanEntry) {
        for l in &other.layouts {
            if !self.layouts.contains(l) {
                self.layouts.push(l.clone());
            }
        }
        self.layouts.sort();
        self.first_seen_us = min_opt(self.first_seen_us, other.first_seen_us);
        self.last_seen_us = self.last_seen_us.max(other.last_seen_us);
        self.handshakes += other.handshakes;
        self.discoveries += other.discoveries;
        for i in &other.input_ids {
            if !self.input_ids.contains(i) {
                self.input_ids.push(*i);
            }
        }
        self.input_ids.sort_unstable();
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

impl Manifest {
    /// Reads `DIR/_manifest.json`.
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not a committed mailtls dataset (no readable {MANIFEST}); run `mailtls ingest … --out {}` first",
                dir.display(),
                dir.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))
    }

    /// Rows per table over all committed parts.
    pub fn rows(&self, table: &str) -> u64 {
        self.parts
            .iter()
            .filter(|p| p.table == table)
            .map(|p| p.rows)
            .sum()
    }

    /// Paths of a table's committed parts, relative to the dataset.
    pub fn part_paths(&self, table: &str) -> Vec<&str> {
        self.parts
            .iter()
            .filter(|p| p.table == table)
            .map(|p| p.path.as_str())
            .collect()
    }
}
