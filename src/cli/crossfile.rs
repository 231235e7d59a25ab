//! `mailport check` for values that live in another file (`analysis::crossfile`): a compose file
//! is analysed with the `.env` beside it and its `env_file:` entries (Laravel/Django settings with
//! the project's `.env`, a Spring profile file with its `application.yml`); a finding on a value
//! one of them holds is reported under that file's path, and `--fix` edits that file.
//!
//! This runs after every file of the run was checked on its own, so a neighbour that is also
//! checked is read as it is then (after its own fixes), and a finding both analyses place on the
//! same line is reported once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::fix;
use super::output::{CheckedFile, LineIndex, RelatedPlace, Report};
use crate::analysis::crossfile::{self, Neighbour};
use crate::analysis::fixes::{self, FIX_ALL_PASSES};
use crate::analysis::{Finding, Fix};
use crate::config::Config;
use crate::vocab::{Format, RuleCode, Span};

/// Neighbours larger than this are not read (a `.env` is a few kilobytes).
const MAX_NEIGHBOUR_BYTES: u64 = 1024 * 1024;

/// The files of a run: where each entry of the report is on disk.
pub struct RunFiles {
    real: HashMap<PathBuf, usize>,
    /// Report entries that may read values from other files.
    composes: Vec<(usize, PathBuf)>,
}

/// `folder/rel` as the report shows it: `config/../.env` is `.env`.
fn shown(folder: &Path, rel: &str) -> String {
    let mut out = PathBuf::new();
    for c in folder.join(rel).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

/// The last component of a path (what decides a Spring profile file).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The same file whatever way its path was written.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl RunFiles {
    pub fn new() -> RunFiles {
        RunFiles {
            real: HashMap::new(),
            composes: Vec::new(),
        }
    }

    /// Notes that report entry `index` is the file at `path`.
    pub fn checked(&mut self, index: usize, path: &Path, text: &str, format: Format) {
        self.real.insert(identity(path), index);
        if crossfile::may_read_neighbours(&file_name(path), text, format) {
            self.composes.push((index, path.to_path_buf()));
        }
    }
}

/// A neighbour of one compose file as this run sees it.
struct Read {
    rel: String,
    path: PathBuf,
    text: Option<String>,
    /// Its entry in the report, when it was checked too (or got a finding).
    entry: Option<usize>,
}

/// Analyses each compose file of the run with its neighbours: its own findings are replaced by
/// the cross-file ones, findings on a neighbour's values join the neighbour's entry (added to
/// the report when it was not checked itself). With `fix`, preferred fixes are applied to the
/// compose file and its neighbours alike and written atomically. Returns the fixes applied and
/// the files written; `note` hears about files that could not be written.
pub fn finish(
    report: &mut Report,
    files: &mut RunFiles,
    config: &Config,
    fix: bool,
    note: &mut dyn FnMut(String),
) -> (usize, usize) {
    let mut applied = 0;
    let mut written = 0;
    let composes = std::mem::take(&mut files.composes);
    for (index, path) in composes {
        let Some(file) = report.files.get(index) else {
            continue;
        };
        let format = file.format;
        let name = file_name(&path);
        let wanted = crossfile::wanted(&name, &file.text, format);
        if wanted.is_empty() {
            continue;
        }
        let folder = path.parent().unwrap_or_else(|| Path::new(""));
        let mut reads: Vec<Read> = wanted
            .into_iter()
            .map(|rel| {
                let path = folder.join(&rel);
                let entry = files.real.get(&identity(&path)).copied();
                // A clean file of the run kept no text (see `check_file`): read it from disk,
                // where it is as the run left it.
                let text = match entry.and_then(|i| report.files.get(i)) {
                    Some(checked) if !checked.text.is_empty() => Some(checked.text.clone()),
                    _ => crate::files::read_regular_text(&path, MAX_NEIGHBOUR_BYTES).ok(),
                };
                Read {
                    rel,
                    path,
                    text,
                    entry,
                }
            })
            .collect();
        let mut text = file.text.clone();
        if fix {
            let (fixed, count) = fix_together(&name, &mut text, format, &mut reads, config);
            applied += count;
            if fixed[0] {
                written += usize::from(write(&path, &text, note));
                if let Some(f) = report.files.get_mut(index) {
                    f.text.clone_from(&text);
                }
            }
            for (read, changed) in reads.iter().zip(&fixed[1..]) {
                let (true, Some(new_text)) = (*changed, &read.text) else {
                    continue;
                };
                written += usize::from(write(&read.path, new_text, note));
                if let Some(f) = read.entry.and_then(|i| report.files.get_mut(i)) {
                    f.text.clone_from(new_text);
                    f.findings = crate::analysis::analyze(new_text, f.format, config).findings;
                }
            }
        }
        let Some(cross) = analyze(&name, &text, format, &reads, config) else {
            continue;
        };
        let display_folder = report
            .files
            .get(index)
            .and_then(|f| Path::new(&f.path).parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let compose_shown = report.files.get(index).map(|f| f.path.clone());
        // A related place, in lines and columns of its file, under the path the report shows.
        let place = |file: Option<usize>, r: &crossfile::Related| -> Option<RelatedPlace> {
            let (path, text) = match file {
                None => (compose_shown.clone()?, text.as_str()),
                Some(i) => {
                    let read = reads.get(i)?;
                    let shown = match read.entry.and_then(|e| report.files.get(e)) {
                        Some(f) => f.path.clone(),
                        None => shown(&display_folder, &read.rel),
                    };
                    (shown, read.text.as_deref()?)
                }
            };
            let index = LineIndex::new(text);
            Some(RelatedPlace {
                path,
                start: index.position(r.span.start),
                end: index.position(r.span.end),
                message: r.message.clone(),
            })
        };
        let own_related: Vec<(Span, RuleCode, RelatedPlace)> = cross
            .findings
            .iter()
            .zip(&cross.related)
            .flat_map(|(f, related)| {
                related
                    .iter()
                    .filter_map(|r| Some((f.span.clone(), f.code, place(r.file, r)?)))
            })
            .collect();
        let placed_related: Vec<Vec<RelatedPlace>> = cross
            .placed
            .iter()
            .map(|p| p.related.iter().filter_map(|r| place(r.file, r)).collect())
            .collect();
        if let Some(f) = report.files.get_mut(index) {
            f.findings = cross.findings;
            f.related = own_related;
        }
        for (placed, related) in cross.placed.into_iter().zip(placed_related) {
            let Some(read) = reads.get_mut(placed.file) else {
                continue;
            };
            let entry = match read.entry {
                Some(entry) => entry,
                None => {
                    let entry = report.files.len();
                    report.files.push(CheckedFile {
                        path: shown(&display_folder, &read.rel),
                        text: read.text.clone().unwrap_or_default(),
                        format: Format::Env,
                        findings: Vec::new(),
                        related: Vec::new(),
                    });
                    files.real.insert(identity(&read.path), entry);
                    read.entry = Some(entry);
                    entry
                }
            };
            let Some(target) = report.files.get_mut(entry) else {
                continue;
            };
            if target.text.is_empty() {
                // its lines are shown with the finding
                target.text = read.text.clone().unwrap_or_default();
            }
            let f = placed.finding;
            let seen = target
                .findings
                .iter()
                .any(|old| old.span == f.span && old.code == f.code);
            if !seen {
                for r in related {
                    target.related.push((f.span.clone(), f.code, r));
                }
                target.findings.push(f);
            }
        }
    }
    (applied, written)
}

fn analyze(
    name: &str,
    text: &str,
    format: Format,
    reads: &[Read],
    config: &Config,
) -> Option<crossfile::CrossAnalysis> {
    let neighbours: Vec<Neighbour> = reads
        .iter()
        .map(|r| Neighbour {
            path: &r.rel,
            text: r.text.as_deref(),
        })
        .collect();
    // A bug that panics on one file must not stop the check of the others.
    std::panic::catch_unwind(|| crossfile::analyze(name, text, format, config, &neighbours))
        .ok()
        .flatten()
}

/// Fix-all over a compose file and its neighbours together: each pass applies the preferred
/// fixes of the findings in each file, then analyses again. Returns which files changed (the
/// compose file first) and how many fixes were applied.
fn fix_together(
    name: &str,
    text: &mut String,
    format: Format,
    reads: &mut [Read],
    config: &Config,
) -> (Vec<bool>, usize) {
    let mut changed = vec![false; reads.len() + 1];
    let mut applied = 0;
    for _ in 0..FIX_ALL_PASSES {
        let Some(cross) = analyze(name, text, format, reads, config) else {
            break;
        };
        let mut per_file: Vec<Vec<Finding>> = vec![Vec::new(); reads.len() + 1];
        per_file[0] = cross.findings;
        for p in cross.placed {
            if let Some(list) = per_file.get_mut(p.file + 1) {
                list.push(p.finding);
            }
        }
        let mut any = false;
        for (i, findings) in per_file.iter().enumerate() {
            let current = if i == 0 {
                Some(&mut *text)
            } else {
                reads[i - 1].text.as_mut()
            };
            let Some(current) = current else { continue };
            let (edits, count) = fixes::preferred_edits(findings, current.len());
            if count == 0 {
                continue;
            }
            let all = Fix {
                title: String::new(),
                preferred: true,
                edits,
            };
            if let Some(next) = all.apply(current) {
                if next != *current {
                    *current = next;
                    changed[i] = true;
                    applied += count;
                    any = true;
                }
            }
        }
        if !any {
            break;
        }
    }
    (changed, applied)
}

/// Writes a fixed file; false (with a note) when it could not.
fn write(path: &Path, text: &str, note: &mut dyn FnMut(String)) -> bool {
    match fix::write_atomically(path, text.as_bytes()) {
        Ok(()) => true,
        Err(e) => {
            note(format!("cannot write {}: {e}", path.display()));
            false
        }
    }
}
