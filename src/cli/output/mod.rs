//! What `mailport check` prints: one report, three formats (human, JSON, SARIF).
//!
//! Analysis speaks byte offsets; this module turns them into 1-based lines and columns counted in
//! Unicode scalar values (end exclusive), the positions `docs/output.md` promises.

use std::rc::Rc;

use crate::analysis::Finding;

use crate::vocab::{Format, RuleCode, Severity, Span};

pub mod human;
pub mod json;
pub mod sarif;

/// One file that was checked: its text (for positions and source lines) and what remains to say.
#[derive(Debug)]
pub struct CheckedFile {
    /// The path as given on the command line (relative stays relative).
    pub path: String,
    pub text: String,
    pub format: Format,
    pub findings: Vec<Finding>,
    /// Places in other files that findings depend on (a compose file's `${SMTP_PORT}` for a
    /// finding on the `.env` line that sets it): the finding's span and code, then the place.
    pub related: Vec<(Span, RuleCode, RelatedPlace)>,
}

/// A place in another file that a finding depends on, already placed in lines and columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedPlace {
    pub path: String,
    pub start: Position,
    pub end: Position,
    pub message: String,
}

impl CheckedFile {
    /// The places in other files that `finding` depends on.
    pub fn related_to<'a>(
        &'a self,
        finding: &'a Finding,
    ) -> impl Iterator<Item = &'a RelatedPlace> {
        self.related
            .iter()
            .filter(move |(span, code, _)| *span == finding.span && *code == finding.code)
            .map(|(_, _, place)| place)
    }
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Vec<CheckedFile>,
}

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A finding placed in its file.
pub struct Diagnostic<'a> {
    pub file: &'a CheckedFile,
    pub finding: &'a Finding,
    pub start: Position,
    /// Exclusive.
    pub end: Position,
    /// Positions of the file (shared by its diagnostics), for edits and source lines.
    pub index: Rc<LineIndex<'a>>,
}

/// Counts per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub hint: usize,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.error + self.warning + self.info + self.hint
    }
}

impl Report {
    /// Every finding with its position, sorted by path, line, column, code (then the rest, so that
    /// the order never depends on the order rules ran in).
    pub fn diagnostics(&self) -> Vec<Diagnostic<'_>> {
        let mut out = Vec::new();
        for file in &self.files {
            let index = Rc::new(LineIndex::new(&file.text));
            for finding in &file.findings {
                out.push(Diagnostic {
                    file,
                    finding,
                    start: index.position(finding.span.start),
                    end: index.position(finding.span.end),
                    index: Rc::clone(&index),
                });
            }
        }
        out.sort_by(|a, b| {
            (a.file.path.as_str(), a.start, a.finding.code, a.end)
                .cmp(&(b.file.path.as_str(), b.start, b.finding.code, b.end))
                .then_with(|| a.finding.message.cmp(&b.finding.message))
        });
        out
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for finding in self.files.iter().flat_map(|f| &f.findings) {
            match finding.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
                Severity::Hint => s.hint += 1,
            }
        }
        s
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.files
            .iter()
            .flat_map(|f| &f.findings)
            .map(|f| f.severity)
            .max()
    }
}

/// Byte offset → line and column, for one text.
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// The last position asked for, as (byte offset, line index, column): diagnostics come in
    /// document order, so the next column on the same line is counted from there, not from the
    /// line's start (a line of a megabyte with thousands of findings was quadratic).
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            line_starts,
            last: std::cell::Cell::new((0, 0, 0)),
        }
    }

    /// The position of a byte offset. Offsets past the end or inside a character are moved back to
    /// the nearest character boundary, so a wrong span from a rule never breaks the output.
    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset);
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line).copied().unwrap_or(0);
        let (last_offset, last_line, last_column) = self.last.get();
        let (from, counted) =
            if last_line == line && last_offset >= line_start && last_offset <= offset {
                (last_offset, last_column)
            } else {
                (line_start, 0)
            };
        let column = counted
            + self
                .text
                .get(from..offset)
                .map(|s| s.chars().count())
                .unwrap_or(0);
        self.last.set((offset, line, column));
        Position {
            line: line + 1,
            column: column + 1,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &'a str {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.line_starts.get(i)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The fix a diagnostic's `help:` line and `--fix` use.
pub fn preferred_fix(finding: &Finding) -> Option<&crate::analysis::Fix> {
    finding.fixes.iter().find(|f| f.preferred)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        // "é" is two bytes, "😀" four; the port starts after 9 characters.
        let text = "a=1\nnoté😀 = 587\n";
        let index = LineIndex::new(text);
        let offset = text.find("587").unwrap_or(0);
        assert_eq!(index.position(offset), Position { line: 2, column: 9 });
        assert_eq!(
            index.position(offset + 3),
            Position {
                line: 2,
                column: 12
            }
        );
        assert_eq!(index.line_text(2), "noté😀 = 587");
    }

    #[test]
    fn offsets_out_of_range_are_clamped() {
        let text = "é\r\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.position(1), Position { line: 1, column: 1 });
        assert_eq!(index.position(99), Position { line: 2, column: 2 });
        assert_eq!(index.line_text(1), "é");
        assert_eq!(index.line_text(3), "");
        assert_eq!(index.line_text(0), "");
    }
}
