//! The table catalogue: named, documented SQL queries over a dataset.
//!
//! Each table is one portable SQL file in `sql/` (plain SQL that polars,
//! DuckDB and Spark SQL all accept: no engine-specific functions; derived
//! facts come from dataset columns; fractional literals written as
//! `CAST(… AS DOUBLE)`, since Spark reads `1.0` as a decimal), with its
//! metadata here as data.

pub mod diff;
pub mod scope;

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use polars::prelude::{concat, Column, DataFrame, IntoLazy, UnionArgs};

use scope::ScansRead;

/// One catalogue table.
pub struct Entry {
    /// Name (`mailtls table NAME`), also the SQL file's stem.
    pub name: &'static str,
    /// Title for reports and charts.
    pub title: &'static str,
    /// What one row is.
    pub row: &'static str,
    /// The denominator of its shares, in words.
    pub denominator: &'static str,
    /// The paper table or figure it reproduces or challenges.
    pub paper: &'static str,
    /// The chart it wants.
    pub chart: &'static str,
    /// The query.
    pub sql: &'static str,
    /// The scans its rows can come from: the only ones it reads.
    pub reads: ScansRead,
}

/// Every catalogue table, in report order.
pub const CATALOGUE: &[Entry] = &[
    Entry {
        name: "scan_summary",
        title: "What each scan found, from connection to completed TLS",
        row: "one scan (port, protocol and TLS mode on one date)",
        denominator: "endpoints scanned; the status columns add up to it",
        paper: "reproduces the scan totals of Mayer et al. 2015 (scans, valid responses)",
        chart: "stacked bars per port: status of every endpoint",
        sql: include_str!("sql/scan_summary.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "tls_support",
        title: "Working TLS among responding servers, per port",
        row: "port × protocol × TLS mode",
        denominator: "responding endpoints (a TCP connection was made)",
        paper: "reproduces TLS support per port; challenges a single headline share across ports",
        chart: "bars per port: share with working TLS",
        sql: include_str!("sql/tls_support.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "version_negotiated",
        title: "Negotiated protocol versions",
        row: "scan × negotiated version",
        denominator: "completed TLS handshakes of the scan",
        paper: "reproduces the protocol-version distribution per port",
        chart: "stacked bars per port: version shares",
        sql: include_str!("sql/version_negotiated.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "cipher_negotiated",
        title: "Negotiated cipher suites and their classes",
        row: "scan × negotiated cipher suite, most frequent first",
        denominator: "completed TLS handshakes of the scan",
        paper: "reproduces the cipher-suite distribution; classes by cipherscan, testssl and OpenSSL",
        chart: "horizontal bars per port: top suites, coloured by testssl bucket",
        sql: include_str!("sql/cipher_negotiated.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "key_exchange",
        title: "Key exchange: kind, DH prime sizes and names, curves, export RSA",
        row: "scan × facet (kex, server_key_exchange, dh_prime_bits, dh_group, ecdh_curve, rsa_export_bits) × value",
        denominator: "completed TLS handshakes of the scan (`completed`), for every facet; \
                      `ske_not_logged` of them used a suite with a ServerKeyExchange the record \
                      does not show, counted as `not_logged` in the parameter facets",
        paper: "reproduces the key-exchange and DH-size findings; names the widely shared primes",
        chart: "stacked bars per port and facet",
        sql: include_str!("sql/key_exchange.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "cert_trust",
        title: "Certificate trust at the scan date, computed and as recorded",
        row: "scan × view (computed, recorded) × category",
        denominator: "completed TLS handshakes of the scan; each view adds up to it",
        paper: "reproduces certificate validity; challenges the scanner's verdict with a dated root store",
        chart: "stacked bars per port: computed categories beside the recorded view",
        sql: include_str!("sql/cert_trust.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "cert_keys",
        title: "Leaf keys and signature algorithms, all and trusted",
        row: "scan × subset (all, trusted) × facet (key, signature) × value",
        denominator: "completed handshakes with a certificate (all), or with a trusted chain (trusted)",
        paper: "reproduces key sizes and signature algorithms of served certificates",
        chart: "stacked bars per port: key sizes, all vs trusted",
        sql: include_str!("sql/cert_keys.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "shared_certs",
        title: "Certificates and keys served by the most endpoints",
        row: "a certificate or SPKI among the 25 most served of its kind",
        denominator: "completed handshakes with a certificate, all scans",
        paper: "reproduces the shared-key finding (device defaults, vendor keys)",
        chart: "horizontal bars: endpoints per shared certificate",
        sql: include_str!("sql/shared_certs.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "trust_agreement",
        title: "Recorded vs computed certificate trust",
        row: "port × scanner verdict × computed verdict and reason",
        denominator: "endpoints whose record carries the scanner's browser_trusted verdict",
        paper: "challenges the scanner-recorded trust behind the certificate tables",
        chart: "stacked bars: computed reason within recorded trusted / untrusted",
        sql: include_str!("sql/trust_agreement.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "version_support",
        title: "Protocol versions the endpoints of each port accept",
        row: "port × protocol × protocol version tried",
        denominator: "TLS endpoints of the port (`tls_endpoints`: accepted at least one suite); `not_tested` of them were not tried with the version",
        paper: "reproduces Mayer et al. 2015's protocol-version figure (SSLv2, SSLv3, TLS 1.0, 1.1, 1.2 per port), from enumeration data",
        chart: "bars per port: share of TLS endpoints accepting each version",
        sql: include_str!("sql/version_support.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "weak_cipher_support",
        title: "Weak suites accepted and forward secrecy, per port",
        row: "port × protocol × property (null, anon, export, des, rc4, 3des, pfs_supported, pfs_preferred, suite_not_known)",
        denominator: "TLS endpoints of the port (`tls_endpoints`)",
        paper: "reproduces Mayer et al. 2015's weak-cipher findings (support, not only the suite one client negotiated)",
        chart: "horizontal bars: share of TLS endpoints accepting each weak kind",
        sql: include_str!("sql/weak_cipher_support.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "cipher_families",
        title: "Suite families the endpoints accept, accept only, and prefer",
        row: "port × protocol × cipherscan family (AES-GCM, AES, ChaCha20, 3DES, RC4, …; not_known)",
        denominator: "TLS endpoints of the port (`tls_endpoints`: accepted at least one suite)",
        paper: "reproduces the cipherscan-style family view of support (Mozilla's top-1M runs) for mail ports",
        chart: "horizontal bars: share of TLS endpoints preferring each family",
        sql: include_str!("sql/cipher_families.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "negotiated_vs_preferred",
        title: "The suite a scan negotiated against the server's preference the enumeration found",
        row: "port",
        denominator: "completed handshakes whose address, port and version an enumeration covers (`endpoints`); for `preferred_share`, those with a recorded preference",
        paper: "links the two kinds of data: how well one scanner's negotiated suite stands for what servers prefer",
        chart: "bars per port: share of handshakes whose suite is the server's preferred one",
        sql: include_str!("sql/negotiated_vs_preferred.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "client_simulation",
        title: "What named 2015 clients would negotiate with the enumerated endpoints",
        row: "client (client_offers) × port × protocol × outcome (no_common_suite, not_determinable, weak, strong)",
        denominator: "TLS endpoints of the port (`tls_endpoints`: accepted at least one suite), each scan of an endpoint counted",
        paper: "extends Mayer et al. 2015's support tables to what real senders and mail clients of the time would have got",
        chart: "stacked bars per client: share of endpoints by outcome",
        sql: include_str!("sql/client_simulation.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "handshake_accounting",
        title: "Enumeration handshakes: accepted, rejected, failed",
        row: "scan (an input file of enumeration output)",
        denominator: "the scan's individual handshakes (`handshakes`); no shares where the tool recorded no rejection",
        paper: "reproduces Mayer et al. 2015's handshake accounting: 89.78 % rejected, 8.26 % accepted, 1.95 % errors",
        chart: "stacked bars per scan: accepted, rejected and failed handshakes",
        sql: include_str!("sql/handshake_accounting.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "top_domains_smtp",
        title: "Mail servers of popular domains: STARTTLS and trusted, named certificates",
        row: "top list",
        denominator: "MX hosts of the list's domains with a scanned address (`mx_hosts_scanned`)",
        paper: "reproduces Durumeric et al. 2015's top-million view; challenges the per-IP headline",
        chart: "bars per list: share of MX hosts with STARTTLS, and with a trusted certificate naming the host",
        sql: include_str!("sql/top_domains_smtp.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "dane_adoption",
        title: "DANE among the MX hosts: TLSA records, DNSSEC, parameters and verdicts",
        row: "facet (tlsa, dnssec, usage, selector, matching, verdict) × value",
        denominator: "per facet (`total`): MX hosts; MX hosts with TLSA; TLSA records; routes with a completed port-25 handshake and TLSA records",
        paper: "challenges the 'trusted certificate' headline: on port 25 only DANE (or MTA-STS) makes a certificate protect against an active attacker",
        chart: "horizontal bars: DANE verdicts of the chains served",
        sql: include_str!("sql/dane_adoption.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "port_semantics",
        title: "What a trusted certificate means on each port",
        row: "port × protocol × TLS mode",
        denominator: "completed TLS handshakes of the port (`completed`), all scans pooled",
        paper: "challenges reading one trust share across ports: on port 25 trust protects against an active attacker only with DANE or MTA-STS",
        chart: "bars per port: share of completed handshakes with a trusted certificate",
        sql: include_str!("sql/port_semantics.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "censys_overstatement",
        title: "Censys host records overstate completed STARTTLS",
        row: "port × raw scan × Censys scan of the same port, protocol and TLS mode",
        denominator: "endpoints present in both scans (`endpoints`); `overstatement` relative to the raw scan's completed handshakes",
        paper: "challenges STARTTLS success counted from Censys snapshots: ztag keeps a handshake that failed after the server hello as a `tls` object",
        chart: "paired bars per port: completed share in the raw scan and in the Censys records",
        sql: include_str!("sql/censys_overstatement.sql"),
        reads: ScansRead::RawAndCensys,
    },
    Entry {
        name: "mta_sts_adoption",
        title: "MTA-STS among the domains: published, valid, enforced",
        row: "MTA-STS state a sender concludes (no_record, invalid_record, no_policy, invalid_policy, mode_none, testing, enforce)",
        denominator: "domains whose `_mta-sts` record was looked up (`looked_up`); for `share_of_published`, those with a record (`with_record`)",
        paper: "post-dates the 2015 papers: MTA-STS (RFC 8461, 2018) is the second way a sender can insist on an authenticated port-25 server",
        chart: "horizontal bars: domains by MTA-STS state",
        sql: include_str!("sql/mta_sts_adoption.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "protection_levels",
        title: "What protects mail to port 25: from plaintext to DANE, per unit of analysis",
        row: "unit of analysis (ip, mx_host, domain, domain_by_rank) × protection level, plus the paper's trusted_certificate for comparison",
        denominator: "units that answered on port 25 (`answered`; weights 1/rank for domain_by_rank); not_scanned and no_answer counted outside it",
        paper: "challenges 'only a third of mail servers present a trusted certificate': on port 25 what counts is STARTTLS against passive wiretap and DANE or MTA-STS against an active attacker",
        chart: "stacked bars per unit: share of each protection level",
        sql: concat!(
            include_str!("sql/unit_levels.cte.sql"),
            include_str!("sql/protection_levels.sql")
        ),
        reads: ScansRead::All,
    },
    Entry {
        name: "unit_of_analysis",
        title: "The same scan, four headlines: per IP, per MX host, per domain, per popular domain",
        row: "unit of analysis (ip, mx_host, domain, domain_by_rank)",
        denominator: "units that answered on port 25 (`answered`; weights 1/rank for domain_by_rank)",
        paper: "challenges counting per IPv4 address (Mayer et al. 2015) against per-domain views (Durumeric et al. 2015)",
        chart: "grouped bars: STARTTLS, completed TLS, trusted certificate and authenticated shares per unit",
        sql: concat!(
            include_str!("sql/unit_levels.cte.sql"),
            include_str!("sql/unit_of_analysis.sql")
        ),
        reads: ScansRead::All,
    },
    Entry {
        name: "scan_delta",
        title: "What changed between consecutive scans of each series",
        row: "pair of consecutive scans of a series × facet (presence, tls, version, cipher, trust) × change",
        denominator: "per facet (`base`): endpoints in either scan (presence); in both scans (tls); \
                      with a completed handshake in both scans (version, cipher, trust)",
        paper: "follows up Mayer et al. 2015's closing point on volatility: the same servers, scan after scan",
        chart: "lines over scan dates: TLS and trust gained and lost, per series",
        sql: concat!(
            include_str!("sql/scan_pairs.cte.sql"),
            include_str!("sql/scan_delta.sql")
        ),
        reads: ScansRead::Paired,
    },
    Entry {
        name: "cert_volatility",
        title: "Certificates from scan to scan: kept, renewed, rekeyed, reissued; lifetimes and replacement",
        row: "scan (with the one before it) × facet (change, replaced_at, tenure, lifetime) × value",
        denominator: "per facet (`base`): endpoints with a certificate in both scans (change); endpoints \
                      whose certificate changed (replaced_at, tenure); distinct leaves served in the scan (lifetime)",
        paper: "measures Mayer et al. 2015's 'volatility of TLS certificates' on endpoints seen in several scans",
        chart: "stacked bars per scan: what became of each endpoint's certificate",
        sql: concat!(
            include_str!("sql/scan_pairs.cte.sql"),
            include_str!("sql/cert_volatility.sql")
        ),
        reads: ScansRead::All,
    },
    Entry {
        name: "trust_anchor_drift",
        title: "Which roots anchor trusted chains, and their fate under other root stores",
        row: "scan × trust setting × anchoring root (default setting) × verdict under the setting",
        denominator: "completed handshakes of the scan whose chain is valid under the default setting (`trusted_default`)",
        paper: "measures Mayer et al. 2015's 'volatility of trust anchors': the same chains judged with the stores of other dates",
        chart: "stacked bars per scan and setting: still trusted, and why not",
        sql: include_str!("sql/trust_anchor_drift.sql"),
        reads: ScansRead::All,
    },
    Entry {
        name: "cert_reuse",
        title: "The same certificate or key on many endpoints and across scans",
        row: "a certificate or key among the 25 served by the most distinct endpoints",
        denominator: "distinct endpoints (address and port) that served a certificate in any scan (`endpoints_with_certificate`)",
        paper: "extends the shared-key finding across scans: device default keys, hosting providers, keys kept through renewals",
        chart: "horizontal bars: share of endpoints behind each of the top keys",
        sql: include_str!("sql/cert_reuse.sql"),
        reads: ScansRead::All,
    },
];

/// The tables that compare scans of a series: the report gives them a
/// section of their own, shown when some series was scanned more than once.
pub const OVER_TIME: &[&str] = &[
    "scan_delta",
    "cert_volatility",
    "trust_anchor_drift",
    "cert_reuse",
];

/// The tables that compare pairs of scans: they open with [`SCAN_PAIRS`],
/// which `mailtls diff` replaces with one chosen pair.
pub const PAIR_TABLES: &[&str] = &["scan_delta", "cert_volatility"];

/// The opening the tables comparing scans share: every scan with the one
/// before it in its series (`mailtls diff` puts one chosen pair in its place).
pub const SCAN_PAIRS: &str = include_str!("sql/scan_pairs.cte.sql");

/// A catalogue entry by name, or an error listing the names.
pub fn find(name: &str) -> Result<&'static Entry> {
    CATALOGUE.iter().find(|e| e.name == name).with_context(|| {
        format!(
            "no catalogue table {name:?}; `mailtls tables` lists them: {}",
            CATALOGUE
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Runs a catalogue table over a dataset, reading only the scans its rows
/// can come from.
pub fn run(dataset: &Path, name: &str) -> Result<DataFrame> {
    let entry = find(name)?;
    // The query loads the manifest itself; it is read here only to narrow.
    let scans = match entry.reads {
        ScansRead::All => None,
        reads => reads.select(&crate::dataset::manifest::Manifest::load(dataset)?),
    };
    match scans {
        None => crate::query::run_catalogue(dataset, entry.sql),
        Some(scans) => crate::query::run_catalogue_in_scans(dataset, entry.sql, &scans),
    }
    .with_context(|| format!("table {name}"))
}

/// Runs a catalogue table once per scan with handshakes (series by series,
/// oldest first), each time as if the dataset held that scan alone, and
/// stacks the answers behind two columns naming the scan: `by_scan_id` and
/// `by_scan_date`. Tables that pool scans (`tls_support`, `port_semantics`,
/// `trust_agreement`…) are so cut by scan date.
pub fn run_by_scan(dataset: &Path, name: &str) -> Result<DataFrame> {
    let entry = find(name)?;
    if PAIR_TABLES.contains(&name) {
        bail!("{name} compares scans already: each row names its two scans");
    }
    let scoped = crate::query::SCAN_TABLES
        .iter()
        .filter(|t| **t != "scans")
        .any(|t| {
            entry.sql.contains(&format!("FROM {t}")) || entry.sql.contains(&format!("JOIN {t}"))
        });
    if !scoped {
        bail!(
            "{name} reads no table of scans (handshakes, discovery, chain trust, mail routes): it cannot be cut by scan"
        );
    }
    let manifest = crate::dataset::manifest::Manifest::load(dataset)?;
    let order = crate::dataset::series::order(&manifest.scans);
    let mut scans: Vec<(&String, u32, &str)> = order
        .iter()
        .map(|(id, place)| (&place.series, place.seq, *id))
        .collect();
    scans.sort();
    let mut parts = Vec::new();
    for (_, _, scan) in scans {
        let mut df = crate::query::run_catalogue_in_scans(dataset, entry.sql, &[scan.to_owned()])
            .with_context(|| format!("table {name} in scan {scan}"))?;
        let date = manifest
            .scans
            .get(scan)
            .and_then(crate::dataset::series::scan_time_us)
            .map(crate::dataset::series::date_of);
        let rows = df.height();
        df.insert_column(0, Column::new("by_scan_date".into(), vec![date; rows]))?;
        df.insert_column(
            0,
            Column::new("by_scan_id".into(), vec![scan.to_owned(); rows]),
        )?;
        parts.push(df);
    }
    if parts.is_empty() {
        bail!("the dataset holds no scan with handshakes");
    }
    // A column all null in one scan's answer takes the others' type.
    let union = UnionArgs {
        to_supertypes: true,
        ..UnionArgs::default()
    };
    Ok(concat(
        parts.into_iter().map(DataFrame::lazy).collect::<Vec<_>>(),
        union,
    )?
    .collect()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pair_tables_are_those_opening_with_the_scan_pairs() {
        let opening: Vec<&str> = CATALOGUE
            .iter()
            .filter(|e| e.sql.starts_with(SCAN_PAIRS))
            .map(|e| e.name)
            .collect();
        assert_eq!(opening, PAIR_TABLES);
        assert!(PAIR_TABLES.iter().all(|t| OVER_TIME.contains(t)));
    }
}
