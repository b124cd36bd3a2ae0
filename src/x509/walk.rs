//! A certificate's fields found by walking its DER element by element, for
//! the ingest's facts and the verifier's view of a certificate.
//!
//! x509-parser builds a vector per name and per relative name, a big
//! integer for the serial and a vector of extensions, then its nom
//! combinators trace every step: about 4.5 µs a certificate, the largest
//! single cost of ingesting scans where most hosts serve a leaf of their
//! own. This walk locates the same fields without allocating, and still
//! reads the leaves with x509-parser's own parsers (algorithm identifiers,
//! validity, the public key, the signature), so their values are the same.
//!
//! It accepts less than x509-parser does: single-byte tags, definite and
//! minimal lengths, exactly the elements each structure holds (x509-parser
//! ignores bytes after the last field it reads), no unique identifiers,
//! versions 1 to 3. Anything else is `None`, and the caller parses the
//! certificate with x509-parser instead; every certificate this walk
//! accepts, x509-parser accepts with the same fields (tested on every
//! bundled certificate and on mutated ones).

use x509_parser::der_parser::asn1_rs::{Any, BitString, Class, FromDer, Header, Length, Oid, Tag};
use x509_parser::oid_registry::OID_X509_COMMON_NAME;
use x509_parser::prelude::{AlgorithmIdentifier, SubjectPublicKeyInfo, Validity};

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
/// `[0] EXPLICIT` (the version) and `[3] EXPLICIT` (the extensions).
const EXPLICIT_0: u8 = 0xa0;
const EXPLICIT_3: u8 = 0xa3;

/// One DER element: its identifier byte, its content, and its whole encoding.
#[derive(Clone, Copy)]
pub(super) struct Element<'a> {
    pub id: u8,
    pub content: &'a [u8],
    pub whole: &'a [u8],
}

impl<'a> Element<'a> {
    /// The element as asn1-rs' `Any`, with the class, form and tag number
    /// its identifier gives (what x509-parser's own parse would hold).
    fn any(&self) -> Any<'a> {
        let class = match self.id >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::ContextSpecific,
            _ => Class::Private,
        };
        let header = Header::new(
            class,
            self.id & 0x20 != 0,
            Tag(u32::from(self.id & 0x1f)),
            Length::Definite(self.content.len()),
        );
        Any::new(header, self.content)
    }
}

/// The first element of `input` and what follows it; `None` unless its
/// tag fits the identifier byte and its length is definite and minimal.
pub(super) fn element(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let (&id, rest) = input.split_first()?;
    if id & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        let bytes = rest.get(..count).filter(|b| (1..=3).contains(&b.len()))?;
        if bytes[0] == 0 {
            return None;
        }
        let len = bytes.iter().fold(0usize, |v, &b| v << 8 | usize::from(b));
        if len < 0x80 {
            return None;
        }
        (len, &rest[count..])
    };
    let content = rest.get(..len)?;
    let whole = &input[..input.len() - rest.len() + len];
    Some((Element { id, content, whole }, &rest[len..]))
}

/// The elements of a constructed content, read in order.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    /// The next element if its identifier is `id`.
    fn take(&mut self, id: u8) -> Option<Element<'a>> {
        let (e, rest) = element(self.0)?;
        (e.id == id).then(|| {
            self.0 = rest;
            e
        })
    }

    /// The next element, whatever its identifier.
    fn any(&mut self) -> Option<Element<'a>> {
        let (e, rest) = element(self.0)?;
        self.0 = rest;
        Some(e)
    }

    fn next_is(&self, id: u8) -> bool {
        self.0.first() == Some(&id)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A `Name` whose structure the walk checked: relative names, each a
/// non-empty set of (type, value) pairs and nothing else.
#[derive(Clone, Copy)]
pub(crate) struct Name<'a> {
    whole: &'a [u8],
    content: &'a [u8],
}

impl<'a> Name<'a> {
    /// Checks a `Name` element.
    fn checked(e: Element<'a>) -> Option<Name<'a>> {
        let mut rdns = Cursor(e.content);
        while !rdns.is_empty() {
            let set = rdns.take(SET)?;
            let mut attributes = Cursor(set.content);
            if attributes.is_empty() {
                return None;
            }
            while !attributes.is_empty() {
                attribute(attributes.take(SEQUENCE)?)?;
            }
        }
        Some(Name {
            whole: e.whole,
            content: e.content,
        })
    }

    /// The whole DER of the name.
    pub(crate) fn raw(&self) -> &'a [u8] {
        self.whole
    }

    /// The relative names in DER order, each as its attributes' types and
    /// values.
    pub(crate) fn rdns(
        &self,
    ) -> impl Iterator<Item = impl Iterator<Item = (Oid<'a>, Any<'a>)>> + 'a {
        elements(self.content).map(|set| elements(set.content).filter_map(attribute))
    }

    /// The first common name, as x509-parser's `iter_common_name` and
    /// `as_str` give it: `None` when there is none or the first is not a
    /// text string.
    pub(crate) fn first_common_name(&self) -> Option<&'a str> {
        let (_, value) = self
            .rdns()
            .flatten()
            .find(|(oid, _)| *oid == OID_X509_COMMON_NAME)?;
        crate::x509::dn::attribute_text(&value)
    }
}

/// The elements of a content the walk already checked.
fn elements(content: &[u8]) -> impl Iterator<Item = Element<'_>> {
    let mut cursor = Cursor(content);
    std::iter::from_fn(move || cursor.any())
}

/// An `AttributeTypeAndValue`: exactly an OID and one value.
fn attribute(e: Element<'_>) -> Option<(Oid<'_>, Any<'_>)> {
    let mut fields = Cursor(e.content);
    let oid = fields.take(OID)?;
    let value = fields.any()?;
    fields
        .is_empty()
        .then(|| (Oid::new(oid.content.into()), value.any()))
}

/// The fields of a certificate that the ingest and the verifier read.
pub(crate) struct Walked<'a> {
    /// The whole `TBSCertificate`, the signed bytes.
    pub tbs: &'a [u8],
    /// 0, 1 or 2 (X.509 v1 to v3).
    pub version: u8,
    /// The serial's two's-complement bytes.
    pub serial: &'a [u8],
    pub issuer: Name<'a>,
    pub validity: Validity,
    pub subject: Name<'a>,
    pub spki: SubjectPublicKeyInfo<'a>,
    /// The content of the `Extensions` sequence (empty when absent).
    extensions: &'a [u8],
    pub signature_algorithm: AlgorithmIdentifier<'a>,
    pub signature: BitString<'a>,
}

/// One extension: its OID's DER body and its value's bytes.
pub(crate) type Extension<'a> = (&'a [u8], &'a [u8]);

impl<'a> Walked<'a> {
    /// The extensions in order (their structure was checked by the walk).
    pub(crate) fn extensions(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        elements(self.extensions).filter_map(extension)
    }
}

/// An `Extension`: an OID, an optional one-byte BOOLEAN, an OCTET STRING.
fn extension(e: Element<'_>) -> Option<Extension<'_>> {
    let mut fields = Cursor(e.content);
    let oid = fields.take(OID)?;
    if fields.next_is(BOOLEAN) && fields.take(BOOLEAN)?.content.len() != 1 {
        return None;
    }
    let value = fields.take(OCTET_STRING)?;
    fields.is_empty().then_some((oid.content, value.content))
}

/// A value x509-parser reads from exactly the element's bytes.
fn parsed<'a, T: FromDer<'a, E>, E>(e: Element<'a>) -> Option<T> {
    match T::from_der(e.whole) {
        Ok(([], value)) => Some(value),
        _ => None,
    }
}

/// Walks a certificate; `None` where the walk does not vouch for it (see
/// the module's notes), to be parsed with x509-parser instead.
pub(crate) fn walk(der: &[u8]) -> Option<Walked<'_>> {
    let (certificate, _) = element(der)?;
    if certificate.id != SEQUENCE {
        return None;
    }
    let mut outer = Cursor(certificate.content);
    let tbs = outer.take(SEQUENCE)?;
    let signature_algorithm = parsed(outer.take(SEQUENCE)?)?;
    let signature = parsed(outer.take(BIT_STRING)?)?;
    if !outer.is_empty() {
        return None;
    }
    let mut fields = Cursor(tbs.content);
    let version = match fields.take(EXPLICIT_0) {
        Some(tagged) => match tagged.content {
            [INTEGER, 1, v @ 0..=2] => *v,
            _ => return None,
        },
        None => 0,
    };
    let serial = fields.take(INTEGER).filter(|e| !e.content.is_empty())?;
    let _: AlgorithmIdentifier = parsed(fields.take(SEQUENCE)?)?;
    let issuer = Name::checked(fields.take(SEQUENCE)?)?;
    let validity = parsed(fields.take(SEQUENCE)?)?;
    let subject = Name::checked(fields.take(SEQUENCE)?)?;
    let spki = parsed(fields.take(SEQUENCE)?)?;
    let extensions = match fields.take(EXPLICIT_3) {
        Some(tagged) => {
            let mut inner = Cursor(tagged.content);
            let list = inner.take(SEQUENCE)?;
            if !inner.is_empty() {
                return None;
            }
            let mut each = Cursor(list.content);
            while !each.is_empty() {
                extension(each.take(SEQUENCE)?)?;
            }
            list.content
        }
        None => &[],
    };
    if !fields.is_empty() {
        return None;
    }
    Some(Walked {
        tbs: tbs.whole,
        version,
        serial: serial.content,
        issuer,
        validity,
        subject,
        spki,
        extensions,
        signature_algorithm,
        signature,
    })
}
