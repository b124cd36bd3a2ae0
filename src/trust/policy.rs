//! Which signature algorithms and key sizes a browser accepted, and until
//! when: dated facts as data, so a chain is judged by the rules of its
//! as-of date rather than today's.

/// Days since 1970-01-01 of a calendar date (proleptic Gregorian).
pub const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of midnight UTC on a calendar date.
pub const fn unix_date(year: i64, month: i64, day: i64) -> i64 {
    days_from_civil(year, month, day) * 86_400
}

/// How long a signature hash was accepted in certificates below a trust anchor.
pub struct HashRule {
    /// The hash, as named in signature algorithms (`md5`, `sha1`, …).
    pub hash: &'static str,
    /// Accepted at as-of dates before this instant (seconds since the epoch);
    /// `None`: accepted at every date in scope.
    pub accepted_until: Option<i64>,
    /// Where the date comes from.
    pub source: &'static str,
}

/// Signature hashes with a date after which Mozilla's browsers refused them.
/// Hashes not listed (the SHA-2 family) are accepted at every date.
pub const HASH_RULES: &[HashRule] = &[
    HashRule {
        hash: "md2",
        accepted_until: Some(unix_date(2009, 1, 1)),
        source: "MD2 certificate signatures disabled in NSS 3.12.3 (2009), CVE-2009-2409",
    },
    HashRule {
        hash: "md5",
        accepted_until: Some(unix_date(2009, 1, 1)),
        source: "MD5 collisions forged a CA certificate (Sotirov et al., 30 Dec 2008); NSS \
                 disabled MD5 certificate signatures in 3.12.3 (2009)",
    },
    HashRule {
        hash: "sha1",
        accepted_until: Some(unix_date(2017, 2, 24)),
        source: "Mozilla Security Blog, 'The end of SHA-1 on the Public Web' (23 Feb 2017): \
                 SHA-1 certificates chaining to Mozilla's roots refused for all Firefox users \
                 from 24 Feb 2017, after a staged roll-out from Firefox 51 (24 Jan 2017)",
    },
];

/// The smallest RSA modulus accepted in a certificate below the trust
/// anchor. 1024-bit keys stay acceptable: Mozilla retired them by removing
/// the 1024-bit roots from its store, which the dated snapshots show.
pub const MIN_RSA_BITS: u32 = 1024;

/// The hash a signature algorithm name uses (`sha1WithRSAEncryption` → `sha1`).
pub fn hash_of(sig_alg: &str) -> Option<&'static str> {
    let lower = sig_alg.to_ascii_lowercase().replace(['-', '_'], "");
    ["md2", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"]
        .into_iter()
        .find(|h| lower.contains(h))
}

/// Whether a certificate signed with `sig_alg` is acceptable at `as_of`.
pub fn hash_accepted(sig_alg: &str, as_of: i64) -> bool {
    let Some(hash) = hash_of(sig_alg) else {
        return true;
    };
    HASH_RULES
        .iter()
        .find(|r| r.hash == hash)
        .and_then(|r| r.accepted_until)
        .is_none_or(|until| as_of < until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(unix_date(2015, 8, 6), 1_438_819_200);
        assert_eq!(unix_date(2000, 3, 1), 951_868_800);
    }

    #[test]
    fn sha1_is_accepted_in_2015_and_refused_after_february_2017() {
        let august_2015 = unix_date(2015, 8, 6);
        assert!(hash_accepted("sha1WithRSAEncryption", august_2015));
        assert!(hash_accepted("ecdsa-with-SHA1", august_2015));
        assert!(!hash_accepted(
            "sha1WithRSAEncryption",
            unix_date(2017, 3, 1)
        ));
        assert!(!hash_accepted("md5WithRSAEncryption", august_2015));
        assert!(hash_accepted(
            "sha256WithRSAEncryption",
            unix_date(2026, 1, 1)
        ));
        assert!(hash_accepted("ecdsa-with-SHA384", unix_date(2026, 1, 1)));
    }
}
