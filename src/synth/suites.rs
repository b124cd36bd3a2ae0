//! The cipher suites the generator can have servers negotiate, as data.

use anyhow::{bail, Result};

/// How the key is exchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kx {
    /// RSA key transport (no ServerKeyExchange).
    Rsa,
    /// Ephemeral finite-field Diffie-Hellman.
    Dhe,
    /// Ephemeral elliptic-curve Diffie-Hellman.
    Ecdhe,
    /// Export RSA: a 512-bit ephemeral RSA key.
    RsaExport,
    /// Export DHE: a DH group of at most 512 bits.
    DheExport,
    /// Anonymous DH: no certificate.
    AnonDh,
    /// Anonymous ECDH: no certificate.
    AnonEcdh,
}

/// How the server authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// RSA certificate.
    Rsa,
    /// ECDSA certificate.
    Ecdsa,
    /// None.
    Anon,
}

/// One suite.
#[derive(Debug)]
pub struct Suite {
    /// IANA code.
    pub code: u16,
    /// IANA name, as ZGrab writes it.
    pub name: &'static str,
    /// Key exchange.
    pub kx: Kx,
    /// Authentication.
    pub auth: Auth,
    /// Lowest protocol version that can negotiate it (wire value).
    pub min_version: u16,
}

const SSL3: u16 = 0x0300;
const TLS12: u16 = 0x0303;

macro_rules! suites {
    ($($code:literal $name:literal $kx:ident $auth:ident $min:ident;)*) => {
        /// Every suite the generator knows.
        pub const SUITES: &[Suite] = &[$(Suite { code: $code, name: $name, kx: Kx::$kx, auth: Auth::$auth, min_version: $min },)*];
    };
}

suites! {
    0xC030 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" Ecdhe Rsa TLS12;
    0xC02F "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" Ecdhe Rsa TLS12;
    0xC028 "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" Ecdhe Rsa TLS12;
    0xC014 "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" Ecdhe Rsa SSL3;
    0xC013 "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" Ecdhe Rsa SSL3;
    0xC011 "TLS_ECDHE_RSA_WITH_RC4_128_SHA" Ecdhe Rsa SSL3;
    0x009F "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" Dhe Rsa TLS12;
    0x009E "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" Dhe Rsa TLS12;
    0x0039 "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" Dhe Rsa SSL3;
    0x0033 "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" Dhe Rsa SSL3;
    0x0088 "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" Dhe Rsa SSL3;
    0x0016 "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" Dhe Rsa SSL3;
    0x0035 "TLS_RSA_WITH_AES_256_CBC_SHA" Rsa Rsa SSL3;
    0x002F "TLS_RSA_WITH_AES_128_CBC_SHA" Rsa Rsa SSL3;
    0x009D "TLS_RSA_WITH_AES_256_GCM_SHA384" Rsa Rsa TLS12;
    0x000A "TLS_RSA_WITH_3DES_EDE_CBC_SHA" Rsa Rsa SSL3;
    0x0005 "TLS_RSA_WITH_RC4_128_SHA" Rsa Rsa SSL3;
    0x0004 "TLS_RSA_WITH_RC4_128_MD5" Rsa Rsa SSL3;
    0x0003 "TLS_RSA_EXPORT_WITH_RC4_40_MD5" RsaExport Rsa SSL3;
    0x0014 "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" DheExport Rsa SSL3;
    0x0034 "TLS_DH_anon_WITH_AES_128_CBC_SHA" AnonDh Anon SSL3;
    0xC018 "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" AnonEcdh Anon SSL3;
    0x0002 "TLS_RSA_WITH_NULL_SHA" Rsa Rsa SSL3;
    0xC02C "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" Ecdhe Ecdsa TLS12;
    0xC02B "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" Ecdhe Ecdsa TLS12;
    0xC00A "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" Ecdhe Ecdsa SSL3;
}

/// The suite with this code.
pub fn by_code(code: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.code == code)
}

/// Parses `0xC02F`.
pub fn parse_code(text: &str) -> Option<u16> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u16::from_str_radix(hex, 16).ok()
}

/// Checks a profile's suite key: known, and ECDSA exactly in the ECDSA table.
pub fn check_profile_code(text: &str, ecdsa_table: bool) -> Result<()> {
    let Some(suite) = parse_code(text).and_then(by_code) else {
        let known: Vec<String> = SUITES.iter().map(|s| format!("0x{:04X}", s.code)).collect();
        bail!(
            "unknown suite `{text}`; the generator knows {}",
            known.join(", ")
        );
    };
    if (suite.auth == Auth::Ecdsa) != ecdsa_table {
        bail!(
            "suite {text} ({}) belongs in `{}`",
            suite.name,
            if suite.auth == Auth::Ecdsa {
                "ciphers_ecdsa"
            } else {
                "ciphers"
            }
        );
    }
    Ok(())
}

/// Wire value and ZGrab name of each version the generator uses.
pub const VERSIONS: &[(&str, u16, &str)] = &[
    ("sslv3", 0x0300, "SSLv3"),
    ("tls10", 0x0301, "TLSv1.0"),
    ("tls11", 0x0302, "TLSv1.1"),
    ("tls12", 0x0303, "TLSv1.2"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, s) in SUITES.iter().enumerate() {
            assert!(
                SUITES[i + 1..].iter().all(|t| t.code != s.code),
                "{}",
                s.name
            );
            assert_eq!(s.name.contains("anon"), s.auth == Auth::Anon, "{}", s.name);
            assert_eq!(
                s.name.contains("EXPORT"),
                matches!(s.kx, Kx::RsaExport | Kx::DheExport)
            );
            assert_eq!(
                s.name.contains("GCM") || s.name.ends_with("SHA384"),
                s.min_version == TLS12
            );
        }
        assert_eq!(parse_code("0xC02F"), Some(0xC02F));
        assert!(check_profile_code("0xC02B", false).is_err());
        assert!(check_profile_code("0x1234", false).is_err());
    }
}
