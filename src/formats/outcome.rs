//! One decision procedure for the outcome of an endpoint scan.
//!
//! Every layout describes what it saw as an [`Observation`]; [`classify`]
//! turns that into a [`Status`]. Keeping the rules in one place is what makes
//! a ZGrab 1 record and a ZGrab2 record of the same server agree.

use crate::record::{Status, TlsMode};

/// The protocol stage at which the scanner reported a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// TCP connection.
    Connect,
    /// Reading the greeting.
    Banner,
    /// EHLO/HELO/CAPA exchange.
    Greeting,
    /// Sending STARTTLS or reading its reply, or the handshake right after it.
    Starttls,
    /// The TLS handshake.
    Tls,
    /// Anything after the handshake (QUIT, reading a banner over TLS…).
    AfterTls,
    /// Not attributable.
    Other,
}

impl Stage {
    /// Maps ZGrab 1's `error_component` (and era A/B log entry types) to a stage.
    pub fn from_zgrab1(component: &str) -> Stage {
        match component {
            "connect" => Stage::Connect,
            "banner" | "mail_banner" => Stage::Banner,
            "ehlo" | "smtp_help" | "helo" => Stage::Greeting,
            "starttls" => Stage::Starttls,
            "tls" | "tls_handshake" => Stage::Tls,
            "quit" => Stage::AfterTls,
            _ => Stage::Other,
        }
    }
}

/// What a record shows about one endpoint scan.
#[derive(Clone, Copy, Debug)]
pub struct Observation {
    /// STARTTLS-style upgrade or implicit TLS.
    pub mode: TlsMode,
    /// The scanner did not probe the target at all.
    pub skipped: bool,
    /// Where the scanner reported a failure, if it did.
    pub failed_stage: Option<Stage>,
    /// The failure was a timeout.
    pub timed_out: bool,
    /// A greeting was received.
    pub has_banner: bool,
    /// STARTTLS advertised (`None`: unknown).
    pub starttls_offered: Option<bool>,
    /// STARTTLS reply accepted (`None`: no reply).
    pub starttls_accepted: Option<bool>,
    /// A rejection's reply says the command is unknown to the server
    /// (`formats::mail::rejection_means_unsupported`).
    pub rejected_as_unknown: bool,
    /// Some handshake message (hello, certificates) was recorded.
    pub handshake_seen: bool,
    /// The handshake is known to have completed.
    pub handshake_completed: bool,
}

/// Decides the status, the way a careful analyst would:
/// a partial `server_hello` is not success; a late failure (QUIT) does not
/// undo a completed handshake; a clean STARTTLS scan without TLS means the
/// server does not offer it.
pub fn classify(o: &Observation) -> Status {
    if o.skipped {
        return Status::Skipped;
    }
    if o.handshake_completed {
        return Status::Ok;
    }
    if o.failed_stage == Some(Stage::Connect) {
        return Status::ConnectFailed;
    }
    if o.mode == TlsMode::Starttls {
        if o.starttls_accepted == Some(false) {
            // Where the record does not show the advertisement, the reply
            // tells an unknown command from a refusal.
            let absent = match o.starttls_offered {
                Some(offered) => !offered,
                None => o.rejected_as_unknown,
            };
            return if absent {
                Status::NoStarttls
            } else {
                Status::StarttlsRefused
            };
        }
        if o.starttls_accepted.is_none() && !o.handshake_seen && o.starttls_offered == Some(false) {
            return Status::NoStarttls;
        }
    }
    let tls_stage = matches!(o.failed_stage, Some(Stage::Tls))
        || (o.failed_stage == Some(Stage::Starttls) && o.starttls_accepted == Some(true));
    // A server that stalls before sending any handshake message timed out;
    // ZGrab2 reports the same stall as `io-timeout` without a TLS log.
    if tls_stage && o.timed_out && !o.handshake_seen {
        return Status::Timeout;
    }
    if o.handshake_seen || tls_stage {
        return Status::HandshakeFailed;
    }
    if o.mode == TlsMode::Starttls && o.starttls_accepted == Some(true) {
        // Accepted, then nothing: the handshake never started or was not logged.
        return Status::HandshakeFailed;
    }
    if o.failed_stage == Some(Stage::Banner) || (o.failed_stage.is_some() && !o.has_banner) {
        return if o.timed_out {
            Status::Timeout
        } else {
            Status::BannerFailed
        };
    }
    if o.timed_out {
        return Status::Timeout;
    }
    if o.failed_stage.is_some() {
        return Status::ProtocolError;
    }
    match o.mode {
        TlsMode::Starttls => Status::NoStarttls,
        TlsMode::Implicit => Status::ProtocolError,
    }
}

/// Does an error text describe a timeout?
pub fn is_timeout(error: Option<&str>) -> bool {
    error.is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        e.contains("timeout") || e.contains("timed out") || e.contains("deadline exceeded")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(mode: TlsMode) -> Observation {
        Observation {
            mode,
            skipped: false,
            failed_stage: None,
            timed_out: false,
            has_banner: true,
            starttls_offered: None,
            starttls_accepted: None,
            rejected_as_unknown: false,
            handshake_seen: false,
            handshake_completed: false,
        }
    }

    #[test]
    fn outcomes() {
        let s = TlsMode::Starttls;
        let ok = Observation {
            handshake_seen: true,
            handshake_completed: true,
            failed_stage: Some(Stage::AfterTls),
            ..base(s)
        };
        assert_eq!(classify(&ok), Status::Ok);
        let partial = Observation {
            handshake_seen: true,
            failed_stage: Some(Stage::Starttls),
            starttls_accepted: Some(true),
            ..base(s)
        };
        assert_eq!(classify(&partial), Status::HandshakeFailed);
        let refused = Observation {
            starttls_offered: Some(true),
            starttls_accepted: Some(false),
            failed_stage: Some(Stage::Starttls),
            ..base(s)
        };
        assert_eq!(classify(&refused), Status::StarttlsRefused);
        let unknown_command = Observation {
            starttls_offered: None,
            rejected_as_unknown: true,
            ..refused
        };
        assert_eq!(classify(&unknown_command), Status::NoStarttls);
        let offered_then_rejected = Observation {
            starttls_offered: Some(true),
            ..unknown_command
        };
        assert_eq!(classify(&offered_then_rejected), Status::StarttlsRefused);
        let unknown_reason = Observation {
            starttls_offered: None,
            ..refused
        };
        assert_eq!(classify(&unknown_reason), Status::StarttlsRefused);
        let absent = Observation {
            starttls_offered: Some(false),
            starttls_accepted: Some(false),
            ..base(s)
        };
        assert_eq!(classify(&absent), Status::NoStarttls);
        assert_eq!(classify(&base(s)), Status::NoStarttls);
        let connect = Observation {
            failed_stage: Some(Stage::Connect),
            timed_out: true,
            has_banner: false,
            ..base(s)
        };
        assert_eq!(classify(&connect), Status::ConnectFailed);
        let stall = Observation {
            failed_stage: Some(Stage::Banner),
            timed_out: true,
            has_banner: false,
            ..base(s)
        };
        assert_eq!(classify(&stall), Status::Timeout);
        let mute = Observation {
            failed_stage: Some(Stage::Banner),
            has_banner: false,
            ..base(s)
        };
        assert_eq!(classify(&mute), Status::BannerFailed);
        let implicit_fail = Observation {
            failed_stage: Some(Stage::Tls),
            has_banner: false,
            ..base(TlsMode::Implicit)
        };
        assert_eq!(classify(&implicit_fail), Status::HandshakeFailed);
        let implicit_stall = Observation {
            timed_out: true,
            ..implicit_fail
        };
        assert_eq!(classify(&implicit_stall), Status::Timeout);
        let skipped = Observation {
            skipped: true,
            ..base(s)
        };
        assert_eq!(classify(&skipped), Status::Skipped);
    }
}
