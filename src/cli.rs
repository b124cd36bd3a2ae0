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
    /// Write a synthetic scan archive (every layout and codec) with its expected dataset contents.
    Synth(SynthArgs),
    /// Print the cipher-suite table (IANA, SSLv2, non-IANA codes) with flags and classes.
    Ciphers {
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "md", "latex"])]
        format: String,
    },
    /// Inspect a dataset.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// List the built-in root-store snapshots (for `ingest --roots`).
    Roots,
    /// List the catalogue of tables with what a row is and the denominator.
    Tables,
    /// Compute one catalogue table over a dataset.
    Table {
        /// Catalogue name (`mailtls tables` lists them).
        name: String,
        /// The dataset folder.
        #[arg(long, short)]
        dataset: PathBuf,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "md", "latex", "parquet"])]
        format: String,
        /// A SQL condition on the table's columns, e.g. `port = 25`.
        #[arg(long = "where", value_name = "CONDITION")]
        filter: Option<String>,
        /// File for `--format parquet`.
        #[arg(long)]
        output: Option<PathBuf>,
        /// `scan`: compute the table once per scan, as if the dataset held
        /// that scan alone, with `by_scan_id` and `by_scan_date` first
        /// (cuts tables that pool scans by scan date).
        #[arg(long, value_parser = ["scan"])]
        by: Option<String>,
    },
    /// Write the reproduction report: every catalogue table, with the
    /// published numbers beside the dataset's (Markdown and CSVs).
    Report {
        /// The dataset folder.
        #[arg(long, short)]
        dataset: PathBuf,
        /// Folder for REPORT.md and the CSVs.
        #[arg(long, short, default_value = "reports")]
        out: PathBuf,
    },
    /// Draw a catalogue table as an article-ready chart (SVG, or PNG at 2×).
    Plot(PlotArgs),
    /// Compare two scans of one series: what changed endpoint by endpoint
    /// (scan_delta) and what became of their certificates (cert_volatility).
    Diff {
        /// The earlier scan's id (`scans.scan_id`).
        scan_a: String,
        /// The later scan's id.
        scan_b: String,
        /// The dataset folder.
        #[arg(long, short)]
        dataset: PathBuf,
        /// Only this table.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::catalogue::PAIR_TABLES))]
        table: Option<String>,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "md"])]
        format: String,
    },
    /// Run a read-only SQL query over every table of a dataset.
    Sql {
        /// The query (one SELECT).
        query: String,
        /// The dataset folder.
        #[arg(long, short)]
        dataset: PathBuf,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "md", "latex", "parquet"])]
        format: String,
        /// File for `--format parquet`.
        #[arg(long)]
        output: Option<PathBuf>,
    },
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
    /// Read plain files instead of mapping them into memory: slower, but a
    /// file that shrinks or fails to read mid-ingest (network or removable
    /// storage, a file still being written) is then an error, not a crash.
    #[arg(long)]
    pub no_mmap: bool,
    /// Root store for the `chain_trust` table: `mozilla` (the built-in
    /// snapshot in force at the as-of date; the default), a snapshot name
    /// from `mailtls roots`, or a PEM file (copied into the dataset).
    #[arg(long, value_name = "NAME|FILE")]
    pub roots: Option<String>,
    /// Date chains are judged at: `scan` (each scan's own date; the
    /// default) or YYYY-MM-DD.
    #[arg(long, value_name = "scan|DATE")]
    pub as_of: Option<String>,
    /// Ingest only shard K of N (`2/4`): files are split by the hash of
    /// their name, and large plain files by byte range (--split-mb), the
    /// same way on every machine, so N machines can ingest one archive in
    /// parallel; `mailtls dataset merge` then combines their datasets.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// With --shard: plain files of one record per line at least this
    /// large (MB) are split among all the shards by byte range, so each
    /// machine reads a part of them; smaller ones go whole to one shard.
    #[arg(long, value_name = "MB", default_value_t = 1024)]
    pub split_mb: u64,
    /// No progress display and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `mailtls plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Catalogue table to draw (`mailtls tables` lists them); omit with --all.
    #[arg(required_unless_present = "all")]
    pub name: Option<String>,
    /// The dataset folder.
    #[arg(long, short)]
    pub dataset: PathBuf,
    /// Output file (.svg or .png); with --all, a folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Draw every catalogue table into the --out folder.
    #[arg(long, conflicts_with_all = ["name", "where_", "title"])]
    pub all: bool,
    /// With --all: png instead of svg.
    #[arg(long, default_value = "svg", value_parser = ["svg", "png"])]
    pub format: String,
    /// Width in pixels (PNG files are drawn at twice this).
    #[arg(long, default_value_t = 960)]
    pub width: u32,
    /// Keep only the table's rows meeting this SQL condition (`port = 25`).
    #[arg(long = "where", value_name = "COND")]
    pub where_: Option<String>,
    /// A title of your own instead of the table's.
    #[arg(long)]
    pub title: Option<String>,
}

/// `mailtls synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Folder to write (created; must be empty).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Endpoint scans in all, split between the series (ports) by the profile.
    #[arg(long, short = 'n', default_value_t = 10_000)]
    pub records: u64,
    /// Seed: the same seed and options give the same bytes.
    #[arg(long, short, default_value_t = 1)]
    pub seed: u64,
    /// Layouts, comma-separated, used in turn by the series: zgrab1, zgrab1-eventlog, zgrab2.
    #[arg(long, value_delimiter = ',', default_value = "zgrab1")]
    pub layout: Vec<String>,
    /// Codecs, comma-separated, used in turn by the files: none, gzip, zstd, lz4, bzip2, xz.
    #[arg(long, value_delimiter = ',', default_value = "none")]
    pub compress: Vec<String>,
    /// Profile file (TOML); default: the built-in data/profiles/default-2015.toml.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Fraction of lines to damage (truncated, binary, wrong types).
    #[arg(long, default_value_t = 0.0)]
    pub bad_lines: f64,
    /// Do not write the ZMap CSV of each series.
    #[arg(long)]
    pub no_discovery: bool,
    /// Most distinct certificates per population: each costs an RSA signature
    /// (about 2 ms), so large runs share certificates more than real scans do.
    #[arg(long, default_value_t = 1_000)]
    pub max_certs: u64,
    /// Do not write the DNS lookups, top list and MTA-STS policies that
    /// name the port-25 endpoints.
    #[arg(long)]
    pub no_dns: bool,
    /// Also write the port-25 series as Censys host records show it (ztag
    /// keeps a failed-after-hello handshake as completed), as a scan of its
    /// own, to measure Censys' overstatement.
    #[arg(long)]
    pub censys_view: bool,
    /// Do not write the sslyze XML and JSON enumerating the port-25 endpoints.
    #[arg(long)]
    pub no_enumeration: bool,
    /// Write one port-25 series scanned this many times instead, with
    /// controlled churn between scans (servers appearing and going, TLS,
    /// versions, suites, certificate renewals, key and issuer changes, a
    /// root a later store removes) and the truth of the tables that compare
    /// scans; `--records` is then the number of servers. The profile, DNS,
    /// enumeration and damage options do not apply.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=520))]
    pub scans: u32,
    /// With --scans: days between scans.
    #[arg(long, default_value_t = 30)]
    pub spacing_days: u32,
    /// Worker threads (default: one per core).
    #[arg(long, short, default_value_t = 0)]
    pub jobs: usize,
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
    /// Combine datasets of different inputs (such as the shards of one
    /// `ingest --shard K/N` split, ingested on several machines) into one,
    /// equal to a one-machine ingest of all their inputs.
    Merge {
        /// The datasets to combine, in the order their inputs are numbered.
        #[arg(required = true)]
        datasets: Vec<PathBuf>,
        /// The new dataset folder.
        #[arg(long, short)]
        out: PathBuf,
        /// No progress display and no summary.
        #[arg(long, short)]
        quiet: bool,
    },
}
