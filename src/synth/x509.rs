//! Writing and signing X.509 certificates from a few facts.

use anyhow::{Context as _, Result};
use p256::ecdsa::signature::Signer;
use rsa::pkcs8::EncodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha1::Digest;

use crate::der;

/// A signing key.
pub enum Key {
    /// RSA (from the committed pool).
    Rsa(Box<RsaPrivateKey>),
    /// ECDSA P-256 (derived from the seed).
    EcP256(Box<p256::ecdsa::SigningKey>),
}

impl Key {
    /// DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> Result<Vec<u8>> {
        let doc = match self {
            Key::Rsa(k) => k.to_public_key().to_public_key_der(),
            Key::EcP256(k) => k.verifying_key().to_public_key_der(),
        };
        Ok(doc.context("encoding a public key")?.as_bytes().to_vec())
    }

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        match self {
            Key::Rsa(k) => rsa::traits::PublicKeyParts::size(k.as_ref()) * 8,
            Key::EcP256(_) => 256,
        }
    }

    /// `RSA-2048`, `ECDSA-P256`.
    pub fn label(&self) -> String {
        match self {
            Key::Rsa(_) => format!("RSA-{}", self.bits()),
            Key::EcP256(_) => "ECDSA-P256".to_owned(),
        }
    }
}

/// The hash of a certificate signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// MD5 (RSA only).
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl Hash {
    /// Profile name.
    pub fn parse(name: &str) -> Option<Hash> {
        match name {
            "md5" => Some(Hash::Md5),
            "sha1" => Some(Hash::Sha1),
            "sha256" => Some(Hash::Sha256),
            _ => None,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(data).to_vec(),
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        }
    }

    fn oid(self) -> &'static [u64] {
        match self {
            Hash::Md5 => &[1, 2, 840, 113549, 2, 5],
            Hash::Sha1 => &[1, 3, 14, 3, 2, 26],
            Hash::Sha256 => &[2, 16, 840, 1, 101, 3, 4, 2, 1],
        }
    }
}

/// The signature algorithm a key and hash give, as OID and OpenSSL name.
pub fn signature_algorithm(key: &Key, hash: Hash) -> (&'static [u64], &'static str) {
    match (key, hash) {
        (Key::EcP256(_), _) => (&[1, 2, 840, 10045, 4, 3, 2], "ecdsa-with-SHA256"),
        (Key::Rsa(_), Hash::Md5) => (&[1, 2, 840, 113549, 1, 1, 4], "md5WithRSAEncryption"),
        (Key::Rsa(_), Hash::Sha1) => (&[1, 2, 840, 113549, 1, 1, 5], "sha1WithRSAEncryption"),
        (Key::Rsa(_), Hash::Sha256) => (&[1, 2, 840, 113549, 1, 1, 11], "sha256WithRSAEncryption"),
    }
}

fn algorithm_identifier(key: &Key, hash: Hash) -> Vec<u8> {
    let (oid, _) = signature_algorithm(key, hash);
    match key {
        Key::Rsa(_) => der::seq(&[&der::oid(oid), &der::null()]),
        Key::EcP256(_) => der::seq(&[&der::oid(oid)]),
    }
}

/// Signs `message` the way a certificate signature is made.
pub fn sign(key: &Key, hash: Hash, message: &[u8]) -> Result<Vec<u8>> {
    match key {
        Key::Rsa(k) => {
            let digest_info = der::seq(&[
                &der::seq(&[&der::oid(hash.oid()), &der::null()]),
                &der::octets(&hash.digest(message)),
            ]);
            k.sign(Pkcs1v15Sign::new_unprefixed(), &digest_info)
                .context("RSA signature")
        }
        Key::EcP256(k) => {
            let sig: p256::ecdsa::Signature = k.sign(message);
            Ok(sig.to_der().as_bytes().to_vec())
        }
    }
}

/// A distinguished name: country, organization, common name.
#[derive(Clone, Debug, Default)]
pub struct Dn {
    /// Country (two letters), if any.
    pub country: Option<&'static str>,
    /// Organization, if any.
    pub org: Option<String>,
    /// Common name.
    pub cn: String,
}

impl Dn {
    /// As zcrypto writes it: `C=XX, O=Org, CN=name`.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.country {
            parts.push(format!("C={c}"));
        }
        if let Some(o) = &self.org {
            parts.push(format!("O={o}"));
        }
        parts.push(format!("CN={}", self.cn));
        parts.join(", ")
    }

    fn der(&self) -> Vec<u8> {
        let mut rdns = Vec::new();
        let mut attr = |oid: &[u64], value: Vec<u8>| {
            rdns.push(der::set(&[&der::seq(&[&der::oid(oid), &value])]));
        };
        if let Some(c) = self.country {
            attr(&[2, 5, 4, 6], der::printable(c));
        }
        if let Some(o) = &self.org {
            attr(&[2, 5, 4, 10], der::utf8(o));
        }
        attr(&[2, 5, 4, 3], der::utf8(&self.cn));
        let parts: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
        der::seq(&parts)
    }
}

/// Departures from the usual extensions, for certificates that break (or
/// test) one path rule; [`Extras::STANDARD`] departs from nothing.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// extKeyUsage OIDs instead of the usual (serverAuth on leaves, none on
    /// CAs); an empty list leaves the extension out.
    pub eku: Option<Vec<Vec<u64>>>,
    /// pathLenConstraint of a CA.
    pub path_len: Option<u32>,
    /// A CA's keyUsage without keyCertSign.
    pub no_cert_sign: bool,
    /// No basicConstraints at all (a version-3 certificate).
    pub no_basic_constraints: bool,
    /// nameConstraints permitted dNSName subtrees.
    pub permitted_dns: Vec<String>,
    /// nameConstraints excluded dNSName subtrees.
    pub excluded_dns: Vec<String>,
    /// nameConstraints permitted iPAddress ranges (address, mask).
    pub permitted_ip: Vec<[u8; 8]>,
    /// An extension no verifier knows, marked critical.
    pub unknown_critical: bool,
    /// The signed part names SHA-1 with RSA while the signature uses the
    /// outer algorithm.
    pub algorithm_mismatch: bool,
    /// IPv4 addresses for subjectAltName.
    pub ip_sans: Vec<[u8; 4]>,
    /// A SubjectPublicKeyInfo written in place of the subject key's (a key
    /// nobody could make in a test, such as 16,384-bit RSA).
    pub spki: Option<Vec<u8>>,
}

impl Extras {
    /// No departure.
    pub const STANDARD: Extras = Extras {
        eku: None,
        path_len: None,
        no_cert_sign: false,
        no_basic_constraints: false,
        permitted_dns: Vec::new(),
        excluded_dns: Vec::new(),
        permitted_ip: Vec::new(),
        unknown_critical: false,
        algorithm_mismatch: false,
        ip_sans: Vec::new(),
        spki: None,
    };
}

/// What goes into one certificate.
pub struct CertSpec<'a> {
    /// 1 or 3; version 1 has no extensions.
    pub version: u8,
    /// Serial number, big-endian two's complement.
    pub serial: Vec<u8>,
    /// Subject.
    pub subject: &'a Dn,
    /// Subject's key (only its public part is written).
    pub subject_key: &'a Key,
    /// Issuer.
    pub issuer: &'a Dn,
    /// Issuer's key, which signs.
    pub issuer_key: &'a Key,
    /// Signature hash.
    pub hash: Hash,
    /// Validity, seconds since the epoch.
    pub not_before: i64,
    /// Validity end.
    pub not_after: i64,
    /// A CA certificate (basicConstraints CA:TRUE, keyCertSign).
    pub is_ca: bool,
    /// DNS names for subjectAltName (leaves).
    pub dns_names: &'a [String],
    /// Departures from the usual extensions.
    pub extras: &'a Extras,
}

fn extension(oid: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let oid = der::oid(oid);
    let value = der::octets(value);
    if critical {
        der::seq(&[&oid, &der::boolean(true), &value])
    } else {
        der::seq(&[&oid, &value])
    }
}

fn key_id(spki: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(spki).to_vec()
}

/// The version-3 extensions of a certificate, as a SEQUENCE.
fn extensions(spec: &CertSpec, subject_spki: &[u8], issuer_spki: &[u8]) -> Vec<u8> {
    let x = spec.extras;
    let mut exts = Vec::new();
    if !x.no_basic_constraints {
        let basic = match (spec.is_ca, x.path_len) {
            (true, Some(n)) => der::seq(&[&der::boolean(true), &der::int(i64::from(n))]),
            (true, None) => der::seq(&[&der::boolean(true)]),
            (false, _) => der::seq(&[]),
        };
        exts.push(extension(&[2, 5, 29, 19], true, &basic));
    }
    // keyUsage: keyCertSign|cRLSign for CAs (cRLSign alone when told so),
    // digitalSignature|keyEncipherment for servers.
    let usage = match (spec.is_ca, x.no_cert_sign) {
        (true, false) => [1u8, 0x06],
        (true, true) => [1u8, 0x02],
        (false, _) => [5u8, 0xa0],
    };
    exts.push(extension(&[2, 5, 29, 15], true, &der::tlv(0x03, &usage)));
    exts.push(extension(
        &[2, 5, 29, 14],
        false,
        &der::octets(&key_id(subject_spki)),
    ));
    exts.push(extension(
        &[2, 5, 29, 35],
        false,
        &der::seq(&[&der::tlv(0x80, &key_id(issuer_spki))]),
    ));
    const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
    let eku: Vec<&[u64]> = match &x.eku {
        Some(list) => list.iter().map(Vec::as_slice).collect(),
        None if spec.is_ca => Vec::new(),
        None => vec![SERVER_AUTH],
    };
    if !eku.is_empty() {
        let oids: Vec<Vec<u8>> = eku.iter().map(|o| der::oid(o)).collect();
        let refs: Vec<&[u8]> = oids.iter().map(Vec::as_slice).collect();
        exts.push(extension(&[2, 5, 29, 37], false, &der::seq(&refs)));
    }
    let mut names: Vec<Vec<u8>> = spec
        .dns_names
        .iter()
        .map(|n| der::implicit_ia5(2, n))
        .collect();
    names.extend(x.ip_sans.iter().map(|ip| der::tlv(0x87, ip)));
    if !names.is_empty() {
        let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        exts.push(extension(&[2, 5, 29, 17], false, &der::seq(&refs)));
    }
    let subtree = |name: Vec<u8>| der::seq(&[&name]);
    let permitted: Vec<Vec<u8>> = x
        .permitted_dns
        .iter()
        .map(|d| subtree(der::implicit_ia5(2, d)))
        .chain(x.permitted_ip.iter().map(|r| subtree(der::tlv(0x87, r))))
        .collect();
    let excluded: Vec<Vec<u8>> = x
        .excluded_dns
        .iter()
        .map(|d| subtree(der::implicit_ia5(2, d)))
        .collect();
    if !permitted.is_empty() || !excluded.is_empty() {
        let mut parts = Vec::new();
        for (tag, list) in [(0xa0u8, &permitted), (0xa1u8, &excluded)] {
            if !list.is_empty() {
                let refs: Vec<&[u8]> = list.iter().map(Vec::as_slice).collect();
                parts.push(der::tlv(tag, &refs.concat()));
            }
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        exts.push(extension(&[2, 5, 29, 30], true, &der::seq(&refs)));
    }
    if x.unknown_critical {
        // An arc under the documentation-only OID 1.3.6.1.4.1.32473 (RFC 5612).
        exts.push(extension(&[1, 3, 6, 1, 4, 1, 32473, 1], true, &der::null()));
    }
    let refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    der::seq(&refs)
}

/// Writes and signs the certificate; returns its DER.
pub fn issue(spec: &CertSpec) -> Result<Vec<u8>> {
    let subject_spki = match &spec.extras.spki {
        Some(spki) => spki.clone(),
        None => spec.subject_key.spki()?,
    };
    let issuer_spki = spec.issuer_key.spki()?;
    let alg = algorithm_identifier(spec.issuer_key, spec.hash);
    let signed_alg = if spec.extras.algorithm_mismatch {
        algorithm_identifier(spec.issuer_key, Hash::Sha1)
    } else {
        alg.clone()
    };
    let validity = der::seq(&[&der::time(spec.not_before), &der::time(spec.not_after)]);
    let mut tbs_parts: Vec<Vec<u8>> = Vec::new();
    if spec.version >= 2 {
        tbs_parts.push(der::explicit(0, &der::int(i64::from(spec.version) - 1)));
    }
    tbs_parts.push(der::int_twos_complement(&spec.serial));
    tbs_parts.push(signed_alg);
    tbs_parts.push(spec.issuer.der());
    tbs_parts.push(validity);
    tbs_parts.push(spec.subject.der());
    tbs_parts.push(subject_spki.clone());
    if spec.version == 3 {
        tbs_parts.push(der::explicit(
            3,
            &extensions(spec, &subject_spki, &issuer_spki),
        ));
    }
    let refs: Vec<&[u8]> = tbs_parts.iter().map(Vec::as_slice).collect();
    let tbs = der::seq(&refs);
    let signature = sign(spec.issuer_key, spec.hash, &tbs)?;
    Ok(der::seq(&[&tbs, &alg, &der::bits(&signature)]))
}
