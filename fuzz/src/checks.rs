//! What every fuzz target checks, beyond "no panic, no abort, no hang". Shared by the cargo-fuzz
//! targets (`fuzz/`) and the stable replay test (`tests/fuzz_replay.rs` includes this file by
//! path), so CI runs kept inputs through the very same code.
//!
//! Input bytes become text lossily (invalid UTF-8 → U+FFFD): the CLI and the language server only
//! ever analyse valid UTF-8, and lossy decoding still lets the fuzzer reach every text.

use std::borrow::Cow;

use mailport::analysis::endpoints::MEMBERS;
use mailport::analysis::incremental::{IncrementalAnalysis, TextChange};
use mailport::analysis::syntax::incremental::IncrementalDoc;
use mailport::analysis::syntax::{self, detect_format, Parsed};
use mailport::analysis::{self, complete, hover, outline, Analysis};
use mailport::cli::output::{self, CheckedFile, Report};
use mailport::config::Config;
use mailport::vocab::{Format, Span};

/// Separates the document from the edits in an `incremental` input (never part of UTF-8 text).
pub const EDIT_MARK: u8 = 0xFF;

/// Edits applied per `incremental` input at most (each is followed by three reads and three
/// analyses to compare: more edits per input only slow the fuzzer down).
const MAX_EDITS: usize = 16;

/// Hover requests per `analysis` input at most.
const MAX_HOVERS: usize = 16;

/// Completion requests per `completion` input at most (each may analyse the text once per candidate).
const MAX_COMPLETIONS: usize = 4;

/// The input as text, the way a document reaches mailport: always valid UTF-8.
pub fn text_of(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// `name\ntext`: the first line names the file (only its last component counts, as in
/// `--stdin-filename`), the rest is the document.
pub fn split_named(data: &[u8]) -> (Cow<'_, str>, &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (text_of(&data[..i]), &data[i + 1..]),
        None => (text_of(data), &[]),
    }
}

/// `syntax_*` targets: one adapter reads the text; every span it reports lies inside the text on
/// character boundaries (fixes, hovers and output positions slice the text with them).
pub fn check_syntax(format: Format, data: &[u8]) {
    let text = text_of(data);
    let parsed = syntax::parse(format, &text);
    check_parsed(format, &text, &parsed);
}

/// Spans of settings and errors address the text.
pub fn check_parsed(format: Format, text: &str, parsed: &Parsed) {
    for s in &parsed.settings {
        check_span(format, text, &s.key_span, "key span", s);
        check_span(format, text, &s.value_span, "value span", s);
        let at = s.style.insert_at;
        assert!(
            at <= text.len() && text.is_char_boundary(at),
            "{}: insert_at {at} outside the text ({} bytes) or inside a character: {s:?}",
            format.name(),
            text.len()
        );
    }
    for e in &parsed.errors {
        check_span(format, text, &e.span, "error span", e);
    }
}

fn check_span(format: Format, text: &str, span: &Span, what: &str, owner: &dyn std::fmt::Debug) {
    assert!(
        text.get(span.clone()).is_some(),
        "{}: {what} {span:?} is not a slice of the text ({} bytes): {owner:?}",
        format.name(),
        text.len()
    );
}

/// `analysis` target: what `mailport check --stdin --stdin-filename NAME` does with a document —
/// detect the format from the name (and text), analyse, print the three report formats — plus
/// hovers, and one more analysis of the text after a preferred fix. Every finding's span and every
/// fix's edits address the text (an editor applies them as they are).
pub fn check_analysis(data: &[u8]) {
    let (name, body) = split_named(data);
    let text = text_of(body);
    let Some(format) = detect_format(&name, None, &text) else {
        return;
    };
    let config = Config::default();
    let parsed = syntax::parse(format, &text);
    check_parsed(format, &text, &parsed);
    let result = analysis::analyze_parsed(&text, format, &parsed, &config);
    check_findings(format, &text, &result);
    check_crossfile(&name, format, &text);

    // Hover where the findings point, as an editor does under the mouse.
    for offset in result
        .findings
        .iter()
        .flat_map(|f| [f.span.start, f.span.end])
        .take(MAX_HOVERS)
    {
        if let Some(doc) = hover::hover(&text, format, &parsed, &result, offset) {
            check_span(format, &text, &doc.span, "hover span", &doc.markdown);
        }
    }

    // The first preferred fix, applied: the fixed text is analysed like any other.
    let fixed = result
        .findings
        .iter()
        .flat_map(|f| f.fixes.iter().find(|fix| fix.preferred))
        .find_map(|fix| fix.apply(&text));

    let report = Report {
        files: vec![CheckedFile {
            path: name.into_owned(),
            text: text.into_owned(),
            format,
            findings: result.findings,
            related: Vec::new(),
        }],
    };
    let _ = output::human::render(&report, true);
    let _ = output::json::render(&report);
    let _ = output::sarif::render(&report);

    if let Some(fixed) = fixed {
        let again = analysis::analyze(&fixed, format, &config);
        check_findings(format, &fixed, &again);
    }
}

/// `completion` target: what the editor asks of a named document besides hovers — inlay hints,
/// and completion at the ends of each endpoint's host and port and at the end of the text (a key
/// being typed), the way the server asks: on the analysis kept between edits. Every hint is on a
/// character boundary, every offered edit addresses the text and none overlap.
pub fn check_completion(data: &[u8]) {
    let (name, body) = split_named(data);
    let text = text_of(body);
    let Some(format) = detect_format(&name, None, &text) else {
        return;
    };
    let text = text.as_ref();
    let config = Config::default();
    let result = analysis::analyze(text, format, &config);
    check_completion_at(format, text, &config, &result);
}

fn check_completion_at(format: Format, text: &str, config: &Config, result: &Analysis) {
    for hint in outline::inlay_hints(result) {
        assert!(
            text.is_char_boundary(hint.offset),
            "{}: inlay hint at {} outside the text or inside a character: {hint:?}",
            format.name(),
            hint.offset
        );
    }
    let offsets: Vec<usize> = result
        .endpoints
        .iter()
        .flat_map(|e| [&e.host, &e.port])
        .flatten()
        .flat_map(|l| [l.span.start, l.span.end])
        .chain([text.len()])
        .take(MAX_COMPLETIONS)
        .collect();
    let kept = IncrementalDoc::keeping(format, text.to_string(), MEMBERS);
    let mut incremental = IncrementalAnalysis::new();
    let kept_result = incremental
        .analyze(text, format, kept.parsed(), config, None)
        .clone();
    for &offset in &offsets {
        let served = complete::complete(
            text,
            format,
            config,
            kept.parsed(),
            &kept_result,
            Some(&incremental),
            offset,
        );
        for c in &served {
            check_span(format, text, &c.replace, "completion span", c);
            for edit in &c.also {
                check_span(format, text, &edit.span, "completion edit", c);
                assert!(
                    edit.span.end <= c.replace.start || c.replace.end <= edit.span.start,
                    "{}: a completion's edits overlap: {c:?}",
                    format.name()
                );
            }
        }
    }
}

/// A compose document read with its neighbours (`analysis::crossfile`): here the input itself
/// stands for the `.env` and every `env_file`, so one input exercises both sides. Every span
/// addresses the file it belongs to and every kept fix applies to it.
pub fn check_crossfile(name: &str, format: Format, text: &str) {
    use mailport::analysis::crossfile::{self, Neighbour};
    let wanted = crossfile::wanted(name, text, format);
    let neighbours: Vec<Neighbour> = wanted
        .iter()
        .map(|path| Neighbour {
            path,
            text: Some(text),
        })
        .collect();
    let Some(cross) = crossfile::analyze(name, text, format, &Config::default(), &neighbours)
    else {
        return;
    };
    let own = Analysis {
        findings: cross.findings.clone(),
        endpoints: Vec::new(),
    };
    check_findings(format, text, &own);
    let placed = Analysis {
        findings: cross.placed.iter().map(|p| p.finding.clone()).collect(),
        endpoints: Vec::new(),
    };
    check_findings(Format::Env, text, &placed);
    for p in &cross.placed {
        assert!(
            p.file < neighbours.len(),
            "placed in file {} of {}",
            p.file,
            neighbours.len()
        );
    }
    let related = cross
        .related
        .iter()
        .flatten()
        .chain(cross.placed.iter().flat_map(|p| &p.related));
    for r in related {
        check_span(format, text, &r.span, "related span", r);
    }
    for r in &cross.references {
        check_span(format, text, &r.span, "reference span", r);
        check_span(Format::Env, text, &r.target, "reference target", r);
    }
}

/// Findings point into the text and their fixes can be applied to it.
pub fn check_findings(format: Format, text: &str, result: &Analysis) {
    for f in &result.findings {
        check_span(format, text, &f.span, "finding span", f);
        for fix in &f.fixes {
            for edit in &fix.edits {
                check_span(format, text, &edit.span, "fix edit", f);
            }
            assert!(
                fix.apply(text).is_some(),
                "{}: fix {:?} cannot be applied (overlapping edits): {f:?}",
                format.name(),
                fix.title
            );
        }
    }
}

/// One edit of an `incremental` input.
#[derive(Debug)]
pub struct RawEdit {
    /// Where it starts, as a fraction of the text length (0..=65535 → 0..=len).
    pub at: u16,
    /// How many bytes it removes.
    pub remove: u8,
    pub insert: String,
}

/// Splits an `incremental` input: `name\ntext` then edits, each `0xFF`, two bytes of position
/// (little endian), one byte of length removed, and the text inserted.
pub fn split_edits(data: &[u8]) -> (Cow<'_, str>, Cow<'_, str>, Vec<RawEdit>) {
    let (name, rest) = split_named(data);
    let mut parts = rest.split(|&b| b == EDIT_MARK);
    let text = text_of(parts.next().unwrap_or_default());
    let edits = parts
        .take(MAX_EDITS)
        .map(|part| {
            let byte = |i: usize| part.get(i).copied().unwrap_or(0);
            RawEdit {
                at: u16::from_le_bytes([byte(0), byte(1)]),
                remove: byte(2),
                insert: text_of(part.get(3..).unwrap_or_default()).into_owned(),
            }
        })
        .collect();
    (name, text, edits)
}

/// The edit `IncrementalDoc::edit` makes of `raw` on `text`: offsets clamped to the text and
/// widened to character boundaries.
pub fn change_of(text: &str, raw: &RawEdit) -> TextChange {
    let len = text.len();
    let mut start = (raw.at as usize * (len + 1)) >> 16;
    let mut end = (start + raw.remove as usize).min(len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    TextChange {
        start,
        old_end: end,
        new_end: start + raw.insert.len(),
        old_text: text[start..end].to_string(),
        new_text: raw.insert.clone(),
    }
}

/// `incremental` target (differential): the document is opened the way the language server opens
/// it and edited edit by edit. After each edit:
/// - a document that keeps every setting reads exactly what a fresh parse of its text reads;
/// - a document that keeps what analysis can use (the server's) reads exactly the fresh parse
///   without the settings it drops;
/// - the incremental analysis of the kept settings, told the edit, finds exactly what a fresh
///   analysis of every setting finds (what `mailport check` reports for the same text), and
///   the same endpoints as a fresh analysis of the kept settings.
pub fn check_incremental(data: &[u8]) {
    let (name, text, edits) = split_edits(data);
    let Some(format) = detect_format(&name, None, &text) else {
        return;
    };
    let config = Config::default();
    let mut whole = IncrementalDoc::new(format, text.to_string());
    let mut kept = IncrementalDoc::keeping(format, text.into_owned(), MEMBERS);
    let mut incremental = IncrementalAnalysis::new();
    incremental.analyze(kept.text(), format, kept.parsed(), &config, None);
    for (i, raw) in edits.iter().enumerate() {
        let change = change_of(whole.text(), raw);
        whole.edit(change.start, change.old_end, &change.new_text);
        kept.edit(change.start, change.old_end, &change.new_text);
        let text = whole.text();
        assert_eq!(
            text,
            kept.text(),
            "edit {i} {change:?}: the two documents differ"
        );

        let fresh = syntax::parse(format, text);
        assert!(
            *whole.parsed() == fresh,
            "{} edit {i} {change:?}: incremental read differs from a fresh parse of {text:?}\n{}",
            format.name(),
            difference(whole.parsed(), &fresh)
        );
        let mut fresh_kept = fresh.clone();
        fresh_kept.settings.retain(|s| (MEMBERS.setting)(format, s));
        assert!(
            *kept.parsed() == fresh_kept,
            "{} edit {i} {change:?}: kept read differs from a fresh parse of {text:?}\n{}",
            format.name(),
            difference(kept.parsed(), &fresh_kept)
        );

        let got = incremental.analyze(text, format, kept.parsed(), &config, Some(&change));
        // Findings as `mailport check` reports them (from every setting); endpoints name their
        // settings by index, so they are compared with a fresh analysis of the same kept ones.
        let want = analysis::analyze_parsed(text, format, &fresh, &config);
        assert_eq!(
            got.findings,
            want.findings,
            "{} edit {i} {change:?}: incremental findings differ on {text:?}",
            format.name()
        );
        let want_kept = analysis::analyze_parsed(text, format, &fresh_kept, &config);
        assert_eq!(
            got.endpoints,
            want_kept.endpoints,
            "{} edit {i} {change:?}: incremental endpoints differ on {text:?}",
            format.name()
        );
    }
}

/// The first difference between two reads, to keep assertion messages short.
fn difference(left: &Parsed, right: &Parsed) -> String {
    if let Some(i) = left
        .settings
        .iter()
        .zip(&right.settings)
        .position(|(a, b)| a != b)
    {
        return format!(
            "setting {i}: {:?}\n  vs fresh {:?}",
            left.settings[i], right.settings[i]
        );
    }
    if left.settings.len() != right.settings.len() {
        return format!(
            "{} settings vs {} fresh",
            left.settings.len(),
            right.settings.len()
        );
    }
    format!("errors {:?}\n  vs fresh {:?}", left.errors, right.errors)
}
