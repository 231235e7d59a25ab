//! Bounded reading from a server: every line has a length limit, every connection phase a total
//! byte limit, and every read a deadline. A hostile server can make a read fail, never make it
//! hang past its deadline or grow memory past the limits.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::Instant;

/// Longest line accepted from a server (SMTP allows 512, IMAP capability lines are ~1 KiB).
pub const MAX_LINE: usize = 8 * 1024;
/// Most bytes accepted in one connection phase (plaintext, or after TLS).
pub const MAX_TOTAL: usize = 64 * 1024;
/// Most lines in one multi-line reply.
pub const MAX_REPLY_LINES: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("timed out waiting for the server")]
    Timeout,
    #[error("the server closed the connection")]
    Closed,
    #[error("the server sent a line longer than {MAX_LINE} bytes")]
    LineTooLong,
    #[error("the server sent more than {MAX_TOTAL} bytes")]
    TooMuchData,
    #[error("the server sent a reply of more than {MAX_REPLY_LINES} lines")]
    TooManyLines,
    #[error("the server sent something unexpected: {0}")]
    Unexpected(String),
    #[error("network error: {0}")]
    Io(String),
}

/// A connection phase: the stream plus what was read from it and not consumed yet.
pub struct Conn<S> {
    stream: S,
    pending: Vec<u8>,
    received: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    pub fn new(stream: S) -> Self {
        Conn {
            stream,
            pending: Vec::new(),
            received: 0,
        }
    }

    /// Waits until at least one byte is buffered (the server spoke first).
    pub async fn fill(&mut self, deadline: Instant) -> Result<(), ReadError> {
        if self.pending.is_empty() {
            self.read_more(deadline).await?;
        }
        Ok(())
    }

    /// The next line without its CR LF; control characters are replaced so that a server cannot
    /// drive the user's terminal.
    pub async fn read_line(&mut self, deadline: Instant) -> Result<String, ReadError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                if end > MAX_LINE {
                    return Err(ReadError::LineTooLong);
                }
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return Ok(printable(&line));
            }
            if self.pending.len() > MAX_LINE {
                return Err(ReadError::LineTooLong);
            }
            self.read_more(deadline).await?;
        }
    }

    async fn read_more(&mut self, deadline: Instant) -> Result<(), ReadError> {
        let room = MAX_TOTAL.saturating_sub(self.received);
        if room == 0 {
            return Err(ReadError::TooMuchData);
        }
        let mut chunk = [0u8; 4096];
        let want = room.min(chunk.len());
        let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk[..want])).await;
        match read {
            Err(_) => Err(ReadError::Timeout),
            Ok(Err(e)) => Err(ReadError::Io(e.to_string())),
            Ok(Ok(0)) => Err(ReadError::Closed),
            Ok(Ok(n)) => {
                self.received += n;
                self.pending
                    .extend_from_slice(chunk.get(..n).unwrap_or_default());
                Ok(())
            }
        }
    }

    /// Sends one command line (CR LF is added).
    pub async fn send(&mut self, command: &str, deadline: Instant) -> Result<(), ReadError> {
        let line = format!("{command}\r\n");
        let write = async {
            self.stream.write_all(line.as_bytes()).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout_at(deadline, write).await {
            Err(_) => Err(ReadError::Timeout),
            Ok(Err(e)) => Err(ReadError::Io(e.to_string())),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// The stream and the unconsumed bytes (which a STARTTLS upgrade must discard).
    pub fn into_parts(self) -> (S, Vec<u8>) {
        (self.stream, self.pending)
    }
}

/// A line as text: invalid UTF-8 and control characters become U+FFFD, CR LF is dropped.
fn printable(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    text.trim_end_matches(['\r', '\n'])
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// How many first bytes of a TLS handshake's input are kept to tell what answered instead.
const RECORD_LIMIT: usize = 512;

/// A TCP stream that keeps a copy of the first bytes it reads since the last `restart`, so that a
/// failed TLS handshake can say what the server sent instead (an SMTP greeting, an HTTP reply).
pub struct Recorder<S> {
    inner: S,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl<S> Recorder<S> {
    pub fn new(inner: S) -> Self {
        Recorder {
            inner,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Forgets what was recorded and returns a handle to what will be.
    pub fn restart(&self) -> Arc<Mutex<Vec<u8>>> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.clear();
        }
        Arc::clone(&self.seen)
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let new = buf.filled().get(before..).unwrap_or_default();
            if let Ok(mut seen) = self.seen.lock() {
                let room = RECORD_LIMIT.saturating_sub(seen.len());
                seen.extend_from_slice(new.get(..room.min(new.len())).unwrap_or_default());
            }
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn soon() -> Instant {
        Instant::now() + Duration::from_millis(500)
    }

    #[tokio::test]
    async fn lines_are_split_and_cleaned() {
        let (client, mut server) = tokio::io::duplex(1024);
        server
            .write_all(b"220 hi\x1b[31m\r\n250 ok\r\n")
            .await
            .unwrap();
        let mut conn = Conn::new(client);
        assert_eq!(conn.read_line(soon()).await.unwrap(), "220 hi\u{FFFD}[31m");
        assert_eq!(conn.read_line(soon()).await.unwrap(), "250 ok");
        assert_eq!(conn.read_line(soon()).await, Err(ReadError::Timeout));
    }

    #[tokio::test]
    async fn an_endless_line_is_cut_off() {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let junk = [b'x'; 1024];
            while server.write_all(&junk).await.is_ok() {}
        });
        let mut conn = Conn::new(client);
        assert_eq!(conn.read_line(soon()).await, Err(ReadError::LineTooLong));
    }

    #[tokio::test]
    async fn endless_short_lines_hit_the_total_limit() {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move { while server.write_all(b"250-x\r\n").await.is_ok() {} });
        let mut conn = Conn::new(client);
        let mut lines = 0;
        let err = loop {
            match conn.read_line(soon()).await {
                Ok(_) => lines += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(err, ReadError::TooMuchData);
        assert!(lines <= MAX_TOTAL / 7, "{lines} lines");
    }
}
