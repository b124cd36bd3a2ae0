//! Inputs built to exhaust a reader or the verifier: each ends in bounded
//! time and memory with its record kept or quarantined and its neighbours
//! kept. (Bounds here are generous watchdogs against hangs and blow-ups,
//! not speed measurements: those are the benchmarks' job.)

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use mailtls::der;
use mailtls::synth::x509::{issue, CertSpec, Dn, Extras, Hash, Key};
use mailtls::trust::policy::unix_date;
use mailtls::trust::{ChainCert, IssuerIndex, RootStore, SignatureMemo, Verifier};

const T: i64 = unix_date(2015, 8, 4) + 4 * 3600;
const WATCHDOG: Duration = Duration::from_secs(120);

fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

fn ec(n: u16) -> Key {
    let mut bytes = [0x5au8; 32];
    bytes[0] = 0x01;
    bytes[30..].copy_from_slice(&n.to_be_bytes());
    Key::EcP256(Box::new(
        p256::ecdsa::SigningKey::from_bytes(&bytes.into()).unwrap(),
    ))
}

fn dn(cn: &str) -> Dn {
    Dn {
        country: Some("XX"),
        org: Some("Adversarial".into()),
        cn: cn.into(),
    }
}

fn cert(
    subject: (&Dn, &Key),
    issuer: (&Dn, &Key),
    ca: bool,
    dns: &[String],
    extras: &Extras,
) -> Vec<u8> {
    issue(&CertSpec {
        version: 3,
        serial: vec![7],
        subject: subject.0,
        subject_key: subject.1,
        issuer: issuer.0,
        issuer_key: issuer.1,
        hash: Hash::Sha256,
        not_before: T - 86_400,
        not_after: T + 86_400 * 300,
        is_ca: ca,
        dns_names: dns,
        extras,
    })
    .unwrap()
}

/// A completed ZGrab2 SMTP record presenting `chain` (leaf first), with
/// `banner` as JSON text (quotes included).
fn record(ip: &str, chain: &[Vec<u8>], banner: &str) -> String {
    let certificates = match chain.split_first() {
        None => String::new(),
        Some((leaf, rest)) => {
            let rest: Vec<String> = rest
                .iter()
                .map(|c| format!(r#"{{"raw":"{}"}}"#, b64(c)))
                .collect();
            format!(
                r#","server_certificates":{{"certificate":{{"raw":"{}"}},"chain":[{}]}}"#,
                b64(leaf),
                rest.join(",")
            )
        }
    };
    format!(
        r#"{{"ip":"{ip}","data":{{"smtp":{{"status":"success","protocol":"smtp","timestamp":"2015-08-04T04:00:00Z","result":{{"banner":{banner},"ehlo":"250-x\r\n250 STARTTLS\r\n","starttls":"220 go\r\n","tls":{{"handshake_log":{{"server_hello":{{"version":{{"name":"TLSv1.2","value":771}},"cipher_suite":{{"hex":"0xC02F","name":"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","value":49199}}}}{certificates},"server_finished":{{"verify_data":"AA=="}}}}}}}}}}}}}}"#
    )
}

fn write(dir: &Path, name: &str, lines: &[Vec<u8>]) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for l in lines {
        f.write_all(l).unwrap();
        f.write_all(b"\n").unwrap();
    }
    path
}

fn ingest_at_25(
    path: &Path,
) -> (
    tempfile::TempDir,
    PathBuf,
    mailtls::ingest::summary::Summary,
) {
    ingest(|out| {
        let mut o = options(vec![path.to_path_buf()], out);
        o.port = Some(25);
        o
    })
}

/// Peak resident memory of the largest child this test process waited for, in MiB.
fn children_peak_mib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss / 1024
}

#[test]
fn a_100_mb_line_is_quarantined_by_its_start_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let good = record("192.0.2.1", &[], r#""220 a\r\n""#).into_bytes();
    let mut huge =
        br#"{"ip":"192.0.2.2","data":{"smtp":{"status":"success","result":{"banner":""#.to_vec();
    huge.resize(100 << 20, b'a');
    huge.extend(br#""}}}}"#);
    let path = write(dir.path(), "huge.json", &[good.clone(), huge, good]);
    let ds = dir.path().join("ds");
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args(["ingest", "--quiet", "--port", "25", "--out"])
        .arg(&ds)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < WATCHDOG);
    assert!(children_peak_mib() < 1024, "{} MiB", children_peak_mib());
    assert_eq!(table(&ds, "handshakes").height(), 2);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("_manifest.json")).unwrap()).unwrap();
    let bad = &manifest["inputs"][0]["bad_records"];
    assert_eq!(
        bad.as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        1
    );
    assert!(bad
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.contains("longer than the limit")));
}

#[test]
fn json_nested_10000_deep_is_rejected_not_overflowed() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    let lines = vec![
        record("192.0.2.1", &[], r#""220 a\r\n""#).into_bytes(),
        record("192.0.2.2", &[], &deep).into_bytes(),
        format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes(),
        record("192.0.2.3", &[], r#""220 c\r\n""#).into_bytes(),
    ];
    let path = write(dir.path(), "deep.json", &lines);
    let (_t, ds, summary) = ingest_at_25(&path);
    assert_eq!(summary.bad_total(), 2);
    assert_eq!(table(&ds, "handshakes").height(), 2);
}

#[test]
fn nul_bytes_and_invalid_utf8_in_banners() {
    let dir = tempfile::tempdir().unwrap();
    let mut invalid = record("192.0.2.2", &[], r#""220 BAD\r\n""#).into_bytes();
    let at = invalid.windows(3).position(|w| w == b"BAD").unwrap();
    invalid[at..at + 3].copy_from_slice(&[0xff, 0xfe, 0x00]);
    let lines = vec![
        record("192.0.2.1", &[], r#""220 a\u0000b\r\n""#).into_bytes(),
        invalid,
        record("192.0.2.3", &[], r#""220 c\r\n""#).into_bytes(),
    ];
    let path = write(dir.path(), "bytes.json", &lines);
    let (_t, ds, summary) = ingest_at_25(&path);
    assert_eq!(summary.bad_total(), 1);
    assert!(
        summary.bad.keys().any(|k| k.contains("not UTF-8")),
        "{:?}",
        summary.bad
    );
    let hs = table(&ds, "handshakes");
    assert_eq!(hs.height(), 2);
    let nul = rows_where(&hs, "ip", "192.0.2.1");
    assert_eq!(s(&nul, "banner", 0).as_deref(), Some("220 a\0b\r\n"));
}

#[test]
fn a_chain_of_1000_certificates_is_judged_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<Key> = (0..1001).map(ec).collect();
    let names: Vec<Dn> = (0..1001).map(|i| dn(&format!("Chain CA {i}"))).collect();
    let leaf_names = vec!["mail.example.com".to_owned()];
    let mut chain = vec![cert(
        (&dn("mail.example.com"), &keys[0]),
        (&names[1], &keys[1]),
        false,
        &leaf_names,
        &Extras::STANDARD,
    )];
    for i in 1..1000 {
        chain.push(cert(
            (&names[i], &keys[i]),
            (&names[i + 1], &keys[i + 1]),
            true,
            &[],
            &Extras::STANDARD,
        ));
    }
    let path = write(
        dir.path(),
        "long.json",
        &[record("192.0.2.1", &chain, r#""220 a\r\n""#).into_bytes()],
    );
    let started = Instant::now();
    let (_t, ds, summary) = ingest_at_25(&path);
    assert!(started.elapsed() < WATCHDOG);
    assert_eq!(summary.bad_total(), 0);
    assert_eq!(table(&ds, "certificates").height(), 1000);
    let trust = table(&ds, "chain_trust");
    assert_eq!(trust.height(), 1);
    assert_eq!(s(&trust, "reason", 0).as_deref(), Some("too_long"));
}

#[test]
fn a_16384_bit_rsa_key_is_judged_without_a_stall() {
    // A modulus nobody can sign with: odd, top bit set, 2,048 bytes.
    let mut modulus = vec![0xa5u8; 2048];
    modulus[0] = 0xc1;
    modulus[2047] |= 1;
    let rsa = der::seq(&[&der::oid(&[1, 2, 840, 113549, 1, 1, 1]), &der::null()]);
    let key = der::seq(&[&der::uint(&modulus), &der::int(65537)]);
    let spki = der::seq(&[&rsa, &der::bits(&key)]);
    let big = dn("Huge Key CA");
    let stand_in = ec(1);
    let extras = Extras {
        spki: Some(spki),
        ..Extras::default()
    };
    let ca = cert((&big, &stand_in), (&big, &stand_in), true, &[], &extras);
    let names = vec!["mail.example.com".to_owned()];
    let leaf = cert(
        (&dn("mail.example.com"), &ec(2)),
        (&big, &stand_in),
        false,
        &names,
        &Extras::STANDARD,
    );
    let facts = mailtls::x509::facts_from_der(ca.clone());
    assert_eq!(facts.key_bits, Some(16_384));
    let store = RootStore::from_pem(
        "huge",
        None,
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            b64(&ca)
        )
        .as_bytes(),
    )
    .unwrap();
    let started = Instant::now();
    let verdict = Verifier {
        store: &store,
        as_of: T,
    }
    .verify(
        &[Arc::new(ChainCert::from_der(&leaf))],
        &IssuerIndex::default(),
        &mut SignatureMemo::default(),
    );
    assert!(started.elapsed() < WATCHDOG);
    assert!(!verdict.valid);
}

#[test]
fn a_certificate_with_100000_names_is_read_and_judged() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..100_000).map(|i| format!("h{i}.example.com")).collect();
    let ca_dn = dn("Many Names CA");
    let ca_key = ec(3);
    let constrained = Extras {
        permitted_dns: vec!["example.com".into()],
        ..Extras::default()
    };
    let ca = cert(
        (&ca_dn, &ca_key),
        (&ca_dn, &ca_key),
        true,
        &[],
        &constrained,
    );
    let leaf = cert(
        (&dn("h0.example.com"), &ec(4)),
        (&ca_dn, &ca_key),
        false,
        &names,
        &Extras::STANDARD,
    );
    let path = write(
        dir.path(),
        "names.json",
        &[record("192.0.2.1", &[leaf, ca.clone()], r#""220 a\r\n""#).into_bytes()],
    );
    let roots = dir.path().join("roots.pem");
    std::fs::write(
        &roots,
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            b64(&ca)
        ),
    )
    .unwrap();
    let started = Instant::now();
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(vec![path.clone()], out);
        o.port = Some(25);
        o.roots = Some(roots.display().to_string());
        o
    });
    assert!(started.elapsed() < WATCHDOG);
    assert_eq!(summary.bad_total(), 0);
    let certs = table(&ds, "certificates");
    let lens: Vec<usize> = (0..certs.height())
        .map(|i| {
            certs
                .column("san_dns")
                .unwrap()
                .list()
                .unwrap()
                .get_as_series(i)
                .map_or(0, |s| s.len())
        })
        .collect();
    assert!(lens.contains(&100_000), "{lens:?}");
    // 100,000 names against one permitted subtree: within the budget, valid.
    let trust = table(&ds, "chain_trust");
    assert_eq!(s(&trust, "reason", 0).as_deref(), Some("ok"));
}
