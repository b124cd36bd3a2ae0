//! The `mail_routes` table: domain → MX host (by preference) → address →
//! the port-25 handshake of that address nearest in time to the lookup →
//! the chain it presented → its CA trust and its DANE verdict.
//!
//! One row per domain × MX host × address (an MX host without addresses,
//! or an address without a port-25 scan, keeps its row with the rest
//! null: not scanned is not "no TLS").

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use polars::prelude::*;

use super::records::{tlsa_owner, Answer, Sts};
use super::{verify, Served, Tlsa};
use crate::dataset::columns::{table, Micros};
use crate::dataset::manifest::Manifest;
use crate::dataset::read::{numbers, partition_value, read_columns, texts};
use crate::trust::table::Locate;

table! {
    /// `mail_routes`: one row per domain × MX host × address.
    pub struct RouteRows {
        domain: Vec<String>,
        mx_host: Vec<String>,
        preference: Vec<Option<u16>>,
        address: Vec<Option<String>>,
        dns_time: Micros,
        scan_id: Vec<Option<String>>,
        handshake_time: Micros,
        status: Vec<Option<String>>,
        starttls_offered: Vec<Option<bool>>,
        cipher_id: Vec<Option<u32>>,
        chain_hash: Vec<Option<String>>,
        trusted: Vec<Option<bool>>,
        names_host: Vec<Option<bool>>,
        tlsa_records: Vec<u32>,
        tlsa_dnssec: Vec<Option<bool>>,
        dane: Vec<Option<&'static str>>,
        mta_sts: Vec<Option<&'static str>>,
        mta_sts_names_mx: Vec<Option<bool>>,
    }
}

/// A port-25 scan of an address.
struct Scan {
    scan_id: String,
    time: Option<i64>,
    status: String,
    starttls_offered: Option<bool>,
    cipher_id: Option<u32>,
    chain_hash: Option<String>,
    chain: Vec<String>,
}

/// What the DNS parts say.
#[derive(Default)]
struct Dns {
    /// (domain, MX host, preference, lookup time).
    mx: Vec<(String, String, Option<u16>, Option<i64>)>,
    /// Host → addresses.
    addresses: HashMap<String, Vec<String>>,
    /// Host → its port-25 TLSA records and whether every one was authenticated.
    tlsa: HashMap<String, (Vec<Tlsa>, bool)>,
}

/// The MX, address and TLSA facts the join needs, from the answers.
fn gather(answers: &[Answer]) -> Dns {
    let mut dns = Dns::default();
    for a in answers {
        let (Some(kind), Some(value)) = (a.kind.as_deref(), a.value.clone()) else {
            continue;
        };
        match kind {
            "MX" => dns.mx.push((a.owner.clone(), value, a.preference, a.time)),
            "A" | "AAAA" => dns
                .addresses
                .entry(a.owner.clone())
                .or_default()
                .push(value),
            "TLSA" => {
                let Some((25, host)) = tlsa_owner(&a.owner) else {
                    continue;
                };
                let (Some(u), Some(s), Some(m), Ok(data)) =
                    (a.tlsa.0, a.tlsa.1, a.tlsa.2, hex::decode(&value))
                else {
                    continue;
                };
                let entry = dns
                    .tlsa
                    .entry(host.to_owned())
                    .or_insert((Vec::new(), true));
                entry.0.push(Tlsa {
                    usage: u8::try_from(u).unwrap_or(u8::MAX),
                    selector: u8::try_from(s).unwrap_or(u8::MAX),
                    matching: u8::try_from(m).unwrap_or(u8::MAX),
                    data,
                });
                entry.1 &= a.authenticated == Some(true);
            }
            _ => {}
        }
    }
    dns.mx.sort();
    dns.mx.dedup();
    for list in dns.addresses.values_mut() {
        list.sort();
        list.dedup();
    }
    dns
}

/// Port-25 scans of the wanted addresses.
fn read_scans(
    manifest: &Manifest,
    locate: Locate,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, Vec<Scan>>> {
    let mut scans: HashMap<String, Vec<Scan>> = HashMap::new();
    for rel in manifest.part_paths("handshakes") {
        let Some(scan_id) = partition_value(rel) else {
            continue;
        };
        let df = read_columns(
            &locate(rel),
            &[
                "ip",
                "port",
                "timestamp",
                "status",
                "starttls_offered",
                "cipher_id",
                "chain_hash",
                "chain_sha256",
            ],
        )?;
        let offered: Vec<Option<bool>> = df.column("starttls_offered")?.bool()?.iter().collect();
        let cipher = numbers(&df, "cipher_id")?;
        let (ip, status, hash) = (
            texts(&df, "ip")?,
            texts(&df, "status")?,
            texts(&df, "chain_hash")?,
        );
        let (port, time) = (numbers(&df, "port")?, numbers(&df, "timestamp")?);
        let chains = df.column("chain_sha256")?.list()?;
        for i in 0..df.height() {
            let Some(address) = ip[i].as_deref().filter(|a| wanted.contains(a)) else {
                continue;
            };
            if port[i] != Some(25) {
                continue;
            }
            let chain = chains
                .get_as_series(i)
                .and_then(|s| {
                    s.str()
                        .ok()
                        .map(|s| s.iter().flatten().map(str::to_owned).collect())
                })
                .unwrap_or_default();
            scans.entry(address.to_owned()).or_default().push(Scan {
                scan_id: scan_id.to_owned(),
                time: time[i],
                status: status[i].clone().unwrap_or_default(),
                starttls_offered: offered[i],
                cipher_id: cipher[i].and_then(|c| u32::try_from(c).ok()),
                chain_hash: hash[i].clone(),
                chain,
            });
        }
    }
    Ok(scans)
}

/// The DER of the wanted certificates.
fn read_ders(
    manifest: &Manifest,
    locate: Locate,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, Vec<u8>>> {
    let mut out = HashMap::new();
    for rel in manifest.part_paths("certificates") {
        let df = read_columns(&locate(rel), &["sha256", "der"])?;
        let (sha, der) = (df.column("sha256")?.str()?, df.column("der")?.binary()?);
        for i in 0..df.height() {
            if let (Some(s), Some(d)) = (sha.get(i), der.get(i)) {
                if wanted.contains(s) {
                    out.insert(s.to_owned(), d.to_vec());
                }
            }
        }
    }
    Ok(out)
}

/// Computes `mail_routes` for the dataset `manifest` describes from its
/// DNS answers, each domain's MTA-STS evidence, and the chains' CA trust
/// from `chain_trust` (its first setting).
pub fn compute(
    manifest: &Manifest,
    locate: Locate,
    answers: &[Answer],
    sts: &BTreeMap<String, Sts>,
    chain_trust: &DataFrame,
) -> Result<DataFrame> {
    let dns = gather(answers);
    let mut rows = RouteRows::default();
    if dns.mx.is_empty() {
        return Ok(rows.into_frame()?);
    }
    let wanted: HashSet<&str> = dns
        .addresses
        .values()
        .flatten()
        .map(String::as_str)
        .collect();
    let scans = read_scans(manifest, locate, &wanted)?;
    let certs: HashSet<&str> = scans
        .values()
        .flatten()
        .flat_map(|s| s.chain.iter().map(String::as_str))
        .collect();
    let ders = read_ders(manifest, locate, &certs)?;
    let mut trusted: HashMap<(String, String), bool> = HashMap::new();
    if chain_trust.height() > 0 {
        let (scan, hash) = (
            texts(chain_trust, "scan_id")?,
            texts(chain_trust, "chain_hash")?,
        );
        let rank = numbers(chain_trust, "setting_rank")?;
        let valid: Vec<Option<bool>> = chain_trust.column("valid")?.bool()?.iter().collect();
        for i in 0..chain_trust.height() {
            if let (Some(0), Some(s), Some(h), Some(v)) =
                (rank[i], scan[i].clone(), hash[i].clone(), valid[i])
            {
                trusted.insert((s, h), v);
            }
        }
    }
    for (domain, host, preference, dns_time) in &dns.mx {
        let addresses: Vec<Option<&String>> = match dns.addresses.get(host) {
            Some(list) if !list.is_empty() => list.iter().map(Some).collect(),
            _ => vec![None],
        };
        let tlsa = dns.tlsa.get(host);
        for address in addresses {
            // The scan of the address nearest in time to the lookup.
            let scan = address.and_then(|a| scans.get(a)).and_then(|list| {
                list.iter().min_by_key(|s| match (s.time, dns_time) {
                    (Some(a), Some(b)) => (a - b).abs(),
                    _ => i64::MAX,
                })
            });
            let chain: Option<Vec<Vec<u8>>> = scan
                .filter(|s| !s.chain.is_empty())
                .and_then(|s| s.chain.iter().map(|c| ders.get(c).cloned()).collect());
            let is_trusted = scan.and_then(|s| {
                let hash = s.chain_hash.clone()?;
                trusted.get(&(s.scan_id.clone(), hash)).copied()
            });
            let names_host = chain.as_ref().and_then(|c| c.first()).map(|leaf| {
                let f = crate::x509::facts_from_der(leaf.clone());
                crate::x509::hostname::certificate_names(
                    &f.san_dns,
                    &f.san_ip,
                    f.subject_cn.as_deref(),
                    host,
                )
            });
            let dane = match (tlsa, scan) {
                (Some((records, dnssec)), Some(s)) if s.status == "ok" => {
                    let chain = chain.clone().unwrap_or_default();
                    let served = Served {
                        chain: &chain,
                        host,
                        at: s.time.map_or(0, |t| t.div_euclid(1_000_000)),
                        pkix_valid: is_trusted == Some(true),
                    };
                    Some(verify(records, *dnssec, &served).name())
                }
                _ => None,
            };
            rows.rows += 1;
            rows.domain.push(domain.clone());
            rows.mx_host.push(host.clone());
            rows.preference.push(*preference);
            rows.address.push(address.cloned());
            rows.dns_time.0.push(*dns_time);
            rows.scan_id.push(scan.map(|s| s.scan_id.clone()));
            rows.handshake_time.0.push(scan.and_then(|s| s.time));
            rows.status.push(scan.map(|s| s.status.clone()));
            rows.starttls_offered
                .push(scan.and_then(|s| s.starttls_offered));
            rows.cipher_id.push(scan.and_then(|s| s.cipher_id));
            let policy = sts.get(domain);
            rows.mta_sts.push(policy.map(|p| p.state().name()));
            rows.mta_sts_names_mx
                .push(policy.and_then(|p| p.names(host)));
            rows.chain_hash
                .push(scan.and_then(|s| s.chain_hash.clone()));
            rows.trusted.push(is_trusted);
            rows.names_host.push(names_host);
            rows.tlsa_records.push(tlsa.map_or(0, |t| t.0.len() as u32));
            rows.tlsa_dnssec.push(tlsa.map(|t| t.1));
            rows.dane.push(dane);
        }
    }
    Ok(rows.into_frame()?)
}
