//! `mailport probe`: the live "test connection" from a terminal.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ProbeArgs {
    /// smtps://host:465, imap://host:143, host:port, or host with --discover.
    pub target: String,
}

pub fn run(args: ProbeArgs) -> ExitCode {
    let _ = args;
    ExitCode::from(2)
}
