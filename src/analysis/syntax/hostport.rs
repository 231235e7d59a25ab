//! URL values (`smtps://user@host:465`) and `host:port` values found inside any value.

use super::Span;

/// A URL read from a value; spans are relative to the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlValue {
    pub scheme: String,
    pub scheme_span: Span,
    pub has_userinfo: bool,
    pub host: Option<(String, Span)>,
    pub port: Option<(String, Span)>,
    /// Where `:port` would be inserted (right after the host).
    pub host_end: usize,
    pub query: Vec<(String, String)>,
}

/// Reads `scheme://[userinfo@]host[:port][/path][?query]`.
pub fn parse_url(value: &str) -> Option<UrlValue> {
    let sep = value.find("://")?;
    let scheme = &value[..sep];
    let mut chars = scheme.chars();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    {
        return None;
    }
    let rest_start = sep + 3;
    let rest = &value[rest_start..];
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    // Userinfo may itself hold a raw '@' (mutt: me@example.com@smtp.example.com): the host
    // follows the last one.
    let (has_userinfo, hostport_start) = match authority.rfind('@') {
        Some(at) => (true, at + 1),
        None => (false, 0),
    };
    let hp = &authority[hostport_start..];
    let base = rest_start + hostport_start;
    let (host, port, host_end) = split_host_port(hp, base);
    let query = rest[auth_end..]
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(UrlValue {
        scheme: scheme.to_string(),
        scheme_span: 0..sep,
        has_userinfo,
        host,
        port,
        host_end,
        query,
    })
}

type HostAndPort = (Option<(String, Span)>, Option<(String, Span)>, usize);

/// Splits `host[:port]`, `[v6]:port`, `[host]:port` at offset `base`.
fn split_host_port(hp: &str, base: usize) -> HostAndPort {
    if let Some(inner) = hp.strip_prefix('[') {
        if let Some(close) = inner.find(']') {
            let host = &inner[..close];
            let host_span = base + 1..base + 1 + close;
            let after = &inner[close + 1..];
            let host_end = base + close + 2;
            let port = after
                .strip_prefix(':')
                .map(|p| (p.to_string(), host_end + 1..host_end + 1 + p.len()));
            let host = (!host.is_empty()).then(|| (host.to_string(), host_span));
            return (host, port, host_end);
        }
    }
    match hp.rfind(':') {
        Some(c) if !hp[..c].contains(':') => {
            let host = &hp[..c];
            let port = &hp[c + 1..];
            (
                (!host.is_empty()).then(|| (host.to_string(), base..base + c)),
                Some((port.to_string(), base + c + 1..base + hp.len())),
                base + c,
            )
        }
        _ => (
            (!hp.is_empty()).then(|| (hp.to_string(), base..base + hp.len())),
            None,
            base + hp.len(),
        ),
    }
}

/// `host:port` in one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub host: (String, Span),
    pub port: (String, Span),
}

/// Reads `smtp.example.com:587`, `[smtp.example.com]:587`, `[::1]:25`. `None` without a port or
/// when the value is not host-like.
pub fn parse_host_port(value: &str) -> Option<HostPort> {
    let lead = value.len() - value.trim_start().len();
    let v = value.trim();
    if v.is_empty() || v.contains("://") || v.contains(char::is_whitespace) || v.contains('/') {
        return None;
    }
    let (host, port, _) = split_host_port(v, lead);
    let (host, port) = (host?, port?);
    let host_ok = host
        .0
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '$' | '{' | '}'));
    (host_ok && !port.0.is_empty()).then_some(HostPort { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("smtps://me@example.com@smtp.example.com:465/").unwrap();
        assert_eq!(u.scheme, "smtps");
        assert!(u.has_userinfo);
        assert_eq!(
            u.host.as_ref().map(|h| h.0.as_str()),
            Some("smtp.example.com")
        );
        let (port, span) = u.port.clone().unwrap();
        assert_eq!(port, "465");
        assert_eq!(&"smtps://me@example.com@smtp.example.com:465/"[span], "465");
        let u = parse_url("smtp://localhost:1025?verify_peer=0").unwrap();
        assert_eq!(u.query, vec![("verify_peer".to_string(), "0".to_string())]);
        let u = parse_url("imaps://imap.example.com").unwrap();
        assert_eq!(u.port, None);
        assert_eq!(u.host_end, "imaps://imap.example.com".len());
        assert!(parse_url("not a url").is_none());
        let u = parse_url("smtp://[::1]:25").unwrap();
        assert_eq!(u.host.map(|h| h.0), Some("::1".to_string()));
    }

    #[test]
    fn host_ports() {
        let hp = parse_host_port("[smtp.example.com]:587").unwrap();
        assert_eq!(hp.host.0, "smtp.example.com");
        assert_eq!(&"[smtp.example.com]:587"[hp.port.1.clone()], "587");
        assert!(parse_host_port("smtp.example.com").is_none());
        assert!(parse_host_port("http://x:80").is_none());
        assert_eq!(
            parse_host_port("smtp.example.com:587").map(|h| h.port.0),
            Some("587".into())
        );
    }
}
