//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mailtls::dataset::read::read_table;
use mailtls::ingest::{run, Options, Summary};
use mailtls::input::decompress::Codec;
use mailtls::input::framing::Limits;
use mailtls::synth::profile::Profile;
use mailtls::synth::render::Layout;
use mailtls::synth::Options as SynthOptions;
use polars::prelude::*;
use serde_json::{Map, Value};

/// The real fixtures folder (`MAILTLS_FIXTURES` overrides), or `None` with
/// one visible line when it is absent (a user's fresh clone). Where the
/// fixtures must be there (`MAILTLS_REQUIRE_FIXTURES=1`, as CI sets it), a
/// missing folder fails the test instead.
pub fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("MAILTLS_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("MAILTLS_REQUIRE_FIXTURES").is_some_and(|v| v == "1") {
        panic!(
            "the real fixtures are required (MAILTLS_REQUIRE_FIXTURES=1) but {} is missing",
            dir.display()
        );
    } else {
        eprintln!(
            "SKIPPED: real fixtures not found at {} (set MAILTLS_FIXTURES)",
            dir.display()
        );
        None
    }
}

/// Ingest options with defaults for tests.
pub fn options(inputs: Vec<PathBuf>, out: &Path) -> Options {
    Options {
        inputs,
        out: out.to_path_buf(),
        append: false,
        strict: false,
        jobs: 2,
        port: None,
        protocol: None,
        tls_mode: None,
        quiet: true,
        limits: Limits::default(),
        map_plain: true,
        roots: None,
        as_of: None,
        agreement: true,
        shard: None,
        split_bytes: mailtls::input::split::DEFAULT_SPLIT_BYTES,
    }
}

/// Ingests into a fresh temporary dataset.
pub fn ingest(opts: impl FnOnce(&Path) -> Options) -> (tempfile::TempDir, PathBuf, Summary) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let summary = run(&opts(&out)).unwrap();
    (tmp, out, summary)
}

/// A committed table.
pub fn table(dataset: &Path, name: &str) -> DataFrame {
    read_table(dataset, name).unwrap()
}

/// Rows where `column == value`.
pub fn rows_where(df: &DataFrame, column: &str, value: &str) -> DataFrame {
    let mask = df.column(column).unwrap().str().unwrap().equal(value);
    df.filter(&mask).unwrap()
}

/// A string cell.
pub fn s(df: &DataFrame, column: &str, row: usize) -> Option<String> {
    df.column(column)
        .unwrap()
        .str()
        .unwrap()
        .get(row)
        .map(str::to_owned)
}

/// A u16 cell.
pub fn u16_at(df: &DataFrame, column: &str, row: usize) -> Option<u16> {
    df.column(column).unwrap().u16().unwrap().get(row)
}

/// A bool cell.
pub fn b(df: &DataFrame, column: &str, row: usize) -> Option<bool> {
    df.column(column).unwrap().bool().unwrap().get(row)
}

/// Count of each value of a string column, sorted.
pub fn counts(df: &DataFrame, column: &str) -> Vec<(String, usize)> {
    let mut map = std::collections::BTreeMap::new();
    for v in df.column(column).unwrap().str().unwrap().iter() {
        *map.entry(v.unwrap_or("<null>").to_owned()).or_insert(0) += 1;
    }
    map.into_iter().collect()
}

/// SHA-256 hex of base64 text.
pub fn sha256_of_b64(b64: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(base64_decode(b64)))
}

/// A DER certificate as PEM text.
pub fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// The bytes of standard base64 text.
pub fn base64_decode(b64: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

pub mod truth;

/// Generator options with test defaults: 40 certificates per population, two jobs.
pub fn synth_options(
    out: &Path,
    seed: u64,
    records: u64,
    layouts: &[Layout],
    codecs: &[Codec],
) -> SynthOptions {
    SynthOptions {
        out: out.to_path_buf(),
        records,
        seed,
        layouts: layouts.to_vec(),
        codecs: codecs.to_vec(),
        profile: Profile::builtin().unwrap(),
        bad_lines: 0.0,
        discovery: true,
        jobs: 2,
        quiet: true,
        max_certs: 40,
        dns: true,
        censys_view: false,
        enumeration: true,
    }
}

/// Generates, ingests (judging trust against the archive's own roots), and
/// returns (tempdir, archive, dataset, truth).
pub fn generate_and_ingest(
    opts: impl FnOnce(&Path) -> SynthOptions,
) -> (tempfile::TempDir, PathBuf, PathBuf, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    mailtls::synth::run(&opts(&archive)).unwrap();
    let dataset = tmp.path().join("ds");
    let mut opts = options(vec![archive.clone()], &dataset);
    opts.roots = Some(archive.join("roots.pem").display().to_string());
    mailtls::ingest::run(&opts).unwrap();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(archive.join("truth.json")).unwrap())
            .unwrap();
    (tmp, archive, dataset, truth)
}

/// The bundled sample ingested with its own synthetic roots, and its truth:
/// (tempdir, dataset, summary, truth).
pub fn ingest_sample() -> (tempfile::TempDir, PathBuf, Summary, Value) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let (tmp, dataset, summary) = ingest(|out| {
        let mut o = options(vec![sample.clone()], out);
        o.roots = Some(sample.join("roots.pem").display().to_string());
        o
    });
    let truth =
        serde_json::from_str(&std::fs::read_to_string(sample.join("truth.json")).unwrap()).unwrap();
    (tmp, dataset, summary, truth)
}

/// One row of a table as JSON, as `--format json` prints it.
pub type Row = Map<String, Value>;

/// A catalogue table (or any query) as JSON rows.
pub fn rows_of(mut df: DataFrame) -> Vec<Row> {
    let mut buf = Vec::new();
    mailtls::render::write(&mut df, "json", &mut buf, None).unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&buf).unwrap();
    rows.into_iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

/// Rows as comparable text, order-independent: numbers to nine decimals
/// (so engines agree to 1e-9), null as `null`, rows sorted.
pub fn canonical(rows: &[Row]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::Number(x) => format!("{:.9}", x.as_f64().unwrap()),
                        Value::String(s) => s.clone(),
                        Value::Null => "null".into(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

/// A catalogue table over a dataset, as JSON rows.
pub fn table_rows(dataset: &Path, name: &str) -> Vec<Row> {
    rows_of(mailtls::catalogue::run(dataset, name).unwrap())
}

/// The real enumeration outputs (sslyze XML 0.12 and 1.4, the two
/// Mail-in-a-Box sslyze text runs, cipherscan's example) under names that
/// say what they are.
pub fn enumeration_inputs(fixtures: &Path, scratch: &Path) -> std::path::PathBuf {
    let dir = scratch.with_extension("inputs");
    std::fs::create_dir_all(&dir).unwrap();
    for (from, to) in [
        (
            "trailofbits-ruby-sslyze/331bf42/spec/sslyze.xml",
            "sslyze-012.xml",
        ),
        (
            "trailofbits-ruby-sslyze/27a94b4/spec/sslyze.xml",
            "sslyze-140.xml",
        ),
        (
            "mail-in-a-box-mailinabox/610be9c/tests/tls_results.txt",
            "miab-2015.txt",
        ),
        (
            "mail-in-a-box-mailinabox/3055f9a/tests/tls_results.txt",
            "miab-2016.txt",
        ),
        (
            "mozilla-cipherscan/README-j-example.json",
            "cipherscan-ebay.json",
        ),
    ] {
        std::fs::copy(fixtures.join(from), dir.join(to)).unwrap();
    }
    dir
}

/// A churn series (`synth --scans`) generated and ingested as a user
/// would: judged with the archive's `roots.pem` (trust setting 0), then
/// appended with `roots-later.pem`, the store without root B (setting 1).
/// Returns (tempdir, archive, dataset, truth).
pub fn churn_dataset(
    seed: u64,
    hosts: u64,
    scans: u32,
    spacing_days: u32,
    layouts: &[Layout],
    codecs: &[Codec],
) -> (tempfile::TempDir, PathBuf, PathBuf, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    mailtls::synth::churn::run(&mailtls::synth::churn::Options {
        out: archive.clone(),
        hosts,
        scans,
        spacing_days,
        seed,
        layouts: layouts.to_vec(),
        codecs: codecs.to_vec(),
    })
    .unwrap();
    let dataset = tmp.path().join("ds");
    for (roots, append) in [("roots.pem", false), ("roots-later.pem", true)] {
        let mut o = options(vec![archive.clone()], &dataset);
        o.roots = Some(archive.join(roots).display().to_string());
        o.append = append;
        mailtls::ingest::run(&o).unwrap();
    }
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(archive.join("truth.json")).unwrap())
            .unwrap();
    (tmp, archive, dataset, truth)
}
