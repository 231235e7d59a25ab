use std::process::ExitCode;

fn main() -> ExitCode {
    mailport::cli::main()
}
