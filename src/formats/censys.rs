//! Censys IPv4 host records (ztag output): one document per host with one
//! sub-document per port, keyed `"25"` in JSON exports or `p25` in BigQuery:
//! `p25.smtp.starttls.{banner,ehlo,starttls,tls}`, `p993.imaps.tls.{banner,tls}`.
//!
//! Censys only keeps services that answered; `tls` is ztag's flattened
//! handshake and certificates carry `parsed` but no DER.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::draft::Draft;
use super::handshake::HandshakeLog;
use super::mail;
use super::{field, lazy, port_key, Raw, RecordError, TopLevel};
use crate::record::{FactSource, Parsed, TlsMode};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize, Default)]
struct Service<'a> {
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ehlo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    starttls: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tls: Option<HandshakeLog<'a>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
}

/// The sub-protocols that are TLS scans: `starttls` upgrades, `tls` is implicit.
fn sub_protocol_mode(name: &str) -> Option<TlsMode> {
    match name {
        "starttls" => Some(TlsMode::Starttls),
        "tls" => Some(TlsMode::Implicit),
        _ => None,
    }
}

/// Parses one host record into one handshake per TLS service.
pub fn parse<'a>(top: &TopLevel<'a>) -> Result<Parsed<'a>, RecordError> {
    let ip: Option<Cow<'a, str>> = field(top, "ip")?;
    let updated: Option<Cow<'a, str>> = field(top, "updated_at")?;
    let mut parsed = Parsed::default();
    let mut ports: Vec<(u16, &str, &Raw<'a>)> = top
        .iter()
        .filter_map(|(k, v)| port_key(k).map(|p| (p, *k, v)))
        .collect();
    ports.sort_unstable_by_key(|(p, k, _)| (*p, *k));
    for (port, key, value) in ports {
        let protocols: BTreeMap<&'a str, BTreeMap<&'a str, Raw<'a>>> = lazy(value, key)?;
        for (proto_name, subs) in &protocols {
            for (sub_name, service) in subs {
                let Some(sub_mode) = sub_protocol_mode(sub_name) else {
                    parsed.ignored_services += 1;
                    continue;
                };
                let (protocol, alias_mode) = mail::resolve(proto_name);
                let mode = if sub_mode == TlsMode::Implicit {
                    sub_mode
                } else {
                    alias_mode.unwrap_or(sub_mode)
                };
                let service: Service<'a> = lazy(service, "service")?;
                let mut draft = Draft::new(
                    (port, FactSource::Record),
                    Cow::Owned(protocol.to_owned()),
                    mode,
                );
                draft.ip = ip.clone();
                draft.timestamp_us = service
                    .timestamp
                    .as_deref()
                    .or(updated.as_deref())
                    .and_then(parse_rfc3339_us);
                draft.banner = service.banner;
                draft.ehlo = service.ehlo;
                draft.starttls_reply = service.starttls;
                draft.handshake = service.tls;
                parsed.handshakes.push(draft.finish()?);
            }
        }
    }
    Ok(parsed)
}
