//! Key-exchange material: Diffie-Hellman groups (well-known primes shared by
//! many servers, and a pool of random primes), curves, export RSA keys.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};

use super::rng::Rng;

/// Pool prime sizes a profile may name (`pool_1024`).
const POOL_NAMES: &[&str] = &[
    "pool_512",
    "pool_768",
    "pool_1024",
    "pool_2048",
    "pool_4096",
];

/// DH group names a profile may use: the well-known groups of
/// [`crate::tls::dh_groups`] and the pools.
pub fn group_names() -> Vec<&'static str> {
    crate::tls::dh_groups::table()
        .iter()
        .map(|g| g.name.as_str())
        .chain(POOL_NAMES.iter().copied())
        .collect()
}

/// Curves: ZGrab's name and the TLS NamedCurve id.
pub const CURVES: &[(&str, u16)] = &[
    ("secp256r1", 23),
    ("secp384r1", 24),
    ("secp521r1", 25),
    ("sect571r1", 14),
    ("brainpoolP512r1", 28),
];

/// Curve names a profile may use.
pub const CURVE_NAMES: &[&str] = &[
    "secp256r1",
    "secp384r1",
    "secp521r1",
    "sect571r1",
    "brainpoolP512r1",
];

const POOL_PRIMES: &str = include_str!("../../data/synth/dh-primes.txt");

/// A DH group a server uses.
pub struct Group<'a> {
    /// `oakley_group2_1024`, or `pool_1024` for a pool prime.
    pub name: &'static str,
    /// The prime, big-endian.
    pub prime: &'a [u8],
}

/// The pool primes the generator hands out (well-known ones come from
/// [`crate::tls::dh_groups`]).
pub struct KexMaterial {
    pool: BTreeMap<u32, Vec<Vec<u8>>>,
}

impl KexMaterial {
    /// Decodes the built-in primes.
    pub fn load() -> Result<KexMaterial> {
        let mut pool: BTreeMap<u32, Vec<Vec<u8>>> = BTreeMap::new();
        for line in POOL_PRIMES.lines().filter(|l| !l.trim().is_empty()) {
            let (bits, hex_text) = line
                .split_once(' ')
                .context("dh-primes.txt: `BITS HEX` lines")?;
            let bits: u32 = bits.parse().context("dh-primes.txt: bit size")?;
            pool.entry(bits)
                .or_default()
                .push(hex::decode(hex_text.trim()).context("dh-primes.txt: hex")?);
        }
        Ok(KexMaterial { pool })
    }

    /// The group called `name` (a profile key), drawing a pool prime from `rng`.
    pub fn group(&self, name: &str, rng: &mut Rng) -> Option<Group<'_>> {
        if let Some(bits) = name.strip_prefix("pool_") {
            let bits: u32 = bits.parse().ok()?;
            let primes = self.pool.get(&bits)?;
            let prime = &primes[rng.below(primes.len() as u64) as usize];
            let name = POOL_NAMES.iter().find(|n| **n == name)?;
            return Some(Group { name, prime });
        }
        crate::tls::dh_groups::by_name(name).map(|g| Group {
            name: g.name.as_str(),
            prime: &g.prime,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_have_their_sizes() {
        let m = KexMaterial::load().unwrap();
        let mut rng = Rng::new(1, 2, 3);
        for name in group_names() {
            let g = m.group(name, &mut rng).unwrap();
            let bits: u32 = crate::tls::dh_groups::by_name(name)
                .map(|g| g.bits)
                .or_else(|| name.strip_prefix("pool_").and_then(|b| b.parse().ok()))
                .unwrap();
            assert_eq!(g.prime.len() * 8, bits as usize, "{name}");
            assert!(
                g.prime[0] & 0x80 != 0 && g.prime[g.prime.len() - 1] & 1 == 1,
                "{name}"
            );
        }
    }
}
