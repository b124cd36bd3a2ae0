//! Chain validation at chosen dates: real certificates from the fixtures
//! against the built-in Mozilla snapshots, and the synthetic sample against
//! its own roots and the generator's truth.

mod common;

use std::path::Path;
use std::sync::Arc;

use mailtls::trust::cert::pem_certificates;
use mailtls::trust::policy::unix_date;
use mailtls::trust::{ChainCert, IssuerIndex, Reason, RootStore, SignatureMemo, Verifier};
use polars::prelude::*;

fn cert_file(fixtures: &Path, name: &str) -> Arc<ChainCert> {
    let text = std::fs::read(fixtures.join("zmap-zcrypto/x509/testdata").join(name)).unwrap();
    let der = pem_certificates(&text).unwrap().remove(0);
    Arc::new(ChainCert::from_der(&der))
}

fn judge(
    store: &str,
    date: (i64, i64, i64),
    chain: &[Arc<ChainCert>],
    elsewhere: &IssuerIndex,
) -> mailtls::trust::Verdict {
    let store = RootStore::builtin(store).unwrap();
    let verifier = Verifier {
        store: &store,
        as_of: unix_date(date.0, date.1, date.2),
    };
    verifier.verify(chain, elsewhere, &mut SignatureMemo::default())
}

#[test]
fn a_sha1_intermediate_at_chosen_dates() {
    let Some(fx) = common::fixtures() else { return };
    // StartCom's EV server CA: SHA-1, signed by the StartCom root, valid 2009–2019.
    let ev = cert_file(&fx, "intermediate_ca.cert");
    let none = IssuerIndex::default();
    let v = judge(
        "mozilla-2015-09-06",
        (2015, 8, 6),
        std::slice::from_ref(&ev),
        &none,
    );
    assert!(v.valid, "{v:?}");
    assert_eq!((v.reason, v.path_len), (Reason::Ok, Some(2)));
    let store = RootStore::builtin("mozilla-2015-09-06").unwrap();
    let root = store
        .by_name(ev.issuer_key().unwrap())
        .find(|r| Some(r.sha256) == v.root_sha256);
    assert!(
        root.is_some(),
        "the anchoring root is a StartCom root of the store"
    );
    // The same chain after Mozilla's SHA-1 distrust, StartCom still in the store.
    let v = judge(
        "mozilla-2017-07-27",
        (2017, 6, 1),
        std::slice::from_ref(&ev),
        &none,
    );
    assert_eq!((v.valid, v.reason), (false, Reason::WeakSignature));
    // StartCom removed from the store.
    let v = judge(
        "mozilla-2018-08-24",
        (2018, 9, 1),
        std::slice::from_ref(&ev),
        &none,
    );
    assert_eq!(v.reason, Reason::UnknownAuthority);
    assert_eq!(
        judge(
            "mozilla-2017-07-27",
            (2019, 6, 1),
            std::slice::from_ref(&ev),
            &none
        )
        .reason,
        Reason::Expired
    );
    assert_eq!(
        judge(
            "mozilla-2015-04-28",
            (2008, 6, 1),
            std::slice::from_ref(&ev),
            &none
        )
        .reason,
        Reason::NotYetValid
    );
}

#[test]
fn a_tampered_signature_is_bad() {
    let Some(fx) = common::fixtures() else { return };
    let text = std::fs::read(fx.join("zmap-zcrypto/x509/testdata/intermediate_ca.cert")).unwrap();
    let mut der = pem_certificates(&text).unwrap().remove(0);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = Arc::new(ChainCert::from_der(&der));
    let v = judge(
        "mozilla-2015-09-06",
        (2015, 8, 6),
        &[tampered],
        &IssuerIndex::default(),
    );
    assert_eq!((v.valid, v.reason), (false, Reason::BadSignature));
}

#[test]
fn self_signed_leaves() {
    let Some(fx) = common::fixtures() else { return };
    let none = IssuerIndex::default();
    // CN=unittest, valid 23–24 Dec 2010.
    let unittest = cert_file(&fx, "self-signed.pem");
    let at = |y, m, d| {
        judge(
            "mozilla-2015-04-28",
            (y, m, d),
            std::slice::from_ref(&unittest),
            &none,
        )
        .reason
    };
    assert_eq!(at(2010, 12, 24), Reason::SelfSigned);
    assert_eq!(at(2015, 8, 6), Reason::Expired);
    assert_eq!(at(2010, 12, 1), Reason::NotYetValid);
    // MD5-signed, valid April–May 2006: self-signed comes before the hash.
    let md5 = cert_file(&fx, "self-signed-md5-rsa.pem");
    assert_eq!(
        judge("mozilla-2015-04-28", (2006, 4, 20), &[md5], &none).reason,
        Reason::SelfSigned
    );
}

#[test]
fn a_missing_issuer_nobody_presented_is_an_unknown_authority() {
    let Some(fx) = common::fixtures() else { return };
    // Issued by StartCom's Class 2 intermediate, which no fixture holds.
    let leaf = cert_file(&fx, "pad.jhalderm.com.cert");
    let v = judge(
        "mozilla-2015-04-28",
        (2014, 6, 1),
        &[leaf],
        &IssuerIndex::default(),
    );
    assert_eq!(
        (v.valid, v.transvalid, v.reason),
        (false, false, Reason::UnknownAuthority)
    );
}

/// The Let's Encrypt chain of the real 2024 ZGrab2 record: leaf and R3.
fn lets_encrypt_chain(fx: &Path) -> Vec<Arc<ChainCert>> {
    let text = std::fs::read_to_string(fx.join("zmap-zgrab2/output.json")).unwrap();
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    let certs = &record["data"]["amqp091"]["result"]["tls"]["handshake_log"]["server_certificates"];
    let der = |v: &serde_json::Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(v["raw"].as_str().unwrap())
            .unwrap()
    };
    vec![
        Arc::new(ChainCert::from_der(&der(&certs["certificate"]))),
        Arc::new(ChainCert::from_der(&der(&certs["chain"][0]))),
    ]
}

#[test]
fn lets_encrypt_in_2024_then_incomplete_then_transvalid() {
    let Some(fx) = common::fixtures() else { return };
    let chain = lets_encrypt_chain(&fx);
    let none = IssuerIndex::default();
    let v = judge("mozilla-2023-07-22", (2024, 5, 15), &chain, &none);
    assert!(v.valid, "{v:?}");
    assert_eq!(v.path_len, Some(3), "leaf, R3, ISRG Root X1");
    // The 2015 store has no ISRG root.
    assert_eq!(
        judge("mozilla-2015-11-20", (2024, 5, 15), &chain, &none).reason,
        Reason::UnknownAuthority
    );
    // The leaf alone: R3 missing. Known elsewhere in the dataset → incomplete, transvalid.
    let leaf_only = &chain[..1];
    assert_eq!(
        judge("mozilla-2023-07-22", (2024, 5, 15), leaf_only, &none).reason,
        Reason::UnknownAuthority
    );
    let mut elsewhere = IssuerIndex::default();
    elsewhere.add(chain[1].clone());
    let v = judge("mozilla-2023-07-22", (2024, 5, 15), leaf_only, &elsewhere);
    assert_eq!(
        (v.valid, v.transvalid, v.reason),
        (false, true, Reason::IncompleteChain)
    );
    assert_eq!(v.path_len, Some(3));
}

/// The reason the verifier must give each synthetic certificate population.
const POPULATION_REASONS: &[(&str, &str)] = &[
    ("trusted", "ok"),
    ("wrong_name", "ok"),
    ("expired", "expired"),
    ("not_yet_valid", "not_yet_valid"),
    ("incomplete_chain", "incomplete_chain"),
    ("private_ca", "unknown_authority"),
    ("device_default", "self_signed"),
    ("self_signed", "self_signed"),
    ("shared_key", "self_signed"),
    ("unparsable", "unparsable"),
];

#[test]
fn computed_trust_on_the_sample_matches_the_generator() {
    let (_tmp, dataset, summary, truth) = common::ingest_sample();
    // Expected: per series, the truth's populations of completed handshakes mapped to reasons.
    let mut expected: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for t in truth["series"].as_array().unwrap() {
        let series = t["scan_id"].as_str().unwrap().to_owned();
        let Some(pops) = t["counts"]["ok.certificate_population"].as_object() else {
            continue;
        };
        for (pop, n) in pops {
            let Some((_, reason)) = POPULATION_REASONS.iter().find(|(p, _)| p == pop) else {
                continue;
            };
            *expected
                .entry((series.clone(), (*reason).to_owned()))
                .or_default() += n.as_u64().unwrap();
        }
    }
    let df = mailtls::query::run(
        &dataset,
        "SELECT h.scan_id, t.reason, COUNT(*) AS n FROM handshakes h \
         JOIN (SELECT scan_id, chain_hash, reason FROM chain_trust WHERE setting_rank = 0) t \
         ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash \
         WHERE h.status = 'ok' GROUP BY h.scan_id, t.reason",
    )
    .unwrap();
    let mut got: std::collections::BTreeMap<(String, String), u64> = Default::default();
    let (scan, reason, n) = (
        df.column("scan_id").unwrap().str().unwrap(),
        df.column("reason").unwrap().str().unwrap(),
        df.column("n").unwrap().cast(&DataType::UInt64).unwrap(),
    );
    let n = n.u64().unwrap();
    for i in 0..df.height() {
        got.insert(
            (
                scan.get(i).unwrap().to_owned(),
                reason.get(i).unwrap().to_owned(),
            ),
            n.get(i).unwrap(),
        );
    }
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
    // Incomplete chains are transvalid: their intermediate is presented by other servers.
    let tv = mailtls::query::run(
        &dataset,
        "SELECT transvalid, COUNT(*) AS n FROM chain_trust WHERE reason = 'incomplete_chain' GROUP BY transvalid",
    )
    .unwrap();
    assert_eq!(tv.height(), 1);
    assert_eq!(
        tv.column("transvalid").unwrap().bool().unwrap().get(0),
        Some(true)
    );
    assert!(summary.trust.validations > 0);
    // Censys records carry no DER: their chains were matched by printed
    // names, and the table says their signatures went unchecked.
    let checked = mailtls::query::run(
        &dataset,
        "SELECT c.parse_status, t.signatures_checked, COUNT(*) AS n FROM chain_trust t \
         JOIN certificates c ON c.sha256 = t.leaf_sha256 \
         WHERE t.reason = 'ok' GROUP BY c.parse_status, t.signatures_checked \
         ORDER BY c.parse_status",
    )
    .unwrap();
    let status = checked.column("parse_status").unwrap().str().unwrap();
    let sigs = checked
        .column("signatures_checked")
        .unwrap()
        .bool()
        .unwrap();
    let pairs: Vec<(String, bool)> = (0..checked.height())
        .map(|i| (status.get(i).unwrap().to_owned(), sigs.get(i).unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [("ok".to_owned(), true), ("scanner_json".to_owned(), false)]
    );
}

#[test]
fn a_private_root_seen_elsewhere_is_still_an_unknown_authority() {
    let Some(fx) = common::fixtures() else { return };
    // The EV intermediate presented alone, its StartCom root known only from
    // elsewhere in the dataset, judged against a store without StartCom (at a
    // date SHA-1 was still accepted).
    let text = std::fs::read(fx.join("zmap-zcrypto/x509/testdata/intermediate_ca.cert")).unwrap();
    let ev = Arc::new(ChainCert::from_der(
        &pem_certificates(&text).unwrap().remove(0),
    ));
    let store_2015 = RootStore::builtin("mozilla-2015-09-06").unwrap();
    let startcom = store_2015
        .by_name(ev.issuer_key().unwrap())
        .next()
        .unwrap()
        .clone();
    let mut elsewhere = IssuerIndex::default();
    elsewhere.add(startcom);
    let v = judge("mozilla-2018-08-24", (2016, 6, 1), &[ev], &elsewhere);
    assert_eq!(
        (v.valid, v.transvalid, v.reason),
        (false, false, Reason::UnknownAuthority)
    );
}

#[test]
fn damaged_certificates_never_panic_the_verifier() {
    let Some(fx) = common::fixtures() else { return };
    let text = std::fs::read(fx.join("zmap-zcrypto/x509/testdata/intermediate_ca.cert")).unwrap();
    let der = pem_certificates(&text).unwrap().remove(0);
    let store = RootStore::builtin("mozilla-2015-09-06").unwrap();
    let verifier = Verifier {
        store: &store,
        as_of: unix_date(2015, 8, 6),
    };
    let good = Arc::new(ChainCert::from_der(&der));
    let mut memo = SignatureMemo::default();
    let mut elsewhere = IssuerIndex::default();
    // Every truncation, and every single-byte flip in the first 400 bytes,
    // as a leaf and as a presented issuer.
    let mut damaged: Vec<Vec<u8>> = (0..der.len())
        .step_by(7)
        .map(|n| der[..n].to_vec())
        .collect();
    for i in 0..400.min(der.len()) {
        let mut d = der.clone();
        d[i] ^= 0x5a;
        damaged.push(d);
    }
    for d in &damaged {
        let cert = Arc::new(ChainCert::from_der(d));
        elsewhere.add(cert.clone());
        let as_leaf = verifier.verify(&[cert.clone(), good.clone()], &elsewhere, &mut memo);
        let as_issuer = verifier.verify(&[good.clone(), cert], &elsewhere, &mut memo);
        assert!(!as_leaf.valid || as_leaf.reason == Reason::Ok);
        assert!(
            as_issuer.valid,
            "the intact certificate still chains to its root"
        );
    }
}

#[test]
fn an_append_adds_a_trust_setting_and_keeps_the_first() {
    let (_tmp, dataset, _, _) = common::ingest_sample();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let count = |sql: &str| {
        let df = mailtls::query::run(&dataset, sql).unwrap();
        df.column("n")
            .unwrap()
            .cast(&DataType::UInt64)
            .unwrap()
            .u64()
            .unwrap()
            .get(0)
            .unwrap()
    };
    let before = count("SELECT COUNT(*) AS n FROM chain_trust");
    let verdicts = || {
        mailtls::query::run(
            &dataset,
            "SELECT scan_id, chain_hash, leaf_sha256, valid, transvalid, reason, root_sha256 \
             FROM chain_trust WHERE setting_rank = 0 ORDER BY scan_id, chain_hash",
        )
        .unwrap()
    };
    // Judged from the chains the ingest gathered in memory.
    let at_ingest = verdicts();
    assert!(before > 0);
    assert_eq!(at_ingest.height() as u64, before);
    // No new inputs: the run only recomputes, now with a second setting.
    let mut o = common::options(vec![sample.clone()], &dataset);
    o.append = true;
    o.roots = Some("mozilla".into());
    o.as_of = Some("2026-11-01".into());
    let summary = mailtls::ingest::run(&o).unwrap();
    assert_eq!(summary.inputs, 0);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM chain_trust WHERE setting_rank = 0"),
        before
    );
    // Judged again from the chains read back from every part: the same.
    assert!(verdicts().equals_missing(&at_ingest));
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM chain_trust WHERE setting_rank = 1"),
        before
    );
    // In November 2026 no synthetic chain is valid: Mozilla's store lacks the
    // synthetic roots, and most leaves have expired.
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM chain_trust WHERE setting_rank = 1 AND valid"),
        0
    );
    let settings = mailtls::dataset::manifest::Manifest::load(&dataset)
        .unwrap()
        .trust;
    assert_eq!(
        settings.iter().map(|s| s.label()).collect::<Vec<_>>(),
        ["file:roots.pem@scan", "mozilla@2026-11-01"]
    );
}
