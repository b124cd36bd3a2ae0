//! ZDNS output: one lookup per JSON line. Version 2 (2024 on) nests each
//! module's result under `results.<MODULE>` (`{"name", "results": {"MX":
//! {"data": {…}, "status", "timestamp"}}}`); version 1 is flat (`{"name",
//! "status", "timestamp", "data": {…}}`). `data.answers[]` hold the
//! records (`{name, type, class, ttl, answer}`, with `preference` for MX and
//! `cert_usage`, `selector`, `matching_type`, `certificate` for TLSA);
//! the MXLOOKUP module gives `data.exchanges[]` with their addresses;
//! `data.flags.authenticated` is the DNSSEC AD bit where recorded.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::json;
use super::RecordError;
use crate::record::{DnsAnswer, Parsed};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize, Default)]
struct Flags {
    authenticated: Option<bool>,
}

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    answer: Option<Cow<'a, str>>,
    preference: Option<u16>,
    cert_usage: Option<u8>,
    selector: Option<u8>,
    matching_type: Option<u8>,
    #[serde(borrow)]
    certificate: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Exchange<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    preference: Option<u16>,
    #[serde(borrow, default)]
    ipv4_addresses: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    ipv6_addresses: Vec<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Data<'a> {
    #[serde(borrow, default)]
    answers: Vec<Answer<'a>>,
    #[serde(borrow, default)]
    exchanges: Vec<Exchange<'a>>,
    #[serde(borrow, default)]
    ipv4_addresses: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    ipv6_addresses: Vec<Cow<'a, str>>,
    flags: Option<Flags>,
}

/// One module's result (v2), or the whole record (v1).
#[derive(Deserialize)]
struct Result_<'a> {
    #[serde(borrow)]
    data: Option<Data<'a>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    results: Option<BTreeMap<Cow<'a, str>, Result_<'a>>>,
    // Version 1.
    #[serde(borrow)]
    data: Option<Data<'a>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    alexa_rank: Option<u32>,
}

/// Is `text` a ZDNS lookup: an object with a `name` and a `status` or
/// `results`, whatever else it holds?
pub fn is_lookup(text: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Keys<'a> {
        #[serde(borrow)]
        name: Option<Cow<'a, str>>,
        #[serde(borrow)]
        status: Option<Cow<'a, str>>,
        results: Option<serde::de::IgnoredAny>,
    }
    json::from_bytes::<Keys>(text)
        .is_ok_and(|k| k.name.is_some() && (k.status.is_some() || k.results.is_some()))
}

/// A DNS name as compared: lower case, without the trailing dot.
fn host(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Parses one ZDNS record into its answers: one row per answer, or one row
/// without an answer when the lookup gave none (its status says why).
pub fn parse(text: &str) -> Result<Parsed<'static>, RecordError> {
    let record: Record = json::from_str(text)
        .map_err(|e| RecordError::new(format!("ZDNS record: {}", super::short(&e))))?;
    let query = record
        .name
        .as_deref()
        .map(host)
        .ok_or_else(|| RecordError::new("ZDNS record without `name`"))?;
    let mut parsed = Parsed::default();
    let mut results: Vec<(String, Result_)> = Vec::new();
    if let Some(modules) = record.results {
        results.extend(
            modules
                .into_iter()
                .map(|(m, r)| (m.to_ascii_uppercase(), r)),
        );
    } else {
        results.push((
            String::new(),
            Result_ {
                data: record.data,
                status: record.status,
                timestamp: record.timestamp,
            },
        ));
    }
    for (module, result) in results {
        let base = DnsAnswer {
            query: query.clone(),
            module: (!module.is_empty()).then(|| module.clone()),
            status: result.status.as_deref().map(str::to_owned),
            timestamp_us: result.timestamp.as_deref().and_then(parse_rfc3339_us),
            rank: record.alexa_rank,
            ..DnsAnswer::default()
        };
        let data = result.data.unwrap_or_default();
        let authenticated = data.flags.as_ref().and_then(|f| f.authenticated);
        let base = DnsAnswer {
            authenticated,
            ..base
        };
        let before = parsed.dns.len();
        for a in &data.answers {
            let kind = a.kind.as_deref().map(str::to_ascii_uppercase);
            let value = match (kind.as_deref(), &a.answer, &a.certificate) {
                (Some("TLSA"), _, Some(cert)) => Some(cert.to_ascii_lowercase()),
                (Some("MX" | "CNAME" | "NS"), Some(v), _) => Some(host(v)),
                (_, Some(v), _) => Some(v.to_string()),
                _ => None,
            };
            parsed.dns.push(DnsAnswer {
                owner: a.name.as_deref().map(host),
                kind,
                value,
                preference: a.preference,
                tlsa: match (a.cert_usage, a.selector, a.matching_type) {
                    (Some(u), Some(s), Some(m)) => Some((u, s, m)),
                    _ => None,
                },
                ..base.clone()
            });
        }
        for x in &data.exchanges {
            let exchange = x.name.as_deref().map(host);
            parsed.dns.push(DnsAnswer {
                owner: Some(query.clone()),
                kind: Some("MX".into()),
                value: exchange.clone(),
                preference: x.preference,
                ..base.clone()
            });
            for (kind, list) in [("A", &x.ipv4_addresses), ("AAAA", &x.ipv6_addresses)] {
                for address in list.iter() {
                    parsed.dns.push(DnsAnswer {
                        owner: exchange.clone(),
                        kind: Some(kind.into()),
                        value: Some(address.to_string()),
                        ..base.clone()
                    });
                }
            }
        }
        for (kind, list) in [("A", &data.ipv4_addresses), ("AAAA", &data.ipv6_addresses)] {
            for address in list.iter() {
                parsed.dns.push(DnsAnswer {
                    owner: Some(query.clone()),
                    kind: Some(kind.into()),
                    value: Some(address.to_string()),
                    ..base.clone()
                });
            }
        }
        if parsed.dns.len() == before {
            parsed.dns.push(base);
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_2_modules_and_version_1_lookups() {
        let v2 = r#"{"name":"Example.com","results":{"MX":{"data":{"answers":[{"answer":"mx1.example.com.","class":"IN","name":"example.com","preference":10,"ttl":300,"type":"MX"}],"flags":{"authenticated":true}},"status":"NOERROR","timestamp":"2024-08-23T13:12:43-04:00"},"TLSA":{"data":{"answers":[{"type":"TLSA","class":"IN","name":"_25._tcp.mx1.example.com","cert_usage":3,"selector":1,"matching_type":1,"certificate":"ABCD","ttl":60}]},"status":"NOERROR"}}}"#;
        let p = parse(v2).unwrap();
        assert_eq!(p.dns.len(), 2);
        let mx = &p.dns[0];
        assert_eq!(
            (mx.query.as_str(), mx.module.as_deref(), mx.kind.as_deref()),
            ("example.com", Some("MX"), Some("MX"))
        );
        assert_eq!(
            (mx.value.as_deref(), mx.preference, mx.authenticated),
            (Some("mx1.example.com"), Some(10), Some(true))
        );
        assert!(mx.timestamp_us.is_some());
        let tlsa = &p.dns[1];
        assert_eq!(
            (tlsa.tlsa, tlsa.value.as_deref()),
            (Some((3, 1, 1)), Some("abcd"))
        );
        assert_eq!(tlsa.authenticated, None, "not recorded is not false");
        let v1 = r#"{"name":"example.org","status":"NOERROR","timestamp":"2019-01-01T00:00:00Z","alexa_rank":7,"data":{"exchanges":[{"name":"mx.example.org","type":"MX","preference":5,"ipv4_addresses":["192.0.2.1"],"ipv6_addresses":["2001:db8::1"]}]}}"#;
        let p = parse(v1).unwrap();
        let kinds: Vec<&str> = p.dns.iter().map(|d| d.kind.as_deref().unwrap()).collect();
        assert_eq!(kinds, ["MX", "A", "AAAA"]);
        assert_eq!(p.dns[1].owner.as_deref(), Some("mx.example.org"));
        assert_eq!(p.dns[0].rank, Some(7));
        let failed = parse(
            r#"{"name":"gone.example","status":"NXDOMAIN","timestamp":"2019-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(failed.dns.len(), 1);
        assert_eq!(
            (
                failed.dns[0].status.as_deref(),
                failed.dns[0].kind.as_deref()
            ),
            (Some("NXDOMAIN"), None)
        );
        assert!(parse(r#"{"status":"NOERROR"}"#).is_err());
    }
}
