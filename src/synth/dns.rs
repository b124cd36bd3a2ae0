//! DNS, top-list and MTA-STS data for a synthetic archive, pointing at the
//! port-25 endpoints it scanned, and what the dataset's domain tables must
//! show for them (`truth.json` → `dns`).
//!
//! Domains get one or two MX hosts (some shared between domains); an MX
//! host's address is a scanned endpoint, an unscanned IPv6 address, or
//! nothing. Hosts are named after their certificate when it names one (so
//! the name check passes) or not. Some hosts publish TLSA records made from
//! the chain the endpoint serves — matching, and broken in every way the
//! verifier names; some domains publish MTA-STS, valid or not. Every
//! expected value is decided here from what was generated, never read back
//! from the dataset.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use base64::Engine as _;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256, Sha512};

use super::model::{expected_status, Drawer, Endpoint, Outcome};
use super::output;
use super::pki::Population;
use super::rng::Rng;
use super::truth::{Counts, FileTruth};
use crate::input::decompress::Codec;

/// Most MX hosts made, whatever the size of the archive.
const MAX_HOSTS: usize = 1500;

/// Random streams of this module (apart from the scan records' streams).
const STREAM: u64 = 0xd115_0000;

/// A port-25 endpoint as the domain tables see it.
struct Scanned {
    ip: String,
    time: i64,
    /// Protection without names: 1 no STARTTLS … 5 passive-safe; none
    /// when the server did not answer.
    base: Option<i8>,
    /// Completed with a chain a store trusts.
    trusted: bool,
    /// Completed (status `ok`).
    ok: bool,
    /// The presented chain, DER, leaf first.
    chain: Vec<Vec<u8>>,
    population: Option<Population>,
    /// The host name the leaf certifies, if it certifies one.
    leaf_name: Option<String>,
}

impl Scanned {
    fn of(ep: &Endpoint) -> Result<Scanned> {
        let status = expected_status(ep.outcome);
        let session = ep.tls.as_ref().filter(|s| s.complete);
        let base = match status {
            "no_starttls" | "starttls_refused" => Some(1),
            "handshake_failed" => Some(2),
            "ok" => {
                let code = session.map_or(0, |s| u32::from(s.suite.code));
                match crate::tls::suites::find(code) {
                    None => Some(3),
                    Some(s) if s.null || s.export => Some(4),
                    Some(_) => Some(5),
                }
            }
            _ => None,
        };
        let presented = session.and_then(|s| s.certs.clone());
        let population = presented.as_ref().map(|p| p.population);
        let mut chain = Vec::new();
        if let Some(p) = &presented {
            for cert in &p.chain {
                chain.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(&cert.base64)
                        .context("a generated certificate is not base64")?,
                );
            }
        }
        let leaf_name = presented
            .as_ref()
            .and_then(|p| p.chain.first())
            .and_then(|leaf| leaf.facts.summary.as_ref())
            .and_then(|s| {
                let cn = &s.subject.cn;
                match population {
                    Some(Population::WrongName) => {
                        cn.strip_prefix("*.").map(|parent| format!("mx.{parent}"))
                    }
                    Some(Population::DeviceDefault | Population::SharedKey) => None,
                    _ => cn.ends_with(".example").then(|| cn.clone()),
                }
            });
        Ok(Scanned {
            ip: ep.ip.to_string(),
            time: ep.time,
            base,
            trusted: ep.outcome == Outcome::Ok
                && matches!(
                    population,
                    Some(Population::Trusted | Population::WrongName)
                ),
            ok: ep.outcome == Outcome::Ok,
            chain,
            population,
            leaf_name,
        })
    }
}

/// The SubjectPublicKeyInfo of a certificate, read with a DER walk of its
/// own (independent of the X.509 parser the dataset uses).
fn spki(der: &[u8]) -> Option<&[u8]> {
    /// One TLV: (tag, whole element, content).
    fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *data.first()?;
        let first = *data.get(1)?;
        let (len, head) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            let bytes = data.get(2..2 + n)?;
            (
                bytes.iter().fold(0usize, |a, b| a << 8 | usize::from(*b)),
                2 + n,
            )
        };
        let whole = data.get(..head + len)?;
        Some((tag, whole, &whole[head..]))
    }
    let (_, _, cert) = tlv(der)?;
    let (_, _, mut tbs) = tlv(cert)?;
    let mut index = 0;
    loop {
        let (tag, whole, _) = tlv(tbs)?;
        tbs = &tbs[whole.len()..];
        if tag == 0xa0 {
            continue; // the explicit version does not count
        }
        // serial, signature, issuer, validity, subject, then the key.
        if index == 5 {
            return Some(whole);
        }
        index += 1;
    }
}

/// How a host's TLSA record is made, and the verdict it must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TlsaCase {
    EeSpkiSha256,
    EeCertSha512,
    EeCertFull,
    TaCertSha256,
    PkixEeSpkiSha256,
    WrongData,
    BadLength,
    Unsupported,
    Unsigned,
}

/// A made TLSA record: usage, selector, matching type, data, authenticated.
struct TlsaRecord {
    usage: u8,
    selector: u8,
    matching: u8,
    data: Vec<u8>,
    authenticated: bool,
    /// The verdict for a completed handshake (none when none is judged).
    verdict: Option<&'static str>,
}

fn association(der: &[u8], selector: u8, matching: u8) -> Option<Vec<u8>> {
    let selected = if selector == 1 { spki(der)? } else { der };
    Some(match matching {
        0 => selected.to_vec(),
        1 => Sha256::digest(selected).to_vec(),
        _ => Sha512::digest(selected).to_vec(),
    })
}

fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.below(256) as u8).collect()
}

/// Makes a host's record; `named` says whether the host name is the one
/// the leaf certifies.
fn make_tlsa(s: &Scanned, named: bool, rng: &mut Rng) -> TlsaRecord {
    let leaf = s.chain.first();
    let parses =
        leaf.is_some_and(|l| spki(l).is_some()) && s.population != Some(Population::Unparsable);
    let mut cases = vec![
        TlsaCase::EeCertSha512,
        TlsaCase::EeCertFull,
        TlsaCase::WrongData,
        TlsaCase::BadLength,
        TlsaCase::Unsupported,
    ];
    if parses {
        cases.extend([
            TlsaCase::EeSpkiSha256,
            TlsaCase::EeSpkiSha256,
            TlsaCase::PkixEeSpkiSha256,
            TlsaCase::Unsigned,
        ]);
    }
    let ta_ok = s.chain.len() >= 2
        && matches!(
            s.population,
            Some(Population::Trusted | Population::WrongName)
        );
    if ta_ok {
        cases.extend([TlsaCase::TaCertSha256, TlsaCase::TaCertSha256]);
    }
    let case = cases[rng.below(cases.len() as u64) as usize];
    let record = |usage, selector, matching, data, verdict| TlsaRecord {
        usage,
        selector,
        matching,
        data,
        authenticated: true,
        verdict,
    };
    let Some(leaf) = leaf.filter(|_| s.ok) else {
        // Nothing served to judge: data that matches nothing.
        let verdict = s.ok.then_some("no_chain");
        return record(3, 1, 1, random_bytes(rng, 32), verdict);
    };
    let from =
        |der: &[u8], selector, matching| association(der, selector, matching).unwrap_or_default();
    match case {
        TlsaCase::EeSpkiSha256 => record(3, 1, 1, from(leaf, 1, 1), Some("match")),
        TlsaCase::EeCertSha512 => record(3, 0, 2, from(leaf, 0, 2), Some("match")),
        TlsaCase::EeCertFull => record(3, 0, 0, leaf.clone(), Some("match")),
        TlsaCase::TaCertSha256 => record(
            2,
            0,
            1,
            from(&s.chain[1], 0, 1),
            Some(if named { "match" } else { "name_mismatch" }),
        ),
        TlsaCase::PkixEeSpkiSha256 => {
            let verdict = match (s.trusted, named) {
                (false, _) => "pkix_untrusted",
                (true, true) => "match",
                (true, false) => "name_mismatch",
            };
            record(1, 1, 1, from(leaf, 1, 1), Some(verdict))
        }
        TlsaCase::WrongData => record(3, 1, 1, random_bytes(rng, 32), Some("no_match")),
        TlsaCase::BadLength => record(3, 1, 1, random_bytes(rng, 20), Some("bad_length")),
        TlsaCase::Unsupported => {
            let (u, sel) = if rng.chance(0.5) { (4, 1) } else { (3, 2) };
            record(u, sel, 1, random_bytes(rng, 32), Some("unsupported"))
        }
        TlsaCase::Unsigned => TlsaRecord {
            authenticated: false,
            ..record(3, 1, 1, from(leaf, 1, 1), Some("no_dnssec"))
        },
    }
}

/// Where an MX host's name points.
enum Address {
    /// A scanned endpoint (index into the scanned list).
    Scanned(usize),
    /// An IPv6 address no scan covered.
    Unscanned(String),
    /// No address records.
    None,
}

struct Host {
    name: String,
    address: Address,
    /// The leaf the endpoint serves certifies this name.
    named: bool,
    tlsa: Option<TlsaRecord>,
}

/// What a domain publishes for MTA-STS.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StsCase {
    Absent,
    Enforce { lists_hosts: bool },
    Testing,
    Unfetchable,
    BadPolicy,
    TwoRecords,
}

impl StsCase {
    fn state(self) -> &'static str {
        match self {
            StsCase::Absent => "no_record",
            StsCase::Enforce { .. } => "enforce",
            StsCase::Testing => "testing",
            StsCase::Unfetchable => "no_policy",
            StsCase::BadPolicy => "invalid_policy",
            StsCase::TwoRecords => "invalid_record",
        }
    }
}

struct Domain {
    name: String,
    /// (host index, preference).
    hosts: Vec<(usize, u16)>,
    rank: Option<u32>,
    sts: StsCase,
}

/// What the tables built on DNS data must hold.
#[derive(Serialize, Default, Debug)]
pub struct DnsTruth {
    /// The top list's name (`toplist.list`).
    pub list: String,
    /// Rows of `dns_mx`, `dns_addr`, `dns_tlsa`.
    pub rows: BTreeMap<&'static str, u64>,
    /// Domains per `mta_sts.state`.
    pub mta_sts: Counts,
    /// `dane_adoption`: facet → value → count.
    pub dane: BTreeMap<&'static str, Counts>,
    /// `top_domains_smtp`'s one row.
    pub top_domains: BTreeMap<&'static str, u64>,
    /// `protection_levels`: unit → level → units.
    pub protection: BTreeMap<&'static str, Counts>,
    /// `protection_levels`: unit → level → summed weight (1/rank for
    /// `domain_by_rank`).
    pub protection_weight: BTreeMap<&'static str, BTreeMap<String, f64>>,
    /// `unit_of_analysis`: unit → column → count.
    pub headline: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
}

/// The level names of `protection_levels`.
fn level_name(level: i8) -> &'static str {
    match level {
        -1 => "not_scanned",
        0 => "no_answer",
        1 => "no_starttls",
        2 => "starttls_failed",
        3 => "suite_not_known",
        4 => "passive_broken",
        5 => "passive_safe",
        6 => "mta_sts",
        _ => "dane",
    }
}

/// A unit's judgement, gathered over its routes.
#[derive(Default, Clone, Copy)]
struct UnitLevel {
    scanned: bool,
    level: Option<i8>,
    /// Every answering route completed with a trusted chain.
    trusted: Option<bool>,
    weight: f64,
}

impl UnitLevel {
    fn add(&mut self, scanned: bool, level: Option<i8>, trusted: bool) {
        self.scanned |= scanned;
        if let Some(l) = level {
            self.level = Some(self.level.map_or(l, |m| m.min(l)));
            self.trusted = Some(self.trusted.unwrap_or(true) && trusted);
        }
    }

    fn class(&self) -> i8 {
        match (self.scanned, self.level) {
            (false, _) => -1,
            (true, None) => 0,
            (true, Some(l)) => l,
        }
    }
}

/// Writes the DNS files and returns their truth.
pub struct DnsJob<'a> {
    /// Seed of the run.
    pub seed: u64,
    /// The port-25 series.
    pub drawer: &'a Drawer<'a>,
    /// Which of its records were damaged (absent from the dataset).
    pub damaged: &'a (dyn Fn(u64) -> bool + Sync),
    /// File name prefix.
    pub run_id: &'a str,
    /// Codec of the ZDNS file.
    pub codec: Codec,
    /// MX lookup time, seconds since the epoch.
    pub lookup_time: i64,
}

impl DnsJob<'_> {
    /// Writes the files into `out`; returns their entries and the truth.
    pub fn write(&self, out: &Path) -> Result<(Vec<FileTruth>, u64, DnsTruth)> {
        let d = self.drawer;
        let mut scanned = Vec::new();
        let mut all = Vec::new();
        for i in 0..d.count {
            if (self.damaged)(i) {
                continue;
            }
            let ep = d.draw(i)?;
            let mut s = Scanned::of(&ep)?;
            let pick = Rng::new(self.seed, STREAM, i).chance(0.6);
            if pick && scanned.len() < MAX_HOSTS {
                scanned.push(all.len());
            } else {
                // Only an MX host's chain is read again (for its TLSA
                // records); the others count per address only, and keeping
                // every chain made memory grow with the population.
                s.chain = Vec::new();
                s.leaf_name = None;
            }
            all.push(s);
        }
        let mut rng = Rng::new(self.seed, STREAM + 1, 0);
        let mut hosts: Vec<Host> = Vec::new();
        let mut used_names = HashSet::new();
        for (j, &k) in scanned.iter().enumerate() {
            let s = &all[k];
            let roll = rng.unit();
            let address = if roll < 0.05 {
                Address::None
            } else if roll < 0.10 {
                Address::Unscanned(format!("2001:db8::{j:x}"))
            } else {
                Address::Scanned(k)
            };
            let leaf_name = s
                .leaf_name
                .clone()
                .filter(|n| rng.chance(0.7) && !used_names.contains(n));
            let named = leaf_name.is_some() && matches!(address, Address::Scanned(_));
            let name = leaf_name.unwrap_or_else(|| format!("mx.h{j}.example"));
            used_names.insert(name.clone());
            let tlsa = match address {
                Address::Scanned(_) if rng.chance(0.3) => Some(make_tlsa(s, named, &mut rng)),
                _ => None,
            };
            hosts.push(Host {
                name,
                address,
                named,
                tlsa,
            });
        }
        // Domains: one or two hosts each, in order; then domains hosted on
        // another domain's MX host; then listed domains without mail.
        let mut domains: Vec<Domain> = Vec::new();
        let mut next = 0;
        while next < hosts.len() {
            let two = next + 1 < hosts.len() && rng.chance(0.2);
            let mut list = vec![(next, 10)];
            if two {
                list.push((next + 1, 20));
            }
            next += list.len();
            let k = domains.len();
            domains.push(Domain {
                name: format!("d{k}.example"),
                hosts: list,
                rank: None,
                sts: StsCase::Absent,
            });
        }
        let own = domains.len();
        for k in 0..own / 10 {
            let host = domains[(k * 7) % own].hosts[0].0;
            domains.push(Domain {
                name: format!("hosted{k}.example"),
                hosts: vec![(host, 10)],
                rank: None,
                sts: StsCase::Absent,
            });
        }
        for dom in domains.iter_mut() {
            let r = rng.unit();
            dom.sts = if r < 0.10 {
                StsCase::Enforce {
                    lists_hosts: rng.chance(0.7),
                }
            } else if r < 0.15 {
                StsCase::Testing
            } else if r < 0.19 {
                StsCase::Unfetchable
            } else if r < 0.22 {
                StsCase::BadPolicy
            } else if r < 0.25 {
                StsCase::TwoRecords
            } else {
                StsCase::Absent
            };
        }
        let mail_domains = domains.len();
        let without_mail = mail_domains / 10;
        // The list: 85 % of the mail domains and the domains without mail,
        // in a shuffled order.
        let mut listed: Vec<Option<usize>> = (0..mail_domains)
            .filter(|_| rng.chance(0.85))
            .map(Some)
            .collect();
        listed.extend((0..without_mail).map(|_| None));
        for i in (1..listed.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            listed.swap(i, j);
        }
        let mut top = String::new();
        let mut nomail = 0;
        for (position, entry) in listed.iter().enumerate() {
            let rank = position as u32 + 1;
            let name = match entry {
                Some(k) => {
                    domains[*k].rank = Some(rank);
                    domains[*k].name.clone()
                }
                None => {
                    nomail += 1;
                    format!("nomail{nomail}.example")
                }
            };
            top.push_str(&format!("{rank},{name}\n"));
        }

        let mut files = Vec::new();
        let mut bytes = 0;
        let mut write =
            |name: String, layout: &str, codec: Codec, text: &str, records: u64| -> Result<()> {
                let data = output::compress(codec, text.as_bytes())?;
                let path = out.join(&name);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                File::create(&path)
                    .and_then(|mut f| f.write_all(&data))
                    .with_context(|| format!("writing {}", path.display()))?;
                bytes += data.len() as u64;
                files.push(FileTruth {
                    file: name,
                    layout: layout.into(),
                    codec: codec.name().into(),
                    port: None,
                    records,
                    bad_lines: 0,
                });
                Ok(())
            };
        let stamp = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        let mut truth = DnsTruth {
            list: format!("{}-top-1m", self.run_id),
            ..DnsTruth::default()
        };
        let list_lines = listed.len() as u64;
        write(
            format!("{}-top-1m.csv", self.run_id),
            "toplist",
            Codec::Plain,
            &top,
            list_lines,
        )?;

        // ZDNS (version 2) lookups: MX of every listed or mail domain,
        // A of the even hosts, TLSA, and `_mta-sts` TXT.
        let mut zdns = String::new();
        let mut lines = 0u64;
        let mut line = |v: serde_json::Value, zdns: &mut String| {
            zdns.push_str(&v.to_string());
            zdns.push('\n');
            lines += 1;
        };
        let mx_time = stamp(self.lookup_time);
        let mut rows = BTreeMap::from([("dns_mx", 0u64), ("dns_addr", 0), ("dns_tlsa", 0)]);
        for dom in &domains {
            let answers: Vec<serde_json::Value> = dom
                .hosts
                .iter()
                .map(|(h, pref)| {
                    json!({"answer": format!("{}.", hosts[*h].name), "class": "IN",
                           "name": dom.name, "preference": pref, "ttl": 300, "type": "MX"})
                })
                .collect();
            *rows.entry("dns_mx").or_default() += answers.len() as u64;
            line(
                json!({"name": dom.name, "results": {"MX": {"data": {"answers": answers},
                       "status": "NOERROR", "timestamp": mx_time}}}),
                &mut zdns,
            );
        }
        for k in 0..nomail {
            line(
                json!({"name": format!("nomail{}.example", k + 1), "results": {"MX": {
                       "data": {"answers": []}, "status": "NXDOMAIN", "timestamp": mx_time}}}),
                &mut zdns,
            );
        }
        let mut sonar = String::new();
        let mut sonar_lines = 0u64;
        for (j, host) in hosts.iter().enumerate() {
            let (kind, value, time) = match &host.address {
                Address::Scanned(k) => ("A", all[*k].ip.clone(), all[*k].time),
                Address::Unscanned(v6) => ("AAAA", v6.clone(), self.lookup_time),
                Address::None => {
                    line(
                        json!({"name": host.name, "results": {"A": {"data": {"answers": []},
                               "status": "NOERROR", "timestamp": mx_time}}}),
                        &mut zdns,
                    );
                    continue;
                }
            };
            *rows.entry("dns_addr").or_default() += 1;
            if j % 2 == 0 {
                line(
                    json!({"name": host.name, "results": {kind: {"data": {"answers": [
                           {"answer": value, "class": "IN", "name": host.name, "ttl": 300, "type": kind}]},
                           "status": "NOERROR", "timestamp": stamp(time)}}}),
                    &mut zdns,
                );
            } else {
                sonar.push_str(
                    &json!({"timestamp": time.to_string(), "name": host.name,
                            "type": kind.to_ascii_lowercase(), "value": value})
                    .to_string(),
                );
                sonar.push('\n');
                sonar_lines += 1;
            }
            if let Some(t) = &host.tlsa {
                *rows.entry("dns_tlsa").or_default() += 1;
                let owner = format!("_25._tcp.{}", host.name);
                line(
                    json!({"name": owner, "results": {"TLSA": {"data": {"answers": [
                           {"type": "TLSA", "class": "IN", "name": owner, "ttl": 300,
                            "cert_usage": t.usage, "selector": t.selector, "matching_type": t.matching,
                            "certificate": hex::encode(&t.data)}],
                           "flags": {"authenticated": t.authenticated}},
                           "status": "NOERROR", "timestamp": mx_time}}}),
                    &mut zdns,
                );
            }
        }
        let mut fetches = String::new();
        let mut fetch_lines = 0u64;
        let mut raw_policies = 0;
        for dom in &domains {
            let owner = format!("_mta-sts.{}", dom.name);
            let record = |id: &str| {
                json!({"answer": format!("v=STSv1; id={id}"), "class": "IN", "name": owner,
                       "ttl": 300, "type": "TXT"})
            };
            let (status, answers) = match dom.sts {
                StsCase::Absent => ("NXDOMAIN", vec![]),
                StsCase::TwoRecords => ("NOERROR", vec![record("1"), record("2")]),
                _ => ("NOERROR", vec![record("20150801T000000")]),
            };
            line(
                json!({"name": owner, "results": {"TXT": {"data": {"answers": answers},
                       "status": status, "timestamp": mx_time}}}),
                &mut zdns,
            );
            let mode = match dom.sts {
                StsCase::Absent => continue,
                StsCase::Testing => "testing",
                _ => "enforce",
            };
            let mut body = format!("version: STSv1\r\nmode: {mode}\r\n");
            for (h, _) in &dom.hosts {
                let name = &hosts[*h].name;
                let listed = match dom.sts {
                    StsCase::Enforce { lists_hosts: false } => "mx.elsewhere.example".to_owned(),
                    // A wildcard for the names under a parent of their own.
                    _ => match name.split_once('.') {
                        Some((_, parent)) if parent.matches('.').count() >= 1 && h % 2 == 1 => {
                            format!("*.{parent}")
                        }
                        _ => name.clone(),
                    },
                };
                body.push_str(&format!("mx: {listed}\r\n"));
            }
            if dom.sts != StsCase::BadPolicy {
                body.push_str("max_age: 604800\r\n");
            }
            if matches!(dom.sts, StsCase::Enforce { .. }) && raw_policies < 2 {
                raw_policies += 1;
                let name = format!("mta-sts/{}/.well-known/mta-sts.txt", dom.name);
                write(name, "mta_sts", Codec::Plain, &body, 1)?;
                continue;
            }
            let fetch = if dom.sts == StsCase::Unfetchable {
                json!({"domain": dom.name, "timestamp": mx_time, "status_code": 404,
                       "url": format!("https://mta-sts.{}/.well-known/mta-sts.txt", dom.name),
                       "body": "<html>not found</html>"})
            } else {
                json!({"domain": dom.name, "timestamp": mx_time, "status_code": 200,
                       "url": format!("https://mta-sts.{}/.well-known/mta-sts.txt", dom.name),
                       "body": body})
            };
            fetches.push_str(&fetch.to_string());
            fetches.push('\n');
            fetch_lines += 1;
        }
        write(
            format!(
                "{}-zdns-results.json{}",
                self.run_id,
                output::extension(self.codec)
            ),
            "zdns",
            self.codec,
            &zdns,
            lines,
        )?;
        write(
            format!("{}-fdns_a.json.gz", self.run_id),
            "sonar_dns",
            Codec::Gzip,
            &sonar,
            sonar_lines,
        )?;
        write(
            format!("{}-mta-sts-policies.json", self.run_id),
            "mta_sts",
            Codec::Plain,
            &fetches,
            fetch_lines,
        )?;
        truth.rows = rows;
        self.judge(&all, &hosts, &domains, list_lines, &mut truth);
        Ok((files, bytes, truth))
    }

    /// Fills the expected tables.
    fn judge(
        &self,
        all: &[Scanned],
        hosts: &[Host],
        domains: &[Domain],
        list_len: u64,
        truth: &mut DnsTruth,
    ) {
        for dom in domains {
            *truth.mta_sts.entry(dom.sts.state().into()).or_default() += 1;
        }
        // dane_adoption.
        let routed: HashSet<usize> = domains
            .iter()
            .flat_map(|d| d.hosts.iter().map(|h| h.0))
            .collect();
        let dane = &mut truth.dane;
        for &h in &routed {
            let host = &hosts[h];
            let tlsa = if host.tlsa.is_some() {
                "with_tlsa"
            } else {
                "without_tlsa"
            };
            *dane
                .entry("tlsa")
                .or_default()
                .entry(tlsa.into())
                .or_default() += 1;
            if let Some(t) = &host.tlsa {
                let signed = if t.authenticated {
                    "authenticated"
                } else {
                    "not_authenticated"
                };
                *dane
                    .entry("dnssec")
                    .or_default()
                    .entry(signed.into())
                    .or_default() += 1;
            }
        }
        for host in hosts.iter().filter_map(|h| h.tlsa.as_ref()) {
            for (facet, value) in [
                ("usage", host.usage),
                ("selector", host.selector),
                ("matching", host.matching),
            ] {
                *dane
                    .entry(facet)
                    .or_default()
                    .entry(value.to_string())
                    .or_default() += 1;
            }
        }
        // Routes, and the units they add up to.
        let mut units: BTreeMap<&'static str, BTreeMap<String, UnitLevel>> = BTreeMap::new();
        let mut top_hosts: BTreeMap<usize, (bool, bool, bool)> = BTreeMap::new();
        let mut listed_with_mail = 0;
        for dom in domains {
            if dom.rank.is_some() {
                listed_with_mail += 1;
            }
            for &(h, _) in &dom.hosts {
                let host = &hosts[h];
                let s = match host.address {
                    Address::Scanned(k) => Some(&all[k]),
                    _ => None,
                };
                let verdict = host
                    .tlsa
                    .as_ref()
                    .and_then(|t| t.verdict)
                    .filter(|_| s.is_some_and(|s| s.ok));
                if let Some(v) = verdict {
                    *dane
                        .entry("verdict")
                        .or_default()
                        .entry(v.into())
                        .or_default() += 1;
                }
                let sts_names = match dom.sts {
                    StsCase::Enforce { lists_hosts } => lists_hosts,
                    _ => false,
                };
                let level = s.and_then(|s| s.base).map(|base| match base {
                    5 if verdict == Some("match") => 7,
                    5 if sts_names && s.is_some_and(|s| s.trusted) && host.named => 6,
                    b => b,
                });
                let trusted = s.is_some_and(|s| s.trusted);
                let mut add = |unit: &'static str, id: &str, weight: f64| {
                    let u = units
                        .entry(unit)
                        .or_default()
                        .entry(id.to_owned())
                        .or_default();
                    u.add(s.is_some(), level, trusted);
                    u.weight = weight;
                };
                add("mx_host", &host.name, 1.0);
                add("domain", &dom.name, 1.0);
                if let Some(rank) = dom.rank {
                    add("domain_by_rank", &dom.name, 1.0 / f64::from(rank));
                    let entry = top_hosts.entry(h).or_default();
                    entry.0 |= s.is_some();
                    entry.1 |= s.is_some_and(|s| s.ok);
                    entry.2 |= s.is_some_and(|s| s.ok && s.trusted) && host.named;
                }
            }
        }
        for s in all {
            let u = units
                .entry("ip")
                .or_default()
                .entry(s.ip.clone())
                .or_default();
            u.add(true, s.base, s.trusted);
            u.weight = 1.0;
        }
        for (unit, list) in &units {
            let counts = truth.protection.entry(unit).or_default();
            let weights = truth.protection_weight.entry(unit).or_default();
            let headline = truth.headline.entry(unit).or_default();
            for u in list.values() {
                let class = u.class();
                let mut count = |level: &str| {
                    *counts.entry(level.into()).or_default() += 1;
                    *weights.entry(level.into()).or_default() += u.weight;
                };
                count(level_name(class));
                if class >= 1 && u.trusted == Some(true) {
                    count("trusted_certificate");
                }
                if class >= 1 {
                    for (column, holds) in [
                        ("answered", true),
                        ("starttls", class >= 2),
                        ("tls_completed", class >= 3),
                        ("trusted_certificate", u.trusted == Some(true)),
                        ("authenticated", class >= 6),
                    ] {
                        *headline.entry(column).or_default() += u64::from(holds);
                    }
                }
            }
        }
        let hosts_of_list = top_hosts.values();
        truth.top_domains = BTreeMap::from([
            ("domains", list_len),
            ("domains_with_mx", listed_with_mail),
            ("mx_hosts", top_hosts.len() as u64),
            (
                "mx_hosts_scanned",
                hosts_of_list.clone().filter(|h| h.0).count() as u64,
            ),
            (
                "starttls",
                hosts_of_list.clone().filter(|h| h.1).count() as u64,
            ),
            (
                "trusted_named",
                hosts_of_list.filter(|h| h.2).count() as u64,
            ),
        ]);
    }
}
