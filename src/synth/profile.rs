//! The synthetic profile: every share the generator draws from, per series.
//!
//! A profile is a TOML file (see `data/profiles/default-2015.toml`, which is
//! built in and documents every key). Unknown keys and unknown category
//! names are errors, so a typo cannot silently fall back to a default.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;

use crate::record::TlsMode;

/// The built-in profile.
pub const DEFAULT_PROFILE: &str = include_str!("../../data/profiles/default-2015.toml");

/// Relative weights by name.
pub type Shares = BTreeMap<String, f64>;

/// One certificate population.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct CertPopulation {
    /// Weight among certificate-bearing endpoints.
    pub share: f64,
    /// Distinct certificates per endpoint of this population.
    pub distinct: Option<f64>,
    /// Fixed number of distinct certificates instead.
    pub pool: Option<u64>,
    /// Key types.
    #[serde(default)]
    pub keys: Shares,
    /// Signature hashes.
    #[serde(default)]
    pub signatures: Shares,
    /// Share of version-1 certificates (self-signed populations).
    #[serde(default)]
    pub v1: f64,
    /// Share of negative serial numbers (self-signed populations).
    #[serde(default)]
    pub negative_serial: f64,
}

/// Tables a series may override.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Tables {
    /// Outcome shares of STARTTLS series.
    pub starttls_outcomes: Option<Shares>,
    /// Outcome shares of implicit-TLS series.
    pub implicit_outcomes: Option<Shares>,
    /// Outcome shares of this series (overrides either of the above).
    pub outcomes: Option<Shares>,
    /// Share of failed handshakes with a partial server hello.
    pub partial_hello_share: Option<f64>,
    /// Share of completed handshakes with a later scanner error.
    pub late_error_share: Option<f64>,
    /// Negotiated versions.
    pub versions: Option<Shares>,
    /// Suites with RSA or no certificates, by `0x` code.
    pub ciphers: Option<Shares>,
    /// Suites with ECDSA certificates.
    pub ciphers_ecdsa: Option<Shares>,
    /// DHE groups.
    pub dh_groups: Option<Shares>,
    /// ECDHE curves.
    pub curves: Option<Shares>,
    /// Certificate populations.
    pub certificates: Option<BTreeMap<String, CertPopulation>>,
}

/// One scan series (one port).
#[derive(Deserialize, Debug, Clone)]
pub struct SeriesSpec {
    /// Port scanned.
    pub port: u16,
    /// scans.io protocol token (`smtp`, `smtps`, `pop3s`, `imaps`…).
    pub protocol: String,
    /// `starttls` or `tls`.
    pub subprotocol: String,
    /// Share of all records.
    pub share: f64,
    /// Overrides.
    #[serde(flatten)]
    pub tables: Tables,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    scan_start: String,
    series_gap_hours: f64,
    series_duration_hours: f64,
    series: Vec<SeriesSpec>,
    defaults: Tables,
}

/// The resolved tables of one series.
#[derive(Debug, Clone)]
pub struct SeriesProfile {
    /// The series.
    pub spec: SeriesSpec,
    /// Dataset protocol (`smtp`, `pop3`, `imap`).
    pub protocol: &'static str,
    /// TLS mode.
    pub mode: TlsMode,
    /// Outcomes.
    pub outcomes: Shares,
    /// See [`Tables::partial_hello_share`].
    pub partial_hello_share: f64,
    /// See [`Tables::late_error_share`].
    pub late_error_share: f64,
    /// Versions.
    pub versions: Shares,
    /// RSA/anonymous suites.
    pub ciphers: Shares,
    /// ECDSA suites.
    pub ciphers_ecdsa: Shares,
    /// DHE groups.
    pub dh_groups: Shares,
    /// Curves.
    pub curves: Shares,
    /// Certificate populations.
    pub certificates: BTreeMap<String, CertPopulation>,
}

/// A loaded, checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Profile name.
    pub name: String,
    /// Start of the first series, seconds since the epoch.
    pub scan_start: i64,
    /// Gap between series starts, seconds.
    pub series_gap: i64,
    /// Duration of one series, seconds.
    pub series_duration: i64,
    /// The series, in file order.
    pub series: Vec<SeriesProfile>,
}

/// Outcome names a profile may use.
pub const OUTCOMES: &[&str] = &[
    "connect_failed",
    "timeout",
    "banner_failed",
    "no_starttls",
    "stripped",
    "starttls_refused",
    "handshake_failed",
    "ok",
];

/// Outcomes an implicit-TLS series can have.
const IMPLICIT_OUTCOMES: &[&str] = &["connect_failed", "timeout", "handshake_failed", "ok"];

impl Profile {
    /// The built-in profile.
    pub fn builtin() -> Result<Profile> {
        Profile::parse(DEFAULT_PROFILE, "built-in profile default-2015")
    }

    /// Reads a profile file.
    pub fn load(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read profile {}", path.display()))?;
        Profile::parse(&text, &path.display().to_string())
    }

    /// Parses and checks profile text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Profile> {
        let raw: RawProfile =
            toml::from_str(text).with_context(|| format!("{origin}: not a valid profile"))?;
        let scan_start = chrono::DateTime::parse_from_rfc3339(&raw.scan_start)
            .with_context(|| format!("{origin}: scan_start must be an RFC 3339 time"))?
            .timestamp();
        if raw.series.is_empty() {
            bail!("{origin}: no [[series]]");
        }
        let d = &raw.defaults;
        let mut series = Vec::new();
        for spec in raw.series {
            let (protocol, mode) = crate::formats::mail::resolve(&spec.protocol);
            let protocol = match protocol {
                "smtp" => "smtp",
                "pop3" => "pop3",
                "imap" => "imap",
                other => bail!(
                    "{origin}: series {}: protocol `{other}` is not a mail protocol \
                     (smtp, smtps, pop3, pop3s, imap, imaps)",
                    spec.port
                ),
            };
            let mode = match spec.subprotocol.as_str() {
                "starttls" => TlsMode::Starttls,
                "tls" => TlsMode::Implicit,
                _ => mode.with_context(|| {
                    format!(
                        "{origin}: series {}: subprotocol must be starttls or tls",
                        spec.port
                    )
                })?,
            };
            let t = &spec.tables;
            let default_outcomes = match mode {
                TlsMode::Starttls => &d.starttls_outcomes,
                TlsMode::Implicit => &d.implicit_outcomes,
            };
            let pick = |own: &Option<Shares>, default: &Option<Shares>, what: &str| {
                own.clone().or_else(|| default.clone()).with_context(|| {
                    format!("{origin}: no `{what}` table for series {}", spec.port)
                })
            };
            let outcomes = pick(&t.outcomes, default_outcomes, "outcomes")?;
            let allowed = match mode {
                TlsMode::Starttls => OUTCOMES,
                TlsMode::Implicit => IMPLICIT_OUTCOMES,
            };
            check_names(&outcomes, allowed, origin, "outcome")?;
            if protocol != "smtp" && outcomes.get("stripped").is_some_and(|w| *w > 0.0) {
                bail!(
                    "{origin}: series {}: `stripped` is modelled for SMTP only",
                    spec.port
                );
            }
            let versions = pick(&t.versions, &d.versions, "versions")?;
            check_names(
                &versions,
                &["sslv3", "tls10", "tls11", "tls12"],
                origin,
                "version",
            )?;
            let dh_groups = pick(&t.dh_groups, &d.dh_groups, "dh_groups")?;
            check_names(&dh_groups, &super::kex::group_names(), origin, "DH group")?;
            let curves = pick(&t.curves, &d.curves, "curves")?;
            check_names(&curves, super::kex::CURVE_NAMES, origin, "curve")?;
            let ciphers = pick(&t.ciphers, &d.ciphers, "ciphers")?;
            let ciphers_ecdsa = pick(&t.ciphers_ecdsa, &d.ciphers_ecdsa, "ciphers_ecdsa")?;
            for (table, ecdsa) in [(&ciphers, false), (&ciphers_ecdsa, true)] {
                for code in table.keys() {
                    super::suites::check_profile_code(code, ecdsa)
                        .with_context(|| format!("{origin}: series {}", spec.port))?;
                }
            }
            let certificates = t
                .certificates
                .clone()
                .or_else(|| d.certificates.clone())
                .with_context(|| format!("{origin}: no certificate populations"))?;
            for (name, pop) in &certificates {
                super::pki::check_population(name, pop)
                    .with_context(|| format!("{origin}: certificates.{name}"))?;
            }
            series.push(SeriesProfile {
                protocol,
                mode,
                outcomes,
                partial_hello_share: t
                    .partial_hello_share
                    .or(d.partial_hello_share)
                    .unwrap_or(0.0),
                late_error_share: t.late_error_share.or(d.late_error_share).unwrap_or(0.0),
                versions,
                ciphers,
                ciphers_ecdsa,
                dh_groups,
                curves,
                certificates,
                spec,
            });
        }
        Ok(Profile {
            name: raw.name,
            scan_start,
            series_gap: (raw.series_gap_hours * 3600.0) as i64,
            series_duration: (raw.series_duration_hours * 3600.0).max(1.0) as i64,
            series,
        })
    }
}

/// Fails on a share name outside `allowed`, listing the allowed ones.
pub fn check_names(shares: &Shares, allowed: &[&str], origin: &str, what: &str) -> Result<()> {
    for (name, weight) in shares {
        if !allowed.contains(&name.as_str()) {
            bail!(
                "{origin}: unknown {what} `{name}`; known: {}",
                allowed.join(", ")
            );
        }
        if !(weight.is_finite() && *weight >= 0.0) {
            bail!("{origin}: {what} `{name}` has weight {weight}; weights must be ≥ 0");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profile_loads() {
        let p = Profile::builtin().unwrap();
        let ports: Vec<u16> = p.series.iter().map(|s| s.spec.port).collect();
        assert_eq!(ports, [25, 587, 465, 110, 995, 143, 993]);
        assert_eq!(p.series[2].protocol, "smtp");
        assert_eq!(p.series[2].mode, TlsMode::Implicit);
        assert_eq!(p.series[3].outcomes["no_starttls"], 0.15);
    }

    #[test]
    fn typos_are_errors() {
        let text = DEFAULT_PROFILE.replace("sslv3 = 0.01", "sslv2 = 0.01");
        let err = format!("{:#}", Profile::parse(&text, "t").unwrap_err());
        assert!(err.contains("unknown version `sslv2`"), "{err}");
    }
}
