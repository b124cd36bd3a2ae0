//! The report's "Change over time" section: one line per pair of
//! consecutive scans, read from `scan_delta` and `cert_volatility`, before
//! the four tables that compare scans.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use polars::prelude::DataFrame;

use crate::render;

/// What changed between consecutive scans, one row per pair, each count
/// beside its denominator.
const DELTA_SUMMARY: &str = "
SELECT series,
       previous_date AS from_date,
       scan_date AS to_date,
       SUM(CASE WHEN facet = 'presence' AND change = 'kept' THEN base ELSE 0 END) AS in_either,
       SUM(CASE WHEN facet = 'presence' AND change = 'appeared' THEN endpoints ELSE 0 END) AS appeared,
       SUM(CASE WHEN facet = 'presence' AND change = 'gone' THEN endpoints ELSE 0 END) AS gone,
       SUM(CASE WHEN facet = 'tls' AND change = 'gained' THEN base ELSE 0 END) AS in_both,
       SUM(CASE WHEN facet = 'tls' AND change = 'gained' THEN endpoints ELSE 0 END) AS tls_gained,
       SUM(CASE WHEN facet = 'tls' AND change = 'lost' THEN endpoints ELSE 0 END) AS tls_lost,
       SUM(CASE WHEN facet = 'trust' AND change = 'gained' THEN base ELSE 0 END) AS tls_in_both,
       SUM(CASE WHEN facet = 'version' AND change = 'upgraded' THEN endpoints ELSE 0 END) AS version_up,
       SUM(CASE WHEN facet = 'version' AND change = 'downgraded' THEN endpoints ELSE 0 END) AS version_down,
       SUM(CASE WHEN facet = 'trust' AND change = 'gained' THEN endpoints ELSE 0 END) AS trust_gained,
       SUM(CASE WHEN facet = 'trust' AND change = 'lost' THEN endpoints ELSE 0 END) AS trust_lost
FROM t
GROUP BY series, previous_date, scan_date
ORDER BY series, to_date
";

/// What became of the certificates, one row per pair.
const CERT_SUMMARY: &str = "
SELECT series,
       scan_date AS to_date,
       SUM(CASE WHEN facet = 'change' AND value = 'same_certificate' THEN base ELSE 0 END) AS with_certificate_in_both,
       SUM(CASE WHEN facet = 'change' AND value = 'same_certificate' THEN n ELSE 0 END) AS same,
       SUM(CASE WHEN facet = 'change' AND value = 'renewed_same_key' THEN n ELSE 0 END) AS renewed_same_key,
       SUM(CASE WHEN facet = 'change' AND value = 'new_key_same_issuer' THEN n ELSE 0 END) AS new_key,
       SUM(CASE WHEN facet = 'change' AND value = 'new_issuer' THEN n ELSE 0 END) AS new_issuer,
       SUM(CASE WHEN facet = 'replaced_at' AND value = 'after_expiry' THEN n ELSE 0 END) AS replaced_after_expiry
FROM t
WHERE previous_scan_id IS NOT NULL
GROUP BY series, scan_date
ORDER BY series, to_date
";

fn table(df: DataFrame) -> Result<String> {
    let mut df = df;
    let mut text = Vec::new();
    render::write(&mut df, "md", &mut text, None)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// The section's opening, in Markdown: the summaries when some series was
/// scanned more than once, else what to add to get them.
pub fn markdown(tables: &BTreeMap<&str, DataFrame>) -> Result<String> {
    let mut md = String::new();
    writeln!(md, "## Change over time")?;
    writeln!(md)?;
    let delta = tables.get("scan_delta").filter(|df| df.height() > 0);
    let Some(delta) = delta else {
        writeln!(
            md,
            "No series of this dataset was scanned more than once, so `scan_delta` and \
             `cert_volatility` compare nothing yet (their CSVs are written, with each scan's \
             certificate lifetimes). Add a later scan of the same port with `mailtls ingest … \
             --append`; `trust_anchor_drift` compares the dataset's trust settings, which \
             `--append --roots … --as-of …` adds."
        )?;
        writeln!(md)?;
        return Ok(md);
    };
    writeln!(
        md,
        "Consecutive scans of each series compared endpoint by endpoint (an address on the \
         series' port). Each count stands beside its denominator: `in_either` for appeared and \
         gone, `in_both` for TLS gained and lost (a completed handshake in one scan only), \
         `tls_in_both` (completed in both) for versions and trust. From `scan_delta`."
    )?;
    writeln!(md)?;
    md.push_str(&table(crate::query::over_answer(
        delta.clone(),
        DELTA_SUMMARY,
    )?)?);
    writeln!(md)?;
    if let Some(volatility) = tables.get("cert_volatility").filter(|df| df.height() > 0) {
        writeln!(
            md,
            "What became of the certificate of each endpoint that served one in both scans \
             (`with_certificate_in_both`); `replaced_after_expiry` of those replaced, the old \
             certificate had expired by the later scan. From `cert_volatility`."
        )?;
        writeln!(md)?;
        md.push_str(&table(crate::query::over_answer(
            volatility.clone(),
            CERT_SUMMARY,
        )?)?);
        writeln!(md)?;
    }
    Ok(md)
}
