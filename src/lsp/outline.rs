//! Inlay hints (`SMTP · implicit TLS` after a port), document symbols (one per endpoint) and
//! completion of ports and hosts in LSP terms: positions for analysis's byte offsets.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, DocumentSymbol, InlayHint,
    InlayHintKind, InlayHintLabel, InlayHintTooltip, Range, SymbolKind, TextEdit,
};

use super::position::{self, Encoding};
use crate::analysis::complete::Completion;
use crate::analysis::{outline, Analysis};

/// The hints whose place lies in `range`.
pub fn inlay_hints(
    analysis: &Analysis,
    rope: &Rope,
    encoding: Encoding,
    range: Range,
) -> Vec<InlayHint> {
    outline::inlay_hints(analysis)
        .into_iter()
        .map(|hint| (position::to_position(rope, hint.offset, encoding), hint))
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
    rope: &Rope,
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
                range: position::to_range(rope, &entry.span, encoding),
                selection_range: position::to_range(rope, &entry.selection, encoding),
                children: None,
            }
        })
        .collect()
}

/// Completion items that replace the whole value, in the order given (the best first).
pub fn completion_items(
    completions: Vec<Completion>,
    rope: &Rope,
    encoding: Encoding,
) -> Vec<CompletionItem> {
    completions
        .into_iter()
        .enumerate()
        .map(|(rank, c)| CompletionItem {
            label: c.label.clone(),
            kind: Some(CompletionItemKind::VALUE),
            detail: Some(c.detail),
            sort_text: Some(format!("{rank:04}")),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: position::to_range(rope, &c.replace, encoding),
                new_text: c.label,
            })),
            ..CompletionItem::default()
        })
        .collect()
}
