//! One document kept between edits: its text, what was read from it and its analysis. The
//! language server holds one per open file and keeps no other copy of the text: it converts the
//! client's positions against [`Document::text`] and hands edits in as byte offsets.
//!
//! An edit changes the text at once and re-reads what it touched; the analysis is brought up to
//! date only when asked for ([`Document::analysis`]), at most once per text and configuration.
//! An edit that only changes one value is analysed incrementally (see [`super::incremental`]).

use super::endpoints;
use super::incremental::{IncrementalAnalysis, TextChange};
use super::syntax::detect_format;
use super::syntax::incremental::{clamped, IncrementalDoc};
use super::Analysis;
use super::{guarded, guarded_or_reason};
use crate::config::Config;
use crate::vocab::Format;

/// Documents larger than this are kept (edits, positions) but not read.
pub const MAX_ANALYZED_BYTES: usize = 32 * 1024 * 1024;
/// A document in no format mailport reads is looked at again (by its content) after an edit
/// only while it is this small.
const REDETECT_BELOW_BYTES: usize = 64 * 1024;
/// Edits longer than this (either side) are analysed with the whole document (the incremental
/// path would re-check nearly everything anyway; copying the text out is not worth it).
const MAX_TRACKED_EDIT: usize = 4 * 1024;

/// The text and what was read from it.
enum Body {
    /// A format mailport reads.
    Read(Box<IncrementalDoc>),
    /// A format mailport does not read, a document too large, or one whose reading failed.
    Plain(String),
}

/// The text changes since the analysis held.
enum Pending {
    Clean,
    /// Exactly one change: the incremental analysis may re-check only what it touched.
    One(TextChange),
    /// Several changes, a replaced text, a new format: analyse everything.
    Many,
}

/// One document: see the module's documentation.
pub struct Document {
    file_name: String,
    language_id: Option<String>,
    body: Body,
    pending: Pending,
    incremental: IncrementalAnalysis,
    /// Used instead of `incremental` after it panicked (last line of defence).
    fallback: Option<Analysis>,
    /// The configuration epoch of the analysis held; `None` after a change of the text.
    analysed: Option<u64>,
    /// Why the last read or analysis failed (a bug: a panic caught), while its result stands in.
    failure: Option<String>,
    /// The format given by the caller, when it is not to be detected.
    given_format: Option<Format>,
}

impl Document {
    /// A document named `file_name` (the format is detected from it, the editor's language id
    /// and the text).
    pub fn new(file_name: &str, language_id: Option<&str>, text: String) -> Document {
        let mut document = Document {
            file_name: file_name.to_string(),
            language_id: language_id.map(str::to_string),
            body: Body::Plain(String::new()),
            pending: Pending::Many,
            incremental: IncrementalAnalysis::new(),
            fallback: None,
            analysed: None,
            failure: None,
            given_format: None,
        };
        document.replace(text);
        document
    }

    /// A document read as `format` whatever its name and text say (the command line has
    /// detected it already, or been told).
    pub fn with_format(format: Format, text: String) -> Document {
        let mut document = Document::new("", None, String::new());
        document.given_format = Some(format);
        document.replace(text);
        document
    }

    /// Why the last read or analysis failed, if it did: a bug in mailport (a panic, caught), the
    /// document then counted as unread or its findings as none. The command line reports it.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Makes `text` the whole text, read from the start.
    pub fn replace(&mut self, text: String) {
        self.pending = Pending::Many;
        self.analysed = None;
        // What was read from the old text goes before the new text is read (a lower peak).
        self.body = Body::Plain(String::new());
        self.body = self.body_of(text);
    }

    fn body_of(&mut self, text: String) -> Body {
        if text.len() > MAX_ANALYZED_BYTES {
            return Body::Plain(text);
        }
        let format = self
            .given_format
            .or_else(|| detect_format(&self.file_name, self.language_id.as_deref(), &text));
        let Some(format) = format else {
            return Body::Plain(text);
        };
        // Only what analysis can use is kept: a 50,000-line file stays small.
        let mut source = IncrementalDoc::unread(format, text, endpoints::MEMBERS);
        match guarded_or_reason(|| source.read_all()) {
            Ok(()) => {
                self.failure = None;
                Body::Read(Box::new(source))
            }
            Err(reason) => {
                self.failure = Some(reason);
                Body::Plain(source.into_text())
            }
        }
    }

    /// Replaces bytes `start..end` (clamped to the text and to char boundaries) with `new_text`.
    pub fn edit(&mut self, start: usize, end: usize, new_text: &str) {
        self.analysed = None;
        match &mut self.body {
            Body::Plain(text) => {
                let span = clamped(text, start, end);
                text.replace_range(span, new_text);
                if text.len() < REDETECT_BELOW_BYTES {
                    let text = std::mem::take(text);
                    self.replace(text);
                }
            }
            Body::Read(source) => {
                let span = clamped(source.text(), start, end);
                let old_text = &source.text()[span.clone()];
                let small =
                    old_text.len() <= MAX_TRACKED_EDIT && new_text.len() <= MAX_TRACKED_EDIT;
                self.pending = match self.pending {
                    Pending::Clean if small => Pending::One(TextChange {
                        start: span.start,
                        old_end: span.end,
                        new_end: span.start + new_text.len(),
                        old_text: old_text.to_string(),
                        new_text: new_text.to_string(),
                    }),
                    _ => Pending::Many,
                };
                let spliced = source.splice(span.start, span.end, new_text);
                let read = guarded(|| source.read_again(spliced));
                if read.is_none() || source.text().len() > MAX_ANALYZED_BYTES {
                    // What was read may be half-updated; the text is right: start again from it.
                    let body = std::mem::replace(&mut self.body, Body::Plain(String::new()));
                    if let Body::Read(source) = body {
                        self.replace(source.into_text());
                    }
                }
            }
        }
    }

    pub fn text(&self) -> &str {
        match &self.body {
            Body::Read(source) => source.text(),
            Body::Plain(text) => text,
        }
    }

    /// Where each line starts, counting `\n` alone, when the document keeps them.
    pub fn line_starts(&self) -> Option<&[usize]> {
        self.source().map(IncrementalDoc::line_starts)
    }

    /// What was read, for a document in a format mailport reads.
    pub fn source(&self) -> Option<&IncrementalDoc> {
        match &self.body {
            Body::Read(source) => Some(source),
            Body::Plain(_) => None,
        }
    }

    pub fn format(&self) -> Option<Format> {
        self.source().map(IncrementalDoc::format)
    }

    /// Whether the analysis held is that of the current text under configuration `config_epoch`.
    pub fn is_analysed(&self, config_epoch: u64) -> bool {
        self.analysed == Some(config_epoch)
    }

    /// The analysis under `config` (`config_epoch` changes with it). `None` for a document
    /// mailport does not read.
    pub fn analysis(&mut self, config: &Config, config_epoch: u64) -> Option<&Analysis> {
        self.bring_up_to_date(config, config_epoch);
        self.source()?;
        Some(self.last().0)
    }

    /// Analyses the current text under `config` unless that is done already.
    pub fn bring_up_to_date(&mut self, config: &Config, config_epoch: u64) {
        let Body::Read(source) = &self.body else {
            return;
        };
        if self.analysed == Some(config_epoch) {
            return;
        }
        let change = match &self.pending {
            Pending::One(change) => Some(change),
            Pending::Clean | Pending::Many => None,
        };
        let incremental = &mut self.incremental;
        let analysed = guarded_or_reason(|| {
            incremental.analyze(
                source.text(),
                source.format(),
                source.parsed(),
                config,
                change,
            );
        });
        self.fallback = match analysed {
            Ok(()) => None,
            Err(reason) => {
                self.failure = Some(reason);
                // the kept state may be half-updated: forget it, read everything once more
                self.incremental = IncrementalAnalysis::new();
                let whole = guarded(|| {
                    super::analyze_parsed(source.text(), source.format(), source.parsed(), config)
                });
                Some(whole.unwrap_or_default())
            }
        };
        self.pending = Pending::Clean;
        self.analysed = Some(config_epoch);
    }

    /// The last analysis, and the state kept between edits that gave it (none after a fallback).
    pub fn last(&self) -> (&Analysis, Option<&IncrementalAnalysis>) {
        match &self.fallback {
            Some(analysis) => (analysis, None),
            None => (self.incremental.last(), Some(&self.incremental)),
        }
    }
}

/// The findings of `text` read as `format`, once: what `mailport check` reports and what each
/// pass of a fix-all (the command line's and the editor's) sees. `Err`: why it failed (a bug,
/// caught).
pub fn check(format: Format, text: &str, config: &Config) -> Result<Vec<super::Finding>, String> {
    let mut document = Document::with_format(format, text.to_string());
    let findings = document
        .analysis(config, 0)
        .map(|analysis| analysis.findings.clone())
        .unwrap_or_default();
    match document.failure() {
        Some(reason) => Err(reason.to_string()),
        None => Ok(findings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(document: &mut Document) -> Vec<String> {
        let analysis = document.analysis(&Config::default(), 0);
        let findings = analysis.map(|a| a.findings.clone()).unwrap_or_default();
        findings.iter().map(|f| f.code.to_string()).collect()
    }

    #[test]
    fn edits_change_the_text_and_the_findings() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";
        let mut document = Document::new(".env", None, text.to_string());
        assert_eq!(document.format(), Some(Format::Env));
        assert_eq!(codes(&mut document), ["MP003"]);
        let port = text.find("587").unwrap();
        document.edit(port, port + 3, "465");
        assert_eq!(document.text(), text.replace("587", "465"));
        assert_eq!(codes(&mut document), Vec::<String>::new());
        // offsets past the end and inside a char are clamped, never a panic
        document.edit(usize::MAX, usize::MAX, "\n# é");
        let e = document.text().len() - 1;
        document.edit(e, e + 1, "x");
        assert!(document.text().ends_with("# x"));
    }

    /// Random edits (in range or not, inside chars, across lines) on documents of several
    /// formats, one of them first in no format at all: after each, the kept document has the text
    /// a string splice gives, and the analysis a fresh document of that text has.
    #[test]
    fn random_edits_keep_text_and_findings_as_a_fresh_read() {
        let starts = [
            ("app.env", "EMAIL_HOST=smtp.gmail.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\nEMAIL_HOST_PASSWORD=x\n"),
            ("compose.yml", "services:\n  app:\n    environment:\n      SMTP_HOST: smtp.example.org\n      SMTP_PORT: \"465\"\n      SMTP_SECURE: \"false\"\n"),
            ("config-v1.1.xml", "<clientConfig version=\"1.1\"><emailProvider id=\"e\"><incomingServer type=\"imap\"><hostname>imap.e.org</hostname><port>143</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>\n"),
            ("notes", "just words, é and 中\n"),
        ];
        let pieces = [
            "5", "465", "\n", ":", "=", "\"", "<", "/", "é", "smtp", " ", "", "#", "SSL",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let config = Config::default();
        let findings = |d: &mut Document| {
            let found = d.analysis(&config, 0).map(|a| a.findings.clone());
            found
                .unwrap_or_default()
                .iter()
                .map(|f| (f.code, f.span.clone(), f.message.clone()))
                .collect::<Vec<_>>()
        };
        for (name, start) in starts {
            let mut document = Document::new(name, None, start.to_string());
            let mut expected = start.to_string();
            for step in 0..150 {
                let at = next(expected.len() + 3);
                let end = at + next(6);
                let new_text = pieces[next(pieces.len())];
                document.edit(at, end, new_text);
                let span = clamped(&expected, at, end);
                expected.replace_range(span, new_text);
                assert_eq!(document.text(), expected, "{name} step {step}");
                if step % 10 == 0 {
                    let mut fresh = Document::new(name, None, expected.clone());
                    assert_eq!(
                        findings(&mut document),
                        findings(&mut fresh),
                        "{name} {step}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_plain_text_becomes_a_read_document_when_its_content_says_so() {
        let mut document = Document::new("notes", None, String::new());
        assert_eq!(document.format(), None);
        assert!(document.analysis(&Config::default(), 0).is_none());
        let xml =
            "<clientConfig version=\"1.1\"><emailProvider id=\"x\"></emailProvider></clientConfig>";
        document.edit(0, 0, xml);
        assert_eq!(document.format(), Some(Format::Xml));
        assert_eq!(document.text(), xml);
    }
}
