//! DANE: does the chain a mail server served match its TLSA records?
//!
//! RFC 6698 defines the records, RFC 7671 how to use them and RFC 7672 how
//! SMTP does. A record names a certificate usage (0 PKIX-TA, 1 PKIX-EE,
//! 2 DANE-TA, 3 DANE-EE), a selector (0 the whole certificate, 1 its
//! SubjectPublicKeyInfo) and a matching type (0 the bytes themselves,
//! 1 SHA-256, 2 SHA-512). Records that DNSSEC did not authenticate are
//! unusable (RFC 7672 §2.2). DANE-EE matches the leaf and ignores its names
//! and dates (RFC 7671 §5.1); DANE-TA matches a certificate the server
//! presented above the leaf, from which the leaf must chain, and the leaf
//! must name the MX host (RFC 7672 §3.2.2); the PKIX usages also need the
//! chain to be trusted by a CA store (RFC 7672 §3.1.3 says SMTP clients
//! should not use them; they are judged here for completeness).

pub mod records;
pub mod routes;

use std::sync::Arc;

use sha2::{Digest, Sha256, Sha512};
use x509_parser::prelude::*;

use crate::trust::{ChainCert, IssuerIndex, RootStore, SignatureMemo, Verifier};

/// One TLSA record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlsa {
    /// Certificate usage, 0–3.
    pub usage: u8,
    /// Selector, 0–1.
    pub selector: u8,
    /// Matching type, 0–2.
    pub matching: u8,
    /// Certificate association data.
    pub data: Vec<u8>,
}

impl Tlsa {
    /// A record from its presentation form: `3 1 1 ABCD…` (hex data).
    pub fn parse(text: &str) -> Option<Tlsa> {
        let mut parts = text.split_whitespace();
        let usage = parts.next()?.parse().ok()?;
        let selector = parts.next()?.parse().ok()?;
        let matching = parts.next()?.parse().ok()?;
        let data = hex::decode(parts.collect::<String>()).ok()?;
        Some(Tlsa {
            usage,
            selector,
            matching,
            data,
        })
    }
}

/// What the records say of the chain served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A usable record matched and its usage's conditions hold.
    Match,
    /// The records were not authenticated by DNSSEC: unusable.
    NoDnssec,
    /// The server presented no certificate.
    NoChain,
    /// No record has a usage, selector and matching type this verifier knows.
    Unsupported,
    /// The usable records' data have the wrong length for their matching type.
    BadLength,
    /// A DANE-TA record matched, but the leaf does not chain to it.
    ChainInvalid,
    /// A DANE-TA or PKIX record matched, but the leaf does not name the host.
    NameMismatch,
    /// A PKIX record matched, but the chain is not trusted by the CA store.
    PkixUntrusted,
    /// No usable record matches any certificate served.
    NoMatch,
}

/// Every outcome: value, name in tables, meaning.
pub const OUTCOMES: &[(Outcome, &str, &str)] = &[
    (
        Outcome::Match,
        "match",
        "a usable record matches and its usage's conditions hold",
    ),
    (
        Outcome::NoDnssec,
        "no_dnssec",
        "the TLSA records were not authenticated by DNSSEC, so they are unusable",
    ),
    (
        Outcome::NoChain,
        "no_chain",
        "the server presented no certificate",
    ),
    (
        Outcome::Unsupported,
        "unsupported",
        "no record has a known usage (0-3), selector (0-1) and matching type (0-2)",
    ),
    (
        Outcome::BadLength,
        "bad_length",
        "the usable records' data are not 32 (SHA-256) or 64 (SHA-512) bytes",
    ),
    (
        Outcome::ChainInvalid,
        "chain_invalid",
        "a DANE-TA record matched a certificate the leaf does not chain to",
    ),
    (
        Outcome::NameMismatch,
        "name_mismatch",
        "a DANE-TA or PKIX record matched, but the leaf does not name the MX host",
    ),
    (
        Outcome::PkixUntrusted,
        "pkix_untrusted",
        "a PKIX record matched, but the chain is not trusted by the CA store",
    ),
    (
        Outcome::NoMatch,
        "no_match",
        "no usable record matches a certificate the server presented",
    ),
];

impl Outcome {
    /// The name tables use.
    pub fn name(self) -> &'static str {
        OUTCOMES
            .iter()
            .find(|(o, _, _)| *o == self)
            .map_or("unknown", |(_, n, _)| n)
    }

    /// Where several records fail differently, the lower rank is
    /// reported: a record that matched says more than one that did not.
    fn rank(self) -> u8 {
        match self {
            Outcome::Match => 0,
            Outcome::NameMismatch => 1,
            Outcome::ChainInvalid => 2,
            Outcome::PkixUntrusted => 3,
            Outcome::NoMatch => 4,
            Outcome::BadLength => 5,
            Outcome::Unsupported => 6,
            Outcome::NoChain => 7,
            Outcome::NoDnssec => 8,
        }
    }
}

/// The facts about the service the records are checked against.
pub struct Served<'a> {
    /// The presented chain as DER, leaf first.
    pub chain: &'a [Vec<u8>],
    /// The MX host name the records were published for.
    pub host: &'a str,
    /// The instant of the scan, seconds since the epoch (DANE-TA chains
    /// are judged at it).
    pub at: i64,
    /// Whether the chain is trusted by the CA store (`chain_trust.valid`),
    /// for the PKIX usages.
    pub pkix_valid: bool,
}

/// The certificate association data a record would hold for `der`.
pub fn association(der: &[u8], selector: u8, matching: u8) -> Option<Vec<u8>> {
    let selected = match selector {
        0 => der.to_vec(),
        1 => X509Certificate::from_der(der)
            .ok()?
            .1
            .tbs_certificate
            .subject_pki
            .raw
            .to_vec(),
        _ => return None,
    };
    match matching {
        0 => Some(selected),
        1 => Some(Sha256::digest(&selected).to_vec()),
        2 => Some(Sha512::digest(&selected).to_vec()),
        _ => None,
    }
}

/// Checks the chain served against the TLSA records of its host.
pub fn verify(records: &[Tlsa], dnssec_authenticated: bool, served: &Served) -> Outcome {
    if !dnssec_authenticated {
        return Outcome::NoDnssec;
    }
    let Some(leaf) = served.chain.first() else {
        return Outcome::NoChain;
    };
    let mut best = if records.is_empty() {
        Outcome::NoMatch
    } else {
        Outcome::Unsupported
    };
    let note = |o: Outcome, best: &mut Outcome| {
        if o.rank() < best.rank() {
            *best = o;
        }
    };
    for r in records {
        if r.usage > 3 || r.selector > 1 || r.matching > 2 {
            continue;
        }
        let expected_len = match r.matching {
            1 => Some(32),
            2 => Some(64),
            _ => None,
        };
        if expected_len.is_some_and(|n| r.data.len() != n) {
            note(Outcome::BadLength, &mut best);
            continue;
        }
        let matches =
            |der: &[u8]| association(der, r.selector, r.matching).is_some_and(|a| a == r.data);
        let outcome = match r.usage {
            // End-entity usages: the leaf itself.
            3 | 1 if !matches(leaf) => Outcome::NoMatch,
            3 => Outcome::Match,
            1 if !served.pkix_valid => Outcome::PkixUntrusted,
            1 => name_outcome(leaf, served.host),
            // Trust-anchor usages: a certificate above the leaf.
            _ => match served.chain[1..].iter().find(|c| matches(c)) {
                None => Outcome::NoMatch,
                Some(_) if r.usage == 0 && !served.pkix_valid => Outcome::PkixUntrusted,
                Some(_) if r.usage == 0 => name_outcome(leaf, served.host),
                Some(anchor) => match chains_to(served.chain, anchor, served.at) {
                    false => Outcome::ChainInvalid,
                    true => name_outcome(leaf, served.host),
                },
            },
        };
        if outcome == Outcome::Match {
            return Outcome::Match;
        }
        note(outcome, &mut best);
    }
    best
}

/// `Match` when the leaf names `host` (RFC 6125 rules), else `NameMismatch`.
fn name_outcome(leaf: &[u8], host: &str) -> Outcome {
    let facts = crate::x509::facts_from_der(leaf.to_vec());
    let named = crate::x509::hostname::certificate_names(
        &facts.san_dns,
        &facts.san_ip,
        facts.subject_cn.as_deref(),
        host,
    );
    if named {
        Outcome::Match
    } else {
        Outcome::NameMismatch
    }
}

/// Does the leaf chain, through the presented certificates, to `anchor`
/// as the only trust anchor, at `at`?
fn chains_to(chain: &[Vec<u8>], anchor: &[u8], at: i64) -> bool {
    use base64::Engine;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(anchor)
    );
    let Ok(store) = RootStore::from_pem("dane-ta", None, pem.as_bytes()) else {
        return false;
    };
    let certs: Vec<Arc<ChainCert>> = chain
        .iter()
        .filter(|c| c.as_slice() != anchor)
        .map(|c| Arc::new(ChainCert::from_der(c)))
        .collect();
    let verifier = Verifier {
        store: &store,
        as_of: at,
    };
    verifier
        .verify(
            &certs,
            &IssuerIndex::default(),
            &mut SignatureMemo::default(),
        )
        .valid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presentation_form() {
        let r = Tlsa::parse("3 1 1 0A0b 0c").unwrap();
        assert_eq!(
            (r.usage, r.selector, r.matching, r.data),
            (3, 1, 1, vec![10, 11, 12])
        );
        assert_eq!(Tlsa::parse("3 1"), None);
        assert_eq!(Tlsa::parse("3 1 1 zz"), None);
    }

    #[test]
    fn outcome_names_are_unique() {
        let mut names: Vec<&str> = OUTCOMES.iter().map(|(_, n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OUTCOMES.len());
    }
}
