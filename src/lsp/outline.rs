//! Inlay hints (`SMTP · implicit TLS` after a port), document symbols (one per endpoint) and
//! completion of values and keys in LSP terms: positions for analysis's byte offsets.

use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, DocumentSymbol, Documentation,
    InlayHint, InlayHintKind, InlayHintLabel, InlayHintTooltip, MarkupContent, MarkupKind, Range,
    SymbolKind, TextEdit,
};

use super::position::{Encoding, Lines};
use crate::analysis::complete::{Completion, CompletionKind};
use crate::analysis::{outline, Analysis};

/// The hints whose place lies in `range`.
pub fn inlay_hints(
    analysis: &Analysis,
    lines: &Lines,
    encoding: Encoding,
    range: Range,
) -> Vec<InlayHint> {
    outline::inlay_hints(analysis)
        .into_iter()
        .map(|hint| (lines.to_position(hint.offset, encoding), hint))
        .filter(|(at, _)| range.start <= *at && *at <= range.end)
        .map(|(at, hint)| InlayHint {
            position: at,
            label: InlayHintLabel::String(hint.label),
            kind: Some(InlayHintKind::TYPE),
            text_edits: None,
            tooltip: Some(InlayHintTooltip::String(hint.tooltip)),
            padding_left: Some(true),
            padding_right: None,
            data: None,
        })
        .collect()
}

/// One symbol per endpoint, for the outline and "go to symbol".
pub fn document_symbols(
    analysis: &Analysis,
    lines: &Lines,
    encoding: Encoding,
) -> Vec<DocumentSymbol> {
    outline::outline(analysis)
        .into_iter()
        .map(|entry| {
            #[allow(deprecated)] // `deprecated` is a required field of the type, itself deprecated
            DocumentSymbol {
                name: entry.name,
                detail: None,
                kind: SymbolKind::OBJECT,
                tags: None,
                deprecated: None,
                range: lines.to_range(&entry.span, encoding),
                selection_range: lines.to_range(&entry.selection, encoding),
                children: None,
            }
        })
        .collect()
}

/// Completion items in the order given (the best first): a value replaces the whole value; a key
/// replaces what was typed of it, and may bring edits elsewhere (the port its mode needs).
pub fn completion_items(
    completions: Vec<Completion>,
    lines: &Lines,
    encoding: Encoding,
) -> Vec<CompletionItem> {
    let edit = |span: &std::ops::Range<usize>, new_text: String| TextEdit {
        range: lines.to_range(span, encoding),
        new_text,
    };
    completions
        .into_iter()
        .enumerate()
        .map(|(rank, c)| CompletionItem {
            label: c.label.clone(),
            kind: Some(match c.kind {
                CompletionKind::Value => CompletionItemKind::VALUE,
                CompletionKind::Key => CompletionItemKind::PROPERTY,
            }),
            detail: Some(c.detail),
            documentation: c.documentation.map(|value| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value,
                })
            }),
            sort_text: Some(format!("{rank:04}")),
            filter_text: Some(c.label),
            text_edit: Some(CompletionTextEdit::Edit(edit(&c.replace, c.insert))),
            additional_text_edits: (!c.also.is_empty()).then(|| {
                c.also
                    .into_iter()
                    .map(|e| edit(&e.span, e.new_text))
                    .collect()
            }),
            ..CompletionItem::default()
        })
        .collect()
}
