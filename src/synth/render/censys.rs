//! Censys host records (ztag output): one document per host, one
//! sub-document per port (`"25": {"smtp": {"starttls": {…}}}`), a flattened
//! `tls` object, and certificates as parsed JSON, with their DER (`raw`)
//! in most records and without it in some ([`DER_ABSENT_ONE_IN`]).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use anyhow::Result;
use serde::Serialize;

use super::text::{texts, Texts};
use super::tls::{key_exchange, ServerKeyExchange, Validation};
use super::{utc_time, SeriesInfo};
use crate::record::TlsMode;
use crate::synth::model::{Endpoint, Outcome};
use crate::synth::pki::{Cert, Summary};
use crate::synth::profile::SeriesSpec;
use crate::synth::rng::Rng;

/// Censys keeps a service only when it answered.
pub fn answered(ep: &Endpoint, mode: TlsMode) -> bool {
    match mode {
        TlsMode::Starttls => ep.outcome.greeted(),
        TlsMode::Implicit => ep.outcome == Outcome::Ok,
    }
}

/// One service of a host.
pub struct Service<'a> {
    /// The series (port, protocol and sub-protocol tokens).
    pub spec: &'a SeriesSpec,
    /// Dataset protocol and mode.
    pub info: &'a SeriesInfo,
    /// The endpoint scan.
    pub ep: &'a Endpoint<'a>,
}

#[derive(Serialize)]
struct Name {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    country: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    organization: Vec<String>,
    common_name: Vec<String>,
}

#[derive(Serialize)]
struct Algorithm {
    name: &'static str,
}

#[derive(Serialize)]
struct RsaKey {
    exponent: u32,
    length: usize,
}

#[derive(Serialize)]
struct EcKey {
    curve: &'static str,
    length: usize,
}

#[derive(Serialize)]
struct KeyInfo {
    key_algorithm: Algorithm,
    #[serde(skip_serializing_if = "Option::is_none")]
    rsa_public_key: Option<RsaKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ecdsa_public_key: Option<EcKey>,
}

#[derive(Serialize)]
struct Validity {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct BasicConstraints {
    is_ca: bool,
}

#[derive(Serialize)]
struct Alt<'a> {
    dns_names: &'a [String],
}

#[derive(Serialize)]
struct Extensions<'a> {
    basic_constraints: BasicConstraints,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject_alt_name: Option<Alt<'a>>,
}

#[derive(Serialize)]
struct Signature {
    signature_algorithm: Algorithm,
    self_signed: bool,
}

#[derive(Serialize)]
struct Parsed<'a> {
    version: u8,
    serial_number: &'a str,
    signature_algorithm: Algorithm,
    issuer: Name,
    issuer_dn: String,
    validity: Validity,
    subject: Name,
    subject_dn: String,
    subject_key_info: KeyInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    extensions: Option<Extensions<'a>>,
    signature: Signature,
    fingerprint_sha256: &'a str,
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<&'a str>,
    parsed: Parsed<'a>,
}

/// One host record in this many carries its certificates as parsed JSON
/// only, as Censys exports of the period did for some records.
pub const DER_ABSENT_ONE_IN: u64 = 5;

/// zcrypto's names for the signature algorithms the generator uses.
const SIGNATURE_NAMES: &[(&str, &str)] = &[
    ("sha256WithRSAEncryption", "SHA256WithRSA"),
    ("sha1WithRSAEncryption", "SHA1WithRSA"),
    ("md5WithRSAEncryption", "MD5WithRSA"),
    ("ecdsa-with-SHA256", "ECDSAWithSHA256"),
];

fn name(dn: &crate::synth::x509::Dn) -> Name {
    Name {
        country: dn.country.into_iter().collect(),
        organization: dn.org.iter().cloned().collect(),
        common_name: vec![dn.cn.clone()],
    }
}

fn entry<'a>(cert: &'a Cert, summary: &'a Summary, with_der: bool) -> Entry<'a> {
    let f = &cert.facts;
    let sig = SIGNATURE_NAMES
        .iter()
        .find(|(o, _)| *o == f.sig_alg)
        .map_or("unknown", |(_, z)| z);
    let key_info = if summary.ecdsa {
        KeyInfo {
            key_algorithm: Algorithm { name: "ECDSA" },
            rsa_public_key: None,
            ecdsa_public_key: Some(EcKey {
                curve: "P-256",
                length: summary.key_bits,
            }),
        }
    } else {
        KeyInfo {
            key_algorithm: Algorithm { name: "RSA" },
            rsa_public_key: Some(RsaKey {
                exponent: 65537,
                length: summary.key_bits,
            }),
            ecdsa_public_key: None,
        }
    };
    Entry {
        raw: with_der.then_some(cert.base64.as_str()),
        parsed: Parsed {
            version: f.version,
            serial_number: &summary.serial,
            signature_algorithm: Algorithm { name: sig },
            issuer: name(&summary.issuer),
            issuer_dn: summary.issuer.text(),
            validity: Validity {
                start: utc_time(summary.not_before),
                end: utc_time(summary.not_after),
            },
            subject: name(&summary.subject),
            subject_dn: summary.subject.text(),
            subject_key_info: key_info,
            extensions: (f.version == 3).then(|| Extensions {
                basic_constraints: BasicConstraints { is_ca: f.is_ca },
                subject_alt_name: (!summary.dns_names.is_empty()).then_some(Alt {
                    dns_names: &summary.dns_names,
                }),
            }),
            signature: Signature {
                signature_algorithm: Algorithm { name: sig },
                self_signed: f.self_signed,
            },
            fingerprint_sha256: &f.sha256,
        },
    }
}

#[derive(Serialize)]
struct Suite {
    id: String,
    name: &'static str,
}

#[derive(Serialize)]
struct Tls<'a> {
    version: &'static str,
    cipher_suite: Suite,
    ocsp_stapling: bool,
    secure_renegotiation: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate: Option<Entry<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    chain: Vec<Entry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<Validation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_key_exchange: Option<ServerKeyExchange>,
}

#[derive(Serialize)]
struct PortService<'a> {
    #[serde(flatten)]
    texts: Texts,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<Tls<'a>>,
    timestamp: String,
}

type Ports<'a> = BTreeMap<String, BTreeMap<&'a str, BTreeMap<&'a str, PortService<'a>>>>;

#[derive(Serialize)]
struct Host<'a> {
    ip: String,
    #[serde(flatten)]
    ports: Ports<'a>,
    updated_at: String,
}

/// Appends one host record and a newline to `out`; `with_der` says whether
/// its certificates carry their DER beside the parsed JSON.
pub fn write_host(
    ip: Ipv4Addr,
    services: &[Service],
    with_der: bool,
    rng: &mut Rng,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut ports: Ports = BTreeMap::new();
    let mut updated = 0;
    for s in services {
        let ep = s.ep;
        updated = updated.max(ep.time);
        let t = texts(ep, s.info.protocol, s.info.mode);
        let tls = ep
            .tls
            .as_ref()
            .filter(|session| session.complete)
            .map(|session| {
                let chain: Vec<Entry> = session
                    .certs
                    .iter()
                    .flat_map(|p| p.chain.iter())
                    .filter_map(|c| {
                        let summary = c.facts.summary.as_deref()?;
                        Some(entry(c, summary, with_der))
                    })
                    .collect();
                let mut chain = chain.into_iter();
                Tls {
                    version: session.version.1,
                    cipher_suite: Suite {
                        id: format!("0x{:04X}", session.suite.code),
                        name: session.suite.name,
                    },
                    ocsp_stapling: session.ocsp_stapling,
                    secure_renegotiation: session.secure_renegotiation,
                    certificate: chain.next(),
                    chain: chain.collect(),
                    validation: session.certs.as_ref().map(|p| Validation {
                        browser_trusted: p.browser_trusted,
                        browser_error: p.browser_error,
                    }),
                    server_key_exchange: key_exchange(session, rng),
                }
            });
        let service = PortService {
            texts: t,
            tls,
            timestamp: utc_time(ep.time),
        };
        ports
            .entry(s.spec.port.to_string())
            .or_default()
            .entry(s.spec.protocol.as_str())
            .or_default()
            .insert(s.spec.subprotocol.as_str(), service);
    }
    let host = Host {
        ip: ip.to_string(),
        ports,
        updated_at: utc_time(updated),
    };
    serde_json::to_writer(&mut *out, &host)?;
    out.push(b'\n');
    Ok(())
}
