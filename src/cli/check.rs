//! `mailport check`: the same diagnostics and fixes for terminals and CI.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or folders (default: the current folder).
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let _ = args;
    ExitCode::SUCCESS
}
