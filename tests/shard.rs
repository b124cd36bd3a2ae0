//! `--shard K/N`: every file of an archive lands in exactly one shard, the
//! same one whatever folder it is kept in, and the shards' rows add up to
//! a one-machine ingest of the whole.

mod common;

use std::path::Path;

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
