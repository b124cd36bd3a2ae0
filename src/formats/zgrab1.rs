//! ZGrab 1: the event-log layout of eras A/B (`{host,time,log[]}`) and the
//! flat layout of eras C/D (`{ip,timestamp,data:{banner,ehlo,starttls,tls}}`).
//!
//! ZGrab 1 records carry no port; it comes from the file name or `--port`.

use std::borrow::Cow;

use serde::Deserialize;

use super::draft::Draft;
use super::envelope::{Envelope, FlatData};
use super::handshake::HandshakeLog;
use super::outcome::Stage;
use super::{lazy, Context, Raw, RecordError};
use crate::record::{Layout, Parsed, TlsMode};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize)]
struct LogEntry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    data: Option<Raw<'a>>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct MailText<'a> {
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
    #[serde(borrow)]
    response: Option<Cow<'a, str>>,
}

fn resolve_protocol_mode(
    ctx: &Context,
    record_protocol: Option<&'static str>,
    record_mode: Option<TlsMode>,
) -> Result<(String, TlsMode), RecordError> {
    let protocol = match ctx.protocol().or(record_protocol) {
        Some(p) => p.to_owned(),
        None => ctx.require_protocol()?.to_owned(),
    };
    let mode = ctx.mode().or(record_mode).ok_or_else(|| {
        RecordError::new(
            "no TLS mode: the record shows neither STARTTLS nor a TLS handshake and the file \
             name does not say; pass --tls-mode starttls|implicit",
        )
    })?;
    Ok((protocol, mode))
}

/// Eras A and B: one `log` entry per protocol step, each with its own error.
pub fn parse_event_log<'a>(
    env: Envelope<'a>,
    ctx: &Context,
) -> Result<(Layout, Parsed<'a>), RecordError> {
    let entries: Vec<LogEntry<'a>> = match &env.log {
        Some(log) => lazy(log, "log")?,
        None => Vec::new(),
    };
    let port = ctx.require_port()?;
    let mut banner = None;
    let mut ehlo = None;
    let mut starttls = None;
    let mut handshake: Option<HandshakeLog<'a>> = None;
    let mut failed: Option<(Stage, Cow<'a, str>, Cow<'a, str>)> = None;
    let mut era = Layout::Zgrab1EraA;
    let mut saw_starttls = false;
    let mut saw_tls = false;
    for entry in &entries {
        match entry.kind.as_ref() {
            "tls_handshake" => {
                saw_tls = true;
                if let Some(data) = &entry.data {
                    if data.0.contains("\"cipher_suite\":{") {
                        era = Layout::Zgrab1EraB;
                    }
                    handshake = Some(lazy(data, "log[].tls_handshake.data")?);
                }
            }
            "mail_banner" | "ehlo" | "starttls" => {
                let text: MailText<'a> = match &entry.data {
                    Some(d) => lazy(d, "log[].data")?,
                    None => MailText::default(),
                };
                match entry.kind.as_ref() {
                    "mail_banner" => banner = text.banner.or(text.response),
                    "ehlo" => ehlo = text.response,
                    _ => {
                        saw_starttls = true;
                        starttls = text.response;
                    }
                }
            }
            _ => {}
        }
        if let (Some(err), None) = (&entry.error, &failed) {
            failed = Some((
                Stage::from_zgrab1(&entry.kind),
                entry.kind.clone(),
                err.clone(),
            ));
        }
    }
    let record_mode = if saw_starttls {
        Some(TlsMode::Starttls)
    } else if saw_tls {
        Some(TlsMode::Implicit)
    } else {
        None
    };
    let record_protocol = ehlo.as_ref().map(|_| "smtp");
    let (protocol, mode) = resolve_protocol_mode(ctx, record_protocol, record_mode)?;
    let mut draft = Draft::new(port, Cow::Owned(protocol), mode);
    draft.ip = env.host;
    draft.domain = env.domain;
    draft.timestamp_us = env.time.as_deref().and_then(parse_rfc3339_us);
    if let Some((stage, component, error)) = failed {
        draft.failed_stage = Some(stage);
        draft.scanner_status = Some(component);
        draft.error = Some(error);
    }
    draft.banner = banner;
    draft.ehlo = ehlo;
    draft.starttls_reply = starttls;
    draft.handshake = handshake;
    let parsed = Parsed {
        handshakes: vec![draft.finish()?],
        ..Parsed::default()
    };
    Ok((era, parsed))
}

/// Eras C and D: `data.{banner,ehlo,starttls,tls}`, one `error_component`.
pub fn parse_flat<'a>(
    env: Envelope<'a>,
    data: FlatData<'a>,
    ctx: &Context,
) -> Result<Parsed<'a>, RecordError> {
    let port = ctx.require_port()?;
    let record_mode = if data.starttls.is_some() {
        Some(TlsMode::Starttls)
    } else if data.tls.is_some() {
        Some(TlsMode::Implicit)
    } else {
        None
    };
    let record_protocol = (data.ehlo.is_some() || data.smtp_help).then_some("smtp");
    let (protocol, mode) = resolve_protocol_mode(ctx, record_protocol, record_mode)?;
    let mut draft = Draft::new(port, Cow::Owned(protocol), mode);
    draft.ip = env.ip;
    draft.domain = env.domain;
    draft.timestamp_us = env.timestamp.as_deref().and_then(parse_rfc3339_us);
    draft.error = env.error;
    draft.scanner_status = env.error_component;
    draft.failed_stage = draft.scanner_status.as_deref().map(Stage::from_zgrab1);
    if draft.failed_stage.is_none() && draft.error.is_some() {
        draft.failed_stage = Some(Stage::Other);
    }
    draft.banner = data.banner;
    draft.ehlo = data.ehlo;
    draft.starttls_reply = data.starttls;
    draft.handshake = data.tls;
    Ok(Parsed {
        handshakes: vec![draft.finish()?],
        ..Parsed::default()
    })
}
