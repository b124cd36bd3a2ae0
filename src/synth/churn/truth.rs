//! The truth of a churn series: what `scan_delta`, `cert_volatility`,
//! `trust_anchor_drift` and `cert_reuse` must hold, counted from the
//! servers' stories (which visit saw which leaf, version and suite), never
//! from a dataset.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::{
    lifetime_bucket, months_between, scan_time, tenure_bucket, valid, ChurnPki, Leaf, MadeLeaf,
    Options, Story, Visit, DAY,
};
use crate::synth::model::Outcome;
use crate::synth::suites::VERSIONS;
use crate::synth::truth::FileTruth;

/// testssl.sh's buckets, weakest first: how `scan_delta` ranks suites.
const BUCKET_ORDER: &[&str] = &[
    "null",
    "anon",
    "export",
    "low",
    "3des_idea",
    "cbc",
    "aead_no_fs",
    "aead_fs",
];

/// Each facet's values, in the tables' words: every one gets a row, 0 or not.
const LIFETIMES: &[&str] = &[
    "months_0_3",
    "months_4_13",
    "months_14_27",
    "months_28_39",
    "months_40_plus",
    "not_known",
];
const CHANGES: &[&str] = &[
    "same_certificate",
    "renewed_same_key",
    "new_key_same_issuer",
    "new_issuer",
    "not_known",
];
const REPLACED: &[&str] = &["before_expiry", "after_expiry", "not_known"];
const TENURES: &[&str] = &[
    "days_0_7",
    "days_8_31",
    "days_32_92",
    "days_93_366",
    "days_367_plus",
];

/// One row of `scan_delta` as the truth states it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DeltaRow {
    /// The earlier scan.
    pub previous_scan_id: String,
    /// The later scan.
    pub scan_id: String,
    /// `presence`, `tls`, `version`, `cipher`, `trust`.
    pub facet: String,
    /// The change.
    pub change: String,
    /// Endpoints with that change.
    pub endpoints: u64,
    /// The facet's denominator.
    pub base: u64,
}

/// One row of `cert_volatility`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VolatilityRow {
    /// The earlier scan (null for `lifetime` rows of a series' first scan).
    pub previous_scan_id: Option<String>,
    /// The later scan.
    pub scan_id: String,
    /// `change`, `lifetime`, `replaced_at`, `tenure`.
    pub facet: String,
    /// The bucket.
    pub value: String,
    /// Endpoints (or, for `lifetime`, certificates).
    pub n: u64,
    /// The facet's denominator.
    pub base: u64,
}

/// One row of `trust_anchor_drift`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DriftRow {
    /// The scan.
    pub scan_id: String,
    /// 0: `roots.pem` at the scan date; 1: `roots-later.pem` at the scan date.
    pub setting_rank: u16,
    /// The root anchoring the chain under setting 0.
    pub root_sha256: String,
    /// The chain's reason under the setting.
    pub verdict: String,
    /// Endpoints.
    pub endpoints: u64,
    /// Endpoints of the scan with a chain valid under setting 0.
    pub trusted_default: u64,
}

/// One row of `cert_reuse`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReuseRow {
    /// `certificate` or `key`.
    pub kind: String,
    /// 1 for the most served.
    pub rank: u64,
    /// SHA-256 of the DER, or of the SubjectPublicKeyInfo.
    pub sha256: String,
    /// Distinct endpoints (address and port) that served it.
    pub endpoints: u64,
    /// Endpoint scans that served it.
    pub endpoint_scans: u64,
    /// Scans it was served in.
    pub scans: u64,
    /// Distinct certificates (1 for a certificate).
    pub certificates: u64,
}

/// What the tables over the series must hold: `truth.json`.
#[derive(Serialize)]
pub(super) struct Truth<'a> {
    pub(super) generator: serde_json::Value,
    pub(super) files: &'a [FileTruth],
    pub(super) over_time: OverTime,
}

/// The expectations of the change-over-time tables.
#[derive(Serialize)]
pub struct OverTime {
    /// The series' name in the `scans` table.
    pub series: String,
    /// Scan ids, oldest first, with their endpoint count.
    pub scans: Vec<(String, u64)>,
    /// SHA-256 of root A (in every store) and root B (not in the later one).
    pub roots: BTreeMap<String, String>,
    /// Each root's subject common name, by SHA-256 (`chain_trust.root_name`).
    pub root_names: BTreeMap<String, String>,
    /// `scan_delta`.
    pub scan_delta: Vec<DeltaRow>,
    /// `cert_volatility`.
    pub cert_volatility: Vec<VolatilityRow>,
    /// `trust_anchor_drift`.
    pub trust_anchor_drift: Vec<DriftRow>,
    /// `cert_reuse` (top 25 of each kind).
    pub cert_reuse: Vec<ReuseRow>,
    /// Distinct endpoints that served a certificate in any scan (`cert_reuse`'s denominator).
    pub endpoints_with_certificate: u64,
}

/// Who served one certificate or key: `cert_reuse`'s counts.
#[derive(Default)]
struct Served<'a> {
    endpoints: BTreeSet<u64>,
    endpoint_scans: u64,
    scans: BTreeSet<usize>,
    certificates: BTreeSet<&'a str>,
}

impl<'a> Served<'a> {
    fn add(&mut self, host: u64, scan: usize, certificate: &'a str) {
        self.endpoints.insert(host);
        self.endpoint_scans += 1;
        self.scans.insert(scan);
        self.certificates.insert(certificate);
    }
}

fn bucket_rank(code: u16) -> Option<usize> {
    let bucket = crate::tls::suites::lookup(u32::from(code)).testssl_bucket;
    BUCKET_ORDER.iter().position(|b| *b == bucket)
}

/// Counts of one facet's values, every value present.
fn zeroes(names: &[&'static str]) -> BTreeMap<&'static str, u64> {
    names.iter().map(|n| (*n, 0)).collect()
}

/// The index of a pair of yes/no facts in the order gained, lost, kept
/// yes, kept no.
fn transition(before: bool, after: bool) -> usize {
    match (before, after) {
        (false, true) => 0,
        (true, false) => 1,
        (true, true) => 2,
        (false, false) => 3,
    }
}

/// What one pair of consecutive scans counts.
#[derive(Default)]
struct PairCounts {
    in_earlier: u64,
    in_later: u64,
    kept: u64,
    /// Gained, lost, kept with, kept without: completed handshakes.
    tls: [u64; 4],
    ok_both: u64,
    /// Upgraded, downgraded, same.
    version: [u64; 3],
    /// Same, upgraded, downgraded, changed within the class.
    cipher: [u64; 4],
    /// Gained, lost, kept trusted, kept untrusted.
    trust: [u64; 4],
    with_certificate: u64,
    changed: u64,
}

/// What became of a server's certificate between two scans.
struct CertChange {
    /// `cert_volatility`'s change.
    class: &'static str,
    /// For a replaced certificate: `before_expiry` or `after_expiry`, and
    /// the days since the server was first seen serving it.
    replaced: Option<(&'static str, i64)>,
}

/// The stories of a run and what they need to be counted.
struct Counter<'a> {
    opts: &'a Options,
    stories: &'a [Story],
    made: &'a HashMap<Leaf, MadeLeaf>,
    scan_ids: &'a [String],
}

impl Counter<'_> {
    fn time(&self, scan: usize) -> i64 {
        scan_time(self.opts.spacing_days, scan as u32)
    }

    fn volatility_rows(
        &self,
        scan: usize,
        facet: &str,
        counts: &BTreeMap<&str, u64>,
        base: u64,
        out: &mut Vec<VolatilityRow>,
    ) {
        for (value, n) in counts {
            out.push(VolatilityRow {
                previous_scan_id: (scan > 0).then(|| self.scan_ids[scan - 1].clone()),
                scan_id: self.scan_ids[scan].clone(),
                facet: facet.to_owned(),
                value: (*value).to_owned(),
                n: *n,
                base,
            });
        }
    }

    /// Lifetimes of the distinct leaves served in `scan`.
    fn lifetimes(&self, scan: usize, out: &mut Vec<VolatilityRow>) {
        let leaves: BTreeSet<Leaf> = self
            .stories
            .iter()
            .filter_map(|st| st.visits[scan].and_then(|v| v.leaf))
            .collect();
        let mut counts = zeroes(LIFETIMES);
        for leaf in &leaves {
            let spec = &self.made[leaf].spec;
            *counts
                .entry(lifetime_bucket(months_between(
                    spec.not_before,
                    spec.not_after,
                )))
                .or_default() += 1;
        }
        self.volatility_rows(scan, "lifetime", &counts, leaves.len() as u64, out);
    }

    /// `scan_delta` and the pair facets of `cert_volatility` for `scan`
    /// and the scan before it.
    fn pair(&self, scan: usize, delta: &mut Vec<DeltaRow>, volatility: &mut Vec<VolatilityRow>) {
        let mut c = PairCounts::default();
        let mut change = zeroes(CHANGES);
        let mut replaced = zeroes(REPLACED);
        let mut tenure = zeroes(TENURES);
        for st in self.stories {
            let (a, b) = (st.visits[scan - 1], st.visits[scan]);
            c.in_earlier += u64::from(a.is_some());
            c.in_later += u64::from(b.is_some());
            let (Some(a), Some(b)) = (a, b) else { continue };
            c.kept += 1;
            let (ta, tb) = (a.outcome == Outcome::Ok, b.outcome == Outcome::Ok);
            c.tls[transition(ta, tb)] += 1;
            if !(ta && tb) {
                continue;
            }
            c.ok_both += 1;
            c.version[match VERSIONS[b.version].1.cmp(&VERSIONS[a.version].1) {
                Ordering::Greater => 0,
                Ordering::Less => 1,
                Ordering::Equal => 2,
            }] += 1;
            c.cipher[if a.suite == b.suite {
                0
            } else {
                match bucket_rank(b.suite).cmp(&bucket_rank(a.suite)) {
                    Ordering::Greater => 1,
                    Ordering::Less => 2,
                    Ordering::Equal => 3,
                }
            }] += 1;
            let Some(cert) = self.certificate_change(st, scan, a, b, &mut c) else {
                continue;
            };
            *change.entry(cert.class).or_default() += 1;
            if let Some((at, days)) = cert.replaced {
                *replaced.entry(at).or_default() += 1;
                *tenure.entry(tenure_bucket(days)).or_default() += 1;
            }
        }
        let counts = [
            (
                "presence",
                vec![
                    ("appeared", c.in_later - c.kept),
                    ("gone", c.in_earlier - c.kept),
                    ("kept", c.kept),
                ],
                c.in_earlier + c.in_later - c.kept,
            ),
            (
                "tls",
                vec![
                    ("gained", c.tls[0]),
                    ("lost", c.tls[1]),
                    ("kept_tls", c.tls[2]),
                    ("kept_without", c.tls[3]),
                ],
                c.kept,
            ),
            (
                "version",
                vec![
                    ("upgraded", c.version[0]),
                    ("downgraded", c.version[1]),
                    ("same", c.version[2]),
                    ("not_known", 0),
                ],
                c.ok_both,
            ),
            (
                "cipher",
                vec![
                    ("same", c.cipher[0]),
                    ("upgraded", c.cipher[1]),
                    ("downgraded", c.cipher[2]),
                    ("changed_same_class", c.cipher[3]),
                    ("not_known", 0),
                ],
                c.ok_both,
            ),
            (
                "trust",
                vec![
                    ("gained", c.trust[0]),
                    ("lost", c.trust[1]),
                    ("kept_trusted", c.trust[2]),
                    ("kept_untrusted", c.trust[3]),
                    ("not_judged", c.ok_both - c.trust.iter().sum::<u64>()),
                ],
                c.ok_both,
            ),
        ];
        for (facet, changes, base) in counts {
            for (change, endpoints) in changes {
                delta.push(DeltaRow {
                    previous_scan_id: self.scan_ids[scan - 1].clone(),
                    scan_id: self.scan_ids[scan].clone(),
                    facet: facet.to_owned(),
                    change: change.to_owned(),
                    endpoints,
                    base,
                });
            }
        }
        self.volatility_rows(scan, "change", &change, c.with_certificate, volatility);
        self.volatility_rows(scan, "replaced_at", &replaced, c.changed, volatility);
        self.volatility_rows(scan, "tenure", &tenure, c.changed, volatility);
    }

    /// For a server that completed both handshakes with a certificate: its
    /// trust transition (counted in `c`), the certificate's change, and for
    /// a replaced one, whether the old one had expired and how many days
    /// it had been served.
    fn certificate_change(
        &self,
        story: &Story,
        scan: usize,
        a: Visit,
        b: Visit,
        c: &mut PairCounts,
    ) -> Option<CertChange> {
        let (la, lb) = (&self.made[&a.leaf?], &self.made[&b.leaf?]);
        let trusted_before = valid(&la.spec, self.time(scan - 1), false);
        let trusted_after = valid(&lb.spec, self.time(scan), false);
        c.trust[transition(trusted_before, trusted_after)] += 1;
        c.with_certificate += 1;
        let class = if la.sha256 == lb.sha256 {
            return Some(CertChange {
                class: "same_certificate",
                replaced: None,
            });
        } else if la.spki_sha256 == lb.spki_sha256 {
            "renewed_same_key"
        } else if la.issuer_dn == lb.issuer_dn {
            "new_key_same_issuer"
        } else {
            "new_issuer"
        };
        c.changed += 1;
        let at = if la.spec.not_after < self.time(scan) {
            "after_expiry"
        } else {
            "before_expiry"
        };
        let first = (0..scan)
            .find(|&t| story.visits[t].and_then(|v| v.leaf) == a.leaf)
            .unwrap_or(scan - 1);
        let days = (self.time(scan) - self.time(first)) / DAY;
        Some(CertChange {
            class,
            replaced: Some((at, days)),
        })
    }

    /// `trust_anchor_drift`: each visit whose chain setting 0 trusts, by
    /// anchoring root and verdict under each setting.
    fn drift(&self, pki: &ChurnPki) -> Vec<DriftRow> {
        let mut drift: BTreeMap<(String, u16, String, &str), u64> = BTreeMap::new();
        let mut trusted_default: BTreeMap<&str, u64> = BTreeMap::new();
        for st in self.stories {
            for (s, v) in st.visits.iter().enumerate() {
                let Some(m) = v.and_then(|v| v.leaf).map(|l| &self.made[&l]) else {
                    continue;
                };
                if !valid(&m.spec, self.time(s), false) {
                    continue;
                }
                *trusted_default.entry(&self.scan_ids[s]).or_default() += 1;
                let root = pki.root_sha256(m.spec.issuer).unwrap_or_default();
                for (rank, later) in [(0u16, false), (1, true)] {
                    let verdict = if valid(&m.spec, self.time(s), later) {
                        "ok"
                    } else {
                        "unknown_authority"
                    };
                    *drift
                        .entry((self.scan_ids[s].clone(), rank, root.clone(), verdict))
                        .or_default() += 1;
                }
            }
        }
        drift
            .into_iter()
            .map(
                |((scan_id, setting_rank, root_sha256, verdict), endpoints)| DriftRow {
                    trusted_default: trusted_default[scan_id.as_str()],
                    scan_id,
                    setting_rank,
                    root_sha256,
                    verdict: verdict.to_owned(),
                    endpoints,
                },
            )
            .collect()
    }

    /// `cert_reuse`'s top 25 of each kind, and its denominator.
    fn reuse(&self) -> (Vec<ReuseRow>, u64) {
        let mut by_cert: BTreeMap<&str, Served> = BTreeMap::new();
        let mut by_key: BTreeMap<&str, Served> = BTreeMap::new();
        let mut with_certificate = BTreeSet::new();
        for (host, st) in self.stories.iter().enumerate() {
            for (s, v) in st.visits.iter().enumerate() {
                let Some(m) = v.and_then(|v| v.leaf).map(|l| &self.made[&l]) else {
                    continue;
                };
                let host = host as u64;
                with_certificate.insert(host);
                by_cert
                    .entry(&m.sha256)
                    .or_default()
                    .add(host, s, &m.sha256);
                by_key
                    .entry(&m.spki_sha256)
                    .or_default()
                    .add(host, s, &m.sha256);
            }
        }
        let mut reuse = Vec::new();
        for (kind, served) in [("certificate", &by_cert), ("key", &by_key)] {
            let mut rows: Vec<(&&str, &Served)> = served.iter().collect();
            rows.sort_by(|a, b| {
                b.1.endpoints
                    .len()
                    .cmp(&a.1.endpoints.len())
                    .then(a.0.cmp(b.0))
            });
            for (i, (sha, x)) in rows.into_iter().take(25).enumerate() {
                reuse.push(ReuseRow {
                    kind: kind.to_owned(),
                    rank: i as u64 + 1,
                    sha256: (*sha).to_owned(),
                    endpoints: x.endpoints.len() as u64,
                    endpoint_scans: x.endpoint_scans,
                    scans: x.scans.len() as u64,
                    certificates: x.certificates.len() as u64,
                });
            }
        }
        (reuse, with_certificate.len() as u64)
    }
}

/// Counts the truth of a run.
pub(super) fn count(
    opts: &Options,
    pki: &ChurnPki,
    stories: &[Story],
    made: &HashMap<Leaf, MadeLeaf>,
    scan_ids: &[String],
) -> OverTime {
    let counter = Counter {
        opts,
        stories,
        made,
        scan_ids,
    };
    let mut delta = Vec::new();
    let mut volatility = Vec::new();
    for scan in 0..opts.scans as usize {
        counter.lifetimes(scan, &mut volatility);
        if scan > 0 {
            counter.pair(scan, &mut delta, &mut volatility);
        }
    }
    delta.sort();
    volatility.sort();
    let (cert_reuse, endpoints_with_certificate) = counter.reuse();
    let roots = [&pki.root_a, &pki.root_b];
    OverTime {
        series: "25-smtp-starttls".to_owned(),
        scans: (0..opts.scans as usize)
            .map(|s| {
                let present = stories.iter().filter(|st| st.visits[s].is_some()).count();
                (scan_ids[s].clone(), present as u64)
            })
            .collect(),
        roots: BTreeMap::from([
            ("a".to_owned(), pki.root_a.cert.facts.sha256.clone()),
            (
                "b_removed_later".to_owned(),
                pki.root_b.cert.facts.sha256.clone(),
            ),
        ]),
        root_names: roots
            .iter()
            .map(|ca| (ca.cert.facts.sha256.clone(), ca.dn.cn.clone()))
            .collect(),
        scan_delta: delta,
        cert_volatility: volatility,
        trust_anchor_drift: counter.drift(pki),
        cert_reuse,
        endpoints_with_certificate,
    }
}
