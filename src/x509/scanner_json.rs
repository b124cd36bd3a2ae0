//! Certificate facts from a scanner's parsed JSON (zcrypto `parsed`), for
//! records that carry no DER, such as Censys host records.

use serde::Deserialize;

use super::{names, CertFacts};
use crate::formats::wire::{Strings, Text};
use crate::time::parse_rfc3339_us;

#[derive(Deserialize, Default)]
struct Name {
    #[serde(default)]
    common_name: Text,
}

#[derive(Deserialize, Default)]
struct Validity {
    #[serde(default)]
    start: Text,
    #[serde(default)]
    end: Text,
}

#[derive(Deserialize, Default)]
struct KeyLength {
    length: Option<u32>,
    #[serde(default)]
    curve: Text,
}

#[derive(Deserialize, Default)]
struct KeyInfo {
    #[serde(default)]
    key_algorithm: Text,
    rsa_public_key: Option<KeyLength>,
    ecdsa_public_key: Option<KeyLength>,
    dsa_public_key: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    fingerprint_sha256: Text,
}

#[derive(Deserialize, Default)]
struct BasicConstraints {
    is_ca: Option<bool>,
    max_path_len: Option<i64>,
}

#[derive(Deserialize, Default)]
struct KeyUsage {
    certificate_sign: Option<bool>,
}

/// Extended key usages as zcrypto wrote them: a list of Go's `ExtKeyUsage`
/// numbers (older ztag output, `[1]`) or an object of flags (`{"server_auth":
/// true}`); kept as the names the DER reader gives (OIDs for the rest).
#[derive(Default)]
struct ExtendedKeyUsage(Vec<String>);

/// Go's `x509.ExtKeyUsage` numbers and zcrypto's flag names, with the name
/// the dataset uses.
const USAGES: &[(i64, &str, &str)] = &[
    (0, "any", "any"),
    (1, "server_auth", "serverAuth"),
    (2, "client_auth", "clientAuth"),
    (3, "code_signing", "codeSigning"),
    (4, "email_protection", "emailProtection"),
    (5, "ipsec_end_system", "1.3.6.1.5.5.7.3.5"),
    (6, "ipsec_tunnel", "1.3.6.1.5.5.7.3.6"),
    (7, "ipsec_user", "1.3.6.1.5.5.7.3.7"),
    (8, "time_stamping", "timeStamping"),
    (9, "ocsp_signing", "OCSPSigning"),
    (
        10,
        "microsoft_server_gated_crypto",
        "1.3.6.1.4.1.311.10.3.3",
    ),
    (11, "netscape_server_gated_crypto", "2.16.840.1.113730.4.1"),
];

impl<'de> Deserialize<'de> for ExtendedKeyUsage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ExtendedKeyUsage;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of usage numbers or an object of usage flags")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    let found = match &v {
                        serde_json::Value::Number(n) => {
                            USAGES.iter().find(|u| Some(u.0) == n.as_i64())
                        }
                        serde_json::Value::String(s) => USAGES.iter().find(|u| u.1 == s),
                        _ => None,
                    };
                    out.extend(found.map(|u| u.2.to_owned()));
                }
                Ok(ExtendedKeyUsage(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((key, on)) = map.next_entry::<String, serde_json::Value>()? {
                    if on == serde_json::Value::Bool(true) {
                        out.extend(USAGES.iter().find(|u| u.1 == key).map(|u| u.2.to_owned()));
                    }
                }
                Ok(ExtendedKeyUsage(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
struct SubjectAltName {
    #[serde(default)]
    dns_names: Strings,
    #[serde(default)]
    ip_addresses: Strings,
}

#[derive(Deserialize, Default)]
struct Extensions {
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    extended_key_usage: Option<ExtendedKeyUsage>,
    subject_alt_name: Option<SubjectAltName>,
}

#[derive(Deserialize, Default)]
struct Signature {
    self_signed: Option<bool>,
}

/// The zcrypto `parsed` certificate object, reduced to what we keep.
#[derive(Deserialize, Default)]
pub struct ScannerCert {
    #[serde(default)]
    fingerprint_sha256: Text,
    #[serde(default)]
    fingerprint_sha1: Text,
    #[serde(default)]
    subject_dn: Text,
    #[serde(default)]
    issuer_dn: Text,
    subject: Option<Name>,
    issuer: Option<Name>,
    validity: Option<Validity>,
    version: Option<u8>,
    #[serde(default)]
    serial_number: Text,
    #[serde(default)]
    signature_algorithm: Text,
    subject_key_info: Option<KeyInfo>,
    extensions: Option<Extensions>,
    signature: Option<Signature>,
}

impl ScannerCert {
    /// The facts, or `None` when the object has no SHA-256 fingerprint to key it by.
    pub fn into_facts(self) -> Option<CertFacts> {
        let sha256 = self.fingerprint_sha256.0?.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let key = self.subject_key_info.unwrap_or_default();
        let (key_bits, curve) = match (&key.rsa_public_key, &key.ecdsa_public_key) {
            (Some(rsa), _) => (rsa.length, None),
            (None, Some(ec)) => (ec.length, ec.curve.0.clone()),
            _ => (None, None),
        };
        let key_alg = key.key_algorithm.0.clone().or_else(|| {
            if key.rsa_public_key.is_some() {
                Some("RSA".into())
            } else if key.ecdsa_public_key.is_some() {
                Some("ECDSA".into())
            } else {
                key.dsa_public_key.as_ref().map(|_| "DSA".into())
            }
        });
        let mut ext = self.extensions.unwrap_or_default();
        let validity = self.validity.unwrap_or_default();
        Some(CertFacts {
            sha256,
            sha1: self.fingerprint_sha1.0,
            spki_sha256: key.fingerprint_sha256.0,
            der: None,
            parse_status: "scanner_json",
            parse_error: None,
            version: self.version,
            serial: self.serial_number.0,
            subject_dn: self.subject_dn.0,
            subject_cn: self.subject.and_then(|n| n.common_name.0),
            issuer_dn: self.issuer_dn.0,
            issuer_cn: self.issuer.and_then(|n| n.common_name.0),
            san_ip: ext
                .subject_alt_name
                .as_ref()
                .map(|s| s.ip_addresses.0.clone())
                .unwrap_or_default(),
            san_dns: ext
                .subject_alt_name
                .map(|s| s.dns_names.0)
                .unwrap_or_default(),
            eku: ext
                .extended_key_usage
                .take()
                .map(|e| e.0)
                .unwrap_or_default(),
            not_before_us: validity.start.0.as_deref().and_then(parse_rfc3339_us),
            not_after_us: validity.end.0.as_deref().and_then(parse_rfc3339_us),
            key_alg,
            key_bits,
            curve,
            sig_alg: self
                .signature_algorithm
                .0
                .as_deref()
                .map(names::normalize_signature_name),
            is_ca: ext
                .basic_constraints
                .as_ref()
                .and_then(|b| b.is_ca)
                .or(Some(false)),
            path_len: ext
                .basic_constraints
                .and_then(|b| b.max_path_len)
                .and_then(|n| u32::try_from(n).ok()),
            key_cert_sign: ext.key_usage.map(|k| k.certificate_sign.unwrap_or(false)),
            self_signed: self.signature.and_then(|s| s.self_signed),
            self_signature_valid: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(extensions: &str) -> CertFacts {
        let text = format!(
            r#"{{"fingerprint_sha256":"{}","extensions":{extensions}}}"#,
            "ab".repeat(32)
        );
        crate::formats::json::from_str::<ScannerCert>(&text)
            .unwrap()
            .into_facts()
            .unwrap()
    }

    #[test]
    fn usages_and_constraints_in_both_zcrypto_shapes() {
        // Older ztag output: Go's ExtKeyUsage numbers.
        let old = facts(r#"{"extended_key_usage":[1,2,11],"basic_constraints":{"is_ca":false}}"#);
        assert_eq!(
            old.eku,
            ["serverAuth", "clientAuth", "2.16.840.1.113730.4.1"]
        );
        assert_eq!(
            (old.is_ca, old.path_len, old.key_cert_sign),
            (Some(false), None, None)
        );
        // zgrab2: an object of flags; a CA with pathLen 0 and keyCertSign.
        let new = facts(
            r#"{"extended_key_usage":{"server_auth":true,"client_auth":false},"basic_constraints":{"is_ca":true,"max_path_len":0},"key_usage":{"certificate_sign":true,"crl_sign":true}}"#,
        );
        assert_eq!(new.eku, ["serverAuth"]);
        assert_eq!(
            (new.is_ca, new.path_len, new.key_cert_sign),
            (Some(true), Some(0), Some(true))
        );
        let signing_only = facts(r#"{"key_usage":{"digital_signature":true}}"#);
        assert_eq!(signing_only.key_cert_sign, Some(false));
        assert!(facts("{}").eku.is_empty());
    }
}
