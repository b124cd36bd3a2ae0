//! Top lists of popular domains: Alexa's, Cisco Umbrella's and Tranco's
//! `top-1m.csv` hold `rank,domain` per line, without a header (Umbrella's
//! may name bare top-level domains). A line whose first field is a whole
//! number and whose second is a name, not an address, is a top-list row.

use std::borrow::Cow;
use std::net::IpAddr;

use super::RecordError;
use crate::record::{Parsed, Ranked};

/// Does this line look like a top-list row (`1,google.com`)?
pub fn is_row(line: &str) -> bool {
    let mut fields = line.trim_end().split(',');
    let (Some(rank), Some(domain), None) = (fields.next(), fields.next(), fields.next()) else {
        return false;
    };
    !rank.is_empty()
        && rank.len() <= 10
        && rank.bytes().all(|b| b.is_ascii_digit())
        && domain.bytes().any(|b| b.is_ascii_alphabetic())
        && domain.trim().parse::<IpAddr>().is_err()
}

/// Parses one top-list row.
pub fn parse_row(line: &str) -> Result<Parsed<'_>, RecordError> {
    let (rank, domain) = line
        .trim_end()
        .split_once(',')
        .ok_or_else(|| RecordError::new("a top-list row is `rank,domain`"))?;
    let rank: u32 = rank.parse().ok().filter(|r| *r > 0).ok_or_else(|| {
        RecordError::new(format!(
            "top-list rank {rank:?} is not a whole number from 1"
        ))
    })?;
    let domain = domain.trim().trim_end_matches('.');
    if domain.is_empty() || domain.bytes().any(|b| b.is_ascii_whitespace() || b == b'/') {
        return Err(RecordError::new(format!(
            "top-list domain {domain:?} is not a domain name"
        )));
    }
    let domain = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(domain.to_ascii_lowercase())
    } else {
        Cow::Borrowed(domain)
    };
    Ok(Parsed {
        ranked: vec![Ranked { rank, domain }],
        ..Parsed::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_their_look_alikes() {
        assert!(is_row("1,google.com"));
        assert!(is_row("999999,com\r"));
        assert!(!is_row("192.0.2.1"), "a bare ZMap address");
        assert!(!is_row("1,192.0.2.1"));
        assert!(!is_row("1,a.example,extra"));
        assert!(!is_row("GlobalRank,TldRank"));
        let p = parse_row("2,Example.ORG.").unwrap();
        assert_eq!(
            (p.ranked[0].rank, p.ranked[0].domain.as_ref()),
            (2, "example.org")
        );
        assert!(parse_row("0,example.org").is_err());
        assert!(parse_row("3,bad name").is_err());
    }
}
