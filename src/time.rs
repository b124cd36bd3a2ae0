//! Timestamps as scanners write them, to microseconds since the epoch (UTC).

use chrono::{DateTime, NaiveDateTime};

/// Parses RFC 3339 with any offset (`2015-01-30T14:27:55-05:00`,
/// `2018-04-06T19:42:03Z`, fractional seconds allowed).
pub fn parse_rfc3339_us(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Parses ZMap's `timestamp_str` (`2015-09-30T01:02:03.456-0400`) or RFC 3339.
pub fn parse_zmap_us(text: &str) -> Option<i64> {
    parse_rfc3339_us(text).or_else(|| {
        DateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f%z")
            .ok()
            .map(|t| t.timestamp_micros())
    })
}

/// Parses the scans.io run id `20150803T040000` (or `…T0400`), taken as UTC.
pub fn parse_run_id_us(text: &str) -> Option<i64> {
    let t = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M"))
        .ok()?;
    Some(t.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_timestamps() {
        assert_eq!(parse_rfc3339_us("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(
            parse_rfc3339_us("1970-01-01T00:00:01-00:01"),
            Some(61_000_000)
        );
        assert_eq!(
            parse_zmap_us("1970-01-01T00:00:01.500+0000"),
            Some(1_500_000)
        );
        assert_eq!(parse_run_id_us("19700101T000100"), Some(60_000_000));
        assert_eq!(parse_run_id_us("19700101T0001"), Some(60_000_000));
        assert_eq!(parse_rfc3339_us("yesterday"), None);
    }
}
