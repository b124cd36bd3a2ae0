//! ZGrab2: `{ip, port?, domain?, data: {<scan name>: {status, protocol, result, timestamp, error}}}`.
//!
//! The scan name is arbitrary (`smtp`, `smtp587`); `protocol` inside says
//! which module wrote the result. Mail modules keep the STARTTLS exchange in
//! `result`, the handshake in `result.tls.handshake_log`; other modules keep
//! their own protocol name and the same TLS facts.

use std::borrow::Cow;

use serde::Deserialize;

use super::draft::Draft;
use super::envelope::Envelope;
use super::handshake::HandshakeLog;
use super::mail;
use super::outcome::Stage;
use super::{Context, RecordError};
use crate::record::{FactSource, Parsed};
use crate::time::parse_rfc3339_us;

/// One scan's response under `data`.
#[derive(Deserialize)]
pub struct ScanResponse<'a> {
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    protocol: Option<Cow<'a, str>>,
    port: Option<u16>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow)]
    result: Option<ModuleResult<'a>>,
}

impl ScanResponse<'_> {
    /// Has the `status` and `protocol` every ZGrab2 response carries.
    pub fn is_response(&self) -> bool {
        self.status.is_some() && self.protocol.is_some()
    }
}

#[derive(Deserialize, Default)]
struct TlsLog<'a> {
    #[serde(borrow)]
    handshake_log: Option<HandshakeLog<'a>>,
    handshake_completed_successfully: Option<bool>,
}

#[derive(Deserialize, Default)]
struct HttpRequest<'a> {
    #[serde(borrow)]
    tls_log: Option<TlsLog<'a>>,
}

#[derive(Deserialize, Default)]
struct HttpResponse<'a> {
    #[serde(borrow)]
    request: Option<HttpRequest<'a>>,
}

/// The fields of any module's result that we read (mail modules, FTP, HTTP, the `tls` module).
#[derive(Deserialize, Default)]
pub struct ModuleResult<'a> {
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ehlo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    helo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    starttls: Option<Cow<'a, str>>,
    /// FTP's reply to `AUTH TLS`.
    #[serde(borrow)]
    auth_tls: Option<Cow<'a, str>>,
    implicit_tls: Option<bool>,
    #[serde(borrow)]
    tls: Option<TlsLog<'a>>,
    /// The `tls` module's result is the TLS log itself.
    #[serde(borrow)]
    handshake_log: Option<HandshakeLog<'a>>,
    handshake_completed_successfully: Option<bool>,
    #[serde(borrow)]
    response: Option<HttpResponse<'a>>,
}

/// Maps a ZGrab2 status to the failed stage, whether it was a timeout, and
/// whether the target was skipped.
fn stage_of(status: &str, has_banner: bool, tls_seen: bool) -> (Option<Stage>, bool, bool) {
    let early = if has_banner {
        Stage::Other
    } else {
        Stage::Banner
    };
    match status {
        "success" | "post-tls-application-error" => (None, false, false),
        "connection-refused" => (Some(Stage::Connect), false, false),
        "connection-timeout" => (Some(Stage::Connect), true, false),
        "handshake-error" => (Some(Stage::Tls), false, false),
        "io-timeout" if tls_seen => (Some(Stage::Tls), true, false),
        "io-timeout" => (Some(early), true, false),
        "connection-closed" | "protocol-error" | "unknown-error" if tls_seen => {
            (Some(Stage::Tls), false, false)
        }
        "connection-closed" | "protocol-error" | "unknown-error" => (Some(early), false, false),
        "application-error" => (Some(Stage::Other), false, false),
        "invalid-inputs" | "blocklisted-target" | "blacklisted-target" => (None, false, true),
        _ => (Some(Stage::Other), false, false),
    }
}

/// Turns a ZGrab2 record into one handshake per scan response.
pub fn parse<'a>(
    env: Envelope<'a>,
    scans: Vec<(Cow<'a, str>, ScanResponse<'a>)>,
    ctx: &Context,
) -> Result<Parsed<'a>, RecordError> {
    let mut parsed = Parsed::default();
    for (_name, scan) in scans {
        let result = scan.result.unwrap_or_default();
        let status = scan.status.unwrap_or_default();
        let port = match scan.port.or(env.port) {
            Some(p) => (p, FactSource::Record),
            None => ctx.require_port()?,
        };
        let (protocol, alias_mode) = mail::resolve(scan.protocol.as_deref().unwrap_or_default());
        let protocol = protocol.to_owned();
        let mode = match result.implicit_tls {
            Some(true) => crate::record::TlsMode::Implicit,
            _ => ctx
                .mode()
                .filter(|_| ctx.protocol() == Some(protocol.as_str()))
                .or(alias_mode)
                .unwrap_or_else(|| mail::default_mode(&protocol)),
        };
        let tls_log = result.tls.or(result
            .response
            .and_then(|r| r.request)
            .and_then(|r| r.tls_log));
        let (handshake, verdict) = match tls_log {
            Some(t) => (t.handshake_log, t.handshake_completed_successfully),
            None => (
                result.handshake_log,
                result.handshake_completed_successfully,
            ),
        };
        let tls_seen = handshake.as_ref().is_some_and(HandshakeLog::seen);
        let (stage, timed_out, skipped) = stage_of(&status, result.banner.is_some(), tls_seen);
        let ok_status = matches!(status.as_ref(), "success" | "post-tls-application-error");
        let mut draft = Draft::new(port, Cow::Owned(protocol), mode);
        draft.ip = env.ip.clone();
        draft.domain = env.domain.clone();
        draft.timestamp_us = scan.timestamp.as_deref().and_then(parse_rfc3339_us);
        draft.error = scan.error;
        draft.scanner_status = Some(status);
        draft.banner = result.banner;
        draft.ehlo = result.ehlo.or(result.helo);
        draft.starttls_reply = result.starttls.or(result.auth_tls);
        draft.failed_stage = stage;
        draft.timed_out = timed_out;
        draft.skipped = skipped;
        draft.handshake = handshake;
        draft.handshake_verdict = Some(verdict.unwrap_or(ok_status) && ok_status);
        parsed.handshakes.push(draft.finish()?);
    }
    Ok(parsed)
}
