//! Inlay hints (`SMTP · implicit TLS` after a port) and document symbols (one per endpoint) in
//! LSP terms: positions for `analysis::outline`'s byte offsets.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    DocumentSymbol, InlayHint, InlayHintKind, InlayHintLabel, InlayHintTooltip, Range, SymbolKind,
};

use super::position::{self, Encoding};
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
