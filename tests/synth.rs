//! `mailtls synth` archives ingest to exactly what their `truth.json` says,
//! in every layout and codec; the output is deterministic; layouts agree;
//! the certificates are real X.509 that OpenSSL parses and verifies.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::truth::{assert_matches_truth, values};
use common::*;
use mailtls::input::decompress::Codec;
use mailtls::synth::profile::Profile;
use mailtls::synth::render::Layout;
use mailtls::synth::{run as synth, Options as SynthOptions};
use polars::prelude::*;
use serde_json::Value;

#[test]
fn every_layout_ingests_to_its_truth() {
    let codecs = [
        Codec::Plain,
        Codec::Gzip,
        Codec::Zstd,
        Codec::Lz4,
        Codec::Bzip2,
        Codec::Xz,
    ];
    for (seed, layout) in [
        (11, Layout::Zgrab1),
        (12, Layout::Zgrab1EventLog),
        (13, Layout::Zgrab2),
    ] {
        let (_t, _archive, ds, truth) = generate_and_ingest(|out| SynthOptions {
            bad_lines: 0.01,
            ..synth_options(out, seed, 1_500, &[layout], &codecs)
        });
        assert_matches_truth(&ds, &truth);
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(ds.join("_manifest.json")).unwrap())
                .unwrap();
        let quarantined: u64 = manifest["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["bad_records"].as_object().unwrap().values())
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            quarantined,
            truth["quarantine"].as_u64().unwrap(),
            "{layout:?}"
        );
        assert!(quarantined > 0, "the test damages some lines");
    }
}

/// All layouts in one archive: one series each, the Censys ones in one host file.
#[test]
fn mixed_archive_ingests_to_its_truth() {
    let layouts = [
        Layout::Zgrab1,
        Layout::Censys,
        Layout::Zgrab2,
        Layout::Zgrab1EventLog,
    ];
    let (_t, archive, ds, truth) = generate_and_ingest(|out| SynthOptions {
        bad_lines: 0.005,
        ..synth_options(out, 15, 3_000, &layouts, &[Codec::Zstd, Codec::Gzip])
    });
    assert_matches_truth(&ds, &truth);
    let hosts = std::fs::read_dir(&archive)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("-ipv4-hosts-")
        })
        .count();
    assert_eq!(hosts, 1);
}

/// A profile of its own: two series, one overriding versions, suites and
/// certificate populations; every record damaged in a tenth of cases.
#[test]
fn custom_profile_ingests_to_its_truth() {
    let text = r#"
name = "two-ports"
scan_start = "2016-04-10T02:28:54Z"
series_gap_hours = 6
series_duration_hours = 2

[[series]]
port = 587
protocol = "smtp"
subprotocol = "starttls"
share = 2

[[series]]
port = 995
protocol = "pop3s"
subprotocol = "tls"
share = 1
versions = { tls12 = 1 }
ciphers = { "0x009F" = 1, "0xC030" = 1 }
certificates = { self_signed = { share = 1, distinct = 0.5, keys = { rsa1024 = 1 }, signatures = { md5 = 1 }, v1 = 1, negative_serial = 0.5 } }

[defaults]
starttls_outcomes = { connect_failed = 1, no_starttls = 1, stripped = 1, starttls_refused = 1, handshake_failed = 1, ok = 5 }
implicit_outcomes = { timeout = 1, ok = 3 }
versions = { sslv3 = 1, tls10 = 1, tls12 = 2 }
ciphers = { "0x0005" = 1, "0x0003" = 1, "0x0039" = 1, "0x0034" = 1 }
ciphers_ecdsa = { "0xC02B" = 1 }
dh_groups = { oakley_group2_1024 = 1, pool_2048 = 1 }
curves = { secp384r1 = 1 }

[defaults.certificates.trusted]
share = 1
distinct = 0.3
keys = { rsa2048 = 1, ecdsa_p256 = 1 }
signatures = { sha1 = 1 }

[defaults.certificates.unparsable]
share = 0.2
pool = 2
"#;
    let profile = Profile::parse(text, "test profile").unwrap();
    let (_t, _archive, ds, truth) = generate_and_ingest(|out| SynthOptions {
        profile,
        bad_lines: 0.1,
        ..synth_options(
            out,
            41,
            900,
            &[Layout::Zgrab2, Layout::Censys],
            &[Codec::Lz4],
        )
    });
    assert_matches_truth(&ds, &truth);
    assert_eq!(truth["series"].as_array().unwrap().len(), 2);
    let series_995 = &truth["series"][1]["counts"];
    assert_eq!(
        series_995["ok.tls_version"].as_object().unwrap().len(),
        1,
        "tls12 only"
    );
    let certs = &truth["certificates"]["counts"];
    assert!(certs["sig_alg"]["md5WithRSAEncryption"].as_u64().unwrap() > 0);
    assert!(certs["version"]["1"].as_u64().unwrap() > 0);
}

/// Every file under `dir` (folders included), by its path under `dir`.
fn file_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let layouts = [Layout::Zgrab1, Layout::Zgrab2];
    let codecs = [Codec::Gzip, Codec::Plain, Codec::Xz];
    let make = |name: &str, seed: u64, jobs: usize| {
        let out = tmp.path().join(name);
        synth(&SynthOptions {
            jobs,
            bad_lines: 0.02,
            ..synth_options(&out, seed, 5_000, &layouts, &codecs)
        })
        .unwrap();
        file_bytes(&out)
    };
    let one = make("a", 5, 1);
    let two = make("b", 5, 2);
    assert_eq!(
        one.len(),
        25,
        "7 series × (scan + ZMap), 4 DNS files, 2 MTA-STS policy files, sslyze XML and JSON, masscan, truth, roots"
    );
    assert!(one == two, "jobs 1 and jobs 2 differ");
    let other = make("c", 6, 2);
    assert_ne!(one.get("truth.json"), other.get("truth.json"));
}

/// The same seed written as ZGrab 1 and as ZGrab2 gives the same handshakes.
#[test]
fn layouts_agree() {
    let columns = [
        "ip",
        "port",
        "protocol",
        "tls_mode",
        "timestamp",
        "status",
        "banner",
        "ehlo",
        "starttls_reply",
        "starttls_offered",
        "starttls_accepted",
        "starttls_stripped",
        "tls_version",
        "cipher_id",
        "server_kex",
        "dh_prime_bits",
        "dh_prime_sha256",
        "ecdh_curve",
        "rsa_export_bits",
        "leaf_sha256",
        "chain_sha256",
        "browser_trusted",
        "browser_error",
    ];
    let frame = |layout: Layout| {
        let (_t, _a, ds, _truth) =
            generate_and_ingest(|out| synth_options(out, 21, 1_200, &[layout], &[Codec::Plain]));
        let hs = table(&ds, "handshakes");
        hs.select(columns)
            .unwrap()
            .sort(["port", "ip"], SortMultipleOptions::default())
            .unwrap()
    };
    let a = frame(Layout::Zgrab1);
    let b = frame(Layout::Zgrab2);
    assert_eq!(a.height(), 1_200);
    assert!(
        a.equals_missing(&b),
        "zgrab1 and zgrab2 handshakes differ:\n{a}\n{b}"
    );
}

fn openssl() -> Option<()> {
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => Some(()),
        _ => {
            eprintln!("SKIPPED: openssl not found");
            None
        }
    }
}

#[test]
fn certificates_parse_and_trusted_chains_verify_with_openssl() {
    if openssl().is_none() {
        return;
    }
    let (tmp, archive, ds, _truth) = generate_and_ingest(|out| {
        synth_options(out, 31, 1_500, &[Layout::Zgrab1], &[Codec::Plain])
    });
    let certs = table(&ds, "certificates");
    let sha = values(&certs, "sha256");
    let status = values(&certs, "parse_status");
    let der = certs.column("der").unwrap().binary().unwrap().clone();
    let mut by_sha = BTreeMap::new();
    for i in 0..certs.height() {
        let bytes = der.get(i).unwrap().to_vec();
        if status[i].as_deref() == Some("ok") {
            let path = tmp.path().join("one.der");
            std::fs::write(&path, &bytes).unwrap();
            let out = Command::new("openssl")
                .args(["x509", "-inform", "DER", "-noout", "-in"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "openssl x509 rejects {:?}: {}",
                sha[i],
                String::from_utf8_lossy(&out.stderr)
            );
        }
        by_sha.insert(sha[i].clone().unwrap(), bytes);
    }
    // Every chain the scanner recorded as trusted verifies at the scan date against roots.pem.
    let hs = table(&ds, "handshakes");
    let mask: Vec<bool> = values(&hs, "browser_trusted")
        .iter()
        .map(|v| v.as_deref() == Some("true"))
        .collect();
    let trusted = hs
        .filter(&BooleanChunked::from_slice("trusted".into(), &mask))
        .unwrap();
    assert!(trusted.height() > 50, "{}", trusted.height());
    let chains = trusted
        .column("chain_sha256")
        .unwrap()
        .list()
        .unwrap()
        .clone();
    // Inside every series' scan window (the built-in profile starts 2015-08-03).
    let when = chrono::DateTime::parse_from_rfc3339("2015-08-06T00:00:00Z")
        .unwrap()
        .timestamp();
    let mut verified = 0;
    for i in 0..trusted.height().min(80) {
        let chain = chains.get_as_series(i).unwrap();
        let chain = chain.str().unwrap();
        let shas: Vec<String> = (0..chain.len())
            .map(|j| chain.get(j).unwrap().to_owned())
            .collect();
        let leaf = tmp.path().join("leaf.pem");
        let inter = tmp.path().join("inter.pem");
        std::fs::write(&leaf, pem(&by_sha[&shas[0]])).unwrap();
        std::fs::write(
            &inter,
            shas[1..]
                .iter()
                .map(|s| pem(&by_sha[s]))
                .collect::<String>(),
        )
        .unwrap();
        let out = Command::new("openssl")
            .args([
                "verify",
                "-auth_level",
                "0",
                "-attime",
                &when.to_string(),
                "-CAfile",
            ])
            .arg(archive.join("roots.pem"))
            .arg("-untrusted")
            .arg(&inter)
            .arg(&leaf)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        verified += 1;
    }
    assert!(verified > 50);
}

/// Drops `raw` wherever a certificate entry also has `parsed`.
fn without_der(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.contains_key("parsed") {
                m.remove("raw");
            }
            m.values_mut().for_each(without_der);
        }
        Value::Array(a) => a.iter_mut().for_each(without_der),
        _ => {}
    }
}

/// Certificates first met parsed-only (a Censys export without DER) get
/// their DER row when an appended input brings it: one row per
/// certificate, and the same trust as a dataset that had the DER at once.
#[test]
fn appended_der_upgrades_parsed_only_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    mailtls::synth::run(&synth_options(
        &archive,
        31,
        600,
        &[Layout::Censys],
        &[Codec::Plain],
    ))
    .unwrap();
    let hosts = std::fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("-ipv4-hosts-"))
        .unwrap();
    let text = std::fs::read_to_string(&hosts).unwrap();
    let stripped: String = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            without_der(&mut v);
            format!("{v}\n")
        })
        .collect();
    let parsed_dir = tmp.path().join("parsed");
    let der_dir = tmp.path().join("der");
    for (dir, body) in [(&parsed_dir, &stripped), (&der_dir, &text)] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(hosts.file_name().unwrap()), body).unwrap();
    }
    let roots = archive.join("roots.pem").display().to_string();
    let ingest_into = |ds: &Path, input: &Path, append: bool| {
        let mut o = options(vec![input.to_path_buf()], ds);
        o.roots = Some(roots.clone());
        o.append = append;
        mailtls::ingest::run(&o).unwrap();
    };
    let upgraded = tmp.path().join("upgraded");
    ingest_into(&upgraded, &parsed_dir, false);
    let before = table(&upgraded, "certificates");
    assert!(values(&before, "parse_status")
        .iter()
        .all(|s| s.as_deref() == Some("scanner_json")));
    ingest_into(&upgraded, &der_dir, true);
    let direct = tmp.path().join("direct");
    ingest_into(&direct, &der_dir, false);

    let certs = table(&upgraded, "certificates");
    let status_of = |df: &DataFrame| -> BTreeMap<String, String> {
        values(df, "sha256")
            .into_iter()
            .zip(values(df, "parse_status"))
            .map(|(sha, st)| (sha.unwrap(), st.unwrap()))
            .collect()
    };
    let upgraded_status = status_of(&certs);
    assert_eq!(
        upgraded_status.len(),
        certs.height(),
        "one row per certificate"
    );
    assert_eq!(upgraded_status, status_of(&table(&direct, "certificates")));
    let der_rows = upgraded_status.values().filter(|s| *s == "ok").count();
    assert!(der_rows > 0, "some certificates were upgraded");
    // Trust: the upgraded dataset judges its second scan's chains as the
    // direct one does (signatures now checked).
    let trust = |ds: &Path| -> BTreeMap<(String, String), (String, bool)> {
        let t = table(ds, "chain_trust");
        values(&t, "chain_hash")
            .into_iter()
            .zip(values(&t, "scan_id"))
            .zip(
                values(&t, "reason")
                    .into_iter()
                    .zip(values(&t, "signatures_checked")),
            )
            .map(|((h, scan), (r, checked))| {
                (
                    (scan.unwrap(), h.unwrap()),
                    (r.unwrap(), checked.as_deref() == Some("true")),
                )
            })
            .collect()
    };
    let (a, b) = (trust(&upgraded), trust(&direct));
    assert!(!b.is_empty());
    for (key, verdict) in &b {
        assert_eq!(a.get(key), Some(verdict), "{key:?}");
    }
}
