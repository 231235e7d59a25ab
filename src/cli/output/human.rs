//! `--format human`: `path:line:col: severity[CODE] message`, the source line with carets under the
//! span, and the preferred fix as a `help:` line. Colours (plain ANSI) only when asked to.

use std::fmt::Write;

use super::{preferred_fix, Diagnostic, Report};
use crate::vocab::Severity;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM_BLUE: &str = "\x1b[34m";

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Info => "\x1b[1;34m",
        Severity::Hint => "\x1b[1;36m",
    }
}

/// A piece of text in a colour, or plain when colours are off.
struct Paint {
    colour: bool,
}

impl Paint {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

/// The human report, ending with a one-line summary.
pub fn render(report: &Report, colour: bool) -> String {
    let paint = Paint { colour };
    let mut out = String::new();
    for d in report.diagnostics() {
        render_one(&mut out, &d, &paint);
    }
    let summary = report.summary();
    let files = report.files.len();
    let files_word = if files == 1 { "file" } else { "files" };
    if summary.total() == 0 {
        let _ = writeln!(out, "Checked {files} {files_word}: no problems.");
    } else {
        let mut parts = Vec::new();
        for (count, one, many) in [
            (summary.error, "error", "errors"),
            (summary.warning, "warning", "warnings"),
            (summary.info, "info", "info"),
            (summary.hint, "hint", "hints"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {}", if count == 1 { one } else { many }));
            }
        }
        let _ = writeln!(out, "Checked {files} {files_word}: {}.", parts.join(", "));
    }
    out
}

fn render_one(out: &mut String, d: &Diagnostic<'_>, paint: &Paint) {
    let severity = d.finding.severity;
    let _ = writeln!(
        out,
        "{}: {} {}",
        paint.paint(
            BOLD,
            &format!("{}:{}:{}", d.file.path, d.start.line, d.start.column)
        ),
        paint.paint(
            severity_colour(severity),
            &format!("{}[{}]", severity.as_str(), d.finding.code.as_str())
        ),
        d.finding.message
    );

    let (shown, start_column, end) = window(d.index.line_text(d.start.line), d.start.column, d.end);
    let line_text = printable(&shown);
    let line_text = line_text.as_str();
    let number = d.start.line.to_string();
    let gutter = " ".repeat(number.len());
    let bar = paint.paint(DIM_BLUE, "|");
    let _ = writeln!(
        out,
        " {} {bar} {}",
        paint.paint(DIM_BLUE, &number),
        line_text
    );
    let _ = writeln!(
        out,
        " {gutter} {bar} {}",
        caret_line(line_text, start_column, end, d.start.line, paint, severity)
    );
    if let Some(fix) = preferred_fix(d.finding) {
        let _ = writeln!(
            out,
            " {gutter} {} {}: {}",
            paint.paint(DIM_BLUE, "="),
            paint.paint(BOLD, "help"),
            fix.title
        );
    }
    for place in d.file.related_to(d.finding) {
        let _ = writeln!(
            out,
            " {gutter} {} {}: {} ({}:{}:{})",
            paint.paint(DIM_BLUE, "="),
            paint.paint(BOLD, "note"),
            place.message,
            place.path,
            place.start.line,
            place.start.column
        );
    }
    out.push('\n');
}

/// Characters of a long line shown on each side of the span, and of the span itself: a minified or
/// mangled file can hold a line of a megabyte, and every finding on it printed it whole (a 1 MB
/// autoconfig file with `\v` line breaks made 12 GB of output).
const CONTEXT_CHARS: usize = 80;

/// The part of a line shown for a span that starts at `start_column` (1-based, in characters) and
/// ends at `end`: the whole line when it is short, else the span with [`CONTEXT_CHARS`] on each
/// side, an ellipsis for what is left out. Returns it with the span's start column and end in it.
fn window(
    line: &str,
    start_column: usize,
    end: super::Position,
) -> (String, usize, super::Position) {
    let before = start_column.saturating_sub(1);
    let on_line = line.chars().count();
    let width = if end.line > 0 && end.column > start_column {
        end.column - start_column
    } else {
        1
    };
    if on_line <= before + width.min(CONTEXT_CHARS) + 2 * CONTEXT_CHARS + 1 {
        return (line.to_string(), start_column, end);
    }
    let first = before.saturating_sub(CONTEXT_CHARS);
    let shown_width = width.min(CONTEXT_CHARS);
    let last = (before + shown_width + CONTEXT_CHARS).min(on_line);
    let mut shown = String::new();
    let mut column = start_column - first;
    if first > 0 {
        shown.push('…');
        column += 1;
    }
    shown.extend(line.chars().skip(first).take(last - first));
    if last < on_line {
        shown.push('…');
    }
    let end = super::Position {
        line: end.line,
        column: column + shown_width,
    };
    (shown, column, end)
}

/// The source line as it can be shown on a terminal: control characters (an escape sequence in a
/// file must not repaint the user's terminal) become U+FFFD, one character for one, so the carets
/// still line up.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// Spaces (tabs kept, so the carets line up) up to the span, then one caret per character of the
/// span on this line (at least one).
fn caret_line(
    line_text: &str,
    start_column: usize,
    end: super::Position,
    start_line: usize,
    paint: &Paint,
    severity: Severity,
) -> String {
    let chars: Vec<char> = line_text.chars().collect();
    let before = start_column.saturating_sub(1).min(chars.len());
    let pad: String = chars
        .iter()
        .take(before)
        .map(|&c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = if end.line == start_line {
        end.column.saturating_sub(start_column)
    } else {
        chars.len().saturating_sub(before)
    }
    .max(1);
    format!(
        "{pad}{}",
        paint.paint(severity_colour(severity), &"^".repeat(width))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_shown_around_the_span() {
        let paint = Paint { colour: false };
        let line = format!("{}port: 587{}", "x".repeat(5_000), "y".repeat(5_000));
        let end = super::super::Position {
            line: 1,
            column: 5_010,
        };
        let (shown, column, end) = window(&line, 5_007, end);
        assert!(shown.chars().count() < 200, "{shown}");
        let carets = caret_line(&shown, column, end, 1, &paint, Severity::Error);
        let at = carets.find('^').expect("a caret");
        assert_eq!(shown.chars().skip(at).take(3).collect::<String>(), "587");
        assert_eq!(carets.trim_start(), "^^^");
        // A short line is shown whole.
        let short = super::super::Position { line: 1, column: 8 };
        assert_eq!(
            window("port: 587", 7, short),
            ("port: 587".to_string(), 7, short)
        );
    }

    #[test]
    fn control_characters_are_not_sent_to_the_terminal() {
        assert_eq!(printable("PORT=\x1b[2J587\tx"), "PORT=\u{FFFD}[2J587\tx");
    }

    #[test]
    fn carets_line_up_after_tabs_and_cover_the_span() {
        let paint = Paint { colour: false };
        let end = super::super::Position {
            line: 1,
            column: 11,
        };
        assert_eq!(
            caret_line("\tport: 587", 8, end, 1, &paint, Severity::Error),
            "\t      ^^^"
        );
        // A span that runs past the line is cut at its end; an empty one still shows a caret.
        let next_line = super::super::Position { line: 2, column: 1 };
        assert_eq!(
            caret_line("a = 1", 5, next_line, 1, &paint, Severity::Hint),
            "    ^"
        );
        let empty = super::super::Position { line: 1, column: 3 };
        assert_eq!(caret_line("ab", 3, empty, 1, &paint, Severity::Hint), "  ^");
    }
}
