//! Screens the client's byte stream before tower-lsp reads it. tower-lsp's reader stops for good
//! at the first frame it cannot decode (a `tokio_util` `FramedRead` ends after a decoder error),
//! so one malformed message — bad JSON, a bad header, a float request id — would end the session.
//! Here every frame is re-framed cleanly, and frames tower-lsp could not decode are dropped.

use serde::de::IgnoredAny;
use serde::Deserialize;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};

/// Longest header line kept; longer lines are garbage.
const MAX_HEADER_LINE: u64 = 8 * 1024;
/// Largest message accepted (a document of this size is far beyond anything mailport analyses).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// The shape tower-lsp decodes a message into (`jsonrpc::Message`: a request, notification or
/// response), checked without building the params.
#[derive(Deserialize)]
struct Envelope {
    jsonrpc: String,
    #[serde(default)]
    #[allow(dead_code)]
    method: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<RequestId>,
    #[serde(default)]
    #[allow(dead_code)]
    params: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum RequestId {
    Number(i64),
    Text(String),
    Null,
}

/// Whether tower-lsp can decode `body` as a JSON-RPC message.
pub fn decodable(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    if !text.trim_start().starts_with('{') {
        return false;
    }
    matches!(serde_json::from_str::<Envelope>(text), Ok(e) if e.jsonrpc == "2.0")
}

/// Reads one header block; `Ok(None)` at the end of the input, `Ok(Some(None))` for a block
/// without a usable `Content-Length`.
async fn read_headers<R: AsyncBufRead + Unpin>(
    input: &mut R,
) -> std::io::Result<Option<Option<usize>>> {
    let mut length = None;
    let mut saw_any = false;
    loop {
        let mut line = Vec::new();
        let n = (&mut *input)
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim();
        if line.is_empty() {
            if saw_any {
                return Ok(Some(length));
            }
            continue; // stray blank lines between messages
        }
        saw_any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
}

/// Copies well-formed messages from `input` to `output` until the input ends.
pub async fn screen<R, W>(input: R, mut output: W)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = tokio::io::BufReader::with_capacity(64 * 1024, input);
    loop {
        let length = match read_headers(&mut input).await {
            Ok(Some(length)) => length,
            Ok(None) | Err(_) => return,
        };
        let Some(length) = length else {
            continue;
        };
        if length > MAX_BODY {
            let skipped = tokio::io::copy(
                &mut (&mut input).take(length as u64),
                &mut tokio::io::sink(),
            )
            .await;
            if skipped.is_err() {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        if !decodable(&body) {
            eprintln!("mailport lsp: dropped a message that is not JSON-RPC ({length} bytes)");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
            || output.flush().await.is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_tower_lsp_can_decode() {
        assert!(decodable(br#"{"jsonrpc":"2.0","method":"exit"}"#));
        assert!(decodable(br#"{"jsonrpc":"2.0","id":"a","result":null}"#));
        assert!(decodable(
            br#"{"jsonrpc":"2.0","id":null,"method":"x","params":[1]}"#
        ));
        assert!(!decodable(b"this is not json"));
        assert!(!decodable(b"[1, 2, 3]"));
        assert!(!decodable(br#"{"jsonrpc":"1.0","method":"x"}"#));
        assert!(!decodable(br#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#));
        assert!(!decodable(br#"{"jsonrpc":"2.0","method":7}"#));
        assert!(!decodable(b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}"));
    }

    #[tokio::test]
    async fn garbage_frames_are_dropped_and_good_ones_kept() {
        let good = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!(
            "Content-Length: 4\r\n\r\nnopeX-Junk: 1\r\n\r\nContent-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n{good}",
            good.len()
        );
        let mut out = Vec::new();
        screen(input.as_bytes(), &mut out).await;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("Content-Length: {}\r\n\r\n{good}", good.len())
        );
    }
}
