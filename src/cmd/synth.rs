//! `mailtls synth`.

use anyhow::Result;

use crate::cli::SynthArgs;
use crate::synth::output::parse_codec;
use crate::synth::profile::Profile;
use crate::synth::render::Layout;
use crate::synth::{run, Options};

/// Runs the command.
pub fn execute(args: SynthArgs) -> Result<()> {
    let profile = match &args.profile {
        Some(path) => Profile::load(path)?,
        None => Profile::builtin()?,
    };
    let opts = Options {
        out: args.out,
        records: args.records,
        seed: args.seed,
        layouts: args
            .layout
            .iter()
            .map(|l| Layout::parse(l))
            .collect::<Result<_>>()?,
        codecs: args
            .compress
            .iter()
            .map(|c| parse_codec(c))
            .collect::<Result<_>>()?,
        profile,
        bad_lines: args.bad_lines,
        discovery: !args.no_discovery,
        jobs: args.jobs,
        quiet: args.quiet,
        max_certs: args.max_certs,
        dns: !args.no_dns,
        censys_view: args.censys_view,
        enumeration: !args.no_enumeration,
    };
    let summary = run(&opts)?;
    if !args.quiet {
        println!("{summary}");
    }
    Ok(())
}
