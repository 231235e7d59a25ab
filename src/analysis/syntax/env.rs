//! `.env` adapter: a hand line lexer for `KEY=VALUE` files (`.env`, `.env.production`, `*.env`).
//!
//! Accepted: `KEY=VALUE`, `export KEY=VALUE`, `KEY = VALUE`, `KEY: VALUE`, `'literal'`,
//! `"escaped\n"` (may span lines), unquoted values ending at ` #` comments, full-line comments
//! and blank lines. `${VAR}` references stay in the value verbatim.

use crate::analysis::syntax::EnvDefault;
use tree_sitter::Parser;

use super::chunked::{Chunk, ChunkFormat};
use super::{line_end, line_lead, EntryShape, EntryStyle, Parsed, Setting, SyntaxError, ValueKind};

pub fn parse(text: &str) -> Parsed {
    read_entries(text, 0..text.len(), &|_| true)
}

/// The entries of `text` from `within.start` (an entry's start) to `within.end`.
fn read_entries(
    text: &str,
    within: std::ops::Range<usize>,
    wanted: &dyn Fn(&str) -> bool,
) -> Parsed {
    let mut parsed = Parsed::default();
    let mut pos = within.start;
    while pos < within.end {
        let line = lex_line_wanted(text, pos, wanted);
        parsed.settings.extend(line.setting);
        parsed.errors.extend(line.error);
        if line.next <= pos {
            break;
        }
        pos = line.next;
    }
    parsed
}

/// A document between edits is kept in chunks of about 16 entries: a chunk ends before an entry
/// whose first line hashes to 0 mod 16, so where chunks end depends on the text itself and an
/// edit moves no other chunk's end. An entry whose quote is not closed looked at all the text
/// after it: its chunk runs to the end. The chunks read exactly as [`parse`] reads.
pub(crate) struct Chunks;

impl ChunkFormat for Chunks {
    type Place = ();
    type Carry = ();
    const AT_ANY_SIZE: bool = true;

    fn parser() -> Option<Parser> {
        Some(Parser::new()) // the lexer needs none
    }

    fn unit_end(text: &str, start: usize) -> usize {
        let mut pos = start;
        while pos < text.len() {
            let line = lex_line_wanted(text, pos, &|_| false);
            if line.unclosed || line.next <= pos {
                return text.len();
            }
            pos = line.next;
            if super::line_hash(text, pos) % 16 == 0 {
                break;
            }
        }
        pos.min(text.len())
    }

    fn read(
        _: &mut Parser,
        text: &str,
        chunk: &Chunk<()>,
        _: &(),
        wanted: &dyn Fn(&str) -> bool,
    ) -> (Parsed, ()) {
        (read_entries(text, chunk.start..chunk.end, wanted), ())
    }
}

/// What one logical line (an entry may span several physical lines) holds.
pub(crate) struct EnvLine {
    pub setting: Option<Setting>,
    pub error: Option<SyntaxError>,
    /// Start of the next logical line (or the end of the text).
    pub next: usize,
    /// A quote was not closed: the lexer read to the end of the text looking for it, so an edit
    /// anywhere after this line may change it.
    pub unclosed: bool,
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    pos
}

/// Start of the line after the one that contains `pos`.
fn next_line(text: &str, pos: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes
        .get(pos..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
    {
        Some(i) => pos + i + 1,
        None => text.len(),
    }
}

/// Reads the logical line that starts at `start` (a line start), leaving out the setting when `wanted` rejects its name (a caller that would drop
/// it anyway saves building it; the line is still read to its end).
pub(crate) fn lex_line_wanted(text: &str, start: usize, wanted: &dyn Fn(&str) -> bool) -> EnvLine {
    let bytes = text.as_bytes();
    let eol = line_end(text, start);
    let mut pos = skip_blanks(bytes, start);
    let blank_or_comment = pos >= eol || bytes.get(pos) == Some(&b'#');
    if blank_or_comment {
        return EnvLine {
            setting: None,
            error: None,
            next: next_line(text, start),
            unclosed: false,
        };
    }
    let mut item_prefix = String::new();
    if text
        .get(pos..)
        .is_some_and(|rest| rest.starts_with("export"))
    {
        let after = pos + "export".len();
        if matches!(bytes.get(after), Some(b' ' | b'\t')) {
            let key_at = skip_blanks(bytes, after);
            item_prefix = text.get(pos..key_at).unwrap_or("export ").to_string();
            pos = key_at;
        }
    }
    let key_start = pos;
    while pos < eol && bytes.get(pos).copied().is_some_and(is_key_char) {
        pos += 1;
    }
    let key_end = pos;
    let sep_start = pos;
    pos = skip_blanks(bytes, pos);
    // `KEY: value` is the YAML-style line the dotenv readers of Node, Ruby and Compose accept
    // beside `KEY=value` (a colon, then a blank).
    let separated = match bytes.get(pos) {
        Some(b'=') => true,
        Some(b':') => matches!(bytes.get(pos + 1), Some(b' ' | b'\t')),
        _ => false,
    };
    if key_end == key_start || !separated || pos >= eol {
        let message = if key_end == key_start {
            "expected a variable name".to_string()
        } else {
            format!("expected '=' after {}", &text[key_start..key_end])
        };
        return EnvLine {
            setting: None,
            error: Some(SyntaxError {
                span: key_start..eol.max(key_start),
                message,
            }),
            next: next_line(text, start),
            unclosed: false,
        };
    }
    pos = skip_blanks(bytes, pos + 1);
    let separator = text.get(sep_start..pos).unwrap_or("=").to_string();
    let mut error = None;
    let (value, kind, value_span, entry_end) = match bytes.get(pos) {
        Some(&quote @ (b'\'' | b'"')) if pos < eol => {
            match read_quoted(text, pos + 1, quote) {
                Some((value, close)) => (
                    value,
                    ValueKind::Quoted,
                    pos + 1..close,
                    line_end(text, close),
                ),
                None => {
                    // Unterminated: keep the rest of the line as the value and say so.
                    error = Some(SyntaxError {
                        span: pos..eol,
                        message: format!("missing closing {}", quote as char),
                    });
                    let raw = text.get(pos + 1..eol).unwrap_or("");
                    (raw.to_string(), ValueKind::Quoted, pos + 1..eol, eol)
                }
            }
        }
        _ => {
            let value_start = pos.min(eol);
            let mut end = value_start;
            let mut scan = value_start;
            while scan < eol {
                let b = bytes.get(scan).copied().unwrap_or(b'\n');
                if b == b'#' && scan > 0 && matches!(bytes.get(scan - 1), Some(b' ' | b'\t')) {
                    break;
                }
                if b != b' ' && b != b'\t' {
                    end = scan + 1;
                }
                scan += 1;
            }
            let raw = text.get(value_start..end).unwrap_or("");
            (raw.to_string(), ValueKind::Plain, value_start..end, eol)
        }
    };
    let name = &text[key_start..key_end];
    let setting = wanted(name).then(|| Setting {
        path: vec![name.into()],
        value,
        kind,
        key_span: key_start..key_end,
        value_span,
        style: EntryStyle::new(
            entry_end,
            EntryShape {
                lead: line_lead(text, start).into(),
                item_prefix,
                key_prefix: String::new(),
                key_quote: None,
                separator: separator.into(),
                env_in_string: false,
                inherited: false,
                quoted_values: false,
                suffix: String::new(),
            },
        ),
        env_default: EnvDefault::None,
    });
    EnvLine {
        setting,
        unclosed: error.is_some(),
        error,
        next: next_line(text, entry_end),
    }
}

/// Reads a quoted value whose content starts at `from`; returns the decoded value and the offset
/// of the closing quote. Double quotes decode `\n \r \t \" \\ \$`; single quotes are literal.
fn read_quoted(text: &str, from: usize, quote: u8) -> Option<(String, usize)> {
    let rest = text.get(from..)?;
    let mut value = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote as char {
            return Some((value, from + i));
        }
        if c == '\\' && quote == b'"' {
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, 't')) => value.push('\t'),
                Some((_, e @ ('"' | '\\' | '$' | '\''))) => value.push(e),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return None,
            }
            continue;
        }
        value.push(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::syntax::show_parsed as show;
    use expect_test::{expect, Expect};

    fn check(text: &str, expect: Expect) {
        expect.assert_eq(&show(text, &parse(text)));
    }

    #[test]
    fn laravel_env() {
        check(
            "APP_NAME=Laravel\n# mail\nMAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com   # relay\nMAIL_PORT=465\n\nMAIL_PASSWORD=\"se\\\"cr#et\"\nMAIL_FROM_ADDRESS=\"hello@${APP_DOMAIN}\"\n",
            expect![[r#"
                APP_NAME = "Laravel" Plain value@9..16 "Laravel" style(at 16, lead "\n", prefix "" "", sep "=")
                MAIL_MAILER = "smtp" Plain value@36..40 "smtp" style(at 40, lead "\n", prefix "" "", sep "=")
                MAIL_HOST = "smtp.example.com" Plain value@51..67 "smtp.example.com" style(at 77, lead "\n", prefix "" "", sep "=")
                MAIL_PORT = "465" Plain value@88..91 "465" style(at 91, lead "\n", prefix "" "", sep "=")
                MAIL_PASSWORD = "se\"cr#et" Quoted value@108..117 "se\\\"cr#et" style(at 118, lead "\n", prefix "" "", sep "=")
                MAIL_FROM_ADDRESS = "hello@${APP_DOMAIN}" Quoted value@138..157 "hello@${APP_DOMAIN}" style(at 158, lead "\n", prefix "" "", sep "=")
            "#]],
        );
    }

    #[test]
    fn export_spacing_single_quotes_and_multiline() {
        check(
            "  export SMTP_PORT = 587\nSMTP_PASS='a\\nb'\nKEY=\"line1\nline2\" # c\nEMPTY=\nX = # only a comment\n",
            expect![[r#"
                SMTP_PORT = "587" Plain value@21..24 "587" style(at 24, lead "\n  ", prefix "export " "", sep " = ")
                SMTP_PASS = "a\\nb" Quoted value@36..40 "a\\nb" style(at 41, lead "\n", prefix "" "", sep "=")
                KEY = "line1\nline2" Quoted value@47..58 "line1\nline2" style(at 63, lead "\n", prefix "" "", sep "=")
                EMPTY = "" Plain value@70..70 "" style(at 70, lead "\n", prefix "" "", sep "=")
                X = "" Plain value@75..75 "" style(at 91, lead "\n", prefix "" "", sep " = ")
            "#]],
        );
    }

    #[test]
    fn yaml_style_lines_with_a_colon() {
        check(
            "GF_SMTP_HOST: smtp.gmail.com:587\nGF_SMTP_SKIP_VERIFY : true\nURL:http://x\n",
            expect![[r#"
                GF_SMTP_HOST = "smtp.gmail.com:587" Plain value@14..32 "smtp.gmail.com:587" style(at 32, lead "\n", prefix "" "", sep ": ")
                GF_SMTP_SKIP_VERIFY = "true" Plain value@55..59 "true" style(at 59, lead "\n", prefix "" "", sep " : ")
                error 60..72: expected '=' after URL
            "#]],
        );
    }

    #[test]
    fn errors_and_crlf() {
        check(
            "GOOD=1\r\nnot a setting\r\nBAD=\"open\r\nNEXT=2\r\n=x\r\n",
            expect![[r#"
                GOOD = "1" Plain value@5..6 "1" style(at 6, lead "\r\n", prefix "" "", sep "=")
                BAD = "open" Quoted value@28..32 "open" style(at 32, lead "\r\n", prefix "" "", sep "=")
                NEXT = "2" Plain value@39..40 "2" style(at 40, lead "\r\n", prefix "" "", sep "=")
                error 8..21: expected '=' after not
                error 27..32: missing closing "
                error 42..44: expected a variable name
            "#]],
        );
    }

    #[test]
    fn inserted_sibling_reparses_next_to_its_neighbour() {
        let text = "# mail\nexport MAIL_HOST = smtp.example.com # relay\nexport MAIL_PORT = 465\nOTHER=1\n";
        let parsed = parse(text);
        let port = parsed
            .settings
            .iter()
            .find(|s| s.key() == "MAIL_PORT")
            .unwrap();
        let edited = super::super::with_sibling(text, port, "MAIL_SCHEME", "smtps");
        expect![[r#"
            # mail
            export MAIL_HOST = smtp.example.com # relay
            export MAIL_PORT = 465
            export MAIL_SCHEME = smtps
            OTHER=1
        "#]]
        .assert_eq(&edited);
        let keys: Vec<_> = parse(&edited)
            .settings
            .iter()
            .map(|s| s.key().to_string())
            .collect();
        assert_eq!(keys, ["MAIL_HOST", "MAIL_PORT", "MAIL_SCHEME", "OTHER"]);
    }
}
