//! Object identifiers of the algorithms certificates use, as data.

/// Signature algorithms: OID, name (OpenSSL's long names).
const SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.2", "md2WithRSAEncryption"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.113549.1.1.10", "rsassaPss"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
    ("1.2.840.10040.4.3", "dsaWithSHA1"),
    ("2.16.840.1.101.3.4.3.2", "dsa_with_SHA256"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.3.101.112", "ED25519"),
];

/// Public-key algorithms: OID, name.
const KEYS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.1", "RSA"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10045.2.1", "ECDSA"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.840.113549.1.1.10", "RSA-PSS"),
];

/// Named curves: OID, name.
const CURVES: &[(&str, &str)] = &[
    ("1.2.840.10045.3.1.7", "secp256r1"),
    ("1.3.132.0.34", "secp384r1"),
    ("1.3.132.0.35", "secp521r1"),
    ("1.2.840.10045.3.1.1", "secp192r1"),
    ("1.3.132.0.33", "secp224r1"),
    ("1.3.132.0.10", "secp256k1"),
];

fn lookup(table: &'static [(&str, &str)], oid: &str) -> Option<&'static str> {
    table.iter().find(|(o, _)| *o == oid).map(|(_, n)| *n)
}

/// Name of a signature algorithm OID.
pub fn signature_algorithm(oid: &str) -> Option<&'static str> {
    lookup(SIGNATURES, oid)
}

/// Name of a public-key algorithm OID.
pub fn key_algorithm(oid: &str) -> Option<&'static str> {
    lookup(KEYS, oid)
}

/// Name of a named-curve OID.
pub fn curve(oid: &str) -> Option<&'static str> {
    lookup(CURVES, oid)
}

/// The OpenSSL name of a signature algorithm however a scanner spelled it
/// (`SHA256WithRSA`, `SHA256-RSA`, `ECDSA-SHA256`), or the input unchanged.
pub fn normalize_signature_name(name: &str) -> String {
    let n = name.to_ascii_uppercase().replace(['-', '_'], "");
    let by_scanner: &[(&str, &str)] = &[
        ("MD2WITHRSA", "md2WithRSAEncryption"),
        ("MD5WITHRSA", "md5WithRSAEncryption"),
        ("MD5RSA", "md5WithRSAEncryption"),
        ("SHA1WITHRSA", "sha1WithRSAEncryption"),
        ("SHA1RSA", "sha1WithRSAEncryption"),
        ("SHA224WITHRSA", "sha224WithRSAEncryption"),
        ("SHA256WITHRSA", "sha256WithRSAEncryption"),
        ("SHA256RSA", "sha256WithRSAEncryption"),
        ("SHA384WITHRSA", "sha384WithRSAEncryption"),
        ("SHA384RSA", "sha384WithRSAEncryption"),
        ("SHA512WITHRSA", "sha512WithRSAEncryption"),
        ("SHA512RSA", "sha512WithRSAEncryption"),
        ("DSAWITHSHA1", "dsaWithSHA1"),
        ("DSASHA1", "dsaWithSHA1"),
        ("ECDSAWITHSHA1", "ecdsa-with-SHA1"),
        ("ECDSASHA1", "ecdsa-with-SHA1"),
        ("ECDSAWITHSHA256", "ecdsa-with-SHA256"),
        ("ECDSASHA256", "ecdsa-with-SHA256"),
        ("ECDSAWITHSHA384", "ecdsa-with-SHA384"),
        ("ECDSASHA384", "ecdsa-with-SHA384"),
        ("ECDSAWITHSHA512", "ecdsa-with-SHA512"),
        ("ECDSASHA512", "ecdsa-with-SHA512"),
    ];
    by_scanner
        .iter()
        .find(|(k, _)| *k == n)
        .map_or_else(|| name.to_owned(), |(_, v)| (*v).to_owned())
}
