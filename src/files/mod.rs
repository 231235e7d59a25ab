//! Reading files a repository supplies (`.mailport.toml`, files to check, a CA file). Whatever
//! sits at the path — a symlink to `/dev/zero`, a FIFO nobody writes, a device, a huge file —
//! reading it must end, quickly, with a bounded amount of memory.

pub mod walk;

use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not found")]
    NotFound,
    #[error("not a regular file")]
    NotRegular,
    #[error("larger than {} MB", .0 / 1024 / 1024)]
    TooLarge(u64),
    #[error("{0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e),
        }
    }
}

/// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.
///
/// The type is checked before opening (opening a FIFO for reading blocks until a writer comes)
/// and again on the opened file (the path may have been swapped in between); the read stops at
/// `limit + 1` bytes whatever the file claims its size to be.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(ReadError::NotRegular);
    }
    if before.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// [`read_regular`] for a file that a walk of its folder just listed as a regular file (not a
/// symbolic link): the type was checked from the folder listing, so only the opened file is checked
/// again, and the buffer is sized once from its length.
pub fn read_listed_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    // The length is at most `limit` here; one byte more lets the read see the end.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0) + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_regular(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({})", e.utf8_error()),
        ))
    })
}

/// How a file's text was read from its bytes, so that a fix writes it back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// ISO-8859-1: each byte is the character of that number. Java reads `.properties` files so
    /// (`Properties.load(InputStream)`, Spring Boot's `OriginTrackedPropertiesLoader`), whatever
    /// the editor wrote.
    Latin1,
}

/// A file's text: UTF-8; else its bytes one character each (ISO-8859-1), where `latin1_fallback`
/// says so (a `.properties` file: Java reads it so) or the bytes are text in some other encoding
/// (no NUL byte: a GBK or Windows-1252 settings file). Mail settings are ASCII, so they read the
/// same, and a fix writes every other byte back as it was. The error says why the bytes are not
/// text.
pub fn decode_text(bytes: Vec<u8>, latin1_fallback: bool) -> Result<(String, Encoding), String> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, Encoding::Utf8)),
        Err(e) if latin1_fallback || !e.as_bytes().contains(&0) => Ok((
            e.as_bytes().iter().map(|&b| char::from(b)).collect(),
            Encoding::Latin1,
        )),
        Err(e) => Err(format!("not UTF-8 text ({})", e.utf8_error())),
    }
}

impl Encoding {
    /// The bytes of `text` in this encoding. In ISO-8859-1 a character above U+00FF (which a fix
    /// never writes, but a text may hold) becomes a `\uXXXX` escape, as in a `.properties` file.
    pub fn encode(self, text: &str) -> Vec<u8> {
        if self == Encoding::Utf8 {
            return text.as_bytes().to_vec();
        }
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            match u8::try_from(u32::from(c)) {
                Ok(b) => out.push(b),
                Err(_) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.extend_from_slice(format!("\\u{unit:04X}").as_bytes());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_and_others_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        std::fs::write(&file, "x = 1\n").unwrap();
        assert_eq!(read_regular_text(&file, 100).unwrap(), "x = 1\n");
        assert!(matches!(
            read_regular(&file, 3),
            Err(ReadError::TooLarge(3))
        ));
        assert!(matches!(
            read_regular(&dir.path().join("missing"), 100),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_regular(dir.path(), 100),
            Err(ReadError::NotRegular)
        ));
        assert_eq!(read_listed_regular(&file, 100).unwrap(), b"x = 1\n");
        assert!(matches!(
            read_listed_regular(&file, 3),
            Err(ReadError::TooLarge(3))
        ));
        assert!(matches!(
            read_listed_regular(dir.path(), 100),
            Err(ReadError::NotRegular)
        ));
        #[cfg(unix)]
        {
            let zero = dir.path().join("zero");
            std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
            assert!(matches!(
                read_regular(&zero, 100),
                Err(ReadError::NotRegular)
            ));
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                assert!(matches!(
                    read_regular(&fifo, 100),
                    Err(ReadError::NotRegular)
                ));
            }
        }
    }

    #[test]
    fn latin1_round_trips_and_escapes_what_it_cannot_hold() {
        let bytes = b"# Gr\xfc\xdfe\nspring.mail.port=465\n";
        let (text, encoding) = decode_text(bytes.to_vec(), true).unwrap();
        assert_eq!(
            (text.as_str(), encoding),
            ("# Grüße\nspring.mail.port=465\n", Encoding::Latin1)
        );
        assert_eq!(encoding.encode(&text), bytes);
        assert_eq!(Encoding::Latin1.encode("a=€😀"), b"a=\\u20AC\\uD83D\\uDE00");
        assert_eq!(Encoding::Utf8.encode("a=€"), "a=€".as_bytes());
        // Text in another encoding reads byte for byte too; bytes with NUL are no text.
        let gbk = b"# \xc5\xe4\xd6\xc3\nMAIL_PORT = 25\n";
        let (text, encoding) = decode_text(gbk.to_vec(), false).unwrap();
        assert_eq!(encoding.encode(&text), gbk);
        let binary = b"\x89PNG\r\n\x1a\n\x00\x00\xff";
        assert!(decode_text(binary.to_vec(), false).is_err_and(|e| e.starts_with("not UTF-8 text")));
    }
}
