//! Open documents: a rope for position conversion and an [`IncrementalDoc`] for analysis, kept in
//! step edit by edit. Handlers mutate a document before any `.await` (tower-lsp runs notifications
//! concurrently), so every method here is synchronous.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::position::{self, Encoding};
use super::probe_command::ProbeMark;
use crate::analysis::incremental::{IncrementalAnalysis, TextChange};
use crate::analysis::syntax::incremental::IncrementalDoc;
use crate::analysis::syntax::{detect_format, Format};
use crate::analysis::{self, endpoints, Analysis};
use crate::config::Config;

/// Documents larger than this are tracked (positions, edits) but not analysed.
pub const MAX_ANALYZED_BYTES: usize = 32 * 1024 * 1024;
/// Content-based format detection is retried on edits only while a document is this small.
const REDETECT_BELOW_BYTES: usize = 64 * 1024;
/// Edits longer than this (either side) are not handed to the incremental analysis (it would
/// analyse the whole document anyway; copying the text out is not worth it).
const MAX_TRACKED_EDIT: usize = 4 * 1024;

/// The text changes since the last analysis.
enum Pending {
    Clean,
    /// Exactly one change: the incremental analysis may re-check only what it touched.
    One(TextChange),
    /// Several changes, a replaced document, a new format: analyse everything.
    Many,
}

/// Locks a std mutex, surviving poisoning: a panic elsewhere must not take the server down.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One open document.
pub struct Document {
    pub version: i32,
    pub rope: Rope,
    pub file_name: String,
    pub path: Option<PathBuf>,
    pub language_id: String,
    /// `None` when the document is not a format mailport reads (or is too large).
    pub source: Option<IncrementalDoc>,
    /// Findings and endpoints kept between edits.
    pub analyzer: Analyzer,
    /// Results of "test connection" shown until the endpoint's text changes.
    pub probe_marks: Vec<ProbeMark>,
    /// Set by `didClose`: pending publishes for it are dropped.
    pub closed: bool,
}

impl Document {
    pub fn open(uri: &Uri, language_id: String, version: i32, text: String) -> Document {
        let path = file_path(uri);
        let file_name = match &path {
            Some(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            None => uri
                .path()
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        let rope = Rope::from_str(&text);
        let mut doc = Document {
            version,
            rope,
            file_name,
            path,
            language_id,
            source: None,
            analyzer: Analyzer::new(),
            probe_marks: Vec::new(),
            closed: false,
        };
        doc.source = doc.read_source(text);
        doc
    }

    fn read_source(&self, text: String) -> Option<IncrementalDoc> {
        if text.len() > MAX_ANALYZED_BYTES {
            return None;
        }
        let format = detect_format(&self.file_name, Some(&self.language_id), &text)?;
        // The server keeps only what analysis can read: a 50,000-line file stays small.
        guarded(|| IncrementalDoc::keeping(format, text, endpoints::MEMBERS))
    }

    pub fn format(&self) -> Option<Format> {
        self.source.as_ref().map(|s| s.format())
    }

    /// Applies one `didChange`'s content changes, in order.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        self.version = version;
        for change in changes {
            match change.range {
                None => {
                    self.rope = Rope::from_str(&change.text);
                    self.source = self.read_source(change.text);
                    self.analyzer.pending = Pending::Many;
                }
                Some(range) => {
                    let span = position::to_span(&self.rope, range, encoding);
                    self.replace(span.start, span.end, &change.text);
                }
            }
        }
        if self.source.is_none() && self.rope.len_bytes() < REDETECT_BELOW_BYTES {
            self.source = self.read_source(self.rope.to_string());
            self.analyzer.pending = Pending::Many;
        }
    }

    /// Replaces bytes `start..end` (char boundaries, `start <= end <= len`) in both views.
    fn replace(&mut self, start: usize, end: usize, new_text: &str) {
        self.analyzer.pending = match self.analyzer.pending {
            Pending::Clean
                if end - start <= MAX_TRACKED_EDIT && new_text.len() <= MAX_TRACKED_EDIT =>
            {
                Pending::One(TextChange {
                    start,
                    old_end: end,
                    new_end: start + new_text.len(),
                    old_text: self.rope.byte_slice(start..end).to_string(),
                    new_text: new_text.to_string(),
                })
            }
            _ => Pending::Many,
        };
        let start_char = self.rope.byte_to_char(start);
        let end_char = self.rope.byte_to_char(end);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, new_text);
        if let Some(source) = &mut self.source {
            let edited = guarded(|| source.edit(start, end, new_text));
            if edited.is_none() || self.rope.len_bytes() > MAX_ANALYZED_BYTES {
                // the incremental state may be half-updated: start again from the rope
                self.source = None;
                self.analyzer.pending = Pending::Many;
                if self.rope.len_bytes() <= MAX_ANALYZED_BYTES {
                    self.source = self.read_source(self.rope.to_string());
                }
            }
        }
    }

    /// The analysis of the current version under `config`. `None` for documents mailport does
    /// not read.
    pub fn analysis(&mut self, config: &Config, config_epoch: u64) -> Option<&Analysis> {
        let source = self.source.as_ref()?;
        Some(
            self.analyzer
                .get(source, self.version, config, config_epoch),
        )
    }
}

/// A document's analysis, kept between edits and computed at most once per version and
/// configuration.
pub struct Analyzer {
    incremental: IncrementalAnalysis,
    /// The edits since `incremental` last analysed.
    pending: Pending,
    /// Used instead of `incremental` after it panicked (last line of defence).
    fallback: Option<Analysis>,
    /// (document version, configuration epoch) of the analysis held.
    current: Option<(i32, u64)>,
}

impl Analyzer {
    fn new() -> Analyzer {
        Analyzer {
            incremental: IncrementalAnalysis::new(),
            pending: Pending::Many,
            fallback: None,
            current: None,
        }
    }

    pub fn get(
        &mut self,
        source: &IncrementalDoc,
        version: i32,
        config: &Config,
        config_epoch: u64,
    ) -> &Analysis {
        if self.current != Some((version, config_epoch)) {
            let change = match &self.pending {
                Pending::One(change) => Some(change),
                Pending::Clean | Pending::Many => None,
            };
            let incremental = &mut self.incremental;
            let analysed = guarded(|| {
                incremental.analyze(
                    source.text(),
                    source.format(),
                    source.parsed(),
                    config,
                    change,
                );
            });
            self.fallback = match analysed {
                Some(()) => None,
                None => {
                    // the kept state may be half-updated: forget it, read everything once more
                    self.incremental = IncrementalAnalysis::new();
                    Some(
                        guarded(|| {
                            analysis::analyze_parsed(
                                source.text(),
                                source.format(),
                                source.parsed(),
                                config,
                            )
                        })
                        .unwrap_or_default(),
                    )
                }
            };
            self.pending = Pending::Clean;
            self.current = Some((version, config_epoch));
        }
        match &self.fallback {
            Some(analysis) => analysis,
            None => self.incremental.last(),
        }
    }
}

/// The local path of a `file:` URI (other schemes — `untitled:` buffers — have none).
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let is_file = uri
        .as_str()
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"));
    if !is_file {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// Runs analysis code with a last line of defence: a panic becomes `None` instead of killing the
/// server (analysis is meant never to panic; this is not a design tool).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// A document and the gate its publishes go through one at a time (so versions reach the client
/// in order).
pub struct DocEntry {
    /// The file's path (fixed at open): which workspace configuration applies.
    pub path: Option<PathBuf>,
    pub doc: Mutex<Document>,
    pub publish_gate: tokio::sync::Mutex<()>,
}

impl DocEntry {
    pub fn lock(&self) -> MutexGuard<'_, Document> {
        lock(&self.doc)
    }
}

/// Every open document by URI.
#[derive(Default)]
pub struct Documents {
    map: Mutex<HashMap<Uri, Arc<DocEntry>>>,
}

impl Documents {
    pub fn insert(&self, uri: Uri, doc: Document) -> Arc<DocEntry> {
        let entry = Arc::new(DocEntry {
            path: doc.path.clone(),
            doc: Mutex::new(doc),
            publish_gate: tokio::sync::Mutex::new(()),
        });
        if let Some(old) = lock(&self.map).insert(uri, entry.clone()) {
            old.lock().closed = true;
        }
        entry
    }

    pub fn get(&self, uri: &Uri) -> Option<Arc<DocEntry>> {
        lock(&self.map).get(uri).cloned()
    }

    pub fn remove(&self, uri: &Uri) -> Option<Arc<DocEntry>> {
        let entry = lock(&self.map).remove(uri)?;
        entry.lock().closed = true;
        Some(entry)
    }

    pub fn all(&self) -> Vec<(Uri, Arc<DocEntry>)> {
        lock(&self.map)
            .iter()
            .map(|(uri, entry)| (uri.clone(), entry.clone()))
            .collect()
    }
}
