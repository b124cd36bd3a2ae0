//! One module per subcommand, and the shared output formats.

pub mod ciphers;
pub mod dataset_info;
pub mod ingest;
pub mod query;
pub mod render;
pub mod roots;
pub mod synth;
