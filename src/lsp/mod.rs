//! The language server: tower-lsp-server glue over the analysis. Only this module knows LSP types;
//! positions are converted to byte offsets here and nowhere else.

mod actions;
mod documents;
mod framing;
mod position;
mod probe_command;
mod server;
mod settings;
mod stdio;

use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

pub use probe_command::COMMAND as TEST_CONNECTION_COMMAND;
use server::Backend;

/// Messages handled at once. tower-lsp's default (4) would let four running "test connection"
/// requests stall every other message; probes have their own, smaller limit.
const MAX_CONCURRENT_MESSAGES: usize = 32;
/// Bytes in flight between the screen and tower-lsp's reader.
const SCREEN_BUFFER: usize = 64 * 1024;

/// Serves the protocol on `input`/`output` until the client says `exit` (or the input ends).
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = LspService::build(Backend::new)
        .custom_method("window/workDoneProgress/cancel", Backend::cancel_progress)
        .finish();
    // tower-lsp reads a screened copy of the input (see `framing`)
    let (screened_write, screened_read) = tokio::io::duplex(SCREEN_BUFFER);
    let server = Server::new(screened_read, output, socket)
        .concurrency_level(MAX_CONCURRENT_MESSAGES)
        .serve(service);
    let screen = framing::screen(input, screened_write);
    tokio::pin!(server, screen);
    tokio::select! {
        _ = &mut server => return,
        _ = &mut screen => {}
    }
    // the input ended: the server sees the end of its input and finishes
    server.await;
}

/// Runs the server over stdin/stdout until the client says `exit`.
pub fn run_stdio() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mailport lsp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(
        stdio::Pieces::new(tokio::io::stdin()),
        stdio::Pieces::new(tokio::io::stdout()),
    ));
    // a probe still resolving a name (a blocking thread) must not hold up the exit
    runtime.shutdown_timeout(Duration::from_millis(200));
    ExitCode::SUCCESS
}
