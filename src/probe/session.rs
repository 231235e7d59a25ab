//! One probe conversation: resolve, connect, find out what the port speaks (plaintext greeting,
//! silence that turns into TLS, or something that is not mail), capabilities, STARTTLS, TLS, quit.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::lines::{Conn, ReadError, Recorder};
use super::report::{Mode, Observed, Timings};
use super::tls::{self, Trust};
use super::{imap, pop3, smtp, Capabilities, Target};
use crate::vocab::{Protocol, Security};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Bad input (CA file).
    Setup,
    Dns,
    Connect,
    /// The server stopped answering, answered too much, or closed the connection.
    Conversation,
    /// The TLS handshake failed.
    Tls,
}

#[derive(Clone, Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

/// Everything learned during one probe, judged afterwards.
#[derive(Debug, Default)]
pub struct Observation {
    pub addresses: Vec<String>,
    pub reachable: bool,
    pub mode: Mode,
    pub protocol: Option<Protocol>,
    pub observed: Observed,
    pub timings: Timings,
    pub failure: Option<Failure>,
    /// What answered instead of a mail server (`an HTTP server`).
    pub not_mail: Option<String>,
    /// STARTTLS was offered but the server refused the command (its reply).
    pub starttls_refused: Option<String>,
    /// Bytes the server sent after its STARTTLS reply and before the handshake.
    pub injected: Option<usize>,
    /// The server offers no TLS version rustls accepts (below 1.2).
    pub old_tls: bool,
}

/// What the first bytes from a server are.
enum Seen {
    Mail(Protocol),
    Other(String),
    Nothing,
}

fn classify(bytes: &[u8]) -> Seen {
    if bytes.is_empty() {
        return Seen::Nothing;
    }
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(256)).unwrap_or_default());
    let line = head.lines().next().unwrap_or("");
    if smtp::is_greeting(line) {
        Seen::Mail(Protocol::Smtp)
    } else if imap::is_greeting(line) {
        Seen::Mail(Protocol::Imap)
    } else if pop3::is_greeting(line) {
        Seen::Mail(Protocol::Pop3)
    } else if line.starts_with("HTTP/") {
        Seen::Other("an HTTP server".into())
    } else if line.starts_with("SSH-") {
        Seen::Other(format!("an SSH server ({})", smtp::shorten(line.trim())))
    } else if matches!(bytes, [0x15 | 0x16, 0x03, ..]) {
        Seen::Other("a TLS server that speaks first".into())
    } else {
        Seen::Other(format!("something unrecognised: {:?}", smtp::shorten(line)))
    }
}

struct Ctx<'a> {
    target: &'a Target,
    trust: &'a Trust,
    deadline: Instant,
    /// How long to wait for a plaintext greeting before trying TLS.
    silence: Duration,
    /// The most one command, reply or handshake may take, so that one stalled step leaves time
    /// to report it.
    step: Duration,
}

/// `start + budget`, saturating far in the future instead of overflowing.
pub fn deadline(start: Instant, budget: Duration) -> Instant {
    start
        .checked_add(budget)
        .unwrap_or_else(|| start + Duration::from_secs(86_400))
}

fn millis(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

impl Ctx<'_> {
    fn within(&self, d: Duration) -> Instant {
        self.deadline.min(Instant::now() + d)
    }
    fn step_deadline(&self) -> Instant {
        self.within(self.step)
    }
}

/// Runs the conversation, filling `obs` as facts are learned.
pub async fn run(
    target: &Target,
    trust: &Trust,
    timeout: Duration,
    started: Instant,
    obs: &mut Observation,
) -> Result<(), Failure> {
    let ctx = Ctx {
        target,
        trust,
        deadline: deadline(started, timeout),
        silence: (timeout / 3).min(Duration::from_secs(3)),
        step: (timeout / 2).max(Duration::from_secs(1)),
    };
    let step = Instant::now();
    let addresses = resolve(&ctx).await?;
    obs.addresses = addresses.iter().map(|a| a.ip().to_string()).collect();
    obs.timings.dns = Some(millis(step));
    let step = Instant::now();
    let tcp = connect(&ctx, &addresses).await?;
    obs.reachable = true;
    obs.timings.connect = Some(millis(step));
    let connected = Instant::now();
    let stream = Recorder::new(tcp);

    if target.security == Some(Security::ImplicitTls) {
        // Configured implicit TLS: handshake at once; if the server greets in plaintext instead,
        // the handshake fails on its greeting, and a fresh connection learns what it offers.
        return match tls_handshake(&ctx, stream, obs).await {
            Ok(tls) => tls_session(&ctx, tls, obs).await,
            Err(failure) => after_failed_tls(&ctx, &addresses, failure, obs).await,
        };
    }
    let mut conn = Conn::new(stream);
    match conn.fill(ctx.within(ctx.silence)).await {
        Ok(()) => plaintext_session(&ctx, conn, connected, obs).await,
        Err(ReadError::Timeout) if Instant::now() < ctx.deadline => {
            // Silence: the server waits for a ClientHello (implicit TLS), or is not mail at all.
            let (stream, _) = conn.into_parts();
            match tls_handshake(&ctx, stream, obs).await {
                Ok(tls) => tls_session(&ctx, tls, obs).await,
                Err(failure) => after_failed_tls(&ctx, &addresses, failure, obs).await,
            }
        }
        Err(e) => Err(Failure::new(
            FailureKind::Conversation,
            format!("no greeting: {e}"),
        )),
    }
}

async fn resolve(ctx: &Ctx<'_>) -> Result<Vec<SocketAddr>, Failure> {
    let host = ctx
        .target
        .host
        .trim_start_matches('[')
        .trim_end_matches(']');
    let lookup = tokio::net::lookup_host((host, ctx.target.port));
    match tokio::time::timeout_at(ctx.deadline, lookup).await {
        Err(_) => Err(Failure::new(
            FailureKind::Dns,
            format!("DNS lookup of {host} timed out"),
        )),
        Ok(Err(e)) => Err(Failure::new(
            FailureKind::Dns,
            format!("cannot resolve {host}: {e}"),
        )),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(Failure::new(
                    FailureKind::Dns,
                    format!("{host} has no address"),
                ))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// Tries the addresses in order, sharing the remaining time between them.
async fn connect(ctx: &Ctx<'_>, addresses: &[SocketAddr]) -> Result<TcpStream, Failure> {
    let mut last = String::from("no address to connect to");
    for (i, addr) in addresses.iter().enumerate() {
        let left = ctx.deadline.saturating_duration_since(Instant::now());
        let share = left / u32::try_from(addresses.len() - i).unwrap_or(1).max(1);
        match tokio::time::timeout(share, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = format!("cannot connect to {addr}: {e}"),
            Err(_) => last = format!("connecting to {addr} timed out"),
        }
    }
    Err(Failure::new(FailureKind::Connect, last))
}

type TlsConn = tokio_rustls::client::TlsStream<Recorder<TcpStream>>;

async fn tls_handshake(
    ctx: &Ctx<'_>,
    stream: Recorder<TcpStream>,
    obs: &mut Observation,
) -> Result<TlsConn, tls::HandshakeFailure> {
    let before = Instant::now();
    let (tls, info) =
        tls::handshake(stream, &ctx.target.host, ctx.trust, ctx.step_deadline()).await?;
    obs.timings.tls = Some(millis(before));
    obs.observed.tls = Some(info);
    Ok(tls)
}

/// A handshake failed: say what answered instead. A mail greeting means the port speaks
/// plaintext, so a fresh connection finds out whether it offers STARTTLS.
async fn after_failed_tls(
    ctx: &Ctx<'_>,
    addresses: &[SocketAddr],
    failure: tls::HandshakeFailure,
    obs: &mut Observation,
) -> Result<(), Failure> {
    // The server answered in TLS (an alert, a ServerHello rustls refused): a TLS problem.
    if failure.old_version || matches!(failure.seen.as_slice(), [0x15 | 0x16, 0x03, ..]) {
        obs.old_tls = failure.old_version;
        return Err(Failure::new(FailureKind::Tls, failure.message));
    }
    match classify(&failure.seen) {
        Seen::Mail(_) => {
            let tcp = connect(ctx, addresses).await?;
            let connected = Instant::now();
            let mut conn = Conn::new(Recorder::new(tcp));
            conn.fill(ctx.deadline).await.map_err(|e| {
                Failure::new(FailureKind::Conversation, format!("no greeting: {e}"))
            })?;
            plaintext_session(ctx, conn, connected, obs).await
        }
        Seen::Other(what) => {
            obs.not_mail = Some(what);
            Ok(())
        }
        Seen::Nothing => {
            obs.old_tls = failure.old_version;
            let message = if failure.message.contains("timed out") {
                "the server sent neither a greeting nor an answer to a TLS handshake".to_string()
            } else {
                failure.message
            };
            Err(Failure::new(FailureKind::Tls, message))
        }
    }
}

/// Reads the greeting's first line and decides which protocol speaks.
async fn greeting<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Ctx<'_>,
    conn: &mut Conn<S>,
    since: Instant,
    obs: &mut Observation,
) -> Result<Option<Protocol>, Failure> {
    let first = conn
        .read_line(ctx.deadline)
        .await
        .map_err(|e| Failure::new(FailureKind::Conversation, format!("no greeting: {e}")))?;
    obs.timings.greeting = Some(millis(since));
    let protocol = match classify(first.as_bytes()) {
        Seen::Mail(p) => p,
        Seen::Other(what) => {
            obs.not_mail = Some(what);
            return Ok(None);
        }
        Seen::Nothing => {
            obs.not_mail = Some("something that sends an empty line".into());
            return Ok(None);
        }
    };
    if protocol == Protocol::Smtp {
        smtp::finish_greeting(conn, &first, ctx.deadline)
            .await
            .map_err(|e| Failure::new(FailureKind::Conversation, format!("greeting: {e}")))?;
    }
    obs.observed.greeting = Some(first);
    obs.protocol = Some(protocol);
    Ok(Some(protocol))
}

async fn capabilities<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Ctx<'_>,
    protocol: Protocol,
    conn: &mut Conn<S>,
    tag: &str,
) -> Result<Capabilities, Failure> {
    let result = match protocol {
        Protocol::Smtp => smtp::capabilities(conn, ctx.step_deadline()).await,
        Protocol::Imap => imap::capabilities(conn, tag, ctx.step_deadline()).await,
        Protocol::Pop3 => pop3::capabilities(conn, ctx.step_deadline()).await,
    };
    let command = match protocol {
        Protocol::Smtp => "EHLO",
        Protocol::Imap => "CAPABILITY",
        Protocol::Pop3 => "CAPA",
    };
    result.map_err(|e| Failure::new(FailureKind::Conversation, format!("{command}: {e}")))
}

/// A polite goodbye; its failure does not matter.
async fn quit<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Ctx<'_>,
    protocol: Protocol,
    conn: &mut Conn<S>,
    tag: &str,
) {
    let deadline = ctx.within(Duration::from_secs(1));
    match protocol {
        Protocol::Smtp => smtp::quit(conn, deadline).await,
        Protocol::Imap => imap::logout(conn, tag, deadline).await,
        Protocol::Pop3 => pop3::quit(conn, deadline).await,
    }
}

fn record_capabilities(obs: &mut Observation, caps: Capabilities) {
    obs.observed.capabilities = Some(caps.list);
    obs.observed.auth_mechanisms = Some(caps.auth);
}

async fn tls_session(ctx: &Ctx<'_>, tls: TlsConn, obs: &mut Observation) -> Result<(), Failure> {
    obs.mode = Mode::ImplicitTls;
    let mut conn = Conn::new(tls);
    let Some(protocol) = greeting(ctx, &mut conn, Instant::now(), obs).await? else {
        return Ok(());
    };
    let caps = capabilities(ctx, protocol, &mut conn, "a1").await?;
    obs.observed.starttls_offered = Some(caps.starttls);
    record_capabilities(obs, caps);
    quit(ctx, protocol, &mut conn, "a2").await;
    Ok(())
}

async fn plaintext_session(
    ctx: &Ctx<'_>,
    mut conn: Conn<Recorder<TcpStream>>,
    connected: Instant,
    obs: &mut Observation,
) -> Result<(), Failure> {
    let Some(protocol) = greeting(ctx, &mut conn, connected, obs).await? else {
        return Ok(());
    };
    let caps = capabilities(ctx, protocol, &mut conn, "a1").await?;
    obs.observed.starttls_offered = Some(caps.starttls);
    if !caps.starttls {
        // Missing STARTTLS is reported; the probe never continues as if it were fine.
        obs.mode = Mode::Plaintext;
        record_capabilities(obs, caps);
        quit(ctx, protocol, &mut conn, "a2").await;
        return Ok(());
    }
    let reply = match protocol {
        Protocol::Smtp => smtp::starttls(&mut conn, ctx.step_deadline()).await,
        Protocol::Imap => imap::starttls(&mut conn, "a2", ctx.step_deadline()).await,
        Protocol::Pop3 => pop3::starttls(&mut conn, ctx.step_deadline()).await,
    }
    .map_err(|e| Failure::new(FailureKind::Conversation, format!("STARTTLS: {e}")))?;
    if let Err(refusal) = reply {
        obs.mode = Mode::Plaintext;
        obs.starttls_refused = Some(refusal);
        record_capabilities(obs, caps);
        quit(ctx, protocol, &mut conn, "a3").await;
        return Ok(());
    }
    obs.mode = Mode::Starttls;
    // Response injection: whatever the server sent after its STARTTLS reply, before the
    // handshake, could only have been written by someone in the middle. It is discarded.
    let (stream, leftover) = conn.into_parts();
    let mut injected = leftover.len();
    let mut waiting = [0u8; 4096];
    if let Ok(n) = stream.get_ref().try_read(&mut waiting) {
        injected += n;
    }
    if injected > 0 {
        obs.injected = Some(injected);
    }
    let tls = match tls_handshake(ctx, stream, obs).await {
        Ok(tls) => tls,
        Err(failure) => {
            obs.old_tls = failure.old_version;
            return Err(Failure::new(FailureKind::Tls, failure.message));
        }
    };
    // Nothing read before TLS is trusted after it: capabilities are read again.
    let mut conn = Conn::new(tls);
    let caps = capabilities(ctx, protocol, &mut conn, "a3").await?;
    record_capabilities(obs, caps);
    quit(ctx, protocol, &mut conn, "a4").await;
    Ok(())
}
