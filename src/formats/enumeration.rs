//! Facts shared by the readers of cipher-suite enumeration tools (sslyze,
//! cipherscan): protocol-version names, what a STARTTLS setting or a port
//! means, suite names to codes, and curve parameters to names.

use sha2::{Digest, Sha256};

use crate::record::TlsMode;
use crate::tls::suites;

/// Protocol versions by the names tools give them: sslyze XML elements,
/// sslyze text sections, cipherscan/OpenSSL names, sslyze 5+ JSON keys.
const VERSIONS: &[(&str, u16)] = &[
    ("sslv2", 0x0002),
    ("sslv3", 0x0300),
    ("tlsv1", 0x0301),
    ("tlsv1_1", 0x0302),
    ("tlsv1_2", 0x0303),
    ("tlsv1_3", 0x0304),
    ("tlsv1.1", 0x0302),
    ("tlsv1.2", 0x0303),
    ("tlsv1.3", 0x0304),
    ("tlsv1.0", 0x0301),
    ("ssl_2_0", 0x0002),
    ("ssl_3_0", 0x0300),
    ("tls_1_0", 0x0301),
    ("tls_1_1", 0x0302),
    ("tls_1_2", 0x0303),
    ("tls_1_3", 0x0304),
];

/// The wire version a name means, whatever its case.
pub fn version(name: &str) -> Option<u16> {
    let name = name.to_ascii_lowercase();
    VERSIONS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// STARTTLS settings and wrapped-protocol names (sslyze 0.x `startTLS`,
/// 0.13+ `tlsWrappedProtocol`) → protocol and whether it upgrades in band.
/// `None` as a protocol means "by the port".
const WRAPPERS: &[(&str, Option<&str>, TlsMode)] = &[
    ("smtp", Some("smtp"), TlsMode::Starttls),
    ("pop3", Some("pop3"), TlsMode::Starttls),
    ("imap", Some("imap"), TlsMode::Starttls),
    ("ftp", Some("ftp"), TlsMode::Starttls),
    ("xmpp", Some("xmpp"), TlsMode::Starttls),
    ("xmpp_server", Some("xmpp"), TlsMode::Starttls),
    ("ldap", Some("ldap"), TlsMode::Starttls),
    ("rdp", Some("rdp"), TlsMode::Starttls),
    ("postgres", Some("postgres"), TlsMode::Starttls),
    ("starttlssmtp", Some("smtp"), TlsMode::Starttls),
    ("starttlspop3", Some("pop3"), TlsMode::Starttls),
    ("starttlsimap", Some("imap"), TlsMode::Starttls),
    ("starttlsftp", Some("ftp"), TlsMode::Starttls),
    ("starttlsxmpp", Some("xmpp"), TlsMode::Starttls),
    ("starttlsxmppserver", Some("xmpp"), TlsMode::Starttls),
    ("starttlsldap", Some("ldap"), TlsMode::Starttls),
    ("starttlsrdp", Some("rdp"), TlsMode::Starttls),
    ("starttlspostgres", Some("postgres"), TlsMode::Starttls),
    ("https", Some("https"), TlsMode::Implicit),
    ("plaintls", None, TlsMode::Implicit),
    ("none", None, TlsMode::Implicit),
];

/// Ports and the protocol spoken there: (port, protocol, STARTTLS).
const PORTS: &[(u16, &str, TlsMode)] = &[
    (25, "smtp", TlsMode::Starttls),
    (587, "smtp", TlsMode::Starttls),
    (465, "smtp", TlsMode::Implicit),
    (110, "pop3", TlsMode::Starttls),
    (995, "pop3", TlsMode::Implicit),
    (143, "imap", TlsMode::Starttls),
    (993, "imap", TlsMode::Implicit),
    (443, "https", TlsMode::Implicit),
    (21, "ftp", TlsMode::Starttls),
];

/// Protocol and mode of a target, from the tool's setting (if any) and
/// the port. `auto` (sslyze 0.x) takes the port's protocol.
pub fn service(setting: Option<&str>, port: Option<u16>) -> (String, Option<TlsMode>) {
    let by_port = port.and_then(|p| PORTS.iter().find(|(q, _, _)| *q == p));
    // sslyze writes these in several casings and with or without `_`.
    let key = setting.map(|s| s.to_ascii_lowercase().replace('_', ""));
    if key.as_deref() == Some("auto") {
        return by_port.map_or(("tls".into(), None), |(_, proto, mode)| {
            ((*proto).into(), Some(*mode))
        });
    }
    match key.and_then(|k| WRAPPERS.iter().find(|(n, _, _)| n.replace('_', "") == k)) {
        Some((_, Some(proto), mode)) => ((*proto).into(), Some(*mode)),
        Some((_, None, mode)) => {
            let proto = by_port
                .filter(|(_, _, m)| *m == TlsMode::Implicit)
                .map_or("tls", |(_, p, _)| p);
            (proto.into(), Some(*mode))
        }
        None => by_port.map_or(("tls".into(), None), |(_, proto, mode)| {
            ((*proto).into(), Some(*mode))
        }),
    }
}

/// OpenSSL 1.0.x names of the static-DH and static-ECDH suites, which
/// today's OpenSSL (where the name table comes from) no longer lists, but
/// sslyze 0.x tried on every server.
const LEGACY_OPENSSL_NAMES: &[(&str, &str)] = &[
    ("DH-DSS-DES-CBC-SHA", "TLS_DH_DSS_WITH_DES_CBC_SHA"),
    ("DH-DSS-DES-CBC3-SHA", "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"),
    ("DH-RSA-DES-CBC-SHA", "TLS_DH_RSA_WITH_DES_CBC_SHA"),
    ("DH-RSA-DES-CBC3-SHA", "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"),
    ("DH-DSS-AES128-SHA", "TLS_DH_DSS_WITH_AES_128_CBC_SHA"),
    ("DH-RSA-AES128-SHA", "TLS_DH_RSA_WITH_AES_128_CBC_SHA"),
    ("DH-DSS-AES256-SHA", "TLS_DH_DSS_WITH_AES_256_CBC_SHA"),
    ("DH-RSA-AES256-SHA", "TLS_DH_RSA_WITH_AES_256_CBC_SHA"),
    ("DH-DSS-AES128-SHA256", "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"),
    ("DH-RSA-AES128-SHA256", "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"),
    ("DH-DSS-AES256-SHA256", "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"),
    ("DH-RSA-AES256-SHA256", "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"),
    (
        "DH-DSS-CAMELLIA128-SHA",
        "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA",
    ),
    (
        "DH-RSA-CAMELLIA128-SHA",
        "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA",
    ),
    (
        "DH-DSS-CAMELLIA256-SHA",
        "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA",
    ),
    (
        "DH-RSA-CAMELLIA256-SHA",
        "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA",
    ),
    ("DH-DSS-SEED-SHA", "TLS_DH_DSS_WITH_SEED_CBC_SHA"),
    ("DH-RSA-SEED-SHA", "TLS_DH_RSA_WITH_SEED_CBC_SHA"),
    (
        "DH-RSA-AES128-GCM-SHA256",
        "TLS_DH_RSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "DH-RSA-AES256-GCM-SHA384",
        "TLS_DH_RSA_WITH_AES_256_GCM_SHA384",
    ),
    (
        "DH-DSS-AES128-GCM-SHA256",
        "TLS_DH_DSS_WITH_AES_128_GCM_SHA256",
    ),
    (
        "DH-DSS-AES256-GCM-SHA384",
        "TLS_DH_DSS_WITH_AES_256_GCM_SHA384",
    ),
    ("ECDH-ECDSA-NULL-SHA", "TLS_ECDH_ECDSA_WITH_NULL_SHA"),
    ("ECDH-ECDSA-RC4-SHA", "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    (
        "ECDH-ECDSA-DES-CBC3-SHA",
        "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
    ),
    (
        "ECDH-ECDSA-AES128-SHA",
        "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA",
    ),
    (
        "ECDH-ECDSA-AES256-SHA",
        "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
    ),
    ("ECDH-RSA-NULL-SHA", "TLS_ECDH_RSA_WITH_NULL_SHA"),
    ("ECDH-RSA-RC4-SHA", "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    (
        "ECDH-RSA-DES-CBC3-SHA",
        "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
    ),
    ("ECDH-RSA-AES128-SHA", "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    ("ECDH-RSA-AES256-SHA", "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    (
        "ECDH-ECDSA-AES128-SHA256",
        "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256",
    ),
    (
        "ECDH-ECDSA-AES256-SHA384",
        "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384",
    ),
    (
        "ECDH-RSA-AES128-SHA256",
        "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256",
    ),
    (
        "ECDH-RSA-AES256-SHA384",
        "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384",
    ),
    (
        "ECDH-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "ECDH-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
    ),
    (
        "ECDH-RSA-AES128-GCM-SHA256",
        "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "ECDH-RSA-AES256-GCM-SHA384",
        "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
    ),
];

fn by_iana_name(name: &str) -> Option<u32> {
    suites::table()
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.id)
}

/// The `cipher_suites` code of a suite as a tool names it: an IANA name
/// (`TLS_…`, `SSL_CK_…`, or without `TLS_` as sslyze 1.x writes the CCM
/// suites), or an OpenSSL name, which for SSLv2 names an SSLv2 cipher kind.
pub fn suite_code(version: u16, name: &str) -> Option<u32> {
    if name.starts_with("TLS_") || name.starts_with("SSL_") {
        return by_iana_name(name);
    }
    if name.contains("_WITH_") {
        return by_iana_name(&format!("TLS_{name}"));
    }
    if version == 0x0002 {
        return suites::table()
            .iter()
            .find(|s| s.id > 0xFFFF && s.openssl_name.as_deref() == Some(name))
            .map(|s| s.id);
    }
    suites::by_openssl_name(name).map(|s| s.id).or_else(|| {
        let (_, iana) = LEGACY_OPENSSL_NAMES.iter().find(|(o, _)| *o == name)?;
        by_iana_name(iana)
    })
}

/// Named curves by their prime (hex, lower case, without leading zeros).
const CURVES: &[(&str, &str)] = &[
    (
        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        "secp256r1",
    ),
    (
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        "secp384r1",
    ),
    (
        "1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "secp521r1",
    ),
    (
        "ffffffffffffffffffffffffffffffff000000000000000000000001",
        "secp224r1",
    ),
    (
        "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
        "brainpoolP256r1",
    ),
];

fn bare_hex(text: &str) -> String {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    t.replace(':', "")
        .trim_start_matches('0')
        .to_ascii_lowercase()
}

/// The curve whose field prime is `prime` (`0x00ffff…`), if it is a known one.
pub fn curve_of_prime(prime: &str) -> Option<&'static str> {
    let p = bare_hex(prime);
    CURVES.iter().find(|(q, _)| *q == p).map(|(_, n)| *n)
}

/// SHA-256 (hex) of a DH prime written in hex, as `handshakes.dh_prime_sha256`
/// hashes it: the big-endian magnitude without leading zero bytes.
pub fn dh_prime_sha256(prime: &str) -> Option<String> {
    let mut p = bare_hex(prime);
    if p.len() % 2 == 1 {
        p.insert(0, '0');
    }
    let bytes = hex::decode(&p).ok().filter(|b| !b.is_empty())?;
    Some(hex::encode(Sha256::digest(&bytes)))
}

/// The base64 body of a PEM certificate, as a chain entry.
pub fn pem_certificate(pem: &str) -> Option<crate::record::CertInput<'static>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    (!body.is_empty()).then(|| crate::record::CertInput::Base64Der(body.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ports_and_suites() {
        assert_eq!(version("TLSV1_2"), Some(0x0303));
        assert_eq!(version("SSLv2"), Some(0x0002));
        assert_eq!(
            service(Some("smtp"), Some(25)),
            ("smtp".into(), Some(TlsMode::Starttls))
        );
        assert_eq!(
            service(Some("None"), Some(993)),
            ("imap".into(), Some(TlsMode::Implicit))
        );
        assert_eq!(
            service(Some("startTlsSmtp"), Some(587)),
            ("smtp".into(), Some(TlsMode::Starttls))
        );
        assert_eq!(
            service(Some("None"), Some(25)),
            ("tls".into(), Some(TlsMode::Implicit))
        );
        assert_eq!(
            service(None, Some(995)),
            ("pop3".into(), Some(TlsMode::Implicit))
        );
        assert_eq!(
            suite_code(0x0303, "ECDHE-RSA-AES256-GCM-SHA384"),
            Some(0xC030)
        );
        assert_eq!(
            suite_code(0x0303, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
            Some(0x000A)
        );
        assert_eq!(suite_code(0x0002, "DES-CBC3-MD5"), Some(0x0700C0));
        assert_eq!(suite_code(0x0301, "RC4-MD5"), Some(0x0004));
        assert_eq!(
            curve_of_prime("0x00ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
            Some("secp256r1")
        );
        assert_eq!(dh_prime_sha256("0x00"), None);
        assert_eq!(suite_code(0x0303, "DH-RSA-AES128-SHA"), Some(0x0031));
        assert_eq!(
            suite_code(0x0303, "ECDH-RSA-AES256-GCM-SHA384"),
            Some(0xC032)
        );
        assert_eq!(suite_code(0x0303, "RSA_WITH_AES_128_CCM_8"), Some(0xC0A0));
        for (openssl, iana) in LEGACY_OPENSSL_NAMES {
            assert!(by_iana_name(iana).is_some(), "{openssl} → {iana}");
        }
    }
}
