//! Values that live in another file, in the editor (`analysis::crossfile`): a compose document
//! is analysed with the `.env` beside it and its `env_file:` entries (Laravel/Django settings with
//! the project's `.env`, a Spring profile file with its `application.yml`), read from the editor
//! when they are open there and from disk otherwise.
//!
//! - The compose document's diagnostics are its own findings, with the lines of other files they
//!   depend on as `relatedInformation` (when the client supports it).
//! - A finding on a value another file holds is kept here, by that file's path, and shown with
//!   that file's diagnostics: merged into them when it is open, published on its own when not.
//! - An edit to such a file (open, or changed on disk: `workspace/didChangeWatchedFiles`)
//!   analyses the compose documents that read it again.
//! - Go to definition on `${SMTP_PORT}` opens the `.env` line.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, FileSystemWatcher, GlobPattern, Location, Uri,
};

use super::actions;
use super::documents::{file_path, Documents, Engine};
use super::lock;
use super::position::{Encoding, Lines};
use crate::analysis::crossfile::{self, CrossAnalysis, Neighbour, Related};
use crate::analysis::guarded;
use crate::config::Config;

/// Neighbours larger than this are not read.
const MAX_NEIGHBOUR_BYTES: u64 = 1024 * 1024;

/// What the open documents say about other files.
#[derive(Default)]
pub struct CrossFiles {
    state: std::sync::Mutex<State>,
    /// Held while the diagnostics of a file that is not open are read and published, so that
    /// the last publish for it is of the newest state.
    pub unopened_gate: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    /// Diagnostics a document places on another file: file → document → diagnostics.
    placed: HashMap<PathBuf, HashMap<Uri, Vec<Diagnostic>>>,
    /// The files each document reads values from.
    reads: HashMap<Uri, Vec<PathBuf>>,
    /// Each document's references with a definition elsewhere: (span in the document, target).
    definitions: HashMap<Uri, Vec<(crate::vocab::Span, Location)>>,
}

/// One neighbour as the editor sees it now.
struct Read {
    rel: String,
    path: PathBuf,
    text: Option<String>,
    /// The open document's version the text is of.
    version: Option<i32>,
}

/// `folder/rel` without `.` and `..` segments (URIs are compared by their text).
fn joined(folder: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in folder.join(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The open document at `path`, if any.
fn open_at(
    docs: &Documents,
    path: &Path,
) -> Option<(Uri, std::sync::Arc<super::documents::DocEntry>)> {
    docs.all()
        .into_iter()
        .find(|(_, entry)| entry.path.as_deref() == Some(path))
}

/// The URI to publish `path`'s diagnostics under: the open document's, else one made from it.
fn uri_of(docs: &Documents, path: &Path) -> Option<Uri> {
    open_at(docs, path)
        .map(|(uri, _)| uri)
        .or_else(|| Uri::from_file_path(path))
}

impl CrossFiles {
    /// Analyses `uri` (held by `engine`) with its neighbours when it reads any. Returns its own
    /// diagnostics in place of the usual ones (`None`: keep the usual ones) and the files whose
    /// diagnostics from this document changed (to be published again).
    pub fn analyse(
        &self,
        docs: &Documents,
        uri: &Uri,
        engine: &mut Engine,
        config: &Config,
        encoding: Encoding,
        related_support: bool,
    ) -> (Option<Vec<Diagnostic>>, Vec<PathBuf>) {
        let (cross, reads) = self
            .read_with_neighbours(docs, uri, engine, config, encoding)
            .unwrap_or_default();
        // A document that reads other files is analysed again when they change, also when they
        // say nothing yet (a `${SMTP_PORT}` the `.env` does not set).
        let reads_now: Vec<PathBuf> = reads.iter().map(|r| r.path.clone()).collect();
        let mut placed_now: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        let mut definitions = Vec::new();
        let mut own = None;
        if let (Some(cross), Some(version)) = (cross, engine.version) {
            let own_lines = engine.lines();
            let lines: Vec<Option<Lines>> = reads
                .iter()
                .map(|r| r.text.as_deref().map(|text| Lines::new(text, None)))
                .collect();
            let uris: Vec<Option<Uri>> = reads.iter().map(|r| uri_of(docs, &r.path)).collect();
            let location = |file: Option<usize>, span: &crate::vocab::Span| -> Option<Location> {
                match file {
                    None => Some(Location {
                        uri: uri.clone(),
                        range: own_lines.to_range(span, encoding),
                    }),
                    Some(i) => Some(Location {
                        uri: uris.get(i)?.clone()?,
                        range: lines.get(i)?.as_ref()?.to_range(span, encoding),
                    }),
                }
            };
            let related_info = |related: &[Related]| -> Option<Vec<DiagnosticRelatedInformation>> {
                if !related_support || related.is_empty() {
                    return None;
                }
                Some(
                    related
                        .iter()
                        .filter_map(|r| {
                            Some(DiagnosticRelatedInformation {
                                location: location(r.file, &r.span)?,
                                message: r.message.clone(),
                            })
                        })
                        .collect(),
                )
            };
            let CrossAnalysis {
                findings,
                related,
                placed,
                references,
            } = cross;
            own = Some(
                findings
                    .iter()
                    .zip(&related)
                    .map(|(f, related)| {
                        let mut d = actions::diagnostic(&own_lines, encoding, version, f);
                        d.related_information = related_info(related);
                        d
                    })
                    .collect(),
            );
            for p in &placed {
                let (Some(read), Some(Some(lines))) = (reads.get(p.file), lines.get(p.file)) else {
                    continue;
                };
                let mut d =
                    actions::diagnostic(lines, encoding, read.version.unwrap_or(0), &p.finding);
                d.related_information = related_info(&p.related);
                placed_now.entry(read.path.clone()).or_default().push(d);
            }
            for r in &references {
                let (Some(Some(target_uri)), Some(Some(lines))) =
                    (uris.get(r.file), lines.get(r.file))
                else {
                    continue;
                };
                // The whole line, from the variable's name.
                let range = lines.to_range(&r.target, encoding);
                definitions.push((
                    r.span.clone(),
                    Location {
                        uri: target_uri.clone(),
                        range,
                    },
                ));
            }
        }
        let mut state = lock(&self.state);
        let mut changed = Vec::new();
        let before: Vec<PathBuf> = state
            .placed
            .iter()
            .filter(|(_, by)| by.contains_key(uri))
            .map(|(path, _)| path.clone())
            .collect();
        for path in before {
            let Some(by) = state.placed.get_mut(&path) else {
                continue;
            };
            let old = by.remove(uri);
            let new = placed_now.remove(&path);
            if old != new {
                changed.push(path.clone());
            }
            if let Some(new) = new {
                by.insert(uri.clone(), new);
            }
        }
        for (path, new) in placed_now {
            changed.push(path.clone());
            state
                .placed
                .entry(path)
                .or_default()
                .insert(uri.clone(), new);
        }
        state.placed.retain(|_, by| !by.is_empty());
        if reads_now.is_empty() {
            state.reads.remove(uri);
            state.definitions.remove(uri);
        } else {
            state.reads.insert(uri.clone(), reads_now);
            state.definitions.insert(uri.clone(), definitions);
        }
        (own, changed)
    }

    /// The compose document's cross-file analysis (`None`: nothing read changes it) and what it
    /// read, when it is a document that reads other files.
    fn read_with_neighbours(
        &self,
        docs: &Documents,
        uri: &Uri,
        engine: &mut Engine,
        config: &Config,
        encoding: Encoding,
    ) -> Option<(Option<CrossAnalysis>, Vec<Read>)> {
        let own_path = file_path(uri)?;
        let folder = own_path.parent()?.to_path_buf();
        let name = own_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = engine.document.source()?;
        let (text, format) = (source.text(), source.format());
        if !crossfile::may_read_neighbours(&name, text, format) {
            return None;
        }
        let compose = guarded(|| crossfile::Document::read(&name, text, format))??;
        let reads: Vec<Read> = compose
            .wanted()
            .into_iter()
            .map(|rel| {
                let path = joined(&folder, &rel);
                // Another open document's engine is only tried (see `DocEntry::try_text`); while
                // it stays busy, the file on disk is read. This one's is held here.
                let open = if path == own_path {
                    engine.version.map(|version| (text.to_string(), version))
                } else {
                    open_at(docs, &path).and_then(|(_, entry)| entry.try_text(encoding))
                };
                let (text, version) = match open {
                    Some((text, version)) => (Some(text), Some(version)),
                    None => (
                        crate::files::read_regular_text(&path, MAX_NEIGHBOUR_BYTES).ok(),
                        None,
                    ),
                };
                Read {
                    rel,
                    path,
                    text,
                    version,
                }
            })
            .collect();
        let neighbours: Vec<Neighbour> = reads
            .iter()
            .map(|r| Neighbour {
                path: &r.rel,
                text: r.text.as_deref(),
            })
            .collect();
        let cross = guarded(|| compose.analyze(config, &neighbours)).flatten();
        Some((cross, reads))
    }

    /// Adds the diagnostics other documents place on the file at `path` to `own` (a finding
    /// both place on one line is shown once).
    pub fn merge_into(&self, path: Option<&Path>, own: &mut Vec<Diagnostic>) {
        let Some(path) = path else { return };
        let state = lock(&self.state);
        let Some(by) = state.placed.get(path) else {
            return;
        };
        let mut sources: Vec<&Uri> = by.keys().collect();
        sources.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        for source in sources {
            for d in &by[source] {
                let seen = own
                    .iter()
                    .any(|o| o.range == d.range && o.code == d.code && o.source == d.source);
                if !seen {
                    own.push(d.clone());
                }
            }
        }
    }

    /// The diagnostics other documents place on the file at `path` (for a file not open).
    pub fn placed_on(&self, path: &Path) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        self.merge_into(Some(path), &mut out);
        out
    }

    /// The documents that read values from the file at `path`.
    pub fn readers_of(&self, path: &Path) -> Vec<Uri> {
        let state = lock(&self.state);
        let mut out: Vec<Uri> = state
            .reads
            .iter()
            .filter(|(_, paths)| paths.iter().any(|p| p == path))
            .map(|(uri, _)| uri.clone())
            .collect();
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out
    }

    /// Forgets what a closed document placed on other files; returns those files.
    pub fn forget(&self, uri: &Uri) -> Vec<PathBuf> {
        let mut state = lock(&self.state);
        state.reads.remove(uri);
        state.definitions.remove(uri);
        let mut changed = Vec::new();
        for (path, by) in state.placed.iter_mut() {
            if by.remove(uri).is_some() {
                changed.push(path.clone());
            }
        }
        state.placed.retain(|_, by| !by.is_empty());
        changed
    }

    /// Where the reference at byte `offset` of `uri` is defined.
    pub fn definition(&self, uri: &Uri, offset: usize) -> Option<Location> {
        let state = lock(&self.state);
        state
            .definitions
            .get(uri)?
            .iter()
            .find(|(span, _)| span.start <= offset && offset <= span.end)
            .map(|(_, location)| location.clone())
    }
}

/// The files whose changes on disk matter here (besides `.mailport.toml`): env files and the
/// Spring files profile files are read over.
pub fn watchers() -> Vec<FileSystemWatcher> {
    [
        "**/.env",
        "**/*.env",
        "**/.env.*",
        "**/application.{yml,yaml,properties}",
    ]
    .into_iter()
    .map(|glob| FileSystemWatcher {
        glob_pattern: GlobPattern::String(glob.to_string()),
        kind: None,
    })
    .collect()
}
