//! masscan output: port-scan status records and `--banners` records, one
//! per line, in every shape masscan wrote:
//!
//! - `-oL`: `open tcp 25 192.0.2.25 1434528000` and `banner tcp 25
//!   192.0.2.25 1434528003 smtp 220 …` (`\xNN` escapes), `#masscan` and
//!   `# end` around them;
//! - `-oJ` (2014–today): `{"ip", "timestamp"?, "ports": [{"port", "proto",
//!   "status", "reason", "ttl"} | {…, "service": {"name", "banner"}}]}`,
//!   with a trailing comma on every line until 2018, unquoted keys in 2014,
//!   `{finished: 1}` as the last line until 2017, inside `[` … `]` after;
//! - `-oD` (ndjson): `{"ip", "timestamp", "port", "proto", "rec_type":
//!   "status" | "banner", "data": {…}}`;
//! - `-oX`: one `<host>` element per line between nmap-style headers.
//!
//! Status records become `discovery` rows; banners become `banners` rows:
//! the `ssl` banner gives the negotiated version and suite and the names of
//! the first certificate, `X509`/`X509CA` banners a certificate (base64
//! DER) for the certificate store.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Deserialize;

use super::{json, RecordError};
use crate::record::{Banner, CertInput, Discovery, FactSource, Parsed};

/// Lines of masscan's headers and footers, in every output: no record.
const FRAME_LINES: &[&str] = &[
    "#masscan",
    "# end",
    "{finished",
    "[",
    "]",
    "<?xml",
    "<!-- masscan",
    "<nmaprun",
    "<scaninfo",
    "<runstats",
    "</runstats",
    "<finished",
    "<hosts",
    "</nmaprun",
];

/// Is this line a masscan header, footer or bracket?
pub fn is_frame(line: &str) -> bool {
    let t = line.trim().trim_end_matches(',');
    FRAME_LINES.iter().any(|f| t.starts_with(f)) && !t.starts_with("<host ")
}

/// Is this an `-oL` record line?
pub fn is_list_line(line: &str) -> bool {
    let mut words = line.split_ascii_whitespace();
    matches!(
        (words.next(), words.next()),
        (
            Some("open" | "closed" | "banner" | "up" | "unknown"),
            Some("tcp" | "udp" | "sctp" | "icmp" | "arp" | "err")
        )
    )
}

/// Is this an `-oX` host line?
pub fn is_xml_host(line: &str) -> bool {
    line.trim_start().starts_with("<host ")
}

/// Does a JSON-looking line need masscan's repairs (a trailing comma,
/// unquoted keys)?
pub fn is_json_line(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('{') && (t.ends_with("},") || t.starts_with("{   ip:") || t.starts_with("{ip:"))
}

/// Decodes `\xNN` escapes (`-oL`, `-oX`).
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            if let Some(v) = text
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Versions as the `ssl` banner names them.
const SSL_VERSIONS: &[(&str, u16)] = &[
    ("SSLv3", 0x0300),
    ("TLS/1.0", 0x0301),
    ("TLS/1.1", 0x0302),
    ("TLS/1.2", 0x0303),
    ("TLS/1.3", 0x0304),
];

/// A banner record, read by its service name.
fn banner(ip: &str, port: u16, timestamp_us: Option<i64>, service: &str, text: String) -> Banner {
    let mut b = Banner {
        ip: ip.to_owned(),
        port,
        timestamp_us,
        service: service.to_owned(),
        ..Banner::default()
    };
    match service {
        "ssl" => {
            let (head, names) = text.split_once(", ").unwrap_or((text.as_str(), ""));
            let mut words = head.split_whitespace();
            let version = words.next().unwrap_or_default();
            b.tls_version = SSL_VERSIONS
                .iter()
                .find(|(n, _)| *n == version)
                .map(|(_, v)| *v)
                .or_else(|| {
                    // `SSLver[3,1]`
                    let inner = version.strip_prefix("SSLver[")?.strip_suffix(']')?;
                    let (major, minor) = inner.split_once(',')?;
                    Some(
                        major.trim().parse::<u16>().ok()? << 8
                            | minor.trim().parse::<u16>().ok()?,
                    )
                });
            b.cipher_id = words
                .next()
                .and_then(|c| c.strip_prefix("cipher:0x"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok());
            b.names = names
                .split(", ")
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            b.names.dedup();
            b.text = Some(text);
        }
        "X509" | "X509CA" => {
            let der = text.trim().to_owned();
            if !der.is_empty() {
                b.cert = Some(CertInput::Base64Der(der.into()));
            }
        }
        _ => b.text = Some(text),
    }
    b
}

fn status(
    ip: &str,
    port: u16,
    timestamp_us: Option<i64>,
    status: &str,
    reason: Option<String>,
) -> Discovery<'static> {
    Discovery {
        ip: Cow::Owned(ip.to_owned()),
        port,
        port_source: FactSource::Record,
        classification: Some(Cow::Owned(reason.unwrap_or_else(|| status.to_owned()))),
        success: Some(status == "open"),
        timestamp_us,
    }
}

fn seconds(text: &str) -> Result<i64, RecordError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| s.checked_mul(1_000_000))
        .ok_or_else(|| RecordError::new(format!("masscan time {text:?} is not Unix seconds")))
}

fn port(text: &str) -> Result<u16, RecordError> {
    text.parse()
        .map_err(|_| RecordError::new(format!("masscan port {text:?} is not 0–65535")))
}

/// Parses one `-oL` line.
pub fn parse_list_line(line: &str) -> Result<Parsed<'static>, RecordError> {
    let mut parts = line.trim_end().splitn(7, ' ');
    let mut next = |what: &str| {
        parts
            .next()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| RecordError::new(format!("masscan list line without {what}")))
    };
    let kind = next("a status")?;
    let _proto = next("a protocol")?;
    let p = port(next("a port")?)?;
    let ip = next("an address")?.to_owned();
    let time = Some(seconds(next("a time")?)?);
    let mut parsed = Parsed::default();
    if kind == "banner" {
        let service = next("a service")?.to_owned();
        let text = unescape(parts.next().unwrap_or_default());
        parsed.banners.push(banner(&ip, p, time, &service, text));
    } else {
        parsed.discoveries.push(status(&ip, p, time, kind, None));
    }
    Ok(parsed)
}

/// Quotes the bare keys of 2014's `-oJ` outside string literals.
fn quote_keys(line: &str) -> String {
    const KEYS: &[&str] = &[
        "ip",
        "timestamp",
        "ports",
        "port",
        "proto",
        "status",
        "reason",
        "ttl",
        "service",
        "name",
        "banner",
        "finished",
    ];
    let mut out = String::with_capacity(line.len() + 32);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => escaped = false,
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if let Some(key) = KEYS
            .iter()
            .find(|k| rest.starts_with(*k) && rest[k.len()..].trim_start().starts_with(':'))
        {
            let before = out.trim_end().chars().last();
            if matches!(before, Some('{' | ',')) {
                out.push('"');
                out.push_str(key);
                out.push('"');
                rest = &rest[key.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[derive(Deserialize)]
struct Service<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct PortRecord<'a> {
    port: Option<u16>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service: Option<Service<'a>>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow)]
    ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ports: Vec<PortRecord<'a>>,
    // -oD
    port: Option<u16>,
    #[serde(borrow)]
    rec_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<Data<'a>>,
}

/// Is this JSON object a masscan record (`ip` with `ports`, or `rec_type`)?
pub fn is_json_record(has: impl Fn(&str) -> bool) -> bool {
    has("ports") || has("rec_type")
}

/// Parses one `-oJ` or `-oD` line, repairing what masscan wrote wrong.
pub fn parse_json(line: &str) -> Result<Parsed<'static>, RecordError> {
    let t = line.trim().trim_end_matches(',');
    let repaired;
    let text = if t.starts_with("{   ip:") || t.starts_with("{ip:") {
        repaired = quote_keys(t);
        repaired.as_str()
    } else {
        t
    };
    let r: JsonRecord = json::from_str(text)
        .map_err(|e| RecordError::new(format!("masscan JSON: {}", super::short(&e))))?;
    let ip =
        r.ip.as_deref()
            .ok_or_else(|| RecordError::new("masscan record without `ip`"))?;
    let time = r.timestamp.as_deref().map(seconds).transpose()?;
    let mut parsed = Parsed::default();
    if let Some(kind) = r.rec_type.as_deref() {
        let p = r
            .port
            .ok_or_else(|| RecordError::new("masscan ndjson record without `port`"))?;
        let data = r.data.unwrap_or(Data {
            status: None,
            reason: None,
            service_name: None,
            banner: None,
        });
        match kind {
            "banner" => parsed.banners.push(banner(
                ip,
                p,
                time,
                data.service_name.as_deref().unwrap_or("unknown"),
                data.banner.as_deref().unwrap_or_default().to_owned(),
            )),
            _ => parsed.discoveries.push(status(
                ip,
                p,
                time,
                data.status.as_deref().unwrap_or("open"),
                data.reason.map(Cow::into_owned),
            )),
        }
        return Ok(parsed);
    }
    for rec in &r.ports {
        let p = rec
            .port
            .ok_or_else(|| RecordError::new("masscan `ports` entry without `port`"))?;
        match &rec.service {
            Some(s) => parsed.banners.push(banner(
                ip,
                p,
                time,
                s.name.as_deref().unwrap_or("unknown"),
                s.banner.as_deref().unwrap_or_default().to_owned(),
            )),
            None => parsed.discoveries.push(status(
                ip,
                p,
                time,
                rec.status.as_deref().unwrap_or("open"),
                rec.reason.as_deref().map(str::to_owned),
            )),
        }
    }
    Ok(parsed)
}

/// Parses one `-oX` `<host>` line.
pub fn parse_xml_host(line: &str) -> Result<Parsed<'static>, RecordError> {
    let mut reader = Reader::from_str(line);
    let (mut ip, mut port_id, mut time) = (None, None, None);
    let (mut state, mut reason, mut service) = (None, None, None);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let get = |name: &str| {
                    e.try_get_attribute(name)
                        .ok()
                        .flatten()
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                match e.local_name().as_ref() {
                    b"host" => time = get("endtime"),
                    b"address" => ip = get("addr"),
                    b"port" => port_id = get("portid"),
                    b"state" => {
                        state = get("state");
                        reason = get("reason");
                    }
                    b"service" => service = Some((get("name"), get("banner"))),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(RecordError::new(format!("masscan XML host line: {e}"))),
        }
    }
    let ip = ip.ok_or_else(|| RecordError::new("masscan <host> without <address addr>"))?;
    let p = port(port_id.as_deref().unwrap_or_default())?;
    let time = time.as_deref().map(seconds).transpose()?;
    let mut parsed = Parsed::default();
    match service {
        Some((name, text)) => parsed.banners.push(banner(
            &ip,
            p,
            time,
            name.as_deref().unwrap_or("unknown"),
            unescape(text.as_deref().unwrap_or_default()),
        )),
        None => parsed.discoveries.push(status(
            &ip,
            p,
            time,
            state.as_deref().unwrap_or("open"),
            reason,
        )),
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape() {
        let l = parse_list_line("open tcp 25 192.0.2.25 1434528000").unwrap();
        assert_eq!(l.discoveries[0].port, 25);
        assert_eq!(l.discoveries[0].success, Some(true));
        let b = parse_list_line(
            "banner tcp 25 192.0.2.25 1434528003 ssl TLS/1.2 cipher:0xc030, mail01, mail01, mail01.hiboxy.com",
        )
        .unwrap();
        let s = &b.banners[0];
        assert_eq!((s.tls_version, s.cipher_id), (Some(0x0303), Some(0xc030)));
        assert_eq!(s.names, ["mail01", "mail01.hiboxy.com"]);
        let smtp = parse_list_line(
            "banner tcp 25 192.0.2.25 1434528003 smtp 220 mx1.example.org ESMTP\\x0a250 STARTTLS",
        )
        .unwrap();
        assert_eq!(
            smtp.banners[0].text.as_deref(),
            Some("220 mx1.example.org ESMTP\n250 STARTTLS")
        );
        let old = parse_json(r#"{   ip: "192.0.2.25",   ports: [ {port: 25, proto: "tcp", service: {name: "smtp", banner: "name: x"} } ] },"#).unwrap();
        assert_eq!(old.banners[0].text.as_deref(), Some("name: x"));
        let j = parse_json(r#"{   "ip": "192.0.2.25",   "timestamp": "1434528000", "ports": [ {"port": 25, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54} ] },"#).unwrap();
        assert_eq!(j.discoveries[0].classification.as_deref(), Some("syn-ack"));
        let x509 = parse_json(r#"{"ip":"192.0.2.25","timestamp":"1434528003","port":25,"proto":"tcp","rec_type":"banner","data":{"service_name":"X509","banner":"MIIB"}}"#).unwrap();
        assert!(x509.banners[0].cert.is_some());
        let x = parse_xml_host(r#"<host endtime="1434528003"><address addr="192.0.2.25" addrtype="ipv4"/><ports><port protocol="tcp" portid="25"><state state="open" reason="response" reason_ttl="54" /><service name="ssl" banner="SSLver[3,1] cipher:0x35"></service></port></ports></host>"#).unwrap();
        assert_eq!(x.banners[0].tls_version, Some(0x0301));
        assert_eq!(x.banners[0].cipher_id, Some(0x35));
        assert!(is_frame("{finished: 1}") && is_frame("# end") && is_frame("]"));
        assert!(!is_frame(r#"<host endtime="1">"#));
        assert!(parse_list_line("open tcp 99999 192.0.2.1 1").is_err());
    }
}
