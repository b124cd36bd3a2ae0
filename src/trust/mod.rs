//! Trust computed, not copied: chains validated at a date against a dated
//! root store, with a reason for every verdict.
//!
//! [`store`] holds the root stores (built-in Mozilla snapshots or a PEM
//! file), [`policy`] the dated algorithm rules, [`cert`] the parsed view of a
//! certificate, [`verify`] the path building, and [`table`] the
//! `chain_trust` table of a dataset.

pub mod cert;
pub mod policy;
pub mod store;
pub mod table;
pub mod verify;

pub use cert::ChainCert;
pub use store::RootStore;
pub use table::TrustSetting;
pub use verify::{IssuerIndex, Reason, SignatureMemo, Verdict, Verifier};
