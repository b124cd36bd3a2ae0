//! Distinguished names in one comparable form, whether they come as DER or
//! as text a scanner printed (`C=US, O=Let's Encrypt, CN=R3`).
//!
//! Issuers are found by name. A certificate known only by a scanner's
//! parsed JSON has a printed DN, one with DER a `Name`; to chain the two
//! kinds both become the same key: each attribute as its OID and its value
//! with escapes undone, surrounding spaces trimmed, inner runs of spaces
//! made one and letters lower-cased (RFC 5280 section 7.1's comparison, as
//! OpenSSL's canonical encoding does it), the attributes sorted, so the
//! order a printer chose (RFC 4514 prints the last RDN first) does not
//! matter.

use std::borrow::Cow;
use std::sync::OnceLock;

use x509_parser::der_parser::asn1_rs::{Any, BmpString, Oid, Tag};
use x509_parser::objects::{oid2abbrev, oid_registry};
use x509_parser::x509::X509Name;

/// Attribute types: OID and the names printers use for it (lower case).
const ATTRIBUTES: &[(&str, &[&str])] = &[
    ("2.5.4.3", &["cn", "commonname"]),
    ("2.5.4.4", &["sn", "surname"]),
    ("2.5.4.5", &["serialnumber"]),
    ("2.5.4.6", &["c", "countryname"]),
    ("2.5.4.7", &["l", "localityname"]),
    ("2.5.4.8", &["st", "s", "stateorprovincename"]),
    ("2.5.4.9", &["street", "streetaddress"]),
    ("2.5.4.10", &["o", "organizationname"]),
    ("2.5.4.11", &["ou", "organizationalunitname"]),
    ("2.5.4.12", &["title"]),
    ("2.5.4.15", &["businesscategory"]),
    ("2.5.4.17", &["postalcode"]),
    ("2.5.4.42", &["gn", "givenname"]),
    ("2.5.4.43", &["initials"]),
    ("2.5.4.44", &["generationqualifier"]),
    ("2.5.4.46", &["dnqualifier"]),
    ("2.5.4.65", &["pseudonym"]),
    ("0.9.2342.19200300.100.1.1", &["uid", "userid"]),
    ("0.9.2342.19200300.100.1.25", &["dc", "domaincomponent"]),
    ("1.2.840.113549.1.9.1", &["emailaddress", "email", "e"]),
    (
        "1.3.6.1.4.1.311.60.2.1.1",
        &["jurisdictionlocalityname", "jurisdictionl"],
    ),
    (
        "1.3.6.1.4.1.311.60.2.1.2",
        &["jurisdictionstateorprovincename", "jurisdictionst"],
    ),
    (
        "1.3.6.1.4.1.311.60.2.1.3",
        &["jurisdictioncountryname", "jurisdictionc"],
    ),
];

/// The OID of a printed attribute name, or the name itself when unknown.
fn attribute_oid(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let lower = lower.strip_prefix("oid.").unwrap_or(&lower);
    ATTRIBUTES
        .iter()
        .find(|(_, names)| names.contains(&lower))
        .map_or_else(|| lower.to_owned(), |(oid, _)| (*oid).to_owned())
}

/// A value as compared: trimmed, inner white space one space, lower case.
/// Built in one buffer: the commit keys two names of every leaf it judges.
fn fold_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_ascii() {
        out.make_ascii_lowercase();
        out
    } else {
        // Unicode lower-casing depends on context (a final sigma).
        out.to_lowercase()
    }
}

/// Joins `(oid, value)` pairs into the key, sorted.
fn key<O: AsRef<str> + Ord>(mut attributes: Vec<(O, String)>) -> String {
    attributes.sort();
    let len = attributes
        .iter()
        .map(|(oid, value)| oid.as_ref().len() + value.len() + 2)
        .sum();
    let mut out = String::with_capacity(len);
    for (oid, value) in attributes {
        out.push_str(oid.as_ref());
        out.push('=');
        out.push_str(&value);
        out.push('\u{1}');
    }
    out
}

/// One of the [`ATTRIBUTES`] types as it meets us in DER.
struct KnownType {
    /// The OID's DER body.
    body: Vec<u8>,
    /// The dotted OID.
    dotted: &'static str,
    /// x509-parser's short name for it (`CN`), where its registry has one.
    abbreviation: Option<String>,
}

/// The [`ATTRIBUTES`] types, found by DER body: names are keyed and
/// printed for every certificate, and formatting an OID or looking it up in
/// x509-parser's registry costs hundreds of instructions each time.
fn known_types() -> &'static [KnownType] {
    static KNOWN: OnceLock<Vec<KnownType>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        ATTRIBUTES
            .iter()
            .filter_map(|(dotted, _)| {
                let arcs: Option<Vec<u64>> = dotted.split('.').map(|a| a.parse().ok()).collect();
                // `der::oid` writes a short-form TLV: the body follows the
                // tag and length bytes.
                let body = crate::der::oid(&arcs?)[2..].to_vec();
                let abbreviation = oid2abbrev(&Oid::new(body.as_slice().into()), oid_registry())
                    .ok()
                    .map(str::to_owned);
                Some(KnownType {
                    body,
                    dotted,
                    abbreviation,
                })
            })
            .collect()
    })
}

fn known_type(oid: &Oid<'_>) -> Option<&'static KnownType> {
    let body = oid.as_bytes();
    known_types().iter().find(|known| known.body == body)
}

/// An attribute type's dotted OID: the usual ones from [`ATTRIBUTES`],
/// the rest as x509-parser formats them.
fn attribute_type_text(oid: &Oid<'_>) -> Cow<'static, str> {
    known_type(oid).map_or_else(
        || Cow::Owned(oid.to_id_string()),
        |known| Cow::Borrowed(known.dotted),
    )
}

/// The key of a DER `Name`. Values that are not strings are compared by
/// their DER bytes, in hex.
pub fn der_key(name: &X509Name<'_>) -> String {
    key_of_attributes(
        name.iter_attributes()
            .map(|a| (a.attr_type().clone(), a.attr_value().clone())),
    )
}

/// [`der_key`] for a name given as its attributes' types and values, in
/// DER order (from x509-parser's `X509Name` or a walk of the DER).
pub fn key_of_attributes<'a>(attributes: impl IntoIterator<Item = (Oid<'a>, Any<'a>)>) -> String {
    let attributes = attributes
        .into_iter()
        .map(|(attr_type, value)| {
            let value = match attribute_text(&value) {
                Some(text) => fold_value(text),
                None => format!("#{}", hex::encode(value.data)),
            };
            (attribute_type_text(&attr_type), value)
        })
        .collect();
    key(attributes)
}

/// An attribute's value as text where x509-parser's `as_str` gives it:
/// the four string types names mostly use, when their bytes are UTF-8.
pub fn attribute_text<'a>(value: &Any<'a>) -> Option<&'a str> {
    match value.tag() {
        Tag::NumericString | Tag::PrintableString | Tag::Utf8String | Tag::Ia5String => {
            std::str::from_utf8(value.data).ok()
        }
        _ => None,
    }
}

/// The text x509-parser's `Display` gives a name (`C=US, O=Foo, CN=bar`,
/// RDNs in DER order joined by `, `, the attributes of one RDN by ` + `;
/// a value that is not a string in upper-case hex; a string value that is
/// not valid text makes the whole name `<X509Error: Invalid X.509 name>`),
/// written into one buffer: the `certificates` table prints two names per
/// certificate, and its `Display` allocates a string per attribute and per
/// join.
pub fn print(name: &X509Name<'_>) -> String {
    print_rdns(
        name.iter().map(|rdn| {
            rdn.iter()
                .map(|a| (a.attr_type().clone(), a.attr_value().clone()))
        }),
        name.as_raw().len(),
    )
}

/// [`print()`] for a name given as its relative names, each as its
/// attributes' types and values (from x509-parser's `X509Name` or a walk
/// of the DER); `raw_len`, the name's DER length, sizes the buffer.
pub fn print_rdns<'a, R, A>(rdns: R, raw_len: usize) -> String
where
    R: IntoIterator<Item = A>,
    A: IntoIterator<Item = (Oid<'a>, Any<'a>)>,
{
    const INVALID: &str = "<X509Error: Invalid X.509 name>";
    let mut out = String::with_capacity(raw_len + 16);
    for rdn in rdns {
        // x509-parser adds the separator whenever the text so far is not
        // empty, even before an RDN without attributes.
        if !out.is_empty() {
            out.push_str(", ");
        }
        for (i, (attr_type, attr_value)) in rdn.into_iter().enumerate() {
            if i > 0 {
                out.push_str(" + ");
            }
            let abbreviation = match known_type(&attr_type).and_then(|k| k.abbreviation.as_deref())
            {
                Some(abbrev) => Ok(abbrev),
                None => oid2abbrev(&attr_type, oid_registry()),
            };
            match abbreviation {
                Ok(abbrev) => out.push_str(abbrev),
                Err(_) => out.push_str(&format!("{attr_type:?}")),
            }
            out.push('=');
            if push_value(&mut out, &attr_value).is_none() {
                return INVALID.to_owned();
            }
        }
    }
    out
}

/// Appends an attribute value as x509-parser prints it; `None` where it
/// cannot (a string type whose bytes are not text).
fn push_value(out: &mut String, value: &Any<'_>) -> Option<()> {
    match value.tag() {
        Tag::NumericString
        | Tag::VisibleString
        | Tag::PrintableString
        | Tag::GeneralString
        | Tag::ObjectDescriptor
        | Tag::GraphicString
        | Tag::T61String
        | Tag::VideotexString
        | Tag::Utf8String
        | Tag::Ia5String => out.push_str(std::str::from_utf8(value.data).ok()?),
        Tag::BmpString => out.push_str(&BmpString::try_from(value.clone()).ok()?.string()),
        _ => out.push_str(&hex::encode_upper(value.as_bytes())),
    }
    Some(())
}

/// The key of a printed DN (`C=US, O=Foo\, Inc., CN=bar`): attributes
/// separated by unescaped `,`, `+` or `;`; `\` escapes one character or
/// gives a byte as two hex digits. `None` for text that is not a DN.
pub fn text_key(dn: &str) -> Option<String> {
    let mut attributes = Vec::new();
    let mut name = String::new();
    let mut value: Vec<u8> = Vec::new();
    let mut in_value = false;
    let mut bytes = dn.as_bytes().iter().copied().peekable();
    let mut finish = |name: &mut String, value: &mut Vec<u8>, in_value: bool| -> Option<()> {
        if !in_value {
            // Empty text between separators is allowed only at the very end.
            return name.trim().is_empty().then_some(());
        }
        let text = String::from_utf8_lossy(value);
        attributes.push((attribute_oid(name), fold_value(&text)));
        name.clear();
        value.clear();
        Some(())
    };
    while let Some(b) = bytes.next() {
        match b {
            b'\\' if in_value => {
                let hi = bytes.next()?;
                let lo = bytes.peek().copied();
                match (hex_digit(hi), lo.and_then(hex_digit)) {
                    (Some(h), Some(l)) => {
                        bytes.next();
                        value.push(h << 4 | l);
                    }
                    _ => value.push(hi),
                }
            }
            b',' | b'+' | b';' if in_value => {
                finish(&mut name, &mut value, in_value)?;
                in_value = false;
            }
            b'=' if !in_value => in_value = true,
            _ if in_value => value.push(b),
            _ => name.push(char::from(b)),
        }
    }
    finish(&mut name, &mut value, in_value)?;
    (!attributes.is_empty()).then(|| key(attributes))
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::tlv;
    use x509_parser::prelude::FromDer;

    /// A `Name` of RDNs, each a list of (OID body bytes, value element).
    fn name_der(rdns: &[&[(&[u8], Vec<u8>)]]) -> Vec<u8> {
        let mut seq = Vec::new();
        for rdn in rdns {
            let mut set = Vec::new();
            for (oid, value) in *rdn {
                let mut attr = tlv(0x06, oid);
                attr.extend_from_slice(value);
                set.extend(tlv(0x30, &attr));
            }
            seq.extend(tlv(0x31, &set));
        }
        tlv(0x30, &seq)
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const UNKNOWN: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x7f];

    fn utf8(s: &str) -> Vec<u8> {
        tlv(0x0c, s.as_bytes())
    }

    /// Runs `check` on the subject and issuer of every certificate of the
    /// bundled root stores (real issuers' names in their many string
    /// types) and returns how many names it saw.
    fn each_bundled_name(mut check: impl FnMut(&X509Name<'_>)) -> usize {
        let mut names = 0;
        for snapshot in crate::trust::store::SNAPSHOTS {
            for pem in x509_parser::pem::Pem::iter_from_buffer(snapshot.pem) {
                let pem = pem.expect("bundled PEM");
                let cert = pem.parse_x509().expect("bundled certificate");
                for name in [cert.subject(), cert.issuer()] {
                    check(name);
                    names += 1;
                }
            }
        }
        names
    }

    fn assert_prints_as_x509_parser(der: &[u8]) {
        let (_, name) = X509Name::from_der(der).expect("a name");
        assert_eq!(print(&name), name.to_string(), "{der:02x?}");
    }

    #[test]
    fn names_print_as_x509_parser_prints_them() {
        const SERIAL: &[u8] = &[0x55, 0x04, 0x05];
        const EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
        let printable = |s: &str| tlv(0x13, s.as_bytes());
        let bmp: Vec<u8> = "Zürich Ω"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let cases: Vec<Vec<u8>> = vec![
            name_der(&[&[(O, printable("Let's Encrypt"))], &[(CN, utf8("R3"))]]),
            name_der(&[&[(CN, utf8("a")), (O, utf8("b"))], &[(CN, utf8("c"))]]),
            name_der(&[&[(CN, tlv(0x1e, &bmp))]]),
            name_der(&[&[(SERIAL, tlv(0x02, &[0x01, 0x00]))]]),
            name_der(&[&[(EMAIL, tlv(0x16, b"ops@example.net"))]]),
            name_der(&[&[(UNKNOWN, utf8("x"))], &[(CN, utf8("y"))]]),
            name_der(&[&[(CN, utf8("a"))], &[(O, tlv(0x0c, &[0xff, 0xfe]))]]),
            name_der(&[&[(CN, tlv(0x1e, &[0xd8, 0x00]))]]),
            name_der(&[]),
            name_der(&[&[(CN, utf8(""))], &[(O, utf8(""))]]),
        ];
        for der in &cases {
            assert_prints_as_x509_parser(der);
        }
        let names = each_bundled_name(|name| assert_eq!(print(name), name.to_string()));
        assert!(names > 1000, "only {names} names read");
    }

    /// [`der_key`] as first written: every OID through x509-parser's
    /// formatting, every value folded through intermediate strings.
    fn der_key_plainly(name: &X509Name<'_>) -> String {
        let attributes = name
            .iter_attributes()
            .map(|a| {
                let value = match a.as_str() {
                    Ok(text) => text
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase(),
                    Err(_) => format!("#{}", hex::encode(a.attr_value().data)),
                };
                (a.attr_type().to_id_string(), value)
            })
            .collect();
        key::<String>(attributes)
    }

    #[test]
    fn name_keys_match_their_plain_construction() {
        for known in known_types() {
            let oid = Oid::new(known.body.as_slice().into());
            assert_eq!(oid.to_id_string(), known.dotted);
            assert_eq!(
                known.abbreviation.as_deref(),
                oid2abbrev(&oid, oid_registry()).ok()
            );
        }
        assert_eq!(known_types().len(), ATTRIBUTES.len());
        assert!(
            known_types()
                .iter()
                .filter(|k| k.abbreviation.is_some())
                .count()
                > 10
        );
        let cases = [
            name_der(&[&[(CN, utf8("  Mail\tServer \u{b}  ONE "))]]),
            name_der(&[&[(CN, utf8("ΟΔΟΣ Straße"))], &[(UNKNOWN, utf8("X"))]]),
            name_der(&[&[(CN, tlv(0x02, &[0x01, 0x00]))]]),
            name_der(&[]),
        ];
        for der in &cases {
            let (_, name) = X509Name::from_der(der).expect("a name");
            assert_eq!(der_key(&name), der_key_plainly(&name), "{der:02x?}");
        }
        let names = each_bundled_name(|name| assert_eq!(der_key(name), der_key_plainly(name)));
        assert!(names > 1000, "only {names} names read");
    }

    #[test]
    fn printed_forms_of_one_name_agree() {
        let reference = text_key("C=US, O=Let's Encrypt, CN=R3").unwrap();
        for variant in [
            "CN=R3, O=Let's Encrypt, C=US",
            "c=us,o=let's encrypt,cn=r3",
            "countryName=US; organizationName=Let's  Encrypt; commonName=R3",
            "C=US, O=Let\\27s Encrypt, CN=R3",
            "C = US , O = Let's Encrypt , CN = R3",
        ] {
            assert_eq!(
                text_key(variant).as_deref(),
                Some(reference.as_str()),
                "{variant}"
            );
        }
        assert_ne!(text_key("C=US, O=Let's Encrypt, CN=R4").unwrap(), reference);
        assert_eq!(
            text_key("O=Foo\\, Inc., CN=x").unwrap(),
            text_key("CN=x, O=foo\\, inc.").unwrap()
        );
        assert_eq!(
            text_key("emailAddress=a@b, CN=x").unwrap(),
            text_key("CN=x, E=A@B").unwrap()
        );
        assert_eq!(text_key(""), None);
        assert_eq!(text_key("not a name"), None);
        assert_eq!(text_key("CN=x\\"), None);
    }

    #[test]
    fn der_names_meet_their_printed_form() {
        use x509_parser::prelude::FromDer;
        let pem = include_str!("../../data/roots/mozilla-2015-04-28.pem");
        let mut checked = 0;
        for der in crate::trust::cert::pem_certificates(pem.as_bytes()).unwrap() {
            let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).unwrap();
            let subject = cert.subject();
            // x509-parser prints each RDN as `SHORT=value`, in DER order,
            // without escaping: values with separators are left out.
            let printed = subject.to_string();
            let plain = subject.iter_attributes().all(|a| {
                a.as_str()
                    .is_ok_and(|v| !v.contains([',', '+', ';', '\\', '=']))
            });
            if !plain {
                continue;
            }
            if let Some(k) = text_key(&printed) {
                assert_eq!(k, der_key(subject), "{printed}");
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }
}
