//! One module per subcommand.

pub mod ciphers;
pub mod dataset_info;
pub mod diff;
pub mod ingest;
pub mod merge;
pub mod plot;
pub mod query;
pub mod report;
pub mod roots;
pub mod synth;
