//! Mozilla cipherscan `-j`: one JSON object per run, `{"target":
//! "host:port", "utctimestamp", "serverside", "ciphersuite": [{"cipher",
//! "protocols": [...], "pfs": "ECDH,P-256,256bits" | "DH,1024bits" |
//! "None", …}]}`, every value a string (booleans too). cipherscan walks
//! the server's order, so with `serverside` "True" the first suite listed
//! for a version is the one the server prefers. Only accepted suites are
//! listed: rejections are not recorded.

use std::borrow::Cow;

use serde::Deserialize;

use super::enumeration::{service, suite_code, version};
use super::{json, RecordError};
use crate::record::{CipherProbe, EnumTarget, Parsed, ProbeResult};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize)]
struct Suite<'a> {
    #[serde(borrow)]
    cipher: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    protocols: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    pfs: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Run<'a> {
    #[serde(borrow)]
    target: Option<Cow<'a, str>>,
    #[serde(borrow)]
    utctimestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    serverside: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ciphersuite: Vec<Suite<'a>>,
}

/// Is this JSON object a cipherscan run (`target` and `ciphersuite`)?
pub fn is_run(has: impl Fn(&str) -> bool) -> bool {
    has("target") && has("ciphersuite")
}

/// OpenSSL's short curve names, as `Server Temp Key` prints them.
const CURVE_NAMES: &[(&str, &str)] = &[
    ("P-256", "secp256r1"),
    ("P-384", "secp384r1"),
    ("P-521", "secp521r1"),
    ("P-224", "secp224r1"),
    ("X25519", "x25519"),
    ("X448", "x448"),
];

/// `ECDH,P-256,256bits` → (kex, curve, bits).
fn temp_key(pfs: &str) -> (Option<&'static str>, Option<String>, Option<u32>) {
    let parts: Vec<&str> = pfs.split(',').map(str::trim).collect();
    let bits = parts
        .last()
        .and_then(|b| b.strip_suffix("bits"))
        .and_then(|b| b.trim().parse().ok());
    match parts.first().copied() {
        Some("ECDH") => {
            let curve = parts.get(1).filter(|c| !c.ends_with("bits")).map(|c| {
                CURVE_NAMES
                    .iter()
                    .find(|(short, _)| short == c)
                    .map_or_else(|| (*c).to_owned(), |(_, long)| (*long).to_owned())
            });
            (Some("ecdh"), curve, bits)
        }
        Some("DH") => (Some("dh"), None, bits),
        _ => (None, None, None),
    }
}

/// Parses one run.
pub fn parse(text: &str) -> Result<Parsed<'static>, RecordError> {
    let run: Run = json::from_str(text)
        .map_err(|e| RecordError::new(format!("cipherscan run: {}", super::short(&e))))?;
    let target = run
        .target
        .as_deref()
        .ok_or_else(|| RecordError::new("cipherscan run without `target`"))?;
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) => (h.to_owned(), p.parse::<u16>().ok()),
        None => (target.to_owned(), Some(443)),
    };
    let (protocol, tls_mode) = service(None, port);
    let server_order = run.serverside.as_deref() == Some("True");
    let mut probes: Vec<CipherProbe> = Vec::new();
    for s in &run.ciphersuite {
        let Some(name) = s.cipher.as_deref() else {
            continue;
        };
        let (kex, curve, kex_bits) = s.pfs.as_deref().map_or((None, None, None), temp_key);
        for p in &s.protocols {
            let Some(v) = version(p) else {
                return Err(RecordError::new(format!(
                    "cipherscan protocol {p:?} is none of SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"
                )));
            };
            let first_for_version = !probes.iter().any(|q| q.version == v);
            probes.push(CipherProbe {
                version: v,
                suite: Some(name.to_owned()),
                cipher_id: suite_code(v, name),
                result: ProbeResult::Accepted,
                preferred: server_order && first_for_version,
                detail: None,
                key_bits: None,
                kex,
                kex_bits,
                curve: curve.clone(),
                dh_prime_sha256: None,
            });
        }
    }
    probes.sort_by_key(|p| p.version);
    Ok(Parsed {
        targets: vec![EnumTarget {
            tool: "cipherscan".into(),
            host: Some(host),
            port,
            protocol,
            tls_mode,
            timestamp_us: run.utctimestamp.as_deref().and_then(parse_rfc3339_us),
            probes,
            ..EnumTarget::default()
        }],
        ..Parsed::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_by_version_in_server_order() {
        let run = r#"{"target":"mx1.example.org:25","utctimestamp":"2015-06-17T08:00:00.0Z","serverside":"True","ciphersuite": [{"cipher":"ECDHE-RSA-AES256-GCM-SHA384","protocols":["TLSv1.2"],"pfs":"ECDH,P-256,256bits"},{"cipher":"DHE-RSA-AES128-SHA","protocols":["TLSv1","TLSv1.1","TLSv1.2"],"pfs":"DH,1024bits"},{"cipher":"AES128-SHA","protocols":["SSLv3","TLSv1"],"pfs":"None"}],"curves_fallback":"False"}"#;
        let p = parse(run).unwrap();
        let t = &p.targets[0];
        assert_eq!((t.port, t.protocol.as_str()), (Some(25), "smtp"));
        assert!(t.timestamp_us.is_some());
        let rows: Vec<(u16, &str, bool)> = t
            .probes
            .iter()
            .map(|p| (p.version, p.suite.as_deref().unwrap(), p.preferred))
            .collect();
        assert_eq!(
            rows,
            [
                (0x0300, "AES128-SHA", true),
                (0x0301, "DHE-RSA-AES128-SHA", true),
                (0x0301, "AES128-SHA", false),
                (0x0302, "DHE-RSA-AES128-SHA", true),
                (0x0303, "ECDHE-RSA-AES256-GCM-SHA384", true),
                (0x0303, "DHE-RSA-AES128-SHA", false),
            ]
        );
        let ecdhe = &t.probes[4];
        assert_eq!(
            (ecdhe.kex, ecdhe.curve.as_deref(), ecdhe.kex_bits),
            (Some("ecdh"), Some("secp256r1"), Some(256))
        );
        assert_eq!(
            (t.probes[1].kex, t.probes[1].kex_bits),
            (Some("dh"), Some(1024))
        );
        assert!(
            parse(r#"{"target":"a:1","ciphersuite":[{"cipher":"X","protocols":["TLSv9"]}]}"#)
                .is_err()
        );
    }
}
