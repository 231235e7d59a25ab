//! A document kept between edits: the language server applies each edit here and gets the settings
//! back without re-reading what the edit did not touch.

use super::{Format, Parsed};

/// One open document's text and what was read from it.
pub struct IncrementalDoc {
    format: Format,
    text: String,
    parsed: Parsed,
}

impl IncrementalDoc {
    pub fn new(format: Format, text: String) -> IncrementalDoc {
        let parsed = super::parse(format, &text);
        IncrementalDoc {
            format,
            text,
            parsed,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// Replaces the bytes `start..old_end` with `new_text`. Offsets are clamped to the text and to
    /// character boundaries.
    pub fn edit(&mut self, start: usize, old_end: usize, new_text: &str) {
        let len = self.text.len();
        let mut start = start.min(len);
        let mut end = old_end.clamp(start, len);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        self.text.replace_range(start..end, new_text);
        self.parsed = super::parse(self.format, &self.text);
    }
}
