//! TOML adapter (tree-sitter-toml-ng): tables `[a.b]`, arrays of tables `[[a]]` (index
//! segments), dotted keys, inline tables, arrays, strings (basic, literal, multi-line), numbers,
//! booleans. Dates and times are read as plain text.

use crate::analysis::syntax::EnvDefault;
use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Parser};

use super::named_children;

use super::chunked::{self, Chunk, ChunkFormat};
use super::{
    line_end, line_lead, parse_tree, slice, EntryShape, EntryStyle, Parsed, Setting, ValueKind,
};

use crate::vocab::Span;

pub fn parse(text: &str) -> Parsed {
    chunked::parse::<Chunks>(text).unwrap_or_else(|| parse_whole(text))
}

/// One tree for the whole text.
pub(crate) fn parse_whole(text: &str) -> Parsed {
    let read = parse_tree(&tree_sitter_toml_ng::LANGUAGE.into(), text);
    let Some(tree) = &read.tree else {
        return Parsed::default();
    };
    let mut reader = Reader {
        text,
        settings: Vec::new(),
        array_tables: HashMap::new(),
    };
    reader.container(tree.root_node(), &[]);
    Parsed::new(reader.settings, read.errors(text))
}

// ---------------------------------------------------------------------------------------------
// Big documents are read in chunks, so that an edit re-parses only the chunk it falls in. A chunk
// starts at a table header at column 0 (`[a]`, `[[a]]`) and runs to the next one; the first chunk
// holds the root pairs. A line scan that knows strings (multi-line ones included), comments and
// open arrays decides which `[` lines are headers: inside a multi-line string or array they are
// not. For a valid document the chunks yield exactly the settings of one tree. A broken one reads
// as the chunks read it (an error stays inside its chunk), with one rule for an array or inline
// table left open: a header line whose key cannot be a value (`[name]`) still starts a chunk.
// Arrays of tables number their elements across chunks: each chunk starts from the counts of
// `[[a]]` headers seen before it ([`ArrayTables`]).

/// For each array of tables (its header path as written): how many elements so far.
pub(crate) type ArrayTables = HashMap<Vec<String>, usize>;

/// Where the chunk that starts at `start` ends: the start of the next line that starts a chunk,
/// or the end of the text.
pub(crate) fn chunk_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut scan = Scan::default();
    let mut pos = scan.line(bytes, start);
    while pos < bytes.len() {
        if starts_chunk(bytes, pos, &scan) {
            return pos;
        }
        pos = scan.line(bytes, pos);
    }
    bytes.len()
}

fn starts_chunk(bytes: &[u8], line: usize, scan: &Scan) -> bool {
    if scan.multi.is_some() || bytes.get(line) != Some(&b'[') {
        return false;
    }
    scan.open == 0 || header_cannot_be_value(bytes, line)
}

/// What the line scan knows at a line break.
#[derive(Clone, Copy, Default)]
struct Scan {
    /// Inside a multi-line string opened with three of this quote.
    multi: Option<u8>,
    /// Arrays and inline tables open.
    open: usize,
}

impl Scan {
    /// Scans the line that starts at `start`; returns the start of the next line.
    fn line(&mut self, bytes: &[u8], start: usize) -> usize {
        let header = self.multi.is_none()
            && self.open == 0
            && bytes
                .get(start..)
                .and_then(|rest| rest.iter().find(|&&b| b != b' ' && b != b'\t'))
                == Some(&b'[');
        let mut i = start;
        let next = loop {
            let Some(&b) = bytes.get(i) else {
                break bytes.len();
            };
            if let Some(quote) = self.multi {
                if b == b'\n' {
                    break i + 1;
                }
                if b == b'\\' && quote == b'"' {
                    i += if bytes.get(i + 1) == Some(&b'\n') {
                        1
                    } else {
                        2
                    };
                    continue;
                }
                let run = quote_run(bytes, i, quote);
                if run >= 3 {
                    self.multi = None; // the last three quotes close the string
                }
                i += run.max(1);
                continue;
            }
            match b {
                b'\n' => break i + 1,
                b'#' => {
                    i = bytes
                        .get(i..)
                        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                        .map_or(bytes.len(), |n| i + n);
                }
                b'"' | b'\'' => {
                    let run = quote_run(bytes, i, b);
                    if run >= 3 {
                        self.multi = Some(b);
                        i += 3;
                    } else if run == 2 {
                        i += 2; // an empty string
                    } else {
                        i = string_end(bytes, i + 1, b);
                    }
                }
                b'[' | b'{' => {
                    self.open += 1;
                    i += 1;
                }
                b']' | b'}' => {
                    self.open = self.open.saturating_sub(1);
                    i += 1;
                }
                _ => i += 1,
            }
        };
        if header {
            // A header is one line: whatever it left open is an error of that line.
            *self = Scan::default();
        }
        next
    }
}

/// How many `quote` bytes follow one another from `at`.
fn quote_run(bytes: &[u8], at: usize, quote: u8) -> usize {
    bytes
        .get(at..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| b == quote).count())
}

/// The end of a one-line string whose content starts at `from`: after its closing quote, or at
/// the line break when it is not closed.
fn string_end(bytes: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => return i,
            b'\\' if quote == b'"' && bytes.get(i + 1) != Some(&b'\n') => i += 2,
            _ if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The line at `line` is a table header (`[a.b]`, `[[a]]`, then only a comment) with a bare key
/// that no value looks like: inside an array it could only be an error, never an element.
fn header_cannot_be_value(bytes: &[u8], line: usize) -> bool {
    let end = bytes
        .get(line..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |n| line + n);
    let Some(text) = bytes.get(line..end) else {
        return false;
    };
    let double = text.starts_with(b"[[");
    let mut i = if double { 2 } else { 1 };
    let blanks = |i: &mut usize| {
        while matches!(text.get(*i), Some(b' ' | b'\t')) {
            *i += 1;
        }
    };
    let mut word_key = false;
    loop {
        blanks(&mut i);
        match text.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                let close = string_end(text, i + 1, quote);
                if text.get(close.wrapping_sub(1)) != Some(&quote) || close <= i + 1 {
                    return false;
                }
                i = close;
            }
            Some(_) => {
                let len = text.get(i..).map_or(0, |rest| {
                    rest.iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                        .count()
                });
                let key = text.get(i..i + len).unwrap_or(b"");
                if key.is_empty() {
                    return false;
                }
                word_key |= key.first().is_some_and(u8::is_ascii_alphabetic)
                    && !matches!(key, b"true" | b"false" | b"inf" | b"nan");
                i += len;
            }
            None => return false,
        }
        blanks(&mut i);
        if text.get(i) != Some(&b'.') {
            break;
        }
        i += 1;
    }
    let close: &[u8] = if double { b"]]" } else { b"]" };
    if !text.get(i..).is_some_and(|rest| rest.starts_with(close)) {
        return false;
    }
    i += close.len();
    blanks(&mut i);
    let rest = text.get(i..).unwrap_or(b"");
    word_key && (rest.is_empty() || rest == b"\r" || rest.starts_with(b"#"))
}

/// TOML read in chunks: one per column-0 table header; each hands on the array-of-tables counts.
pub(crate) struct Chunks;

impl ChunkFormat for Chunks {
    type Place = ();
    type Carry = Arc<ArrayTables>;

    fn parser() -> Option<Parser> {
        super::parser_for(&tree_sitter_toml_ng::LANGUAGE.into())
    }

    fn unit_end(text: &str, start: usize) -> usize {
        chunk_end(text, start)
    }

    /// Reads one chunk, starting from the array-of-tables counts `tables` of the chunks before.
    fn read(
        parser: &mut Parser,
        text: &str,
        chunk: &Chunk<()>,
        tables: &Arc<ArrayTables>,
        _wanted: &dyn Fn(&str) -> bool,
    ) -> (Parsed, Arc<ArrayTables>) {
        let source = slice(text, chunk.start..chunk.end);
        let read = super::bounded::parse(parser, source, None, None);
        let Some(tree) = &read.tree else {
            return (Parsed::default(), tables.clone());
        };
        let mut reader = Reader {
            text: source,
            settings: Vec::new(),
            array_tables: ArrayTables::clone(tables),
        };
        reader.container(tree.root_node(), &[]);
        let mut parsed = Parsed::new(reader.settings, read.errors(source));
        parsed.shift(chunk.start as isize);
        let after = if reader.array_tables == **tables {
            tables.clone()
        } else {
            Arc::new(reader.array_tables)
        };
        (parsed, after)
    }
}

struct Reader<'a> {
    text: &'a str,
    settings: Vec<Setting>,
    /// For each array of tables (its header path as written): how many elements so far.
    array_tables: ArrayTables,
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
        let style = |insert_at: usize| {
            EntryStyle::new(
                insert_at,
                EntryShape {
                    lead: match layout {
                        Layout::Lines => line_lead(self.text, pair.start_byte()).into(),
                        Layout::Inline => ", ".into(),
                    },
                    item_prefix: String::new(),
                    key_prefix: key_prefix.clone(),
                    key_quote: None,
                    separator: separator.clone().into(),
                    env_in_string: false,
                    inherited: false,
                    quoted_values: false,
                    suffix: String::new(),
                },
            )
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
                    let style = EntryStyle::new(
                        element.end_byte(),
                        EntryShape {
                            lead: ", ".into(),
                            ..EntryShape::default()
                        },
                    );
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
                    env_default: EnvDefault::None,
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
    // An unclosed string runs to its last character, which may be several bytes long
    // (fuzz/regressions/syntax_toml/unclosed-string-multibyte-end).
    let closing = if quote == '"' { "\"\"\"" } else { "'''" };
    let closed = raw.len() >= 2 * width && raw.ends_with(&closing[..width]);
    let inner_span = width..if closed { raw.len() - width } else { raw.len() };
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
pub(crate) mod tests {
    use super::*;
    use crate::analysis::syntax::show_parsed as show;
    use expect_test::{expect, Expect};

    /// A big TOML document with every construct that decides chunk boundaries: root pairs,
    /// tables and sub-tables, arrays of tables (nested, and re-opened by sub-tables), dotted and
    /// quoted keys, inline tables, multi-line arrays with `[` lines at column 0, multi-line
    /// strings holding lines that look like headers, comments, indented headers, CRLF lines.
    pub(crate) fn big_toml(services: usize) -> String {
        let mut out = String::from(
            "# generated\ntitle = \"mail\"\nbanner = '''\n[not.a.table]\n'''\n\n[mail.smtp]\nhost = \"smtp.example.com\"\nport = 587\n",
        );
        for i in 0..services {
            let port = [587, 465, 25, 2525][i % 4];
            out.push_str(&format!(
                "\n[services.app-{i:04}]\nimage = \"registry.example.com/app-{i}:1.{i}\"\nlabels = [\"team-{}\", 'tier-{}']\nsmtp = {{ host = \"smtp.example.com\", port = {port} }}\nimap.port = 993 # implicit TLS\n",
                i % 5,
                i % 3
            ));
            match i % 6 {
                0 => out.push_str(&format!(
                    "\n[[servers]]\nname = \"mx-{i}\"\nport = 25\n[servers.tls]\nverify = true\n[[servers.aliases]]\nname = \"a{i}\"\n[[servers.aliases]]\nname = \"b{i}\"\n"
                )),
                1 => out.push_str(
                    "\n[services.matrix]\nrows = [\n[1, 2],\n[3, 4], # [x]\n]\nnote = \"\"\"\n[services.fake]\nport = 1\\\"\"\"\n\"\"\"\"\n",
                ),
                2 => out.push_str(&format!(
                    "\n  [\"quoted.section\".sub-{i}]\r\n  relay = \"smtp://relay.example.com:{port}\"\r\n"
                )),
                3 => out.push_str(&format!(
                    "\n[[jobs]]\ncmd = '''\n[[jobs]]\n'''\nports = [\n  25,\n  {port},\n]\n"
                )),
                4 => out.push_str(&format!(
                    "\n[services.app-{i:04}.database] # [db]\nurl = \"postgres://db:5432/app\" # \"quoted\"\npool = {{ min = 2, max = 20 }}\n"
                )),
                _ => out.push_str("\n# [commented.out]\n[empty]\n"),
            }
        }
        out
    }

    #[test]
    fn big_documents_read_in_chunks_as_one_tree_does() {
        let text = big_toml(150);
        assert!(chunked::read_in_chunks(text.matches('\n').count()));
        let whole = parse_whole(&text);
        assert!(whole.errors.is_empty(), "{:?}", whole.errors);
        let chunked = parse(&text);
        if let Some(difference) = crate::analysis::syntax::first_difference(&chunked, &whole) {
            panic!("{difference}");
        }
        assert_eq!(chunked, whole);
        // The chunks start at column-0 headers only, and not at the look-alikes.
        let Some(chunks) = chunked::chunks::<Chunks>(&text) else {
            panic!("not chunked");
        };
        let firsts: Vec<&str> = chunks
            .iter()
            .map(|c| text[c.start..].lines().next().unwrap_or(""))
            .collect();
        assert!(firsts.len() > 300, "{}", firsts.len());
        assert!(
            firsts.iter().skip(1).all(|l| l.starts_with('[')),
            "{firsts:?}"
        );
        for fake in [
            "[not.a.table]",
            "[services.fake]",
            "[1, 2],",
            "[3, 4], # [x]",
        ] {
            assert!(!firsts.contains(&fake), "{fake}");
        }
        assert!(firsts.contains(&"[[jobs]]"));
        assert!(!firsts.iter().any(|l| l.starts_with("  [")));
        // Array-of-tables numbering continues across chunks.
        assert!(chunked
            .settings
            .iter()
            .any(|s| s.path.join("/") == "servers/24/aliases/1/name" && s.value == "b144"));
    }

    #[test]
    fn header_lines_inside_open_arrays() {
        // A header that cannot be a value ends an array left open; one that can (`[1]`,
        // `["a"]`, `[true]`) is an element.
        for (line, header) in [
            ("[servers]", true),
            ("[[a.b]] # c", true),
            ("[ \"q\" . name ]", true),
            ("[1]", false),
            ("[\"a\"]", false),
            ("[true]", false),
            ("[[inf]]", false),
            ("[a, b]", false),
            ("[a] x", false),
            ("[a", false),
        ] {
            assert_eq!(header_cannot_be_value(line.as_bytes(), 0), header, "{line}");
        }
        let open = "x = [\n[1],\n[servers]\ny = 1\n";
        assert_eq!(chunk_end(open, 0), 11);
        let string = "x = \"\"\"\n[servers]\n\"\"\"\n[b]\n";
        assert_eq!(chunk_end(string, 0), 22);
        assert_eq!(chunk_end("[a\n[b]\n", 0), 3);
    }

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
    fn an_unclosed_string_keeps_its_last_character() {
        let text = "[s]\na = 'x\u{e9}\r\n";
        let parsed = parse(text);
        assert_eq!(parsed.settings[0].path_names(), ["s", "a"]);
        assert_eq!(
            slice(text, parsed.settings[0].value_span.clone()),
            "x\u{e9}"
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
