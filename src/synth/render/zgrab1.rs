//! ZGrab 1: flat records (eras C/D) and event-log records (era A).

use anyhow::Result;
use serde::Serialize;

use super::text::{texts, Texts};
use super::tls::{era_a_handshake, server_handshake, EraAHandshake, ServerHandshake};
use super::{failure, local_time, SeriesInfo};
use crate::record::TlsMode;
use crate::synth::model::{Endpoint, Outcome};
use crate::synth::rng::Rng;

#[derive(Serialize)]
struct FlatData<'a> {
    #[serde(flatten)]
    texts: Texts,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<ServerHandshake<'a>>,
}

#[derive(Serialize)]
struct FlatRecord<'a> {
    ip: String,
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<FlatData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_component: Option<&'static str>,
}

/// Eras C/D: `{ip, timestamp, data: {banner, ehlo, starttls, tls}, error, error_component}`.
pub fn write_flat(ep: &Endpoint, s: &SeriesInfo, rng: &mut Rng, out: &mut Vec<u8>) -> Result<()> {
    let t = texts(ep, s.protocol, s.mode);
    let fail = failure(ep, s);
    let data = (ep.outcome != Outcome::ConnectFailed).then(|| FlatData {
        texts: t,
        tls: ep
            .tls
            .as_ref()
            .map(|session| server_handshake(session, rng)),
    });
    let record = FlatRecord {
        ip: ep.ip.to_string(),
        timestamp: local_time(ep.time),
        data: data.filter(|d| d.texts.any() || d.tls.is_some()),
        error: fail.as_ref().map(|f| f.0.clone()),
        error_component: fail.map(|f| f.1),
    };
    serde_json::to_writer(out, &record)?;
    Ok(())
}

#[derive(Serialize)]
#[serde(untagged)]
enum EntryData<'a> {
    Banner { banner: String },
    Response { response: String },
    Tls(Box<EraAHandshake<'a>>),
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: Option<EntryData<'a>>,
    error: Option<String>,
}

#[derive(Serialize)]
struct EventLogRecord<'a> {
    host: String,
    domain: Option<String>,
    time: String,
    log: Vec<Entry<'a>>,
}

/// Era A: `{host, domain, time, log: [{type, data, error}]}`, one entry per step.
pub fn write_event_log(
    ep: &Endpoint,
    s: &SeriesInfo,
    rng: &mut Rng,
    out: &mut Vec<u8>,
) -> Result<()> {
    let t = texts(ep, s.protocol, s.mode);
    let fail = failure(ep, s);
    let error_at = |kind: &str| match &fail {
        Some((text, component)) if step_of(component) == kind => Some(text.clone()),
        _ => None,
    };
    let mut log = vec![Entry {
        kind: "connect",
        data: None,
        error: error_at("connect"),
    }];
    fn entry<'a>(
        kind: &'static str,
        data: Option<EntryData<'a>>,
        error: Option<String>,
    ) -> Entry<'a> {
        Entry { kind, data, error }
    }
    let tls_entry = |rng: &mut Rng| {
        let data = ep
            .tls
            .as_ref()
            .map(|session| EntryData::Tls(Box::new(era_a_handshake(session, rng))));
        entry("tls_handshake", data, error_at("tls_handshake"))
    };
    match (ep.outcome, s.mode) {
        (Outcome::ConnectFailed, _) => {}
        (_, TlsMode::Implicit) => {
            log.push(tls_entry(rng));
            if let Some(b) = t.banner {
                log.push(entry(
                    "mail_banner",
                    Some(EntryData::Banner { banner: b }),
                    None,
                ));
            }
            if let Some(e) = t.ehlo {
                log.push(entry(
                    "ehlo",
                    Some(EntryData::Response { response: e }),
                    None,
                ));
            }
        }
        (_, TlsMode::Starttls) => {
            log.push(entry(
                "mail_banner",
                t.banner.map(|banner| EntryData::Banner { banner }),
                error_at("mail_banner"),
            ));
            if let Some(e) = t.ehlo {
                log.push(entry(
                    "ehlo",
                    Some(EntryData::Response { response: e }),
                    None,
                ));
            }
            if let Some(reply) = t.starttls {
                log.push(entry(
                    "starttls",
                    Some(EntryData::Response {
                        response: reply.to_owned(),
                    }),
                    error_at("starttls"),
                ));
                if matches!(ep.outcome, Outcome::Ok | Outcome::HandshakeFailed) {
                    let mut tls = tls_entry(rng);
                    // ZGrab 1 blames a handshake after STARTTLS on the starttls step;
                    // the era-A log names the handshake itself.
                    if ep.outcome == Outcome::HandshakeFailed {
                        tls.error = fail.as_ref().map(|f| f.0.clone());
                        if let Some(starttls) = log.last_mut() {
                            starttls.error = None;
                        }
                    }
                    log.push(tls);
                }
            }
        }
    }
    if ep.late_error {
        log.push(Entry {
            kind: "write",
            data: None,
            error: fail.map(|f| f.0),
        });
    }
    let record = EventLogRecord {
        host: ep.ip.to_string(),
        domain: None,
        time: local_time(ep.time),
        log,
    };
    serde_json::to_writer(out, &record)?;
    Ok(())
}

/// The log entry type that reports a failure of `component`.
fn step_of(component: &str) -> &str {
    match component {
        "banner" => "mail_banner",
        "tls" => "tls_handshake",
        other => other,
    }
}
