//! Comparing an ingested dataset with a synthetic archive's `truth.json`.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use super::{rows_where, table};

/// A column's values as the strings `truth.json` uses (codes in hex).
pub fn values(df: &DataFrame, column: &str) -> Vec<Option<String>> {
    let col = df.column(column).unwrap();
    let n = col.len();
    match col.dtype() {
        DataType::UInt16 if matches!(column, "tls_version" | "cipher_id") => {
            let ca = col.u16().unwrap();
            (0..n)
                .map(|i| ca.get(i).map(|v| format!("0x{v:04x}")))
                .collect()
        }
        DataType::List(_) => {
            let ca = col.list().unwrap();
            (0..n)
                .map(|i| ca.get_as_series(i).map(|s| s.len().to_string()))
                .collect()
        }
        _ => {
            let s = col.cast(&DataType::String).unwrap();
            let ca = s.str().unwrap();
            (0..n).map(|i| ca.get(i).map(str::to_owned)).collect()
        }
    }
}

fn tally(df: &DataFrame, column: &str, null: Option<&str>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for v in values(df, column) {
        if let Some(v) = v.or(null.map(str::to_owned)) {
            *out.entry(v).or_default() += 1;
        }
    }
    out
}

/// A truth metric as value → count; `not_logged` (parameters the record
/// does not show) is a null in the dataset's columns, counted by the
/// catalogue's `key_exchange` table instead.
fn truth_counts(counts: &Value, metric: &str) -> BTreeMap<String, u64> {
    counts[metric]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != "not_logged")
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

/// Dataset columns checked against the truth's metrics, with the text of a null.
const HANDSHAKE_METRICS: &[(&str, &str, Option<&str>)] = &[
    ("status", "status", None),
    ("starttls_offered", "starttls_offered", Some("null")),
    ("starttls_stripped", "starttls_stripped", None),
];
const OK_METRICS: &[(&str, &str, Option<&str>)] = &[
    ("ok.tls_version", "tls_version", None),
    ("ok.cipher_id", "cipher_id", None),
    ("ok.kex", "kex", Some("unknown")),
    ("ok.server_kex", "server_kex", Some("none")),
    ("ok.dh_prime_bits", "dh_prime_bits", None),
    ("ok.ecdh_curve", "ecdh_curve", None),
    ("ok.rsa_export_bits", "rsa_export_bits", None),
    ("ok.browser_trusted", "browser_trusted", Some("null")),
    ("ok.chain_length", "chain_sha256", None),
];

pub fn assert_matches_truth(dataset: &Path, truth: &Value) {
    let hs = table(dataset, "handshakes");
    assert_eq!(
        hs.height() as u64,
        truth["handshakes"]["rows"].as_u64().unwrap()
    );
    let groups = table(dataset, "dh_groups");
    let names: BTreeMap<String, String> = values(&groups, "prime_sha256")
        .into_iter()
        .zip(values(&groups, "name"))
        .filter_map(|(sha, name)| Some((sha?, name?)))
        .collect();
    for series in truth["series"].as_array().unwrap() {
        let id = series["scan_id"].as_str().unwrap();
        let rows = rows_where(&hs, "scan_id", id);
        assert_eq!(
            rows.height() as u64,
            series["handshakes"].as_u64().unwrap(),
            "{id}"
        );
        let counts = &series["counts"];
        for (metric, column, null) in HANDSHAKE_METRICS {
            assert_eq!(
                tally(&rows, column, *null),
                truth_counts(counts, metric),
                "{id} {metric}"
            );
        }
        let ok = rows_where(&rows, "status", "ok");
        for (metric, column, null) in OK_METRICS {
            assert_eq!(
                tally(&ok, column, *null),
                truth_counts(counts, metric),
                "{id} {metric}"
            );
        }
        // Well-known primes by name through the dataset's `dh_groups`, others by size.
        let mut dh_groups = BTreeMap::new();
        for (sha, bits) in values(&ok, "dh_prime_sha256")
            .into_iter()
            .zip(values(&ok, "dh_prime_bits"))
        {
            if let (Some(sha), Some(bits)) = (sha, bits) {
                let name = names.get(&sha).cloned().unwrap_or(format!("pool_{bits}"));
                *dh_groups.entry(name).or_insert(0u64) += 1;
            }
        }
        assert_eq!(
            dh_groups,
            truth_counts(counts, "ok.dh_group"),
            "{id} ok.dh_group"
        );
        let without_leaf = ok.column("leaf_sha256").unwrap().null_count() as u64;
        assert_eq!(
            without_leaf,
            truth_counts(counts, "ok.certificate_population")
                .get("none")
                .copied()
                .unwrap_or(0)
        );
    }
    let discovery = table(dataset, "discovery");
    assert_eq!(
        discovery.height() as u64,
        truth["discovery"]["rows"].as_u64().unwrap()
    );
    let by_port = tally(&discovery, "port", None);
    for (port, n) in truth["discovery"]["by_port"].as_object().unwrap() {
        assert_eq!(
            by_port.get(port).copied(),
            n.as_u64(),
            "discovery port {port}"
        );
    }
    let certs = table(dataset, "certificates");
    let expected = &truth["certificates"];
    assert_eq!(certs.height() as u64, expected["rows"].as_u64().unwrap());
    let c = &expected["counts"];
    assert_eq!(
        tally(&certs, "parse_status", None),
        truth_counts(c, "parse_status")
    );
    let readable: Vec<bool> = values(&certs, "parse_status")
        .iter()
        .map(|v| v.as_deref() != Some("error"))
        .collect();
    let parsed = certs
        .filter(&BooleanChunked::from_slice("readable".into(), &readable))
        .unwrap();
    for metric in ["version", "sig_alg", "self_signed", "is_ca"] {
        assert_eq!(
            tally(&parsed, metric, None),
            truth_counts(c, metric),
            "certificates {metric}"
        );
    }
    let keys: Vec<Option<String>> = values(&parsed, "key_alg")
        .into_iter()
        .zip(values(&parsed, "key_bits"))
        .map(|(alg, bits)| Some(format!("{}-{}", alg?, bits?).replace("ECDSA-256", "ECDSA-P256")))
        .collect();
    let mut key_counts = BTreeMap::new();
    for k in keys.into_iter().flatten() {
        *key_counts.entry(k).or_insert(0u64) += 1;
    }
    assert_eq!(key_counts, truth_counts(c, "key"));
    let negative = values(&parsed, "serial")
        .iter()
        .filter(|s| s.as_deref().is_some_and(|s| s.starts_with('-')))
        .count();
    assert_eq!(
        negative as u64,
        truth_counts(c, "negative_serial")
            .get("true")
            .copied()
            .unwrap_or(0)
    );
}
