//! Checking a certificate's signature against a public key: RSA PKCS#1 v1.5
//! with MD5, SHA-1 and the SHA-2 family, and ECDSA on P-256 and P-384 with
//! SHA-1 and the SHA-2 family. Other algorithms (DSA, RSA-PSS, EdDSA) are
//! reported as not checked rather than guessed.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;

use crate::der;

type DigestFn = fn(&[u8]) -> Vec<u8>;
/// A hash: its OID arcs and its digest function.
type HashAlg = (&'static [u64], DigestFn);

/// Hashes by OID arcs (for the RSA DigestInfo) with their digest function.
const MD5: HashAlg = (&[1, 2, 840, 113549, 2, 5], |m| md5::Md5::digest(m).to_vec());
const SHA1: HashAlg = (&[1, 3, 14, 3, 2, 26], |m| sha1::Sha1::digest(m).to_vec());
const SHA224: HashAlg = (&[2, 16, 840, 1, 101, 3, 4, 2, 4], |m| {
    sha2::Sha224::digest(m).to_vec()
});
const SHA256: HashAlg = (&[2, 16, 840, 1, 101, 3, 4, 2, 1], |m| {
    sha2::Sha256::digest(m).to_vec()
});
const SHA384: HashAlg = (&[2, 16, 840, 1, 101, 3, 4, 2, 2], |m| {
    sha2::Sha384::digest(m).to_vec()
});
const SHA512: HashAlg = (&[2, 16, 840, 1, 101, 3, 4, 2, 3], |m| {
    sha2::Sha512::digest(m).to_vec()
});

#[derive(Clone, Copy)]
enum Scheme {
    RsaPkcs1,
    Ecdsa,
}

/// Signature algorithm OID → scheme and hash.
const ALGORITHMS: &[(&str, Scheme, HashAlg)] = &[
    ("1.2.840.113549.1.1.4", Scheme::RsaPkcs1, MD5),
    ("1.2.840.113549.1.1.5", Scheme::RsaPkcs1, SHA1),
    ("1.2.840.113549.1.1.14", Scheme::RsaPkcs1, SHA224),
    ("1.2.840.113549.1.1.11", Scheme::RsaPkcs1, SHA256),
    ("1.2.840.113549.1.1.12", Scheme::RsaPkcs1, SHA384),
    ("1.2.840.113549.1.1.13", Scheme::RsaPkcs1, SHA512),
    ("1.2.840.10045.4.1", Scheme::Ecdsa, SHA1),
    ("1.2.840.10045.4.3.1", Scheme::Ecdsa, SHA224),
    ("1.2.840.10045.4.3.2", Scheme::Ecdsa, SHA256),
    ("1.2.840.10045.4.3.3", Scheme::Ecdsa, SHA384),
    ("1.2.840.10045.4.3.4", Scheme::Ecdsa, SHA512),
];

/// Does `signature` over `signed` (algorithm `sig_oid`) verify with the key
/// in `spki` (DER SubjectPublicKeyInfo)? `None`: algorithm or key not checked.
pub fn verifies(sig_oid: &str, signed: &[u8], signature: &[u8], spki: &[u8]) -> Option<bool> {
    let (_, scheme, (hash_oid, digest)) = ALGORITHMS.iter().find(|(oid, _, _)| *oid == sig_oid)?;
    let hashed = digest(signed);
    match scheme {
        Scheme::RsaPkcs1 => {
            let key = rsa::RsaPublicKey::from_public_key_der(spki).ok()?;
            let digest_info = der::seq(&[
                &der::seq(&[&der::oid(hash_oid), &der::null()]),
                &der::octets(&hashed),
            ]);
            Some(
                key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &digest_info, signature)
                    .is_ok(),
            )
        }
        Scheme::Ecdsa => {
            if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) {
                let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                    return Some(false);
                };
                return Some(key.verify_prehash(&hashed, &sig).is_ok());
            }
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki).ok()?;
            let Ok(sig) = p384::ecdsa::Signature::from_der(signature) else {
                return Some(false);
            };
            Some(key.verify_prehash(&hashed, &sig).is_ok())
        }
    }
}
