//! Just enough DER writing for X.509: the generator's certificates
//! (including the odd ones scans are full of: version 1, negative serials,
//! MD5 signatures) and the DigestInfo of RSA signature checks.

/// Tag, length, value.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of already-encoded parts.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// SET of already-encoded parts (in the given order).
pub fn set(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

/// Context-specific constructed `[n]` (EXPLICIT tagging).
pub fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// INTEGER from a signed value.
pub fn int(v: i64) -> Vec<u8> {
    int_twos_complement(&v.to_be_bytes())
}

/// INTEGER from big-endian two's-complement bytes, minimally encoded.
pub fn int_twos_complement(bytes: &[u8]) -> Vec<u8> {
    let mut start = 0;
    while start + 1 < bytes.len()
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    tlv(0x02, &bytes[start..])
}

/// INTEGER from an unsigned big-endian magnitude.
pub fn uint(magnitude: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(magnitude.len() + 1);
    v.push(0);
    v.extend_from_slice(magnitude);
    int_twos_complement(&v)
}

/// OBJECT IDENTIFIER from its arcs.
pub fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        body.extend(groups.iter().rev());
    }
    tlv(0x06, &body)
}

/// NULL.
pub fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

/// BOOLEAN.
pub fn boolean(v: bool) -> Vec<u8> {
    vec![0x01, 0x01, if v { 0xff } else { 0x00 }]
}

/// UTF8String.
pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

/// PrintableString (callers pass printable ASCII).
pub fn printable(s: &str) -> Vec<u8> {
    tlv(0x13, s.as_bytes())
}

/// OCTET STRING.
pub fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

/// BIT STRING with no unused bits.
pub fn bits(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.push(0);
    v.extend_from_slice(bytes);
    tlv(0x03, &v)
}

/// IA5String in an implicit context tag (`[2]` dNSName in GeneralName).
pub fn implicit_ia5(n: u8, s: &str) -> Vec<u8> {
    tlv(0x80 | n, s.as_bytes())
}

/// Time as UTCTime before 2050 and GeneralizedTime after, as RFC 5280 asks.
pub fn time(unix_seconds: i64) -> Vec<u8> {
    let t = chrono::DateTime::from_timestamp(unix_seconds, 0).unwrap_or_default();
    let year = chrono::Datelike::year(&t);
    if (1950..2050).contains(&year) {
        tlv(0x17, t.format("%y%m%d%H%M%SZ").to_string().as_bytes())
    } else {
        tlv(0x18, t.format("%Y%m%d%H%M%SZ").to_string().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(int(0), [2, 1, 0]);
        assert_eq!(int(127), [2, 1, 0x7f]);
        assert_eq!(int(128), [2, 2, 0, 0x80]);
        assert_eq!(int(-1), [2, 1, 0xff]);
        assert_eq!(int(-129), [2, 2, 0xff, 0x7f]);
        assert_eq!(uint(&[0x80]), [2, 2, 0, 0x80]);
    }

    #[test]
    fn lengths_and_oids() {
        assert_eq!(&tlv(4, &[0; 200])[..3], &[4, 0x81, 200]);
        assert_eq!(&tlv(4, &[0; 300])[..4], &[4, 0x82, 1, 44]);
        // sha256WithRSAEncryption
        assert_eq!(
            oid(&[1, 2, 840, 113549, 1, 1, 11]),
            [6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11]
        );
        assert_eq!(time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(time(2_556_144_000), tlv(0x18, b"20510101000000Z"));
    }
}
