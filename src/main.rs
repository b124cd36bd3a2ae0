//! The `mailtls` command: parse the command line, run the verb.

use clap::Parser;

use mailtls::cli::{Cli, Command, DatasetCommand};
use mailtls::cmd;

// Ingest allocates many small, short-lived strings per record on several
// threads; mimalloc's thread-local heaps make that a fraction of glibc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    quiet_engine_gaps();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(args) => cmd::ingest::execute(args),
        Command::Synth(args) => cmd::synth::execute(args),
        Command::Ciphers { format } => cmd::ciphers::execute(&format),
        Command::Dataset(DatasetCommand::Info { dataset }) => cmd::dataset_info::execute(&dataset),
        Command::Dataset(DatasetCommand::Merge {
            datasets,
            out,
            quiet,
        }) => cmd::merge::execute(&datasets, &out, quiet),
        Command::Roots => cmd::roots::execute(),
        Command::Tables => cmd::query::list(),
        Command::Report { dataset, out } => cmd::report::execute(&dataset, &out),
        Command::Plot(args) => cmd::plot::execute(args),
        Command::Table {
            name,
            dataset,
            format,
            filter,
            output,
            by,
        } => cmd::query::table(
            &name,
            &dataset,
            &format,
            filter.as_deref(),
            output.as_deref(),
            by.is_some(),
        ),
        Command::Diff {
            scan_a,
            scan_b,
            dataset,
            table,
            format,
        } => cmd::diff::execute(&dataset, &scan_a, &scan_b, table.as_deref(), &format),
        Command::Sql {
            query,
            dataset,
            format,
            output,
        } => cmd::query::sql(&query, &dataset, &format, output.as_deref()),
    };
    // Output cut short by a closed pipe (`| head`) is not an error.
    let closed_pipe = |e: &anyhow::Error| {
        e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
    };
    if let Err(e) = result {
        if closed_pipe(&e) {
            return;
        }
        eprintln!("mailtls: error: {e:#}");
        std::process::exit(1);
    }
}

/// polars' streaming engine panics on the few query plans it lacks; SQL
/// catches that and runs them on the in-memory engine, so the panic is not
/// news for the user. Every other panic is reported.
fn quiet_engine_gaps() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_engine = info
            .location()
            .is_some_and(|at| at.file().contains("polars-stream"));
        if !in_engine {
            report(info);
        }
    }));
}
