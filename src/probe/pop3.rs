//! POP3: greeting, CAPA (RFC 2449), STLS (RFC 2595), CAPA again, QUIT. Never USER or PASS.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::lines::{Conn, ReadError, MAX_REPLY_LINES};
use super::Capabilities;

pub fn is_greeting(line: &str) -> bool {
    line.starts_with("+OK") || line.starts_with("-ERR")
}

pub async fn capabilities<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    deadline: Instant,
) -> Result<Capabilities, ReadError> {
    conn.send("CAPA", deadline).await?;
    let status = conn.read_line(deadline).await?;
    if !status.starts_with("+OK") {
        // No CAPA (RFC 1939-only server): nothing advertised, so no STLS.
        return Ok(Capabilities::default());
    }
    let mut list = Vec::new();
    loop {
        let line = conn.read_line(deadline).await?;
        if line == "." {
            break;
        }
        list.push(line);
        if list.len() >= MAX_REPLY_LINES {
            return Err(ReadError::TooManyLines);
        }
    }
    let starttls = list.iter().any(|c| c.eq_ignore_ascii_case("STLS"));
    let auth = list
        .iter()
        .filter_map(|c| {
            let mut words = c.split_whitespace();
            words
                .next()
                .filter(|w| w.eq_ignore_ascii_case("SASL"))
                .map(|_| words.map(|m| m.to_ascii_uppercase()).collect::<Vec<_>>())
        })
        .flatten()
        .collect();
    Ok(Capabilities {
        list,
        starttls,
        auth,
    })
}

pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    deadline: Instant,
) -> Result<Result<(), String>, ReadError> {
    conn.send("STLS", deadline).await?;
    let reply = conn.read_line(deadline).await?;
    if reply.starts_with("+OK") {
        Ok(Ok(()))
    } else {
        Ok(Err(reply))
    }
}

pub async fn quit<S: AsyncRead + AsyncWrite + Unpin>(conn: &mut Conn<S>, deadline: Instant) {
    if conn.send("QUIT", deadline).await.is_ok() {
        let _ = conn.read_line(deadline).await;
    }
}
