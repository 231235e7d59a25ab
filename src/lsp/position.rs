//! LSP positions ⇄ byte offsets. The analysis speaks bytes; the client speaks UTF-16 code units
//! (the LSP default) or UTF-8 bytes when it offers them. Every conversion is clamped: a position
//! past the end of a line or of the document lands on the end, never in a panic.

use ropey::Rope;
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

/// The byte offset of `pos`, clamped to the line's end and the document's end.
pub fn to_byte(rope: &Rope, pos: Position, encoding: Encoding) -> usize {
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

/// Lines up to this long are walked char by char to find a column (cheaper than the rope's
/// index look-ups); longer lines (minified JSON) use the look-ups.
const WALK_LIMIT: usize = 4096;

/// The position of byte `offset` (clamped to the document, rounded down to a char boundary).
pub fn to_position(rope: &Rope, offset: usize, encoding: Encoding) -> Position {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let line_start = rope.line_to_byte(line);
    let column = if offset - line_start <= WALK_LIMIT {
        walk_column(rope, line_start, offset, encoding)
    } else {
        let char_idx = rope.byte_to_char(offset);
        match encoding {
            Encoding::Utf8 => rope.char_to_byte(char_idx) - line_start,
            Encoding::Utf16 => {
                rope.char_to_utf16_cu(char_idx)
                    - rope.char_to_utf16_cu(rope.byte_to_char(line_start))
            }
        }
    };
    Position::new(saturate(line), saturate(column))
}

/// The column of `to` on the line starting at byte `from` (a char boundary), counting the chars
/// that end at or before `to`.
fn walk_column(rope: &Rope, from: usize, to: usize, encoding: Encoding) -> usize {
    let (chunks, mut chunk_start, _, _) = rope.chunks_at_byte(from);
    let mut column = 0;
    for chunk in chunks {
        let skip = from.saturating_sub(chunk_start);
        let Some(rest) = chunk.get(skip..) else {
            return column;
        };
        let mut at = chunk_start + skip;
        for c in rest.chars() {
            at += c.len_utf8();
            if at > to {
                return column;
            }
            column += match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        chunk_start += chunk.len();
    }
    column
}

pub fn to_range(rope: &Rope, span: &Span, encoding: Encoding) -> Range {
    let start = to_position(rope, span.start, encoding);
    let end = to_position(rope, span.end.max(span.start), encoding);
    Range::new(start, end)
}

/// The byte span of `range`; a reversed range is read as empty at its start.
pub fn to_span(rope: &Rope, range: Range, encoding: Encoding) -> Span {
    let start = to_byte(rope, range.start, encoding);
    let end = to_byte(rope, range.end, encoding).max(start);
    start..end
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The rope's text in a string of exactly its size (`to_string` grows one by doubling: up to
/// twice the text kept for as long as the string lives).
pub fn text(rope: &Rope) -> String {
    let mut text = String::with_capacity(rope.len_bytes());
    for chunk in rope.chunks() {
        text.push_str(chunk);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    // `é` is 2 bytes / 1 unit, `中` 3 bytes / 1 unit, `😀` 4 bytes / 2 units.
    const TEXT: &str = "a\nx=é中😀:587\r\nlast";

    #[test]
    fn columns_differ_by_encoding_after_wide_chars() {
        let rope = Rope::from_str(TEXT);
        let port = TEXT.find("587").unwrap();
        assert_eq!(
            to_position(&rope, port, Encoding::Utf8),
            Position::new(1, 12)
        );
        assert_eq!(
            to_position(&rope, port, Encoding::Utf16),
            Position::new(1, 7)
        );
        assert_eq!(to_byte(&rope, Position::new(1, 12), Encoding::Utf8), port);
        assert_eq!(to_byte(&rope, Position::new(1, 7), Encoding::Utf16), port);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let rope = Rope::from_str(TEXT);
        let line1_end = TEXT.find("\r\n").unwrap();
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            assert_eq!(to_byte(&rope, Position::new(1, 999), enc), line1_end);
            assert_eq!(to_byte(&rope, Position::new(99, 0), enc), TEXT.len());
            assert_eq!(
                to_byte(&rope, Position::new(u32::MAX, u32::MAX), enc),
                TEXT.len()
            );
            assert_eq!(to_position(&rope, usize::MAX, enc), Position::new(2, 4));
        }
        // inside a multi-byte char / a surrogate pair: rounded down to the char
        let emoji = TEXT.find('😀').unwrap();
        assert_eq!(to_byte(&rope, Position::new(1, 5), Encoding::Utf16), emoji);
        assert_eq!(to_byte(&rope, Position::new(1, 9), Encoding::Utf8), emoji);
        assert_eq!(
            to_position(&rope, emoji + 1, Encoding::Utf8),
            Position::new(1, 7)
        );
    }

    #[test]
    fn unicode_line_separators_are_not_lsp_line_breaks() {
        let rope = Rope::from_str("a\u{2028}b\nc");
        assert_eq!(to_position(&rope, 6, Encoding::Utf8), Position::new(1, 0));
    }

    #[test]
    fn walking_and_look_ups_agree() {
        let line = "é中😀x".repeat(WALK_LIMIT / 5);
        let text = format!("a\n{line}\n");
        let rope = Rope::from_str(&text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for offset in (0..text.len()).step_by(7) {
                let walked = to_position(&rope, offset, enc);
                let char_idx = rope.byte_to_char(offset);
                let line = rope.char_to_line(char_idx);
                let expected = match enc {
                    Encoding::Utf8 => rope.char_to_byte(char_idx) - rope.line_to_byte(line),
                    Encoding::Utf16 => {
                        rope.char_to_utf16_cu(char_idx)
                            - rope.char_to_utf16_cu(rope.line_to_char(line))
                    }
                };
                assert_eq!(
                    walked,
                    Position::new(line as u32, expected as u32),
                    "{offset}"
                );
            }
        }
    }

    #[test]
    fn empty_document() {
        let rope = Rope::from_str("");
        assert_eq!(to_byte(&rope, Position::new(3, 3), Encoding::Utf16), 0);
        assert_eq!(to_position(&rope, 5, Encoding::Utf16), Position::new(0, 0));
    }
}
