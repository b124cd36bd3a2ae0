//! Which scans a catalogue table reads. A table that compares scans reads
//! only the scans it can compare; the manifest names them before any
//! Parquet is opened, so the parts of every other scan are never read
//! (an engine without that knowledge reads them all, or stops only once
//! one side of a join turns out empty).

use crate::dataset::manifest::{Manifest, ScanEntry};
use crate::dataset::series::{censys_only, order};

/// The scans a table's rows can come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScansRead {
    /// Every scan.
    All,
    /// The scans of a series that has at least one pair of consecutive
    /// scans (what `scan_pairs.cte.sql` pairs).
    Paired,
    /// The scans of a port, protocol and TLS mode scanned both from raw
    /// records and from Censys host records (what `censys_overstatement`
    /// pairs).
    RawAndCensys,
}

impl ScansRead {
    /// The scans to read, or `None` for every scan. Always a superset of
    /// the scans the table's SQL can pair, so narrowing never changes an
    /// answer.
    pub fn select(self, manifest: &Manifest) -> Option<Vec<String>> {
        match self {
            ScansRead::All => None,
            ScansRead::Paired => Some(paired(manifest)),
            ScansRead::RawAndCensys => Some(raw_and_censys(manifest)),
        }
    }
}

/// Every scan that has a scan before or after it in its series.
fn paired(manifest: &Manifest) -> Vec<String> {
    let mut scans: Vec<String> = Vec::new();
    for (id, place) in order(&manifest.scans) {
        if let Some(previous) = place.previous {
            scans.push(previous);
            scans.push(id.to_owned());
        }
    }
    scans.sort();
    scans.dedup();
    scans
}

/// A scan with no Censys records (the SQL's `layouts NOT LIKE '%censys%'`).
fn raw_only(scan: &ScanEntry) -> bool {
    !scan.layouts.iter().any(|l| l.contains("censys"))
}

/// Every scan of a port, protocol and TLS mode that has both a Censys-only
/// scan and a raw one.
fn raw_and_censys(manifest: &Manifest) -> Vec<String> {
    fn service(s: &ScanEntry) -> (u16, &str, &str) {
        (s.port, &s.protocol, &s.tls_mode)
    }
    let has = |test: fn(&ScanEntry) -> bool, of: &ScanEntry| {
        manifest
            .scans
            .values()
            .any(|s| test(s) && service(s) == service(of))
    };
    manifest
        .scans
        .iter()
        .filter(|(_, s)| has(censys_only, s) && has(raw_only, s))
        .map(|(id, _)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(port: u16, layouts: &[&str], run_us: i64, handshakes: u64) -> ScanEntry {
        ScanEntry {
            port,
            protocol: "smtp".into(),
            tls_mode: "starttls".into(),
            layouts: layouts.iter().map(|l| (*l).to_owned()).collect(),
            run_start_us: Some(run_us),
            handshakes,
            ..ScanEntry::default()
        }
    }

    /// Port 25 scanned twice by ZGrab 2, once by ZMap alone and once seen
    /// through Censys; port 587 once by ZGrab 2 and once through Censys;
    /// port 465 once.
    fn manifest() -> Manifest {
        let mut m = Manifest::default();
        for (id, entry) in [
            ("25-a", scan(25, &["zgrab2"], 10, 5)),
            ("25-b", scan(25, &["zgrab2", "zmap_csv"], 20, 5)),
            ("25-zmap", scan(25, &["zmap_csv"], 15, 0)),
            ("25-censys", scan(25, &["censys"], 12, 5)),
            ("587-a", scan(587, &["zgrab2"], 10, 5)),
            ("465-a", scan(465, &["zgrab1_flat"], 10, 5)),
        ] {
            m.scans.insert(id.to_owned(), entry);
        }
        let mut censys_587 = scan(587, &["censys"], 11, 5);
        censys_587.tls_mode = "tls".into();
        m.scans.insert("587-censys-tls".to_owned(), censys_587);
        m
    }

    #[test]
    fn paired_tables_read_the_series_scanned_more_than_once() {
        let m = manifest();
        assert_eq!(ScansRead::All.select(&m), None);
        // The Censys view is a series of its own (one scan); the ZMap-only
        // scan has no handshakes, so no series.
        assert_eq!(ScansRead::Paired.select(&m).unwrap(), ["25-a", "25-b"]);
    }

    #[test]
    fn censys_comparison_reads_services_seen_both_ways() {
        let m = manifest();
        // Port 587's Censys scan is of another TLS mode: no pair there.
        assert_eq!(
            ScansRead::RawAndCensys.select(&m).unwrap(),
            ["25-a", "25-b", "25-censys", "25-zmap"]
        );
        let mut raw_only = manifest();
        raw_only.scans.retain(|_, s| !censys_only(s));
        assert_eq!(
            ScansRead::RawAndCensys.select(&raw_only).unwrap(),
            Vec::<String>::new()
        );
    }
}
