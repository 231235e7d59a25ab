//! The `LanguageServer` implementation. Handlers that change documents do so before their first
//! `.await`; diagnostics are computed in spawned tasks that publish only the current version.
//!
//! Lock order: a document's mutex and the settings mutex are never held together.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::actions::{self, FIX_ALL_KIND};
use super::crossfile::{self, CrossFiles};
use super::documents::{file_path, DocEntry, Documents, Engine, Parts};
use super::lock;
use super::outline;
use super::position::Encoding;
use super::probe_command::{self, Probes, Request, COMMAND};
use super::settings::{CheckedSettings, Root, SettingsState};
use super::workspace::{self, Caps, Host, Workspace};
use crate::analysis;
use crate::analysis::guarded;
use crate::config::{self, Config};
use crate::probe::{Report, Target};

/// What the client said it can do, and what was agreed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Session {
    pub encoding: Encoding,
    pub supports_configuration: bool,
    pub supports_watch_registration: bool,
    pub supports_progress: bool,
    pub supports_code_lens_refresh: bool,
    pub supports_inlay_hint_refresh: bool,
    pub hover_markdown: bool,
    /// `textDocument/diagnostic`: the workspace scan's results are pulled.
    pub supports_pull_diagnostics: bool,
    pub supports_diagnostic_refresh: bool,
    pub related_information: bool,
}

/// State shared by the handlers and the tasks they spawn.
pub struct Inner {
    client: Client,
    docs: Documents,
    settings: Mutex<SettingsState>,
    session: Mutex<Session>,
    /// Messages for the user found before `initialized` (a broken `.mailport.toml`, bad options).
    startup_errors: Mutex<Vec<String>>,
    probes: Probes,
    /// Values that live in another file: what open documents place on other files.
    cross: CrossFiles,
    /// Turns true on `shutdown`: running probes end.
    shutdown: watch::Sender<bool>,
    /// The disk diagnostics of files that are not open (`workspace`).
    workspace: Workspace,
}

impl Host for Inner {
    fn client(&self) -> &Client {
        &self.client
    }
    fn docs(&self) -> &Documents {
        &self.docs
    }
    fn settings(&self) -> &Mutex<SettingsState> {
        &self.settings
    }
    fn workspace(&self) -> &Workspace {
        &self.workspace
    }
    fn placed_on(&self, path: &std::path::Path) -> Vec<Diagnostic> {
        self.cross.placed_on(path)
    }
    fn caps(&self) -> Caps {
        let session = self.session();
        Caps {
            encoding: session.encoding,
            progress: session.supports_progress,
            pull: session.supports_pull_diagnostics,
            refresh: session.supports_diagnostic_refresh,
        }
    }
    fn shutdown(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

pub struct Backend {
    inner: Arc<Inner>,
}

impl Backend {
    /// `stop` turns true when the session ends (`shutdown`, or `exit` without it).
    pub fn new(client: Client, stop: watch::Sender<bool>) -> Backend {
        Backend {
            inner: Arc::new(Inner {
                client,
                docs: Documents::default(),
                settings: Mutex::new(SettingsState::default()),
                session: Mutex::new(Session::default()),
                startup_errors: Mutex::new(Vec::new()),
                probes: Probes::default(),
                cross: CrossFiles::default(),
                shutdown: stop,
                workspace: Workspace::default(),
            }),
        }
    }

    /// `window/workDoneProgress/cancel`: the user pressed cancel on a probe's progress.
    pub async fn cancel_progress(&self, params: WorkDoneProgressCancelParams) {
        let token = match params.token {
            NumberOrString::String(s) => s,
            NumberOrString::Number(n) => n.to_string(),
        };
        self.inner.probes.cancel(&token);
    }
}

impl Inner {
    fn session(&self) -> Session {
        *lock(&self.session)
    }

    /// Runs a round trip to the client unless the server is shut down first: tower-lsp only
    /// returns from `serve` once every handler has finished, and after `exit` no response from
    /// the client is read any more.
    async fn unless_shut_down<F: std::future::Future>(&self, request: F) -> Option<F::Output> {
        let mut shutdown = self.shutdown.subscribe();
        tokio::select! {
            output = request => Some(output),
            _ = shutdown.wait_for(|down| *down) => None,
        }
    }

    fn encoding(&self) -> Encoding {
        self.session().encoding
    }

    fn probe_timeout(&self) -> Duration {
        lock(&self.settings).editor.probe_timeout()
    }

    fn config_for(&self, entry: &DocEntry) -> (Arc<Config>, u64) {
        let settings = lock(&self.settings);
        (settings.config_for(entry.path.as_deref()), settings.epoch)
    }

    /// Runs `f` on `entry`'s engine, caught up with every change so far, on a blocking thread: a
    /// slow analysis holds up that thread and this document, nothing else. `None` if `f`
    /// panicked.
    async fn on_engine<T, F>(&self, entry: Arc<DocEntry>, f: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine, &Config, u64, Encoding) -> T + Send + 'static,
    {
        self.on_engine_costed(entry, f).await.map(|(out, _)| out)
    }

    /// [`Inner::on_engine`], with the CPU time it took (catching up with the edits included).
    async fn on_engine_costed<T, F>(&self, entry: Arc<DocEntry>, f: F) -> Option<(T, Duration)>
    where
        T: Send + 'static,
        F: FnOnce(&mut Engine, &Config, u64, Encoding) -> T + Send + 'static,
    {
        let (config, epoch) = self.config_for(&entry);
        let encoding = self.encoding();
        tokio::task::spawn_blocking(move || {
            let started = CpuClock::start();
            let mut engine = entry.engine(encoding);
            let out = f(&mut engine, &config, epoch, encoding);
            (out, started.elapsed())
        })
        .await
        .ok()
    }

    /// Asks for `entry`'s diagnostics to be published (after the debounce, if any). One publisher
    /// per document runs at a time and publishes only the document's current version: a newer
    /// edit supersedes a stale analysis, and the edits that arrive while one analysis runs are
    /// taken together by the next.
    fn schedule_publish(self: &Arc<Self>, uri: Uri, entry: Arc<DocEntry>) {
        {
            let mut doc = entry.lock();
            doc.publish_wanted = true;
            if doc.publisher_running || doc.closed {
                return;
            }
            doc.publisher_running = true;
        }
        tokio::spawn(self.clone().publisher(uri, entry));
    }

    async fn publisher(self: Arc<Self>, uri: Uri, entry: Arc<DocEntry>) {
        loop {
            let analysis_cost = entry.lock().analysis_cost;
            let delay = lock(&self.settings).editor.debounce(analysis_cost);
            if !delay.is_zero() {
                // wait for the document to be quiet for `delay`
                loop {
                    let seen = entry.lock().version;
                    tokio::time::sleep(delay).await;
                    if entry.lock().version == seen {
                        break;
                    }
                }
            }
            {
                let mut doc = entry.lock();
                doc.publish_wanted = false;
                if doc.closed {
                    doc.publisher_running = false;
                    return;
                }
            }
            let (inner, at, path) = (self.clone(), uri.clone(), entry.path.clone());
            let related = self.session().related_information;
            let computed = self
                .on_engine_costed(entry.clone(), move |engine, config, epoch, encoding| {
                    let cross = &inner.cross;
                    let (own, changed) =
                        cross.analyse(&inner.docs, &at, engine, config, encoding, related);
                    let mut out = diagnostics(engine, config, epoch, encoding, own);
                    if let Some((_, list)) = &mut out {
                        cross.merge_into(path.as_deref(), list);
                    }
                    (out, changed)
                })
                .await;
            if let Some((_, cost)) = &computed {
                entry.lock().note_analysis(*cost);
            }
            let (computed, changed) = match computed {
                Some(((out, changed), cost)) => (Some((out, cost)), changed),
                None => (None, Vec::new()),
            };
            self.republish_files(changed).await;
            if let Some((Some((version, diagnostics)), _)) = computed {
                let _gate = entry.publish_gate.lock().await;
                let current = {
                    let doc = entry.lock();
                    !doc.closed && doc.version == version
                };
                if current {
                    self.client
                        .publish_diagnostics(uri.clone(), diagnostics, Some(version))
                        .await;
                }
            }
            let mut doc = entry.lock();
            if !doc.publish_wanted || doc.closed {
                doc.publisher_running = false;
                return;
            }
        }
    }

    /// Publishes the files given again: an open one through its publisher (which adds what
    /// other documents place on it), one not open with only that.
    async fn republish_files(self: &Arc<Self>, paths: Vec<PathBuf>) {
        for path in paths {
            let open = self
                .docs
                .all()
                .into_iter()
                .find(|(_, e)| e.path.as_deref() == Some(path.as_path()));
            match open {
                Some((uri, entry)) => self.schedule_publish(uri, entry),
                None => {
                    if let Some(uri) = Uri::from_file_path(&path) {
                        let _gate = self.cross.unopened_gate.lock().await;
                        // a pulling client has the scan's diagnostics from the pull
                        let diagnostics = if self.session().supports_pull_diagnostics {
                            self.cross.placed_on(&path)
                        } else {
                            workspace::closed_file_diagnostics(&**self, &uri)
                        };
                        self.client
                            .publish_diagnostics(uri, diagnostics, None)
                            .await;
                    }
                }
            }
        }
    }

    /// Analyses again the open documents that read values from the file at `path`.
    fn republish_readers(self: &Arc<Self>, path: &std::path::Path) {
        for uri in self.cross.readers_of(path) {
            if let Some(entry) = self.docs.get(&uri) {
                self.schedule_publish(uri, entry);
            }
        }
    }

    fn republish_all(self: &Arc<Self>) {
        for (uri, entry) in self.docs.all() {
            self.schedule_publish(uri, entry);
        }
    }

    /// The probe target under/nearest `position` of an open document.
    async fn target_at(&self, uri: &Uri, position: Position) -> Option<Target> {
        let entry = self.docs.get(uri)?;
        self.on_engine(entry, move |engine, config, epoch, encoding| {
            let offset = engine.lines().to_byte(position, encoding);
            let analysis = engine.analysis(config, epoch)?;
            probe_command::target_near(analysis, offset)
        })
        .await
        .flatten()
    }

    /// Shows a probe's findings on its endpoint (and republishes).
    async fn attach_probe_result(self: &Arc<Self>, uri: &Uri, target: &Target, report: &Report) {
        let Some(entry) = self.docs.get(uri) else {
            return;
        };
        let (target, report) = (target.clone(), report.clone());
        let attached = self
            .on_engine(entry.clone(), move |engine, config, epoch, _| {
                let analysis = engine.analysis(config, epoch)?;
                let mark = probe_command::mark_for(analysis, &target, &report)?;
                probe_command::add_mark(&mut engine.probe_marks, mark);
                Some(())
            })
            .await
            .flatten();
        if attached.is_some() {
            self.schedule_publish(uri.clone(), entry);
        }
    }

    /// Applies new editor settings; a bad value keeps the previous ones and tells the user.
    async fn apply_editor_settings(self: &Arc<Self>, value: &Value) {
        match CheckedSettings::from_value(value) {
            Ok(checked) => {
                {
                    let mut settings = lock(&self.settings);
                    if settings.editor.settings == checked.settings {
                        return; // the same settings again (pushed, then pulled): nothing to redo
                    }
                    settings.editor = checked;
                    settings.changed();
                }
                self.settings_changed().await;
            }
            Err(message) => {
                self.client.show_message(MessageType::ERROR, message).await;
            }
        }
    }

    async fn settings_changed(self: &Arc<Self>) {
        self.republish_all();
        workspace::scan(self);
        if self.session().supports_code_lens_refresh {
            let _ = self.unless_shut_down(self.client.code_lens_refresh()).await;
        }
        // The hints follow the configuration (and their own on/off setting).
        if self.session().supports_inlay_hint_refresh {
            let _ = self
                .unless_shut_down(self.client.inlay_hint_refresh())
                .await;
        }
    }

    /// Pulls the `mailport` section with `workspace/configuration`.
    async fn pull_settings(self: &Arc<Self>) {
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("mailport".to_string()),
        };
        let pulled = self
            .unless_shut_down(self.client.configuration(vec![item]))
            .await;
        if let Some(Ok(mut values)) = pulled {
            if let Some(value) = values.pop() {
                if !value.is_null() {
                    self.apply_editor_settings(&value).await;
                }
            }
        }
    }

    /// Re-reads the `.mailport.toml` of every root whose file changed.
    async fn reload_config_files(self: &Arc<Self>, changed: &[PathBuf]) {
        let mut errors = Vec::new();
        let mut any = false;
        {
            let mut settings = lock(&self.settings);
            for root in settings.roots.iter_mut() {
                if !changed
                    .iter()
                    .any(|p| p.parent() == Some(root.path.as_path()))
                {
                    continue;
                }
                match config::read_file(&root.path.join(config::FILE_NAME)) {
                    Ok(file) => {
                        root.file = file;
                        any = true;
                    }
                    Err(e) => errors.push(format!("{e} (keeping the previous settings)")),
                }
            }
            if any {
                settings.changed();
            }
        }
        for message in errors {
            self.client.show_message(MessageType::ERROR, message).await;
        }
        if any {
            self.settings_changed().await;
        }
    }
}

/// The CPU time of the calling thread where the platform tells it, else real time. The adaptive
/// debounce asks what an analysis costs: on a busy machine its real time is mostly waiting for a
/// core, which debouncing would not give back.
struct CpuClock(std::result::Result<Duration, std::time::Instant>);

impl CpuClock {
    fn start() -> CpuClock {
        CpuClock(thread_cpu_time().ok_or_else(std::time::Instant::now))
    }

    fn elapsed(&self) -> Duration {
        match self.0 {
            Ok(started) => {
                thread_cpu_time().map_or(Duration::ZERO, |now| now.saturating_sub(started))
            }
            Err(started) => started.elapsed(),
        }
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_time() -> Option<Duration> {
    use std::os::raw::{c_int, c_long};
    #[repr(C)]
    struct Timespec {
        tv_sec: c_long,
        tv_nsec: c_long,
    }
    extern "C" {
        fn clock_gettime(clock: c_int, time: *mut Timespec) -> c_int;
    }
    const CLOCK_THREAD_CPUTIME_ID: c_int = 3;
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec (two longs on 64-bit Linux) to a valid pointer.
    let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    let secs = u64::try_from(time.tv_sec).ok()?;
    let nanos = u32::try_from(time.tv_nsec).ok()?;
    (status == 0).then(|| Duration::new(secs, nanos))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// `MAILPORT_LSP_TIMING=1`: per-edit timings on stderr (for docs/performance.md).
fn timing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MAILPORT_LSP_TIMING").is_some_and(|v| v == "1"))
}

/// The diagnostics of the engine's version: (version, diagnostics), `None` for a document that
/// is not open any more.
fn diagnostics(
    engine: &mut Engine,
    config: &Config,
    epoch: u64,
    encoding: Encoding,
    own: Option<Vec<Diagnostic>>,
) -> Option<(i32, Vec<Diagnostic>)> {
    let version = engine.version?;
    let started = timing().then(std::time::Instant::now);
    let Some(parts) = engine.parts(config, epoch) else {
        return Some((version, Vec::new()));
    };
    let (lines, analysis, probe_marks) = (parts.lines, parts.analysis, parts.probe_marks);
    let analysed = timing().then(std::time::Instant::now);
    // `own`: the findings read together with other files (`crossfile`).
    let mut out: Vec<Diagnostic> = own.unwrap_or_else(|| {
        analysis
            .findings
            .iter()
            .map(|f| actions::diagnostic(&lines, encoding, version, f))
            .collect()
    });
    if !probe_marks.is_empty() {
        out.extend(probe_command::diagnostics(
            probe_marks,
            analysis,
            &lines,
            encoding,
        ));
    }
    if let (Some(started), Some(analysed)) = (started, analysed) {
        eprintln!(
            "mailport lsp timing: v{version} caught up and analysed in {:?} ({} findings), to LSP {:?}",
            analysed - started,
            out.len(),
            analysed.elapsed()
        );
    }
    Some((version, out))
}

fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| file_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty() {
        if let Some(path) = params.root_uri.as_ref().and_then(file_path) {
            roots.push(path);
        }
    }
    roots
}

fn session_of(capabilities: &ClientCapabilities) -> Session {
    let workspace = capabilities.workspace.as_ref();
    Session {
        encoding: Encoding::negotiate(capabilities),
        supports_configuration: workspace.and_then(|w| w.configuration) == Some(true),
        supports_watch_registration: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            == Some(true),
        supports_progress: capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            == Some(true),
        supports_code_lens_refresh: workspace
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            == Some(true),
        supports_inlay_hint_refresh: workspace
            .and_then(|w| w.inlay_hint.as_ref())
            .and_then(|c| c.refresh_support)
            == Some(true),
        hover_markdown: capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .is_none_or(|formats| formats.contains(&MarkupKind::Markdown)),
        // Pulled only by a client that can be told to pull again (VS Code): one that pulls
        // documents but not the workspace (Neovim 0.12) would never show an unopened file.
        supports_pull_diagnostics: capabilities
            .text_document
            .as_ref()
            .is_some_and(|t| t.diagnostic.is_some())
            && workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                == Some(true),
        supports_diagnostic_refresh: workspace
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            == Some(true),
        related_information: capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.publish_diagnostics.as_ref())
            .and_then(|p| p.related_information)
            == Some(true),
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let session = session_of(&params.capabilities);
        *lock(&self.inner.session) = session;

        let mut errors = Vec::new();
        let editor = match params.initialization_options.as_ref() {
            None => CheckedSettings::default(),
            Some(value) => CheckedSettings::from_value(value).unwrap_or_else(|message| {
                errors.push(message);
                CheckedSettings::default()
            }),
        };
        let roots = workspace_roots(&params)
            .into_iter()
            .map(|path| {
                let file = config::read_file(&path.join(config::FILE_NAME)).unwrap_or_else(|e| {
                    errors.push(e.to_string());
                    None
                });
                Root { path, file }
            })
            .collect();
        {
            let mut settings = lock(&self.inner.settings);
            settings.editor = editor;
            settings.roots = roots;
            settings.changed();
        }
        lock(&self.inner.startup_errors).extend(errors);

        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "mailport".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(session.encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::from(FIX_ALL_KIND),
                        ]),
                        resolve_provider: Some(false),
                        ..CodeActionOptions::default()
                    },
                )),
                inlay_hint_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions::default()),
                document_symbol_provider: Some(OneOf::Left(true)),
                // Pulled diagnostics carry the workspace scan (open documents are published).
                diagnostic_provider: session.supports_pull_diagnostics.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("mailport".to_string()),
                        inter_file_dependencies: false,
                        workspace_diagnostics: true,
                        ..DiagnosticOptions::default()
                    })
                }),
                definition_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![COMMAND.to_string()],
                    ..ExecuteCommandOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let errors = std::mem::take(&mut *lock(&self.inner.startup_errors));
        for message in errors {
            self.inner
                .client
                .show_message(MessageType::ERROR, message)
                .await;
        }
        let session = self.inner.session();
        if session.supports_watch_registration {
            let mut watchers = vec![
                FileSystemWatcher {
                    glob_pattern: GlobPattern::String(format!("**/{}", config::FILE_NAME)),
                    kind: None,
                },
                workspace::watcher(),
            ];
            watchers.extend(crossfile::watchers());
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "mailport-config-watcher".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            let client = &self.inner.client;
            let _ = self
                .inner
                .unless_shut_down(client.register_capability(vec![registration]))
                .await;
        }
        if session.supports_configuration {
            self.inner.pull_settings().await;
        }
        workspace::scan(&self.inner);
    }

    async fn shutdown(&self) -> Result<()> {
        self.inner.shutdown.send_replace(true);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let started = timing().then(std::time::Instant::now);
        // the text is read (parsed) by the publisher, on a blocking thread
        let entry = DocEntry::open(&item.uri, item.language_id, item.version, item.text);
        if let Some(started) = started {
            eprintln!(
                "mailport lsp timing: v{} opened in {:?}",
                item.version,
                started.elapsed()
            );
        }
        let entry = self.inner.docs.insert(item.uri.clone(), entry);
        // Documents reading values from it now read the editor's text (and its version).
        if let Some(path) = &entry.path {
            self.inner.republish_readers(path);
        }
        self.inner.schedule_publish(item.uri, entry);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let Some(entry) = self.inner.docs.get(&uri) else {
            return; // a change for a document that is not open: nothing to apply it to
        };
        let started = timing().then(std::time::Instant::now);
        let catch_up = {
            let mut doc = entry.lock();
            doc.apply_changes(version, params.content_changes);
            doc.wants_catch_up()
        };
        if catch_up {
            // a client that never pauses: take the queue now rather than let it grow
            let (entry, encoding) = (entry.clone(), self.inner.encoding());
            tokio::task::spawn_blocking(move || drop(entry.engine(encoding)));
        }
        if let Some(started) = started {
            eprintln!(
                "mailport lsp timing: v{version} edit applied to the text in {:?}",
                started.elapsed()
            );
        }
        if let Some(path) = &entry.path {
            self.inner.republish_readers(path);
        }
        self.inner.schedule_publish(uri, entry);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(entry) = self.inner.docs.remove(&uri) else {
            return;
        };
        let placed = entry
            .path
            .as_deref()
            .map(|p| self.inner.cross.placed_on(p))
            .unwrap_or_default();
        {
            let _gate = entry.publish_gate.lock().await;
            self.inner
                .client
                .publish_diagnostics(uri.clone(), placed, None)
                .await;
        }
        let changed = self.inner.cross.forget(&uri);
        self.inner.republish_files(changed).await;
        // Documents reading values from it read the file on disk again.
        if let Some(path) = &entry.path {
            self.inner.republish_readers(path);
        }
        // The scan's disk diagnostics of the file come back (with what others place on it).
        workspace::document_closed(&self.inner, &uri).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if CheckedSettings::has_section(&params.settings) {
            self.inner.apply_editor_settings(&params.settings).await;
        } else if self.inner.session().supports_configuration {
            self.inner.pull_settings().await;
        } else if params.settings.as_object().is_some_and(|m| !m.is_empty()) {
            self.inner.apply_editor_settings(&params.settings).await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        for path in params.changes.iter().filter_map(|c| file_path(&c.uri)) {
            self.inner.republish_readers(&path);
        }
        let changed: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|c| file_path(&c.uri))
            .filter(|p| p.file_name().is_some_and(|n| n == config::FILE_NAME))
            .collect();
        if !changed.is_empty() {
            self.inner.reload_config_files(&changed).await;
        }
        workspace::files_changed(&self.inner, &params.changes).await;
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        Ok(workspace::document_diagnostic(
            &*self.inner,
            &params.text_document.uri,
        ))
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        Ok(workspace::workspace_diagnostic(&self.inner, params).await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let uri = at.text_document.uri;
        let Some(entry) = self.inner.docs.get(&uri) else {
            return Ok(None);
        };
        let offset = self
            .inner
            .on_engine(entry, move |engine, _, _, encoding| {
                engine.lines().to_byte(at.position, encoding)
            })
            .await;
        let found = offset.and_then(|offset| self.inner.cross.definition(&uri, offset));
        Ok(found.map(GotoDefinitionResponse::Scalar))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        let Some(entry) = self.inner.docs.get(&at.text_document.uri) else {
            return Ok(None);
        };
        let markdown = self.inner.session().hover_markdown;
        let found = self
            .inner
            .on_engine(entry, move |engine, config, epoch, encoding| {
                let offset = engine.lines().to_byte(at.position, encoding);
                let Parts {
                    lines,
                    source,
                    analysis,
                    ..
                } = engine.parts(config, epoch)?;
                let found = guarded(|| {
                    analysis::hover::hover(
                        source.text(),
                        source.format(),
                        source.parsed(),
                        analysis,
                        offset,
                    )
                })
                .flatten()?;
                Some(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: if markdown {
                            MarkupKind::Markdown
                        } else {
                            MarkupKind::PlainText
                        },
                        value: found.markdown,
                    }),
                    range: Some(lines.to_range(&found.span, encoding)),
                })
            })
            .await
            .flatten();
        Ok(found)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(entry) = self.inner.docs.get(&uri) else {
            return Ok(None);
        };
        let context = params.context;
        let actions = self
            .inner
            .on_engine(entry, move |engine, config, epoch, encoding| {
                let only = context.only.as_deref();
                let mut actions = Vec::new();
                if actions::wanted(only, CodeActionKind::QUICKFIX.as_str()) {
                    if let Some(version) = engine.version {
                        actions.extend(actions::quick_fixes(
                            &uri,
                            &engine.lines(),
                            encoding,
                            version,
                            engine.format(),
                            &context.diagnostics,
                        ));
                    }
                }
                if actions::wanted(only, FIX_ALL_KIND) {
                    if let Some(Parts { lines, source, .. }) = engine.parts(config, epoch) {
                        let format = source.format();
                        // Each pass is a fresh analysis, the one `check --fix` makes.
                        let analyze = |text: &str| {
                            crate::analysis::document::check(format, text, config)
                                .unwrap_or_default()
                        };
                        actions.extend(actions::fix_all(&uri, &lines, encoding, &analyze));
                    }
                }
                actions
            })
            .await
            .unwrap_or_default();
        Ok(Some(actions))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        if !lock(&self.inner.settings).editor.settings.code_lens {
            return Ok(None);
        }
        let uri = params.text_document.uri;
        let Some(entry) = self.inner.docs.get(&uri) else {
            return Ok(None);
        };
        let lenses = self
            .inner
            .on_engine(entry, move |engine, config, epoch, encoding| {
                let parts = engine.parts(config, epoch)?;
                Some(probe_command::code_lenses(
                    &uri,
                    parts.analysis,
                    &parts.lines,
                    encoding,
                ))
            })
            .await
            .flatten();
        Ok(lenses)
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        if !lock(&self.inner.settings).editor.settings.inlay_hints {
            return Ok(None);
        }
        let Some(entry) = self.inner.docs.get(&params.text_document.uri) else {
            return Ok(None);
        };
        let range = params.range;
        let hints = self
            .inner
            .on_engine(entry, move |engine, config, epoch, encoding| {
                let parts = engine.parts(config, epoch)?;
                Some(outline::inlay_hints(
                    parts.analysis,
                    &parts.lines,
                    encoding,
                    range,
                ))
            })
            .await
            .flatten();
        Ok(hints)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        let Some(entry) = self.inner.docs.get(&at.text_document.uri) else {
            return Ok(None);
        };
        let items = self
            .inner
            .on_engine(entry, move |engine, config, epoch, encoding| {
                let Parts {
                    lines,
                    source,
                    analysis,
                    kept,
                    ..
                } = engine.parts(config, epoch)?;
                let offset = lines.to_byte(at.position, encoding);
                let completions = analysis::complete::complete(
                    source.text(),
                    source.format(),
                    config,
                    source.parsed(),
                    analysis,
                    kept,
                    offset,
                );
                Some(outline::completion_items(completions, &lines, encoding))
            })
            .await
            .flatten();
        Ok(items
            .filter(|items| !items.is_empty())
            .map(CompletionResponse::Array))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(entry) = self.inner.docs.get(&params.text_document.uri) else {
            return Ok(None);
        };
        let symbols = self
            .inner
            .on_engine(entry, move |engine, config, epoch, encoding| {
                let parts = engine.parts(config, epoch)?;
                Some(outline::document_symbols(
                    parts.analysis,
                    &parts.lines,
                    encoding,
                ))
            })
            .await
            .flatten();
        Ok(symbols.map(DocumentSymbolResponse::Nested))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != COMMAND {
            return Err(jsonrpc::Error::invalid_params(format!(
                "unknown command '{}'",
                params.command
            )));
        }
        let inner = &self.inner;
        let (target, document) = match probe_command::request(params.arguments)? {
            Request::Explicit(target) => (target, None),
            Request::AtPosition { uri, position } => {
                let target = inner.target_at(&uri, position).await.ok_or_else(|| {
                    jsonrpc::Error::invalid_params(
                        "no endpoint with a host, a port and a protocol in this document",
                    )
                })?;
                (target, Some(uri))
            }
        };
        let session = probe_command::Session {
            client: inner.client.clone(),
            progress: inner.session().supports_progress,
            timeout: inner.probe_timeout(),
            shutdown: inner.shutdown.subscribe(),
        };
        let report = probe_command::run(&inner.probes, session, target.clone()).await?;
        if let Some(uri) = document {
            inner.attach_probe_result(&uri, &target, &report).await;
        }
        Ok(serde_json::to_value(&report).ok())
    }
}
