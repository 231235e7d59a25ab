//! Reading frames (`Content-Length` header block + body) from a client that may get them wrong.
//!
//! A wrong `Content-Length` must not end the session: the reader resynchronises on the next
//! header. A raw line break after `Content-Length: <digits>` cannot occur inside a JSON text
//! (strings escape line breaks), so finding one inside a body proves the declared length was too
//! long: the body ends there and the next frame starts. A length that is too long for the last
//! message the client sent is noticed when the input pauses while the body so far is already a
//! complete JSON object. A length that is too short leaves the rest of the body in front of the
//! next header; header lines are searched for `Content-Length:` anywhere in them.

use serde::de::IgnoredAny;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Longest header line kept; longer lines are garbage, read in pieces of this size.
const MAX_HEADER_LINE: usize = 8 * 1024;
/// Largest message read (a document this size is far beyond anything mailport analyses). A
/// frame declaring more is skipped.
pub const MAX_BODY: usize = 256 * 1024 * 1024;
/// How long the input may pause inside a body before the reader checks whether the declared
/// length was too long.
const STALL: Duration = Duration::from_millis(100);
const READ_PIECE: usize = 64 * 1024;

/// One thing read from the client.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A message body. `resynced` says why it is not exactly what `Content-Length` declared.
    Message {
        body: Vec<u8>,
        charset: Option<String>,
        resynced: Option<&'static str>,
    },
    /// A header block without a usable `Content-Length` (missing or not a number).
    BadHeader(String),
    /// A frame declaring more than [`MAX_BODY`] bytes; its body was skipped.
    TooLarge(usize),
}

pub struct FrameReader<R> {
    input: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..]`.
    start: usize,
    eof: bool,
}

/// The header values read from one block.
#[derive(Default)]
struct Headers {
    length: Option<Result<usize, String>>,
    charset: Option<String>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(input: R) -> FrameReader<R> {
        FrameReader {
            input,
            buf: Vec::new(),
            start: 0,
            eof: false,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads more input; `Ok(0)` at its end.
    async fn fill(&mut self) -> std::io::Result<usize> {
        if self.eof {
            return Ok(0);
        }
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start >= READ_PIECE {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.reserve(READ_PIECE);
        let n = (&mut self.input)
            .take(READ_PIECE as u64)
            .read_buf(&mut self.buf)
            .await?;
        if n == 0 {
            self.eof = true;
        }
        Ok(n)
    }

    /// The next line (without its `\n`), at most [`MAX_HEADER_LINE`] bytes; `None` at the end.
    async fn read_line(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut searched = 0;
        loop {
            let unread = self.unread();
            if let Some(i) = unread[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + i;
                let line = unread[..end].to_vec();
                self.start += end + 1;
                return Ok(Some(line));
            }
            if unread.len() >= MAX_HEADER_LINE {
                let line = unread[..MAX_HEADER_LINE].to_vec();
                self.start += MAX_HEADER_LINE;
                return Ok(Some(line));
            }
            searched = unread.len();
            if self.fill().await? == 0 {
                let rest = self.unread().to_vec();
                self.start = self.buf.len();
                return Ok((!rest.is_empty()).then_some(rest));
            }
        }
    }

    /// Reads one header block; `None` at the end of the input.
    async fn read_headers(&mut self) -> std::io::Result<Option<Headers>> {
        let mut headers = Headers::default();
        let mut saw_any = false;
        loop {
            let Some(line) = self.read_line().await? else {
                return Ok(None);
            };
            let line = String::from_utf8_lossy(&line);
            let line = line.trim();
            if line.is_empty() {
                if saw_any {
                    return Ok(Some(headers));
                }
                continue; // stray blank lines between messages
            }
            saw_any = true;
            // ASCII lowercasing keeps byte offsets, so `at` indexes `line` too
            let lower = line.to_ascii_lowercase();
            if let Some(at) = lower.find("content-length:") {
                // anywhere in the line: the tail of a body whose length was too short may be
                // glued to the front of the next header
                let value = line[at + "content-length:".len()..].trim();
                headers.length = Some(value.parse::<usize>().map_err(|_| value.to_string()));
            } else if let Some(at) = lower.find("content-type:") {
                headers.charset = charset_of(&lower[at + "content-type:".len()..]);
            }
        }
    }

    /// The next frame; `None` at the end of the input.
    pub async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        let Some(headers) = self.read_headers().await? else {
            return Ok(None);
        };
        let length = match headers.length {
            Some(Ok(length)) => length,
            Some(Err(value)) => {
                return Ok(Some(Frame::BadHeader(format!(
                    "Content-Length is not a number: {value:?}"
                ))))
            }
            None => {
                return Ok(Some(Frame::BadHeader(
                    "a header block without Content-Length".to_string(),
                )))
            }
        };
        if length > MAX_BODY {
            return self.skip_body(length).await.map(Some);
        }
        let (body, resynced) = self.read_body(length).await?;
        self.release();
        Ok(Some(Frame::Message {
            body,
            charset: headers.charset,
            resynced,
        }))
    }

    /// The next `length` unread bytes. A big body is moved out of the buffer, not copied (a
    /// 20 MB `didOpen` is not held twice).
    fn take(&mut self, length: usize) -> Vec<u8> {
        if length < READ_PIECE {
            let body = self.unread()[..length].to_vec();
            self.start += length;
            return body;
        }
        let rest = self.buf.split_off(self.start + length);
        let mut body = std::mem::replace(&mut self.buf, rest);
        body.drain(..self.start);
        self.start = 0;
        body
    }

    /// Gives back the memory of a big message once it is read (the session may be long).
    fn release(&mut self) {
        if self.start == self.buf.len() && self.buf.capacity() > 1024 * 1024 {
            self.buf = Vec::new();
            self.start = 0;
        }
    }

    /// Reads a body of `length` bytes, or less when the declared length proves too long.
    async fn read_body(
        &mut self,
        length: usize,
    ) -> std::io::Result<(Vec<u8>, Option<&'static str>)> {
        let mut scanned: usize = 0;
        let mut checked_at = 0;
        loop {
            let window = &self.unread()[..self.unread().len().min(length)];
            if let Some(at) = next_header_in(window, scanned.saturating_sub(HEADER_OVERLAP)) {
                let body = window[..at].to_vec();
                self.start += at;
                return Ok((
                    first_value(body),
                    Some("the next header came before the declared length"),
                ));
            }
            scanned = window.len();
            if window.len() == length {
                return Ok((self.take(length), None));
            }
            let filled = if window.len() > checked_at {
                match tokio::time::timeout(STALL, self.fill()).await {
                    Ok(filled) => filled?,
                    Err(_) => {
                        // the client paused: is what came already a whole message?
                        let so_far = &self.unread()[..self.unread().len().min(length)];
                        checked_at = so_far.len();
                        if is_complete_object(so_far) {
                            let body = so_far.to_vec();
                            self.start += body.len();
                            return Ok((
                                body,
                                Some("the message ended before the declared length"),
                            ));
                        }
                        continue;
                    }
                }
            } else {
                self.fill().await?
            };
            if filled == 0 {
                let body = self.unread().to_vec();
                self.start = self.buf.len();
                return Ok((
                    first_value(body),
                    Some("the input ended inside the message"),
                ));
            }
        }
    }

    /// Skips a body larger than [`MAX_BODY`], stopping early at a header inside it.
    async fn skip_body(&mut self, length: usize) -> std::io::Result<Frame> {
        let mut left = length;
        loop {
            let take = self.unread().len().min(left);
            let window = &self.unread()[..take];
            if let Some(at) = next_header_in(window, 0) {
                self.start += at;
                return Ok(Frame::TooLarge(length));
            }
            // keep a short tail: a header may straddle two reads
            let consumed = if take == left {
                take
            } else {
                take.saturating_sub(HEADER_OVERLAP)
            };
            self.start += consumed;
            left -= consumed;
            if left == 0 || self.fill().await? == 0 {
                return Ok(Frame::TooLarge(length));
            }
        }
    }
}

/// Bytes a header found across two reads may span.
const HEADER_OVERLAP: usize = 64;

/// Where a `Content-Length: <digits>` header followed by a raw line break starts in `bytes`,
/// searching from `from`. Such a header cannot be part of a JSON text.
pub fn next_header_in(bytes: &[u8], from: usize) -> Option<usize> {
    const NAME: &[u8] = b"content-length:";
    let mut i = from;
    while let Some(found) = bytes
        .get(i..)?
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
    {
        let line_end = i + found;
        i = line_end + 1;
        // back over the digits, then spaces, then the name
        let digits_start = bytes[..line_end]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |p| p + 1);
        if digits_start == line_end {
            continue;
        }
        let name_end = bytes[..digits_start]
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |p| p + 1);
        if name_end >= NAME.len()
            && bytes[name_end - NAME.len()..name_end].eq_ignore_ascii_case(NAME)
        {
            return Some(name_end - NAME.len());
        }
    }
    None
}

/// Whether `bytes` is one complete JSON object (and only whitespace after it).
fn is_complete_object(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
}

/// The first JSON value of a body cut short by a resynchronisation (the bytes of the next
/// frame's other headers may trail it); the body itself when it holds none.
fn first_value(body: Vec<u8>) -> Vec<u8> {
    let mut values = serde_json::Deserializer::from_slice(&body).into_iter::<IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => {
            let end = values.byte_offset();
            let mut body = body;
            body.truncate(end);
            body
        }
        _ => body,
    }
}

/// The `charset` parameter of a `Content-Type` value (lowercased), if it names one.
fn charset_of(value: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        (name.trim() == "charset").then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Whether a `charset` value names UTF-8 (`utf8` is accepted for backwards compatibility, as
/// the LSP specification asks).
pub fn is_utf8(charset: &str) -> bool {
    charset == "utf-8" || charset == "utf8"
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = FrameReader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = reader.next().await.unwrap() {
            out.push(frame);
        }
        out
    }

    fn message(body: &str) -> Frame {
        Frame::Message {
            body: body.as_bytes().to_vec(),
            charset: None,
            resynced: None,
        }
    }

    #[tokio::test]
    async fn well_formed_frames_and_their_charset() {
        let got = frames(
            b"Content-Length: 2\r\n\r\n{}\r\nContent-Type: application/vscode-jsonrpc; charset=Latin1\r\nContent-Length: 3\r\n\r\n[1]",
        )
        .await;
        assert_eq!(
            got,
            vec![
                message("{}"),
                Frame::Message {
                    body: b"[1]".to_vec(),
                    charset: Some("latin1".to_string()),
                    resynced: None
                }
            ]
        );
    }

    #[tokio::test]
    async fn bad_headers_are_reported_and_skipped() {
        let got =
            frames(b"X-Junk: 1\r\n\r\nContent-Length: ten\r\n\r\nContent-Length: 2\r\n\r\n{}")
                .await;
        assert_eq!(
            got,
            vec![
                Frame::BadHeader("a header block without Content-Length".to_string()),
                Frame::BadHeader("Content-Length is not a number: \"ten\"".to_string()),
                message("{}"),
            ]
        );
    }

    #[tokio::test]
    async fn a_length_too_long_stops_at_the_next_header() {
        let got = frames(
            b"Content-Length: 100\r\n\r\n{\"a\":1}Content-Type: x\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await;
        assert_eq!(
            got,
            vec![
                Frame::Message {
                    body: b"{\"a\":1}".to_vec(),
                    charset: None,
                    resynced: Some("the next header came before the declared length")
                },
                message("{}"),
            ]
        );
    }

    #[tokio::test]
    async fn a_length_too_short_resyncs_on_the_glued_header() {
        let got = frames(b"Content-Length: 4\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n{}").await;
        assert_eq!(got, vec![message("{\"a\""), message("{}")]);
    }

    #[tokio::test]
    async fn a_length_too_long_for_the_last_message_is_noticed_when_the_input_pauses() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut reader = FrameReader::new(server);
        use tokio::io::AsyncWriteExt;
        client
            .write_all(b"Content-Length: 50\r\n\r\n{\"a\":\"b\"}")
            .await
            .unwrap();
        let frame = tokio::time::timeout(Duration::from_secs(10), reader.next())
            .await
            .expect("not stuck")
            .unwrap();
        assert_eq!(
            frame,
            Some(Frame::Message {
                body: b"{\"a\":\"b\"}".to_vec(),
                charset: None,
                resynced: Some("the message ended before the declared length")
            })
        );
    }

    #[tokio::test]
    async fn huge_lengths_are_skipped_up_to_the_next_header() {
        let got =
            frames(b"Content-Length: 999999999999\r\n\r\n{\"x\":1}\r\nContent-Length: 2\r\n\r\n{}")
                .await;
        assert_eq!(got, vec![Frame::TooLarge(999_999_999_999), message("{}")]);
    }

    #[test]
    fn headers_inside_json_strings_are_not_headers() {
        assert_eq!(next_header_in(br#"{"t":"Content-Length: 5\r\n"}"#, 0), None);
        assert_eq!(next_header_in(b"{}Content-Length: 5\r\n", 0), Some(2));
        assert_eq!(next_header_in(b"{}\ncontent-length:12\n", 0), Some(3));
        assert_eq!(next_header_in(b"Content-Length: \r\n", 0), None);
    }
}
