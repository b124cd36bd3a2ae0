//! Chains of Rapid7 Sonar SSL studies: a `_hosts` file lists one line per
//! certificate a host presented, in the order seen, and names them by
//! SHA-1. At every commit the `host` rows of `sonar_ssl` are put together
//! into one chain per scan and address, their SHA-1s looked up in
//! `certificates` (filled from the studies' `_certs` files), and the
//! chains judged in `chain_trust` like any other (`sonar_chains`).

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use polars::prelude::*;

use super::table::{chain_digest, Locate, SeenChains};
use crate::dataset::columns::{table, AsText, Micros, StrLists, Strs};
use crate::dataset::manifest::Manifest;
use crate::dataset::read::{numbers, read_columns, texts};
use crate::x509::{hex32, Sha256Digest};

/// One host's chain in one scan.
pub struct SonarChain {
    scan_id: String,
    ip: String,
    port: Option<u16>,
    tls_mode: Option<String>,
    time: Option<i64>,
    /// The certificates found in the store, in the order listed.
    chain: Vec<Sha256Digest>,
    /// Listed certificates the store does not hold (their `_certs` line
    /// is in a study file not ingested).
    missing: u32,
}

table! {
    /// `sonar_chains`: one row per scan × address of a Sonar SSL study.
    pub struct SonarChainRows {
        scan_id: Vec<String>,
        ip: Vec<String>,
        port: Vec<Option<u16>>,
        tls_mode: Vec<Option<String>>,
        timestamp: Micros,
        chain_sha256: StrLists<[u8; 64]>,
        chain_hash: Strs,
        certificates_missing: Vec<u32>,
    }
}

/// Puts every Sonar host's chain together.
pub fn assemble(manifest: &Manifest, locate: Locate) -> Result<Vec<SonarChain>> {
    // (scan, ip) → (port, mode, time, [(input, line, sha1)]).
    type Listed = (
        Option<u16>,
        Option<String>,
        Option<i64>,
        Vec<(i64, i64, String)>,
    );
    let mut hosts: BTreeMap<(String, String), Listed> = BTreeMap::new();
    for rel in manifest.part_paths("sonar_ssl") {
        let df = read_columns(
            &locate(rel),
            &[
                "input_id",
                "line",
                "scan_id",
                "kind",
                "ip",
                "port",
                "tls_mode",
                "sha1",
                "timestamp",
            ],
        )?;
        let (scan, kind, ip, mode, sha1) = (
            texts(&df, "scan_id")?,
            texts(&df, "kind")?,
            texts(&df, "ip")?,
            texts(&df, "tls_mode")?,
            texts(&df, "sha1")?,
        );
        let (input, line, port, time) = (
            numbers(&df, "input_id")?,
            numbers(&df, "line")?,
            numbers(&df, "port")?,
            numbers(&df, "timestamp")?,
        );
        for i in 0..df.height() {
            let (Some("host"), Some(scan), Some(ip), Some(sha1)) = (
                kind[i].as_deref(),
                scan[i].clone(),
                ip[i].clone(),
                sha1[i].clone(),
            ) else {
                continue;
            };
            let entry = hosts.entry((scan, ip)).or_insert_with(|| {
                (
                    port[i].and_then(|p| u16::try_from(p).ok()),
                    mode[i].clone(),
                    time[i],
                    Vec::new(),
                )
            });
            entry
                .3
                .push((input[i].unwrap_or(0), line[i].unwrap_or(0), sha1));
        }
    }
    if hosts.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: HashSet<&str> = hosts
        .values()
        .flat_map(|h| h.3.iter().map(|(_, _, s)| s.as_str()))
        .collect();
    let mut by_sha1: HashMap<String, Sha256Digest> = HashMap::new();
    for rel in manifest.part_paths("certificates") {
        let df = read_columns(&locate(rel), &["sha1", "sha256"])?;
        let (sha1, sha256) = (df.column("sha1")?.str()?, df.column("sha256")?.str()?);
        for i in 0..df.height() {
            let (Some(s1), Some(s256)) = (sha1.get(i), sha256.get(i)) else {
                continue;
            };
            if wanted.contains(s1) {
                if let Some(d) = crate::x509::digest_from_hex(s256) {
                    by_sha1.insert(s1.to_owned(), d);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(hosts.len());
    for ((scan_id, ip), (port, tls_mode, time, mut listed)) in hosts {
        listed.sort();
        listed.dedup_by(|a, b| a.2 == b.2);
        let chain: Vec<Sha256Digest> = listed
            .iter()
            .filter_map(|(_, _, s)| by_sha1.get(s).copied())
            .collect();
        let missing = (listed.len() - chain.len()) as u32;
        out.push(SonarChain {
            scan_id,
            ip,
            port,
            tls_mode,
            time,
            chain,
            missing,
        });
    }
    Ok(out)
}

/// Adds the chains to those `chain_trust` judges.
pub fn register(chains: &[SonarChain], seen: &mut SeenChains) {
    for c in chains {
        let hex: Vec<[u8; 64]> = c.chain.iter().map(hex32).collect();
        if let Some(hash) = chain_digest(hex.iter()) {
            seen.add(&c.scan_id, hash, &c.chain, c.time);
        }
    }
}

/// The `sonar_chains` table.
pub fn table(chains: &[SonarChain]) -> Result<DataFrame> {
    let mut rows = SonarChainRows::default();
    for c in chains {
        rows.rows += 1;
        rows.scan_id.push(c.scan_id.clone());
        rows.ip.push(c.ip.clone());
        rows.port.push(c.port);
        rows.tls_mode.push(c.tls_mode.clone());
        rows.timestamp.0.push(c.time);
        rows.chain_sha256.push(c.chain.iter().map(hex32));
        let hash = chain_digest(rows.chain_sha256.last());
        let hex = hash.as_ref().map(hex32);
        rows.chain_hash.push(hex.as_ref().map(AsText::as_text));
        rows.certificates_missing.push(c.missing);
    }
    Ok(rows.into_frame()?)
}
