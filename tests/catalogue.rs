//! The table catalogue: every table equals the generator's truth on
//! synthetic archives of several seeds and layouts; every SQL file gives the
//! same answer in DuckDB reading the same Parquet; ad-hoc SQL joins work and
//! bad queries say what is wrong.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use mailtls::catalogue::CATALOGUE;
use mailtls::input::decompress::Codec;
use mailtls::synth::render::Layout;
use serde_json::Value;

fn n(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_f64().map(|f| f as u64))
        .unwrap_or(0)
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// One of the truth's per-series distributions, as value → count.
fn dist(series: &Value, key: &str) -> BTreeMap<String, u64> {
    series["counts"][key]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), n(v))).collect())
        .unwrap_or_default()
}

/// value → endpoints of the rows of `scan` matching `filter`, keyed by `key(row)`.
fn counts(
    rows: &[Row],
    scan: &str,
    filter: impl Fn(&Row) -> bool,
    key: impl Fn(&Row) -> String,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| s(&r["scan_id"]) == scan && filter(r))
    {
        *out.entry(key(r)).or_default() += n(&r["endpoints"]);
    }
    out
}

/// The computed trust category each synthetic certificate population must get.
const POPULATION_CATEGORY: &[(&str, &str)] = &[
    ("trusted", "trusted"),
    ("wrong_name", "trusted"),
    ("expired", "expired"),
    ("not_yet_valid", "other"),
    ("incomplete_chain", "incomplete_chain"),
    ("private_ca", "unknown_authority"),
    ("device_default", "self_signed"),
    ("self_signed", "self_signed"),
    ("shared_key", "self_signed"),
    ("unparsable", "other"),
    ("none", "no_certificate"),
];

const STATUSES: &[&str] = &[
    "connect_failed",
    "banner_failed",
    "no_starttls",
    "starttls_refused",
    "handshake_failed",
    "timeout",
    "protocol_error",
    "skipped",
];

/// Checks every catalogue table that the truth describes against it.
fn assert_catalogue_matches_truth(dataset: &Path, truth: &Value) {
    let summary = table_rows(dataset, "scan_summary");
    let versions = table_rows(dataset, "version_negotiated");
    let ciphers = table_rows(dataset, "cipher_negotiated");
    let kex = table_rows(dataset, "key_exchange");
    let trust = table_rows(dataset, "cert_trust");
    let support = table_rows(dataset, "tls_support");
    let mut per_port: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    let series = truth["series"].as_array().unwrap();
    assert_eq!(
        summary.len(),
        series.len(),
        "one scan_summary row per series"
    );
    for t in series {
        let scan = t["scan_id"].as_str().unwrap();
        let status = dist(t, "status");
        let get = |m: &BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
        // scan_summary
        let row = summary.iter().find(|r| s(&r["scan_id"]) == scan).unwrap();
        assert_eq!(n(&row["endpoints"]), n(&t["handshakes"]), "{scan}");
        for st in STATUSES {
            assert_eq!(n(&row[*st]), get(&status, st), "{scan} {st}");
        }
        assert_eq!(n(&row["tls_completed"]), get(&status, "ok"), "{scan}");
        let responding =
            n(&t["handshakes"]) - get(&status, "connect_failed") - get(&status, "skipped");
        assert_eq!(n(&row["responding"]), responding, "{scan}");
        assert_eq!(
            n(&row["starttls_offered"]),
            get(&dist(t, "starttls_offered"), "true"),
            "{scan}"
        );
        assert_eq!(
            n(&row["starttls_stripped"]),
            get(&dist(t, "starttls_stripped"), "true"),
            "{scan}"
        );
        let e = per_port.entry(n(&t["port"])).or_default();
        e.0 += responding;
        e.1 += get(&status, "ok");
        // version_negotiated, cipher_negotiated: codes as the truth writes them.
        let hex = |r: &Row, col: &str| format!("0x{:04x}", n(&r[col]));
        assert_eq!(
            counts(&versions, scan, |_| true, |r| hex(r, "tls_version")),
            dist(t, "ok.tls_version"),
            "{scan}"
        );
        assert_eq!(
            counts(&ciphers, scan, |_| true, |r| hex(r, "cipher_id")),
            dist(t, "ok.cipher_id"),
            "{scan}"
        );
        for r in versions.iter().filter(|r| s(&r["scan_id"]) == scan) {
            let share = r["share"].as_f64().unwrap();
            assert!((share - n(&r["endpoints"]) as f64 / get(&status, "ok") as f64).abs() < 1e-12);
        }
        // key_exchange, facet by facet; primes the truth calls pool_* are unnamed.
        let facet =
            |f: &'static str| counts(&kex, scan, move |r| s(&r["facet"]) == f, |r| s(&r["value"]));
        assert_eq!(facet("kex"), dist(t, "ok.kex"), "{scan}");
        assert_eq!(
            facet("server_key_exchange"),
            dist(t, "ok.server_key_exchange"),
            "{scan}"
        );
        let not_logged = get(&dist(t, "ok.server_key_exchange"), "not_logged");
        for r in kex.iter().filter(|r| s(&r["scan_id"]) == scan) {
            assert_eq!(n(&r["completed"]), get(&status, "ok"), "{scan}");
            assert_eq!(n(&r["ske_not_logged"]), not_logged, "{scan}");
        }
        assert_eq!(
            facet("dh_prime_bits"),
            dist(t, "ok.dh_prime_bits"),
            "{scan}"
        );
        assert_eq!(facet("ecdh_curve"), dist(t, "ok.ecdh_curve"), "{scan}");
        assert_eq!(
            facet("rsa_export_bits"),
            dist(t, "ok.rsa_export_bits"),
            "{scan}"
        );
        let mut groups = BTreeMap::new();
        for (g, c) in dist(t, "ok.dh_group") {
            let name = if g.starts_with("pool_") {
                "unnamed".to_owned()
            } else {
                g
            };
            *groups.entry(name).or_default() += c;
        }
        assert_eq!(facet("dh_group"), groups, "{scan}");
        // cert_trust: computed from populations, recorded from the scanner's verdict.
        let mut computed = BTreeMap::new();
        for (pop, c) in dist(t, "ok.certificate_population") {
            let (_, cat) = POPULATION_CATEGORY.iter().find(|(p, _)| *p == pop).unwrap();
            *computed.entry((*cat).to_owned()).or_default() += c;
        }
        let view = |v: &'static str| {
            counts(
                &trust,
                scan,
                move |r| s(&r["view"]) == v,
                |r| s(&r["category"]),
            )
        };
        assert_eq!(view("computed"), computed, "{scan}");
        let recorded: BTreeMap<String, u64> = dist(t, "ok.browser_trusted")
            .into_iter()
            .map(|(k, c)| {
                let cat = match k.as_str() {
                    "true" => "trusted",
                    "false" => "untrusted",
                    _ => "not_recorded",
                };
                (cat.to_owned(), c)
            })
            .collect();
        assert_eq!(view("recorded"), recorded, "{scan}");
    }
    // cert_keys: the generator's leaf facts, all and trusted (valid chains).
    let keys = table_rows(dataset, "cert_keys");
    for t in series {
        let scan = t["scan_id"].as_str().unwrap();
        for (facet, metric) in [("key", "ok.leaf_key"), ("signature", "ok.leaf_sig_alg")] {
            for subset in ["all", "trusted"] {
                let mut expected = BTreeMap::new();
                for (pop_value, c) in dist(t, metric) {
                    let (pop, value) = pop_value.split_once('/').unwrap();
                    if subset == "trusted" && !matches!(pop, "trusted" | "wrong_name") {
                        continue;
                    }
                    *expected
                        .entry(dataset_leaf_value(facet, value))
                        .or_default() += c;
                }
                let got = counts(
                    &keys,
                    scan,
                    |r| s(&r["facet"]) == facet && s(&r["subset"]) == subset,
                    |r| s(&r["value"]),
                );
                assert_eq!(got, expected, "{scan} {subset} {facet}");
            }
        }
    }
    // shared_certs: the most served leaves across the archive, in rank order.
    let mut served: BTreeMap<String, u64> = BTreeMap::new();
    for t in series {
        for (sha, c) in dist(t, "ok.leaf_sha256") {
            *served.entry(sha).or_default() += c;
        }
    }
    let mut ranked: Vec<(String, u64)> = served.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(25);
    let shared: Vec<(String, u64)> = table_rows(dataset, "shared_certs")
        .iter()
        .filter(|r| s(&r["kind"]) == "certificate")
        .map(|r| (s(&r["sha256"]), n(&r["endpoints"])))
        .collect();
    assert_eq!(shared, ranked);
    // trust_agreement: in series whose layout records the scanner's verdict,
    // the generator's scanner trusts exactly the valid populations.
    let mut agreement: BTreeMap<(u64, bool, String), u64> = BTreeMap::new();
    for t in series {
        let recorded = dist(t, "ok.browser_trusted");
        if !recorded.contains_key("true") && !recorded.contains_key("false") {
            continue;
        }
        for (pop, c) in dist(t, "ok.certificate_population") {
            let reason = match POPULATION_CATEGORY
                .iter()
                .find(|(p, _)| *p == pop)
                .unwrap()
                .1
            {
                "no_certificate" => continue,
                "trusted" => "ok",
                "other" if pop == "not_yet_valid" => "not_yet_valid",
                "other" => pop.as_str(),
                category => category,
            };
            let trusted = matches!(pop.as_str(), "trusted" | "wrong_name");
            *agreement
                .entry((n(&t["port"]), trusted, reason.to_owned()))
                .or_default() += c;
        }
    }
    let mut got: BTreeMap<(u64, bool, String), u64> = BTreeMap::new();
    for r in table_rows(dataset, "trust_agreement") {
        let key = (
            n(&r["port"]),
            r["recorded_trusted"].as_bool().unwrap(),
            s(&r["computed_reason"]),
        );
        *got.entry(key).or_default() += n(&r["endpoints"]);
    }
    assert_eq!(got, agreement);
    // port_semantics: trusted leaves (the trusted populations) of each
    // port's completed handshakes.
    let semantics = table_rows(dataset, "port_semantics");
    let mut per_mode: BTreeMap<(u64, String), (u64, u64)> = BTreeMap::new();
    for t in series {
        let trusted: u64 = dist(t, "ok.certificate_population")
            .iter()
            .filter(|(p, _)| matches!(p.as_str(), "trusted" | "wrong_name"))
            .map(|(_, c)| c)
            .sum();
        let entry = per_mode
            .entry((n(&t["port"]), s(&t["tls_mode"])))
            .or_default();
        entry.0 += trusted;
        entry.1 += dist(t, "status").get("ok").copied().unwrap_or(0);
    }
    for ((port, mode), (trusted, completed)) in per_mode {
        let row = semantics
            .iter()
            .find(|r| n(&r["port"]) == port && s(&r["tls_mode"]) == mode)
            .unwrap();
        assert_eq!(n(&row["trusted"]), trusted, "port {port}");
        assert_eq!(n(&row["completed"]), completed, "port {port}");
    }
    // tls_support pools the scans of a port.
    for (port, (responding, working)) in per_port {
        let rows: Vec<&Row> = support.iter().filter(|r| n(&r["port"]) == port).collect();
        assert_eq!(
            rows.iter().map(|r| n(&r["responding"])).sum::<u64>(),
            responding,
            "port {port}"
        );
        assert_eq!(
            rows.iter().map(|r| n(&r["tls_working"])).sum::<u64>(),
            working,
            "port {port}"
        );
    }
}

/// A generator leaf fact (`RSA-2048`, `ECDSA-P256`, a signature name,
/// `unparsable`) as `cert_keys` prints it.
fn dataset_leaf_value(facet: &str, value: &str) -> String {
    match (facet, value) {
        ("key", "unparsable") => "unknown ?".into(),
        ("signature", "unparsable") => "unknown".into(),
        ("key", "ECDSA-P256") => "ECDSA 256".into(),
        ("key", v) => v.replacen('-', " ", 1),
        (_, v) => v.into(),
    }
}

fn sample_dataset() -> (tempfile::TempDir, std::path::PathBuf, Value) {
    let (tmp, dataset, _, truth) = ingest_sample();
    (tmp, dataset, truth)
}

#[test]
fn catalogue_tables_equal_the_truth_of_the_sample() {
    let (_tmp, dataset, truth) = sample_dataset();
    assert_catalogue_matches_truth(&dataset, &truth);
    // The sample holds the cases that need the reply to tell "no STARTTLS"
    // from "refused": POP3 (never shows CAPA) and IMAP greetings without a
    // capability list, each with both kinds of rejection; and event-log
    // records whose ServerKeyExchange was not logged.
    let series = truth["series"].as_array().unwrap();
    let port = |p: u64| series.iter().find(|t| n(&t["port"]) == p).unwrap();
    for p in [110, 143] {
        let status = dist(port(p), "status");
        assert!(
            status["no_starttls"] > 0 && status["starttls_refused"] > 0,
            "{p}"
        );
        assert!(dist(port(p), "starttls_offered")["null"] > 0, "{p}");
    }
    let not_logged: u64 = series
        .iter()
        .map(|t| {
            dist(t, "ok.server_key_exchange")
                .get("not_logged")
                .copied()
                .unwrap_or(0)
        })
        .sum();
    assert!(not_logged > 0);
}

#[test]
fn catalogue_tables_equal_the_truth_for_other_seeds_and_layouts() {
    let cases: &[(u64, &[Layout], &[Codec])] = &[
        (7, &[Layout::Zgrab2], &[Codec::Gzip]),
        (23, &[Layout::Zgrab1, Layout::Censys], &[Codec::Zstd]),
        (41, &[Layout::Zgrab1EventLog], &[Codec::Plain]),
    ];
    for (seed, layouts, codecs) in cases {
        let (_t, _archive, dataset, truth) =
            generate_and_ingest(|out| synth_options(out, *seed, 1500, layouts, codecs));
        assert_catalogue_matches_truth(&dataset, &truth);
    }
}

/// Runs `sql` with DuckDB over the dataset, or `None` (with one visible
/// line) when the test environment has no DuckDB (`scripts/test.sh` sets it up).
fn duckdb(dataset: &Path, sql: &str) -> Option<Vec<Row>> {
    let Some(python) = std::env::var_os("MAILTLS_PYTHON") else {
        eprintln!("SKIPPED: MAILTLS_PYTHON not set; run scripts/test.sh to compare with DuckDB");
        return None;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/duckdb_query.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(dataset)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    Some(
        rows.into_iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect(),
    )
}

/// `absent`: tables the dataset cannot give (a series without a Censys
/// view has no `censys_overstatement`).
fn assert_same_in_duckdb(dataset: &Path, absent: &[&str]) {
    // A table may be empty only where a table it reads is.
    let empty_sources: Vec<&str> = [
        "handshakes",
        "cipher_support",
        "mail_routes",
        "mta_sts",
        "toplist",
    ]
    .into_iter()
    .filter(|t| count_of(dataset, &format!("SELECT COUNT(*) AS n FROM {t}")) == 0)
    .collect();
    // Tables comparing scans are empty where no series was scanned twice.
    let repeated = mailtls::query::run(
        dataset,
        "SELECT scan_id FROM scans WHERE previous_scan_id IS NOT NULL",
    )
    .unwrap()
    .height()
        > 0;
    for entry in CATALOGUE {
        let ours = table_rows(dataset, entry.name);
        let Some(theirs) = duckdb(dataset, entry.sql) else {
            return;
        };
        let may_be_empty = empty_sources.iter().any(|t| {
            entry.sql.contains(&format!("FROM {t}")) || entry.sql.contains(&format!("JOIN {t}"))
        }) || (!repeated && entry.name == "scan_delta")
            || absent.contains(&entry.name);
        assert!(!ours.is_empty() || may_be_empty, "{} is empty", entry.name);
        assert_eq!(
            canonical(&ours),
            canonical(&theirs),
            "{} differs between polars and DuckDB",
            entry.name
        );
    }
}

#[test]
fn every_catalogue_query_gives_the_same_answer_in_duckdb() {
    let (_tmp, dataset, _) = sample_dataset();
    assert_same_in_duckdb(&dataset, &[]);
    let (_t, _archive, dataset, _) = generate_and_ingest(|out| {
        let mut o = synth_options(
            out,
            99,
            2000,
            &[Layout::Zgrab2, Layout::Censys],
            &[Codec::Lz4],
        );
        o.censys_view = true;
        o
    });
    assert_same_in_duckdb(&dataset, &[]);
    let (_t, _archive, dataset, _) = churn_dataset(
        11,
        800,
        3,
        30,
        &[Layout::Zgrab1, Layout::Zgrab2],
        &[Codec::Gzip],
    );
    assert_same_in_duckdb(&dataset, &["censys_overstatement"]);
    if let Some(fixtures) = fixtures() {
        let (_t, dataset, _) = ingest(|out| options(vec![enumeration_inputs(&fixtures, out)], out));
        assert_same_in_duckdb(&dataset, &[]);
    }
}

/// The port-25 scan written a second time as Censys records show it: the
/// pair's counts equal the generator's, which knows which handshakes
/// failed after the server hello.
#[test]
fn censys_overstatement_equals_the_truth() {
    let (_tmp, dataset, truth) = sample_dataset();
    let twin = truth["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["counts"].get("view.overstated").is_some())
        .expect("the sample has a Censys view of its port-25 scan");
    let rows = table_rows(&dataset, "censys_overstatement");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(s(&row["censys_scan"]), s(&twin["scan_id"]));
    assert_eq!(n(&row["endpoints"]), n(&twin["handshakes"]));
    let raw = dist(twin, "view.raw_status");
    let shown = dist(twin, "status");
    assert_eq!(n(&row["raw_completed"]), raw["ok"]);
    assert_eq!(n(&row["censys_completed"]), shown["ok"]);
    assert_eq!(n(&row["overstated"]), dist(twin, "view.overstated")["true"]);
    assert_eq!(n(&row["understated"]), 0);
    assert!(
        n(&row["overstated"]) > 0,
        "the sample shows the overstatement"
    );
}

/// The number in column `n` of the first row of `sql`'s answer.
fn count_of(dataset: &Path, sql: &str) -> u64 {
    let df = mailtls::query::run(dataset, sql).unwrap_or_else(|e| panic!("{sql}: {e:#}"));
    df.column("n")
        .unwrap()
        .cast(&polars::prelude::DataType::UInt64)
        .unwrap()
        .u64()
        .unwrap()
        .get(0)
        .unwrap_or_else(|| panic!("{sql}: no count"))
}

#[test]
fn sql_counts_the_rows_of_a_union() {
    let (_tmp, dataset, _) = sample_dataset();
    let count = |sql: &str| count_of(&dataset, sql);
    let handshakes = count("SELECT COUNT(*) AS n FROM handshakes");
    let ports = count("SELECT COUNT(DISTINCT port) AS n FROM handshakes");
    assert!(handshakes > 0 && ports > 1);
    // polars rewrites a count over a union into a sum of the branches'
    // counts, in a type its default build lacks.
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM (SELECT 'a' AS k, port FROM handshakes \
             UNION ALL SELECT 'b' AS k, port FROM handshakes) u"
        ),
        2 * handshakes
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM (SELECT port, COUNT(*) AS c FROM handshakes GROUP BY port \
             UNION ALL SELECT port, COUNT(*) AS c FROM handshakes GROUP BY port) u"
        ),
        2 * ports
    );
}

#[test]
fn sql_joins_handshakes_certificates_and_cipher_suites() {
    let (_tmp, dataset, truth) = sample_dataset();
    let df = mailtls::query::run(
        &dataset,
        "SELECT c.key_alg, s.testssl_bucket, COUNT(*) AS endpoints \
         FROM handshakes h \
         JOIN certificates c ON c.sha256 = h.leaf_sha256 \
         JOIN cipher_suites s ON s.id = h.cipher_id \
         WHERE h.status = 'ok' \
         GROUP BY c.key_alg, s.testssl_bucket",
    )
    .unwrap();
    let rows = rows_of(df);
    let total: u64 = rows.iter().map(|r| n(&r["endpoints"])).sum();
    // Every completed handshake that presented a certificate, once.
    let expected: u64 = truth["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| dist(t, "ok.certificate_population"))
        .filter(|(pop, _)| pop != "none")
        .map(|(_, c)| c)
        .sum();
    assert_eq!(total, expected);
    assert!(rows
        .iter()
        .any(|r| s(&r["key_alg"]) == "RSA" && s(&r["testssl_bucket"]) == "aead_fs"));
    if let Some(theirs) = duckdb(
        &dataset,
        "SELECT c.key_alg, s.testssl_bucket, COUNT(*) AS endpoints FROM handshakes h \
         JOIN certificates c ON c.sha256 = h.leaf_sha256 JOIN cipher_suites s ON s.id = h.cipher_id \
         WHERE h.status = 'ok' GROUP BY c.key_alg, s.testssl_bucket",
    ) {
        assert_eq!(canonical(&rows), canonical(&theirs));
    }
}

/// The catalogue reads scan names as categories; ad-hoc SQL sees text, so
/// string functions apply to them, and every answer gives them as text.
#[test]
fn scan_names_are_text_to_users() {
    let (_tmp, dataset, truth) = sample_dataset();
    let port_25: u64 = truth["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| s(&t["scan_id"]).starts_with("25-"))
        .map(|t| t["handshakes"].as_u64().unwrap())
        .sum();
    assert!(port_25 > 0);
    // `scan_id` from the hive path (handshakes) and stored (scans).
    assert_eq!(
        count_of(
            &dataset,
            "SELECT COUNT(*) AS n FROM handshakes WHERE scan_id LIKE '25-%' AND UPPER(scan_id) = UPPER(scan_id)"
        ),
        port_25
    );
    let scans = count_of(&dataset, "SELECT COUNT(*) AS n FROM scans");
    assert_eq!(
        count_of(
            &dataset,
            "SELECT COUNT(*) AS n FROM scans WHERE scan_id || '!' LIKE '%!' AND COALESCE(previous_scan_id, '') || 'x' LIKE '%x'"
        ),
        scans
    );
    let summary = mailtls::catalogue::run(&dataset, "scan_summary").unwrap();
    assert_eq!(
        summary.column("scan_id").unwrap().dtype(),
        &polars::prelude::DataType::String
    );
}

#[test]
fn bad_queries_say_what_is_wrong() {
    let (_tmp, dataset, _) = sample_dataset();
    let err = |sql: &str| format!("{:#}", mailtls::query::run(&dataset, sql).unwrap_err());
    let unknown_table = err("SELECT * FROM handshake");
    assert!(unknown_table.contains("handshake"), "{unknown_table}");
    assert!(
        unknown_table.contains("the dataset's tables: banners, certificates, chain_trust"),
        "{unknown_table}"
    );
    let unknown_column = err("SELECT portt FROM handshakes");
    assert!(
        unknown_column.contains("portt") && unknown_column.contains("\"port\""),
        "{unknown_column}"
    );
    let syntax = err("SELEC port FROM handshakes");
    assert!(syntax.contains("SELEC"), "{syntax}");
    let write = err("DROP TABLE handshakes");
    assert!(write.contains("read-only"), "{write}");
    let unknown_entry = format!(
        "{:#}",
        mailtls::catalogue::run(&dataset, "no_such_table").unwrap_err()
    );
    assert!(unknown_entry.contains("scan_summary"), "{unknown_entry}");
}

#[test]
fn the_committed_report_is_the_report_of_the_sample() {
    let (tmp, dataset, _) = sample_dataset();
    let out = tmp.path().join("report");
    mailtls::report::write(&dataset, &out).unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let csvs = names.iter().filter(|n| n.ends_with(".csv")).count();
    let charts = names.iter().filter(|n| n.ends_with(".svg")).count();
    assert_eq!(csvs, CATALOGUE.len(), "a CSV per table");
    assert!(
        charts >= CATALOGUE.len(),
        "a chart per table at least: {charts}"
    );
    assert_eq!(names.len(), csvs + charts + 1, "and REPORT.md: {names:?}");
    // The charts are pinned too: a change of drawing shows here as a diff.
    for name in names {
        let fresh = std::fs::read_to_string(out.join(&name)).unwrap();
        let kept = std::fs::read_to_string(committed.join(&name))
            .unwrap_or_else(|_| panic!("reports/{name} is missing: run scripts/demo.sh"));
        assert!(
            fresh == kept,
            "reports/{name} is out of date: run scripts/demo.sh"
        );
    }
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    assert!(report.contains("**This dataset is synthetic.**"));
    assert!(report.contains("| endpoint scans on seven ports (25, 110, 143, 465, 587, 993, 995) (scans) | 20,270,768 | 3,962 | this dataset holds 0.020 % of the study's scans |"));
    // Each port of the sample was scanned once: the tables comparing scans
    // have nothing to draw, and the report says why.
    assert!(report.contains("No series of this dataset was scanned more than once"));
    for e in CATALOGUE {
        if mailtls::catalogue::PAIR_TABLES.contains(&e.name) {
            continue;
        }
        assert!(
            report.contains(&format!("]({}.svg)", e.name)),
            "{} has its chart",
            e.name
        );
    }
}

#[test]
fn a_dataset_without_handshakes_still_gets_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    mailtls::synth::run(&synth_options(
        &archive,
        5,
        200,
        &[Layout::Zgrab2],
        &[Codec::Plain],
    ))
    .unwrap();
    let zmap: Vec<std::path::PathBuf> = std::fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("zmap-results.csv"))
        .collect();
    assert!(!zmap.is_empty());
    let dataset = tmp.path().join("ds");
    let summary = mailtls::ingest::run(&options(zmap, &dataset)).unwrap();
    assert_eq!(summary.handshakes, 0);
    assert!(summary.agreement.is_none());
    let out = tmp.path().join("report");
    mailtls::report::write(&dataset, &out).unwrap();
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    // The tables exist, empty: every catalogue query answers, with no rows.
    assert_eq!(report.matches("Not available for this dataset").count(), 0);
    for e in CATALOGUE {
        assert!(report.contains(e.title), "{}", e.name);
        assert_eq!(
            mailtls::catalogue::run(&dataset, e.name).unwrap().height(),
            0,
            "{}",
            e.name
        );
    }
}

#[test]
fn a_catalogue_table_can_be_filtered() {
    let (_tmp, dataset, truth) = sample_dataset();
    let df = mailtls::catalogue::run(&dataset, "cert_trust").unwrap();
    let rows =
        rows_of(mailtls::query::filter(df.clone(), "port = 25 AND view = 'computed'").unwrap());
    assert!(rows
        .iter()
        .all(|r| n(&r["port"]) == 25 && s(&r["view"]) == "computed"));
    // Every scan of port 25 (the sample has a raw scan and a Censys view of it).
    let completed: u64 = truth["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["port"] == 25)
        .map(|t| dist(t, "status")["ok"])
        .sum();
    assert_eq!(
        rows.iter().map(|r| n(&r["endpoints"])).sum::<u64>(),
        completed
    );
    let err = format!(
        "{:#}",
        mailtls::query::filter(df, "portt = 25").unwrap_err()
    );
    assert!(
        err.contains("\"portt\"")
            && err.contains("valid columns")
            && !err.contains("Resolved plan"),
        "{err}"
    );
}

/// The report's Challenge section on the sample: every claim measured under
/// every cut, and every number the one its catalogue table and query give.
#[test]
fn every_challenge_number_comes_from_its_catalogue_table() {
    let (tmp, dataset, _) = sample_dataset();
    let out = tmp.path().join("report");
    mailtls::report::write(&dataset, &out).unwrap();
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    let section = report
        .split("## Challenge")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the report has a Challenge section");
    let mut checked = 0;
    for claim in mailtls::challenge::CLAIMS {
        assert!(section.contains(claim.claim), "{}", claim.id);
        for cut in claim.cuts {
            let answer = mailtls::catalogue::run(&dataset, cut.table).unwrap();
            let value = mailtls::query::over_answer(answer, cut.query)
                .unwrap()
                .column("value")
                .unwrap()
                .cast(&polars::prelude::DataType::Float64)
                .unwrap()
                .f64()
                .unwrap()
                .get(0)
                .unwrap_or_else(|| panic!("{}: {} is not measured", claim.id, cut.label));
            let row = format!(
                "| {} | {:.1} % | `{}` | `{}` |",
                cut.label,
                100.0 * value,
                cut.table,
                cut.query
            );
            assert!(section.contains(&row), "missing: {row}");
            checked += 1;
        }
    }
    assert_eq!(
        section.matches("**What the data supports:**").count(),
        mailtls::challenge::CLAIMS.len()
    );
    assert!(!section.contains("Not measurable here"));
    assert!(checked >= 15, "{checked}");
}
