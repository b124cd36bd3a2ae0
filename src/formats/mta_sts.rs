//! MTA-STS policies (RFC 8461) as fetched from
//! `https://mta-sts.<domain>/.well-known/mta-sts.txt`, in three shapes:
//!
//! - the policy file itself (`version: STSv1` first), the domain taken
//!   from its path (`…/<domain>/mta-sts.txt`, `…/mta-sts.<domain>/…`,
//!   `<domain>.mta-sts.txt`);
//! - a JSON line `{"domain", "timestamp", "url", "status_code", "error",
//!   "body"}` (`policy` is accepted for `body`), one per fetch;
//! - a ZGrab2 `http` scan of the policy URL (`domain` is the `mta-sts.`
//!   host, `data.<scan>.result.response.{status_code, body}`).
//!
//! The `_mta-sts.<domain>` TXT record that announces a policy comes from DNS
//! lookups (`dns` table); the `mta_sts` table joins the two.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::json;
use super::RecordError;
use crate::record::{Parsed, StsPolicy};
use crate::time::parse_rfc3339_us;

/// The largest `max_age` RFC 8461 allows (about a year), in seconds.
const MAX_AGE_LIMIT: u64 = 31_557_600;

/// Does the text open like a policy file?
pub fn is_policy_text(head: &[u8]) -> bool {
    let first = head
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty());
    first.is_some_and(|l| {
        l.len() >= 8
            && l[..8].eq_ignore_ascii_case(b"version:")
            && l[8..].trim_ascii().starts_with(b"STS")
    })
}

/// The policy domain a file's path names, if it names one.
pub fn domain_from_path(path: &std::path::Path) -> Option<String> {
    let parts: Vec<String> = path
        .iter()
        .map(|p| p.to_string_lossy().to_ascii_lowercase())
        .collect();
    let file = parts.last()?;
    for suffix in [".mta-sts.txt", "_mta-sts.txt", "-mta-sts.txt"] {
        if let Some(domain) = file.strip_suffix(suffix).filter(|d| d.contains('.')) {
            return Some(domain.to_owned());
        }
    }
    let folders = &parts[..parts.len() - 1];
    if let Some(host) = folders
        .iter()
        .rev()
        .find_map(|p| p.strip_prefix("mta-sts."))
    {
        return Some(host.to_owned());
    }
    // `<domain>/.well-known/mta-sts.txt` or `<domain>/mta-sts.txt`.
    folders
        .iter()
        .rev()
        .find(|p| *p != ".well-known")
        .filter(|p| p.contains('.') && !p.starts_with('.'))
        .cloned()
}

/// Reads a policy body into its fields, listing what breaks RFC 8461 §3.2.
pub fn read_policy(domain: &str, body: &str) -> StsPolicy {
    let mut p = StsPolicy {
        domain: domain.to_owned(),
        ..StsPolicy::default()
    };
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for line in body.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            problems.push("a line without `key: value`".to_owned());
            continue;
        };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        *seen.entry(key.clone()).or_default() += 1;
        match key.as_str() {
            "version" => p.version = Some(value.to_owned()),
            "mode" => p.mode = Some(value.to_ascii_lowercase()),
            "mx" => p.mx.push(value.trim_end_matches('.').to_ascii_lowercase()),
            "max_age" => {
                p.max_age = value.parse().ok();
                if p.max_age.is_none_or(|a| a > MAX_AGE_LIMIT) {
                    problems.push(format!("max_age {value:?} is not 0–{MAX_AGE_LIMIT}"));
                }
            }
            _ => {} // extensions are allowed and ignored
        }
    }
    for key in ["version", "mode", "max_age"] {
        match seen.get(key) {
            None => problems.push(format!("no `{key}`")),
            Some(n) if *n > 1 => problems.push(format!("`{key}` given {n} times")),
            _ => {}
        }
    }
    if p.version.as_deref().is_some_and(|v| v != "STSv1") {
        problems.push("version is not STSv1".to_owned());
    }
    match p.mode.as_deref() {
        Some("enforce" | "testing") if p.mx.is_empty() => {
            problems.push("no `mx` in an enforce or testing policy".to_owned())
        }
        Some("enforce" | "testing" | "none") | None => {}
        Some(other) => problems.push(format!("mode {other:?} is none of enforce, testing, none")),
    }
    p.problems = problems;
    p
}

/// Does an MX host match a policy `mx` pattern (`*.` matches one label)?
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(parent) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
        None => pattern == host,
    }
}

/// Parses a whole policy file of `domain`.
pub fn parse_file(text: &str, domain: Option<&str>) -> Result<Parsed<'static>, RecordError> {
    let domain = domain.ok_or_else(|| {
        RecordError::new(
            "an MTA-STS policy file whose path names no domain: keep it as \
             <domain>/mta-sts.txt, mta-sts.<domain>/.well-known/mta-sts.txt or \
             <domain>.mta-sts.txt",
        )
    })?;
    Ok(Parsed {
        policies: vec![read_policy(domain, text)],
        ..Parsed::default()
    })
}

#[derive(Deserialize)]
struct Fetch<'a> {
    #[serde(borrow)]
    domain: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
    status_code: Option<u16>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "policy")]
    body: Option<Cow<'a, str>>,
}

/// Does a JSON object with a `domain` carry a fetched policy (`body` or `policy`)?
pub fn is_fetch(has: impl Fn(&str) -> bool) -> bool {
    has("body") || has("policy")
}

/// The `mta-sts.` prefix removed: the policy domain of a policy host.
fn policy_domain(name: &str) -> String {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    name.strip_prefix("mta-sts.")
        .map(str::to_owned)
        .unwrap_or(name)
}

fn fetched(
    domain: &str,
    url: Option<String>,
    timestamp: Option<&str>,
    status_code: Option<u16>,
    error: Option<String>,
    body: Option<&str>,
) -> StsPolicy {
    let usable = status_code.is_none_or(|c| c == 200) && error.is_none();
    let mut p = match body.filter(|_| usable) {
        Some(body) => read_policy(domain, body),
        None => StsPolicy {
            domain: domain.to_owned(),
            ..StsPolicy::default()
        },
    };
    p.fetch_error = match (status_code, error) {
        (_, Some(e)) => Some(e),
        (Some(c), None) if c != 200 => Some(format!("HTTP {c}")),
        (_, None) if body.is_none() => Some("no body".to_owned()),
        _ => None,
    };
    p.url = url;
    p.timestamp_us = timestamp.and_then(parse_rfc3339_us);
    p
}

/// Parses a JSON line describing one fetch.
pub fn parse_fetch(text: &str) -> Result<Parsed<'static>, RecordError> {
    let f: Fetch = json::from_str(text)
        .map_err(|e| RecordError::new(format!("MTA-STS fetch: {}", super::short(&e))))?;
    let domain = f
        .domain
        .as_deref()
        .map(policy_domain)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| RecordError::new("MTA-STS fetch without `domain`"))?;
    let policy = fetched(
        &domain,
        f.url.map(Cow::into_owned),
        f.timestamp.as_deref(),
        f.status_code,
        f.error.map(Cow::into_owned),
        f.body.as_deref(),
    );
    Ok(Parsed {
        policies: vec![policy],
        ..Parsed::default()
    })
}

#[derive(Deserialize)]
struct HttpUrl<'a> {
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    path: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct HttpRequest<'a> {
    #[serde(borrow)]
    url: Option<HttpUrl<'a>>,
}

#[derive(Deserialize)]
struct HttpResponse<'a> {
    status_code: Option<u16>,
    #[serde(borrow)]
    body: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request: Option<HttpRequest<'a>>,
}

#[derive(Deserialize)]
struct HttpResult<'a> {
    #[serde(borrow)]
    response: Option<HttpResponse<'a>>,
}

#[derive(Deserialize)]
struct HttpScan<'a> {
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    protocol: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow)]
    result: Option<HttpResult<'a>>,
}

#[derive(Deserialize)]
struct HttpRecord<'a> {
    #[serde(borrow)]
    domain: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: BTreeMap<Cow<'a, str>, HttpScan<'a>>,
}

/// A ZGrab2 record of an HTTP scan of a policy URL, if `text` is one.
pub fn parse_zgrab2_http(text: &str) -> Option<Result<Parsed<'static>, RecordError>> {
    let record: HttpRecord = json::from_str(text).ok()?;
    let (_, scan) = record
        .data
        .iter()
        .find(|(_, s)| s.protocol.as_deref() == Some("http"))?;
    let response = scan.result.as_ref().and_then(|r| r.response.as_ref());
    let url = response.and_then(|r| r.request.as_ref()?.url.as_ref());
    let path = url.and_then(|u| u.path.as_deref());
    if path.is_some_and(|p| !p.ends_with("/.well-known/mta-sts.txt")) {
        return None;
    }
    let host = url
        .and_then(|u| u.host.as_deref())
        .or(record.domain.as_deref())?;
    if path.is_none() && !host.to_ascii_lowercase().starts_with("mta-sts.") {
        return None;
    }
    let domain = policy_domain(host);
    let error = match scan.status.as_deref() {
        Some("success") | None => None,
        Some(status) => Some(
            scan.error
                .as_deref()
                .map_or_else(|| status.to_owned(), str::to_owned),
        ),
    };
    let policy = fetched(
        &domain,
        Some(format!("https://{host}/.well-known/mta-sts.txt")),
        scan.timestamp.as_deref(),
        response.and_then(|r| r.status_code),
        error,
        response.and_then(|r| r.body.as_deref()),
    );
    Some(Ok(Parsed {
        policies: vec![policy],
        ..Parsed::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn policies_are_read_and_their_faults_named() {
        let ok = read_policy(
            "example.com",
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n",
        );
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        assert_eq!(ok.mode.as_deref(), Some("enforce"));
        assert_eq!(ok.mx, ["mail.example.com", "*.example.net"]);
        assert_eq!(ok.max_age, Some(604_800));
        let bad = read_policy("example.com", "version: STSv2\nmode: strict\nmax_age: -1\n");
        assert_eq!(
            bad.problems,
            [
                "max_age \"-1\" is not 0–31557600",
                "version is not STSv1",
                "mode \"strict\" is none of enforce, testing, none"
            ]
        );
        let no_mx = read_policy("example.com", "version: STSv1\nmode: enforce\nmax_age: 1\n");
        assert_eq!(no_mx.problems, ["no `mx` in an enforce or testing policy"]);
    }

    #[test]
    fn mx_patterns_match_one_label() {
        assert!(mx_matches("*.example.net", "mx1.example.net"));
        assert!(!mx_matches("*.example.net", "a.b.example.net"));
        assert!(!mx_matches("*.example.net", "example.net"));
        assert!(mx_matches("mail.example.com", "mail.example.com"));
    }

    #[test]
    fn domains_come_from_paths_and_records() {
        let d = |p: &str| domain_from_path(Path::new(p));
        assert_eq!(
            d("fetch/example.com/.well-known/mta-sts.txt").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            d("x/mta-sts.example.org/.well-known/mta-sts.txt").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            d("policies/example.net.mta-sts.txt").as_deref(),
            Some("example.net")
        );
        assert_eq!(d("mta-sts.txt"), None);
        assert_eq!(d("example.org/mta-sts.txt").as_deref(), Some("example.org"));
        let p = parse_fetch(
            r#"{"domain":"example.com","timestamp":"2024-05-01T00:00:00Z","status_code":404,"body":"not found"}"#,
        )
        .unwrap();
        assert_eq!(p.policies[0].fetch_error.as_deref(), Some("HTTP 404"));
        assert_eq!(p.policies[0].mode, None);
        let z = r#"{"domain":"mta-sts.example.com","data":{"http":{"status":"success","protocol":"http","timestamp":"2024-05-01T00:00:00Z","result":{"response":{"status_code":200,"body":"version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n","request":{"url":{"scheme":"https","host":"mta-sts.example.com","path":"/.well-known/mta-sts.txt"}}}}}}}"#;
        let p = parse_zgrab2_http(z).unwrap().unwrap();
        let policy = &p.policies[0];
        assert_eq!(
            (policy.domain.as_str(), policy.mode.as_deref()),
            ("example.com", Some("testing"))
        );
        assert!(policy.problems.is_empty() && policy.fetch_error.is_none());
        assert!(policy.timestamp_us.is_some());
    }
}
