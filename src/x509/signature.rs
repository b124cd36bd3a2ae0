//! Checking a certificate's signature against a public key: RSA PKCS#1 v1.5
//! with MD5, SHA-1 and the SHA-2 family, and ECDSA on P-256 and P-384 with
//! SHA-1 and the SHA-2 family. Other algorithms (DSA, RSA-PSS, EdDSA) are
//! reported as not checked rather than guessed.
//!
//! RSA arithmetic is ring's where ring takes the key and hash (1024 to 8192
//! bits, SHA-1 and SHA-2 but SHA-224), and [`rsa_public`]'s for the rest
//! (the 512-bit keys and MD5 signatures of older scans). Keys with an even
//! modulus, an exponent above 64 bits or more than 8192 bits are not
//! checked. The tests hold both against the `rsa` crate.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::pkcs8::DecodePublicKey;
use ring::signature as fast;
use sha2::Digest;
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo};
use x509_parser::public_key::PublicKey;

use super::{rsa_public, significant_bits, strip_leading_zeros};
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

/// ring's verifier for an RSA hash and the fewest modulus bits it takes,
/// where it has one. ring's arithmetic is about six times faster than the
/// `rsa` crate's (measured on a 2048-bit SHA-1 signature: 24 µs against
/// 137 µs), which a dataset with a leaf per host feels at every commit. It
/// has no MD5 or SHA-224 verifier and takes keys of at most 8192 bits.
type FastRsa = Option<(&'static fast::RsaParameters, usize)>;

#[derive(Clone, Copy)]
enum Scheme {
    RsaPkcs1(FastRsa),
    Ecdsa,
}

/// ring's verifiers, with the fewest modulus bits each takes.
const RING_SHA1: FastRsa = Some((&fast::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, 1024));
const RING_SHA256: FastRsa = Some((&fast::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, 1024));
const RING_SHA384: FastRsa = Some((&fast::RSA_PKCS1_2048_8192_SHA384, 2048));
const RING_SHA512: FastRsa = Some((&fast::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY, 1024));

/// Signature algorithm OID → scheme and hash.
const ALGORITHMS: &[(&str, Scheme, HashAlg)] = &[
    ("1.2.840.113549.1.1.4", Scheme::RsaPkcs1(None), MD5),
    ("1.2.840.113549.1.1.5", Scheme::RsaPkcs1(RING_SHA1), SHA1),
    ("1.2.840.113549.1.1.14", Scheme::RsaPkcs1(None), SHA224),
    (
        "1.2.840.113549.1.1.11",
        Scheme::RsaPkcs1(RING_SHA256),
        SHA256,
    ),
    (
        "1.2.840.113549.1.1.12",
        Scheme::RsaPkcs1(RING_SHA384),
        SHA384,
    ),
    (
        "1.2.840.113549.1.1.13",
        Scheme::RsaPkcs1(RING_SHA512),
        SHA512,
    ),
    ("1.2.840.10045.4.1", Scheme::Ecdsa, SHA1),
    ("1.2.840.10045.4.3.1", Scheme::Ecdsa, SHA224),
    ("1.2.840.10045.4.3.2", Scheme::Ecdsa, SHA256),
    ("1.2.840.10045.4.3.3", Scheme::Ecdsa, SHA384),
    ("1.2.840.10045.4.3.4", Scheme::Ecdsa, SHA512),
];

/// An RSA public key's modulus and exponent, without leading zero bytes.
fn rsa_key(spki: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, info) = SubjectPublicKeyInfo::from_der(spki).ok()?;
    let PublicKey::RSA(key) = info.parsed().ok()? else {
        return None;
    };
    Some((
        strip_leading_zeros(key.modulus).to_vec(),
        strip_leading_zeros(key.exponent).to_vec(),
    ))
}

/// ring's verdict on an RSA signature, when ring takes the key: a modulus
/// of `min_bits` (counted in whole bytes, as ring does) to 8192 bits that
/// is odd, and an odd exponent from 3 to 2^33 - 1. Keys outside that get
/// `None`, for [`own_verdict`] to judge.
fn ring_verdict(
    fast: FastRsa,
    signed: &[u8],
    signature: &[u8],
    n: &[u8],
    e: &[u8],
) -> Option<bool> {
    let (params, min_bits) = fast?;
    let e_value = exponent(e).filter(|_| e.len() <= 5)?;
    let takes = n.len() * 8 >= min_bits
        && significant_bits(n) <= 8192
        && n.last().is_some_and(|b| b & 1 == 1)
        && (3..1 << 33).contains(&e_value)
        && e_value & 1 == 1;
    takes.then(|| {
        fast::RsaPublicKeyComponents { n, e }
            .verify(params, signed, signature)
            .is_ok()
    })
}

/// A public exponent that fits in 64 bits.
fn exponent(e: &[u8]) -> Option<u64> {
    (e.len() <= 8).then(|| e.iter().fold(0u64, |v, &b| v << 8 | u64::from(b)))
}

/// The largest modulus [`own_verdict`] checks, as ring: a hostile record's
/// huge key would otherwise cost seconds of arithmetic.
const MAX_OWN_BITS: u32 = 8192;

/// The DER `DigestInfo` a PKCS#1 v1.5 signature over `signed` carries.
fn digest_info((hash_oid, digest): HashAlg, signed: &[u8]) -> Vec<u8> {
    der::seq(&[
        &der::seq(&[&der::oid(hash_oid), &der::null()]),
        &der::octets(&digest(signed)),
    ])
}

/// The verdict on an RSA PKCS#1 v1.5 signature by [`rsa_public::modpow`]
/// (RFC 8017 §8.2.2): every hash, odd moduli up to [`MAX_OWN_BITS`],
/// exponents of at most 64 bits (`None` for other keys). The signature must be as long as the
/// modulus and decode to `00 01 FF…FF 00 DigestInfo` with at least eight
/// `FF` bytes.
fn own_verdict(
    (hash_oid, digest): HashAlg,
    signed: &[u8],
    signature: &[u8],
    n: &[u8],
    e: &[u8],
) -> Option<bool> {
    let e = exponent(e)?;
    if n.last().is_none_or(|b| b & 1 == 0) || significant_bits(n) > MAX_OWN_BITS {
        return None;
    }
    let digest_info = digest_info((hash_oid, digest), signed);
    if signature.len() != n.len() || n.len() < digest_info.len() + 11 {
        return Some(false);
    }
    // An odd modulus refuses only a signature not below it: invalid.
    let Some(decoded) = rsa_public::modpow(signature, e, n) else {
        return Some(false);
    };
    let padding = n.len() - digest_info.len() - 3;
    let expected = [&[0u8, 1][..], &vec![0xff; padding], &[0], &digest_info].concat();
    Some(decoded == expected)
}

/// Does `signature` over `signed` (algorithm `sig_oid`) verify with the key
/// in `spki` (DER SubjectPublicKeyInfo)? `None`: algorithm or key not checked.
pub fn verifies(sig_oid: &str, signed: &[u8], signature: &[u8], spki: &[u8]) -> Option<bool> {
    let (_, scheme, (hash_oid, digest)) = ALGORITHMS.iter().find(|(oid, _, _)| *oid == sig_oid)?;
    match scheme {
        Scheme::RsaPkcs1(fast) => {
            let (n, e) = rsa_key(spki)?;
            ring_verdict(*fast, signed, signature, &n, &e)
                .or_else(|| own_verdict((hash_oid, *digest), signed, signature, &n, &e))
        }
        Scheme::Ecdsa => {
            let hashed = digest(signed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};

    /// The first key of each size in the synthetic archives' key pool.
    fn pool_key(pem: &str) -> rsa::RsaPrivateKey {
        let first = pem
            .split_inclusive("-----END PRIVATE KEY-----")
            .next()
            .expect("a key");
        rsa::RsaPrivateKey::from_pkcs8_pem(first.trim()).expect("a PKCS#8 key")
    }

    /// The `rsa` crate's verdict, the independent reference.
    fn rsa_crate_verdict(
        key: &rsa::RsaPrivateKey,
        hash: HashAlg,
        signed: &[u8],
        signature: &[u8],
    ) -> bool {
        key.to_public_key()
            .verify(
                rsa::Pkcs1v15Sign::new_unprefixed(),
                &digest_info(hash, signed),
                signature,
            )
            .is_ok()
    }

    #[test]
    fn keys_beyond_the_size_limit_are_not_checked() {
        let md5 = ALGORITHMS
            .iter()
            .find(|(oid, _, _)| *oid == "1.2.840.113549.1.1.4")
            .map(|(_, _, hash)| *hash)
            .unwrap();
        let huge = vec![0xffu8; 8192 / 8 + 1];
        let signature = vec![0x01u8; huge.len()];
        assert_eq!(own_verdict(md5, b"m", &signature, &huge, &[1, 0, 1]), None);
        let largest = vec![0xffu8; 8192 / 8];
        let signature = vec![0x01u8; largest.len()];
        assert_eq!(
            own_verdict(md5, b"m", &signature, &largest, &[1, 0, 1]),
            Some(false)
        );
    }

    #[test]
    fn ring_our_arithmetic_and_the_rsa_crate_agree() {
        let keys = [
            (512, pool_key(include_str!("../../data/synth/rsa-512.pem"))),
            (
                1024,
                pool_key(include_str!("../../data/synth/rsa-1024.pem")),
            ),
            (
                2048,
                pool_key(include_str!("../../data/synth/rsa-2048.pem")),
            ),
            (
                4096,
                pool_key(include_str!("../../data/synth/rsa-4096.pem")),
            ),
        ];
        let message = b"tbsCertificate";
        let mut ring_judged = Vec::new();
        for (bits, key) in &keys {
            let spki = key.to_public_key().to_public_key_der().unwrap();
            let spki = spki.as_bytes();
            for (oid, scheme, (hash_oid, digest)) in ALGORITHMS {
                let Scheme::RsaPkcs1(fast) = scheme else {
                    continue;
                };
                let digest_info = der::seq(&[
                    &der::seq(&[&der::oid(hash_oid), &der::null()]),
                    &der::octets(&digest(message)),
                ]);
                // A 512-bit key is too short for SHA-384 and SHA-512.
                let Ok(good) = key.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &digest_info) else {
                    assert_eq!(*bits, 512);
                    continue;
                };
                let mut flipped = good.clone();
                flipped[good.len() / 2] ^= 1;
                let short = good[1..].to_vec();
                let modulus = rsa_key(spki).unwrap().0;
                for (signed, signature, valid) in [
                    (&message[..], &good, true),
                    (&message[..], &flipped, false),
                    (&b"another message"[..], &good, false),
                    (&message[..], &short, false),
                    (&message[..], &modulus, false),
                ] {
                    let reference = rsa_crate_verdict(key, (hash_oid, *digest), signed, signature);
                    assert_eq!(reference, valid, "rsa crate, {bits} bits, {oid}");
                    let (n, e) = rsa_key(spki).unwrap();
                    let own = own_verdict((hash_oid, *digest), signed, signature, &n, &e);
                    assert_eq!(own, Some(valid), "own arithmetic, {bits} bits, {oid}");
                    let ring = ring_verdict(*fast, signed, signature, &n, &e);
                    if let Some(ring) = ring {
                        assert_eq!(ring, valid, "ring, {bits} bits, {oid}");
                        ring_judged.push((*bits, *oid));
                    }
                    assert_eq!(verifies(oid, signed, signature, spki), Some(valid));
                }
            }
        }
        ring_judged.dedup();
        // 512-bit keys, MD5 and SHA-224 are left to our own arithmetic, and so is
        // SHA-384 below 2048 bits.
        let sha1_256_512 = [
            "1.2.840.113549.1.1.5",
            "1.2.840.113549.1.1.11",
            "1.2.840.113549.1.1.13",
        ];
        let mut expected = Vec::new();
        for bits in [1024, 2048, 4096] {
            for oid in ALGORITHMS.iter().map(|(oid, _, _)| *oid) {
                let sha384 = oid == "1.2.840.113549.1.1.12";
                if sha1_256_512.contains(&oid) || (sha384 && bits >= 2048) {
                    expected.push((bits, oid));
                }
            }
        }
        assert_eq!(ring_judged, expected);
    }
}
