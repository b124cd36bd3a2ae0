//! What the path rules read of a certificate besides names, keys and
//! dates: extended and plain key usage, basicConstraints, name constraints,
//! critical extensions and the two signature-algorithm fields, as 2015
//! clients (Go's `crypto/x509`, NSS, OpenSSL) checked them.

use std::net::IpAddr;

use x509_parser::prelude::*;

/// Extended key usages that satisfy "TLS server": serverAuth, any usage,
/// and the two Server Gated Crypto usages Go and NSS still took for it.
const SERVER_USAGES: &[&str] = &[
    "1.3.6.1.5.5.7.3.1",
    "2.5.29.37.0",
    "2.16.840.1.113730.4.1",
    "1.3.6.1.4.1.311.10.3.3",
];

/// Does an extended key usage, as the dataset names it (`serverAuth`,
/// `any`, or a dotted OID), allow a TLS server?
pub fn allows_server(usage: &str) -> bool {
    matches!(usage, "serverAuth" | "any") || SERVER_USAGES.contains(&usage)
}

/// Extensions a verifier understands, so that marking one critical does
/// not refuse the certificate: OpenSSL's list (`X509_supported_extension`).
const UNDERSTOOD: &[&str] = &[
    "2.16.840.1.113730.1.1", // Netscape certificate type
    "2.5.29.15",             // keyUsage
    "2.5.29.17",             // subjectAltName
    "2.5.29.19",             // basicConstraints
    "2.5.29.32",             // certificatePolicies
    "2.5.29.31",             // cRLDistributionPoints
    "2.5.29.37",             // extKeyUsage
    "1.3.6.1.5.5.7.1.7",     // IP address delegation (RFC 3779)
    "1.3.6.1.5.5.7.1.8",     // AS identifiers (RFC 3779)
    "1.3.6.1.5.5.7.48.1.5",  // OCSP no check
    "2.5.29.36",             // policyConstraints
    "1.3.6.1.5.5.7.1.14",    // proxyCertInfo
    "2.5.29.30",             // nameConstraints
    "2.5.29.33",             // policyMappings
    "2.5.29.54",             // inhibitAnyPolicy
];

/// A name constraint's subtrees of the two kinds checked: DNS names and
/// IP address ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subtrees {
    /// dNSName bases, lower case.
    pub dns: Vec<String>,
    /// iPAddress bases: address and mask, 4 + 4 or 16 + 16 bytes.
    pub ip: Vec<Vec<u8>>,
}

/// The facts of a certificate the path rules read.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Extended key usage: `None` without the extension (any usage), else
    /// whether it allows a TLS server.
    pub server_usage: Option<bool>,
    /// keyUsage: `None` without the extension, else whether keyCertSign is set.
    pub cert_sign: Option<bool>,
    /// basicConstraints: `None` without the extension, else (cA, pathLenConstraint).
    pub basic_constraints: Option<(bool, Option<u32>)>,
    /// Name constraints: permitted and excluded subtrees.
    pub permitted: Option<Subtrees>,
    /// Excluded subtrees.
    pub excluded: Option<Subtrees>,
    /// A critical extension the verifier does not understand (its OID), or
    /// an extension that does not parse or appears twice.
    pub bad_extension: Option<String>,
    /// The signature algorithm inside the signed part differs from the outer one.
    pub algorithm_mismatch: bool,
    /// subjectAltName DNS names, lower case.
    pub dns_names: Vec<String>,
    /// subjectAltName IP addresses, as encoded (4 or 16 bytes).
    pub ip_addresses: Vec<Vec<u8>>,
    /// Subject common names that look like host names, lower case.
    pub host_cns: Vec<String>,
}

impl Rules {
    /// Reads the rules' facts of a parsed certificate.
    pub fn of(cert: &X509Certificate<'_>) -> Rules {
        let tbs = &cert.tbs_certificate;
        let mut rules = Rules {
            algorithm_mismatch: !same_algorithm(&cert.signature_algorithm, &tbs.signature),
            ..Rules::default()
        };
        for ext in tbs.extensions() {
            let oid = ext.oid.to_id_string();
            if ext.critical && !UNDERSTOOD.contains(&oid.as_str()) {
                rules.bad_extension.get_or_insert(oid.clone());
            }
            if matches!(ext.parsed_extension(), ParsedExtension::ParseError { .. }) {
                rules.bad_extension.get_or_insert(oid);
            }
        }
        // Each getter fails on a duplicated extension, which RFC 5280 forbids.
        match tbs.extended_key_usage() {
            Ok(Some(e)) => {
                let eku = e.value;
                let others = eku.other.iter().map(|o| o.to_id_string());
                rules.server_usage = Some(
                    eku.server_auth
                        || eku.any
                        || others
                            .into_iter()
                            .any(|o| SERVER_USAGES.contains(&o.as_str())),
                );
            }
            Ok(None) => {}
            Err(_) => rules.bad_extension = Some("2.5.29.37".into()),
        }
        match tbs.key_usage() {
            Ok(Some(k)) => rules.cert_sign = Some(k.value.key_cert_sign()),
            Ok(None) => {}
            Err(_) => rules.bad_extension = Some("2.5.29.15".into()),
        }
        match tbs.basic_constraints() {
            Ok(Some(b)) => {
                rules.basic_constraints = Some((b.value.ca, b.value.path_len_constraint));
            }
            Ok(None) => {}
            Err(_) => rules.bad_extension = Some("2.5.29.19".into()),
        }
        match tbs.name_constraints() {
            Ok(Some(nc)) => {
                rules.permitted = nc.value.permitted_subtrees.as_deref().map(subtrees);
                rules.excluded = nc.value.excluded_subtrees.as_deref().map(subtrees);
            }
            Ok(None) => {}
            Err(_) => rules.bad_extension = Some("2.5.29.30".into()),
        }
        match tbs.subject_alternative_name() {
            Ok(Some(san)) => {
                for name in &san.value.general_names {
                    match name {
                        GeneralName::DNSName(d) => rules.dns_names.push(d.to_ascii_lowercase()),
                        GeneralName::IPAddress(ip) => rules.ip_addresses.push(ip.to_vec()),
                        _ => {}
                    }
                }
            }
            Ok(None) => {}
            Err(_) => rules.bad_extension = Some("2.5.29.17".into()),
        }
        rules.host_cns = tbs
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .filter(|cn| looks_like_host(cn))
            .map(str::to_ascii_lowercase)
            .collect();
        rules
    }

    /// Whether the name constraints of this (CA) certificate allow the
    /// names of `cert`: its SAN DNS names and IP addresses, and its subject
    /// common name where it has no SAN DNS name (as OpenSSL checks it).
    /// `comparisons` counts the work, for the path search's budget.
    pub fn allows(&self, cert: &Rules, comparisons: &mut u64) -> bool {
        if self.permitted.is_none() && self.excluded.is_none() {
            return true;
        }
        let dns: Vec<&str> = if cert.dns_names.is_empty() {
            cert.host_cns.iter().map(String::as_str).collect()
        } else {
            cert.dns_names.iter().map(String::as_str).collect()
        };
        let dns_ok = |name: &str, comparisons: &mut u64| {
            let mut within = |bases: &[String]| {
                bases.iter().any(|b| {
                    *comparisons += 1;
                    dns_within(name, b)
                })
            };
            let permitted = self
                .permitted
                .as_ref()
                .is_none_or(|p| p.dns.is_empty() || within(&p.dns));
            let excluded = self.excluded.as_ref().is_some_and(|e| within(&e.dns));
            permitted && !excluded
        };
        let ip_ok = |ip: &[u8], comparisons: &mut u64| {
            let mut within = |bases: &[Vec<u8>]| {
                bases.iter().any(|b| {
                    *comparisons += 1;
                    ip_within(ip, b)
                })
            };
            let permitted = self
                .permitted
                .as_ref()
                .is_none_or(|p| p.ip.is_empty() || within(&p.ip));
            let excluded = self.excluded.as_ref().is_some_and(|e| within(&e.ip));
            permitted && !excluded
        };
        dns.iter().all(|d| dns_ok(d, comparisons))
            && cert.ip_addresses.iter().all(|ip| ip_ok(ip, comparisons))
    }
}

fn subtrees(list: &[GeneralSubtree<'_>]) -> Subtrees {
    let mut out = Subtrees::default();
    for s in list {
        match &s.base {
            GeneralName::DNSName(d) => out.dns.push(d.to_ascii_lowercase()),
            GeneralName::IPAddress(ip) => out.ip.push(ip.to_vec()),
            _ => {}
        }
    }
    out
}

fn same_algorithm(a: &AlgorithmIdentifier<'_>, b: &AlgorithmIdentifier<'_>) -> bool {
    let params = |x: &AlgorithmIdentifier<'_>| x.parameters.as_ref().map(|p| p.data.to_vec());
    a.algorithm == b.algorithm && params(a) == params(b)
}

/// A common name a name constraint applies to: letters, digits, `-`, `.`
/// and `*`, with at least one dot (OpenSSL's test).
fn looks_like_host(cn: &str) -> bool {
    cn.contains('.')
        && cn
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*'))
}

/// RFC 5280 section 4.2.1.10: a DNS name is within `base` when it equals
/// it or ends with `.base`; a base that starts with a dot takes only names
/// below it; an empty base takes every name.
pub fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if let Some(below) = base.strip_prefix('.') {
        return name.len() > below.len() && name.ends_with(base);
    }
    name == base
        || (name.len() > base.len()
            && name.ends_with(base)
            && name.as_bytes()[name.len() - base.len() - 1] == b'.')
}

/// Is an encoded address within an encoded (address, mask) range of its family?
pub fn ip_within(ip: &[u8], base: &[u8]) -> bool {
    if base.len() != ip.len() * 2 {
        return false;
    }
    let (addr, mask) = base.split_at(ip.len());
    ip.iter()
        .zip(addr)
        .zip(mask)
        .all(|((i, a), m)| i & m == a & m)
}

/// The address an IP host string names, as SANs encode it.
pub fn ip_bytes(host: &str) -> Option<Vec<u8>> {
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()?
    {
        IpAddr::V4(v4) => Some(v4.octets().to_vec()),
        IpAddr::V6(v6) => Some(v6.octets().to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_constraints_follow_rfc_5280() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("mail.example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("a.example.com", ".example.com"));
        assert!(dns_within("anything.org", ""));
    }

    #[test]
    fn ip_constraints_use_the_mask() {
        let base = [192, 0, 2, 0, 255, 255, 255, 0];
        assert!(ip_within(&[192, 0, 2, 77], &base));
        assert!(!ip_within(&[192, 0, 3, 1], &base));
        assert!(!ip_within(&[0; 16], &base));
        assert_eq!(ip_bytes("192.0.2.1"), Some(vec![192, 0, 2, 1]));
        assert_eq!(ip_bytes("[::1]").map(|b| b.len()), Some(16));
        assert_eq!(ip_bytes("mail.example"), None);
    }
}
