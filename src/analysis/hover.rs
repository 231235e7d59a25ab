//! Hover documentation: ports, provider hosts and security keys, as Markdown.

use super::syntax::{Format, Parsed, Span};
use super::Analysis;

/// Hover text for the byte `offset` of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverDoc {
    pub markdown: String,
    /// The value or key hovered.
    pub span: Span,
}

/// Markdown for what is under `offset`, if mailport knows something about it.
pub fn hover(
    text: &str,
    format: Format,
    parsed: &Parsed,
    analysis: &Analysis,
    offset: usize,
) -> Option<HoverDoc> {
    let _ = (text, format, parsed, analysis, offset);
    None
}
