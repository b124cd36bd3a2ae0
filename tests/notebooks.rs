//! The notebooks run headless on the sample dataset and their numbers
//! equal `mailtls table` / `mailtls sql` on it (scripts/check_notebooks.py,
//! in the Python environment scripts/test.sh makes).

mod common;

use std::process::Command;

use common::*;

#[test]
fn notebooks_run_and_agree_with_mailtls() {
    let Some(python) = std::env::var_os("MAILTLS_PYTHON") else {
        assert!(
            std::env::var_os("MAILTLS_REQUIRE_FIXTURES").is_none(),
            "MAILTLS_PYTHON must be set here (scripts/test.sh sets it)"
        );
        eprintln!("SKIPPED: MAILTLS_PYTHON not set (scripts/test.sh sets it)");
        return;
    };
    let (_t, ds, _, _) = ingest_sample();
    let out = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/check_notebooks.py"
        ))
        .arg(&ds)
        .arg(env!("CARGO_BIN_EXE_mailtls"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 notebooks ran and agree with mailtls"),
        "{stdout}"
    );
    assert!(stdout.contains("tls_support: 7 rows agree"), "{stdout}");
}
