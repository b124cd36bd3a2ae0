//! Every layout, codec and failure path, on hand-written records whose
//! outcome is known.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;
use mailtls::input::framing::Limits;
use polars::prelude::*;

const CERT_A: &str = "MAMCAQE="; // DER that does not parse: kept with its error
const CERT_B: &str = "MAMCAQI=";

fn hello(extra: &str) -> String {
    format!(
        r#""server_hello":{{"version":{{"name":"TLSv1.2","value":771}},"cipher_suite":{{"hex":"0xC02F","name":"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","value":49199}},"compression_method":0,"ocsp_stapling":false,"secure_renegotiation":true}}{extra}"#
    )
}

fn full_tls() -> String {
    format!(
        r#"{{{},"server_certificates":{{"certificate":{{"raw":"{CERT_A}","parsed":{{"x":1}}}},"chain":[{{"raw":"{CERT_B}"}}],"validation":{{"browser_trusted":true,"matches_domain":true}}}},"server_key_exchange":{{"dh_params":{{"prime":{{"value":"AP////8=","length":32}},"generator":{{"value":"Ag==","length":8}}}}}},"server_finished":{{"verify_data":"AA=="}}}}"#,
        hello("")
    )
}

/// Era C/D flat records with known outcomes: (record, expected status).
fn flat_records() -> Vec<(String, &'static str)> {
    let ehlo_tls = r#"250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"#;
    let ehlo_plain = r#"250-mx.example\r\n250 8BITMIME\r\n"#;
    vec![
        (format!(r#"{{"ip":"192.0.2.1","timestamp":"2015-08-03T04:00:01-04:00","data":{{"banner":"220 mx ESMTP\r\n","ehlo":"{ehlo_tls}","starttls":"220 2.0.0 Ready\r\n","tls":{}}}}}"#, full_tls()), "ok"),
        (r#"{"ip":"192.0.2.2","timestamp":"2015-08-03T04:00:02-04:00","error":"dial tcp 192.0.2.2:25: i/o timeout","error_component":"connect"}"#.into(), "connect_failed"),
        (format!(r#"{{"ip":"192.0.2.3","timestamp":"2015-08-03T04:00:03-04:00","data":{{"banner":"220 mx\r\n","ehlo":"{ehlo_tls}","starttls":"454 4.7.0 TLS not available\r\n"}},"error":"Bad return code for STARTTLS","error_component":"starttls"}}"#), "starttls_refused"),
        (format!(r#"{{"ip":"192.0.2.4","timestamp":"2015-08-03T04:00:04-04:00","data":{{"banner":"220 mx\r\n","ehlo":"{ehlo_plain}","starttls":"502 5.5.1 unrecognized\r\n"}},"error":"Bad return code for STARTTLS","error_component":"starttls"}}"#), "no_starttls"),
        (format!(r#"{{"ip":"192.0.2.5","timestamp":"2015-08-03T04:00:05-04:00","data":{{"banner":"220 mx\r\n","ehlo":"{ehlo_tls}","starttls":"220 go\r\n","tls":{{{}}}}},"error":"remote error: handshake failure","error_component":"starttls"}}"#, hello("")), "handshake_failed"),
        (format!(r#"{{"ip":"192.0.2.6","timestamp":"2015-08-03T04:00:06-04:00","data":{{"banner":"220 mx\r\n","ehlo":"{ehlo_tls}","starttls":"220 go\r\n","tls":{}}},"error":"write: broken pipe","error_component":"quit"}}"#, full_tls()), "ok"),
        (r#"{"ip":"192.0.2.7","timestamp":"2015-08-03T04:00:07-04:00","error":"read tcp 192.0.2.7:25: i/o timeout","error_component":"banner"}"#.into(), "timeout"),
    ]
}

/// Lines that must be quarantined, with the start of their reason.
fn bad_lines() -> Vec<(Vec<u8>, &'static str)> {
    vec![
        (
            br#"{"ip":"192.0.2.8","data":{"banner":"22"#.to_vec(),
            "invalid JSON",
        ),
        (vec![0x00, 0xff, 0xfe, 0x01], "not UTF-8 text"),
        (
            br#"{"ip":"192.0.2.9","timestamp":"x","data":{"banner":5}}"#.to_vec(),
            "`data` has an unexpected shape",
        ),
        (br#"{"foo":1,"bar":[2]}"#.to_vec(), "unknown layout"),
    ]
}

const FLAT_NAME: &str = "abc-25-smtp-starttls-full_ipv4-20150803T040000-zgrab-results.json";

fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    let mut f = std::fs::File::create(path).unwrap();
    for l in lines {
        f.write_all(l).unwrap();
        f.write_all(b"\n").unwrap();
    }
}

fn flat_file(dir: &Path, with_bad: bool) -> PathBuf {
    let mut lines: Vec<Vec<u8>> = flat_records()
        .into_iter()
        .map(|(r, _)| r.into_bytes())
        .collect();
    if with_bad {
        for (i, (bad, _)) in bad_lines().into_iter().enumerate() {
            lines.insert(1 + 2 * i, bad);
        }
    }
    let path = dir.join(FLAT_NAME);
    write_lines(&path, &lines);
    path
}

fn statuses_by_ip(df: &DataFrame) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = (0..df.height())
        .map(|i| (s(df, "ip", i).unwrap(), s(df, "status", i).unwrap()))
        .collect();
    v.sort();
    v
}

fn expected_flat() -> Vec<(String, String)> {
    flat_records()
        .iter()
        .enumerate()
        .map(|(i, (_, st))| (format!("192.0.2.{}", i + 1), (*st).to_owned()))
        .collect()
}

#[test]
fn zgrab1_flat_outcomes_and_facts() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_file(dir.path(), false);
    let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
    assert_eq!(summary.bad_total(), 0);
    assert_eq!(summary.records.get("zgrab1_flat"), Some(&7));
    let hs = table(&ds, "handshakes");
    assert_eq!(statuses_by_ip(&hs), expected_flat());
    assert_eq!(
        counts(&hs, "scan_id"),
        vec![("25-smtp-starttls-full_ipv4-20150803T040000".to_owned(), 7)]
    );
    assert_eq!(
        counts(&hs, "port_source"),
        vec![("file_name".to_owned(), 7)]
    );
    let ok = rows_where(&hs, "ip", "192.0.2.1");
    assert_eq!(u16_at(&ok, "cipher_id", 0), Some(0xC02F));
    assert_eq!(
        ok.column("dh_prime_bits").unwrap().u32().unwrap().get(0),
        Some(32)
    );
    assert_eq!(s(&ok, "server_kex", 0).as_deref(), Some("dhe"));
    assert_eq!(b(&ok, "browser_trusted", 0), Some(true));
    assert_eq!(b(&ok, "matches_domain", 0), Some(true));
    assert_eq!(s(&ok, "leaf_sha256", 0), Some(sha256_of_b64(CERT_A)));
    // The ISO timestamp with its -04:00 offset is stored as UTC.
    let ts = ok
        .column("timestamp")
        .unwrap()
        .datetime()
        .unwrap()
        .phys
        .get(0);
    assert_eq!(ts, Some(1_438_588_801_000_000));
    // Two distinct certificates, both kept although their DER does not parse.
    let certs = table(&ds, "certificates");
    assert_eq!(certs.height(), 2);
    assert_eq!(
        counts(&certs, "parse_status"),
        vec![("error".to_owned(), 2)]
    );
    let scans = table(&ds, "scans");
    assert_eq!(s(&scans, "destination", 0).as_deref(), Some("full_ipv4"));
    assert_eq!(s(&scans, "layouts", 0).as_deref(), Some("zgrab1_flat"));
}

#[test]
fn quarantine_keeps_every_bad_line_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_file(dir.path(), true);
    let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
    assert_eq!(summary.bad_total(), 4);
    assert_eq!(table(&ds, "handshakes").height(), 7);
    let q = std::fs::read_dir(ds.join("_quarantine/r0001"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(q)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    let want_lines = [2, 4, 6, 8];
    for ((row, (text, reason)), line) in rows.iter().zip(bad_lines()).zip(want_lines) {
        assert_eq!(row["line"], line);
        assert!(row["reason"].as_str().unwrap().starts_with(reason), "{row}");
        assert!(row["file"].as_str().unwrap().ends_with(FLAT_NAME));
        match std::str::from_utf8(&text) {
            Ok(t) => assert_eq!(row["record"], t),
            Err(_) => assert!(row["record_base64"].is_string()),
        }
    }
    // The byte offset points at the line's start.
    let bytes = std::fs::read(&path).unwrap();
    let off = rows[0]["offset"].as_u64().unwrap() as usize;
    assert!(bytes[off..].starts_with(br#"{"ip":"192.0.2.8""#));
}

#[test]
fn strict_stops_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_file(dir.path(), true);
    let out = dir.path().join("ds");
    let mut o = options(vec![path], &out);
    o.strict = true;
    let err = mailtls::ingest::run(&o).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains(&format!("{FLAT_NAME}:2: invalid JSON")),
        "{text}"
    );
    assert!(!out.exists());
}

fn compress(codec: &str, data: &[u8]) -> Vec<u8> {
    match codec {
        "gz" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "zst" => zstd::encode_all(data, 3).unwrap(),
        "lz4" => {
            let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "bz2" => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "xz" => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        _ => data.to_vec(),
    }
}

#[test]
fn every_codec_by_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(flat_file(dir.path(), true)).unwrap();
    for codec in ["gz", "zst", "lz4", "bz2", "xz"] {
        // A misleading extension: detection is by content.
        let path = dir.path().join(format!(
            "x-25-smtp-starttls-full_ipv4-20150803T040000-{codec}.json"
        ));
        std::fs::write(&path, compress(codec, &plain)).unwrap();
        let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
        assert_eq!(summary.bad_total(), 4, "{codec}");
        assert_eq!(
            statuses_by_ip(&table(&ds, "handshakes")),
            expected_flat(),
            "{codec}"
        );
        let m = mailtls::dataset::manifest::Manifest::load(&ds).unwrap();
        let want = match codec {
            "gz" => "gzip",
            "zst" => "zstd",
            "bz2" => "bzip2",
            c => c,
        };
        assert_eq!(m.inputs[0].codec, want);
        assert_eq!(m.inputs[0].decompressed, plain.len() as u64);
    }
}

fn many_records(n: usize) -> Vec<u8> {
    let recs = flat_records();
    let mut out = Vec::new();
    for i in 0..n {
        let (r, _) = &recs[i % recs.len()];
        out.extend(
            r.replacen(
                "192.0.2.",
                &format!("10.{}.{}.", i / 65536, (i / 256) % 256),
                1,
            )
            .into_bytes(),
        );
        out.push(b'\n');
    }
    out
}

#[test]
fn truncated_gzip_names_the_file_and_keeps_earlier_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = many_records(3000);
    let gz = compress("gz", &data);
    let path = dir.path().join(FLAT_NAME);
    std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
    let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
    assert_eq!(summary.stream_errors.len(), 1);
    let e = &summary.stream_errors[0];
    assert!(
        e.contains(FLAT_NAME) && e.contains("gzip") && e.contains("stored byte"),
        "{e}"
    );
    let kept = table(&ds, "handshakes").height();
    assert!(kept > 100 && kept < 3000, "{kept}");
}

#[test]
fn results_do_not_depend_on_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FLAT_NAME);
    std::fs::write(&path, many_records(5000)).unwrap();
    let run_with = |jobs: usize| {
        let (t, ds, _) = ingest(|out| {
            let mut o = options(vec![path.clone()], out);
            o.jobs = jobs;
            o.limits = Limits {
                chunk_bytes: 16 * 1024,
                ..Limits::default()
            };
            o
        });
        let hs = table(&ds, "handshakes")
            .sort(["line"], Default::default())
            .unwrap();
        let certs = table(&ds, "certificates")
            .sort(["sha256"], Default::default())
            .unwrap();
        drop(t);
        (hs, certs)
    };
    let (h1, c1) = run_with(1);
    let (h2, c2) = run_with(2);
    assert_eq!(h1.height(), 5000);
    assert!(h1.equals_missing(&h2));
    assert!(c1.equals_missing(&c2));
}

/// One ingest of [`three_ways`], with the folders it lives in.
struct Ingested {
    _input_dir: tempfile::TempDir,
    _dataset_dir: tempfile::TempDir,
    input: PathBuf,
    ds: PathBuf,
    summary: mailtls::ingest::Summary,
}

/// Ingests `data` three ways under the same file name: as it is, mapped
/// (a plain file this large is) and read (`--no-mmap`), and
/// gzip-compressed (through the decoder); in small chunks, so records
/// cross chunk boundaries.
fn three_ways(name: &str, data: &[u8]) -> [Ingested; 3] {
    [("plain", true), ("plain", false), ("gz", true)].map(|(codec, map_plain)| {
        let input_dir = tempfile::tempdir().unwrap();
        let input = input_dir.path().join(name);
        std::fs::write(&input, compress(codec, data)).unwrap();
        let stream = mailtls::input::decompress::open(&input, map_plain)
            .unwrap()
            .stream;
        assert_eq!(
            matches!(stream, mailtls::input::decompress::Stream::Mapped(_)),
            codec == "plain" && map_plain
        );
        let (dataset_dir, ds, summary) = ingest(|out| {
            let mut o = options(vec![input.clone()], out);
            o.limits = Limits {
                chunk_bytes: 16 * 1024,
                max_record_bytes: 64 * 1024,
            };
            o.map_plain = map_plain;
            o
        });
        Ingested {
            _input_dir: input_dir,
            _dataset_dir: dataset_dir,
            input,
            ds,
            summary,
        }
    })
}

/// The rows of table `name`, sorted by line, which every ingest of
/// [`three_ways`] must have alike.
fn same_rows(all: &[Ingested; 3], name: &str) -> DataFrame {
    let [a, rest @ ..] = all.each_ref().map(|i| {
        table(&i.ds, name)
            .sort(["line"], Default::default())
            .unwrap()
    });
    for other in rest {
        assert!(
            a.equals_missing(&other),
            "{name} differs between mapped, read and decoded"
        );
    }
    a
}

/// The quarantine of a dataset's first run, without the file names.
fn quarantined(ds: &Path) -> Vec<serde_json::Value> {
    let dir = ds.join("_quarantine/r0001");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        for line in std::fs::read_to_string(entry.unwrap().path())
            .unwrap()
            .lines()
        {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            v.as_object_mut().unwrap().remove("file");
            out.push(v);
        }
    }
    out
}

#[test]
fn mapped_read_and_decoded_files_give_the_same_rows() {
    let mut data = many_records(4000);
    // Bad lines and an over-long one, past the first chunks.
    let mut tail = Vec::new();
    for (bad, _) in bad_lines() {
        tail.extend(bad);
        tail.push(b'\n');
    }
    tail.extend(std::iter::repeat_n(b'x', 100_000));
    tail.push(b'\n');
    tail.extend(many_records(3));
    data.extend(tail);
    let all = three_ways(FLAT_NAME, &data);
    let [mapped, read, decoded] = &all;
    assert_eq!(mapped.summary.bad_total(), 5);
    assert_eq!(mapped.summary.bad, decoded.summary.bad);
    assert_eq!(mapped.summary.bad, read.summary.bad);
    let q = quarantined(&mapped.ds);
    assert_eq!(q, quarantined(&decoded.ds));
    assert_eq!(q, quarantined(&read.ds));
    let long = q.iter().find(|v| v["line"] == 4005).unwrap();
    assert_eq!(
        long["offset"],
        data.len() as u64 - 100_001 - many_records(3).len() as u64
    );
    assert_eq!(same_rows(&all, "handshakes").height(), 4003);
    let m = mailtls::dataset::manifest::Manifest::load(&mapped.ds).unwrap();
    assert_eq!(m.inputs[0].codec, "plain");
    assert_eq!(m.inputs[0].decompressed, data.len() as u64);
    assert_eq!(
        m.inputs[0].xxh3_128,
        mailtls::input::decompress::hash_file(&mapped.input).unwrap()
    );
}

#[test]
fn csv_header_is_skipped_alike_mapped_read_and_decoded() {
    let mut data = b"saddr,sport,classification,success\n".to_vec();
    for i in 0..50_000u32 {
        data.extend(format!("10.1.{}.{},25,synack,1\n", i / 256, i % 256).into_bytes());
    }
    let name = "k-25-smtp-starttls-full_ipv4-20150803T040000-zmap-results.csv";
    let all = three_ways(name, &data);
    assert_eq!(all.each_ref().map(|i| i.summary.bad_total()), [0, 0, 0]);
    let d1 = same_rows(&all, "discovery");
    assert_eq!(d1.height(), 50_000);
    let lines = d1.column("line").unwrap().u64().unwrap();
    assert_eq!((lines.get(0), lines.get(49_999)), (Some(2), Some(50_001)));
    assert_eq!(s(&d1, "ip", 0).as_deref(), Some("10.1.0.0"));
}

#[test]
fn zgrab2_statuses() {
    let tls = full_tls();
    let lines = [
        format!(r#"{{"ip":"192.0.2.1","data":{{"imap":{{"status":"success","protocol":"imap","result":{{"banner":"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n","starttls":"a001 OK Begin TLS\r\n","tls":{{"handshake_log":{tls}}}}},"timestamp":"2020-01-01T00:00:00Z"}}}}}}"#),
        r#"{"ip":"192.0.2.2","data":{"imap":{"status":"application-error","protocol":"imap","result":{"banner":"* OK ready\r\n","starttls":"a001 BAD no\r\n"},"error":"bad reply"}}}"#.to_owned(),
        format!(r#"{{"ip":"192.0.2.3","data":{{"imap":{{"status":"handshake-error","protocol":"imap","result":{{"banner":"* OK ready\r\n","starttls":"a001 OK go\r\n","tls":{{"handshake_log":{{{}}}}}}},"error":"tls: bad record"}}}}}}"#, hello("")),
        r#"{"ip":"192.0.2.4","data":{"imap":{"status":"connection-timeout","protocol":"imap","error":"dial timeout"}}}"#.to_owned(),
        r#"{"ip":"192.0.2.5","data":{"imap":{"status":"io-timeout","protocol":"imap","error":"read: i/o timeout"}}}"#.to_owned(),
        r#"{"ip":"192.0.2.6","data":{"imap":{"status":"blocklisted-target","protocol":"imap"}}}"#.to_owned(),
        r#"{"ip":"192.0.2.7","port":993,"data":{"imaps":{"status":"success","protocol":"imap","result":{"banner":"* OK ready\r\n"}}}}"#.to_owned(),
        r#"{"ip":"192.0.2.8","data":{"imap":{"status":"application-error","protocol":"imap","result":{"banner":"* OK ready\r\n","starttls":"a001 NO [UNAVAILABLE] try later\r\n"},"error":"bad reply"}}}"#.to_owned(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imap.json");
    write_lines(
        &path,
        &lines
            .iter()
            .map(|l| l.clone().into_bytes())
            .collect::<Vec<_>>(),
    );
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(vec![path.clone()], out);
        o.port = Some(143);
        o
    });
    assert_eq!(summary.bad_total(), 0);
    let hs = table(&ds, "handshakes");
    let got = statuses_by_ip(&hs);
    // Without a CAPABILITY list, `BAD` (unknown command) means no STARTTLS
    // and `NO` a refusal.
    let want: Vec<(String, String)> = [
        "ok",
        "no_starttls",
        "handshake_failed",
        "connect_failed",
        "timeout",
        "skipped",
        "no_starttls",
        "starttls_refused",
    ]
    .iter()
    .enumerate()
    .map(|(i, st)| (format!("192.0.2.{}", i + 1), (*st).to_owned()))
    .collect();
    assert_eq!(got, want);
    let ok = rows_where(&hs, "ip", "192.0.2.1");
    assert_eq!(b(&ok, "starttls_offered", 0), Some(true));
    assert_eq!(b(&ok, "starttls_accepted", 0), Some(true));
    let p = rows_where(&hs, "ip", "192.0.2.7");
    assert_eq!(p.column("port").unwrap().u16().unwrap().get(0), Some(993));
    assert_eq!(s(&p, "port_source", 0).as_deref(), Some("record"));
}

#[test]
fn zmap_csv_with_hyphenated_header_and_bare() {
    let dir = tempfile::tempdir().unwrap();
    let with_header = dir
        .path()
        .join("k-25-smtp-starttls-full_ipv4-20150803T040000-zmap-results.csv");
    std::fs::write(&with_header, "saddr,saddr-raw,sport,classification,success,timestamp-str\n192.0.2.1,1,25,synack,1,2015-08-03T04:00:01.500-0400\n192.0.2.2,2,25,synack,1,2015-08-03T04:00:02.000-0400\nnot-an-ip,3,25,synack,1,x\n").unwrap();
    let bare = dir
        .path()
        .join("q-587-smtp-starttls-full_ipv4-20150803T040000-zmap-results.csv");
    std::fs::write(&bare, "192.0.2.3\n192.0.2.4\n2001:db8::1\n").unwrap();
    let (_t, ds, summary) = ingest(|out| options(vec![with_header.clone(), bare.clone()], out));
    assert_eq!(summary.bad_total(), 1);
    assert_eq!(summary.records.get("zmap_csv"), Some(&5));
    let d = table(&ds, "discovery");
    assert_eq!(d.height(), 5);
    let first = rows_where(&d, "ip", "192.0.2.1");
    assert_eq!(s(&first, "classification", 0).as_deref(), Some("synack"));
    assert_eq!(
        first
            .column("timestamp")
            .unwrap()
            .datetime()
            .unwrap()
            .phys
            .get(0),
        Some(1_438_588_801_500_000)
    );
    assert_eq!(
        counts(&d, "scan_id"),
        vec![
            ("25-smtp-starttls-full_ipv4-20150803T040000".to_owned(), 2),
            ("587-smtp-starttls-full_ipv4-20150803T040000".to_owned(), 3),
        ]
    );
}

#[test]
fn unknown_port_is_a_clear_error_not_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.json");
    std::fs::write(&path, format!("{}\n", flat_records()[0].0)).unwrap();
    let (_t, _ds, summary) = ingest(|out| {
        let mut o = options(vec![path.clone()], out);
        o.protocol = Some("smtp".into());
        o
    });
    assert_eq!(
        summary.bad.keys().next().map(String::as_str),
        Some("no port")
    );
}

#[test]
fn append_skips_known_inputs_and_refuses_without_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_file(dir.path(), false);
    let out = dir.path().join("ds");
    mailtls::ingest::run(&options(vec![path.clone()], &out)).unwrap();
    let err = mailtls::ingest::run(&options(vec![path.clone()], &out)).unwrap_err();
    assert!(format!("{err:#}").contains("--append"));
    let mut o = options(vec![path.clone()], &out);
    o.append = true;
    let s2 = mailtls::ingest::run(&o).unwrap();
    assert_eq!((s2.inputs, s2.skipped.len()), (0, 1));
    // A new input is added; certificates are not duplicated.
    let other = dir
        .path()
        .join("b-25-smtp-starttls-full_ipv4-20150904T040000-zgrab-results.json");
    std::fs::write(&other, many_records(14)).unwrap();
    let mut o = options(vec![other], &out);
    o.append = true;
    mailtls::ingest::run(&o).unwrap();
    assert_eq!(table(&out, "handshakes").height(), 7 + 14);
    assert_eq!(table(&out, "certificates").height(), 2);
    assert_eq!(table(&out, "scans").height(), 2);
    // Appends also judge the new chains, and every run keeps one chain_trust part.
    assert_eq!(table(&out, "chain_trust").height(), 2);
    let manifest = mailtls::dataset::manifest::Manifest::load(&out).unwrap();
    assert_eq!(manifest.part_paths("chain_trust").len(), 1);
}

#[test]
fn append_refuses_a_dataset_of_an_older_layout() {
    let dir = tempfile::tempdir().unwrap();
    let path = flat_file(dir.path(), false);
    let out = dir.path().join("ds");
    mailtls::ingest::run(&options(vec![path.clone()], &out)).unwrap();
    let manifest_path = out.join("_manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let older = text.replacen(
        &format!("\"format\": {}", mailtls::dataset::manifest::FORMAT),
        "\"format\": 1",
        1,
    );
    assert_ne!(text, older);
    std::fs::write(&manifest_path, older).unwrap();
    let other = dir
        .path()
        .join("c-25-smtp-starttls-full_ipv4-20150905T040000-zgrab-results.json");
    std::fs::write(&other, many_records(3)).unwrap();
    let mut o = options(vec![other], &out);
    o.append = true;
    let err = format!("{:#}", mailtls::ingest::run(&o).unwrap_err());
    assert!(
        err.contains("layout 1") && err.contains("new dataset"),
        "{err}"
    );
    assert!(!out
        .join(format!("_staging-{}", std::process::id()))
        .exists());
}

#[test]
fn a_killed_ingest_leaves_no_visible_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FLAT_NAME);
    std::fs::write(&path, many_records(200_000)).unwrap();
    let out = dir.path().join("ds");
    let kill_during = |extra: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mailtls"))
            .arg("ingest")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .args(extra)
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(400));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        finished
    };
    if kill_during(&[]) {
        eprintln!("ingest finished before it could be killed; nothing to check");
        return;
    }
    assert!(
        !out.exists(),
        "a killed first ingest must not leave the dataset folder"
    );
    // A committed dataset survives a killed append unchanged.
    let small = flat_file(&dir.path().join("s").tap_mkdir(), false);
    mailtls::ingest::run(&options(vec![small], &out)).unwrap();
    let before = std::fs::read(out.join("_manifest.json")).unwrap();
    kill_during(&["--append"]);
    assert_eq!(std::fs::read(out.join("_manifest.json")).unwrap(), before);
    assert_eq!(table(&out, "handshakes").height(), 7);
}

trait TapMkdir {
    fn tap_mkdir(self) -> PathBuf;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> PathBuf {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

/// A top list (`rank,domain`, no header) ingests into `toplist`; a line
/// that is neither a top-list row nor a ZMap row is quarantined.
#[test]
fn top_lists_are_read_rank_by_rank() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tranco-top-1m.csv");
    std::fs::write(
        &path,
        "1,google.com\r\n2,Example.ORG.\n3,com\nfour,x.example\n",
    )
    .unwrap();
    let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
    assert_eq!(summary.records.get("toplist"), Some(&3));
    assert_eq!(summary.bad_total(), 1);
    let list = table(&ds, "toplist");
    assert_eq!(list.height(), 3);
    assert_eq!(s(&list, "domain", 1).as_deref(), Some("example.org"));
    assert_eq!(s(&list, "list", 0).as_deref(), Some("tranco-top-1m"));
    let ranks: Vec<u32> = list
        .column("rank")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(ranks, [1, 2, 3]);
    // A dataset without handshakes still answers for them.
    let n = mailtls::query::run(&ds, "SELECT COUNT(*) AS n FROM handshakes").unwrap();
    assert_eq!(n.height(), 1);
}

/// ZDNS lookups (version 2 modules, version 1 MXLOOKUP with addresses,
/// a failed lookup) ingest into `dns`, one row per answer; the TLSA
/// answers read back into records the DANE verifier takes.
#[test]
fn zdns_lookups_are_read_answer_by_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mx-lookups.json");
    let lines = [
        r#"{"name":"example.com","results":{"MX":{"data":{"answers":[{"answer":"MX1.example.com.","class":"IN","name":"example.com","preference":10,"ttl":300,"type":"MX"},{"answer":"mx2.example.com.","class":"IN","name":"example.com","preference":20,"ttl":300,"type":"MX"}],"flags":{"authenticated":true}},"status":"NOERROR","timestamp":"2024-08-23T13:12:43-04:00"}}}"#,
        r#"{"name":"_25._tcp.mx1.example.com","results":{"TLSA":{"data":{"answers":[{"type":"TLSA","class":"IN","name":"_25._tcp.mx1.example.com","cert_usage":3,"selector":1,"matching_type":1,"certificate":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff","ttl":60}],"flags":{"authenticated":true}},"status":"NOERROR","timestamp":"2024-08-23T13:12:44-04:00"}}}"#,
        r#"{"name":"example.org","status":"NOERROR","timestamp":"2019-01-01T00:00:00Z","alexa_rank":7,"data":{"exchanges":[{"name":"mx.example.org","type":"MX","preference":5,"ipv4_addresses":["192.0.2.1","192.0.2.2"]}]}}"#,
        r#"{"name":"gone.example","status":"NXDOMAIN","timestamp":"2019-01-01T00:00:00Z"}"#,
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (_t, ds, summary) = ingest(|out| options(vec![path.clone()], out));
    assert_eq!(summary.bad_total(), 0);
    assert_eq!(summary.records.get("zdns"), Some(&4));
    let dns = table(&ds, "dns");
    assert_eq!(dns.height(), 2 + 1 + 3 + 1);
    let mx = mailtls::query::run(
        &ds,
        "SELECT query, value, preference FROM dns WHERE kind = 'MX' ORDER BY query, preference",
    )
    .unwrap();
    assert_eq!(s(&mx, "value", 0).as_deref(), Some("mx1.example.com"));
    assert_eq!(s(&mx, "value", 2).as_deref(), Some("mx.example.org"));
    let failed = rows_where(&dns, "query", "gone.example");
    assert_eq!(s(&failed, "status", 0).as_deref(), Some("NXDOMAIN"));
    assert_eq!(s(&failed, "kind", 0), None);
    let tlsa = rows_where(&dns, "kind", "TLSA");
    let text = format!(
        "{} {} {} {}",
        tlsa.column("tlsa_usage")
            .unwrap()
            .u16()
            .unwrap()
            .get(0)
            .unwrap(),
        tlsa.column("tlsa_selector")
            .unwrap()
            .u16()
            .unwrap()
            .get(0)
            .unwrap(),
        tlsa.column("tlsa_matching")
            .unwrap()
            .u16()
            .unwrap()
            .get(0)
            .unwrap(),
        s(&tlsa, "value", 0).unwrap()
    );
    let record = mailtls::dane::Tlsa::parse(&text).unwrap();
    assert_eq!(
        (
            record.usage,
            record.selector,
            record.matching,
            record.data.len()
        ),
        (3, 1, 1, 32)
    );
    assert_eq!(b(&tlsa, "authenticated", 0), Some(true));
}
