//! Well-known mail ports and what they expect (RFC 8314, RFC 6409, RFC 3207, ESP conventions).

use crate::vocab::Protocol;

/// How a connection on a port starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortMode {
    /// TLS from the first byte (465, 993, 995, 2465, 8465).
    ImplicitTls,
    /// Plaintext greeting, then STARTTLS/STLS (25, 587, 143, 110, 2525, 2587, 8025).
    Plaintext,
}

/// One row of the port table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WellKnownPort {
    pub port: u16,
    pub protocol: Protocol,
    pub mode: PortMode,
    /// IANA service name, or `None` for ESP conventions that are not registered.
    pub iana: Option<&'static str>,
    /// What the port is for, in a few words.
    pub role: &'static str,
    pub rfc: &'static str,
    /// A standard port of the protocol (as opposed to an ESP alternative).
    pub standard: bool,
}

const fn row(
    port: u16,
    protocol: Protocol,
    mode: PortMode,
    iana: Option<&'static str>,
    role: &'static str,
    rfc: &'static str,
    standard: bool,
) -> WellKnownPort {
    WellKnownPort {
        port,
        protocol,
        mode,
        iana,
        role,
        rfc,
        standard,
    }
}

use PortMode::{ImplicitTls, Plaintext};
use Protocol::{Imap, Pop3, Smtp};

pub const PORTS: &[WellKnownPort] = &[
    row(
        25,
        Smtp,
        Plaintext,
        Some("smtp"),
        "server-to-server relay (MX); opportunistic STARTTLS",
        "RFC 5321, RFC 3207",
        true,
    ),
    row(
        587,
        Smtp,
        Plaintext,
        Some("submission"),
        "message submission; STARTTLS required before AUTH",
        "RFC 6409, RFC 8314 §3.3",
        true,
    ),
    row(
        465,
        Smtp,
        ImplicitTls,
        Some("submissions"),
        "message submission over implicit TLS",
        "RFC 8314 §3.3",
        true,
    ),
    row(
        2525,
        Smtp,
        Plaintext,
        None,
        "ESP alternative to 587 (STARTTLS)",
        "ESP convention",
        false,
    ),
    row(
        2587,
        Smtp,
        Plaintext,
        None,
        "ESP alternative to 587 (STARTTLS)",
        "ESP convention (Amazon SES, Resend)",
        false,
    ),
    row(
        8025,
        Smtp,
        Plaintext,
        None,
        "ESP alternative to 587 (STARTTLS)",
        "ESP convention (SMTP2GO)",
        false,
    ),
    row(
        2465,
        Smtp,
        ImplicitTls,
        None,
        "ESP alternative to 465 (implicit TLS)",
        "ESP convention (Amazon SES, Resend)",
        false,
    ),
    row(
        8465,
        Smtp,
        ImplicitTls,
        None,
        "ESP alternative to 465 (implicit TLS)",
        "ESP convention (SMTP2GO)",
        false,
    ),
    row(
        143,
        Imap,
        Plaintext,
        Some("imap"),
        "IMAP; STARTTLS",
        "RFC 9051, RFC 2595",
        true,
    ),
    row(
        993,
        Imap,
        ImplicitTls,
        Some("imaps"),
        "IMAP over implicit TLS",
        "RFC 8314 §3.2",
        true,
    ),
    row(
        110,
        Pop3,
        Plaintext,
        Some("pop3"),
        "POP3; STLS",
        "RFC 1939, RFC 2595",
        true,
    ),
    row(
        995,
        Pop3,
        ImplicitTls,
        Some("pop3s"),
        "POP3 over implicit TLS",
        "RFC 8314 §3.1",
        true,
    ),
];

/// The table row for a port, if it is a mail port.
pub fn lookup(port: u32) -> Option<&'static WellKnownPort> {
    PORTS.iter().find(|p| u32::from(p.port) == port)
}

/// The standard (IANA) row for a port, ignoring ESP alternatives.
pub fn standard(port: u32) -> Option<&'static WellKnownPort> {
    lookup(port).filter(|p| p.standard)
}

/// The implicit-TLS and the STARTTLS port of a protocol.
pub fn implicit_port(protocol: Protocol) -> u16 {
    match protocol {
        Smtp => 465,
        Imap => 993,
        Pop3 => 995,
    }
}

/// The port a protocol's service is registered on, where the session starts in plaintext (SMTP's
/// is 25, the relay port; 587 is submission).
pub fn plaintext_port(protocol: Protocol) -> u16 {
    match protocol {
        Smtp => 25,
        Imap => 143,
        Pop3 => 110,
    }
}

pub fn starttls_port(protocol: Protocol) -> u16 {
    match protocol {
        Smtp => 587,
        Imap => 143,
        Pop3 => 110,
    }
}

/// Why a port literal is not a port.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("{0} is outside 1–65535")]
    OutOfRange(String),
}

/// Reads a port literal. `Ok(None)` for a template or variable reference (`${SMTP_PORT}`,
/// `%(port)s`, `{{ .Values.port }}`, `$PORT`), which is not invalid, only unknown.
pub fn parse_port(text: &str) -> Result<Option<u32>, PortError> {
    let t = text.trim();
    if is_reference(t) || is_port_placeholder(t) {
        return Ok(None);
    }
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortError::NotANumber(text.to_string()));
    }
    match t.parse::<u64>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(Some(n as u32)),
        _ => Err(PortError::OutOfRange(t.to_string())),
    }
}

/// A port written as the name of what goes there, not as a wrong number: `PLACEHOLDER`,
/// `YOUR_PORT`, `CHANGEME`, `xxx`, `port_hier_eintragen`, `your-smtp-port`, `@SMTP_PORT@`
/// (autoconf), `*port` (a YAML alias), `[port]` or `{smtp port}` (a name in brackets, as READMEs
/// and templates write what to fill in), or a word that only ever means "not decided yet" (`tbd`,
/// `todo`, `changeme`, `?`). A name has no digit and is written as an identifier: all capitals,
/// or words joined by `_` or `-`. Any other plain lowercase word (`smtp`, `ssl`) is a mistake and
/// stays one.
pub fn is_port_placeholder(value: &str) -> bool {
    let v = value.trim();
    if FILLER_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
        || !v.is_empty() && v.chars().all(|c| matches!(c, '?' | '.' | '…'))
    {
        return true;
    }
    let identifier = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && s.bytes().any(|b| b.is_ascii_alphabetic())
    };
    if v.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let all_capitals = v.bytes().all(|b| !b.is_ascii_lowercase());
    let words = |joiner: char| v.split(joiner).count() > 1 && v.split(joiner).all(identifier);
    (identifier(v) && (all_capitals || v.contains('_')))
        || words('-')
        || v.len() >= 2 && v.bytes().all(|b| b == b'x' || b == b'X')
        || v.len() > 2 && v.starts_with('@') && v.ends_with('@') && identifier(&v[1..v.len() - 1])
        || v.len() > 1 && v.starts_with('*') && identifier(&v[1..])
        || [('[', ']'), ('{', '}'), ('(', ')')]
            .iter()
            .any(|&(open, close)| {
                v.strip_prefix(open)
                    .and_then(|inner| inner.strip_suffix(close))
                    .is_some_and(|inner| inner.split([' ', '-', '.']).all(identifier))
            })
}

/// A value written as the name of a variable that a deploy script fills in, in capitals and two
/// words at least (`SMTP_HOST`, `SMTP_AUTH_STRATEGY`, `MAIL_PORT`): never a host name (which has
/// no `_`) nor a mode word (`TLS`, `STARTTLS` are one word), so a template, not a mistake.
pub fn is_name_placeholder(value: &str) -> bool {
    let v = value.trim();
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    v.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && v.contains('_')
        && v.split('_').all(word)
}

/// Words that stand in for a value nobody has chosen yet.
const FILLER_WORDS: &[&str] = &[
    "tbd",
    "tba",
    "tbc",
    "todo",
    "fixme",
    "changeme",
    "replaceme",
    "placeholder",
    "n/a",
];

/// A value that stands for something filled in later: environment references, templates,
/// placeholders. Rules treat such values as unknown, never as wrong.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.contains("${")
        || v.contains("{{")
        || v.contains("%(")
        || v.contains("<%")
        || v.contains("#{")
        || (v.starts_with('$') && v.len() > 1)
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
        || (v.starts_with('<') && v.ends_with('>') && v.len() > 2)
        || (v.starts_with("__") && v.ends_with("__") && v.len() > 4)
        // an m4 macro call with quoted arguments (`ifdef(`PORT', `PORT', `993')` in a .m4
        // template) or a shell command substitution (`` `pass show smtp` ``)
        || v.contains("(`")
        || (v.starts_with('`') && v.ends_with('`') && v.len() > 2)
}

#[cfg(test)]
mod tests {
    use super::is_name_placeholder;

    #[test]
    fn names_in_capitals_are_placeholders_and_words_are_not() {
        for v in [
            "SMTP_HOST",
            "SMTP_AUTH_STRATEGY",
            "MAIL_PORT_2",
            " SMTP_PORT ",
        ] {
            assert!(is_name_placeholder(v), "{v}");
        }
        for v in [
            "TLS",
            "STARTTLS",
            "smtp_host",
            "Smtp_Host",
            "_SMTP",
            "SMTP__HOST",
            "SMTP_",
            "smtp.example.com",
            "2_SMTP",
        ] {
            assert!(!is_name_placeholder(v), "{v}");
        }
    }
}
