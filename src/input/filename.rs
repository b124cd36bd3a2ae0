//! The scans.io / Censys file-name convention:
//! `<id>-<port>-<protocol>-<subprotocol>-<destination>-<YYYYMMDDTHHMMSS>-<file>.<ext>`,
//! e.g. `dmw8z7wkktwcs0jg-143-imap-starttls-full_ipv4-20160410T022854-zgrab-results.json.lz4`.

use crate::formats::mail;
use crate::record::TlsMode;
use crate::time::parse_run_id_us;

/// What a scans.io file name says about its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesName {
    /// Scanned port.
    pub port: u16,
    /// Dataset protocol name (`smtps` → `smtp`).
    pub protocol: String,
    /// TLS mode implied by protocol and sub-protocol.
    pub mode: TlsMode,
    /// Sub-protocol as written (`starttls`, `tls`, `ssl_2`, `rsa_export`…).
    pub subprotocol: String,
    /// Destination (`full_ipv4`, `alexa_top1mil`, `1%_sample_ipv4`).
    pub destination: String,
    /// Run id as written (`20150803T040000`).
    pub run: String,
    /// Run start, µs since the epoch (UTC).
    pub run_us: i64,
    /// Series and run as written, e.g. `25-smtp-starttls-full_ipv4-20150803T040000`.
    pub id: String,
}

impl SeriesName {
    /// Reads the convention from a file name; `None` if it does not follow it.
    pub fn parse(file_name: &str) -> Option<SeriesName> {
        let tokens: Vec<&str> = file_name.split('-').collect();
        (0..tokens.len().saturating_sub(4)).find_map(|i| {
            let port: u16 = tokens[i].parse().ok()?;
            let run_token = tokens[i + 4];
            let run = run_token.split('.').next()?;
            let run_us = parse_run_id_us(run)?;
            let (protocol, alias_mode) = mail::resolve(tokens[i + 1]);
            let alias_mode = alias_mode?;
            let subprotocol = tokens[i + 2];
            let mode = match subprotocol {
                "starttls" => TlsMode::Starttls,
                "tls" => TlsMode::Implicit,
                _ => alias_mode,
            };
            Some(SeriesName {
                port,
                protocol: protocol.to_owned(),
                mode,
                subprotocol: subprotocol.to_owned(),
                destination: tokens[i + 3].to_owned(),
                run: run.to_owned(),
                run_us,
                id: format!("{}-{run}", tokens[i..i + 4].join("-")),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn censys_names() {
        let s = SeriesName::parse(
            "dmw8z7wkktwcs0jg-143-imap-starttls-full_ipv4-20160410T022854-zgrab-results.json.lz4",
        )
        .unwrap();
        assert_eq!(
            (s.port, s.protocol.as_str(), s.mode),
            (143, "imap", TlsMode::Starttls)
        );
        assert_eq!(s.id, "143-imap-starttls-full_ipv4-20160410T022854");
        let s = SeriesName::parse("993-imaps-tls-full_ipv4-20150721T120000-zgrab-results.json")
            .unwrap();
        assert_eq!(
            (s.port, s.protocol.as_str(), s.mode),
            (993, "imap", TlsMode::Implicit)
        );
        assert_eq!(s.id, "993-imaps-tls-full_ipv4-20150721T120000");
        let s =
            SeriesName::parse("x-25-smtp-starttls-1%_sample_ipv4-20150803T0400-zmap-results.csv")
                .unwrap();
        assert_eq!(
            (s.port, s.destination.as_str(), s.run.as_str()),
            (25, "1%_sample_ipv4", "20150803T0400")
        );
        let s =
            SeriesName::parse("995-pop3s-rsa_export-full_ipv4-20151020T000000-zgrab-results.json")
                .unwrap();
        assert_eq!((s.protocol.as_str(), s.mode), ("pop3", TlsMode::Implicit));
        assert_eq!(s.id, "995-pop3s-rsa_export-full_ipv4-20151020T000000");
        assert_eq!(SeriesName::parse("test.json"), None);
        assert_eq!(
            SeriesName::parse("25-smtp-starttls-full_ipv4-notadate.json"),
            None
        );
        assert_eq!(
            SeriesName::parse("22-ssh-banner-full_ipv4-20150803T040000.json"),
            None
        );
    }
}
