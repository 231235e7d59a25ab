//! The pre-filter of whole-tree checks (`analysis::prefilter`) never hides a finding: over every
//! document the corpus tests read (the examples, the rule tests' documents, the corpora) and the
//! editors' test fixtures, a document the filter turns away has no endpoint and no
//! finding; and the same documents with every string the filter looks for blotted out are turned
//! away and, analysed all the same, show nothing. The second half fails if the filter's words miss
//! a way the analysis finds an endpoint (a profile whose keys it does not know, say).

#[path = "common/documents.rs"]
mod documents;

use mailport::analysis::prefilter::{could_hold_mail, needles};
use mailport::analysis::{analyze, syntax::detect_format};
use mailport::config::Config;

/// `text` with each needle (ASCII case aside) and each backslash overwritten by `x`.
fn blotted(text: &str, needles: &[String]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let lower = text.to_ascii_lowercase();
    for needle in needles {
        let mut from = 0;
        while let Some(at) = lower[from..].find(needle.as_str()) {
            let start = from + at;
            for b in &mut bytes[start..start + needle.len()] {
                // Only ASCII bytes are overwritten: the text stays UTF-8.
                if b.is_ascii() {
                    *b = b'x';
                }
            }
            from = start + needle.len().max(1);
        }
    }
    for b in &mut bytes {
        if *b == b'\\' {
            *b = b'x';
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

#[test]
fn the_filter_turns_away_only_documents_without_findings() {
    let config = Config::default();
    let needles = needles();
    let (mut documents, mut with_findings, mut blotted_checked) = (0, 0, 0);
    let mut wrong = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = documents::sources();
    for editor in ["neovim", "emacs"] {
        let fixtures = root.join("editors").join(editor).join("test/fixtures");
        sources.push(("editor fixtures", documents::files_under(&fixtures)));
    }
    for (_, source) in sources {
        for document in source {
            let Some(format) = detect_format(&document.name, None, &document.text) else {
                continue;
            };
            documents += 1;
            let analysis = analyze(&document.text, format, &config);
            if !analysis.findings.is_empty() {
                with_findings += 1;
            }
            let shows_something = !analysis.findings.is_empty() || !analysis.endpoints.is_empty();
            if shows_something && !could_hold_mail(format, &document.text) {
                wrong.push(format!("{}: turned away but has findings", document.label));
            }
            let text = blotted(&document.text, &needles);
            if could_hold_mail(format, &text) {
                // A format the filter does not apply to (found by content or by a mail name).
                continue;
            }
            blotted_checked += 1;
            let analysis = analyze(&text, format, &config);
            if !analysis.findings.is_empty() || !analysis.endpoints.is_empty() {
                wrong.push(format!(
                    "{}: blotted out, still {} endpoints and findings {:?}\n{text}",
                    document.label,
                    analysis.endpoints.len(),
                    analysis
                        .findings
                        .iter()
                        .map(|f| f.code.to_string())
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    eprintln!("{documents} documents, {with_findings} with findings, {blotted_checked} blotted");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The examples and the rule tests alone hold well over a hundred documents with findings.
    assert!(with_findings >= 100, "{with_findings}");
    assert!(blotted_checked >= 100, "{blotted_checked}");
}

#[test]
fn a_broken_document_without_mail_words_is_not_reported() {
    let config = Config::default();
    let plain = "items:\n  - name: [broken\n";
    assert!(analyze(plain, mailport::vocab::Format::Yaml, &config)
        .findings
        .is_empty());
    let mail = "smtp:\n  host: [broken\n";
    assert!(!analyze(mail, mailport::vocab::Format::Yaml, &config)
        .findings
        .is_empty());
}
