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

use futures::stream::{FuturesUnordered, StreamExt};
use futures::SinkExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tower_lsp_server::jsonrpc::Request;
use tower_lsp_server::{ClientSocket, LspService};
use tower_service::Service;

#[doc(hidden)]
pub use documents::{hold_analyses, AnalysisHold};
pub use probe_command::COMMAND as TEST_CONNECTION_COMMAND;
pub use screen::Ending;
use screen::Inbound;
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
/// Frames queued for the client (the service's and the screen's).
const QUEUED_FRAMES: usize = 64;
/// How long the service may take to finish writing after the session ends.
const GRACE: Duration = Duration::from_millis(500);

/// Serves the protocol on `input`/`output` until the client says `exit` (or the input ends, or
/// the client process named in `initialize` is gone).
///
/// ```text
/// input ─▶ screen ─▶ dispatch ─▶ tower-lsp's service ─┐
///            └──────── error replies ─────────────────┴─▶ writer ─▶ output
/// ```
/// The screen (see `screen`) reads and checks each frame, decodes what the service should handle
/// and answers the rest itself; `dispatch` runs the service's handlers and routes the client's
/// answers to the server's own requests; the writer frames everything for the client in the
/// order it was produced.
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
    let (outgoing, frames) = mpsc::channel::<Vec<u8>>(QUEUED_FRAMES);
    // one message in hand at a time: the screen reads no further ahead than the service takes
    let (inbound, messages) = mpsc::channel::<Inbound>(1);
    let mut dispatcher = tokio::spawn(dispatch(service, socket, messages, outgoing.clone()));
    let mut writer = tokio::spawn(write_frames(frames, output));
    let (parent, parent_watch) = watch::channel(None);
    let screen = screen::Screen::new(parent).run(input, inbound, outgoing);
    let ending = tokio::select! {
        biased;
        ending = screen => ending,
        _ = &mut writer => Ending::OutputClosed,
        _ = screen::parent_gone(parent_watch) => Ending::ParentGone,
    };
    // round trips to the client and running probes end; the service finishes what it has
    stop.send_replace(true);
    if matches!(ending, Ending::Exit { .. } | Ending::InputEnded { .. }) {
        let _ = tokio::time::timeout(GRACE, async {
            let _ = (&mut dispatcher).await;
            let _ = (&mut writer).await;
        })
        .await;
    }
    dispatcher.abort();
    writer.abort();
    ending
}

/// Runs the service on the screened messages, at most [`MAX_CONCURRENT_MESSAGES`] handlers at
/// once, started in the order the messages came (a handler changes its document before its first
/// `.await`, so edits apply in order). Its responses and its own requests to the client go to
/// `outgoing`. Ends when the messages end and the last handler has finished.
async fn dispatch(
    mut service: LspService<Backend>,
    socket: ClientSocket,
    mut messages: mpsc::Receiver<Inbound>,
    outgoing: mpsc::Sender<Vec<u8>>,
) {
    let (mut to_client, mut answers) = socket.split();
    let mut running = FuturesUnordered::new();
    // a request taken from `messages`, waiting for the service to be ready (it is not while
    // `initialize` runs)
    let mut waiting: Option<Request> = None;
    let mut messages_open = true;
    while messages_open || waiting.is_some() || !running.is_empty() {
        let take = messages_open && waiting.is_none() && running.len() < MAX_CONCURRENT_MESSAGES;
        let frame = tokio::select! {
            Some(done) = running.next(), if !running.is_empty() => match done {
                Ok(Some(response)) => to_frame(&response),
                Ok(None) | Err(_) => continue,
            },
            Some(request) = to_client.next() => to_frame(&request),
            ready = std::future::poll_fn(|cx| service.poll_ready(cx)), if waiting.is_some() => {
                if let (Ok(()), Some(request)) = (ready, waiting.take()) {
                    running.push(service.call(request));
                } else {
                    messages_open = false; // the service has exited
                    waiting = None;
                }
                continue;
            }
            message = messages.recv(), if take => {
                match message {
                    Some(Inbound::Request(request)) => waiting = Some(request),
                    Some(Inbound::Response(response)) => {
                        let _ = answers.send(response).await;
                    }
                    None => messages_open = false,
                }
                continue;
            }
            else => return,
        };
        let Some(frame) = frame else { continue };
        if outgoing.send(frame).await.is_err() {
            return; // the client stopped reading
        }
    }
}

/// A message the service produced, framed; `None` if it cannot be written (never seen: tower-lsp's
/// types always serialise).
fn to_frame(message: &impl serde::Serialize) -> Option<Vec<u8>> {
    serde_json::to_vec(message)
        .ok()
        .map(|body| screen::frame(&body))
}

/// Writes the frames to the client, flushing after each, until they end or the client stops
/// reading.
async fn write_frames<O: AsyncWrite + Unpin>(mut frames: mpsc::Receiver<Vec<u8>>, mut output: O) {
    while let Some(frame) = frames.recv().await {
        if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
            return;
        }
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
