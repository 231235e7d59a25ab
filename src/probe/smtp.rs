//! SMTP: greeting, EHLO, STARTTLS (RFC 3207), EHLO again, QUIT. Never AUTH, MAIL or RCPT.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::lines::{Conn, ReadError, MAX_REPLY_LINES};
use super::Capabilities;

/// A neutral EHLO name that names no user or machine (`.invalid` is reserved, RFC 2606).
pub const EHLO_NAME: &str = "mailport.invalid";

pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

/// One (multi-line) reply: `250-…` lines up to the `250 …` line.
pub async fn read_reply<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    deadline: Instant,
) -> Result<Reply, ReadError> {
    let mut lines = Vec::new();
    loop {
        let line = conn.read_line(deadline).await?;
        let code = line
            .get(..3)
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| {
                ReadError::Unexpected(format!("not an SMTP reply: {}", shorten(&line)))
            })?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line);
        if !more {
            return Ok(Reply { code, lines });
        }
        if lines.len() >= MAX_REPLY_LINES {
            return Err(ReadError::TooManyLines);
        }
    }
}

pub fn is_greeting(line: &str) -> bool {
    // 220 ready; 421/554 are greetings that refuse service, still SMTP.
    ["220", "421", "554"]
        .iter()
        .any(|code| line.starts_with(code))
        && matches!(line.as_bytes().get(3), None | Some(b' ') | Some(b'-'))
}

/// Reads the rest of a multi-line greeting whose first line was `first`.
pub async fn finish_greeting<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    first: &str,
    deadline: Instant,
) -> Result<(), ReadError> {
    if first.as_bytes().get(3) == Some(&b'-') {
        read_reply(conn, deadline).await?;
    }
    Ok(())
}

pub async fn capabilities<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    deadline: Instant,
) -> Result<Capabilities, ReadError> {
    conn.send(&format!("EHLO {EHLO_NAME}"), deadline).await?;
    let reply = read_reply(conn, deadline).await?;
    if reply.code != 250 {
        // No ESMTP: no extensions, so no STARTTLS and no AUTH.
        return Ok(Capabilities::default());
    }
    // The first line is the server's name; every further line is one extension.
    let list: Vec<String> = reply
        .lines
        .iter()
        .skip(1)
        .filter_map(|l| l.get(4..))
        .map(|l| l.trim().to_string())
        .collect();
    let starttls = list.iter().any(|c| c.eq_ignore_ascii_case("STARTTLS"));
    let mut auth = Vec::new();
    for cap in &list {
        let upper = cap.to_ascii_uppercase();
        // `AUTH PLAIN LOGIN`, or the pre-standard `AUTH=PLAIN LOGIN`.
        if let Some(mechs) = upper
            .strip_prefix("AUTH ")
            .or_else(|| upper.strip_prefix("AUTH="))
        {
            for mech in mechs.split_whitespace() {
                if !auth.iter().any(|m| m == mech) {
                    auth.push(mech.to_string());
                }
            }
        }
    }
    Ok(Capabilities {
        list,
        starttls,
        auth,
    })
}

/// Sends STARTTLS; `Ok(Err(reply))` when the server refuses it.
pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    deadline: Instant,
) -> Result<Result<(), String>, ReadError> {
    conn.send("STARTTLS", deadline).await?;
    let reply = read_reply(conn, deadline).await?;
    if reply.code == 220 {
        Ok(Ok(()))
    } else {
        Ok(Err(reply.lines.join(" / ")))
    }
}

pub async fn quit<S: AsyncRead + AsyncWrite + Unpin>(conn: &mut Conn<S>, deadline: Instant) {
    if conn.send("QUIT", deadline).await.is_ok() {
        let _ = read_reply(conn, deadline).await;
    }
}

pub fn shorten(line: &str) -> String {
    const SHOWN: usize = 80;
    if line.chars().count() > SHOWN {
        format!("{}…", line.chars().take(SHOWN).collect::<String>())
    } else {
        line.to_string()
    }
}
