//! sslyze 5.x/6.x `--json_out`: one document, `{"date_scans_started",
//! "invalid_server_strings": [{server_string, error_message}],
//! "server_scan_results": [{server_location: {hostname, port, ip_address},
//! network_configuration: {tls_opportunistic_encryption}, connectivity_status,
//! scan_result: {"tls_1_2_cipher_suites": {status, error_reason, result:
//! {accepted_cipher_suites: [{cipher_suite: {name}, ephemeral_key}],
//! rejected_cipher_suites: [{cipher_suite, error_message}]}}, …}}],
//! "sslyze_version"}`. These versions report no preferred suite.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::enumeration::{pem_certificate, service, suite_code, version};
use super::{json, RecordError};
use crate::record::{CipherProbe, EnumTarget, Parsed, ProbeResult};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize)]
struct Suite<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    key_size: Option<u16>,
}

#[derive(Deserialize)]
struct EphemeralKey<'a> {
    #[serde(borrow)]
    type_name: Option<Cow<'a, str>>,
    size: Option<u32>,
    #[serde(borrow)]
    curve_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    prime: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Accepted<'a> {
    #[serde(borrow)]
    cipher_suite: Suite<'a>,
    #[serde(borrow)]
    ephemeral_key: Option<EphemeralKey<'a>>,
}

#[derive(Deserialize)]
struct Rejected<'a> {
    #[serde(borrow)]
    cipher_suite: Suite<'a>,
    #[serde(borrow)]
    error_message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Certificate<'a> {
    #[serde(borrow)]
    as_pem: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Deployment<'a> {
    #[serde(borrow, default)]
    received_certificate_chain: Vec<Certificate<'a>>,
}

/// A command's result: the suites of a cipher-suite command, or the
/// deployments of `certificate_info` (other commands' fields are skipped).
#[derive(Deserialize)]
struct SuitesResult<'a> {
    #[serde(borrow, default)]
    accepted_cipher_suites: Vec<Accepted<'a>>,
    #[serde(borrow, default)]
    rejected_cipher_suites: Vec<Rejected<'a>>,
    #[serde(borrow, default)]
    certificate_deployments: Vec<Deployment<'a>>,
}

#[derive(Deserialize)]
struct Attempt<'a> {
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    result: Option<SuitesResult<'a>>,
}

#[derive(Deserialize)]
struct Location<'a> {
    #[serde(borrow)]
    hostname: Option<Cow<'a, str>>,
    port: Option<u16>,
    #[serde(borrow)]
    ip_address: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Network<'a> {
    #[serde(borrow)]
    tls_opportunistic_encryption: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ServerResult<'a> {
    #[serde(borrow)]
    server_location: Option<Location<'a>>,
    #[serde(borrow)]
    network_configuration: Option<Network<'a>>,
    #[serde(borrow)]
    connectivity_status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    scan_status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    scan_result: Option<BTreeMap<Cow<'a, str>, ScanCommand<'a>>>,
}

/// A `scan_result` entry: cipher-suite commands are read, the others skipped.
struct ScanCommand<'a>(Attempt<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for ScanCommand<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Every command shares the attempt shape, and a result of another
        // command reads as one without suites (its fields are skipped).
        Attempt::deserialize(d).map(ScanCommand)
    }
}

#[derive(Deserialize)]
struct Invalid<'a> {
    #[serde(borrow)]
    server_string: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    sslyze_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    date_scans_started: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    invalid_server_strings: Vec<Invalid<'a>>,
    #[serde(borrow, default)]
    server_scan_results: Vec<ServerResult<'a>>,
}

/// Messages of rejected suites that say the handshake failed on the
/// network, not that the server refused the suite: such a try is an
/// `error`, as sslyze 0.x listed it under `errors`.
const NETWORK_FAILURES: &[&str] = &["timed out"];

/// Is this JSON object an sslyze 5.x/6.x document?
pub fn is_document(has: impl Fn(&str) -> bool) -> bool {
    has("server_scan_results")
}

/// SECG names for the X9.62 names sslyze reports.
fn curve(name: &str) -> String {
    match name {
        "prime256v1" => "secp256r1".into(),
        "prime192v1" => "secp192r1".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn probe(version: u16, suite: &Suite, result: ProbeResult) -> CipherProbe {
    let name = suite.name.as_deref().map(str::to_owned);
    CipherProbe {
        version,
        cipher_id: name.as_deref().and_then(|n| suite_code(version, n)),
        suite: name,
        result,
        preferred: false,
        detail: None,
        key_bits: suite.key_size.filter(|_| result == ProbeResult::Accepted),
        kex: None,
        kex_bits: None,
        curve: None,
        dh_prime_sha256: None,
    }
}

/// Parses one document.
pub fn parse(text: &str) -> Result<Parsed<'static>, RecordError> {
    let doc: Document = json::from_str(text)
        .map_err(|e| RecordError::new(format!("sslyze JSON: {}", super::short(&e))))?;
    let tool = format!("sslyze {}", doc.sslyze_version.as_deref().unwrap_or("5+"));
    let started = doc
        .date_scans_started
        .as_deref()
        .and_then(|d| parse_rfc3339_us(d).or_else(|| parse_rfc3339_us(&format!("{d}Z"))));
    let mut targets = Vec::new();
    for bad in &doc.invalid_server_strings {
        let given = bad.server_string.as_deref().unwrap_or_default();
        let (host, port) = match given.split('{').next().unwrap_or(given).rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().ok()),
            None => (given.to_owned(), None),
        };
        let (protocol, tls_mode) = service(None, port);
        targets.push(EnumTarget {
            tool: tool.clone(),
            host: Some(host),
            port,
            protocol,
            tls_mode,
            timestamp_us: started,
            error: Some(bad.error_message.as_deref().unwrap_or("invalid").to_owned()),
            ..EnumTarget::default()
        });
    }
    for server in &doc.server_scan_results {
        let loc = server.server_location.as_ref();
        let port = loc.and_then(|l| l.port);
        let starttls = server
            .network_configuration
            .as_ref()
            .and_then(|n| n.tls_opportunistic_encryption.as_deref());
        let (protocol, tls_mode) = service(Some(starttls.unwrap_or("none")), port);
        let mut t = EnumTarget {
            tool: tool.clone(),
            host: loc.and_then(|l| l.hostname.as_deref()).map(str::to_owned),
            ip: loc.and_then(|l| l.ip_address.as_deref()).map(str::to_owned),
            port,
            protocol,
            tls_mode,
            timestamp_us: started,
            ..EnumTarget::default()
        };
        if server.connectivity_status.as_deref() == Some("ERROR")
            || server.scan_status.as_deref() == Some("ERROR_NO_CONNECTIVITY")
        {
            t.error = Some("could not connect".into());
        }
        for (command, ScanCommand(attempt)) in server.scan_result.iter().flatten() {
            if command == "certificate_info" {
                // The first deployment's chain as received (a server may
                // send another for ECDSA; the first is the one kept).
                let first = attempt
                    .result
                    .as_ref()
                    .and_then(|r| r.certificate_deployments.first());
                t.chain = first
                    .map(|d| {
                        d.received_certificate_chain
                            .iter()
                            .filter_map(|c| c.as_pem.as_deref().and_then(pem_certificate))
                            .collect()
                    })
                    .unwrap_or_default();
                continue;
            }
            let Some(v) = command.strip_suffix("_cipher_suites").and_then(version) else {
                continue;
            };
            match attempt.status.as_deref() {
                Some("COMPLETED") => {}
                Some("NOT_SCHEDULED") | None => continue,
                Some(other) => {
                    t.plugin_errors.push(format!(
                        "{command}: {}",
                        attempt.error_reason.as_deref().unwrap_or(other)
                    ));
                    continue;
                }
            }
            let Some(result) = attempt.result.as_ref() else {
                continue;
            };
            for a in &result.accepted_cipher_suites {
                let mut p = probe(v, &a.cipher_suite, ProbeResult::Accepted);
                if let Some(k) = &a.ephemeral_key {
                    p.kex_bits = k.size;
                    match k.type_name.as_deref() {
                        Some("ECDH") => {
                            p.kex = Some("ecdh");
                            p.curve = k.curve_name.as_deref().map(curve);
                        }
                        Some("DH") => {
                            p.kex = Some("dh");
                            p.dh_prime_sha256 = k
                                .prime
                                .as_deref()
                                .and_then(|b| {
                                    base64::engine::general_purpose::STANDARD.decode(b).ok()
                                })
                                .map(|bytes| {
                                    let start =
                                        bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
                                    hex::encode(Sha256::digest(&bytes[start..]))
                                });
                        }
                        _ => {}
                    }
                }
                t.probes.push(p);
            }
            for r in &result.rejected_cipher_suites {
                let message = r.error_message.as_deref().unwrap_or_default();
                let result = if NETWORK_FAILURES.iter().any(|m| message.contains(m)) {
                    ProbeResult::Error
                } else {
                    ProbeResult::Rejected
                };
                let mut p = probe(v, &r.cipher_suite, result);
                p.detail = r.error_message.as_deref().map(str::to_owned);
                t.probes.push(p);
            }
        }
        t.probes
            .sort_by(|a, b| (a.version, &a.suite).cmp(&(b.version, &b.suite)));
        targets.push(t);
    }
    Ok(Parsed {
        targets,
        ..Parsed::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_5_2_document() {
        let doc = r#"{"date_scans_started":"2023-10-02T09:14:02.118530","invalid_server_strings":[{"server_string":"bad.example:25","error_message":"Could not resolve bad.example"}],
"server_scan_results":[{"server_location":{"connection_type":"DIRECT","hostname":"mx1.example.org","ip_address":"192.0.2.25","port":25},
"network_configuration":{"tls_opportunistic_encryption":"SMTP"},"connectivity_status":"COMPLETED","scan_status":"COMPLETED","scan_result":{
"ssl_3_0_cipher_suites":{"status":"ERROR","error_reason":"CONNECTIVITY_ISSUE","error_trace":"...","result":null},
"certificate_info":{"status":"COMPLETED","error_reason":null,"error_trace":null,"result":{"certificate_deployments":[{"received_certificate_chain":[{"serial_number":123456789012345678901234567890}]}]}},
"tls_1_2_cipher_suites":{"status":"COMPLETED","error_reason":null,"error_trace":null,"result":{"tls_version_used":"TLS_1_2","is_tls_version_supported":true,
"accepted_cipher_suites":[{"cipher_suite":{"name":"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384","openssl_name":"ECDHE-RSA-AES256-GCM-SHA384","is_anonymous":false,"key_size":256},"ephemeral_key":{"type_name":"ECDH","size":256,"curve_name":"prime256v1"}},
{"cipher_suite":{"name":"TLS_DHE_RSA_WITH_AES_128_CBC_SHA","key_size":128},"ephemeral_key":{"type_name":"DH","size":2048,"prime":"/////w=="}}],
"rejected_cipher_suites":[{"cipher_suite":{"name":"TLS_DH_anon_WITH_AES_128_CBC_SHA","key_size":128},"error_message":"TLS alert: handshake failure"}]}}}}],
"sslyze_url":"https://github.com/nabla-c0d3/sslyze","sslyze_version":"5.2.0"}"#;
        let p = parse(doc).unwrap();
        assert_eq!(p.targets.len(), 2);
        assert_eq!(
            p.targets[0].error.as_deref(),
            Some("Could not resolve bad.example")
        );
        let t = &p.targets[1];
        assert_eq!(
            (t.protocol.as_str(), t.port, t.tool.as_str()),
            ("smtp", Some(25), "sslyze 5.2.0")
        );
        assert_eq!(
            t.plugin_errors,
            ["ssl_3_0_cipher_suites: CONNECTIVITY_ISSUE"]
        );
        let rows: Vec<(&str, &str)> = t
            .probes
            .iter()
            .map(|p| (p.suite.as_deref().unwrap(), p.result.name()))
            .collect();
        assert_eq!(
            rows,
            [
                ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "accepted"),
                ("TLS_DH_anon_WITH_AES_128_CBC_SHA", "rejected"),
                ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "accepted"),
            ]
        );
        assert_eq!(t.probes[2].curve.as_deref(), Some("secp256r1"));
        assert_eq!(
            (t.probes[0].kex, t.probes[0].kex_bits),
            (Some("dh"), Some(2048))
        );
        assert!(t.probes[0].dh_prime_sha256.is_some());
        assert!(t.timestamp_us.is_some());
    }
}
