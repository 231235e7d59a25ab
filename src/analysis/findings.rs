//! What rules report: findings with stable codes, severities and fixes as byte-range edits.

use super::endpoints::Endpoint;
use crate::vocab::{RuleCode, Severity, Span};

/// Replace the bytes of `span` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub span: Span,
    pub new_text: String,
}

/// A code action: a set of non-overlapping edits applied together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    pub title: String,
    pub preferred: bool,
    pub edits: Vec<Edit>,
}

impl Fix {
    /// Applies the edits to `text`. Edits are applied back to front; overlapping or out-of-range
    /// edits make the fix unusable (`None`).
    pub fn apply(&self, text: &str) -> Option<String> {
        let mut edits: Vec<&Edit> = self.edits.iter().collect();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        for pair in edits.windows(2) {
            if pair[0].span.end > pair[1].span.start {
                return None;
            }
        }
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            if e.span.start > e.span.end
                || e.span.end > out.len()
                || !out.is_char_boundary(e.span.start)
                || !out.is_char_boundary(e.span.end)
            {
                return None;
            }
            out.replace_range(e.span.clone(), &e.new_text);
        }
        Some(out)
    }
}

/// One diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: RuleCode,
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
    /// Where it is shown (the offending value).
    pub span: Span,
    /// The endpoint the finding is about (absent for MP000).
    pub endpoint: Option<EndpointSummary>,
    /// Fixes, the preferred one first. The suppression fix is added by the faces.
    pub fixes: Vec<Fix>,
}

/// The facts of an endpoint that output formats print (`endpoint` in JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSummary {
    pub protocol: Option<&'static str>,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub security: Option<&'static str>,
    pub profile: &'static str,
}

impl EndpointSummary {
    pub fn of(e: &Endpoint) -> EndpointSummary {
        EndpointSummary {
            protocol: e.protocol.map(|p| p.as_str()),
            host: e.host.as_ref().map(|h| h.value.clone()),
            port: e.port_number(),
            security: Some(e.security.as_str()),
            profile: e.profile,
        }
    }
}
