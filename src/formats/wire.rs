//! Small deserializers for fields whose JSON shape changed between scanner
//! versions: a TLS version is an int (era A), a name (`"TLSv1.2"`, Censys) or
//! an object `{name,value}`; a cipher suite a hex string or `{hex,name,value}`;
//! a name field a string or a list of strings; a crypto parameter base64 or
//! `{value,length}`. Each type accepts every form and keeps what we need.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::json::KeyText;
use crate::tls::version_from_name;

/// A 16-bit protocol code written as an int, a string or an object.
///
/// Objects are read through their `value`, `hex` or `id` key; strings are
/// `0x…` hex or, for versions, a name such as `TLSv1.2`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub Option<u16>);

fn code_from_text(text: &str) -> Option<u16> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u16::from_str_radix(hex, 16).ok();
    }
    if let Ok(n) = t.parse::<u16>() {
        return Some(n);
    }
    version_from_name(t)
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a protocol code as number, string or {value|hex|id,name} object")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Code, E> {
                Ok(Code(u16::try_from(v).ok()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Code, E> {
                Ok(Code(u16::try_from(v).ok()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
                Ok(Code(code_from_text(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Code, E> {
                Ok(Code(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Code, A::Error> {
                let (mut by_value, mut by_text) = (None, None);
                while let Some(KeyText(key)) = map.next_key::<KeyText<'de>>()? {
                    match key.as_ref() {
                        "value" => by_value = map.next_value::<Code>()?.0,
                        // The first of these that reads as a code is the
                        // fallback; later ones are skipped, not parsed (a
                        // cipher suite's long `name` follows its `hex`).
                        "hex" | "id" | "name" if by_text.is_none() => {
                            by_text = map.next_value::<Code>()?.0;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Code(by_value.or(by_text)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A text field that is a string, a list of strings (first kept), an object
/// with a `name` key, or a number.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a list of strings or a {name} object")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(Some(format!("{v:.0}"))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                let mut first = None;
                while let Some(item) = seq.next_element::<Text>()? {
                    first = first.or(item.0);
                }
                Ok(Text(first))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut name = None;
                while let Some(KeyText(key)) = map.next_key::<KeyText<'de>>()? {
                    if key == "name" {
                        name = map.next_value::<Text>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Text(name))
            }
        }
        d.deserialize_any(V)
    }
}

/// A big-endian crypto parameter: base64 text, or `{value: base64, length: bits}`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    /// Base64 of the big-endian bytes.
    pub value: Option<Cow<'a, str>>,
    /// Size in bits as the scanner recorded it.
    pub length: Option<u32>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Param<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Param<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("base64 text or a {value,length} object")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Param<'a>, E> {
                Ok(Param {
                    value: Some(Cow::Borrowed(v)),
                    length: None,
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Param<'a>, E> {
                Ok(Param {
                    value: Some(Cow::Owned(v.to_owned())),
                    length: None,
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Param<'a>, E> {
                Ok(Param::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Param<'a>, A::Error> {
                let mut p = Param::default();
                while let Some(KeyText(key)) = map.next_key::<KeyText<'de>>()? {
                    match key.as_ref() {
                        "value" => p.value = map.next_value::<Param<'a>>()?.value,
                        "length" => p.length = map.next_value::<Option<u32>>()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(p)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A list of strings that may also be written as one string or `null`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strings(pub Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_owned()]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Strings, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Text>()? {
                    out.extend(item.0);
                }
                Ok(Strings(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_every_shape() {
        let c: Vec<Code> =
            crate::formats::json::from_str(r#"[771,"0x0035",{"hex":"0xC02F","name":"x","value":49199},{"id":"0x0005","name":"TLS_RSA_WITH_RC4_128_SHA"},"TLSv1.0",{"name":"SSLv3","value":768},null,{"name":"no code","hex":"0x0035","id":"0x0005"},{"hex":"0x0035","name":"TLSv1.0"},{"name":"x","hex":"0x0035","value":"TLSv1.1"}]"#)
                .unwrap();
        let got: Vec<_> = c.into_iter().map(|c| c.0).collect();
        assert_eq!(
            got,
            vec![
                Some(771),
                Some(0x35),
                Some(0xC02F),
                Some(5),
                Some(769),
                Some(768),
                None,
                // Without `value`, the first text that reads as a code.
                Some(0x35),
                Some(0x35),
                Some(770),
            ]
        );
    }

    #[test]
    fn params_and_texts() {
        let p: Vec<Param> =
            crate::formats::json::from_str(r#"["AAE=",{"value":"AQ==","length":8}]"#).unwrap();
        assert_eq!(p[0].value.as_deref(), Some("AAE="));
        assert_eq!(p[1].length, Some(8));
        let t: Vec<Text> =
            crate::formats::json::from_str(r#"["a",["b","c"],{"name":"RSA","oid":"1"},7,[]]"#)
                .unwrap();
        let got: Vec<_> = t.into_iter().map(|t| t.0).collect();
        assert_eq!(
            got,
            vec![
                Some("a".into()),
                Some("b".into()),
                Some("RSA".into()),
                Some("7".into()),
                None
            ]
        );
    }
}
