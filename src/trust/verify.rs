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

use foldhash::{HashMap, HashSet};
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
    /// An issuer's keyUsage lacks keyCertSign.
    NoCertSign,
    /// An issuer's pathLenConstraint allows fewer intermediates below it.
    PathLength,
    /// A name outside a constrained issuer's permitted subtrees, or inside
    /// its excluded ones.
    NameConstraints,
    /// An extended key usage that does not allow a TLS server: the leaf's,
    /// or an issuer's that restricts the usages below it.
    NoServerAuth,
    /// A critical extension the verifier does not understand, or a
    /// malformed or repeated extension.
    CriticalExtension,
    /// The signature algorithm differs from the one in the signed part.
    AlgorithmMismatch,
    /// No path within the depth limit.
    TooLong,
    /// The path search ran out of its budget ([`BUDGET`]).
    TooComplex,
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
        Reason::NoCertSign,
        "no_cert_sign",
        "an issuer whose keyUsage lacks keyCertSign",
    ),
    (
        Reason::PathLength,
        "path_length",
        "an issuer whose pathLenConstraint allows fewer intermediates below it",
    ),
    (
        Reason::NameConstraints,
        "name_constraints",
        "a DNS name or IP address outside a constrained issuer's permitted subtrees, or inside its excluded ones",
    ),
    (
        Reason::NoServerAuth,
        "no_server_auth",
        "an extended key usage without serverAuth (or any usage, or Server Gated Crypto): the leaf's, or an issuer's",
    ),
    (
        Reason::CriticalExtension,
        "critical_extension",
        "a certificate of the path with a critical extension the verifier does not understand, or a malformed or repeated extension",
    ),
    (
        Reason::AlgorithmMismatch,
        "algorithm_mismatch",
        "a certificate whose outer signature algorithm differs from the one in its signed part",
    ),
    (
        Reason::TooLong,
        "too_long",
        "no path within the depth limit",
    ),
    (
        Reason::TooComplex,
        "too_complex",
        "the path search ran out of its budget of candidate issuers, signature checks or name comparisons",
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

    /// Among failures of the same kind (see [`Verifier::verify`] for the
    /// kinds' precedence), the lower rank is reported.
    fn rank(self) -> u8 {
        match self {
            Reason::Ok => 0,
            Reason::WeakSignature => 1,
            Reason::WeakKey => 2,
            Reason::Expired => 3,
            Reason::NotYetValid => 4,
            Reason::NotACa => 5,
            Reason::NoCertSign => 6,
            Reason::PathLength => 7,
            Reason::NameConstraints => 8,
            Reason::NoServerAuth => 9,
            Reason::CriticalExtension => 10,
            Reason::AlgorithmMismatch => 11,
            Reason::BadSignature => 12,
            Reason::UnsupportedAlgorithm => 13,
            Reason::TooLong => 14,
            Reason::TooComplex => 15,
            Reason::UnknownAuthority => 16,
            Reason::IncompleteChain => 17,
            Reason::SelfSigned | Reason::Unparsable | Reason::NoDate => 18,
        }
    }

    /// The lower-ranked of two reasons.
    fn better(a: Option<Reason>, b: Reason) -> Reason {
        match a {
            Some(a) if a.rank() <= b.rank() => a,
            _ => b,
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

/// Certificates by subject, to find issuers in: the CA certificates the
/// dataset holds (a chain's own certificates are a [`Presented`]).
#[derive(Default)]
pub struct IssuerIndex {
    by_name: HashMap<String, Vec<Arc<ChainCert>>>,
    /// Digests held, so adding stays constant time where thousands of
    /// certificates share a name (self-signed CA certificates of one
    /// appliance model, say).
    held: HashSet<[u8; 32]>,
}

impl IssuerIndex {
    /// Adds a certificate (an unparsable one has no subject and is ignored).
    pub fn add(&mut self, cert: Arc<ChainCert>) {
        let Some(name) = cert.subject_key() else {
            return;
        };
        if !self.held.insert(cert.sha256) {
            return;
        }
        match self.by_name.get_mut(name) {
            Some(list) => list.push(cert),
            None => {
                self.by_name.insert(name.to_owned(), vec![cert]);
            }
        }
    }

    fn get(&self, name: &str) -> &[Arc<ChainCert>] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// Number of distinct certificates.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

/// The certificates a server presented above its leaf, by subject: a few
/// per chain, so a sorted list (one allocation per chain) rather than the
/// maps of [`IssuerIndex`], which a dataset's CA certificates need.
struct Presented {
    /// Sorted by subject key; one of each digest; none without a subject.
    certs: Vec<Arc<ChainCert>>,
}

impl Presented {
    /// The index of `presented`; certificates of one name keep the order
    /// they were presented in, which is the order they are tried in.
    fn new(presented: &[Arc<ChainCert>]) -> Presented {
        let mut certs: Vec<Arc<ChainCert>> = Vec::with_capacity(presented.len());
        let mut held: HashSet<[u8; 32]> = HashSet::default();
        for c in presented.iter().filter(|c| c.subject_key().is_some()) {
            // Chains are short; a set only where one is not.
            let repeated = if presented.len() <= 8 {
                certs.iter().any(|k| k.sha256 == c.sha256)
            } else {
                !held.insert(c.sha256)
            };
            if !repeated {
                certs.push(c.clone());
            }
        }
        certs.sort_by(|a, b| a.subject_key().cmp(&b.subject_key()));
        Presented { certs }
    }

    fn get(&self, name: &str) -> &[Arc<ChainCert>] {
        let start = self
            .certs
            .partition_point(|c| c.subject_key().is_some_and(|k| k < name));
        let len = self.certs[start..]
            .iter()
            .take_while(|c| c.subject_key() == Some(name))
            .count();
        &self.certs[start..start + len]
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
        if cert.sha256 == issuer.sha256 && c.self_signature.is_some() {
            return c.self_signature;
        }
        *self
            .done
            .entry((cert.sha256, issuer.sha256))
            .or_insert_with(|| signature::verifies(&c.sig_oid, c.tbs(), &c.signature, i.spki()))
    }
}

/// Validates chains against one store at one date.
pub struct Verifier<'a> {
    /// The trust anchors.
    pub store: &'a RootStore,
    /// The as-of instant, seconds since the epoch.
    pub as_of: i64,
}

/// The work one chain's path search may do, like webpki's budget: past
/// any of these the chain is `too_complex` rather than a stall (n presented
/// CA certificates sharing a name could otherwise give n!/(n−8)! paths).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Candidate issuers (presented, elsewhere, or anchors) considered.
    pub candidates: u32,
    /// Signature checks (memoized ones included).
    pub signatures: u32,
    /// Name-constraint comparisons.
    pub name_comparisons: u64,
}

/// The budget of one chain: 2,000 candidate issuers, 100 signature checks
/// (webpki's figure), 250,000 name comparisons (webpki's figure).
pub const BUDGET: Budget = Budget {
    candidates: 2_000,
    signatures: 100,
    name_comparisons: 250_000,
};

struct Search<'v, 'a> {
    verifier: &'v Verifier<'a>,
    presented: &'v Presented,
    elsewhere: &'v IssuerIndex,
    /// Whether paths may go through `elsewhere` (the transvalid search).
    through_elsewhere: bool,
    memo: &'v mut SignatureMemo,
    /// What is left of the budget.
    budget: Budget,
    /// The best failure of a path that reached an anchor.
    anchored: Option<Reason>,
    /// The best failure of a signature on the way (the names matched).
    link: Option<Reason>,
    /// The best way a path ended without an issuer: unknown authority,
    /// incomplete chain, self-signed, too long.
    dead_end: Option<Reason>,
}

/// A path found: its anchor, length, and whether every signature was checked.
type Found = ([u8; 32], u8, bool);

/// The search ran out of budget.
struct OverBudget;

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
    ///
    /// Precedence of the reasons: a leaf that does not parse; the leaf's
    /// own dates (as Go, the scanners' verifier, checked them first); then
    /// the paths. Where some path reaches an anchor, its most specific
    /// failure (expired or weak issuer, usage, constraints…) is the
    /// reason; else a path longer than [`MAX_PATH`] (`too_long`); else a
    /// signature that failed although the names matched; else how the
    /// paths ended: `unknown_authority`,
    /// `incomplete_chain` (then retried through the dataset's other CA
    /// certificates for `transvalid`), `self_signed`. A search over budget
    /// is `too_complex`.
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
        let presented = Presented::new(&chain[1..]);
        let mut search = Search {
            verifier: self,
            presented: &presented,
            elsewhere,
            through_elsewhere: false,
            memo,
            budget: BUDGET,
            anchored: None,
            link: None,
            dead_end: None,
        };
        let reason = match search.run(leaf) {
            Ok(found) => return found_verdict(found, false),
            Err(r) => r,
        };
        if reason == Reason::IncompleteChain {
            search.through_elsewhere = true;
            (search.budget, search.anchored, search.link, search.dead_end) =
                (BUDGET, None, None, None);
            return match search.run(leaf) {
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

/// What is wrong with a leaf whatever its issuer, if anything.
fn leaf_defect(leaf: &ChainCert) -> Option<Reason> {
    leaf.rules().and_then(|r| {
        if r.server_usage == Some(false) {
            Some(Reason::NoServerAuth)
        } else if r.bad_extension.is_some() {
            Some(Reason::CriticalExtension)
        } else if r.algorithm_mismatch {
            Some(Reason::AlgorithmMismatch)
        } else {
            None
        }
    })
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
    /// A valid path from `leaf`, or the reason there is none.
    fn run(&mut self, leaf: &Arc<ChainCert>) -> Result<Found, Reason> {
        // The leaf's own defect is read at its first linked issuer (`step`).
        let mut path = vec![leaf.clone()];
        match self.extend(&mut path, None, false) {
            Err(OverBudget) => Err(Reason::TooComplex),
            Ok(Some(found)) => Ok(found),
            // A path that grew too long went further than a signature that
            // failed at a certificate of the right name.
            Ok(None) => Err(self
                .anchored
                .or(self.dead_end.filter(|r| *r == Reason::TooLong))
                .or(self.link)
                .or(self.dead_end)
                .unwrap_or(Reason::UnknownAuthority)),
        }
    }

    fn spend(&mut self, signatures: u32) -> Result<(), OverBudget> {
        let b = &mut self.budget;
        if b.candidates == 0 || b.signatures < signatures {
            return Err(OverBudget);
        }
        b.candidates -= 1;
        b.signatures -= signatures;
        Ok(())
    }

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

    /// What is wrong with `issuer` as the issuer of the top of `path`
    /// (`anchor`: a trust anchor of the store), if anything.
    fn issuer_defect(
        &mut self,
        issuer: &ChainCert,
        path: &[Arc<ChainCert>],
        anchor: bool,
    ) -> Result<Option<Reason>, OverBudget> {
        if let Some(r) = self.verifier.time_reason(issuer) {
            return Ok(Some(r));
        }
        let Some(rules) = issuer.rules() else {
            return Ok(None);
        };
        let from_der = issuer.parsed().is_some();
        // Anchors are trusted as CAs whatever their basicConstraints
        // (version-1 roots have none). A scanner's fields record the flag
        // (false where absent) only for what they parsed.
        let is_ca = matches!(rules.basic_constraints, Some((true, _)));
        if !anchor && !is_ca && (from_der || rules.basic_constraints.is_some()) {
            return Ok(Some(Reason::NotACa));
        }
        if rules.cert_sign == Some(false) {
            return Ok(Some(Reason::NoCertSign));
        }
        if let Some((_, Some(max))) = rules.basic_constraints {
            // Intermediates below the issuer, the leaf and self-issued ones not counted.
            let below = path[1..].iter().filter(|c| !c.self_issued()).count();
            if below > max as usize {
                return Ok(Some(Reason::PathLength));
            }
        }
        if rules.server_usage == Some(false) {
            return Ok(Some(Reason::NoServerAuth));
        }
        if rules.bad_extension.is_some() {
            return Ok(Some(Reason::CriticalExtension));
        }
        if !anchor && rules.algorithm_mismatch {
            return Ok(Some(Reason::AlgorithmMismatch));
        }
        let mut comparisons = 0;
        let mut allowed = true;
        for (i, below) in path.iter().enumerate() {
            // Self-issued intermediates are exempt; the leaf never is.
            if i > 0 && below.self_issued() {
                continue;
            }
            if let Some(b) = below.rules() {
                allowed &= rules.allows(&b, &mut comparisons);
            }
        }
        if comparisons > self.budget.name_comparisons {
            return Err(OverBudget);
        }
        self.budget.name_comparisons -= comparisons;
        Ok((!allowed).then_some(Reason::NameConstraints))
    }

    /// One step up, from `cert` (the top of `path`, carrying `defect`) to
    /// `issuer`: `None` when the signature does not link them (noted), else
    /// the worst defect of the path with that step, and whether its
    /// signature was checked.
    fn step(
        &mut self,
        cert: &ChainCert,
        issuer: &ChainCert,
        path: &[Arc<ChainCert>],
        defect: Option<Reason>,
        anchor: bool,
    ) -> Result<Option<(Option<Reason>, bool)>, OverBudget> {
        self.spend(1)?;
        let (link_defect, checked) = match self.signed_by(cert, issuer) {
            SignatureCheck::Good => (None, true),
            SignatureCheck::Unchecked => (None, false),
            SignatureCheck::Failed(r @ (Reason::BadSignature | Reason::UnsupportedAlgorithm)) => {
                self.link = Some(Reason::better(self.link, r));
                return Ok(None);
            }
            SignatureCheck::Failed(r) => (Some(r), true),
        };
        // A leaf's defect matters only on a path that goes on from it, so
        // it is read here, once a signature links the leaf to an issuer:
        // most leaves that fail never have their extensions parsed.
        let defect = if path.len() == 1 {
            leaf_defect(cert)
        } else {
            defect
        };
        let issuer_defect = self.issuer_defect(issuer, path, anchor)?;
        let worst = [defect, link_defect, issuer_defect]
            .into_iter()
            .flatten()
            .min_by_key(|r| r.rank());
        Ok(Some((worst, checked)))
    }

    /// Searches upwards from the top of `path`, which carries `defect` so
    /// far; returns the first path that reaches an anchor without one.
    fn extend(
        &mut self,
        path: &mut Vec<Arc<ChainCert>>,
        defect: Option<Reason>,
        unchecked: bool,
    ) -> Result<Option<Found>, OverBudget> {
        let cert = path
            .last()
            .cloned()
            .unwrap_or_else(|| unreachable!("paths start at the leaf"));
        let Some(issuer_name) = cert.issuer_key() else {
            self.dead_end = Some(Reason::better(self.dead_end, Reason::UnknownAuthority));
            return Ok(None);
        };
        if path.len() > MAX_PATH {
            self.dead_end = Some(Reason::better(self.dead_end, Reason::TooLong));
            return Ok(None);
        }
        let store = self.verifier.store;
        let mut any_candidate = false;
        for anchor in store.by_name(issuer_name) {
            any_candidate = true;
            let Some((worst, checked)) = self.step(&cert, anchor, path, defect, true)? else {
                continue;
            };
            match worst {
                None => {
                    return Ok(Some((
                        anchor.sha256,
                        path.len() as u8 + 1,
                        checked && !unchecked,
                    )))
                }
                Some(r) => self.anchored = Some(Reason::better(self.anchored, r)),
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
            .filter(|i| !in_path(path, i))
            .cloned()
            .collect();
        for issuer in candidates {
            any_candidate = true;
            let Some((carried, checked)) = self.step(&cert, &issuer, path, defect, false)? else {
                continue;
            };
            path.push(issuer);
            let found = self.extend(path, carried, unchecked || !checked);
            path.pop();
            if let Some(found) = found? {
                return Ok(Some(found));
            }
        }
        if !any_candidate {
            // No issuer at all: a missing intermediate if the dataset knows
            // a certificate of that name, else an authority nobody presented.
            let end = if cert.self_issued() && path.len() == 1 {
                Reason::SelfSigned
            } else if !cert.self_issued() && !self.elsewhere.get(issuer_name).is_empty() {
                Reason::IncompleteChain
            } else {
                Reason::UnknownAuthority
            };
            self.dead_end = Some(Reason::better(self.dead_end, end));
        }
        Ok(None)
    }
}

/// Is `cert`, or a certificate of the same name and key, already in `path`?
/// (A path through the same name and key twice is a loop, however many
/// certificates share them.)
fn in_path(path: &[Arc<ChainCert>], cert: &ChainCert) -> bool {
    path.iter().any(|c| {
        c.sha256 == cert.sha256
            || match (c.parsed(), cert.parsed()) {
                (Some(a), Some(b)) => a.spki() == b.spki() && c.subject_key() == cert.subject_key(),
                _ => false,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::cert::Facts;

    fn named(byte: u8, subject: &str) -> Arc<ChainCert> {
        Arc::new(ChainCert::from_facts(
            [byte; 32],
            Facts {
                subject_dn: Some(subject.into()),
                ..Facts::default()
            },
        ))
    }

    #[test]
    fn presented_issuers_keep_their_order_once_each() {
        let chain = [
            named(3, "CN=B"),
            named(2, "CN=A"),
            named(1, "CN=A"),
            named(3, "CN=B"),
            named(2, "CN=A"),
            named(9, "not a name"),
        ];
        let presented = Presented::new(&chain);
        let digests = |name: &str| -> Vec<u8> {
            let key = crate::x509::dn::text_key(name).unwrap();
            presented.get(&key).iter().map(|c| c.sha256[0]).collect()
        };
        // Same-named issuers are tried in the order they were presented.
        assert_eq!(digests("CN=A"), [2, 1]);
        assert_eq!(digests("CN=B"), [3]);
        assert_eq!(digests("CN=C"), Vec::<u8>::new());
        // A long chain takes the set, with the same answer.
        let long: Vec<Arc<ChainCert>> = (0..20u8)
            .map(|i| named(9 - i % 10, if i % 2 == 0 { "CN=A" } else { "CN=B" }))
            .collect();
        let presented = Presented::new(&long);
        let key = crate::x509::dn::text_key("CN=A").unwrap();
        let order: Vec<u8> = presented.get(&key).iter().map(|c| c.sha256[0]).collect();
        assert_eq!(order, [9, 7, 5, 3, 1]);
    }
}
