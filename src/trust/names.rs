//! The `name_checks` table: for records that carry the name they were
//! scanned for (`handshakes.domain`), whether the leaf certificate served
//! names it, by RFC 6125 rules (subjectAltName DNS names, else the common
//! name; IP addresses against iPAddress names; wildcards in the left-most
//! label, never over a public suffix; IDNA). One row per distinct scan ×
//! name × leaf.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;
use polars::prelude::*;

use super::table::Locate;
use crate::dataset::columns::table;
use crate::dataset::manifest::Manifest;
use crate::dataset::read::{partition_value, read_columns};
use crate::x509::hostname::certificate_names;

table! {
    /// `name_checks`: one row per scan × scanned name × leaf certificate.
    pub struct NameCheckRows {
        scan_id: Vec<String>,
        domain: Vec<String>,
        leaf_sha256: Vec<String>,
        name_matches: Vec<bool>,
    }
}

/// A leaf's subjectAltName DNS names and IP addresses, and common name.
type LeafNames = (Vec<String>, Vec<String>, Option<String>);

/// Computes `name_checks` over the dataset the manifest describes.
pub fn compute(manifest: &Manifest, locate: Locate) -> Result<DataFrame> {
    let mut wanted: BTreeSet<(String, String, String)> = BTreeSet::new();
    for rel in manifest.part_paths("handshakes") {
        let scan = partition_value(rel).unwrap_or_default();
        let df = read_columns(&locate(rel), &["domain", "leaf_sha256"])?;
        let (domain, leaf) = (
            df.column("domain")?.str()?,
            df.column("leaf_sha256")?.str()?,
        );
        for (d, l) in domain.iter().zip(leaf.iter()) {
            if let (Some(d), Some(l)) = (d, l) {
                wanted.insert((scan.to_owned(), d.to_owned(), l.to_owned()));
            }
        }
    }
    let leaves: BTreeSet<&str> = wanted.iter().map(|(_, _, l)| l.as_str()).collect();
    let mut names: HashMap<String, LeafNames> = HashMap::new();
    if !leaves.is_empty() {
        for rel in manifest.part_paths("certificates") {
            let df = read_columns(&locate(rel), &["sha256", "san_dns", "san_ip", "subject_cn"])?;
            let sha = df.column("sha256")?.str()?;
            let san = df.column("san_dns")?.list()?;
            let san_ip = df.column("san_ip")?.list()?;
            let cn = df.column("subject_cn")?.str()?;
            let texts = |list: Option<Series>| -> PolarsResult<Vec<String>> {
                match list {
                    Some(list) => Ok(list.str()?.iter().flatten().map(str::to_owned).collect()),
                    None => Ok(Vec::new()),
                }
            };
            for i in 0..df.height() {
                let Some(s) = sha.get(i).filter(|s| leaves.contains(s)) else {
                    continue;
                };
                let (dns, ips) = (
                    texts(san.get_as_series(i))?,
                    texts(san_ip.get_as_series(i))?,
                );
                names.insert(s.to_owned(), (dns, ips, cn.get(i).map(str::to_owned)));
            }
        }
    }
    let mut rows = NameCheckRows::default();
    for (scan, domain, leaf) in wanted {
        let Some((dns, ips, cn)) = names.get(&leaf) else {
            continue;
        };
        rows.rows += 1;
        rows.name_matches
            .push(certificate_names(dns, ips, cn.as_deref(), &domain));
        rows.scan_id.push(scan);
        rows.domain.push(domain);
        rows.leaf_sha256.push(leaf);
    }
    Ok(rows.into_frame()?)
}
