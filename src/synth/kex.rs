//! Key-exchange material: Diffie-Hellman groups (well-known primes shared by
//! many servers, and a pool of random primes), curves, export RSA keys.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};

use super::rng::Rng;

/// Well-known primes by name: RFC 2409 §6.1/§6.2 (Oakley groups 1 and 2) and
/// RFC 3526 §3 (group 14). All three share the leading digits of π.
const WELL_KNOWN: &[(&str, &str)] = &[
    (
        "oakley_group1_768",
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
         EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF",
    ),
    (
        "oakley_group2_1024",
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
         EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
         EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    ),
    (
        "rfc3526_group14_2048",
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
         EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
         EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
         83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B\
         E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510\
         15728E5A8AACAA68FFFFFFFFFFFFFFFF",
    ),
];

/// DH group names a profile may use.
pub const GROUP_NAMES: &[&str] = &[
    "oakley_group1_768",
    "oakley_group2_1024",
    "rfc3526_group14_2048",
    "pool_512",
    "pool_768",
    "pool_1024",
    "pool_2048",
    "pool_4096",
];

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

/// Every prime the generator hands out.
pub struct KexMaterial {
    named: Vec<(&'static str, Vec<u8>)>,
    pool: BTreeMap<u32, Vec<Vec<u8>>>,
}

impl KexMaterial {
    /// Decodes the built-in primes.
    pub fn load() -> Result<KexMaterial> {
        let mut named = Vec::new();
        for (name, hex_text) in WELL_KNOWN {
            named.push((*name, hex::decode(hex_text).context("well-known prime")?));
        }
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
        Ok(KexMaterial { named, pool })
    }

    /// The group called `name` (a profile key), drawing a pool prime from `rng`.
    pub fn group(&self, name: &str, rng: &mut Rng) -> Option<Group<'_>> {
        if let Some(bits) = name.strip_prefix("pool_") {
            let bits: u32 = bits.parse().ok()?;
            let primes = self.pool.get(&bits)?;
            let prime = &primes[rng.below(primes.len() as u64) as usize];
            let name = GROUP_NAMES.iter().find(|n| **n == name)?;
            return Some(Group { name, prime });
        }
        self.named
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(name, prime)| Group { name, prime })
    }

    /// The name of a well-known prime, if it is one.
    pub fn well_known_name(prime: &[u8]) -> Option<&'static str> {
        WELL_KNOWN
            .iter()
            .find(|(_, h)| hex::decode(h).is_ok_and(|p| p == prime))
            .map(|(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_have_their_sizes() {
        let m = KexMaterial::load().unwrap();
        let mut rng = Rng::new(1, 2, 3);
        for name in GROUP_NAMES {
            let g = m.group(name, &mut rng).unwrap();
            let bits: u32 = name.rsplit('_').next().unwrap().parse().unwrap();
            assert_eq!(g.prime.len() * 8, bits as usize, "{name}");
            assert!(
                g.prime[0] & 0x80 != 0 && g.prime[g.prime.len() - 1] & 1 == 1,
                "{name}"
            );
        }
        assert_eq!(
            KexMaterial::well_known_name(m.group("oakley_group2_1024", &mut rng).unwrap().prime),
            Some("oakley_group2_1024")
        );
    }
}
