//! The `chain_trust` table: every distinct presented chain of every scan,
//! judged under each trust setting the dataset records.
//!
//! Work is proportional to distinct chains, not endpoints: chains are
//! collected once from `handshakes` (an ingest gathers those of its own
//! rows before writing them; only earlier runs' parts are read back), CA
//! certificates are parsed once into an index, leaves are parsed one `certificates` part at a time (so the parts
//! are read twice, rather than every leaf held in memory), and a verdict
//! is computed once per (chain, store, as-of day) and shared by the scans
//! that need it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cert::{ChainCert, Facts};
use super::store::{parse_date, snapshot_at, RootStore, SNAPSHOTS};
use super::verify::{IssuerIndex, Reason, SignatureMemo, Verdict, Verifier};
use crate::dataset::columns::table;
use crate::dataset::manifest::Manifest;
use crate::dataset::read::{partition_value, read_columns};
use crate::x509::hex_lower;

/// Folder of a dataset holding the root-store files its settings name.
pub const ROOTS_DIR: &str = "_roots";

/// One way of judging trust: which roots, at which date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustSetting {
    /// `mozilla` (the built-in snapshot in force at the as-of date), a
    /// snapshot name (`mozilla-2015-09-06`), or `file:NAME` for a PEM file
    /// kept in the dataset's `_roots/` folder.
    pub roots: String,
    /// `scan` (each scan's own date) or a date `YYYY-MM-DD`.
    pub as_of: String,
}

impl Default for TrustSetting {
    fn default() -> Self {
        TrustSetting {
            roots: "mozilla".into(),
            as_of: "scan".into(),
        }
    }
}

impl TrustSetting {
    /// The label tables show in `trust_setting` (`mozilla@scan`).
    pub fn label(&self) -> String {
        format!("{}@{}", self.roots, self.as_of)
    }

    /// Checks the `--as-of` value.
    pub fn check(&self) -> Result<()> {
        if self.as_of != "scan" && parse_date(&self.as_of).is_none() {
            bail!("--as-of {:?}: give `scan` or a date YYYY-MM-DD", self.as_of);
        }
        let builtin = self.roots == "mozilla" || SNAPSHOTS.iter().any(|s| s.name == self.roots);
        if !builtin && !self.roots.starts_with("file:") {
            bail!(
                "--roots {:?}: give `mozilla`, a built-in snapshot ({}) or a PEM file",
                self.roots,
                SNAPSHOTS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(())
    }
}

/// Hex SHA-256 over a presented chain: the certificates' SHA-256 hex
/// strings, leaf first, joined by commas. `handshakes.chain_hash` and
/// `chain_trust.chain_hash` hold it.
pub fn chain_hash<T: AsRef<[u8]>>(chain_hex: impl IntoIterator<Item = T>) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut empty = true;
    for hex in chain_hex {
        if !empty {
            hasher.update(b",");
        }
        hasher.update(hex.as_ref());
        empty = false;
    }
    (!empty).then(|| hex_lower(&hasher.finalize()))
}

table! {
    /// `chain_trust`: one row per scan × distinct presented chain × trust setting.
    pub struct ChainTrustRows {
        scan_id: Vec<String>,
        leaf_sha256: Vec<String>,
        chain_hash: Vec<String>,
        trust_setting: Vec<String>,
        setting_rank: Vec<u16>,
        store: Vec<Option<String>>,
        as_of: Vec<Option<String>>,
        valid: Vec<bool>,
        transvalid: Vec<bool>,
        reason: Vec<&'static str>,
        root_sha256: Vec<Option<String>>,
        path_len: Vec<Option<u16>>,
        signatures_checked: Vec<bool>,
    }
}

/// A distinct chain and the scans that saw it.
struct SeenChain {
    hash: String,
    certs: Vec<String>,
    scans: BTreeSet<String>,
}

/// Where a manifest path lives: staged by this run, or already committed.
pub type Locate<'a> = &'a dyn Fn(&str) -> PathBuf;

/// The distinct chains of a set of `handshakes` rows, each with the scans
/// that saw it. An ingest gathers them from its rows while they are still
/// in memory, so judging them at commit does not read its parts back.
#[derive(Default)]
pub struct SeenChains(HashMap<String, SeenChain>);

impl SeenChains {
    /// Adds the chains of `rows` (with `chain_hash` and `chain_sha256`
    /// columns, as in `handshakes`), all of scan `scan`.
    pub fn add_rows(&mut self, rows: &DataFrame, scan: &str) -> PolarsResult<()> {
        let hashes = rows.column("chain_hash")?.str()?;
        let lists = rows.column("chain_sha256")?.list()?;
        for (i, hash) in hashes.iter().enumerate() {
            let Some(hash) = hash else {
                continue;
            };
            if let Some(seen) = self.0.get_mut(hash) {
                if !seen.scans.contains(scan) {
                    seen.scans.insert(scan.to_owned());
                }
                continue;
            }
            // The list is read only the first time a chain is met.
            let Some(list) = lists.get_as_series(i) else {
                continue;
            };
            let certs: Vec<String> = list
                .str()?
                .iter()
                .map(|s| s.unwrap_or_default().to_owned())
                .collect();
            self.0.insert(
                hash.to_owned(),
                SeenChain {
                    hash: hash.to_owned(),
                    certs,
                    scans: BTreeSet::from([scan.to_owned()]),
                },
            );
        }
        Ok(())
    }

    /// Adds the chains of `other`.
    pub fn merge(&mut self, other: SeenChains) {
        for (hash, chain) in other.0 {
            match self.0.get_mut(&hash) {
                Some(seen) => seen.scans.extend(chain.scans),
                None => {
                    self.0.insert(hash, chain);
                }
            }
        }
    }
}

/// The chains this run's rows presented, gathered while they were written.
pub struct RunChains {
    /// The run whose `handshakes` parts `chains` covers.
    pub run: u32,
    /// Every distinct chain of those parts.
    pub chains: SeenChains,
}

/// Distinct chains per scan of every `handshakes` part: those of
/// `this_run` as gathered, the others read from their parts.
fn seen_chains(manifest: &Manifest, locate: Locate, this_run: RunChains) -> Result<Vec<SeenChain>> {
    let mut seen = this_run.chains;
    for part in manifest.parts.iter().filter(|p| p.table == "handshakes") {
        if part.run == this_run.run {
            continue;
        }
        let scan = partition_value(&part.path).unwrap_or_default();
        let df = read_columns(&locate(&part.path), &["chain_hash", "chain_sha256"])?;
        seen.add_rows(&df, scan)?;
    }
    let mut chains: Vec<SeenChain> = seen.0.into_values().collect();
    chains.sort_by(|a, b| a.hash.cmp(&b.hash));
    Ok(chains)
}

/// Builds the verifier's view of each row of a `certificates` part that
/// `wanted` accepts.
fn certs_of_part(
    path: &Path,
    wanted: &(dyn Fn(&str, bool) -> bool + Sync),
) -> Result<Vec<(String, Arc<ChainCert>)>> {
    let df = read_columns(
        path,
        &[
            "sha256",
            "der",
            "is_ca",
            "subject_dn",
            "issuer_dn",
            "not_before",
            "not_after",
            "sig_alg",
        ],
    )?;
    let sha = df.column("sha256")?.str()?;
    let der = df.column("der")?.binary()?;
    let is_ca = df.column("is_ca")?.bool()?;
    let subject = df.column("subject_dn")?.str()?;
    let issuer = df.column("issuer_dn")?.str()?;
    let sig_alg = df.column("sig_alg")?.str()?;
    let seconds = |name: &str| -> Result<Vec<Option<i64>>> {
        let col = df.column(name)?.cast(&DataType::Int64)?;
        Ok(col
            .i64()?
            .iter()
            .map(|v| v.map(|us| us / 1_000_000))
            .collect())
    };
    let (not_before, not_after) = (seconds("not_before")?, seconds("not_after")?);
    let rows: Vec<usize> = (0..df.height())
        .filter(|&i| {
            sha.get(i)
                .is_some_and(|s| wanted(s, is_ca.get(i).unwrap_or(false)))
        })
        .collect();
    Ok(rows
        .into_par_iter()
        .map(|i| {
            let hex = sha.get(i).unwrap_or_default().to_owned();
            let cert = match der.get(i) {
                Some(bytes) => ChainCert::from_der(bytes),
                None => {
                    let mut key = [0u8; 32];
                    hex::decode_to_slice(&hex, &mut key).ok();
                    ChainCert::from_facts(
                        key,
                        Facts {
                            subject_dn: subject.get(i).map(str::to_owned),
                            issuer_dn: issuer.get(i).map(str::to_owned),
                            not_before: not_before[i],
                            not_after: not_after[i],
                            is_ca: is_ca.get(i),
                            sig_alg: sig_alg.get(i).map(str::to_owned),
                        },
                    )
                }
            };
            (hex, Arc::new(cert))
        })
        .collect())
}

/// The stores and as-of instants a setting resolves to for one scan date.
fn resolve(
    setting: &TrustSetting,
    scan_date: Option<i64>,
    locate: Locate,
    stores: &mut HashMap<String, Arc<RootStore>>,
) -> Result<Option<(Arc<RootStore>, i64)>> {
    let as_of = match setting.as_of.as_str() {
        "scan" => match scan_date {
            Some(d) => d,
            None => return Ok(None),
        },
        date => parse_date(date).with_context(|| format!("bad as-of date {date:?}"))?,
    };
    let name = match setting.roots.as_str() {
        "mozilla" => snapshot_at(as_of).name.to_owned(),
        other => other.to_owned(),
    };
    if let Some(store) = stores.get(&name) {
        return Ok(Some((store.clone(), as_of)));
    }
    let store = match name.strip_prefix("file:") {
        Some(file) => RootStore::from_file(&locate(&format!("{ROOTS_DIR}/{file}")))?,
        None => RootStore::builtin(&name)?,
    };
    let store = Arc::new(store);
    stores.insert(name, store.clone());
    Ok(Some((store, as_of)))
}

/// YYYY-MM-DD of an instant.
fn day(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Counts for the run summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct TrustWork {
    /// Distinct presented chains.
    pub chains: usize,
    /// Distinct certificates parsed for validation.
    pub certificates: usize,
    /// Validations run (distinct chain × store × as-of day).
    pub validations: usize,
}

/// Computes `chain_trust` for every setting of the manifest over the
/// dataset it describes; `this_run` holds the chains of one run's
/// `handshakes` parts, which are then not read back; `bar` counts the leaf
/// certificates judged.
pub fn compute(
    manifest: &Manifest,
    locate: Locate,
    this_run: RunChains,
    bar: &indicatif::ProgressBar,
) -> Result<(DataFrame, TrustWork)> {
    let settings = &manifest.trust;
    let chains = seen_chains(manifest, locate, this_run)?;
    let scan_dates: HashMap<&str, Option<i64>> = manifest
        .scans
        .iter()
        .map(|(id, s)| {
            (
                id.as_str(),
                s.run_start_us.or(s.first_seen_us).map(|us| us / 1_000_000),
            )
        })
        .collect();
    // Certificates presented above a leaf, and CA certificates, form the index
    // of issuers seen anywhere in the dataset.
    let above_leaf: std::collections::HashSet<&str> = chains
        .iter()
        .flat_map(|c| c.certs.iter().skip(1).map(String::as_str))
        .collect();
    let mut issuers: HashMap<String, Arc<ChainCert>> = HashMap::new();
    let cert_parts: Vec<PathBuf> = manifest
        .part_paths("certificates")
        .into_iter()
        .map(locate)
        .collect();
    for path in &cert_parts {
        let wanted = |sha: &str, is_ca: bool| is_ca || above_leaf.contains(sha);
        issuers.extend(certs_of_part(path, &wanted)?);
    }
    let mut elsewhere = IssuerIndex::default();
    for cert in issuers.values() {
        elsewhere.add(cert.clone());
    }
    // Resolve every (chain, scan, setting) to a store and instant.
    let mut stores: HashMap<String, Arc<RootStore>> = HashMap::new();
    struct Job<'c> {
        chain: usize,
        scan: &'c str,
        /// Index into the manifest's settings.
        rank: usize,
        /// The store and day; `None` when the scan has no date to judge at.
        judged: Option<(Arc<RootStore>, i64)>,
    }
    let labels: Vec<String> = settings.iter().map(TrustSetting::label).collect();
    let mut jobs = Vec::new();
    for (ci, chain) in chains.iter().enumerate() {
        for scan in &chain.scans {
            let date = scan_dates.get(scan.as_str()).copied().flatten();
            for (rank, setting) in settings.iter().enumerate() {
                let judged = resolve(setting, date, locate, &mut stores)?
                    .map(|(store, as_of)| (store, as_of - as_of.rem_euclid(86_400)));
                jobs.push(Job {
                    chain: ci,
                    scan: scan.as_str(),
                    rank,
                    judged,
                });
            }
        }
    }
    // Leaves, one certificates part at a time.
    let mut jobs_by_leaf: HashMap<&str, Vec<usize>> = HashMap::new();
    for (ji, job) in jobs.iter().enumerate() {
        jobs_by_leaf
            .entry(chains[job.chain].certs[0].as_str())
            .or_default()
            .push(ji);
    }
    bar.set_length(jobs_by_leaf.len() as u64);
    let mut verdicts: Vec<Option<Verdict>> = vec![None; jobs.len()];
    let mut work = TrustWork {
        chains: chains.len(),
        certificates: issuers.len(),
        validations: 0,
    };
    for path in &cert_parts {
        let wanted = |sha: &str, _: bool| jobs_by_leaf.contains_key(sha);
        let leaves = certs_of_part(path, &wanted)?;
        work.certificates += leaves.len();
        let done: Vec<Vec<(usize, Verdict, bool)>> = leaves
            .par_iter()
            .map_init(SignatureMemo::default, |memo, (sha, leaf)| {
                let mut computed: HashMap<(String, i64, usize), Verdict> = HashMap::new();
                let mut out = Vec::new();
                for &ji in jobs_by_leaf.get(sha.as_str()).into_iter().flatten() {
                    let job = &jobs[ji];
                    let Some((store, as_of)) = &job.judged else {
                        out.push((ji, Verdict::failed(Reason::NoDate), false));
                        continue;
                    };
                    let key = (store.name.clone(), *as_of, job.chain);
                    if let Some(v) = computed.get(&key) {
                        out.push((ji, v.clone(), false));
                        continue;
                    }
                    let chain: Vec<Arc<ChainCert>> = std::iter::once(leaf.clone())
                        .chain(
                            chains[job.chain].certs[1..]
                                .iter()
                                .filter_map(|s| issuers.get(s).cloned()),
                        )
                        .collect();
                    let verifier = Verifier {
                        store,
                        as_of: *as_of,
                    };
                    let v = verifier.verify(&chain, &elsewhere, memo);
                    computed.insert(key, v.clone());
                    out.push((ji, v, true));
                }
                bar.inc(1);
                out
            })
            .collect();
        for (ji, v, fresh) in done.into_iter().flatten() {
            work.validations += usize::from(fresh);
            verdicts[ji] = Some(v);
        }
    }
    let mut rows = ChainTrustRows::default();
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&jobs[a], &jobs[b]);
        (x.scan, &chains[x.chain].hash, x.rank).cmp(&(y.scan, &chains[y.chain].hash, y.rank))
    });
    for ji in order {
        let job = &jobs[ji];
        // A leaf missing from `certificates` cannot happen in a committed
        // dataset; such a chain is left out rather than guessed.
        let Some(v) = verdicts[ji].take() else {
            continue;
        };
        let chain = &chains[job.chain];
        rows.rows += 1;
        rows.scan_id.push(job.scan.to_owned());
        rows.leaf_sha256.push(chain.certs[0].clone());
        rows.chain_hash.push(chain.hash.clone());
        rows.trust_setting.push(labels[job.rank].clone());
        rows.setting_rank
            .push(u16::try_from(job.rank).unwrap_or(u16::MAX));
        rows.store
            .push(job.judged.as_ref().map(|(store, _)| store.name.clone()));
        rows.as_of
            .push(job.judged.as_ref().map(|(_, as_of)| day(*as_of)));
        rows.valid.push(v.valid);
        rows.transvalid.push(v.transvalid);
        rows.reason.push(v.reason.name());
        rows.root_sha256.push(v.root_sha256.map(|r| hex_lower(&r)));
        rows.path_len.push(v.path_len.map(u16::from));
        rows.signatures_checked.push(v.signatures_checked);
    }
    Ok((rows.into_frame()?, work))
}
