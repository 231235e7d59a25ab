//! YAML adapter (tree-sitter-yaml): block and flow mappings, sequences (index segments), scalars
//! typed with the YAML 1.2 core schema, block scalars, multi-document streams, and the
//! docker-compose `environment:` list form (`- KEY=VALUE`).
//!
//! The walk can reuse the settings of an earlier parse for subtrees an edit did not touch (see
//! [`super::incremental`]); a plain [`parse`] is the same walk without reuse.

/// The fast reader of plain block YAML (tree-sitter is its fallback and its reference).
mod plain;

use crate::analysis::syntax::EnvDefault;
use tree_sitter::{Node, Parser, Tree};

use super::bounded::Bounded;
use super::chunked::{self, ChunkFormat};
use super::named_children;
use super::reuse::Reuse;
use super::{slice, EntryShape, EntryStyle, Parsed, Setting, ValueKind};
use crate::vocab::Span;

/// YAML breaks lines at `\n`, `\r\n` and a lone `\r` (YAML 1.2 §5.4): where the line holding
/// `pos` starts. (The shared helpers stop at `\n` only: in a text broken by lone `\r`s the whole
/// text would be one line, and every entry would scan it.)
fn line_start(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()
        .get(..pos)
        .and_then(|before| before.iter().rposition(|&b| b == b'\n' || b == b'\r'))
        .map_or(0, |i| i + 1)
}

/// Where the line holding `pos` ends: at its `\r`, `\r\n` or `\n` (the text's end on the last).
fn line_end(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()
        .get(pos..)
        .and_then(|after| after.iter().position(|&b| b == b'\n' || b == b'\r'))
        .map_or(text.len(), |i| pos + i)
}

/// The line break the line holding `pos` ends with (`\n` on the last line).
fn line_break_at(text: &str, pos: usize) -> &'static str {
    let end = line_end(text, pos);
    match (text.as_bytes().get(end), text.as_bytes().get(end + 1)) {
        (Some(b'\r'), Some(b'\n')) => "\r\n",
        (Some(b'\r'), _) => "\r",
        _ => "\n",
    }
}

/// A parser for YAML, `None` only if the grammar cannot be loaded.
pub(crate) fn parser() -> Option<Parser> {
    super::parser_for(&tree_sitter_yaml::LANGUAGE.into())
}

pub fn parse(text: &str) -> Parsed {
    if let Some(parsed) = chunked::parse::<Chunks>(text) {
        return parsed;
    }
    let masked = mask_template_lines(text);
    if let Some(parsed) = read_plain(&masked, &|_| true) {
        return parsed;
    }
    let Some(mut parser) = parser() else {
        return Parsed::default();
    };
    extract(
        &parse_within_limits(&mut parser, &masked, None),
        &masked,
        None,
        &[],
    )
}

/// The fast reader ([`plain`]) on a whole document: what tree-sitter would read, or `None` when
/// the text is not plain block YAML (then tree-sitter reads it). Settings whose last key `wanted`
/// rejects are left out.
pub(crate) fn read_plain(text: &str, wanted: &dyn Fn(&str) -> bool) -> Option<Parsed> {
    plain::read_wanted(text, &[], wanted)
}

/// Whether [`mask_template_lines`] changes `line`: an edit that makes or unmakes such a line
/// changes what is read outside its own bytes.
pub(crate) fn is_masked_line(line: &str) -> bool {
    is_template_line(line) || line.contains("{{") && !quotes_inside_actions(line).is_empty()
}

/// Whether `line` is one template action and nothing else, or starts with a Jinja statement or
/// comment (`{% for uri in uris %}    - "{{ uri }}"`: what follows it on the line is the
/// statement's body, not YAML of the line's own) (see [`mask_template_lines`]).
pub(crate) fn is_template_line(line: &str) -> bool {
    let content = line.trim();
    content.starts_with("{%")
        || content.starts_with("{#")
        || content.len() >= 4 && content.starts_with("{{") && content.ends_with("}}")
}

/// `text` with each line that is one template action and nothing else — Helm's
/// `{{- if .Values.mail.enabled }}` and `{{- end }}`, Jinja's `{% for host in hosts %}` and
/// `{# note #}` — or that starts with a Jinja statement, turned into a comment (its first `{` becomes `#`). Such a line is not YAML, and
/// read as written it breaks the document around it (a chart's every template would get MP000 and
/// lose the settings after it); as a comment it is what it is to the YAML the template renders.
/// A placeholder inside a value (`port: {{ .Values.port }}`) is left as it is, but for the
/// quotes of its own inside a quoted value: `"{{ USER or "synapse" }}"` and Helm's
/// `"{{ .Values.port | default "587" }}"` close the value early as written, so inside the
/// action they become the other quote (`"{{ USER or 'synapse' }}"`), which the value can hold;
/// in an unquoted value they become `_`.
/// Lines keep their length, so every span is the same in both texts. Linear in the text.
pub(crate) fn mask_template_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !(text.contains("{{") || text.contains("{%") || text.contains("{#")) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut masked: Option<Vec<u8>> = None;
    let mut start = 0;
    let mut blocks = TemplateBlocks::default();
    for line in text.split_inclusive('\n') {
        let template = is_template_line(line);
        if template {
            blocks.step(line);
        }
        // A line of an `else` / `elif` branch is another rendering than the first branch's,
        // whose keys would mix with it (the first branch's password with the second's host).
        if template || blocks.in_alternative() && !line.trim().is_empty() {
            let lead = line.len() - line.trim_start().len();
            masked.get_or_insert_with(|| text.as_bytes().to_vec())[start + lead] = b'#';
        } else if line.contains("{{") {
            for (at, byte) in quotes_inside_actions(line) {
                masked.get_or_insert_with(|| text.as_bytes().to_vec())[start + at] = byte;
            }
        }
        start += line.len();
    }
    // ASCII bytes replaced by ASCII bytes: still UTF-8.
    match masked.map(String::from_utf8) {
        Some(Ok(masked)) => std::borrow::Cow::Owned(masked),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// The `if` blocks of a template as its statement lines open and close them (Jinja's `{% if %}`
/// … `{% elif %}` / `{% else %}` … `{% endif %}`, Go templates' `{{ if }}` … `{{ else }}` …
/// `{{ end }}`, which also ends `range`, `with`, `define` and `block`). One rendering is read:
/// the first branch of each block; the lines of the others are masked like comments. Bounded by
/// the text: one frame a block, popped at its end.
#[derive(Default)]
struct TemplateBlocks {
    /// Each open block: whether it is an `if` (Jinja) or any block (Go), and whether its first
    /// branch is over.
    open: Vec<(BlockKind, bool)>,
    /// How many open blocks are past their first branch (so that asking costs nothing however
    /// deep the nesting).
    past_first: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    JinjaIf,
    JinjaOther,
    Go,
}

impl TemplateBlocks {
    fn step(&mut self, line: &str) {
        let content = line.trim();
        let (jinja, inner) = if let Some(rest) = content.strip_prefix("{%") {
            (true, rest)
        } else if let Some(rest) = content.strip_prefix("{{") {
            (false, rest)
        } else {
            return;
        };
        let inner = inner.trim_start_matches(['-', '+', '~']).trim_start();
        let word = inner
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        match (jinja, word) {
            (true, "if") => self.open.push((BlockKind::JinjaIf, false)),
            (true, "for" | "macro" | "block" | "filter" | "with" | "call" | "raw") => {
                self.open.push((BlockKind::JinjaOther, false))
            }
            (true, "elif" | "else") => self.alternative(),
            (true, "endif") => self.close(|kind| kind == BlockKind::JinjaIf),
            (true, w) if w.starts_with("end") => self.close(|kind| kind == BlockKind::JinjaOther),
            (false, "if" | "range" | "with" | "define" | "block") => {
                self.open.push((BlockKind::Go, false))
            }
            (false, "else") => self.alternative(),
            (false, "end") => self.close(|kind| kind == BlockKind::Go),
            _ => {}
        }
    }

    fn alternative(&mut self) {
        if let Some((_, past_first)) = self.open.last_mut() {
            if !*past_first {
                *past_first = true;
                self.past_first += 1;
            }
        }
    }

    /// Closes the innermost open block of the kind (an unmatched end closes nothing).
    fn close(&mut self, of_kind: impl Fn(BlockKind) -> bool) {
        if self.open.last().is_some_and(|&(kind, _)| of_kind(kind)) {
            if let Some((_, true)) = self.open.pop() {
                self.past_first -= 1;
            }
        }
    }

    fn in_alternative(&self) -> bool {
        self.past_first > 0
    }
}

/// In one line, the quotes inside `{{ … }}` actions that break the YAML around them, each with
/// the byte it becomes: inside a quoted value, that value's own quote (which would end it)
/// becomes the other quote; outside one, where the action reads as a flow mapping, every quote
/// becomes `_` (`{{ "True" if X else "False" }}`, a quoted scalar followed by more text, is no
/// key).
fn quotes_inside_actions(line: &str) -> Vec<(usize, u8)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut open: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], open) {
            (b'{', _) if bytes.get(i + 1) == Some(&b'{') => {
                let Some(len) = line.get(i + 2..).and_then(|rest| rest.find("}}")) else {
                    return out;
                };
                let end = i + 2 + len;
                let inside = bytes.get(i + 2..end).unwrap_or_default();
                for (j, &b) in (i + 2..).zip(inside) {
                    match (b, open) {
                        (b'"', Some(b'"')) => out.push((j, b'\'')),
                        (b'\'', Some(b'\'')) => out.push((j, b'"')),
                        (b'"' | b'\'', None) => out.push((j, b'_')),
                        _ => {}
                    }
                }
                i = end + 2;
                continue;
            }
            (b'#', None) if i == 0 || bytes[i - 1].is_ascii_whitespace() => return out,
            (q @ (b'"' | b'\''), None) => open = Some(q),
            (b'\\', Some(b'"')) => i += 1,
            (q, Some(quote)) if q == quote => open = None,
            _ => {}
        }
        i += 1;
    }
    out
}

/// Where each document of a YAML stream after a marker begins: the offsets of the lines that
/// are a document marker (`---` or `...` at the start of a line, alone or before a space). No
/// scalar, quoted or block, can hold such a line (YAML 1.2, "c-forbidden"), so a line scan is
/// exact. Linear in the text.
pub fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut line = 0;
    loop {
        if is_document_marker(&text.as_bytes()[line..]) {
            starts.push(line);
        }
        match text[line..].find('\n') {
            Some(i) => line += i + 1,
            None => break starts,
        }
    }
}

/// Whether the line at the start of `line` is a document marker.
pub fn is_document_marker(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"..."))
        && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Parses YAML within the limits of [`super::bounded`], never handing the grammar text nested
/// deeper than it can hold (see [`nesting_cut`]).
pub(crate) fn parse_within_limits(
    parser: &mut Parser,
    text: &str,
    old_tree: Option<&Tree>,
) -> Bounded {
    super::bounded::parse(parser, text, old_tree, Some(nesting_cut))
}

/// Most block levels the grammar's scanner may hold at once. It saves its stack of indentations
/// in tree-sitter's 1 KiB state buffer, 4 bytes a level after 10 bytes of its own, and aborts
/// the process (an assertion in tree-sitter) past 253 levels; this leaves room for the levels
/// the estimate below does not see.
const MAX_BLOCK_LEVELS: usize = 200;

/// Where the text first nests deeper than [`MAX_BLOCK_LEVELS`], if it does. The scanner pushes a
/// level for each block collection at a new column, and may push a sequence at the column of
/// its parent mapping and a block scalar's indentation on top: so each column still open counts
/// twice. A line pops the columns deeper than its own, except inside a flow collection left
/// open on an earlier line (its lines can sit anywhere and pop nothing in the scanner). Linear
/// in the text.
pub(crate) fn nesting_cut(text: &str) -> Option<usize> {
    let mut columns: Vec<usize> = Vec::new();
    let mut open_flow = 0usize;
    let mut start = 0;
    let all = text.as_bytes();
    while start < all.len() {
        // YAML breaks lines at LF, CRLF and a lone CR alike (the scanner does too).
        let rest = all.get(start..).unwrap_or(&[]);
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let crlf = rest.get(end) == Some(&b'\r') && rest.get(end + 1) == Some(&b'\n');
        let next = (start + end + 1 + usize::from(crlf)).min(all.len());
        let bytes = rest.get(..end).unwrap_or(&[]);
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let content = !matches!(bytes.get(indent), None | Some(b'#' | b'\t'));
        if content {
            let mut col = indent;
            if open_flow == 0 {
                while columns.last().is_some_and(|&c| c > col) {
                    columns.pop();
                }
            }
            if columns.last() != Some(&col) {
                columns.push(col);
            }
            // compact nested collections on one line: `- - - a`, `- ? a`
            while matches!(bytes.get(col), Some(b'-' | b'?'))
                && matches!(bytes.get(col + 1), Some(b' ' | b'\t'))
            {
                col += 2;
                col += bytes
                    .get(col..)
                    .map_or(0, |rest| rest.iter().take_while(|&&b| b == b' ').count());
                columns.push(col);
            }
            if 2 * columns.len() + 1 > MAX_BLOCK_LEVELS {
                return Some(start);
            }
            open_flow = flow_depth_after(bytes, open_flow);
        }
        start = next;
    }
    None
}

/// How many flow collections (`[`, `{`) are open after a line, counting brackets outside quotes
/// and comments (a rough count: it only decides whether a line may pop levels).
fn flow_depth_after(line: &[u8], mut open: usize) -> usize {
    let mut quote = None;
    let mut prev = b' ';
    for &b in line {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' if open > 0 || matches!(prev, b' ' | b':' | b'-' | b',') => {
                    quote = Some(b)
                }
                b'#' if matches!(prev, b' ' | b'\t') => break,
                b'[' | b'{' => open += 1,
                b']' | b'}' => open = open.saturating_sub(1),
                _ => {}
            },
        }
        prev = b;
    }
    open
}

// ---------------------------------------------------------------------------------------------
// Big documents are read in chunks: tree-sitter-yaml counts rows in 16 bits (a stream longer than
// 32767 lines turns into one ERROR), and re-parsing one small chunk per edit is what keeps edits
// cheap. A chunk starts at a line that starts an entry at its level: column 0 at the top, and the
// children of a top-level `key:` line (the "header") at their common indentation. For ordinary
// YAML the settings are the same as from one tree; only oddities such as a multi-line flow
// collection continued at column 0 read differently.

/// A region of a big document that is parsed on its own.
pub(crate) type Chunk = chunked::Chunk<Under>;

/// Where a chunk sits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Under {
    /// The key path of the header the chunk sits under (`[]` at the top level).
    pub prefix: Vec<String>,
    /// The indentation of the lines that start a chunk at this level.
    pub level: usize,
    /// A `key:` line whose children are chunks of their own: it holds no setting itself.
    pub header: bool,
}

/// YAML read in chunks: a unit is a top-level entry, split into one chunk per child when it is a
/// `key:` whose children are mapping entries at one indentation.
pub(crate) struct Chunks;

impl ChunkFormat for Chunks {
    type Place = Under;
    type Carry = ();

    fn parser() -> Option<Parser> {
        parser()
    }

    fn unit_end(text: &str, start: usize) -> usize {
        top_chunk_end(text, start)
    }

    fn split(text: &str, start: usize, end: usize) -> Vec<Chunk> {
        split_top_chunk(text, start, end)
    }

    fn read(
        parser: &mut Parser,
        text: &str,
        chunk: &Chunk,
        _: &(),
        wanted: &dyn Fn(&str) -> bool,
    ) -> (Parsed, ()) {
        (parse_chunk(parser, text, chunk, wanted), ())
    }

    /// The lines the edit touched still start (or do not start) chunks exactly as before.
    fn keeps_boundaries(
        text: &str,
        chunk: &Chunk,
        start: usize,
        new_end: usize,
        new_end_of_chunk: usize,
    ) -> bool {
        let under = &chunk.place;
        if under.header {
            return false;
        }
        let mut pos = line_start(text, start);
        while pos < text.len() && pos <= new_end {
            let line = line_at(text, pos);
            if pos == chunk.start {
                // At the top, a line that no longer can be a key joins the unit before it.
                let starts = if under.level == 0 {
                    starts_unit(text, &line)
                } else {
                    starts_entry(text, &line, under.level)
                };
                if !starts {
                    return false;
                }
            } else if line.content && line.indent <= under.level {
                return false;
            }
            pos = line.next;
        }
        // A top-level chunk must still end where it did and still not be split.
        under.level != 0
            || top_chunk_end(text, chunk.start) == new_end_of_chunk
                && split_top_chunk(text, chunk.start, new_end_of_chunk).len() == 1
    }
}

/// A line: its start, the start of the next line, its indentation and what it holds.
#[derive(Clone, Copy)]
pub(crate) struct Line {
    pub start: usize,
    pub next: usize,
    pub indent: usize,
    /// Neither blank nor a comment.
    pub content: bool,
}

pub(crate) fn line_at(text: &str, start: usize) -> Line {
    let bytes = text.as_bytes();
    let next = bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(text.len(), |i| start + i + 1);
    let line = bytes.get(start..next).unwrap_or(&[]);
    let indent = line.iter().take_while(|&&b| b == b' ').count();
    let first = line.get(indent).copied();
    let content = !matches!(first, None | Some(b'\n' | b'\r' | b'#' | b'\t'));
    Line {
        start,
        next,
        indent,
        content,
    }
}

/// The line starts an entry at indentation `level` (not a list item, not a directive).
pub(crate) fn starts_entry(text: &str, line: &Line, level: usize) -> bool {
    let rest = slice(text, line.start + line.indent..line.next);
    line.content
        && line.indent == level
        && !(rest.starts_with("- ") || rest.starts_with("-\n") || rest.starts_with("-\r"))
        && rest.trim_end() != "-"
        && !rest.starts_with('%')
}

/// Whether a line starts a top-level unit: it starts an entry at column 0 and can be one of its
/// own — a document marker, an explicit key (`? `), or a line whose first `:` followed by a blank
/// or the line's end (before any ` #` comment) ends a text that can be a key (a plain or quoted
/// key, or a flow mapping). Reads the one line.
fn starts_unit(text: &str, line: &Line) -> bool {
    if !starts_entry(text, line, 0) {
        return false;
    }
    let bytes = text.as_bytes().get(line.start..line.next).unwrap_or(&[]);
    if is_document_marker(bytes) || bytes.starts_with(b"? ") {
        return true;
    }
    let mut previous = b'\n';
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && matches!(previous, b' ' | b'\t') {
            return false;
        }
        if b == b':' && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n')) {
            return can_be_key(bytes.get(..i).unwrap_or(&[]));
        }
        previous = b;
    }
    false
}

/// Whether the text before a line's first `: ` can be a key: a plain scalar (not starting with
/// an indicator, not ending in a blank) or one quoted string, or a flow mapping's start.
fn can_be_key(key: &[u8]) -> bool {
    match (key.first(), key.last()) {
        (Some(b'{'), _) => true,
        (Some(&q @ (b'"' | b'\'')), Some(&last)) => key.len() > 1 && last == q,
        (Some(first), Some(last)) => {
            !b"-?:,[]}#&*!|>%@`".contains(first) && !matches!(last, b' ' | b'\t')
        }
        _ => false,
    }
}

/// A top-level `key:` line with nothing after the colon but blanks or a comment: the key
/// path its children sit under.
fn header_key(text: &str, line: &Line) -> Option<Vec<String>> {
    let rest = slice(text, line.start..line.next).trim_end();
    let (key, after) = rest.split_once(':')?;
    let after = after.trim_start();
    if !(after.is_empty() || after.starts_with('#')) || after.is_empty() && rest.ends_with("::") {
        return None;
    }
    let plain = !key.is_empty()
        && !key.starts_with(['-', '?', ' '])
        && !key.ends_with(' ')
        && !key.contains([
            '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
        ]);
    // A key too long to be a mail key's parent is not split on: each chunk copies its header.
    if !plain || key.len() > 256 {
        return None;
    }
    let mut path: Vec<String> = key
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if path.is_empty() {
        path.push(key.to_string());
    }
    Some(path)
}

/// Where the top-level chunk that starts at `start` ends: at the next line that starts a
/// top-level entry (directives stay with the document they announce). A line at column 0 that
/// cannot be one — no `key:` on it, no document marker: broken text, or the rest of an entry
/// the grammar rejects anyway — stays with the chunk before it, whose limits grow with its size,
/// instead of paying a parse of its own (a megabyte of such lines took 1.2–1.5 s as thousands of
/// one-line chunks; the INI reader does the same with its section headers).
pub(crate) fn top_chunk_end(text: &str, start: usize) -> usize {
    let mut pos = start;
    let mut only_directives = true;
    let mut first = true;
    while pos < text.len() {
        let line = line_at(text, pos);
        if !first && !only_directives && starts_unit(text, &line) {
            return pos;
        }
        if line.content {
            only_directives &= slice(text, line.start..line.next).starts_with('%');
        }
        first = false;
        pos = line.next;
    }
    text.len()
}

/// A top-level chunk, split into its header and one chunk per child when it is a `key:` whose
/// children are mapping entries at one indentation.
pub(crate) fn split_top_chunk(text: &str, start: usize, end: usize) -> Vec<Chunk> {
    let whole = vec![Chunk {
        start,
        end,
        place: Under::default(),
    }];
    // The header line: the first content line (comments may come before it).
    let mut pos = start;
    let mut header = None;
    while pos < end {
        let line = line_at(text, pos);
        pos = line.next;
        if line.content {
            header = Some(line);
            break;
        }
    }
    let Some(header) = header else {
        return whole;
    };
    let Some(prefix) = header_key(text, &header) else {
        return whole;
    };
    if header.indent != 0 {
        return whole;
    }
    let mut children = Vec::new();
    let mut level = None;
    while pos < end {
        let line = line_at(text, pos);
        if line.content {
            let level = *level.get_or_insert(line.indent);
            if line.indent < level || level == 0 {
                return whole;
            }
            if line.indent == level {
                if !starts_entry(text, &line, level) {
                    return whole;
                }
                children.push(line.start);
            }
        }
        pos = line.next;
    }
    let (Some(level), Some(&first_child)) = (level, children.first()) else {
        return whole;
    };
    let mut chunks = vec![Chunk {
        start,
        end: first_child,
        place: Under {
            header: true,
            ..Under::default()
        },
    }];
    for (i, &child) in children.iter().enumerate() {
        chunks.push(Chunk {
            start: child,
            end: children.get(i + 1).copied().unwrap_or(end),
            place: Under {
                prefix: prefix.clone(),
                level,
                header: false,
            },
        });
    }
    chunks
}

/// Parses one chunk. Settings and errors come back in document offsets; header chunks hold none.
/// The fast reader skips settings whose last key `wanted` rejects (a caller that would drop them
/// anyway saves building them).
fn parse_chunk(
    parser: &mut Parser,
    text: &str,
    chunk: &Chunk,
    wanted: &dyn Fn(&str) -> bool,
) -> Parsed {
    if chunk.place.header {
        return Parsed::default();
    }
    let source = mask_template_lines(slice(text, chunk.start..chunk.end));
    let prefix = &chunk.place.prefix;
    // Plain block YAML is read by a small reader that gives the same settings much faster;
    // anything else goes to tree-sitter.
    let mut parsed = plain::read_wanted(&source, prefix, wanted).unwrap_or_else(|| {
        extract(
            &parse_within_limits(parser, &source, None),
            &source,
            None,
            prefix,
        )
    });
    parsed.shift(chunk.start as isize);
    parsed
}

/// Reads the settings of a parsed tree under the key path `base`; with `reuse`, untouched
/// subtrees are taken from the previous parse instead (the plan is recorded in `reuse` and
/// `settings` holds only new ones).
pub(crate) fn extract(
    read: &Bounded,
    text: &str,
    reuse: Option<&mut Reuse>,
    base: &[String],
) -> Parsed {
    let Some(tree) = &read.tree else {
        return Parsed::new(Vec::new(), read.errors(text));
    };
    let mut walker = Walker {
        text,
        settings: Vec::new(),
        reuse,
        frozen: 0,
        base,
        base_column: base_column(text),
    };
    let root = tree.root_node();
    walker.top(root);
    Parsed::new(walker.settings, read.errors(text))
}

/// How the entry that holds a value was written (decides the [`EntryStyle`]).
enum Entry<'t> {
    /// A document's root value (no key).
    Top,
    /// `key: value` in a block mapping.
    BlockPair { pair: Node<'t>, key: Node<'t> },
    /// `key: value` inside `{ }`.
    FlowPair { key: Node<'t> },
    /// `- value` in a block sequence, at index `index`.
    BlockItem { item: Node<'t> },
    /// `value` inside `[ ]`.
    FlowItem,
}

struct Walker<'a, 'r> {
    text: &'a str,
    settings: Vec<Setting>,
    reuse: Option<&'r mut Reuse>,
    /// Non-zero while walking below a key the edit touched: paths there may differ, so nothing
    /// below is reused.
    frozen: usize,
    /// The key path everything read sits under (a chunk's header).
    base: &'a [String],
    /// The indentation of the first entry: error recovery reads whole pairs that start there.
    base_column: usize,
}

/// The indentation of the first content line.
fn base_column(text: &str) -> usize {
    let mut pos = 0;
    while pos < text.len() {
        let line = line_at(text, pos);
        if line.content {
            return line.indent;
        }
        pos = line.next;
    }
    0
}

/// Where the line that decides [`base_column`] ends (after its line break); `None` when no line
/// has content yet. An edit that starts after it leaves the base column as it was.
pub(crate) fn base_line_end(text: &str) -> Option<usize> {
    let mut pos = 0;
    while pos < text.len() {
        let line = line_at(text, pos);
        if line.content {
            return Some(line.next);
        }
        pos = line.next;
    }
    None
}

impl<'t> Walker<'_, '_> {
    /// A document, or what error recovery left of one: an ERROR node may still hold whole
    /// top-level pairs (those that start at column 0 are read).
    fn top(&mut self, node: Node<'t>) {
        match node.kind() {
            "stream" => {
                for child in named_children(node) {
                    self.top(child);
                }
            }
            "document" => self.unit(node, &mut self.base.to_vec(), |w, prefix| {
                for child in named_children(node) {
                    w.top_value(child, prefix);
                }
            }),
            "ERROR" => {
                for child in named_children(node) {
                    self.top_value(child, &mut self.base.to_vec());
                }
            }
            _ => {}
        }
    }

    fn top_value(&mut self, node: Node<'t>, prefix: &mut Vec<String>) {
        match node.kind() {
            "ERROR" => self.top(node),
            "block_mapping_pair" if node.start_position().column == self.base_column => {
                self.unit(node, prefix, |w, prefix| w.pair(node, prefix, false));
            }
            "block_node" | "flow_node" | "block_mapping" => {
                let Some(content) = unwrap_node(node).0 else {
                    return;
                };
                if content.kind() == "ERROR" {
                    self.top(content);
                } else if content.kind() == "block_mapping" {
                    for child in named_children(content) {
                        self.top_value(child, prefix);
                    }
                } else {
                    self.value(Some(node), prefix, &Entry::Top);
                }
            }
            _ => {}
        }
    }

    /// An entry of the document (pair, sequence item, document): reused from the previous parse
    /// when the edit did not touch it, else read by `read`.
    fn unit(
        &mut self,
        node: Node<'t>,
        prefix: &mut Vec<String>,
        read: impl FnOnce(&mut Self, &mut Vec<String>),
    ) {
        self.unit_at(node, prefix, prefix.len(), read);
    }

    /// [`Self::unit`] where the entry's settings share only `prefix[..depth]` (a compose
    /// `- KEY=VALUE` item: its list index is replaced by the variable name).
    fn unit_at(
        &mut self,
        node: Node<'t>,
        prefix: &mut Vec<String>,
        depth: usize,
        read: impl FnOnce(&mut Self, &mut Vec<String>),
    ) {
        if self.frozen == 0 {
            if let Some(reuse) = self.reuse.as_deref_mut() {
                let (start, last) = (node.start_byte(), last_byte(self.text, node));
                // Up to the first byte of the line break: a `\n` typed after a `\r` ends the line
                // there, where a lone `\r` did not (fuzz/regressions/incremental_edits/
                // yaml-newline-after-carriage-return).
                let end = (line_end(self.text, last) + 1).min(self.text.len());
                let extent = line_start(self.text, start)..end;
                // An entry's old settings are those of its lines: one that shares a line with
                // another entry (`{ a: 1, b: 2 }`) is read again, or it would take its
                // neighbour's too (fuzz/regressions/incremental_edits/yaml-newline-after-comment-key).
                let shared = prefix.get(..depth).unwrap_or(prefix);
                if !shares_a_line(self.text, start, last)
                    && reuse.take(extent, shared, self.settings.len())
                {
                    return;
                }
            }
        }
        read(self, prefix);
    }

    /// A value (block/flow node, or `None` for an empty value) under the key path `prefix`.
    fn value(&mut self, node: Option<Node<'t>>, prefix: &mut Vec<String>, entry: &Entry<'t>) {
        let (content, tag) = match node {
            Some(node) => unwrap_node(node),
            None => (None, None),
        };
        let Some(content) = content else {
            if !matches!(entry, Entry::Top) {
                self.scalar(None, None, prefix, entry);
            }
            return;
        };
        match content.kind() {
            "block_mapping" => {
                for pair in named_children(content) {
                    if pair.kind() == "block_mapping_pair" {
                        self.unit(pair, prefix, |w, prefix| w.pair(pair, prefix, false));
                    }
                }
            }
            "flow_mapping" => {
                for pair in named_children(content) {
                    if pair.kind() == "flow_pair" {
                        self.unit(pair, prefix, |w, prefix| w.pair(pair, prefix, true));
                    }
                }
            }
            "block_sequence" => {
                let items = named_children(content)
                    .into_iter()
                    .filter(|n| n.kind() == "block_sequence_item");
                for (index, item) in items.enumerate() {
                    let value = named_children(item)
                        .into_iter()
                        .find(|n| matches!(n.kind(), "block_node" | "flow_node"));
                    if let Some(keys) = env_item_keys(self.text, value) {
                        // A Kubernetes `env:` item becomes one setting: read it whole (nothing
                        // below is reused), then fold it.
                        prefix.push(index.to_string());
                        let from = self.settings.len();
                        self.frozen += 1;
                        self.value(value, prefix, &Entry::BlockItem { item });
                        self.frozen -= 1;
                        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                        fold_env_item(
                            self.text,
                            &mut self.settings,
                            from,
                            prefix.len(),
                            &keys,
                            item.start_byte(),
                        );
                        prefix.pop();
                        continue;
                    }
                    let depth =
                        prefix.len() + usize::from(env_assignment(self.text, value).is_none());
                    prefix.push(index.to_string());
                    self.unit_at(item, prefix, depth, |w, prefix| {
                        if !w.env_item(value, prefix, item) {
                            w.value(value, prefix, &Entry::BlockItem { item });
                        }
                    });
                    prefix.pop();
                }
            }
            "flow_sequence" => {
                let items = named_children(content)
                    .into_iter()
                    .filter(|n| matches!(n.kind(), "flow_node" | "flow_pair"));
                for (index, item) in items.enumerate() {
                    prefix.push(index.to_string());
                    self.unit(item, prefix, |w, prefix| {
                        if item.kind() == "flow_pair" {
                            w.pair(item, prefix, true);
                        } else {
                            w.value(Some(item), prefix, &Entry::FlowItem);
                        }
                    });
                    prefix.pop();
                }
            }
            _ => {
                if !matches!(entry, Entry::Top) {
                    self.scalar(Some(content), tag, prefix, entry);
                }
            }
        }
    }

    /// `key: value` (block or flow). Dotted keys add one segment per part.
    fn pair(&mut self, pair: Node<'t>, prefix: &mut Vec<String>, flow: bool) {
        let Some(key_node) = pair.child_by_field_name("key") else {
            return;
        };
        let Some(key) = scalar_of(key_node) else {
            return; // complex keys are not settings
        };
        let (key_text, key_kind) = decode_scalar(self.text, key);
        let key_text = match key_kind {
            ValueKind::Quoted => key_text,
            _ => symbol_key(&key_text).to_string(),
        };
        let depth = prefix.len();
        prefix.extend(
            key_text
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        if prefix.len() == depth {
            prefix.push(key_text);
        }
        let key_touched = self
            .reuse
            .as_deref()
            .is_some_and(|r| r.touches(key_node.start_byte()..key_node.end_byte()));
        self.frozen += usize::from(key_touched);
        let value = pair.child_by_field_name("value");
        let entry = if flow {
            Entry::FlowPair { key: key_node }
        } else {
            Entry::BlockPair {
                pair,
                key: key_node,
            }
        };
        self.value(value, prefix, &entry);
        self.frozen -= usize::from(key_touched);
        prefix.truncate(depth);
    }

    /// A docker-compose `environment:` list item `- KEY=VALUE`; false when the item is not one.
    fn env_item(&mut self, value: Option<Node<'t>>, prefix: &[String], item: Node<'t>) -> bool {
        let Some((scalar, kind, raw, eq)) = env_assignment(self.text, value) else {
            return false;
        };
        let key = slice(self.text, raw.start..raw.start + eq);
        let decoded = decode_scalar(self.text, scalar).0;
        let value = decoded.split_once('=').map_or("", |(_, v)| v).to_string();
        let mut path = prefix.to_vec();
        path.pop(); // the list index: the variable name replaces it
        path.push(key.to_string());
        let key_start = raw.start;
        self.settings.push(Setting {
            path: super::segments(path),
            value,
            kind,
            key_span: key_start..key_start + eq,
            value_span: key_start + eq + 1..raw.end,
            style: EntryStyle::new(
                line_end(self.text, last_byte(self.text, item)),
                env_item_shape(self.lead_at(item.start_byte())),
            ),
            env_default: EnvDefault::None,
        });
        true
    }

    /// A leaf: a scalar (or alias, or nothing) that becomes one setting.
    fn scalar(
        &mut self,
        node: Option<Node<'t>>,
        tag: Option<Node<'t>>,
        path: &[String],
        entry: &Entry<'t>,
    ) {
        let text = self.text;
        let (value, mut kind, value_span) = match node {
            Some(node) if node.kind() == "alias" => (
                slice(text, node.start_byte()..node.end_byte()).to_string(),
                ValueKind::Plain,
                node.start_byte()..node.end_byte(),
            ),
            Some(node) => match scalar_of_content(node) {
                Some(scalar) => {
                    let (value, kind) = decode_scalar(text, scalar);
                    (value, kind, value_span_of(text, scalar))
                }
                None => return, // a nested collection the walk does not read as a value
            },
            None => {
                let at = empty_value_at(text, entry);
                (String::new(), ValueKind::Null, at..at)
            }
        };
        if tag.is_some_and(|t| slice(text, t.start_byte()..t.end_byte()) == "!!str")
            && kind != ValueKind::Quoted
        {
            kind = ValueKind::Plain;
        }
        let value_end = node.map_or(value_span.end, |n| n.end_byte());
        let (key_span, style) = match entry {
            Entry::Top => return,
            Entry::BlockPair { pair, key } => {
                let key_scalar = scalar_of(*key).unwrap_or(*key);
                (
                    value_span_of(text, key_scalar),
                    EntryStyle::new(
                        line_end(text, last_byte(text, *pair)),
                        EntryShape {
                            lead: self.lead_at(key.start_byte()).into(),
                            key_prefix: key_prefix(text, key_scalar),
                            separator: separator(
                                text,
                                key.end_byte(),
                                node.map(|n| n.start_byte()),
                            )
                            .into(),
                            ..EntryShape::default()
                        },
                    ),
                )
            }
            Entry::FlowPair { key } => {
                let key_scalar = scalar_of(*key).unwrap_or(*key);
                (
                    value_span_of(text, key_scalar),
                    EntryStyle::new(
                        value_end.max(key.end_byte()),
                        EntryShape {
                            lead: ", ".into(),
                            key_prefix: key_prefix(text, key_scalar),
                            separator: separator(
                                text,
                                key.end_byte(),
                                node.map(|n| n.start_byte()),
                            )
                            .into(),
                            ..EntryShape::default()
                        },
                    ),
                )
            }
            Entry::BlockItem { item } => (
                value_span.clone(),
                EntryStyle::new(
                    line_end(text, last_byte(text, *item)),
                    EntryShape {
                        lead: self.lead_at(item.start_byte()).into(),
                        item_prefix: "- ".to_string(),
                        ..EntryShape::default()
                    },
                ),
            ),
            Entry::FlowItem => (
                value_span.clone(),
                EntryStyle::new(
                    value_end,
                    EntryShape {
                        lead: ", ".into(),
                        ..EntryShape::default()
                    },
                ),
            ),
        };
        let mut setting = Setting {
            path: super::segments(path.iter().map(String::as_str)),
            value,
            kind,
            key_span,
            value_span,
            style,
            env_default: EnvDefault::None,
        };
        super::read_placeholder_default(&mut setting, text, plain::plain_kind);
        self.settings.push(setting);
    }

    /// A line break plus blanks up to the column of `pos` (YAML indents with spaces only).
    fn lead_at(&self, pos: usize) -> String {
        let start = line_start(self.text, pos);
        let column = slice(self.text, start..pos).chars().count();
        format!("{}{}", line_break_at(self.text, pos), " ".repeat(column))
    }
}

/// The keys of a block mapping list item that may be a Kubernetes `env:` item (every key one
/// of [`ENV_ITEM_KEYS`], `name` among them).
fn env_item_keys(text: &str, value: Option<Node>) -> Option<Vec<String>> {
    let (Some(content), _) = unwrap_node(value?) else {
        return None;
    };
    if content.kind() != "block_mapping" {
        return None;
    }
    let mut keys = Vec::new();
    for pair in named_children(content) {
        if pair.kind() != "block_mapping_pair" {
            continue;
        }
        let key = scalar_of(pair.child_by_field_name("key")?)?;
        let key = decode_scalar(text, key).0;
        if !ENV_ITEM_KEYS.contains(&key.as_str()) {
            return None;
        }
        keys.push(key);
    }
    keys.iter().any(|k| k == "name").then_some(keys)
}

/// A list item written `KEY=VALUE` (compose `environment:` list form): the scalar, its kind, its
/// text span (inside quotes) and where the `=` is in it.
fn env_assignment<'t>(
    text: &str,
    value: Option<Node<'t>>,
) -> Option<(Node<'t>, ValueKind, Span, usize)> {
    let (Some(scalar), _) = unwrap_node(value?) else {
        return None;
    };
    let (kind, raw) = match scalar.kind() {
        "plain_scalar" => (ValueKind::Plain, scalar.start_byte()..scalar.end_byte()),
        "double_quote_scalar" | "single_quote_scalar" => (ValueKind::Quoted, inner_span(scalar)),
        _ => return None,
    };
    let raw_text = slice(text, raw.clone());
    let eq = raw_text.find('=')?;
    let key = &raw_text[..eq];
    is_env_name(key).then_some((scalar, kind, raw, eq))
}

/// The keys of a Kubernetes `env:` item (`- name: KEY` with `value: …` or `valueFrom: …`).
pub(crate) const ENV_ITEM_KEYS: &[&str] = &["name", "value", "valueFrom"];

/// The value given to a variable whose `env:` item takes it from elsewhere (`valueFrom:` a
/// Secret or ConfigMap): the file does not name it, like a `${VAR}` reference.
pub(crate) const VALUE_FROM: &str = "${valueFrom}";

/// How a new `KEY=value` item of a compose `environment:` list is written.
fn env_item_shape(lead: String) -> EntryShape {
    EntryShape {
        lead: lead.into(),
        item_prefix: "- ".to_string(),
        separator: "=".into(),
        env_in_string: true,
        ..EntryShape::default()
    }
}

/// Reads a Kubernetes `env:` list item as one setting `KEY = value`, the way the container sees
/// it (and the way compose's `- KEY=VALUE` items are read): `settings[from..]` are the item's
/// settings, `item_depth` the length of its path (ending with its index), `keys` its keys as
/// written, `dash` the offset of its `-`. Nothing changes unless the item is exactly `name` (a
/// variable name) with `value` (a scalar) or `valueFrom`. Both YAML readers call this on the
/// same settings, so they agree.
pub(crate) fn fold_env_item(
    text: &str,
    settings: &mut Vec<Setting>,
    from: usize,
    item_depth: usize,
    keys: &[&str],
    dash: usize,
) {
    let Some(item) = settings.get(from..) else {
        return;
    };
    let has = |k: &str| keys.iter().filter(|x| **x == k).count();
    if has("name") != 1
        || has("value") + has("valueFrom") != 1
        || keys.iter().any(|k| !ENV_ITEM_KEYS.contains(k))
        || item_depth == 0
    {
        return;
    }
    let rel = |s: &Setting| {
        s.path
            .get(item_depth..)
            .map(|p| p.to_vec())
            .unwrap_or_default()
    };
    let mut name = None;
    let mut value = None;
    let mut from_count = 0;
    for (i, s) in item.iter().enumerate() {
        let r = rel(s);
        match r.first().map(|k| &**k) {
            Some("name") if r.len() == 1 => name = Some(i),
            Some("value") if r.len() == 1 => value = Some(i),
            Some("valueFrom") => from_count += 1,
            _ => return,
        }
    }
    let Some(name) = name.map(|i| &item[i]) else {
        return;
    };
    if !matches!(name.kind, ValueKind::Plain | ValueKind::Quoted) || !is_env_name(&name.value) {
        return;
    }
    if value.is_none() && (has("valueFrom") == 0 || from_count == 0) {
        return;
    }
    let first_key = item.iter().map(|s| s.key_span.start).min().unwrap_or(dash);
    let insert_at = item.iter().map(|s| s.style.insert_at).max().unwrap_or(dash);
    let key_column = first_key - line_start(text, first_key);
    let dash_column = dash.saturating_sub(line_start(text, dash));
    let line_break = line_break_at(text, dash);
    let (value_text, kind, value_span) = match value.map(|i| &item[i]) {
        Some(v) => (v.value.clone(), v.kind, v.value_span.clone()),
        None => {
            // Point at the `valueFrom` key.
            let search = slice(text, dash..insert_at);
            let at = search.find("valueFrom").map_or(first_key, |i| dash + i);
            (
                VALUE_FROM.to_string(),
                ValueKind::Plain,
                at..at + "valueFrom".len(),
            )
        }
    };
    let mut path = name.path.get(..item_depth - 1).unwrap_or(&[]).to_vec();
    path.push(super::segment(&name.value));
    let folded = Setting {
        path,
        value: value_text,
        kind,
        key_span: name.value_span.clone(),
        value_span,
        style: EntryStyle::new(
            insert_at,
            EntryShape {
                lead: format!("{line_break}{}", " ".repeat(dash_column)).into(),
                item_prefix: "- name: ".to_string(),
                key_prefix: String::new(),
                key_quote: None,
                separator: format!("{line_break}{}value: ", " ".repeat(key_column)).into(),
                env_in_string: false,
                inherited: false,
                quoted_values: false,
                suffix: String::new(),
            },
        ),
        env_default: EnvDefault::None,
    };
    settings.truncate(from);
    settings.push(folded);
}

/// A variable name of a compose `- KEY=VALUE` item: a letter or `_`, then letters, digits, `_`, `.`.
pub(crate) fn is_env_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// The last byte of `node` that is not a trailing blank or line break (block nodes may take in
/// the blank lines after them, more so at the end of the input).
fn last_byte(text: &str, node: Node) -> usize {
    let start = node.start_byte();
    let written = slice(text, start..node.end_byte());
    let kept = written.trim_end_matches([' ', '\t', '\r', '\n']).len();
    start + kept.saturating_sub(1)
}

/// True when the entry written from `start` to `last` (its last byte) shares a line with
/// another: anything but indentation and list markers before it, or anything but a comment after.
fn shares_a_line(text: &str, start: usize, last: usize) -> bool {
    let before = slice(text, line_start(text, start)..start);
    let after = slice(text, (last + 1).min(text.len())..line_end(text, last));
    let after = after.trim();
    before.chars().any(|c| !matches!(c, ' ' | '\t' | '-'))
        || !(after.is_empty() || after.starts_with('#'))
}

/// The content of a block/flow node (skipping anchors, tags and comments) and its tag.
fn unwrap_node(node: Node) -> (Option<Node>, Option<Node>) {
    if !matches!(node.kind(), "block_node" | "flow_node") {
        return (Some(node), None);
    }
    let mut tag = None;
    let mut content = None;
    for child in named_children(node) {
        match child.kind() {
            "tag" => tag = Some(child),
            "anchor" | "comment" => {}
            _ => {
                if content.is_none() {
                    content = Some(child);
                }
            }
        }
    }
    (content, tag)
}

/// The scalar inside a key/value node, if it is one.
fn scalar_of(node: Node) -> Option<Node> {
    unwrap_node(node).0.and_then(scalar_of_content)
}

fn scalar_of_content(node: Node) -> Option<Node> {
    matches!(
        node.kind(),
        "plain_scalar" | "double_quote_scalar" | "single_quote_scalar" | "block_scalar"
    )
    .then_some(node)
}

/// Inside the quotes of a quoted scalar.
fn inner_span(scalar: Node) -> Span {
    let (start, end) = (scalar.start_byte(), scalar.end_byte());
    if end >= start + 2 {
        start + 1..end - 1
    } else {
        start..end
    }
}

fn value_span_of(text: &str, scalar: Node) -> Span {
    match scalar.kind() {
        "double_quote_scalar" | "single_quote_scalar" => inner_span(scalar),
        "block_scalar" => scalar.start_byte()..last_byte(text, scalar) + 1,
        _ => scalar.start_byte()..scalar.end_byte(),
    }
}

/// Where an empty value would be written: after `key:` and one blank.
fn empty_value_at(text: &str, entry: &Entry) -> usize {
    let key_end = match entry {
        Entry::BlockPair { key, .. } | Entry::FlowPair { key } => key.end_byte(),
        Entry::BlockItem { item } => item.start_byte() + 1,
        Entry::Top | Entry::FlowItem => return 0,
    };
    let bytes = text.as_bytes();
    let mut at = key_end;
    if bytes.get(at) == Some(&b':') {
        at += 1;
    }
    if bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// The dotted prefix of a key as written (`mail.smtp.` for `mail.smtp.auth`, `:` for `:port`).
fn key_prefix(text: &str, key: Node) -> String {
    let plain = !matches!(key.kind(), "double_quote_scalar" | "single_quote_scalar");
    written_key_prefix(slice(text, value_span_of(text, key)), plain)
}

/// What a key written as `written` puts before a key name a fix writes beside it: its dotted
/// prefix, and the colon of a plain Ruby symbol key.
pub(crate) fn written_key_prefix(written: &str, plain: bool) -> String {
    let name = if plain { symbol_key(written) } else { written };
    let colon = &written[..written.len() - name.len()];
    match name.rfind('.') {
        Some(dot) if dot + 1 < name.len() => format!("{colon}{}", &name[..=dot]),
        _ => colon.to_string(),
    }
}

/// A plain key written as a Ruby symbol (`:address: smtp.example.com`) names the key `address`:
/// Ruby's YAML (Psych) loads it as the symbol ActionMailer's `smtp_settings` are keyed by.
pub(crate) fn symbol_key(key: &str) -> &str {
    match key.strip_prefix(':') {
        Some(name) if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') => name,
        _ => key,
    }
}

/// The text between a key and its value when it is a plain `:` with blanks, else `": "`.
fn separator(text: &str, key_end: usize, value_start: Option<usize>) -> String {
    let between = value_start.map_or("", |start| slice(text, key_end..start));
    let trimmed = between.trim_matches(' ');
    if trimmed == ":" && between.starts_with(':') && between.len() <= 4 {
        between.to_string()
    } else {
        ": ".to_string()
    }
}

/// The decoded text and kind of a scalar node.
fn decode_scalar(text: &str, scalar: Node) -> (String, ValueKind) {
    let raw = slice(text, scalar.start_byte()..scalar.end_byte());
    match scalar.kind() {
        "double_quote_scalar" => (
            decode_double_quoted(slice(text, inner_span(scalar))),
            ValueKind::Quoted,
        ),
        "single_quote_scalar" => (
            fold_lines(slice(text, inner_span(scalar))).replace("''", "'"),
            ValueKind::Quoted,
        ),
        "block_scalar" => (decode_block_scalar(raw), ValueKind::Plain),
        _ => {
            let kind = match scalar.named_child(0).map(|c| c.kind()) {
                Some("integer_scalar" | "float_scalar") => ValueKind::Number,
                Some("boolean_scalar") => ValueKind::Bool,
                Some("null_scalar") => ValueKind::Null,
                _ => ValueKind::Plain,
            };
            (fold_lines(raw), kind)
        }
    }
}

/// Multi-line flow scalars: line breaks fold to a space (an empty line keeps one break).
fn fold_lines(raw: &str) -> String {
    if !raw.contains('\n') {
        return raw.to_string();
    }
    let mut out = String::new();
    let mut pending_breaks = 0;
    for (i, line) in raw.split('\n').enumerate() {
        let line = if i == 0 { line.trim_end() } else { line.trim() };
        if i > 0 && line.is_empty() {
            pending_breaks += 1;
            continue;
        }
        if i > 0 {
            if pending_breaks > 0 {
                out.push_str(&"\n".repeat(pending_breaks));
            } else {
                out.push(' ');
            }
        }
        pending_breaks = 0;
        out.push_str(line);
    }
    out
}

pub(crate) fn decode_double_quoted(raw: &str) -> String {
    let folded = fold_lines(raw);
    let mut out = String::with_capacity(folded.len());
    let mut chars = folded.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(' ') => out.push(' '),
            Some('/') => out.push('/'),
            Some(code @ ('x' | 'u' | 'U')) => {
                let digits = match code {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.by_ref().take(digits).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => {
                        out.push('\\');
                        out.push(code);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `|` keeps line breaks, `>` folds them; the common indentation is removed.
fn decode_block_scalar(raw: &str) -> String {
    let mut lines = raw.split('\n');
    let header = lines.next().unwrap_or("");
    let folded = header.trim_start().starts_with('>');
    let body: Vec<&str> = lines.map(|l| l.trim_end_matches('\r')).collect();
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let content: Vec<&str> = body.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
    let mut out = if folded {
        let mut out = String::new();
        for (i, line) in content.iter().enumerate() {
            if i > 0 {
                out.push(if line.is_empty() || content[i - 1].is_empty() {
                    '\n'
                } else {
                    ' '
                });
            }
            out.push_str(line);
        }
        out
    } else {
        content.join("\n")
    };
    let keep = header.contains('+');
    let strip = header.contains('-');
    let trimmed_len = out.trim_end_matches('\n').len();
    out.truncate(trimmed_len);
    if !strip && !keep && !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// YAML breaks lines at a lone `\r`: an entry's indentation and insertion point are those of
    /// its own line, not measured from the text's start (each entry once carried a string as long
    /// as the text before it: 2.5 GB for a 343 KB file).
    #[test]
    fn lone_carriage_returns_end_lines() {
        let entries: String = (0..2000)
            .map(|i| format!("      SMTP_{i}: \"x\"\r"))
            .collect();
        let text = format!("services:\r  app:\r    environment:\r{entries}");
        let parsed = parse(&text);
        assert_eq!(parsed.settings.len(), 2000);
        for s in &parsed.settings {
            assert_eq!(&*s.style.lead, "\r      ", "{:?}", s.key());
            assert_eq!(text.as_bytes()[s.style.insert_at], b'\r');
        }
    }

    /// One rendering is read: the first branch of each `if` block, Jinja's and Go templates'; an
    /// `else` / `elif` branch is masked like a comment, to its block's end.
    #[test]
    fn only_the_first_branch_of_a_template_if_is_read() {
        let text = "global:\n{% if prod %}\n  smarthost: 'mail.example.org:465'\n  auth_password: x\n{% else %}\n  smarthost: 'relay:25'\n{% endif %}\n  from: a@example.org\n{{- if .Values.tls }}\nport: 465\n{{- else if .Values.plain }}\nport: 25\n{{- range .Values.x }}\n  - {{ . }}\n{{- end }}\n{{- end }}\nafter: 1\n";
        let masked = mask_template_lines(text);
        assert_eq!(
            masked,
            "global:\n#% if prod %}\n  smarthost: 'mail.example.org:465'\n  auth_password: x\n#% else %}\n  #marthost: 'relay:25'\n#% endif %}\n  from: a@example.org\n#{- if .Values.tls }}\nport: 465\n#{- else if .Values.plain }}\n#ort: 25\n#{- range .Values.x }}\n  # {{ . }}\n#{- end }}\n#{- end }}\nafter: 1\n"
        );
        let keys: Vec<String> = parse(text)
            .settings
            .iter()
            .map(|s| format!("{}={}", s.path_names().join("."), s.value))
            .collect();
        assert_eq!(
            keys,
            [
                "global.smarthost=mail.example.org:465",
                "global.auth_password=x",
                "global.from=a@example.org",
                "port=465",
                "after=1"
            ]
        );
    }

    #[test]
    fn quotes_inside_template_actions_are_masked_in_place() {
        let text = "a: \"{{ U or \"s\" }}\"\nb: {{ \"T\" if X }}\nc: 'it''s {{ x('y') }}'\nd: 'x' # {{ \"c\" }}\n{% for u in us %}  - \"{{ u }}\"\n";
        let masked = mask_template_lines(text);
        assert_eq!(
            masked,
            "a: \"{{ U or 's' }}\"\nb: {{ _T_ if X }}\nc: 'it''s {{ x(\"y\") }}'\nd: 'x' # {{ \"c\" }}\n#% for u in us %}  - \"{{ u }}\"\n"
        );
        assert_eq!(masked.len(), text.len());
    }
    use crate::analysis::syntax::parse_tree;
    use crate::analysis::syntax::show_parsed as show;
    use expect_test::{expect, Expect};

    fn check(text: &str, expect: Expect) {
        expect.assert_eq(&show(text, &parse(text)));
    }

    #[test]
    fn alertmanager_nested_sequences() {
        check(
            "global:\n  smtp_smarthost: 'smtp.example.com:587'\n  smtp_require_tls: true\nreceivers:\n  - name: ops\n    email_configs:\n      - to: ops@example.com\n        smarthost: smtp.example.com:465 # implicit\n        require_tls: false\n",
            expect![[r#"
                global/smtp_smarthost = "smtp.example.com:587" Quoted value@27..47 "smtp.example.com:587" style(at 48, lead "\n  ", prefix "" "", sep ": ")
                global/smtp_require_tls = "true" Bool value@69..73 "true" style(at 73, lead "\n  ", prefix "" "", sep ": ")
                receivers/0/name = "ops" Plain value@95..98 "ops" style(at 98, lead "\n    ", prefix "" "", sep ": ")
                receivers/0/email_configs/0/to = "ops@example.com" Plain value@130..145 "ops@example.com" style(at 145, lead "\n        ", prefix "" "", sep ": ")
                receivers/0/email_configs/0/smarthost = "smtp.example.com:465" Plain value@165..185 "smtp.example.com:465" style(at 196, lead "\n        ", prefix "" "", sep ": ")
                receivers/0/email_configs/0/require_tls = "false" Bool value@218..223 "false" style(at 223, lead "\n        ", prefix "" "", sep ": ")
            "#]],
        );
    }

    #[test]
    fn spring_dotted_keys_block_scalars_and_types() {
        check(
            "spring:\n  mail:\n    host: \"smtp.example.com\"\n    port: 465\n    properties:\n      mail.smtp.auth: true\n      mail.smtp.ssl.enable: yes\n    empty:\n    nothing: ~\n    text: |\n      line one\n      line two\n    folded: >-\n      a\n      b\n",
            expect![[r#"
                spring/mail/host = "smtp.example.com" Quoted value@27..43 "smtp.example.com" style(at 44, lead "\n    ", prefix "" "", sep ": ")
                spring/mail/port = "465" Number value@55..58 "465" style(at 58, lead "\n    ", prefix "" "", sep ": ")
                spring/mail/properties/mail/smtp/auth = "true" Bool value@97..101 "true" style(at 101, lead "\n      ", prefix "" "mail.smtp.", sep ": ")
                    key written "mail.smtp.auth"
                spring/mail/properties/mail/smtp/ssl/enable = "yes" Plain value@130..133 "yes" style(at 133, lead "\n      ", prefix "" "mail.smtp.ssl.", sep ": ")
                    key written "mail.smtp.ssl.enable"
                spring/mail/empty = "" Null value@144..144 "" style(at 144, lead "\n    ", prefix "" "", sep ": ")
                spring/mail/nothing = "~" Null value@158..159 "~" style(at 159, lead "\n    ", prefix "" "", sep ": ")
                spring/mail/text = "line one\nline two\n" Plain value@170..201 "|\n      line one\n      line two" style(at 201, lead "\n    ", prefix "" "", sep ": ")
                spring/mail/folded = "a b" Plain value@214..232 ">-\n      a\n      b" style(at 232, lead "\n    ", prefix "" "", sep ": ")
            "#]],
        );
    }

    #[test]
    fn compose_environment_list_and_map_forms() {
        check(
            "services:\n  gitea:\n    environment:\n      - GITEA__mailer__PROTOCOL=smtps\n      - \"GITEA__mailer__SMTP_PORT=465\"\n      - not an env item\n  grafana:\n    environment: {GF_SMTP_HOST: \"smtp.example.com:587\", SMTP_PORT: 587}\n    ports: [\"3000:3000\", 25]\n",
            expect![[r#"
                services/gitea/environment/GITEA__mailer__PROTOCOL = "smtps" Plain value@68..73 "smtps" style(at 73, lead "\n      ", prefix "- " "", sep "=")
                    env_in_string true key_quote None
                services/gitea/environment/GITEA__mailer__SMTP_PORT = "465" Quoted value@108..111 "465" style(at 112, lead "\n      ", prefix "- " "", sep "=")
                    env_in_string true key_quote None
                services/gitea/environment/2 = "not an env item" Plain value@121..136 "not an env item" style(at 136, lead "\n      ", prefix "- " "", sep "")
                    key written "not an env item"
                services/grafana/environment/GF_SMTP_HOST = "smtp.example.com:587" Quoted value@181..201 "smtp.example.com:587" style(at 202, lead ", ", prefix "" "", sep ": ")
                services/grafana/environment/SMTP_PORT = "587" Number value@215..218 "587" style(at 218, lead ", ", prefix "" "", sep ": ")
                services/grafana/ports/0 = "3000:3000" Quoted value@233..242 "3000:3000" style(at 243, lead ", ", prefix "" "", sep "")
                    key written "3000:3000"
                services/grafana/ports/1 = "25" Number value@245..247 "25" style(at 247, lead ", ", prefix "" "", sep "")
                    key written "25"
            "#]],
        );
    }

    #[test]
    fn multi_documents_anchors_tags_aliases() {
        check(
            "base: &base\n  port: !!str 25\n---\nmail:\n  <<: *base\n  host: smtp.example.com\n",
            expect![[r#"
                base/port = "25" Plain value@26..28 "25" style(at 28, lead "\n  ", prefix "" "", sep ": ")
                mail/<< = "*base" Plain value@45..50 "*base" style(at 50, lead "\n  ", prefix "" "", sep ": ")
                mail/host = "smtp.example.com" Plain value@59..75 "smtp.example.com" style(at 75, lead "\n  ", prefix "" "", sep ": ")
            "#]],
        );
    }

    #[test]
    fn errors_keep_readable_settings() {
        check(
            "mail:\n  host: smtp.example.com\n  port: 587\nbroken: {a: 1\nother: [1, 2\n",
            expect![[r#"
                mail/host = "smtp.example.com" Plain value@14..30 "smtp.example.com" style(at 30, lead "\n  ", prefix "" "", sep ": ")
                mail/port = "587" Number value@39..42 "587" style(at 42, lead "\n  ", prefix "" "", sep ": ")
                broken = "" Null value@51..51 "" style(at 56, lead "\n", prefix "" "", sep ": ")
                error 62..63: unexpected ':'
            "#]],
        );
    }

    /// A big compose/app config: top-level scalars, a long `services:` mapping, sequences,
    /// flow collections, comments, block scalars and a second document.
    pub(crate) fn big_yaml(services: usize) -> String {
        let mut out = String::from("# generated\nversion: 3\nmail:\n  smtp: {host: smtp.example.com, port: 587}\nservices:\n");
        for i in 0..services {
            let port = [587, 465, 25][i % 3];
            out.push_str(&format!(
                "  app-{i}:\n    image: registry.example.com/app:{i}\n    # mail\n    mail:\n      smtp:\n        host: smtp.example.com\n        port: {port}\n        secure: {}\n    environment:\n      - SMTP_PORT={port}\n      - \"SMTP_HOST=smtp.example.com\"\n    labels: [a, b]\n    note: |\n      line one\n      line two\n\n",
                port == 465
            ));
        }
        out.push_str("receivers:\n  - name: ops\n    email_configs:\n      - smarthost: smtp.example.com:465\n---\nsecond: 1\n");
        out
    }

    fn one_tree(text: &str) -> Parsed {
        extract(
            &parse_tree(&tree_sitter_yaml::LANGUAGE.into(), text),
            text,
            None,
            &[],
        )
    }

    /// Ruby symbol keys (`:port:`) name the key without its colon, in both readers alike; a fix
    /// beside one writes a symbol key too. A quoted `":port"` is a string, and stays whole.
    #[test]
    fn ruby_symbol_keys_read_alike_by_both_readers() {
        let text = "production:\n  :smtp_settings:\n    :address: smtp.example.com\n    :port: 25\n    :authentication: :plain\n    \":quoted\": 1\n    flow: {:tls: true}\n";
        let plain = read_plain(text, &|_| true).expect("plain block YAML");
        let whole = one_tree(text);
        assert_eq!(
            crate::analysis::syntax::first_difference(&plain, &whole),
            None
        );
        let paths: Vec<String> = plain.settings.iter().map(|s| s.path.join(".")).collect();
        assert_eq!(
            paths,
            [
                "production.smtp_settings.address",
                "production.smtp_settings.port",
                "production.smtp_settings.authentication",
                "production.smtp_settings.:quoted",
                "production.smtp_settings.flow.tls",
            ]
        );
        assert_eq!(plain.settings[1].style.shape.key_prefix, ":");
        assert_eq!(plain.settings[3].style.shape.key_prefix, "");
    }

    #[test]
    fn big_documents_read_in_chunks_like_one_tree() {
        let text = big_yaml(120);
        assert!(chunked::read_in_chunks(text.lines().count()));
        let chunks = chunked::chunks::<Chunks>(&text).unwrap();
        assert!(chunks.len() > 120, "{}", chunks.len());
        assert_eq!(chunks.iter().filter(|c| c.place.header).count(), 2); // mail, services
        let chunked = parse(&text);
        assert!(chunked.errors.is_empty());
        let whole = one_tree(&text);
        assert_eq!(
            crate::analysis::syntax::first_difference(&chunked, &whole),
            None
        );
    }

    #[test]
    fn column_zero_lines_that_cannot_be_keys_stay_with_the_entry_before() {
        // A pasted log: one chunk per line would cost a parse each.
        let mut text = String::from("smtp:\n  host: smtp.example.com\n  port: 587\n");
        for i in 0..1200 {
            text.push_str(&format!("[{i}] INFO sent message: ok\n- plain line {i}\n"));
        }
        text.push_str("mail:\n  port: 465\n'quoted key': 1\n{a: 1}: 2\n? b\n");
        let chunks = chunked::chunks::<Chunks>(&text).unwrap();
        let starts: Vec<&str> = chunks
            .iter()
            .map(|c| text[c.start..].lines().next().unwrap_or(""))
            .collect();
        assert_eq!(
            starts,
            // `mail:` is a header over its child; `smtp:` holds the log and stays whole.
            [
                "smtp:",
                "mail:",
                "  port: 465",
                "'quoted key': 1",
                "{a: 1}: 2",
                "? b"
            ]
        );
        // The settings around the log are read (one tree's error recovery loses some of them).
        let parsed = parse(&text);
        let read: Vec<String> = parsed
            .settings
            .iter()
            .map(|s| s.path_names().join("."))
            .filter(|p| p.contains("port") || p.contains("host"))
            .collect();
        assert_eq!(read, ["smtp.host", "smtp.port", "mail.port"]);
    }

    #[test]
    fn documents_past_the_grammar_row_limit_still_read() {
        // tree-sitter-yaml counts rows in 16 bits; one tree of this would be a single ERROR.
        let text = big_yaml(2600);
        assert!(text.lines().count() > 40_000);
        let parsed = parse(&text);
        assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
        let last = parsed
            .settings
            .iter()
            .rev()
            .find(|s| s.path.len() > 3)
            .unwrap();
        assert_eq!(
            last.path_names(),
            ["receivers", "0", "email_configs", "0", "smarthost"]
        );
        let ports = parsed.settings.iter().filter(|s| s.key() == "port").count();
        assert_eq!(ports, 2601);
    }

    fn insert_sibling(text: &str, key: &str, new_key: &str, value: &str) -> String {
        let parsed = parse(text);
        let setting = parsed.settings.iter().find(|s| s.key() == key).unwrap();
        super::super::with_sibling(text, setting, new_key, value)
    }

    #[test]
    fn inserted_siblings_reparse_in_the_same_mapping() {
        let block = "global:\n  smtp_smarthost: smtp.example.com:587 # relay\nroute: {}\n";
        let flow = "mail:\n  smtp: {host: smtp.example.com, port: 465}\n";
        let env = "services:\n  app:\n    environment:\n      - SMTP_PORT=465\n";
        let dotted = "spring:\n  mail:\n    properties:\n      mail.smtp.auth: true\n";
        let mut out = String::new();
        for (text, key, new_key, value) in [
            (block, "smtp_smarthost", "smtp_require_tls", "true"),
            (flow, "port", "secure", "true"),
            (env, "SMTP_PORT", "SMTP_SECURE", "true"),
            (dotted, "auth", "ssl", "true"),
        ] {
            let edited = insert_sibling(text, key, new_key, value);
            let parsed = parse(&edited);
            assert!(parsed.errors.is_empty(), "{edited}");
            let old = parse(text)
                .settings
                .into_iter()
                .find(|s| s.key() == key)
                .unwrap();
            let new = parsed.settings.iter().find(|s| s.key() == new_key).unwrap();
            assert_eq!(
                old.path[..old.path.len() - 1],
                new.path[..new.path.len() - 1]
            );
            out.push_str(&edited);
            out.push_str("----\n");
        }
        expect![[r#"
            global:
              smtp_smarthost: smtp.example.com:587 # relay
              smtp_require_tls: true
            route: {}
            ----
            mail:
              smtp: {host: smtp.example.com, port: 465, secure: true}
            ----
            services:
              app:
                environment:
                  - SMTP_PORT=465
                  - SMTP_SECURE=true
            ----
            spring:
              mail:
                properties:
                  mail.smtp.auth: true
                  mail.smtp.ssl: true
            ----
        "#]]
        .assert_eq(&out);
    }
}
