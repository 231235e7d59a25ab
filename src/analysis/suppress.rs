//! Inline suppression comments (`# mailport: ignore MP005`), `[[allow]]` entries and per-rule
//! severities from the configuration.

use super::findings::{Edit, Finding};
use super::syntax::formats;

use crate::config::{Allow, Config, RuleLevel};
use crate::vocab::{Format, RuleCode};

/// The marker a suppression comment carries, whatever the comment syntax.
pub const MARKER: &str = "mailport: ignore";

/// Drops suppressed findings and applies configured severities.
pub fn apply(text: &str, format: Format, findings: Vec<Finding>, config: &Config) -> Vec<Finding> {
    let _ = format;
    findings
        .into_iter()
        .filter(|f| !suppressed_inline(text, f))
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

/// The "suppress on this line" fix for a finding of `code` at byte `offset`: the format's comment
/// `mailport: ignore CODE` on a line of its own above, with the line's indentation and line break,
/// or the code added to a suppression comment right above. `None` where the format has no line
/// comments, for MP000 (an unreadable document is not silenced line by line) and probe results.
pub fn suppression_edit(text: &str, format: Format, offset: usize, code: RuleCode) -> Option<Edit> {
    if !RuleCode::STATIC.contains(&code) || code == RuleCode::Mp000 {
        return None;
    }
    let prefix = formats::spec(format).comment?;
    let at = offset.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    // Lines as [`suppressed_inline`] reads them: split at `\n`.
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let marker = format!("{prefix} {MARKER}");
    if line_start > 0 {
        let above_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let above = text[above_start..line_start - 1].trim_end_matches('\r');
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

/// The line holding `offset` and the line above it mention `mailport: ignore` with this code (or
/// with no code at all).
fn suppressed_inline(text: &str, f: &Finding) -> bool {
    let at = f.span.start.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let this_line = &text[line_start..line_end];
    let prev_line = if line_start == 0 {
        ""
    } else {
        let prev_end = line_start - 1;
        let prev_start = text[..prev_end].rfind('\n').map_or(0, |i| i + 1);
        &text[prev_start..prev_end]
    };
    [this_line, prev_line].iter().any(|l| mentions(l, f.code))
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
