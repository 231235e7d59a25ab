//! stdin and stdout in pieces of at most [`PIECE`] bytes. tokio runs each stdio read and write on
//! a blocking thread through a buffer as large as the request (up to 2 MiB) and keeps that buffer
//! for the rest of the session: one big document or one big publish would pin megabytes.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most one read or write asks of the stream.
const PIECE: usize = 64 * 1024;

/// A stream whose reads and writes are at most [`PIECE`] bytes each.
pub struct Pieces<T> {
    inner: T,
    /// Reads land here first (a caller's buffer may be far bigger than a piece).
    scratch: Vec<u8>,
}

impl<T> Pieces<T> {
    pub fn new(inner: T) -> Pieces<T> {
        Pieces {
            inner,
            scratch: Vec::new(),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Pieces<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let want = buf.remaining().min(PIECE);
        if want == 0 {
            return Poll::Ready(Ok(()));
        }
        this.scratch.resize(want, 0);
        let mut piece = ReadBuf::new(&mut this.scratch[..want]);
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut piece))?;
        buf.put_slice(piece.filled());
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Pieces<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let piece = &buf[..buf.len().min(PIECE)];
        Pin::new(&mut self.get_mut().inner).poll_write(cx, piece)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn big_reads_and_writes_arrive_whole_in_pieces() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let (a, b) = tokio::io::duplex(8 * 1024);
        let mut writer = Pieces::new(a);
        let mut reader = Pieces::new(b);
        let sent = data.clone();
        let write = tokio::spawn(async move { writer.write_all(&sent).await.map(|_| writer) });
        let mut got = vec![0u8; data.len()];
        reader.read_exact(&mut got).await.expect("read");
        assert!(write.await.expect("join").is_ok());
        assert_eq!(got, data);
        assert!(reader.scratch.len() <= PIECE);
    }
}
