//! `--fix`: apply each diagnostic's preferred fix (analysis's fix-all, the same as the editor's
//! `source.fixAll.mailport`), and write files atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::analysis::fixes::{self, FixedAll};
use crate::analysis::Finding;
use crate::config::Config;
use crate::vocab::Format;

/// Applies preferred fixes to `text` ([`fixes::fix_all`]). `analyze` is the same analysis the
/// check runs, so every pass sees the findings of the text as it is now.
pub fn fix_text(
    text: &str,
    format: Format,
    config: &Config,
    analyze: &dyn Fn(&str, Format, &Config) -> Vec<Finding>,
) -> FixedAll {
    fixes::fix_all(text, &|current| analyze(current, format, config))
}

/// Replaces the file at `path` with `text` so that a crash leaves either the old or the new file:
/// a temporary file in the same folder, written and synced, keeps the old permissions, then is
/// renamed over the original. A symbolic link is followed, so the link stays a link.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let folder = target.parent().unwrap_or_else(|| Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    let permissions = std::fs::metadata(&target)?.permissions();
    let (temp_path, mut temp) = create_temp(folder, &name)?;
    let written = (|| {
        temp.write_all(bytes)?;
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
        write_atomically(&file, b"MAIL_PORT=465\n")?;
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
