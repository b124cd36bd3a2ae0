//! Certificate facts, from DER (parsed leniently, once per distinct
//! certificate) or from a scanner's parsed JSON when no DER was recorded.

pub mod dn;
pub mod hostname;
mod names;
mod rsa_public;
mod scanner_json;
pub mod signature;

use sha2::{Digest, Sha256};
use x509_parser::der_parser::oid::Oid;
use x509_parser::nom::Parser as _;
use x509_parser::oid_registry::{
    OID_X509_EXT_BASIC_CONSTRAINTS, OID_X509_EXT_EXTENDED_KEY_USAGE, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_SUBJECT_ALT_NAME,
};
use x509_parser::prelude::*;

pub use scanner_json::ScannerCert;

/// What the dataset records about one distinct certificate.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CertFacts {
    /// SHA-256 of the DER, lower-case hex (the key).
    pub sha256: String,
    /// SHA-1 of the DER, lower-case hex.
    pub sha1: Option<String>,
    /// SHA-256 of the SubjectPublicKeyInfo, lower-case hex.
    pub spki_sha256: Option<String>,
    /// The DER itself, when the scanner recorded it.
    pub der: Option<Vec<u8>>,
    /// `ok`, `error` (DER kept, see `parse_error`) or `scanner_json` (no DER; facts from the scanner).
    pub parse_status: &'static str,
    /// Why the DER did not parse.
    pub parse_error: Option<String>,
    /// X.509 version (1, 2 or 3).
    pub version: Option<u8>,
    /// Serial number as a signed decimal.
    pub serial: Option<String>,
    /// Subject distinguished name (RFC 4514 order as the parser prints it).
    pub subject_dn: Option<String>,
    /// First subject common name.
    pub subject_cn: Option<String>,
    /// Issuer distinguished name.
    pub issuer_dn: Option<String>,
    /// First issuer common name.
    pub issuer_cn: Option<String>,
    /// DNS names of the subjectAltName extension.
    pub san_dns: Vec<String>,
    /// IP addresses of the subjectAltName extension.
    pub san_ip: Vec<String>,
    /// Extended key usages (`serverAuth`, `clientAuth`, … or the OID).
    pub eku: Vec<String>,
    /// Validity start, microseconds since the epoch (UTC).
    pub not_before_us: Option<i64>,
    /// Validity end, microseconds since the epoch (UTC).
    pub not_after_us: Option<i64>,
    /// `RSA`, `ECDSA`, `DSA`, `Ed25519`, …
    pub key_alg: Option<String>,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// Named curve of an EC key.
    pub curve: Option<String>,
    /// Signature algorithm (`sha256WithRSAEncryption`, `md5WithRSAEncryption`, …).
    pub sig_alg: Option<String>,
    /// basicConstraints CA flag.
    pub is_ca: Option<bool>,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage keyCertSign (`None`: no keyUsage extension).
    pub key_cert_sign: Option<bool>,
    /// Issuer equals subject and the signature does not fail with the
    /// certificate's own key (see `self_signature_valid`).
    pub self_signed: Option<bool>,
    /// For issuer = subject: the signature verified with the certificate's
    /// own key (`None`: names differ, or the algorithm is not checked).
    pub self_signature_valid: Option<bool>,
}

fn hex_digest<D: Digest>(bytes: &[u8]) -> String {
    hex_lower(&D::digest(bytes))
}

/// Lower-case hex.
pub fn hex_lower(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    hex_into(bytes, &mut out);
    // Only ASCII digits were written.
    String::from_utf8(out).unwrap_or_default()
}

/// A certificate's identity: the SHA-256 of its DER.
pub type Sha256Digest = [u8; 32];

/// Lower-case hex of a SHA-256 digest, without allocating.
pub fn hex32(digest: &Sha256Digest) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex_into(digest, &mut out);
    out
}

/// The SHA-256 digest a 64-digit hex text spells, if it is one.
pub fn digest_from_hex(text: &str) -> Option<Sha256Digest> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// A big-endian unsigned integer without its leading zero bytes.
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Bits of a big-endian unsigned integer, leading zeros not counted.
pub fn significant_bits(bytes: &[u8]) -> u32 {
    let b = strip_leading_zeros(bytes);
    match b.first() {
        Some(&top) => (b.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
        None => 0,
    }
}

fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_digest::<Sha256>(bytes)
}

/// The name of a signature algorithm OID (`sha256WithRSAEncryption`), or the
/// dotted OID where it has none.
pub fn signature_name(oid: &str) -> String {
    names::signature_algorithm(oid).unwrap_or(oid).to_owned()
}

/// Parses a DER certificate. Never fails: a DER that does not parse is kept
/// with its error so a better parser can be run later.
pub fn facts_from_der(der: Vec<u8>) -> CertFacts {
    let sha256: Sha256Digest = Sha256::digest(&der).into();
    facts_from_hashed_der(der, &sha256)
}

/// [`facts_from_der`] for a DER whose SHA-256 the caller already computed
/// (ingest keys certificates by it), so it is not hashed twice.
pub fn facts_from_hashed_der(der: Vec<u8>, sha256: &Sha256Digest) -> CertFacts {
    let mut facts = CertFacts {
        sha256: hex_lower(sha256),
        sha1: Some(hex_digest::<sha1::Sha1>(&der)),
        parse_status: "ok",
        ..CertFacts::default()
    };
    match shallow_parse(&der) {
        Ok((_, cert)) => fill_from_parsed(&mut facts, &cert),
        Err(e) => {
            facts.parse_status = "error";
            facts.parse_error = Some(e.to_string());
        }
    }
    facts.der = Some(der);
    facts
}

fn first_cn(name: &X509Name) -> Option<String> {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
}

fn fill_from_parsed(facts: &mut CertFacts, cert: &X509Certificate) {
    let tbs = &cert.tbs_certificate;
    facts.version = u8::try_from(tbs.version.0 + 1).ok();
    facts.serial = Some(signed_decimal(tbs.raw_serial()));
    facts.subject_dn = Some(dn::print(&tbs.subject));
    facts.issuer_dn = Some(dn::print(&tbs.issuer));
    facts.subject_cn = first_cn(&tbs.subject);
    facts.issuer_cn = first_cn(&tbs.issuer);
    facts.not_before_us = Some(tbs.validity.not_before.timestamp() * 1_000_000);
    facts.not_after_us = Some(tbs.validity.not_after.timestamp() * 1_000_000);
    facts.spki_sha256 = Some(sha256_hex(tbs.subject_pki.raw));
    let key_oid = tbs.subject_pki.algorithm.algorithm.to_id_string();
    facts.key_alg = Some(
        names::key_algorithm(&key_oid)
            .unwrap_or(&key_oid)
            .to_owned(),
    );
    if let Ok(key) = tbs.subject_pki.parsed() {
        let bits = match &key {
            x509_parser::public_key::PublicKey::RSA(rsa) => rsa.key_size(),
            x509_parser::public_key::PublicKey::EC(ec) => ec.key_size(),
            x509_parser::public_key::PublicKey::DSA(p) => p.len() * 8,
            _ => 0,
        };
        facts.key_bits = u32::try_from(bits).ok().filter(|b| *b > 0);
    }
    if let Some(params) = &tbs.subject_pki.algorithm.parameters {
        if let Ok(oid) = params.as_oid() {
            let id = oid.to_id_string();
            facts.curve = names::curve(&id)
                .map(str::to_owned)
                .or(Some(id).filter(|_| facts.key_alg.as_deref() == Some("ECDSA")));
        }
    }
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    facts.sig_alg = Some(signature_name(&sig_oid));
    let constraints = extension::<BasicConstraints>(tbs, &OID_X509_EXT_BASIC_CONSTRAINTS);
    facts.is_ca = Some(constraints.as_ref().is_some_and(|bc| bc.ca));
    facts.path_len = constraints.and_then(|bc| bc.path_len_constraint);
    facts.key_cert_sign =
        extension::<KeyUsage>(tbs, &OID_X509_EXT_KEY_USAGE).map(|ku| ku.key_cert_sign());
    if let Some(san) = extension::<SubjectAlternativeName>(tbs, &OID_X509_EXT_SUBJECT_ALT_NAME) {
        for name in &san.general_names {
            match name {
                GeneralName::DNSName(n) => facts.san_dns.push((*n).to_owned()),
                GeneralName::IPAddress(bytes) => facts.san_ip.extend(ip_text(bytes)),
                _ => {}
            }
        }
    }
    if let Some(e) = extension::<ExtendedKeyUsage>(tbs, &OID_X509_EXT_EXTENDED_KEY_USAGE) {
        let known = [
            (e.any, "any"),
            (e.server_auth, "serverAuth"),
            (e.client_auth, "clientAuth"),
            (e.code_signing, "codeSigning"),
            (e.email_protection, "emailProtection"),
            (e.time_stamping, "timeStamping"),
            (e.ocsp_signing, "OCSPSigning"),
        ];
        facts.eku = known
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| (*n).to_owned())
            .collect();
        facts
            .eku
            .extend(e.other.iter().map(|oid| oid.to_id_string()));
    }
    let same_names = tbs.subject.as_raw() == tbs.issuer.as_raw();
    facts.self_signature_valid = if same_names {
        signature::verifies(
            &sig_oid,
            tbs.as_ref(),
            &cert.signature_value.data,
            tbs.subject_pki.raw,
        )
    } else {
        None
    };
    facts.self_signed = Some(same_names && facts.self_signature_valid != Some(false));
}

/// Parses a DER certificate without parsing its extensions in depth: they
/// are read where a fact needs them ([`extension`]). Parsing every
/// extension (policies, CRL and OCSP locations, SCT lists) was about 40 %
/// of a certificate's parse, and x509-parser keeps an extension's parse
/// error inside the extension, so the certificate parses or fails alike
/// either way.
pub(crate) fn shallow_parse(der: &[u8]) -> X509Result<'_, X509Certificate<'_>> {
    X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
}

/// The one extension `oid` of a certificate parsed without deep extension
/// parsing, read as `T`. `None` where x509-parser's own getters give no
/// value: the extension is absent, repeated (RFC 5280 forbids it) or
/// malformed.
pub(crate) fn extension<'a, T: FromDer<'a, X509Error>>(
    tbs: &TbsCertificate<'a>,
    oid: &Oid,
) -> Option<T> {
    let ext = tbs.get_extension_unique(oid).ok()??;
    T::from_der(ext.value).ok().map(|(_, value)| value)
}

/// An IP address from its 4 or 16 bytes.
fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

/// Two's-complement big-endian bytes as a signed decimal string.
pub fn signed_decimal(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "0".into();
    }
    let negative = bytes[0] & 0x80 != 0;
    let mut magnitude: Vec<u8> = bytes.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    // Base 10⁹ on 32-bit limbs: a division pass yields nine digits (serials
    // run to 20 bytes, so a few passes rather than one per digit).
    let mut limbs: Vec<u32> = magnitude
        .rchunks(4)
        .rev()
        .map(|c| c.iter().fold(0u32, |v, &b| v << 8 | u32::from(b)))
        .collect();
    let mut digits = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem = 0u64;
        for l in limbs.iter_mut() {
            let cur = (rem << 32) | u64::from(*l);
            *l = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        let more = limbs.iter().any(|&l| l != 0);
        for _ in 0..9 {
            digits.push(b'0' + (rem % 10) as u8);
            rem /= 10;
            if !more && rem == 0 {
                break;
            }
        }
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    if negative {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prime_bits() {
        assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(significant_bits(&[0x01]), 1);
        assert_eq!(significant_bits(&[]), 0);
        assert_eq!(strip_leading_zeros(&[0, 0, 7, 0]), &[7, 0]);
    }

    #[test]
    fn serials_are_signed() {
        assert_eq!(signed_decimal(&[0x01, 0x00]), "256");
        assert_eq!(signed_decimal(&[0xff]), "-1");
        assert_eq!(signed_decimal(&[0x80]), "-128");
        assert_eq!(
            signed_decimal(&[0x00, 0xd1, 0x55, 0x95, 0x5b, 0x65, 0x59, 0x9e, 0x2a]),
            "15084126746722278954"
        );
        assert_eq!(signed_decimal(&[0]), "0");
        assert_eq!(signed_decimal(&[0x3b, 0x9a, 0xca, 0x00]), "1000000000");
        assert_eq!(signed_decimal(&[0x3b, 0x9a, 0xc9, 0xff]), "999999999");
        assert_eq!(signed_decimal(&[0xc4, 0x65, 0x36, 0x00]), "-1000000000");
    }

    #[test]
    fn serials_match_u128_printing() {
        // Every length up to 16 bytes, both signs, checked against the
        // standard library's printing.
        let mut x: u128 = 0x0123_4567_89ab_cdef_0fed_cba9_8765_4321;
        for len in 1..=16usize {
            for shift in [0u32, 7, 31, 64] {
                x = x.rotate_left(shift + 13) ^ (u128::from(len as u32) << 40);
                let all = x.to_be_bytes();
                let bytes = &all[16 - len..];
                let unsigned = if len == 16 {
                    x
                } else {
                    x & ((1u128 << (8 * len)) - 1)
                };
                // Two's complement of `len` bytes: a set top bit subtracts 2^(8·len).
                let value = if bytes[0] & 0x80 == 0 || len == 16 {
                    unsigned as i128
                } else {
                    unsigned as i128 - (1i128 << (8 * len))
                };
                assert_eq!(signed_decimal(bytes), value.to_string(), "{bytes:02x?}");
            }
        }
    }

    #[test]
    fn a_forged_self_signature_is_caught() {
        use crate::synth::x509::{issue, CertSpec, Dn, Extras, Hash, Key};
        let pem = include_str!("../../data/synth/rsa-512.pem");
        let block = pem
            .split_inclusive("-----END PRIVATE KEY-----")
            .next()
            .unwrap();
        let key = Key::Rsa(Box::new(
            <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(block.trim())
                .unwrap(),
        ));
        let dn = Dn {
            cn: "device".into(),
            ..Dn::default()
        };
        let spec = CertSpec {
            version: 3,
            serial: vec![1],
            subject: &dn,
            subject_key: &key,
            issuer: &dn,
            issuer_key: &key,
            hash: Hash::Sha1,
            not_before: 0,
            not_after: 1_000_000_000,
            is_ca: false,
            dns_names: &[],
            extras: &Extras::STANDARD,
        };
        let der = issue(&spec).unwrap();
        let good = facts_from_der(der.clone());
        assert_eq!(
            (good.self_signed, good.self_signature_valid),
            (Some(true), Some(true))
        );
        let mut forged = der;
        let last = forged.len() - 1;
        forged[last] ^= 1;
        let bad = facts_from_der(forged);
        assert_eq!(
            (bad.self_signed, bad.self_signature_valid),
            (Some(false), Some(false))
        );
    }

    #[test]
    fn junk_der_is_kept_with_its_error() {
        let f = facts_from_der(vec![0x30, 0x03, 0x02, 0x01]);
        assert_eq!(f.parse_status, "error");
        assert!(f.parse_error.is_some());
        assert_eq!(f.der.as_deref(), Some(&[0x30, 0x03, 0x02, 0x01][..]));
        assert_eq!(f.sha256.len(), 64);
    }
}
