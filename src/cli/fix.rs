//! `--fix`: apply each diagnostic's preferred fix, a few passes at most, and write files atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::analysis::{self, Edit, Finding, Format};
use crate::config::Config;

/// Passes over one document: a fix held back because it overlapped another gets its turn in the
/// next pass, after a fresh analysis.
const MAX_PASSES: usize = 4;

/// The text after fixing, and how many fixes were applied.
pub struct Fixed {
    pub text: String,
    pub applied: usize,
}

/// Applies preferred fixes to `text` until none is left (or `MAX_PASSES`). `analyze` is the same
/// analysis the check runs, so every pass sees the findings of the text as it is now.
pub fn fix_text(
    text: &str,
    format: Format,
    config: &Config,
    analyze: &dyn Fn(&str, Format, &Config) -> Vec<Finding>,
) -> Fixed {
    let mut current = text.to_string();
    let mut applied = 0;
    for _ in 0..MAX_PASSES {
        let findings = analyze(&current, format, config);
        let (edits, count) = non_overlapping_edits(&findings, current.len());
        if count == 0 {
            break;
        }
        let combined = analysis::Fix {
            title: String::new(),
            preferred: true,
            edits,
        };
        match combined.apply(&current) {
            Some(next) if next != current => {
                current = next;
                applied += count;
            }
            // Nothing changed (a fix that rewrites a value to itself) or the edits did not fit:
            // another pass would do the same.
            _ => break,
        }
    }
    Fixed {
        text: current,
        applied,
    }
}

/// The edits of the preferred fixes, in the order of the findings, leaving out every fix that
/// touches an edit already taken (touching counts: two insertions at one place would otherwise
/// land in an order nobody chose).
fn non_overlapping_edits(findings: &[Finding], text_len: usize) -> (Vec<Edit>, usize) {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| (f.span.start, f.span.end, f.code));
    let mut taken: Vec<Edit> = Vec::new();
    let mut count = 0;
    for finding in ordered {
        let Some(fix) = finding.fixes.iter().find(|f| f.preferred) else {
            continue;
        };
        if fix.edits.is_empty() {
            continue;
        }
        let fits = fix.edits.iter().all(|e| {
            e.span.start <= e.span.end
                && e.span.end <= text_len
                && !taken.iter().any(|t| touches(&t.span, &e.span))
        }) && !fix.edits.iter().enumerate().any(|(i, a)| {
            fix.edits
                .iter()
                .skip(i + 1)
                .any(|b| touches(&a.span, &b.span))
        });
        if fits {
            taken.extend(fix.edits.iter().cloned());
            count += 1;
        }
    }
    (taken, count)
}

fn touches(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Replaces the file at `path` with `text` so that a crash leaves either the old or the new file:
/// a temporary file in the same folder, written and synced, keeps the old permissions, then is
/// renamed over the original. A symbolic link is followed, so the link stays a link.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let folder = target.parent().unwrap_or_else(|| Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    let permissions = std::fs::metadata(&target)?.permissions();
    let (temp_path, mut temp) = create_temp(folder, &name)?;
    let written = (|| {
        temp.write_all(text.as_bytes())?;
        temp.set_permissions(permissions)?;
        temp.sync_all()?;
        drop(temp);
        std::fs::rename(&temp_path, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp_path);
        return Err(e);
    }
    // Make the rename itself durable (best effort: not every platform can open a folder).
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn create_temp(folder: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let pid = std::process::id();
    let mut last_error = None;
    for attempt in 0..100u32 {
        let candidate = folder.join(format!(".{name}.mailport-{pid}-{attempt}.tmp"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no free temporary file name")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Fix, RuleCode, Severity};

    fn finding(
        span: std::ops::Range<usize>,
        edits: Vec<(std::ops::Range<usize>, &str)>,
    ) -> Finding {
        Finding {
            code: RuleCode::Mp003,
            severity: Severity::Error,
            message: String::new(),
            span,
            endpoint: None,
            fixes: vec![Fix {
                title: "fix".into(),
                preferred: true,
                edits: edits
                    .into_iter()
                    .map(|(span, t)| Edit {
                        span,
                        new_text: t.into(),
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass() {
        let findings = vec![
            finding(0..3, vec![(0..3, "465")]),
            finding(2..5, vec![(2..5, "x")]),
            finding(10..12, vec![(10..12, "ok")]),
        ];
        let (edits, count) = non_overlapping_edits(&findings, 20);
        assert_eq!(count, 2);
        assert_eq!(edits.len(), 2);
        assert_eq!(edits[1].span, 10..12);
    }

    #[test]
    fn fixes_with_edits_out_of_range_are_skipped() {
        let findings = vec![finding(0..3, vec![(0..3, "a"), (30..31, "b")])];
        let (_, count) = non_overlapping_edits(&findings, 20);
        assert_eq!(count, 0);
    }

    #[test]
    fn atomic_write_keeps_permissions_and_leaves_no_temp_file() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("mailport-fix-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(".env");
        std::fs::write(&file, "MAIL_PORT=587\n")?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640))?;
        }
        write_atomically(&file, "MAIL_PORT=465\n")?;
        assert_eq!(std::fs::read_to_string(&file)?, "MAIL_PORT=465\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&file)?.permissions().mode() & 0o777,
                0o640
            );
        }
        let left: Vec<_> = std::fs::read_dir(&dir)?.collect();
        assert_eq!(left.len(), 1, "only the file itself remains");
        std::fs::remove_dir_all(&dir)
    }
}
