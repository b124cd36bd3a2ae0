//! Cipher-suite enumeration of the port-25 endpoints, as the 2015 study
//! ran it: every endpoint that completed a handshake gets a server
//! configuration (versions and suites in its order of preference, drawn
//! from [`CONFIGS`]), and sslyze tries every suite of [`TRIED`] with every
//! version. The same endpoints are written twice: as sslyze 0.12 XML
//! (OpenSSL names, preferred suites) and as sslyze 5.2 JSON (IANA names, no
//! preference), with one unreachable target in each, so the two readers
//! must give the same rows. `truth.json` → `enumeration` holds what the
//! enumeration tables must show, counted from the configurations drawn.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use serde_json::json;

use super::model::{Drawer, Outcome};
use super::output;
use super::rng::Rng;
use super::truth::FileTruth;
use crate::input::decompress::Codec;
use crate::tls::suites::{self, CipherSuite};

/// Versions tried: SSLv2 … TLS 1.2 (2015's sslyze), by sslyze 0.x element
/// name and 5.x command prefix.
const VERSIONS: &[(u16, &str, &str)] = &[
    (0x0002, "sslv2", "ssl_2_0"),
    (0x0300, "sslv3", "ssl_3_0"),
    (0x0301, "tlsv1", "tls_1_0"),
    (0x0302, "tlsv1_1", "tls_1_1"),
    (0x0303, "tlsv1_2", "tls_1_2"),
];

/// The suites tried with every TLS version (those a version cannot
/// negotiate are tried only from it on); SSLv2 tries the SSLv2 kinds.
const TRIED: &[&str] = &[
    "NULL-SHA",
    "ADH-AES128-SHA",
    "EXP-RC4-MD5",
    "EXP-DES-CBC-SHA",
    "DES-CBC-SHA",
    "RC4-MD5",
    "RC4-SHA",
    "DES-CBC3-SHA",
    "SEED-SHA",
    "CAMELLIA128-SHA",
    "AES128-SHA",
    "AES256-SHA",
    "DHE-RSA-AES128-SHA",
    "DHE-RSA-AES256-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "DHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
];

/// SSLv2 kinds tried.
const TRIED_SSLV2: &[&str] = &["DES-CBC3-MD5", "RC4-MD5", "EXP-RC4-MD5", "DES-CBC-MD5"];

/// A server configuration: name, share, lowest and highest version, and
/// its suites in order of preference (SSLv2 kinds apart).
struct Config {
    name: &'static str,
    share: f64,
    versions: (u16, u16),
    suites: &'static [&'static str],
    sslv2: &'static [&'static str],
}

const CONFIGS: &[Config] = &[
    Config {
        name: "modern",
        share: 0.4,
        versions: (0x0301, 0x0303),
        suites: &[
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES256-SHA",
            "ECDHE-RSA-AES128-SHA",
            "DHE-RSA-AES256-SHA",
            "AES256-GCM-SHA384",
            "AES128-SHA",
            "AES256-SHA",
        ],
        sslv2: &[],
    },
    Config {
        name: "legacy_2015",
        share: 0.35,
        versions: (0x0300, 0x0303),
        suites: &[
            "ECDHE-RSA-AES256-SHA",
            "DHE-RSA-AES256-SHA",
            "AES256-SHA",
            "AES128-SHA",
            "RC4-SHA",
            "RC4-MD5",
            "DES-CBC3-SHA",
            "CAMELLIA128-SHA",
            "SEED-SHA",
            "ECDHE-RSA-AES128-GCM-SHA256",
        ],
        sslv2: &[],
    },
    Config {
        name: "rc4_first",
        share: 0.1,
        versions: (0x0300, 0x0301),
        suites: &["RC4-SHA", "RC4-MD5", "AES128-SHA", "DES-CBC3-SHA"],
        sslv2: &[],
    },
    Config {
        name: "export_era",
        share: 0.1,
        versions: (0x0002, 0x0301),
        suites: &[
            "EXP-RC4-MD5",
            "EXP-DES-CBC-SHA",
            "DES-CBC-SHA",
            "RC4-MD5",
            "AES128-SHA",
        ],
        sslv2: &["DES-CBC3-MD5", "RC4-MD5"],
    },
    Config {
        name: "anon_and_null",
        share: 0.05,
        versions: (0x0301, 0x0303),
        suites: &["ADH-AES128-SHA", "AES128-SHA", "NULL-SHA"],
        sslv2: &[],
    },
];

/// Share of tried handshakes that fail (a timeout) rather than answer.
const ERROR_SHARE: f64 = 0.01;

/// Most endpoints enumerated.
const MAX_ENDPOINTS: usize = 400;

const STREAM: u64 = 0xe0e0_0000;

fn suite(version: u16, name: &str) -> Option<&'static CipherSuite> {
    let id = crate::formats::enumeration::suite_code(version, name)?;
    suites::find(id)
}

/// One handshake drawn.
#[derive(Clone)]
struct Tried {
    version: u16,
    suite: &'static CipherSuite,
    /// The OpenSSL name (what sslyze 0.x writes).
    openssl: &'static str,
    result: &'static str,
    preferred: bool,
}

/// An endpoint's enumeration.
struct Enumerated {
    ip: String,
    config: &'static str,
    tried: Vec<Tried>,
    /// The version and suite the port-25 scan negotiated.
    negotiated: Option<(u16, &'static str)>,
    /// The `handshakes` rows of the endpoint (the raw scan, and a Censys
    /// view of it where one was written).
    handshake_rows: u64,
}

/// What the enumeration tables must hold over both files.
#[derive(Serialize, Default, Debug)]
pub struct EnumTruth {
    /// Scan ids (file stems) and their handshake accounting:
    /// handshakes, accepted, rejected, errors.
    pub accounting: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// `version_support` of port 25: version → tls_endpoints, tested,
    /// accepting, best.
    pub versions: BTreeMap<u16, BTreeMap<&'static str, u64>>,
    /// `weak_cipher_support` of port 25: property → endpoints.
    pub weak: BTreeMap<&'static str, u64>,
    /// `cipher_families` of port 25: family → supporting, only, preferred.
    pub families: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    /// Unreachable targets.
    pub unreachable: u64,
    /// Endpoints per server configuration drawn.
    pub configs: BTreeMap<&'static str, u64>,
    /// `negotiated_vs_preferred` of port 25: endpoints, preference_recorded,
    /// negotiated_preferred, negotiated_accepted.
    pub comparison: BTreeMap<&'static str, u64>,
    /// `client_simulation` of port 25: client → outcome → endpoints.
    pub clients: BTreeMap<String, BTreeMap<&'static str, u64>>,
}

/// Draws an endpoint's configuration and what sslyze finds. The suite the
/// scan negotiated (`negotiated`: version and OpenSSL name) is the
/// server's first choice at that version, and that version is in its range.
fn draw(
    seed: u64,
    index: u64,
    ip: String,
    negotiated: Option<(u16, &'static str)>,
    handshake_rows: u64,
) -> Enumerated {
    let mut rng = Rng::new(seed, STREAM, index);
    let config = &CONFIGS[rng.weighted(CONFIGS.iter().map(|c| c.share))];
    let (mut low, mut high) = config.versions;
    if let Some((v, _)) = negotiated {
        (low, high) = (low.min(v), high.max(v));
    }
    let mut tried = Vec::new();
    for &(version, _, _) in VERSIONS {
        let offered = version >= low && version <= high;
        let mut universe: Vec<&'static str> = if version == 0x0002 {
            TRIED_SSLV2.to_vec()
        } else {
            TRIED.to_vec()
        };
        let mut accepted_here: Vec<&'static str> = if version == 0x0002 {
            config.sslv2.to_vec()
        } else {
            config.suites.to_vec()
        };
        if let Some((v, name)) = negotiated.filter(|(v, _)| *v == version) {
            accepted_here.retain(|n| *n != name);
            accepted_here.insert(0, name);
            if !universe.contains(&name) {
                universe.push(name);
            }
            debug_assert_eq!(v, version);
        }
        // The server picks the first of its suites the version allows.
        let order: Vec<&str> = accepted_here
            .iter()
            .copied()
            .filter(|n| suite(version, n).is_some_and(|s| s.min_version <= version))
            .collect();
        for name in universe {
            let Some(s) = suite(version, name).filter(|s| s.min_version <= version) else {
                continue;
            };
            let accepted = offered && order.contains(&name);
            let result = if rng.chance(ERROR_SHARE) {
                "error"
            } else if accepted {
                "accepted"
            } else {
                "rejected"
            };
            tried.push(Tried {
                version,
                suite: s,
                openssl: name,
                result,
                preferred: false,
            });
        }
        // The preferred suite: what sslyze's extra probe with its default
        // client list (HIGH:MEDIUM without anonymous, NULL, 3DES, Camellia)
        // gets — the first such suite in the server's order; the probe
        // fails where that suite's own handshake did. SSLv2 has none.
        let default_client = |s: &CipherSuite| {
            !(s.anon || s.null || s.export || s.des || s.triple_des || s.camellia)
        };
        if offered && version != 0x0002 {
            let first = order
                .iter()
                .find(|n| suite(version, n).is_some_and(default_client));
            if let Some(first) = first {
                if let Some(t) = tried
                    .iter_mut()
                    .find(|t| t.version == version && t.openssl == *first && t.result == "accepted")
                {
                    t.preferred = true;
                }
            }
        }
    }
    Enumerated {
        ip,
        config: config.name,
        tried,
        negotiated,
        handshake_rows,
    }
}

fn xml(targets: &[Enumerated], tool: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    let _ = writeln!(
        out,
        "<document SSLyzeVersion=\"{tool}\" SSLyzeWeb=\"https://github.com/nabla-c0d3/sslyze\" title=\"SSLyze Scan Results\">"
    );
    let _ = writeln!(out, "  <invalidTargets>\n    <invalidTarget error=\"SMTP STARTTLS not supported\">198.51.100.7:25</invalidTarget>\n  </invalidTargets>");
    let _ = writeln!(
        out,
        "  <results defaultTimeout=\"5\" httpsTunnel=\"None\" startTLS=\"smtp\" totalScanTime=\"1.0\">"
    );
    for t in targets {
        let _ = writeln!(
            out,
            "    <target host=\"{0}\" ip=\"{0}\" port=\"25\">",
            t.ip
        );
        for &(version, element, _) in VERSIONS {
            let rows: Vec<&Tried> = t.tried.iter().filter(|x| x.version == version).collect();
            let supported = rows.iter().any(|x| x.result == "accepted");
            let _ = writeln!(
                out,
                "      <{element} isProtocolSupported=\"{}\" title=\"{} Cipher Suites\">",
                if supported { "True" } else { "False" },
                element.to_ascii_uppercase()
            );
            for (list, result) in [
                ("errors", "error"),
                ("rejectedCipherSuites", "rejected"),
                ("acceptedCipherSuites", "accepted"),
            ] {
                let _ = writeln!(out, "        <{list}>");
                for x in rows.iter().filter(|x| x.result == result) {
                    let status = match result {
                        "error" => "timeout - timed out",
                        "rejected" => "TLS / Alert handshake failure",
                        _ => "250 2.0.0 Ok",
                    };
                    let anon = if x.suite.anon { "True" } else { "False" };
                    let bits = if result == "accepted" && x.suite.bits > 0 {
                        format!(" keySize=\"{}\"", x.suite.bits)
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        out,
                        "          <cipherSuite anonymous=\"{anon}\" connectionStatus=\"{status}\"{bits} name=\"{}\"/>",
                        x.openssl
                    );
                }
                let _ = writeln!(out, "        </{list}>");
            }
            match rows.iter().find(|x| x.preferred) {
                Some(p) => {
                    let _ = writeln!(
                        out,
                        "        <preferredCipherSuite>\n          <cipherSuite anonymous=\"False\" connectionStatus=\"250 2.0.0 Ok\" name=\"{}\"/>\n        </preferredCipherSuite>",
                        p.openssl
                    );
                }
                None => {
                    let _ = writeln!(out, "        <preferredCipherSuite/>");
                }
            }
            let _ = writeln!(out, "      </{element}>");
        }
        let _ = writeln!(out, "    </target>");
    }
    let _ = writeln!(out, "  </results>\n</document>");
    out
}

fn json_doc(targets: &[Enumerated]) -> String {
    let results: Vec<serde_json::Value> = targets
        .iter()
        .map(|t| {
            let mut scan = serde_json::Map::new();
            for &(version, _, command) in VERSIONS {
                let rows: Vec<&Tried> = t.tried.iter().filter(|x| x.version == version).collect();
                let entry = |x: &&Tried| {
                    json!({"name": x.suite.name, "openssl_name": x.openssl,
                           "is_anonymous": x.suite.anon, "key_size": x.suite.bits})
                };
                let accepted: Vec<_> = rows
                    .iter()
                    .filter(|x| x.result == "accepted")
                    .map(|x| json!({"cipher_suite": entry(x), "ephemeral_key": null}))
                    .collect();
                let rejected: Vec<_> = rows
                    .iter()
                    .filter(|x| x.result != "accepted")
                    .map(|x| {
                        let message = if x.result == "error" {
                            "Connection to server timed out during the TLS handshake"
                        } else {
                            "TLS alert: handshake failure"
                        };
                        json!({"cipher_suite": entry(x), "error_message": message})
                    })
                    .collect();
                scan.insert(
                    format!("{command}_cipher_suites"),
                    json!({"status": "COMPLETED", "error_reason": null, "error_trace": null, "result": {
                        "tls_version_used": command.to_ascii_uppercase(),
                        "is_tls_version_supported": !accepted.is_empty(),
                        "accepted_cipher_suites": accepted,
                        "rejected_cipher_suites": rejected}}),
                );
            }
            json!({"server_location": {"connection_type": "DIRECT", "hostname": t.ip, "ip_address": t.ip, "port": 25},
                   "network_configuration": {"tls_opportunistic_encryption": "SMTP"},
                   "connectivity_status": "COMPLETED", "scan_status": "COMPLETED", "scan_result": scan})
        })
        .collect();
    json!({"date_scans_started": "2015-08-03T04:00:00", "invalid_server_strings": [
              {"server_string": "198.51.100.7:25", "error_message": "SMTP STARTTLS not supported"}],
           "server_scan_results": results, "sslyze_version": "5.2.0"})
    .to_string()
}

/// Writes the two enumeration files of the port-25 endpoints.
/// `handshake_rows(i)`: how many `handshakes` rows endpoint `i` has.
pub fn write(
    seed: u64,
    run_id: &str,
    drawer: &Drawer,
    damaged: &dyn Fn(u64) -> bool,
    handshake_rows: &dyn Fn(u64) -> u64,
    out: &Path,
) -> Result<(Vec<FileTruth>, u64, EnumTruth)> {
    let mut targets = Vec::new();
    for i in 0..drawer.count {
        if targets.len() >= MAX_ENDPOINTS {
            break;
        }
        if damaged(i) || !Rng::new(seed, STREAM + 1, i).chance(0.5) {
            continue;
        }
        let ep = drawer.draw(i)?;
        if ep.outcome != Outcome::Ok {
            continue;
        }
        let negotiated = ep.tls.as_ref().and_then(|s| {
            let name = suites::find(u32::from(s.suite.code))?
                .openssl_name
                .as_deref()?;
            Some((s.version.0, name))
        });
        targets.push(draw(
            seed,
            i,
            ep.ip.to_string(),
            negotiated,
            handshake_rows(i),
        ));
    }
    let stems = [
        format!("{run_id}-sslyze-xml"),
        format!("{run_id}-sslyze-json"),
    ];
    let texts = [xml(&targets, "0.12.0"), json_doc(&targets)];
    let mut files = Vec::new();
    let mut bytes = 0;
    // Compressed as such runs are kept: one gzip, one zstd.
    for ((stem, text), (ext, codec)) in stems
        .iter()
        .zip(&texts)
        .zip([("xml", Codec::Gzip), ("json", Codec::Zstd)])
    {
        let name = format!("{stem}.{ext}{}", output::extension(codec));
        let data = output::compress(codec, text.as_bytes())?;
        std::fs::write(out.join(&name), &data).with_context(|| format!("writing {name}"))?;
        bytes += data.len() as u64;
        files.push(FileTruth {
            file: name,
            layout: if ext == "xml" {
                "sslyze_xml"
            } else {
                "sslyze_json"
            }
            .into(),
            codec: codec.name().into(),
            port: Some(25),
            records: 1,
            bad_lines: 0,
        });
    }
    Ok((files, bytes, judge(&targets, &stems)))
}

/// What `client` would get from an endpoint whose accepted handshakes are
/// `accepted`, as `client_simulation` decides it from the records.
fn simulate(
    accepted: &[&Tried],
    client: &crate::tls::clients::Client,
    with_preference: bool,
) -> &'static str {
    let common: Vec<&&Tried> = accepted
        .iter()
        .filter(|x| {
            client.suites.contains(&x.suite.id)
                && x.version >= client.versions.0
                && x.version <= client.versions.1
        })
        .collect();
    let Some(best) = common.iter().map(|x| x.version).max() else {
        return "no_common_suite";
    };
    let at_best: Vec<&&&Tried> = common.iter().filter(|x| x.version == best).collect();
    let in_probe_list =
        |s: &CipherSuite| !(s.anon || s.null || s.export || s.des || s.triple_des || s.camellia);
    let chosen = match at_best.as_slice() {
        [only] => Some(only.suite),
        many if with_preference && many.iter().all(|x| in_probe_list(x.suite)) => {
            many.iter().find(|x| x.preferred).map(|x| x.suite)
        }
        _ => None,
    };
    match chosen {
        None => "not_determinable",
        Some(s) if s.rc4 || s.export || s.null || s.anon || s.des || s.triple_des => "weak",
        Some(_) => "strong",
    }
}

/// The tables' expected values; the JSON file records no preference.
fn judge(targets: &[Enumerated], stems: &[String; 2]) -> EnumTruth {
    let mut t = EnumTruth {
        unreachable: 2,
        ..EnumTruth::default()
    };
    for e in targets {
        *t.configs.entry(e.config).or_default() += 1;
        let Some((version, name)) = e.negotiated else {
            continue;
        };
        let at = |f: &dyn Fn(&Tried) -> bool| e.tried.iter().any(|x| x.version == version && f(x));
        let n = e.handshake_rows;
        let c = &mut t.comparison;
        *c.entry("endpoints").or_default() += n;
        *c.entry("preference_recorded").or_default() += n * u64::from(at(&|x| x.preferred));
        *c.entry("negotiated_preferred").or_default() +=
            n * u64::from(at(&|x| x.preferred && x.openssl == name));
        *c.entry("negotiated_accepted").or_default() +=
            n * u64::from(at(&|x| x.result == "accepted" && x.openssl == name));
    }
    for (k, stem) in stems.iter().enumerate() {
        let with_preference = k == 0;
        let acc = t.accounting.entry(stem.clone()).or_default();
        for e in targets {
            for x in &e.tried {
                *acc.entry("handshakes").or_default() += 1;
                *acc.entry(match x.result {
                    "accepted" => "accepted",
                    "rejected" => "rejected",
                    _ => "errors",
                })
                .or_default() += 1;
            }
        }
        for e in targets {
            let accepted: Vec<&Tried> = e.tried.iter().filter(|x| x.result == "accepted").collect();
            let Some(best) = accepted.iter().map(|x| x.version).max() else {
                continue;
            };
            for &(version, _, _) in VERSIONS {
                let v = t.versions.entry(version).or_default();
                *v.entry("tls_endpoints").or_default() += 1;
                *v.entry("tested").or_default() += 1;
                *v.entry("accepting").or_default() +=
                    u64::from(accepted.iter().any(|x| x.version == version));
                *v.entry("best").or_default() += u64::from(best == version);
            }
            let any = |f: &dyn Fn(&CipherSuite) -> bool| accepted.iter().any(|x| f(x.suite));
            let preferred_at_best = |f: &dyn Fn(&CipherSuite) -> bool| {
                with_preference
                    && accepted
                        .iter()
                        .any(|x| x.preferred && x.version == best && f(x.suite))
            };
            for (property, holds) in [
                ("null", any(&|s| s.enc == "null")),
                ("anon", any(&|s| s.anon)),
                ("export", any(&|s| s.export)),
                ("des", any(&|s| s.des)),
                ("rc4", any(&|s| s.rc4)),
                ("3des", any(&|s| s.triple_des)),
                ("pfs_supported", any(&|s| s.pfs)),
                ("pfs_preferred", preferred_at_best(&|s| s.pfs)),
                ("suite_not_known", false),
            ] {
                *t.weak.entry(property).or_default() += u64::from(holds);
            }
            for client in crate::tls::clients::clients() {
                let outcome = simulate(&accepted, client, with_preference);
                *t.clients
                    .entry(client.client.clone())
                    .or_default()
                    .entry(outcome)
                    .or_default() += 1;
            }
            let mut families: BTreeMap<&'static str, bool> = BTreeMap::new();
            for x in &accepted {
                let preferred = with_preference && x.preferred && x.version == best;
                *families.entry(x.suite.cipherscan_family).or_default() |= preferred;
            }
            let only = families.len() == 1;
            for (family, preferred) in families {
                let f = t.families.entry(family).or_default();
                *f.entry("supporting").or_default() += 1;
                *f.entry("only").or_default() += u64::from(only);
                *f.entry("preferred").or_default() += u64::from(preferred);
            }
        }
    }
    t
}
