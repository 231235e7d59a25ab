//! Which files `mailport check` reads: the files named on the command line, and the files found in
//! the folders named there, walked like ripgrep does (`.gitignore`, `.ignore`), without `.git` and
//! hidden folders (except `.github`), but with the hidden files that are mail configs.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

/// A file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// The path as the user gave it (or as the walk joined it under a folder they gave).
    pub display: String,
    /// Named on the command line: always read, and trouble reading it is the user's business.
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

/// Hidden folders that are walked anyway (GitHub workflows send mail too).
fn is_walked_hidden_folder(name: &str) -> bool {
    name == ".github"
}

/// The candidates for `paths` (the current folder when empty), in path order, each file once.
/// Problems met inside a walk (an unreadable sub-folder) are reported through `warn`.
pub fn candidates(
    paths: &[PathBuf],
    warn: &mut dyn FnMut(String),
) -> Result<Vec<Candidate>, WalkError> {
    let implicit = paths.is_empty();
    let roots: Vec<PathBuf> = if implicit {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut out = Vec::new();
    for root in &roots {
        let shown = root.display().to_string();
        let metadata = std::fs::metadata(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => WalkError::NotFound(shown.clone()),
            _ => WalkError::Unreadable(shown.clone(), e.to_string()),
        })?;
        if metadata.is_dir() {
            walk_folder(root, implicit, &mut out, warn);
        } else {
            out.push(Candidate {
                path: root.clone(),
                display: shown,
                explicit: true,
            });
        }
    }
    // The same file reached twice (named and inside a named folder) is checked once; the first
    // spelling wins.
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())));
    out.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(out)
}

fn walk_folder(
    root: &Path,
    implicit: bool,
    out: &mut Vec<Candidate>,
    warn: &mut dyn FnMut(String),
) {
    let walker = WalkBuilder::new(root)
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
        })
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                warn(one_line(&e.to_string()));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.into_path();
        let mut display = path.display().to_string();
        if implicit {
            if let Some(rest) = display.strip_prefix("./") {
                display = rest.to_string();
            }
        }
        out.push(Candidate {
            path,
            display,
            explicit: false,
        });
    }
}

/// Error texts from the OS and from parsers can span lines; stderr gets one line per problem.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(!is_walked_hidden_folder(".git"));
        assert!(!is_walked_hidden_folder(".cache"));
    }
}
