//! The third engine: `scripts/spark/catalogue.py` runs every catalogue SQL
//! file on Apache Spark (local mode, the machine's Java) over the same
//! Parquet dataset, and every table's rows equal mailtls' — on the sample
//! and on two generated archives of other seeds and layouts.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use mailtls::catalogue::CATALOGUE;
use mailtls::input::decompress::Codec;
use mailtls::synth::render::Layout;
use serde_json::{Map, Value};

/// Spark's answers, or `None` (with one visible line) where the Python
/// environment has no pyspark: `scripts/test.sh` installs it.
fn spark(dataset: &Path) -> Option<Map<String, Value>> {
    let Some(python) = std::env::var_os("MAILTLS_PYTHON") else {
        eprintln!("SKIPPED: MAILTLS_PYTHON not set; run scripts/test.sh to compare with Spark");
        return None;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/spark/catalogue.py");
    let out = Command::new(python)
        .arg(script)
        .arg(dataset)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "spark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_object()
            .unwrap()
            .clone(),
    )
}

fn assert_same_in_spark(dataset: &Path) {
    let Some(answers) = spark(dataset) else {
        return;
    };
    for entry in CATALOGUE {
        let theirs: Vec<Row> = answers
            .get(entry.name)
            .unwrap_or_else(|| panic!("Spark did not run {}", entry.name))
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect();
        let ours = table_rows(dataset, entry.name);
        assert_eq!(
            canonical(&ours),
            canonical(&theirs),
            "{} differs between polars and Spark",
            entry.name
        );
    }
}

#[test]
fn every_catalogue_query_gives_the_same_answer_in_spark() {
    let (_tmp, sample, _, _) = ingest_sample();
    assert_same_in_spark(&sample);
    for (seed, layouts, codecs) in [
        (99, vec![Layout::Zgrab2, Layout::Censys], vec![Codec::Lz4]),
        (
            23,
            vec![Layout::Zgrab1, Layout::Zgrab1EventLog],
            vec![Codec::Gzip],
        ),
    ] {
        let (_t, _archive, dataset, _) =
            generate_and_ingest(|out| synth_options(out, seed, 1500, &layouts, &codecs));
        assert_same_in_spark(&dataset);
    }
    let (_t, _archive, dataset, _) =
        churn_dataset(11, 800, 3, 30, &[Layout::Zgrab2], &[Codec::Plain]);
    assert_same_in_spark(&dataset);
}
