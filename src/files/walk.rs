//! Which files `mailport check` and the server's workspace scan read: the files named on the
//! command line, and the files found in the folders named there, walked like ripgrep does
//! (`.gitignore`, `.ignore`), without `.git` and hidden folders (except `.github`), but with the
//! hidden files that are mail configs. Folders are walked on every core; the result is sorted by
//! path, so it does not depend on which thread found what.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

/// A file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// The path as the user gave it (or as the walk joined it under a folder they gave).
    pub display: String,
    /// Named on the command line: always read, and trouble reading it is the user's business.
    /// Otherwise the walk listed it as a regular file (symbolic links are not followed).
    pub explicit: bool,
}

/// Why the walk could not start.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{0}: no such file or folder")]
    NotFound(String),
    #[error("{0}: {1}")]
    Unreadable(String, String),
}

/// Hidden files that are read although their names start with a dot.
const HIDDEN_MAIL_CONFIGS: &[&str] = &[
    ".msmtprc",
    ".mbsyncrc",
    ".muttrc",
    ".neomuttrc",
    ".fetchmailrc",
    ".offlineimaprc",
    ".isyncrc",
    ".nailrc",
    ".esmtprc",
    ".pinerc",
    // Emacs init files (the packages under `.emacs.d/elpa` are not the user's settings).
    ".emacs",
    ".gnus",
    ".gnus.el",
];

fn is_hidden_mail_config(name: &str) -> bool {
    // `.mailrc`, and a `.mailrc.sh` that writes one.
    name.starts_with(".env") || name.starts_with(".mailrc") || HIDDEN_MAIL_CONFIGS.contains(&name)
}

/// Installed dependencies (nodemailer's own sources, PHPMailer in `vendor/` …) are not the
/// project's configuration, even where no `.gitignore` says so.
fn is_dependency_folder(name: &str) -> bool {
    matches!(
        name,
        "node_modules" | "vendor" | "site-packages" | "bower_components" | "__pycache__"
    )
}

/// Hidden folders that are walked anyway: GitHub workflows send mail too, and Claws Mail and
/// getmail keep their accounts in folders of their own.
fn is_walked_hidden_folder(name: &str) -> bool {
    matches!(name, ".github" | ".claws-mail" | ".getmail")
}

/// How far a walk may go.
#[derive(Clone, Copy, Debug)]
pub struct WalkLimits<'a> {
    /// At most this many files; the walk stops (and says so) when it has found them.
    pub max_files: usize,
    /// Set from elsewhere to stop the walk early (a newer walk superseded this one).
    pub stop: Option<&'a AtomicBool>,
}

impl WalkLimits<'_> {
    /// No limit: `mailport check` reads whatever the user points it at.
    pub const NONE: WalkLimits<'static> = WalkLimits {
        max_files: usize::MAX,
        stop: None,
    };
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// In path order, each file once.
    pub candidates: Vec<Candidate>,
    /// Problems met inside the walk (an unreadable sub-folder), one line each, sorted.
    pub warnings: Vec<String>,
    /// The walk stopped at [`WalkLimits::max_files`] or was stopped.
    pub truncated: bool,
}

/// The candidates for `paths` (the current folder when empty), in path order, each file once.
/// Problems met inside a walk (an unreadable sub-folder) are reported through `warn`.
pub fn candidates(
    paths: &[PathBuf],
    warn: &mut dyn FnMut(String),
) -> Result<Vec<Candidate>, WalkError> {
    let walked = walk(paths, WalkLimits::NONE)?;
    for warning in walked.warnings {
        warn(warning);
    }
    Ok(walked.candidates)
}

/// Walks `paths` (the current folder when empty) within `limits`.
pub fn walk(paths: &[PathBuf], limits: WalkLimits) -> Result<Walked, WalkError> {
    let implicit = paths.is_empty();
    let roots: Vec<PathBuf> = if implicit {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let found = Found {
        candidates: Mutex::new(Vec::new()),
        warnings: Mutex::new(Vec::new()),
        count: AtomicUsize::new(0),
        truncated: AtomicBool::new(false),
    };
    for root in &roots {
        let shown = root.display().to_string();
        let metadata = std::fs::metadata(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => WalkError::NotFound(shown.clone()),
            _ => WalkError::Unreadable(shown.clone(), e.to_string()),
        })?;
        if metadata.is_dir() {
            walk_folder(root, implicit, &limits, &found);
        } else {
            found.push(
                Candidate {
                    path: root.clone(),
                    display: shown,
                    explicit: true,
                },
                &limits,
            );
        }
    }
    let mut candidates = found
        .candidates
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let mut warnings = found
        .warnings
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    // The same file reached twice (named and inside a named folder) is checked once; the first
    // spelling wins. One folder's walk meets each file once: only several roots can repeat one.
    if roots.len() > 1 {
        let mut seen = std::collections::HashSet::new();
        candidates.retain(|c| {
            seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone()))
        });
    }
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    warnings.sort();
    Ok(Walked {
        candidates,
        warnings,
        truncated: found.truncated.into_inner(),
    })
}

/// What the walk's threads collect.
struct Found {
    candidates: Mutex<Vec<Candidate>>,
    warnings: Mutex<Vec<String>>,
    count: AtomicUsize,
    truncated: AtomicBool,
}

impl Found {
    /// Keeps a candidate; `false` when the walk must stop.
    fn push(&self, candidate: Candidate, limits: &WalkLimits) -> bool {
        if limits.stop.is_some_and(|stop| stop.load(Ordering::Relaxed)) {
            self.truncated.store(true, Ordering::Relaxed);
            return false;
        }
        if self.count.fetch_add(1, Ordering::Relaxed) >= limits.max_files {
            self.truncated.store(true, Ordering::Relaxed);
            return false;
        }
        if let Ok(mut list) = self.candidates.lock() {
            list.push(candidate);
        }
        true
    }

    fn warn(&self, warning: String) {
        if let Ok(mut list) = self.warnings.lock() {
            list.push(warning);
        }
    }
}

fn walk_folder(root: &Path, implicit: bool, limits: &WalkLimits, found: &Found) {
    walk_folder_to(root, implicit, limits, found, None);
}

/// The walk's rules: `.gitignore` (also outside git repositories), no dependency folders, no
/// hidden folders but `.github`, no hidden files but mail configs.
fn builder(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        // Hidden entries are filtered below: some hidden files are mail configs.
        .hidden(false)
        // Honour .gitignore in folders that are not (yet) git repositories too: a linter should
        // not report files the project ignores.
        .require_git(false)
        .filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && is_dependency_folder(&name) {
                return false;
            }
            if !name.starts_with('.') {
                return true;
            }
            if is_dir {
                is_walked_hidden_folder(&name)
            } else {
                is_hidden_mail_config(&name)
            }
        });
    builder
}

fn walk_folder_to(
    root: &Path,
    implicit: bool,
    limits: &WalkLimits,
    found: &Found,
    max_depth: Option<usize>,
) {
    let walker = builder(root).max_depth(max_depth).build_parallel();
    walker.run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    found.warn(one_line(&e.to_string()));
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.into_path();
            let mut display = path.display().to_string();
            if implicit {
                if let Some(rest) = display.strip_prefix("./") {
                    display = rest.to_string();
                }
            }
            let candidate = Candidate {
                path,
                display,
                explicit: false,
            };
            if found.push(candidate, limits) {
                WalkState::Continue
            } else {
                WalkState::Quit
            }
        })
    });
}

/// Would a walk of `root` read the file at `path`? (A file that changed on disk: the walk's
/// folder rules on each folder between, then `.gitignore` and the hidden-file rule, by a walk of
/// the file's own folder.)
pub fn admits(root: &Path, path: &Path) -> bool {
    admitted(root, std::slice::from_ref(&path.to_path_buf()))
        .first()
        .copied()
        .unwrap_or(false)
}

/// [`admits`] for each of `paths`, each folder listed once (a checkout changes many files of a
/// folder at once). Each folder from `root` down must list the next one (an ignored folder's
/// files are ignored), and the file's folder must list the file.
pub fn admitted(root: &Path, paths: &[PathBuf]) -> Vec<bool> {
    let mut listings: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    let mut listed = |folder: &Path, entry: &Path| {
        listings
            .entry(folder.to_path_buf())
            .or_insert_with(|| entries_in(folder))
            .contains(entry)
    };
    paths
        .iter()
        .map(|path| {
            if !path.starts_with(root) || path == root {
                return false;
            }
            // root, root/a, root/a/b, …, the file
            let mut steps: Vec<&Path> = path
                .ancestors()
                .take_while(|a| a.starts_with(root))
                .collect();
            steps.reverse();
            steps.windows(2).all(|pair| listed(pair[0], pair[1]))
        })
        .collect()
}

/// What a walk of `folder` meets in it: its files and the folders it walks into.
fn entries_in(folder: &Path) -> HashSet<PathBuf> {
    let mut out = HashSet::new();
    if !folder.is_dir() {
        return out;
    }
    for entry in builder(folder).max_depth(Some(1)).build().flatten() {
        // Symbolic links are not followed by the walk, so not listed here either.
        let kind = entry.file_type();
        if entry.depth() == 1 && kind.is_some_and(|t| t.is_file() || t.is_dir()) {
            out.insert(entry.into_path());
        }
    }
    out
}

/// `f` of each item, computed on every core, in the items' order.
pub fn map_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Error texts from the OS and from parsers can span lines; stderr gets one line per problem.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_admitted_as_the_walk_would_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["app", "build", "node_modules/x", ".cache"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let files = [
            ("app/.env", true),
            ("app/config.yml", true),
            ("app/.bashrc", false),
            ("build/.env", false),
            ("node_modules/x/.env", false),
            (".cache/.env", false),
            ("app/missing.yml", false),
        ];
        for (file, _) in &files[..6] {
            std::fs::write(root.join(file), "x").unwrap();
        }
        let paths: Vec<PathBuf> = files.iter().map(|(f, _)| root.join(f)).collect();
        let expected: Vec<bool> = files.iter().map(|(_, a)| *a).collect();
        assert_eq!(admitted(root, &paths), expected);
        assert!(admits(root, &root.join("app/.env")));
        assert!(!admits(Path::new("/elsewhere"), &root.join("app/.env")));
    }

    #[test]
    fn dependency_folders_are_not_walked() {
        assert!(is_dependency_folder("node_modules"));
        assert!(is_dependency_folder("vendor"));
        assert!(!is_dependency_folder("config"));
    }

    #[test]
    fn hidden_mail_configs_are_recognised() {
        assert!(is_hidden_mail_config(".env"));
        assert!(is_hidden_mail_config(".env.production"));
        assert!(is_hidden_mail_config(".msmtprc"));
        assert!(is_hidden_mail_config(".offlineimaprc"));
        assert!(!is_hidden_mail_config(".bashrc"));
        assert!(!is_hidden_mail_config(".gitignore"));
        assert!(is_walked_hidden_folder(".github"));
        assert!(is_walked_hidden_folder(".claws-mail"));
        assert!(is_hidden_mail_config(".pinerc"));
        assert!(!is_walked_hidden_folder(".git"));
        assert!(!is_walked_hidden_folder(".cache"));
    }
}
