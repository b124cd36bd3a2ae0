//! Trust computed, not copied: chains validated at a date against a dated
//! root store, with a reason for every verdict.
//!
//! [`store`] holds the root stores (built-in Mozilla snapshots or a PEM
//! file), [`policy`] the dated algorithm rules, [`cert`] the parsed view of a
//! certificate, [`verify`] the path building, [`table`] the `chain_trust`
//! table of a dataset, and [`names`] the `name_checks` table (does the
//! certificate name the host the record was scanned for).

pub mod cert;
pub mod names;
pub mod policy;
pub mod rules;
pub mod sonar;
pub mod store;
pub mod table;
pub mod verify;

pub use cert::ChainCert;
pub use store::RootStore;
pub use table::TrustSetting;
pub use verify::{IssuerIndex, Reason, SignatureMemo, Verdict, Verifier};
