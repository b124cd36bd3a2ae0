//! Charts: every catalogue table draws to SVG and PNG from the sample,
//! the same dataset gives the same bytes, a dataset with several scans of
//! a port gets lines over time, and `mailtls plot` draws what it is told.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use mailtls::catalogue::CATALOGUE;
use mailtls::chart::{self, Format, Kind};

#[test]
fn every_table_draws_to_svg_and_png_the_same_way_twice() {
    let (_t, ds, _, _) = ingest_sample();
    let dir = tempfile::tempdir().unwrap();
    for format in [Format::Svg, Format::Png] {
        let first = chart::write_all(&ds, &dir.path().join("a"), format, 960).unwrap();
        let second = chart::write_all(&ds, &dir.path().join("b"), format, 960).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), CATALOGUE.len());
        for (table, files) in &first {
            // Each port of the sample was scanned once: the tables that
            // compare scans have nothing to draw (`tests/over_time.rs`
            // draws them from a series).
            let compares_scans = mailtls::catalogue::PAIR_TABLES.contains(&table.as_str());
            assert!(!files.is_empty() || compares_scans, "{table} has no chart");
            for f in files {
                let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
                let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
                assert!(a == b, "{f} differs between two runs");
                match format {
                    Format::Png => {
                        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n", "{f}");
                        // Twice the width, for print.
                        assert_eq!(
                            u32::from_be_bytes([a[16], a[17], a[18], a[19]]),
                            1920,
                            "{f}"
                        );
                    }
                    Format::Svg => {
                        let text = String::from_utf8(a).unwrap();
                        // Text is drawn as the shipped font's outlines,
                        // labelled for screen readers.
                        assert!(!text.contains("<text"), "{f}");
                        assert!(text.contains("<defs><path id="), "{f}");
                        assert!(text.contains("SYNTHETIC DATA"), "{f}: the footer says so");
                        assert!(
                            text.contains("mailtls 0."),
                            "{f}: the footer names the version"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn each_figure_states_its_denominator_and_its_numbers_add_up() {
    let (_t, ds, _, _) = ingest_sample();
    for entry in CATALOGUE {
        for figure in chart::of_table(&ds, entry.name, None).unwrap() {
            assert!(
                figure.subtitle.contains('N'),
                "{}: {}",
                figure.stem,
                figure.subtitle
            );
            assert!(
                figure.footer.contains("scans 2015-08-03 to 2015-08-09"),
                "{}",
                figure.footer
            );
            if let Kind::Stacked { groups, segments } = &figure.kind {
                for (i, g) in groups.iter().enumerate() {
                    let sum: f64 = segments.iter().map(|(_, v)| v[i]).sum();
                    assert!(
                        (sum - 1.0).abs() < 1e-9,
                        "{} bar {g} adds up to {sum}",
                        figure.stem
                    );
                }
            }
        }
    }
    // The TLS-support bars are the table's own shares.
    let df = mailtls::catalogue::run(&ds, "tls_support").unwrap();
    let shares: Vec<f64> = df
        .column("share")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    let figure = &chart::of_table(&ds, "tls_support", None).unwrap()[0];
    let Kind::Shares { values, .. } = &figure.kind else {
        panic!("tls_support draws shares")
    };
    for (a, b) in values.iter().zip(&shares) {
        assert!((a - b).abs() < 1e-6);
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

#[test]
fn several_scans_of_a_port_draw_lines_over_time() {
    let dir = tempfile::tempdir().unwrap();
    let name = "72a1901f366a0e30-587-smtp-starttls-full_ipv4-20150804T040000-zgrab2-results.json";
    std::fs::copy(sample().join(name), dir.path().join(name)).unwrap();
    // The same series a month later (other bytes, so not a duplicate input).
    let later = name.replace("20150804", "20150904");
    let mut text = std::fs::read_to_string(sample().join(name)).unwrap();
    text.push('\n');
    std::fs::write(dir.path().join(&later), text).unwrap();
    let (_t, ds, _) = ingest(|out| options(vec![dir.path().to_path_buf()], out));
    let figures = chart::of_table(&ds, "scan_summary", None).unwrap();
    let lines = figures
        .iter()
        .find(|f| f.stem == "scan_summary-over-time")
        .expect("a time series");
    let Kind::Lines { series, .. } = &lines.kind else {
        panic!("lines")
    };
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].1.len(), 2);
    assert_eq!(series[0].1[1].0 - series[0].1[0].0, 31, "a month apart");
    let png = chart::render(lines, Format::Png, 800).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn plot_draws_one_table_filtered_and_retitled() {
    let (_t, ds, _, _) = ingest_sample();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tls.svg");
    let run = Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args([
            "plot",
            "tls_support",
            "--where",
            "port = 25",
            "--title",
            "Port 25 only",
            "--dataset",
        ])
        .arg(&ds)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.contains(r#"aria-label="Port 25 only""#));
    assert!(svg.contains(r#"aria-label="25 smtp (starttls)""#));
    assert!(!svg.contains("110 pop3"));
    let bad = Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args(["plot", "tls_support", "--dataset"])
        .arg(&ds)
        .args(["--out", "x.gif"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".svg or .png"));
}
