//! The command line: `mailport check`, `mailport lsp`, `mailport probe`, `mailport rule`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod check;
mod crossfile;
pub(crate) mod fix;
pub mod output;
pub mod probe;
pub mod rule;

#[derive(Parser)]
#[command(
    name = "mailport",
    version,
    about = "Catches wrong and insecure mail-server settings (SMTP, IMAP, POP3 ports and TLS modes) in config files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check config files and folders for wrong or insecure mail settings.
    #[command(
        after_help = "Exit status: 0 nothing at or above --fail-on, 1 something is, 2 the \
        check could not do its job.\nThe output of each format, positions and --fix: docs/output.md \
        in the mailport repository."
    )]
    Check(check::CheckArgs),
    /// Run the language server over stdio (editors start this).
    Lsp {
        /// Accepted and ignored: stdio is the only transport (vscode-languageclient adds it).
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Test a mail server live: what it really speaks on a port, TLS, certificate, AUTH.
    Probe(probe::ProbeArgs),
    /// Explain a rule: `mailport rule MP003` or `mailport rule tls-mode-mismatch`; alone, list them.
    Rule(rule::RuleArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // 0 for --help/--version and 2 for usage errors, as docs/output.md says.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Lsp { .. } => crate::lsp::run_stdio(),
        Command::Probe(args) => probe::run(args),
        Command::Rule(args) => rule::run(args),
    }
}
