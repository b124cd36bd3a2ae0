//! One module per subcommand.

pub mod dataset_info;
pub mod ingest;
pub mod synth;
