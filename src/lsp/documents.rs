//! Open documents, in two halves so that analysis never holds up an edit:
//!
//! - [`Document`], the text side: the version, a rope for position conversion and the changes not
//!   yet analysed. Handlers change it in place before any `.await` (tower-lsp runs notifications
//!   concurrently) and hold its lock only for that.
//! - [`Engine`], the analysis side: the kept syntax ([`IncrementalDoc`]) and analysis, brought up to
//!   date from the queued changes when something needs them. It is locked only on a blocking
//!   thread (`spawn_blocking`), so a slow document occupies that thread and nothing else: other
//!   documents, edits and requests go on.
//!
//! Lock order: an engine, then its document (briefly, to take the queued changes); never the
//! other way round.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::lock;
use super::position::{self, Encoding};
use super::probe_command::ProbeMark;
use crate::analysis::incremental::{IncrementalAnalysis, TextChange};
use crate::analysis::syntax::detect_format;
use crate::analysis::syntax::incremental::IncrementalDoc;
use crate::analysis::{self, endpoints, Analysis};
use crate::config::Config;
use crate::vocab::Format;

/// Documents larger than this are tracked (positions, edits) but not analysed.
pub const MAX_ANALYZED_BYTES: usize = 32 * 1024 * 1024;
/// Content-based format detection is retried on edits only while a document is this small.
const REDETECT_BELOW_BYTES: usize = 64 * 1024;
/// Edits longer than this (either side) are not handed to the incremental analysis (it would
/// analyse the whole document anyway; copying the text out is not worth it).
const MAX_TRACKED_EDIT: usize = 4 * 1024;
/// More queued edits than this are not applied one by one: the engine reads the text again once
/// (5,000 unawaited keystrokes cost one read, not 5,000 re-reads).
const MAX_QUEUED_EDITS: usize = 64;

/// The text changes since the last analysis.
enum Pending {
    Clean,
    /// Exactly one change: the incremental analysis may re-check only what it touched.
    One(TextChange),
    /// Several changes, a replaced document, a new format: analyse everything.
    Many,
}

/// One text change in byte offsets of the text before it.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// Changes the engine has not applied yet.
enum Queued {
    /// These edits, in order (possibly none).
    Edits(Vec<Edit>),
    /// Read the whole text again (a full replacement, or too many edits).
    Whole,
}

/// The text side of one open document.
pub struct Document {
    pub version: i32,
    pub rope: Rope,
    queued: Queued,
    /// Set by `didClose`: pending publishes for it are dropped.
    pub closed: bool,
    /// Diagnostics should be (re)published.
    pub publish_wanted: bool,
    /// A publisher task for this document is running (at most one: versions go out in order).
    pub publisher_running: bool,
    /// A running estimate of how long this document takes to analyse after a change: what the
    /// adaptive debounce waits on.
    pub analysis_cost: Duration,
    /// Whether the first analysis (reading the whole text at open) is done; it is not counted in
    /// `analysis_cost`, which is about typing, not opening.
    opened: bool,
}

impl Document {
    /// Counts one more analysis that took `took`: the mean with the previous estimate, so a
    /// slow document turns the debounce on after an edit or two and off again a few fast
    /// analyses later, and one outlier (a busy machine) counts half.
    pub fn note_analysis(&mut self, took: Duration) {
        if self.opened {
            self.analysis_cost = (self.analysis_cost + took) / 2;
        }
        self.opened = true;
    }

    /// Applies one `didChange`'s content changes, in order, to the text; the engine catches up
    /// later.
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
                    self.queued = Queued::Whole;
                }
                Some(range) => {
                    let span = position::to_span(&self.rope, range, encoding);
                    let start_char = self.rope.byte_to_char(span.start);
                    let end_char = self.rope.byte_to_char(span.end);
                    self.rope.remove(start_char..end_char);
                    self.rope.insert(start_char, &change.text);
                    if let Queued::Edits(edits) = &mut self.queued {
                        if edits.len() < MAX_QUEUED_EDITS {
                            edits.push(Edit {
                                start: span.start,
                                end: span.end,
                                text: change.text,
                            });
                        } else {
                            self.queued = Queued::Whole;
                        }
                    }
                }
            }
        }
    }
}

/// The analysis side of one open document.
pub struct Engine {
    file_name: String,
    language_id: String,
    /// The version the engine holds (`None` before the first catch-up).
    pub version: Option<i32>,
    /// The text of `version`, for positions.
    pub rope: Rope,
    /// `None` when the document is not a format mailport reads (or is too large).
    pub source: Option<IncrementalDoc>,
    /// Findings and endpoints kept between edits.
    pub analyzer: Analyzer,
    /// Results of "test connection" shown until the endpoint's text changes.
    pub probe_marks: Vec<ProbeMark>,
    /// Whether the document's URI holds a test hold's marker (see [`hold_analyses`]).
    held: bool,
}

impl Engine {
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

    /// Applies changes taken from the document; `rope` is the document's text after them.
    fn catch_up(&mut self, queued: Queued, version: i32, rope: Rope) {
        match queued {
            Queued::Edits(edits) if self.version.is_some() => {
                for edit in edits {
                    if self.replace(edit.start, edit.end, &edit.text, &rope) {
                        break; // read again from the final text: the rest is in it
                    }
                }
            }
            Queued::Edits(_) | Queued::Whole => {
                self.source = self.read_source(position::text(&rope));
                self.analyzer.pending = Pending::Many;
            }
        }
        if self.source.is_none() && rope.len_bytes() < REDETECT_BELOW_BYTES {
            self.source = self.read_source(position::text(&rope));
            self.analyzer.pending = Pending::Many;
        }
        self.rope = rope;
        self.version = Some(version);
    }

    /// Replaces bytes `start..end` of the kept text; `rope` is the final text, to start again
    /// from when the kept state cannot be trusted. True when it did that.
    fn replace(&mut self, start: usize, end: usize, new_text: &str, rope: &Rope) -> bool {
        let Some(source) = &mut self.source else {
            return false; // nothing kept: read again from the final text when the format is known
        };
        let old_text = source.text().get(start..end);
        self.analyzer.pending = match (&self.analyzer.pending, old_text) {
            (Pending::Clean, Some(old_text))
                if end - start <= MAX_TRACKED_EDIT && new_text.len() <= MAX_TRACKED_EDIT =>
            {
                Pending::One(TextChange {
                    start,
                    old_end: end,
                    new_end: start + new_text.len(),
                    old_text: old_text.to_string(),
                    new_text: new_text.to_string(),
                })
            }
            _ => Pending::Many,
        };
        let edited = guarded(|| source.edit(start, end, new_text));
        let too_large = source.text().len() > MAX_ANALYZED_BYTES;
        if edited.is_none() || too_large {
            // the incremental state may be half-updated: start again from the text
            self.source = None;
            self.analyzer.pending = Pending::Many;
            if rope.len_bytes() <= MAX_ANALYZED_BYTES {
                self.source = self.read_source(position::text(rope));
            }
            return true;
        }
        false
    }

    /// The analysis of the held version under `config`. `None` for documents mailport does not
    /// read.
    pub fn analysis(&mut self, config: &Config, config_epoch: u64) -> Option<&Analysis> {
        let source = self.source.as_ref()?;
        let version = self.version?;
        if self.held && !self.analyzer.is_current(version, config_epoch) {
            wait_while_held();
        }
        Some(self.analyzer.get(source, version, config, config_epoch))
    }

    /// The pieces an analysis is read with, borrowed at once.
    pub fn parts(
        &mut self,
        config: &Config,
        config_epoch: u64,
    ) -> Option<(&Rope, &IncrementalDoc, &Analysis, &mut Vec<ProbeMark>, i32)> {
        let version = self.version?;
        if self.held && !self.analyzer.is_current(version, config_epoch) {
            wait_while_held();
        }
        let source = self.source.as_ref()?;
        let analysis = self.analyzer.get(source, version, config, config_epoch);
        Some((&self.rope, source, analysis, &mut self.probe_marks, version))
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

    fn is_current(&self, version: i32, config_epoch: u64) -> bool {
        self.current == Some((version, config_epoch))
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
        self.last().0
    }

    /// The last analysis, and the state kept between edits that gave it (none after a fallback).
    pub fn last(&self) -> (&Analysis, Option<&IncrementalAnalysis>) {
        match &self.fallback {
            Some(analysis) => (analysis, None),
            None => (self.incremental.last(), Some(&self.incremental)),
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

/// An open document: its text side, its analysis side, and the gate its publishes go through
/// one at a time (so versions reach the client in order).
pub struct DocEntry {
    /// The file's path (fixed at open): which workspace configuration applies.
    pub path: Option<PathBuf>,
    doc: Mutex<Document>,
    engine: Mutex<Engine>,
    pub publish_gate: tokio::sync::Mutex<()>,
}

impl DocEntry {
    pub fn open(uri: &Uri, language_id: String, version: i32, text: String) -> DocEntry {
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
        DocEntry {
            path: path.clone(),
            doc: Mutex::new(Document {
                version,
                rope: rope.clone(),
                queued: Queued::Whole,
                closed: false,
                publish_wanted: false,
                publisher_running: false,
                analysis_cost: Duration::ZERO,
                opened: false,
            }),
            engine: Mutex::new(Engine {
                file_name,
                language_id,
                version: None,
                rope,
                source: None,
                analyzer: Analyzer::new(),
                probe_marks: Vec::new(),
                held: is_held(uri),
            }),
            publish_gate: tokio::sync::Mutex::new(()),
        }
    }

    /// The text side (locked briefly; never across an analysis).
    pub fn lock(&self) -> MutexGuard<'_, Document> {
        lock(&self.doc)
    }

    /// The analysis side, caught up with every change queued so far. Blocks while another
    /// thread analyses this document: call it on a blocking thread only.
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        let mut engine = lock(&self.engine);
        let (queued, version, rope) = {
            let mut doc = self.lock();
            let queued = std::mem::replace(&mut doc.queued, Queued::Edits(Vec::new()));
            (queued, doc.version, doc.rope.clone())
        };
        let nothing_new = matches!(&queued, Queued::Edits(edits) if edits.is_empty())
            && engine.version == Some(version);
        if !nothing_new {
            engine.catch_up(queued, version, rope);
        }
        engine
    }
}

/// Every open document by URI.
#[derive(Default)]
pub struct Documents {
    map: Mutex<HashMap<Uri, Arc<DocEntry>>>,
}

impl Documents {
    pub fn insert(&self, uri: Uri, entry: DocEntry) -> Arc<DocEntry> {
        let entry = Arc::new(entry);
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

/// Test hook: analyses of documents opened while a hold is set, whose URI contains its marker,
/// wait until the hold is released (a slow document, on demand, without a slow input). One
/// atomic load per opened document when no hold is set.
#[doc(hidden)]
pub fn hold_analyses(marker: &str) -> AnalysisHold {
    let state = Arc::new(HoldState::default());
    *lock(&HOLD) = Some((marker.to_string(), state.clone()));
    HOLD_SET.store(true, Ordering::SeqCst);
    AnalysisHold(state)
}

static HOLD_SET: AtomicBool = AtomicBool::new(false);
static HOLD: Mutex<Option<(String, Arc<HoldState>)>> = Mutex::new(None);

#[derive(Default)]
struct HoldState {
    released: AtomicBool,
    /// Analyses that reached the hold.
    entered: AtomicUsize,
}

/// Releases the held analyses when dropped (or by [`AnalysisHold::release`]).
#[doc(hidden)]
pub struct AnalysisHold(Arc<HoldState>);

impl AnalysisHold {
    /// How many analyses have reached the hold so far.
    pub fn entered(&self) -> usize {
        self.0.entered.load(Ordering::SeqCst)
    }

    pub fn release(&self) {
        self.0.released.store(true, Ordering::SeqCst);
    }
}

impl Drop for AnalysisHold {
    fn drop(&mut self) {
        self.release();
    }
}

fn is_held(uri: &Uri) -> bool {
    if !HOLD_SET.load(Ordering::Relaxed) {
        return false;
    }
    lock(&HOLD)
        .as_ref()
        .is_some_and(|(marker, _)| uri.as_str().contains(marker.as_str()))
}

/// Spins rather than sleeps: a held analysis costs CPU time, as the slow analysis it stands for
/// would (the adaptive debounce counts CPU time).
fn wait_while_held() {
    let Some(state) = lock(&HOLD).as_ref().map(|(_, state)| state.clone()) else {
        return;
    };
    state.entered.fetch_add(1, Ordering::SeqCst);
    // not `yield_now`: a thread that yields gives its CPU time to whoever else runs
    while !state.released.load(Ordering::SeqCst) {
        std::hint::spin_loop();
    }
}
