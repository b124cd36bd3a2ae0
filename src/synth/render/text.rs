//! What mail servers say: greetings, capability lists and replies to the
//! upgrade command, per protocol and software family (as data).

use serde::Serialize;

use crate::record::TlsMode;
use crate::synth::model::{Endpoint, Outcome};

/// One software family's texts; `{host}` is replaced, `{tls}` becomes the
/// STARTTLS advertisement (or nothing, or its masked form).
struct Software {
    banner: &'static str,
    capabilities: Option<&'static str>,
}

const SMTP: &[Software] = &[
    Software {
        banner: "220 {host} ESMTP Postfix\r\n",
        capabilities: Some("250-{host}\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n{tls}250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n"),
    },
    Software {
        banner: "220 {host} ESMTP Exim 4.84 ready\r\n",
        capabilities: Some("250-{host} Hello scanner [192.0.2.1]\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n{tls}250 HELP\r\n"),
    },
    Software {
        banner: "220 {host} Microsoft ESMTP MAIL Service ready\r\n",
        capabilities: Some("250-{host} Hello [192.0.2.1]\r\n250-SIZE 36700160\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n{tls}250-8BITMIME\r\n250-BINARYMIME\r\n250 CHUNKING\r\n"),
    },
    Software {
        banner: "220 {host} ESMTP Sendmail 8.14.4/8.14.4; Mon, 3 Aug 2015 04:00:00 GMT\r\n",
        capabilities: Some("250-{host} Hello scanner [192.0.2.1], pleased to meet you\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n{tls}250-DELIVERBY\r\n250 HELP\r\n"),
    },
];

const IMAP: &[Software] = &[
    Software {
        banner: "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE{tls} AUTH=PLAIN] Dovecot ready.\r\n",
        capabilities: None,
    },
    Software {
        banner: "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION{tls}] Courier-IMAP ready. Copyright 1998-2011 Double Precision, Inc.  See COPYING for distribution information.\r\n",
        capabilities: None,
    },
    Software {
        banner: "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE{tls}] {host} Cyrus IMAP server ready\r\n",
        capabilities: None,
    },
    // Lists its capabilities only when asked (CAPABILITY), which scanners did not.
    Software {
        banner: "* OK The Microsoft Exchange IMAP4 service is ready.\r\n",
        capabilities: None,
    },
];

const POP3: &[Software] = &[
    Software {
        banner: "+OK Dovecot ready.\r\n",
        capabilities: None,
    },
    Software {
        banner: "+OK Hello there.\r\n",
        capabilities: None,
    },
    Software {
        banner: "+OK {host} POP3 server ready\r\n",
        capabilities: None,
    },
    Software {
        banner: "+OK Qpopper (version 4.1.0) at {host} starting.\r\n",
        capabilities: None,
    },
];

/// Replies to the upgrade command: accepted, unknown command (by a server
/// without STARTTLS), masked, refused (temporarily or by policy, by a
/// server that has it). Variants are spoken in turn by software family.
struct Replies {
    accepted: &'static str,
    unknown: &'static [&'static str],
    masked: &'static str,
    refused: &'static [&'static str],
}

const SMTP_REPLIES: Replies = Replies {
    accepted: "220 2.0.0 Ready to start TLS\r\n",
    unknown: &[
        "502 5.5.2 Error: command not recognized\r\n",
        "500 5.5.1 Command unrecognized: \"STARTTLS\"\r\n",
    ],
    masked: "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n",
    refused: &[
        "454 4.7.0 TLS not available due to local problem\r\n",
        "554 5.7.3 Unable to initialize security subsystem\r\n",
    ],
};
const IMAP_REPLIES: Replies = Replies {
    accepted: "a001 OK Begin TLS negotiation now.\r\n",
    unknown: &[
        "a001 BAD Unknown command.\r\n",
        "a001 BAD Command unrecognized: STARTTLS\r\n",
    ],
    masked: "a001 BAD Unknown command.\r\n",
    refused: &[
        "a001 NO [UNAVAILABLE] TLS support isn't available.\r\n",
        "a001 NO STARTTLS temporarily unavailable, try again later\r\n",
    ],
};
const POP3_REPLIES: Replies = Replies {
    accepted: "+OK Begin TLS negotiation now.\r\n",
    unknown: &[
        "-ERR Unknown command: STLS\r\n",
        "-ERR Command not implemented\r\n",
        "-ERR unrecognized command\r\n",
    ],
    masked: "-ERR Unknown command\r\n",
    refused: &[
        "-ERR [SYS/TEMP] TLS temporarily unavailable\r\n",
        "-ERR TLS not allowed from your network\r\n",
    ],
};

/// Does this endpoint's server show its capabilities in what a scanner
/// records (SMTP's EHLO reply, an IMAP greeting's CAPABILITY list)? POP3
/// scanners never ask CAPA.
pub fn capabilities_shown(ep: &Endpoint, protocol: &str) -> bool {
    let software = match protocol {
        "imap" => IMAP,
        "pop3" => POP3,
        _ => SMTP,
    };
    let sw = &software[ep.software % software.len()];
    sw.capabilities.is_some() || sw.banner.contains("CAPABILITY")
}

/// The texts of one endpoint scan, as the scanner recorded them; every
/// layout writes them under these keys.
#[derive(Serialize)]
pub struct Texts {
    /// Greeting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    /// EHLO reply (SMTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<String>,
    /// Reply to STARTTLS/STLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls: Option<&'static str>,
}

impl Texts {
    /// Whether the server said anything.
    pub fn any(&self) -> bool {
        self.banner.is_some()
    }
}

/// Builds the texts for an endpoint.
pub fn texts(ep: &Endpoint, protocol: &str, mode: TlsMode) -> Texts {
    let (software, replies) = match protocol {
        "imap" => (IMAP, &IMAP_REPLIES),
        "pop3" => (POP3, &POP3_REPLIES),
        _ => (SMTP, &SMTP_REPLIES),
    };
    let sw = &software[ep.software % software.len()];
    let advertisement = match (mode, ep.outcome, protocol) {
        (TlsMode::Implicit, _, _) | (_, Outcome::NoStarttls, _) => "",
        (_, Outcome::Stripped, "smtp") => "250-XXXXXXXA\r\n",
        (_, _, "smtp") => "250-STARTTLS\r\n",
        (_, _, "imap") => " STARTTLS",
        _ => "",
    };
    let fill = |t: &str| {
        t.replace("{host}", &ep.host)
            .replace("{tls}", advertisement)
    };
    // With implicit TLS the greeting is read through the tunnel, after the handshake.
    let greeted = match mode {
        TlsMode::Starttls => ep.outcome.greeted(),
        TlsMode::Implicit => ep.outcome == Outcome::Ok,
    };
    if !greeted {
        return Texts {
            banner: None,
            ehlo: None,
            starttls: None,
        };
    }
    let starttls = match (mode, ep.outcome) {
        (TlsMode::Implicit, _) => None,
        (_, Outcome::NoStarttls) => Some(replies.unknown[ep.software % replies.unknown.len()]),
        (_, Outcome::Stripped) => Some(replies.masked),
        (_, Outcome::StarttlsRefused) => Some(replies.refused[ep.software % replies.refused.len()]),
        _ => Some(replies.accepted),
    };
    Texts {
        banner: Some(fill(sw.banner)),
        ehlo: sw.capabilities.map(fill),
        starttls,
    }
}
