//! Inputs that once hung, aborted or lost records: stray text between
//! documents, a file that is one JSON array, unreadable inputs among good
//! ones, records that name what they hold, datasets without some tables.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// The quarantined records of a dataset: (line, reason, record text).
fn quarantined(ds: &Path) -> Vec<(u64, String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![ds.join("_quarantine")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
                continue;
            }
            for line in std::fs::read_to_string(e.path()).unwrap().lines() {
                let v: Value = serde_json::from_str(line).unwrap();
                out.push((
                    v["line"].as_u64().unwrap(),
                    v["reason"].as_str().unwrap().to_owned(),
                    v["record"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The real Censys host records, as JSON values.
fn censys_records() -> Option<Vec<Value>> {
    let dir = fixtures()?.join("zmap-ztag/ztag/devices");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    Some(
        paths
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect(),
    )
}

#[test]
fn a_file_holding_one_array_of_records_is_read_record_by_record() {
    let Some(records) = censys_records() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let array = Value::Array(records.clone());
    let pretty = dir.path().join("hosts-pretty.json");
    std::fs::write(&pretty, serde_json::to_string_pretty(&array).unwrap()).unwrap();
    let compact = dir.path().join("hosts-compact.json");
    std::fs::write(&compact, serde_json::to_string(&array).unwrap()).unwrap();
    for input in [pretty, compact] {
        let (_t, ds, summary) = ingest(|out| options(vec![input.clone()], out));
        assert_eq!(summary.bad_total(), 0, "{}", input.display());
        assert_eq!(summary.records.get("censys"), Some(&(records.len() as u64)));
        assert_eq!(table(&ds, "handshakes").height(), 11, "{}", input.display());
    }
}

#[test]
fn stray_text_between_documents_is_quarantined_once_and_documents_kept() {
    let Some(records) = censys_records() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (i, r) in records.iter().enumerate() {
        text.push_str(&serde_json::to_string_pretty(r).unwrap());
        text.push_str(if i == 1 { "\nEND\n" } else { "\n,\n" });
    }
    text.push_str("trailing junk");
    let path = dir.path().join("hosts.json");
    std::fs::write(&path, &text).unwrap();
    let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
    assert_eq!(summary.records.get("censys"), Some(&(records.len() as u64)));
    assert_eq!(table(&ds, "handshakes").height(), 11);
    let bad = quarantined(&ds);
    let texts: Vec<&str> = bad.iter().map(|(_, _, t)| t.as_str()).collect();
    assert_eq!(texts, [",", "END", ",", ",", "trailing junk"]);
    // Each is reported at its own line.
    let line_of =
        |needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() as u64 + 1;
    assert_eq!(bad[1].0, line_of("\nEND\n") + 1);
    assert_eq!(bad[4].0, line_of("trailing junk"));
}

#[test]
fn a_record_of_unknown_shape_names_the_keys_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.json");
    std::fs::write(
        &path,
        "{\"ip\": \"1.2.3.5\"}\n{\"ip\": \"1.2.3.6\", \"zzz\": 1}\n",
    )
    .unwrap();
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(vec![path.clone()], out);
        o.port = Some(25);
        o
    });
    assert_eq!(summary.bad_total(), 2);
    let bad = quarantined(&ds);
    assert!(bad[0].1.contains("keys [ip]"), "{}", bad[0].1);
    assert!(bad[1].1.contains("keys [ip, zzz]"), "{}", bad[1].1);
}

fn sample_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/sample/72a1901f366a0e30-587-smtp-starttls-full_ipv4-20150804T040000-zgrab2-results.json")
}

/// An input that vanished (a dangling link) and one that fails to read
/// are reported with their paths; the others are committed; the command
/// exits non-zero and says so; a rerun retries only the failed ones.
#[test]
fn unreadable_inputs_are_reported_and_the_others_committed() {
    let dir = tempfile::tempdir().unwrap();
    let good = sample_file();
    let gone = dir.path().join("vanished.json");
    std::os::unix::fs::symlink(dir.path().join("nowhere.json"), &gone).unwrap();
    // Opens, then fails to read: the kernel refuses reads at offset 0.
    let unreadable = PathBuf::from("/proc/self/mem");
    let ds = dir.path().join("ds");
    let out = Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args(["ingest", "--quiet", "--out"])
        .arg(&ds)
        .arg(&good)
        .arg(&gone)
        .arg(&unreadable)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("vanished.json"), "{stderr}");
    assert!(stderr.contains("/proc/self/mem"), "{stderr}");
    assert!(stderr.contains("2 input(s) could not be read"), "{stderr}");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("_manifest.json")).unwrap()).unwrap();
    let failed = manifest["runs"][0]["failed_inputs"].as_array().unwrap();
    assert_eq!(failed.len(), 2);
    let handshakes = table(&ds, "handshakes").height();
    assert!(handshakes > 0);
    let inputs = manifest["inputs"].as_array().unwrap();
    let complete: Vec<&Value> = inputs
        .iter()
        .filter(|i| i.get("failed").is_none())
        .collect();
    assert_eq!(complete.len(), 1);
    // Appending the good input again skips it; nothing else changes.
    let again = Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args(["ingest", "--quiet", "--append", "--out"])
        .arg(&ds)
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(table(&ds, "handshakes").height(), handshakes);
    // With --strict the first unreadable input stops the run, uncommitted.
    let strict = dir.path().join("strict");
    let out = Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args(["ingest", "--quiet", "--strict", "--out"])
        .arg(&strict)
        .arg(&good)
        .arg(&gone)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!strict.exists());
}

/// Every row table exists, empty where the inputs had no such rows, so
/// queries answer 0; the empty part goes once rows arrive.
#[test]
fn tables_without_rows_exist_and_answer_zero() {
    let dir = tempfile::tempdir().unwrap();
    let zmap = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "data/sample/72a1901f366a0e30-993-imaps-tls-full_ipv4-20150809T040000-zmap-results.csv",
    );
    let ds = dir.path().join("ds");
    let mut o = options(vec![zmap.clone()], &ds);
    mailtls::ingest::run(&o).unwrap();
    let count = |sql: &str| -> i64 {
        let df = mailtls::query::run(&ds, sql).unwrap();
        let c = df.columns()[0]
            .cast(&polars::prelude::DataType::Int64)
            .unwrap();
        c.i64().unwrap().get(0).unwrap()
    };
    assert_eq!(count("SELECT COUNT(*) FROM handshakes"), 0);
    assert_eq!(count("SELECT COUNT(*) FROM certificates"), 0);
    assert_eq!(count("SELECT COUNT(DISTINCT scan_id) FROM handshakes"), 0);
    assert!(count("SELECT COUNT(*) FROM discovery") > 0);
    for e in mailtls::catalogue::CATALOGUE {
        mailtls::catalogue::run(&ds, e.name).unwrap_or_else(|err| panic!("{}: {err:#}", e.name));
    }
    o.inputs = vec![sample_file()];
    o.append = true;
    mailtls::ingest::run(&o).unwrap();
    assert!(count("SELECT COUNT(*) FROM handshakes") > 0);
    assert!(!std::fs::read_dir(ds.join("handshakes")).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with("-empty.parquet")));
}
