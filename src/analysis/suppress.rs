//! Inline suppression comments (`# mailport: ignore MP005`), `[[allow]]` entries and per-rule
//! severities from the configuration.

use std::collections::HashMap;

use super::findings::{Edit, Finding};
use super::syntax::formats;

use crate::config::{Allow, Config, RuleLevel};
use crate::vocab::{Format, RuleCode};

/// The marker a suppression comment carries, whatever the comment syntax.
pub const MARKER: &str = "mailport: ignore";

/// Drops suppressed findings and applies configured severities.
pub fn apply(comments: &Comments, findings: Vec<Finding>, config: &Config) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| !comments.suppress(f))
        .filter(|f| !config.allow.iter().any(|a| allows(a, f)))
        .filter_map(|mut f| match config.rules.get(&f.code) {
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::On(s)) => {
                f.severity = *s;
                Some(f)
            }
            None => Some(f),
        })
        .collect()
}

/// The lines of one text that mention [`MARKER`], found once: a finding then looks up its own
/// line and the one above by number, however long the lines (a one-line document with thousands
/// of findings costs a binary search each, not a scan of the line each). Lines are split at `\n`.
pub struct Comments<'a> {
    /// Where each `\n` is; empty when the text has no marker at all, the usual case.
    newlines: Vec<usize>,
    marked: HashMap<usize, &'a str>,
    len: usize,
}

impl<'a> Comments<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut comments = Comments::none(text);
        if !text.contains(MARKER) {
            return comments;
        }
        comments.newlines = text.match_indices('\n').map(|(i, _)| i).collect();
        for (at, _) in text.match_indices(MARKER) {
            let n = comments.line_of(at);
            let (start, end) = comments.line_bounds(n);
            comments.marked.entry(n).or_insert(&text[start..end]);
        }
        comments
    }

    /// The comments of a text known to hold no marker: nothing to look up.
    pub fn none(text: &str) -> Self {
        Comments {
            newlines: Vec::new(),
            marked: HashMap::new(),
            len: text.len(),
        }
    }

    /// No line mentions [`MARKER`].
    pub fn is_empty(&self) -> bool {
        self.marked.is_empty()
    }

    fn line_of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&i| i < offset)
    }

    fn line_bounds(&self, n: usize) -> (usize, usize) {
        let start = n
            .checked_sub(1)
            .and_then(|p| self.newlines.get(p))
            .map_or(0, |i| i + 1);
        let end = self.newlines.get(n).copied().unwrap_or(self.len);
        (start, end)
    }

    /// The finding's line or the line above it says `mailport: ignore` with its code (or with no
    /// code at all).
    fn suppress(&self, f: &Finding) -> bool {
        if self.marked.is_empty() {
            return false;
        }
        let n = self.line_of(f.span.start.min(self.len));
        [Some(n), n.checked_sub(1)]
            .into_iter()
            .flatten()
            .filter_map(|n| self.marked.get(&n))
            .any(|line| mentions(line, f.code))
    }
}

/// Does a [`MARKER`] overlap `text[start..end]`? A text with no marker before an edit has one
/// after it only where the marker overlaps the edited bytes: a look at them, not a scan of the
/// whole text at every keystroke.
pub fn marker_within(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let from = start.saturating_sub(MARKER.len() - 1).min(bytes.len());
    let to = end.saturating_add(MARKER.len() - 1).min(bytes.len());
    bytes[from..to.max(from)]
        .windows(MARKER.len())
        .any(|w| w == MARKER.as_bytes())
}

/// The "suppress on this line" fix for a finding of `code` at byte `offset`: the format's comment
/// `mailport: ignore CODE` on a line of its own above, with the line's indentation and line break,
/// or the code added to a suppression comment right above. `None` where the format has no line
/// comments, on a line that continues the one above, for MP000 (an unreadable document is not
/// silenced line by line) and probe results.
pub fn suppression_edit(text: &str, format: Format, offset: usize, code: RuleCode) -> Option<Edit> {
    if !RuleCode::STATIC.contains(&code) || code == RuleCode::Mp000 {
        return None;
    }
    let prefix = formats::spec(format).comment?;
    let at = offset.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    // Lines as [`Comments`] reads them: split at `\n`.
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let marker = format!("{prefix} {MARKER}");
    if line_start > 0 {
        let above_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let above = text[above_start..line_start - 1].trim_end_matches('\r');
        // The line continues the one above (a muttrc hook's quoted command, a `.properties`
        // value): a comment line there would end it.
        if above.ends_with('\\') {
            return None;
        }
        if above.trim_start().starts_with(&marker) {
            let end = above_start + above.len();
            return Some(Edit {
                span: end..end,
                new_text: format!(" {code}"),
            });
        }
    }
    let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
    let line_break = if line.ends_with('\r') { "\r\n" } else { "\n" };
    Some(Edit {
        span: line_start..line_start,
        new_text: format!("{}{marker} {code}{line_break}", &line[..indent_len]),
    })
}

fn mentions(line: &str, code: RuleCode) -> bool {
    let Some(i) = line.find(MARKER) else {
        return false;
    };
    let rest = &line[i + MARKER.len()..];
    let codes: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .take_while(|w| w.is_empty() || w.to_ascii_uppercase().starts_with("MP"))
        .filter(|w| !w.is_empty())
        .collect();
    codes.is_empty() || codes.iter().any(|c| c.eq_ignore_ascii_case(code.as_str()))
}

fn allows(a: &Allow, f: &Finding) -> bool {
    let Some(e) = &f.endpoint else { return false };
    let Some(host) = &e.host else { return false };
    let (host, pattern) = (host.to_ascii_lowercase(), a.host.to_ascii_lowercase());
    let host_ok = match pattern.strip_prefix("*.") {
        Some(domain) => host.ends_with(&format!(".{domain}")),
        None => host == pattern,
    };
    let port_ok = a.ports.is_empty() || e.port.is_some_and(|p| a.ports.contains(&p));
    let rule_ok = a.rules.is_empty()
        || a.rules
            .iter()
            .any(|r| r.eq_ignore_ascii_case(f.code.as_str()));
    host_ok && port_ok && rule_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Severity;

    #[test]
    fn a_marker_is_found_where_it_overlaps_the_edited_bytes() {
        let text = "X=1 # mailport: ignore MP004\n";
        let at = text.find(MARKER).unwrap();
        for (start, end) in [
            (at, at + 1),
            (at + 8, at + 9),
            (at + MARKER.len() - 1, at + MARKER.len()),
        ] {
            assert!(marker_within(text, start, end), "{start}..{end}");
        }
        assert!(!marker_within(text, 0, 2));
        assert!(!marker_within(text, at + MARKER.len(), text.len()));
        assert!(!marker_within(text, text.len() + 5, text.len() + 9));
    }

    fn finding(code: RuleCode, at: usize) -> Finding {
        Finding {
            code,
            severity: Severity::Warning,
            message: String::new(),
            span: at..at + 1,
            endpoint: None,
            fixes: Vec::new(),
        }
    }

    /// Which of findings at `offsets` the text's comments suppress.
    fn suppressed(text: &str, code: RuleCode, offsets: &[usize]) -> Vec<bool> {
        let comments = Comments::new(text);
        offsets
            .iter()
            .map(|&at| comments.suppress(&finding(code, at)))
            .collect()
    }

    #[test]
    fn a_comment_covers_its_own_line_and_the_line_below() {
        let text =
            "a=1\r\n# mailport: ignore MP005, MP004\r\nb=2 # mailport: ignore MP001\r\nc=3\n";
        let b = text.find("b=").unwrap_or_default();
        let c = text.find("c=").unwrap_or_default();
        assert_eq!(
            suppressed(text, RuleCode::Mp005, &[0, b, c]),
            [false, true, false]
        );
        assert_eq!(
            suppressed(text, RuleCode::Mp001, &[0, b, c, text.len() + 5]),
            [false, true, true, false]
        );
        assert_eq!(suppressed(text, RuleCode::Mp002, &[b, c]), [false, false]);
        // A marker with no code silences every rule on its line and the next.
        assert_eq!(
            suppressed(
                "x=1 # mailport: ignore\ny=2\nz=3",
                RuleCode::Mp002,
                &[0, 23, 27]
            ),
            [true, true, false]
        );
    }

    #[test]
    fn findings_on_one_long_line_share_its_comment() {
        let line = "<port>25</port>".repeat(10_000);
        let text = format!("<!-- mailport: ignore MP006 -->{line}");
        let offsets: Vec<usize> = (0..10_000).map(|i| 31 + i * 15).collect();
        let found = suppressed(&text, RuleCode::Mp006, &offsets);
        assert!(found.iter().all(|&s| s));
        assert!(suppressed(&line, RuleCode::Mp006, &offsets)
            .iter()
            .all(|&s| !s));
    }
}
