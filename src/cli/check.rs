//! `mailport check`: the same diagnostics and fixes for terminals and CI (contract: `docs/output.md`).
//!
//! Exit status: 0 nothing at or above `--fail-on`; 1 something is; 2 the command could not do its
//! job (bad arguments, a named path missing or unreadable, an invalid `.mailport.toml`).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use super::crossfile::{self, RunFiles};
use super::fix;
use super::output::{self, CheckedFile, Report};
use crate::analysis::document;
use crate::analysis::{self, Finding};
use crate::config::{self, Config};
use crate::files::walk::{self, one_line, Candidate};
use crate::files::Encoding;
use crate::vocab::{Format, Severity};

/// Files larger than this are not configuration files; they are skipped with a note.
const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `path:line:col: severity[CODE] message` with the source line and the preferred fix.
    Human,
    /// One JSON document (docs/output.md, docs/output.schema.json).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Hint => Some(Severity::Hint),
            FailOn::Never => None,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or folders (default: the current folder).
    #[arg(conflicts_with = "stdin")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Apply each problem's preferred fix in place, then report what remains.
    #[arg(long)]
    pub fix: bool,

    /// Read one document from standard input (with --fix, print the fixed text).
    #[arg(long)]
    pub stdin: bool,

    /// The file name of the standard-input document (decides its format and the path shown).
    #[arg(long, value_name = "NAME", requires = "stdin")]
    pub stdin_filename: Option<String>,

    /// The configuration file (default: the nearest .mailport.toml from the current folder up).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
}

/// Why the command could not do its job (exit 2).
#[derive(Debug, thiserror::Error)]
enum CheckError {
    #[error("{0}")]
    Walk(#[from] walk::WalkError),
    #[error("{0}")]
    Config(#[from] config::FileError),
    #[error("cannot read {0}: not found")]
    ConfigMissing(String),
    #[error("cannot read standard input: {0}")]
    Stdin(String),
    #[error("cannot find the current folder: {0}")]
    CurrentDir(String),
}

pub fn run(args: CheckArgs) -> ExitCode {
    match run_checked(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mailport: {}", one_line(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

fn note(message: &str) {
    eprintln!("mailport: {}", one_line(message));
}

fn run_checked(args: &CheckArgs) -> Result<ExitCode, CheckError> {
    let config = load_config(args.config.as_deref())?;
    let mut trouble = false;
    let report = if args.stdin {
        check_stdin(args, &config, &mut trouble)?
    } else {
        check_paths(args, &config, &mut trouble)?
    };
    let rendered = match args.format {
        OutputFormat::Human => {
            // Colours only on a terminal, and not when the user or the terminal says no.
            let colour = std::env::var_os("NO_COLOR").is_none()
                && std::env::var("TERM").map_or(true, |term| term != "dumb")
                && if args.stdin && args.fix {
                    std::io::stderr().is_terminal()
                } else {
                    std::io::stdout().is_terminal()
                };
            output::human::render(&report, colour)
        }
        OutputFormat::Json => output::json::render(&report),
        OutputFormat::Sarif => output::sarif::render(&report),
    };
    // With --stdin --fix, stdout carries the fixed document; the report goes to stderr.
    if args.stdin && args.fix {
        let _ = std::io::stderr().write_all(rendered.as_bytes());
    } else {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not a failure of the check.
        let _ = stdout.write_all(rendered.as_bytes());
        let _ = stdout.flush();
    }
    Ok(exit_code(&report, args.fail_on, trouble))
}

fn exit_code(report: &Report, fail_on: FailOn, trouble: bool) -> ExitCode {
    if trouble {
        return ExitCode::from(2);
    }
    match (fail_on.threshold(), report.worst()) {
        (Some(threshold), Some(worst)) if worst >= threshold => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

/// `--config FILE`, else the nearest `.mailport.toml` from the current folder up, else defaults.
fn load_config(explicit: Option<&Path>) -> Result<Config, CheckError> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => {
            let cwd = std::env::current_dir().map_err(|e| CheckError::CurrentDir(e.to_string()))?;
            cwd.ancestors()
                .map(|dir| dir.join(config::FILE_NAME))
                .find(|candidate| candidate.is_file())
        }
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    // A file named with `--config` must be there; one found by the walk up just was.
    config::read_file(&path)?.ok_or_else(|| CheckError::ConfigMissing(path.display().to_string()))
}

/// The analysis, through the same document type the language server keeps (a bug that panics
/// on one file must not stop the check of the others, and is reported).
fn analyze(text: &str, format: Format, config: &Config) -> Result<Vec<Finding>, String> {
    document::check(format, text, config)
}

/// What `--fix` hands the fix loop: findings, or none when the analysis failed.
fn findings_or_none(text: &str, format: Format, config: &Config) -> Vec<Finding> {
    analyze(text, format, config).unwrap_or_default()
}

fn check_paths(
    args: &CheckArgs,
    config: &Config,
    trouble: &mut bool,
) -> Result<Report, CheckError> {
    let candidates = walk::candidates(&args.paths, &mut |warning| note(&warning))?;
    // Every core checks files; the outcomes come back in path order.
    let outcomes = walk::map_parallel(&candidates, |candidate| {
        check_file(candidate, args.fix, config)
    });
    let mut report = Report::default();
    let mut fixes_applied = 0;
    let mut files_fixed = 0;
    let mut run_files = RunFiles::new();
    for (candidate, outcome) in candidates.iter().zip(outcomes) {
        for message in &outcome.notes {
            note(message);
        }
        *trouble |= outcome.trouble;
        fixes_applied += outcome.fixes_applied;
        files_fixed += usize::from(outcome.fixes_applied > 0);
        if let Some(checked) = outcome.checked {
            run_files.checked(
                report.files.len(),
                &candidate.path,
                &checked.text,
                checked.format,
            );
            report.files.push(checked);
        }
    }
    // Values that live in another file: compose files with their `.env` and `env_file:`s.
    let mut unwritten = false;
    let (applied, written) =
        crossfile::finish(&mut report, &mut run_files, config, args.fix, &mut |m| {
            note(&m);
            unwritten = true;
        });
    fixes_applied += applied;
    files_fixed += written;
    *trouble |= unwritten;
    if args.fix {
        note(&format!(
            "applied {fixes_applied} fix{} in {files_fixed} file{}",
            if fixes_applied == 1 { "" } else { "es" },
            if files_fixed == 1 { "" } else { "s" }
        ));
    }
    Ok(report)
}

/// What checking one file gave: its place in the report, the notes for stderr, and what `--fix`
/// did to it.
#[derive(Default)]
struct FileOutcome {
    checked: Option<CheckedFile>,
    notes: Vec<String>,
    /// Exit status 2: a named file could not be read, a fix could not be written, a bug.
    trouble: bool,
    /// Fixes written to the file.
    fixes_applied: usize,
}

fn check_file(candidate: &Candidate, fix: bool, config: &Config) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    let Some((text, format, encoding)) = read_candidate(candidate, &mut outcome) else {
        return outcome;
    };
    // A file that cannot hold mail settings is checked without being parsed (`prefilter`): it has
    // no findings, and so no fixes.
    if !analysis::prefilter::could_hold_mail(format, &text) {
        outcome.checked = Some(CheckedFile {
            path: candidate.display.clone(),
            text: String::new(),
            format,
            findings: Vec::new(),
            related: Vec::new(),
        });
        return outcome;
    }
    let text = if fix {
        let fixed = fix::fix_text(&text, format, config, &findings_or_none);
        if fixed.applied > 0 && fixed.text != text {
            match fix::write_atomically(&candidate.path, &encoding.encode(&fixed.text)) {
                Ok(()) => {
                    outcome.fixes_applied = fixed.applied;
                    fixed.text
                }
                Err(e) => {
                    outcome
                        .notes
                        .push(format!("cannot write {}: {e}", candidate.display));
                    outcome.trouble = true;
                    text
                }
            }
        } else {
            text
        }
    } else {
        text
    };
    let findings = match analyze(&text, format, config) {
        Ok(findings) => findings,
        Err(reason) => {
            outcome.notes.push(format!(
                "internal error while checking {}: {reason}",
                candidate.display
            ));
            outcome.trouble = true;
            return outcome;
        }
    };
    // The text is kept only to show the lines of findings, and for a file that may read values
    // from another (`crossfile`): a tree of clean files stays small.
    let name = candidate
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let keep =
        !findings.is_empty() || analysis::crossfile::may_read_neighbours(&name, &text, format);
    let text = if keep { text } else { String::new() };
    outcome.checked = Some(CheckedFile {
        path: candidate.display.clone(),
        text,
        format,
        findings,
        related: Vec::new(),
    });
    outcome
}

/// Reads a candidate and decides its format, and how its bytes were read
/// ([`decode`]). `None` when it is skipped: not a format mailport reads (silently when the walk
/// found it), or unreadable (with a note; a file named on the command line that cannot be read
/// makes the exit status 2).
fn read_candidate(
    candidate: &Candidate,
    outcome: &mut FileOutcome,
) -> Option<(String, Format, Encoding)> {
    let shown = &candidate.display;
    // Does the name alone say this is a mail config? Such a file deserves a note when it cannot
    // be read; any other file the walk meets (images, binaries) is skipped without a word.
    let named_config =
        candidate.explicit || analysis::syntax::detect_format(shown, None, "").is_some();
    let mut skip = |reason: String| {
        if named_config {
            outcome.notes.push(format!("skipped {shown}: {reason}"));
            if candidate.explicit {
                outcome.trouble = true;
            }
        }
        None
    };
    // a FIFO, a device or a symlink to one is not read (it could block or never end)
    let read = if candidate.explicit {
        crate::files::read_regular(&candidate.path, MAX_FILE_BYTES)
    } else {
        crate::files::read_listed_regular(&candidate.path, MAX_FILE_BYTES)
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(e) => return skip(e.to_string()),
    };
    let (text, encoding) = match decode(shown, bytes) {
        Ok(decoded) => decoded,
        Err(reason) => return skip(reason),
    };
    match analysis::syntax::detect_format(shown, None, &text) {
        Some(format) => Some((text, format, encoding)),
        None => {
            if candidate.explicit {
                outcome
                    .notes
                    .push(format!("skipped {shown}: not a format mailport reads"));
            }
            None
        }
    }
}

/// A file's text: UTF-8, or byte for byte (ISO-8859-1, the encoding Java reads `.properties`
/// in) for one that is not ([`crate::files::decode_text`]); a fix writes it back so.
fn decode(name: &str, bytes: Vec<u8>) -> Result<(String, Encoding), String> {
    let properties = analysis::syntax::detect_format(name, None, "") == Some(Format::Properties);
    crate::files::decode_text(bytes, properties)
}

/// `--stdin`: one document. An empty report when its format is unknown (with a note).
fn check_stdin(
    args: &CheckArgs,
    config: &Config,
    trouble: &mut bool,
) -> Result<Report, CheckError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CheckError::Stdin(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CheckError::Stdin(format!(
            "larger than {} MB",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let name = args.stdin_filename.clone().unwrap_or_default();
    let (text, encoding) = decode(&name, bytes).map_err(CheckError::Stdin)?;
    let shown = if name.is_empty() {
        "<stdin>".to_string()
    } else {
        name.clone()
    };
    let Some(format) = analysis::syntax::detect_format(&name, None, &text) else {
        note(&format!("skipped {shown}: not a format mailport reads"));
        if args.fix {
            // The caller expects the document back on stdout.
            let _ = std::io::stdout().write_all(&encoding.encode(&text));
        }
        return Ok(Report::default());
    };
    let text = if args.fix {
        let fixed = fix::fix_text(&text, format, config, &findings_or_none);
        let _ = std::io::stdout().write_all(&encoding.encode(&fixed.text));
        let _ = std::io::stdout().flush();
        fixed.text
    } else {
        text
    };
    let findings = match analyze(&text, format, config) {
        Ok(findings) => findings,
        Err(reason) => {
            note(&format!("internal error while checking {shown}: {reason}"));
            *trouble = true;
            Vec::new()
        }
    };
    Ok(Report {
        files: vec![CheckedFile {
            path: shown,
            text,
            format,
            findings,
            related: Vec::new(),
        }],
    })
}
