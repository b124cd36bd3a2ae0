//! The `mailtls` command: parse the command line, run the verb.

use clap::Parser;

use mailtls::cli::{Cli, Command, DatasetCommand};
use mailtls::cmd;

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(args) => cmd::ingest::execute(args),
        Command::Synth(args) => cmd::synth::execute(args),
        Command::Ciphers { format } => cmd::ciphers::execute(&format),
        Command::Dataset(DatasetCommand::Info { dataset }) => cmd::dataset_info::execute(&dataset),
    };
    if let Err(e) = result {
        eprintln!("mailtls: error: {e:#}");
        std::process::exit(1);
    }
}
