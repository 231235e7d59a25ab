//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! Columns are counted in Unicode scalar values, like the JSON output; the run says so with
//! `columnKind: unicodeCodePoints` (SARIF's default would be UTF-16 code units).

use serde_json::{json, Value};

use super::{Diagnostic, Position, Report};
use crate::analysis::rules;
use crate::vocab::{RuleCode, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool is documented (`informationUri`): the crate's repository when Cargo.toml names one.
fn information_uri() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "https://github.com/mailport/mailport",
        uri => uri,
    }
}

/// SARIF has no "info" or "hint": both are notes.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// The SARIF log, pretty-printed, with a final newline.
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = RuleCode::STATIC.iter().map(|&code| rule(code)).collect();
    let results: Vec<Value> = report.diagnostics().iter().map(result).collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mailport",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": information_uri(),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}

fn rule(code: RuleCode) -> Value {
    let title = code.name().replace('-', " ");
    let summary = rules::doc(code).map_or("", |doc| doc.summary);
    json!({
        "id": code.as_str(),
        "name": code.name(),
        "shortDescription": {"text": capitalise(&title)},
        "fullDescription": {"text": summary},
        "help": {
            "text": summary,
            "markdown": format!("**{} {}**: {summary}", code.as_str(), code.name()),
        },
        "helpUri": code.doc_url(),
        "defaultConfiguration": {"level": level(code.default_severity())},
        "properties": {"tags": ["mail", "tls", "configuration"]},
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn result(d: &Diagnostic<'_>) -> Value {
    let code = d.finding.code;
    let uri = artifact_uri(&d.file.path);
    let rule_index = RuleCode::STATIC.iter().position(|&c| c == code);
    let fixes: Vec<Value> = d
        .finding
        .fixes
        .iter()
        .filter(|fix| !fix.edits.is_empty())
        .map(|fix| {
            json!({
                "description": {"text": fix.title},
                "artifactChanges": [{
                    "artifactLocation": artifact_location(&uri),
                    "replacements": fix.edits.iter().map(|edit| json!({
                        "deletedRegion": region(
                            d.index.position(edit.span.start),
                            d.index.position(edit.span.end),
                        ),
                        "insertedContent": {"text": edit.new_text},
                    })).collect::<Vec<Value>>(),
                }],
            })
        })
        .collect();
    let mut result = json!({
        "ruleId": code.as_str(),
        "level": level(d.finding.severity),
        "message": {"text": d.finding.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(&uri),
                "region": region_with_snippet(d),
            }
        }],
    });
    if let Some(object) = result.as_object_mut() {
        // Probe codes are not in `rules`; only static rules get an index.
        if let Some(index) = rule_index {
            object.insert("ruleIndex".into(), json!(index));
        }
        if !fixes.is_empty() {
            object.insert("fixes".into(), Value::Array(fixes));
        }
        // Places in other files the finding depends on (a compose file's `${SMTP_PORT}`).
        let related: Vec<Value> = d
            .file
            .related_to(d.finding)
            .enumerate()
            .map(|(id, place)| {
                json!({
                    "id": id,
                    "message": {"text": place.message},
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&artifact_uri(&place.path)),
                        "region": region(place.start, place.end),
                    },
                })
            })
            .collect();
        if !related.is_empty() {
            object.insert("relatedLocations".into(), Value::Array(related));
        }
    }
    result
}

fn region(start: Position, end: Position) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// The finding's region, with the text it covers as SARIF's `snippet`.
fn region_with_snippet(d: &Diagnostic<'_>) -> Value {
    let mut value = region(d.start, d.end);
    let covered = d.file.text.get(d.finding.span.clone());
    if let (Some(object), Some(text)) = (value.as_object_mut(), covered) {
        object.insert("snippet".into(), json!({ "text": text }));
    }
    value
}

/// Relative URIs are relative to the checked-out sources (`%SRCROOT%`, as GitHub reads them);
/// an absolute URI must not name a base.
fn artifact_location(uri: &str) -> Value {
    if uri.starts_with("file://") {
        json!({ "uri": uri })
    } else {
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
    }
}

/// A relative URI reference for a path as given: forward slashes, no leading `./`, and characters
/// that URIs do not allow percent-encoded. Absolute paths become `file://` URIs.
pub fn artifact_uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut trimmed = slashed.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    let encoded = percent_encode(trimmed);
    if trimmed.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::artifact_uri;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(artifact_uri("./deploy/.env"), "deploy/.env");
        assert_eq!(artifact_uri("my app/.env"), "my%20app/.env");
        assert_eq!(artifact_uri("conf\\grafana.ini"), "conf/grafana.ini");
        assert_eq!(artifact_uri("/srv/app/.env"), "file:///srv/app/.env");
        assert_eq!(artifact_uri("café/.env"), "caf%C3%A9/.env");
    }
}
