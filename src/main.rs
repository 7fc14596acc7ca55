//! The `newswatch` binary: parse the command line, run it, map the outcome
//! to an exit code (78 for a bad config).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = newswatch::cli::Cli::parse();
    match newswatch::cli::execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
