//! The DNS facts of a dataset, typed: `dns_mx`, `dns_addr` and `dns_tlsa`
//! split the raw `dns` answers by kind (every reader's answers alike), and
//! `mta_sts` puts each domain's `_mta-sts` TXT records beside its fetched
//! policy. All four are rewritten at every commit.

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::*;

use crate::dataset::columns::{table, Micros, StrLists};
use crate::dataset::manifest::Manifest;
use crate::dataset::read::{numbers, read_columns, texts};
use crate::formats::mta_sts::mx_matches;
use crate::trust::table::Locate;

/// One row of `dns`, as the derived tables need it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Provenance.
    pub input_id: u32,
    /// Provenance.
    pub line: u64,
    /// The name looked up.
    pub query: String,
    /// The lookup's status.
    pub status: Option<String>,
    /// The answer's owner (the query when not recorded).
    pub owner: String,
    /// `MX`, `A`, … ; none for a lookup without answers.
    pub kind: Option<String>,
    /// The answer.
    pub value: Option<String>,
    /// MX preference.
    pub preference: Option<u16>,
    /// Lookup time.
    pub time: Option<i64>,
    /// DNSSEC AD bit, where recorded.
    pub authenticated: Option<bool>,
    /// TLSA usage, selector, matching type.
    pub tlsa: (Option<u16>, Option<u16>, Option<u16>),
}

fn small(v: Option<i64>) -> Option<u16> {
    v.and_then(|v| u16::try_from(v).ok())
}

/// Every answer of the dataset's `dns` table.
pub fn load(manifest: &Manifest, locate: Locate) -> Result<Vec<Answer>> {
    let mut out = Vec::new();
    for rel in manifest.part_paths("dns") {
        let df = read_columns(
            &locate(rel),
            &[
                "input_id",
                "line",
                "query",
                "status",
                "kind",
                "value",
                "owner",
                "preference",
                "timestamp",
                "authenticated",
                "tlsa_usage",
                "tlsa_selector",
                "tlsa_matching",
            ],
        )?;
        let (input, line) = (numbers(&df, "input_id")?, numbers(&df, "line")?);
        let (query, status, kind, value, owner) = (
            texts(&df, "query")?,
            texts(&df, "status")?,
            texts(&df, "kind")?,
            texts(&df, "value")?,
            texts(&df, "owner")?,
        );
        let (preference, time) = (numbers(&df, "preference")?, numbers(&df, "timestamp")?);
        let (usage, selector, matching) = (
            numbers(&df, "tlsa_usage")?,
            numbers(&df, "tlsa_selector")?,
            numbers(&df, "tlsa_matching")?,
        );
        let authenticated: Vec<Option<bool>> = df.column("authenticated")?.bool()?.iter().collect();
        for i in 0..df.height() {
            let query = query[i].clone().unwrap_or_default();
            out.push(Answer {
                input_id: input[i].and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                line: line[i].and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
                owner: owner[i].clone().unwrap_or_else(|| query.clone()),
                query,
                status: status[i].clone(),
                kind: kind[i].clone(),
                value: value[i].clone(),
                preference: small(preference[i]),
                time: time[i],
                authenticated: authenticated[i],
                tlsa: (small(usage[i]), small(selector[i]), small(matching[i])),
            });
        }
    }
    Ok(out)
}

table! {
    /// `dns_mx`: one row per MX answer.
    pub struct MxRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        domain: Vec<String>,
        mx_host: Vec<String>,
        preference: Vec<Option<u16>>,
        timestamp: Micros,
        authenticated: Vec<Option<bool>>,
    }
}

table! {
    /// `dns_addr`: one row per A or AAAA answer.
    pub struct AddrRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        host: Vec<String>,
        family: Vec<u16>,
        address: Vec<String>,
        timestamp: Micros,
        authenticated: Vec<Option<bool>>,
    }
}

table! {
    /// `dns_tlsa`: one row per TLSA answer.
    pub struct TlsaRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        owner: Vec<String>,
        port: Vec<Option<u16>>,
        host: Vec<Option<String>>,
        usage: Vec<Option<u16>>,
        selector: Vec<Option<u16>>,
        matching: Vec<Option<u16>>,
        data: Vec<Option<String>>,
        timestamp: Micros,
        authenticated: Vec<Option<bool>>,
    }
}

/// The port and host a TLSA owner name (`_25._tcp.mx.example.com`) names.
pub fn tlsa_owner(owner: &str) -> Option<(u16, &str)> {
    let (port, rest) = owner.strip_prefix('_')?.split_once('.')?;
    let host = rest.strip_prefix("_tcp.")?;
    Some((port.parse().ok()?, host))
}

/// `dns_mx`, `dns_addr` and `dns_tlsa` from the answers.
pub fn typed_tables(answers: &[Answer]) -> Result<[(&'static str, DataFrame); 3]> {
    let (mut mx, mut addr, mut tlsa) =
        (MxRows::default(), AddrRows::default(), TlsaRows::default());
    for a in answers {
        let (Some(kind), Some(value)) = (a.kind.as_deref(), a.value.clone()) else {
            continue;
        };
        match kind {
            "MX" => {
                mx.rows += 1;
                mx.input_id.push(a.input_id);
                mx.line.push(a.line);
                mx.domain.push(a.owner.clone());
                mx.mx_host.push(value);
                mx.preference.push(a.preference);
                mx.timestamp.0.push(a.time);
                mx.authenticated.push(a.authenticated);
            }
            "A" | "AAAA" => {
                addr.rows += 1;
                addr.input_id.push(a.input_id);
                addr.line.push(a.line);
                addr.host.push(a.owner.clone());
                addr.family.push(if kind == "A" { 4 } else { 6 });
                addr.address.push(value);
                addr.timestamp.0.push(a.time);
                addr.authenticated.push(a.authenticated);
            }
            "TLSA" => {
                let named = tlsa_owner(&a.owner);
                tlsa.rows += 1;
                tlsa.input_id.push(a.input_id);
                tlsa.line.push(a.line);
                tlsa.owner.push(a.owner.clone());
                tlsa.port.push(named.map(|n| n.0));
                tlsa.host.push(named.map(|n| n.1.to_owned()));
                tlsa.usage.push(a.tlsa.0);
                tlsa.selector.push(a.tlsa.1);
                tlsa.matching.push(a.tlsa.2);
                tlsa.data.push(Some(value));
                tlsa.timestamp.0.push(a.time);
                tlsa.authenticated.push(a.authenticated);
            }
            _ => {}
        }
    }
    Ok([
        ("dns_mx", mx.into_frame()?),
        ("dns_addr", addr.into_frame()?),
        ("dns_tlsa", tlsa.into_frame()?),
    ])
}

/// What MTA-STS says of a domain (RFC 8461 §3–5), as a sender would find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsState {
    /// The TXT lookup found no `v=STSv1` record: no MTA-STS.
    NoRecord,
    /// Several `v=STSv1` records, or one without an `id`: senders ignore it.
    InvalidRecord,
    /// A record, but no policy was fetched (or the fetch failed).
    NoPolicy,
    /// A policy that breaks the syntax.
    InvalidPolicy,
    /// A valid policy in mode `none`.
    ModeNone,
    /// A valid policy in mode `testing`: failures reported, mail still sent.
    Testing,
    /// A valid policy in mode `enforce`: senders must authenticate the MX.
    Enforce,
    /// A policy was fetched, but no TXT lookup of `_mta-sts` was recorded.
    RecordNotLooked,
}

impl StsState {
    /// The name tables use.
    pub fn name(self) -> &'static str {
        match self {
            StsState::NoRecord => "no_record",
            StsState::InvalidRecord => "invalid_record",
            StsState::NoPolicy => "no_policy",
            StsState::InvalidPolicy => "invalid_policy",
            StsState::ModeNone => "mode_none",
            StsState::Testing => "testing",
            StsState::Enforce => "enforce",
            StsState::RecordNotLooked => "record_not_looked_up",
        }
    }
}

/// A domain's newest fetched policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Fetch time.
    pub time: Option<i64>,
    /// Why the fetch gave no policy.
    pub fetch_error: Option<String>,
    /// Mode.
    pub mode: Option<String>,
    /// MX patterns.
    pub mx: Vec<String>,
    /// max_age.
    pub max_age: Option<u64>,
    /// Syntax problems.
    pub problems: Vec<String>,
}

/// Each domain's MTA-STS evidence and the state it adds up to.
#[derive(Debug, Clone)]
pub struct Sts {
    /// The distinct `v=STSv1` texts found (none: looked up, nothing found).
    pub records: Option<Vec<String>>,
    /// The newest policy fetched.
    pub policy: Option<Policy>,
}

impl Sts {
    /// The `id` of the one record, if there is exactly one.
    pub fn id(&self) -> Option<String> {
        let records = self.records.as_ref()?;
        let [record] = records.as_slice() else {
            return None;
        };
        record.split(';').find_map(|field| {
            let (k, v) = field.split_once('=')?;
            (k.trim() == "id" && !v.trim().is_empty()).then(|| v.trim().to_owned())
        })
    }

    /// What a sender concludes.
    pub fn state(&self) -> StsState {
        match &self.records {
            None if self.policy.is_some() => return StsState::RecordNotLooked,
            None => return StsState::NoRecord,
            Some(r) if r.is_empty() => return StsState::NoRecord,
            Some(_) if self.id().is_none() => return StsState::InvalidRecord,
            _ => {}
        }
        let Some(p) = self.policy.as_ref().filter(|p| p.fetch_error.is_none()) else {
            return StsState::NoPolicy;
        };
        if !p.problems.is_empty() {
            return StsState::InvalidPolicy;
        }
        match p.mode.as_deref() {
            Some("enforce") => StsState::Enforce,
            Some("testing") => StsState::Testing,
            Some("none") => StsState::ModeNone,
            _ => StsState::InvalidPolicy,
        }
    }

    /// Does the policy list `host` among its MX patterns?
    pub fn names(&self, host: &str) -> Option<bool> {
        let p = self.policy.as_ref().filter(|p| p.fetch_error.is_none())?;
        Some(p.mx.iter().any(|pattern| mx_matches(pattern, host)))
    }
}

/// A TXT value that starts an MTA-STS record.
fn is_sts_record(text: &str) -> bool {
    let t = text.trim_start();
    t.len() >= 8 && t[..8].eq_ignore_ascii_case("v=STSv1;") || t.eq_ignore_ascii_case("v=STSv1")
}

/// Each domain's evidence: `_mta-sts` TXT answers (or lookups without
/// answers) and the newest fetched policy.
pub fn read_sts(
    manifest: &Manifest,
    locate: Locate,
    answers: &[Answer],
) -> Result<BTreeMap<String, Sts>> {
    let mut out: BTreeMap<String, Sts> = BTreeMap::new();
    for a in answers {
        let Some(domain) = a.query.strip_prefix("_mta-sts.") else {
            continue;
        };
        let entry = out.entry(domain.to_owned()).or_insert(Sts {
            records: None,
            policy: None,
        });
        let records = entry.records.get_or_insert_with(Vec::new);
        if let (Some("TXT"), Some(text)) = (a.kind.as_deref(), a.value.as_deref()) {
            if is_sts_record(text) && !records.iter().any(|r| r == text) {
                records.push(text.to_owned());
            }
        }
    }
    for rel in manifest.part_paths("mta_sts_policy") {
        let df = read_columns(
            &locate(rel),
            &[
                "domain",
                "timestamp",
                "fetch_error",
                "mode",
                "mx",
                "max_age",
                "problems",
            ],
        )?;
        let (domain, error, mode) = (
            texts(&df, "domain")?,
            texts(&df, "fetch_error")?,
            texts(&df, "mode")?,
        );
        let (time, max_age) = (numbers(&df, "timestamp")?, numbers(&df, "max_age")?);
        let lists = |name: &str| -> Result<Vec<Vec<String>>> {
            let list = df.column(name)?.list()?.clone();
            Ok((0..df.height())
                .map(|i| {
                    list.get_as_series(i)
                        .and_then(|s| {
                            s.str()
                                .ok()
                                .map(|s| s.iter().flatten().map(str::to_owned).collect())
                        })
                        .unwrap_or_default()
                })
                .collect())
        };
        let (mx, problems) = (lists("mx")?, lists("problems")?);
        for i in 0..df.height() {
            let Some(d) = domain[i].clone() else {
                continue;
            };
            let policy = Policy {
                time: time[i],
                fetch_error: error[i].clone(),
                mode: mode[i].clone(),
                mx: mx[i].clone(),
                max_age: max_age[i].and_then(|v| u64::try_from(v).ok()),
                problems: problems[i].clone(),
            };
            let entry = out.entry(d).or_insert(Sts {
                records: None,
                policy: None,
            });
            // The newest fetch stands; a fetch without a time never replaces one with.
            let newer = entry
                .policy
                .as_ref()
                .is_none_or(|old| policy.time.is_some() && policy.time >= old.time);
            if newer {
                entry.policy = Some(policy);
            }
        }
    }
    Ok(out)
}

table! {
    /// `mta_sts`: one row per domain with MTA-STS evidence.
    pub struct StsRows {
        domain: Vec<String>,
        state: Vec<&'static str>,
        txt_records: Vec<Option<u32>>,
        txt_id: Vec<Option<String>>,
        policy_time: Micros,
        fetch_error: Vec<Option<String>>,
        mode: Vec<Option<String>>,
        mx: StrLists,
        max_age: Vec<Option<u64>>,
        problems: StrLists,
    }
}

/// The `mta_sts` table.
pub fn sts_table(sts: &BTreeMap<String, Sts>) -> Result<DataFrame> {
    let mut rows = StsRows::default();
    for (domain, s) in sts {
        let p = s.policy.clone().unwrap_or_default();
        rows.rows += 1;
        rows.domain.push(domain.clone());
        rows.state.push(s.state().name());
        rows.txt_records
            .push(s.records.as_ref().map(|r| r.len() as u32));
        rows.txt_id.push(s.id());
        rows.policy_time.0.push(p.time);
        rows.fetch_error.push(if s.policy.is_some() {
            p.fetch_error.clone()
        } else {
            None
        });
        rows.mode.push(p.mode.clone());
        rows.mx.push(p.mx.clone());
        rows.max_age.push(p.max_age);
        rows.problems.push(p.problems.clone());
    }
    Ok(rows.into_frame()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: &str, mx: &[&str]) -> Option<Policy> {
        Some(Policy {
            mode: Some(mode.into()),
            mx: mx.iter().map(|s| s.to_string()).collect(),
            ..Policy::default()
        })
    }

    #[test]
    fn a_sender_needs_one_record_and_a_valid_policy() {
        let record = |r: &[&str]| Some(r.iter().map(|s| s.to_string()).collect());
        let s = Sts {
            records: record(&["v=STSv1; id=20240101"]),
            policy: policy("enforce", &["*.example.net"]),
        };
        assert_eq!(s.state(), StsState::Enforce);
        assert_eq!(s.id().as_deref(), Some("20240101"));
        assert_eq!(s.names("mx1.example.net"), Some(true));
        assert_eq!(s.names("mx1.example.org"), Some(false));
        let two = Sts {
            records: record(&["v=STSv1; id=1", "v=STSv1; id=2"]),
            ..s.clone()
        };
        assert_eq!(two.state(), StsState::InvalidRecord);
        let no_id = Sts {
            records: record(&["v=STSv1;"]),
            ..s.clone()
        };
        assert_eq!(no_id.state(), StsState::InvalidRecord);
        let unlooked = Sts {
            records: None,
            ..s.clone()
        };
        assert_eq!(unlooked.state(), StsState::RecordNotLooked);
        let unfetched = Sts {
            policy: None,
            ..s.clone()
        };
        assert_eq!(unfetched.state(), StsState::NoPolicy);
        let testing = Sts {
            policy: policy("testing", &["mx.example.com"]),
            ..s
        };
        assert_eq!(testing.state(), StsState::Testing);
        assert!(is_sts_record("v=STSv1; id=x") && !is_sts_record("v=spf1 -all"));
        assert_eq!(
            tlsa_owner("_25._tcp.mx.example.com"),
            Some((25, "mx.example.com"))
        );
        assert_eq!(tlsa_owner("mx.example.com"), None);
    }
}
