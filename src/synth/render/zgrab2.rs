//! ZGrab2: `{ip, data: {<module>: {status, protocol, result, timestamp, error}}}`.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::text::{texts, Texts};
use super::tls::{server_handshake, ServerHandshake};
use super::{failure, utc_time, SeriesInfo};
use crate::record::TlsMode;
use crate::synth::model::{Endpoint, Outcome};
use crate::synth::rng::Rng;

#[derive(Serialize)]
struct TlsLog<'a> {
    handshake_log: ServerHandshake<'a>,
}

#[derive(Serialize)]
struct ModuleResult<'a> {
    #[serde(flatten)]
    texts: Texts,
    #[serde(skip_serializing_if = "Option::is_none")]
    implicit_tls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<TlsLog<'a>>,
}

#[derive(Serialize)]
struct ScanResponse<'a> {
    status: &'static str,
    protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<ModuleResult<'a>>,
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Record<'a> {
    ip: String,
    data: BTreeMap<&'static str, ScanResponse<'a>>,
}

/// ZGrab2's status word for an outcome.
fn status(ep: &Endpoint) -> &'static str {
    match ep.outcome {
        Outcome::ConnectFailed if ep.ip.octets()[3] % 2 == 0 => "connection-refused",
        Outcome::ConnectFailed => "connection-timeout",
        Outcome::Timeout => "io-timeout",
        Outcome::BannerFailed => "connection-closed",
        Outcome::NoStarttls | Outcome::Stripped | Outcome::StarttlsRefused => "application-error",
        Outcome::HandshakeFailed => "handshake-error",
        Outcome::Ok if ep.late_error => "post-tls-application-error",
        Outcome::Ok => "success",
    }
}

/// One ZGrab2 record with the mail module's result.
pub fn write(ep: &Endpoint, s: &SeriesInfo, rng: &mut Rng, out: &mut Vec<u8>) -> Result<()> {
    let t = texts(ep, s.protocol, s.mode);
    let tls = ep.tls.as_ref().map(|session| TlsLog {
        handshake_log: server_handshake(session, rng),
    });
    let implicit_smtp = s.mode == TlsMode::Implicit && s.protocol == "smtp";
    let result = (t.any() || tls.is_some()).then(|| ModuleResult {
        texts: t,
        implicit_tls: implicit_smtp.then_some(true),
        tls,
    });
    let response = ScanResponse {
        status: status(ep),
        protocol: s.protocol,
        result,
        timestamp: utc_time(ep.time),
        error: failure(ep, s).map(|f| f.0),
    };
    let record = Record {
        ip: ep.ip.to_string(),
        data: BTreeMap::from([(s.protocol, response)]),
    };
    serde_json::to_writer(out, &record)?;
    Ok(())
}
