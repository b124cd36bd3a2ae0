//! `truth.json`: what the dataset made from a synthetic archive must hold,
//! counted from what was generated (never from the profile's shares).

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{expected_offered, expected_status, Endpoint, KexParams};
use super::pki::CertFacts;
use super::render::text::capabilities_shown;
use super::render::Layout;
use crate::record::TlsMode;

/// Counts by value.
pub type Counts = BTreeMap<String, u64>;

/// Named counts; merging adds them up.
#[derive(Default, Debug, Clone, Serialize)]
pub struct Tally(pub BTreeMap<&'static str, Counts>);

impl Tally {
    /// Counts one `value` of `metric`.
    pub fn add(&mut self, metric: &'static str, value: impl Into<String>) {
        *self
            .0
            .entry(metric)
            .or_default()
            .entry(value.into())
            .or_default() += 1;
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: Tally) {
        for (metric, counts) in other.0 {
            let mine = self.0.entry(metric).or_default();
            for (value, n) in counts {
                *mine.entry(value).or_default() += n;
            }
        }
    }

    /// The count of one value (0 when absent).
    pub fn get(&self, metric: &str, value: &str) -> u64 {
        self.0
            .get(metric)
            .and_then(|c| c.get(value))
            .copied()
            .unwrap_or(0)
    }
}

/// Counts the rows one endpoint must give in `handshakes`.
pub fn count_endpoint(t: &mut Tally, ep: &Endpoint, protocol: &str, mode: TlsMode, layout: Layout) {
    t.add("population", ep.outcome.name());
    t.add("status", expected_status(ep.outcome));
    t.add(
        "starttls_offered",
        expected_offered(ep.outcome, mode, capabilities_shown(ep, protocol)),
    );
    t.add(
        "starttls_stripped",
        (ep.outcome == super::model::Outcome::Stripped).to_string(),
    );
    let Some(s) = ep.tls.as_ref().filter(|s| s.complete) else {
        return;
    };
    t.add("ok.tls_version", format!("0x{:04x}", s.version.0));
    t.add("ok.cipher_id", format!("0x{:04x}", s.suite.code));
    t.add("ok.kex", s.suite.kx.name());
    let logged = layout.records_key_exchange();
    let ske = match (&s.kex, logged) {
        (KexParams::None, _) => "not_sent",
        (_, true) => "logged",
        (_, false) => "not_logged",
    };
    t.add("ok.server_key_exchange", ske);
    match &s.kex {
        KexParams::None => t.add("ok.server_kex", "none"),
        _ if !logged => {
            t.add("ok.server_kex", "none");
            let facets: &[&'static str] = match s.kex {
                KexParams::Dhe { .. } => &["ok.dh_prime_bits", "ok.dh_group"],
                KexParams::Ecdhe(..) => &["ok.ecdh_curve"],
                _ => &["ok.rsa_export_bits"],
            };
            for facet in facets {
                t.add(facet, "not_logged");
            }
        }
        KexParams::Dhe { group, prime } => {
            t.add("ok.server_kex", "dhe");
            t.add("ok.dh_prime_bits", (prime.len() * 8).to_string());
            t.add("ok.dh_group", *group);
        }
        KexParams::Ecdhe(curve, _) => {
            t.add("ok.server_kex", "ecdhe");
            t.add("ok.ecdh_curve", *curve);
        }
        KexParams::RsaExport(m) => {
            t.add("ok.server_kex", "rsa_export");
            t.add("ok.rsa_export_bits", (m.len() * 8).to_string());
        }
    }
    let trusted = match (&s.certs, layout.records_trust()) {
        (Some(p), true) => p.browser_trusted.to_string(),
        _ => "null".to_owned(),
    };
    t.add("ok.browser_trusted", trusted);
    match &s.certs {
        Some(p) => {
            t.add("ok.certificate_population", p.population.name());
            t.add("ok.chain_length", p.chain.len().to_string());
            if let Some(leaf) = p.chain.first() {
                // Keyed by population too, so trusted leaves can be told apart.
                let f = &leaf.facts;
                let (key, sig) = if f.parses {
                    (f.key.as_str(), f.sig_alg)
                } else {
                    ("unparsable", "unparsable")
                };
                t.add("ok.leaf_key", format!("{}/{key}", f.population));
                t.add("ok.leaf_sig_alg", format!("{}/{sig}", f.population));
                t.add("ok.leaf_sha256", f.sha256.clone());
            }
        }
        None => {
            t.add("ok.certificate_population", "none");
            t.add("ok.chain_length", "0");
        }
    }
    t.add("ok.late_error", ep.late_error.to_string());
}

/// The `certificates` table's expected contents.
///
/// `parsed` marks certificates only seen as a scanner's parsed JSON (Censys).
pub fn certificate_tally<'a>(certs: impl Iterator<Item = &'a (CertFacts, bool)>) -> (u64, Tally) {
    let mut t = Tally::default();
    let mut rows = 0;
    for (c, parsed) in certs {
        rows += 1;
        t.add("population", c.population);
        let status = match (c.parses, parsed) {
            (false, _) => "error",
            (true, false) => "ok",
            (true, true) => "scanner_json",
        };
        t.add("parse_status", status);
        if !c.parses {
            continue;
        }
        t.add("version", c.version.to_string());
        t.add("key", c.key.clone());
        t.add("sig_alg", c.sig_alg);
        t.add("self_signed", c.self_signed.to_string());
        t.add("is_ca", c.is_ca.to_string());
        t.add("negative_serial", c.negative_serial.to_string());
    }
    (rows, t)
}

/// One file written.
#[derive(Serialize, Debug, Clone)]
pub struct FileTruth {
    /// File name.
    pub file: String,
    /// Layout (`zgrab1`, `zmap`…).
    pub layout: String,
    /// Codec.
    pub codec: String,
    /// Port of its series (none for a Censys host file).
    pub port: Option<u16>,
    /// Good records.
    pub records: u64,
    /// Malformed lines (quarantined by ingest).
    pub bad_lines: u64,
}

/// One series (port).
#[derive(Serialize, Debug, Clone)]
pub struct SeriesTruth {
    /// Dataset `scan_id`.
    pub scan_id: String,
    /// Port.
    pub port: u16,
    /// Dataset protocol.
    pub protocol: String,
    /// `starttls` or `implicit`.
    pub tls_mode: String,
    /// Endpoints generated (rows in `handshakes`, besides bad lines).
    pub handshakes: u64,
    /// Rows in `discovery`.
    pub discovery: u64,
    /// Counts by column value.
    pub counts: Tally,
}
