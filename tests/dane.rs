//! TLSA records against a real chain (the ZGrab2 fixture's Let's Encrypt
//! leaf and R3 intermediate): every usage × selector × matching type, with
//! a match, a mismatch, a bad length, unsupported values and no DNSSEC.

mod common;

use common::*;
use mailtls::dane::{association, verify, Outcome, Served, Tlsa};

struct Real {
    chain: Vec<Vec<u8>>,
    at: i64,
}

fn real() -> Option<Real> {
    let f = fixtures()?;
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.join("zmap-zgrab2/output.json")).unwrap())
            .unwrap();
    let amqp = &v["data"]["amqp091"];
    let sc = &amqp["result"]["tls"]["handshake_log"]["server_certificates"];
    let mut chain = vec![base64_decode(sc["certificate"]["raw"].as_str().unwrap())];
    for c in sc["chain"].as_array().unwrap() {
        chain.push(base64_decode(c["raw"].as_str().unwrap()));
    }
    let at = chrono::DateTime::parse_from_rfc3339(amqp["timestamp"].as_str().unwrap())
        .unwrap()
        .timestamp();
    Some(Real { chain, at })
}

const HOST: &str = "mx1.rmq2.cloudamqp.com";

fn served<'a>(r: &'a Real, host: &'a str, pkix_valid: bool) -> Served<'a> {
    Served {
        chain: &r.chain,
        host,
        at: r.at,
        pkix_valid,
    }
}

#[test]
fn every_usage_selector_and_matching_type() {
    let Some(r) = real() else { return };
    assert_eq!(r.chain.len(), 2, "leaf and R3");
    for usage in 0..=3u8 {
        for selector in 0..=1u8 {
            for matching in 0..=2u8 {
                let target = if usage % 2 == 1 {
                    &r.chain[0]
                } else {
                    &r.chain[1]
                };
                let data = association(target, selector, matching).unwrap();
                let record = |data: Vec<u8>| Tlsa {
                    usage,
                    selector,
                    matching,
                    data,
                };
                let case = format!("{usage} {selector} {matching}");
                let good = record(data.clone());
                assert_eq!(
                    verify(std::slice::from_ref(&good), true, &served(&r, HOST, true)),
                    Outcome::Match,
                    "{case}"
                );
                let mut flipped = data.clone();
                *flipped.last_mut().unwrap() ^= 1;
                assert_eq!(
                    verify(&[record(flipped)], true, &served(&r, HOST, true)),
                    Outcome::NoMatch,
                    "{case}"
                );
                if matching > 0 {
                    let short = data[..data.len() - 1].to_vec();
                    assert_eq!(
                        verify(&[record(short)], true, &served(&r, HOST, true)),
                        Outcome::BadLength,
                        "{case}"
                    );
                }
                assert_eq!(
                    verify(std::slice::from_ref(&good), false, &served(&r, HOST, true)),
                    Outcome::NoDnssec,
                    "{case}"
                );
                // Usage by usage: names, and CA trust for the PKIX usages.
                let elsewhere = verify(
                    std::slice::from_ref(&good),
                    true,
                    &served(&r, "mail.example.org", true),
                );
                let untrusted = verify(&[good], true, &served(&r, HOST, false));
                match usage {
                    3 => {
                        assert_eq!(elsewhere, Outcome::Match, "{case}: DANE-EE ignores names");
                        assert_eq!(untrusted, Outcome::Match, "{case}: DANE-EE needs no CA");
                    }
                    2 => {
                        assert_eq!(elsewhere, Outcome::NameMismatch, "{case}");
                        assert_eq!(untrusted, Outcome::Match, "{case}: DANE-TA needs no CA");
                    }
                    _ => {
                        assert_eq!(elsewhere, Outcome::NameMismatch, "{case}");
                        assert_eq!(untrusted, Outcome::PkixUntrusted, "{case}");
                    }
                }
            }
        }
    }
}

#[test]
fn unsupported_values_and_the_best_reason_of_several_records() {
    let Some(r) = real() else { return };
    let data = association(&r.chain[0], 1, 1).unwrap();
    let s = served(&r, HOST, true);
    for (u, sel, m) in [(4, 1, 1), (3, 2, 1), (3, 1, 3), (255, 255, 255)] {
        let rec = Tlsa {
            usage: u,
            selector: sel,
            matching: m,
            data: data.clone(),
        };
        assert_eq!(
            verify(&[rec], true, &s),
            Outcome::Unsupported,
            "{u} {sel} {m}"
        );
    }
    assert_eq!(verify(&[], true, &s), Outcome::NoMatch);
    let no_chain = Served {
        chain: &[],
        ..served(&r, HOST, true)
    };
    assert_eq!(
        verify(&[Tlsa::parse("3 1 1 00").unwrap()], true, &no_chain),
        Outcome::NoChain
    );
    // A bad record beside a good one: the good one wins.
    let records = [
        Tlsa {
            usage: 3,
            selector: 1,
            matching: 1,
            data: vec![0; 31],
        },
        Tlsa {
            usage: 3,
            selector: 1,
            matching: 1,
            data: data.clone(),
        },
    ];
    assert_eq!(verify(&records, true, &s), Outcome::Match);
    // Presentation form round trip.
    let text = format!("3 1 1 {}", hex::encode(&data));
    assert_eq!(Tlsa::parse(&text).unwrap().data, data);
}

#[test]
fn a_trust_anchor_the_leaf_does_not_chain_to() {
    let Some(r) = real() else { return };
    let f = fixtures().unwrap();
    // Another CA certificate, presented but not the leaf's issuer.
    let text = std::fs::read(f.join("zmap-zcrypto/x509/testdata/intermediate_ca.cert")).unwrap();
    let other = mailtls::trust::cert::pem_certificates(&text)
        .unwrap()
        .remove(0);
    let chain = vec![r.chain[0].clone(), other.clone()];
    let s = Served {
        chain: &chain,
        host: HOST,
        at: r.at,
        pkix_valid: true,
    };
    let record = Tlsa {
        usage: 2,
        selector: 0,
        matching: 1,
        data: association(&other, 0, 1).unwrap(),
    };
    assert_eq!(verify(&[record], true, &s), Outcome::ChainInvalid);
}

/// Domain → MX → address → the port-25 handshake → trust and DANE, from
/// ZDNS lookups and a scan of the real Let's Encrypt chain.
#[test]
fn mail_routes_join_dns_to_the_chain_served() {
    let Some(f) = fixtures() else { return };
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.join("zmap-zgrab2/output.json")).unwrap())
            .unwrap();
    let handshake = &v["data"]["amqp091"]["result"]["tls"]["handshake_log"];
    let leaf = base64_decode(
        handshake["server_certificates"]["certificate"]["raw"]
            .as_str()
            .unwrap(),
    );
    let record = serde_json::json!({
        "ip": "192.0.2.9",
        "data": {"smtp": {"status": "success", "protocol": "smtp", "timestamp": "2024-05-15T07:02:49Z",
            "result": {"banner": "220 mx\r\n", "ehlo": "250-mx\r\n250 STARTTLS\r\n", "starttls": "220 go\r\n",
                "tls": {"handshake_log": handshake}}}}
    });
    let spki_sha256 = hex::encode(association(&leaf, 1, 1).unwrap());
    let dns = [
        r#"{"name":"mail.example","results":{"MX":{"data":{"answers":[{"answer":"MX1.rmq2.cloudamqp.com.","class":"IN","name":"mail.example","preference":10,"ttl":300,"type":"MX"}],"flags":{"authenticated":true}},"status":"NOERROR","timestamp":"2024-05-15T07:00:00Z"}}}"#.to_owned(),
        r#"{"name":"mx1.rmq2.cloudamqp.com","results":{"A":{"data":{"answers":[{"answer":"192.0.2.9","class":"IN","name":"mx1.rmq2.cloudamqp.com","ttl":300,"type":"A"},{"answer":"192.0.2.10","class":"IN","name":"mx1.rmq2.cloudamqp.com","ttl":300,"type":"A"}]},"status":"NOERROR","timestamp":"2024-05-15T07:00:01Z"}}}"#.to_owned(),
        format!(r#"{{"name":"_25._tcp.mx1.rmq2.cloudamqp.com","results":{{"TLSA":{{"data":{{"answers":[{{"type":"TLSA","class":"IN","name":"_25._tcp.mx1.rmq2.cloudamqp.com","cert_usage":3,"selector":1,"matching_type":1,"certificate":"{spki_sha256}","ttl":60}}],"flags":{{"authenticated":true}}}},"status":"NOERROR","timestamp":"2024-05-15T07:00:02Z"}}}}}}"#),
        r#"{"name":"other.example","results":{"MX":{"data":{"answers":[{"answer":"mx.nowhere.example.","class":"IN","name":"other.example","preference":5,"ttl":300,"type":"MX"}]},"status":"NOERROR","timestamp":"2024-05-15T07:00:03Z"}}}"#.to_owned(),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lookups.json"), dns.join("\n")).unwrap();
    std::fs::write(dir.path().join("smtp.json"), record.to_string()).unwrap();
    std::fs::write(
        dir.path().join("top-1m.csv"),
        "1,mail.example\n2,other.example\n3,nomx.example\n",
    )
    .unwrap();
    let (_t, ds, summary) = ingest(|out| {
        let mut o = options(vec![dir.path().to_path_buf()], out);
        o.port = Some(25);
        o
    });
    assert_eq!(summary.bad_total(), 0);
    let routes = mailtls::query::run(
        &ds,
        "SELECT domain, mx_host, address, status, trusted, names_host, tlsa_records, tlsa_dnssec, dane \
         FROM mail_routes ORDER BY domain, address",
    )
    .unwrap();
    assert_eq!(routes.height(), 3);
    // The scanned address: trusted by Mozilla's 2023 store, named, DANE-EE match.
    assert_eq!(s(&routes, "address", 0).as_deref(), Some("192.0.2.10"));
    assert_eq!(s(&routes, "status", 0), None, "not scanned is not no TLS");
    assert_eq!(s(&routes, "address", 1).as_deref(), Some("192.0.2.9"));
    assert_eq!(
        s(&routes, "mx_host", 1).as_deref(),
        Some("mx1.rmq2.cloudamqp.com")
    );
    assert_eq!(s(&routes, "status", 1).as_deref(), Some("ok"));
    assert_eq!(b(&routes, "trusted", 1), Some(true));
    assert_eq!(b(&routes, "names_host", 1), Some(true));
    assert_eq!(b(&routes, "tlsa_dnssec", 1), Some(true));
    assert_eq!(s(&routes, "dane", 1).as_deref(), Some("match"));
    // An MX host without addresses keeps its row.
    assert_eq!(s(&routes, "domain", 2).as_deref(), Some("other.example"));
    assert_eq!(s(&routes, "address", 2), None);
    assert_eq!(s(&routes, "dane", 2), None);
    // The top-list view: three domains, two with MX, one MX host scanned,
    // with STARTTLS and a trusted certificate naming it.
    let top = mailtls::catalogue::run(&ds, "top_domains_smtp").unwrap();
    assert_eq!(top.height(), 1);
    let n = |c: &str| {
        top.column(c)
            .unwrap()
            .cast(&polars::prelude::DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .get(0)
    };
    assert_eq!(s(&top, "list", 0).as_deref(), Some("top-1m"));
    assert_eq!(
        [
            n("domains"),
            n("domains_with_mx"),
            n("mx_hosts"),
            n("mx_hosts_scanned"),
            n("starttls"),
            n("trusted_named")
        ],
        [Some(3), Some(2), Some(2), Some(1), Some(1), Some(1)]
    );
    let figures = mailtls::chart::of_table(&ds, "top_domains_smtp", None).unwrap();
    assert_eq!(figures.len(), 2);
    // DANE adoption: one MX host of two publishes TLSA, authenticated,
    // usage 3; its one scanned route matches.
    let table = mailtls::catalogue::run(&ds, "dane_adoption").unwrap();
    let facet = table.column("facet").unwrap().str().unwrap().clone();
    let value = table.column("value").unwrap().str().unwrap().clone();
    let count = table
        .column("count")
        .unwrap()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap();
    let count = count.i64().unwrap();
    let got: Vec<String> = (0..table.height())
        .map(|i| {
            format!(
                "{}:{}={}",
                facet.get(i).unwrap(),
                value.get(i).unwrap(),
                count.get(i).unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "dnssec:authenticated=1",
            "matching:1=1",
            "selector:1=1",
            "tlsa:with_tlsa=1",
            "tlsa:without_tlsa=1",
            "usage:3=1",
            "verdict:match=1",
        ]
    );
}
