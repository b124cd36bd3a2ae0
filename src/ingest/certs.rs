//! Certificate deduplication shared by all workers: each distinct base64
//! text is decoded and hashed once, each distinct DER parsed once.
//!
//! One certificate, one row, in the best form seen: a certificate first
//! met only as a scanner's parsed JSON (Censys) gets a DER row when its DER
//! arrives later, in the same run or an appended one; the parsed-only row
//! is then dropped at commit ([`CertStore::upgraded`]).

use std::collections::HashSet;
use std::sync::Mutex;

use anyhow::Context as _;
use base64::Engine;
use foldhash::HashMap;
use polars::prelude::{BooleanChunked, ParquetReader, SerReader};
use sha2::{Digest, Sha256};

use crate::dataset::commit::Staging;
use crate::dataset::manifest::Manifest;
use crate::dataset::read::read_columns;
use crate::dataset::tables::CertificateRows;
use crate::dataset::writer::write_part;
use crate::formats::RecordError;
use crate::record::CertInput;
use crate::x509::{digest_from_hex, facts_from_hashed_der, Sha256Digest};

const SHARDS: usize = 64;

/// The form a certificate's row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// The DER (or its parse error).
    Der,
    /// Only a scanner's parsed JSON.
    Parsed,
}

/// The set of certificates already in the dataset or seen in this run.
pub struct CertStore {
    /// XXH3-128 of a base64 text → SHA-256 of its DER.
    by_text: Vec<Mutex<HashMap<u128, Sha256Digest>>>,
    /// SHA-256 of every certificate that has a row, and the row's form.
    known: Vec<Mutex<HashMap<Sha256Digest, Form>>>,
    /// Certificates whose parsed-only row was superseded by a DER row.
    upgraded: Mutex<HashSet<Sha256Digest>>,
}

impl Default for CertStore {
    fn default() -> Self {
        CertStore {
            by_text: (0..SHARDS).map(|_| Mutex::default()).collect(),
            known: (0..SHARDS).map(|_| Mutex::default()).collect(),
            upgraded: Mutex::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl CertStore {
    /// Marks a certificate (by hex SHA-256) as already present, as DER or
    /// as a scanner's parsed JSON only (`parse_status` `scanner_json`).
    pub fn preload(&self, sha256_hex: &str, parsed_only: bool) {
        if let Some(key) = digest_from_hex(sha256_hex) {
            let form = if parsed_only { Form::Parsed } else { Form::Der };
            lock(&self.known[key[0] as usize % SHARDS]).insert(key, form);
        }
    }

    /// The certificates whose parsed-only rows a DER row replaced in this
    /// run: those rows are to be dropped when the run commits.
    pub fn upgraded(&self) -> HashSet<Sha256Digest> {
        lock(&self.upgraded).clone()
    }

    /// Number of distinct certificates known.
    pub fn len(&self) -> usize {
        self.known.iter().map(|s| lock(s).len()).sum()
    }

    /// True when no certificate is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a certificate seen in `form`; true when it needs a row (new,
    /// or DER for one known only parsed).
    fn note(&self, key: Sha256Digest, form: Form) -> bool {
        let mut shard = lock(&self.known[key[0] as usize % SHARDS]);
        match (shard.get(&key).copied(), form) {
            (None, _) => {
                shard.insert(key, form);
                true
            }
            (Some(Form::Parsed), Form::Der) => {
                shard.insert(key, Form::Der);
                drop(shard);
                lock(&self.upgraded).insert(key);
                true
            }
            (Some(_), _) => false,
        }
    }

    /// The SHA-256 of a presented certificate; a row is added to `rows`
    /// the first time a certificate is seen, and again the first time the
    /// DER of one known only parsed is seen.
    pub fn resolve(
        &self,
        cert: CertInput<'_>,
        input_id: u32,
        rows: &mut CertificateRows,
    ) -> Result<Sha256Digest, RecordError> {
        match cert {
            CertInput::Base64Der(text) => {
                let text_key = twox_hash::XxHash3_128::oneshot(text.as_bytes());
                let shard = &self.by_text[(text_key as usize) % SHARDS];
                if let Some(sha) = lock(shard).get(&text_key) {
                    return Ok(*sha);
                }
                let der = base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .map_err(|e| {
                        RecordError::new(format!("certificate `raw` is not base64: {e}"))
                    })?;
                let sha: Sha256Digest = Sha256::digest(&der).into();
                lock(shard).insert(text_key, sha);
                if self.note(sha, Form::Der) {
                    rows.push(facts_from_hashed_der(der, &sha), input_id);
                }
                Ok(sha)
            }
            CertInput::ScannerParsed(facts) => {
                let key = digest_from_hex(&facts.sha256).ok_or_else(|| {
                    RecordError::new("parsed certificate fingerprint is not 64 hex digits")
                })?;
                if self.note(key, Form::Parsed) {
                    rows.push(*facts, input_id);
                }
                Ok(key)
            }
        }
    }
}

/// Drops the parsed-only rows of `upgraded` certificates from every
/// `certificates` part of `manifest` (committed or staged by this run):
/// each part holding such a row is written anew into the staging folder
/// and takes the old one's place in the manifest. Returns the committed
/// parts so replaced, to delete once the new manifest is in place (a staged
/// one is deleted at once).
pub fn drop_superseded_rows(
    manifest: &mut Manifest,
    staging: &Staging,
    run: u32,
    upgraded: &HashSet<Sha256Digest>,
) -> anyhow::Result<Vec<String>> {
    let mut replaced = Vec::new();
    if upgraded.is_empty() {
        return Ok(replaced);
    }
    for (n, part) in manifest.parts.iter_mut().enumerate() {
        if part.table != "certificates" {
            continue;
        }
        let staged = staging.root.join(&part.path);
        let path = if staged.exists() {
            staged.clone()
        } else {
            staging.dataset.join(&part.path)
        };
        let keys = read_columns(&path, &["sha256", "parse_status"])?;
        let sha = keys.column("sha256")?.str()?;
        let status = keys.column("parse_status")?.str()?;
        let keep: BooleanChunked = sha
            .iter()
            .zip(status.iter())
            .map(|(sha, status)| {
                let superseded = status == Some("scanner_json")
                    && sha
                        .and_then(digest_from_hex)
                        .is_some_and(|d| upgraded.contains(&d));
                Some(!superseded)
            })
            .collect();
        if keep.all() {
            continue;
        }
        let file = std::fs::File::open(&path)?;
        let mut df = ParquetReader::new(file)
            .finish()
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter(&keep)?;
        let dir = part
            .path
            .rsplit_once('/')
            .map_or("certificates", |(d, _)| d);
        let rel = format!("{dir}/part-r{run:04}-upgraded-{n:05}.parquet");
        let new = write_part(&staging.root, &rel, "certificates", run, &mut df)?;
        if path == staged {
            std::fs::remove_file(&staged).ok();
        } else {
            replaced.push(part.path.clone());
        }
        *part = new;
    }
    Ok(replaced)
}
