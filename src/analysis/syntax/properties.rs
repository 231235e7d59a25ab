//! Java `.properties` adapter: a line reader that reads a file as `java.util.Properties.load`
//! does. `key=value`, `key: value`, `key value`; a line that ends in an odd number of `\\`
//! continues on the next one (whose leading blanks are skipped); escapes; `#`/`!` comment lines
//! (which never continue); `\n`, `\r\n` and a lone `\r` end lines. Keys split on `.` into
//! segments (`spring.mail.port` → `["spring", "mail", "port"]`; `a.b[0]` → `["a", "b", "0"]`).
//!
//! Java reads every text as properties: there are no syntax errors. tree-sitter-properties is
//! the reference of the differential test below; it is not used to read, because it took a second
//! for a megabyte and its scanner keeps its state in one C global (one parse at a time).

use crate::analysis::syntax::EnvDefault;
use std::ops::Range;

use tree_sitter::Parser;

use super::chunked::{Chunk, ChunkFormat};

use super::{slice, EntryShape, EntryStyle, Parsed, Setting, ValueKind};

pub fn parse(text: &str) -> Parsed {
    read_entries(text, 0..text.len())
}

/// The entries of `text` from `within.start` (a logical line's start) to `within.end`.
fn read_entries(text: &str, within: Range<usize>) -> Parsed {
    let mut settings = Vec::new();
    let mut pos = within.start;
    while pos < within.end {
        let (setting, next) = logical_line(text, pos);
        settings.extend(setting);
        if next <= pos {
            break;
        }
        pos = next;
    }
    Parsed::new(settings, Vec::new())
}

/// A document between edits is kept in chunks of about 16 lines. A chunk starts at a line that
/// the line before does not continue (an odd number of `\` at its end; also counted on comments,
/// to be safe) and whose bytes hash to 0 mod 16: the choice depends on those two lines only, so
/// an edit moves no other chunk's start. The chunks read exactly as [`parse`] reads.
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
    super::line_hash(text, line) % 16 == 0
}

/// Documents are kept in chunks that start where [`starts_chunk`] says.
pub(crate) struct Chunks;

impl ChunkFormat for Chunks {
    type Place = ();
    type Carry = ();
    const AT_ANY_SIZE: bool = true;

    fn parser() -> Option<Parser> {
        Some(Parser::new()) // the line reader needs none
    }

    fn unit_end(text: &str, start: usize) -> usize {
        super::next_line_where(text, start, starts_chunk)
    }

    fn read(
        _: &mut Parser,
        text: &str,
        chunk: &Chunk<()>,
        _: &(),
        _wanted: &dyn Fn(&str) -> bool,
    ) -> (Parsed, ()) {
        (read_entries(text, chunk.start..chunk.end), ())
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

/// Where a logical line is being read: `at` on the physical line that ends (before its line
/// break) at `content_end`; the next physical line starts at `next_line`.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
    content_end: usize,
    next_line: usize,
}

impl<'a> Cursor<'a> {
    fn at_line(text: &'a str, start: usize) -> Self {
        let bytes = text.as_bytes();
        let (content_end, next_line) = match bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n' || b == b'\r'))
        {
            None => (text.len(), text.len()),
            Some(i) => {
                let end = start + i;
                let crlf = bytes.get(end) == Some(&b'\r') && bytes.get(end + 1) == Some(&b'\n');
                (end, end + if crlf { 2 } else { 1 })
            }
        };
        let mut cursor = Cursor {
            text,
            at: start,
            content_end,
            next_line,
        };
        cursor.skip_blanks();
        cursor
    }

    fn byte(&self) -> Option<u8> {
        (self.at < self.content_end)
            .then(|| self.text.as_bytes().get(self.at).copied())
            .flatten()
    }

    fn skip_blanks(&mut self) {
        while self.byte().is_some_and(is_blank) {
            self.at += 1;
        }
    }

    /// Moves over continuations: an unpaired `\` that ends a physical line which another line
    /// follows, and that line's leading blanks.
    fn over_continuations(&mut self) {
        while self.at + 1 == self.content_end
            && self.byte() == Some(b'\\')
            && self.content_end < self.text.len()
        {
            *self = Cursor::at_line(self.text, self.next_line);
        }
    }

    /// Moves over one character, or one escape (`\` and the character after it).
    fn step(&mut self) {
        let width = |at: usize| {
            self.text
                .get(at..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8)
        };
        self.at += if self.byte() == Some(b'\\') && self.at + 1 < self.content_end {
            1 + width(self.at + 1)
        } else {
            width(self.at)
        };
    }
}

/// Reads the logical line that starts at `start`: its setting, if any, and where the next
/// logical line starts.
fn logical_line(text: &str, start: usize) -> (Option<Setting>, usize) {
    let mut cursor = Cursor::at_line(text, start);
    let key_start = cursor.at;
    if matches!(cursor.byte(), None | Some(b'#' | b'!')) {
        return (None, cursor.next_line); // blank or comment
    }
    // A sibling is written with this line's break and indentation.
    let line_break = match slice(text, cursor.content_end..cursor.next_line) {
        "" => "\n",
        written => written,
    };
    let indentation = slice(text, start..key_start);
    let indentation =
        &indentation[..indentation.len() - indentation.trim_start_matches([' ', '\t']).len()];
    let lead = format!("{line_break}{indentation}");
    // The key runs to the first unescaped separator or blank (Java reads it over continuations).
    loop {
        cursor.over_continuations();
        match cursor.byte() {
            None | Some(b'=' | b':') => break,
            Some(b) if is_blank(b) => break,
            Some(_) => cursor.step(),
        }
    }
    let key_end = cursor.at;
    // Blanks, at most one `=` or `:`, blanks.
    let mut separated = false;
    loop {
        cursor.over_continuations();
        match cursor.byte() {
            Some(b) if is_blank(b) => cursor.at += 1,
            Some(b'=' | b':') if !separated => {
                separated = true;
                cursor.at += 1;
            }
            _ => break,
        }
    }
    let value_start = cursor.at;
    // The value runs to the end of the logical line.
    loop {
        cursor.over_continuations();
        if cursor.byte().is_none() {
            break;
        }
        cursor.step();
    }
    let value_end = cursor.at.min(text.len());
    let entry = Entry {
        key: key_start..key_end,
        value: value_start..value_end,
        lead,
        insert_at: cursor.content_end,
    };
    (entry.setting(text), cursor.next_line)
}

/// Where one entry's parts are written.
struct Entry {
    key: Range<usize>,
    value: Range<usize>,
    /// A line break and the indentation a sibling is written with.
    lead: String,
    /// The end of the entry's last line (before its break).
    insert_at: usize,
}

impl Entry {
    fn setting(self, text: &str) -> Option<Setting> {
        let Entry {
            key,
            value,
            lead,
            insert_at,
        } = self;
        let key_text = slice(text, key.clone());
        let (path, last_start) = split_key(key_text);
        if path.is_empty() {
            return None;
        }
        let separator = slice(text, key.end..value.start);
        let mut setting = Setting {
            path: super::segments(path),
            value: decode(slice(text, value.clone())),
            kind: ValueKind::Plain,
            key_span: key.start + last_start..key.end,
            value_span: value,
            style: EntryStyle::new(
                insert_at,
                EntryShape {
                    lead: lead.into(),
                    item_prefix: String::new(),
                    key_prefix: key_text.get(..last_start).unwrap_or("").to_string(),
                    key_quote: None,
                    // As written (`=`, `: `, ` = `, a blank), unless it spans lines.
                    separator: if separator.is_empty() || separator.contains(['\n', '\r']) {
                        "=".into()
                    } else {
                        separator.into()
                    },
                    env_in_string: false,
                    inherited: false,
                    quoted_values: false,
                    suffix: String::new(),
                },
            ),
            env_default: EnvDefault::None,
        };
        super::read_placeholder_default(&mut setting, text, |_| ValueKind::Plain);
        Some(setting)
    }
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
    use crate::analysis::syntax::{line_end, line_lead};
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
    fn big_documents_read_in_chunks_as_a_whole_read_does() {
        let text = big_properties(150);
        let chunks = super::super::chunked::chunks::<Chunks>(&text).unwrap_or_default();
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
        let mut read = Parsed::default();
        for chunk in &chunks {
            read.settings
                .extend(read_entries(&text, chunk.start..chunk.end).settings);
        }
        assert_eq!(read, parse(&text));
        // Five settings a service, and one, two, one or none more by its place in four.
        assert_eq!(read.settings.len(), 150 * 5 + 38 + 2 * 38 + 37);
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

    /// What Java reads (`Properties.load`) where tree-sitter-properties reads otherwise.
    #[test]
    fn java_reads_where_tree_sitter_does_not() {
        check(
            "=orphan\nspring.mail.\\\n    port=465\nspring.mail.host \\\n  = smtp.example.com\nspring.mail.username=\\\n   app\nlist[0=x\napp${ENV}.port: 25\nold.mac=a\rnext=b\n# comment \\\nafter.comment=c\nend=d\\",
            expect![[r#"
                spring/mail/port = "465" Plain value@31..34 "465" style(at 34, lead "\n", prefix "" "spring.mail.", sep "=")
                    key written "\\\n    port"
                spring/mail/host = "smtp.example.com" Plain value@58..74 "smtp.example.com" style(at 74, lead "\n", prefix "" "spring.mail.", sep "=")
                spring/mail/username = "app" Plain value@101..104 "app" style(at 104, lead "\n", prefix "" "spring.mail.", sep "=")
                list/0 = "x" Plain value@112..113 "x" style(at 113, lead "\n", prefix "" "list", sep "=")
                    key written "[0"
                app${ENV}/port = "25" Plain value@130..132 "25" style(at 132, lead "\n", prefix "" "app${ENV}.", sep ": ")
                old/mac = "a" Plain value@141..142 "a" style(at 142, lead "\r", prefix "" "old.", sep "=")
                next = "b" Plain value@148..149 "b" style(at 149, lead "\n", prefix "" "", sep "=")
                after/comment = "c" Plain value@176..177 "c" style(at 177, lead "\n", prefix "" "after.", sep "=")
                end = "d" Plain value@182..184 "d\\" style(at 184, lead "\n", prefix "" "", sep "=")
            "#]],
        );
    }

    /// tree-sitter-properties' reading, the reference the line reader is held to.
    fn tree_sitter_read(text: &str) -> Parsed {
        let mut parser = Parser::new();
        let language = tree_sitter_properties::LANGUAGE.into();
        if parser.set_language(&language).is_err() {
            return Parsed::default();
        }
        let Some(tree) = parser.parse(text, None) else {
            return Parsed::default();
        };
        let mut read = Parsed::default();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "property" => {
                    let children = super::super::named_children(node);
                    let Some(key) = children.iter().find(|n| n.kind() == "key") else {
                        continue;
                    };
                    let value = children.iter().find(|n| n.kind() == "value").map_or_else(
                        || {
                            // `key=` or a bare `key`: the empty value sits after the separator.
                            let rest = slice(text, key.end_byte()..line_end(text, key.end_byte()));
                            let width = rest.len()
                                - rest
                                    .trim_start_matches([' ', '\t', '\u{c}', '=', ':'])
                                    .len();
                            key.end_byte() + width..key.end_byte() + width
                        },
                        |v| v.start_byte()..v.end_byte(),
                    );
                    // After the entry's last line; a value continued onto an empty line ends
                    // with that line's start.
                    let insert_at = if slice(text, value.clone()).ends_with(['\n', '\r']) {
                        value.end
                    } else {
                        let entry_end = if value.is_empty() {
                            key.end_byte()
                        } else {
                            value.end
                        };
                        line_end(text, entry_end.saturating_sub(1).max(key.start_byte()))
                    };
                    let entry = Entry {
                        key: key.start_byte()..key.end_byte(),
                        insert_at,
                        lead: line_lead(text, key.start_byte()),
                        value,
                    };
                    read.settings.extend(entry.setting(text));
                }
                "file" | "ERROR" => {
                    stack.extend(super::super::named_children(node).into_iter().rev());
                }
                _ => {}
            }
        }
        if tree.root_node().has_error() {
            read.errors.push(super::super::SyntaxError {
                span: 0..0,
                message: "tree-sitter error".into(),
            });
        }
        read
    }

    /// Texts tree-sitter reads without an error read as it reads them, but for what Java reads
    /// otherwise and tree-sitter does not (see `java_reads_where_tree_sitter_does_not`): random
    /// line-level edits of a big file, every example and fixture.
    #[test]
    fn reads_as_tree_sitter_reads_valid_files() {
        let mut texts = vec![big_properties(4)];
        for dir in ["examples", "tests/fixtures"] {
            let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "properties") {
                        texts.extend(std::fs::read_to_string(&path));
                    }
                }
            }
        }
        assert!(texts.len() >= 2, "{}", texts.len());
        const PIECES: &[&str] = &[
            "\n",
            " ",
            "=",
            ":",
            "#",
            "!",
            "\\",
            "x",
            "a.b",
            "[0]",
            "\r\n",
            "é",
            "\t",
            "\\u0041",
            "${HOST}",
            "mail.port = 465\n",
            "k: v \\\n  w\n",
        ];
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % below as u64) as usize
        };
        let (mut compared, mut skipped) = (0, 0);
        for original in texts {
            let mut text = original.clone();
            for _ in 0..3000 {
                let reference = tree_sitter_read(&text);
                if reference.errors.is_empty() && !java_differs(&text) {
                    let read = parse(&text);
                    if let Some(difference) = super::super::first_difference(&read, &reference) {
                        panic!("{difference}\non {text:?}");
                    }
                    compared += 1;
                } else {
                    skipped += 1;
                }
                let mut at = next(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                if next(3) == 0 {
                    let mut end = (at + next(8)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, "");
                } else {
                    text.insert_str(at, PIECES[next(PIECES.len())]);
                }
                if next(20) == 0 {
                    text = original.clone();
                }
            }
        }
        assert!(compared > skipped, "{compared} compared, {skipped} skipped");
    }

    /// The texts where Java's reading and tree-sitter's differ: an empty key (`=value`: Java's
    /// key is empty, tree-sitter's is `=`), a key or the blanks after it
    /// continued over a line break, or a continuation right after the separator (Java joins the
    /// lines first: its value starts at its first character, tree-sitter's at the `\\`), a key
    /// with an unclosed `[` (tree-sitter reads the rest of the line as the key) or a `${`
    /// (tree-sitter starts a value there, without a separator), a lone `\r`
    /// (tree-sitter reads it as a key character).
    fn java_differs(text: &str) -> bool {
        let odd_end = |s: &str| (s.len() - s.trim_end_matches('\\').len()) % 2 == 1;
        let mut continued = false;
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let starts = !continued;
            let blank = line.trim_start_matches([' ', '\t', '\u{c}']);
            continued = !(starts && blank.starts_with(['#', '!'])) && odd_end(line);
            if !starts || blank.is_empty() || blank.starts_with(['#', '!']) {
                continue;
            }
            let (mut key_end, mut escaped) = (blank.len(), false);
            for (i, c) in blank.char_indices() {
                if !escaped && matches!(c, '=' | ':' | ' ' | '\t' | '\u{c}') {
                    key_end = i;
                    break;
                }
                escaped = !escaped && c == '\\';
            }
            let key = &blank[..key_end];
            let rest = blank[key_end..].trim_start_matches([' ', '\t', '\u{c}']);
            let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
            let rest = rest.trim_start_matches([' ', '\t', '\u{c}']);
            if key.is_empty()
                || (key_end == blank.len() && odd_end(key))
                || rest == "\\"
                || key.matches('[').count() != key.matches(']').count()
                || key.contains("${")
            {
                return true;
            }
        }
        text.replace("\r\n", "").contains('\r')
    }
}
