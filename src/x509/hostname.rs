//! Does a certificate name a host? RFC 6125 §6.4 as browsers apply it:
//! names compare case-insensitively as A-labels (IDNA), without a trailing
//! dot; a wildcard is a whole left-most label, matches exactly one label,
//! and may not cover a whole public suffix (`*.com`, `*.co.uk`: the Public
//! Suffix List compiled into the `psl` crate); an IP address host is
//! matched against the certificate's iPAddress names only (RFC 6125 §3.1.3,
//! as Go did); when the certificate has DNS names in subjectAltName its
//! common name is not consulted.

use std::net::IpAddr;

/// A name in comparable form: A-labels, lower case, no trailing dot.
fn normalize(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.');
    if name.is_empty() {
        return None;
    }
    if name.is_ascii() {
        return Some(name.to_ascii_lowercase());
    }
    idna::domain_to_ascii(name).ok()
}

/// Does the certificate name `pattern` (a dNSName or common name) match `host`?
pub fn matches(pattern: &str, host: &str) -> bool {
    let (Some(pattern), Some(host)) = (normalize(pattern), normalize(host)) else {
        return false;
    };
    if host.parse::<IpAddr>().is_ok() {
        return pattern == host;
    }
    match pattern.strip_prefix("*.") {
        None => pattern == host,
        Some(rest) => {
            // `*.com` or `*.co.uk` would cover every name under a public suffix.
            if rest.split('.').count() < 2 || rest.contains('*') || is_public_suffix(rest) {
                return false;
            }
            match host.split_once('.') {
                Some((label, host_rest)) => !label.is_empty() && host_rest == rest,
                None => false,
            }
        }
    }
}

/// Is `name` (A-labels, lower case) itself a public suffix?
fn is_public_suffix(name: &str) -> bool {
    psl::suffix(name.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes() == name.as_bytes())
}

/// Does a certificate with these subjectAltName DNS names and IP addresses
/// (as text) and common name name `host`? An IP address host is matched
/// against the IP addresses alone; the common name counts only when there
/// are no DNS names.
pub fn certificate_names(
    san_dns: &[String],
    san_ip: &[String],
    common_name: Option<&str>,
    host: &str,
) -> bool {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return san_ip
            .iter()
            .any(|s| s.parse::<IpAddr>().is_ok_and(|s| s == ip));
    }
    if san_dns.is_empty() {
        common_name.is_some_and(|cn| matches(cn, host))
    } else {
        san_dns.iter().any(|n| matches(n, host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6125_rules() {
        assert!(matches("mx.example.com", "MX.Example.COM."));
        assert!(matches("*.example.com", "mail.example.com"));
        assert!(
            !matches("*.example.com", "example.com"),
            "the wildcard needs a label"
        );
        assert!(
            !matches("*.example.com", "a.b.example.com"),
            "one label only"
        );
        assert!(
            !matches("*.com", "example.com"),
            "no wildcard over a top-level domain"
        );
        assert!(
            !matches("*.co.uk", "example.co.uk"),
            "no wildcard over a public suffix"
        );
        assert!(
            !matches("*.github.io", "example.github.io"),
            "private-section suffixes too"
        );
        assert!(matches("*.example.co.uk", "mail.example.co.uk"));
        assert!(
            !matches("m*.example.com", "mail.example.com"),
            "partial wildcards are not honoured"
        );
        assert!(
            !matches("mail.*.com", "mail.example.com"),
            "left-most label only"
        );
        assert!(!matches("*.example.com", "192.0.2.1"));
        assert!(matches("192.0.2.1", "192.0.2.1"));
        assert!(!matches("", "example.com"));
    }

    #[test]
    fn idna_names_compare_as_a_labels() {
        assert!(matches("xn--bcher-kva.example", "bücher.example"));
        assert!(matches("*.xn--bcher-kva.example", "mail.bücher.example"));
        assert!(!matches("bucher.example", "bücher.example"));
    }

    #[test]
    fn common_name_only_without_dns_names() {
        let san = vec!["mail.example.net".to_owned()];
        assert!(certificate_names(
            &san,
            &[],
            Some("other.example"),
            "mail.example.net"
        ));
        assert!(!certificate_names(
            &san,
            &[],
            Some("other.example"),
            "other.example"
        ));
        assert!(certificate_names(
            &[],
            &[],
            Some("other.example"),
            "other.example"
        ));
    }

    #[test]
    fn ip_hosts_match_ip_address_names_only() {
        let ips = vec!["192.0.2.1".to_owned(), "2001:db8::1".to_owned()];
        assert!(certificate_names(&[], &ips, None, "192.0.2.1"));
        assert!(certificate_names(&[], &ips, None, "[2001:db8:0::1]"));
        assert!(!certificate_names(&[], &ips, None, "192.0.2.2"));
        // A DNS name or common name spelling the address does not count.
        let dns = vec!["192.0.2.1".to_owned()];
        assert!(!certificate_names(
            &dns,
            &[],
            Some("192.0.2.1"),
            "192.0.2.1"
        ));
    }
}
