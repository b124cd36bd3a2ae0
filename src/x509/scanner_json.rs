//! Certificate facts from a scanner's parsed JSON (zcrypto `parsed`), for
//! records that carry no DER, such as Censys host records.

use serde::Deserialize;

use super::{names, CertFacts};
use crate::formats::wire::{Strings, Text};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize, Default)]
struct Name {
    #[serde(default)]
    common_name: Text,
}

#[derive(Deserialize, Default)]
struct Validity {
    #[serde(default)]
    start: Text,
    #[serde(default)]
    end: Text,
}

#[derive(Deserialize, Default)]
struct KeyLength {
    length: Option<u32>,
    #[serde(default)]
    curve: Text,
}

#[derive(Deserialize, Default)]
struct KeyInfo {
    #[serde(default)]
    key_algorithm: Text,
    rsa_public_key: Option<KeyLength>,
    ecdsa_public_key: Option<KeyLength>,
    dsa_public_key: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    fingerprint_sha256: Text,
}

#[derive(Deserialize, Default)]
struct BasicConstraints {
    is_ca: Option<bool>,
}

#[derive(Deserialize, Default)]
struct SubjectAltName {
    #[serde(default)]
    dns_names: Strings,
    #[serde(default)]
    ip_addresses: Strings,
}

#[derive(Deserialize, Default)]
struct Extensions {
    basic_constraints: Option<BasicConstraints>,
    subject_alt_name: Option<SubjectAltName>,
}

#[derive(Deserialize, Default)]
struct Signature {
    self_signed: Option<bool>,
}

/// The zcrypto `parsed` certificate object, reduced to what we keep.
#[derive(Deserialize, Default)]
pub struct ScannerCert {
    #[serde(default)]
    fingerprint_sha256: Text,
    #[serde(default)]
    fingerprint_sha1: Text,
    #[serde(default)]
    subject_dn: Text,
    #[serde(default)]
    issuer_dn: Text,
    subject: Option<Name>,
    issuer: Option<Name>,
    validity: Option<Validity>,
    version: Option<u8>,
    #[serde(default)]
    serial_number: Text,
    #[serde(default)]
    signature_algorithm: Text,
    subject_key_info: Option<KeyInfo>,
    extensions: Option<Extensions>,
    signature: Option<Signature>,
}

impl ScannerCert {
    /// The facts, or `None` when the object has no SHA-256 fingerprint to key it by.
    pub fn into_facts(self) -> Option<CertFacts> {
        let sha256 = self.fingerprint_sha256.0?.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let key = self.subject_key_info.unwrap_or_default();
        let (key_bits, curve) = match (&key.rsa_public_key, &key.ecdsa_public_key) {
            (Some(rsa), _) => (rsa.length, None),
            (None, Some(ec)) => (ec.length, ec.curve.0.clone()),
            _ => (None, None),
        };
        let key_alg = key.key_algorithm.0.clone().or_else(|| {
            if key.rsa_public_key.is_some() {
                Some("RSA".into())
            } else if key.ecdsa_public_key.is_some() {
                Some("ECDSA".into())
            } else {
                key.dsa_public_key.as_ref().map(|_| "DSA".into())
            }
        });
        let ext = self.extensions.unwrap_or_default();
        let validity = self.validity.unwrap_or_default();
        Some(CertFacts {
            sha256,
            sha1: self.fingerprint_sha1.0,
            spki_sha256: key.fingerprint_sha256.0,
            der: None,
            parse_status: "scanner_json",
            parse_error: None,
            version: self.version,
            serial: self.serial_number.0,
            subject_dn: self.subject_dn.0,
            subject_cn: self.subject.and_then(|n| n.common_name.0),
            issuer_dn: self.issuer_dn.0,
            issuer_cn: self.issuer.and_then(|n| n.common_name.0),
            san_ip: ext
                .subject_alt_name
                .as_ref()
                .map(|s| s.ip_addresses.0.clone())
                .unwrap_or_default(),
            san_dns: ext
                .subject_alt_name
                .map(|s| s.dns_names.0)
                .unwrap_or_default(),
            // zcrypto's EKU object changed shape across versions; not read.
            eku: Vec::new(),
            not_before_us: validity.start.0.as_deref().and_then(parse_rfc3339_us),
            not_after_us: validity.end.0.as_deref().and_then(parse_rfc3339_us),
            key_alg,
            key_bits,
            curve,
            sig_alg: self
                .signature_algorithm
                .0
                .as_deref()
                .map(names::normalize_signature_name),
            is_ca: ext.basic_constraints.and_then(|b| b.is_ca).or(Some(false)),
            self_signed: self.signature.and_then(|s| s.self_signed),
            self_signature_valid: None,
        })
    }
}
