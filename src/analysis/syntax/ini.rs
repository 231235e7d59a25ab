//! INI adapter (tree-sitter-ini): Gitea/Forgejo `app.ini`, `grafana.ini`, `.offlineimaprc`, aerc
//! `accounts.conf`. `[section]` + `key = value` → path `[section, key]` (keys before any section:
//! `[key]`). Section names keep their exact text (`Repository work-remote`). Values may be quoted
//! with `"`, `'` or `` ` `` (Gitea); unquoted values end at an inline ` ;` / ` #` comment.

use crate::analysis::syntax::EnvDefault;
use tree_sitter::{Node, Parser};

use super::chunked::{self, Chunk, ChunkFormat};

use super::named_children;

use super::{
    line_end, line_lead, line_start, slice, EntryShape, EntryStyle, Parsed, Setting, SyntaxError,
    ValueKind,
};

use crate::vocab::Span;

pub fn parse(text: &str) -> Parsed {
    chunked::parse::<Chunks>(text).unwrap_or_else(|| parse_whole(text))
}

/// A big document is read in chunks (see [`super::chunked`]) that start at section lines:
/// every line of a section belongs to it, so a chunk reads exactly as in one tree. A line that
/// opens a `[` it never closes is no section header but broken text: it stays in the chunk before
/// it (a garbage file whose every line opened a chunk of its own paid a parse's minimum budget and
/// time per line).
fn starts_chunk(text: &str, line: usize) -> bool {
    let header = text
        .get(line..line_end(text, line))
        .unwrap_or("")
        .trim_start_matches([' ', '\t']);
    header.starts_with('[') && header.contains(']')
}

/// Big documents are read in chunks that start where [`starts_chunk`] says.
pub(crate) struct Chunks;

impl ChunkFormat for Chunks {
    type Place = ();
    type Carry = ();

    fn parser() -> Option<Parser> {
        super::parser_for(&tree_sitter_ini::LANGUAGE.into())
    }

    fn unit_end(text: &str, start: usize) -> usize {
        super::next_line_where(text, start, starts_chunk)
    }

    fn read(
        parser: &mut Parser,
        text: &str,
        chunk: &Chunk<()>,
        _: &(),
        _wanted: &dyn Fn(&str) -> bool,
    ) -> (Parsed, ()) {
        let mut parsed = read_text(parser, slice(text, chunk.start..chunk.end));
        parsed.shift(chunk.start as isize);
        (parsed, ())
    }
}

/// `text` with each line that is one template action and nothing else turned into a comment (its
/// first `{` becomes `#`); line by line, so a chunk reads as it does in the whole text.
fn mask_action_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !(text.contains("{{") || text.contains("{%") || text.contains("{#")) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut masked = text.as_bytes().to_vec();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if super::yaml::is_template_line(line) {
            let lead = line.len() - line.trim_start().len();
            if let Some(byte) = masked.get_mut(start + lead) {
                *byte = b'#';
            }
        }
        start += line.len();
    }
    // An ASCII `{` replaced by an ASCII `#`: still UTF-8.
    String::from_utf8(masked).map_or(std::borrow::Cow::Borrowed(text), std::borrow::Cow::Owned)
}

/// One tree for the whole text (what a big document's chunks must add up to).
pub(crate) fn parse_whole(text: &str) -> Parsed {
    Chunks::parser().map_or_else(Parsed::default, |mut parser| read_text(&mut parser, text))
}

fn read_text(parser: &mut Parser, text: &str) -> Parsed {
    // The grammar wants every line, the last one too, to end with a line break; appending one
    // does not move any offset. A line that is one template action (`{{- if … }}` in a chezmoi
    // or Jinja template of the file) is read as the comment it is to the rendered file.
    let mut source = mask_action_lines(text);
    if !source.is_empty() && !source.ends_with('\n') {
        source.to_mut().push('\n');
    }
    let source = source.as_ref();
    let read_tree = super::bounded::parse(parser, source, None, None);
    let Some(tree) = &read_tree.tree else {
        return Parsed::default();
    };
    let mut settings = Vec::new();
    let mut stray_lines = Vec::new();
    read(
        text,
        tree.root_node(),
        &mut Vec::new(),
        &mut settings,
        &mut stray_lines,
    );
    let mut errors = read_tree.errors(source);
    // A line without `=` makes the grammar glue it to the next setting; say so on that line
    // instead of on the (fine) setting after it.
    errors.retain(|e| !stray_lines.iter().any(|s| s.glued.contains(&e.span.start)));
    errors.extend(stray_lines.into_iter().map(|s| s.error));
    errors.sort_by_key(|e| e.span.start);
    for error in &mut errors {
        error.span.end = error.span.end.min(text.len());
        error.span.start = error.span.start.min(error.span.end);
    }
    Parsed::new(settings, errors)
}

/// A line without `=` that the grammar glued to the setting on a following line.
struct StrayLine {
    error: SyntaxError,
    /// The whole glued setting.
    glued: Span,
}

fn read(
    text: &str,
    node: Node,
    section: &mut Vec<String>,
    out: &mut Vec<Setting>,
    stray: &mut Vec<StrayLine>,
) {
    for child in named_children(node) {
        match child.kind() {
            "setting" => setting(text, child, section, out, stray),
            "section" => {
                let name = named_children(child)
                    .into_iter()
                    .find(|n| n.kind() == "section_name")
                    .map(|n| slice(text, n.start_byte()..n.end_byte()))
                    .map(|raw| {
                        raw.trim()
                            .trim_start_matches('[')
                            .trim_end()
                            .trim_end_matches(']')
                    })
                    .map(|name| name.trim().to_string());
                let mut path = name.into_iter().collect();
                read(text, child, &mut path, out, stray);
            }
            "ERROR" => read(text, child, section, out, stray),
            _ => {}
        }
    }
}

fn setting(
    text: &str,
    node: Node,
    section: &[String],
    out: &mut Vec<Setting>,
    stray: &mut Vec<StrayLine>,
) {
    let children = named_children(node);
    let Some(name) = children.iter().find(|n| n.kind() == "setting_name") else {
        return;
    };
    let raw_value = children.iter().find(|n| n.kind() == "setting_value");
    let mut key_span = name.start_byte()..name.end_byte();
    let mut cursor = node.walk();
    let equals = node.children(&mut cursor).find(|c| c.kind() == "=");
    if let Some(equals) = equals {
        let eq = equals.start_byte();
        if slice(text, name.end_byte()..eq).contains('\n') {
            let name_line = name.start_byte()..line_end(text, name.start_byte());
            let shown = slice(text, name_line.clone()).trim_end();
            stray.push(StrayLine {
                error: SyntaxError {
                    span: name_line,
                    message: format!("expected '=' after '{shown}'"),
                },
                glued: node.start_byte()..node.end_byte(),
            });
            // The real key is the one on the line of the `=`.
            let line = line_start(text, eq);
            let written = slice(text, line..eq);
            let start = line + (written.len() - written.trim_start().len());
            key_span = start..eq;
        }
    }
    let name_end = key_span.end;
    let key = slice(text, key_span.clone()).trim_end().to_string();
    // The value node runs to the end of the line (comments included) and may start with blanks.
    let (value, kind, value_span, separator) = match raw_value {
        Some(raw) => {
            let line = slice(text, raw.start_byte()..raw.end_byte().min(text.len()));
            let lead = line.len() - line.trim_start().len();
            let start = raw.start_byte() + lead;
            let content = &line[lead..];
            let key_len = slice(text, key_span.clone()).trim_end().len();
            let separator = slice(text, key_span.start + key_len..start).to_string();
            let (value, kind, span) = decode_value(content);
            (value, kind, start + span.start..start + span.end, separator)
        }
        None => {
            // `KEY =`: the empty value sits after the `=` and its blanks.
            let rest = slice(text, name_end..line_end(text, name_end));
            let width = rest.find('=').map_or(0, |eq| {
                let after = &rest[eq + 1..];
                eq + 1 + (after.len() - after.trim_start().len())
            });
            let at = name_end + width;
            let key_len = slice(text, key_span.clone()).trim_end().len();
            let separator = slice(text, key_span.start + key_len..at).to_string();
            (String::new(), ValueKind::Plain, at..at, separator)
        }
    };
    let mut path = section.to_vec();
    path.push(key);
    out.push(Setting {
        path: super::segments(path),
        value,
        kind,
        key_span: key_span.start..key_span.start + slice(text, key_span.clone()).trim_end().len(),
        value_span,
        style: EntryStyle::new(
            line_end(text, key_span.start),
            EntryShape {
                lead: line_lead(text, key_span.start).into(),
                item_prefix: String::new(),
                key_prefix: String::new(),
                key_quote: None,
                separator: if separator.contains('=') {
                    separator.into()
                } else {
                    " = ".into()
                },
                env_in_string: false,
                inherited: false,
                quoted_values: false,
                suffix: String::new(),
            },
        ),
        env_default: EnvDefault::None,
    });
}

/// Decodes a value as written from its first non-blank byte to the end of the line; returns the
/// value, its kind and the span of the value (inside quotes) relative to `content`.
fn decode_value(content: &str) -> (String, ValueKind, std::ops::Range<usize>) {
    let content = content.trim_end_matches(['\r', '\n']);
    if let Some(quote) = content
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
    {
        if let Some(close) = content[1..].find(quote) {
            let inner = &content[1..1 + close];
            let decoded = if quote == '"' {
                inner.replace("\\\"", "\"").replace("\\\\", "\\")
            } else {
                inner.to_string()
            };
            return (decoded, ValueKind::Quoted, 1..1 + close);
        }
    }
    // Unquoted: an inline comment starts at a `;` or `#` after a blank.
    let bytes = content.as_bytes();
    let mut end = content.len();
    for (i, &b) in bytes.iter().enumerate() {
        if (b == b';' || b == b'#') && i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
            end = i;
            break;
        }
    }
    let value = content[..end].trim_end();
    (value.to_string(), ValueKind::Plain, 0..value.len())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::syntax::show_parsed as show;
    use expect_test::{expect, Expect};

    fn check(text: &str, expect: Expect) {
        expect.assert_eq(&show(text, &parse(text)));
    }

    #[test]
    fn chunks_start_at_lines_that_can_be_section_headers() {
        let text = "[mailer]\nHOST = a\n  [smtp] ; indented\n[[[[ port: 465\n[unclosed\nx = [1]\n";
        let starts: Vec<usize> = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .filter(|&at| at < text.len() && starts_chunk(text, at))
            .collect();
        assert_eq!(starts, [text.find("  [smtp]").unwrap()]);
        assert!(starts_chunk(text, 0));
    }

    /// A big Gitea-like `app.ini`: keys before any section, sections (some indented, some with
    /// spaces in their names), `[` inside values, comments, quoted values, CRLF lines.
    pub(crate) fn big_ini(sections: usize) -> String {
        let mut out = String::from("APP_NAME = Gitea\nRUN_MODE = prod\n\n");
        for i in 0..sections {
            let port = [587, 465, 25, 2525][i % 4];
            out.push_str(&format!(
                "[mailer.{i}]\nENABLED = true\nPROTOCOL = smtps ; or smtp+starttls\nSMTP_ADDR = `smtp-{i}.example.com`\nSMTP_PORT={port}\nPASSWD = \"se;cr#et\"\nLIST = [a, b]\n; [commented]\n\n"
            ));
            match i % 3 {
                0 => out.push_str(&format!(
                    "  [Repository work-{i}]\r\nremoteport = 993\r\n\r\n"
                )),
                1 => out.push_str("# [also a comment]\nFROM =\n"),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn big_documents_read_in_chunks_as_one_tree_does() {
        let text = big_ini(110);
        let chunks = chunked::chunks::<Chunks>(&text).unwrap_or_default();
        assert!(chunks.len() > 100, "{}", chunks.len());
        let whole = parse_whole(&text);
        assert!(whole.errors.is_empty(), "{:?}", whole.errors);
        let chunked = parse(&text);
        if let Some(difference) = super::super::first_difference(&chunked, &whole) {
            panic!("{difference}");
        }
        assert_eq!(chunked, whole);
    }

    #[test]
    fn gitea_app_ini() {
        check(
            "APP_NAME = Gitea\n\n[mailer]\nENABLED   = true\nPROTOCOL  = smtps ; or smtp+starttls\nSMTP_ADDR = `smtp.example.com`\nSMTP_PORT=465\nPASSWD    = \"se;cr#et\"\nFROM =\n; a comment\n# another\n",
            expect![[r#"
                APP_NAME = "Gitea" Plain value@11..16 "Gitea" style(at 16, lead "\n", prefix "" "", sep " = ")
                mailer/ENABLED = "true" Plain value@39..43 "true" style(at 43, lead "\n", prefix "" "", sep "   = ")
                mailer/PROTOCOL = "smtps" Plain value@56..61 "smtps" style(at 80, lead "\n", prefix "" "", sep "  = ")
                mailer/SMTP_ADDR = "smtp.example.com" Quoted value@94..110 "smtp.example.com" style(at 111, lead "\n", prefix "" "", sep " = ")
                mailer/SMTP_PORT = "465" Plain value@122..125 "465" style(at 125, lead "\n", prefix "" "", sep "=")
                mailer/PASSWD = "se;cr#et" Quoted value@139..147 "se;cr#et" style(at 148, lead "\n", prefix "" "", sep "    = ")
                mailer/FROM = "" Plain value@155..155 "" style(at 155, lead "\n", prefix "" "", sep " =")
            "#]],
        );
    }

    #[test]
    fn offlineimap_and_aerc_sections() {
        check(
            "[general]\naccounts = work\n\n[Repository work-remote]\ntype = IMAP\nremotehost = imap.example.com\nremoteport = 993\n\n[work]\nsource   = imaps://me%40example.com@imap.example.com:993",
            expect![[r#"
                general/accounts = "work" Plain value@21..25 "work" style(at 25, lead "\n", prefix "" "", sep " = ")
                Repository work-remote/type = "IMAP" Plain value@59..63 "IMAP" style(at 63, lead "\n", prefix "" "", sep " = ")
                Repository work-remote/remotehost = "imap.example.com" Plain value@77..93 "imap.example.com" style(at 93, lead "\n", prefix "" "", sep " = ")
                Repository work-remote/remoteport = "993" Plain value@107..110 "993" style(at 110, lead "\n", prefix "" "", sep " = ")
                work/source = "imaps://me%40example.com@imap.example.com:993" Plain value@130..175 "imaps://me%40example.com@imap.example.com:993" style(at 175, lead "\n", prefix "" "", sep "   = ")
            "#]],
        );
    }

    #[test]
    fn errors_keep_readable_settings() {
        check(
            "[smtp]\nhost = smtp.example.com:587\nthis line has no equals\nstartTLS_policy = MandatoryStartTLS\n[broken\nuser = x\n",
            expect![[r#"
                smtp/host = "smtp.example.com:587" Plain value@14..34 "smtp.example.com:587" style(at 34, lead "\n", prefix "" "", sep " = ")
                smtp/startTLS_policy = "MandatoryStartTLS" Plain value@77..94 "MandatoryStartTLS" style(at 94, lead "\n", prefix "" "", sep " = ")
                error 35..58: expected '=' after 'this line has no equals'
                error 95..96: unexpected '['
            "#]],
        );
    }

    #[test]
    fn inserted_sibling_reparses_in_the_same_section() {
        let text = "[mailer]\nSMTP_ADDR = smtp.example.com\nSMTP_PORT = 465 ; implicit\n\n[server]\nX = 1\n";
        let parsed = parse(text);
        let port = parsed
            .settings
            .iter()
            .find(|s| s.key() == "SMTP_PORT")
            .unwrap();
        let edited = super::super::with_sibling(text, port, "PROTOCOL", "smtps");
        let reparsed = parse(&edited);
        assert!(reparsed.errors.is_empty(), "{edited}");
        let new = reparsed
            .settings
            .iter()
            .find(|s| s.key() == "PROTOCOL")
            .unwrap();
        assert_eq!(new.path_names(), ["mailer", "PROTOCOL"]);
        expect![[r#"
            [mailer]
            SMTP_ADDR = smtp.example.com
            SMTP_PORT = 465 ; implicit
            PROTOCOL = smtps

            [server]
            X = 1
        "#]]
        .assert_eq(&edited);
    }
}
