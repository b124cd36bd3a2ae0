//! sslyze `--json_out`, one document per run, in its three layouts:
//!
//! - 5.x/6.x: `{"date_scans_started", "invalid_server_strings":
//!   [{server_string, error_message}], "server_scan_results":
//!   [{server_location: {hostname, port, ip_address}, network_configuration:
//!   {tls_opportunistic_encryption}, connectivity_status, scan_result:
//!   {"tls_1_2_cipher_suites": {status, error_reason, result:
//!   {accepted_cipher_suites: [{cipher_suite: {name}, ephemeral_key}],
//!   rejected_cipher_suites: [{cipher_suite, error_message}]}}, …}}],
//!   "sslyze_version"}`;
//! - 3.x/4.x: the same results without the attempt wrapper
//!   (`server_info: {server_location, network_configuration}`,
//!   `scan_commands_results: {"tls_1_2_cipher_suites": {accepted_cipher_suites,
//!   rejected_cipher_suites}}`, `scan_commands_errors`), and
//!   `server_connectivity_errors` for the unreachable;
//! - 2.x: `{"accepted_targets": [{server_info: {hostname, port, ip_address,
//!   tls_wrapped_protocol}, commands_results: {"tlsv1_2":
//!   {accepted_cipher_list: [{openssl_name, key_size}], rejected_cipher_list:
//!   [{openssl_name, handshake_error_message}], errored_cipher_list,
//!   preferred_cipher}}}], "invalid_targets": [{"host:port": reason}]}`.
//!
//! Only 2.x reports the server's preferred suite.

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

/// Where 3.x/4.x keep the location and network settings.
#[derive(Deserialize)]
struct ServerInfo<'a> {
    #[serde(borrow)]
    server_location: Option<Location<'a>>,
    #[serde(borrow)]
    network_configuration: Option<Network<'a>>,
}

/// A 3.x/4.x scan command error.
#[derive(Deserialize)]
struct CommandError<'a> {
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ServerResult<'a> {
    #[serde(borrow)]
    server_location: Option<Location<'a>>,
    #[serde(borrow)]
    network_configuration: Option<Network<'a>>,
    #[serde(borrow)]
    server_info: Option<ServerInfo<'a>>,
    #[serde(borrow)]
    scan_commands_results: Option<BTreeMap<Cow<'a, str>, SuitesResult<'a>>>,
    #[serde(borrow)]
    scan_commands_errors: Option<BTreeMap<Cow<'a, str>, CommandError<'a>>>,
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
    server_connectivity_errors: Vec<Invalid<'a>>,
    #[serde(borrow, default)]
    server_scan_results: Vec<ServerResult<'a>>,
}

/// Messages of rejected suites that say the handshake failed on the
/// network, not that the server refused the suite: such a try is an
/// `error`, as sslyze 0.x listed it under `errors`.
const NETWORK_FAILURES: &[&str] = &["timed out"];

/// Is this JSON object an sslyze document (2.x, or 3.x to 6.x)?
pub fn is_document(has: impl Fn(&str) -> bool) -> bool {
    has("server_scan_results") || has("accepted_targets")
}

/// A 2.x suite entry: OpenSSL's name (the RFC name is not written).
#[derive(Deserialize)]
struct Suite2<'a> {
    #[serde(borrow)]
    openssl_name: Option<Cow<'a, str>>,
    key_size: Option<u16>,
    #[serde(borrow)]
    post_handshake_response: Option<Cow<'a, str>>,
    #[serde(borrow)]
    handshake_error_message: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Command2<'a> {
    #[serde(borrow, default)]
    accepted_cipher_list: Vec<Suite2<'a>>,
    #[serde(borrow, default)]
    rejected_cipher_list: Vec<Suite2<'a>>,
    #[serde(borrow, default)]
    errored_cipher_list: Vec<Suite2<'a>>,
    #[serde(borrow)]
    preferred_cipher: Option<Suite2<'a>>,
    #[serde(borrow, default)]
    received_certificate_chain: Vec<Certificate<'a>>,
}

#[derive(Deserialize)]
struct ServerInfo2<'a> {
    #[serde(borrow)]
    hostname: Option<Cow<'a, str>>,
    port: Option<u16>,
    #[serde(borrow)]
    ip_address: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tls_wrapped_protocol: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Target2<'a> {
    #[serde(borrow)]
    server_info: Option<ServerInfo2<'a>>,
    #[serde(borrow, default)]
    commands_results: BTreeMap<Cow<'a, str>, Command2<'a>>,
}

#[derive(Deserialize)]
struct Document2<'a> {
    #[serde(borrow)]
    sslyze_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    accepted_targets: Vec<Target2<'a>>,
    #[serde(borrow, default)]
    invalid_targets: Vec<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
}

/// Parses a 2.x document.
fn parse_v2(text: &str) -> Result<Parsed<'static>, RecordError> {
    let doc: Document2 = json::from_str(text)
        .map_err(|e| RecordError::new(format!("sslyze 2.x JSON: {}", super::short(&e))))?;
    let tool = format!("sslyze {}", doc.sslyze_version.as_deref().unwrap_or("2"));
    let mut targets = Vec::new();
    for bad in &doc.invalid_targets {
        for (given, reason) in bad {
            let (host, port) = match given.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().ok()),
                None => (given.to_string(), None),
            };
            let (protocol, tls_mode) = service(None, port);
            targets.push(EnumTarget {
                tool: tool.clone(),
                host: Some(host),
                port,
                protocol,
                tls_mode,
                error: Some(reason.to_string()),
                ..EnumTarget::default()
            });
        }
    }
    for target in &doc.accepted_targets {
        let info = target.server_info.as_ref();
        let port = info.and_then(|i| i.port);
        let wrapped = info.and_then(|i| i.tls_wrapped_protocol.as_deref());
        let (protocol, tls_mode) = service(Some(wrapped.unwrap_or("plain_tls")), port);
        let mut t = EnumTarget {
            tool: tool.clone(),
            host: info.and_then(|i| i.hostname.as_deref()).map(str::to_owned),
            ip: info
                .and_then(|i| i.ip_address.as_deref())
                .map(str::to_owned),
            port,
            protocol,
            tls_mode,
            ..EnumTarget::default()
        };
        for (command, result) in &target.commands_results {
            if command == "certinfo" {
                t.chain = result
                    .received_certificate_chain
                    .iter()
                    .filter_map(|c| c.as_pem.as_deref().and_then(pem_certificate))
                    .collect();
                continue;
            }
            let Some(v) = version(command) else {
                continue;
            };
            let preferred = result
                .preferred_cipher
                .as_ref()
                .and_then(|p| p.openssl_name.as_deref());
            let lists = [
                (&result.accepted_cipher_list, ProbeResult::Accepted),
                (&result.rejected_cipher_list, ProbeResult::Rejected),
                (&result.errored_cipher_list, ProbeResult::Error),
            ];
            for (list, outcome) in lists {
                for entry in list.iter() {
                    let name = entry.openssl_name.as_deref().map(str::to_owned);
                    let accepted = outcome == ProbeResult::Accepted;
                    t.probes.push(CipherProbe {
                        version: v,
                        cipher_id: name.as_deref().and_then(|n| suite_code(v, n)),
                        preferred: accepted && name.as_deref() == preferred && preferred.is_some(),
                        suite: name,
                        result: outcome,
                        detail: entry
                            .post_handshake_response
                            .as_deref()
                            .or(entry.handshake_error_message.as_deref())
                            .or(entry.error_message.as_deref())
                            .map(str::to_owned),
                        key_bits: entry.key_size.filter(|_| accepted),
                        kex: None,
                        kex_bits: None,
                        curve: None,
                        dh_prime_sha256: None,
                    });
                }
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

/// Parses one document, of any of the layouts.
pub fn parse(text: &str) -> Result<Parsed<'static>, RecordError> {
    if memchr::memmem::find(text.as_bytes(), b"\"accepted_targets\"").is_some() {
        return parse_v2(text);
    }
    let doc: Document = json::from_str(text)
        .map_err(|e| RecordError::new(format!("sslyze JSON: {}", super::short(&e))))?;
    let tool = format!("sslyze {}", doc.sslyze_version.as_deref().unwrap_or("5+"));
    let started = doc
        .date_scans_started
        .as_deref()
        .and_then(|d| parse_rfc3339_us(d).or_else(|| parse_rfc3339_us(&format!("{d}Z"))));
    let mut targets = Vec::new();
    for bad in doc
        .invalid_server_strings
        .iter()
        .chain(&doc.server_connectivity_errors)
    {
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
        let info = server.server_info.as_ref();
        let loc = server
            .server_location
            .as_ref()
            .or_else(|| info.and_then(|i| i.server_location.as_ref()));
        let port = loc.and_then(|l| l.port);
        let starttls = server
            .network_configuration
            .as_ref()
            .or_else(|| info.and_then(|i| i.network_configuration.as_ref()))
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
        // The commands' results, from the 5.x attempts or the 3.x/4.x map.
        let mut results: Vec<(&str, &SuitesResult)> = Vec::new();
        for (command, ScanCommand(attempt)) in server.scan_result.iter().flatten() {
            match attempt.status.as_deref() {
                Some("COMPLETED") => {
                    results.extend(attempt.result.as_ref().map(|r| (command.as_ref(), r)))
                }
                Some("NOT_SCHEDULED") | None => {}
                Some(other) => t.plugin_errors.push(format!(
                    "{command}: {}",
                    attempt.error_reason.as_deref().unwrap_or(other)
                )),
            }
        }
        for (command, result) in server.scan_commands_results.iter().flatten() {
            results.push((command.as_ref(), result));
        }
        for (command, error) in server.scan_commands_errors.iter().flatten() {
            t.plugin_errors.push(format!(
                "{command}: {}",
                error.reason.as_deref().unwrap_or("error")
            ));
        }
        for (command, result) in results {
            if command == "certificate_info" {
                // The first deployment's chain as received (a server may
                // send another for ECDSA; the first is the one kept).
                t.chain = result
                    .certificate_deployments
                    .first()
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

    #[test]
    fn the_4_x_and_2_x_layouts() {
        let v4 = r#"{"server_connectivity_errors":[{"server_string":"mx9.example:25","error_message":"Connection timed out"}],
"server_scan_results":[{"scan_commands":["tls_1_0_cipher_suites"],"scan_commands_errors":{"heartbleed":{"reason":"BUG_IN_SSLYZE","exception_trace":"..."}},
"scan_commands_results":{"tls_1_0_cipher_suites":{"tls_version_used":"TLS_1_0","accepted_cipher_suites":[{"cipher_suite":{"name":"TLS_RSA_WITH_RC4_128_SHA","openssl_name":"RC4-SHA","is_anonymous":false,"key_size":128},"ephemeral_key":null}],
"rejected_cipher_suites":[{"cipher_suite":{"name":"TLS_RSA_WITH_NULL_SHA","openssl_name":"NULL-SHA","is_anonymous":false,"key_size":0},"error_message":"TLS alert: handshake failure"}]}},
"server_info":{"server_location":{"hostname":"mx1.example.org","port":25,"ip_address":"192.0.2.25"},"network_configuration":{"tls_opportunistic_encryption":"SMTP"}}}],
"sslyze_url":"https://github.com/nabla-c0d3/sslyze","sslyze_version":"4.1.0","total_scan_time":3.5}"#;
        let p = parse(v4).unwrap();
        assert_eq!(p.targets.len(), 2);
        assert_eq!(p.targets[0].error.as_deref(), Some("Connection timed out"));
        let t = &p.targets[1];
        assert_eq!(
            (t.protocol.as_str(), t.ip.as_deref()),
            ("smtp", Some("192.0.2.25"))
        );
        assert_eq!(t.plugin_errors, ["heartbleed: BUG_IN_SSLYZE"]);
        let rows: Vec<(u16, Option<u32>, &str)> = t
            .probes
            .iter()
            .map(|p| (p.version, p.cipher_id, p.result.name()))
            .collect();
        assert_eq!(
            rows,
            [
                (0x0301, Some(0x0002), "rejected"),
                (0x0301, Some(0x0005), "accepted")
            ]
        );
        let v2 = r#"{"accepted_targets":[{"commands_results":{"tlsv1_2":{"accepted_cipher_list":[{"is_anonymous":false,"key_size":256,"openssl_name":"ECDHE-RSA-AES256-GCM-SHA384","post_handshake_response":"250 2.0.0 Ok","ssl_version":"TLSV1_2"},{"is_anonymous":false,"key_size":128,"openssl_name":"AES128-SHA","post_handshake_response":"250 2.0.0 Ok","ssl_version":"TLSV1_2"}],
"errored_cipher_list":[{"error_message":"timeout - timed out","is_anonymous":false,"openssl_name":"CAMELLIA256-SHA","ssl_version":"TLSV1_2"}],"preferred_cipher":{"is_anonymous":false,"key_size":256,"openssl_name":"ECDHE-RSA-AES256-GCM-SHA384","ssl_version":"TLSV1_2"},
"rejected_cipher_list":[{"handshake_error_message":"TLS / Alert: handshake failure","is_anonymous":true,"openssl_name":"ADH-AES128-SHA","ssl_version":"TLSV1_2"}]}},
"server_info":{"hostname":"mx1.example.org","ip_address":"192.0.2.25","port":25,"tls_wrapped_protocol":"STARTTLS_SMTP"}}],
"invalid_targets":[{"bad.example:25":"Could not resolve hostname"}],"sslyze_version":"2.1.4","total_scan_time":"2.0"}"#;
        let p = parse(v2).unwrap();
        assert_eq!(
            p.targets[0].error.as_deref(),
            Some("Could not resolve hostname")
        );
        let t = &p.targets[1];
        assert_eq!(
            (t.protocol.as_str(), t.tls_mode),
            ("smtp", Some(crate::record::TlsMode::Starttls))
        );
        let rows: Vec<(&str, &str, bool)> = t
            .probes
            .iter()
            .map(|p| (p.suite.as_deref().unwrap(), p.result.name(), p.preferred))
            .collect();
        assert_eq!(
            rows,
            [
                ("ADH-AES128-SHA", "rejected", false),
                ("AES128-SHA", "accepted", false),
                ("CAMELLIA256-SHA", "error", false),
                ("ECDHE-RSA-AES256-GCM-SHA384", "accepted", true),
            ]
        );
    }
}
