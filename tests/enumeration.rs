//! Cipher-suite enumeration: the real sslyze XML (0.12, 1.4), the two
//! Mail-in-a-Box sslyze text runs against real mail ports and cipherscan's
//! example give exact
//! `cipher_support` rows, and the support tables read them right.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("{v} is not a count"))
}

fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// (target, version) → (accepted, rejected, errors, preferred suites).
type PerVersion = BTreeMap<(String, u64), (u64, u64, u64, Vec<String>)>;

fn per_version(dataset: &std::path::Path, scan: &str) -> PerVersion {
    let rows = rows_of(
        mailtls::query::run(
            dataset,
            &format!(
                "SELECT target, version, result, preferred, suite FROM cipher_support \
                 WHERE scan_id = '{scan}' ORDER BY target, version, suite"
            ),
        )
        .unwrap(),
    );
    let mut out = PerVersion::new();
    for r in rows {
        let e = out
            .entry((text(&r["target"]), count(&r["version"])))
            .or_default();
        match text(&r["result"]).as_str() {
            "accepted" => e.0 += 1,
            "rejected" => e.1 += 1,
            "error" => e.2 += 1,
            _ => {}
        }
        if r["preferred"].as_bool() == Some(true) {
            e.3.push(text(&r["suite"]));
        }
    }
    out
}

/// Expected rows, counted from the files with Python's ElementTree.
fn expect(rows: &[(&str, u64, u64, u64, &[&str])]) -> PerVersion {
    rows.iter()
        .map(|(target, version, accepted, rejected, preferred)| {
            (
                ((*target).to_owned(), *version),
                (
                    *accepted,
                    *rejected,
                    0,
                    preferred.iter().map(|p| (*p).to_owned()).collect(),
                ),
            )
        })
        .collect()
}

#[test]
fn real_sslyze_and_mail_in_a_box_runs_give_exact_rows() {
    let Some(fixtures) = fixtures() else { return };
    let (_t, ds, summary) = ingest(|out| options(vec![enumeration_inputs(&fixtures, out)], out));
    assert_eq!(summary.bad_total(), 0);
    let gh = "github.com:443";
    let tw = "twitter.com:443";
    let yh = "yahoo.com:443";
    assert_eq!(
        per_version(&ds, "sslyze-012"),
        expect(&[
            (gh, 2, 0, 7, &[]),
            (gh, 768, 0, 134, &[]),
            (gh, 769, 4, 130, &["ECDHE-RSA-AES128-SHA"]),
            (gh, 770, 4, 130, &["ECDHE-RSA-AES128-SHA"]),
            (gh, 771, 12, 122, &["ECDHE-RSA-AES128-GCM-SHA256"]),
            (tw, 2, 0, 7, &[]),
            (tw, 768, 0, 134, &[]),
            (tw, 769, 6, 128, &["ECDHE-RSA-AES128-SHA"]),
            (tw, 770, 6, 128, &["ECDHE-RSA-AES128-SHA"]),
            (tw, 771, 14, 120, &["ECDHE-RSA-AES128-GCM-SHA256"]),
            (yh, 2, 0, 7, &[]),
            (yh, 768, 0, 134, &[]),
            (yh, 769, 8, 126, &["ECDHE-RSA-RC4-SHA"]),
            (yh, 770, 8, 126, &["ECDHE-RSA-RC4-SHA"]),
            (yh, 771, 14, 120, &["ECDHE-RSA-AES128-GCM-SHA256"]),
        ])
    );
    let (go, gh2, wy) = ("google.com:443", "github.com:443", "www.yahoo.com:443");
    let cbc = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
    let gcm = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    let v14 = per_version(&ds, "sslyze-140");
    for (target, rows) in [
        (
            go,
            [
                (0, 7, vec![]),
                (0, 121, vec![]),
                (5, 116, vec![cbc]),
                (5, 116, vec![cbc]),
                (11, 86, vec![gcm]),
                (0, 5, vec![]),
            ],
        ),
        (
            gh2,
            [
                (0, 7, vec![]),
                (0, 121, vec![]),
                (0, 121, vec![]),
                (0, 121, vec![]),
                (12, 85, vec![gcm]),
                (0, 5, vec![]),
            ],
        ),
        (
            wy,
            [
                (0, 7, vec![]),
                (0, 121, vec![]),
                (6, 115, vec![cbc]),
                (6, 115, vec![cbc]),
                (14, 83, vec![gcm]),
                (0, 5, vec![]),
            ],
        ),
    ] {
        for ((accepted, rejected, preferred), version) in
            rows.into_iter().zip([2, 768, 769, 770, 771, 772])
        {
            let got = &v14[&(target.to_owned(), version)];
            let preferred: Vec<String> = preferred.into_iter().map(str::to_owned).collect();
            assert_eq!(
                got,
                &(accepted, rejected, 0, preferred),
                "{target} {version}"
            );
        }
    }
    // cipherscan lists accepted suites per version in the server's order.
    let ebay = "www.ebay.com:443";
    let first = ["AES256-SHA"];
    assert_eq!(
        per_version(&ds, "cipherscan-ebay"),
        expect(&[
            (ebay, 769, 2, 0, &first),
            (ebay, 770, 2, 0, &first),
            (ebay, 771, 2, 0, &first),
        ])
    );
    // Unreachable targets are rows of their own, with the tool's reason.
    let invalid = rows_of(
        mailtls::query::run(
            &ds,
            "SELECT scan_id, target, error FROM enumerated_targets WHERE error IS NOT NULL ORDER BY scan_id, target",
        )
        .unwrap(),
    );
    let invalid: Vec<(String, String, String)> = invalid
        .iter()
        .map(|r| (text(&r["scan_id"]), text(&r["target"]), text(&r["error"])))
        .collect();
    assert_eq!(
        invalid,
        [
            (
                "sslyze-012".into(),
                "10.10.10.1:443".into(),
                "Could not connect (timeout)".into()
            ),
            (
                "sslyze-012".into(),
                "10.10.10.2:443".into(),
                "Could not connect (timeout)".into()
            ),
            (
                "sslyze-140".into(),
                "bar:443".into(),
                "Could not resolve hostname".into()
            ),
            (
                "sslyze-140".into(),
                "foo:443".into(),
                "Could not resolve hostname".into()
            ),
        ]
    );
    // Every suite the tools named is in the cipher-suite table.
    let unknown = mailtls::query::run(
        &ds,
        "SELECT suite FROM cipher_support WHERE suite IS NOT NULL AND cipher_id IS NULL",
    )
    .unwrap();
    assert_eq!(unknown.height(), 0, "{unknown}");
}

#[test]
fn mail_in_a_box_dropped_sslv3_and_rc4_from_port_25_between_2015_and_2016() {
    let Some(fixtures) = fixtures() else { return };
    let (_t, ds, _) = ingest(|out| options(vec![enumeration_inputs(&fixtures, out)], out));
    let port25 = |scan: &str| per_version(&ds, scan);
    let y2015 = port25("miab-2015");
    let y2016 = port25("miab-2016");
    let strong = "ECDHE-RSA-AES256-GCM-SHA384".to_owned();
    let sha = "ECDHE-RSA-AES256-SHA".to_owned();
    let k = |v: u64| (":25".to_owned(), v);
    assert_eq!(
        y2015[&k(768)],
        (18, 0, 0, vec![sha.clone()]),
        "SSLv3 in 2015"
    );
    assert_eq!(y2015[&k(771)], (30, 0, 0, vec![strong.clone()]));
    assert_eq!(y2016[&k(768)], (0, 0, 0, vec![]), "SSLv3 refused in 2016");
    assert_eq!(y2016[&k(771)].0, 27);
    let rc4 = |scan: &str| {
        let df = mailtls::query::run(
            &ds,
            &format!(
                "SELECT DISTINCT c.suite FROM cipher_support c JOIN cipher_suites s ON s.id = c.cipher_id \
                 WHERE c.scan_id = '{scan}' AND c.port = 25 AND c.result = 'accepted' AND s.rc4 ORDER BY c.suite"
            ),
        )
        .unwrap();
        rows_of(df)
            .iter()
            .map(|r| text(&r["suite"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rc4("miab-2015"),
        ["ECDHE-RSA-RC4-SHA", "RC4-MD5", "RC4-SHA"]
    );
    assert!(rc4("miab-2016").is_empty());
    // The catalogue says the same per port: of the two runs' port-25
    // endpoints one accepts SSLv3 and one RC4.
    let versions = table_rows(&ds, "version_support");
    let sslv3 = versions
        .iter()
        .find(|r| count(&r["port"]) == 25 && text(&r["version_name"]) == "SSLv3")
        .unwrap();
    assert_eq!(
        (count(&sslv3["tls_endpoints"]), count(&sslv3["accepting"])),
        (2, 1)
    );
    let weak = table_rows(&ds, "weak_cipher_support");
    let rc4_row = weak
        .iter()
        .find(|r| count(&r["port"]) == 25 && text(&r["property"]) == "rc4")
        .unwrap();
    assert_eq!(count(&rc4_row["endpoints"]), 1);
    // Families: both port-25 runs prefer AES-GCM at TLS 1.2; one accepts RC4.
    let families = table_rows(&ds, "cipher_families");
    let family = |name: &str| {
        families
            .iter()
            .find(|r| count(&r["port"]) == 25 && text(&r["family"]) == name)
            .map(|r| {
                (
                    count(&r["supporting"]),
                    count(&r["only"]),
                    count(&r["preferred"]),
                )
            })
    };
    assert_eq!(family("AES-GCM"), Some((2, 0, 2)));
    assert_eq!(family("RC4"), Some((1, 0, 0)));
    // Text output lists no rejection: its scans have no shares.
    let accounting = table_rows(&ds, "handshake_accounting");
    let miab = accounting
        .iter()
        .find(|r| text(&r["scan_id"]) == "miab-2015")
        .unwrap();
    assert_eq!(miab["rejections_recorded"], Value::Bool(false));
    assert!(miab["rejected_share"].is_null());
    let xml = accounting
        .iter()
        .find(|r| text(&r["scan_id"]) == "sslyze-012")
        .unwrap();
    assert_eq!(
        (
            count(&xml["handshakes"]),
            count(&xml["accepted"]),
            count(&xml["rejected"])
        ),
        (3 * 543, 20 + 26 + 30, 3 * 543 - 76)
    );
}

/// The generated sslyze XML and JSON enumerate the same endpoints: the two
/// readers give the same rows (the JSON records no preference), and every
/// enumeration table — and masscan's banners of the same port — equals the
/// generator's truth, on the sample and on an archive of another seed.
#[test]
fn generated_enumeration_matches_the_truth_and_both_sslyze_formats_agree() {
    let (_tmp, sample, _, sample_truth) = ingest_sample();
    let (_t, _archive, other, other_truth) = generate_and_ingest(|out| {
        synth_options(
            out,
            17,
            2500,
            &[mailtls::synth::render::Layout::Zgrab2],
            &[mailtls::input::decompress::Codec::Gzip],
        )
    });
    for (ds, truth) in [(&sample, &sample_truth), (&other, &other_truth)] {
        let t = &truth["enumeration"];
        let scans: Vec<String> = t["accounting"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let rows = |scan: &str| {
            let df = mailtls::query::run(
                ds,
                &format!(
                    "SELECT target, version, cipher_id, result FROM cipher_support \
                     WHERE scan_id = '{scan}' ORDER BY target, version, cipher_id, result"
                ),
            )
            .unwrap();
            rows_of(df)
        };
        let (json, xml) = (rows(&scans[0]), rows(&scans[1]));
        assert!(json.len() > 1000, "{}", json.len());
        assert_eq!(json, xml, "sslyze JSON and XML of the same endpoints");
        for r in table_rows(ds, "handshake_accounting") {
            let expected = &t["accounting"][text(&r["scan_id"])];
            for column in ["handshakes", "accepted", "rejected", "errors"] {
                assert_eq!(count(&r[column]), count(&expected[column]), "{column}");
            }
        }
        for r in table_rows(ds, "version_support") {
            assert_eq!(count(&r["port"]), 25);
            let expected = &t["versions"][count(&r["version"]).to_string()];
            for column in ["tls_endpoints", "tested", "accepting", "best"] {
                assert_eq!(count(&r[column]), count(&expected[column]), "{column}");
            }
        }
        for r in table_rows(ds, "weak_cipher_support") {
            let property = text(&r["property"]);
            assert_eq!(
                count(&r["endpoints"]),
                count(&t["weak"][&property]),
                "{property}"
            );
        }
        let families = table_rows(ds, "cipher_families");
        assert_eq!(families.len(), t["families"].as_object().unwrap().len());
        for r in families {
            let family = text(&r["family"]);
            for column in ["supporting", "only", "preferred"] {
                assert_eq!(
                    count(&r[column]),
                    count(&t["families"][&family][column]),
                    "{family} {column}"
                );
            }
        }
        let mut clients: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for r in table_rows(ds, "client_simulation") {
            clients
                .entry(text(&r["client"]))
                .or_default()
                .insert(text(&r["outcome"]), count(&r["endpoints"]));
        }
        let expected: BTreeMap<String, BTreeMap<String, u64>> = t["clients"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(c, o)| {
                let o = o
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), count(v)));
                (c.clone(), o.collect())
            })
            .collect();
        assert_eq!(clients, expected, "client_simulation");
        let comparison = table_rows(ds, "negotiated_vs_preferred");
        assert_eq!(comparison.len(), 1);
        for (column, n) in t["comparison"].as_object().unwrap() {
            assert_eq!(count(&comparison[0][column]), count(n), "{column}");
        }
        // masscan's view of the same port: banners by service, versions.
        let m = &truth["masscan"];
        let scan = text(&m["scan_id"]);
        for r in rows_of(
            mailtls::query::run(
                ds,
                &format!("SELECT service, COUNT(*) AS n FROM banners WHERE scan_id = '{scan}' GROUP BY service"),
            )
            .unwrap(),
        ) {
            assert_eq!(count(&r["n"]), count(&m["banners"][text(&r["service"])]));
        }
        for r in rows_of(
            mailtls::query::run(
                ds,
                &format!("SELECT tls_version, COUNT(*) AS n FROM banners WHERE scan_id = '{scan}' AND service = 'ssl' GROUP BY tls_version"),
            )
            .unwrap(),
        ) {
            let version = format!("0x{:04x}", count(&r["tls_version"]));
            assert_eq!(count(&r["n"]), count(&m["ssl_versions"][&version]), "{version}");
        }
        let unreachable = mailtls::query::run(
            ds,
            "SELECT * FROM enumerated_targets WHERE error IS NOT NULL",
        )
        .unwrap();
        assert_eq!(unreachable.height() as u64, count(&t["unreachable"]));
    }
}

/// The chains sslyze kept (`certinfo`) go to `certificates` and are judged
/// in `chain_trust` like any other: the 2015 run's three chains are trusted
/// by the Mozilla store of its date; sslyze XML has no date of its own, so
/// the date is given.
#[test]
fn enumerated_chains_are_judged_like_any_other() {
    let Some(fixtures) = fixtures() else { return };
    let (_t, ds, _) = ingest(|out| {
        let mut o = options(vec![enumeration_inputs(&fixtures, out)], out);
        o.as_of = Some("2015-10-29".into());
        o
    });
    let judged = rows_of(
        mailtls::query::run(
            &ds,
            "SELECT e.target, t.valid, t.reason FROM enumerated_targets e \
             JOIN chain_trust t ON t.scan_id = e.scan_id AND t.chain_hash = e.chain_hash \
             WHERE e.scan_id = 'sslyze-012' AND t.setting_rank = 0 ORDER BY e.target",
        )
        .unwrap(),
    );
    let got: Vec<(String, bool)> = judged
        .iter()
        .map(|r| (text(&r["target"]), r["valid"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("github.com:443".to_owned(), true),
            ("twitter.com:443".to_owned(), true),
            ("yahoo.com:443".to_owned(), true)
        ]
    );
    // The 2018 run's leaves were not yet issued in October 2015.
    let later = rows_of(
        mailtls::query::run(
            &ds,
            "SELECT DISTINCT t.reason FROM enumerated_targets e \
             JOIN chain_trust t ON t.scan_id = e.scan_id AND t.chain_hash = e.chain_hash \
             WHERE e.scan_id = 'sslyze-140'",
        )
        .unwrap(),
    );
    assert_eq!(later.len(), 1);
    assert_eq!(text(&later[0]["reason"]), "not_yet_valid");
    let certs = mailtls::query::run(&ds, "SELECT sha256 FROM certificates").unwrap();
    assert_eq!(
        certs.height(),
        14,
        "distinct certificates of the seven chains"
    );
}

/// masscan's list, JSON (2015 with trailing commas and `{finished: 1}`,
/// 2017 inside brackets, ndjson) and XML outputs: status records become
/// `discovery` rows, banners `banners` rows, an `X509` banner a certificate.
#[test]
fn masscan_records_of_every_shape() {
    let Some(fixtures) = fixtures() else { return };
    let xml =
        std::fs::read_to_string(fixtures.join("trailofbits-ruby-sslyze/331bf42/spec/sslyze.xml"))
            .unwrap();
    let pem = xml
        .split("<asPEM>")
        .nth(1)
        .unwrap()
        .split("</asPEM>")
        .next()
        .unwrap();
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("list.txt", format!("#masscan\nopen tcp 25 192.0.2.25 1434528000\nbanner tcp 25 192.0.2.25 1434528003 smtp 220 mx1.example.org ESMTP\\x0a250 STARTTLS\nbanner tcp 25 192.0.2.25 1434528003 ssl TLS/1.2 cipher:0xc030, github.com, github.com, www.github.com\nbanner tcp 25 192.0.2.25 1434528003 X509 {der}\n# end\n")),
        ("j2015.json", "{   \"ip\": \"192.0.2.26\",   \"ports\": [ {\"port\": 25, \"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 54} ] },\n{   \"ip\": \"192.0.2.26\",   \"ports\": [ {\"port\": 25, \"proto\": \"tcp\", \"service\": {\"name\": \"ssl\", \"banner\": \"SSLv3 cipher:0x5\"} } ] },\n{finished: 1}\n".to_owned()),
        ("j2017.json", "[\n{   \"ip\": \"192.0.2.27\",   \"timestamp\": \"1500000000\", \"ports\": [ {\"port\": 465, \"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 54} ] },\n]\n".to_owned()),
        ("nd.json", "{\"ip\":\"192.0.2.29\",\"timestamp\":\"1600000000\",\"port\":587,\"proto\":\"tcp\",\"rec_type\":\"banner\",\"data\":{\"service_name\":\"ssl\",\"banner\":\"TLS/1.3 cipher:0x1302\"}}\n".to_owned()),
        ("x.xml", "<?xml version=\"1.0\"?>\r\n<!-- masscan v1.0 scan -->\r\n<nmaprun scanner=\"masscan\" start=\"1434528000\" version=\"1.0-BETA\"  xmloutputversion=\"1.03\">\r\n<host endtime=\"1434528003\"><address addr=\"192.0.2.28\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"993\"><state state=\"open\" reason=\"response\" reason_ttl=\"54\" /><service name=\"ssl\" banner=\"TLS/1.2 cipher:0xc02f\"></service></port></ports></host>\r\n</nmaprun>\r\n".to_owned()),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (_t, ds, summary) = ingest(|out| options(vec![dir.path().to_path_buf()], out));
    assert_eq!(summary.bad_total(), 0);
    let banners = rows_of(
        mailtls::query::run(
            &ds,
            "SELECT scan_id, ip, port, service, tls_version, cipher_id, cert_sha256 IS NOT NULL AS cert \
             FROM banners ORDER BY scan_id, service",
        )
        .unwrap(),
    );
    let got: Vec<String> = banners
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {} {}",
                text(&r["scan_id"]),
                text(&r["ip"]),
                count(&r["port"]),
                text(&r["service"]),
                text(&r["tls_version"]),
                text(&r["cipher_id"]),
                text(&r["cert"])
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "j2015 192.0.2.26 25 ssl 768 5 false",
            "list 192.0.2.25 25 X509 null null true",
            "list 192.0.2.25 25 smtp null null false",
            "list 192.0.2.25 25 ssl 771 49200 false",
            "nd 192.0.2.29 587 ssl 772 4866 false",
            "x 192.0.2.28 993 ssl 771 49199 false",
        ]
    );
    let discovery = mailtls::query::run(&ds, "SELECT ip, port FROM discovery ORDER BY ip").unwrap();
    assert_eq!(discovery.height(), 3);
    let certs = mailtls::query::run(&ds, "SELECT subject_cn FROM certificates").unwrap();
    assert_eq!(rows_of(certs)[0]["subject_cn"], "github.com");
}

/// A Rapid7 Sonar SSL study (certs, hosts, names) built from the real
/// github.com chain: the certificates join `certificates` by SHA-1, the
/// scan comes from the file names, a line whose SHA-1 does not match its
/// DER is quarantined and the rest kept.
#[test]
fn sonar_ssl_studies_join_the_certificate_store() {
    use base64::Engine;
    use sha1::Digest;
    use std::io::Write;
    let Some(fixtures) = fixtures() else { return };
    let xml =
        std::fs::read_to_string(fixtures.join("trailofbits-ruby-sslyze/331bf42/spec/sslyze.xml"))
            .unwrap();
    let chain: Vec<String> = xml
        .split("<certificateChain>")
        .nth(1)
        .unwrap()
        .split("</certificateChain>")
        .next()
        .unwrap()
        .split("<asPEM>")
        .skip(1)
        .map(|p| {
            p.split("</asPEM>")
                .next()
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect()
        })
        .collect();
    let sha1: Vec<String> = chain
        .iter()
        .map(|b| {
            let der = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
            hex::encode(sha1::Sha1::digest(der))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let write = |kind: &str, text: String| {
        let path = dir
            .path()
            .join(format!("2015-05-05-1430805600-smtp_starttls_25_{kind}.gz"));
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
    };
    let mut certs: String = sha1
        .iter()
        .zip(&chain)
        .map(|(s, b)| format!("{s},{b}\n"))
        .collect();
    certs.push_str(&format!("{},{}\n", "0".repeat(40), chain[0]));
    write("certs", certs);
    write(
        "hosts",
        sha1.iter().map(|s| format!("192.0.2.25,{s}\n")).collect(),
    );
    write("names", format!("{},github.com\n", sha1[0]));
    let (_t, ds, summary) = ingest(|out| options(vec![dir.path().to_path_buf()], out));
    assert_eq!(summary.bad_total(), 1, "the line with the wrong SHA-1");
    let rows = rows_of(
        mailtls::query::run(
            &ds,
            "SELECT s.kind, s.ip, s.port, s.tls_mode, c.subject_cn FROM sonar_ssl s \
             JOIN certificates c ON c.sha1 = s.sha1 WHERE s.kind = 'host' ORDER BY s.line",
        )
        .unwrap(),
    );
    let got: Vec<(String, u64, String, String)> = rows
        .iter()
        .map(|r| {
            (
                text(&r["ip"]),
                count(&r["port"]),
                text(&r["tls_mode"]),
                text(&r["subject_cn"]),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "192.0.2.25".into(),
                25,
                "starttls".into(),
                "github.com".into()
            ),
            (
                "192.0.2.25".into(),
                25,
                "starttls".into(),
                "DigiCert SHA2 Extended Validation Server CA".into()
            ),
        ]
    );
    let scans =
        mailtls::query::run(&ds, "SELECT DISTINCT scan_id, timestamp FROM sonar_ssl").unwrap();
    assert_eq!(scans.height(), 1);
}
