//! A document kept between edits: the language server applies each edit here and gets the settings
//! back without re-reading what the edit did not touch.

use std::ops::Range;

use super::{Format, Parsed, Setting, Span};

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

/// What a re-read may take from the previous parse: the old settings, and where the text changed.
/// Adapters call [`Reuse::take`] for each entry; untouched entries become a [`Segment::Old`] in
/// the plan instead of being read again.
pub(crate) struct Reuse {
    /// The previous settings, in document order (old offsets).
    old: Vec<Setting>,
    /// Ranges of the new text whose content or structure changed (new offsets).
    dirty: Vec<Span>,
    /// The edit: `start..old_end` in the old text became `start..new_end`.
    start: usize,
    new_end: usize,
    delta: isize,
    plan: Vec<Segment>,
}

/// One run of the rebuilt settings list.
#[derive(Debug)]
enum Segment {
    /// Old settings `old`, placed after the first `fresh_before` newly read settings; `shift`
    /// when they lie after the edit; `prefix` replaces the start of their paths (a list index
    /// moved).
    Old {
        old: Range<usize>,
        fresh_before: usize,
        shift: bool,
        prefix: Option<Vec<String>>,
    },
}

impl Reuse {
    /// True when `span` (new offsets) touches a changed range.
    pub(crate) fn touches(&self, span: Span) -> bool {
        self.dirty
            .iter()
            .any(|d| span.start <= d.end && d.start <= span.end)
    }

    /// Takes the old settings of the entry whose lines are `extent` (new offsets) if the edit did
    /// not touch it. `prefix` is the entry's key path now; `fresh_len` how many settings were read
    /// anew so far. Returns false when the entry must be read again.
    pub(crate) fn take(&mut self, extent: Span, prefix: &[String], fresh_len: usize) -> bool {
        if self.touches(extent.clone()) {
            return false;
        }
        let (old_extent, shift) = if extent.end < self.start {
            (extent, false)
        } else if extent.start > self.new_end {
            let back = |at: usize| at.wrapping_sub(self.delta as usize);
            (back(extent.start)..back(extent.end), true)
        } else {
            return false;
        };
        let first = self
            .old
            .partition_point(|s| s.key_span.start < old_extent.start);
        let last = self
            .old
            .partition_point(|s| s.key_span.start <= old_extent.end);
        if first >= last {
            return true; // the entry held no settings before and still holds none
        }
        let Some(head) = self.old.get(first) else {
            return false;
        };
        let Some(old_prefix) = head.path.get(..prefix.len()) else {
            return false;
        };
        let prefix = (old_prefix != prefix).then(|| prefix.to_vec());
        if let Some(Segment::Old {
            old,
            fresh_before,
            shift: last_shift,
            prefix: None,
        }) = self.plan.last_mut()
        {
            if old.end == first
                && *fresh_before == fresh_len
                && *last_shift == shift
                && prefix.is_none()
            {
                old.end = last;
                return true;
            }
        }
        self.plan.push(Segment::Old {
            old: first..last,
            fresh_before: fresh_len,
            shift,
            prefix,
        });
        true
    }
}
