//! Findings → LSP diagnostics, and code actions back from them. The fixes travel in
//! `Diagnostic.data` (byte spans plus the document version they belong to), so `codeAction` is
//! stateless: it reads the fixes from the diagnostics the client sends back. `data` is that JSON
//! as one string: opaque to the client, and one string copy instead of a JSON tree per fix each
//! time tower-lsp serialises a publish.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, Diagnostic,
    DiagnosticSeverity, NumberOrString, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::position::{Encoding, Lines};
use crate::analysis::suppress;
use crate::analysis::{fixes, Finding, Fix};
use crate::vocab::{Format, RuleCode, Severity};

pub const SOURCE: &str = "mailport";
pub const FIX_ALL_KIND: &str = "source.fixAll.mailport";

/// What a diagnostic carries for code actions.
#[derive(Serialize, Deserialize, Default)]
pub struct DiagnosticData {
    /// The document version the byte spans belong to.
    pub version: i32,
    pub fixes: Vec<FixData>,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct FixData {
    pub title: String,
    pub preferred: bool,
    /// `[start, end, new_text]` in bytes.
    pub edits: Vec<(usize, usize, String)>,
}

impl FixData {
    fn of(fix: &Fix) -> FixData {
        FixData {
            title: fix.title.clone(),
            preferred: fix.preferred,
            edits: fix
                .edits
                .iter()
                .map(|e| (e.span.start, e.span.end, e.new_text.clone()))
                .collect(),
        }
    }
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// The link on a diagnostic's code: the rule's page (`docs/rules/MP003.md`).
pub fn code_description(code: RuleCode) -> Option<CodeDescription> {
    code.doc_url()
        .parse()
        .ok()
        .map(|href| CodeDescription { href })
}

/// One finding as a diagnostic of document `version`.
pub fn diagnostic(
    lines: &Lines,
    encoding: Encoding,
    version: i32,
    finding: &Finding,
) -> Diagnostic {
    let data = DiagnosticData {
        version,
        fixes: finding.fixes.iter().map(FixData::of).collect(),
    };
    Diagnostic {
        range: lines.to_range(&finding.span, encoding),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.code.as_str().to_string())),
        code_description: code_description(finding.code),
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        data: serde_json::to_string(&data)
            .ok()
            .map(serde_json::Value::String),
        ..Diagnostic::default()
    }
}

/// A diagnostic of ours, and the rule it reports.
fn rule_of(diagnostic: &Diagnostic) -> Option<RuleCode> {
    if diagnostic.source.as_deref() != Some(SOURCE) {
        return None;
    }
    match &diagnostic.code {
        Some(NumberOrString::String(code)) => RuleCode::parse(code),
        _ => None,
    }
}

/// The fixes a diagnostic carries, if they belong to document `version`.
fn fixes_of(diagnostic: &Diagnostic, version: i32) -> Vec<FixData> {
    let parsed = match &diagnostic.data {
        Some(serde_json::Value::String(text)) => serde_json::from_str::<DiagnosticData>(text),
        Some(other) => DiagnosticData::deserialize(other),
        None => return Vec::new(),
    };
    match parsed {
        Ok(data) if data.version == version => data.fixes,
        _ => Vec::new(),
    }
}

fn text_edits(
    lines: &Lines,
    encoding: Encoding,
    edits: &[(usize, usize, String)],
) -> Vec<TextEdit> {
    edits
        .iter()
        .map(|(start, end, new_text)| TextEdit {
            range: lines.to_range(&(*start..*end), encoding),
            new_text: new_text.clone(),
        })
        .collect()
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

/// Whether the client asked for actions of `kind` (`only` absent: every kind).
pub fn wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    match only {
        None => true,
        Some(kinds) => kinds.iter().any(|k| {
            let k = k.as_str();
            kind == k || (kind.starts_with(k) && kind[k.len()..].starts_with('.'))
        }),
    }
}

/// Quick fixes for the diagnostics of the request's context: each carried fix, and "suppress on
/// this line" where the format has comments.
pub fn quick_fixes(
    uri: &Uri,
    lines: &Lines,
    encoding: Encoding,
    version: i32,
    format: Option<Format>,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for diagnostic in diagnostics {
        let Some(rule) = rule_of(diagnostic) else {
            continue;
        };
        for fix in fixes_of(diagnostic, version) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(workspace_edit(uri, text_edits(lines, encoding, &fix.edits))),
                is_preferred: Some(fix.preferred),
                ..CodeAction::default()
            }));
        }
        if let Some(edit) =
            format.and_then(|f| suppress_edit(lines, encoding, diagnostic.range, rule, f))
        {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Suppress {rule} on this line"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(workspace_edit(uri, vec![edit])),
                is_preferred: Some(false),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// "Suppress on this line" for a diagnostic: analysis writes the comment
/// ([`suppress::suppression_edit`]) from the diagnostic's line and the one above it.
fn suppress_edit(
    lines: &Lines,
    encoding: Encoding,
    range: Range,
    rule: RuleCode,
    format: Format,
) -> Option<TextEdit> {
    let line = range.start.line as usize;
    if line >= lines.line_count() {
        return None;
    }
    // Only the two lines the comment depends on are read.
    let window_start = lines.line_start(line.saturating_sub(1));
    let window_end = lines.line_start(line + 1);
    let window = lines.text().get(window_start..window_end)?;
    let offset = lines.to_byte(range.start, encoding).max(window_start) - window_start;
    let edit = suppress::suppression_edit(window, format, offset, rule)?;
    let span = edit.span.start + window_start..edit.span.end + window_start;
    Some(TextEdit {
        range: lines.to_range(&span, encoding),
        new_text: edit.new_text,
    })
}

/// `source.fixAll.mailport`: analysis's fix-all ([`fixes::fix_all`], the same as
/// `check --fix`) over the document's text, as edits. `analyze` is the analysis of a text (the
/// document's format and configuration). `None` when there is nothing to fix.
pub fn fix_all(
    uri: &Uri,
    lines: &Lines,
    encoding: Encoding,
    analyze: &dyn Fn(&str) -> Vec<Finding>,
) -> Option<CodeActionOrCommand> {
    let fixed = fixes::fix_all(lines.text(), analyze);
    if fixed.edits.is_empty() {
        return None;
    }
    let edits: Vec<(usize, usize, String)> = fixed
        .edits
        .into_iter()
        .map(|e| (e.span.start, e.span.end, e.new_text))
        .collect();
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: "Fix all mailport problems (preferred fixes)".to_string(),
        kind: Some(CodeActionKind::from(FIX_ALL_KIND)),
        edit: Some(workspace_edit(uri, text_edits(lines, encoding, &edits))),
        ..CodeAction::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Edit;
    use tower_lsp_server::ls_types::Position;

    fn range_at_line(line: u32) -> Range {
        Range::new(Position::new(line, 4), Position::new(line, 7))
    }

    #[test]
    fn suppression_keeps_indentation_and_line_breaks() {
        let lines = Lines::new("smtp:\r\n    port: 465\r\n", None);
        let edit = suppress_edit(
            &lines,
            Encoding::Utf16,
            range_at_line(1),
            RuleCode::Mp003,
            Format::Yaml,
        )
        .unwrap();
        assert_eq!(edit.new_text, "    # mailport: ignore MP003\r\n");
        assert_eq!(edit.range.start, Position::new(1, 0));
    }

    #[test]
    fn suppression_extends_a_comment_right_above() {
        let lines = Lines::new("[smtp]\n; mailport: ignore MP011\nport = 465\n", None);
        let edit = suppress_edit(
            &lines,
            Encoding::Utf16,
            range_at_line(2),
            RuleCode::Mp003,
            Format::Ini,
        )
        .unwrap();
        assert_eq!(edit.new_text, " MP003");
        assert_eq!(edit.range.start, Position::new(1, 24));
    }

    #[test]
    fn no_suppression_for_probe_results() {
        let lines = Lines::new("port: 465\n", None);
        assert!(suppress_edit(
            &lines,
            Encoding::Utf16,
            range_at_line(0),
            RuleCode::Mp100,
            Format::Yaml
        )
        .is_none());
    }

    #[test]
    fn kinds_match_by_prefix_segments() {
        let quickfix = [CodeActionKind::QUICKFIX];
        let source = [CodeActionKind::SOURCE];
        let fix_all = [CodeActionKind::SOURCE_FIX_ALL];
        let fixes = [CodeActionKind::from("source.fix")];
        assert!(wanted(None, FIX_ALL_KIND));
        assert!(wanted(Some(&source), FIX_ALL_KIND));
        assert!(wanted(Some(&fix_all), FIX_ALL_KIND));
        assert!(!wanted(Some(&fixes), FIX_ALL_KIND));
        assert!(!wanted(Some(&quickfix), FIX_ALL_KIND));
    }

    fn finding(fixes: Vec<Fix>) -> Finding {
        Finding {
            code: RuleCode::Mp003,
            severity: Severity::Error,
            message: String::new(),
            span: 0..1,
            endpoint: None,
            fixes,
        }
    }

    fn fix(preferred: bool, spans: &[(usize, usize)]) -> Fix {
        Fix {
            title: "t".into(),
            preferred,
            edits: spans
                .iter()
                .map(|(s, e)| Edit {
                    span: *s..*e,
                    new_text: "x".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn fix_all_takes_preferred_fixes_without_overlaps() {
        let uri: Uri = "file:///a.env".parse().unwrap();
        let lines = Lines::new("0123456789abcdef", None);
        // The findings of the original text only: what a later pass sees is already fixed.
        let analyze = |t: &str| {
            if t != "0123456789abcdef" {
                return Vec::new();
            }
            vec![
                finding(vec![fix(false, &[(0, 1)]), fix(true, &[(2, 4)])]),
                finding(vec![fix(true, &[(3, 5)])]), // overlaps the first: skipped
                finding(vec![fix(true, &[(2, 4)])]), // the same fix again: once
                finding(vec![fix(true, &[(8, 9), (11, 11)])]),
            ]
        };
        let Some(CodeActionOrCommand::CodeAction(action)) =
            fix_all(&uri, &lines, Encoding::Utf16, &analyze)
        else {
            panic!("no fix-all action");
        };
        let edits = &action.edit.unwrap().changes.unwrap()[&uri];
        let starts: Vec<u32> = edits.iter().map(|e| e.range.start.character).collect();
        assert_eq!(starts, vec![2, 8, 11]);
        let only_other = |_: &str| vec![finding(vec![fix(false, &[(0, 1)])])];
        assert!(fix_all(&uri, &lines, Encoding::Utf16, &only_other).is_none());
    }

    /// The text after the editor applies the fix-all action (back to front, through UTF-16
    /// positions, as a client does).
    fn editor_fix_all(text: &str, analyze: &dyn Fn(&str) -> Vec<Finding>) -> String {
        let lines = Lines::new(text, None);
        let uri: Uri = "file:///document".parse().unwrap();
        let Some(CodeActionOrCommand::CodeAction(action)) =
            fix_all(&uri, &lines, Encoding::Utf16, analyze)
        else {
            return text.to_string();
        };
        let mut edits = action.edit.unwrap().changes.unwrap()[&uri].clone();
        edits.sort_by_key(|e| std::cmp::Reverse((e.range.start, e.range.end)));
        let mut text = text.to_string();
        for e in edits {
            let span = Lines::new(&text, None).to_span(e.range, Encoding::Utf16);
            text.replace_range(span, &e.new_text);
        }
        text
    }

    /// Where a fix waits for a second pass (its edit touches another's), the editor gets the
    /// text `check --fix` writes.
    #[test]
    fn fix_all_and_check_fix_agree_when_a_fix_waits_for_a_second_pass() {
        let text = "é aaabbb\n";
        let analyze = |t: &str| {
            ["aaa", "bbb"]
                .iter()
                .filter_map(|word| t.find(word))
                .map(|at| finding(vec![fix(true, &[(at, at + 3)])]))
                .collect::<Vec<_>>()
        };
        let cli = fixes::fix_all(text, &analyze);
        assert_eq!(cli.text, "é xx\n");
        assert_eq!(editor_fix_all(text, &analyze), cli.text);
    }

    /// `check --fix` and the editor's fix-all give the same text on every example and, where
    /// they are beside the checkout, the real-world corpora.
    #[test]
    fn fix_all_and_check_fix_agree_on_the_examples() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pending: Vec<std::path::PathBuf> = [
            "examples",
            "../shared/corpus",
            "../../shared/corpus",
            "tests/realworld/files",
            "/work/corpus-files",
        ]
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.is_dir())
        .collect();
        let mut fixed_files = 0;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let name = path.to_string_lossy();
                let Some(format) = crate::analysis::syntax::detect_format(&name, None, &text)
                else {
                    continue;
                };
                let config = crate::config::Config::default();
                let analyze = |t: &str| crate::analysis::analyze(t, format, &config).findings;
                let cli = fixes::fix_all(&text, &analyze);
                assert_eq!(cli.text, editor_fix_all(&text, &analyze), "{name}");
                if cli.applied > 0 {
                    fixed_files += 1;
                }
            }
        }
        assert!(fixed_files >= 15, "only {fixed_files} examples had fixes");
    }
}
