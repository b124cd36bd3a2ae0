//! The TLS handshake log as ZGrab (ztls, zcrypto) and Censys write it.
//!
//! One set of types covers ZGrab 1 eras A–D, ZGrab2's `handshake_log` and
//! Censys' flattened `tls` object: fields that moved or changed shape are
//! accepted in every form (see `wire`).

use std::borrow::Cow;

use base64::Engine;
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::wire::{Code, Param, Text};
use super::Raw;
use crate::record::{CertInput, TlsFacts};
use crate::x509::{sha256_hex, significant_bits, strip_leading_zeros, ScannerCert};

#[derive(Deserialize, Default)]
struct SupportedVersions {
    #[serde(default)]
    selected_version: Code,
}

#[derive(Deserialize, Default)]
struct ServerHello {
    #[serde(default)]
    version: Code,
    #[serde(default)]
    cipher_suite: Code,
    ocsp_stapling: Option<bool>,
    secure_renegotiation: Option<bool>,
    heartbeat: Option<bool>,
    supported_versions: Option<SupportedVersions>,
    #[serde(default)]
    key_share: Text,
}

#[derive(Deserialize)]
struct CertEntry<'a> {
    #[serde(borrow)]
    raw: Option<Cow<'a, str>>,
    #[serde(borrow)]
    parsed: Option<Raw<'a>>,
}

#[derive(Deserialize, Default)]
struct Validation<'a> {
    browser_trusted: Option<bool>,
    #[serde(borrow)]
    browser_error: Option<Cow<'a, str>>,
    matches_domain: Option<bool>,
}

#[derive(Deserialize, Default)]
struct ServerCertificates<'a> {
    /// Eras A and B: every presented certificate, leaf first.
    #[serde(borrow)]
    raw: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    certificate: Option<CertEntry<'a>>,
    #[serde(borrow)]
    chain: Option<Vec<CertEntry<'a>>>,
    #[serde(borrow)]
    validation: Option<Validation<'a>>,
}

#[derive(Deserialize, Default)]
struct DhParams<'a> {
    #[serde(borrow, default)]
    prime: Param<'a>,
    prime_length: Option<u32>,
}

#[derive(Deserialize, Default)]
struct EcdhParams {
    curve_id: Option<CurveId>,
}

#[derive(Deserialize, Default)]
struct CurveId {
    #[serde(default)]
    name: Text,
    id: Option<u16>,
}

#[derive(Deserialize, Default)]
struct RsaParams {
    length: Option<u32>,
}

#[derive(Deserialize, Default)]
struct KeyExchange<'a> {
    #[serde(borrow)]
    dh_params: Option<DhParams<'a>>,
    ecdh_params: Option<EcdhParams>,
    rsa_params: Option<RsaParams>,
}

/// A handshake as ZGrab logs it (`data.tls`, `handshake_log`, the era A/B
/// `tls_handshake` entry) or as Censys flattens it (`version`,
/// `cipher_suite`, `certificate`, `chain`, `validation` at the top).
#[derive(Deserialize, Default)]
pub struct HandshakeLog<'a> {
    server_hello: Option<ServerHello>,
    #[serde(borrow)]
    server_certificates: Option<ServerCertificates<'a>>,
    #[serde(borrow)]
    server_key_exchange: Option<KeyExchange<'a>>,
    server_finished: Option<IgnoredAny>,
    // Era B kept key-exchange parameters at handshake level.
    #[serde(borrow)]
    dh_params: Option<DhParams<'a>>,
    #[serde(borrow)]
    dh_export_params: Option<DhParams<'a>>,
    rsa_export_params: Option<RsaParams>,
    // Censys' flattened form.
    #[serde(default)]
    version: Code,
    #[serde(default)]
    cipher_suite: Code,
    ocsp_stapling: Option<bool>,
    secure_renegotiation: Option<bool>,
    #[serde(borrow)]
    certificate: Option<CertEntry<'a>>,
    #[serde(borrow)]
    chain: Option<Vec<CertEntry<'a>>>,
    #[serde(borrow)]
    validation: Option<Validation<'a>>,
}

/// A certificate entry that could not be used.
#[derive(Debug)]
pub struct BadCert(pub String);

impl<'a> HandshakeLog<'a> {
    /// Did the server send a hello (in either form)?
    pub fn has_server_hello(&self) -> bool {
        self.server_hello.is_some() || self.version.0.is_some()
    }

    /// Was the server's Finished message logged?
    pub fn has_server_finished(&self) -> bool {
        self.server_finished.is_some()
    }

    /// Was anything of a handshake recorded?
    pub fn seen(&self) -> bool {
        self.has_server_hello() || self.server_certificates.is_some() || self.certificate.is_some()
    }

    /// Normalized facts. Fails only on a certificate that is neither base64
    /// DER nor a parsed object with a SHA-256 fingerprint.
    pub fn into_facts(self) -> Result<TlsFacts<'a>, BadCert> {
        let hello = self.server_hello.unwrap_or_default();
        let selected = hello.supported_versions.map(|s| s.selected_version.0);
        let mut facts = TlsFacts {
            version: selected.flatten().or(hello.version.0).or(self.version.0),
            cipher_id: hello.cipher_suite.0.or(self.cipher_suite.0),
            ocsp_stapling: hello.ocsp_stapling.or(self.ocsp_stapling),
            secure_renegotiation: hello.secure_renegotiation.or(self.secure_renegotiation),
            heartbeat: hello.heartbeat,
            ..TlsFacts::default()
        };
        let certs = self.server_certificates.unwrap_or_default();
        let validation = certs.validation.or(self.validation).unwrap_or_default();
        facts.browser_trusted = validation.browser_trusted;
        facts.browser_error = validation.browser_error.map(Cow::into_owned);
        facts.matches_domain = validation.matches_domain;
        facts.chain = match certs.raw {
            Some(raw) if !raw.is_empty() => raw.into_iter().map(cert_from_text).collect(),
            _ => {
                let leaf = certs.certificate.or(self.certificate);
                let chain = certs.chain.or(self.chain).unwrap_or_default();
                let mut out = Vec::with_capacity(1 + chain.len());
                for entry in leaf.into_iter().chain(chain) {
                    out.push(cert_from_entry(entry)?);
                }
                out
            }
        };
        let kex = self.server_key_exchange.unwrap_or_default();
        let dh = kex.dh_params.or(self.dh_params).or(self.dh_export_params);
        let rsa = kex.rsa_params.or(self.rsa_export_params);
        if let Some(ec) = kex.ecdh_params {
            facts.server_kex = Some("ecdhe");
            facts.ecdh_curve = ec
                .curve_id
                .and_then(|c| c.name.0.or(c.id.map(|id| format!("group_{id}"))));
        } else if let Some(dh) = dh {
            facts.server_kex = Some("dhe");
            let prime = dh
                .prime
                .value
                .as_deref()
                .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok());
            facts.dh_prime_bits = dh
                .prime
                .length
                .or(dh.prime_length)
                .or_else(|| prime.as_ref().map(|p| significant_bits(p)));
            facts.dh_prime_sha256 = prime.map(|p| sha256_hex(strip_leading_zeros(&p)));
        } else if let Some(rsa) = rsa {
            facts.server_kex = Some("rsa_export");
            facts.rsa_export_bits = rsa.length;
        }
        if facts.ecdh_curve.is_none() {
            facts.ecdh_curve = hello.key_share.0;
        }
        Ok(facts)
    }
}

fn cert_from_text(raw: Cow<'_, str>) -> CertInput<'_> {
    CertInput::Base64Der(raw)
}

fn cert_from_entry(entry: CertEntry<'_>) -> Result<CertInput<'_>, BadCert> {
    if let Some(raw) = entry.raw {
        return Ok(cert_from_text(raw));
    }
    let parsed = entry
        .parsed
        .ok_or_else(|| BadCert("certificate entry has neither `raw` nor `parsed`".into()))?;
    let cert: ScannerCert = super::json::from_str(parsed.0)
        .map_err(|e| BadCert(format!("unreadable parsed certificate: {e}")))?;
    cert.into_facts()
        .map(|f| CertInput::ScannerParsed(Box::new(f)))
        .ok_or_else(|| BadCert("parsed certificate without a SHA-256 fingerprint".into()))
}
