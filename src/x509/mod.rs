//! Certificate facts, from DER (parsed leniently, once per distinct
//! certificate) or from a scanner's parsed JSON when no DER was recorded.

pub mod dn;
pub mod hostname;
mod names;
mod rsa_public;
mod scanner_json;
pub mod signature;
mod walk;

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
    if let Err(e) = read_fields(&der, |fields| fill(&mut facts, fields)) {
        facts.parse_status = "error";
        facts.parse_error = Some(e.to_string());
    }
    facts.der = Some(der);
    facts
}

/// Calls `read` with the fields of the certificate `der`: from the walk
/// where it vouches for the DER, which is most certificates, else from
/// x509-parser's parse, whose answer is the rule; its error where the DER
/// does not parse.
pub(crate) fn read_fields<T>(
    der: &[u8],
    read: impl FnOnce(&Fields) -> T,
) -> Result<T, x509_parser::nom::Err<X509Error>> {
    if let Some(walked) = walk::walk(der) {
        return Ok(read(&Fields::walked(&walked)));
    }
    let (_, cert) = shallow_parse(der)?;
    Ok(read(&Fields::parsed(&cert)))
}

/// A subject or issuer name, as walked or as x509-parser parsed it.
pub(crate) enum NameRef<'a> {
    Walked(walk::Name<'a>),
    Parsed(&'a X509Name<'a>),
}

impl NameRef<'_> {
    fn print(&self) -> String {
        match self {
            NameRef::Walked(name) => dn::print_rdns(name.rdns(), name.raw().len()),
            NameRef::Parsed(name) => dn::print(name),
        }
    }

    /// The name's key ([`dn::der_key`]).
    pub(crate) fn key(&self) -> String {
        match self {
            NameRef::Walked(name) => dn::key_of_attributes(name.rdns().flatten()),
            NameRef::Parsed(name) => dn::der_key(name),
        }
    }

    fn first_common_name(&self) -> Option<String> {
        match self {
            NameRef::Walked(name) => name.first_common_name().map(str::to_owned),
            NameRef::Parsed(name) => name
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(str::to_owned),
        }
    }

    /// The name's whole DER.
    pub(crate) fn raw(&self) -> &[u8] {
        match self {
            NameRef::Walked(name) => name.raw(),
            NameRef::Parsed(name) => name.as_raw(),
        }
    }
}

/// The fields of a certificate that the dataset's facts and the verifier
/// read, whichever parse found them ([`read_fields`]). Every slice lies in
/// the certificate's DER.
pub(crate) struct Fields<'a> {
    /// 0 for X.509 v1.
    pub version: u32,
    pub serial: &'a [u8],
    pub subject: NameRef<'a>,
    pub issuer: NameRef<'a>,
    pub validity: &'a Validity,
    pub spki: &'a SubjectPublicKeyInfo<'a>,
    /// Each extension's OID (DER body) and value.
    extensions: Vec<walk::Extension<'a>>,
    pub signature_algorithm: &'a AlgorithmIdentifier<'a>,
    /// The whole signed part.
    pub tbs: &'a [u8],
    pub signature: &'a [u8],
}

impl<'a> Fields<'a> {
    fn walked(w: &'a walk::Walked<'a>) -> Self {
        Fields {
            version: u32::from(w.version),
            serial: w.serial,
            subject: NameRef::Walked(w.subject),
            issuer: NameRef::Walked(w.issuer),
            validity: &w.validity,
            spki: &w.spki,
            extensions: w.extensions().collect(),
            signature_algorithm: &w.signature_algorithm,
            tbs: w.tbs,
            signature: &w.signature.data,
        }
    }

    fn parsed(cert: &'a X509Certificate<'a>) -> Self {
        let tbs = &cert.tbs_certificate;
        Fields {
            version: tbs.version.0,
            serial: tbs.raw_serial(),
            subject: NameRef::Parsed(&tbs.subject),
            issuer: NameRef::Parsed(&tbs.issuer),
            validity: &tbs.validity,
            spki: &tbs.subject_pki,
            extensions: tbs
                .extensions()
                .iter()
                .map(|e| (e.oid.as_bytes(), e.value))
                .collect(),
            signature_algorithm: &cert.signature_algorithm,
            tbs: tbs.as_ref(),
            signature: &cert.signature_value.data,
        }
    }

    /// The one extension `oid`, read as `T`. `None` where x509-parser's own
    /// getters give no value: the extension is absent, repeated (RFC 5280
    /// forbids it) or malformed.
    pub(crate) fn extension<T: FromDer<'a, X509Error>>(&self, oid: &Oid) -> Option<T> {
        let mut matching = self.extensions.iter().filter(|(o, _)| *o == oid.as_bytes());
        let (_, value) = matching.next()?;
        if matching.next().is_some() {
            return None;
        }
        T::from_der(value).ok().map(|(_, v)| v)
    }
}

fn fill(facts: &mut CertFacts, cert: &Fields) {
    facts.version = u8::try_from(cert.version + 1).ok();
    facts.serial = Some(signed_decimal(cert.serial));
    facts.subject_dn = Some(cert.subject.print());
    facts.issuer_dn = Some(cert.issuer.print());
    facts.subject_cn = cert.subject.first_common_name();
    facts.issuer_cn = cert.issuer.first_common_name();
    facts.not_before_us = Some(cert.validity.not_before.timestamp() * 1_000_000);
    facts.not_after_us = Some(cert.validity.not_after.timestamp() * 1_000_000);
    facts.spki_sha256 = Some(sha256_hex(cert.spki.raw));
    let key_oid = cert.spki.algorithm.algorithm.to_id_string();
    facts.key_alg = Some(
        names::key_algorithm(&key_oid)
            .unwrap_or(&key_oid)
            .to_owned(),
    );
    if let Ok(key) = cert.spki.parsed() {
        let bits = match &key {
            x509_parser::public_key::PublicKey::RSA(rsa) => rsa.key_size(),
            x509_parser::public_key::PublicKey::EC(ec) => ec.key_size(),
            x509_parser::public_key::PublicKey::DSA(p) => p.len() * 8,
            _ => 0,
        };
        facts.key_bits = u32::try_from(bits).ok().filter(|b| *b > 0);
    }
    if let Some(params) = &cert.spki.algorithm.parameters {
        if let Ok(oid) = params.as_oid() {
            let id = oid.to_id_string();
            facts.curve = names::curve(&id)
                .map(str::to_owned)
                .or(Some(id).filter(|_| facts.key_alg.as_deref() == Some("ECDSA")));
        }
    }
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    facts.sig_alg = Some(signature_name(&sig_oid));
    let constraints = cert.extension::<BasicConstraints>(&OID_X509_EXT_BASIC_CONSTRAINTS);
    facts.is_ca = Some(constraints.as_ref().is_some_and(|bc| bc.ca));
    facts.path_len = constraints.and_then(|bc| bc.path_len_constraint);
    facts.key_cert_sign = cert
        .extension::<KeyUsage>(&OID_X509_EXT_KEY_USAGE)
        .map(|ku| ku.key_cert_sign());
    if let Some(san) = cert.extension::<SubjectAlternativeName>(&OID_X509_EXT_SUBJECT_ALT_NAME) {
        for name in &san.general_names {
            match name {
                GeneralName::DNSName(n) => facts.san_dns.push((*n).to_owned()),
                GeneralName::IPAddress(bytes) => facts.san_ip.extend(ip_text(bytes)),
                _ => {}
            }
        }
    }
    if let Some(e) = cert.extension::<ExtendedKeyUsage>(&OID_X509_EXT_EXTENDED_KEY_USAGE) {
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
    let same_names = cert.subject.raw() == cert.issuer.raw();
    facts.self_signature_valid = if same_names {
        signature::verifies(&sig_oid, cert.tbs, cert.signature, cert.spki.raw)
    } else {
        None
    };
    facts.self_signed = Some(same_names && facts.self_signature_valid != Some(false));
}

/// Parses a DER certificate without parsing its extensions in depth: they
/// are read where a fact needs them ([`Fields::extension`]). Parsing every
/// extension (policies, CRL and OCSP locations, SCT lists) was about 40 %
/// of a certificate's parse, and x509-parser keeps an extension's parse
/// error inside the extension, so the certificate parses or fails alike
/// either way.
fn shallow_parse(der: &[u8]) -> X509Result<'_, X509Certificate<'_>> {
    X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
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

    /// What the dataset and the verifier read of a certificate: its facts,
    /// its names' keys, and where its signed part, key and name lie.
    type Read = (CertFacts, String, String, Vec<u8>, Vec<u8>, Vec<u8>);

    fn read(fields: &Fields) -> Read {
        let mut facts = CertFacts::default();
        fill(&mut facts, fields);
        (
            facts,
            fields.subject.key(),
            fields.issuer.key(),
            fields.tbs.to_vec(),
            fields.signature.to_vec(),
            fields.subject.raw().to_vec(),
        )
    }

    /// The walk's reading, or `None` where it does not vouch for the DER.
    fn walked_facts(der: &[u8]) -> Option<Read> {
        let walked = walk::walk(der)?;
        Some(read(&Fields::walked(&walked)))
    }

    /// x509-parser's reading, or `None` where it fails.
    fn parsed_facts(der: &[u8]) -> Option<Read> {
        let (_, cert) = shallow_parse(der).ok()?;
        Some(read(&Fields::parsed(&cert)))
    }

    /// The bundled root stores' certificates, each once.
    fn bundled_ders() -> Vec<Vec<u8>> {
        let mut ders: Vec<Vec<u8>> = crate::trust::store::SNAPSHOTS
            .iter()
            .flat_map(|s| x509_parser::pem::Pem::iter_from_buffer(s.pem))
            .map(|pem| pem.expect("bundled PEM").contents)
            .collect();
        ders.sort();
        ders.dedup();
        ders
    }

    /// Certificates of the kinds scans hold and root stores do not:
    /// version 1, negative serials, MD5 over 512-bit keys, ECDSA keys,
    /// IP addresses and unusual usages, name constraints, an unknown
    /// critical extension, a signed algorithm unlike the outer one.
    fn odd_ders() -> Vec<Vec<u8>> {
        use crate::synth::x509::{issue, CertSpec, Dn, Extras, Hash, Key};
        let rsa = |pem: &str| {
            let block = pem
                .split_inclusive("-----END PRIVATE KEY-----")
                .next()
                .unwrap();
            Key::Rsa(Box::new(
                <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(block.trim())
                    .unwrap(),
            ))
        };
        let small = rsa(include_str!("../../data/synth/rsa-512.pem"));
        let usual = rsa(include_str!("../../data/synth/rsa-1024.pem"));
        let ec = Key::EcP256(Box::new(
            p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap(),
        ));
        let device = Dn {
            cn: "device".into(),
            ..Dn::default()
        };
        let ca = Dn {
            country: Some("DE"),
            org: Some("Beispiel GmbH".into()),
            cn: "Beispiel CA".into(),
        };
        let host = Dn {
            country: Some("US"),
            org: None,
            cn: "mx.example.net".into(),
        };
        let odd = Extras {
            eku: Some(vec![vec![1, 3, 6, 1, 5, 5, 7, 3, 2], vec![1, 2, 3, 4]]),
            path_len: Some(2),
            permitted_dns: vec!["example.net".into()],
            excluded_dns: vec!["bad.example.net".into()],
            permitted_ip: vec![[10, 0, 0, 0, 255, 0, 0, 0]],
            unknown_critical: true,
            algorithm_mismatch: true,
            ip_sans: vec![[192, 0, 2, 1]],
            ..Extras::STANDARD
        };
        let bare = Extras {
            no_basic_constraints: true,
            no_cert_sign: true,
            ..Extras::STANDARD
        };
        let names = ["mx.example.net".to_owned(), "*.example.net".to_owned()];
        // Fields left out below are this leaf's: a host under a CA.
        let leaf = CertSpec {
            version: 3,
            serial: vec![9],
            subject: &host,
            subject_key: &usual,
            issuer: &ca,
            issuer_key: &ec,
            hash: Hash::Sha256,
            not_before: 1_400_000_000,
            not_after: 2_600_000_000,
            is_ca: false,
            dns_names: &names,
            extras: &Extras::STANDARD,
        };
        let specs = [
            CertSpec {
                version: 1,
                serial: vec![0xff, 0x01],
                subject: &device,
                subject_key: &small,
                issuer: &device,
                issuer_key: &small,
                hash: Hash::Md5,
                ..leaf
            },
            CertSpec {
                serial: vec![0x80],
                subject: &device,
                issuer: &device,
                issuer_key: &usual,
                hash: Hash::Sha1,
                extras: &bare,
                ..leaf
            },
            CertSpec {
                serial: vec![0x00, 0xd1, 0x55],
                subject: &ca,
                issuer_key: &usual,
                hash: Hash::Sha256,
                is_ca: true,
                extras: &odd,
                ..leaf
            },
            CertSpec {
                serial: vec![0x42; 20],
                subject_key: &ec,
                issuer_key: &usual,
                hash: Hash::Sha256,
                extras: &odd,
                ..leaf
            },
            leaf,
        ];
        specs.iter().map(|spec| issue(spec).unwrap()).collect()
    }

    /// The real scans' certificates, where the fixtures are at hand.
    fn fixture_ders() -> Vec<Vec<u8>> {
        use base64::Engine as _;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/real/zmap-ztag/ztag/transforms/test.json"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            return Vec::new();
        };
        let mut ders = Vec::new();
        for line in text.lines() {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let mut pending = vec![&record];
            while let Some(value) = pending.pop() {
                match value {
                    serde_json::Value::Object(map) => pending.extend(map.values()),
                    serde_json::Value::Array(items) => {
                        for item in items {
                            match item.as_str() {
                                Some(text) => ders.extend(
                                    base64::engine::general_purpose::STANDARD.decode(text).ok(),
                                ),
                                None => pending.push(item),
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        ders.retain(|der| der.first() == Some(&0x30));
        ders.sort();
        ders.dedup();
        ders
    }

    #[test]
    fn the_walk_reads_what_x509_parser_reads() {
        let mut all = bundled_ders();
        let bundled = all.len();
        all.extend(odd_ders());
        all.extend(fixture_ders());
        let mut walked = 0;
        for der in &all {
            let parsed = parsed_facts(der).expect("every sample certificate parses");
            if let Some(facts) = walked_facts(der) {
                assert_eq!(facts, parsed, "{}", hex_lower(der));
                walked += 1;
            }
        }
        // The bundled stores hold no unique identifiers, so the walk takes
        // every one of them; it declines none of the odd ones either.
        assert_eq!(bundled, 279);
        assert_eq!(walked, all.len());
    }

    /// Byte offsets of every element's identifier and first length byte.
    fn header_offsets(der: &[u8], base: usize, out: &mut Vec<usize>) {
        let mut at = 0;
        while at + 2 <= der.len() {
            out.extend([base + at, base + at + 1]);
            let Some((element, rest)) = walk::element(&der[at..]) else {
                return;
            };
            let header = element.whole.len() - element.content.len();
            if element.id & 0x20 != 0 {
                header_offsets(element.content, base + at + header, out);
            }
            at = der.len() - rest.len();
        }
    }

    #[test]
    fn a_damaged_certificate_is_walked_only_where_x509_parser_agrees() {
        let mut samples = odd_ders();
        samples.extend(bundled_ders().into_iter().step_by(40));
        let mut checked = 0;
        let mut declined = 0;
        for der in &samples {
            let mut offsets = Vec::new();
            header_offsets(der, 0, &mut offsets);
            // A few content bytes as well, spread over the certificate.
            offsets.extend((0..der.len()).step_by(37));
            let mut variants: Vec<Vec<u8>> = Vec::new();
            for &at in &offsets {
                for change in [
                    |b: u8| b ^ 0x01,
                    |b: u8| b ^ 0x80,
                    |b: u8| b ^ 0x20,
                    |_| 0x00,
                    |_| 0xff,
                    |b: u8| b.wrapping_add(1),
                ] {
                    let mut v = der.clone();
                    v[at] = change(v[at]);
                    variants.push(v);
                }
                let mut shorter = der.clone();
                shorter.remove(at);
                variants.push(shorter);
                let mut longer = der.clone();
                longer.insert(at, 0);
                variants.push(longer);
                variants.push(der[..at].to_vec());
            }
            for v in variants {
                match walked_facts(&v) {
                    Some(facts) => {
                        let parsed = parsed_facts(&v).unwrap_or_else(|| {
                            panic!("walked but x509-parser fails: {}", hex_lower(&v))
                        });
                        assert_eq!(facts, parsed, "{}", hex_lower(&v));
                        checked += 1;
                    }
                    None => declined += 1,
                }
            }
        }
        // 2,175 and 14,250 when written: most damage makes the walk decline.
        assert!(checked > 2000 && declined > 10000, "{checked} {declined}");
    }

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
        // The generator's self-signed devices: MD5 over a 512-bit key (our
        // own arithmetic) and SHA-1 over a 1024-bit one (ring).
        for der in odd_ders().into_iter().take(2) {
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
