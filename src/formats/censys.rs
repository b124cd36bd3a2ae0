//! Censys IPv4 host records (ztag output): one document per host with one
//! sub-document per port, keyed `"25"` in JSON exports or `p25` in BigQuery:
//! `p25.smtp.starttls.{banner,ehlo,starttls,tls}`, `p993.imaps.tls.{banner,tls}`.
//!
//! Censys only keeps services that answered; `tls` is ztag's flattened
//! handshake (wrapped with the banner for mail services, the whole service
//! for HTTPS) and certificates carry `parsed`, with or without DER (`raw`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::draft::Draft;
use super::envelope::Envelope;
use super::handshake::HandshakeLog;
use super::json::KeyText;
use super::mail;
use super::{Raw, RecordError};
use crate::record::{FactSource, Parsed, TlsMode};
use crate::time::parse_rfc3339_us;

/// One TLS service of a port document.
#[derive(Deserialize, Default)]
pub struct Service<'a> {
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

/// A port document: its TLS services (protocol, mode, service) and the
/// number of other services (SSH banners, HTTP GETs…), which are skipped.
#[derive(Default)]
pub struct PortServices<'a> {
    services: Vec<(Cow<'a, str>, TlsMode, Service<'a>)>,
    ignored: u32,
}

impl<'de: 'a, 'a> Deserialize<'de> for PortServices<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Protocols<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Protocols<'a> {
            type Value = PortServices<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of protocols")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PortServices<'a>, A::Error> {
                let mut out = PortServices::default();
                while let Some(KeyText(protocol)) = map.next_key::<KeyText<'de>>()? {
                    let subs = map.next_value::<SubProtocols<'a>>()?;
                    out.ignored += subs.ignored;
                    for (mode, service) in subs.services {
                        out.services.push((protocol.clone(), mode, service));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Protocols(std::marker::PhantomData))
    }
}

#[derive(Default)]
struct SubProtocols<'a> {
    services: Vec<(TlsMode, Service<'a>)>,
    ignored: u32,
}

impl<'de: 'a, 'a> Deserialize<'de> for SubProtocols<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = SubProtocols<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of sub-protocols")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<SubProtocols<'a>, A::Error> {
                let mut out = SubProtocols::default();
                while let Some(KeyText(sub)) = map.next_key::<KeyText<'de>>()? {
                    match sub_protocol_mode(&sub) {
                        Some(TlsMode::Implicit) => {
                            let raw: Raw<'a> = map.next_value()?;
                            let service = implicit_service(raw).map_err(A::Error::custom)?;
                            out.services.push((TlsMode::Implicit, service));
                        }
                        Some(mode) => out.services.push((mode, map.next_value()?)),
                        None => {
                            map.next_value::<IgnoredAny>()?;
                            out.ignored += 1;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// An implicit-TLS service: mail services wrap the handshake
/// (`"993": {"imaps": {"tls": {"banner": …, "tls": {…}}}}`), while ztag's
/// HTTPS (and other non-mail) services are the handshake itself
/// (`"443": {"https": {"tls": {"version": …, "cipher_suite": …}}}`).
fn implicit_service(raw: Raw<'_>) -> Result<Service<'_>, String> {
    let what = |e: super::json::Error| format!("`tls` service: {}", super::short(&e));
    let mut service: Service = super::json::from_str(raw.0).map_err(what)?;
    if service.tls.is_none() {
        let handshake: HandshakeLog = super::json::from_str(raw.0).map_err(what)?;
        if handshake.seen() {
            service.tls = Some(handshake);
        }
    }
    Ok(service)
}

/// Turns a host record into one handshake per TLS service.
pub fn parse<'a>(env: Envelope<'a>) -> Result<Parsed<'a>, RecordError> {
    let mut parsed = Parsed::default();
    let mut ports = env.ports;
    ports.sort_by_key(|(port, _)| *port);
    for (port, services) in ports {
        parsed.ignored_services += services.ignored;
        for (proto_name, sub_mode, service) in services.services {
            let (protocol, alias_mode) = mail::resolve(&proto_name);
            let mode = match sub_mode {
                TlsMode::Implicit => TlsMode::Implicit,
                TlsMode::Starttls => alias_mode.unwrap_or(TlsMode::Starttls),
            };
            let mut draft = Draft::new(
                (port, FactSource::Record),
                Cow::Owned(protocol.to_owned()),
                mode,
            );
            draft.ip = env.ip.clone();
            draft.timestamp_us = service
                .timestamp
                .as_deref()
                .or(env.updated_at.as_deref())
                .and_then(parse_rfc3339_us);
            draft.banner = service.banner;
            draft.ehlo = service.ehlo;
            draft.starttls_reply = service.starttls;
            draft.handshake = service.tls;
            parsed.handshakes.push(draft.finish()?);
        }
    }
    Ok(parsed)
}
