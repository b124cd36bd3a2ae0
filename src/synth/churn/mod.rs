//! `mailtls synth --scans N`: one port-25 series scanned N times (a month
//! apart by default), with controlled churn — servers appearing and disappearing,
//! gaining and losing STARTTLS, upgrading and downgrading versions and
//! suites, renewing certificates with the same key, changing keys and
//! issuers, letting certificates expire — and a root that a later store
//! removes. `truth.json` holds what the tables comparing the scans
//! (`scan_delta`, `cert_volatility`, `trust_anchor_drift`, `cert_reuse`)
//! must say, decided from the generator's own story of each server.
//!
//! Every server draws its whole story from a random stream of its own, so
//! the bytes do not depend on threads. The story of every server is kept
//! (a few bytes per server and scan) to count the truth.

pub mod truth;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;
use sha2::Digest;

use super::model::{address, Endpoint, KexParams, Outcome, Session, SOFTWARE_FAMILIES};
use super::output::{compress, extension};
use super::pki::{dn, issue_ca, issue_cert, load_keys, pem, Ca, Cert, Population, Presented};
use super::render::{Layout, SeriesInfo};
use super::rng::Rng;
use super::suites::{self, VERSIONS};
use super::x509::{CertSpec, Dn, Extras, Hash, Key};
use crate::input::decompress::Codec;
use crate::record::TlsMode;
use truth::Truth;

/// The first scan: 2015-08-03 04:00:00 UTC, the date of the 2015 study's port-25 scan.
const FIRST_SCAN: i64 = 1_438_574_400;
const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;
/// Records of one scan are spread over its first hour.
const SCAN_SECONDS: i64 = 3_600;
/// Certificate dates fall at 16:00 UTC, never inside a scan's hour, so no
/// verdict depends on which record of a scan presented a chain first.
const CERT_HOUR: i64 = 12 * 3_600;
/// Servers per chunk of output.
const CHUNK: usize = 2_000;

/// What to generate.
pub struct Options {
    /// Output folder (created; must be empty).
    pub out: PathBuf,
    /// Servers in the population (each is scanned in some of the scans).
    pub hosts: u64,
    /// Scans of the series (at least 2).
    pub scans: u32,
    /// Days between scans.
    pub spacing_days: u32,
    /// Seed.
    pub seed: u64,
    /// Layouts, used in turn by the scans.
    pub layouts: Vec<Layout>,
    /// Codecs, used in turn by the scans.
    pub codecs: Vec<Codec>,
}

/// Who issues a server's own certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Issuer {
    /// CA A, under root A, which every store keeps.
    A,
    /// CA B, under root B, which the later store removes.
    B,
    /// The server itself (self-signed).
    Own,
}

/// A leaf certificate of the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Leaf {
    /// A server's own certificate, `generation` counting its replacements.
    Host { host: u64, generation: u32 },
    /// A device default shared by many servers.
    Device(u8),
    /// A hosting provider's certificate, shared by its servers and renewed
    /// with the same key every two scans.
    Hosting { provider: u8, generation: u32 },
}

/// The key of a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum KeyId {
    /// An ECDSA key of a server, `serial` counting its key changes.
    Host { host: u64, serial: u32 },
    /// An RSA key of the committed pool.
    Pool(usize),
}

/// Everything about a leaf but its bytes.
#[derive(Clone, Debug)]
struct LeafSpec {
    key: KeyId,
    issuer: Issuer,
    not_before: i64,
    not_after: i64,
    cn: String,
}

/// A made leaf with the facts the tables read.
struct MadeLeaf {
    chain: Vec<Arc<Cert>>,
    spec: LeafSpec,
    sha256: String,
    spki_sha256: String,
    issuer_dn: String,
}

/// What one scan saw of one server.
#[derive(Clone, Copy, Debug)]
struct Visit {
    outcome: Outcome,
    /// Index into [`VERSIONS`].
    version: usize,
    suite: u16,
    leaf: Option<Leaf>,
}

/// The suites a server climbs and descends, weakest first: RSA-key servers
/// and ECDSA-key servers.
const RSA_LADDER: &[u16] = &[0x0005, 0x000A, 0x002F, 0x009C, 0xC02F];
const ECDSA_LADDER: &[u16] = &[0xC007, 0xC008, 0xC009, 0xC02B];

/// Device defaults (names of the kind, not copies).
const DEVICES: &[&str] = &[
    "localhost.localdomain",
    "Plesk",
    "Zimbra Collaboration Server",
];
const HOSTING_PROVIDERS: u8 = 2;

fn scan_time(spacing_days: u32, scan: u32) -> i64 {
    FIRST_SCAN + i64::from(scan) * i64::from(spacing_days) * DAY
}

/// A date at 16:00 UTC `days` after (or before) the first scan's day.
fn cert_time(days: i64) -> i64 {
    FIRST_SCAN + days * DAY + CERT_HOUR
}

/// Calendar months from one instant to another, as `cert_volatility`
/// counts a lifetime (year × 12 + month of each, subtracted).
fn months_between(from: i64, to: i64) -> i64 {
    use chrono::Datelike;
    let ym = |t: i64| {
        let d = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        i64::from(d.year()) * 12 + i64::from(d.month())
    };
    ym(to) - ym(from)
}

/// `cert_volatility`'s lifetime buckets (calendar months).
pub fn lifetime_bucket(months: i64) -> &'static str {
    match months {
        ..=3 => "months_0_3",
        4..=13 => "months_4_13",
        14..=27 => "months_14_27",
        28..=39 => "months_28_39",
        _ => "months_40_plus",
    }
}

/// `cert_volatility`'s tenure buckets (days a replaced certificate had been seen).
pub fn tenure_bucket(days: i64) -> &'static str {
    match days {
        ..=7 => "days_0_7",
        8..=31 => "days_8_31",
        32..=92 => "days_32_92",
        93..=366 => "days_93_366",
        _ => "days_367_plus",
    }
}

/// One server's kind of certificate.
#[derive(Clone, Copy)]
enum Kind {
    Own(Issuer),
    Device(u8),
    Hosting(u8),
}

/// One server's whole story: a visit per scan (None: not in that scan)
/// and the certificates of its own it went through.
struct Story {
    visits: Vec<Option<Visit>>,
    own_leaves: Vec<(Leaf, LeafSpec)>,
}

fn lifetime(rng: &mut Rng) -> i64 {
    [90, 365, 730, 1095][rng.below(4) as usize]
}

fn story(seed: u64, host: u64, opts: &Options) -> Story {
    let mut rng = Rng::new(seed, 0xc4_0001, host);
    let scans = opts.scans;
    let kind = match rng.unit() {
        u if u < 0.42 => Kind::Own(Issuer::A),
        u if u < 0.62 => Kind::Own(Issuer::B),
        u if u < 0.80 => Kind::Own(Issuer::Own),
        u if u < 0.90 => Kind::Device(rng.below(DEVICES.len() as u64) as u8),
        _ => Kind::Hosting(rng.below(u64::from(HOSTING_PROVIDERS)) as u8),
    };
    let first = if rng.chance(0.85) {
        0
    } else {
        1 + rng.below(u64::from(scans - 1)) as u32
    };
    let last = if rng.chance(0.85) {
        scans - 1
    } else {
        first + rng.below(u64::from(scans - first)) as u32
    };
    let ladder = match kind {
        Kind::Own(_) => ECDSA_LADDER,
        _ => RSA_LADDER,
    };
    let mut tls = rng.chance(0.75);
    let mut version = match rng.unit() {
        u if u < 0.2 => 1,
        u if u < 0.3 => 2,
        _ => 3,
    };
    let mut rung = rng.below(ladder.len() as u64) as usize;
    let mut own_leaves = Vec::new();
    let mut own = match kind {
        Kind::Own(issuer) => {
            let days_before = 10 + rng.below(600) as i64;
            let not_before = cert_time(-days_before);
            let spec = LeafSpec {
                key: KeyId::Host { host, serial: 0 },
                issuer,
                not_before,
                not_after: not_before + lifetime(&mut rng) * DAY,
                cn: format!("mail{host}.churn.example"),
            };
            own_leaves.push((
                Leaf::Host {
                    host,
                    generation: 0,
                },
                spec.clone(),
            ));
            Some((0u32, 0u32, spec))
        }
        _ => None,
    };
    let mut visits = Vec::with_capacity(scans as usize);
    for s in 0..scans {
        let now = scan_time(opts.spacing_days, s);
        if s > 0 {
            tls = if tls {
                !rng.chance(0.06)
            } else {
                rng.chance(0.35)
            };
            if version < 3 && rng.chance(0.12) {
                version += 1;
            } else if version > 1 && rng.chance(0.04) {
                version -= 1;
            }
            if rung + 1 < ladder.len() && rng.chance(0.10) {
                rung += 1;
            } else if rung > 0 && rng.chance(0.04) {
                rung -= 1;
            }
            if let Some((generation, key_serial, spec)) = &mut own {
                let expired = spec.not_after < now;
                let u = rng.unit();
                let (renew, new_key, new_issuer) = if expired {
                    (rng.chance(0.5), false, false)
                } else {
                    (
                        u < 0.08,
                        (0.08..0.14).contains(&u),
                        (0.14..0.19).contains(&u),
                    )
                };
                if renew || new_key || new_issuer {
                    *generation += 1;
                    if !renew {
                        *key_serial += 1;
                    }
                    let issuer = if new_issuer {
                        match spec.issuer {
                            Issuer::A if rng.chance(0.7) => Issuer::B,
                            Issuer::A => Issuer::Own,
                            Issuer::B | Issuer::Own => Issuer::A,
                        }
                    } else {
                        spec.issuer
                    };
                    let not_before = now - (1 + rng.below(20) as i64) * DAY + CERT_HOUR;
                    *spec = LeafSpec {
                        key: KeyId::Host {
                            host,
                            serial: *key_serial,
                        },
                        issuer,
                        not_before,
                        not_after: not_before + lifetime(&mut rng) * DAY,
                        cn: spec.cn.clone(),
                    };
                    own_leaves.push((
                        Leaf::Host {
                            host,
                            generation: *generation,
                        },
                        spec.clone(),
                    ));
                }
            }
        }
        let failure = if rng.chance(0.5) {
            Outcome::NoStarttls
        } else {
            Outcome::HandshakeFailed
        };
        if !(first..=last).contains(&s) {
            visits.push(None);
            continue;
        }
        let leaf = match kind {
            Kind::Own(_) => own.as_ref().map(|(generation, _, _)| Leaf::Host {
                host,
                generation: *generation,
            }),
            Kind::Device(d) => Some(Leaf::Device(d)),
            Kind::Hosting(p) => Some(Leaf::Hosting {
                provider: p,
                generation: s / 2,
            }),
        };
        // Suites newer than the version are out of reach: the best the
        // server has at that version is negotiated.
        let usable = (0..=rung)
            .rev()
            .find(|&r| {
                suites::by_code(ladder[r]).is_some_and(|x| x.min_version <= VERSIONS[version].1)
            })
            .unwrap_or(0);
        visits.push(Some(Visit {
            outcome: if tls { Outcome::Ok } else { failure },
            version,
            suite: ladder[usable],
            leaf: tls.then_some(leaf).flatten(),
        }));
    }
    Story { visits, own_leaves }
}

/// The PKI of a churn archive: two roots with an issuing CA each.
struct ChurnPki {
    root_a: Ca,
    ca_a: Ca,
    root_b: Ca,
    ca_b: Ca,
    pool: Vec<rsa::RsaPrivateKey>,
}

/// Pool keys: 0–3 the CAs, then the devices, then the hosting providers.
const DEVICE_KEYS: usize = 4;
const HOSTING_KEYS: usize = DEVICE_KEYS + DEVICES.len();

impl ChurnPki {
    fn new(seed: u64) -> Result<ChurnPki> {
        let pool = load_keys()?
            .remove(&2048)
            .context("the 2048-bit key pool")?;
        if pool.len() < HOSTING_KEYS + usize::from(HOSTING_PROVIDERS) {
            bail!("the 2048-bit key pool is too small");
        }
        let key = |i: usize| Key::Rsa(Box::new(pool[i].clone()));
        let mut rng = Rng::new(seed, 0xc4_00ca, 0);
        let org = "mailtls Synthetic Churn Trust";
        let roots = (FIRST_SCAN - 12 * YEAR, FIRST_SCAN + 20 * YEAR);
        let cas = (FIRST_SCAN - 4 * YEAR, FIRST_SCAN + 8 * YEAR);
        let root_a = issue_ca(
            dn("Churn Root A", org),
            key(0),
            None,
            3,
            Hash::Sha256,
            roots,
            &mut rng,
        )?;
        let ca_a = issue_ca(
            dn("Churn Issuing CA A1", org),
            key(1),
            Some(&root_a),
            3,
            Hash::Sha256,
            cas,
            &mut rng,
        )?;
        let root_b = issue_ca(
            dn("Churn Root B (removed later)", org),
            key(2),
            None,
            3,
            Hash::Sha256,
            roots,
            &mut rng,
        )?;
        let ca_b = issue_ca(
            dn("Churn Issuing CA B1", org),
            key(3),
            Some(&root_b),
            3,
            Hash::Sha256,
            cas,
            &mut rng,
        )?;
        Ok(ChurnPki {
            root_a,
            ca_a,
            root_b,
            ca_b,
            pool,
        })
    }

    fn key(&self, seed: u64, id: KeyId) -> Key {
        match id {
            KeyId::Pool(i) => Key::Rsa(Box::new(self.pool[i].clone())),
            KeyId::Host { host, serial } => {
                let mut rng = Rng::new(seed, 0xc4_00ee, (host << 16) ^ u64::from(serial));
                loop {
                    let mut bytes = [0u8; 32];
                    rng.fill(&mut bytes);
                    if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&bytes) {
                        return Key::EcP256(Box::new(k));
                    }
                }
            }
        }
    }

    fn issuing_ca(&self, issuer: Issuer) -> Option<&Ca> {
        match issuer {
            Issuer::A => Some(&self.ca_a),
            Issuer::B => Some(&self.ca_b),
            Issuer::Own => None,
        }
    }

    fn make(&self, seed: u64, leaf: Leaf, spec: &LeafSpec) -> Result<MadeLeaf> {
        let key = self.key(seed, spec.key);
        let subject = Dn {
            country: None,
            org: (spec.issuer != Issuer::Own).then(|| "Synthetic Mail Customer".to_owned()),
            cn: spec.cn.clone(),
        };
        let ca = self.issuing_ca(spec.issuer);
        let (issuer_dn, issuer_key) = match ca {
            Some(ca) => (&ca.dn, &ca.key),
            None => (&subject, &key),
        };
        let mut rng = Rng::new(seed, 0xc4_005e, leaf_index(leaf));
        let names = if spec.cn.contains(' ') {
            Vec::new()
        } else {
            vec![spec.cn.clone()]
        };
        let cert = issue_cert(
            &CertSpec {
                version: 3,
                serial: super::pki::positive_serial(&mut rng),
                subject: &subject,
                subject_key: &key,
                issuer: issuer_dn,
                issuer_key,
                hash: Hash::Sha256,
                not_before: spec.not_before,
                not_after: spec.not_after,
                is_ca: false,
                dns_names: &names,
                extras: &Extras::STANDARD,
            },
            if ca.is_some() {
                "trusted"
            } else {
                "self_signed"
            },
            ca.is_none(),
        )?;
        let mut chain = vec![cert];
        if let Some(ca) = ca {
            chain.push(ca.cert.clone());
        }
        Ok(MadeLeaf {
            sha256: chain[0].facts.sha256.clone(),
            spki_sha256: hex::encode(sha2::Sha256::digest(key.spki()?)),
            issuer_dn: issuer_dn.text(),
            chain,
            spec: spec.clone(),
        })
    }

    /// The root anchoring a leaf's issuer, when a CA issued it.
    fn root_sha256(&self, issuer: Issuer) -> Option<String> {
        match issuer {
            Issuer::A => Some(self.root_a.cert.facts.sha256.clone()),
            Issuer::B => Some(self.root_b.cert.facts.sha256.clone()),
            Issuer::Own => None,
        }
    }
}

/// A stable number for a leaf's random stream.
fn leaf_index(leaf: Leaf) -> u64 {
    match leaf {
        Leaf::Host { host, generation } => (host << 20) ^ u64::from(generation),
        Leaf::Device(d) => (1 << 62) | u64::from(d),
        Leaf::Hosting {
            provider,
            generation,
        } => (1 << 61) | (u64::from(provider) << 20) | u64::from(generation),
    }
}

/// The leaves shared by many servers: device defaults, and each hosting
/// provider's certificate of every second scan.
fn shared_leaves(scans: u32, spacing_days: u32) -> Vec<(Leaf, LeafSpec)> {
    let mut out: Vec<(Leaf, LeafSpec)> = (0..DEVICES.len())
        .map(|d| {
            (
                Leaf::Device(d as u8),
                LeafSpec {
                    key: KeyId::Pool(DEVICE_KEYS + d),
                    issuer: Issuer::Own,
                    not_before: cert_time(-1_000),
                    not_after: cert_time(3_650),
                    cn: DEVICES[d].to_owned(),
                },
            )
        })
        .collect();
    for provider in 0..HOSTING_PROVIDERS {
        for generation in 0..scans.div_ceil(2) {
            // Valid for 100 days either side of the first of the two scans
            // it serves; renewed with the provider's one key.
            let middle = i64::from(generation) * 2 * i64::from(spacing_days);
            out.push((
                Leaf::Hosting {
                    provider,
                    generation,
                },
                LeafSpec {
                    key: KeyId::Pool(HOSTING_KEYS + usize::from(provider)),
                    issuer: Issuer::A,
                    not_before: cert_time(middle - 100),
                    not_after: cert_time(middle + 100),
                    cn: format!("mx.hosting{provider}.churn.example"),
                },
            ));
        }
    }
    out
}

/// Writes the archive and its truth.
pub fn run(opts: &Options) -> Result<super::Summary> {
    let started = std::time::Instant::now();
    if opts.scans < 2 {
        bail!("--scans needs at least 2 scans to compare");
    }
    if opts.spacing_days == 0 || opts.spacing_days > 60 {
        bail!("--spacing-days must be between 1 and 60 (hosting certificates are renewed every second scan and valid for 200 days)");
    }
    super::prepare_out(&opts.out)?;
    let seed = opts.seed;
    let pki = ChurnPki::new(seed)?;
    let stories: Vec<Story> = (0..opts.hosts)
        .into_par_iter()
        .map(|h| story(seed, h, opts))
        .collect();
    let mut specs: BTreeMap<Leaf, LeafSpec> = shared_leaves(opts.scans, opts.spacing_days)
        .into_iter()
        .collect();
    for st in &stories {
        specs.extend(st.own_leaves.iter().cloned());
    }
    let used: BTreeSet<Leaf> = stories
        .iter()
        .flat_map(|st| st.visits.iter().flatten().filter_map(|v| v.leaf))
        .collect();
    let made: HashMap<Leaf, MadeLeaf> = used
        .par_iter()
        .map(|&leaf| {
            let spec = specs.get(&leaf).context("a leaf without a spec")?;
            Ok((leaf, pki.make(seed, leaf, spec)?))
        })
        .collect::<Result<_>>()?;
    let run_id = format!("{:016x}", Rng::new(seed, 0x1d, 0).next_u64());
    let mut files = Vec::new();
    let mut bytes = 0u64;
    let mut scan_ids = Vec::new();
    for s in 0..opts.scans {
        let layout = opts.layouts[s as usize % opts.layouts.len()];
        let codec = opts.codecs[s as usize % opts.codecs.len()];
        if layout == Layout::Censys {
            bail!("a churn series is written in a ZGrab layout (zgrab1, zgrab1-eventlog, zgrab2)");
        }
        let start = scan_time(opts.spacing_days, s);
        let stamp = chrono::DateTime::from_timestamp(start, 0)
            .unwrap_or_default()
            .format("%Y%m%dT%H%M%S")
            .to_string();
        scan_ids.push(format!("25-smtp-starttls-full_ipv4-{stamp}"));
        let name = format!(
            "{run_id}-25-smtp-starttls-full_ipv4-{stamp}-{}-results.json{}",
            layout.file_token(),
            extension(codec)
        );
        let (written, records) = write_scan(
            opts,
            &stories,
            &made,
            s,
            layout,
            codec,
            &opts.out.join(&name),
        )?;
        bytes += written;
        files.push(super::truth::FileTruth {
            file: name,
            layout: layout.name().to_owned(),
            codec: codec.name().into(),
            port: Some(25),
            records,
            bad_lines: 0,
        });
    }
    std::fs::write(
        opts.out.join("roots.pem"),
        pem(&pki.root_a.cert.base64) + &pem(&pki.root_b.cert.base64),
    )?;
    std::fs::write(
        opts.out.join("roots-later.pem"),
        pem(&pki.root_a.cert.base64),
    )?;
    let truth = Truth {
        generator: serde_json::json!({
            "tool": format!("mailtls {}", env!("CARGO_PKG_VERSION")),
            "mode": "churn",
            "seed": opts.seed,
            "hosts": opts.hosts,
            "scans": opts.scans,
            "spacing_days": opts.spacing_days,
            "note": "ingest with --roots roots.pem, then append with --roots roots-later.pem: trust settings 0 and 1",
        }),
        files: &files,
        over_time: truth::count(opts, &pki, &stories, &made, &scan_ids),
    };
    let mut w = BufWriter::new(File::create(opts.out.join("truth.json"))?);
    serde_json::to_writer_pretty(&mut w, &truth)?;
    w.flush()?;
    Ok(super::Summary {
        records: files.iter().map(|f| f.records).sum(),
        files,
        certificates: made.len() as u64,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        out: opts.out.clone(),
    })
}

/// Whether a CA-issued leaf is valid at `time` under a store holding root A
/// and, unless `later`, root B.
fn valid(spec: &LeafSpec, time: i64, later: bool) -> bool {
    let anchored = match spec.issuer {
        Issuer::A => true,
        Issuer::B => !later,
        Issuer::Own => false,
    };
    anchored && spec.not_before <= time && time <= spec.not_after
}

fn write_scan(
    opts: &Options,
    stories: &[Story],
    made: &HashMap<Leaf, MadeLeaf>,
    scan: u32,
    layout: Layout,
    codec: Codec,
    path: &Path,
) -> Result<(u64, u64)> {
    let info = SeriesInfo {
        port: 25,
        protocol: "smtp",
        mode: TlsMode::Starttls,
    };
    let start = scan_time(opts.spacing_days, scan);
    let chunks: Vec<Result<(Vec<u8>, u64)>> = stories
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut text = Vec::new();
            let mut records = 0u64;
            for (i, st) in chunk.iter().enumerate() {
                let host = (c * CHUNK + i) as u64;
                let Some(visit) = st.visits[scan as usize] else {
                    continue;
                };
                let time = start + (host as i64 * SCAN_SECONDS) / opts.hosts.max(1) as i64;
                let mut rng = Rng::new(opts.seed, 0xc4_5c00 + u64::from(scan), host);
                let session = match visit.leaf {
                    Some(leaf) if visit.outcome == Outcome::Ok => {
                        let m = made.get(&leaf).context("a leaf that was not made")?;
                        let trusted = valid(&m.spec, time, false);
                        let suite = suites::by_code(visit.suite).context("a ladder suite")?;
                        Some(Session {
                            version: (VERSIONS[visit.version].1, VERSIONS[visit.version].2),
                            suite,
                            complete: true,
                            kex: if suite.kx == suites::Kx::Ecdhe {
                                KexParams::Ecdhe("secp256r1", 23)
                            } else {
                                KexParams::None
                            },
                            certs: Some(Arc::new(Presented {
                                population: if m.spec.issuer == Issuer::Own {
                                    Population::SelfSigned
                                } else {
                                    Population::Trusted
                                },
                                chain: m.chain.clone(),
                                ecdsa: matches!(m.spec.key, KeyId::Host { .. }),
                                browser_trusted: trusted,
                                browser_error: (!trusted)
                                    .then_some("x509: certificate signed by unknown authority"),
                            })),
                            cert_slot: None,
                            ocsp_stapling: false,
                            secure_renegotiation: true,
                        })
                    }
                    _ => None,
                };
                let ep = Endpoint {
                    ip: address(opts.seed, host),
                    time,
                    outcome: visit.outcome,
                    software: rng.below(SOFTWARE_FAMILIES) as usize,
                    host: format!("mx.h{host}.churn.example"),
                    tls: session,
                    late_error: false,
                };
                layout.write(&ep, &info, &mut rng, &mut text)?;
                records += 1;
            }
            Ok((compress(codec, &text)?, records))
        })
        .collect();
    let mut out = BufWriter::new(
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    let (mut bytes, mut records) = (0u64, 0u64);
    for chunk in chunks {
        let (data, n) = chunk?;
        out.write_all(&data)?;
        bytes += data.len() as u64;
        records += n;
    }
    out.flush()?;
    Ok((bytes, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_buckets() {
        let jan15 = 1_421_280_000; // 2015-01-15
        assert_eq!(months_between(jan15, jan15 + 90 * DAY), 3);
        assert_eq!(months_between(jan15, jan15 + 365 * DAY), 12);
        assert_eq!(lifetime_bucket(3), "months_0_3");
        assert_eq!(lifetime_bucket(12), "months_4_13");
        assert_eq!(lifetime_bucket(120), "months_40_plus");
        assert_eq!(tenure_bucket(30), "days_8_31");
        assert_eq!(tenure_bucket(60), "days_32_92");
    }

    #[test]
    fn stories_are_the_same_for_the_same_seed() {
        let opts = Options {
            out: PathBuf::new(),
            hosts: 50,
            scans: 4,
            spacing_days: 30,
            seed: 3,
            layouts: vec![Layout::Zgrab2],
            codecs: vec![Codec::Plain],
        };
        let a: Vec<String> = (0..50)
            .map(|h| format!("{:?}", story(3, h, &opts).visits))
            .collect();
        let b: Vec<String> = (0..50)
            .map(|h| format!("{:?}", story(3, h, &opts).visits))
            .collect();
        assert_eq!(a, b);
        assert!(
            a.iter().any(|v| v.contains("None")),
            "some servers miss a scan"
        );
    }
}
