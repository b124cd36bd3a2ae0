//! sslyze output, the enumeration the 2015 study ran: one handshake per
//! protocol version × cipher suite.
//!
//! - `--xml_out` of 0.10–2.x (`<document SSLyzeVersion=…>`): per target a
//!   `<sslv2>…<tlsv1_3>` element with `acceptedCipherSuites`,
//!   `rejectedCipherSuites`, `errors` and `preferredCipherSuite`, each of
//!   `<cipherSuite name connectionStatus keySize>` with an optional
//!   `<keyExchange Type GroupSize prime|Prime …>`; STARTTLS from
//!   `results/@startTLS` (0.x) or `target/@tlsWrappedProtocol` (0.13+);
//!   unreachable targets under `invalidTargets`. Suite names are OpenSSL's
//!   up to 0.12, IANA's from 0.13.
//! - the text output of 0.11 (what operators kept): per target a `SCAN
//!   RESULTS FOR host:port - ip` header (or Mail-in-a-Box's `PORT n`), per
//!   version `* TLSV1_2 Cipher Suites:` with `Preferred:` / `Accepted:`
//!   lines (`NAME  ECDH-256 bits  256 bits  reply`) or `Server rejected
//!   all cipher suites.`; only accepted suites are listed, so rejections
//!   are known per version, not per suite.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::enumeration::{
    curve_of_prime, dh_prime_sha256, pem_certificate, service, suite_code, version,
};
use super::RecordError;
use crate::record::{CipherProbe, EnumTarget, Parsed, ProbeResult};

/// Does the document open like sslyze's XML?
pub fn is_xml(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let head = &head[start..];
    (head.starts_with(b"<?xml") || head.starts_with(b"<document"))
        && memchr::memmem::find(head, b"SSLyze").is_some()
}

/// Does the text look like sslyze's text output?
pub fn is_text(head: &[u8]) -> bool {
    memchr::memmem::find(head, b" Cipher Suites:").is_some()
        && (memchr::memmem::find(head, b"* SSLV").is_some()
            || memchr::memmem::find(head, b"* TLSV").is_some())
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn probe(version: u16, name: Option<String>, result: ProbeResult) -> CipherProbe {
    CipherProbe {
        version,
        cipher_id: name.as_deref().and_then(|n| suite_code(version, n)),
        suite: name,
        result,
        preferred: false,
        detail: None,
        key_bits: None,
        kex: None,
        kex_bits: None,
        curve: None,
        dh_prime_sha256: None,
    }
}

/// Which list of a version element a `cipherSuite` is in.
#[derive(Clone, Copy, PartialEq)]
enum List {
    Accepted,
    Rejected,
    Errors,
    Preferred,
}

/// The reading of one document.
#[derive(Default)]
struct XmlState {
    tool: String,
    start_tls: Option<String>,
    target: Option<EnumTarget>,
    version: Option<u16>,
    list: Option<List>,
    /// Suites of the version element being read, and its preferred ones.
    accepted: Vec<CipherProbe>,
    preferred: Vec<CipherProbe>,
    /// A `cipherSuite` whose children (`keyExchange`) are being read.
    open: Option<CipherProbe>,
    invalid_error: Option<String>,
    invalid_text: String,
    /// Inside the chain the server sent (not a verified path).
    in_chain: bool,
    /// The PEM text being read.
    pem: Option<String>,
    targets: Vec<EnumTarget>,
}

impl XmlState {
    fn start(&mut self, e: &BytesStart, empty: bool) {
        let name = e.local_name();
        let name = std::str::from_utf8(name.as_ref()).unwrap_or_default();
        match name {
            "document" => {
                self.tool = format!(
                    "sslyze {}",
                    attr(e, "SSLyzeVersion").unwrap_or_else(|| "?".into())
                )
            }
            "results" => self.start_tls = attr(e, "startTLS"),
            "invalidTarget" => {
                self.invalid_error = attr(e, "error");
                self.invalid_text.clear();
                if empty {
                    self.end("invalidTarget");
                }
            }
            "target" => {
                let port = attr(e, "port").and_then(|p| p.parse().ok());
                let setting = attr(e, "tlsWrappedProtocol").or_else(|| self.start_tls.clone());
                let (protocol, tls_mode) = service(setting.as_deref(), port);
                self.target = Some(EnumTarget {
                    tool: self.tool.clone(),
                    host: attr(e, "host"),
                    ip: attr(e, "ip"),
                    port,
                    protocol,
                    tls_mode,
                    ..EnumTarget::default()
                });
            }
            "certificateChain" | "receivedCertificateChain" => self.in_chain = !empty,
            "asPEM" if self.in_chain && !empty => self.pem = Some(String::new()),
            "acceptedCipherSuites" => self.list = Some(List::Accepted),
            "rejectedCipherSuites" => self.list = Some(List::Rejected),
            "errors" => self.list = Some(List::Errors),
            "preferredCipherSuite" => self.list = Some(List::Preferred),
            "cipherSuite" => {
                let (Some(v), Some(list)) = (self.version, self.list) else {
                    return;
                };
                let result = match list {
                    List::Accepted | List::Preferred => ProbeResult::Accepted,
                    List::Rejected => ProbeResult::Rejected,
                    List::Errors => ProbeResult::Error,
                };
                let mut p = probe(v, attr(e, "name"), result);
                p.detail = attr(e, "connectionStatus").filter(|s| !s.is_empty());
                p.key_bits = attr(e, "keySize").and_then(|k| k.parse().ok());
                p.preferred = list == List::Preferred;
                self.open = Some(p);
                if empty {
                    self.end("cipherSuite");
                }
            }
            "keyExchange" => {
                if let Some(p) = self.open.as_mut() {
                    let kind = attr(e, "Type").unwrap_or_default().to_ascii_uppercase();
                    p.kex_bits = attr(e, "GroupSize").and_then(|g| g.parse().ok());
                    if kind == "ECDH" {
                        p.kex = Some("ecdh");
                        p.curve = attr(e, "Prime")
                            .as_deref()
                            .and_then(curve_of_prime)
                            .map(str::to_owned)
                            .or_else(|| attr(e, "Curve_Name").or_else(|| attr(e, "ASN1_OID")));
                    } else if kind == "DH" {
                        p.kex = Some("dh");
                        p.dh_prime_sha256 = attr(e, "prime")
                            .or_else(|| attr(e, "Prime"))
                            .as_deref()
                            .and_then(dh_prime_sha256);
                    }
                }
            }
            other => {
                if let Some(v) = version(other).filter(|_| self.target.is_some()) {
                    self.version = Some(v);
                    self.accepted.clear();
                    self.preferred.clear();
                    if let Some(why) = attr(e, "exception") {
                        if let Some(t) = self.target.as_mut() {
                            t.plugin_errors.push(format!("{other}: {why}"));
                        }
                    }
                    if empty {
                        self.end(other);
                    }
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(pem) = self.pem.as_mut() {
            pem.push_str(text);
        } else if self.invalid_error.is_some() {
            self.invalid_text.push_str(text);
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "certificateChain" | "receivedCertificateChain" => self.in_chain = false,
            "asPEM" => {
                let cert = self.pem.take().as_deref().and_then(pem_certificate);
                if let (Some(cert), Some(t)) = (cert, self.target.as_mut()) {
                    t.chain.push(cert);
                }
            }
            "cipherSuite" => {
                if let Some(p) = self.open.take() {
                    if p.preferred {
                        self.preferred.push(p);
                    } else if p.result == ProbeResult::Accepted {
                        self.accepted.push(p);
                    } else if let Some(t) = self.target.as_mut() {
                        t.probes.push(p);
                    }
                }
            }
            "acceptedCipherSuites" | "rejectedCipherSuites" | "errors" | "preferredCipherSuite" => {
                self.list = None
            }
            "invalidTarget" => {
                let given = self.invalid_text.trim().to_owned();
                let (host, port) = match given.rsplit_once(':') {
                    Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_owned(), p.parse().ok()),
                    _ => (given.clone(), None),
                };
                let (protocol, tls_mode) = service(self.start_tls.as_deref(), port);
                self.targets.push(EnumTarget {
                    tool: self.tool.clone(),
                    host: Some(host.trim_matches(['[', ']']).to_owned()),
                    port,
                    protocol,
                    tls_mode,
                    error: Some(self.invalid_error.take().unwrap_or_default()),
                    ..EnumTarget::default()
                });
            }
            "target" => {
                if let Some(t) = self.target.take() {
                    self.targets.push(t);
                }
            }
            other if version(other).is_some() && self.version.is_some() => {
                // The preferred suite is one of the accepted: flag it there.
                let mut accepted = std::mem::take(&mut self.accepted);
                for p in std::mem::take(&mut self.preferred) {
                    match accepted.iter_mut().find(|a| a.suite == p.suite) {
                        Some(a) => a.preferred = true,
                        None => accepted.push(p),
                    }
                }
                if let Some(t) = self.target.as_mut() {
                    t.probes.extend(accepted);
                }
                self.version = None;
            }
            _ => {}
        }
    }
}

/// Parses a whole sslyze XML document. A document that breaks off keeps
/// the targets read before the break, and says where it broke.
pub fn parse_xml(text: &str) -> Result<Parsed<'static>, RecordError> {
    let mut reader = Reader::from_str(text);
    let mut state = XmlState::default();
    let mut broken_off = None;
    let mut seen_document = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                seen_document |= e.local_name().as_ref() == b"document";
                state.start(&e, false)
            }
            Ok(Event::Empty(e)) => state.start(&e, true),
            Ok(Event::Text(t)) => state.text(&t.decode().unwrap_or_default()),
            Ok(Event::End(e)) => {
                let name = e.local_name();
                state.end(std::str::from_utf8(name.as_ref()).unwrap_or_default());
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                let offset = reader.error_position() as usize;
                let line = text[..offset.min(text.len())].matches('\n').count() + 1;
                broken_off = Some(RecordError::new(format!(
                    "sslyze XML breaks off at line {line} of the document: {e}"
                )));
                break;
            }
        }
    }
    if !seen_document {
        return Err(RecordError::new(
            "an XML document without sslyze's <document> element",
        ));
    }
    if broken_off.is_none() && (state.target.is_some() || state.version.is_some()) {
        broken_off = Some(RecordError::new(
            "sslyze XML ends inside a <target>: the file is cut short",
        ));
    }
    Ok(Parsed {
        targets: state.targets,
        broken_off,
        ..Parsed::default()
    })
}

/// One line of a cipher list in the text output: name, key exchange
/// (`ECDH-256 bits`, `DH-2048 bits`, `-`), key bits, and the reply.
fn text_suite(line: &str, version: u16, preferred: bool) -> Option<CipherProbe> {
    let mut words = line.split_whitespace();
    let name = words.next()?.to_owned();
    let rest: Vec<&str> = words.collect();
    let mut p = probe(version, Some(name), ProbeResult::Accepted);
    p.preferred = preferred;
    let mut i = 0;
    match rest.first() {
        Some(&"-") => i = 1,
        Some(kx) if kx.contains('-') && rest.get(1) == Some(&"bits") => {
            let (kind, bits) = kx.split_once('-')?;
            p.kex = match kind {
                "ECDH" => Some("ecdh"),
                "DH" => Some("dh"),
                _ => None,
            };
            p.kex_bits = bits.parse().ok();
            i = 2;
        }
        _ => {}
    }
    if rest.get(i + 1) == Some(&"bits") {
        p.key_bits = rest.get(i)?.parse().ok();
        i += 2;
    }
    let reply = rest[i.min(rest.len())..].join(" ");
    p.detail = (!reply.is_empty()).then_some(reply);
    Some(p)
}

/// Parses sslyze's text output (one file, several targets).
pub fn parse_text(text: &str) -> Result<Parsed<'static>, RecordError> {
    let mut targets: Vec<EnumTarget> = Vec::new();
    let mut version_now: Option<u16> = None;
    let mut preferred = false;
    let mut listing = false;
    let mut accepted: Vec<CipherProbe> = Vec::new();
    let flush = |targets: &mut Vec<EnumTarget>, accepted: &mut Vec<CipherProbe>| {
        // The preferred suite is listed again among the accepted.
        let mut merged: Vec<CipherProbe> = Vec::new();
        for p in accepted.drain(..) {
            match merged.iter_mut().find(|m| m.suite == p.suite) {
                Some(m) => m.preferred |= p.preferred,
                None => merged.push(p),
            }
        }
        if let Some(t) = targets.last_mut() {
            t.probes.extend(merged);
        }
    };
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let header = trimmed
            .strip_prefix("SCAN RESULTS FOR ")
            .map(|rest| {
                let (target, ip) = rest.split_once(" - ").unwrap_or((rest, ""));
                let (host, port) = target.rsplit_once(':').unwrap_or((target, ""));
                (
                    Some(host.to_owned()),
                    port.parse().ok(),
                    Some(ip.trim().to_owned()),
                )
            })
            .or_else(|| {
                let port = trimmed.strip_prefix("PORT ")?.trim().parse().ok()?;
                Some((None, Some(port), None))
            });
        if let Some((host, port, ip)) = header {
            flush(&mut targets, &mut accepted);
            version_now = None;
            let (protocol, tls_mode) = service(None, port);
            targets.push(EnumTarget {
                tool: "sslyze text".into(),
                host,
                ip: ip.filter(|i| !i.is_empty()),
                port,
                protocol,
                tls_mode,
                ..EnumTarget::default()
            });
            continue;
        }
        if let Some(section) = trimmed.strip_prefix("* ") {
            flush(&mut targets, &mut accepted);
            version_now = section
                .strip_suffix(" Cipher Suites:")
                .and_then(version)
                .filter(|_| !targets.is_empty());
            listing = false;
            continue;
        }
        let Some(v) = version_now else {
            continue;
        };
        match trimmed {
            "Preferred:" => (preferred, listing) = (true, true),
            "Accepted:" => (preferred, listing) = (false, true),
            "Server rejected all cipher suites." => {
                if let Some(t) = targets.last_mut() {
                    t.probes.push(probe(v, None, ProbeResult::AllRejected));
                }
                listing = false;
            }
            "" => {}
            // Indented deeper than the list headings: a suite.
            _ if listing && line.len() - trimmed.len() > 8 => {
                if let Some(p) = text_suite(trimmed, v, preferred) {
                    accepted.push(p);
                }
            }
            // Anything else (post-processing lines a runner added) ends the list.
            _ => listing = false,
        }
    }
    flush(&mut targets, &mut accepted);
    if targets.is_empty() {
        return Err(RecordError::new(
            "sslyze text output without a `SCAN RESULTS FOR host:port` or `PORT n` header",
        ));
    }
    Ok(Parsed {
        targets,
        ..Parsed::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_lists_become_probes_and_the_preferred_is_flagged() {
        let doc = r#"<?xml version="1.0"?><document SSLyzeVersion="0.11.0" title="SSLyze Scan Results">
<invalidTargets><invalidTarget error="SMTP STARTTLS not supported">198.51.100.7:25</invalidTarget></invalidTargets>
<results startTLS="smtp"><target host="192.0.2.25" ip="192.0.2.25" port="25">
<sslv2 isProtocolSupported="False"><errors/><rejectedCipherSuites><cipherSuite anonymous="False" connectionStatus="TCP / Received RST" name="DES-CBC3-MD5"/></rejectedCipherSuites><acceptedCipherSuites/><preferredCipherSuite/></sslv2>
<tlsv1_2 isProtocolSupported="True"><errors><cipherSuite connectionStatus="timeout - timed out" name="CAMELLIA256-SHA"/></errors>
<rejectedCipherSuites/><acceptedCipherSuites><cipherSuite connectionStatus="250 2.0.0 Ok" keySize="128" name="DHE-RSA-AES128-SHA"><keyExchange Generator="2" GroupSize="1024" Type="DH" prime="0x00d67d"/></cipherSuite>
<cipherSuite connectionStatus="250 2.0.0 Ok" keySize="256" name="ECDHE-RSA-AES256-GCM-SHA384"><keyExchange GroupSize="256" Prime="0x00ffffffff00000001000000000000000000000000ffffffffffffffffffffffff" Type="ECDH"/></cipherSuite></acceptedCipherSuites>
<preferredCipherSuite><cipherSuite keySize="256" name="ECDHE-RSA-AES256-GCM-SHA384"/></preferredCipherSuite></tlsv1_2></target></results></document>"#;
        let p = parse_xml(doc).unwrap();
        assert!(p.broken_off.is_none());
        assert_eq!(p.targets.len(), 2);
        let bad = &p.targets[0];
        assert_eq!(bad.error.as_deref(), Some("SMTP STARTTLS not supported"));
        assert_eq!(
            (bad.host.as_deref(), bad.port),
            (Some("198.51.100.7"), Some(25))
        );
        let t = &p.targets[1];
        assert_eq!(
            (t.protocol.as_str(), t.tool.as_str()),
            ("smtp", "sslyze 0.11.0")
        );
        let rows: Vec<(u16, &str, &str, bool)> = t
            .probes
            .iter()
            .map(|p| {
                (
                    p.version,
                    p.suite.as_deref().unwrap(),
                    p.result.name(),
                    p.preferred,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (0x0002, "DES-CBC3-MD5", "rejected", false),
                (0x0303, "CAMELLIA256-SHA", "error", false),
                (0x0303, "DHE-RSA-AES128-SHA", "accepted", false),
                (0x0303, "ECDHE-RSA-AES256-GCM-SHA384", "accepted", true),
            ]
        );
        assert_eq!(t.probes[2].kex, Some("dh"));
        assert_eq!(t.probes[2].kex_bits, Some(1024));
        assert_eq!(t.probes[3].curve.as_deref(), Some("secp256r1"));
        assert_eq!(t.probes[3].cipher_id, Some(0xC030));
        let cut = parse_xml(&doc[..doc.len() / 2]).unwrap();
        assert_eq!(
            cut.targets.len(),
            1,
            "the invalid target before the cut is kept"
        );
        assert!(cut.broken_off.is_some());
    }

    #[test]
    fn text_sections_give_accepted_suites() {
        let text = "PORT 25\n-------\n\n  * SSLV2 Cipher Suites:\n      Server rejected all cipher suites.\n\n  * TLSV1_2 Cipher Suites:\n      Preferred:\n                 ECDHE-RSA-AES256-GCM-SHA384   ECDH-256 bits  256 bits      250 2.0.0 Ok\n      Accepted:\n                 ECDHE-RSA-AES256-GCM-SHA384   ECDH-256 bits  256 bits      250 2.0.0 Ok\n                 RC4-SHA                       -              128 bits      250 2.0.0 Ok\n\nShould Not Offer: RC4-SHA\n";
        let p = parse_text(text).unwrap();
        let t = &p.targets[0];
        assert_eq!((t.port, t.protocol.as_str()), (Some(25), "smtp"));
        let rows: Vec<(u16, Option<&str>, &str, bool)> = t
            .probes
            .iter()
            .map(|p| (p.version, p.suite.as_deref(), p.result.name(), p.preferred))
            .collect();
        assert_eq!(
            rows,
            [
                (0x0002, None, "all_rejected", false),
                (
                    0x0303,
                    Some("ECDHE-RSA-AES256-GCM-SHA384"),
                    "accepted",
                    true
                ),
                (0x0303, Some("RC4-SHA"), "accepted", false),
            ]
        );
        assert_eq!(t.probes[1].kex_bits, Some(256));
        assert_eq!(t.probes[2].key_bits, Some(128));
        assert_eq!(t.probes[2].detail.as_deref(), Some("250 2.0.0 Ok"));
    }
}
