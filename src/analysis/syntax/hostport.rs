//! URL values (`smtps://user@host:465`) and `host:port` values found inside any value. Pure
//! parsers; every span is relative to the value string.

use crate::vocab::Span;

/// A `scheme://[userinfo@]host[:port][/path][?query]` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlValue {
    pub scheme: String,
    pub scheme_span: Span,
    pub has_userinfo: bool,
    /// The host without IPv6 brackets; `None` for `smtp:///path`-like values.
    pub host: Option<(String, Span)>,
    pub port: Option<(String, Span)>,
    /// Where `:port` would be inserted (right after the host, after `]` for IPv6).
    pub host_end: usize,
    /// Query parameters as written (`verify_peer=0` → `("verify_peer", "0")`).
    pub query: Vec<(String, String)>,
}

/// Reads a URL value. The userinfo may contain percent-escapes and even a raw `@` (mutt writes
/// `smtps://me@example.com@smtp.example.com:465/`): the host starts after the last `@` of the
/// authority.
pub fn parse_url(value: &str) -> Option<UrlValue> {
    let scheme_end = value.find("://")?;
    let scheme = &value[..scheme_end];
    let mut scheme_bytes = scheme.bytes();
    if !scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        || !scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    {
        return None;
    }
    let authority_start = scheme_end + 3;
    let rest = &value[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let (has_userinfo, host_start) = match authority.rfind('@') {
        Some(at) => (true, authority_start + at + 1),
        None => (false, authority_start),
    };
    let authority_end = authority_start + authority_len;
    let host_port = &value[host_start..authority_end];
    let (host, port, host_end) = split_host_port(host_port, host_start)?;
    let query = match value[authority_end..].split_once('?') {
        Some((_, query)) => {
            let query = query.split('#').next().unwrap_or("");
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((key, value)) => (key.to_string(), value.to_string()),
                    None => (pair.to_string(), String::new()),
                })
                .collect()
        }
        None => Vec::new(),
    };
    Some(UrlValue {
        scheme: scheme.to_string(),
        scheme_span: 0..scheme_end,
        has_userinfo,
        host,
        port,
        host_end,
        query,
    })
}

type HostAndPort = (Option<(String, Span)>, Option<(String, Span)>, usize);

/// Splits `host[:port]` / `[v6][:port]` that starts at `offset` in the value. `None` when the
/// brackets are not closed.
fn split_host_port(text: &str, offset: usize) -> Option<HostAndPort> {
    let (host_span, after_host) = if let Some(inner) = text.strip_prefix('[') {
        let close = inner.find(']')?;
        (offset + 1..offset + 1 + close, close + 2)
    } else {
        let colon = text.rfind(':').unwrap_or(text.len());
        (offset..offset + colon, colon)
    };
    let host_text = &text[host_span.start - offset..host_span.end - offset];
    let host = (!host_text.is_empty()).then(|| (host_text.to_string(), host_span));
    let host_end = offset + after_host;
    let port = text
        .get(after_host..)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|port| !port.is_empty())
        .map(|port| (port.to_string(), host_end + 1..host_end + 1 + port.len()));
    Some((host, port, host_end))
}

/// A `host:port` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub host: (String, Span),
    pub port: (String, Span),
}

/// Reads `smtp.example.com:587`, `[smtp.example.com]:587` (Postfix: the brackets are not part of
/// the host) and `[::1]:25`. `None` when there is no port or the host does not look like one.
pub fn parse_host_port(value: &str) -> Option<HostPort> {
    let (host, port, _) = split_host_port(value, 0)?;
    let (host, port) = (host?, port?);
    let bracketed = value.starts_with('[');
    let host_like = if bracketed {
        host.0
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
    } else {
        host.0
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    let port_ok =
        !port.0.is_empty() && port.0.len() <= 5 && port.0.bytes().all(|b| b.is_ascii_digit());
    (host_like && port_ok).then_some(HostPort { host, port })
}

/// Reads `${SMTP_HOST}:587`, `{{ host }}:{{ port }}` or `$HOST:25`: a host that `is_template`
/// says is filled in later, then a port (digits, or also filled in later). `None` when the colon
/// is inside the template (`${RELAY:-smtp.example.com:587}`: the port is the template's).
pub fn parse_templated_host_port(
    value: &str,
    is_template: impl Fn(&str) -> bool,
) -> Option<HostPort> {
    let colon = value.rfind(':')?;
    let (host, port) = (&value[..colon], &value[colon + 1..]);
    let port_ok = (!port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()))
        || is_template(port);
    let host_closed = !host.contains("${") || host.ends_with('}');
    (!host.trim().is_empty() && host_closed && is_template(host) && port_ok).then(|| HostPort {
        host: (host.to_string(), 0..colon),
        port: (port.to_string(), colon + 1..value.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(value: &str) -> String {
        match parse_url(value) {
            None => "None".to_string(),
            Some(u) => {
                let part = |p: &Option<(String, Span)>| match p {
                    Some((text, span)) => {
                        assert_eq!(&value[span.clone()], text);
                        format!("{text}@{span:?}")
                    }
                    None => "-".to_string(),
                };
                format!(
                    "{} userinfo={} host={} port={} host_end={} query={:?}",
                    u.scheme,
                    u.has_userinfo,
                    part(&u.host),
                    part(&u.port),
                    u.host_end,
                    u.query
                )
            }
        }
    }

    #[test]
    fn urls() {
        let cases = [
            ("smtps://user:pass@smtp.example.com:465", "smtps userinfo=true host=smtp.example.com@18..34 port=465@35..38 host_end=34 query=[]"),
            ("smtp://smtp.example.com", "smtp userinfo=false host=smtp.example.com@7..23 port=- host_end=23 query=[]"),
            ("smtps://me@example.com@smtp.example.com:465/", "smtps userinfo=true host=smtp.example.com@23..39 port=465@40..43 host_end=39 query=[]"),
            ("imaps://me%40example.com@imap.example.com:993", "imaps userinfo=true host=imap.example.com@25..41 port=993@42..45 host_end=41 query=[]"),
            ("smtp://localhost:1025?verify_peer=0&auto_tls", "smtp userinfo=false host=localhost@7..16 port=1025@17..21 host_end=16 query=[(\"verify_peer\", \"0\"), (\"auto_tls\", \"\")]"),
            ("smtp://[::1]:25/path?x=1#frag", "smtp userinfo=false host=::1@8..11 port=25@13..15 host_end=12 query=[(\"x\", \"1\")]"),
            ("smtp+insecure://u@mail.example.com/", "smtp+insecure userinfo=true host=mail.example.com@18..34 port=- host_end=34 query=[]"),
            ("smtp+unix:///var/run/smtp.sock", "smtp+unix userinfo=false host=- port=- host_end=12 query=[]"),
            ("smtp://host:", "smtp userinfo=false host=host@7..11 port=- host_end=11 query=[]"),
        ];
        for (value, expected) in cases {
            assert_eq!(url(value), expected, "{value}");
        }
        for not_url in [
            "smtp.example.com:587",
            "1smtp://x",
            "://x",
            "smtp:/x",
            "",
            "smtp://[::1",
        ] {
            assert_eq!(url(not_url), "None", "{not_url}");
        }
    }

    fn host_port(value: &str) -> Option<(String, Span, String, Span)> {
        parse_host_port(value).map(|hp| (hp.host.0, hp.host.1, hp.port.0, hp.port.1))
    }

    #[test]
    fn host_ports() {
        assert_eq!(
            host_port("smtp.example.com:587"),
            Some(("smtp.example.com".into(), 0..16, "587".into(), 17..20))
        );
        assert_eq!(
            host_port("[smtp.example.com]:587"),
            Some(("smtp.example.com".into(), 1..17, "587".into(), 19..22))
        );
        assert_eq!(
            host_port("[::1]:25"),
            Some(("::1".into(), 1..4, "25".into(), 6..8))
        );
        assert_eq!(
            host_port("localhost:2525"),
            Some(("localhost".into(), 0..9, "2525".into(), 10..14))
        );
        for none in [
            "smtp.example.com",
            "smtp.example.com:",
            "smtp.example.com:abc",
            "smtp://x:25",
            "::1:25",
            ":25",
            "[smtp.example.com]",
            "a b:25",
            "host:1234567",
            "",
        ] {
            assert_eq!(host_port(none), None, "{none}");
        }
    }

    #[test]
    fn templated_host_ports() {
        let template = |v: &str| v.contains("${") || v.contains("{{") || v.starts_with('$');
        let read = |v: &str| {
            parse_templated_host_port(v, template).map(|hp| (hp.host.0, hp.port.0, hp.port.1))
        };
        assert_eq!(
            read("${SMTP_HOST}:587"),
            Some(("${SMTP_HOST}".into(), "587".into(), 13..16))
        );
        assert_eq!(
            read("{{ host }}:{{ port }}"),
            Some(("{{ host }}".into(), "{{ port }}".into(), 11..21))
        );
        assert_eq!(
            read("${SMTP_HOST:-smtp.example.com}:465"),
            Some((
                "${SMTP_HOST:-smtp.example.com}".into(),
                "465".into(),
                31..34
            ))
        );
        assert_eq!(read("$HOST:25"), Some(("$HOST".into(), "25".into(), 6..8)));
        for none in [
            "${RELAY:-smtp.example.com:587}",
            "${RELAY}",
            "smtp.example.com:587",
            "${HOST}:abc",
            ":25",
        ] {
            assert_eq!(read(none), None, "{none}");
        }
    }
}
