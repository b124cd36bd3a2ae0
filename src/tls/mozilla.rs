//! Mozilla's Server Side TLS guidelines as data: which cipher suites each
//! configuration (modern, intermediate, old) of each guideline version
//! lists (`data/mozilla-server-side-tls.csv`). A suite's level in a version
//! is the most restrictive configuration that lists it.

use std::sync::OnceLock;

use super::suites::by_openssl_name;

/// The configurations, most restrictive first.
pub const LEVELS: &[&str] = &["modern", "intermediate", "old"];

/// Where each guideline version was published.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "4.0",
        "https://statics.tls.security.mozilla.org/server-side-tls-conf.json (version 4.0)",
    ),
    ("5.7", "https://ssl-config.mozilla.org/guidelines/5.7.json"),
];

/// A suite's level in one guideline version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MozillaLevel {
    /// Guideline version (`4.0`, `5.7`).
    pub guideline: String,
    /// When that version was published.
    pub released: String,
    /// The suite's code.
    pub cipher_id: u32,
    /// `modern`, `intermediate` or `old`.
    pub level: &'static str,
}

/// Every (guideline, suite) with its level, ordered by guideline then code.
pub fn levels() -> &'static [MozillaLevel] {
    static LEVELS_TABLE: OnceLock<Vec<MozillaLevel>> = OnceLock::new();
    LEVELS_TABLE.get_or_init(build)
}

fn build() -> Vec<MozillaLevel> {
    let mut out: Vec<MozillaLevel> = Vec::new();
    for r in crate::csv::records(include_str!("../../data/mozilla-server-side-tls.csv")) {
        let (Some(guideline), Some(released), Some(configuration), Some(name)) = (
            r.get("guideline"),
            r.get("released"),
            r.get("configuration"),
            r.get("openssl_name"),
        ) else {
            continue;
        };
        let (Some(suite), Some(level)) = (
            by_openssl_name(name),
            LEVELS.iter().copied().find(|l| l == configuration),
        ) else {
            continue;
        };
        let rank = |l: &str| LEVELS.iter().position(|x| *x == l);
        match out
            .iter_mut()
            .find(|m| &m.guideline == guideline && m.cipher_id == suite.id)
        {
            Some(m) if rank(level) < rank(m.level) => m.level = level,
            Some(_) => {}
            None => out.push(MozillaLevel {
                guideline: guideline.to_owned(),
                released: released.to_owned(),
                cipher_id: suite.id,
                level,
            }),
        }
    }
    out.sort_by(|a, b| (&a.guideline, a.cipher_id).cmp(&(&b.guideline, b.cipher_id)));
    out
}

/// The level of suite `id` in guideline `version`, if that version lists it.
pub fn level(id: u32, version: &str) -> Option<&'static str> {
    levels()
        .iter()
        .find(|m| m.cipher_id == id && m.guideline == version)
        .map(|m| m.level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_is_a_known_suite() {
        for r in crate::csv::records(include_str!("../../data/mozilla-server-side-tls.csv")) {
            let name = &r["openssl_name"];
            assert!(by_openssl_name(name).is_some(), "{name}");
        }
    }

    /// Levels as the published guideline files list them.
    #[test]
    fn pinned_levels() {
        let pinned: &[(u32, &str, Option<&str>)] = &[
            (0xC02F, "4.0", Some("modern")),       // ECDHE-RSA-AES128-GCM-SHA256
            (0xC027, "4.0", Some("modern")),       // ECDHE-RSA-AES128-SHA256
            (0xC013, "4.0", Some("intermediate")), // ECDHE-RSA-AES128-SHA
            (0x0033, "4.0", Some("intermediate")), // DHE-RSA-AES128-SHA
            (0x000A, "4.0", Some("intermediate")), // DES-CBC3-SHA
            (0x002F, "4.0", Some("intermediate")), // AES128-SHA
            (0x0041, "4.0", Some("old")),          // CAMELLIA128-SHA
            (0x0096, "4.0", Some("old")),          // SEED-SHA
            (0x0032, "4.0", Some("old")),          // DHE-DSS-AES128-SHA
            (0x0005, "4.0", None),                 // RC4-SHA
            (0x0003, "4.0", None),                 // EXP-RC4-MD5
            (0x1301, "5.7", Some("modern")),       // TLS_AES_128_GCM_SHA256
            (0xC02F, "5.7", Some("intermediate")),
            (0xCCAA, "5.7", Some("intermediate")), // DHE-RSA-CHACHA20-POLY1305
            (0xC013, "5.7", Some("old")),
            (0x000A, "5.7", Some("old")),
            (0x0033, "5.7", None), // DHE-RSA-AES128-SHA: dropped in 5.x
            (0x0041, "5.7", None),
            (0x0005, "5.7", None),
        ];
        for &(id, version, want) in pinned {
            assert_eq!(level(id, version), want, "0x{id:04X} in {version}");
        }
        assert_eq!(levels().iter().filter(|m| m.guideline == "4.0").count(), 56);
        assert_eq!(levels().iter().filter(|m| m.guideline == "5.7").count(), 29);
    }
}
