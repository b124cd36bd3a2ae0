//! `--shard K/N`: every file of an archive lands in exactly one shard, the
//! same one whatever folder it is kept in, and the shards' rows add up to
//! a one-machine ingest of the whole.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn rows(dataset: &Path, table: &str) -> u64 {
    mailtls::query::run(dataset, &format!("SELECT * FROM {table}"))
        .unwrap()
        .height() as u64
}

#[test]
fn shards_split_the_sample_and_add_up_to_it() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let (_t, whole, whole_summary) = ingest(|out| options(vec![sample.clone()], out));
    let mut inputs = 0;
    let mut handshakes = 0;
    let mut discovery = 0;
    let mut kept = Vec::new();
    for k in 1..=3 {
        let (t, ds, summary) = ingest(|out| {
            let mut o = options(vec![sample.clone()], out);
            o.shard = Some((k, 3));
            o
        });
        inputs += summary.inputs;
        handshakes += rows(&ds, "handshakes");
        discovery += rows(&ds, "discovery");
        kept.push((t, ds));
    }
    assert_eq!(
        inputs, whole_summary.inputs,
        "every file in exactly one shard"
    );
    assert_eq!(handshakes, rows(&whole, "handshakes"));
    assert_eq!(discovery, rows(&whole, "discovery"));
    // The split depends on names only.
    let a = mailtls::ingest::shard_of(
        Path::new("/x/25-smtp-starttls-full_ipv4-20150803T040000-zgrab-results.json.gz"),
        4,
    );
    let b = mailtls::ingest::shard_of(
        Path::new("other/25-smtp-starttls-full_ipv4-20150803T040000-zgrab-results.json.gz"),
        4,
    );
    assert_eq!(a, b);
    assert!(mailtls::ingest::parse_shard("0/3").is_err());
    assert!(mailtls::ingest::parse_shard("4/3").is_err());
    assert_eq!(mailtls::ingest::parse_shard("2/3").unwrap(), (2, 3));
}

/// Every table (row tables, whole tables, catalogue) as comparable rows,
/// with input ids replaced by the input's path: a merge renumbers inputs.
/// `certificates.first_input_id` is left out: which input meets a shared
/// certificate first depends on which file a thread finishes first, in a
/// one-machine ingest as much as in a merge.
fn comparable(dataset: &Path, table: &str) -> Vec<Vec<(String, String)>> {
    let manifest = mailtls::dataset::manifest::Manifest::load(dataset).unwrap();
    let path_of = |id: &serde_json::Value| -> String {
        let id = id.as_u64().or_else(|| id.as_str()?.parse().ok()).unwrap();
        manifest.inputs[id as usize].path.clone()
    };
    let df = mailtls::query::run(dataset, &format!("SELECT * FROM {table}")).unwrap();
    let mut rows = rows_of(df);
    for row in &mut rows {
        row.remove("first_input_id");
        if let Some(id) = row.get("input_id").cloned() {
            row.insert("input_id".into(), path_of(&id).into());
        }
        if let Some(ids) = row
            .get("input_ids")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
        {
            let mut paths: Vec<String> = ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|id| path_of(&id.into()))
                .collect();
            paths.sort();
            row.insert("input_ids".into(), paths.join(",").into());
        }
    }
    canonical(&rows)
}

fn assert_same_dataset(merged: &Path, whole: &Path) {
    let tables = mailtls::dataset::tables::ROW_TABLES
        .iter()
        .map(|(t, _)| *t)
        .chain(mailtls::ingest::whole::WHOLE_TABLES.iter().copied());
    for table in tables {
        let (m, w) = (comparable(merged, table), comparable(whole, table));
        assert_eq!(m.len(), w.len(), "{table}: rows");
        assert!(
            m == w,
            "{table}: the merged rows differ from a one-machine ingest's"
        );
    }
    for entry in mailtls::catalogue::CATALOGUE {
        assert_eq!(
            canonical(&table_rows(merged, entry.name)),
            canonical(&table_rows(whole, entry.name)),
            "catalogue table {}",
            entry.name
        );
    }
    let quarantined = |ds: &Path| -> usize {
        walk(&ds.join("_quarantine"))
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap().lines().count())
            .sum()
    };
    assert_eq!(quarantined(merged), quarantined(whole));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Ingest options for the sample, judged against its own roots.
fn sample_options(out: &Path) -> mailtls::ingest::Options {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut o = options(vec![sample.clone()], out);
    o.roots = Some(sample.join("roots.pem").display().to_string());
    o
}

/// The sample ingested whole, and in three shards with `split_bytes`:
/// (tempdirs to keep, the whole dataset, the shards' datasets).
type Split = (Vec<tempfile::TempDir>, PathBuf, Vec<PathBuf>);

fn sample_whole_and_in_three(split_bytes: u64) -> Split {
    let (t, whole, _) = ingest(sample_options);
    let mut keep = vec![t];
    let mut shards = Vec::new();
    for k in 1..=3 {
        let (t, ds, _) = ingest(|out| {
            let mut o = sample_options(out);
            o.shard = Some((k, 3));
            o.split_bytes = split_bytes;
            o
        });
        keep.push(t);
        shards.push(ds);
    }
    (keep, whole, shards)
}

#[test]
fn merged_shards_equal_a_one_machine_ingest() {
    let (_keep, whole, sources) =
        sample_whole_and_in_three(mailtls::input::split::DEFAULT_SPLIT_BYTES);
    let tmp = tempfile::tempdir().unwrap();
    let merged = tmp.path().join("merged");
    let summary = mailtls::ingest::merge::run(&sources, &merged, true).unwrap();
    assert_eq!(summary.sources, 3);
    assert_eq!(
        summary.inputs,
        mailtls::dataset::manifest::Manifest::load(&whole)
            .unwrap()
            .inputs
            .len()
    );
    assert_same_dataset(&merged, &whole);

    // The same input in two sources would count twice.
    let again = tmp.path().join("again");
    let err = mailtls::ingest::merge::run(&[whole.clone(), sources[0].clone()], &again, true)
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("both hold the same input"),
        "{err:#}"
    );
    assert!(!again.exists(), "a refused merge writes nothing");
    // A merge writes a new dataset, never over an existing one.
    let err = mailtls::ingest::merge::run(&sources, &whole, true).unwrap_err();
    assert!(
        format!("{err:#}").contains("choose another --out"),
        "{err:#}"
    );
}

#[test]
fn files_split_by_byte_range_merge_back_into_a_one_machine_ingest() {
    // Every plain file of one record per line is split three ways.
    let (_keep, whole, sources) = sample_whole_and_in_three(1);
    let split: Vec<String> = mailtls::dataset::manifest::Manifest::load(&sources[0])
        .unwrap()
        .inputs
        .iter()
        .filter(|i| !i.pieces.is_empty())
        .map(|i| i.path.rsplit('/').next().unwrap().to_owned())
        .collect();
    // The plain JSON lines and CSVs (ZMap with a header, a top list); the
    // MTA-STS policy files and the compressed inputs go whole.
    assert_eq!(split.len(), 5, "{split:?}");
    assert!(split.iter().any(|n| n.ends_with("zmap-results.csv")));
    let tmp = tempfile::tempdir().unwrap();
    let merged = tmp.path().join("merged");
    mailtls::ingest::merge::run(&sources, &merged, true).unwrap();
    let manifest = mailtls::dataset::manifest::Manifest::load(&merged).unwrap();
    let whole_manifest = mailtls::dataset::manifest::Manifest::load(&whole).unwrap();
    assert_eq!(manifest.inputs.len(), whole_manifest.inputs.len());
    let rejoined: Vec<_> = manifest
        .inputs
        .iter()
        .filter(|i| !i.pieces.is_empty())
        .collect();
    assert_eq!(rejoined.len(), 5);
    for input in rejoined {
        assert!(input.pieces_cover_the_file(), "{}", input.path);
        let one = whole_manifest
            .inputs
            .iter()
            .find(|i| i.path == input.path)
            .unwrap();
        assert_eq!(input.records, one.records, "{}", input.path);
        assert_eq!(input.decompressed, one.decompressed, "{}", input.path);
    }
    // Line numbers included: later pieces count from the file's start again.
    assert_same_dataset(&merged, &whole);

    // Re-ingesting a split file into the merged dataset finds it there.
    let mut again = sample_options(&merged);
    again.append = true;
    let summary = mailtls::ingest::run(&again).unwrap();
    assert_eq!(
        summary.inputs, 0,
        "every input is already in the merged dataset"
    );
}
