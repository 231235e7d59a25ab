//! Analysis is pure: text and a file name in, findings with fixes out. No I/O, no async, no LSP
//! types, no panics on any input.
//!
//! syntax (format adapters) → settings → endpoints (grouped by application profile) → rules →
//! findings, each with fixes as byte-range edits.

pub mod complete;
pub mod crossfile;
pub mod document;
pub mod embedded;
pub mod endpoints;
pub mod findings;
pub mod fixes;
pub mod hover;
pub mod incremental;
pub mod outline;
pub mod prefilter;
pub mod rules;
pub mod suppress;
pub mod syntax;
pub mod words;

pub use endpoints::Endpoint;
pub use findings::{Edit, Finding, Fix};

use crate::config::Config;
use crate::vocab::Format;

/// Everything analysis learned about one document.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub endpoints: Vec<Endpoint>,
}

/// Analyses a document of a known format: settings, endpoints, rules, suppressions, severities.
pub fn analyze(text: &str, format: Format, config: &Config) -> Analysis {
    let parsed = syntax::parse(format, text);
    analyze_parsed(text, format, &parsed, config)
}

/// Analyses settings that were already read (the language server keeps them between edits).
pub fn analyze_parsed(
    text: &str,
    format: Format,
    parsed: &syntax::Parsed,
    config: &Config,
) -> Analysis {
    // One path for everything: the incremental analysis with no earlier state.
    let mut analysis = incremental::IncrementalAnalysis::new();
    analysis.analyze(text, format, parsed, config, None);
    analysis.into_last()
}

/// Analyses a file by name: the format comes from the name, then the content. `None` when the
/// file is not one mailport reads.
pub fn analyze_file(file_name: &str, text: &str, config: &Config) -> Option<Analysis> {
    let format = syntax::detect_format(file_name, None, text)?;
    Some(analyze(text, format, config))
}

/// Runs analysis code with a last line of defence: a panic becomes `None` instead of taking the
/// language server down (analysis is meant never to panic; this is not a design tool).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    guarded_or_reason(f).ok()
}

/// [`guarded`], with the panic's message when there was one.
pub fn guarded_or_reason<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}
