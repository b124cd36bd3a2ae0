//! `mailtls ingest`.

use anyhow::Result;

use crate::cli::IngestArgs;
use crate::ingest::{run, Options};
use crate::input::framing::Limits;
use crate::record::TlsMode;

/// Runs the command; the exit code is 0 even with bad records (they are
/// reported and quarantined), non-zero on `--strict` problems and errors,
/// and non-zero after a commit that left out inputs it could not read or
/// lost records to an internal error (the summary names them).
pub fn execute(args: IngestArgs) -> Result<()> {
    let opts = Options {
        inputs: args.inputs,
        out: args.out,
        append: args.append,
        strict: args.strict,
        jobs: args.jobs,
        port: args.port,
        protocol: args.protocol,
        tls_mode: args.tls_mode.as_deref().and_then(TlsMode::parse),
        quiet: args.quiet,
        limits: Limits {
            max_record_bytes: args.max_record_mb.max(1) << 20,
            ..Limits::default()
        },
        map_plain: !args.no_mmap,
        roots: args.roots,
        as_of: args.as_of,
        agreement: !args.quiet,
        shard: args
            .shard
            .as_deref()
            .map(crate::ingest::parse_shard)
            .transpose()?,
        split_bytes: args.split_mb.max(1) << 20,
    };
    let summary = run(&opts)?;
    if !args.quiet {
        println!("{summary}");
    }
    match summary.failure() {
        Some(problem) => anyhow::bail!("the run was committed, but {problem}"),
        None => Ok(()),
    }
}
