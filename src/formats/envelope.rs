//! The top level of a JSON record, read in one pass.
//!
//! Layout detection and parsing happen together: known keys are
//! deserialized straight into their types (ZGrab 1 `data` fields, ZGrab2
//! scan responses, Censys port documents), so no subtree is skipped once
//! only to be parsed again. Errors inside a key name that key.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::censys::PortServices;
use super::handshake::HandshakeLog;
use super::json::{self, KeyText};
use super::zgrab2::ScanResponse;
use super::{port_key, Raw};

/// ZGrab 1 flat `data` (eras C/D).
#[derive(Default)]
pub struct FlatData<'a> {
    /// Greeting.
    pub banner: Option<Cow<'a, str>>,
    /// EHLO reply.
    pub ehlo: Option<Cow<'a, str>>,
    /// STARTTLS reply.
    pub starttls: Option<Cow<'a, str>>,
    /// `smtp_help` was recorded (the record is SMTP).
    pub smtp_help: bool,
    /// The handshake.
    pub tls: Option<HandshakeLog<'a>>,
}

/// What `data` holds: ZGrab 1 fields or ZGrab2 scan responses.
pub enum Data<'a> {
    /// ZGrab 1 eras C/D.
    Flat(Box<FlatData<'a>>),
    /// ZGrab2: scan name → response, in record order.
    Zgrab2(Vec<(Cow<'a, str>, ScanResponse<'a>)>),
}

/// A JSON record's top level.
#[derive(Default)]
pub struct Envelope<'a> {
    /// ZGrab 1 eras A/B: address.
    pub host: Option<Cow<'a, str>>,
    /// ZGrab 1 eras A/B: scan time.
    pub time: Option<Cow<'a, str>>,
    /// ZGrab 1 eras A/B: the event log, parsed by its reader.
    pub log: Option<Raw<'a>>,
    /// Address.
    pub ip: Option<Cow<'a, str>>,
    /// Name given with the address.
    pub domain: Option<Cow<'a, str>>,
    /// Scan time.
    pub timestamp: Option<Cow<'a, str>>,
    /// ZGrab2 (2024+) port.
    pub port: Option<u16>,
    /// Scanner error.
    pub error: Option<Cow<'a, str>>,
    /// ZGrab 1 failing component.
    pub error_component: Option<Cow<'a, str>>,
    /// Censys host update time.
    pub updated_at: Option<Cow<'a, str>>,
    /// ZGrab 1 flat or ZGrab2 data.
    pub data: Option<Data<'a>>,
    /// Censys port documents (`"25"`, `p25`), in record order.
    pub ports: Vec<(u16, PortServices<'a>)>,
    /// Other top-level keys (first few), for error messages and ZDNS detection.
    pub other_keys: Vec<Cow<'a, str>>,
}

impl Envelope<'_> {
    /// The top-level keys the record has (the first few unknown ones
    /// included), sorted: what an error message says the record holds.
    pub fn key_names(&self) -> Vec<String> {
        let known = [
            ("host", self.host.is_some()),
            ("time", self.time.is_some()),
            ("log", self.log.is_some()),
            ("ip", self.ip.is_some()),
            ("domain", self.domain.is_some()),
            ("timestamp", self.timestamp.is_some()),
            ("port", self.port.is_some()),
            ("error", self.error.is_some()),
            ("error_component", self.error_component.is_some()),
            ("updated_at", self.updated_at.is_some()),
            ("data", self.data.is_some()),
        ];
        let mut keys: Vec<String> = known
            .iter()
            .filter(|(_, present)| *present)
            .map(|(k, _)| (*k).to_owned())
            .chain(self.ports.iter().map(|(p, _)| p.to_string()))
            .chain(self.other_keys.iter().map(|k| k.to_string()))
            .collect();
        keys.sort_unstable();
        keys
    }
}

/// Keys only ZGrab 1's flat `data` has.
const FLAT_KEYS: &[&str] = &[
    "banner",
    "ehlo",
    "starttls",
    "smtp_help",
    "read",
    "write",
    "heartbleed",
];

thread_local! {
    /// The key whose value failed to deserialize, innermost first; read by
    /// [`failed_key`] to name it in the error without changing the error's kind.
    static FAILED_KEY: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

fn note_failure(key: &'static str) {
    FAILED_KEY.with(|k| {
        if k.get().is_none() {
            k.set(Some(key));
        }
    });
}

/// Takes the key noted by the last failed parse on this thread.
pub fn failed_key() -> Option<&'static str> {
    FAILED_KEY.with(|k| k.take())
}

fn shape<E: de::Error>(key: &'static str, e: impl fmt::Display) -> E {
    note_failure(key);
    E::custom(e)
}

/// The first key of a JSON object's text, if it has one.
fn first_key(raw: &str) -> Option<&str> {
    let rest = raw
        .trim_start()
        .strip_prefix('{')?
        .trim_start()
        .strip_prefix('"')?;
    rest.split('"').next()
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Data<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of ZGrab 1 fields or ZGrab2 scan responses")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data<'a>, A::Error> {
                let mut flat = FlatData::default();
                let mut scans: Vec<(Cow<'a, str>, ScanResponse<'a>)> = Vec::new();
                let mut is_flat = false;
                while let Some(KeyText(key)) = map.next_key::<KeyText<'de>>()? {
                    let flat_key = FLAT_KEYS.contains(&key.as_ref());
                    match key.as_ref() {
                        "banner" => flat.banner = text_value(&mut map)?,
                        "ehlo" => flat.ehlo = text_value(&mut map)?,
                        "starttls" => flat.starttls = text_value(&mut map)?,
                        "smtp_help" => {
                            flat.smtp_help = map.next_value::<Option<IgnoredAny>>()?.is_some()
                        }
                        "tls" if is_flat => flat.tls = map.next_value()?,
                        "tls" if !scans.is_empty() => scans.push((key, map.next_value()?)),
                        "tls" => {
                            // Nothing yet tells the layouts apart: a ZGrab2 response starts with `status`.
                            let raw: Raw<'de> = map.next_value()?;
                            if matches!(first_key(raw.0), Some("status" | "protocol")) {
                                scans.push((
                                    key,
                                    json::from_str(raw.0).map_err(|e| shape("data.tls", e))?,
                                ));
                            } else {
                                flat.tls =
                                    json::from_str(raw.0).map_err(|e| shape("data.tls", e))?;
                            }
                        }
                        k if FLAT_KEYS.contains(&k) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            // Values without status and protocol are ZGrab 1 module data (ftp, xssh…).
                            if let Some(scan) = map.next_value::<MaybeScan<'a>>()?.0 {
                                scans.push((key, scan));
                            }
                        }
                    }
                    is_flat |= flat_key;
                }
                if scans.is_empty() {
                    Ok(Data::Flat(Box::new(flat)))
                } else {
                    Ok(Data::Zgrab2(scans))
                }
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A ZGrab2 scan response, or `None` for any other value.
struct MaybeScan<'a>(Option<ScanResponse<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybeScan<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MaybeScan<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MaybeScan<'a>, A::Error> {
                let scan = ScanResponse::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(MaybeScan(scan.is_response().then_some(scan)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MaybeScan<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeScan(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<MaybeScan<'a>, E> {
                Ok(MaybeScan(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<MaybeScan<'a>, E> {
                Ok(MaybeScan(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<MaybeScan<'a>, E> {
                Ok(MaybeScan(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<MaybeScan<'a>, E> {
                Ok(MaybeScan(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<MaybeScan<'a>, E> {
                Ok(MaybeScan(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<MaybeScan<'a>, E> {
                Ok(MaybeScan(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

struct Named<T>(&'static str, std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Named<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(d).inspect_err(|_| note_failure(self.0))
    }
}

fn named<T>(key: &'static str) -> Named<T> {
    Named(key, std::marker::PhantomData)
}

/// The next value as an optional string, borrowed from the record when it
/// has no escapes (serde's own `Cow<str>` always copies).
fn text_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
    Ok(map.next_value::<Option<KeyText<'de>>>()?.map(|t| t.0))
}

/// [`text_value`] naming `key` if it fails.
struct NamedText(&'static str);

impl<'de> DeserializeSeed<'de> for NamedText {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let text = named::<Option<KeyText<'de>>>(self.0).deserialize(d)?;
        Ok(text.map(|t| t.0))
    }
}

fn named_text(key: &'static str) -> NamedText {
    NamedText(key)
}

impl<'de: 'a, 'a> Deserialize<'de> for Envelope<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Envelope<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'a>, A::Error> {
                let mut env = Envelope::default();
                while let Some(KeyText(key)) = map.next_key::<KeyText<'de>>()? {
                    match key.as_ref() {
                        "host" => env.host = map.next_value_seed(named_text("host"))?,
                        "time" => env.time = map.next_value_seed(named_text("time"))?,
                        "log" => env.log = map.next_value_seed(named("log"))?,
                        "ip" => env.ip = map.next_value_seed(named_text("ip"))?,
                        "domain" => env.domain = map.next_value_seed(named_text("domain"))?,
                        "timestamp" => {
                            env.timestamp = map.next_value_seed(named_text("timestamp"))?
                        }
                        "port" => env.port = map.next_value_seed(named("port"))?,
                        "error" => env.error = map.next_value_seed(named_text("error"))?,
                        "error_component" => {
                            env.error_component =
                                map.next_value_seed(named_text("error_component"))?
                        }
                        "updated_at" => {
                            env.updated_at = map.next_value_seed(named_text("updated_at"))?
                        }
                        "data" => env.data = map.next_value_seed(named("data"))?,
                        k => match port_key(k) {
                            Some(port) => {
                                let services: PortServices<'a> =
                                    map.next_value_seed(named("<port>"))?;
                                env.ports.push((port, services));
                            }
                            None => {
                                map.next_value::<IgnoredAny>()?;
                                if env.other_keys.len() < 8 {
                                    env.other_keys.push(key);
                                }
                            }
                        },
                    }
                }
                Ok(env)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}
