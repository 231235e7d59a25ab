//! TOML adapter (tree-sitter-toml-ng): tables `[a.b]`, arrays of tables `[[a]]` (index
//! segments), dotted keys, inline tables, arrays, strings (basic, literal, multi-line), numbers,
//! booleans. Dates and times are read as plain text.

use std::collections::HashMap;

use tree_sitter::Node;

use super::named_children;

use super::{
    line_end, line_lead, parse_tree, slice, tree_errors, EntryStyle, Parsed, Setting, Span,
    ValueKind,
};

pub fn parse(text: &str) -> Parsed {
    let Some(tree) = parse_tree(&tree_sitter_toml_ng::LANGUAGE.into(), text, None) else {
        return Parsed::default();
    };
    let mut reader = Reader {
        text,
        settings: Vec::new(),
        array_tables: HashMap::new(),
    };
    reader.container(tree.root_node(), &[]);
    Parsed {
        settings: reader.settings,
        errors: tree_errors(&tree, text),
    }
}

struct Reader<'a> {
    text: &'a str,
    settings: Vec<Setting>,
    /// For each array of tables (its header path as written): how many elements so far.
    array_tables: HashMap<Vec<String>, usize>,
}

/// Where a pair sits: a table body (line layout) or an inline table.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    Lines,
    Inline,
}

impl Reader<'_> {
    /// The document, a table or an array-of-tables element: its header (if any), then its pairs.
    fn container(&mut self, node: Node, base: &[String]) {
        for child in named_children(node) {
            match child.kind() {
                "pair" => self.pair(child, base, Layout::Lines),
                "table" | "table_array_element" => {
                    let path = self.header_path(child);
                    self.container(child, &path);
                }
                "ERROR" => self.container(child, base),
                _ => {}
            }
        }
    }

    /// The resolved path of a `[a.b]` / `[[a.b]]` header: array-of-tables segments get the
    /// index of their current element.
    fn header_path(&mut self, table: Node) -> Vec<String> {
        let Some(key) = named_children(table)
            .into_iter()
            .find(|n| matches!(n.kind(), "bare_key" | "quoted_key" | "dotted_key"))
        else {
            return Vec::new();
        };
        let written: Vec<String> = key_parts(key)
            .into_iter()
            .map(|k| decode_key(self.text, k))
            .collect();
        if table.kind() == "table_array_element" {
            let count = self.array_tables.entry(written.clone()).or_insert(0);
            *count += 1;
            // A new element of `[[a]]` starts its own sub-arrays afresh.
            let prefix_len = written.len();
            self.array_tables
                .retain(|k, _| k.len() <= prefix_len || k[..prefix_len] != written[..]);
        }
        let mut path = Vec::new();
        for end in 1..=written.len() {
            path.push(written[end - 1].clone());
            if let Some(count) = self.array_tables.get(&written[..end]) {
                path.push(count.saturating_sub(1).to_string());
            }
        }
        path
    }

    fn pair(&mut self, pair: Node, base: &[String], layout: Layout) {
        let Some(key) = named_children(pair)
            .into_iter()
            .find(|n| matches!(n.kind(), "bare_key" | "quoted_key" | "dotted_key"))
        else {
            return;
        };
        let parts = key_parts(key);
        let Some(last) = parts.last().copied() else {
            return;
        };
        let mut path = base.to_vec();
        path.extend(parts.iter().map(|k| decode_key(self.text, *k)));
        let value = named_children(pair)
            .into_iter()
            .filter(|n| n.start_byte() >= key.end_byte())
            .find(|n| n.kind() != "comment");
        let key_prefix = slice(self.text, key.start_byte()..last.start_byte()).to_string();
        let separator = match value {
            Some(value) => {
                let between = slice(self.text, key.end_byte()..value.start_byte());
                if between.trim() == "=" && !between.contains('\n') {
                    between.to_string()
                } else {
                    " = ".to_string()
                }
            }
            None => " = ".to_string(),
        };
        let style = |insert_at: usize| EntryStyle {
            insert_at,
            lead: match layout {
                Layout::Lines => line_lead(self.text, pair.start_byte()),
                Layout::Inline => ", ".to_string(),
            },
            item_prefix: String::new(),
            key_prefix: key_prefix.clone(),
            key_quote: None,
            separator: separator.clone(),
            env_in_string: false,
            suffix: String::new(),
        };
        let Some(value) = value else {
            return;
        };
        let insert_at = match layout {
            Layout::Lines => line_end(
                self.text,
                value.end_byte().saturating_sub(1).max(pair.start_byte()),
            ),
            Layout::Inline => value.end_byte(),
        };
        let style = style(insert_at);
        let key_span = key_span(last);
        self.value(value, path, key_span, style);
    }

    fn value(&mut self, value: Node, path: Vec<String>, key_span: Span, style: EntryStyle) {
        match value.kind() {
            "inline_table" => {
                for pair in named_children(value) {
                    if pair.kind() == "pair" {
                        self.pair(pair, &path, Layout::Inline);
                    }
                }
            }
            "array" => {
                let elements = named_children(value)
                    .into_iter()
                    .filter(|n| !matches!(n.kind(), "comment" | "ERROR"));
                for (index, element) in elements.enumerate() {
                    let mut element_path = path.clone();
                    element_path.push(index.to_string());
                    let span = scalar_span(self.text, element);
                    let style = EntryStyle {
                        insert_at: element.end_byte(),
                        lead: ", ".to_string(),
                        ..EntryStyle::default()
                    };
                    self.value(element, element_path, span, style);
                }
            }
            _ => {
                let (decoded, kind) = decode_scalar(self.text, value);
                self.settings.push(Setting {
                    path: super::segments(path),
                    value: decoded,
                    kind,
                    key_span,
                    value_span: scalar_span(self.text, value),
                    style,
                });
            }
        }
    }
}

/// The simple keys of a key, outermost first (`a."b.c".d` → three nodes).
fn key_parts(key: Node) -> Vec<Node> {
    if key.kind() != "dotted_key" {
        return vec![key];
    }
    named_children(key)
        .into_iter()
        .flat_map(key_parts)
        .collect()
}

fn key_span(key: Node) -> Span {
    if key.kind() == "quoted_key" {
        let (start, end) = (key.start_byte(), key.end_byte());
        if end >= start + 2 {
            return start + 1..end - 1;
        }
    }
    key.start_byte()..key.end_byte()
}

fn decode_key(text: &str, key: Node) -> String {
    let raw = slice(text, key.start_byte()..key.end_byte());
    if key.kind() != "quoted_key" {
        return raw.to_string();
    }
    decode_string(raw).0
}

/// The value span: inside the quotes for strings.
fn scalar_span(text: &str, value: Node) -> Span {
    let (start, end) = (value.start_byte(), value.end_byte());
    if value.kind() == "string" {
        let inner = decode_string(slice(text, start..end)).1;
        return start + inner.start..start + inner.end;
    }
    start..end
}

fn decode_scalar(text: &str, value: Node) -> (String, ValueKind) {
    let raw = slice(text, value.start_byte()..value.end_byte());
    match value.kind() {
        "string" => (decode_string(raw).0, ValueKind::Quoted),
        "integer" | "float" => (raw.to_string(), ValueKind::Number),
        "boolean" => (raw.to_string(), ValueKind::Bool),
        _ => (raw.to_string(), ValueKind::Plain),
    }
}

/// Decodes a TOML string as written (with its quotes); also returns the byte range of the
/// content inside the quotes, relative to `raw`.
fn decode_string(raw: &str) -> (String, Span) {
    let (quote, width) = if raw.starts_with("\"\"\"") && raw.len() >= 6 {
        ('"', 3)
    } else if raw.starts_with("'''") && raw.len() >= 6 {
        ('\'', 3)
    } else if raw.starts_with('"') && raw.len() >= 2 {
        ('"', 1)
    } else if raw.starts_with('\'') && raw.len() >= 2 {
        ('\'', 1)
    } else {
        return (raw.to_string(), 0..raw.len());
    };
    let inner_span = width..raw.len() - width;
    let mut inner = raw.get(inner_span.clone()).unwrap_or("");
    if width == 3 {
        // A line break right after the opening quotes is not part of the value.
        inner = inner
            .strip_prefix("\r\n")
            .or_else(|| inner.strip_prefix('\n'))
            .unwrap_or(inner);
    }
    if quote == '\'' {
        return (inner.to_string(), inner_span);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('e') => out.push('\u{1b}'),
            Some(code @ ('u' | 'U')) => {
                let hex: String = chars
                    .by_ref()
                    .take(if code == 'u' { 4 } else { 8 })
                    .collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            // Line-ending backslash in a multi-line string: drop the break and leading blanks.
            Some(w) if w.is_whitespace() => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    (out, inner_span)
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
    fn himalaya_dotted_keys_and_inline_tables() {
        check(
            "[accounts.work]\ndefault = true\nimap.server = \"imaps://imap.example.com:993\"\nsmtp = { host = 'smtp.example.com', port = 587 }\n\"quoted.key\" = \"\"\"\nline\\n\"\"\"\n",
            expect![[r#"
                accounts/work/default = "true" Bool value@26..30 "true" style(at 30, lead "\n", prefix "" "", sep " = ")
                accounts/work/imap/server = "imaps://imap.example.com:993" Quoted value@46..74 "imaps://imap.example.com:993" style(at 75, lead "\n", prefix "" "imap.", sep " = ")
                accounts/work/smtp/host = "smtp.example.com" Quoted value@93..109 "smtp.example.com" style(at 110, lead ", ", prefix "" "", sep " = ")
                accounts/work/smtp/port = "587" Number value@119..122 "587" style(at 122, lead ", ", prefix "" "", sep " = ")
                accounts/work/quoted.key = "line\n" Quoted value@143..150 "\nline\\n" style(at 153, lead "\n", prefix "" "", sep " = ")
            "#]],
        );
    }

    #[test]
    fn arrays_of_tables_and_arrays() {
        check(
            "title = \"x\"\n[[servers]]\nport = 25\n[[servers]]\nport = 465\n[servers.tls]\nverify = false\nciphers = [\"a\", 'b']\n",
            expect![[r#"
                title = "x" Quoted value@9..10 "x" style(at 11, lead "\n", prefix "" "", sep " = ")
                servers/0/port = "25" Number value@31..33 "25" style(at 33, lead "\n", prefix "" "", sep " = ")
                servers/1/port = "465" Number value@53..56 "465" style(at 56, lead "\n", prefix "" "", sep " = ")
                servers/1/tls/verify = "false" Bool value@80..85 "false" style(at 85, lead "\n", prefix "" "", sep " = ")
                servers/1/tls/ciphers/0 = "a" Quoted value@98..99 "a" style(at 100, lead ", ", prefix "" "", sep "")
                    key written "a"
                servers/1/tls/ciphers/1 = "b" Quoted value@103..104 "b" style(at 105, lead ", ", prefix "" "", sep "")
                    key written "b"
            "#]],
        );
    }

    #[test]
    fn errors_keep_readable_settings() {
        check(
            "[smtp]\nhost = \"a\"\nport = \n[imap\nport = 993\n",
            expect![[r#"
            smtp/host = "a" Quoted value@15..16 "a" style(at 17, lead "\n", prefix "" "", sep " = ")
            error 23..24: unexpected '='
            error 26..27: unexpected '['
        "#]],
        );
    }

    #[test]
    fn inserted_siblings_reparse_in_the_same_table() {
        let mut out = String::new();
        for (text, key) in [
            (
                "[accounts.work]\nsmtp.server = \"smtp://smtp.example.com:587\" # relay\n[other]\n",
                "server",
            ),
            (
                "[mail]\nsmtp = { host = \"smtp.example.com\", port = 587 }\n",
                "port",
            ),
        ] {
            let parsed = parse(text);
            let setting = parsed.settings.iter().find(|s| s.key() == key).unwrap();
            let edited = super::super::with_sibling(text, setting, "starttls", "true");
            let reparsed = parse(&edited);
            assert!(reparsed.errors.is_empty(), "{edited}");
            let new = reparsed
                .settings
                .iter()
                .find(|s| s.key() == "starttls")
                .unwrap();
            assert_eq!(
                new.path[..new.path.len() - 1],
                setting.path[..setting.path.len() - 1]
            );
            out.push_str(&edited);
        }
        expect![[r#"
            [accounts.work]
            smtp.server = "smtp://smtp.example.com:587" # relay
            smtp.starttls = true
            [other]
            [mail]
            smtp = { host = "smtp.example.com", port = 587, starttls = true }
        "#]]
        .assert_eq(&out);
    }
}
