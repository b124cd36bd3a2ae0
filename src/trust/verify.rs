//! Chain validation at a date against one root store.
//!
//! Paths are built from the leaf upwards through the certificates the
//! server presented (in any order), ending at an anchor of the store whose
//! key verifies the last signature. The leaf's own dates are judged first,
//! as the scanners of the period (Go's `crypto/x509`) did, so an expired
//! certificate reads `expired` whatever its issuer. Of several failed paths
//! the most specific failure is reported. A chain that fails only for want
//! of an intermediate is tried again with the CA certificates seen anywhere
//! else in the dataset; success there is `transvalid`.
//!
//! Certificates known only by a scanner's parsed fields (Censys records
//! carry no DER) are chained by their printed names and dates; their
//! signatures cannot be checked, and the verdict says so.

use std::collections::HashMap;
use std::sync::Arc;

use super::cert::{Body, ChainCert};
use super::policy::{hash_accepted, MIN_RSA_BITS};
use super::store::RootStore;
use crate::x509::signature;

/// Why a chain is or is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A path to an anchor of the store, every check passed.
    Ok,
    /// A certificate of the best path had expired at the as-of date.
    Expired,
    /// A certificate of the best path was not yet valid at the as-of date.
    NotYetValid,
    /// The leaf signs itself and is not an anchor.
    SelfSigned,
    /// The path ends at an issuer the store does not hold and the dataset
    /// never saw (a private or untrusted root).
    UnknownAuthority,
    /// An issuer was not presented, though the dataset holds a CA
    /// certificate of that name elsewhere.
    IncompleteChain,
    /// A signature does not verify with its issuer's key.
    BadSignature,
    /// A signature uses a hash refused at the as-of date (MD5; SHA-1 after February 2017).
    WeakSignature,
    /// An RSA key below the minimum size.
    WeakKey,
    /// An issuer lacks the basicConstraints CA flag.
    NotACa,
    /// No path within the depth limit.
    TooLong,
    /// The leaf's DER does not parse.
    Unparsable,
    /// A signature algorithm or key type the verifier does not check (DSA, RSA-PSS, EdDSA).
    UnsupportedAlgorithm,
    /// The scan has no date and the setting names none (`--as-of DATE`).
    NoDate,
}

/// Every reason: value, name in tables, meaning.
pub const REASONS: &[(Reason, &str, &str)] = &[
    (
        Reason::Ok,
        "ok",
        "a path to a root of the store; every check passed",
    ),
    (
        Reason::Expired,
        "expired",
        "a certificate of the path had expired at the as-of date",
    ),
    (
        Reason::NotYetValid,
        "not_yet_valid",
        "a certificate of the path was not yet valid at the as-of date",
    ),
    (
        Reason::SelfSigned,
        "self_signed",
        "the leaf signs itself and is not a root of the store",
    ),
    (
        Reason::UnknownAuthority,
        "unknown_authority",
        "the path ends at an issuer the store does not hold and the dataset never saw",
    ),
    (
        Reason::IncompleteChain,
        "incomplete_chain",
        "an issuer was not presented, though the dataset holds a CA certificate of that name",
    ),
    (
        Reason::BadSignature,
        "bad_signature",
        "a signature does not verify with its issuer's key",
    ),
    (
        Reason::WeakSignature,
        "weak_signature",
        "a signature hash refused at the as-of date (MD5; SHA-1 from 24 Feb 2017)",
    ),
    (Reason::WeakKey, "weak_key", "an RSA key below 1024 bits"),
    (
        Reason::NotACa,
        "not_a_ca",
        "an issuer without the basicConstraints CA flag",
    ),
    (
        Reason::TooLong,
        "too_long",
        "no path within the depth limit",
    ),
    (
        Reason::Unparsable,
        "unparsable",
        "the leaf's DER does not parse",
    ),
    (
        Reason::UnsupportedAlgorithm,
        "unsupported_algorithm",
        "a signature algorithm the verifier does not check (DSA, RSA-PSS, EdDSA)",
    ),
    (
        Reason::NoDate,
        "no_date",
        "the scan has no date to judge at; ingest with --as-of YYYY-MM-DD",
    ),
];

impl Reason {
    /// The name tables use.
    pub fn name(self) -> &'static str {
        REASONS
            .iter()
            .find(|(r, _, _)| *r == self)
            .map_or("unknown", |(_, n, _)| n)
    }

    /// Among failures of different paths, the lower ranks is reported: a
    /// path that got further says more than one that found no issuer.
    fn rank(self) -> u8 {
        match self {
            Reason::Ok => 0,
            Reason::WeakSignature => 1,
            Reason::WeakKey => 2,
            Reason::Expired => 3,
            Reason::NotYetValid => 4,
            Reason::NotACa => 5,
            Reason::BadSignature => 6,
            Reason::UnsupportedAlgorithm => 7,
            Reason::TooLong => 8,
            Reason::UnknownAuthority => 9,
            Reason::IncompleteChain => 10,
            Reason::SelfSigned | Reason::Unparsable | Reason::NoDate => 11,
        }
    }
}

/// Certificates above the leaf a path may hold, anchor included.
pub const MAX_PATH: usize = 8;

/// The judgement on one presented chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// A path from the presented certificates to an anchor passed every check.
    pub valid: bool,
    /// Not valid, but a path exists through CA certificates seen elsewhere
    /// in the dataset (a client that cached or fetched them would accept it).
    pub transvalid: bool,
    /// Why not valid (`Ok` when valid).
    pub reason: Reason,
    /// The anchor of the valid or transvalid path.
    pub root_sha256: Option<[u8; 32]>,
    /// Certificates in that path, leaf and anchor included.
    pub path_len: Option<u8>,
    /// Every signature of the path was verified; false where the path went
    /// through certificates known only by a scanner's fields.
    pub signatures_checked: bool,
}

impl Verdict {
    /// A verdict of no trust for `reason`, with no path.
    pub fn failed(reason: Reason) -> Verdict {
        Verdict {
            valid: false,
            transvalid: false,
            reason,
            root_sha256: None,
            path_len: None,
            signatures_checked: false,
        }
    }
}

/// Certificates by subject, to find issuers in: the presented chain, or
/// the CA certificates the dataset holds.
#[derive(Default)]
pub struct IssuerIndex {
    by_name: HashMap<String, Vec<Arc<ChainCert>>>,
}

impl IssuerIndex {
    /// Adds a certificate (an unparsable one has no subject and is ignored).
    pub fn add(&mut self, cert: Arc<ChainCert>) {
        let Some(name) = cert.subject_key() else {
            return;
        };
        let list = self.by_name.entry(name.to_owned()).or_default();
        if !list.iter().any(|c| c.sha256 == cert.sha256) {
            list.push(cert);
        }
    }

    fn get(&self, name: &str) -> &[Arc<ChainCert>] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// Number of distinct certificates.
    pub fn len(&self) -> usize {
        self.by_name.values().map(Vec::len).sum()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Signature checks already done: (signed certificate, issuer) → outcome.
/// Shared across stores and dates, since a signature verifies or not
/// whatever the date.
#[derive(Default)]
pub struct SignatureMemo {
    done: HashMap<([u8; 32], [u8; 32]), Option<bool>>,
}

/// What checking one signature found.
enum SignatureCheck {
    /// Verified.
    Good,
    /// Not checkable: the signed certificate or its issuer has no DER.
    Unchecked,
    /// A failure.
    Failed(Reason),
}

impl SignatureMemo {
    fn verify(&mut self, cert: &ChainCert, issuer: &ChainCert) -> Option<bool> {
        let (Some(c), Some(i)) = (cert.parsed(), issuer.parsed()) else {
            return None;
        };
        *self
            .done
            .entry((cert.sha256, issuer.sha256))
            .or_insert_with(|| signature::verifies(&c.sig_oid, &c.tbs, &c.signature, &i.spki))
    }
}

/// Validates chains against one store at one date.
pub struct Verifier<'a> {
    /// The trust anchors.
    pub store: &'a RootStore,
    /// The as-of instant, seconds since the epoch.
    pub as_of: i64,
}

struct Search<'v, 'a> {
    verifier: &'v Verifier<'a>,
    presented: &'v IssuerIndex,
    elsewhere: &'v IssuerIndex,
    /// Whether paths may go through `elsewhere` (the transvalid search).
    through_elsewhere: bool,
    memo: &'v mut SignatureMemo,
    /// Some signature on the current path could not be checked.
    unchecked: bool,
}

/// A path found: its anchor, length, and whether every signature was checked.
type Found = ([u8; 32], u8, bool);

impl Verifier<'_> {
    fn time_reason(&self, cert: &ChainCert) -> Option<Reason> {
        let (not_before, not_after) = cert.validity()?;
        if self.as_of > not_after {
            Some(Reason::Expired)
        } else if self.as_of < not_before {
            Some(Reason::NotYetValid)
        } else {
            None
        }
    }

    /// Judges a presented chain, leaf first. `elsewhere` holds the CA
    /// certificates of the whole dataset, for `transvalid`.
    pub fn verify(
        &self,
        chain: &[Arc<ChainCert>],
        elsewhere: &IssuerIndex,
        memo: &mut SignatureMemo,
    ) -> Verdict {
        let Some(leaf) = chain.first() else {
            return Verdict::failed(Reason::Unparsable);
        };
        if matches!(leaf.body, Body::Unparsable) {
            return Verdict::failed(Reason::Unparsable);
        }
        if let Some(r) = self.time_reason(leaf) {
            return Verdict::failed(r);
        }
        if let Some(anchor) = self.store.anchors_itself(leaf) {
            return Verdict {
                valid: true,
                transvalid: false,
                reason: Reason::Ok,
                root_sha256: Some(anchor.sha256),
                path_len: Some(1),
                signatures_checked: true,
            };
        }
        let mut presented = IssuerIndex::default();
        for c in &chain[1..] {
            presented.add(c.clone());
        }
        let mut search = Search {
            verifier: self,
            presented: &presented,
            elsewhere,
            through_elsewhere: false,
            memo,
            unchecked: false,
        };
        let reason = match search.path(leaf, &mut vec![leaf.sha256]) {
            Ok(found) => return found_verdict(found, false),
            Err(r) => r,
        };
        if reason == Reason::IncompleteChain {
            search.through_elsewhere = true;
            search.unchecked = false;
            return match search.path(leaf, &mut vec![leaf.sha256]) {
                Ok(found) => {
                    let mut v = found_verdict(found, true);
                    v.reason = reason;
                    v
                }
                // The missing issuer was found elsewhere and the chain still
                // fails (say, at a private root): that failure is the reason.
                Err(deeper) => Verdict::failed(deeper),
            };
        }
        Verdict::failed(reason)
    }
}

fn found_verdict((root, len, checked): Found, transvalid: bool) -> Verdict {
    Verdict {
        valid: !transvalid,
        transvalid,
        reason: Reason::Ok,
        root_sha256: Some(root),
        path_len: Some(len),
        signatures_checked: checked,
    }
}

impl Search<'_, '_> {
    /// Checks that `issuer` signed `cert` under the as-of rules.
    fn signed_by(&mut self, cert: &ChainCert, issuer: &ChainCert) -> SignatureCheck {
        let (Some(parsed), Some(_)) = (cert.parsed(), issuer.parsed()) else {
            // One of the two is known only by a scanner's fields: the names
            // matched; the hash rule still applies where the algorithm was
            // recorded.
            return match cert.sig_alg() {
                Some(alg) if !hash_accepted(alg, self.verifier.as_of) => {
                    SignatureCheck::Failed(Reason::WeakSignature)
                }
                _ => SignatureCheck::Unchecked,
            };
        };
        match self.memo.verify(cert, issuer) {
            None => SignatureCheck::Failed(Reason::UnsupportedAlgorithm),
            Some(false) => SignatureCheck::Failed(Reason::BadSignature),
            Some(true) if !hash_accepted(&parsed.sig_alg, self.verifier.as_of) => {
                SignatureCheck::Failed(Reason::WeakSignature)
            }
            Some(true) if parsed.rsa_bits.is_some_and(|b| b < MIN_RSA_BITS) => {
                SignatureCheck::Failed(Reason::WeakKey)
            }
            Some(true) => SignatureCheck::Good,
        }
    }

    /// A path from `cert` to an anchor, or the most specific failure.
    /// `visited` holds the path so far.
    fn path(&mut self, cert: &ChainCert, visited: &mut Vec<[u8; 32]>) -> Result<Found, Reason> {
        let Some(issuer_name) = cert.issuer_key() else {
            return Err(Reason::Unparsable);
        };
        if visited.len() > MAX_PATH {
            return Err(Reason::TooLong);
        }
        let mut best: Option<Reason> = None;
        let note = |r: Reason, best: &mut Option<Reason>| {
            if best.is_none_or(|b| r.rank() < b.rank()) {
                *best = Some(r);
            }
        };
        let store = self.verifier.store;
        for anchor in store.by_name(issuer_name) {
            match self.signed_by(cert, anchor) {
                SignatureCheck::Good => {
                    return Ok((anchor.sha256, visited.len() as u8 + 1, !self.unchecked))
                }
                SignatureCheck::Unchecked => {
                    return Ok((anchor.sha256, visited.len() as u8 + 1, false))
                }
                SignatureCheck::Failed(r) => note(r, &mut best),
            }
        }
        let elsewhere = if self.through_elsewhere {
            self.elsewhere.get(issuer_name)
        } else {
            &[]
        };
        let candidates: Vec<Arc<ChainCert>> = self
            .presented
            .get(issuer_name)
            .iter()
            .chain(elsewhere)
            .filter(|i| !visited.contains(&i.sha256))
            .cloned()
            .collect();
        for issuer in candidates {
            let unchecked_before = self.unchecked;
            match self.signed_by(cert, &issuer) {
                SignatureCheck::Failed(r) => {
                    note(r, &mut best);
                    continue;
                }
                SignatureCheck::Unchecked => self.unchecked = true,
                SignatureCheck::Good => {}
            }
            let checks = if issuer.is_ca() == Some(false) {
                Some(Reason::NotACa)
            } else {
                self.verifier.time_reason(&issuer)
            };
            if let Some(r) = checks {
                note(r, &mut best);
                self.unchecked = unchecked_before;
                continue;
            }
            visited.push(issuer.sha256);
            let above = self.path(&issuer, visited);
            visited.pop();
            match above {
                Ok(found) => return Ok(found),
                Err(r) => {
                    note(r, &mut best);
                    self.unchecked = unchecked_before;
                }
            }
        }
        // No issuer at all: a missing intermediate if the dataset knows a
        // certificate of that name, else an authority nobody presented.
        Err(best.unwrap_or(if cert.self_issued() && visited.len() == 1 {
            Reason::SelfSigned
        } else if !cert.self_issued() && !self.elsewhere.get(issuer_name).is_empty() {
            Reason::IncompleteChain
        } else {
            Reason::UnknownAuthority
        }))
    }
}
