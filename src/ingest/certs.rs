//! Certificate deduplication shared by all workers: each distinct base64
//! text is decoded and hashed once, each distinct DER parsed once.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::dataset::tables::CertificateRows;
use crate::formats::RecordError;
use crate::record::CertInput;
use crate::x509::{digest_from_hex, facts_from_der, Sha256Digest};

const SHARDS: usize = 64;

/// The set of certificates already in the dataset or seen in this run.
pub struct CertStore {
    /// XXH3-128 of a base64 text → SHA-256 of its DER.
    by_text: Vec<Mutex<HashMap<u128, Sha256Digest>>>,
    /// SHA-256 of every certificate that has a row.
    known: Vec<Mutex<HashSet<Sha256Digest>>>,
}

impl Default for CertStore {
    fn default() -> Self {
        CertStore {
            by_text: (0..SHARDS).map(|_| Mutex::default()).collect(),
            known: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl CertStore {
    /// Marks a certificate (by hex SHA-256) as already present.
    pub fn preload(&self, sha256_hex: &str) {
        if let Some(key) = digest_from_hex(sha256_hex) {
            self.insert_known(key);
        }
    }

    /// Number of distinct certificates known.
    pub fn len(&self) -> usize {
        self.known.iter().map(|s| lock(s).len()).sum()
    }

    /// True when no certificate is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert_known(&self, key: Sha256Digest) -> bool {
        lock(&self.known[key[0] as usize % SHARDS]).insert(key)
    }

    /// The SHA-256 of a presented certificate; a row is added to `rows`
    /// the first time a certificate is seen.
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
                if self.insert_known(sha) {
                    rows.push(facts_from_der(der), input_id);
                }
                Ok(sha)
            }
            CertInput::ScannerParsed(facts) => {
                let key = digest_from_hex(&facts.sha256).ok_or_else(|| {
                    RecordError::new("parsed certificate fingerprint is not 64 hex digits")
                })?;
                if self.insert_known(key) {
                    rows.push(*facts, input_id);
                }
                Ok(key)
            }
        }
    }
}
