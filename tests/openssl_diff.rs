//! mailtls' chain verdicts beside OpenSSL's (`openssl verify -attime T
//! -purpose sslserver -auth_level 0`), on chains built to break each path
//! rule once and on every distinct chain of the bundled sample. Where the
//! two disagree on purpose, the case names the reason; any other
//! disagreement fails the test.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::*;
use mailtls::synth::x509::{issue, CertSpec, Dn, Extras, Hash, Key};
use mailtls::trust::policy::unix_date;
use mailtls::trust::{ChainCert, IssuerIndex, Reason, RootStore, SignatureMemo, Verifier};
use rsa::pkcs8::DecodePrivateKey;

/// The scan time every built case is judged at: 2015-08-03 04:00:00 UTC.
const T: i64 = unix_date(2015, 8, 3) + 4 * 3600;
const DAY: i64 = 86_400;

const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];
const EMAIL: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 4];
const ANY_USAGE: &[u64] = &[2, 5, 29, 37, 0];
const NETSCAPE_SGC: &[u64] = &[2, 16, 840, 1, 113730, 4, 1];

fn openssl_present() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("MAILTLS_REQUIRE_FIXTURES").is_none(),
            "openssl is required here (scripts/test.sh installs it)"
        );
        eprintln!("SKIPPED: openssl not found");
    }
    found
}

/// OpenSSL's verdict: valid or not, and its message.
fn openssl_verify(dir: &Path, roots: &[Vec<u8>], chain: &[Vec<u8>], at: i64) -> (bool, String) {
    let write = |name: &str, certs: &[Vec<u8>]| {
        let path = dir.join(name);
        let text: String = certs.iter().map(|c| pem(c)).collect();
        std::fs::write(&path, text).unwrap();
        path
    };
    let roots = write("roots.pem", roots);
    let leaf = write("leaf.pem", &chain[..1]);
    let mut cmd = Command::new("openssl");
    cmd.args([
        "verify",
        "-no-CApath",
        "-no-CAstore",
        "-purpose",
        "sslserver",
    ])
    .args(["-auth_level", "0", "-attime", &at.to_string(), "-CAfile"])
    .arg(&roots);
    if chain.len() > 1 {
        cmd.arg("-untrusted")
            .arg(write("untrusted.pem", &chain[1..]));
    }
    let out = cmd.arg(&leaf).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.contains(": OK"), text)
}

/// mailtls' verdict.
fn mailtls_verify(roots: &[Vec<u8>], chain: &[Vec<u8>], at: i64) -> (bool, Reason) {
    let text: String = roots.iter().map(|c| pem(c)).collect();
    let store = RootStore::from_pem("test", None, text.as_bytes()).unwrap();
    let chain: Vec<Arc<ChainCert>> = chain
        .iter()
        .map(|d| Arc::new(ChainCert::from_der(d)))
        .collect();
    let v = Verifier {
        store: &store,
        as_of: at,
    }
    .verify(
        &chain,
        &IssuerIndex::default(),
        &mut SignatureMemo::default(),
    );
    (v.valid, v.reason)
}

/// A key and a name to issue under.
struct Party {
    dn: Dn,
    key: Key,
}

fn ec(n: u8) -> Key {
    let mut bytes = [n; 32];
    bytes[0] = 0x01;
    Key::EcP256(Box::new(
        p256::ecdsa::SigningKey::from_bytes(&bytes.into()).unwrap(),
    ))
}

fn rsa(bits: u32) -> Key {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("data/synth/rsa-{bits}.pem")),
    )
    .unwrap();
    let first = text
        .split_inclusive("-----END PRIVATE KEY-----")
        .next()
        .unwrap();
    Key::Rsa(Box::new(
        rsa::RsaPrivateKey::from_pkcs8_pem(first.trim()).unwrap(),
    ))
}

fn party(cn: &str, key: Key) -> Party {
    Party {
        dn: Dn {
            country: Some("XX"),
            org: Some("Differential PKI".into()),
            cn: cn.into(),
        },
        key,
    }
}

/// How one certificate departs from a good one.
#[derive(Default)]
struct Make {
    ca: bool,
    version: Option<u8>,
    hash: Option<Hash>,
    valid: Option<(i64, i64)>,
    dns: Option<Vec<String>>,
    extras: Extras,
    serial: u8,
}

fn make(subject: &Party, issuer: &Party, m: Make) -> Vec<u8> {
    let (not_before, not_after) = m.valid.unwrap_or((T - 30 * DAY, T + 365 * DAY));
    let dns = m.dns.unwrap_or_else(|| {
        if m.ca {
            Vec::new()
        } else {
            vec!["mail.example.com".into()]
        }
    });
    issue(&CertSpec {
        version: m.version.unwrap_or(3),
        serial: vec![m.serial.max(1)],
        subject: &subject.dn,
        subject_key: &subject.key,
        issuer: &issuer.dn,
        issuer_key: &issuer.key,
        hash: m.hash.unwrap_or(Hash::Sha256),
        not_before,
        not_after,
        is_ca: m.ca,
        dns_names: &dns,
        extras: &m.extras,
    })
    .unwrap()
}

fn ca() -> Make {
    Make {
        ca: true,
        ..Make::default()
    }
}

fn with(extras: Extras) -> Make {
    Make {
        extras,
        ..Make::default()
    }
}

fn ca_with(extras: Extras) -> Make {
    Make { extras, ..ca() }
}

fn eku(oids: &[&[u64]]) -> Extras {
    Extras {
        eku: Some(oids.iter().map(|o| o.to_vec()).collect()),
        ..Extras::default()
    }
}

/// One chain to judge: roots, presented chain (leaf first), instant, and
/// why mailtls departs from OpenSSL here, if it does.
struct Case {
    name: String,
    roots: Vec<Vec<u8>>,
    chain: Vec<Vec<u8>>,
    at: i64,
    divergence: Option<&'static str>,
}

fn built_cases() -> Vec<Case> {
    let root = party("Diff Root", ec(1));
    let int = party("Diff CA", ec(2));
    let leaf = party("mail.example.com", ec(3));
    let root_der = make(&root, &root, ca());
    let int_der = make(&int, &root, ca());
    let mut cases = Vec::new();
    let mut case = |name: &str, chain: Vec<Vec<u8>>, roots: Vec<Vec<u8>>, divergence| {
        cases.push(Case {
            name: name.into(),
            roots,
            chain,
            at: T,
            divergence,
        })
    };
    let standard = || vec![make(&root, &root, ca())];
    let good_leaf = make(&leaf, &int, Make::default());
    case(
        "valid chain",
        vec![good_leaf.clone(), int_der.clone()],
        standard(),
        None,
    );
    case(
        "missing intermediate",
        vec![good_leaf.clone()],
        standard(),
        None,
    );
    case(
        "self-signed leaf",
        vec![make(&leaf, &leaf, Make::default())],
        standard(),
        None,
    );
    // Extended key usage of the leaf, and of an intermediate above it.
    for (name, oids, divergence) in [
        ("leaf with clientAuth only", vec![CLIENT_AUTH], None),
        (
            "leaf with anyExtendedKeyUsage only",
            vec![ANY_USAGE],
            Some("OpenSSL 3 takes anyExtendedKeyUsage alone for no TLS server; Go and NSS (2015) accepted it"),
        ),
        ("leaf without the EKU extension", vec![], None),
        ("leaf with Netscape Server Gated Crypto", vec![NETSCAPE_SGC], None),
        ("leaf with serverAuth and clientAuth", vec![SERVER_AUTH, CLIENT_AUTH], None),
    ] {
        let l = make(&leaf, &int, with(eku(&oids)));
        case(name, vec![l, int_der.clone()], standard(), divergence);
    }
    for (name, oids) in [
        ("intermediate restricted to emailProtection", vec![EMAIL]),
        ("intermediate restricted to serverAuth", vec![SERVER_AUTH]),
    ] {
        let i = make(&int, &root, ca_with(eku(&oids)));
        case(name, vec![good_leaf.clone(), i], standard(), None);
    }
    // Path length: root → int1 (pathLen n) → int2 → leaf.
    let int2 = party("Diff Sub CA", ec(4));
    let leaf2 = make(&leaf, &int2, Make::default());
    let int2_der = make(&int2, &int, ca());
    for (name, n) in [
        ("pathLen 0 with an intermediate below", 0),
        ("pathLen 1 with one below", 1),
    ] {
        let i1 = make(
            &int,
            &root,
            ca_with(Extras {
                path_len: Some(n),
                ..Extras::default()
            }),
        );
        case(
            name,
            vec![leaf2.clone(), int2_der.clone(), i1],
            standard(),
            None,
        );
    }
    // The issuer's own standing.
    let no_sign = make(
        &int,
        &root,
        ca_with(Extras {
            no_cert_sign: true,
            ..Extras::default()
        }),
    );
    case(
        "intermediate without keyCertSign",
        vec![good_leaf.clone(), no_sign],
        standard(),
        None,
    );
    let not_ca = make(&int, &root, Make::default());
    case(
        "intermediate that is not a CA",
        vec![good_leaf.clone(), not_ca],
        standard(),
        None,
    );
    let v1 = make(
        &int,
        &root,
        Make {
            version: Some(1),
            ..ca()
        },
    );
    case(
        "version-1 intermediate",
        vec![good_leaf.clone(), v1],
        standard(),
        None,
    );
    let expired_int = make(
        &int,
        &root,
        Make {
            valid: Some((T - 400 * DAY, T - DAY)),
            ..ca()
        },
    );
    case(
        "expired intermediate, no other path",
        vec![good_leaf.clone(), expired_int.clone()],
        standard(),
        None,
    );
    // Name constraints on the intermediate.
    let constrained = |extras: Extras| make(&int, &root, ca_with(extras));
    let dns = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let permit_example = constrained(Extras {
        permitted_dns: dns(&["example.com"]),
        ..Extras::default()
    });
    for (name, names) in [
        ("name inside a permitted subtree", vec!["mail.example.com"]),
        ("name outside a permitted subtree", vec!["mail.other.org"]),
        (
            "one of two names outside a permitted subtree",
            vec!["mail.example.com", "mx.other.org"],
        ),
    ] {
        let l = make(
            &leaf,
            &int,
            Make {
                dns: Some(dns(&names)),
                ..Make::default()
            },
        );
        case(name, vec![l, permit_example.clone()], standard(), None);
    }
    for (name, cn) in [
        (
            "common name only, outside a permitted subtree",
            "host.other.org",
        ),
        (
            "common name only, inside a permitted subtree",
            "host.example.com",
        ),
    ] {
        let l = make(
            &party(cn, ec(3)),
            &int,
            Make {
                dns: Some(Vec::new()),
                ..Make::default()
            },
        );
        case(name, vec![l, permit_example.clone()], standard(), None);
    }
    let exclude = constrained(Extras {
        excluded_dns: dns(&["example.com"]),
        ..Extras::default()
    });
    case(
        "name inside an excluded subtree",
        vec![good_leaf.clone(), exclude],
        standard(),
        None,
    );
    let permit_ip = constrained(Extras {
        permitted_dns: dns(&["example.com"]),
        permitted_ip: vec![[192, 0, 2, 0, 255, 255, 255, 0]],
        ..Extras::default()
    });
    for (name, ip) in [
        ("address inside a permitted range", [192, 0, 2, 7]),
        ("address outside a permitted range", [198, 51, 100, 7]),
    ] {
        let l = make(
            &leaf,
            &int,
            with(Extras {
                ip_sans: vec![ip],
                ..Extras::default()
            }),
        );
        case(name, vec![l, permit_ip.clone()], standard(), None);
    }
    // Extensions and algorithms.
    let critical = Extras {
        unknown_critical: true,
        ..Extras::default()
    };
    let l = make(&leaf, &int, with(critical.clone()));
    case(
        "unknown critical extension on the leaf",
        vec![l, int_der.clone()],
        standard(),
        None,
    );
    let i = make(&int, &root, ca_with(critical));
    case(
        "unknown critical extension on the intermediate",
        vec![good_leaf.clone(), i],
        standard(),
        None,
    );
    let rsa_root = party("Diff RSA Root", rsa(2048));
    let rsa_root_der = make(&rsa_root, &rsa_root, ca());
    let mismatch = make(
        &leaf,
        &rsa_root,
        with(Extras {
            algorithm_mismatch: true,
            ..Extras::default()
        }),
    );
    case(
        "signature algorithms differ inside and out",
        vec![mismatch],
        vec![rsa_root_der.clone()],
        None,
    );
    for (name, hash, divergence) in [
        ("SHA-1 signature (2015)", Hash::Sha1, None),
        (
            "MD5 signature (2015)",
            Hash::Md5,
            Some("NSS refused MD5 certificate signatures from 2009; OpenSSL at auth_level 0 accepts them"),
        ),
    ] {
        let l = make(
            &leaf,
            &rsa_root,
            Make {
                hash: Some(hash),
                ..Make::default()
            },
        );
        case(name, vec![l], vec![rsa_root_der.clone()], divergence);
    }
    let weak = make(
        &party("mail.example.com", rsa(512)),
        &rsa_root,
        Make::default(),
    );
    case(
        "512-bit RSA leaf key",
        vec![weak],
        vec![rsa_root_der],
        Some("mailtls refuses RSA keys under 1024 bits below an anchor (Mozilla's rule); OpenSSL at auth_level 0 accepts them"),
    );
    // Cross-signed: the intermediate's name and key under two roots, the
    // first expired. Presented in that order.
    let old_root = party("Diff Old Root", ec(5));
    let old_root_der = make(
        &old_root,
        &old_root,
        Make {
            valid: Some((T - 3_000 * DAY, T - DAY)),
            ..ca()
        },
    );
    let int_by_old = make(&int, &old_root, ca());
    case(
        "cross-signed intermediate, one path through an expired root",
        vec![good_leaf.clone(), int_by_old.clone(), int_der.clone()],
        vec![old_root_der.clone(), root_der.clone()],
        Some("OpenSSL 3 keeps the first presented issuer and does not go back when its path ends at an expired root; Go and NSS (2015) tried the other candidate"),
    );
    case(
        "only the path through an expired root",
        vec![good_leaf.clone(), int_by_old],
        vec![old_root_der, root_der.clone()],
        None,
    );
    // The same root name and key, renewed: the older copy expired.
    let renewed_old = make(
        &root,
        &root,
        Make {
            valid: Some((T - 3_000 * DAY, T - DAY)),
            serial: 9,
            ..ca()
        },
    );
    case(
        "renewed root, the older copy expired",
        vec![good_leaf.clone(), int_der.clone()],
        vec![renewed_old, root_der.clone()],
        None,
    );
    // Sixteen CA certificates of one name: one key (a loop), and sixteen
    // keys each certified by the next (a path longer than any limit).
    let loop_name = |key| party("Diff Loop CA", key);
    let same_key: Vec<Vec<u8>> = (0..16)
        .map(|i| {
            make(
                &loop_name(ec(6)),
                &loop_name(ec(6)),
                Make {
                    serial: i + 1,
                    ..ca()
                },
            )
        })
        .collect();
    let loop_leaf = make(&leaf, &loop_name(ec(6)), Make::default());
    let mut chain = vec![loop_leaf.clone()];
    chain.extend(same_key.iter().cloned());
    case(
        "16 same-name CAs with one key, untrusted",
        chain.clone(),
        standard(),
        None,
    );
    case(
        "16 same-name CAs with one key, one of them trusted",
        chain,
        vec![same_key[7].clone()],
        None,
    );
    let ring: Vec<Vec<u8>> = (0..16u8)
        .map(|i| {
            make(
                &loop_name(ec(10 + i)),
                &loop_name(ec(10 + (i + 1) % 16)),
                Make {
                    serial: i + 1,
                    ..ca()
                },
            )
        })
        .collect();
    let ring_leaf = make(&leaf, &loop_name(ec(10)), Make::default());
    let mut chain = vec![ring_leaf];
    chain.extend(ring);
    case(
        "16 same-name CAs certifying each other in a ring",
        chain,
        standard(),
        None,
    );
    // Dates to the second.
    for (name, not_before) in [
        ("leaf issued an hour before the scan", T - 3600),
        ("leaf issued an hour after the scan", T + 3600),
    ] {
        let l = make(
            &leaf,
            &int,
            Make {
                valid: Some((not_before, T + 90 * DAY)),
                ..Make::default()
            },
        );
        case(name, vec![l, int_der.clone()], standard(), None);
    }
    cases
}

/// Every distinct chain of the bundled sample at the instant mailtls
/// judged it, with the sample's roots.
fn sample_cases() -> Vec<Case> {
    let (_t, ds, _summary, _truth) = ingest_sample();
    let certs = table(&ds, "certificates");
    let sha = certs.column("sha256").unwrap().str().unwrap().clone();
    let der = certs.column("der").unwrap().binary().unwrap().clone();
    let by_sha: BTreeMap<String, Vec<u8>> = (0..certs.height())
        .filter_map(|i| Some((sha.get(i)?.to_owned(), der.get(i)?.to_vec())))
        .collect();
    let hs = table(&ds, "handshakes");
    let hashes = hs.column("chain_hash").unwrap().str().unwrap().clone();
    let lists = hs.column("chain_sha256").unwrap().list().unwrap().clone();
    let mut chains: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..hs.height() {
        if let (Some(h), Some(l)) = (hashes.get(i), lists.get_as_series(i)) {
            chains.entry(h.to_owned()).or_insert_with(|| {
                l.str()
                    .unwrap()
                    .iter()
                    .map(|s| s.unwrap().to_owned())
                    .collect()
            });
        }
    }
    let trust = table(&ds, "chain_trust");
    let roots_pem =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/roots.pem")).unwrap();
    let roots = mailtls::trust::cert::pem_certificates(&roots_pem).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let hash_col = trust.column("chain_hash").unwrap().str().unwrap().clone();
    let as_of = trust.column("as_of").unwrap().str().unwrap().clone();
    for i in 0..trust.height() {
        let (Some(hash), Some(at)) = (hash_col.get(i), as_of.get(i)) else {
            continue;
        };
        let at = chrono::DateTime::parse_from_rfc3339(at)
            .unwrap()
            .timestamp();
        if !seen.insert((hash.to_owned(), at)) {
            continue;
        }
        let Some(list) = chains.get(hash) else {
            continue;
        };
        let Some(chain) = list
            .iter()
            .map(|s| by_sha.get(s).cloned())
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        out.push(Case {
            name: format!("sample chain {hash} at {at}"),
            roots: roots.clone(),
            chain,
            at,
            divergence: None,
        });
    }
    out
}

/// Reasons mailtls gives where OpenSSL, by design, says otherwise on the
/// sample's chains.
fn sample_divergence(reason: Reason) -> Option<&'static str> {
    match reason {
        Reason::WeakSignature => Some("MD5-signed chains: refused by NSS since 2009, accepted by OpenSSL at auth_level 0"),
        Reason::WeakKey => Some("RSA keys under 1024 bits: refused by mailtls (Mozilla), accepted by OpenSSL at auth_level 0"),
        Reason::Unparsable => Some("a leaf whose DER does not parse: OpenSSL cannot load it at all"),
        _ => None,
    }
}

#[test]
fn verdicts_agree_with_openssl() {
    if !openssl_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    let mut agreed = 0;
    let mut listed = Vec::new();
    let mut failures = Vec::new();
    let cases: Vec<Case> = built_cases().into_iter().chain(sample_cases()).collect();
    for case in &cases {
        let started = std::time::Instant::now();
        let (ours, reason) = mailtls_verify(&case.roots, &case.chain, case.at);
        assert!(
            started.elapsed().as_secs() < 10,
            "{}: the path search took {:?}",
            case.name,
            started.elapsed()
        );
        if reason == Reason::Unparsable {
            listed.push(format!(
                "{}: {}",
                case.name,
                sample_divergence(reason).unwrap_or_default()
            ));
            continue;
        }
        let (theirs, message) = openssl_verify(dir.path(), &case.roots, &case.chain, case.at);
        compared += 1;
        let divergence = case.divergence.or_else(|| sample_divergence(reason));
        match (ours == theirs, divergence) {
            (true, None) => agreed += 1,
            (true, Some(why)) => failures.push(format!(
                "{}: listed as a divergence ({why}) but both say valid={ours}",
                case.name
            )),
            (false, Some(why)) => listed.push(format!("{}: {why}", case.name)),
            (false, None) => failures.push(format!(
                "{}: mailtls valid={ours} ({}), OpenSSL valid={theirs}: {}",
                case.name,
                reason.name(),
                message.trim()
            )),
        }
    }
    eprintln!(
        "compared {compared} chains with OpenSSL: {agreed} agree, {} listed divergences",
        listed.len()
    );
    for l in &listed {
        eprintln!("  divergence: {l}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 40, "{compared}");
}

/// The reasons of the built cases, as documented (a reason is reported
/// only where some path reaches an anchor and fails on it).
#[test]
fn each_broken_rule_is_its_own_reason() {
    let expected: &[(&str, Reason)] = &[
        ("valid chain", Reason::Ok),
        ("missing intermediate", Reason::UnknownAuthority),
        ("self-signed leaf", Reason::SelfSigned),
        ("leaf with clientAuth only", Reason::NoServerAuth),
        ("leaf with anyExtendedKeyUsage only", Reason::Ok),
        (
            "intermediate restricted to emailProtection",
            Reason::NoServerAuth,
        ),
        ("pathLen 0 with an intermediate below", Reason::PathLength),
        ("pathLen 1 with one below", Reason::Ok),
        ("intermediate without keyCertSign", Reason::NoCertSign),
        ("intermediate that is not a CA", Reason::NotACa),
        ("version-1 intermediate", Reason::NotACa),
        ("expired intermediate, no other path", Reason::Expired),
        ("name outside a permitted subtree", Reason::NameConstraints),
        (
            "common name only, outside a permitted subtree",
            Reason::NameConstraints,
        ),
        ("name inside an excluded subtree", Reason::NameConstraints),
        ("address outside a permitted range", Reason::NameConstraints),
        (
            "unknown critical extension on the leaf",
            Reason::CriticalExtension,
        ),
        (
            "unknown critical extension on the intermediate",
            Reason::CriticalExtension,
        ),
        (
            "signature algorithms differ inside and out",
            Reason::AlgorithmMismatch,
        ),
        ("MD5 signature (2015)", Reason::WeakSignature),
        ("512-bit RSA leaf key", Reason::WeakKey),
        (
            "cross-signed intermediate, one path through an expired root",
            Reason::Ok,
        ),
        ("only the path through an expired root", Reason::Expired),
        ("renewed root, the older copy expired", Reason::Ok),
        (
            "16 same-name CAs with one key, untrusted",
            Reason::UnknownAuthority,
        ),
        (
            "16 same-name CAs with one key, one of them trusted",
            Reason::Ok,
        ),
        ("leaf issued an hour before the scan", Reason::Ok),
        ("leaf issued an hour after the scan", Reason::NotYetValid),
    ];
    let cases = built_cases();
    for (name, reason) in expected {
        let case = cases
            .iter()
            .find(|c| c.name == *name)
            .unwrap_or_else(|| panic!("{name}"));
        let (_, got) = mailtls_verify(&case.roots, &case.chain, case.at);
        assert_eq!(got, *reason, "{name}");
    }
    let ring = cases.iter().find(|c| c.name.contains("ring")).unwrap();
    let (valid, reason) = mailtls_verify(&ring.roots, &ring.chain, ring.at);
    assert!(!valid);
    assert_eq!(reason, Reason::TooLong);
}

/// A leaf known only by a scanner's parsed fields (a Censys record without
/// DER) is held to the usage and CA rules its fields record.
#[test]
fn parsed_only_certificates_obey_the_rules_they_record() {
    use mailtls::trust::cert::Facts;
    let root = party("Diff Root", ec(1));
    let root_der = make(&root, &root, ca());
    let store_pem = pem(&root_der);
    let store = RootStore::from_pem("test", None, store_pem.as_bytes()).unwrap();
    const ROOT_DN: &str = "C=XX, O=Differential PKI, CN=Diff Root";
    let parsed = |sha: u8, subject: &str, issuer: &str, eku: &[&str], is_ca: Option<bool>| {
        Arc::new(ChainCert::from_facts(
            [sha; 32],
            Facts {
                subject_dn: Some(subject.into()),
                issuer_dn: Some(issuer.into()),
                not_before: Some(T - DAY),
                not_after: Some(T + DAY),
                is_ca,
                sig_alg: Some("sha256WithRSAEncryption".into()),
                eku: eku.iter().map(|s| (*s).to_owned()).collect(),
                path_len: None,
                key_cert_sign: None,
            },
        ))
    };
    let leaf = |eku: &[&str], is_ca| parsed(7, "CN=mail.example.com", ROOT_DN, eku, is_ca);
    let judge = |chain: &[Arc<ChainCert>]| {
        Verifier {
            store: &store,
            as_of: T,
        }
        .verify(
            chain,
            &IssuerIndex::default(),
            &mut SignatureMemo::default(),
        )
    };
    let ok = judge(&[leaf(&["serverAuth", "clientAuth"], Some(false))]);
    assert_eq!(
        (ok.valid, ok.reason, ok.signatures_checked),
        (true, Reason::Ok, false)
    );
    assert_eq!(
        judge(&[leaf(&["clientAuth"], Some(false))]).reason,
        Reason::NoServerAuth
    );
    assert_eq!(
        judge(&[leaf(&[], None)]).reason,
        Reason::Ok,
        "no usages recorded: any"
    );
    // A parsed-only intermediate that is no CA.
    let int = parsed(8, "CN=Parsed CA", ROOT_DN, &[], Some(false));
    let under_int = parsed(
        9,
        "CN=mail.example.com",
        "CN=Parsed CA",
        &["serverAuth"],
        Some(false),
    );
    assert_eq!(judge(&[under_int, int]).reason, Reason::NotACa);
}
