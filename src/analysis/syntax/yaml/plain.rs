//! A fast reader for plain block YAML, the kind config files are mostly made of. Every YAML
//! document is first offered to it: a small one whole, a big one chunk by chunk (see
//! [`super::chunks`]); tree-sitter (about 4 MB/s) reads only what it declines.
//!
//! It reads: block mappings with plain or one-line quoted keys (dotted keys split), nested by
//! indentation; block sequences, indented or at their key's column, whose items are scalars,
//! compose `- KEY=VALUE` strings, `- key: value` mappings or flow collections; one-line flow
//! mappings and sequences (nested ones too); one-line plain, single- and double-quoted scalars,
//! plain ones typed by a port of the grammar's core-schema automaton (`schema.core.c`), so `0o17`,
//! `.inf` or `1.` come out as the tree says; empty values; full-line and trailing comments; blank
//! lines; `\n` and `\r\n` line breaks.
//!
//! It gives exactly what the tree-sitter path ([`super::extract`]) gives for the same text,
//! or `None` as soon as it meets anything else: anchors, aliases, tags, block scalars, multi-line
//! scalars or flow collections, `?` and `:` indicators, nested `- -` items, a value on the line
//! after a bare `-`, directives and document markers, tabs, lone carriage returns, control
//! characters, a root that is not a block mapping, text past the grammar's 16-bit row/column
//! counters, and anything tree-sitter would report as an error (trailing commas, bad escapes,
//! stray indentation …). tree-sitter stays the reference and the fallback; the differential test
//! in `yaml/plain/tests.rs` holds the two equal.

use super::{decode_double_quoted, env_item_shape, fold_env_item, is_env_name, ENV_ITEM_KEYS};
use crate::analysis::syntax::EnvDefault;
use crate::analysis::syntax::{
    read_placeholder_default, segment, EntryShape, EntryStyle, Parsed, Segment, Setting, ValueKind,
};
use crate::vocab::Span;

/// Reads `text` (a chunk, or a whole document) under the key path `base`. `None` when the text
/// is not entirely within the subset this reader understands.
#[cfg(test)]
pub(crate) fn read(text: &str, base: &[String]) -> Option<Parsed> {
    read_wanted(text, base, &|_| true)
}

/// [`read`], leaving out the settings whose last key `wanted` rejects.
pub(crate) fn read_wanted(
    text: &str,
    base: &[String],
    wanted: &dyn Fn(&str) -> bool,
) -> Option<Parsed> {
    if !ordinary_text(text) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut reader = Reader {
        text,
        bytes,
        pos: 0,
        depth: 0,
        settings: Vec::new(),
        wanted,
    };
    let mut path: Vec<Segment> = base.iter().map(|s| segment(s)).collect();
    let first = reader.peek()?;
    if reader.is_item(&first) {
        return None; // a root sequence: left to tree-sitter
    }
    reader.mapping(first.indent, &mut path)?;
    if reader.peek().is_some() {
        return None; // content left of the root mapping
    }
    Some(Parsed::new(reader.settings, Vec::new()))
}

/// The grammar's scanner counts rows and columns in 16 bits: past that, its tree is not what
/// the text says (a chunk of 33 000 lines reads as one ERROR), so such text is left to it.
const MAX_ROWS: usize = 30_000;
const MAX_LINE_BYTES: usize = 30_000;

/// No tab (indentation and scalar typing treat them specially), lone carriage return or other
/// control character, and within the grammar's row and column limits (a `\r\n` counts as two
/// rows there).
fn ordinary_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut rows = 0;
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => {
                rows += 1;
                line_start = i + 1;
            }
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => rows += 1,
            0..=0x1f | 0x7f => return false,
            _ => {}
        }
        if rows > MAX_ROWS || (i + 1).saturating_sub(line_start) > MAX_LINE_BYTES {
            return false;
        }
    }
    true
}

/// A content line (neither blank nor a comment).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// The offset of its line break (`\r\n` or `\n`), or the end of the text.
    end: usize,
    indent: usize,
}

/// How a scalar was written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Double,
    Single,
}

/// A one-line scalar: `node` is all of it (quotes included), `inner` its text (inside quotes).
#[derive(Clone)]
struct Scalar {
    node: Span,
    inner: Span,
    style: Style,
}

/// How the entry that holds a value was written (decides the [`EntryStyle`]).
enum Entry<'k> {
    /// `key: value` in a block mapping.
    BlockPair { key: &'k Scalar },
    /// `key: value` inside `{ }`.
    FlowPair { key: &'k Scalar },
    /// `- value` in a block sequence; `item` is the offset of the `-`.
    BlockItem { item: usize },
    /// `value` inside `[ ]`.
    FlowItem,
}

/// Collections nested deeper than this are left to tree-sitter (keeps the recursion small).
const MAX_DEPTH: usize = 48;

/// Why a plain scalar ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// At the end of the line (or of the text).
    LineEnd,
    /// At a ` #` comment.
    Comment,
    /// At a `:` followed by a blank or the end of the line (a key ends here); the offset of `:`.
    Colon(usize),
    /// At a flow indicator `,` `[` `]` `{` `}` (flow context only).
    FlowIndicator,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Start of the next unread line.
    pos: usize,
    /// How many collections are open (bounded: deep nesting is left to tree-sitter).
    depth: usize,
    settings: Vec<Setting>,
    /// Settings whose last key this rejects are not built.
    wanted: &'a dyn Fn(&str) -> bool,
}

impl Reader<'_> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn slice(&self, span: Span) -> &str {
        self.text.get(span).unwrap_or("")
    }

    /// Runs `read` one collection deeper, or gives up past [`MAX_DEPTH`].
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let result = read(self);
        self.depth -= 1;
        result
    }

    /// The next content line, skipping blank and comment lines (they are consumed).
    fn peek(&mut self) -> Option<Line> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let rest = self.bytes.get(start..).unwrap_or(&[]);
            let end = self.line_end(start);
            let indent = rest.iter().take_while(|&&b| b == b' ').count();
            match self.byte(start + indent) {
                None | Some(b'\n' | b'\r' | b'#') => self.pos = self.next_line(end),
                Some(_) => return Some(Line { start, end, indent }),
            }
        }
        None
    }

    fn consume(&mut self, line: &Line) {
        self.pos = self.next_line(line.end);
    }

    /// The start of the line after the one that ends at `end`.
    fn next_line(&self, end: usize) -> usize {
        let skip = match self.byte(end) {
            Some(b'\r') => 2,
            Some(_) => 1,
            None => 0,
        };
        (end + skip).min(self.bytes.len())
    }

    /// The line is a block sequence item: `-` then a blank or the end of the line.
    fn is_item(&self, line: &Line) -> bool {
        let dash = line.start + line.indent;
        self.byte(dash) == Some(b'-')
            && matches!(self.byte(dash + 1), None | Some(b' ' | b'\n' | b'\r'))
    }

    /// The first offset at or after `at` that is not a space.
    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.byte(at) == Some(b' ') {
            at += 1;
        }
        at
    }

    /// Nothing but blanks and maybe a comment from `at` (after a value) to the line end `end`.
    fn only_comment_after(&self, at: usize, end: usize) -> bool {
        let next = self.skip_spaces(at);
        next >= end || (self.byte(next) == Some(b'#') && next > at)
    }

    /// A block mapping whose entries sit at column `col`, read until a line left of it (or a
    /// sequence item at its column, which the caller deals with).
    fn mapping(&mut self, col: usize, path: &mut Vec<Segment>) -> Option<()> {
        while let Some(line) = self.peek() {
            if line.indent < col || (line.indent == col && self.is_item(&line)) {
                return Some(());
            }
            if line.indent > col {
                return None;
            }
            self.consume(&line);
            self.pair(line.start + col, &line, col, path)?;
        }
        Some(())
    }

    /// `key: value` starting at `at` on `line`, in a block mapping at column `col`.
    fn pair(&mut self, at: usize, line: &Line, col: usize, path: &mut Vec<Segment>) -> Option<()> {
        let (key, colon) = self.block_key(at, line.end)?;
        let depth = path.len();
        push_key(path, &self.key_name(&key));
        let value_at = self.skip_spaces(colon + 1);
        let entry = Entry::BlockPair { key: &key };
        match self.byte(value_at) {
            None | Some(b'\n' | b'\r' | b'#') => {
                // The value is on the next lines, or empty.
                match self.peek() {
                    Some(next) if next.indent > col => {
                        if self.is_item(&next) {
                            self.nested(|r| r.sequence(next.indent, path))?;
                        } else {
                            self.nested(|r| r.mapping(next.indent, path))?;
                        }
                    }
                    // A sequence at the key's own column (`key:` then `- item`).
                    Some(next) if next.indent == col && self.is_item(&next) => {
                        self.nested(|r| r.sequence(col, path))?;
                    }
                    _ => self.empty(path, &entry),
                }
            }
            Some(_) => {
                let end = self.inline_value(value_at, line.end, path, &entry)?;
                if !self.only_comment_after(end, line.end) {
                    return None;
                }
            }
        }
        path.truncate(depth);
        Some(())
    }

    /// A block sequence whose `-` sit at column `col`.
    fn sequence(&mut self, col: usize, path: &mut Vec<Segment>) -> Option<()> {
        let mut index = 0usize;
        while let Some(line) = self.peek() {
            if line.indent < col || (line.indent == col && !self.is_item(&line)) {
                return Some(());
            }
            if line.indent > col {
                return None;
            }
            self.consume(&line);
            path.push(Segment::from(index.to_string()));
            self.item(&line, path)?;
            path.pop();
            index += 1;
        }
        Some(())
    }

    /// One `- …` line of a block sequence (`path` ends with its index).
    fn item(&mut self, line: &Line, path: &mut Vec<Segment>) -> Option<()> {
        let dash = line.start + line.indent;
        let at = self.skip_spaces(dash + 1);
        let entry = Entry::BlockItem { item: dash };
        match self.byte(at) {
            None | Some(b'\n' | b'\r' | b'#') => {
                // An empty item; a value on the next lines is left to tree-sitter.
                if self.peek().is_some_and(|next| next.indent > line.indent) {
                    return None;
                }
                self.empty(path, &entry);
                return Some(());
            }
            Some(b'-') if matches!(self.byte(at + 1), None | Some(b' ' | b'\n' | b'\r')) => {
                return None
            }
            Some(b'{' | b'[') => {}
            Some(_) => {
                // `- key: value` starts a mapping at the key's column.
                if let Some((first_key, _)) = self.block_key(at, line.end) {
                    let col = at - line.start;
                    if !ENV_ITEM_KEYS.contains(&self.decode(&first_key).as_str()) {
                        return self.nested(|r| {
                            r.pair(at, line, col, path)?;
                            r.mapping(col, path)
                        });
                    }
                    return self.env_list_item(at, line, col, dash, path);
                }
                let scalar = self.block_scalar(at, line.end)?;
                if !self.only_comment_after(scalar.node.end, line.end) {
                    return None;
                }
                if !self.env_item(&scalar, dash, path) {
                    self.scalar(&scalar, path, &entry);
                }
                return Some(());
            }
        }
        let end = self.inline_value(at, line.end, path, &entry)?;
        self.only_comment_after(end, line.end).then_some(())
    }

    /// A `- key: value` item whose first key may make it a Kubernetes `env:` item: read whole
    /// (every setting, whatever `wanted` says), folded like the tree-sitter path folds it, then
    /// filtered.
    fn env_list_item(
        &mut self,
        at: usize,
        line: &Line,
        col: usize,
        dash: usize,
        path: &mut Vec<Segment>,
    ) -> Option<()> {
        let from = self.settings.len();
        let wanted = self.wanted;
        self.wanted = &|_| true;
        let read = self.nested(|r| {
            r.pair(at, line, col, path)?;
            r.mapping(col, path)
        });
        self.wanted = wanted;
        read?;
        // The item's keys: the entries at its column, from its first line to where it ended.
        let mut keys = Vec::new();
        let mut pos = line.start;
        while pos < self.pos {
            let end = self.line_end(pos);
            let indent = self
                .bytes
                .get(pos..end)
                .map_or(0, |l| l.iter().take_while(|&&b| b == b' ').count());
            let key_at = if pos == line.start { at } else { pos + indent };
            if pos == line.start || indent == col {
                if let Some((key, _)) = self.block_key(key_at, end) {
                    keys.push(self.key_name(&key));
                }
            }
            pos = self.next_line(end);
        }
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let text = self.text;
        fold_env_item(text, &mut self.settings, from, path.len(), &keys, dash);
        let wanted = self.wanted;
        let item = self.settings.split_off(from);
        self.settings
            .extend(item.into_iter().filter(|s| wanted(s.key())));
        Some(())
    }

    /// A value written on the line of its key or `-`: a flow collection or a scalar. Returns
    /// where it ends.
    fn inline_value(
        &mut self,
        at: usize,
        line_end: usize,
        path: &mut Vec<Segment>,
        entry: &Entry,
    ) -> Option<usize> {
        match self.byte(at) {
            Some(b'{') => self.nested(|r| r.flow_mapping(at, line_end, path)),
            Some(b'[') => self.nested(|r| r.flow_sequence(at, line_end, path)),
            _ => {
                let scalar = self.block_scalar(at, line_end)?;
                self.scalar(&scalar, path, entry);
                Some(scalar.node.end)
            }
        }
    }

    /// A scalar value in block context (not a key).
    fn block_scalar(&self, at: usize, line_end: usize) -> Option<Scalar> {
        match self.byte(at)? {
            b'"' | b'\'' => self.quoted(at, line_end),
            _ => {
                let (scalar, stop) = self.plain(at, line_end, false)?;
                matches!(stop, Stop::LineEnd | Stop::Comment).then_some(scalar)
            }
        }
    }

    /// A block mapping key at `at`: the key and the offset of its `:` (followed by a blank or
    /// the end of the line). `None` if the line does not start with one.
    fn block_key(&self, at: usize, line_end: usize) -> Option<(Scalar, usize)> {
        let line_start = at == 0 || self.byte(at - 1) == Some(b'\n');
        if line_start && self.bytes.get(at..at + 3) == Some(b"...") {
            return None; // maybe a document end marker
        }
        match self.byte(at)? {
            b'"' | b'\'' => {
                let key = self.quoted(at, line_end)?;
                let colon = key.node.end;
                (self.byte(colon) == Some(b':')
                    && matches!(self.byte(colon + 1), None | Some(b' ' | b'\n' | b'\r')))
                .then_some((key, colon))
            }
            first => {
                // Keys are kept to ordinary names: no indicator, bracket or quote in them.
                if !is_plain_first(first) && !self.starts_symbol(at, false) {
                    return None;
                }
                let (key, stop) = self.plain(at, line_end, false)?;
                let Stop::Colon(colon) = stop else {
                    return None;
                };
                let written = self.slice(key.node.clone());
                if written.contains(['[', ']', '{', '}', ',', '"', '\'', '#']) {
                    return None;
                }
                Some((key, colon))
            }
        }
    }

    /// A plain scalar starting at `at` on a line ending at `line_end`, and why it ended.
    fn plain(&self, at: usize, line_end: usize, flow: bool) -> Option<(Scalar, Stop)> {
        let first = self.byte(at)?;
        let starts_plain = is_plain_first(first)
            || (first == b'-' && self.plain_safe_at(at + 1, flow).unwrap_or(false))
            || self.starts_symbol(at, flow);
        if !starts_plain {
            return None;
        }
        let mut i = at;
        let mut end = at; // after the last non-blank character
        let stop = loop {
            let Some(b) = self.byte(i) else {
                break Stop::LineEnd;
            };
            if i >= line_end {
                break Stop::LineEnd;
            }
            match b {
                b' ' => {
                    i += 1;
                    continue;
                }
                b'#' if self.byte(i.wrapping_sub(1)) == Some(b' ') && i > at => {
                    break Stop::Comment;
                }
                b':' => match self.byte(i + 1) {
                    None | Some(b' ' | b'\n' | b'\r') => break Stop::Colon(i),
                    Some(_) => {
                        // Part of the scalar only when followed by a safe character.
                        if !self.plain_safe_at(i + 1, flow)? {
                            return None;
                        }
                        i += 1;
                        end = i;
                        continue;
                    }
                },
                b',' | b'[' | b']' | b'{' | b'}' if flow => break Stop::FlowIndicator,
                _ => {}
            }
            let c = self.text.get(i..)?.chars().next()?;
            if !is_ns_char(c) {
                return None;
            }
            i += c.len_utf8();
            end = i;
        };
        let scalar = Scalar {
            node: at..end,
            inner: at..end,
            style: Style::Plain,
        };
        Some((scalar, stop))
    }

    /// The character at `at` may continue a plain scalar (`None` past the text).
    /// A plain scalar that starts with `:` and a safe character (`:address`, a Ruby symbol).
    fn starts_symbol(&self, at: usize, flow: bool) -> bool {
        self.byte(at) == Some(b':') && self.plain_safe_at(at + 1, flow).unwrap_or(false)
    }

    fn plain_safe_at(&self, at: usize, flow: bool) -> Option<bool> {
        let c = self.text.get(at..)?.chars().next()?;
        Some(is_ns_char(c) && !(flow && matches!(c, ',' | '[' | ']' | '{' | '}')))
    }

    /// A one-line quoted scalar at `at` (its opening quote).
    fn quoted(&self, at: usize, line_end: usize) -> Option<Scalar> {
        let quote = self.byte(at)?;
        let mut i = at + 1;
        loop {
            if i >= line_end {
                return None; // continues on the next line
            }
            let b = self.byte(i)?;
            if b == quote {
                if quote == b'\'' && self.byte(i + 1) == Some(b'\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            if quote == b'"' && b == b'\\' {
                i += 1 + self.escape_length(i + 1)?;
                continue;
            }
            i += 1;
        }
        Some(Scalar {
            node: at..i + 1,
            inner: at + 1..i,
            style: if quote == b'"' {
                Style::Double
            } else {
                Style::Single
            },
        })
    }

    /// The length of the escape after a `\` at `at - 1`, if the grammar accepts it.
    fn escape_length(&self, at: usize) -> Option<usize> {
        let hex_digits = match self.byte(at)? {
            b'0' | b'a' | b'b' | b't' | b'n' | b'v' | b'r' | b'e' | b'f' | b' ' | b'"' | b'/'
            | b'\\' | b'N' | b'_' | b'L' | b'P' => return Some(1),
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => return None,
        };
        let digits = self.bytes.get(at + 1..at + 1 + hex_digits)?;
        digits
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(1 + hex_digits)
    }

    /// `{ key: value, … }` on one line, `at` on the `{`. Returns the offset after the `}`.
    fn flow_mapping(
        &mut self,
        at: usize,
        line_end: usize,
        path: &mut Vec<Segment>,
    ) -> Option<usize> {
        let mut i = self.skip_spaces(at + 1);
        if self.byte(i) == Some(b'}') {
            return Some(i + 1);
        }
        loop {
            let (key, colon) = match self.byte(i)? {
                b'"' | b'\'' => {
                    let key = self.quoted(i, line_end)?;
                    let colon = key.node.end;
                    (key, colon)
                }
                first => {
                    if !is_plain_first(first) && !self.starts_symbol(i, true) {
                        return None;
                    }
                    let (key, stop) = self.plain(i, line_end, true)?;
                    let Stop::Colon(colon) = stop else {
                        return None;
                    };
                    if self.slice(key.node.clone()).contains(['"', '\'', '#']) {
                        return None;
                    }
                    (key, colon)
                }
            };
            if self.byte(colon) != Some(b':') || self.byte(colon + 1) != Some(b' ') {
                return None;
            }
            let depth = path.len();
            push_key(path, &self.key_name(&key));
            let value_at = self.skip_spaces(colon + 1);
            let end = self.flow_value(value_at, line_end, path, &Entry::FlowPair { key: &key })?;
            path.truncate(depth);
            i = self.skip_spaces(end);
            match self.byte(i)? {
                b'}' => return Some(i + 1),
                b',' => {
                    i = self.skip_spaces(i + 1);
                    if matches!(self.byte(i), Some(b'}' | b',')) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// `[ value, … ]` on one line, `at` on the `[`. Returns the offset after the `]`.
    fn flow_sequence(
        &mut self,
        at: usize,
        line_end: usize,
        path: &mut Vec<Segment>,
    ) -> Option<usize> {
        let mut i = self.skip_spaces(at + 1);
        if self.byte(i) == Some(b']') {
            return Some(i + 1);
        }
        let mut index = 0usize;
        loop {
            path.push(Segment::from(index.to_string()));
            let end = self.flow_value(i, line_end, path, &Entry::FlowItem)?;
            path.pop();
            index += 1;
            i = self.skip_spaces(end);
            match self.byte(i)? {
                b']' => return Some(i + 1),
                b',' => {
                    i = self.skip_spaces(i + 1);
                    if matches!(self.byte(i), Some(b']' | b',')) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// A value inside a flow collection: a nested collection or a scalar. Returns where it ends.
    fn flow_value(
        &mut self,
        at: usize,
        line_end: usize,
        path: &mut Vec<Segment>,
        entry: &Entry,
    ) -> Option<usize> {
        let scalar = match self.byte(at)? {
            b'{' => return self.nested(|r| r.flow_mapping(at, line_end, path)),
            b'[' => return self.nested(|r| r.flow_sequence(at, line_end, path)),
            b'"' | b'\'' => {
                let scalar = self.quoted(at, line_end)?;
                // A `:` right after it would make it a key.
                if self.byte(self.skip_spaces(scalar.node.end)) == Some(b':') {
                    return None;
                }
                scalar
            }
            _ => {
                let (scalar, stop) = self.plain(at, line_end, true)?;
                if stop != Stop::FlowIndicator {
                    return None;
                }
                scalar
            }
        };
        self.scalar(&scalar, path, entry);
        Some(scalar.node.end)
    }

    /// The name a key gives its setting: decoded, and a plain `:symbol` read as `symbol`.
    fn key_name(&self, key: &Scalar) -> String {
        match key.style {
            Style::Plain => super::symbol_key(self.slice(key.inner.clone())).to_string(),
            _ => self.decode(key),
        }
    }

    /// The decoded text of a scalar (quotes removed, escapes resolved).
    fn decode(&self, scalar: &Scalar) -> String {
        let inner = self.slice(scalar.inner.clone());
        match scalar.style {
            Style::Plain => inner.to_string(),
            Style::Double => decode_double_quoted(inner),
            Style::Single => inner.replace("''", "'"),
        }
    }

    /// A compose `- KEY=VALUE` item; false when the item is not one.
    fn env_item(&mut self, scalar: &Scalar, dash: usize, path: &[Segment]) -> bool {
        let raw = scalar.inner.clone();
        let raw_text = self.slice(raw.clone());
        let Some(eq) = raw_text.find('=') else {
            return false;
        };
        let name = raw_text.get(..eq).unwrap_or("");
        if !is_env_name(name) {
            return false;
        }
        if !(self.wanted)(name) {
            return true;
        }
        let decoded = self.decode(scalar);
        let value = decoded.split_once('=').map_or("", |(_, v)| v).to_string();
        let mut env_path = path.to_vec();
        env_path.pop(); // the list index: the variable name replaces it
        env_path.push(segment(name));
        let kind = if scalar.style == Style::Plain {
            ValueKind::Plain
        } else {
            ValueKind::Quoted
        };
        let style = EntryStyle::new(self.line_end(dash), env_item_shape(self.lead_at(dash)));
        self.settings.push(Setting {
            path: env_path,
            value,
            kind,
            key_span: raw.start..raw.start + eq,
            value_span: raw.start + eq + 1..raw.end,
            style,
            env_default: EnvDefault::None,
        });
        true
    }

    /// A scalar value that becomes one setting.
    fn scalar(&mut self, scalar: &Scalar, path: &[Segment], entry: &Entry) {
        if !(self.wanted)(path.last().map_or("", |k| k)) {
            return;
        }
        let value = self.decode(scalar);
        let kind = match scalar.style {
            Style::Plain => plain_kind(&value),
            Style::Double | Style::Single => ValueKind::Quoted,
        };
        let (key_span, style) = self.entry_style(entry, Some(scalar), &scalar.inner);
        let mut setting = Setting {
            path: path.to_vec(),
            value,
            kind,
            key_span,
            value_span: scalar.inner.clone(),
            style,
            env_default: EnvDefault::None,
        };
        read_placeholder_default(&mut setting, self.text, plain_kind);
        self.settings.push(setting);
    }

    /// An empty value (`key:` or `-` with nothing after it).
    fn empty(&mut self, path: &[Segment], entry: &Entry) {
        let key_end = match entry {
            Entry::BlockPair { key } | Entry::FlowPair { key } => key.node.end,
            Entry::BlockItem { item } => item + 1,
            Entry::FlowItem => return,
        };
        if !(self.wanted)(path.last().map_or("", |k| k)) {
            return;
        }
        let mut at = key_end;
        if self.byte(at) == Some(b':') {
            at += 1;
        }
        if self.byte(at) == Some(b' ') {
            at += 1;
        }
        let value_span = at..at;
        let (key_span, style) = self.entry_style(entry, None, &value_span);
        self.settings.push(Setting {
            path: path.to_vec(),
            value: String::new(),
            kind: ValueKind::Null,
            key_span,
            value_span,
            style,
            env_default: EnvDefault::None,
        });
    }

    /// The key span and entry style of a value (`None`: empty) written as `entry`.
    fn entry_style(
        &self,
        entry: &Entry,
        value: Option<&Scalar>,
        value_span: &Span,
    ) -> (Span, EntryStyle) {
        match entry {
            Entry::BlockPair { key } => (
                key.inner.clone(),
                EntryStyle::new(
                    self.line_end(key.node.start),
                    EntryShape {
                        lead: self.lead_at(key.node.start).into(),
                        key_prefix: self.key_prefix(key),
                        separator: self.separator(key, value).into(),
                        ..EntryShape::default()
                    },
                ),
            ),
            Entry::FlowPair { key } => (
                key.inner.clone(),
                EntryStyle::new(
                    value.map_or(key.node.end, |v| v.node.end.max(key.node.end)),
                    EntryShape {
                        lead: ", ".into(),
                        key_prefix: self.key_prefix(key),
                        separator: self.separator(key, value).into(),
                        ..EntryShape::default()
                    },
                ),
            ),
            Entry::BlockItem { item } => (
                value_span.clone(),
                EntryStyle::new(
                    self.line_end(*item),
                    EntryShape {
                        lead: self.lead_at(*item).into(),
                        item_prefix: "- ".to_string(),
                        ..EntryShape::default()
                    },
                ),
            ),
            Entry::FlowItem => (
                value_span.clone(),
                EntryStyle::new(
                    value.map_or(value_span.end, |v| v.node.end),
                    EntryShape {
                        lead: ", ".into(),
                        ..EntryShape::default()
                    },
                ),
            ),
        }
    }

    /// The end of the line that holds `pos` (before its `\r\n` or `\n`).
    fn line_end(&self, pos: usize) -> usize {
        match self
            .bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        {
            Some(i) if i > 0 && self.byte(pos + i - 1) == Some(b'\r') => pos + i - 1,
            Some(i) => pos + i,
            None => self.bytes.len(),
        }
    }

    /// A line break plus blanks up to the column of `pos` (everything before it on its line is
    /// ASCII: blanks and `- `).
    fn lead_at(&self, pos: usize) -> String {
        let start = self
            .bytes
            .get(..pos)
            .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
            .map_or(0, |i| i + 1);
        let line_break = if self.byte(self.line_end(pos)) == Some(b'\r') {
            "\r\n"
        } else {
            "\n"
        };
        format!("{line_break}{}", " ".repeat(pos - start))
    }

    /// The dotted prefix of a key as written (`mail.smtp.` for `mail.smtp.auth`).
    fn key_prefix(&self, key: &Scalar) -> String {
        super::written_key_prefix(self.slice(key.inner.clone()), key.style == Style::Plain)
    }

    /// The text between a key and its value when it is a plain `:` with blanks, else `": "`.
    fn separator(&self, key: &Scalar, value: Option<&Scalar>) -> String {
        let between = value.map_or("", |v| self.slice(key.node.end..v.node.start));
        let trimmed = between.trim_matches(' ');
        if trimmed == ":" && between.starts_with(':') && between.len() <= 4 {
            between.to_string()
        } else {
            ": ".to_string()
        }
    }
}

/// Adds a key's segments to `path`: dotted keys split, a key of dots only stays whole.
fn push_key(path: &mut Vec<Segment>, key: &str) {
    let depth = path.len();
    path.extend(key.split('.').filter(|s| !s.is_empty()).map(segment));
    if path.len() == depth {
        path.push(segment(key));
    }
}

/// A byte that starts a plain scalar by itself (not an indicator, not a blank).
fn is_plain_first(b: u8) -> bool {
    !matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) && (b > 0x20 && b != 0x7f)
}

/// YAML `ns-char` as the grammar's scanner defines it.
fn is_ns_char(c: char) -> bool {
    matches!(c as u32,
        0x21..=0x7e | 0x85 | 0xa0..=0xd7ff | 0xe000..=0xfefe | 0xff00..=0xfffd | 0x10000..=0x10ffff)
}

/// The type tree-sitter-yaml gives a one-line plain scalar: a port of the core-schema
/// automaton of its scanner (`adv_sch_stt` in `schema.core.c`), state numbers kept.
pub(crate) fn plain_kind(text: &str) -> ValueKind {
    #[derive(Clone, Copy)]
    enum Schema {
        Str,
        Int,
        Null,
        Bool,
        Float,
    }
    use Schema::*;
    const FROZEN: i8 = -1;
    let mut state: i8 = 0;
    let mut result = Str;
    for c in text.chars() {
        // `(next state, result)` when the automaton moves on.
        let step: Option<(i8, Schema)> = match state {
            FROZEN => None,
            0 => match c {
                '.' => Some((6, Str)),
                '0' => Some((37, Int)),
                'F' => Some((2, Str)),
                'N' => Some((16, Str)),
                'T' => Some((13, Str)),
                'f' => Some((17, Str)),
                'n' => Some((29, Str)),
                't' => Some((26, Str)),
                '~' => Some((35, Null)),
                '+' | '-' => Some((1, Str)),
                '1'..='9' => Some((38, Int)),
                _ => None,
            },
            1 => match c {
                '.' => Some((7, Str)),
                '0'..='9' => Some((38, Int)),
                _ => None,
            },
            2 => match c {
                'A' => Some((9, Str)),
                'a' => Some((22, Str)),
                _ => None,
            },
            3 => match c {
                'A' | 'a' => Some((12, Str)),
                _ => None,
            },
            4 => (c == 'E').then_some((36, Bool)),
            5 => (c == 'F').then_some((41, Float)),
            6 => match c {
                'I' => Some((11, Str)),
                'N' => Some((3, Str)),
                'i' => Some((24, Str)),
                'n' => Some((18, Str)),
                '0'..='9' => Some((42, Float)),
                _ => None,
            },
            7 => match c {
                'I' => Some((11, Str)),
                'i' => Some((24, Str)),
                '0'..='9' => Some((42, Float)),
                _ => None,
            },
            8 => (c == 'L').then_some((35, Null)),
            9 => (c == 'L').then_some((14, Str)),
            10 => (c == 'L').then_some((8, Str)),
            11 => match c {
                'N' => Some((5, Str)),
                'n' => Some((20, Str)),
                _ => None,
            },
            12 => (c == 'N').then_some((41, Float)),
            13 => match c {
                'R' => Some((15, Str)),
                'r' => Some((28, Str)),
                _ => None,
            },
            14 => (c == 'S').then_some((4, Str)),
            15 => (c == 'U').then_some((4, Str)),
            16 => match c {
                'U' => Some((10, Str)),
                'u' => Some((23, Str)),
                _ => None,
            },
            17 => (c == 'a').then_some((22, Str)),
            18 => (c == 'a').then_some((25, Str)),
            19 => (c == 'e').then_some((36, Bool)),
            20 => (c == 'f').then_some((41, Float)),
            21 => (c == 'l').then_some((35, Null)),
            22 => (c == 'l').then_some((27, Str)),
            23 => (c == 'l').then_some((21, Str)),
            24 => (c == 'n').then_some((20, Str)),
            25 => (c == 'n').then_some((41, Float)),
            26 => (c == 'r').then_some((28, Str)),
            27 => (c == 's').then_some((19, Str)),
            28 => (c == 'u').then_some((19, Str)),
            29 => (c == 'u').then_some((23, Str)),
            30 => match c {
                '+' | '-' => Some((32, Str)),
                '0'..='9' => Some((43, Float)),
                _ => None,
            },
            31 => matches!(c, '0'..='7').then_some((39, Int)),
            32 => c.is_ascii_digit().then_some((43, Float)),
            33 => c.is_ascii_hexdigit().then_some((40, Int)),
            35 => {
                result = Null;
                None
            }
            36 => {
                result = Bool;
                None
            }
            37 => {
                result = Int;
                match c {
                    '.' => Some((42, Float)),
                    'o' => Some((31, Str)),
                    'x' => Some((33, Str)),
                    'E' | 'e' => Some((30, Str)),
                    '0'..='9' => Some((38, Int)),
                    _ => None,
                }
            }
            38 => {
                result = Int;
                match c {
                    '.' => Some((42, Float)),
                    'E' | 'e' => Some((30, Str)),
                    '0'..='9' => Some((38, Int)),
                    _ => None,
                }
            }
            39 => {
                result = Int;
                matches!(c, '0'..='7').then_some((39, Int))
            }
            40 => {
                result = Int;
                c.is_ascii_hexdigit().then_some((40, Int))
            }
            41 => {
                result = Float;
                None
            }
            42 => {
                result = Float;
                match c {
                    'E' | 'e' => Some((30, Str)),
                    '0'..='9' => Some((42, Float)),
                    _ => None,
                }
            }
            43 => {
                result = Float;
                c.is_ascii_digit().then_some((43, Float))
            }
            _ => {
                // Unlisted states (34 aborts in C and is unreachable) freeze as text.
                result = Str;
                state = FROZEN;
                continue;
            }
        };
        match step {
            Some((next, kind)) => {
                state = next;
                result = kind;
            }
            None => {
                // No move: anything but a blank turns the scalar into text.
                if !matches!(c, '\r' | '\n' | ' ') {
                    result = Str;
                }
                state = FROZEN;
            }
        }
    }
    match result {
        Str => ValueKind::Plain,
        Int | Float => ValueKind::Number,
        Bool => ValueKind::Bool,
        Null => ValueKind::Null,
    }
}

#[cfg(test)]
mod tests;
