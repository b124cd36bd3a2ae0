//! Rapid7 Project Sonar forward DNS (`fdns_*.json.gz`): one answer per
//! line, `{"timestamp": "<unix seconds>", "name", "type", "value"}`, with
//! lower-case types (`a`, `aaaa`, `mx`, `txt`, `cname`…). An `mx` value may
//! carry its preference in front (`10 mx.example.com`) or not; a `txt` value
//! may keep its quotes. Sonar records no DNSSEC flag.

use std::borrow::Cow;

use serde::Deserialize;

use super::json;
use super::RecordError;
use crate::record::{DnsAnswer, Parsed};

#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    value: Option<Cow<'a, str>>,
}

/// Is this JSON object a Sonar answer (`name`, `type` and `value`, no address)?
pub fn is_answer(has: impl Fn(&str) -> bool) -> bool {
    has("name") && has("type") && has("value") && !has("ip")
}

fn host(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Parses one answer.
pub fn parse(text: &str) -> Result<Parsed<'static>, RecordError> {
    let a: Answer = json::from_str(text)
        .map_err(|e| RecordError::new(format!("Sonar DNS answer: {}", super::short(&e))))?;
    let (Some(name), Some(kind), Some(value)) = (a.name, a.kind, a.value) else {
        return Err(RecordError::new(
            "Sonar DNS answer without `name`, `type` or `value`",
        ));
    };
    let timestamp_us = match a.timestamp.as_deref() {
        None => None,
        Some(t) => Some(
            t.trim()
                .parse::<i64>()
                .ok()
                .and_then(|s| s.checked_mul(1_000_000))
                .ok_or_else(|| {
                    RecordError::new(format!("Sonar timestamp {t:?} is not Unix seconds"))
                })?,
        ),
    };
    let kind = kind.to_ascii_uppercase();
    let name = host(&name);
    let (value, preference) = match kind.as_str() {
        "MX" => match value.trim().split_once(' ') {
            Some((pref, exchange)) if pref.bytes().all(|b| b.is_ascii_digit()) => {
                let pref = pref.parse::<u16>().map_err(|_| {
                    RecordError::new(format!("MX preference {pref:?} is not 0–65535"))
                })?;
                (host(exchange), Some(pref))
            }
            _ => (host(&value), None),
        },
        "CNAME" | "NS" => (host(&value), None),
        "TXT" => (value.trim().trim_matches('"').to_owned(), None),
        _ => (value.trim().to_owned(), None),
    };
    if value.is_empty() {
        return Err(RecordError::new(format!(
            "Sonar {kind} answer with an empty value"
        )));
    }
    Ok(Parsed {
        dns: vec![DnsAnswer {
            query: name.clone(),
            module: None,
            status: Some("NOERROR".into()),
            timestamp_us,
            authenticated: None,
            rank: None,
            owner: Some(name),
            kind: Some(kind),
            value: Some(value),
            preference,
            tlsa: None,
        }],
        ..Parsed::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_each_kind() {
        let mx = parse(r#"{"timestamp":"1506039047","name":"Example.com","type":"mx","value":"10 mx1.example.com."}"#).unwrap();
        let a = &mx.dns[0];
        assert_eq!(
            (
                a.query.as_str(),
                a.kind.as_deref(),
                a.value.as_deref(),
                a.preference
            ),
            ("example.com", Some("MX"), Some("mx1.example.com"), Some(10))
        );
        assert_eq!(a.timestamp_us, Some(1_506_039_047_000_000));
        assert_eq!(a.authenticated, None, "Sonar does not record DNSSEC");
        let bare =
            parse(r#"{"timestamp":"1","name":"e.org","type":"mx","value":"mx.e.org"}"#).unwrap();
        assert_eq!(
            (bare.dns[0].value.as_deref(), bare.dns[0].preference),
            (Some("mx.e.org"), None)
        );
        let txt = parse(r#"{"timestamp":"1","name":"_mta-sts.e.org","type":"txt","value":"\"v=STSv1; id=20240101\""}"#).unwrap();
        assert_eq!(txt.dns[0].value.as_deref(), Some("v=STSv1; id=20240101"));
        assert!(
            parse(r#"{"timestamp":"soon","name":"e.org","type":"a","value":"192.0.2.1"}"#).is_err()
        );
        assert!(
            parse(r#"{"timestamp":"1","name":"e.org","type":"mx","value":"99999 mx.e.org"}"#)
                .is_err()
        );
    }
}
