//! The language server: tower-lsp-server glue over the analysis. Only this module knows LSP types;
//! positions are converted to byte offsets here and nowhere else.

mod actions;
mod crossfile;
mod documents;
mod framing;
mod outline;
mod position;
mod probe_command;
mod screen;
mod server;
mod settings;
mod stdio;
mod workspace;

use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};
use tokio::sync::{mpsc, watch};
use tower_lsp_server::{LspService, Server};

#[doc(hidden)]
pub use documents::{hold_analyses, AnalysisHold};
pub use probe_command::COMMAND as TEST_CONNECTION_COMMAND;
pub use screen::Ending;
use server::Backend;

/// Locks a std mutex, surviving poisoning: a panic elsewhere must not take the server down.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Messages handled at once. tower-lsp's default (4) would let four running "test connection"
/// requests stall every other message; probes have their own, smaller limit.
const MAX_CONCURRENT_MESSAGES: usize = 32;
/// Bytes in flight between the screen and tower-lsp, and between tower-lsp and the writer.
const PIPE_BUFFER: usize = 64 * 1024;
/// Error replies of the screen queued for the client.
const QUEUED_REPLIES: usize = 16;
/// How long tower-lsp may take to finish writing after the session ends.
const GRACE: Duration = Duration::from_millis(500);

/// Serves the protocol on `input`/`output` until the client says `exit` (or the input ends, or
/// the client process named in `initialize` is gone).
///
/// ```text
/// input ─▶ screen ─▶ tower-lsp ───────┐
///            └──── error replies ─────┴─▶ writer ─▶ output
/// ```
/// The screen (see `screen`) passes tower-lsp only what it can decode and answers the rest
/// itself; the writer streams tower-lsp's frames and puts the replies between them.
pub async fn serve<I, O>(input: I, output: O) -> Ending
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let stop = watch::channel(false).0;
    let backend_stop = stop.clone();
    let (service, socket) = LspService::build(move |client| Backend::new(client, backend_stop))
        .custom_method("window/workDoneProgress/cancel", Backend::cancel_progress)
        .finish();
    let (to_server, server_input) = tokio::io::duplex(PIPE_BUFFER);
    let (server_output, from_server) = tokio::io::duplex(PIPE_BUFFER);
    let (replies, outgoing) = mpsc::channel::<Vec<u8>>(QUEUED_REPLIES);
    let mut server = tokio::spawn(
        Server::new(server_input, server_output, socket)
            .concurrency_level(MAX_CONCURRENT_MESSAGES)
            .serve(service),
    );
    let mut writer = tokio::spawn(write_output(from_server, outgoing, output));
    let (parent, parent_watch) = watch::channel(None);
    let screen = screen::Screen::new(parent).run(input, to_server, replies);
    let ending = tokio::select! {
        biased;
        ending = screen => ending,
        _ = &mut writer => Ending::OutputClosed,
        _ = screen::parent_gone(parent_watch) => Ending::ParentGone,
    };
    // round trips to the client and running probes end; tower-lsp finishes what it has
    stop.send_replace(true);
    if matches!(ending, Ending::Exit { .. } | Ending::InputEnded { .. }) {
        let _ = tokio::time::timeout(GRACE, async {
            let _ = (&mut server).await;
            let _ = (&mut writer).await;
        })
        .await;
    }
    server.abort();
    writer.abort();
    ending
}

/// Writes to the client: tower-lsp's frames, streamed as they come, and the screen's error
/// replies between them (never inside one). Ends when tower-lsp's output ends or the client
/// stops reading.
async fn write_output<R, O>(from_server: R, mut replies: mpsc::Receiver<Vec<u8>>, mut output: O)
where
    R: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut next = Box::pin(next_header(tokio::io::BufReader::new(from_server)));
    let mut replies_open = true;
    loop {
        // Replies first: one queued before tower-lsp's next frame is written before it, so the
        // client sees answers in the order the screen gave them (a fair select could hold a
        // reply back behind frames that came later).
        tokio::select! {
            biased;
            reply = replies.recv(), if replies_open => match reply {
                Some(frame) => {
                    if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                None => replies_open = false,
            },
            (mut reader, header) = &mut next => {
                let Some((header, length)) = header else {
                    return;
                };
                let body = &mut (&mut reader).take(length as u64);
                let written = async {
                    output.write_all(&header).await?;
                    tokio::io::copy(body, &mut output).await?;
                    output.flush().await
                };
                if written.await.is_err() {
                    return;
                }
                next = Box::pin(next_header(reader));
            }
        }
    }
}

/// Reads the header block of tower-lsp's next frame: its bytes and the body's length; `None`
/// when its output ended. The reader is handed back (the body is streamed from it).
async fn next_header<R: AsyncBufRead + Unpin>(mut reader: R) -> (R, Option<(Vec<u8>, usize)>) {
    let mut header = Vec::new();
    let mut length = None;
    loop {
        let before = header.len();
        match reader.read_until(b'\n', &mut header).await {
            Ok(0) | Err(_) => return (reader, None),
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&header[before..]);
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    // tower-lsp always writes a length; without one nothing more can be framed
    match length {
        Some(length) => (reader, Some((header, length))),
        None => (reader, None),
    }
}

/// glibc gives each thread that allocates its own malloc arena, and memory freed in one arena is
/// not reused for another. Analysis runs on a blocking thread beside the runtime's, so with the
/// default the server's peak memory grows by half (app-50k.env: 29 → 45 MB, docs/performance.md);
/// with one arena it stays where it was. The two threads seldom allocate at the same moment.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    use std::os::raw::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_ARENA_MAX: c_int = -8;
    // SAFETY: mallopt only sets a parameter of glibc's allocator; it is called before the
    // runtime starts any other thread.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

/// Runs the server over stdin/stdout until the client says `exit`. The exit status is 0 after
/// `shutdown` + `exit`, 1 otherwise.
pub fn run_stdio() -> ExitCode {
    one_malloc_arena();
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
    let ending = runtime.block_on(serve(
        stdio::Pieces::new(tokio::io::stdin()),
        stdio::Pieces::new(tokio::io::stdout()),
    ));
    // a probe still resolving a name (a blocking thread) must not hold up the exit
    runtime.shutdown_timeout(Duration::from_millis(200));
    ExitCode::from(ending.code())
}
