//! The parts of a certificate that chain validation reads, parsed once per
//! distinct certificate and shared by every chain that presents it.

use std::ops::Range;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use x509_parser::oid_registry::OID_X509_EXT_BASIC_CONSTRAINTS;
use x509_parser::prelude::*;

use super::rules::Rules;
use crate::x509::{dn, Fields};

/// A certificate as the verifier sees it.
#[derive(Debug, Clone)]
pub struct ChainCert {
    /// SHA-256 of the DER.
    pub sha256: [u8; 32],
    /// What could be read of it.
    pub body: Body,
}

/// The readable part of a certificate.
#[derive(Debug, Clone)]
pub enum Body {
    /// Parsed from DER: everything, signatures included, can be checked.
    Der(Box<Parsed>),
    /// Only a scanner's parsed JSON was recorded: dates and names, no signature.
    Facts(Facts, NameKeys),
    /// The DER did not parse.
    Unparsable,
}

/// A certificate parsed from DER.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The certificate's DER; the parts below that are ranges lie in it.
    der: Vec<u8>,
    /// The subject Name.
    subject: Range<usize>,
    /// The issuer Name.
    issuer: Range<usize>,
    /// Subject and issuer as comparable keys ([`crate::x509::dn`]), which
    /// also meet certificates known only by a scanner's printed names.
    pub names: NameKeys,
    /// The SubjectPublicKeyInfo.
    spki: Range<usize>,
    /// The signed part.
    tbs: Range<usize>,
    /// Signature algorithm OID, dotted.
    pub sig_oid: String,
    /// Signature algorithm name (the OID where unnamed).
    pub sig_alg: String,
    /// Signature bits.
    pub signature: Vec<u8>,
    /// Validity, seconds since the epoch.
    pub not_before: i64,
    /// Validity, seconds since the epoch.
    pub not_after: i64,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// X.509 version (1–3).
    pub version: u8,
    /// RSA modulus size, for RSA keys.
    pub rsa_bits: Option<u32>,
    /// Usages, constraints and extension facts the path rules read, read
    /// from `der` the first time a path needs them: most leaves are settled
    /// before (an issuer's signature fails, or no issuer is known), and
    /// parsing every extension in depth was a third of a certificate's
    /// parse.
    rules: OnceLock<Rules>,
    /// Whether its signature verifies with its own key, where that was
    /// already checked (at ingest, for a self-issued certificate): the
    /// verifier then need not check it again.
    pub self_signature: Option<bool>,
}

/// What a scanner's parsed JSON gives for a certificate without DER.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Subject DN as the scanner printed it.
    pub subject_dn: Option<String>,
    /// Issuer DN as the scanner printed it.
    pub issuer_dn: Option<String>,
    /// Validity, seconds since the epoch.
    pub not_before: Option<i64>,
    /// Validity, seconds since the epoch.
    pub not_after: Option<i64>,
    /// basicConstraints CA flag, as the scanner parsed it.
    pub is_ca: Option<bool>,
    /// Signature algorithm name.
    pub sig_alg: Option<String>,
    /// Extended key usages, as the dataset names them (empty: none recorded).
    pub eku: Vec<String>,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage keyCertSign (`None`: no keyUsage recorded).
    pub key_cert_sign: Option<bool>,
}

/// Subject and issuer names as keys to look issuers up by, the same for a
/// DER `Name` and for the DN a scanner printed ([`crate::x509::dn`]).
#[derive(Debug, Clone, Default)]
pub struct NameKeys {
    /// The subject's key.
    pub subject: Option<String>,
    /// The issuer's key.
    pub issuer: Option<String>,
}

impl ChainCert {
    /// Parses a DER certificate; one that does not parse is kept as such.
    pub fn from_der(der: &[u8]) -> ChainCert {
        ChainCert::from_known_der(Sha256::digest(der).into(), der, None)
    }

    /// Parses a DER certificate whose SHA-256 is already known (a row of
    /// `certificates`), with its self-signature verdict if ingest made one.
    pub fn from_known_der(sha256: [u8; 32], der: &[u8], self_signature: Option<bool>) -> ChainCert {
        let body = match crate::x509::read_fields(der, |fields| parsed(fields, der)) {
            Ok(mut parsed) => {
                parsed.self_signature = self_signature;
                Body::Der(Box::new(parsed))
            }
            Err(_) => Body::Unparsable,
        };
        ChainCert { sha256, body }
    }

    /// A certificate known only by a scanner's facts.
    pub fn from_facts(sha256: [u8; 32], facts: Facts) -> ChainCert {
        let key = |dn: &Option<String>| dn.as_deref().and_then(dn::text_key);
        let names = NameKeys {
            subject: key(&facts.subject_dn),
            issuer: key(&facts.issuer_dn),
        };
        ChainCert {
            sha256,
            body: Body::Facts(facts, names),
        }
    }

    /// The path rules' facts: from DER, or as far as a scanner's parsed
    /// JSON recorded them (usages, pathLenConstraint, keyCertSign).
    pub fn rules(&self) -> Option<std::borrow::Cow<'_, Rules>> {
        match &self.body {
            Body::Der(p) => Some(std::borrow::Cow::Borrowed(p.rules())),
            Body::Facts(f, _) => Some(std::borrow::Cow::Owned(Rules {
                server_usage: (!f.eku.is_empty())
                    .then(|| f.eku.iter().any(|u| super::rules::allows_server(u))),
                cert_sign: f.key_cert_sign,
                basic_constraints: f.is_ca.map(|ca| (ca, f.path_len)),
                ..Rules::default()
            })),
            Body::Unparsable => None,
        }
    }

    /// The DER-parsed view, if there is one.
    pub fn parsed(&self) -> Option<&Parsed> {
        match &self.body {
            Body::Der(p) => Some(p),
            _ => None,
        }
    }

    fn names(&self) -> Option<&NameKeys> {
        match &self.body {
            Body::Der(p) => Some(&p.names),
            Body::Facts(_, names) => Some(names),
            Body::Unparsable => None,
        }
    }

    /// The subject's key, to file this certificate under as an issuer.
    pub fn subject_key(&self) -> Option<&str> {
        self.names()?.subject.as_deref()
    }

    /// The issuer's key, to look issuers up by.
    pub fn issuer_key(&self) -> Option<&str> {
        self.names()?.issuer.as_deref()
    }

    /// Subject and issuer are the same name.
    pub fn self_issued(&self) -> bool {
        match &self.body {
            Body::Der(p) => p.subject() == p.issuer(),
            _ => self.subject_key().is_some() && self.subject_key() == self.issuer_key(),
        }
    }

    /// Validity window, seconds since the epoch, where known.
    pub fn validity(&self) -> Option<(i64, i64)> {
        match &self.body {
            Body::Der(p) => Some((p.not_before, p.not_after)),
            Body::Facts(f, _) => f.not_before.zip(f.not_after),
            Body::Unparsable => None,
        }
    }

    /// basicConstraints CA flag, where known.
    pub fn is_ca(&self) -> Option<bool> {
        match &self.body {
            Body::Der(p) => Some(p.is_ca),
            Body::Facts(f, _) => f.is_ca,
            Body::Unparsable => None,
        }
    }

    /// Signature algorithm name, where known.
    pub fn sig_alg(&self) -> Option<&str> {
        match &self.body {
            Body::Der(p) => Some(&p.sig_alg),
            Body::Facts(f, _) => f.sig_alg.as_deref(),
            Body::Unparsable => None,
        }
    }
}

impl Parsed {
    /// DER of the subject Name.
    pub fn subject(&self) -> &[u8] {
        &self.der[self.subject.clone()]
    }

    /// DER of the issuer Name.
    pub fn issuer(&self) -> &[u8] {
        &self.der[self.issuer.clone()]
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> &[u8] {
        &self.der[self.spki.clone()]
    }

    /// DER of the signed part.
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The path rules' facts, from a full parse of the DER made once.
    fn rules(&self) -> &Rules {
        self.rules
            .get_or_init(|| match X509Certificate::from_der(&self.der) {
                Ok((_, cert)) => Rules::of(&cert),
                // The shallow parse of the same DER succeeded, and a full
                // parse fails only where it does; should it ever fail, the
                // certificate is refused for an unreadable extension.
                Err(_) => Rules {
                    bad_extension: Some("extensions".into()),
                    ..Rules::default()
                },
            })
    }
}

/// The verifier's view of a certificate read from `der` without its
/// extensions in depth ([`crate::x509::read_fields`]).
fn parsed(cert: &Fields, der: &[u8]) -> Parsed {
    // Both parses borrow every raw part from the DER they read.
    let span = |part: &[u8]| {
        let start = part.as_ptr() as usize - der.as_ptr() as usize;
        start..start + part.len()
    };
    let constraints = cert.extension::<BasicConstraints>(&OID_X509_EXT_BASIC_CONSTRAINTS);
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let rsa_bits = match cert.spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => u32::try_from(rsa.key_size()).ok(),
        _ => None,
    };
    Parsed {
        der: der.to_vec(),
        subject: span(cert.subject.raw()),
        issuer: span(cert.issuer.raw()),
        names: NameKeys {
            subject: Some(cert.subject.key()),
            issuer: Some(cert.issuer.key()),
        },
        spki: span(cert.spki.raw),
        tbs: span(cert.tbs),
        sig_alg: crate::x509::signature_name(&sig_oid),
        sig_oid,
        signature: cert.signature.to_vec(),
        not_before: cert.validity.not_before.timestamp(),
        not_after: cert.validity.not_after.timestamp(),
        is_ca: constraints.is_some_and(|bc| bc.ca),
        version: u8::try_from(cert.version + 1).unwrap_or(0),
        rsa_bits,
        rules: OnceLock::new(),
        self_signature: None,
    }
}

/// The DER of every `CERTIFICATE` block of a PEM text; text between blocks
/// (comments, `openssl x509 -text` dumps) is skipped.
pub fn pem_certificates(text: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(text) {
        let pem = pem.map_err(|e| format!("bad PEM block: {e}"))?;
        if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" {
            out.push(pem.contents);
        }
    }
    Ok(out)
}
