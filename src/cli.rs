//! The command line: one subcommand per verb.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Analyse published Internet-wide scans of mail servers.
#[derive(Parser, Debug)]
#[command(name = "mailtls", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ingest scan archives (ZGrab, ZGrab2, Censys, ZMap; any codec) into a Parquet dataset.
    Ingest(IngestArgs),
    /// Inspect a dataset.
    #[command(subcommand)]
    Dataset(DatasetCommand),
}

/// `mailtls ingest`.
#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Input files or folders (folders are read recursively).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Dataset folder to create (or to add to with --append).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Add the inputs to an existing dataset; inputs already in it are skipped.
    #[arg(long)]
    pub append: bool,
    /// Stop with an error at the first bad record or damaged stream; nothing is committed.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short, default_value_t = 0)]
    pub jobs: usize,
    /// Port of records whose record and file name do not give one.
    #[arg(long)]
    pub port: Option<u16>,
    /// Protocol (smtp, smtps, imap, imaps, pop3, pop3s, …) of records that do not give one.
    #[arg(long)]
    pub protocol: Option<String>,
    /// TLS mode of records that do not show one.
    #[arg(long, value_parser = ["starttls", "implicit"])]
    pub tls_mode: Option<String>,
    /// Longest record kept, in MiB; longer ones are quarantined by their start.
    #[arg(long, default_value_t = 64)]
    pub max_record_mb: usize,
    /// No progress display and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `mailtls dataset …`.
#[derive(Subcommand, Debug)]
pub enum DatasetCommand {
    /// Print the manifest, tables, row counts and schemas.
    Info {
        /// Dataset folder.
        dataset: PathBuf,
    },
}
