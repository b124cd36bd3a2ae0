//! Checking a certificate's signature against a public key, for the
//! algorithms 2015 certificates used: RSA PKCS#1 v1.5 with MD5, SHA-1 and
//! the SHA-2 family, and ECDSA P-256 with SHA-256. Other algorithms are
//! reported as not checked rather than guessed.

use p256::ecdsa::signature::Verifier;
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;

use crate::der;

/// RSA signature algorithms: OID, hash OID, digest of the signed bytes.
type DigestFn = fn(&[u8]) -> Vec<u8>;
const RSA_ALGORITHMS: &[(&str, &[u64], DigestFn)] = &[
    ("1.2.840.113549.1.1.4", &[1, 2, 840, 113549, 2, 5], |m| {
        md5::Md5::digest(m).to_vec()
    }),
    ("1.2.840.113549.1.1.5", &[1, 3, 14, 3, 2, 26], |m| {
        sha1::Sha1::digest(m).to_vec()
    }),
    (
        "1.2.840.113549.1.1.14",
        &[2, 16, 840, 1, 101, 3, 4, 2, 4],
        |m| sha2::Sha224::digest(m).to_vec(),
    ),
    (
        "1.2.840.113549.1.1.11",
        &[2, 16, 840, 1, 101, 3, 4, 2, 1],
        |m| sha2::Sha256::digest(m).to_vec(),
    ),
    (
        "1.2.840.113549.1.1.12",
        &[2, 16, 840, 1, 101, 3, 4, 2, 2],
        |m| sha2::Sha384::digest(m).to_vec(),
    ),
    (
        "1.2.840.113549.1.1.13",
        &[2, 16, 840, 1, 101, 3, 4, 2, 3],
        |m| sha2::Sha512::digest(m).to_vec(),
    ),
];

const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";

/// Does `signature` over `signed` (algorithm `sig_oid`) verify with the key
/// in `spki` (DER SubjectPublicKeyInfo)? `None`: algorithm or key not checked.
pub fn verifies(sig_oid: &str, signed: &[u8], signature: &[u8], spki: &[u8]) -> Option<bool> {
    if let Some((_, hash_oid, digest)) = RSA_ALGORITHMS.iter().find(|(oid, _, _)| *oid == sig_oid) {
        let key = rsa::RsaPublicKey::from_public_key_der(spki).ok()?;
        let digest_info = der::seq(&[
            &der::seq(&[&der::oid(hash_oid), &der::null()]),
            &der::octets(&digest(signed)),
        ]);
        return Some(
            key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &digest_info, signature)
                .is_ok(),
        );
    }
    if sig_oid == ECDSA_SHA256 {
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki).ok()?;
        let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
            return Some(false);
        };
        return Some(key.verify(signed, &sig).is_ok());
    }
    None
}
