//! The bundled sample (`data/sample/`, made by `scripts/make_sample.py`):
//! its outcomes are known record by record.

mod common;

use std::path::Path;

use common::*;

#[test]
fn sample_ingests_to_known_counts() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let (_t, ds, summary) = ingest(|out| options(vec![sample.clone()], out));
    assert_eq!(summary.inputs, 5);
    let records: Vec<_> = summary
        .records
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        records,
        vec![
            ("censys", 1),
            ("zgrab1_flat", 40),
            ("zgrab2", 24),
            ("zmap_csv", 64)
        ]
    );
    let bad: Vec<_> = summary.bad.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(bad, vec![("invalid JSON", 1), ("not UTF-8 text", 1)]);
    let hs = table(&ds, "handshakes");
    assert_eq!(hs.height(), 65);
    let smtp = rows_where(&hs, "scan_id", "25-smtp-starttls-full_ipv4-20150803T040000");
    assert_eq!(
        counts(&smtp, "status"),
        vec![
            ("connect_failed".into(), 8),
            ("no_starttls".into(), 8),
            ("ok".into(), 24)
        ]
    );
    let imaps = rows_where(&hs, "scan_id", "993-imaps-tls-full_ipv4-20150804T100000");
    assert_eq!(
        counts(&imaps, "status"),
        vec![("ok".into(), 18), ("timeout".into(), 6)]
    );
    let censys = rows_where(&hs, "scan_id", "25-smtp-starttls-censys-host-example");
    assert_eq!(s(&censys, "status", 0).as_deref(), Some("no_starttls"));
    assert_eq!(b(&censys, "starttls_stripped", 0), Some(true));
    assert_eq!(table(&ds, "discovery").height(), 64);
    let certs = table(&ds, "certificates");
    assert_eq!(certs.height(), 2);
    let mut bits: Vec<_> = certs
        .column("key_bits")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    bits.sort();
    assert_eq!(bits, vec![Some(1024), Some(2048)]);
    let mut sigs: Vec<_> = (0..2).map(|i| s(&certs, "sig_alg", i).unwrap()).collect();
    sigs.sort();
    assert_eq!(
        sigs,
        vec!["sha1WithRSAEncryption", "sha256WithRSAEncryption"]
    );
}
