//! `.fetchmailrc`: a free-form keyword grammar (line breaks mean nothing):
//! `poll imap.example.com protocol IMAP port 993 user "me" password "secret" ssl sslcertck`.
//!
//! Each `poll HOST` / `skip HOST` / `defaults` starts a server block; its keywords come out as
//! `["poll HOST", key]` with normalised names (`proto` → `protocol`, `service` → `port`, `username`
//! → `user`, `pass` → `password`). Flags (`ssl`, `sslcertck`) have the value `yes`, or `no` after
//! `no` (`no sslcertck`), with an empty value span right after the flag. Global `set` statements come
//! out as `["set", NAME]`. Noise words (`with`, `and`, `options` …) are skipped.

use super::literal::setting;
use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};
use crate::vocab::Span;

/// A word or quoted string of the file.
struct Token<'a> {
    text: &'a str,
    /// Inside the quotes for a quoted string.
    span: Span,
    quoted: bool,
}

/// Keywords that take one argument.
const ONE_ARG: &[&str] = &[
    "via",
    "protocol",
    "proto",
    "port",
    "service",
    "auth",
    "authenticate",
    "timeout",
    "interface",
    "monitor",
    "plugin",
    "plugout",
    "principal",
    "esmtpname",
    "esmtppassword",
    "user",
    "username",
    "pass",
    "password",
    "passwordfile",
    "sslkey",
    "sslcert",
    "sslproto",
    "sslcertfile",
    "sslcertpath",
    "sslfingerprint",
    "sslcommonname",
    "limit",
    "warnings",
    "batchlimit",
    "fetchlimit",
    "fetchsizelimit",
    "fastuidl",
    "expunge",
    "mda",
    "bsmtp",
    "lmtp",
    "preconnect",
    "postconnect",
    "smtpaddress",
    "smtpname",
    "qvirtual",
    "envelope",
];

/// Keywords that take a list of arguments (up to the next keyword).
const LIST_ARG: &[&str] = &[
    "localdomains",
    "aka",
    "is",
    "to",
    "folder",
    "smtphost",
    "fetchdomains",
    "antispam",
];

/// Keywords that take no argument.
const FLAGS: &[&str] = &[
    "ssl",
    "sslcertck",
    "keep",
    "nokeep",
    "fetchall",
    "nofetchall",
    "flush",
    "noflush",
    "limitflush",
    "rewrite",
    "norewrite",
    "stripcr",
    "nostripcr",
    "forcecr",
    "noforcecr",
    "pass8bits",
    "nopass8bits",
    "dropstatus",
    "dropdelivered",
    "mimedecode",
    "nomimedecode",
    "idle",
    "noidle",
    "uidl",
    "dns",
    "nodns",
    "checkalias",
    "nocheckalias",
    "tracepolls",
    "envelope",
    "badheader",
    "showdots",
    "here",
    "there",
];

const NOISE: &[&str] = &["with", "and", "has", "wants", "options", ";", ",", ":"];

const STARTS: &[&str] = &["poll", "skip", "defaults", "set"];

pub fn parse(text: &str) -> Parsed {
    let tokens = tokenize(text);
    let mut settings = Vec::new();
    let mut group: Option<String> = None;
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        let word = token.text.to_ascii_lowercase();
        i += 1;
        if token.quoted {
            continue;
        }
        match word.as_str() {
            "poll" | "skip" => {
                if let Some(host) = tokens.get(i) {
                    let name = format!("poll {}", host.text);
                    // The server is a setting too (`["poll HOST", "poll"]`), so that rules and
                    // fixes can point at it.
                    settings.push(value_setting(
                        text,
                        vec![name.clone(), "poll".to_string()],
                        token,
                        host,
                    ));
                    group = Some(name);
                    i += 1;
                }
            }
            "defaults" => group = Some("defaults".to_string()),
            "set" => {
                group = None;
                let negated = tokens.get(i).is_some_and(|t| t.text == "no");
                if negated {
                    i += 1;
                }
                let Some(name) = tokens.get(i) else { break };
                i += 1;
                let takes_value = matches!(
                    name.text,
                    "daemon" | "logfile" | "idfile" | "postmaster" | "properties" | "pidfile"
                ) && !negated;
                let path = vec!["set".to_string(), name.text.to_string()];
                match tokens.get(i).filter(|_| takes_value) {
                    Some(value) => {
                        settings.push(value_setting(text, path, name, value));
                        i += 1;
                    }
                    None => settings.push(flag_setting(text, path, name, !negated)),
                }
            }
            _ => {
                let Some(group) = group.as_ref() else {
                    continue;
                };
                let negated = word == "no";
                let (keyword_token, keyword) = if negated {
                    match tokens.get(i) {
                        Some(t) => {
                            i += 1;
                            (t, t.text.to_ascii_lowercase())
                        }
                        None => break,
                    }
                } else {
                    (token, word.clone())
                };
                let key = normalise(&keyword);
                let path = vec![group.clone(), key.to_string()];
                if NOISE.contains(&keyword.as_str()) {
                    continue;
                }
                if ONE_ARG.contains(&keyword.as_str()) && !negated {
                    // `envelope` may be followed by a count before the header name.
                    if keyword == "envelope"
                        && tokens
                            .get(i)
                            .is_some_and(|t| t.text.chars().all(|c| c.is_ascii_digit()))
                    {
                        i += 1;
                    }
                    if let Some(value) = tokens.get(i).filter(|t| t.quoted || !is_keyword(t.text)) {
                        settings.push(value_setting(text, path, keyword_token, value));
                        i += 1;
                    }
                } else if LIST_ARG.contains(&keyword.as_str()) && !negated {
                    while let Some(value) =
                        tokens.get(i).filter(|t| t.quoted || !is_keyword(t.text))
                    {
                        settings.push(value_setting(text, path.clone(), keyword_token, value));
                        i += 1;
                    }
                } else if (FLAGS.contains(&keyword.as_str()) || negated)
                    && !matches!(keyword.as_str(), "here" | "there")
                {
                    settings.push(flag_setting(text, path, keyword_token, !negated));
                }
            }
        }
    }
    Parsed::new(settings, Vec::new())
}

fn normalise(keyword: &str) -> &str {
    match keyword {
        "proto" => "protocol",
        "service" => "port",
        "username" => "user",
        "pass" => "password",
        "authenticate" => "auth",
        other => other,
    }
}

fn is_keyword(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    let w = w.as_str();
    STARTS.contains(&w)
        || ONE_ARG.contains(&w)
        || LIST_ARG.contains(&w)
        || FLAGS.contains(&w)
        || NOISE.contains(&w)
        || w == "no"
}

fn style_after(text: &str, token: &Token) -> EntryStyle {
    let closing = usize::from(token.quoted && text.len() > token.span.end);
    EntryStyle::new(
        token.span.end + closing,
        EntryShape {
            lead: " ".into(),
            separator: " ".into(),
            ..EntryShape::default()
        },
    )
}

fn value_setting(text: &str, path: Vec<String>, key: &Token, value: &Token) -> Setting {
    setting(
        path,
        value.text.to_string(),
        if value.quoted {
            ValueKind::Quoted
        } else {
            ValueKind::Plain
        },
        key.span.clone(),
        value.span.clone(),
        style_after(text, value),
    )
}

fn flag_setting(text: &str, path: Vec<String>, flag: &Token, on: bool) -> Setting {
    let end = flag.span.end;
    setting(
        path,
        if on { "yes" } else { "no" }.to_string(),
        ValueKind::Plain,
        flag.span.clone(),
        end..end,
        style_after(text, flag),
    )
}

/// Words, quoted strings (`"…"`, `'…'`) and the punctuation `, ; :`; `#` starts a comment.
fn tokenize(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' | b'\'' => {
                let start = i + 1;
                let mut end = start;
                while let Some(&c) = bytes.get(end) {
                    if c == b'\\' {
                        end += 2;
                        continue;
                    }
                    if c == b {
                        break;
                    }
                    end += 1;
                }
                let end = end.min(text.len());
                if let Some(inner) = text.get(start..end) {
                    tokens.push(Token {
                        text: inner,
                        span: start..end,
                        quoted: true,
                    });
                }
                i = end + 1;
            }
            b',' | b';' | b':' => i += 1,
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while bytes.get(i).is_some_and(|&c| {
                    !c.is_ascii_whitespace() && !matches!(c, b',' | b';' | b'"' | b'\'' | b'#')
                }) {
                    i += 1;
                }
                if let Some(word) = text.get(start..i) {
                    tokens.push(Token {
                        text: word,
                        span: start..i,
                        quoted: false,
                    });
                }
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn poll_blocks_users_and_flags() {
        let text = r#"# ~/.fetchmailrc
set daemon 300
set logfile "~/.fetchmail.log"
set no bouncemail

defaults proto IMAP timeout 60

poll imap.example.com with proto IMAP port 993 and
    user "me@example.com" there with password "s3cr3t" is me here
    options ssl sslcertck sslproto TLS1.2+ keep fetchlimit 400

poll pop.example.org service 110 localdomains example.org example.net proto POP3
    user 'legacy' with pass 'x' is "legacy@localhost" here options no sslcertck fetchall;
"#;
        expect![[r#"
            set › daemon = "300" (Plain, line 2)
            set › logfile = "~/.fetchmail.log" (Quoted, line 3)
            set › bouncemail = "no" (Plain, line 4) written ""
            defaults › protocol = "IMAP" (Plain, line 6)
            defaults › timeout = "60" (Plain, line 6)
            poll imap.example.com › poll = "imap.example.com" (Plain, line 8)
            poll imap.example.com › protocol = "IMAP" (Plain, line 8)
            poll imap.example.com › port = "993" (Plain, line 8)
            poll imap.example.com › user = "me@example.com" (Quoted, line 9)
            poll imap.example.com › password = "s3cr3t" (Quoted, line 9)
            poll imap.example.com › is = "me" (Plain, line 9)
            poll imap.example.com › ssl = "yes" (Plain, line 10) written ""
            poll imap.example.com › sslcertck = "yes" (Plain, line 10) written ""
            poll imap.example.com › sslproto = "TLS1.2+" (Plain, line 10)
            poll imap.example.com › keep = "yes" (Plain, line 10) written ""
            poll imap.example.com › fetchlimit = "400" (Plain, line 10)
            poll pop.example.org › poll = "pop.example.org" (Plain, line 12)
            poll pop.example.org › port = "110" (Plain, line 12)
            poll pop.example.org › localdomains = "example.org" (Plain, line 12)
            poll pop.example.org › localdomains = "example.net" (Plain, line 12)
            poll pop.example.org › protocol = "POP3" (Plain, line 12)
            poll pop.example.org › user = "legacy" (Quoted, line 13)
            poll pop.example.org › password = "x" (Quoted, line 13)
            poll pop.example.org › is = "legacy@localhost" (Quoted, line 13)
            poll pop.example.org › sslcertck = "no" (Plain, line 13) written ""
            poll pop.example.org › fetchall = "yes" (Plain, line 13) written ""
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }
}
