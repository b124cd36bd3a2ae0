//! The readers added for DNS, MTA-STS and enumeration data never panic:
//! each real or representative record of theirs, cut short at every
//! length and with bytes overwritten, is either read or rejected with a
//! reason — a deterministic sweep beside the coverage-guided fuzzing.

mod common;

use common::fixtures;
use mailtls::formats::{parse_record, Context};

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [
        r#"{"timestamp":"1506039047","name":"example.com","type":"mx","value":"10 mx1.example.com."}"#,
        r#"{"domain":"example.com","timestamp":"2024-05-01T00:00:00Z","status_code":200,"body":"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n"}"#,
        "version: STSv1\r\nmode: testing\r\nmx: *.example.org\r\nmax_age: 604800\r\n",
        "banner tcp 25 192.0.2.25 1434528003 ssl TLS/1.2 cipher:0xc030, mail01, mail01.example.com",
        "banner tcp 25 192.0.2.25 1434528003 smtp 220 x\\x0a250 STARTTLS\\xzz",
        r#"{   ip: "192.0.2.25",   ports: [ {port: 25, proto: "tcp", service: {name: "smtp", banner: "220 \"x\" ports: y"} } ] },"#,
        r#"{"ip":"192.0.2.25","timestamp":"1","port":25,"proto":"tcp","rec_type":"banner","data":{"service_name":"ssl","banner":"SSLver[3,1] cipher:0x35"}}"#,
        r#"<host endtime="1"><address addr="192.0.2.28" addrtype="ipv4"/><ports><port protocol="tcp" portid="993"><service name="ssl" banner="TLS/1.2 cipher:0xc02f"></service></port></ports></host>"#,
        "192.0.2.25,9f0e1d2c3b4a59687766554433221100ffeeddcc",
        "9f0e1d2c3b4a59687766554433221100ffeeddcc,mx1.example.org",
        "PORT 25\n  * TLSV1_2 Cipher Suites:\n      Preferred:\n                 ECDHE-RSA-AES256-GCM-SHA384   ECDH-256 bits  256 bits      250 2.0.0 Ok\n",
        r#"{"target":"mx1.example.org:25","utctimestamp":"2015-06-17T08:00:00.0Z","serverside":"True","ciphersuite":[{"cipher":"AES128-SHA","protocols":["SSLv3","TLSv1"],"pfs":"DH,1024bits"}]}"#,
        r#"{"accepted_targets":[{"commands_results":{"tlsv1_2":{"accepted_cipher_list":[{"openssl_name":"AES128-SHA","key_size":128}],"preferred_cipher":null}},"server_info":{"hostname":"h","port":25,"tls_wrapped_protocol":"STARTTLS_SMTP"}}],"invalid_targets":[{"b:25":"x"}]}"#,
        r#"{"server_scan_results":[{"server_location":{"hostname":"h","port":25},"scan_result":{"tls_1_2_cipher_suites":{"status":"COMPLETED","result":{"accepted_cipher_suites":[{"cipher_suite":{"name":"TLS_RSA_WITH_AES_128_CBC_SHA"},"ephemeral_key":{"type_name":"DH","size":1024,"prime":"////"}}]}}}}],"sslyze_version":"5.2.0"}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    if let Some(f) = fixtures() {
        for path in [
            "trailofbits-ruby-sslyze/331bf42/spec/sslyze.xml",
            "trailofbits-ruby-sslyze/27a94b4/spec/sslyze.xml",
        ] {
            let text = std::fs::read(f.join(path)).unwrap();
            seeds.push(text[..20_000.min(text.len())].to_vec());
        }
    }
    seeds
}

#[test]
fn every_cut_and_overwrite_is_read_or_rejected_never_a_panic() {
    let ctx = Context {
        policy_domain: Some("example.com".into()),
        ..Context::default()
    };
    let mut tried = 0;
    for seed in seeds() {
        let step = (seed.len() / 400).max(1);
        let mut cases: Vec<Vec<u8>> = (0..seed.len())
            .step_by(step)
            .map(|n| seed[..n].to_vec())
            .collect();
        for (i, byte) in [b'"', b'{', b'<', b',', 0xff, b'\\', b'0']
            .iter()
            .enumerate()
        {
            for at in (i..seed.len()).step_by(step * 3 + 1) {
                let mut c = seed.clone();
                c[at] = *byte;
                cases.push(c);
            }
        }
        for case in cases {
            let outcome = std::panic::catch_unwind(|| {
                let _ = parse_record(&case, &ctx);
            });
            assert!(
                outcome.is_ok(),
                "panic on {:?}",
                String::from_utf8_lossy(&case[..case.len().min(300)])
            );
            tried += 1;
        }
    }
    assert!(tried > 5_000, "{tried}");
}
