//! `--format json`: the document of `docs/output.md` (version 1; schema: `docs/output.schema.json`).

use serde::Serialize;

use super::Report;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    files_checked: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    endpoint: Option<JsonEndpoint<'a>>,
    fixes: Vec<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonEndpoint<'a> {
    protocol: Option<&'static str>,
    host: Option<&'a str>,
    port: Option<u32>,
    security: Option<&'static str>,
    profile: &'static str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    preferred: bool,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    new_text: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    error: usize,
    warning: usize,
    info: usize,
    hint: usize,
}

/// The JSON document, pretty-printed, with a final newline.
pub fn render(report: &Report) -> String {
    let diagnostics = report
        .diagnostics()
        .into_iter()
        .map(|d| {
            let index = &d.index;
            let path = d.file.path.as_str();
            JsonDiagnostic {
                path,
                line: d.start.line,
                column: d.start.column,
                end_line: d.end.line,
                end_column: d.end.column,
                code: d.finding.code.as_str(),
                rule: d.finding.code.name(),
                severity: d.finding.severity.as_str(),
                message: &d.finding.message,
                endpoint: d.finding.endpoint.as_ref().map(|e| JsonEndpoint {
                    protocol: e.protocol,
                    host: e.host.as_deref(),
                    port: e.port,
                    security: e.security,
                    profile: e.profile,
                }),
                fixes: d
                    .finding
                    .fixes
                    .iter()
                    .map(|fix| JsonFix {
                        title: &fix.title,
                        preferred: fix.preferred,
                        edits: fix
                            .edits
                            .iter()
                            .map(|edit| {
                                let start = index.position(edit.span.start);
                                let end = index.position(edit.span.end);
                                JsonEdit {
                                    path,
                                    line: start.line,
                                    column: start.column,
                                    end_line: end.line,
                                    end_column: end.column,
                                    new_text: &edit.new_text,
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    let summary = report.summary();
    let doc = JsonReport {
        version: 1,
        files_checked: report.files.len(),
        diagnostics,
        summary: JsonSummary {
            error: summary.error,
            warning: summary.warning,
            info: summary.info,
            hint: summary.hint,
        },
    };
    // Serializing plain structs of strings and numbers cannot fail; fall back to an empty
    // document rather than panic if it ever did.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}
