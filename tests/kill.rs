//! An ingest killed (SIGKILL) at each stage leaves the dataset as it was,
//! and running the same command again gives the dataset a clean run gives.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use polars::prelude::*;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// The first run's input: one file of the sample.
fn first_input() -> PathBuf {
    sample()
        .join("72a1901f366a0e30-587-smtp-starttls-full_ipv4-20150804T040000-zgrab2-results.json")
}

fn ingest_cmd(out: &Path, inputs: &[PathBuf], append: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailtls"));
    cmd.args(["ingest", "--quiet", "--roots"])
        .arg(sample().join("roots.pem"))
        .arg("--out")
        .arg(out)
        .args(inputs);
    if append {
        cmd.arg("--append");
    }
    cmd
}

fn run_ok(mut cmd: Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `cmd` stopped at `stage`, waits until it says it got there,
/// and kills it.
fn kill_at(mut cmd: Command, stage: &str) {
    let mut child = cmd
        .env("MAILTLS_STOP_AT", stage)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut said = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.contains(&format!("stopped at {stage}")) {
            break;
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed at {stage}; it said: {said}");
    assert!(said.contains("stopped at"), "never reached {stage}: {said}");
}

/// A dataset's tables in a comparable form: each row table sorted, the
/// manifest's inputs and parts without run times.
fn contents(ds: &Path) -> Vec<(String, DataFrame)> {
    let mut out = Vec::new();
    for (table, key) in [
        ("handshakes", vec!["scan_id", "input_id", "line"]),
        ("discovery", vec!["scan_id", "input_id", "line"]),
        ("certificates", vec!["sha256"]),
        (
            "chain_trust",
            vec!["scan_id", "chain_hash", "trust_setting"],
        ),
        ("scans", vec!["scan_id"]),
    ] {
        let mut df = table_of(ds, table)
            .sort(key, SortMultipleOptions::default())
            .unwrap();
        // Which input first records a shared certificate depends on which
        // file thread meets it first; the rows themselves do not.
        if table == "certificates" {
            df = df.drop("first_input_id").unwrap();
        }
        out.push((table.to_owned(), df));
    }
    out
}

fn table_of(ds: &Path, name: &str) -> DataFrame {
    mailtls::dataset::read::read_table(ds, name).unwrap()
}

fn assert_same(a: &[(String, DataFrame)], b: &[(String, DataFrame)], what: &str) {
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(
            x.equals_missing(y),
            "{what}: table {name} differs:\n{x}\n{y}"
        );
    }
}

#[test]
fn a_killed_ingest_changes_nothing_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let rest: Vec<PathBuf> = std::fs::read_dir(sample())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| *p != first_input())
        .collect();
    // The clean way: one run, then an appended one.
    let clean = dir.path().join("clean");
    run_ok(ingest_cmd(&clean, &[first_input()], false));
    run_ok(ingest_cmd(&clean, &rest, true));

    // A new dataset killed while it commits does not appear at all.
    let fresh = dir.path().join("fresh");
    kill_at(ingest_cmd(&fresh, &[first_input()], false), "committing");
    assert!(!fresh.join("_manifest.json").exists());
    run_ok(ingest_cmd(&fresh, &[first_input()], false));

    // Appends killed at every stage leave the first run's dataset intact.
    let before = contents(&fresh);
    let manifest = std::fs::read_to_string(fresh.join("_manifest.json")).unwrap();
    for stage in ["reading", "writing", "judging", "committing"] {
        kill_at(ingest_cmd(&fresh, &rest, true), stage);
        assert_eq!(
            std::fs::read_to_string(fresh.join("_manifest.json")).unwrap(),
            manifest,
            "the manifest changed after a kill at {stage}"
        );
        assert_same(
            &before,
            &contents(&fresh),
            &format!("after a kill at {stage}"),
        );
    }
    // The same command again completes it, as the clean runs did.
    run_ok(ingest_cmd(&fresh, &rest, true));
    assert_same(&contents(&clean), &contents(&fresh), "the rerun");
}
