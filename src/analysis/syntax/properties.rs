//! Java `.properties` adapter (tree-sitter-properties): `key=value`, `key: value`, `key value`,
//! `\` line continuations, escapes, `#`/`!` comments. Keys split on `.` into segments
//! (`spring.mail.port` → `["spring", "mail", "port"]`; `a.b[0]` → `["a", "b", "0"]`).

use std::sync::{Mutex, PoisonError};

use tree_sitter::{Node, Parser};

use super::chunked::{self, Chunk, ChunkFormat};

use super::{line_end, line_lead, slice, EntryStyle, Parsed, Setting, ValueKind};

pub fn parse(text: &str) -> Parsed {
    chunked::parse::<Chunks>(text).unwrap_or_else(|| parse_whole(text))
}

/// A big document is read in chunks (see [`super::chunked`]) of about 16 lines. A chunk
/// starts at a line that the line before does not continue (an odd number of `\` at its end;
/// also counted on comments, to be safe) and whose bytes hash to 0 mod 16: the choice depends
/// on those two lines only, so an edit moves no other chunk's start.
fn starts_chunk(text: &str, line: usize) -> bool {
    let bytes = text.as_bytes();
    let Some(before) = line.checked_sub(1).and_then(|end| bytes.get(..end)) else {
        return true;
    };
    let before = before.strip_suffix(b"\r").unwrap_or(before);
    let backslashes = before.iter().rev().take_while(|&&b| b == b'\\').count();
    if backslashes % 2 == 1 {
        return false;
    }
    let end = bytes
        .get(line..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |i| line + i);
    // FNV-1a
    let hash = bytes
        .get(line..end)
        .unwrap_or(&[])
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    hash % 16 == 0
}

/// Big documents are read in chunks that start where [`starts_chunk`] says.
pub(crate) struct Chunks;

impl ChunkFormat for Chunks {
    type Place = ();
    type Carry = ();

    fn parser() -> Option<Parser> {
        super::parser_for(&tree_sitter_properties::LANGUAGE.into())
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

/// One tree for the whole text (what a big document's chunks must add up to).
pub(crate) fn parse_whole(text: &str) -> Parsed {
    Chunks::parser().map_or_else(Parsed::default, |mut parser| read_text(&mut parser, text))
}

/// tree-sitter-properties keeps its scanner's state in one C global (`reached_eof`), so two
/// parses at once in different threads corrupt it, and one can then read "end of file" forever
/// and use up all memory. Every parse holds this lock.
static ONE_PARSE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn read_text(parser: &mut Parser, text: &str) -> Parsed {
    let read = {
        let _alone = ONE_PARSE_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        super::bounded::parse(parser, text, None, None)
    };
    let Some(tree) = &read.tree else {
        return Parsed::default();
    };
    let mut settings = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "property" => settings.extend(property(text, node)),
            "file" | "ERROR" => {
                let mut cursor = node.walk();
                let children: Vec<_> = node.named_children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    Parsed {
        settings,
        errors: read.errors(text),
    }
}

fn property(text: &str, node: Node) -> Option<Setting> {
    let mut cursor = node.walk();
    let children: Vec<_> = node.named_children(&mut cursor).collect();
    let key = children.iter().find(|n| n.kind() == "key")?;
    let value = children.iter().find(|n| n.kind() == "value");
    let key_text = slice(text, key.start_byte()..key.end_byte());
    let (path, last_start) = split_key(key_text);
    if path.is_empty() {
        return None;
    }
    let key_span = key.start_byte() + last_start..key.end_byte();
    let (decoded, value_span, separator) = match value {
        Some(v) => {
            let span = v.start_byte()..v.end_byte();
            let separator = slice(text, key.end_byte()..v.start_byte()).to_string();
            (decode(slice(text, span.clone())), span, separator)
        }
        None => {
            // `key=` or a bare `key`: the empty value sits after the separator.
            let rest = slice(text, key.end_byte()..line_end(text, key.end_byte()));
            let width = rest.len()
                - rest
                    .trim_start_matches([' ', '\t', '\u{c}', '=', ':'])
                    .len();
            let at = key.end_byte() + width;
            (
                String::new(),
                at..at,
                slice(text, key.end_byte()..at).to_string(),
            )
        }
    };
    let entry_end = value.map_or(key.end_byte(), |v| v.end_byte());
    Some(Setting {
        path: super::segments(path),
        value: decoded,
        kind: ValueKind::Plain,
        key_span,
        value_span,
        style: EntryStyle {
            insert_at: line_end(text, entry_end.saturating_sub(1).max(key.start_byte())),
            lead: line_lead(text, key.start_byte()).into(),
            item_prefix: String::new(),
            key_prefix: key_text.get(..last_start).unwrap_or("").to_string(),
            key_quote: None,
            // As written (`=`, `: `, ` = `, a blank), unless it spans lines.
            separator: if separator.is_empty() || separator.contains('\n') {
                "=".into()
            } else {
                separator.into()
            },
            env_in_string: false,
            inherited: false,
            quoted_values: false,
            suffix: String::new(),
        },
    })
}

/// Splits a written key into decoded segments; also returns where the last segment starts in
/// the written key.
fn split_key(written: &str) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut last_start = 0;
    let mut chars = written.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    push_escape(&mut current, escaped, &mut chars);
                }
            }
            '.' => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                last_start = i + 1;
            }
            '[' => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                last_start = i;
            }
            ']' => {
                segments.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    (segments, last_start.min(written.len()))
}

fn push_escape(
    out: &mut String,
    escaped: char,
    chars: &mut std::iter::Peekable<impl Iterator<Item = (usize, char)>>,
) {
    match escaped {
        't' => out.push('\t'),
        'n' => out.push('\n'),
        'r' => out.push('\r'),
        'f' => out.push('\u{c}'),
        'u' => {
            let hex: String = (0..4)
                .filter_map(|_| chars.next().map(|(_, c)| c))
                .collect();
            let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
            out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        '\r' | '\n' => {
            // Line continuation: skip the break and the next line's leading blanks.
            if escaped == '\r' && chars.peek().is_some_and(|(_, c)| *c == '\n') {
                chars.next();
            }
            while chars
                .peek()
                .is_some_and(|(_, c)| matches!(c, ' ' | '\t' | '\u{c}'))
            {
                chars.next();
            }
        }
        other => out.push(other),
    }
}

/// Decodes a value as written: escapes and line continuations.
fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '\\' {
            if let Some((_, escaped)) = chars.next() {
                push_escape(&mut out, escaped, &mut chars);
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end_matches(['\r', '\n']).to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::syntax::show_parsed as show;
    use expect_test::{expect, Expect};

    fn check(text: &str, expect: Expect) {
        expect.assert_eq(&show(text, &parse(text)));
    }

    /// A big Spring `application.properties`: the three separators, `\\` continuations (also
    /// ending in an escaped backslash, which does not continue), comments (one ending in `\\`),
    /// escapes, indexes, blank lines, CRLF lines.
    pub(crate) fn big_properties(services: usize) -> String {
        let mut out = String::from("# Spring Boot\n! legacy comment\n\n");
        for i in 0..services {
            let port = [587, 465, 25, 2525][i % 4];
            out.push_str(&format!(
                "app{i}.mail.host=smtp-{i}.example.com\napp{i}.mail.port: {port}\napp{i}.mail.properties.mail.smtp.starttls.enable true\napp{i}.recipients[0]=ops@example.com\napp{i}.banner = first line \\\n    second line \\\n    third\n"
            ));
            match i % 4 {
                0 => out.push_str(&format!("# note \\\napp{i}.path=C:\\\\mail\\\\\n\n")),
                1 => out.push_str(&format!(
                    "app{i}.caf\\u00e9 = caf\\u00e9\r\napp{i}.empty=\r\n"
                )),
                2 => out.push_str(&format!("app{i}.list = a,\\\r\n  b\r\n\n")),
                _ => out.push('\n'),
            }
        }
        out
    }

    #[test]
    fn big_documents_read_in_chunks_as_one_tree_does() {
        let text = big_properties(150);
        let chunks = chunked::chunks::<Chunks>(&text).unwrap_or_default();
        assert!(chunks.len() > 20, "{}", chunks.len());
        // No chunk starts on a continued line.
        for chunk in &chunks {
            let before = text[..chunk.start].trim_end_matches(['\n', '\r']);
            let backslashes = before.len() - before.trim_end_matches('\\').len();
            assert!(
                backslashes % 2 == 0 || chunk.start == 0,
                "{:?}",
                &text[chunk.start..chunk.end]
            );
        }
        let whole = parse_whole(&text);
        let chunked = parse(&text);
        if let Some(difference) = super::super::first_difference(&chunked, &whole) {
            panic!("{difference}");
        }
        assert_eq!(chunked, whole);
    }

    #[test]
    fn spring_application_properties() {
        check(
            "# Spring\nspring.mail.host=smtp.example.com\nspring.mail.port: 587\n! old style comment\nspring.mail.properties.mail.smtp.starttls.enable true\nspring.mail.password = p\\u0041ss\\\n    word\nlist[0].name=a\nempty=\n",
            expect![[r#"
                spring/mail/host = "smtp.example.com" Plain value@26..42 "smtp.example.com" style(at 42, lead "\n", prefix "" "spring.mail.", sep "=")
                spring/mail/port = "587" Plain value@61..64 "587" style(at 64, lead "\n", prefix "" "spring.mail.", sep ": ")
                spring/mail/properties/mail/smtp/starttls/enable = "true" Plain value@134..138 "true" style(at 138, lead "\n", prefix "" "spring.mail.properties.mail.smtp.starttls.", sep " ")
                spring/mail/password = "pAssword" Plain value@162..181 "p\\u0041ss\\\n    word" style(at 181, lead "\n", prefix "" "spring.mail.", sep " = ")
                list/0/name = "a" Plain value@195..196 "a" style(at 196, lead "\n", prefix "" "list[0].", sep "=")
                empty = "" Plain value@203..203 "" style(at 203, lead "\n", prefix "" "", sep "=")
            "#]],
        );
    }

    #[test]
    fn inserted_sibling_reparses_with_the_same_prefix() {
        let text = "spring.mail.host=smtp.example.com\nspring.mail.port=465\nserver.port=8080\n";
        let parsed = parse(text);
        let port = parsed
            .settings
            .iter()
            .find(|s| s.path_names() == ["spring", "mail", "port"])
            .unwrap();
        let edited = super::super::with_sibling(text, port, "protocol", "smtps");
        let reparsed = parse(&edited);
        assert!(reparsed.errors.is_empty(), "{edited}");
        assert!(reparsed
            .settings
            .iter()
            .any(|s| s.path_names() == ["spring", "mail", "protocol"]));
        expect![[r#"
            spring.mail.host=smtp.example.com
            spring.mail.port=465
            spring.mail.protocol=smtps
            server.port=8080
        "#]]
        .assert_eq(&edited);
    }

    #[test]
    fn parses_in_several_threads_at_once() {
        // The grammar's scanner state is one C global: without ONE_PARSE_AT_A_TIME a parse in
        // one thread can make another read "end of file" forever, eating memory (it once took
        // 23 GB). A watchdog ends the process before that goes far.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watched = done.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while !watched.load(std::sync::atomic::Ordering::SeqCst) {
                let resident_pages: u64 = std::fs::read_to_string("/proc/self/statm")
                    .ok()
                    .and_then(|s| s.split_whitespace().nth(1)?.parse().ok())
                    .unwrap_or(0);
                if resident_pages > 500_000 || started.elapsed().as_secs() > 120 {
                    eprintln!("properties parses in parallel ran away ({resident_pages} pages)");
                    std::process::abort();
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        let text = big_properties(150);
        let want = parse_whole(&text);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (text, want) = (text.clone(), want.clone());
                std::thread::spawn(move || (0..20).all(|_| parse(&text) == want))
            })
            .collect();
        for thread in threads {
            assert!(thread.join().is_ok_and(|same| same));
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
