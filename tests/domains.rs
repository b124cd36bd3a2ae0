//! The domain view: DNS lookups (ZDNS, Sonar), a top list and MTA-STS
//! policies that name the port-25 endpoints of a synthetic archive give
//! `dns_mx`, `dns_addr`, `dns_tlsa`, `mta_sts`, `top_domains_smtp`,
//! `dane_adoption`, `protection_levels` and `unit_of_analysis` exactly as
//! the generator's truth says, on the sample and on archives of other
//! seeds, layouts and codecs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use mailtls::input::decompress::Codec;
use mailtls::synth::render::Layout;
use serde_json::Value;

fn count(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_f64().map(|f| f as u64))
        .unwrap_or_else(|| panic!("{v} is not a count"))
}

fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn truth_counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), count(n)))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn assert_domain_tables_match(dataset: &Path, truth: &Value) {
    let t = &truth["dns"];
    assert!(t.is_object(), "the archive has DNS truth");
    for (table, rows) in t["rows"].as_object().unwrap() {
        let got = mailtls::query::run(dataset, &format!("SELECT * FROM {table}")).unwrap();
        assert_eq!(got.height() as u64, count(rows), "{table}");
    }
    // mta_sts: domains per state.
    let states = rows_of(
        mailtls::query::run(
            dataset,
            "SELECT state, COUNT(*) AS n FROM mta_sts GROUP BY state",
        )
        .unwrap(),
    );
    let got: BTreeMap<String, u64> = states
        .iter()
        .map(|r| (text(&r["state"]), count(&r["n"])))
        .collect();
    assert_eq!(got, truth_counts(&t["mta_sts"]), "mta_sts");
    // dane_adoption: facet → value → count.
    let mut dane: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for r in table_rows(dataset, "dane_adoption") {
        dane.entry(text(&r["facet"]))
            .or_default()
            .insert(text(&r["value"]), count(&r["count"]));
    }
    let expected: BTreeMap<String, BTreeMap<String, u64>> = t["dane"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), truth_counts(v)))
        .collect();
    assert_eq!(dane, expected, "dane_adoption");
    // top_domains_smtp: the one list.
    let top = table_rows(dataset, "top_domains_smtp");
    assert_eq!(top.len(), 1);
    assert_eq!(text(&top[0]["list"]), text(&t["list"]));
    for (column, n) in t["top_domains"].as_object().unwrap() {
        assert_eq!(
            count(&top[0][column]),
            count(n),
            "top_domains_smtp {column}"
        );
    }
    // protection_levels: units and weights per unit × level.
    let levels = table_rows(dataset, "protection_levels");
    let mut got: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for r in &levels {
        let unit = text(&r["unit"]);
        let level = text(&r["level"]);
        let weight = r["weight"].as_f64().unwrap();
        let expected = t["protection_weight"][&unit][&level].as_f64().unwrap();
        assert!(
            close(weight, expected),
            "{unit} {level}: {weight} ≠ {expected}"
        );
        got.entry(unit)
            .or_default()
            .insert(level, count(&r["units"]));
    }
    let expected: BTreeMap<String, BTreeMap<String, u64>> = t["protection"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), truth_counts(v)))
        .collect();
    assert_eq!(got, expected, "protection_levels");
    // Each unit's rungs from no_starttls up add up to its denominator.
    for (unit, list) in &got {
        let answered: u64 = list
            .iter()
            .filter(|(l, _)| {
                !["not_scanned", "no_answer", "trusted_certificate"].contains(&l.as_str())
            })
            .map(|(_, n)| n)
            .sum();
        let row = levels.iter().find(|r| text(&r["unit"]) == *unit).unwrap();
        assert_eq!(count(&row["answered"]), answered, "{unit}");
    }
    // unit_of_analysis: the headline counts per unit.
    let headline = table_rows(dataset, "unit_of_analysis");
    assert_eq!(headline.len(), t["headline"].as_object().unwrap().len());
    for r in &headline {
        let unit = text(&r["unit"]);
        for (column, n) in t["headline"][&unit].as_object().unwrap() {
            assert_eq!(
                count(&r[column]),
                count(n),
                "unit_of_analysis {unit} {column}"
            );
        }
    }
}

#[test]
fn the_sample_domain_tables_equal_the_truth() {
    let (_tmp, dataset, summary, truth) = ingest_sample();
    assert_eq!(summary.bad_total(), truth["quarantine"].as_u64().unwrap());
    assert_domain_tables_match(&dataset, &truth);
    // The sample holds every DANE verdict the generator makes and every
    // MTA-STS state, so none of them goes untested.
    let verdicts = truth["dns"]["dane"]["verdict"].as_object().unwrap();
    for v in [
        "match",
        "no_match",
        "bad_length",
        "unsupported",
        "no_dnssec",
        "pkix_untrusted",
    ] {
        assert!(verdicts.contains_key(v), "{v}");
    }
    let states = truth["dns"]["mta_sts"].as_object().unwrap();
    assert_eq!(states.len(), 6, "{states:?}");
}

#[test]
fn generated_domain_tables_equal_the_truth_for_other_layouts() {
    for (seed, layouts, codecs) in [
        (
            7,
            vec![Layout::Zgrab2, Layout::Zgrab1],
            vec![Codec::Zstd, Codec::Lz4],
        ),
        (41, vec![Layout::Zgrab1EventLog], vec![Codec::Xz]),
    ] {
        let (_t, _archive, dataset, truth) =
            generate_and_ingest(|out| synth_options(out, seed, 2500, &layouts, &codecs));
        assert_domain_tables_match(&dataset, &truth);
    }
}

#[test]
fn no_dns_is_made_when_port_25_is_written_as_censys_records() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a");
    mailtls::synth::run(&synth_options(
        &out,
        3,
        300,
        &[Layout::Censys],
        &[Codec::Plain],
    ))
    .unwrap();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();
    assert!(truth.get("dns").is_none());
    assert!(!out.join("mta-sts").exists());
}
