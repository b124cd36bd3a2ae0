//! Change over time: on generated series whose churn is known (servers
//! appearing and going, TLS, versions and suites changing, certificates
//! renewed, rekeyed, reissued and left to expire, a root removed from a
//! later store), every table comparing scans equals the generator's truth.

mod common;

use std::path::Path;

use common::{churn_dataset, table_rows, Row};
use mailtls::input::decompress::Codec;
use mailtls::synth::render::Layout;
use serde_json::Value;

fn text(row: &Row, key: &str) -> String {
    match &row[key] {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn count(row: &Row, key: &str) -> u64 {
    row[key]
        .as_u64()
        .or_else(|| row[key].as_f64().map(|f| f as u64))
        .unwrap_or_else(|| panic!("{key} is not a count in {row:?}"))
}

/// Rows keyed by `keys`, valued by `values`, from the table.
fn keyed(rows: &[Row], keys: &[&str], values: &[&str]) -> Vec<(Vec<String>, Vec<u64>)> {
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                keys.iter().map(|k| text(r, k)).collect(),
                values.iter().map(|v| count(r, v)).collect(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The same from the truth's rows.
fn truth_keyed(rows: &Value, keys: &[&str], values: &[&str]) -> Vec<(Vec<String>, Vec<u64>)> {
    let rows: Vec<Row> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect();
    keyed(&rows, keys, values)
}

fn assert_shares_follow(rows: &[Row], n: &str, base: &str) {
    for r in rows {
        let (n, base) = (count(r, n), count(r, base));
        match &r["share"] {
            Value::Null => assert_eq!(base, 0, "{r:?}"),
            v => {
                let share = v.as_f64().unwrap();
                assert!((share - n as f64 / base as f64).abs() < 1e-9, "{r:?}");
            }
        }
    }
}

fn assert_tables_equal_the_truth(dataset: &Path, truth: &Value) {
    let t = &truth["over_time"];
    // The series and its order.
    let scans = mailtls::query::run(
        dataset,
        "SELECT scan_id, series, series_seq, handshakes FROM scans WHERE series IS NOT NULL ORDER BY series_seq",
    )
    .unwrap();
    let scans = common::rows_of(scans);
    let expected: Vec<(String, u64)> = serde_json::from_value(t["scans"].clone()).unwrap();
    assert_eq!(scans.len(), expected.len());
    for (i, (row, (id, n))) in scans.iter().zip(&expected).enumerate() {
        assert_eq!(text(row, "scan_id"), *id);
        assert_eq!(text(row, "series"), t["series"].as_str().unwrap());
        assert_eq!(count(row, "series_seq"), i as u64 + 1);
        assert_eq!(count(row, "handshakes"), *n);
    }

    let delta = table_rows(dataset, "scan_delta");
    assert_eq!(
        keyed(
            &delta,
            &["previous_scan_id", "scan_id", "facet", "change"],
            &["endpoints", "base"]
        ),
        truth_keyed(
            &t["scan_delta"],
            &["previous_scan_id", "scan_id", "facet", "change"],
            &["endpoints", "base"]
        ),
        "scan_delta"
    );
    assert_shares_follow(&delta, "endpoints", "base");

    let volatility = table_rows(dataset, "cert_volatility");
    assert_eq!(
        keyed(
            &volatility,
            &["previous_scan_id", "scan_id", "facet", "value"],
            &["n", "base"]
        ),
        truth_keyed(
            &t["cert_volatility"],
            &["previous_scan_id", "scan_id", "facet", "value"],
            &["n", "base"]
        ),
        "cert_volatility"
    );
    assert_shares_follow(&volatility, "n", "base");

    let drift = table_rows(dataset, "trust_anchor_drift");
    assert_eq!(
        keyed(
            &drift,
            &["scan_id", "setting_rank", "root_sha256", "verdict"],
            &["endpoints", "trusted_default"]
        ),
        truth_keyed(
            &t["trust_anchor_drift"],
            &["scan_id", "setting_rank", "root_sha256", "verdict"],
            &["endpoints", "trusted_default"]
        ),
        "trust_anchor_drift"
    );
    assert_shares_follow(&drift, "endpoints", "trusted_default");
    // Under the later store, root B's chains fail and root A's hold.
    let removed = t["roots"]["b_removed_later"].as_str().unwrap();
    for r in &drift {
        let root = text(r, "root_sha256");
        assert_eq!(
            text(r, "root_name"),
            t["root_names"][&root].as_str().unwrap(),
            "{r:?}"
        );
    }
    for r in drift.iter().filter(|r| count(r, "setting_rank") == 1) {
        let expected = if text(r, "root_sha256") == removed {
            "unknown_authority"
        } else {
            "ok"
        };
        assert_eq!(text(r, "verdict"), expected, "{r:?}");
    }

    let reuse = table_rows(dataset, "cert_reuse");
    assert_eq!(
        keyed(
            &reuse,
            &["kind", "rank", "sha256"],
            &["endpoints", "endpoint_scans", "scans", "certificates"]
        ),
        truth_keyed(
            &t["cert_reuse"],
            &["kind", "rank", "sha256"],
            &["endpoints", "endpoint_scans", "scans", "certificates"]
        ),
        "cert_reuse"
    );
    let total = t["endpoints_with_certificate"].as_u64().unwrap();
    for kind in ["certificate", "key"] {
        let mut running = 0;
        for r in reuse.iter().filter(|r| text(r, "kind") == kind) {
            assert_eq!(count(r, "endpoints_with_certificate"), total);
            running += count(r, "endpoints");
            let cumulative = r["cumulative_share"].as_f64().unwrap();
            assert!(
                (cumulative - running as f64 / total as f64).abs() < 1e-9,
                "{r:?}"
            );
        }
    }
}

/// The facet counts that make the series a test of each change at all.
fn assert_every_change_happens(truth: &Value) {
    let t = &truth["over_time"];
    let total = |table: &str, facet: &str, value_key: &str, value: &str, n: &str| -> u64 {
        t[table]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["facet"] == facet && r[value_key] == value)
            .map(|r| r[n].as_u64().unwrap())
            .sum()
    };
    for (facet, change) in [
        ("presence", "appeared"),
        ("presence", "gone"),
        ("tls", "gained"),
        ("tls", "lost"),
        ("version", "upgraded"),
        ("version", "downgraded"),
        ("cipher", "upgraded"),
        ("cipher", "downgraded"),
        ("trust", "gained"),
        ("trust", "lost"),
    ] {
        assert!(
            total("scan_delta", facet, "change", change, "endpoints") > 0,
            "{facet} {change}"
        );
    }
    for (facet, value) in [
        ("change", "same_certificate"),
        ("change", "renewed_same_key"),
        ("change", "new_key_same_issuer"),
        ("change", "new_issuer"),
        ("replaced_at", "before_expiry"),
        ("replaced_at", "after_expiry"),
        ("tenure", "days_32_92"),
    ] {
        assert!(
            total("cert_volatility", facet, "value", value, "n") > 0,
            "{facet} {value}"
        );
    }
}

#[test]
fn tables_over_time_equal_the_truth_of_a_monthly_series() {
    let (_tmp, _archive, dataset, truth) = churn_dataset(
        7,
        1_500,
        4,
        30,
        &[Layout::Zgrab2, Layout::Zgrab1],
        &[Codec::Gzip, Codec::Plain],
    );
    assert_every_change_happens(&truth);
    assert_tables_equal_the_truth(&dataset, &truth);
}

#[test]
fn tables_over_time_equal_the_truth_of_a_weekly_series_in_other_layouts() {
    let (_tmp, _archive, dataset, truth) = churn_dataset(
        41,
        900,
        3,
        7,
        &[Layout::Zgrab1EventLog, Layout::Zgrab2],
        &[Codec::Zstd],
    );
    assert_tables_equal_the_truth(&dataset, &truth);
}

#[test]
fn diff_compares_any_two_scans_of_a_series_and_refuses_the_rest() {
    let (_tmp, _archive, dataset, truth) =
        churn_dataset(5, 600, 3, 30, &[Layout::Zgrab2], &[Codec::Plain]);
    let ids: Vec<(String, u64)> =
        serde_json::from_value(truth["over_time"]["scans"].clone()).unwrap();
    let (first, second, third) = (&ids[0].0, &ids[1].0, &ids[2].0);
    // Two consecutive scans: the catalogue's rows for that pair.
    let consecutive = common::rows_of(
        mailtls::catalogue::diff::run(&dataset, first, second, "scan_delta").unwrap(),
    );
    let catalogue: Vec<Row> = table_rows(&dataset, "scan_delta")
        .into_iter()
        .filter(|r| text(r, "scan_id") == *second)
        .collect();
    assert_eq!(
        common::canonical(&consecutive),
        common::canonical(&catalogue)
    );
    // The first and the third: presence follows from the scans' sizes.
    let skip = common::rows_of(
        mailtls::catalogue::diff::run(&dataset, first, third, "scan_delta").unwrap(),
    );
    let presence = |change: &str| {
        skip.iter()
            .find(|r| text(r, "facet") == "presence" && text(r, "change") == change)
            .map(|r| count(r, "endpoints"))
            .unwrap()
    };
    assert_eq!(presence("kept") + presence("gone"), ids[0].1);
    assert_eq!(presence("kept") + presence("appeared"), ids[2].1);
    let volatility = common::rows_of(
        mailtls::catalogue::diff::run(&dataset, first, third, "cert_volatility").unwrap(),
    );
    assert!(volatility.iter().all(|r| text(r, "scan_id") == *third));
    // What cannot be compared is refused, saying why.
    let err = |a: &str, b: &str, t: &str| {
        format!(
            "{:#}",
            mailtls::catalogue::diff::run(&dataset, a, b, t).unwrap_err()
        )
    };
    assert!(err(first, "no-such-scan", "scan_delta").contains("no scan \"no-such-scan\""));
    assert!(err(first, first, "scan_delta").contains("two different scans"));
    assert!(err(first, second, "cert_reuse").contains("mailtls table cert_reuse"));
}

#[test]
fn the_report_has_a_change_over_time_section_with_its_charts() {
    let (tmp, _archive, dataset, truth) =
        churn_dataset(3, 500, 3, 30, &[Layout::Zgrab2], &[Codec::Plain]);
    let out = tmp.path().join("report");
    mailtls::report::write(&dataset, &out).unwrap();
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    let section = report
        .split("## Change over time")
        .nth(1)
        .and_then(|rest| rest.split("## scan_delta").next())
        .expect("a change-over-time section before scan_delta");
    // One summary line per pair of consecutive scans, with the truth's counts.
    let t = &truth["over_time"];
    let delta = |scan: &str, facet: &str, change: &str| {
        t["scan_delta"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["scan_id"] == scan && r["facet"] == facet && r["change"] == change)
            .map(|r| r["endpoints"].as_u64().unwrap())
            .unwrap()
    };
    let scans: Vec<(String, u64)> = serde_json::from_value(t["scans"].clone()).unwrap();
    for (id, _) in &scans[1..] {
        let date = format!("{}-{}-{}", &id[27..31], &id[31..33], &id[33..35]);
        let line = section
            .lines()
            .find(|l| {
                l.starts_with("| 25-smtp-starttls |")
                    && l.contains(&format!("| {date} |"))
                    && l.matches('|').count() > 12
            })
            .unwrap_or_else(|| panic!("no summary line for {date} in {section}"));
        for n in [
            delta(id, "presence", "appeared"),
            delta(id, "presence", "gone"),
            delta(id, "tls", "gained"),
            delta(id, "tls", "lost"),
            delta(id, "trust", "gained"),
            delta(id, "trust", "lost"),
        ] {
            assert!(line.contains(&format!("| {n} |")), "{n} in {line}");
        }
    }
    // Drawn the same way twice.
    let again = tmp.path().join("again");
    mailtls::report::write(&dataset, &again).unwrap();
    for chart in [
        "scan_delta-tls.svg",
        "scan_delta-trust.svg",
        "cert_volatility.svg",
        "trust_anchor_drift.svg",
        "cert_reuse.svg",
    ] {
        assert!(report.contains(&format!("]({chart})")), "{chart}");
        assert!(out.join(chart).is_file(), "{chart}");
        assert!(
            std::fs::read(out.join(chart)).unwrap() == std::fs::read(again.join(chart)).unwrap(),
            "{chart} differs between two runs"
        );
    }
}

#[test]
fn a_table_that_pools_scans_can_be_cut_by_scan() {
    let (_tmp, _archive, dataset, truth) =
        churn_dataset(9, 400, 3, 30, &[Layout::Zgrab1], &[Codec::Plain]);
    let by_scan =
        common::rows_of(mailtls::catalogue::run_by_scan(&dataset, "tls_support").unwrap());
    let pooled = table_rows(&dataset, "tls_support");
    let summary = table_rows(&dataset, "scan_summary");
    let scans: Vec<(String, u64)> =
        serde_json::from_value(truth["over_time"]["scans"].clone()).unwrap();
    assert_eq!(
        by_scan.len(),
        scans.len(),
        "one row per scan of the one port"
    );
    for (row, (id, endpoints)) in by_scan.iter().zip(&scans) {
        assert_eq!(text(row, "by_scan_id"), *id);
        assert_eq!(text(row, "by_scan_date").replace('-', ""), id[27..35]);
        // Every server of the churn series answers: responding = scanned.
        assert_eq!(count(row, "responding"), *endpoints);
        let same_scan = summary.iter().find(|r| text(r, "scan_id") == *id).unwrap();
        assert_eq!(count(row, "tls_working"), count(same_scan, "tls_completed"));
    }
    for column in ["responding", "tls_working"] {
        let sum: u64 = by_scan.iter().map(|r| count(r, column)).sum();
        assert_eq!(sum, count(&pooled[0], column), "{column} pooled");
    }
    let refused = |name: &str| {
        format!(
            "{:#}",
            mailtls::catalogue::run_by_scan(&dataset, name).unwrap_err()
        )
    };
    assert!(refused("scan_delta").contains("compares scans already"));
    assert!(refused("mta_sts_adoption").contains("cannot be cut by scan"));
}
