//! `mailtls synth`.

use anyhow::Result;

use crate::cli::SynthArgs;
use crate::synth::output::parse_codec;
use crate::synth::profile::Profile;
use crate::synth::render::Layout;
use crate::synth::{run, Options};

/// Runs the command.
pub fn execute(args: SynthArgs) -> Result<()> {
    if args.scans > 1 {
        return churn(args);
    }
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

/// `--scans N`: a series with controlled churn.
fn churn(args: SynthArgs) -> Result<()> {
    let opts = crate::synth::churn::Options {
        out: args.out,
        hosts: args.records,
        scans: args.scans,
        spacing_days: args.spacing_days,
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
    };
    let summary = crate::synth::churn::run(&opts)?;
    if !args.quiet {
        println!("{summary}");
    }
    Ok(())
}
