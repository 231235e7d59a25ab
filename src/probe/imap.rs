//! IMAP: greeting, CAPABILITY, STARTTLS (RFC 2595/9051), CAPABILITY again, LOGOUT. Never LOGIN.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::lines::{Conn, ReadError, MAX_REPLY_LINES};
use super::Capabilities;

pub fn is_greeting(line: &str) -> bool {
    let upper = line.to_ascii_uppercase();
    ["* OK", "* PREAUTH", "* BYE"]
        .iter()
        .any(|g| upper.starts_with(g))
}

/// Sends `tag command` and reads up to the tagged status line: (status line, untagged lines).
async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    tag: &str,
    command: &str,
    deadline: Instant,
) -> Result<(String, Vec<String>), ReadError> {
    conn.send(&format!("{tag} {command}"), deadline).await?;
    let mut untagged = Vec::new();
    loop {
        let line = conn.read_line(deadline).await?;
        if let Some(status) = line.strip_prefix(tag).and_then(|r| r.strip_prefix(' ')) {
            return Ok((status.to_string(), untagged));
        }
        untagged.push(line);
        if untagged.len() >= MAX_REPLY_LINES {
            return Err(ReadError::TooManyLines);
        }
    }
}

fn is_ok(status: &str) -> bool {
    status
        .get(..2)
        .is_some_and(|s| s.eq_ignore_ascii_case("OK"))
}

pub async fn capabilities<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    tag: &str,
    deadline: Instant,
) -> Result<Capabilities, ReadError> {
    let (status, untagged) = command(conn, tag, "CAPABILITY", deadline).await?;
    if !is_ok(&status) {
        return Ok(Capabilities::default());
    }
    let mut list = Vec::new();
    for line in &untagged {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("* CAPABILITY ") {
            list.extend(line.split_whitespace().skip(2).map(str::to_string));
        }
    }
    let starttls = list.iter().any(|c| c.eq_ignore_ascii_case("STARTTLS"));
    let auth = list
        .iter()
        .filter_map(|c| {
            c.get(..5)
                .filter(|p| p.eq_ignore_ascii_case("AUTH="))
                .and_then(|_| c.get(5..))
        })
        .map(|m| m.to_ascii_uppercase())
        .collect();
    Ok(Capabilities {
        list,
        starttls,
        auth,
    })
}

pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    tag: &str,
    deadline: Instant,
) -> Result<Result<(), String>, ReadError> {
    let (status, _) = command(conn, tag, "STARTTLS", deadline).await?;
    if is_ok(&status) {
        Ok(Ok(()))
    } else {
        Ok(Err(format!("{tag} {status}")))
    }
}

pub async fn logout<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    tag: &str,
    deadline: Instant,
) {
    let _ = command(conn, tag, "LOGOUT", deadline).await;
}
