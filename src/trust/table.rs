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

use foldhash::{HashMap, HashMapExt, HashSet};
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
use crate::x509::{digest_from_hex, hex_lower, Sha256Digest};

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

/// SHA-256 over a presented chain: the certificates' SHA-256 hex strings,
/// leaf first, joined by commas. `handshakes.chain_hash` and
/// `chain_trust.chain_hash` hold its hex.
pub fn chain_digest<T: AsRef<[u8]>>(
    chain_hex: impl IntoIterator<Item = T>,
) -> Option<Sha256Digest> {
    let mut hasher = Sha256::new();
    let mut empty = true;
    for hex in chain_hex {
        if !empty {
            hasher.update(b",");
        }
        hasher.update(hex.as_ref());
        empty = false;
    }
    (!empty).then(|| hasher.finalize().into())
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
        root_name: Vec<Option<String>>,
        path_len: Vec<Option<u16>>,
        signatures_checked: Vec<bool>,
    }
}

/// A scan that saw a chain (an index into `SeenChains::scans`) and the
/// earliest time a record of it presented the chain (µs since the epoch),
/// when the records are dated.
type ScanSeen = (u32, Option<i64>);

/// A distinct chain and the scans that saw it.
struct SeenChain {
    certs: Box<[Sha256Digest]>,
    /// The first scan that saw it, then any others; nearly every chain is
    /// seen by one scan only.
    first_scan: ScanSeen,
    more_scans: Vec<ScanSeen>,
}

impl SeenChain {
    fn scans(&self) -> impl Iterator<Item = ScanSeen> + '_ {
        std::iter::once(self.first_scan).chain(self.more_scans.iter().copied())
    }

    fn add_scan(&mut self, (scan, time): ScanSeen) {
        let earliest = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if self.first_scan.0 == scan {
            self.first_scan.1 = earliest(self.first_scan.1, time);
        } else if let Some(seen) = self.more_scans.iter_mut().find(|s| s.0 == scan) {
            seen.1 = earliest(seen.1, time);
        } else {
            self.more_scans.push((scan, time));
        }
    }
}

/// The distinct chains of a set of `handshakes` rows, each with the scans
/// that saw it. An ingest gathers them from its rows while they are still
/// in memory, so judging them at commit does not read its parts back.
///
/// This map grows with the distinct chains of a dataset (on real scans,
/// about one per host that serves its own certificate), so a chain is kept
/// as digests and scan numbers, not hex text and scan names: 48 MiB less
/// peak memory for 100,000 distinct chains than with text (measured).
#[derive(Default)]
pub struct SeenChains {
    /// Scan ids, each once.
    scans: Vec<String>,
    chains: HashMap<Sha256Digest, SeenChain>,
}

impl SeenChains {
    /// The index of scan id `scan`, added if new.
    fn scan_index(&mut self, scan: &str) -> u32 {
        // Scans are few (one per port and date); the latest is the likeliest.
        match self.scans.iter().rposition(|s| s == scan) {
            Some(i) => i as u32,
            None => {
                self.scans.push(scan.to_owned());
                (self.scans.len() - 1) as u32
            }
        }
    }

    /// Adds one presented chain (`hash` as [`chain_digest`] makes it,
    /// `certs` leaf first) seen by scan `scan` in a record of time `time`
    /// (µs since the epoch).
    pub fn add(
        &mut self,
        scan: &str,
        hash: Sha256Digest,
        certs: &[Sha256Digest],
        time: Option<i64>,
    ) {
        let scan = self.scan_index(scan);
        self.add_indexed((scan, time), hash, certs);
    }

    fn add_indexed(&mut self, seen: ScanSeen, hash: Sha256Digest, certs: &[Sha256Digest]) {
        self.chains
            .entry(hash)
            .and_modify(|chain| chain.add_scan(seen))
            .or_insert_with(|| SeenChain {
                certs: certs.into(),
                first_scan: seen,
                more_scans: Vec::new(),
            });
    }

    /// Adds the chains of `rows` (with `chain_hash`, `chain_sha256` and
    /// `timestamp` columns, as in `handshakes`), all of scan `scan`. A row
    /// whose hashes are not hex digests (which `mailtls` never writes) is
    /// left out.
    pub fn add_rows(&mut self, rows: &DataFrame, scan: &str) -> PolarsResult<()> {
        let hashes = rows.column("chain_hash")?.str()?;
        let lists = rows.column("chain_sha256")?.list()?;
        let times = rows.column("timestamp")?.cast(&DataType::Int64)?;
        let times = times.i64()?;
        let index = self.scan_index(scan);
        for (i, hash) in hashes.iter().enumerate() {
            let Some(hash) = hash.and_then(digest_from_hex) else {
                continue;
            };
            let seen = (index, times.get(i));
            if let Some(chain) = self.chains.get_mut(&hash) {
                chain.add_scan(seen);
                continue;
            }
            // The list is read only the first time a chain is met.
            let Some(list) = lists.get_as_series(i) else {
                continue;
            };
            let certs: Option<Vec<Sha256Digest>> = list
                .str()?
                .iter()
                .map(|s| s.and_then(digest_from_hex))
                .collect();
            if let Some(certs) = certs.filter(|c| !c.is_empty()) {
                self.add_indexed(seen, hash, &certs);
            }
        }
        Ok(())
    }

    /// Adds the chains of `other`.
    pub fn merge(&mut self, other: SeenChains) {
        let remap: Vec<u32> = other.scans.iter().map(|s| self.scan_index(s)).collect();
        for (hash, chain) in other.chains {
            let SeenChain {
                certs,
                first_scan,
                more_scans,
            } = chain;
            let first = (remap[first_scan.0 as usize], first_scan.1);
            let seen = self.chains.entry(hash).or_insert_with(|| SeenChain {
                certs,
                first_scan: first,
                more_scans: Vec::new(),
            });
            seen.add_scan(first);
            for (scan, time) in more_scans {
                seen.add_scan((remap[scan as usize], time));
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

/// Where a manifest path lives: staged by this run, or already committed.
pub type Locate<'a> = &'a dyn Fn(&str) -> PathBuf;

/// A distinct chain under its hash.
type HashedChain = (Sha256Digest, SeenChain);

/// Distinct chains per scan of every `handshakes` part: those of
/// `this_run` as gathered, the others read from their parts.
/// Returns the scan ids and the chains in order of their hash.
fn seen_chains(
    manifest: &Manifest,
    locate: Locate,
    this_run: RunChains,
) -> Result<(Vec<String>, Vec<HashedChain>)> {
    let mut seen = this_run.chains;
    for part in manifest.parts.iter().filter(|p| p.table == "handshakes") {
        if part.run == this_run.run {
            continue;
        }
        let scan = partition_value(&part.path).unwrap_or_default();
        let df = read_columns(
            &locate(&part.path),
            &["chain_hash", "chain_sha256", "timestamp"],
        )?;
        seen.add_rows(&df, scan)?;
    }
    // Chains enumeration tools kept: one scan per part (one input file).
    for part in manifest
        .parts
        .iter()
        .filter(|p| p.table == "enumerated_targets")
    {
        if part.run == this_run.run {
            continue;
        }
        let df = read_columns(
            &locate(&part.path),
            &["scan_id", "chain_hash", "chain_sha256", "timestamp"],
        )?;
        if df.height() == 0 {
            continue;
        }
        let scan = df.column("scan_id")?.str()?.get(0).map(str::to_owned);
        if let Some(scan) = scan {
            seen.add_rows(&df, &scan)?;
        }
    }
    let mut chains: Vec<HashedChain> = seen.chains.into_iter().collect();
    // Digests sort as their lower-case hex does.
    chains.sort_unstable_by_key(|(hash, _)| *hash);
    Ok((seen.scans, chains))
}

/// Builds the verifier's view of each row of a `certificates` part that
/// `wanted` accepts (given the row's SHA-256 and whether it is a CA).
/// A parsed row for which `dates_decide` (given its validity in seconds)
/// says the dates alone settle every verdict is not parsed again: its view
/// holds only those dates, which is all the verifier then reads.
fn certs_of_part(
    path: &Path,
    wanted: &(dyn Fn(&Sha256Digest, bool) -> bool + Sync),
    dates_decide: &(dyn Fn(&Sha256Digest, i64, i64) -> bool + Sync),
) -> Result<Vec<(Sha256Digest, Arc<ChainCert>)>> {
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
            "eku",
            "path_len",
            "key_cert_sign",
            "self_signature_valid",
        ],
    )?;
    let sha = df.column("sha256")?.str()?;
    let der = df.column("der")?.binary()?;
    let is_ca = df.column("is_ca")?.bool()?;
    let subject = df.column("subject_dn")?.str()?;
    let issuer = df.column("issuer_dn")?.str()?;
    let sig_alg = df.column("sig_alg")?.str()?;
    let eku = df.column("eku")?.list()?;
    let path_len = df.column("path_len")?.u32()?;
    let key_cert_sign = df.column("key_cert_sign")?.bool()?;
    let self_signature = df.column("self_signature_valid")?.bool()?;
    let seconds = |name: &str| -> Result<Vec<Option<i64>>> {
        let col = df.column(name)?.cast(&DataType::Int64)?;
        Ok(col
            .i64()?
            .iter()
            .map(|v| v.map(|us| us / 1_000_000))
            .collect())
    };
    let (not_before, not_after) = (seconds("not_before")?, seconds("not_after")?);
    let rows: Vec<(usize, Sha256Digest)> = (0..df.height())
        .filter_map(|i| {
            let digest = sha.get(i).and_then(digest_from_hex)?;
            wanted(&digest, is_ca.get(i).unwrap_or(false)).then_some((i, digest))
        })
        .collect();
    // Usages are read for the rows known only by a scanner's fields.
    let usages = |i: usize| -> Vec<String> {
        eku.get_as_series(i)
            .and_then(|s| {
                s.str()
                    .ok()
                    .map(|s| s.iter().flatten().map(str::to_owned).collect())
            })
            .unwrap_or_default()
    };
    let facts_only: Vec<(usize, Vec<String>)> = rows
        .iter()
        .filter(|(i, _)| der.get(*i).is_none())
        .map(|(i, _)| (*i, usages(*i)))
        .collect();
    let usages_of: HashMap<usize, Vec<String>> = facts_only.into_iter().collect();
    Ok(rows
        .into_par_iter()
        .map(|(i, digest)| {
            let dates = not_before[i].zip(not_after[i]);
            let settled = dates.is_some_and(|(from, to)| dates_decide(&digest, from, to));
            let cert = match der.get(i) {
                Some(_) if settled => ChainCert::from_facts(
                    digest,
                    Facts {
                        not_before: not_before[i],
                        not_after: not_after[i],
                        ..Facts::default()
                    },
                ),
                // The digest is the row's key, and a self-issued
                // certificate's own signature was checked at ingest.
                Some(bytes) => ChainCert::from_known_der(digest, bytes, self_signature.get(i)),
                None => ChainCert::from_facts(
                    digest,
                    Facts {
                        subject_dn: subject.get(i).map(str::to_owned),
                        issuer_dn: issuer.get(i).map(str::to_owned),
                        not_before: not_before[i],
                        not_after: not_after[i],
                        is_ca: is_ca.get(i),
                        sig_alg: sig_alg.get(i).map(str::to_owned),
                        eku: usages_of.get(&i).cloned().unwrap_or_default(),
                        path_len: path_len.get(i),
                        key_cert_sign: key_cert_sign.get(i),
                    },
                ),
            };
            (digest, Arc::new(cert))
        })
        .collect())
}

/// A job's index, its verdict, and whether it was computed afresh (not
/// copied from the same chain judged at the same store and instant).
type JobVerdict = (usize, Verdict, bool);

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

/// An instant as RFC 3339 UTC text, to the second.
fn instant(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
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
    let (scans, chains) = seen_chains(manifest, locate, this_run)?;
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
    let above_leaf: HashSet<&Sha256Digest> = chains
        .iter()
        .flat_map(|(_, c)| c.certs.iter().skip(1))
        .collect();
    let mut issuers: HashMap<Sha256Digest, Arc<ChainCert>> = HashMap::new();
    let cert_parts: Vec<PathBuf> = manifest
        .part_paths("certificates")
        .into_iter()
        .map(locate)
        .collect();
    // Parts are read in parallel, each then parsed in parallel: reading one
    // part alone leaves cores idle while polars decodes its pages.
    let wanted = |sha: &Sha256Digest, is_ca: bool| is_ca || above_leaf.contains(sha);
    let of_parts: Vec<_> = cert_parts
        .par_iter()
        .map(|path| certs_of_part(path, &wanted, &|_, _, _| false))
        .collect::<Result<_>>()?;
    issuers.extend(of_parts.into_iter().flatten());
    let mut elsewhere = IssuerIndex::default();
    for cert in issuers.values() {
        elsewhere.add(cert.clone());
    }
    // Resolve every (chain, scan, setting) to a store and instant.
    let mut stores: HashMap<String, Arc<RootStore>> = HashMap::new();
    /// A job's store and instant; `None` when the scan has no date to judge at.
    type Judged = Option<(Arc<RootStore>, i64)>;
    struct Job<'c> {
        chain: usize,
        scan: &'c str,
        /// Index into the manifest's settings.
        rank: usize,
        judged: Judged,
    }
    let labels: Vec<String> = settings.iter().map(TrustSetting::label).collect();
    let mut jobs = Vec::new();
    // Chains of one scan share few distinct seconds: each (setting, date)
    // is resolved to its store once.
    let mut resolved: HashMap<(usize, Option<i64>), Judged> = HashMap::new();
    for (ci, (_, chain)) in chains.iter().enumerate() {
        for (index, first_seen) in chain.scans() {
            let scan = scans[index as usize].as_str();
            // Judged at the first record that presented the chain (to the
            // second), else at the scan's date.
            let date = first_seen
                .map(|us| us.div_euclid(1_000_000))
                .or_else(|| scan_dates.get(scan).copied().flatten());
            for (rank, setting) in settings.iter().enumerate() {
                let judged = match resolved.get(&(rank, date)) {
                    Some(judged) => judged.clone(),
                    None => {
                        let judged = resolve(setting, date, locate, &mut stores)?;
                        resolved.insert((rank, date), judged.clone());
                        judged
                    }
                };
                jobs.push(Job {
                    chain: ci,
                    scan,
                    rank,
                    judged,
                });
            }
        }
    }
    // Leaves, one certificates part at a time.
    let mut jobs_by_leaf: HashMap<&Sha256Digest, Vec<usize>> = HashMap::new();
    for (ji, job) in jobs.iter().enumerate() {
        jobs_by_leaf
            .entry(&chains[job.chain].1.certs[0])
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
    // A leaf whose dates fail it at every instant it is judged at reads
    // `expired` or `not_yet_valid` before anything else is looked at (see
    // `Verifier::verify`), so it is not parsed again: on real scans, where
    // expired leaves are common, that is much of the commit's work.
    let dates_decide = |sha: &Sha256Digest, from: i64, to: i64| {
        jobs_by_leaf.get(sha).is_some_and(|of_leaf| {
            of_leaf.iter().all(|&ji| match &jobs[ji].judged {
                Some((_, as_of)) => *as_of < from || *as_of > to,
                None => true,
            })
        })
    };
    // Leaves, part by part and parts in parallel: memory holds the leaves
    // of the parts in progress, about one per thread (a thread waiting on
    // its part's last leaves may start another). A leaf already parsed as
    // an issuer (a self-signed CA certificate, say) is judged from that view.
    // Most leaves have one job and are settled by their dates alone, so the
    // work per leaf is kept free of allocations: verdicts go into one list
    // per rayon task, and the chain is assembled in a reused buffer.
    let judge = |leaves: &[(Sha256Digest, Arc<ChainCert>)]| -> Vec<JobVerdict> {
        leaves
            .par_iter()
            .fold(
                || (SignatureMemo::default(), Vec::new(), Vec::new()),
                |(mut memo, mut out, mut chain), (sha, leaf)| {
                    let of_leaf = jobs_by_leaf.get(sha).map_or(&[][..], Vec::as_slice);
                    // Keyed by the store's address: stores are shared, one per name.
                    let mut computed: HashMap<(usize, i64, usize), Verdict> = HashMap::new();
                    for &ji in of_leaf {
                        let job = &jobs[ji];
                        let Some((store, as_of)) = &job.judged else {
                            out.push((ji, Verdict::failed(Reason::NoDate), false));
                            continue;
                        };
                        let key = (Arc::as_ptr(store) as usize, *as_of, job.chain);
                        if let Some(v) = computed.get(&key) {
                            out.push((ji, v.clone(), false));
                            continue;
                        }
                        chain.clear();
                        chain.push(leaf.clone());
                        chain.extend(
                            chains[job.chain].1.certs[1..]
                                .iter()
                                .filter_map(|s| issuers.get(s).cloned()),
                        );
                        let verifier = Verifier {
                            store,
                            as_of: *as_of,
                        };
                        let v = verifier.verify(&chain, &elsewhere, &mut memo);
                        if of_leaf.len() > 1 {
                            computed.insert(key, v.clone());
                        }
                        out.push((ji, v, true));
                    }
                    bar.inc(1);
                    (memo, out, chain)
                },
            )
            .map(|(_, out, _)| out)
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            })
    };
    let wanted =
        |sha: &Sha256Digest, _: bool| jobs_by_leaf.contains_key(sha) && !issuers.contains_key(sha);
    let judge_part = |path: &PathBuf| -> Result<(usize, Vec<JobVerdict>)> {
        let leaves = certs_of_part(path, &wanted, &dates_decide)?;
        let parsed = leaves
            .iter()
            .filter(|(_, leaf)| leaf.parsed().is_some())
            .count();
        Ok((parsed, judge(&leaves)))
    };
    let held: Vec<(Sha256Digest, Arc<ChainCert>)> = jobs_by_leaf
        .keys()
        .filter_map(|sha| Some((**sha, issuers.get(*sha)?.clone())))
        .collect();
    let from_parts = cert_parts
        .par_iter()
        .map(judge_part)
        .collect::<Result<Vec<_>>>()?;
    // The held leaves were counted among the issuers parsed.
    for (parsed, done) in std::iter::once((0, judge(&held))).chain(from_parts) {
        work.certificates += parsed;
        for (ji, v, fresh) in done {
            work.validations += usize::from(fresh);
            verdicts[ji] = Some(v);
        }
    }
    let mut rows = ChainTrustRows::default();
    // Roots are few: each is named once per store.
    let mut root_names: HashMap<(usize, Sha256Digest), Option<String>> = HashMap::new();
    // Records of a scan share few distinct seconds.
    let mut instants: HashMap<i64, String> = HashMap::new();
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&jobs[a], &jobs[b]);
        (x.scan, &chains[x.chain].0, x.rank).cmp(&(y.scan, &chains[y.chain].0, y.rank))
    });
    for ji in order {
        let job = &jobs[ji];
        // A leaf missing from `certificates` cannot happen in a committed
        // dataset; such a chain is left out rather than guessed.
        let Some(v) = verdicts[ji].take() else {
            continue;
        };
        let (hash, chain) = &chains[job.chain];
        rows.rows += 1;
        rows.scan_id.push(job.scan.to_owned());
        rows.leaf_sha256.push(hex_lower(&chain.certs[0]));
        rows.chain_hash.push(hex_lower(hash));
        rows.trust_setting.push(labels[job.rank].clone());
        rows.setting_rank
            .push(u16::try_from(job.rank).unwrap_or(u16::MAX));
        rows.store
            .push(job.judged.as_ref().map(|(store, _)| store.name.clone()));
        rows.as_of.push(job.judged.as_ref().map(|(_, as_of)| {
            instants
                .entry(*as_of)
                .or_insert_with(|| instant(*as_of))
                .clone()
        }));
        rows.valid.push(v.valid);
        rows.transvalid.push(v.transvalid);
        rows.reason.push(v.reason.name());
        rows.root_sha256.push(v.root_sha256.map(|r| hex_lower(&r)));
        rows.root_name
            .push(
                v.root_sha256
                    .zip(job.judged.as_ref())
                    .and_then(|(root, (store, _))| {
                        root_names
                            .entry((Arc::as_ptr(store) as usize, root))
                            .or_insert_with(|| store.anchor_name(&root))
                            .clone()
                    }),
            );
        rows.path_len.push(v.path_len.map(u16::from));
        rows.signatures_checked.push(v.signatures_checked);
    }
    Ok((rows.into_frame()?, work))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "abababababababababababababababababababababababababababababababab";
    const B: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

    fn digest(hex: &str) -> Sha256Digest {
        digest_from_hex(hex).expect("a hex digest")
    }

    /// Each chain's hash, certificates and scan ids (with the earliest
    /// record time, `id@time`), in hash order.
    fn listed(seen: SeenChains) -> Vec<(String, Vec<String>, Vec<String>)> {
        let mut out: Vec<_> = seen
            .chains
            .iter()
            .map(|(hash, chain)| {
                let mut scans: Vec<String> = chain
                    .scans()
                    .map(|(i, t)| format!("{}@{t:?}", seen.scans[i as usize]))
                    .collect();
                scans.sort();
                (
                    hex_lower(hash),
                    chain.certs.iter().map(|c| hex_lower(c)).collect(),
                    scans,
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_chain_hash_is_sha256_over_the_joined_hex() {
        let expected = "585d6c7c7e652205d250c6e89b1c41d6ecb8bdd0e1c9d73eaa5e9ecb2b54266b";
        assert_eq!(
            chain_digest([A, B]).map(|d| hex_lower(&d)).as_deref(),
            Some(expected)
        );
        assert_eq!(chain_digest(Vec::<&str>::new()), None);
    }

    #[test]
    fn rows_read_back_give_the_chains_gathered_in_memory() {
        let (ab, b) = (chain_digest([A, B]).unwrap(), chain_digest([B]).unwrap());
        let mut gathered = SeenChains::default();
        gathered.add("25-smtp", ab, &[digest(A), digest(B)], Some(300));
        gathered.add("25-smtp", b, &[digest(B)], Some(100));
        gathered.add("25-smtp", ab, &[digest(A), digest(B)], Some(200));
        gathered.add("587-smtp", ab, &[digest(A), digest(B)], None);

        let rows = |hashes: Vec<Option<String>>, lists: Vec<Vec<&str>>, times: Vec<Option<i64>>| {
            let lists: Vec<Series> = lists
                .into_iter()
                .map(|l| Series::new("".into(), l))
                .collect();
            let height = hashes.len();
            DataFrame::new(
                height,
                vec![
                    Column::new("chain_hash".into(), hashes),
                    Column::new("chain_sha256".into(), lists),
                    Column::new("timestamp".into(), times),
                ],
            )
            .unwrap()
        };
        let mut read = SeenChains::default();
        let first = rows(
            vec![
                Some(hex_lower(&ab)),
                None,
                Some(hex_lower(&b)),
                Some("not a digest".into()),
            ],
            vec![vec![A, B], vec![], vec![B], vec![A]],
            vec![Some(300), Some(50), Some(100), Some(7)],
        );
        read.add_rows(&first, "25-smtp").unwrap();
        read.add_rows(
            &rows(
                vec![Some(hex_lower(&ab))],
                vec![vec![A, B]],
                vec![Some(200)],
            ),
            "25-smtp",
        )
        .unwrap();
        read.add_rows(
            &rows(vec![Some(hex_lower(&ab))], vec![vec![A, B]], vec![None]),
            "587-smtp",
        )
        .unwrap();

        // In hash order: `b` (3985…) before `ab` (585d…).
        let expected = vec![
            (
                hex_lower(&b),
                vec![B.to_owned()],
                vec!["25-smtp@Some(100)".to_owned()],
            ),
            (
                hex_lower(&ab),
                vec![A.to_owned(), B.to_owned()],
                vec!["25-smtp@Some(200)".to_owned(), "587-smtp@None".to_owned()],
            ),
        ];
        assert_eq!(listed(gathered), expected);
        assert_eq!(listed(read), expected);
    }

    #[test]
    fn merging_maps_each_side_s_scans_by_name() {
        let (ab, b) = (chain_digest([A, B]).unwrap(), chain_digest([B]).unwrap());
        let mut left = SeenChains::default();
        left.add("x", b, &[digest(B)], None);
        left.add("y", ab, &[digest(A), digest(B)], None);
        // The other side numbers its scans the other way round.
        let mut right = SeenChains::default();
        right.add("y", b, &[digest(B)], None);
        right.add("z", ab, &[digest(A), digest(B)], None);
        right.add("x", ab, &[digest(A), digest(B)], None);
        left.merge(right);
        let scans: Vec<Vec<String>> = listed(left).into_iter().map(|(_, _, s)| s).collect();
        assert_eq!(
            scans,
            // `b` (3985…), then `ab` (585d…).
            vec![
                vec!["x@None".to_owned(), "y@None".to_owned()],
                vec![
                    "x@None".to_owned(),
                    "y@None".to_owned(),
                    "z@None".to_owned()
                ],
            ]
        );
    }
}
