//! LSP positions ⇄ byte offsets. The analysis speaks bytes; the client speaks UTF-16 code units
//! (the LSP default) or UTF-8 bytes when it offers them. Every conversion is clamped: a position
//! past the end of a line or of the document lands on the end, never in a panic.

use std::borrow::Cow;
use std::cell::OnceCell;

use tower_lsp_server::ls_types::{ClientCapabilities, Position, PositionEncodingKind, Range};

use crate::vocab::Span;

/// How the client counts columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Bytes (only when the client offers `utf-8`).
    Utf8,
    /// UTF-16 code units: what every client understands.
    #[default]
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client lists it in `general.positionEncodings`, else UTF-16.
    pub fn negotiate(capabilities: &ClientCapabilities) -> Encoding {
        let offered = capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// Lines up to this long are walked char by char to find a column; past it, UTF-16 columns are
/// counted from checkpoints, so a look-up on a 1 MB minified line walks at most
/// [`CHECKPOINT_BYTES`] of it.
const WALK_LIMIT: usize = 4096;
/// Distance between the checkpoints of UTF-16 counts.
const CHECKPOINT_BYTES: usize = 4096;

/// A text's lines as LSP counts them (`\n`, `\r\n` and a lone `\r` end a line; U+2028 does
/// not), for converting positions. Made per request from the text the engine holds: the server
/// keeps no second copy of a document for positions.
pub struct Lines<'t> {
    text: &'t str,
    /// Byte offset where each line starts (the first is 0).
    starts: Cow<'t, [usize]>,
    /// (byte, UTF-16 units before it) at every char boundary past each [`CHECKPOINT_BYTES`]:
    /// built at the first UTF-16 look-up on a long line.
    checkpoints: OnceCell<Vec<(usize, usize)>>,
}

impl<'t> Lines<'t> {
    /// `newline_starts`: where the lines start counting `\n` alone, when the caller keeps them
    /// (the analysed document does); they are LSP's lines unless the text has a lone `\r`.
    pub fn new(text: &'t str, newline_starts: Option<&'t [usize]>) -> Lines<'t> {
        let starts = match newline_starts {
            Some(starts) if !has_lone_cr(text) => Cow::Borrowed(starts),
            _ => Cow::Owned(line_starts(text)),
        };
        Lines {
            text,
            starts,
            checkpoints: OnceCell::new(),
        }
    }

    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The byte offset of `pos`, clamped to the line's end and the document's end, rounded down
    /// to the start of a char.
    pub fn to_byte(&self, pos: Position, encoding: Encoding) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let end = self.content_end(line);
        let column = pos.character as usize;
        match encoding {
            Encoding::Utf8 => floor_char_boundary(self.text, start.saturating_add(column).min(end)),
            Encoding::Utf16 if column <= WALK_LIMIT => walk_units(self.text, start, end, 0, column),
            Encoding::Utf16 => {
                let target = self.units_at(start).saturating_add(column);
                let checkpoints = self.checkpoints();
                let before = checkpoints.partition_point(|&(_, units)| units <= target);
                let (at, units) = match before.checked_sub(1).map(|i| checkpoints[i]) {
                    Some((at, units)) if at > start => (at, units),
                    _ => (start, self.units_at(start)),
                };
                walk_units(self.text, at.min(end), end, units, target)
            }
        }
    }

    /// The position of byte `offset` (clamped to the document, rounded down to a char boundary).
    pub fn to_position(&self, offset: usize, encoding: Encoding) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0).min(offset);
        let column = match encoding {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 if offset - start <= WALK_LIMIT => units(&self.text[start..offset]),
            Encoding::Utf16 => self.units_at(offset) - self.units_at(start),
        };
        Position::new(saturate(line), saturate(column))
    }

    pub fn to_range(&self, span: &Span, encoding: Encoding) -> Range {
        let start = self.to_position(span.start, encoding);
        let end = self.to_position(span.end.max(span.start), encoding);
        Range::new(start, end)
    }

    /// The byte span of `range`; a reversed range is read as empty at its start.
    pub fn to_span(&self, range: Range, encoding: Encoding) -> Span {
        let start = self.to_byte(range.start, encoding);
        let end = self.to_byte(range.end, encoding).max(start);
        start..end
    }

    /// How many lines the text has (an empty text has one).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where `line` starts (the text's end past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// Where `line`'s content ends: before its line break.
    fn content_end(&self, line: usize) -> usize {
        let Some(&next) = self.starts.get(line + 1) else {
            return self.text.len();
        };
        let bytes = self.text.as_bytes();
        let mut end = next;
        if end > 0 && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        end.max(self.starts[line])
    }

    /// UTF-16 units before byte `offset` (a char boundary), from the nearest checkpoint.
    fn units_at(&self, offset: usize) -> usize {
        let checkpoints = self.checkpoints();
        let before = checkpoints.partition_point(|&(at, _)| at <= offset);
        let (at, counted) = before.checked_sub(1).map_or((0, 0), |i| checkpoints[i]);
        counted + units(&self.text[at..offset])
    }

    fn checkpoints(&self) -> &[(usize, usize)] {
        self.checkpoints.get_or_init(|| {
            let mut checkpoints = Vec::with_capacity(self.text.len() / CHECKPOINT_BYTES);
            let (mut next, mut counted) = (CHECKPOINT_BYTES, 0);
            for (at, c) in self.text.char_indices() {
                if at >= next {
                    checkpoints.push((at, counted));
                    next = at + CHECKPOINT_BYTES;
                }
                counted += c.len_utf16();
            }
            checkpoints
        })
    }
}

/// The byte where `target` UTF-16 units are reached walking from `from` (which has `counted`
/// units before it) to `end`; a target inside a char (half a surrogate pair) rounds down to it.
fn walk_units(text: &str, from: usize, end: usize, counted: usize, target: usize) -> usize {
    let mut units = counted;
    for (i, c) in text[from..end].char_indices() {
        units += c.len_utf16();
        if units > target {
            return from + i;
        }
    }
    end
}

fn units(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn has_lone_cr(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('\r')
        .any(|(i, _)| bytes.get(i + 1) != Some(&b'\n'))
}

/// Where each line starts, LSP's way.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, _) in text.match_indices(['\n', '\r']) {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue; // the `\n` ends this line
        }
        starts.push(i + 1);
    }
    starts
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Edits queued faster than the engine takes them are applied on a rope, where each costs a
/// look-up rather than a copy of the document.
pub mod rope {
    use super::{Encoding, Position, Range, Span};
    use ropey::Rope;

    /// Number of chars of line `line` without its line break.
    fn line_len_chars(rope: &Rope, line: usize) -> usize {
        let slice = rope.line(line);
        let mut len = slice.len_chars();
        if len > 0 && slice.char(len - 1) == '\n' {
            len -= 1;
        }
        if len > 0 && slice.char(len - 1) == '\r' {
            len -= 1;
        }
        len
    }

    /// The byte offset of `pos`, clamped as [`super::Lines::to_byte`] clamps it.
    fn to_byte(rope: &Rope, pos: Position, encoding: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= rope.len_lines() {
            return rope.len_bytes();
        }
        let line_start_char = rope.line_to_char(line);
        let len_chars = line_len_chars(rope, line);
        let column = pos.character as usize;
        match encoding {
            Encoding::Utf8 => {
                let line_start = rope.char_to_byte(line_start_char);
                let line_end = rope.char_to_byte(line_start_char + len_chars);
                // round down to the start of the char the byte is in
                let char_idx = rope.byte_to_char(line_start.saturating_add(column).min(line_end));
                rope.char_to_byte(char_idx)
            }
            Encoding::Utf16 => {
                let slice = rope.line(line).slice(..len_chars);
                let char_in_line = slice.utf16_cu_to_char(column.min(slice.len_utf16_cu()));
                rope.char_to_byte(line_start_char + char_in_line)
            }
        }
    }

    pub fn to_span(rope: &Rope, range: Range, encoding: Encoding) -> Span {
        let start = to_byte(rope, range.start, encoding);
        let end = to_byte(rope, range.end, encoding).max(start);
        start..end
    }

    /// The rope's text in a string of exactly its size (`to_string` grows one by doubling: up
    /// to twice the text kept for as long as the string lives).
    pub fn text(rope: &Rope) -> String {
        let mut text = String::with_capacity(rope.len_bytes());
        for chunk in rope.chunks() {
            text.push_str(chunk);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ropey::Rope;

    /// The reference: ropey's position of byte `offset`.
    fn rope_position(rope: &Rope, offset: usize, enc: Encoding) -> Position {
        let char_idx = rope.byte_to_char(offset);
        let line = rope.char_to_line(char_idx);
        let column = match enc {
            Encoding::Utf8 => rope.char_to_byte(char_idx) - rope.line_to_byte(line),
            Encoding::Utf16 => {
                rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(rope.line_to_char(line))
            }
        };
        Position::new(line as u32, column as u32)
    }

    // `é` is 2 bytes / 1 unit, `中` 3 bytes / 1 unit, `😀` 4 bytes / 2 units.
    const TEXT: &str = "a\nx=é中😀:587\r\nlast";

    #[test]
    fn columns_differ_by_encoding_after_wide_chars() {
        let lines = Lines::new(TEXT, None);
        let port = TEXT.find("587").unwrap();
        assert_eq!(
            lines.to_position(port, Encoding::Utf8),
            Position::new(1, 12)
        );
        assert_eq!(
            lines.to_position(port, Encoding::Utf16),
            Position::new(1, 7)
        );
        assert_eq!(lines.to_byte(Position::new(1, 12), Encoding::Utf8), port);
        assert_eq!(lines.to_byte(Position::new(1, 7), Encoding::Utf16), port);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let lines = Lines::new(TEXT, None);
        let line1_end = TEXT.find("\r\n").unwrap();
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(lines.to_byte(Position::new(1, 999), enc), line1_end);
            assert_eq!(lines.to_byte(Position::new(99, 0), enc), TEXT.len());
            let far = Position::new(u32::MAX, u32::MAX);
            assert_eq!(lines.to_byte(far, enc), TEXT.len());
            assert_eq!(lines.to_position(usize::MAX, enc), Position::new(2, 4));
        }
        // inside a multi-byte char / a surrogate pair: rounded down to the char
        let emoji = TEXT.find('😀').unwrap();
        assert_eq!(lines.to_byte(Position::new(1, 5), Encoding::Utf16), emoji);
        assert_eq!(lines.to_byte(Position::new(1, 9), Encoding::Utf8), emoji);
        assert_eq!(
            lines.to_position(emoji + 1, Encoding::Utf8),
            Position::new(1, 7)
        );
    }

    #[test]
    fn line_breaks_are_lsps() {
        // U+2028 is not a break; a lone `\r` is, also when the caller's `\n` lines say otherwise
        let lines = Lines::new("a\u{2028}b\nc", None);
        assert_eq!(lines.to_position(6, Encoding::Utf8), Position::new(1, 0));
        let text = "a\rb\nc";
        let newline_only = [0, 4];
        let lines = Lines::new(text, Some(&newline_only));
        assert_eq!(lines.to_position(2, Encoding::Utf16), Position::new(1, 0));
        assert_eq!(lines.to_byte(Position::new(2, 0), Encoding::Utf16), 4);
    }

    /// Every position agrees with ropey's (the reference) on short and long, wide-char lines.
    #[test]
    fn conversions_agree_with_a_rope() {
        let long = "é中😀x".repeat(3 * WALK_LIMIT / 5);
        let text = format!("a\n{long}\r\nshort é\rlast{long}");
        let rope = Rope::from_str(&text);
        let lines = Lines::new(&text, None);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for offset in (0..text.len()).step_by(7) {
                let pos = rope_position(&rope, offset, enc);
                assert_eq!(lines.to_position(offset, enc), pos, "{offset}");
                let range = Range::new(pos, pos);
                let byte = rope::to_span(&rope, range, enc).start;
                assert_eq!(lines.to_byte(pos, enc), byte, "{offset}");
            }
        }
    }

    /// Random texts of short and long lines, `\n`, `\r\n`, lone `\r`, wide chars and U+2028:
    /// every conversion, in range and out of it, equals ropey's.
    #[test]
    fn random_texts_agree_with_a_rope() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let pieces = ["a", "é", "中", "😀", "\n", "\r\n", "\r", "\u{2028}", " "];
        for round in 0..60 {
            let long = round % 3 == 0; // lines past WALK_LIMIT: the checkpoints are used
            let len = if long { 12_000 } else { 300 };
            let text: String = (0..len)
                .map(|_| match next(100) {
                    0..=1 if long => pieces[4 + next(3)],
                    0..=9 if !long => pieces[4 + next(3)],
                    _ => pieces[next(pieces.len())],
                })
                .collect();
            let rope = Rope::from_str(&text);
            let lines = Lines::new(&text, None);
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                for _ in 0..200 {
                    let offset = next(text.len() + 10);
                    let expected = rope_position(&rope, offset.min(text.len()), enc);
                    assert_eq!(lines.to_position(offset, enc), expected, "{round} {offset}");
                    let asked =
                        Position::new(next(rope.len_lines() + 2) as u32, next(20_000) as u32);
                    let at = Range::new(asked, asked);
                    assert_eq!(
                        lines.to_byte(asked, enc),
                        rope::to_span(&rope, at, enc).start,
                        "{round} {asked:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn empty_document() {
        let lines = Lines::new("", None);
        assert_eq!(lines.to_byte(Position::new(3, 3), Encoding::Utf16), 0);
        assert_eq!(lines.to_position(5, Encoding::Utf16), Position::new(0, 0));
    }
}
