//! The JSON reader: any bytes either deserialize or give an error.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = mailtls::formats::json::from_bytes::<serde_json::Value>(data);
    let _ = mailtls::formats::json::from_bytes::<serde::de::IgnoredAny>(data);
});
