//! Ingest of the real scanner output under `../shared/fixtures/real/`.

mod common;

use common::*;
use polars::prelude::*;

#[test]
fn censys_smtp_host_record() {
    let Some(f) = fixtures() else { return };
    let (_t, ds, summary) = ingest(|out| options(vec![f.join("zmap-ztag/ztag/devices")], out));
    assert_eq!(summary.bad_total(), 0);
    assert_eq!(summary.records.get("censys"), Some(&4));
    let hs = table(&ds, "handshakes");
    assert_eq!(hs.height(), 11);
    let smtp = rows_where(&hs, "scan_id", "25-smtp-starttls-device_with_smtp");
    assert_eq!(smtp.height(), 1);
    assert_eq!(u16_at(&smtp, "cipher_id", 0), Some(0x0005));
    assert_eq!(u16_at(&smtp, "tls_version", 0), Some(0x0301));
    assert_eq!(s(&smtp, "status", 0).as_deref(), Some("ok"));
    assert_eq!(b(&smtp, "starttls_offered", 0), Some(true));
    assert_eq!(b(&smtp, "starttls_accepted", 0), Some(true));
    assert_eq!(
        s(&smtp, "leaf_sha256", 0).as_deref(),
        Some("59daa28c341d38b9d41278e20e0de03a78f2c539deec4f008f3ae519562089e4")
    );
    assert_eq!(b(&smtp, "browser_trusted", 0), Some(false));
    assert_eq!(
        s(&smtp, "browser_error", 0).as_deref(),
        Some("x509: certificate has expired or is not yet valid")
    );
    let imaps = rows_where(&hs, "scan_id", "993-imap-implicit-device_with_smtp");
    assert_eq!(s(&imaps, "tls_mode", 0).as_deref(), Some("implicit"));
    assert_eq!(
        s(&imaps, "leaf_sha256", 0).as_deref(),
        Some("b1fb4ef885d43c111e7be8668b129d66186f60b5b4cdb7d723f840fbc97b54b0")
    );

    // The middlebox that overwrote STARTTLS.
    let strip = rows_where(&hs, "scan_id", "25-smtp-starttls-stripstarttls");
    assert_eq!(s(&strip, "status", 0).as_deref(), Some("no_starttls"));
    assert_eq!(b(&strip, "starttls_stripped", 0), Some(true));
    assert_eq!(b(&strip, "starttls_offered", 0), Some(false));
    assert_eq!(b(&strip, "starttls_accepted", 0), Some(false));

    // ECDHE facts of the IMAPS/POP3S host; POP3 and IMAP STARTTLS accepted.
    let pop3 = rows_where(&hs, "scan_id", "110-pop3-starttls-device_with_imaps");
    assert_eq!(s(&pop3, "status", 0).as_deref(), Some("ok"));
    assert_eq!(s(&pop3, "ecdh_curve", 0).as_deref(), Some("secp384r1"));
    assert_eq!(u16_at(&pop3, "cipher_id", 0), Some(0xC02F));
    assert_eq!(s(&pop3, "server_kex", 0).as_deref(), Some("ecdhe"));
    let imap = rows_where(&hs, "scan_id", "143-imap-starttls-device_with_imap");
    assert_eq!(b(&imap, "starttls_accepted", 0), Some(true));

    // Certificates without DER come from the scanner's parsed JSON.
    let certs = table(&ds, "certificates");
    let leaf = rows_where(
        &certs,
        "sha256",
        "59daa28c341d38b9d41278e20e0de03a78f2c539deec4f008f3ae519562089e4",
    );
    assert_eq!(s(&leaf, "parse_status", 0).as_deref(), Some("scanner_json"));
    assert_eq!(
        s(&leaf, "sig_alg", 0).as_deref(),
        Some("md5WithRSAEncryption")
    );
    assert_eq!(
        s(&leaf, "subject_cn", 0).as_deref(),
        Some("dborgula.dyndns.org")
    );
    assert_eq!(s(&leaf, "serial", 0).as_deref(), Some("0"));
    assert_eq!(
        leaf.column("key_bits").unwrap().u32().unwrap().get(0),
        Some(1024)
    );
}

#[test]
fn zgrab1_era_a_records() {
    let Some(f) = fixtures() else { return };
    let path = f.join("zmap-ztag/ztag/transforms/test.json");
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(vec![path.clone()], out);
        o.port = Some(443);
        o.protocol = Some("https".into());
        o
    });
    assert_eq!(summary.bad_total(), 0);
    assert_eq!(summary.records.get("zgrab1_era_a"), Some(&10));
    let hs = table(&ds, "handshakes");
    assert_eq!(hs.height(), 10);
    assert_eq!(counts(&hs, "status"), vec![("ok".to_owned(), 10)]);
    let text = std::fs::read_to_string(&path).unwrap();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let tls = v["log"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "tls_handshake")
            .unwrap();
        let sc = &tls["data"]["server_certificates"];
        let want_leaf = sc["certificate"]["fingerprint_sha256"].as_str().unwrap();
        let row = hs
            .filter(
                &hs.column("line")
                    .unwrap()
                    .u64()
                    .unwrap()
                    .equal(i as u64 + 1),
            )
            .unwrap();
        assert_eq!(s(&row, "ip", 0).as_deref(), v["host"].as_str());
        assert_eq!(
            s(&row, "leaf_sha256", 0).as_deref(),
            Some(want_leaf),
            "line {}",
            i + 1
        );
        assert_eq!(
            s(&row, "leaf_sha256", 0),
            Some(sha256_of_b64(sc["raw"][0].as_str().unwrap()))
        );
        let hex = tls["data"]["server_hello"]["cipher_suite"]
            .as_str()
            .unwrap();
        assert_eq!(
            u16_at(&row, "cipher_id", 0),
            Some(u16::from_str_radix(&hex[2..], 16).unwrap())
        );
        assert_eq!(
            u16_at(&row, "tls_version", 0),
            tls["data"]["server_hello"]["version"]
                .as_u64()
                .map(|v| v as u16)
        );
        let chain = row
            .column("chain_sha256")
            .unwrap()
            .list()
            .unwrap()
            .get_as_series(0)
            .unwrap();
        assert_eq!(chain.len(), sc["raw"].as_array().unwrap().len());
    }
    let first = hs
        .filter(&hs.column("line").unwrap().u64().unwrap().equal(1))
        .unwrap();
    assert_eq!(u16_at(&first, "cipher_id", 0), Some(0x0035));
    assert_eq!(
        s(&first, "leaf_sha256", 0).as_deref(),
        Some("3ff5685d13cde91c12bbab6edec726a54df1ad30f9da2019b60f5c59a14b56bb")
    );
    // Certificates come from DER and parse.
    let certs = table(&ds, "certificates");
    assert_eq!(
        counts(&certs, "parse_status"),
        vec![("ok".to_owned(), certs.height())]
    );
}

#[test]
fn zgrab2_smtp_and_pop3_results() {
    let Some(f) = fixtures() else { return };
    let dir = f.join("zmap-zgrab2/zgrab2_schemas/zgrab2/testdata");
    let pick = |prefix: &str| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .collect();
        v.sort();
        v
    };
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(pick("smtp-"), out);
        o.port = Some(25);
        o
    });
    assert_eq!(summary.bad_total(), 0);
    assert_eq!(summary.records.get("zgrab2"), Some(&7));
    let hs = table(&ds, "handshakes");
    // success without TLS on a STARTTLS scan: not offered (or not known to be).
    assert_eq!(counts(&hs, "status"), vec![("no_starttls".to_owned(), 7)]);
    assert_eq!(
        counts(&hs, "scanner_status"),
        vec![("success".to_owned(), 7)]
    );
    let ehlo = rows_where(&hs, "scan_id", "25-smtp-starttls-smtp-ehlo");
    assert_eq!(ehlo.height(), 3);
    let offered: Vec<_> = ehlo
        .column("starttls_offered")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(offered, vec![Some(false), Some(false), Some(false)]);
    let banner_only = rows_where(&hs, "scan_id", "25-smtp-starttls-smtp-00");
    assert_eq!(b(&banner_only, "starttls_offered", 0), None);
    assert!(s(&banner_only, "banner", 0)
        .unwrap()
        .starts_with("220 ba06a6536f7e ESMTP qpsmtpd"));

    let (_t2, ds2, summary2) = ingest(|out| {
        let mut o = options(pick("pop3-"), out);
        o.port = Some(110);
        o
    });
    assert_eq!(summary2.bad_total(), 0);
    let pop = table(&ds2, "handshakes");
    assert_eq!(pop.height(), 4);
    assert_eq!(counts(&pop, "protocol"), vec![("pop3".to_owned(), 4)]);
    assert_eq!(counts(&pop, "status"), vec![("no_starttls".to_owned(), 4)]);
}

#[test]
fn zgrab2_tls_of_other_modules() {
    let Some(f) = fixtures() else { return };
    let dir = f.join("zmap-zgrab2/zgrab2_schemas/zgrab2/testdata");
    for (file, port, protocol, mode) in [
        ("ftp-authtls.json", 21, "ftp", "starttls"),
        ("http-https.json", 443, "https", "implicit"),
        ("postgres-10.1-ssl.json", 5432, "postgres", "starttls"),
    ] {
        let path = dir.join(file);
        let (_t, ds, summary) = ingest(|out| {
            let mut o = options(vec![path.clone()], out);
            o.port = Some(port);
            o
        });
        assert_eq!(summary.bad_total(), 0, "{file}");
        let hs = table(&ds, "handshakes");
        assert_eq!(s(&hs, "protocol", 0).as_deref(), Some(protocol), "{file}");
        assert_eq!(s(&hs, "tls_mode", 0).as_deref(), Some(mode), "{file}");
        assert_eq!(s(&hs, "status", 0).as_deref(), Some("ok"), "{file}");
        assert_eq!(u16_at(&hs, "cipher_id", 0), Some(0xC02F));
        assert_eq!(u16_at(&hs, "tls_version", 0), Some(0x0303));
        assert_eq!(s(&hs, "ecdh_curve", 0).as_deref(), Some("secp256r1"));
        assert_eq!(b(&hs, "browser_trusted", 0), Some(false));
        assert_eq!(
            s(&hs, "browser_error", 0).as_deref(),
            Some("x509: unknown error")
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let module = v["data"].as_object().unwrap().values().next().unwrap();
        let tls = if module["result"]["tls"].is_object() {
            &module["result"]["tls"]
        } else {
            &module["result"]["response"]["request"]["tls_log"]
        };
        let raw = tls["handshake_log"]["server_certificates"]["certificate"]["raw"]
            .as_str()
            .unwrap();
        assert_eq!(s(&hs, "leaf_sha256", 0), Some(sha256_of_b64(raw)), "{file}");
    }
}

#[test]
fn zgrab2_internet_record_with_real_chain() {
    let Some(f) = fixtures() else { return };
    let path = f.join("zmap-zgrab2/output.json");
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(vec![path.clone()], out);
        o.port = Some(5671);
        o
    });
    assert_eq!(summary.bad_total(), 0);
    let hs = table(&ds, "handshakes");
    assert_eq!(s(&hs, "ip", 0).as_deref(), Some("165.227.114.176"));
    assert_eq!(s(&hs, "protocol", 0).as_deref(), Some("amqp091"));
    assert_eq!(s(&hs, "status", 0).as_deref(), Some("ok"));
    assert_eq!(
        s(&hs, "browser_error", 0).as_deref(),
        Some("x509: failed to load system roots and no roots provided")
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let sc = &v["data"]["amqp091"]["result"]["tls"]["handshake_log"]["server_certificates"];
    let chain = hs
        .column("chain_sha256")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(0)
        .unwrap();
    assert_eq!(chain.len(), 1 + sc["chain"].as_array().unwrap().len());
    let certs = table(&ds, "certificates");
    assert_eq!(certs.height(), chain.len());
    let leaf = rows_where(
        &certs,
        "sha256",
        &sha256_of_b64(sc["certificate"]["raw"].as_str().unwrap()),
    );
    assert_eq!(s(&leaf, "parse_status", 0).as_deref(), Some("ok"));
    assert_eq!(
        s(&leaf, "subject_cn", 0),
        sc["certificate"]["parsed"]["subject"]["common_name"][0]
            .as_str()
            .map(str::to_owned)
    );
    // Extended key usage, as the scanner's own parse of the same DER says.
    let eku = leaf
        .column("eku")
        .unwrap()
        .list()
        .unwrap()
        .get_as_series(0)
        .unwrap();
    let eku: Vec<&str> = (0..eku.len())
        .map(|i| eku.str().unwrap().get(i).unwrap())
        .collect();
    let scanner = &sc["certificate"]["parsed"]["extensions"]["extended_key_usage"];
    assert_eq!(scanner["server_auth"], true);
    assert_eq!(scanner["client_auth"], true);
    assert_eq!(eku, ["serverAuth", "clientAuth"]);
}

#[test]
fn every_json_fixture_ingests_without_bad_records() {
    let Some(f) = fixtures() else { return };
    let dirs = [
        f.join("zmap-ztag/ztag/devices"),
        f.join("zmap-ztag/ztag/transforms"),
        f.join("zmap-zgrab2/output.json"),
        f.join("zmap-zgrab2/zgrab2_schemas/zgrab2/testdata"),
    ];
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(dirs.to_vec(), out);
        o.port = Some(9999);
        o.protocol = Some("smtp".into());
        o
    });
    assert_eq!(summary.bad_total(), 0, "{summary}");
    assert_eq!(summary.inputs, 4 + 1 + 1 + 14);
    assert!(table(&ds, "handshakes").height() >= 36);
}

/// The DER of the first PEM certificate in a file (text before it is skipped).
fn pem_der(path: &std::path::Path) -> Vec<u8> {
    use base64::Engine;
    let text = std::fs::read_to_string(path).unwrap();
    let body = text.split("-----BEGIN CERTIFICATE-----").nth(1).unwrap();
    let body = body.split("-----END CERTIFICATE-----").next().unwrap();
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

#[test]
fn self_signatures_are_checked() {
    let Some(f) = fixtures() else { return };
    let dir = f.join("zmap-zcrypto/x509/testdata");
    for (file, sig_alg, valid) in [
        ("self-signed.pem", "sha1WithRSAEncryption", Some(true)),
        (
            "self-signed-md5-rsa.pem",
            "md5WithRSAEncryption",
            Some(true),
        ),
        ("dadrian.io.pem", "sha256WithRSAEncryption", None),
    ] {
        let facts = mailtls::x509::facts_from_der(pem_der(&dir.join(file)));
        assert_eq!(facts.sig_alg.as_deref(), Some(sig_alg), "{file}");
        assert_eq!(facts.self_signature_valid, valid, "{file}");
        assert_eq!(facts.self_signed, Some(valid == Some(true)), "{file}");
    }
}

#[test]
fn censys_records_get_a_trust_agreement_table() {
    let Some(fx) = fixtures() else { return };
    let devices = fx.join("zmap-ztag/ztag/devices");
    let (_tmp, dataset, summary) = ingest(|out| {
        let mut o = options(vec![devices.clone()], out);
        o.port = Some(25);
        // The fixture records carry no date; judge them at one.
        o.as_of = Some("2016-06-01".into());
        o
    });
    let agreement = summary.agreement.expect("agreement table");
    assert_eq!(agreement.height(), 10);
    // Not asked for (the command's `--quiet`): no summary query, same data.
    let (_tmp2, unasked, summary2) = ingest(|out| {
        let mut o = options(vec![devices.clone()], out);
        o.port = Some(25);
        o.as_of = Some("2016-06-01".into());
        o.agreement = false;
        o
    });
    assert!(summary2.agreement.is_none());
    assert_eq!(
        table(&unasked, "chain_trust").height(),
        table(&dataset, "chain_trust").height()
    );
    let by_reason = mailtls::query::run(
        &dataset,
        "SELECT computed_reason, SUM(endpoints) AS n FROM (\
         SELECT t.reason AS computed_reason, COUNT(*) AS endpoints FROM handshakes h \
         JOIN chain_trust t ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash \
         WHERE h.browser_trusted = false GROUP BY t.reason) AS x \
         GROUP BY computed_reason ORDER BY computed_reason",
    )
    .unwrap();
    let reasons = counts(&by_reason, "computed_reason");
    assert_eq!(
        reasons.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["expired", "self_signed", "unknown_authority"]
    );
    let n: Vec<i64> = by_reason
        .column("n")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(n, [2, 4, 4]);
    // device_with_smtp: the scanner said expired; so does the computation.
    let smtp = mailtls::query::run(
        &dataset,
        "SELECT h.browser_error, t.reason FROM handshakes h JOIN chain_trust t \
         ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash \
         WHERE h.scan_id = '25-smtp-starttls-device_with_smtp'",
    )
    .unwrap();
    assert_eq!(s(&smtp, "reason", 0).as_deref(), Some("expired"));
    assert_eq!(
        s(&smtp, "browser_error", 0).as_deref(),
        Some("x509: certificate has expired or is not yet valid")
    );
}

#[test]
fn names_are_checked_against_the_certificate_served() {
    let Some(fx) = fixtures() else { return };
    let path = fx.join("zmap-zgrab2/zgrab2_schemas/zgrab2/testdata/postgres-10.1-ssl.json");
    let text = std::fs::read_to_string(path).unwrap();
    // The real record was scanned as "target"; its certificate names "localhost".
    let mut record: serde_json::Value = serde_json::from_str(&text).unwrap();
    let as_scanned = serde_json::to_string(&record).unwrap();
    record["domain"] = "LocalHost.".into();
    let renamed = serde_json::to_string(&record).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("records.json");
    std::fs::write(&input, format!("{as_scanned}\n{renamed}\n")).unwrap();
    let (_tmp, dataset, _) = ingest(|out| {
        let mut o = options(vec![input.clone()], out);
        o.port = Some(5432);
        o
    });
    let df = table(&dataset, "name_checks");
    let df = df.sort(["domain"], SortMultipleOptions::default()).unwrap();
    assert_eq!(df.height(), 2);
    assert_eq!(s(&df, "domain", 0).as_deref(), Some("LocalHost."));
    assert_eq!(b(&df, "name_matches", 0), Some(true));
    assert_eq!(s(&df, "domain", 1).as_deref(), Some("target"));
    assert_eq!(b(&df, "name_matches", 1), Some(false));
}

/// In ztag's host records a mail service wraps its handshake
/// (`"993": {"imaps": {"tls": {"banner", "tls"}}}`) while the HTTPS service
/// is the handshake itself (`"443": {"https": {"tls": {"version", …}}}`).
#[test]
fn censys_https_services_are_read_as_their_handshake() {
    let Some(f) = fixtures() else { return };
    let record = f.join("zmap-ztag-more/devices/microsoft_exchange_2007.json");
    let (_t, ds, summary) = ingest(|out| options(vec![record], out));
    assert_eq!(summary.bad_total(), 0);
    let hs = table(&ds, "handshakes");
    assert_eq!(hs.height(), 6);
    let leaf = "63a2b97bc260ce7f1c53eb64662f1b83b176e125c45bed0888e9b37fae9c1702";
    for (scan, cipher, kex) in [
        ("25-smtp-starttls-microsoft_exchange_2007", 0x0005, "rsa"),
        ("110-pop3-starttls-microsoft_exchange_2007", 0x0005, "rsa"),
        ("143-imap-starttls-microsoft_exchange_2007", 0x0005, "rsa"),
        ("993-imap-implicit-microsoft_exchange_2007", 0x0005, "rsa"),
        ("995-pop3-implicit-microsoft_exchange_2007", 0x0005, "rsa"),
        ("443-https-implicit-microsoft_exchange_2007", 0x0004, "rsa"),
    ] {
        let row = rows_where(&hs, "scan_id", scan);
        assert_eq!(row.height(), 1, "{scan}");
        assert_eq!(s(&row, "status", 0).as_deref(), Some("ok"), "{scan}");
        assert_eq!(u16_at(&row, "tls_version", 0), Some(0x0301), "{scan}");
        assert_eq!(u16_at(&row, "cipher_id", 0), Some(cipher), "{scan}");
        assert_eq!(s(&row, "kex", 0).as_deref(), Some(kex), "{scan}");
        assert_eq!(s(&row, "server_kex", 0), None, "{scan}");
        assert_eq!(s(&row, "leaf_sha256", 0).as_deref(), Some(leaf), "{scan}");
    }
}

/// The DN a scanner printed and the DER name of the same certificate give
/// one issuer-lookup key, for every certificate of the real ZGrab2 records
/// that carry both.
#[test]
fn printed_and_der_names_give_one_key() {
    use x509_parser::prelude::FromDer;
    let Some(f) = fixtures() else { return };
    let mut files = vec![f.join("zmap-zgrab2/output.json")];
    let testdata = f.join("zmap-zgrab2/zgrab2_schemas/zgrab2/testdata");
    for e in std::fs::read_dir(&testdata).unwrap() {
        files.push(e.unwrap().path());
    }
    fn entries<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => {
                if m.contains_key("raw") && m.get("parsed").is_some_and(|p| p.is_object()) {
                    out.push(v);
                }
                m.values().for_each(|c| entries(c, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| entries(c, out)),
            _ => {}
        }
    }
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let mut found = Vec::new();
            entries(&v, &mut found);
            for e in found {
                let der = base64_decode(e["raw"].as_str().unwrap());
                let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).unwrap();
                for (name, printed) in [
                    (cert.subject(), &e["parsed"]["subject_dn"]),
                    (cert.issuer(), &e["parsed"]["issuer_dn"]),
                ] {
                    let printed = printed.as_str().unwrap();
                    assert_eq!(
                        mailtls::x509::dn::text_key(printed),
                        Some(mailtls::x509::dn::der_key(name)),
                        "{printed} in {}",
                        file.display()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 10, "{checked} names compared");
}
