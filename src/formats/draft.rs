//! The part of building a [`Handshake`] that every layout shares: deriving
//! STARTTLS facts from the replies and deciding the status.

use std::borrow::Cow;

use super::handshake::HandshakeLog;
use super::mail;
use super::outcome::{classify, is_timeout, Observation, Stage};
use super::RecordError;
use crate::record::{FactSource, Handshake, TlsMode};

/// What a layout read from one endpoint scan, before derivation.
pub struct Draft<'a> {
    /// Scanned address.
    pub ip: Option<Cow<'a, str>>,
    /// Name given with the address.
    pub domain: Option<Cow<'a, str>>,
    /// Port and where it came from.
    pub port: (u16, FactSource),
    /// Dataset protocol name.
    pub protocol: Cow<'a, str>,
    /// TLS mode.
    pub mode: TlsMode,
    /// Scan time, µs since the epoch.
    pub timestamp_us: Option<i64>,
    /// The scanner's status words.
    pub scanner_status: Option<Cow<'a, str>>,
    /// The scanner's error text.
    pub error: Option<Cow<'a, str>>,
    /// Greeting.
    pub banner: Option<Cow<'a, str>>,
    /// EHLO/CAPA reply.
    pub ehlo: Option<Cow<'a, str>>,
    /// Reply to the upgrade command.
    pub starttls_reply: Option<Cow<'a, str>>,
    /// The scanner did not probe the target.
    pub skipped: bool,
    /// Stage of the reported failure.
    pub failed_stage: Option<Stage>,
    /// The scanner says the failure was a timeout (besides the error text).
    pub timed_out: bool,
    /// The logged handshake, complete or partial.
    pub handshake: Option<HandshakeLog<'a>>,
    /// The scanner's own verdict on the handshake, where it gives one.
    pub handshake_verdict: Option<bool>,
}

impl<'a> Draft<'a> {
    /// A draft with nothing observed yet.
    pub fn new(port: (u16, FactSource), protocol: Cow<'a, str>, mode: TlsMode) -> Self {
        Draft {
            ip: None,
            domain: None,
            port,
            protocol,
            mode,
            timestamp_us: None,
            scanner_status: None,
            error: None,
            banner: None,
            ehlo: None,
            starttls_reply: None,
            skipped: false,
            failed_stage: None,
            timed_out: false,
            handshake: None,
            handshake_verdict: None,
        }
    }

    /// Derives STARTTLS facts and the status; normalizes the TLS facts.
    pub fn finish(self) -> Result<Handshake<'a>, RecordError> {
        let protocol = self.protocol.as_ref();
        // IMAP advertises capabilities in its greeting.
        let capabilities = self.ehlo.as_deref().or(match protocol {
            "imap" => self.banner.as_deref(),
            _ => None,
        });
        let reply = self.starttls_reply.as_deref();
        let (offered, accepted, stripped) = if self.mode == TlsMode::Starttls {
            let (offered, stripped) = mail::starttls_advertised(protocol, capabilities, reply);
            (offered, mail::starttls_accepted(protocol, reply), stripped)
        } else {
            (None, None, false)
        };
        let rejected_as_unknown = offered.is_none()
            && accepted == Some(false)
            && mail::rejection_means_unsupported(protocol, reply);
        let seen = self.handshake.as_ref().is_some_and(HandshakeLog::seen);
        let hello = self
            .handshake
            .as_ref()
            .is_some_and(HandshakeLog::has_server_hello);
        let completed = hello
            && self.handshake_verdict.unwrap_or(true)
            && !matches!(
                self.failed_stage,
                Some(Stage::Connect | Stage::Tls | Stage::Starttls)
            );
        let observation = Observation {
            mode: self.mode,
            skipped: self.skipped,
            failed_stage: self.failed_stage,
            timed_out: self.timed_out || is_timeout(self.error.as_deref()),
            has_banner: self.banner.as_deref().is_some_and(|b| !b.is_empty()),
            starttls_offered: offered,
            starttls_accepted: accepted,
            rejected_as_unknown,
            handshake_seen: seen,
            handshake_completed: completed,
        };
        let tls = match self.handshake {
            Some(h) if seen => Some(h.into_facts().map_err(|e| RecordError::new(e.0))?),
            _ => None,
        };
        Ok(Handshake {
            ip: self.ip,
            domain: self.domain,
            port: self.port.0,
            port_source: self.port.1,
            protocol: self.protocol,
            tls_mode: self.mode,
            timestamp_us: self.timestamp_us,
            status: classify(&observation),
            scanner_status: self.scanner_status,
            error: self.error,
            banner: self.banner,
            ehlo: self.ehlo,
            starttls_reply: self.starttls_reply,
            starttls_offered: offered,
            starttls_accepted: accepted,
            starttls_stripped: stripped,
            tls,
        })
    }
}
