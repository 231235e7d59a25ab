//! Hjson (Lemmy's `lemmy.hjson`, hjson.github.io/syntax.html): JSON for people. Keys may go
//! without quotes, members are separated by a line break or a comma, `#`, `//` and `/* */` are
//! comments, and a value without quotes is a string up to the end of its line (`tls_type: none`)
//! unless it is a number, `true`, `false` or `null`. The braces around the root object may be left
//! out.
//!
//! Settings come out as their key paths (`["email", "smtp_server"]`); array items are numbered
//! (`["cors_origin", "0"]`). One pass over the text with a stack of open objects and arrays:
//! nothing recurses, whatever the nesting.

use super::literal::{line_end, line_style, setting, unescape};
use super::{Parsed, Setting, SyntaxError, ValueKind};

/// The deepest nesting read (real files nest a few levels); deeper, the rest of the file is not
/// read: every setting repeats its whole path, so the work would grow with depth × settings.
const MAX_DEPTH: usize = 64;

enum Container {
    /// An object: the path to it.
    Object(Vec<String>),
    /// An array: the path to it and the next item's index.
    Array(Vec<String>, usize),
}

pub fn parse(text: &str) -> Parsed {
    let bytes = text.as_bytes();
    let mut settings: Vec<Setting> = Vec::new();
    let mut errors: Vec<SyntaxError> = Vec::new();
    let mut stack: Vec<Container> = Vec::new();
    let mut at = skip_blank(text, 0);
    if bytes.get(at) == Some(&b'{') {
        at += 1;
    }
    // The root object, braces or not.
    stack.push(Container::Object(Vec::new()));
    while at < bytes.len() {
        at = skip_blank(text, at);
        let Some(&b) = bytes.get(at) else { break };
        match b {
            b',' => {
                at += 1;
                continue;
            }
            b'}' | b']' => {
                if stack.len() > 1 {
                    stack.pop();
                }
                at += 1;
                continue;
            }
            _ => {}
        }
        // The member's key (in an object) or the item's index (in an array).
        let (path, key_span) = match stack.last_mut() {
            Some(Container::Array(path, next)) => {
                let mut item = path.clone();
                item.push(next.to_string());
                *next += 1;
                (item, at..at)
            }
            Some(Container::Object(path)) => {
                let Some((key, key_span, after)) = read_key(text, at) else {
                    if errors.is_empty() {
                        errors.push(SyntaxError {
                            span: at..line_end(text, at).max(at),
                            message: "expected `key: value`".to_string(),
                        });
                    }
                    at = line_end(text, at).max(at + 1);
                    continue;
                };
                let mut member = path.clone();
                member.push(key);
                at = after;
                (member, key_span)
            }
            None => break,
        };
        at = skip_inline_blank(text, at);
        if matches!(bytes.get(at), Some(b'{' | b'[')) && stack.len() >= MAX_DEPTH {
            let line = text.get(..at).map_or(0, |b| b.matches('\n').count()) + 1;
            errors.push(SyntaxError {
                span: at..line_end(text, at),
                message: format!(
                    "nested too deeply to read on from line {line}: the rest of the file is not checked"
                ),
            });
            break;
        }
        match bytes.get(at) {
            Some(b'{') => {
                stack.push(Container::Object(path));
                at += 1;
            }
            Some(b'[') => {
                stack.push(Container::Array(path, 0));
                at += 1;
            }
            Some(_) => {
                let (value, kind, value_span, end) = read_value(text, at);
                let entry_start = if key_span.is_empty() {
                    value_span.start
                } else {
                    key_span.start
                };
                let key_span = if key_span.is_empty() {
                    value_span.start..value_span.start
                } else {
                    key_span
                };
                let style = line_style(text, entry_start, value_span.end, ": ");
                settings.push(setting(path, value, kind, key_span, value_span, style));
                at = end;
            }
            None => break,
        }
    }
    Parsed::new(settings, errors)
}

/// Skips blanks, line breaks and comments.
fn skip_blank(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(at) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
            Some(b'#') => at = line_end(text, at),
            Some(b'/') if bytes.get(at + 1) == Some(&b'/') => at = line_end(text, at),
            Some(b'/') if bytes.get(at + 1) == Some(&b'*') => {
                at = text
                    .get(at + 2..)
                    .and_then(|rest| rest.find("*/"))
                    .map_or(text.len(), |i| at + 2 + i + 2);
            }
            _ => return at,
        }
    }
}

/// Skips blanks on the same line.
fn skip_inline_blank(text: &str, mut at: usize) -> usize {
    while matches!(text.as_bytes().get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

/// `key:` — quoted or not. Returns the key, its span and the offset after the colon.
fn read_key(text: &str, at: usize) -> Option<(String, std::ops::Range<usize>, usize)> {
    let bytes = text.as_bytes();
    let (key, span, after_key) = match bytes.get(at)? {
        q @ (b'"' | b'\'') => {
            let (inner, end) = quoted(bytes, at, *q);
            (unescape(text.get(inner.clone())?), inner, end)
        }
        _ => {
            let mut end = at;
            while let Some(&b) = bytes.get(end) {
                if matches!(
                    b,
                    b':' | b' ' | b'\t' | b'\r' | b'\n' | b',' | b'{' | b'}' | b'[' | b']'
                ) {
                    break;
                }
                end += 1;
            }
            if end == at {
                return None;
            }
            (text.get(at..end)?.to_string(), at..end, end)
        }
    };
    let colon = skip_inline_blank(text, after_key);
    (bytes.get(colon) == Some(&b':')).then_some((key, span, colon + 1))
}

/// A value: a quoted or `'''` string, or the rest of the line without quotes (a number, `true`,
/// `false` or `null` stops at a comma or a comment). Returns the value, its kind, its span and
/// where reading goes on.
fn read_value(text: &str, at: usize) -> (String, ValueKind, std::ops::Range<usize>, usize) {
    let bytes = text.as_bytes();
    if text.get(at..).is_some_and(|rest| rest.starts_with("'''")) {
        let end = text
            .get(at + 3..)
            .and_then(|rest| rest.find("'''"))
            .map_or(text.len(), |i| at + 3 + i);
        let inner = at + 3..end;
        let value = text.get(inner.clone()).unwrap_or("").to_string();
        return (value, ValueKind::Quoted, inner, (end + 3).min(text.len()));
    }
    if let Some(q @ (b'"' | b'\'')) = bytes.get(at).copied() {
        let (inner, end) = quoted(bytes, at, q);
        let value = unescape(text.get(inner.clone()).unwrap_or(""));
        return (value, ValueKind::Quoted, inner, end);
    }
    let line = line_end(text, at);
    let rest = text.get(at..line).unwrap_or("");
    // A literal ends at a comma, a comment or a closing bracket; a string runs to the line's end.
    let word_len = rest
        .find([',', '#', '}', ']', ' ', '\t'])
        .unwrap_or(rest.len());
    let word = rest.get(..word_len).unwrap_or("");
    let after_word = rest.get(word_len..).unwrap_or("").trim_start();
    let ends_there = after_word.is_empty()
        || after_word.starts_with([',', '#', '}', ']'])
        || after_word.starts_with("//");
    let kind = match word {
        "true" | "false" => Some(ValueKind::Bool),
        "null" => Some(ValueKind::Null),
        _ if word.parse::<f64>().is_ok() => Some(ValueKind::Number),
        _ => None,
    };
    if let (Some(kind), true) = (kind, ends_there) {
        let end = at + word_len;
        return (word.to_string(), kind, at..end, end);
    }
    let value = rest.trim_end();
    let end = at + value.len();
    (value.to_string(), ValueKind::Plain, at..end, line)
}

/// A quoted string's text (inside the quotes) and the offset after its closing quote; an
/// unclosed string runs to the end of the text.
fn quoted(bytes: &[u8], start: usize, quote: u8) -> (std::ops::Range<usize>, usize) {
    let mut at = start + 1;
    while let Some(&b) = bytes.get(at) {
        if b == b'\\' {
            at += 2;
        } else if b == quote {
            return (start + 1..at, at + 1);
        } else {
            at += 1;
        }
    }
    let end = bytes.len();
    ((start + 1).min(end)..end, end)
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn lemmy_config() {
        let text = r#"{
  # for more info about the config, check out the documentation
  database: {
    host: postgres
    port: 5432, pool_size: 5
  }
  "hostname": "lemmy.example.org"
  email: {
    smtp_server: "smtp.example.org:587"
    smtp_login: lemmy@example.org
    /* not 'tls' */
    tls_type: none # until the relay has a certificate
  }
  cors_origin: [ "a.example" // first
    "b.example" ]
  notes: '''
    two
    lines'''
}
"#;
        expect![[r#"
            database › host = "postgres" (Plain, line 4)
            database › port = "5432" (Number, line 5)
            database › pool_size = "5" (Number, line 5)
            hostname = "lemmy.example.org" (Quoted, line 7)
            email › smtp_server = "smtp.example.org:587" (Quoted, line 9)
            email › smtp_login = "lemmy@example.org" (Plain, line 10)
            email › tls_type = "none # until the relay has a certificate" (Plain, line 12)
            cors_origin › 0 = "a.example" (Quoted, line 14)
            cors_origin › 1 = "b.example" (Quoted, line 15)
            notes = "\n    two\n    lines" (Quoted, line 16)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }

    #[test]
    fn broken_and_deep_text_is_read_without_recursion() {
        let deep = format!("{}email: {{ tls_type: none\n", "a: {\n".repeat(100_000));
        let parsed = parse(&deep);
        assert!(parsed.settings.is_empty());
        assert!(parsed.errors[0]
            .message
            .starts_with("nested too deeply to read on from line 64"));
        let shallow = format!("{}email: {{ tls_type: none\n", "a: {\n".repeat(10));
        assert_eq!(parse(&shallow).settings.len(), 1);
        for broken in [
            "{ email: { smtp_server: \"x",
            "}}}]]",
            ":::",
            "'''",
            "a: '''x",
            "\"k",
        ] {
            assert_prefixes_parse(broken, parse);
        }
    }
}
