//! Which chart each catalogue table wants, built from its answer's columns.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use polars::prelude::*;

use super::{Figure, Kind, Provenance};
use crate::catalogue::Entry;

/// Lines of a chart: (label, points of (day since the epoch, share)).
type Lines = Vec<(String, Vec<(i64, f64)>)>;

/// The figures of one catalogue table's answer.
pub fn figures(entry: &Entry, df: &DataFrame, provenance: &Provenance) -> Result<Vec<Figure>> {
    let footer = provenance.footer();
    let figure = |stem: &str, title: &str, subtitle: String, kind: Kind| Figure {
        stem: stem.to_owned(),
        title: title.to_owned(),
        subtitle,
        kind,
        footer: footer.clone(),
    };
    let t = Table::new(df)?;
    let name = entry.name;
    let out = match name {
        "scan_summary" => {
            const OUTCOMES: &[(&str, &str)] = &[
                ("tls_completed", "TLS completed"),
                ("no_starttls", "no STARTTLS"),
                ("starttls_refused", "STARTTLS refused"),
                ("handshake_failed", "handshake failed"),
                ("timeout", "timeout"),
                ("banner_failed", "no greeting"),
                ("protocol_error", "protocol error"),
                ("skipped", "skipped"),
                ("connect_failed", "no connection"),
            ];
            let scans = t.scans();
            let total = t.numbers("endpoints")?;
            let groups = scans
                .iter()
                .zip(&total)
                .map(|(s, n)| format!("{}\nN={}", s.label, thousands(*n)))
                .collect();
            let mut segments = Vec::new();
            for (column, label) in OUTCOMES {
                let values: Vec<f64> = t
                    .numbers(column)?
                    .iter()
                    .zip(&total)
                    .map(|(v, n)| ratio(*v, *n))
                    .collect();
                segments.push(((*label).to_owned(), values));
            }
            let mut figures = vec![figure(
                name,
                "What each scan found, from connection to completed TLS",
                format!(
                    "Share of endpoints scanned, by outcome; N = endpoints scanned per bar ({} in all)",
                    thousands(total.iter().sum())
                ),
                Kind::Stacked { groups, segments },
            )];
            if let Some(lines) = over_time(&t)? {
                let responding = t.numbers("responding")?;
                let (low, high) = responding
                    .iter()
                    .fold((f64::MAX, 0.0f64), |(a, b), n| (a.min(*n), b.max(*n)));
                figures.push(figure(
                    &format!("{name}-over-time"),
                    "Working TLS over time, per port",
                    format!(
                        "Share of responding endpoints (TCP connection made) whose TLS handshake completed, per scan; N = {} to {} responding endpoints per scan",
                        thousands(low),
                        thousands(high)
                    ),
                    lines,
                ));
            }
            figures
        }
        "tls_support" => {
            let responding = t.numbers("responding")?;
            let working = t.numbers("tls_working")?;
            let ports = t.texts("port")?;
            let protocols = t.texts("protocol")?;
            let modes = t.texts("tls_mode")?;
            let groups = (0..t.height)
                .map(|i| {
                    format!(
                        "{} {} ({})\nN={}",
                        ports[i],
                        protocols[i],
                        modes[i],
                        thousands(responding[i])
                    )
                })
                .collect();
            let values = working
                .iter()
                .zip(&responding)
                .map(|(w, r)| ratio(*w, *r))
                .collect();
            vec![figure(
                name,
                "Working TLS among responding servers, per port",
                format!(
                    "Share of responding endpoints (TCP connection made) whose TLS handshake completed; N = responding endpoints ({} in all)",
                    thousands(responding.iter().sum())
                ),
                Kind::Shares { groups, values },
            )]
        }
        "version_negotiated" => vec![figure(
            name,
            "Negotiated protocol versions",
            t.stacked_subtitle("completed TLS handshakes, by negotiated version"),
            t.stacked("version", None)?,
        )],
        "cipher_negotiated" => {
            let bars = t.ranked("name", "testssl_bucket", None, 12)?;
            let classes: Vec<String> = crate::tls::suites::TESTSSL_BUCKETS
                .iter()
                .map(|(b, _)| (*b).to_owned())
                .filter(|b| bars.0.iter().any(|(_, _, _, c)| c == b))
                .collect();
            vec![figure(
                name,
                "The most negotiated cipher suites, coloured by testssl.sh bucket",
                format!(
                    "Share of completed TLS handshakes (all scans pooled; N = {}); top {} suites",
                    thousands(bars.1),
                    bars.0.len()
                ),
                Kind::Ranked {
                    bars: bars.0,
                    classes,
                    axis: "share of completed handshakes".into(),
                },
            )]
        }
        "key_exchange" => {
            let mut out = vec![figure(
                name,
                "Key exchange of completed handshakes",
                t.stacked_subtitle_of(
                    &[("facet", "kex")],
                    "completed TLS handshakes, by the key exchange their suite defines",
                )?,
                t.stacked("value", Some(("facet", "kex")))?,
            )];
            if t.facet_rows("facet", "dh_prime_bits")? > 0 {
                out.push(figure(
                    &format!("{name}-dh_prime_bits"),
                    "Diffie-Hellman prime sizes",
                    t.stacked_subtitle_of(
                        &[("facet", "dh_prime_bits")],
                        "handshakes with a DHE key exchange, by prime size in bits (not_logged: the record shows no ServerKeyExchange)",
                    )?,
                    t.stacked("value", Some(("facet", "dh_prime_bits")))?,
                ));
            }
            out
        }
        "cert_trust" => vec![figure(
            name,
            "Certificate trust, computed by mailtls beside the scanner's record",
            t.stacked_subtitle(
                "completed TLS handshakes, by trust category; left bar computed, right bar as recorded",
            ),
            t.stacked_by("category", "view")?,
        )],
        "trust_agreement" => {
            let recorded = t.texts("recorded_trusted")?;
            let reasons = t.texts("computed_reason")?;
            let ports = t.texts("port")?;
            let endpoints = t.numbers("endpoints")?;
            let denominators = t.numbers("endpoints_with_recorded_trust")?;
            let mut order: Vec<String> = Vec::new();
            let mut cells: BTreeMap<(String, String), f64> = BTreeMap::new();
            let mut totals: BTreeMap<String, f64> = BTreeMap::new();
            for i in 0..t.height {
                let verdict = if recorded[i] == "true" { "trusted" } else { "untrusted" };
                let label = format!("{verdict} / {}", reasons[i]);
                if !order.contains(&label) {
                    order.push(label.clone());
                }
                *cells.entry((ports[i].clone(), label)).or_default() += endpoints[i];
                totals.insert(ports[i].clone(), denominators[i]);
            }
            let mut port_list: Vec<String> = totals.keys().cloned().collect();
            port_list.sort_by_key(|p| p.parse::<u32>().unwrap_or(u32::MAX));
            let segments = order
                .iter()
                .map(|label| {
                    let values = port_list
                        .iter()
                        .map(|p| ratio(cells.get(&(p.clone(), label.clone())).copied().unwrap_or(0.0), totals[p]))
                        .collect();
                    (label.clone(), values)
                })
                .collect();
            let groups = port_list
                .iter()
                .map(|p| format!("port {p}\nN={}", thousands(totals[p])))
                .collect();
            vec![figure(
                name,
                "Where the scanner's trust verdict and mailtls' agree",
                "Share of endpoints with a recorded verdict, by the scanner's verdict / mailtls' reason (ok = a valid path); N = endpoints with a recorded verdict".into(),
                Kind::Stacked { groups, segments },
            )]
        }
        "cert_keys" => vec![figure(
            name,
            "Leaf certificate keys",
            t.stacked_subtitle_of(
                &[("subset", "all"), ("facet", "key")],
                "completed handshakes with a leaf certificate, by key type and size",
            )?,
            t.stacked_filtered("value", &[("subset", "all"), ("facet", "key")])?,
        )],
        "shared_certs" => {
            let bars = t.ranked("example_cn", "", Some(("kind", "certificate")), 15)?;
            vec![figure(
                name,
                "The certificates served by the most endpoints",
                format!(
                    "Share of completed TLS handshakes serving each leaf certificate (all scans pooled; N = {}); top {}, labelled by common name",
                    thousands(bars.1),
                    bars.0.len()
                ),
                Kind::Ranked {
                    bars: bars.0,
                    classes: Vec::new(),
                    axis: "share of completed handshakes".into(),
                },
            )]
        }
        "top_domains_smtp" => {
            let lists = t.texts("list")?;
            let scanned = t.numbers("mx_hosts_scanned")?;
            let mut groups = Vec::new();
            let mut starttls = Vec::new();
            let mut named = Vec::new();
            for (i, list) in lists.iter().enumerate() {
                groups.push(format!("{list}\nN={}", thousands(scanned[i])));
                starttls.push(ratio(t.numbers("starttls")?[i], scanned[i]));
                named.push(ratio(t.numbers("trusted_named")?[i], scanned[i]));
            }
            vec![
                figure(
                    name,
                    "Mail servers of popular domains offering STARTTLS",
                    "Share of the MX hosts of each top list's domains with a scanned address whose port-25 STARTTLS handshake completed; N = MX hosts scanned".into(),
                    Kind::Shares { groups: groups.clone(), values: starttls },
                ),
                figure(
                    &format!("{name}-trusted"),
                    "Mail servers of popular domains with a trusted certificate naming them",
                    "Share of the same MX hosts whose completed handshake presented a CA-trusted certificate naming the MX host; N = MX hosts scanned".into(),
                    Kind::Shares { groups, values: named },
                ),
            ]
        }
        "port_semantics" => {
            let (ports, roles) = (t.texts("port")?, t.texts("role")?);
            let (completed, trusted) = (t.numbers("completed")?, t.numbers("trusted")?);
            let groups = (0..t.height)
                .map(|i| format!("{} ({})\nN={}", ports[i], roles[i], thousands(completed[i])))
                .collect();
            let values = trusted.iter().zip(&completed).map(|(a, b)| ratio(*a, *b)).collect();
            vec![figure(
                name,
                "Trusted certificates: what they mean depends on the port",
                "Share of completed TLS handshakes presenting a CA-trusted certificate; on port 25 senders do not check it unless DANE or MTA-STS says so, clients check it on the others; N = completed handshakes".into(),
                Kind::Shares { groups, values },
            )]
        }
        "dane_adoption" => {
            let bars = t.ranked("value", "", Some(("facet", "verdict")), 12)?;
            vec![figure(
                name,
                "DANE verdicts of the chains MX hosts served",
                format!(
                    "Share of routes (domain × MX host × address) with a completed port-25 handshake and TLSA records, by verdict; N = {}",
                    thousands(bars.1)
                ),
                Kind::Ranked {
                    bars: bars.0,
                    classes: Vec::new(),
                    axis: "share of routes with TLSA records".into(),
                },
            )]
        }
        "version_support" => {
            let (ports, protocols) = (t.texts("port")?, t.texts("protocol")?);
            let (versions, total) = (t.texts("version_name")?, t.numbers("tls_endpoints")?);
            let (best, accepting) = (t.numbers("best_share")?, t.numbers("accepting_share")?);
            let keys: Vec<String> = (0..t.height)
                .map(|i| format!("{} ({})", ports[i], protocols[i]))
                .collect();
            const VERSIONS: &[&str] = &["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2"];
            let (first, by_version) = pivot(&keys, &versions, &best, VERSIONS);
            let groups: Vec<String> = first
                .iter()
                .map(|&i| format!("{}\nN={}", keys[i], thousands(total[i])))
                .collect();
            let segments = VERSIONS
                .iter()
                .zip(by_version)
                .map(|(v, values)| ((*v).to_owned(), values))
                .collect();
            let (_, mut sslv3) = pivot(&keys, &versions, &accepting, &["SSLv3"]);
            vec![
                figure(
                    name,
                    "The best protocol version each endpoint accepts",
                    "Share of TLS endpoints of each port by the highest version they accept (from cipher-suite enumeration); N = TLS endpoints".into(),
                    Kind::Stacked { groups: groups.clone(), segments },
                ),
                figure(
                    &format!("{name}-sslv3"),
                    "Endpoints still accepting SSLv3",
                    "Share of TLS endpoints of each port accepting at least one SSLv3 suite; N = TLS endpoints".into(),
                    Kind::Shares {
                        groups,
                        values: sslv3.remove(0),
                    },
                ),
            ]
        }
        "weak_cipher_support" => {
            let (ports, protocols) = (t.texts("port")?, t.texts("protocol")?);
            let (properties, total, share) = (
                t.texts("property")?,
                t.numbers("tls_endpoints")?,
                t.numbers("share")?,
            );
            let pick = |property: &str| -> (Vec<String>, Vec<f64>) {
                (0..t.height)
                    .filter(|&i| properties[i] == property)
                    .map(|i| {
                        (
                            format!("{} ({})\nN={}", ports[i], protocols[i], thousands(total[i])),
                            share[i],
                        )
                    })
                    .unzip()
            };
            let (groups, values) = pick("rc4");
            let (pfs_groups, pfs) = pick("pfs_preferred");
            vec![
                figure(
                    name,
                    "Endpoints accepting RC4",
                    "Share of TLS endpoints of each port accepting at least one RC4 suite in some version; N = TLS endpoints".into(),
                    Kind::Shares { groups, values },
                ),
                figure(
                    &format!("{name}-pfs"),
                    "Endpoints preferring forward secrecy",
                    "Share of TLS endpoints of each port whose preferred suite at their best version is forward secret; N = TLS endpoints".into(),
                    Kind::Shares {
                        groups: pfs_groups,
                        values: pfs,
                    },
                ),
            ]
        }
        "cipher_families" => {
            let (families, ports) = (t.texts("family")?, t.texts("port")?);
            let (supporting, total) = (t.numbers("supporting")?, t.numbers("tls_endpoints")?);
            let share = t.numbers("supporting_share")?;
            let mut bars: Vec<(String, f64, u64, String)> = (0..t.height)
                .map(|i| {
                    (
                        families[i].clone(),
                        share[i],
                        supporting[i] as u64,
                        format!("port {}", ports[i]),
                    )
                })
                .collect();
            bars.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            bars.truncate(16);
            let mut classes: Vec<String> = bars.iter().map(|b| b.3.clone()).collect();
            classes.sort();
            classes.dedup();
            vec![figure(
                name,
                "Suite families the endpoints accept",
                format!(
                    "Share of TLS endpoints of each port accepting at least one suite of the family; N = {} TLS endpoints",
                    thousands(total.iter().copied().fold(0.0, f64::max))
                ),
                Kind::Ranked {
                    bars,
                    classes,
                    axis: "share of TLS endpoints of the port".into(),
                },
            )]
        }
        "negotiated_vs_preferred" => {
            let ports = t.texts("port")?;
            let recorded = t.numbers("preference_recorded")?;
            let groups = (0..t.height)
                .map(|i| format!("port {}\nN={}", ports[i], thousands(recorded[i])))
                .collect();
            vec![figure(
                name,
                "Negotiated suite = the server's preferred one?",
                "Share of completed handshakes whose negotiated suite is the one the enumeration found the server prefers at that version; N = handshakes with a recorded preference".into(),
                Kind::Shares {
                    groups,
                    values: t.numbers("preferred_share")?,
                },
            )]
        }
        "client_simulation" => {
            const OUTCOMES: &[(&str, &str)] = &[
                ("strong", "strong suite"),
                ("weak", "weak suite"),
                ("not_determinable", "not determinable from the records"),
                ("no_common_suite", "no common suite: no TLS"),
            ];
            let (clients, ports) = (t.texts("client")?, t.texts("port")?);
            let (outcomes, share, total) = (
                t.texts("outcome")?,
                t.numbers("share")?,
                t.numbers("tls_endpoints")?,
            );
            let keys: Vec<String> = (0..t.height)
                .map(|i| format!("{}, port {}", clients[i], ports[i]))
                .collect();
            let wanted: Vec<&str> = OUTCOMES.iter().map(|(outcome, _)| *outcome).collect();
            let (first, by_outcome) = pivot(&keys, &outcomes, &share, &wanted);
            let groups = first
                .iter()
                .map(|&i| format!("{}\nN={}", keys[i], thousands(total[i])))
                .collect();
            let segments = OUTCOMES
                .iter()
                .zip(by_outcome)
                .map(|((_, label), values)| ((*label).to_owned(), values))
                .collect();
            vec![figure(
                name,
                "What each client would have negotiated",
                "Share of TLS endpoints by the suite a named client would negotiate, from the enumeration's accepted suites and server preference; weak: RC4, EXPORT, NULL, anonymous, DES or 3DES; N = TLS endpoints".into(),
                Kind::Stacked { groups, segments },
            )]
        }
        "handshake_accounting" => {
            let (scans, recorded) = (t.texts("scan_id")?, t.texts("rejections_recorded")?);
            let handshakes = t.numbers("handshakes")?;
            let keep: Vec<usize> = (0..t.height).filter(|&i| recorded[i] == "true").collect();
            let groups = keep
                .iter()
                .map(|&i| format!("{}\nN={}", scans[i], thousands(handshakes[i])))
                .collect();
            let mut segments = Vec::new();
            for (column, label) in [
                ("accepted_share", "accepted"),
                ("rejected_share", "rejected"),
                ("error_share", "error"),
            ] {
                let values = t.numbers(column)?;
                segments.push((label.to_owned(), keep.iter().map(|&i| values[i]).collect()));
            }
            vec![figure(
                name,
                "What the enumeration handshakes found",
                "Share of each scan's handshakes (one per version × suite tried) accepted, rejected or failed; scans whose tool lists only accepted suites are left out; N = handshakes".into(),
                Kind::Stacked { groups, segments },
            )]
        }
        "censys_overstatement" => {
            let ports = t.texts("port")?;
            let endpoints = t.numbers("endpoints")?;
            let (raw, censys) = (t.numbers("raw_share")?, t.numbers("censys_share")?);
            let mut groups = Vec::new();
            let mut values = Vec::new();
            for i in 0..t.height {
                let n = thousands(endpoints[i]);
                groups.push(format!("port {}, raw scan\nN={n}", ports[i]));
                values.push(raw[i]);
                groups.push(format!("port {}, Censys records\nN={n}", ports[i]));
                values.push(censys[i]);
            }
            vec![figure(
                name,
                "Completed STARTTLS: the raw scan against Censys' records of it",
                "Share of the endpoints present in both views whose handshake completed, as each view records it; N = endpoints in both".into(),
                Kind::Shares { groups, values },
            )]
        }
        "mta_sts_adoption" => {
            let bars = t.ranked("state", "", None, 12)?;
            vec![figure(
                name,
                "MTA-STS as senders find it",
                format!(
                    "Share of domains whose _mta-sts record was looked up, by what a sender concludes; N = {}",
                    thousands(bars.1)
                ),
                Kind::Ranked {
                    bars: bars.0,
                    classes: Vec::new(),
                    axis: "share of domains looked up".into(),
                },
            )]
        }
        "protection_levels" => {
            const LEVELS: &[(&str, &str)] = &[
                ("dane", "DANE authenticated"),
                ("mta_sts", "MTA-STS authenticated"),
                ("passive_safe", "safe from passive wiretap only"),
                ("passive_broken", "NULL or EXPORT encryption"),
                ("suite_not_known", "suite not known"),
                ("starttls_failed", "STARTTLS failed"),
                ("no_starttls", "no STARTTLS"),
            ];
            let (units, levels) = (t.texts("unit")?, t.texts("level")?);
            let (share, answered) = (t.numbers("share")?, t.numbers("answered")?);
            let wanted: Vec<&str> = LEVELS.iter().map(|(level, _)| *level).collect();
            let (first, by_level) = pivot(&units, &levels, &share, &wanted);
            let groups = first
                .iter()
                .map(|&i| format!("{}\nN={}", unit_label(&units[i]), thousands(answered[i])))
                .collect();
            let segments = LEVELS
                .iter()
                .zip(by_level)
                .map(|((_, label), values)| ((*label).to_owned(), values))
                .collect();
            vec![figure(
                name,
                "What protects mail sent to port 25",
                "Share of units that answered on port 25, by the weakest protection among their addresses; popular domains weighted by 1/rank; N = units that answered".into(),
                Kind::Stacked { groups, segments },
            )]
        }
        "unit_of_analysis" => {
            let units = t.texts("unit")?;
            let answered = t.numbers("answered")?;
            let groups: Vec<String> = units
                .iter()
                .zip(&answered)
                .map(|(u, n)| format!("{}\nN={}", unit_label(u), thousands(*n)))
                .collect();
            vec![
                figure(
                    name,
                    "The paper's headline under four units of analysis",
                    "Share whose every answering port-25 address presented a CA-trusted certificate; popular domains weighted by 1/rank; N = units that answered".into(),
                    Kind::Shares {
                        groups: groups.clone(),
                        values: t.numbers("trusted_certificate_share")?,
                    },
                ),
                figure(
                    &format!("{name}-authenticated"),
                    "What an active attacker faces: DANE or MTA-STS",
                    "Share a sender can authenticate by DANE or an enforced MTA-STS policy (an address alone has no name to authenticate); N = units that answered".into(),
                    Kind::Shares {
                        groups,
                        values: t.numbers("authenticated_share")?,
                    },
                ),
            ]
        }
        "scan_delta" => {
            let mut figures = Vec::new();
            for (facet, changes, title, what) in [
                (
                    "tls",
                    &["gained", "lost"][..],
                    "Working TLS gained and lost between scans",
                    "endpoints in both scans",
                ),
                (
                    "trust",
                    &["gained", "lost"][..],
                    "Trusted certificates gained and lost between scans",
                    "endpoints with a completed handshake in both scans",
                ),
            ] {
                let lines = t.lines_over_time("change", "endpoints", &[("facet", facet)], changes)?;
                if let Some((lines, low, high)) = lines {
                    figures.push(figure(
                        &format!("{name}-{facet}"),
                        title,
                        format!(
                            "Share of {what} that changed since the series' previous scan, at the later scan's date; N = {} to {} per pair",
                            thousands(low),
                            thousands(high)
                        ),
                        Kind::Lines {
                            series: lines,
                            axis: format!("share of {what}"),
                        },
                    ));
                }
            }
            figures
        }
        "cert_volatility" => {
            let changes = [
                "same_certificate",
                "renewed_same_key",
                "new_key_same_issuer",
                "new_issuer",
            ];
            match t.lines_over_time("value", "n", &[("facet", "change")], &changes)? {
                Some((lines, low, high)) => vec![figure(
                    name,
                    "What became of each endpoint's certificate since the previous scan",
                    format!(
                        "Share of endpoints serving a certificate in both scans, by what changed; N = {} to {} per pair",
                        thousands(low),
                        thousands(high)
                    ),
                    Kind::Lines {
                        series: lines,
                        axis: "share of endpoints with a certificate in both scans".into(),
                    },
                )],
                None => Vec::new(),
            }
        }
        "trust_anchor_drift" => {
            let ids = t.texts("scan_id")?;
            let dates = t.texts("scan_date")?;
            let ports = t.texts("port")?;
            let settings = t.texts("trust_setting")?;
            let ranks = t.texts("setting_rank")?;
            let several_ports = ports.iter().any(|p| *p != ports[0]);
            let mut legend: Vec<String> = Vec::new();
            let verdicts = t.texts("verdict")?;
            let endpoints = t.numbers("endpoints")?;
            let totals = t.numbers("trusted_default")?;
            let mut groups: Vec<(String, String)> = Vec::new();
            let mut labels = Vec::new();
            let mut cells: BTreeMap<(usize, String), f64> = BTreeMap::new();
            let mut order: Vec<String> = Vec::new();
            for i in 0..t.height {
                let key = (ids[i].clone(), settings[i].clone());
                let g = match groups.iter().position(|k| *k == key) {
                    Some(g) => g,
                    None => {
                        groups.push(key);
                        let port = if several_ports {
                            format!("port {} ", ports[i])
                        } else {
                            String::new()
                        };
                        labels.push(format!(
                            "{port}{}\nsetting {}\nN={}",
                            dates[i],
                            ranks[i],
                            thousands(totals[i])
                        ));
                        let named = format!("{} = {}", ranks[i], settings[i]);
                        if !legend.contains(&named) {
                            legend.push(named);
                        }
                        groups.len() - 1
                    }
                };
                if !order.contains(&verdicts[i]) {
                    order.push(verdicts[i].clone());
                }
                *cells.entry((g, verdicts[i].clone())).or_default() += ratio(endpoints[i], totals[i]);
            }
            // `ok` first, then the reasons in the order met.
            order.sort_by_key(|v| v != "ok");
            let segments = order
                .iter()
                .map(|v| {
                    let values = (0..groups.len())
                        .map(|g| cells.get(&(g, v.clone())).copied().unwrap_or(0.0))
                        .collect();
                    (v.clone(), values)
                })
                .collect();
            if groups.is_empty() {
                Vec::new()
            } else {
                vec![figure(
                    name,
                    "Chains trusted at the scan date, judged under each trust setting",
                    format!(
                        "Share of the completed handshakes whose chain the default setting trusts, by verdict under each setting ({}); N = those handshakes per scan",
                        legend.join(", ")
                    ),
                    Kind::Stacked {
                        groups: labels,
                        segments,
                    },
                )]
            }
        }
        "cert_reuse" => {
            let bars = t.ranked("example_cn", "", Some(("kind", "key")), 15)?;
            vec![figure(
                name,
                "The public keys served by the most endpoints, across scans",
                format!(
                    "Share of distinct endpoints (address and port) that served a certificate in any scan, serving each key (N = {}); top {}, labelled by a common name of its certificates",
                    thousands(bars.1),
                    bars.0.len()
                ),
                Kind::Ranked {
                    bars: bars.0,
                    classes: Vec::new(),
                    axis: "share of endpoints".into(),
                },
            )]
        }
        other => bail!("no chart is defined for catalogue table {other}"),
    };
    Ok(out)
}

/// A unit of analysis as a bar's label.
fn unit_label(unit: &str) -> &str {
    match unit {
        "ip" => "per IPv4 address",
        "mx_host" => "per MX host",
        "domain" => "per domain",
        "domain_by_rank" => "per domain, by rank",
        other => other,
    }
}

/// A scan as a bar's label.
struct Scan {
    id: String,
    label: String,
}

/// Long rows (one per key × segment) as a stacked chart wants them: the
/// first row of each distinct key, in row order, and for each wanted
/// segment its value per key (0 where a key has no row for it).
fn pivot(
    keys: &[String],
    segments: &[String],
    values: &[f64],
    wanted: &[&str],
) -> (Vec<usize>, Vec<Vec<f64>>) {
    let mut first: Vec<usize> = Vec::new();
    for i in 0..keys.len() {
        if !first.iter().any(|&j| keys[j] == keys[i]) {
            first.push(i);
        }
    }
    let per_segment = wanted
        .iter()
        .map(|segment| {
            first
                .iter()
                .map(|&j| {
                    (0..keys.len())
                        .find(|&i| keys[i] == keys[j] && segments[i] == *segment)
                        .map_or(0.0, |i| values[i])
                })
                .collect()
        })
        .collect();
    (first, per_segment)
}

/// Column access to an answer.
struct Table<'a> {
    df: &'a DataFrame,
    height: usize,
}

impl<'a> Table<'a> {
    fn new(df: &'a DataFrame) -> Result<Self> {
        Ok(Table {
            df,
            height: df.height(),
        })
    }

    fn texts(&self, column: &str) -> Result<Vec<String>> {
        let s = self.df.column(column)?.cast(&DataType::String)?;
        Ok(s.str()?
            .iter()
            .map(|v| v.unwrap_or("null").to_owned())
            .collect())
    }

    fn numbers(&self, column: &str) -> Result<Vec<f64>> {
        let s = self.df.column(column)?.cast(&DataType::Float64)?;
        Ok(s.f64()?.iter().map(|v| v.unwrap_or(0.0)).collect())
    }

    fn facet_rows(&self, column: &str, value: &str) -> Result<usize> {
        Ok(self.texts(column)?.iter().filter(|v| *v == value).count())
    }

    /// Lines over the later scan's date, one per series and value of
    /// `category` in `values`: the value's `count` over the facet's `base`,
    /// on the rows that pass `filters`; with the smallest and largest base.
    /// `None` when there is nothing to draw.
    fn lines_over_time(
        &self,
        category: &str,
        count: &str,
        filters: &[(&str, &str)],
        values: &[&str],
    ) -> Result<Option<(Lines, f64, f64)>> {
        let series = self.texts("series")?;
        let previous = self.texts("previous_scan_id")?;
        let dates = self.texts("scan_date")?;
        let categories = self.texts(category)?;
        let counts = self.numbers(count)?;
        let bases = self.numbers("base")?;
        let mut keep = vec![true; self.height];
        for (column, wanted) in filters {
            for (k, v) in keep.iter_mut().zip(self.texts(column)?) {
                *k &= v == *wanted;
            }
        }
        let mut lines: BTreeMap<(String, usize), Vec<(i64, f64)>> = BTreeMap::new();
        let (mut low, mut high) = (f64::MAX, 0.0f64);
        for i in (0..self.height).filter(|i| keep[*i]) {
            let Some(v) = values.iter().position(|v| *v == categories[i]) else {
                continue;
            };
            let Some(day) = crate::trust::store::parse_date(&dates[i]) else {
                continue;
            };
            if previous[i].is_empty() || bases[i] <= 0.0 {
                continue;
            }
            low = low.min(bases[i]);
            high = high.max(bases[i]);
            lines
                .entry((series[i].clone(), v))
                .or_default()
                .push((day / 86_400, counts[i] / bases[i]));
        }
        if lines.is_empty() {
            return Ok(None);
        }
        let names: std::collections::BTreeSet<&String> = lines.keys().map(|(s, _)| s).collect();
        let several_series = names.len() > 1;
        let lines = lines
            .into_iter()
            .map(|((s, v), mut points)| {
                points.sort_by_key(|p| p.0);
                let label = if several_series {
                    format!("{s} {}", values[v].replace('_', " "))
                } else {
                    values[v].replace('_', " ")
                };
                (label, points)
            })
            .collect();
        Ok(Some((lines, low, high)))
    }

    /// The distinct scans of the answer in row order, labelled by port
    /// (and date where a port has several scans).
    fn scans(&self) -> Vec<Scan> {
        let ids = self.texts("scan_id").unwrap_or_default();
        let ports = self.texts("port").unwrap_or_default();
        let protocols = self.texts("protocol").ok();
        let mut seen: Vec<(String, String, String)> = Vec::new();
        for i in 0..ids.len() {
            if !seen.iter().any(|(id, _, _)| *id == ids[i]) {
                let protocol = protocols.as_ref().map_or(String::new(), |p| p[i].clone());
                seen.push((ids[i].clone(), ports[i].clone(), protocol));
            }
        }
        seen.iter()
            .map(|(id, port, protocol)| {
                let several = seen.iter().filter(|(_, p, _)| p == port).count() > 1;
                let mut label = if protocol.is_empty() {
                    format!("port {port}")
                } else {
                    format!("{port} {protocol}")
                };
                if several {
                    label.push_str(&format!(" {}", scan_date(id).unwrap_or_else(|| id.clone())));
                }
                Scan {
                    id: id.clone(),
                    label,
                }
            })
            .collect()
    }

    fn stacked_subtitle(&self, what: &str) -> String {
        let total: f64 = self.numbers("endpoints").unwrap_or_default().iter().sum();
        let bars = self.scans().len();
        let per_bar = if self.texts("view").is_ok() {
            total / 2.0
        } else {
            total
        };
        format!(
            "Share of {what}; N per bar below ({} in all, {bars} scans)",
            thousands(per_bar)
        )
    }

    fn stacked_subtitle_of(&self, filters: &[(&str, &str)], what: &str) -> Result<String> {
        let mut keep = vec![true; self.height];
        for (column, value) in filters {
            for (k, v) in keep.iter_mut().zip(self.texts(column)?) {
                *k &= v == *value;
            }
        }
        let total: f64 = self
            .numbers("endpoints")?
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(n, _)| n)
            .sum();
        Ok(format!(
            "Share of {what}; N per bar below ({} in all)",
            thousands(total)
        ))
    }

    fn stacked(&self, category: &str, only: Option<(&str, &str)>) -> Result<Kind> {
        let filters: Vec<(&str, &str)> = only.into_iter().collect();
        self.stacked_filtered(category, &filters)
    }

    /// Stacked bars per scan of `category`'s values, over the rows that
    /// pass `filters`; shares of each scan's total over those rows.
    fn stacked_filtered(&self, category: &str, filters: &[(&str, &str)]) -> Result<Kind> {
        let ids = self.texts("scan_id")?;
        let values = self.texts(category)?;
        let endpoints = self.numbers("endpoints")?;
        let mut keep = vec![true; self.height];
        for (column, wanted) in filters {
            for (k, v) in keep.iter_mut().zip(self.texts(column)?) {
                *k &= v == *wanted;
            }
        }
        let scans = self.scans();
        let mut order: Vec<String> = Vec::new();
        let mut cells: BTreeMap<(String, String), f64> = BTreeMap::new();
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for i in (0..self.height).filter(|i| keep[*i]) {
            if !order.contains(&values[i]) {
                order.push(values[i].clone());
            }
            *cells
                .entry((ids[i].clone(), values[i].clone()))
                .or_default() += endpoints[i];
            *totals.entry(ids[i].clone()).or_default() += endpoints[i];
        }
        let scans: Vec<&Scan> = scans
            .iter()
            .filter(|s| totals.contains_key(&s.id))
            .collect();
        // Versions by their code, sizes in numeric order (not-logged and
        // other words last); other categories largest first.
        let codes: BTreeMap<String, f64> = match self.numbers("tls_version") {
            Ok(codes) => values.iter().cloned().zip(codes).collect(),
            Err(_) => values
                .iter()
                .filter_map(|v| Some((v.clone(), v.parse().ok()?)))
                .collect(),
        };
        let numeric = codes.len() * 2 > order.len();
        order.sort_by(|a, b| {
            if numeric {
                let key = |v: &String| codes.get(v).copied().unwrap_or(f64::INFINITY);
                return key(a).total_cmp(&key(b)).then(a.cmp(b));
            }
            let sum = |v: &String| -> f64 {
                cells
                    .iter()
                    .filter(|((_, c), _)| c == v)
                    .map(|(_, n)| n)
                    .sum()
            };
            sum(b).total_cmp(&sum(a)).then(a.cmp(b))
        });
        let segments = order
            .iter()
            .map(|v| {
                let shares = scans
                    .iter()
                    .map(|s| {
                        ratio(
                            cells
                                .get(&(s.id.clone(), v.clone()))
                                .copied()
                                .unwrap_or(0.0),
                            totals[&s.id],
                        )
                    })
                    .collect();
                (v.clone(), shares)
            })
            .collect();
        let groups = scans
            .iter()
            .map(|s| format!("{}\nN={}", s.label, thousands(totals[&s.id])))
            .collect();
        Ok(Kind::Stacked { groups, segments })
    }

    /// Stacked bars per scan and `pair` value (computed, recorded), side by side.
    fn stacked_by(&self, category: &str, pair: &str) -> Result<Kind> {
        let pairs: Vec<String> = {
            let mut v = self.texts(pair)?;
            v.dedup();
            let mut seen = Vec::new();
            for x in v {
                if !seen.contains(&x) {
                    seen.push(x);
                }
            }
            seen
        };
        let mut groups = Vec::new();
        let mut segments: Vec<(String, Vec<f64>)> = Vec::new();
        for scan in self.scans() {
            for p in &pairs {
                let Kind::Stacked {
                    groups: g,
                    segments: s,
                } = self.stacked_filtered(category, &[("scan_id", &scan.id), (pair, p)])?
                else {
                    continue;
                };
                let Some(label) = g.first() else { continue };
                let (head, n) = label.split_once('\n').unwrap_or((label, ""));
                groups.push(format!("{head}\n{p}\n{n}"));
                let column = groups.len() - 1;
                for (name, shares) in s {
                    match segments.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, values)) => values.push(shares[0]),
                        None => {
                            let mut values = vec![0.0; column];
                            values.push(shares[0]);
                            segments.push((name, values));
                        }
                    }
                }
                for (_, values) in segments.iter_mut() {
                    values.resize(groups.len(), 0.0);
                }
            }
        }
        Ok(Kind::Stacked { groups, segments })
    }

    /// The `top` largest `label` values pooled over the rows (that pass
    /// `only`), with their share of the pooled total and their `class`;
    /// also the pooled total.
    #[allow(clippy::type_complexity)]
    fn ranked(
        &self,
        label: &str,
        class: &str,
        only: Option<(&str, &str)>,
        top: usize,
    ) -> Result<(Vec<(String, f64, u64, String)>, f64)> {
        let labels = self.texts(label)?;
        let classes = if class.is_empty() {
            vec![String::new(); self.height]
        } else {
            self.texts(class)?
        };
        // What the bars count: endpoints, or (where a table counts hosts,
        // records or routes) `count`, or domains.
        let endpoints = self
            .numbers("endpoints")
            .or_else(|_| self.numbers("count"))
            .or_else(|_| self.numbers("domains"))?;
        let keep: Vec<bool> = match only {
            Some((column, value)) => self.texts(column)?.iter().map(|v| v == value).collect(),
            None => vec![true; self.height],
        };
        let mut pooled: BTreeMap<(String, String), f64> = BTreeMap::new();
        for i in (0..self.height).filter(|i| keep[*i]) {
            *pooled
                .entry((labels[i].clone(), classes[i].clone()))
                .or_default() += endpoints[i];
        }
        // The denominator: the table's own share column gives it back
        // (share = endpoints / denominator), per row.
        let total = match self.numbers("share") {
            Ok(shares) => {
                let mut denominators: BTreeMap<String, f64> = BTreeMap::new();
                let ids = self
                    .texts("scan_id")
                    .unwrap_or_else(|_| vec![String::new(); self.height]);
                for i in (0..self.height).filter(|i| keep[*i] && shares[*i] > 0.0) {
                    denominators.insert(ids[i].clone(), (endpoints[i] / shares[i]).round());
                }
                if ids.iter().all(|s| s.is_empty()) {
                    denominators.values().next().copied().unwrap_or(0.0)
                } else {
                    denominators.values().sum()
                }
            }
            Err(_) => pooled.values().sum(),
        };
        let mut bars: Vec<(String, f64, u64, String)> = pooled
            .into_iter()
            .map(|((l, c), n)| (l, ratio(n, total), n as u64, c))
            .collect();
        bars.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        bars.truncate(top);
        Ok((bars, total))
    }
}

/// Working TLS per scan over scan dates, where some port has several
/// dated scans.
fn over_time(t: &Table) -> Result<Option<Kind>> {
    let ids = t.texts("scan_id")?;
    let ports = t.texts("port")?;
    let responding = t.numbers("responding")?;
    let completed = t.numbers("tls_completed")?;
    let mut series: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for i in 0..t.height {
        let Some(day) = scan_date(&ids[i]).and_then(|d| crate::trust::store::parse_date(&d)) else {
            continue;
        };
        series
            .entry(format!("port {}", ports[i]))
            .or_default()
            .push((day / 86_400, ratio(completed[i], responding[i])));
    }
    if !series.values().any(|points| points.len() > 1) {
        return Ok(None);
    }
    let series = series
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by_key(|p| p.0);
            (k, v)
        })
        .collect();
    Ok(Some(Kind::Lines {
        series,
        axis: "share of responding endpoints with working TLS".into(),
    }))
}

/// The date of a scans.io series id (`…-20150803T040000`), as YYYY-MM-DD.
fn scan_date(id: &str) -> Option<String> {
    id.split('-').find_map(|part| {
        let d = part.get(..8)?;
        (part.len() == 15 && part.as_bytes()[8] == b'T' && d.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]))
    })
}

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

/// A count with thousands separators: 20270768 → 20,270,768.
pub fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(thousands(20_270_768.0), "20,270,768");
        assert_eq!(thousands(638.0), "638");
        assert_eq!(
            scan_date("25-smtp-starttls-full_ipv4-20150803T040000").as_deref(),
            Some("2015-08-03")
        );
        assert_eq!(scan_date("25-smtp-starttls-hosts"), None);
    }
}
