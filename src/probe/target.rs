//! Reading a probe target as people write it: `smtps://host:465`, `imap://host`, `host:port`, `host`.

use crate::vocab::{Protocol, Security};

/// A target as written: parts it does not give are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedTarget {
    pub host: String,
    pub port: Option<u16>,
    pub protocol: Option<Protocol>,
    pub security: Option<Security>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error(
        "unknown scheme {0:?} (use smtp, smtps, submission, submissions, imap, imaps, pop3, pop3s)"
    )]
    Scheme(String),
    #[error("no host in {0:?}")]
    NoHost(String),
    #[error("invalid port {0:?}")]
    Port(String),
}

/// (protocol, security, default port) of a URL scheme.
fn scheme(name: &str) -> Option<(Protocol, Security, u16)> {
    use Protocol::*;
    use Security::{ImplicitTls, StarttlsRequired};
    Some(match name.to_ascii_lowercase().as_str() {
        "smtp" => (Smtp, StarttlsRequired, 25),
        "submission" => (Smtp, StarttlsRequired, 587),
        "smtps" | "submissions" => (Smtp, ImplicitTls, 465),
        "imap" => (Imap, StarttlsRequired, 143),
        "imaps" => (Imap, ImplicitTls, 993),
        "pop3" | "pop" => (Pop3, StarttlsRequired, 110),
        "pop3s" | "pops" => (Pop3, ImplicitTls, 995),
        _ => return None,
    })
}

pub fn parse_target(text: &str) -> Result<ParsedTarget, TargetError> {
    let text = text.trim();
    let (from_scheme, rest) = match text.split_once("://") {
        Some((name, rest)) => (
            Some(scheme(name).ok_or_else(|| TargetError::Scheme(name.to_string()))?),
            rest,
        ),
        None => (None, text),
    };
    // Drop a path or query; drop user info (the probe never sends it).
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port_text) = split_host_port(authority);
    if host.is_empty() {
        return Err(TargetError::NoHost(text.to_string()));
    }
    let port = match port_text {
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| TargetError::Port(p.to_string()))?,
        ),
        None => from_scheme.map(|(_, _, default)| default),
    };
    Ok(ParsedTarget {
        host: host.to_string(),
        port,
        protocol: from_scheme.map(|(p, _, _)| p),
        security: from_scheme.map(|(_, s, _)| s),
    })
}

/// `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address, or `host`.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => (rest, None),
        };
    }
    match authority.rsplit_once(':') {
        // More than one colon without brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => (authority, None),
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> ParsedTarget {
        parse_target(text).unwrap()
    }

    #[test]
    fn urls_give_protocol_security_and_default_port() {
        let t = parsed("smtps://mail.example.org");
        assert_eq!(
            (t.host.as_str(), t.port, t.protocol),
            ("mail.example.org", Some(465), Some(Protocol::Smtp))
        );
        assert_eq!(t.security, Some(Security::ImplicitTls));
        let t = parsed("submission://user:secret@mail.example.org:2587/path");
        assert_eq!((t.host.as_str(), t.port), ("mail.example.org", Some(2587)));
        assert_eq!(t.security, Some(Security::StarttlsRequired));
        assert_eq!(parsed("imap://[::1]:20143").host, "::1");
        assert_eq!(parsed("pop3s://h").port, Some(995));
    }

    #[test]
    fn host_port_and_bare_hosts() {
        let t = parsed("127.0.0.1:20025");
        assert_eq!(
            (t.host.as_str(), t.port, t.protocol, t.security),
            ("127.0.0.1", Some(20025), None, None)
        );
        assert_eq!(parsed("mail.example.org").port, None);
        assert_eq!(parsed("::1").host, "::1");
    }

    #[test]
    fn bad_targets_are_errors() {
        assert!(matches!(
            parse_target("http://x"),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(parse_target("x:99999"), Err(TargetError::Port(_))));
        assert!(matches!(
            parse_target("smtp://:25"),
            Err(TargetError::NoHost(_))
        ));
    }
}
