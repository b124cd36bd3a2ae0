//! Root stores as data: dated snapshots of Mozilla's store built into the
//! binary (`data/roots/`, with their provenance), or any PEM file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use x509_parser::prelude::FromDer;

use super::cert::{pem_certificates, ChainCert};
use super::policy::unix_date;

/// A built-in snapshot of Mozilla's root store, as the `certifi` package
/// shipped it (`data/roots/provenance.csv` has the download and hashes).
pub struct Snapshot {
    /// `mozilla-YYYY-MM-DD`.
    pub name: &'static str,
    /// Release date of the certifi version, `YYYY-MM-DD`.
    pub date: &'static str,
    /// The certifi version.
    pub certifi: &'static str,
    /// Its `cacert.pem`.
    pub pem: &'static [u8],
}

/// Every built-in snapshot, oldest first.
pub const SNAPSHOTS: &[Snapshot] = &[
    Snapshot {
        name: "mozilla-2015-04-28",
        date: "2015-04-28",
        certifi: "2015.4.28",
        pem: include_bytes!("../../data/roots/mozilla-2015-04-28.pem"),
    },
    Snapshot {
        name: "mozilla-2015-09-06",
        date: "2015-09-06",
        certifi: "2015.9.6.2",
        pem: include_bytes!("../../data/roots/mozilla-2015-09-06.pem"),
    },
    Snapshot {
        name: "mozilla-2015-11-20",
        date: "2015-11-20",
        certifi: "2015.11.20",
        pem: include_bytes!("../../data/roots/mozilla-2015-11-20.pem"),
    },
    Snapshot {
        name: "mozilla-2016-09-26",
        date: "2016-09-26",
        certifi: "2016.9.26",
        pem: include_bytes!("../../data/roots/mozilla-2016-09-26.pem"),
    },
    Snapshot {
        name: "mozilla-2017-07-27",
        date: "2017-07-27",
        certifi: "2017.7.27",
        pem: include_bytes!("../../data/roots/mozilla-2017-07-27.pem"),
    },
    Snapshot {
        name: "mozilla-2018-08-24",
        date: "2018-08-24",
        certifi: "2018.8.24",
        pem: include_bytes!("../../data/roots/mozilla-2018-08-24.pem"),
    },
    Snapshot {
        name: "mozilla-2020-12-05",
        date: "2020-12-05",
        certifi: "2020.12.5",
        pem: include_bytes!("../../data/roots/mozilla-2020-12-05.pem"),
    },
    Snapshot {
        name: "mozilla-2023-07-22",
        date: "2023-07-22",
        certifi: "2023.7.22",
        pem: include_bytes!("../../data/roots/mozilla-2023-07-22.pem"),
    },
    Snapshot {
        name: "mozilla-2026-10-18",
        date: "2026-10-18",
        certifi: "2026.10.18",
        pem: include_bytes!("../../data/roots/mozilla-2026-10-18.pem"),
    },
];

/// Trust anchors by subject.
pub struct RootStore {
    /// The name tables show (`mozilla-2015-09-06`, or a file's label).
    pub name: String,
    /// Snapshot date, seconds since the epoch, when known.
    pub date: Option<i64>,
    anchors: Vec<Arc<ChainCert>>,
    /// Anchors by subject key ([`crate::x509::dn`]).
    by_subject: HashMap<String, Vec<usize>>,
}

/// Seconds since the epoch of a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| unix_date(y, m, d))
}

impl RootStore {
    /// A store from a PEM text. Certificates that do not parse are an error:
    /// a store silently missing a root would mislabel chains.
    pub fn from_pem(name: &str, date: Option<i64>, pem: &[u8]) -> Result<RootStore> {
        let mut anchors = Vec::new();
        let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, der) in pem_certificates(pem)
            .map_err(anyhow::Error::msg)?
            .iter()
            .enumerate()
        {
            let cert = ChainCert::from_der(der);
            let Some(subject) = cert.subject_key() else {
                bail!("certificate {} of root store {name} does not parse", i + 1);
            };
            by_subject
                .entry(subject.to_owned())
                .or_default()
                .push(anchors.len());
            anchors.push(Arc::new(cert));
        }
        if anchors.is_empty() {
            bail!("root store {name} holds no certificates");
        }
        Ok(RootStore {
            name: name.to_owned(),
            date,
            anchors,
            by_subject,
        })
    }

    /// A built-in snapshot by name.
    pub fn builtin(name: &str) -> Result<RootStore> {
        let snap = SNAPSHOTS.iter().find(|s| s.name == name).with_context(|| {
            format!(
                "no built-in root store {name}; `mailtls roots` lists them: {}",
                SNAPSHOTS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        RootStore::from_pem(snap.name, parse_date(snap.date), snap.pem)
    }

    /// A PEM file, named by its file name.
    pub fn from_file(path: &Path) -> Result<RootStore> {
        let pem = std::fs::read(path)
            .with_context(|| format!("cannot read root store {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        RootStore::from_pem(&name, None, &pem)
            .with_context(|| format!("in root store file {}", path.display()))
    }

    /// Number of trust anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Anchors whose subject has the key `name` ([`crate::x509::dn`]),
    /// whether the name came from DER or from a scanner's printed DN.
    pub fn by_name<'s>(&'s self, name: &str) -> impl Iterator<Item = &'s Arc<ChainCert>> + 's {
        self.by_subject
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.anchors[i])
    }

    /// The subject common name (else the whole subject) of the anchor
    /// whose DER has SHA-256 `sha256`, for tables naming the roots.
    pub fn anchor_name(&self, sha256: &[u8; 32]) -> Option<String> {
        let anchor = self.anchors.iter().find(|a| a.sha256 == *sha256)?;
        let subject = anchor.parsed()?.subject();
        let (_, name) = x509_parser::x509::X509Name::from_der(subject).ok()?;
        let cn = name
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_owned);
        Some(cn.unwrap_or_else(|| name.to_string()))
    }

    /// Whether `cert` is itself one of the anchors (same subject and key).
    pub fn anchors_itself(&self, cert: &ChainCert) -> Option<&Arc<ChainCert>> {
        let p = cert.parsed()?;
        self.by_name(p.names.subject.as_deref()?)
            .find(|a| a.parsed().is_some_and(|ap| ap.spki() == p.spki()))
    }
}

/// The built-in snapshot in force at `when` (seconds since the epoch): the
/// newest released on or before it, else the oldest.
pub fn snapshot_at(when: i64) -> &'static Snapshot {
    SNAPSHOTS
        .iter()
        .rev()
        .find(|s| parse_date(s.date).is_some_and(|d| d <= when))
        .unwrap_or(&SNAPSHOTS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snapshot_loads_with_its_recorded_root_count() {
        let provenance = crate::csv::records(include_str!("../../data/roots/provenance.csv"));
        for r in &provenance {
            let store = RootStore::builtin(&r["name"]).unwrap();
            assert_eq!(store.len().to_string(), r["roots"], "{}", r["name"]);
        }
        assert_eq!(SNAPSHOTS.len(), provenance.len());
    }

    #[test]
    fn the_snapshot_in_force_is_the_newest_before_the_date() {
        assert_eq!(
            snapshot_at(unix_date(2015, 8, 6)).name,
            "mozilla-2015-04-28"
        );
        assert_eq!(
            snapshot_at(unix_date(2015, 9, 6)).name,
            "mozilla-2015-09-06"
        );
        assert_eq!(
            snapshot_at(unix_date(2016, 4, 10)).name,
            "mozilla-2015-11-20"
        );
        assert_eq!(
            snapshot_at(unix_date(2010, 1, 1)).name,
            "mozilla-2015-04-28"
        );
        assert_eq!(
            snapshot_at(unix_date(2030, 1, 1)).name,
            SNAPSHOTS.last().unwrap().name
        );
    }
}
