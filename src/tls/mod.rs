//! TLS protocol facts kept as data tables.

pub mod clients;
pub mod dh_groups;
pub mod mozilla;
pub mod suites;

/// Protocol versions: wire value and the names scanners write for them.
///
/// ZGrab writes `TLSv1.0`, Censys the same, sslyze `TLSV1`, OpenSSL `TLSv1`.
pub const VERSIONS: &[(u16, &[&str])] = &[
    (0x0002, &["SSLv2", "SSLV2"]),
    (0x0300, &["SSLv3", "SSLV3"]),
    (0x0301, &["TLSv1.0", "TLSv1", "TLSV1", "TLSV1_0"]),
    (0x0302, &["TLSv1.1", "TLSV1_1"]),
    (0x0303, &["TLSv1.2", "TLSV1_2"]),
    (0x0304, &["TLSv1.3", "TLSV1_3"]),
];

/// The wire value of a version name, if known.
pub fn version_from_name(name: &str) -> Option<u16> {
    VERSIONS
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (code, names) in VERSIONS {
            for n in *names {
                assert_eq!(version_from_name(n), Some(*code));
            }
        }
        assert_eq!(version_from_name("TLSv9"), None);
    }
}
