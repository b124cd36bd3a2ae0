//! `mailtls synth`.

use anyhow::Result;

use crate::cli::SynthArgs;
use crate::input::decompress::Codec;
use crate::synth::output::parse_codec;
use crate::synth::profile::Profile;
use crate::synth::render::Layout;
use crate::synth::{run, Options};

/// Runs the command.
pub fn execute(args: SynthArgs) -> Result<()> {
    if args.scans > 1 {
        return churn(args);
    }
    let (layouts, codecs) = layouts_and_codecs(&args)?;
    let profile = match &args.profile {
        Some(path) => Profile::load(path)?,
        None => Profile::builtin()?,
    };
    let opts = Options {
        out: args.out,
        records: args.records,
        seed: args.seed,
        layouts,
        codecs,
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

/// The `--layout` and `--compress` lists, parsed.
fn layouts_and_codecs(args: &SynthArgs) -> Result<(Vec<Layout>, Vec<Codec>)> {
    let layouts = args
        .layout
        .iter()
        .map(|l| Layout::parse(l))
        .collect::<Result<_>>()?;
    let codecs = args
        .compress
        .iter()
        .map(|c| parse_codec(c))
        .collect::<Result<_>>()?;
    Ok((layouts, codecs))
}

/// `--scans N`: a series with controlled churn.
fn churn(args: SynthArgs) -> Result<()> {
    let (layouts, codecs) = layouts_and_codecs(&args)?;
    let opts = crate::synth::churn::Options {
        out: args.out,
        hosts: args.records,
        scans: args.scans,
        spacing_days: args.spacing_days,
        seed: args.seed,
        layouts,
        codecs,
    };
    let summary = crate::synth::churn::run(&opts)?;
    if !args.quiet {
        println!("{summary}");
    }
    Ok(())
}
