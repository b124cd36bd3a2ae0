//! Facts about the mail protocols: how STARTTLS is advertised, requested and
//! accepted, and how scans.io names map to protocol and TLS mode.

use crate::record::TlsMode;

/// One protocol the scanners speak, as a row of facts.
pub struct Protocol {
    /// Name used in the dataset (`smtp`).
    pub name: &'static str,
    /// Names scanners use for it (`smtps` = SMTP over implicit TLS).
    pub aliases: &'static [(&'static str, TlsMode)],
    /// How a TLS scan of this protocol normally reaches TLS.
    pub default_mode: TlsMode,
    /// Reply prefix meaning the upgrade command was accepted.
    pub accept_prefix: Option<&'static str>,
}

/// The protocols whose records we normalize. Other ZGrab2 modules keep their
/// own name with the default mode `implicit` unless listed here.
pub const PROTOCOLS: &[Protocol] = &[
    Protocol {
        name: "smtp",
        aliases: &[("smtp", TlsMode::Starttls), ("smtps", TlsMode::Implicit)],
        default_mode: TlsMode::Starttls,
        accept_prefix: Some("2"),
    },
    Protocol {
        name: "imap",
        aliases: &[("imap", TlsMode::Starttls), ("imaps", TlsMode::Implicit)],
        default_mode: TlsMode::Starttls,
        accept_prefix: Some("a001 OK"),
    },
    Protocol {
        name: "pop3",
        aliases: &[("pop3", TlsMode::Starttls), ("pop3s", TlsMode::Implicit)],
        default_mode: TlsMode::Starttls,
        accept_prefix: Some("+"),
    },
    Protocol {
        name: "ftp",
        aliases: &[("ftp", TlsMode::Starttls), ("ftps", TlsMode::Implicit)],
        default_mode: TlsMode::Starttls,
        accept_prefix: Some("234"),
    },
    Protocol {
        name: "postgres",
        aliases: &[("postgres", TlsMode::Starttls)],
        default_mode: TlsMode::Starttls,
        accept_prefix: None,
    },
    Protocol {
        name: "https",
        aliases: &[("https", TlsMode::Implicit), ("http", TlsMode::Implicit)],
        default_mode: TlsMode::Implicit,
        accept_prefix: None,
    },
];

/// Resolves a scanner's protocol name (`imaps`, `smtp`) to the dataset's
/// protocol name and the TLS mode the name implies, if it implies one.
pub fn resolve(name: &str) -> (&str, Option<TlsMode>) {
    for p in PROTOCOLS {
        for (alias, mode) in p.aliases {
            if alias.eq_ignore_ascii_case(name) {
                return (p.name, Some(*mode));
            }
        }
    }
    (name, None)
}

fn protocol(name: &str) -> Option<&'static Protocol> {
    PROTOCOLS.iter().find(|p| p.name == name)
}

/// The TLS mode a TLS scan of `protocol` uses when nothing else says.
pub fn default_mode(name: &str) -> TlsMode {
    protocol(name).map_or(TlsMode::Implicit, |p| p.default_mode)
}

/// Was the upgrade command accepted? `None` when there is no reply or the
/// protocol has no textual accept reply.
pub fn starttls_accepted(protocol: &str, reply: Option<&str>) -> Option<bool> {
    let reply = reply?.trim_start();
    let prefix = self::protocol(protocol)?.accept_prefix?;
    let head = reply.get(..prefix.len()).unwrap_or(reply);
    Some(head.eq_ignore_ascii_case(prefix))
}

/// The replies to the upgrade command that mean "this server has no such
/// command" rather than "not now" (`data/starttls-rejections.csv`): used
/// when the record does not show whether STARTTLS was advertised.
const REJECTIONS_CSV: &str = include_str!("../../data/starttls-rejections.csv");

/// One row of the rejection table.
struct Rejection {
    protocol: String,
    /// SMTP reply code, IMAP status word, or POP3 status indicator.
    status: String,
    /// Words of which one must appear in the reply's text (any, when empty).
    words: Vec<String>,
    /// Whether the row means the command is unknown (`no_starttls`).
    unsupported: bool,
}

fn rejections() -> &'static [Rejection] {
    static TABLE: std::sync::OnceLock<Vec<Rejection>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        crate::csv::records(REJECTIONS_CSV)
            .into_iter()
            .map(|r| Rejection {
                protocol: r["protocol"].clone(),
                status: r["status"].clone(),
                words: r["words"]
                    .split('|')
                    .filter(|w| !w.is_empty())
                    .map(str::to_ascii_lowercase)
                    .collect(),
                unsupported: r["meaning"] == "no_starttls",
            })
            .collect()
    })
}

/// The status a rejection reply starts with, and the text after it: the
/// SMTP code, the IMAP status after the tag (untagged lines skipped), the
/// POP3 `-ERR`.
fn reply_status<'r>(protocol: &str, reply: &'r str) -> Option<(&'r str, &'r str)> {
    let line = reply
        .lines()
        .map(str::trim_start)
        .find(|l| !(l.is_empty() || protocol == "imap" && l.starts_with('*')))?;
    let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    match protocol {
        "smtp" => Some((first.get(..3).unwrap_or(first), line.get(3..).unwrap_or(""))),
        "imap" => {
            let rest = rest.trim_start();
            Some(rest.split_once(char::is_whitespace).unwrap_or((rest, "")))
        }
        _ => Some((first, rest)),
    }
}

/// Does a rejected upgrade command's reply say the server does not know
/// the command (no STARTTLS), rather than refuse it for a reason of its
/// own (temporary failure, policy)? Decided by the first row of
/// `data/starttls-rejections.csv` that matches; no row means refused.
pub fn rejection_means_unsupported(protocol: &str, reply: Option<&str>) -> bool {
    let Some((status, text)) = reply.and_then(|r| reply_status(protocol, r)) else {
        return false;
    };
    let text = text.to_ascii_lowercase();
    rejections()
        .iter()
        .find(|r| {
            r.protocol == protocol
                && r.status.eq_ignore_ascii_case(status)
                && (r.words.is_empty() || r.words.iter().any(|w| text.contains(w.as_str())))
        })
        .is_some_and(|r| r.unsupported)
}

/// The lines of a reply, without their line breaks. Byte-wise: the lines
/// are short, and a vector search per line costs more than it saves.
fn reply_lines(text: &str) -> impl Iterator<Item = &[u8]> {
    text.as_bytes()
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// The first whitespace-separated word of `text`.
fn first_word(text: &[u8]) -> Option<&[u8]> {
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &text[start..];
    let len = rest
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(rest.len());
    Some(&rest[..len])
}

/// Looks through the keywords a server advertised, as written: EHLO lines
/// after the reply code for SMTP, CAPA lines for POP3, the `CAPABILITY`
/// list for IMAP. `None` when the text advertises nothing; else whether
/// `wanted` held for a keyword. (A visitor, not a list: this runs for every
/// record, and the answer rarely needs more than a few lines.)
fn find_advertised(
    protocol: &str,
    text: &str,
    mut wanted: impl FnMut(&[u8]) -> bool,
) -> Option<bool> {
    let mut any = false;
    let mut look = |word: &[u8]| {
        any = true;
        wanted(word)
    };
    let found = match protocol {
        "smtp" => reply_lines(text)
            .filter(|l| l.len() >= 4 && l[0].is_ascii_digit())
            .skip(1)
            .filter_map(|l| first_word(&l[4..]))
            .any(&mut look),
        "imap" => {
            const KEY: &[u8] = b"CAPABILITY";
            let bytes = text.as_bytes();
            let at = bytes
                .windows(KEY.len())
                .position(|w| w.eq_ignore_ascii_case(KEY));
            at.is_some_and(|at| {
                let list = &bytes[at + KEY.len()..];
                let end = list
                    .iter()
                    .position(|b| matches!(b, b']' | b'\r' | b'\n'))
                    .unwrap_or(list.len());
                list[..end]
                    .split(u8::is_ascii_whitespace)
                    .filter(|w| !w.is_empty())
                    .any(&mut look)
            })
        }
        "pop3" => reply_lines(text).filter_map(first_word).any(&mut look),
        _ => false,
    };
    any.then_some(found)
}

/// The keyword advertising the upgrade, per protocol.
fn upgrade_keyword(protocol: &str) -> Option<&'static str> {
    match protocol {
        "smtp" | "imap" => Some("STARTTLS"),
        "pop3" => Some("STLS"),
        _ => None,
    }
}

/// Did the server advertise STARTTLS in `capabilities` (EHLO reply, IMAP
/// greeting or CAPABILITY reply, POP3 CAPA)? `None` when the text says nothing.
pub fn starttls_offered(protocol: &str, capabilities: Option<&str>) -> Option<bool> {
    let text = capabilities?;
    let keyword = upgrade_keyword(protocol)?.as_bytes();
    let found = find_advertised(protocol, text, |w| w.eq_ignore_ascii_case(keyword));
    offered_from(protocol, found)
}

/// What a keyword search means: for SMTP, a complete EHLO reply (2xx)
/// without the keyword and a failed EHLO both mean "not offered"; for the
/// others only a capability list that was actually sent tells anything.
fn offered_from(protocol: &str, found: Option<bool>) -> Option<bool> {
    match found {
        Some(true) => Some(true),
        _ if protocol == "smtp" => Some(false),
        found => found,
    }
}

/// A keyword a middlebox overwrote: `XXXXXXXA`, `XXXB`.
fn masked(word: &[u8]) -> bool {
    // Nearly every keyword fails on its first letter.
    if !word.first().is_some_and(|b| b.eq_ignore_ascii_case(&b'X')) {
        return false;
    }
    let trim = |w: &[u8], c: u8| -> usize {
        w.len()
            - w.iter()
                .rev()
                .take_while(|b| b.eq_ignore_ascii_case(&c))
                .count()
    };
    let x = &word[..trim(word, b'A')];
    let x = &x[..trim(x, b'B')];
    x.len() >= 4 && x.iter().all(|b| b.eq_ignore_ascii_case(&b'X'))
}

/// A middlebox overwrote the STARTTLS advertisement or command
/// (`250-XXXXXXXA`, replies quoting `"XXXXXXXX"`).
pub fn starttls_stripped(capabilities: Option<&str>, reply: Option<&str>) -> bool {
    let in_caps = capabilities.is_some_and(|t| find_advertised("smtp", t, masked) == Some(true));
    in_caps || reply_masked(reply)
}

fn reply_masked(reply: Option<&str>) -> bool {
    // Replies are short and rarely hold an `X`: look for one first, rather
    // than set up a substring search per record.
    reply.is_some_and(|r| {
        let bytes = r.as_bytes();
        memchr::memchr_iter(b'X', bytes).any(|at| bytes[at..].starts_with(b"XXXXXXXX"))
    })
}

/// STARTTLS as advertised: whether it was offered (`None` when the text
/// says nothing) and whether a middlebox stripped it, in which case it
/// counts as not offered. SMTP's EHLO reply is read once for both.
pub fn starttls_advertised(
    protocol: &str,
    capabilities: Option<&str>,
    reply: Option<&str>,
) -> (Option<bool>, bool) {
    if protocol != "smtp" {
        let stripped = starttls_stripped(capabilities, reply);
        let offered = if stripped {
            Some(false)
        } else {
            starttls_offered(protocol, capabilities)
        };
        return (offered, stripped);
    }
    let (mut keyword_seen, mut masked_seen) = (false, false);
    let found = capabilities.and_then(|text| {
        find_advertised("smtp", text, |w| {
            keyword_seen |= w.eq_ignore_ascii_case(b"STARTTLS");
            masked_seen |= masked(w);
            false
        })
    });
    let stripped = masked_seen || reply_masked(reply);
    let offered = match (stripped, capabilities) {
        (true, _) => Some(false),
        (false, None) => None,
        (false, Some(_)) => offered_from("smtp", found.map(|_| keyword_seen)),
    };
    (offered, stripped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_ehlo_keywords() {
        let ehlo = "250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
        assert_eq!(starttls_offered("smtp", Some(ehlo)), Some(true));
        let plain = "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
        assert_eq!(starttls_offered("smtp", Some(plain)), Some(false));
        // The greeting line itself is never a keyword.
        assert_eq!(
            starttls_offered("smtp", Some("250 STARTTLS\r\n")),
            Some(false)
        );
        assert_eq!(starttls_offered("smtp", None), None);
        let failed = "501 5.5.4 Invalid argument\r\n";
        assert_eq!(starttls_offered("smtp", Some(failed)), Some(false));
    }

    #[test]
    fn imap_and_pop3_capabilities() {
        let greet = "* OK [CAPABILITY IMAP4rev1 LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.\r\n";
        assert_eq!(starttls_offered("imap", Some(greet)), Some(true));
        assert_eq!(
            starttls_offered("imap", Some("* OK dovecot ready.\r\n")),
            None
        );
        assert_eq!(
            starttls_offered("imap", Some("* OK [CAPABILITY IMAP4rev1] hi\r\n")),
            Some(false)
        );
        assert_eq!(
            starttls_offered("pop3", Some("+OK\r\nUSER\r\nSTLS\r\n.\r\n")),
            Some(true)
        );
    }

    #[test]
    fn accept_replies() {
        assert_eq!(
            starttls_accepted("smtp", Some("220 2.0.0 Ready to start TLS\r\n")),
            Some(true)
        );
        assert_eq!(
            starttls_accepted("smtp", Some("502 5.5.1 unrecognized\r\n")),
            Some(false)
        );
        assert_eq!(
            starttls_accepted("pop3", Some("+OK Begin TLS negotiation\r\n")),
            Some(true)
        );
        assert_eq!(
            starttls_accepted("imap", Some("a001 OK Begin TLS negotiation now.\r\n")),
            Some(true)
        );
        assert_eq!(
            starttls_accepted("imap", Some("a001 BAD unknown\r\n")),
            Some(false)
        );
        assert_eq!(starttls_accepted("smtp", None), None);
        assert_eq!(starttls_accepted("postgres", Some("S")), None);
    }

    #[test]
    fn rejections_without_the_command_are_told_from_refusals() {
        for (protocol, reply, unsupported) in [
            ("smtp", "502 5.5.2 Error: command not recognized\r\n", true),
            ("smtp", "500 5.5.1 Command unrecognized\r\n", true),
            (
                "smtp",
                "454 4.7.0 TLS not available due to local problem\r\n",
                false,
            ),
            ("smtp", "554 5.7.1 Access denied\r\n", false),
            ("imap", "a001 BAD Unknown command.\r\n", true),
            ("imap", "* BYE soon\r\na001 BAD command unknown\r\n", true),
            (
                "imap",
                "a001 NO [UNAVAILABLE] TLS support isn't available.\r\n",
                false,
            ),
            ("pop3", "-ERR Unknown command: STLS\r\n", true),
            ("pop3", "-ERR command not recognised\r\n", true),
            ("pop3", "-ERR Not implemented\r\n", true),
            (
                "pop3",
                "-ERR [SYS/TEMP] TLS temporarily unavailable\r\n",
                false,
            ),
            ("pop3", "-ERR\r\n", false),
            ("pop3", "", false),
            ("ftp", "500 unknown\r\n", false),
        ] {
            assert_eq!(
                rejection_means_unsupported(protocol, Some(reply)),
                unsupported,
                "{protocol} {reply:?}"
            );
        }
        assert!(!rejection_means_unsupported("smtp", None));
    }

    #[test]
    fn stripping_is_seen() {
        let ehlo = "250-mx.mtcenter.ru Hello\r\n250-8BITMIME\r\n250-XXXXXXXXA\r\n250 XXXB\r\n";
        assert!(starttls_stripped(Some(ehlo), None));
        assert!(starttls_stripped(
            None,
            Some("500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n")
        ));
        assert!(!starttls_stripped(
            Some("250-a\r\n250 STARTTLS\r\n"),
            Some("220 go\r\n")
        ));
        // A reply is searched past its first `X`; seven are not a mask.
        assert!(reply_masked(Some("500 XX \"XXXXXXXX\"")));
        assert!(!reply_masked(Some("500 XXXXXXX unknown")));
        // Keywords: case does not matter; other `X` words are not masks.
        for (word, is_masked) in [
            ("xxxxa", true),
            ("XXXXXXXXB", true),
            ("XXX", false),
            ("X-EXPS", false),
            ("XCLIENT", false),
            ("", false),
        ] {
            assert_eq!(masked(word.as_bytes()), is_masked, "{word}");
        }
    }

    #[test]
    fn one_pass_agrees_with_the_separate_checks() {
        let caps = [
            None,
            Some("250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
            Some("250-mx.example\r\n250-XXXXXXXXA\r\n250 8BITMIME\r\n"),
            Some("250-mx.example\r\n250-STARTTLS\r\n250 XXXXB\r\n"),
            Some("501 5.5.4 Invalid argument\r\n"),
            Some("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
            Some("+OK\r\nUSER\r\nSTLS\r\n.\r\n"),
            Some(""),
        ];
        let replies = [None, Some("220 go\r\n"), Some("500 \"XXXXXXXX\"\r\n")];
        for protocol in ["smtp", "imap", "pop3", "ftp"] {
            for c in caps {
                for r in replies {
                    let stripped = starttls_stripped(c, r);
                    let offered = if stripped {
                        Some(false)
                    } else {
                        starttls_offered(protocol, c)
                    };
                    assert_eq!(
                        starttls_advertised(protocol, c, r),
                        (offered, stripped),
                        "{protocol} {c:?} {r:?}"
                    );
                }
            }
        }
        assert_eq!(
            starttls_advertised("smtp", caps[1], replies[1]),
            (Some(true), false)
        );
        assert_eq!(
            starttls_advertised("smtp", caps[3], None),
            (Some(false), true)
        );
        assert_eq!(starttls_advertised("smtp", None, None), (None, false));
    }

    #[test]
    fn scans_io_names() {
        assert_eq!(resolve("imaps"), ("imap", Some(TlsMode::Implicit)));
        assert_eq!(resolve("smtp"), ("smtp", Some(TlsMode::Starttls)));
        assert_eq!(resolve("amqp091"), ("amqp091", None));
        assert_eq!(default_mode("amqp091"), TlsMode::Implicit);
    }
}
