//! The bundled sample (`data/sample/`, written by `scripts/make_sample.sh`
//! with `mailtls synth`) ingests to exactly what its `truth.json` says.

mod common;

use std::path::Path;

use common::truth::assert_matches_truth;
use common::*;

#[test]
fn sample_ingests_to_its_truth() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample.join("truth.json")).unwrap()).unwrap();
    let (_t, ds, summary) = ingest(|out| options(vec![sample.clone()], out));
    let files = truth["files"].as_array().unwrap().len() as u64;
    assert_eq!(
        summary.inputs as u64, files,
        "every scan file, not truth.json or roots.pem"
    );
    assert_eq!(
        summary.bad.values().sum::<u64>(),
        truth["quarantine"].as_u64().unwrap()
    );
    assert_matches_truth(&ds, &truth);
    // Every negotiated suite joins a row of the cipher-suite dimension.
    let suites = table(&ds, "cipher_suites");
    assert_eq!(suites.height(), mailtls::tls::suites::table().len());
    let ids: std::collections::BTreeSet<u32> = (0..suites.height())
        .filter_map(|i| suites.column("id").unwrap().u32().unwrap().get(i))
        .collect();
    let hs = table(&ds, "handshakes");
    let codes = hs.column("cipher_id").unwrap().u16().unwrap();
    let negotiated: Vec<u16> = (0..hs.height()).filter_map(|i| codes.get(i)).collect();
    assert!(negotiated.len() > 1000, "{}", negotiated.len());
    assert!(negotiated.iter().all(|c| ids.contains(&u32::from(*c))));
    let layouts: Vec<&str> = summary.records.keys().map(String::as_str).collect();
    assert_eq!(
        layouts,
        [
            "censys",
            "masscan",
            "mta_sts",
            "sonar_dns",
            "sslyze_json",
            "sslyze_xml",
            "toplist",
            "zdns",
            "zgrab1_era_a",
            "zgrab1_flat",
            "zgrab2",
            "zmap_csv"
        ]
    );
}
