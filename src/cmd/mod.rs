//! One module per subcommand.

pub mod ciphers;
pub mod dataset_info;
pub mod ingest;
pub mod synth;
