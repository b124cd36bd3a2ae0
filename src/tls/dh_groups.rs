//! Well-known Diffie-Hellman primes, recognised by the SHA-256 of the prime
//! (the `dh_prime_sha256` of `handshakes`): the RFC 2409, 3526 and 5114
//! groups and the defaults hard-coded in web and mail server software, which
//! many servers share. The list is data (`data/dh-groups.csv`), each prime
//! with its source; all were checked to be (probable) primes of their size.

use std::sync::OnceLock;

use crate::x509::sha256_hex;

/// One named group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Short name (`oakley_group2_1024`).
    pub name: String,
    /// Prime size in bits.
    pub bits: u32,
    /// (p-1)/2 is prime too.
    pub safe_prime: bool,
    /// Where the prime is defined or found.
    pub source: String,
    /// The prime, big-endian, without leading zeros.
    pub prime: Vec<u8>,
    /// SHA-256 of `prime`, lower-case hex.
    pub prime_sha256: String,
}

const CSV: &str = include_str!("../../data/dh-groups.csv");

/// Parses the `name,bits,safe_prime,source,prime_hex` records.
fn parse(text: &str) -> Vec<Group> {
    crate::csv::records(text)
        .into_iter()
        .filter_map(|r| {
            let prime = hex::decode(r.get("prime_hex")?.trim()).ok()?;
            Some(Group {
                name: r.get("name")?.clone(),
                bits: r.get("bits")?.parse().ok()?,
                safe_prime: r.get("safe_prime")? == "true",
                source: r.get("source")?.clone(),
                prime_sha256: sha256_hex(&prime),
                prime,
            })
        })
        .collect()
}

/// Every named group, in file order.
pub fn table() -> &'static [Group] {
    static TABLE: OnceLock<Vec<Group>> = OnceLock::new();
    TABLE.get_or_init(|| parse(CSV))
}

/// The group with this name.
pub fn by_name(name: &str) -> Option<&'static Group> {
    table().iter().find(|g| g.name == name)
}

/// The group whose prime hashes to `sha256_hex`.
pub fn by_sha256(sha256_hex: &str) -> Option<&'static Group> {
    table().iter().find(|g| g.prime_sha256 == sha256_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_have_their_sizes() {
        let t = table();
        assert_eq!(t.len(), 14, "every line parses");
        for g in t {
            assert_eq!(g.prime.len() * 8, g.bits as usize, "{}", g.name);
            assert_eq!(g.prime.last().map(|b| b & 1), Some(1), "{} is odd", g.name);
            assert_eq!(
                by_sha256(&g.prime_sha256).map(|h| h.name.as_str()),
                Some(g.name.as_str())
            );
        }
        // RFC 2409 and 3526 primes begin and end with 64 one bits.
        let g2 = by_name("oakley_group2_1024").unwrap();
        assert!(g2.prime[..8]
            .iter()
            .chain(&g2.prime[120..])
            .all(|b| *b == 0xff));
        assert!(!by_name("rfc5114_1024_160").unwrap().safe_prime);
        // The export-grade primes servers shipped hard-coded (Logjam's targets).
        let export: Vec<&str> = t
            .iter()
            .filter(|g| g.bits == 512)
            .map(|g| g.name.as_str())
            .collect();
        assert_eq!(
            export,
            [
                "apache_2_0_512",
                "apache_2_2_512",
                "openssl_s_server_512",
                "sendmail_mysql_512"
            ]
        );
        assert!(t.iter().filter(|g| g.bits == 512).all(|g| g.safe_prime));
        assert_eq!(
            &by_name("rfc5114_1024_160").unwrap().prime[..4],
            &[0xB1, 0x0B, 0x8F, 0x96]
        );
    }
}
