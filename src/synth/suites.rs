//! The cipher suites servers in a synthetic archive can negotiate: every
//! suite of the `cipher_suites` table ([`crate::tls::suites`]) whose key
//! exchange and authentication the generator can produce (RSA or ECDSA
//! certificates, or none), seen through the facts the generator needs.

use std::sync::OnceLock;

use anyhow::{bail, Result};

use crate::tls::suites::{table, CipherSuite};

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

impl Kx {
    /// The key exchange as the dataset's `kex` column names it.
    pub fn name(self) -> &'static str {
        match self {
            Kx::Rsa => "rsa",
            Kx::Dhe => "dhe",
            Kx::Ecdhe => "ecdhe",
            Kx::RsaExport => "rsa_export",
            Kx::DheExport => "dhe_export",
            Kx::AnonDh => "anon_dh",
            Kx::AnonEcdh => "anon_ecdh",
        }
    }
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

/// One suite the generator can negotiate.
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

fn view(s: &'static CipherSuite) -> Option<Suite> {
    let auth = match s.au {
        "rsa" => Auth::Rsa,
        "ecdsa" => Auth::Ecdsa,
        "null" if s.anon => Auth::Anon,
        _ => return None,
    };
    let kx = match (s.kx, auth, s.export) {
        ("rsa", Auth::Rsa, false) => Kx::Rsa,
        ("rsa", Auth::Rsa, true) => Kx::RsaExport,
        ("dhe", Auth::Rsa, false) => Kx::Dhe,
        ("dhe", Auth::Rsa, true) => Kx::DheExport,
        ("dh", Auth::Anon, false) => Kx::AnonDh,
        ("ecdh" | "ecdhe", Auth::Anon, false) => Kx::AnonEcdh,
        ("ecdhe", Auth::Rsa | Auth::Ecdsa, false) => Kx::Ecdhe,
        _ => return None,
    };
    (s.id <= 0xFFFF && !s.scsv && s.min_version <= 0x0303).then_some(Suite {
        code: s.id as u16,
        name: s.name.as_str(),
        kx,
        auth,
        min_version: s.min_version,
    })
}

fn suites() -> &'static [Suite] {
    static SUITES: OnceLock<Vec<Suite>> = OnceLock::new();
    SUITES.get_or_init(|| table().iter().filter_map(view).collect())
}

/// The suite with this code, if the generator can negotiate it.
pub fn by_code(code: u16) -> Option<&'static Suite> {
    // Ordered by code, as the table it is drawn from.
    let all = suites();
    all.binary_search_by_key(&code, |s| s.code)
        .ok()
        .map(|i| &all[i])
}

/// Parses `0xC02F`.
pub fn parse_code(text: &str) -> Option<u16> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u16::from_str_radix(hex, 16).ok()
}

/// Checks a profile's suite key: one the generator can negotiate, and ECDSA
/// exactly in the ECDSA table.
pub fn check_profile_code(text: &str, ecdsa_table: bool) -> Result<()> {
    let Some(suite) = parse_code(text).and_then(by_code) else {
        bail!(
            "suite `{text}` cannot be generated: give a `0x` code of an RSA, ECDSA or anonymous \
             suite up to TLS 1.2 (`mailtls ciphers` lists them)"
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
    fn views_follow_the_table() {
        let s = by_code(0xC02F).unwrap();
        assert_eq!(
            (s.kx, s.auth, s.min_version),
            (Kx::Ecdhe, Auth::Rsa, 0x0303)
        );
        assert_eq!(by_code(0x0003).unwrap().kx, Kx::RsaExport);
        assert_eq!(by_code(0x0014).unwrap().kx, Kx::DheExport);
        assert_eq!(by_code(0x0034).unwrap().kx, Kx::AnonDh);
        assert_eq!(by_code(0xC018).unwrap().kx, Kx::AnonEcdh);
        assert_eq!(by_code(0xC02B).unwrap().auth, Auth::Ecdsa);
        // DSS certificates, PSK and TLS 1.3 are not generated.
        assert!(
            by_code(0x0032).is_none() && by_code(0x008C).is_none() && by_code(0x1301).is_none()
        );
        assert!(suites().len() > 60);
        assert_eq!(parse_code("0xC02F"), Some(0xC02F));
        assert!(check_profile_code("0xC02B", false).is_err());
        assert!(check_profile_code("0x1234", false).is_err());
    }
}
