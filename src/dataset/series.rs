//! Repeated scans of the same service: which scans form a series, and in
//! what order, so tables can compare each scan with the one before it.
//!
//! A series is one port, protocol and TLS mode seen through one kind of
//! source: raw scanner output (ZGrab, ZGrab2, sslyze…) or Censys host
//! records, which flatten handshakes differently (`censys_overstatement`)
//! and so are never compared with a raw scan as if the servers had changed.
//! Only scans with handshakes take a place; a port scan alone (ZMap,
//! masscan) has nothing to compare.

use std::collections::BTreeMap;

use super::manifest::ScanEntry;

/// A scan's place in its series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The series, e.g. `25-smtp-starttls` or `25-smtp-starttls-censys`.
    pub series: String,
    /// 1 for the earliest scan of the series.
    pub seq: u32,
    /// The scan just before it in the series.
    pub previous: Option<String>,
}

/// The instant a scan stands for: the run start its file name gives, else
/// its earliest record (µs since the epoch).
pub fn scan_time_us(scan: &ScanEntry) -> Option<i64> {
    scan.run_start_us.or(scan.first_seen_us)
}

/// `YYYY-MM-DD` of an instant (UTC).
pub fn date_of(us: i64) -> String {
    chrono::DateTime::from_timestamp(us.div_euclid(1_000_000), 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A scan read only from Censys host records: a series of its own, and the
/// Censys side of `censys_overstatement` (`scans.layouts = 'censys'`).
pub fn censys_only(scan: &ScanEntry) -> bool {
    !scan.layouts.is_empty() && scan.layouts.iter().all(|l| l == "censys")
}

/// The series a scan belongs to, when it has handshakes.
pub fn series_of(scan: &ScanEntry) -> Option<String> {
    if scan.handshakes == 0 {
        return None;
    }
    let mut name = format!("{}-{}-{}", scan.port, scan.protocol, scan.tls_mode);
    if censys_only(scan) {
        name.push_str("-censys");
    }
    Some(name)
}

/// Every scan with handshakes, placed in its series: ordered by scan time
/// (an undated scan after the dated ones), then by id.
pub fn order(scans: &BTreeMap<String, ScanEntry>) -> BTreeMap<&str, Place> {
    let mut by_series: BTreeMap<String, Vec<(Option<i64>, &str)>> = BTreeMap::new();
    for (id, scan) in scans {
        if let Some(series) = series_of(scan) {
            by_series
                .entry(series)
                .or_default()
                .push((scan_time_us(scan), id.as_str()));
        }
    }
    let mut out = BTreeMap::new();
    for (series, mut members) in by_series {
        members.sort_by_key(|&(time, id)| (time.is_none(), time, id));
        let mut previous: Option<&str> = None;
        for (i, &(_, id)) in members.iter().enumerate() {
            out.insert(
                id,
                Place {
                    series: series.clone(),
                    seq: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    previous: previous.map(str::to_owned),
                },
            );
            previous = Some(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(port: u16, layouts: &[&str], run_us: Option<i64>, handshakes: u64) -> ScanEntry {
        ScanEntry {
            port,
            protocol: "smtp".into(),
            tls_mode: "starttls".into(),
            layouts: layouts.iter().map(|l| (*l).to_owned()).collect(),
            run_start_us: run_us,
            handshakes,
            ..ScanEntry::default()
        }
    }

    #[test]
    fn scans_are_ordered_by_time_within_port_and_source() {
        let mut scans = BTreeMap::new();
        scans.insert("c".to_owned(), scan(25, &["zgrab2"], Some(30), 5));
        scans.insert(
            "a".to_owned(),
            scan(25, &["zgrab1_flat", "zmap_csv"], Some(10), 5),
        );
        scans.insert("b".to_owned(), scan(25, &["zgrab2"], None, 5));
        scans.insert("v".to_owned(), scan(25, &["censys"], Some(11), 5));
        scans.insert("z".to_owned(), scan(25, &["zmap_csv"], Some(20), 0));
        scans.insert("p".to_owned(), scan(587, &["zgrab2"], Some(20), 5));
        let order = order(&scans);
        let place = |id: &str| {
            order
                .get(id)
                .map(|p| (p.series.as_str(), p.seq, p.previous.clone()))
        };
        assert_eq!(place("a"), Some(("25-smtp-starttls", 1, None)));
        assert_eq!(place("c"), Some(("25-smtp-starttls", 2, Some("a".into()))));
        assert_eq!(place("b"), Some(("25-smtp-starttls", 3, Some("c".into()))));
        assert_eq!(place("v"), Some(("25-smtp-starttls-censys", 1, None)));
        assert_eq!(place("p"), Some(("587-smtp-starttls", 1, None)));
        assert_eq!(place("z"), None, "a port scan alone has no place");
    }
}
