//! Dockerfile / Containerfile: the `ENV` instructions, which set the environment every program of
//! the image runs with (Docker's Dockerfile reference; BuildKit's parser, `parseNameVal`).
//!
//! `ENV SMTP_PORT=587 SMTP_TLS="true"` sets one variable a `NAME=word` pair, each word read as the
//! shell reads it (quotes removed, `\` escapes). The legacy form, `ENV SMTP_PORT 587`, is taken
//! when the first word has no `=`: the name is that word and the value everything after it, so
//! `ENV EMAIL_PORT = 587` sets `EMAIL_PORT` to `= 587`. An instruction goes on over lines ending
//! in the escape character (`\`, or the one a `# escape=` directive names); lines starting with
//! `#` are comments, and a `#` later in a line is text.
//!
//! Each build stage (`FROM`) is an image of its own: its settings sit under `["stage N", NAME]`, so
//! a builder stage's variables never join the final image's.

use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};
use crate::analysis::syntax::EnvDefault;
use std::ops::Range;

pub fn parse(text: &str) -> Parsed {
    let escape = escape_char(text);
    let mut settings = Vec::new();
    let mut stage = 0usize;
    let mut at = 0;
    while at < text.len() {
        let end = instruction_end(text, at, escape);
        let instruction = &text[at..end];
        let body = instruction.trim_start();
        let body_start = at + (instruction.len() - body.len());
        let word_end = body
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(body.len());
        let keyword = &body[..word_end];
        if keyword.eq_ignore_ascii_case("FROM") {
            stage += 1;
        } else if keyword.eq_ignore_ascii_case("ENV") {
            let scope = format!("stage {}", stage.max(1));
            read_env(
                text,
                body_start + word_end..end,
                escape,
                &scope,
                &mut settings,
            );
        }
        at = end;
    }
    Parsed::new(settings, Vec::new())
}

/// The escape character a `# escape=` parser directive at the top of the file names (`` ` `` on
/// Windows images), `\` otherwise.
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = directive.split_once('=') else {
            break;
        };
        if name.trim().eq_ignore_ascii_case("escape") && value.trim() == "`" {
            return '`';
        }
    }
    '\\'
}

/// The end (after its line break) of the instruction starting at `start`: its line, and the lines
/// after each one that ends with the escape character. Comment and blank lines inside a continued
/// instruction are skipped, as BuildKit skips them; a comment line is never continued.
fn instruction_end(text: &str, start: usize, escape: char) -> usize {
    let mut at = start;
    let mut first = true;
    loop {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let line = text[at..line_end].trim();
        let skipped = !first && (line.is_empty() || line.starts_with('#'));
        let continued = skipped || (line.ends_with(escape) && !line.starts_with('#'));
        if line_end >= text.len() || !continued {
            return line_end;
        }
        first = false;
        at = line_end;
    }
}

/// Reads the pairs of one `ENV` instruction (`span`: what follows the keyword).
fn read_env(text: &str, span: Range<usize>, escape: char, scope: &str, out: &mut Vec<Setting>) {
    let words = words(text, span.clone(), escape);
    let Some(first) = words.first() else {
        return;
    };
    let style = |separator: &str| {
        EntryStyle::new(
            line_end_before_break(text, span.end),
            EntryShape {
                lead: "\n".into(),
                item_prefix: "ENV ".into(),
                separator: separator.into(),
                ..EntryShape::default()
            },
        )
    };
    if !text[first.clone()].contains('=') {
        // Legacy form: the name, then the rest of the instruction as one value.
        let rest_start = words.get(1).map_or(span.end, |w| w.start);
        let rest_end = words.last().map_or(rest_start, |w| w.end).max(rest_start);
        let (value, kind) = decode(&text[rest_start..rest_end], escape);
        out.push(Setting {
            path: super::segments([scope, &text[first.clone()]]),
            value,
            kind,
            key_span: first.clone(),
            value_span: inside_quotes(rest_start..rest_end, kind),
            style: style(" "),
            env_default: EnvDefault::None,
        });
        return;
    }
    for word in words {
        let raw = &text[word.clone()];
        let Some(eq) = raw.find('=') else {
            continue;
        };
        let name = &raw[..eq];
        if name.is_empty() {
            continue;
        }
        let value_start = word.start + eq + 1;
        let raw_value = &text[value_start..word.end];
        let (value, kind) = decode(raw_value, escape);
        out.push(Setting {
            path: super::segments([scope, name]),
            value,
            kind,
            key_span: word.start..word.start + eq,
            value_span: inside_quotes(value_start..word.end, kind),
            style: style("="),
            env_default: EnvDefault::None,
        });
    }
}

/// A value quoted whole is replaced inside its quotes.
fn inside_quotes(span: Range<usize>, kind: ValueKind) -> Range<usize> {
    if kind == ValueKind::Quoted {
        span.start + 1..span.end - 1
    } else {
        span
    }
}

/// The offset of the end of the line that ends at `end` (before its line break).
fn line_end_before_break(text: &str, end: usize) -> usize {
    let line = &text[..end];
    line.trim_end_matches(['\n', '\r']).len()
}

/// The shell words of `span`: split at whitespace outside quotes; an escaped line break is
/// whitespace, and a comment line inside a continued instruction is skipped.
fn words(text: &str, span: Range<usize>, escape: char) -> Vec<Range<usize>> {
    let bytes = &text[span.clone()];
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = bytes.char_indices().peekable();
    let mut line_start = true;
    while let Some((i, c)) = chars.next() {
        let at = span.start + i;
        if line_start && quote.is_none() && start.is_none() {
            // A comment line inside a continued instruction.
            let rest = bytes[i..].trim_start_matches([' ', '\t']);
            if rest.starts_with('#') {
                let skip = bytes[i..].find('\n').map_or(bytes.len(), |n| i + n);
                while chars.peek().is_some_and(|&(j, _)| j <= skip) {
                    chars.next();
                }
                continue;
            }
        }
        line_start = c == '\n';
        if let Some(q) = quote {
            if c == escape && q == '"' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == escape {
            // An escaped line break continues the instruction; anything else is one escaped
            // character of the word.
            let next = chars.peek().map(|&(_, n)| n);
            if matches!(next, Some('\n' | '\r')) || next.is_none() {
                if let Some(s) = start.take() {
                    out.push(s..at);
                }
                continue;
            }
            start.get_or_insert(at);
            chars.next();
            continue;
        }
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(s..at);
            }
            continue;
        }
        start.get_or_insert(at);
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
    }
    if let Some(s) = start {
        out.push(s..span.end);
    }
    out.retain(|w| !w.is_empty());
    out
}

/// A word's value as the shell reads it: quotes removed, escapes resolved. A word quoted whole is
/// [`ValueKind::Quoted`].
fn decode(raw: &str, escape: char) -> (String, ValueKind) {
    let quoted_whole = raw.starts_with(['"', '\''])
        && raw.len() >= 2
        && closing_quote(raw, escape) == Some(raw.len() - 1);
    let mut value = String::with_capacity(raw.len());
    let mut quote: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                if let Some(next) = chars.next() {
                    value.push(next);
                }
            }
            Some(_) => value.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == escape => match chars.next() {
                // an escaped line break joins the lines (a continued legacy value)
                Some('\r') => {
                    chars.next_if_eq(&'\n');
                }
                Some('\n') | None => {}
                Some(next) => value.push(next),
            },
            None => value.push(c),
        }
    }
    let kind = if quoted_whole {
        ValueKind::Quoted
    } else {
        ValueKind::Plain
    };
    (value, kind)
}

/// Where the quote that opens `raw` closes (inside double quotes, the escape character escapes).
fn closing_quote(raw: &str, escape: char) -> Option<usize> {
    let open = raw.chars().next()?;
    let mut escaped = false;
    for (i, c) in raw.char_indices().skip(1) {
        if open == '"' && !escaped && c == escape {
            escaped = true;
            continue;
        }
        if c == open && !escaped {
            return Some(i);
        }
        escaped = false;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, String, &str)> {
        parse(text)
            .settings
            .iter()
            .map(|s| {
                (
                    s.path_names().join("/"),
                    s.value.clone(),
                    &text[s.value_span.clone()],
                )
            })
            .collect()
    }

    #[test]
    fn pairs_legacy_form_stages_and_continuations() {
        let text = "# escape=\\\nFROM python:3.12 AS build\nENV PIP_NO_CACHE=1\n\nFROM python:3.12\n\
            ENV SMTP_HOST=smtp.example.com SMTP_PORT=\"587\" \\\n    # a comment line\n    SMTP_TLS='true'\n\
            ENV EMAIL_PORT = 587\nenv EMAIL_HOST 'smtp.gmail.com'   \nRUN echo ENV X=1 # ENV Y=2\n";
        assert_eq!(
            read(text),
            [
                ("stage 1/PIP_NO_CACHE".into(), "1".into(), "1"),
                (
                    "stage 2/SMTP_HOST".into(),
                    "smtp.example.com".into(),
                    "smtp.example.com"
                ),
                ("stage 2/SMTP_PORT".into(), "587".into(), "587"),
                ("stage 2/SMTP_TLS".into(), "true".into(), "true"),
                ("stage 2/EMAIL_PORT".into(), "= 587".into(), "= 587"),
                (
                    "stage 2/EMAIL_HOST".into(),
                    "smtp.gmail.com".into(),
                    "smtp.gmail.com"
                ),
            ]
        );
    }

    #[test]
    fn escapes_and_odd_input_never_break_the_reader() {
        assert_eq!(
            read("ENV A=x\\ y B=\"q\\\"z\"\n"),
            [
                ("stage 1/A".into(), "x y".into(), "x\\ y"),
                ("stage 1/B".into(), "q\"z".into(), "q\\\"z"),
            ]
        );
        for text in [
            "ENV",
            "ENV \\",
            "ENV =",
            "ENV A=\"",
            "ENV 'é",
            "ENV A \\\n",
            "ENV\tA=1\\",
        ] {
            let _ = parse(text);
        }
        // A Windows image's escape character, also inside double quotes.
        assert_eq!(
            read("# escape=`\nFROM windows\nENV A=1 `\n  B=2 C=\"x`\"y\"\n"),
            [
                ("stage 1/A".into(), "1".into(), "1"),
                ("stage 1/B".into(), "2".into(), "2"),
                ("stage 1/C".into(), "x\"y".into(), "x`\"y"),
            ]
        );
        // A legacy value continued over lines is one value.
        assert_eq!(
            read("ENV SMTP_HOST smtp.example.com \\\n    relay\n"),
            [(
                "stage 1/SMTP_HOST".into(),
                "smtp.example.com     relay".into(),
                "smtp.example.com \\\n    relay"
            )]
        );
    }
}
