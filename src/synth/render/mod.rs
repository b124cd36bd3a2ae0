//! Writing endpoint scans in each layout the ingestor reads: one module per
//! layout behind [`Layout::write`].

pub mod censys;
pub mod text;
pub mod tls;
mod zgrab1;
mod zgrab2;
pub mod zmap;

use anyhow::{bail, Result};

use super::model::{Endpoint, Outcome};
use super::rng::Rng;
use crate::record::TlsMode;

/// An output layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// ZGrab 1 flat records (eras C/D, 2015-07 onwards).
    Zgrab1,
    /// ZGrab 1 event-log records (era A, before 2015-03).
    Zgrab1EventLog,
    /// ZGrab2 records.
    Zgrab2,
    /// Censys host records: one line per host, every port in it.
    Censys,
}

/// Layout names on the command line, with the file-name tool token.
const LAYOUTS: &[(Layout, &str, &str)] = &[
    (Layout::Zgrab1, "zgrab1", "zgrab"),
    (Layout::Zgrab1EventLog, "zgrab1-eventlog", "zgrab"),
    (Layout::Zgrab2, "zgrab2", "zgrab2"),
    (Layout::Censys, "censys", "censys"),
];

impl Layout {
    /// Parses a command-line name.
    pub fn parse(name: &str) -> Result<Layout> {
        match LAYOUTS.iter().find(|(_, n, _)| *n == name) {
            Some((l, _, _)) => Ok(*l),
            None => {
                let known: Vec<&str> = LAYOUTS.iter().map(|(_, n, _)| *n).collect();
                bail!("unknown layout `{name}`; known: {}", known.join(", "))
            }
        }
    }

    /// Command-line name.
    pub fn name(self) -> &'static str {
        LAYOUTS
            .iter()
            .find(|(l, _, _)| *l == self)
            .map_or("", |(_, n, _)| n)
    }

    /// The tool token of scans.io file names (`…-zgrab-results.json`).
    pub fn file_token(self) -> &'static str {
        LAYOUTS
            .iter()
            .find(|(l, _, _)| *l == self)
            .map_or("", |(_, _, t)| t)
    }

    /// Whether the scanner recorded the ServerKeyExchange parameters: ZGrab 1
    /// event-log records (2014–2015) never did (`server_key_exchange: null`).
    pub fn records_key_exchange(self) -> bool {
        self != Layout::Zgrab1EventLog
    }

    /// Whether the scanner recorded trust (`validation.browser_trusted`).
    pub fn records_trust(self) -> bool {
        self != Layout::Zgrab1EventLog
    }

    /// Appends one endpoint's record and a newline to `out` (Censys records
    /// hold whole hosts: see [`censys::write_host`]).
    pub fn write(
        self,
        ep: &Endpoint,
        series: &SeriesInfo,
        rng: &mut Rng,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        match self {
            Layout::Zgrab1 => zgrab1::write_flat(ep, series, rng, out)?,
            Layout::Zgrab1EventLog => zgrab1::write_event_log(ep, series, rng, out)?,
            Layout::Zgrab2 => zgrab2::write(ep, series, rng, out)?,
            Layout::Censys => bail!("Censys records are written per host"),
        }
        out.push(b'\n');
        Ok(())
    }
}

/// What a record needs to know of its series.
#[derive(Clone)]
pub struct SeriesInfo {
    /// Port.
    pub port: u16,
    /// Dataset protocol.
    pub protocol: &'static str,
    /// TLS mode.
    pub mode: TlsMode,
}

/// The scanner's error text and ZGrab 1 `error_component` for an outcome.
fn failure(ep: &Endpoint, s: &SeriesInfo) -> Option<(String, &'static str)> {
    let peer = format!("{}:{}", ep.ip, s.port);
    let tls_component = match s.mode {
        TlsMode::Starttls => "starttls",
        TlsMode::Implicit => "tls",
    };
    Some(match ep.outcome {
        Outcome::ConnectFailed if ep.ip.octets()[3] % 2 == 0 => (
            format!("dial tcp {peer}: getsockopt: connection refused"),
            "connect",
        ),
        Outcome::ConnectFailed => (format!("dial tcp {peer}: i/o timeout"), "connect"),
        Outcome::Timeout => (
            format!("read tcp 192.0.2.1:40000->{peer}: i/o timeout"),
            match s.mode {
                TlsMode::Starttls => "banner",
                TlsMode::Implicit => "tls",
            },
        ),
        Outcome::BannerFailed => ("EOF".to_owned(), "banner"),
        Outcome::NoStarttls | Outcome::Stripped | Outcome::StarttlsRefused => {
            ("Bad return code for STARTTLS".to_owned(), "starttls")
        }
        Outcome::HandshakeFailed => ("remote error: handshake failure".to_owned(), tls_component),
        Outcome::Ok if ep.late_error => ("write: broken pipe".to_owned(), "quit"),
        Outcome::Ok => return None,
    })
}

/// RFC 3339 time in the scanner's local zone (US Eastern, summer: -04:00).
fn local_time(unix: i64) -> String {
    let t = chrono::DateTime::from_timestamp(unix - 4 * 3600, 0).unwrap_or_default();
    t.format("%Y-%m-%dT%H:%M:%S-04:00").to_string()
}

/// RFC 3339 time in UTC.
fn utc_time(unix: i64) -> String {
    let t = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
