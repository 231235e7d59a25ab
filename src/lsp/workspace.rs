//! The workspace scan: the mail configs of the workspace folders, read from disk with the walk of
//! `mailport check` (`files::walk`: `.gitignore` honoured, hidden mail configs read, the same
//! size limit, the same pre-filter), so that problems in files that are not open are reported
//! too.
//!
//! - It runs after `initialized`, again when the settings change (a new scan supersedes a
//!   running one, which stops), and file by file on `workspace/didChangeWatchedFiles`.
//! - Its results go out as pull diagnostics (`workspace/diagnostic`, `textDocument/diagnostic`)
//!   when the client pulls them (it supports `textDocument/diagnostic` and
//!   `workspace/diagnostic/refresh`, as VS Code does), else with `publishDiagnostics` (Neovim 0.12
//!   pulls open documents but never the workspace).
//! - An open document always wins: its own diagnostics are published by the server as it is
//!   edited, and the scan says nothing about it. When it is closed, its disk copy is read again.
//! - `workspace.maxFiles` and `workspace.maxBytes` bound a scan, so a monorepo does not stall the
//!   editor; `workspace.scan: false` turns it off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::Client;

use super::actions;
use super::documents::{file_path, Documents};
use super::lock;
use super::position::{Encoding, Lines};
use super::settings::{SettingsState, WorkspaceSettings};
use crate::analysis;
use crate::config::Config;
use crate::files::walk::{self, Candidate, WalkLimits};

/// Files larger than this are not configuration files (as in `mailport check`).
const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// The result id of a file reported empty because the scan no longer has it.
const GONE: &str = "gone";
/// A scan waits this long before it reads: an editor opens its documents right after
/// `initialized`, and those come first (the scan then skips them instead of analysing a second
/// copy of each beside the editor's, at twice the memory).
const SCAN_DELAY: Duration = Duration::from_millis(500);
/// How often a running scan reports how far it got.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// The disk diagnostics of the workspace, shared by the handlers.
pub struct Workspace {
    state: Mutex<State>,
    /// Turns to the latest change's number whenever the disk diagnostics change: a
    /// `workspace/diagnostic` request that has nothing new to say waits for it.
    changed: watch::Sender<u64>,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
        }
    }
}

#[derive(Default)]
struct State {
    /// Numbers scans and changes; a file's result id is the number of its last change.
    counter: u64,
    /// The number of the newest scan: an older scan's result is dropped.
    scan: u64,
    /// The running scan stops when this turns true.
    stop: Option<Arc<AtomicBool>>,
    /// A scan has finished (pulls wait for the first).
    done: bool,
    /// Per file with a mail format: its disk diagnostics (possibly none).
    files: BTreeMap<PathBuf, DiskFile>,
}

#[derive(Clone)]
struct DiskFile {
    uri: Uri,
    diagnostics: Vec<Diagnostic>,
    result_id: u64,
}

/// What the scan needs of the server (which implements this; the scan never names the server).
pub trait Host: Send + Sync + 'static {
    fn client(&self) -> &Client;
    fn docs(&self) -> &Documents;
    fn settings(&self) -> &Mutex<SettingsState>;
    fn workspace(&self) -> &Workspace;
    fn caps(&self) -> Caps;
    /// Turns true when the session ends.
    fn shutdown(&self) -> watch::Receiver<bool>;
    /// What open documents place on the file at `path` (values that live in another file).
    fn placed_on(&self, path: &std::path::Path) -> Vec<Diagnostic>;
}

/// What the client can do, as far as the scan cares.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caps {
    pub encoding: Encoding,
    pub progress: bool,
    /// `textDocument/diagnostic` (and so `workspace/diagnostic`, which the server offers with it).
    pub pull: bool,
    /// `workspace/diagnostic/refresh`.
    pub refresh: bool,
}

fn scan_settings<H: Host>(host: &H) -> (WorkspaceSettings, Vec<PathBuf>) {
    let settings = lock(host.settings());
    let roots = settings.roots.iter().map(|r| r.path.clone()).collect();
    (settings.editor.settings.workspace.clone(), roots)
}

/// Runs a round trip to the client unless the session ends first.
async fn unless_shut_down<H: Host, F: std::future::Future>(
    host: &H,
    request: F,
) -> Option<F::Output> {
    let mut shutdown = host.shutdown();
    tokio::select! {
        output = request => Some(output),
        _ = shutdown.wait_for(|down| *down) => None,
    }
}

/// The watcher the scan needs: every file (mail configs have too many names for a glob).
pub fn watcher() -> FileSystemWatcher {
    FileSystemWatcher {
        glob_pattern: GlobPattern::String("**/*".to_string()),
        kind: None,
    }
}

/// Starts a scan of the workspace folders, superseding a running one.
pub fn scan<H: Host>(host: &Arc<H>) {
    let (settings, roots) = scan_settings(&**host);
    let stop = Arc::new(AtomicBool::new(false));
    let number = {
        let mut state = lock(&host.workspace().state);
        if let Some(old) = state.stop.replace(stop.clone()) {
            old.store(true, Ordering::Relaxed);
        }
        state.counter += 1;
        state.scan = state.counter;
        state.counter
    };
    if !settings.scan || roots.is_empty() {
        // Nothing to read: whatever an earlier scan reported goes.
        let host = host.clone();
        tokio::spawn(async move { apply(&host, number, Found::default()).await });
        return;
    }
    tokio::spawn(run_scan(host.clone(), number, settings, roots, stop));
}

/// What a scan found: each file with a mail format and its diagnostics.
#[derive(Default)]
struct Found {
    files: Vec<(PathBuf, Uri, Vec<Diagnostic>)>,
    truncated: bool,
}

/// Reads and checks the candidates on every core within the byte budget, but for those `open`
/// in the editor (their diagnostics come from the editor's text).
fn check_all(
    candidates: &[Candidate],
    open: &(dyn Fn(&Path) -> bool + Sync),
    configs: &(dyn Fn(&Path) -> Arc<Config> + Sync),
    encoding: Encoding,
    max_bytes: u64,
    stop: &AtomicBool,
    done: &AtomicUsize,
) -> Found {
    let bytes = AtomicU64::new(0);
    let over_budget = AtomicBool::new(false);
    let results = walk::map_parallel(candidates, |candidate| {
        done.fetch_add(1, Ordering::Relaxed);
        if stop.load(Ordering::Relaxed) || over_budget.load(Ordering::Relaxed) {
            return None;
        }
        let path = &candidate.path;
        if open(path) {
            return None;
        }
        let config = configs(path);
        let read = disk_diagnostics(path, true, &config, encoding, &|len| {
            let total = bytes.fetch_add(len, Ordering::Relaxed) + len;
            let within = total <= max_bytes;
            if !within {
                over_budget.store(true, Ordering::Relaxed);
            }
            within
        })?;
        let uri = Uri::from_file_path(path)?;
        Some((path.clone(), uri, read))
    });
    Found {
        files: results.into_iter().flatten().collect(),
        truncated: over_budget.into_inner(),
    }
}

/// The diagnostics of the file at `path` as it is on disk; `None` when it is not a file mailport
/// reads (or `budget`, told its size, refuses it).
fn disk_diagnostics(
    path: &Path,
    listed: bool,
    config: &Config,
    encoding: Encoding,
    budget: &dyn Fn(u64) -> bool,
) -> Option<Vec<Diagnostic>> {
    // A file the walk just listed as regular; one a watcher named may be anything.
    let bytes = if listed {
        crate::files::read_listed_regular(path, MAX_FILE_BYTES).ok()?
    } else {
        crate::files::read_regular(path, MAX_FILE_BYTES).ok()?
    };
    if !budget(bytes.len() as u64) {
        return None;
    }
    let name = path.to_string_lossy();
    // A `.properties` file that is not UTF-8 is ISO-8859-1, as Java reads it.
    let properties =
        analysis::syntax::detect_format(&name, None, "") == Some(crate::vocab::Format::Properties);
    let (text, _) = crate::files::decode_text(bytes, properties).ok()?;
    let format = analysis::syntax::detect_format(&name, None, &text)?;
    if !analysis::prefilter::could_hold_mail(format, &text) {
        return Some(Vec::new());
    }
    let findings = analysis::guarded(|| analysis::analyze(&text, format, config).findings)?;
    if findings.is_empty() {
        return Some(Vec::new());
    }
    let lines = Lines::new(&text, None);
    Some(
        findings
            .iter()
            .map(|f| actions::diagnostic(&lines, encoding, 0, f))
            .collect(),
    )
}

async fn run_scan<H: Host>(
    host: Arc<H>,
    number: u64,
    settings: WorkspaceSettings,
    roots: Vec<PathBuf>,
    stop: Arc<AtomicBool>,
) {
    tokio::time::sleep(SCAN_DELAY).await;
    if stop.load(Ordering::Relaxed) {
        return;
    }
    let caps = host.caps();
    let progress = if caps.progress {
        let token = ProgressToken::String(format!("mailport/workspace/{number}"));
        let created = unless_shut_down(
            &*host,
            host.client().create_work_done_progress(token.clone()),
        )
        .await;
        match created {
            Some(Ok(())) => Some(
                host.client()
                    .progress(token, "mailport: reading the workspace")
                    .with_percentage(0)
                    .begin()
                    .await,
            ),
            _ => None,
        }
    } else {
        None
    };
    let done = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let work = {
        let inner = host.clone();
        let (stop, done, total) = (stop.clone(), done.clone(), total.clone());
        tokio::task::spawn_blocking(move || {
            let limits = WalkLimits {
                max_files: settings.max_files,
                stop: Some(&stop),
            };
            let walked = walk::walk(&roots, limits).unwrap_or_default();
            total.store(walked.candidates.len(), Ordering::Relaxed);
            let configs = |path: &Path| lock(inner.settings()).config_for(Some(path));
            let open = |path: &Path| {
                Uri::from_file_path(path).is_some_and(|uri| inner.docs().get(&uri).is_some())
            };
            let mut found = check_all(
                &walked.candidates,
                &open,
                &configs,
                caps.encoding,
                settings.max_bytes,
                &stop,
                &done,
            );
            found.truncated |= walked.truncated;
            found
        })
    };
    tokio::pin!(work);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let found = loop {
        tokio::select! {
            found = &mut work => break found.ok(),
            _ = tick.tick() => {
                if let Some(progress) = &progress {
                    let total = total.load(Ordering::Relaxed).max(1);
                    let done = done.load(Ordering::Relaxed).min(total);
                    let percent = u32::try_from(done * 100 / total).unwrap_or(100);
                    progress.report_with_message(format!("{done}/{total} files"), percent).await;
                }
            }
        }
    };
    let summary = match &found {
        Some(_) if stop.load(Ordering::Relaxed) => "stopped".to_string(),
        Some(found) => {
            let with = found.files.iter().filter(|f| !f.2.is_empty()).count();
            let cut = if found.truncated {
                " (stopped at the workspace.maxFiles/maxBytes limit)"
            } else {
                ""
            };
            format!(
                "{} mail configs, {with} with problems{cut}",
                found.files.len()
            )
        }
        None => "failed".to_string(),
    };
    if let Some(progress) = progress {
        progress.finish_with_message(summary).await;
    }
    if let Some(found) = found {
        if !stop.load(Ordering::Relaxed) {
            apply(&host, number, found).await;
        }
    }
}

/// Takes a finished scan's result (unless a newer scan started) and reports what changed.
async fn apply<H: Host>(host: &Arc<H>, number: u64, found: Found) {
    let mut changed = Vec::new();
    {
        let mut state = lock(&host.workspace().state);
        if state.scan != number {
            return;
        }
        state.counter += 1;
        let id = state.counter;
        let mut files = BTreeMap::new();
        for (path, uri, diagnostics) in found.files {
            // A file seen for the first time counts as clean before.
            let file = match state.files.remove(&path) {
                Some(old) if old.diagnostics == diagnostics => old,
                old => {
                    if old.is_some() || !diagnostics.is_empty() {
                        changed.push(uri.clone());
                    }
                    DiskFile {
                        uri,
                        diagnostics,
                        result_id: id,
                    }
                }
            };
            files.insert(path, file);
        }
        // Files gone from the scan: their diagnostics go too.
        changed.extend(
            std::mem::take(&mut state.files)
                .into_values()
                .filter(|f| !f.diagnostics.is_empty())
                .map(|f| f.uri),
        );
        state.files = files;
        state.done = true;
        state.stop = None;
        host.workspace().changed.send_replace(id);
    }
    report(host, changed).await;
}

/// Tells the client about the disk diagnostics of `uris`: a refresh for a pulling client,
/// else a publish of each that is not open.
async fn report<H: Host>(host: &Arc<H>, uris: Vec<Uri>) {
    let caps = host.caps();
    if caps.pull {
        if caps.refresh && !uris.is_empty() {
            let _ = unless_shut_down(&**host, host.client().workspace_diagnostic_refresh()).await;
        }
        return;
    }
    for uri in uris {
        if host.docs().get(&uri).is_some() {
            continue; // the open document wins
        }
        let diagnostics = closed_file_diagnostics(&**host, &uri);
        host.client()
            .publish_diagnostics(uri, diagnostics, None)
            .await;
    }
}

/// The scan's diagnostics of a file (`None` when the scan did not read it).
fn diagnostics_of<H: Host>(host: &H, uri: &Uri) -> Option<Vec<Diagnostic>> {
    let path = file_path(uri)?;
    let state = lock(&host.workspace().state);
    state.files.get(&path).map(|f| f.diagnostics.clone())
}

/// What a file that is not open shows when published: the scan's diagnostics and what open
/// documents place on it. (A pulling client gets the scan's through the pull, and the placed
/// ones published, in its two collections.)
pub fn closed_file_diagnostics<H: Host>(host: &H, uri: &Uri) -> Vec<Diagnostic> {
    let mut out = diagnostics_of(host, uri).unwrap_or_default();
    if let Some(path) = file_path(uri) {
        out.extend(host.placed_on(&path));
    }
    out
}

/// `workspace/didChangeWatchedFiles`: each changed file under a workspace folder that the walk
/// reads is read again (a deleted one drops out).
pub async fn files_changed<H: Host>(host: &Arc<H>, changes: &[FileEvent]) {
    let (settings, roots) = scan_settings(&**host);
    if !settings.scan || !lock(&host.workspace().state).done {
        return;
    }
    let paths: Vec<(PathBuf, Uri)> = changes
        .iter()
        .filter_map(|c| Some((file_path(&c.uri)?, c.uri.clone())))
        .filter(|(p, _)| roots.iter().any(|root| p.starts_with(root)))
        .collect();
    if paths.is_empty() {
        return;
    }
    let encoding = host.caps().encoding;
    let inner = host.clone();
    let read = tokio::task::spawn_blocking(move || {
        // A file the walk would not read (deleted, ignored, in `node_modules`) has none.
        let listed: Vec<PathBuf> = paths.iter().map(|(p, _)| p.clone()).collect();
        let mut walked = vec![false; listed.len()];
        for root in &roots {
            for (w, admitted) in walked.iter_mut().zip(walk::admitted(root, &listed)) {
                *w |= admitted;
            }
        }
        paths
            .into_iter()
            .zip(walked)
            .map(|((path, uri), walked)| {
                let config = lock(inner.settings()).config_for(Some(&path));
                let diagnostics = walked
                    .then(|| disk_diagnostics(&path, false, &config, encoding, &|_| true))
                    .flatten();
                (path, uri, diagnostics)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let mut changed = Vec::new();
    {
        let mut state = lock(&host.workspace().state);
        state.counter += 1;
        let id = state.counter;
        for (path, uri, diagnostics) in read {
            let before = state.files.get(&path).map(|f| f.diagnostics.clone());
            match diagnostics {
                Some(diagnostics) => {
                    if before.unwrap_or_default() != diagnostics {
                        changed.push(uri.clone());
                    }
                    state.files.insert(
                        path,
                        DiskFile {
                            uri,
                            diagnostics,
                            result_id: id,
                        },
                    );
                }
                None => {
                    if state.files.remove(&path).is_some() {
                        changed.push(uri);
                    }
                }
            }
        }
        if !changed.is_empty() {
            host.workspace().changed.send_replace(id);
        }
    }
    report(host, changed).await;
}

/// A document was closed: its disk copy counts again.
pub async fn document_closed<H: Host>(host: &Arc<H>, uri: &Uri) {
    let event = FileEvent {
        uri: uri.clone(),
        typ: FileChangeType::CHANGED,
    };
    let known =
        file_path(uri).is_some_and(|path| lock(&host.workspace().state).files.contains_key(&path));
    files_changed(host, std::slice::from_ref(&event)).await;
    // Unchanged on disk since the scan: nothing above republished it.
    if known && !host.caps().pull && host.docs().get(uri).is_none() {
        let diagnostics = closed_file_diagnostics(&**host, uri);
        host.client()
            .publish_diagnostics(uri.clone(), diagnostics, None)
            .await;
    }
}

/// `textDocument/diagnostic`: an open document's diagnostics are published as it changes, so
/// the pull says nothing for it; a closed one gets its disk diagnostics.
pub fn document_diagnostic<H: Host>(host: &H, uri: &Uri) -> DocumentDiagnosticReportResult {
    let items = if host.docs().get(uri).is_some() {
        Vec::new()
    } else {
        diagnostics_of(host, uri).unwrap_or_default()
    };
    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
        RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: None,
                items,
            },
        },
    ))
}

/// `workspace/diagnostic`: every file that is not open, as the scan read it. Files the client
/// already has in their current state are `unchanged`; when nothing at all is new, the
/// request waits for the next change (the client asks again as soon as it is answered).
pub async fn workspace_diagnostic<H: Host>(
    host: &Arc<H>,
    params: WorkspaceDiagnosticParams,
) -> WorkspaceDiagnosticReportResult {
    let known: BTreeMap<String, String> = params
        .previous_result_ids
        .into_iter()
        .map(|p| (p.uri.as_str().to_string(), p.value))
        .collect();
    let mut changes = host.workspace().changed.subscribe();
    loop {
        let (settings, _) = scan_settings(&**host);
        let (done, report) = {
            let state = lock(&host.workspace().state);
            (state.done, report_for(&**host, &state, &known))
        };
        let new = report
            .items
            .iter()
            .any(|item| matches!(item, WorkspaceDocumentDiagnosticReport::Full(_)));
        if done && new || !settings.scan {
            return WorkspaceDiagnosticReportResult::Report(report);
        }
        let waited = unless_shut_down(&**host, changes.changed()).await;
        if !matches!(waited, Some(Ok(()))) {
            return WorkspaceDiagnosticReportResult::Report(report);
        }
    }
}

fn report_for<H: Host>(
    host: &H,
    state: &State,
    known: &BTreeMap<String, String>,
) -> WorkspaceDiagnosticReport {
    let mut items = Vec::new();
    let mut reported = std::collections::BTreeSet::new();
    for file in state.files.values() {
        if host.docs().get(&file.uri).is_some() {
            continue;
        }
        let key = file.uri.as_str().to_string();
        let result_id = file.result_id.to_string();
        let item = if known.get(&key) == Some(&result_id) {
            WorkspaceDocumentDiagnosticReport::Unchanged(
                WorkspaceUnchangedDocumentDiagnosticReport {
                    uri: file.uri.clone(),
                    version: None,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                        result_id,
                    },
                },
            )
        } else if file.diagnostics.is_empty() && !known.contains_key(&key) {
            continue; // clean, and the client never heard of it
        } else {
            WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                uri: file.uri.clone(),
                version: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(result_id),
                    items: file.diagnostics.clone(),
                },
            })
        };
        reported.insert(key);
        items.push(item);
    }
    // Files the client knows that the scan no longer has: empty now, once.
    for (key, value) in known {
        if reported.contains(key) || value == GONE {
            continue;
        }
        let Ok(uri) = key.parse::<Uri>() else {
            continue;
        };
        if host.docs().get(&uri).is_some() {
            continue;
        }
        items.push(WorkspaceDocumentDiagnosticReport::Full(
            WorkspaceFullDocumentDiagnosticReport {
                uri,
                version: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(GONE.to_string()),
                    items: Vec::new(),
                },
            },
        ));
    }
    WorkspaceDiagnosticReport { items }
}
