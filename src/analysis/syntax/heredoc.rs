//! A mail client's file written by a shell script (`cat > /etc/msmtprc <<EOF … EOF` in a
//! container's entrypoint): the heredoc bodies are the file, the rest of the script is shell.
//! The format's own reader reads the bodies in place, with the rest blanked, so that every
//! offset stays the script's. In a body the shell expands (an unquoted terminator word), a
//! reference with a literal default (`port ${SMTP_PORT:-25}`) reads as its default, as
//! `rules.md` asks: the reference's own characters are blanked around it, so the value's span is
//! the default's and a fix edits the default in the script.

use std::ops::Range;

use super::shell_ref;

/// The text a format's reader sees when `text` is a shell script that writes the format's file:
/// the bodies of the heredocs whose opening line names the file (a `names` entry), or, in a
/// script (`#!`) whose heredocs name no such file (`generate-msmtp.conf.sh` prints it), every
/// heredoc body. Everything else is blanked (line breaks kept). `None`: `text` holds no such
/// heredoc and is read as it is.
pub fn script_bodies<'n>(
    text: &str,
    names: impl Iterator<Item = &'n str> + Clone,
) -> Option<String> {
    let heredocs = heredocs(text);
    let naming = |opening: &Range<usize>| {
        let line = text.get(opening.clone()).unwrap_or("").to_ascii_lowercase();
        names
            .clone()
            .any(|name| !name.is_empty() && line.contains(name))
    };
    let named: Vec<&Heredoc> = heredocs.iter().filter(|h| naming(&h.opening)).collect();
    let kept: Vec<&Heredoc> = if !named.is_empty() {
        named
    } else if text.starts_with("#!") && !heredocs.is_empty() {
        heredocs.iter().collect()
    } else {
        return None;
    };
    let mut out = text.as_bytes().to_vec();
    let mut next = kept.iter().peekable();
    for (i, b) in out.iter_mut().enumerate() {
        while next.peek().is_some_and(|h| h.body.end <= i) {
            next.next();
        }
        let inside = next.peek().is_some_and(|h| h.body.contains(&i));
        if !inside && !matches!(*b, b'\n' | b'\r') {
            *b = b' ';
        }
    }
    for h in kept.iter().filter(|h| h.expanded) {
        if let Some(body) = out.get_mut(h.body.clone()) {
            blank_default_markers(body);
        }
    }
    // Only whole characters were blanked (every byte of one, or none), so this cannot fail.
    String::from_utf8(out).ok()
}

/// Blanks `${NAME:-` / `${NAME-` and the closing `}` of each reference whose default is a
/// literal (no `$`, no braces, not empty, on one line), leaving the default in place.
fn blank_default_markers(body: &mut [u8]) {
    let defaults: Vec<(Range<usize>, Range<usize>)> = shell_ref::references(body)
        .filter_map(|r| Some((r.default().filter(|d| !d.is_empty())?, r.span)))
        .collect();
    for (default, span) in defaults {
        for at in (span.start..default.start).chain(default.end..span.end) {
            if let Some(b) = body.get_mut(at) {
                *b = b' ';
            }
        }
    }
}

/// Whether the opening of `text` holds a heredoc (a script that writes a file).
pub fn has_heredoc(text: &str) -> bool {
    !heredocs(text).is_empty()
}

struct Heredoc {
    /// The line that opens it (`cat > ~/.msmtprc <<'EOF'`).
    opening: Range<usize>,
    /// The shell expands references in the body: the terminator word is not quoted.
    expanded: bool,
    /// Its body: the lines up to the terminator.
    body: Range<usize>,
}

/// Every heredoc of the script, in order; one pass over the lines.
fn heredocs(text: &str) -> Vec<Heredoc> {
    let mut out = Vec::new();
    let mut lines = lines_with_offsets(text).peekable();
    while let Some((start, line)) = lines.next() {
        // A comment opens nothing (`# cat > ~/.msmtprc <<EOF` in the file itself).
        if line.trim_start().starts_with('#') {
            continue;
        }
        let Some(word) = heredoc_word(line) else {
            continue;
        };
        let expanded = !quoted_word(line);
        let strip_tabs = line.contains("<<-");
        let body_start = start + line.len();
        let mut body_end = text.len();
        for (at, body_line) in lines.by_ref() {
            let content = body_line.trim_end_matches(['\n', '\r']);
            let content = if strip_tabs {
                content.trim_start_matches('\t')
            } else {
                content
            };
            if content == word {
                body_end = at;
                break;
            }
        }
        out.push(Heredoc {
            opening: start..body_start,
            expanded,
            body: body_start..body_end,
        });
    }
    out
}

/// The lines with their line breaks, each with its byte offset.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// Whether the terminator word is quoted (`<<'EOF'`, `<<"EOF"`, `<<\\EOF`): the body is then
/// written as it stands.
fn quoted_word(line: &str) -> bool {
    line.find("<<")
        .and_then(|at| line.get(at + 2..))
        .map(|rest| rest.strip_prefix('-').unwrap_or(rest).trim_start())
        .is_some_and(|word| word.starts_with(['\'', '"', '\\']))
}

/// The terminator word of a heredoc started on this line (`<<EOF`, `<<-'EOF'`, `<< "END"`).
fn heredoc_word(line: &str) -> Option<&str> {
    let at = line.find("<<")?;
    let rest = line.get(at + 2..)?;
    if rest.starts_with('<') {
        return None; // a here-string `<<<`
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let rest = rest.trim_start_matches(['\'', '"', '\\']);
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    rest.get(..len).filter(|word| !word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 2] = ["msmtprc", "msmtp/config"];

    /// The lines the reader sees, trimmed, blank ones left out; the text keeps its length.
    fn kept_lines(text: &str) -> Vec<String> {
        let read = script_bodies(text, NAMES.into_iter()).unwrap_or_default();
        assert_eq!(read.len(), text.len());
        read.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn only_the_bodies_that_write_the_file_are_kept() {
        let text = "#!/bin/sh\nset -e\ncat > /etc/msmtprc <<'EOF'\nhost smtp.example.com\nport 587\nEOF\nhost=ignored\ncat > /tmp/other <<EOF\nport 25\nEOF\n";
        let kept = kept_lines(text);
        assert_eq!(kept, ["host smtp.example.com", "port 587"]);
    }

    #[test]
    fn a_script_that_names_no_file_keeps_every_body() {
        let text = "#! /bin/bash\ncat <<EOF\nhost ${SMTP_SERVER}\nport ${SMTP_PORT:-25}\nEOF\n";
        let kept = kept_lines(text);
        assert_eq!(kept, ["host ${SMTP_SERVER}", "port              25"]);
    }

    #[test]
    fn an_expanded_body_reads_literal_defaults() {
        let text = "#!/bin/sh\ncat > /etc/msmtprc <<EOF\nport ${SMTP_PORT:-25}\nhost ${HOST}\nuser ${USER:-}\ntls ${TLS-on} ${A:-${B}} ${1:-x}\nEOF\n";
        let kept = kept_lines(text);
        assert_eq!(
            kept,
            [
                "port              25",
                "host ${HOST}",
                "user ${USER:-}",
                "tls       on  ${A:-${B}} ${1:-x}"
            ]
        );
        // A quoted terminator: the file gets the text as it stands.
        let text = "#!/bin/sh\ncat > /etc/msmtprc <<'EOF'\nport ${SMTP_PORT:-25}\nEOF\n";
        let read = script_bodies(text, NAMES.into_iter()).unwrap_or_default();
        assert!(read.contains("port ${SMTP_PORT:-25}"));
    }

    #[test]
    fn a_file_without_a_heredoc_is_read_as_it_is() {
        assert_eq!(
            script_bodies("host smtp.example.com\nport 587\n", NAMES.into_iter()),
            None
        );
        // Not a script, and its heredoc writes another file.
        assert_eq!(
            script_bodies("cat > /tmp/x <<EOF\nport 25\nEOF\n", NAMES.into_iter()),
            None
        );
        // A comment that shows how the file was made opens nothing.
        assert_eq!(
            script_bodies("# cat > ~/.msmtprc <<EOF\nhost a\n", NAMES.into_iter()),
            None
        );
        // A here-string is no heredoc.
        assert_eq!(
            script_bodies("#!/bin/sh\ncat <<< msmtprc\n", NAMES.into_iter()),
            None
        );
    }

    #[test]
    fn indented_terminators_and_an_unterminated_body() {
        let text = "#!/bin/sh\n\tcat > ~/.msmtprc <<-EOF\n\thost a.example.com\n\tEOF\ncat >> ~/.msmtprc <<EOF\nport 465";
        let kept = kept_lines(text);
        assert_eq!(kept, ["host a.example.com", "port 465"]);
        // Blanking keeps characters whole.
        let text =
            "#!/bin/sh\necho 'é' > /dev/null\ncat > ~/.msmtprc <<EOF\nfrom é@example.com\nEOF\n";
        let read = script_bodies(text, NAMES.into_iter()).unwrap_or_default();
        assert!(read.contains("from é@example.com"));
        assert!(!read.contains("echo"));
    }
}
