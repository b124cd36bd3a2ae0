//! Rapid7 Project Sonar SSL certificate studies (`sonar.ssl`,
//! `sonar.moressl`): three gzip CSVs per scan, without headers —
//! `_certs` (`sha1,base64 DER`), `_hosts` or `_endpoints` (`ip,sha1`: the
//! certificates of one host on consecutive lines, as seen, leaf first) and
//! `_names` (`sha1,name`). The files are incremental: each lists only what
//! is new since the study's previous run, so a dataset that appends every
//! run holds the whole picture. The scan (date, service, port) is in the
//! file name: `2015-05-05-1430805600-smtp_starttls_25_certs.gz`,
//! `20150615_ssl_443_hosts.gz`.

use base64::Engine as _;
use sha1::{Digest, Sha1};

use super::RecordError;
use crate::record::{CertInput, Parsed, SonarRow, TlsMode};
use crate::time::parse_rfc3339_us;

/// What a Sonar file name says of its scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SonarFile {
    /// The scan's id: the name without the kind (`…_certs`).
    pub scan: String,
    /// Port.
    pub port: u16,
    /// STARTTLS (a `starttls` token) or implicit TLS.
    pub tls_mode: TlsMode,
    /// Scan date, µs since the epoch.
    pub date_us: Option<i64>,
}

/// Reads a Sonar SSL file name, if it is one.
pub fn file_name(name: &str) -> Option<SonarFile> {
    let stem = name.split('.').next()?;
    let (scan, kind) = stem.rsplit_once('_')?;
    if !matches!(kind, "certs" | "hosts" | "endpoints" | "names") {
        return None;
    }
    let (_, port) = scan.rsplit_once('_')?;
    let port: u16 = port.parse().ok()?;
    // `2015-05-05-1430805600-…` (the epoch is the scan start) or `20150615_…`.
    let mut parts = scan.split(['-', '_']);
    let first = parts.next()?;
    let date_us = if first.len() == 8 && first.bytes().all(|b| b.is_ascii_digit()) {
        parse_rfc3339_us(&format!(
            "{}-{}-{}T00:00:00Z",
            &first[..4],
            &first[4..6],
            &first[6..]
        ))
    } else {
        let (month, day) = (parts.next()?, parts.next()?);
        let epoch = parts.next().and_then(|e| e.parse::<i64>().ok());
        epoch
            .and_then(|e| e.checked_mul(1_000_000))
            .or_else(|| parse_rfc3339_us(&format!("{first}-{month}-{day}T00:00:00Z")))
    };
    let tls_mode = if scan.contains("starttls") {
        TlsMode::Starttls
    } else {
        TlsMode::Implicit
    };
    Some(SonarFile {
        scan: scan.to_owned(),
        port,
        tls_mode,
        date_us,
    })
}

fn is_sha1(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Is the line a Sonar record (`sha1,DER`, `ip,sha1` or `sha1,name`)?
pub fn is_row(line: &str) -> bool {
    let Some((a, b)) = line.trim_end().split_once(',') else {
        return false;
    };
    (is_sha1(a) && !b.is_empty() && !b.contains(','))
        || (is_sha1(b) && a.parse::<std::net::IpAddr>().is_ok())
}

/// Parses one line of any of the three files.
pub fn parse_row(line: &str) -> Result<Parsed<'static>, RecordError> {
    let (a, b) = line
        .trim_end()
        .split_once(',')
        .ok_or_else(|| RecordError::new("a Sonar SSL line has two fields"))?;
    let mut parsed = Parsed::default();
    if is_sha1(b) && a.parse::<std::net::IpAddr>().is_ok() {
        parsed.sonar.push(SonarRow {
            kind: "host",
            ip: Some(a.to_owned()),
            sha1: b.to_ascii_lowercase(),
            name: None,
        });
        return Ok(parsed);
    }
    if !is_sha1(a) {
        return Err(RecordError::new(format!(
            "Sonar SSL line starts with {a:?}, neither a SHA-1 nor an address"
        )));
    }
    let sha1 = a.to_ascii_lowercase();
    // A certificate line's second field is base64 DER (a SEQUENCE: `MI…`).
    if b.starts_with("MI") && b.len() > 100 {
        let der = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|e| RecordError::new(format!("Sonar certificate is not base64: {e}")))?;
        let actual = hex::encode(Sha1::digest(&der));
        if actual != sha1 {
            return Err(RecordError::new(format!(
                "Sonar certificate's SHA-1 is {actual}, not {sha1} as the line says"
            )));
        }
        parsed
            .certificates
            .push(CertInput::Base64Der(b.trim().to_owned().into()));
        parsed.sonar.push(SonarRow {
            kind: "cert",
            ip: None,
            sha1,
            name: None,
        });
        return Ok(parsed);
    }
    parsed.sonar.push(SonarRow {
        kind: "name",
        ip: None,
        sha1,
        name: Some(b.trim().to_ascii_lowercase()),
    });
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lines() {
        let f = file_name("2015-05-05-1430805600-smtp_starttls_25_certs.gz").unwrap();
        assert_eq!(
            (f.scan.as_str(), f.port, f.tls_mode, f.date_us),
            (
                "2015-05-05-1430805600-smtp_starttls_25",
                25,
                TlsMode::Starttls,
                Some(1_430_805_600_000_000)
            )
        );
        let f = file_name("20150615_ssl_443_hosts.gz").unwrap();
        assert_eq!((f.port, f.tls_mode), (443, TlsMode::Implicit));
        assert!(f.date_us.is_some());
        assert_eq!(file_name("top-1m.csv"), None);
        let host = parse_row("192.0.2.25,9F0E1D2C3B4A59687766554433221100FFEEDDCC").unwrap();
        assert_eq!(host.sonar[0].kind, "host");
        assert_eq!(
            host.sonar[0].sha1,
            "9f0e1d2c3b4a59687766554433221100ffeeddcc"
        );
        let name = parse_row("9f0e1d2c3b4a59687766554433221100ffeeddcc,MX1.example.org").unwrap();
        assert_eq!(name.sonar[0].name.as_deref(), Some("mx1.example.org"));
        assert!(is_row(
            "192.0.2.25,9f0e1d2c3b4a59687766554433221100ffeeddcc"
        ));
        assert!(!is_row("1,google.com"));
        assert!(!is_row("192.0.2.25"));
    }
}
