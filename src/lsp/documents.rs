//! Open documents, in two halves so that analysis never holds up an edit:
//!
//! - [`Document`], the text side: the version and the changes the engine has not applied yet,
//!   as the client sent them. Handlers change it in place before any `.await` (tower-lsp runs
//!   notifications concurrently) and hold its lock only for that.
//! - [`Engine`], the analysis side: the document's text — the only copy the server keeps —
//!   with what was read from it and its analysis ([`analysis::document::Document`]), brought up
//!   to date from the queued changes when something needs them. It is locked only on a blocking
//!   thread (`spawn_blocking`), so a slow document occupies that thread and nothing else: other
//!   documents, edits and requests go on.
//!
//! Lock order: an engine, then its document (briefly, to take the queued changes); never the
//! other way round. Another document's engine is only ever tried, never waited for
//! ([`DocEntry::try_text`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::lock;
use super::position::{self, Encoding, Lines};
use super::probe_command::ProbeMark;
use crate::analysis::incremental::IncrementalAnalysis;
use crate::analysis::syntax::incremental::IncrementalDoc;
use crate::analysis::{self, Analysis};
use crate::config::Config;
use crate::vocab::Format;

/// More queued changes than this are applied on a rope and the result read once (5,000
/// unawaited keystrokes cost one read, not 5,000 re-reads).
const MAX_QUEUED_EDITS: usize = 64;
/// Past this many queued changes, or this many bytes of them, the server catches the engine up
/// without waiting for the document to be quiet (a client that never pauses does not grow the
/// queue without end).
pub const CATCH_UP_AFTER_EDITS: usize = 4096;
pub const CATCH_UP_AFTER_BYTES: usize = 16 * 1024 * 1024;

/// The text side of one open document.
pub struct Document {
    pub version: i32,
    /// Changes not yet applied, in order; a full replacement drops those before it.
    queued: Vec<TextDocumentContentChangeEvent>,
    queued_bytes: usize,
    /// A catch-up was asked for because the queue grew long, and has not taken it yet.
    catch_up_asked: bool,
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

    /// Queues one `didChange`'s content changes; the engine applies them later.
    pub fn apply_changes(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        self.version = version;
        for change in changes {
            if change.range.is_none() {
                self.queued.clear(); // the new text makes every earlier change moot
                self.queued_bytes = 0;
            }
            self.queued_bytes = self.queued_bytes.saturating_add(change.text.len());
            self.queued.push(change);
        }
    }

    /// Whether the queue is long enough for the engine to take it now; true once until it is
    /// taken (one catch-up on its way is enough, however many changes arrive meanwhile).
    pub fn wants_catch_up(&mut self) -> bool {
        let long =
            self.queued.len() > CATCH_UP_AFTER_EDITS || self.queued_bytes > CATCH_UP_AFTER_BYTES;
        let wanted = long && !self.catch_up_asked;
        self.catch_up_asked |= wanted;
        wanted
    }
}

/// The analysis side of one open document.
pub struct Engine {
    /// The version the engine holds (`None` before the first catch-up).
    pub version: Option<i32>,
    /// The text of `version` and its analysis.
    pub document: analysis::document::Document,
    /// Results of "test connection" shown until the endpoint's text changes.
    pub probe_marks: Vec<ProbeMark>,
    /// Whether the document's URI holds a test hold's marker (see [`hold_analyses`]).
    held: bool,
}

impl Engine {
    pub fn format(&self) -> Option<Format> {
        self.document.format()
    }

    /// The text's lines, for converting positions.
    pub fn lines(&self) -> Lines<'_> {
        Lines::new(self.document.text(), self.document.line_starts())
    }

    /// Applies changes taken from the text side, in order.
    fn catch_up(
        &mut self,
        mut changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: Encoding,
    ) {
        if changes.len() > MAX_QUEUED_EDITS {
            // Each applied to the text would copy it; on a rope each is a look-up. A full
            // replacement can only come first (the text side drops what was queued before it).
            let mut rope = match changes.first() {
                Some(first) if first.range.is_none() => Rope::new(),
                _ => Rope::from_str(self.document.text()),
            };
            for change in changes.drain(..) {
                match change.range {
                    None => rope = Rope::from_str(&change.text),
                    Some(range) => {
                        let span = position::rope::to_span(&rope, range, encoding);
                        let start = rope.byte_to_char(span.start);
                        rope.remove(start..rope.byte_to_char(span.end));
                        rope.insert(start, &change.text);
                    }
                }
            }
            self.document.replace(position::rope::text(&rope));
        }
        for change in changes {
            match change.range {
                None => self.document.replace(change.text),
                Some(range) => {
                    let span = self.lines().to_span(range, encoding);
                    self.document.edit(span.start, span.end, &change.text);
                }
            }
        }
        self.version = Some(version);
    }

    /// Brings the analysis of the held version up to date under `config`.
    fn bring_up_to_date(&mut self, config: &Config, config_epoch: u64) {
        if self.held && !self.document.is_analysed(config_epoch) {
            wait_while_held();
        }
        self.document.bring_up_to_date(config, config_epoch);
    }

    /// The analysis of the held version under `config`. `None` for documents mailport does not
    /// read.
    pub fn analysis(&mut self, config: &Config, config_epoch: u64) -> Option<&Analysis> {
        self.bring_up_to_date(config, config_epoch);
        self.document.source()?;
        Some(self.document.last().0)
    }

    /// The pieces an analysis is read with, borrowed at once.
    pub fn parts(&mut self, config: &Config, config_epoch: u64) -> Option<Parts<'_>> {
        self.version?;
        self.bring_up_to_date(config, config_epoch);
        let source = self.document.source()?;
        let (analysis, kept) = self.document.last();
        Some(Parts {
            lines: Lines::new(source.text(), Some(source.line_starts())),
            source,
            analysis,
            kept,
            probe_marks: &mut self.probe_marks,
        })
    }
}

/// A read document's analysis and what it is read with (see [`Engine::parts`]).
pub struct Parts<'e> {
    pub lines: Lines<'e>,
    pub source: &'e IncrementalDoc,
    pub analysis: &'e Analysis,
    /// The state kept between edits that gave `analysis` (none after a fallback).
    pub kept: Option<&'e IncrementalAnalysis>,
    pub probe_marks: &'e mut Vec<ProbeMark>,
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
        let document =
            analysis::document::Document::new(&file_name, Some(&language_id), String::new());
        let opened = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text,
        };
        DocEntry {
            path: path.clone(),
            doc: Mutex::new(Document {
                version,
                queued_bytes: opened.text.len(),
                queued: vec![opened],
                catch_up_asked: false,
                closed: false,
                publish_wanted: false,
                publisher_running: false,
                analysis_cost: Duration::ZERO,
                opened: false,
            }),
            engine: Mutex::new(Engine {
                version: None,
                document,
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
    pub fn engine(&self, encoding: Encoding) -> MutexGuard<'_, Engine> {
        let mut engine = lock(&self.engine);
        self.catch_up(&mut engine, encoding);
        engine
    }

    /// The newest text and its version, for another document that reads this one. That document
    /// holds its own engine, so this one's is only tried for a moment, never waited on (two
    /// documents reading each other would wait forever). `None`: it stayed busy.
    pub fn try_text(&self, encoding: Encoding) -> Option<(String, i32)> {
        for _ in 0..TRY_ENGINE_TIMES {
            let mut engine = match self.engine.try_lock() {
                Ok(engine) => engine,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
            };
            self.catch_up(&mut engine, encoding);
            return Some((engine.document.text().to_string(), engine.version?));
        }
        None
    }

    fn catch_up(&self, engine: &mut Engine, encoding: Encoding) {
        let (changes, version) = {
            let mut doc = self.lock();
            doc.queued_bytes = 0;
            doc.catch_up_asked = false;
            (std::mem::take(&mut doc.queued), doc.version)
        };
        if !changes.is_empty() || engine.version != Some(version) {
            engine.catch_up(changes, version, encoding);
        }
    }
}

/// How many times [`DocEntry::try_text`] tries another document's engine, a millisecond apart.
const TRY_ENGINE_TIMES: usize = 50;

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
