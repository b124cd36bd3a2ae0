//! The report's "Challenge" section: claims the 2015 papers and their
//! press made that a dataset can test, each measured under several cuts
//! (a value of one catalogue table, computed by a query over its answer),
//! with one plain sentence on what the numbers support.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context as _, Result};
use polars::prelude::*;

/// One way of measuring a claim: a share read from a catalogue table.
pub struct Cut {
    /// What is measured, with its denominator.
    pub label: &'static str,
    /// The catalogue table.
    pub table: &'static str,
    /// A query over the table's answer (`t`) giving one `value`, a share 0–1.
    pub query: &'static str,
}

/// A claim and how the data tests it.
pub struct Claim {
    /// Short id.
    pub id: &'static str,
    /// The claim, as it was made or read.
    pub claim: &'static str,
    /// Who made it, with the published numbers' ids in `data/paper/published.csv`.
    pub said_by: &'static str,
    /// The cuts, in the order the sentence reads them.
    pub cuts: &'static [Cut],
    /// The sentence the values support (`None`: not measured here).
    pub verdict: fn(&[Option<f64>]) -> String,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "not measured".into(), |v| format!("{:.1} %", 100.0 * v))
}

fn all(values: &[Option<f64>]) -> Option<Vec<f64>> {
    values.iter().copied().collect()
}

/// Every claim the report tests.
pub const CLAIMS: &[Claim] = &[
    Claim {
        id: "a_third_encrypt",
        claim: "Only about a third of mail servers successfully configure encryption.",
        said_by: "Durumeric et al., IMC 2015: 35 % of the SMTP servers of the Alexa top-million domains (published ids durumeric2015_alexa_smtp_servers, durumeric2015_alexa_encryption)",
        cuts: &[
            Cut {
                label: "per IPv4 address answering on port 25 (the scan's own unit)",
                table: "unit_of_analysis",
                query: "SELECT tls_completed_share AS value FROM t WHERE unit = 'ip'",
            },
            Cut {
                label: "per MX host answering on port 25, at its weakest address",
                table: "unit_of_analysis",
                query: "SELECT tls_completed_share AS value FROM t WHERE unit = 'mx_host'",
            },
            Cut {
                label: "per domain with an answering MX host, at its weakest",
                table: "unit_of_analysis",
                query: "SELECT tls_completed_share AS value FROM t WHERE unit = 'domain'",
            },
            Cut {
                label: "per top-list domain, weighted by 1/rank",
                table: "unit_of_analysis",
                query: "SELECT tls_completed_share AS value FROM t WHERE unit = 'domain_by_rank'",
            },
        ],
        verdict: |v| match all(v) {
            Some(v) => {
                let (lo, hi) = v
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
                format!(
                    "Completed STARTTLS on port 25 is {} per address and {} per popularity-weighted domain; \
                     across the four units it spans {:.1} percentage points, so a headline share says which \
                     unit was counted as much as how servers behave.",
                    pct(Some(v[0])),
                    pct(Some(v[3])),
                    100.0 * (hi - lo)
                )
            }
            None => "Not measurable here: the dataset lacks port-25 scans or DNS data for some units.".into(),
        },
    },
    Claim {
        id: "untrusted_means_broken",
        claim: "Most mail servers present certificates no client would accept, so e-mail encryption is broken.",
        said_by: "the reading of Mayer et al. 2015 ('No Need for Black Chambers') in the press; the paper's trust tables count every port alike",
        cuts: &[
            Cut {
                label: "port 25: completed handshakes with a CA-trusted certificate",
                table: "port_semantics",
                query: "SELECT CAST(SUM(trusted) AS DOUBLE) / SUM(completed) AS value FROM t WHERE port = 25",
            },
            Cut {
                label: "port 25: answering addresses safe from passive wiretap (completed, not NULL or EXPORT)",
                table: "protection_levels",
                query: "SELECT SUM(share) AS value FROM t WHERE unit = 'ip' AND level_order >= 5 AND level_order < 100",
            },
            Cut {
                label: "client ports (465, 587, 143, 993, 110, 995): completed handshakes with a CA-trusted certificate",
                table: "port_semantics",
                query: "SELECT CAST(SUM(trusted) AS DOUBLE) / SUM(completed) AS value FROM t WHERE port <> 25",
            },
        ],
        verdict: |v| match (v[0], v[1], v[2]) {
            (Some(trusted25), Some(safe), Some(clients)) => format!(
                "On port 25 {} of completed handshakes present a trusted certificate, but senders do not check it \
                 there: {} of answering addresses are safe from passive wiretap whatever the certificate. \
                 Untrusted certificates are a failure on the client ports, where clients check them and {} are trusted.",
                pct(Some(trusted25)),
                pct(Some(safe)),
                pct(Some(clients))
            ),
            _ => "Not measurable here: the dataset lacks port 25 or the client ports.".into(),
        },
    },
    Claim {
        id: "trust_protects",
        claim: "A trusted certificate is what protects mail between servers.",
        said_by: "the trust tables of Mayer et al. 2015 and Durumeric et al. 2015, read as a measure of protection",
        cuts: &[
            Cut {
                label: "domains whose every answering MX address presented a trusted chain",
                table: "protection_levels",
                query: "SELECT COALESCE(SUM(share), 0.0) AS value FROM t WHERE unit = 'domain' AND level = 'trusted_certificate'",
            },
            Cut {
                label: "domains a sender can authenticate (DANE, or enforced MTA-STS naming the host)",
                table: "protection_levels",
                query: "SELECT COALESCE(SUM(share), 0.0) AS value FROM t WHERE unit = 'domain' AND level IN ('dane', 'mta_sts')",
            },
            Cut {
                label: "domains safe from passive wiretap at their weakest MX (completed, not NULL or EXPORT)",
                table: "protection_levels",
                query: "SELECT SUM(share) AS value FROM t WHERE unit = 'domain' AND level_order >= 5 AND level_order < 100",
            },
        ],
        verdict: |v| match (v[0], v[1], v[2]) {
            (Some(trusted), Some(authenticated), Some(safe)) => format!(
                "{} of domains present trusted certificates at every MX, yet only {} can be authenticated by a \
                 sender; against an active attacker the others are downgraded or impersonated whatever their \
                 certificate, while {} are safe from passive wiretap.",
                pct(Some(trusted)),
                pct(Some(authenticated)),
                pct(Some(safe))
            ),
            _ => "Not measurable here: the dataset has no domains (DNS data) with answering MX hosts.".into(),
        },
    },
    Claim {
        id: "dane_unusable",
        claim: "Where DANE is deployed, its TLSA records are often unusable or do not match the certificate served.",
        said_by: "Lee et al., USENIX Security 2020: 36 % of TLSA records cannot be validated, 14.17 % are inconsistent (published ids lee2020_tlsa_unvalidatable, lee2020_tlsa_inconsistent)",
        cuts: &[
            Cut {
                label: "MX hosts publishing TLSA records for port 25",
                table: "dane_adoption",
                query: "SELECT COALESCE(SUM(share), 0.0) AS value FROM t WHERE facet = 'tlsa' AND value = 'with_tlsa'",
            },
            Cut {
                label: "routes with TLSA records and a completed handshake whose chain matches",
                table: "dane_adoption",
                query: "SELECT COALESCE(SUM(share), 0.0) AS value FROM t WHERE facet = 'verdict' AND value = 'match'",
            },
            Cut {
                label: "the same routes whose records DNSSEC did not authenticate",
                table: "dane_adoption",
                query: "SELECT COALESCE(SUM(share), 0.0) AS value FROM t WHERE facet = 'verdict' AND value = 'no_dnssec'",
            },
        ],
        verdict: |v| match (v[0], v[1], v[2]) {
            (Some(published), Some(matched), Some(unsigned)) if published > 0.0 => format!(
                "{} of MX hosts publish TLSA records; of the routes judged, {} match the chain served and {} are \
                 unusable for lack of DNSSEC: the rest fail for a reason `dane_adoption` names.",
                pct(Some(published)),
                pct(Some(matched)),
                pct(Some(unsigned))
            ),
            _ => "Not measurable here: no MX host of the dataset publishes TLSA records.".into(),
        },
    },
    Claim {
        id: "mta_sts_rare",
        claim: "MTA-STS is barely deployed, and often misconfigured where it is.",
        said_by: "Tatang, Flume, Holz: 0.0124 % of 1.76 M domains; Ashiq, Fiebig, Chung: 29.6 % of 68K misconfigured (published ids tatang_mtasts_adoption, ashiq_mtasts_misconfigured)",
        cuts: &[
            Cut {
                label: "domains looked up that publish an MTA-STS record",
                table: "mta_sts_adoption",
                query: "SELECT COALESCE(SUM(CASE WHEN published = 1 THEN share ELSE 0.0 END), 0.0) AS value FROM t",
            },
            Cut {
                label: "of those, misconfigured (bad record, no policy, bad policy)",
                table: "mta_sts_adoption",
                query: "SELECT COALESCE(SUM(CASE WHEN state IN ('invalid_record', 'no_policy', 'invalid_policy') THEN share_of_published ELSE 0.0 END), 0.0) AS value FROM t",
            },
            Cut {
                label: "of those, enforcing",
                table: "mta_sts_adoption",
                query: "SELECT COALESCE(SUM(CASE WHEN state = 'enforce' THEN share_of_published ELSE 0.0 END), 0.0) AS value FROM t",
            },
        ],
        verdict: |v| match (v[0], v[1], v[2]) {
            (Some(published), Some(broken), Some(enforce)) if published > 0.0 => format!(
                "{} of the domains looked up publish MTA-STS; of those {} are misconfigured so senders ignore them, \
                 and {} enforce it.",
                pct(Some(published)),
                pct(Some(broken)),
                pct(Some(enforce))
            ),
            _ => "Not measurable here: no domain of the dataset publishes an MTA-STS record.".into(),
        },
    },
    Claim {
        id: "censys_overstates",
        claim: "STARTTLS success counted from Censys host records is what the scanner saw.",
        said_by: "an assumption of studies built on Censys' IPv4 snapshots: ztag keeps a `tls` object with a version for a handshake that failed after the ServerHello",
        cuts: &[
            Cut {
                label: "endpoints in both views whose handshake Censys shows as completed but the raw scan as failed",
                table: "censys_overstatement",
                query: "SELECT CAST(SUM(overstated) AS DOUBLE) / SUM(endpoints) AS value FROM t",
            },
            Cut {
                label: "completed handshakes counted from Censys records, beyond the raw scan's (relative to the raw count)",
                table: "censys_overstatement",
                query: "SELECT CAST(SUM(censys_completed) - SUM(raw_completed) AS DOUBLE) / SUM(raw_completed) AS value FROM t",
            },
        ],
        verdict: |v| match (v[0], v[1]) {
            (Some(over), Some(relative)) => format!(
                "Counting from Censys records overstates completed STARTTLS: {} of the endpoints seen in both \
                 views look completed there but failed in the raw scan, {} more completions than the scanner saw.",
                pct(Some(over)),
                pct(Some(relative))
            ),
            _ => "Not measurable here: no port of this dataset was scanned in both views (raw ZGrab and \
                     Censys records of one scan); `mailtls synth --censys-view` makes such an archive."
                .into(),
        },
    },
];

/// A claim measured on a dataset.
pub struct Measured {
    /// The claim.
    pub claim: &'static Claim,
    /// Each cut's value.
    pub values: Vec<Option<f64>>,
}

/// Measures every claim on the catalogue tables' answers (name → answer).
pub fn measure(tables: &BTreeMap<&str, DataFrame>) -> Result<Vec<Measured>> {
    let mut out = Vec::new();
    for claim in CLAIMS {
        let mut values = Vec::new();
        for cut in claim.cuts {
            let value = match tables.get(cut.table) {
                Some(df) if df.height() > 0 => {
                    let answer = crate::query::over_answer(df.clone(), cut.query)
                        .with_context(|| format!("claim {}, cut on {}", claim.id, cut.table))?;
                    answer
                        .column("value")?
                        .cast(&DataType::Float64)?
                        .f64()?
                        .iter()
                        .next()
                        .flatten()
                        .filter(|v| v.is_finite())
                }
                _ => None,
            };
            values.push(value);
        }
        out.push(Measured { claim, values });
    }
    Ok(out)
}

/// The section in Markdown.
pub fn markdown(measured: &[Measured]) -> Result<String> {
    let mut md = String::new();
    writeln!(
        md,
        "## Challenge: what the 2015 headlines say, and what the data supports"
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "Each claim below is measured under several cuts; every number is a share read from \
         the catalogue table named beside it, by the query given."
    )?;
    writeln!(md)?;
    for m in measured {
        writeln!(md, "### {}", m.claim.claim)?;
        writeln!(md)?;
        writeln!(md, "Said by: {}.", m.claim.said_by)?;
        writeln!(md)?;
        writeln!(md, "| cut | value | table | query |")?;
        writeln!(md, "|---|---|---|---|")?;
        for (cut, value) in m.claim.cuts.iter().zip(&m.values) {
            writeln!(
                md,
                "| {} | {} | `{}` | `{}` |",
                cut.label,
                pct(*value),
                cut.table,
                cut.query
            )?;
        }
        writeln!(md)?;
        writeln!(
            md,
            "**What the data supports:** {}",
            (m.claim.verdict)(&m.values)
        )?;
        writeln!(md)?;
    }
    Ok(md)
}
