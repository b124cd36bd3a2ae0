//! One parser per source layout, all emitting [`crate::record`] types.
//!
//! [`parse_record`] detects the layout of each record on its own (§8 of the
//! input-format notes), so a file may mix layouts; an unknown shape is a
//! clear per-record error, never a guess.

pub mod censys;
pub mod cipherscan;
pub mod draft;
pub mod enumeration;
pub mod envelope;
pub mod handshake;
pub mod json;
pub mod mail;
pub mod masscan;
pub mod mta_sts;
pub mod outcome;
pub mod sonar_dns;
pub mod sonar_ssl;
pub mod sslyze;
pub mod sslyze_json;
pub mod toplist;
pub mod wire;
pub mod zdns;
pub mod zgrab1;
pub mod zgrab2;
pub mod zmap;

use std::fmt;

use crate::input::filename::SeriesName;
use crate::record::{FactSource, Layout, Parsed, TlsMode};
use envelope::{Data, Envelope, FlatData};

/// Why one record was rejected. The text is shown to users and written to
/// the quarantine, so it says what is wrong and, where it helps, what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError(pub String);

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RecordError {
    /// A record error with the given reason.
    pub fn new(reason: impl Into<String>) -> Self {
        RecordError(reason.into())
    }
}

/// Facts that hold for a whole input file: from its name and the command line.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The scans.io series the file name follows, if it does.
    pub series: Option<SeriesName>,
    /// `--port`.
    pub port: Option<u16>,
    /// `--protocol` (already resolved, e.g. `imaps` → `imap` + implicit).
    pub protocol: Option<String>,
    /// `--tls-mode`, or the mode `--protocol` implies.
    pub mode: Option<TlsMode>,
    /// Column names of a CSV file's header row (`-` mapped to `_`).
    pub csv_columns: Option<Vec<String>>,
    /// The domain an MTA-STS policy file's path names.
    pub policy_domain: Option<String>,
    /// The scan a Rapid7 Sonar SSL file name describes.
    pub sonar: Option<sonar_ssl::SonarFile>,
}

impl Context {
    /// The port when the record has none: file name first, then `--port`.
    pub fn port(&self) -> Option<(u16, FactSource)> {
        self.series
            .as_ref()
            .map(|s| (s.port, FactSource::FileName))
            .or(self.port.map(|p| (p, FactSource::Option)))
    }

    /// The protocol when the record has none.
    pub fn protocol(&self) -> Option<&str> {
        self.series
            .as_ref()
            .map(|s| s.protocol.as_str())
            .or(self.protocol.as_deref())
    }

    /// The TLS mode when the record does not show it.
    pub fn mode(&self) -> Option<TlsMode> {
        self.series.as_ref().map(|s| s.mode).or(self.mode)
    }

    /// The port or an error saying how to supply it.
    pub fn require_port(&self) -> Result<(u16, FactSource), RecordError> {
        self.port().ok_or_else(|| {
            RecordError::new(
                "no port: the record has none and the file name does not follow the scans.io \
                 convention (<port>-<protocol>-<subprotocol>-…); pass --port",
            )
        })
    }

    /// The protocol or an error saying how to supply it.
    pub fn require_protocol(&self) -> Result<&str, RecordError> {
        self.protocol().ok_or_else(|| {
            RecordError::new(
                "no protocol: the record does not name it and the file name does not follow \
                 the scans.io convention; pass --protocol smtp|imap|pop3|…",
            )
        })
    }
}

/// The JSON text of a value, kept unparsed (borrowed from the record).
#[derive(Clone, Copy, Debug)]
pub struct Raw<'a>(pub &'a str);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Raw<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Raw<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value, kept as text")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Raw<'a>, E> {
                Ok(Raw(text))
            }
        }
        // Only the record reader knows the text; it answers this name with it.
        d.deserialize_newtype_struct(json::RAW_TOKEN, V(std::marker::PhantomData))
    }
}

/// Deserializes a lazily kept JSON value into `T`, naming `what` on failure.
pub(crate) fn lazy<'a, T: serde::Deserialize<'a>>(
    value: &Raw<'a>,
    what: &str,
) -> Result<T, RecordError> {
    json::from_str(value.0)
        .map_err(|e| RecordError::new(format!("`{what}` has an unexpected shape: {}", short(&e))))
}

/// The first line of a parser error, without the echo of the input.
pub(crate) fn short(e: &dyn fmt::Display) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or_default();
    line.chars().take(200).collect()
}

/// The port a Censys key (`"25"`, `p25`) names, if it is one.
pub(crate) fn port_key(key: &str) -> Option<u16> {
    let digits = key.strip_prefix('p').unwrap_or(key);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The record as text, or why it is not UTF-8.
fn utf8(text: &[u8]) -> Result<&str, RecordError> {
    json::utf8(text).map_err(|valid| {
        RecordError::new(format!(
            "not UTF-8 text (invalid byte at column {})",
            valid + 1
        ))
    })
}

/// Parses one record (a JSON object or a CSV row) of any supported layout.
pub fn parse_record<'a>(
    text: &'a [u8],
    ctx: &Context,
) -> Result<(Layout, Parsed<'a>), RecordError> {
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        if first == Some(&b'[') && text.trim_ascii() != b"[" {
            return Err(RecordError::new("a JSON array, not a record object"));
        }
        if sslyze::is_xml(text) {
            return sslyze::parse_xml(utf8(text)?).map(|p| (Layout::SslyzeXml, p));
        }
        let text = utf8(text)?;
        if masscan::is_frame(text) {
            return Ok((Layout::Masscan, Parsed::default()));
        }
        if masscan::is_list_line(text) {
            return masscan::parse_list_line(text.trim()).map(|p| (Layout::Masscan, p));
        }
        if masscan::is_xml_host(text) {
            return masscan::parse_xml_host(text.trim()).map(|p| (Layout::Masscan, p));
        }
        if sslyze::is_text(text.as_bytes()) {
            return sslyze::parse_text(text).map(|p| (Layout::SslyzeText, p));
        }
        if sonar_ssl::is_row(text) {
            return sonar_ssl::parse_row(text.trim()).map(|p| (Layout::SonarSsl, p));
        }
        if mta_sts::is_policy_text(text.as_bytes()) {
            return mta_sts::parse_file(text, ctx.policy_domain.as_deref())
                .map(|p| (Layout::MtaSts, p));
        }
        if ctx.csv_columns.is_none() && toplist::is_row(text) {
            return toplist::parse_row(text.trim_start()).map(|p| (Layout::TopList, p));
        }
        return zmap::parse_row(text.trim_start(), ctx).map(|p| (Layout::ZmapCsv, p));
    }
    // masscan's `{finished: 1}` and its lines with a trailing comma or bare
    // keys are not JSON as written.
    if text.starts_with(b"{finished") {
        return Ok((Layout::Masscan, Parsed::default()));
    }
    if text.ends_with(b"},") || text.ends_with(b"},\r") || text.starts_with(b"{   ip:") {
        if let Ok(line) = utf8(text) {
            if masscan::is_json_line(line) {
                return masscan::parse_json(line).map(|p| (Layout::Masscan, p));
            }
        }
    }
    envelope::failed_key();
    // The JSON reader checks the encoding of the strings it passes, which
    // is all a record's text outside its ASCII punctuation: no separate pass.
    let env: Result<Envelope<'a>, _> = json::from_bytes(text);
    // ZDNS version 1 has a `data` of its own, which the scan layouts'
    // reading of `data` refuses: such a record is tried as ZDNS.
    if env.is_err() && zdns::is_lookup(text) {
        return zdns::parse(utf8(text)?).map(|p| (Layout::Zdns, p));
    }
    if env.is_err() && memchr::memmem::find(text, b"\"rec_type\"").is_some() {
        return masscan::parse_json(utf8(text)?).map(|p| (Layout::Masscan, p));
    }
    let mut env = env.map_err(|e| {
        if let Err(not_utf8) = utf8(text) {
            return not_utf8;
        }
        let key = envelope::failed_key();
        match (e.kind(), key) {
            (json::ErrorKind::Data, Some(key)) => {
                RecordError::new(format!("`{key}` has an unexpected shape: {}", short(&e)))
            }
            _ => RecordError::new(format!("invalid JSON: {}", short(&e))),
        }
    })?;
    if env.log.is_some() && env.host.is_some() {
        return zgrab1::parse_event_log(env, ctx);
    }
    // A ZDNS lookup names a domain where scan records name an address.
    let has = |k: &str| env.other_keys.iter().any(|o| o == k);
    if env.ip.is_none() && env.host.is_none() && has("name") && (has("results") || has("status")) {
        return zdns::parse(utf8(text)?).map(|p| (Layout::Zdns, p));
    }
    if env.ip.is_none() && env.host.is_none() && sonar_dns::is_answer(has) {
        return sonar_dns::parse(utf8(text)?).map(|p| (Layout::SonarDns, p));
    }
    if env.ip.is_none() && env.domain.is_some() && mta_sts::is_fetch(has) {
        return mta_sts::parse_fetch(utf8(text)?).map(|p| (Layout::MtaSts, p));
    }
    // A ZGrab2 HTTP scan of a policy host holds a policy, not a mail handshake.
    let policy_host = env
        .domain
        .as_deref()
        .is_some_and(|d| d.len() > 8 && d.as_bytes()[..8].eq_ignore_ascii_case(b"mta-sts."));
    if policy_host {
        if let Some(parsed) = mta_sts::parse_zgrab2_http(utf8(text)?) {
            return parsed.map(|p| (Layout::MtaSts, p));
        }
    }
    // masscan's ndjson keeps its banner under `data`, which is not ZGrab's.
    if env.ip.is_some() && masscan::is_json_record(has) {
        return masscan::parse_json(utf8(text)?).map(|p| (Layout::Masscan, p));
    }
    match env.data.take() {
        Some(Data::Zgrab2(scans)) => {
            return zgrab2::parse(env, scans, ctx).map(|p| (Layout::Zgrab2, p))
        }
        Some(Data::Flat(flat)) => {
            return zgrab1::parse_flat(env, *flat, ctx).map(|p| (Layout::Zgrab1Flat, p))
        }
        None => {}
    }
    if !env.ports.is_empty() {
        return censys::parse(env).map(|p| (Layout::Censys, p));
    }
    if env.ip.is_none() && sslyze_json::is_document(has) {
        return sslyze_json::parse(utf8(text)?).map(|p| (Layout::SslyzeJson, p));
    }
    if env.ip.is_none() && cipherscan::is_run(has) {
        return cipherscan::parse(utf8(text)?).map(|p| (Layout::Cipherscan, p));
    }
    if env.ip.is_some() && (env.error.is_some() || env.error_component.is_some()) {
        return zgrab1::parse_flat(env, FlatData::default(), ctx).map(|p| (Layout::Zgrab1Flat, p));
    }

    Err(RecordError::new(format!(
        "unknown layout: a JSON object with keys [{}] is none of ZGrab 1 (host+log or ip+data), \
         ZGrab2 (data.<scan>.status/protocol) or a Censys host record (port keys)",
        env.key_names().join(", ")
    )))
}
