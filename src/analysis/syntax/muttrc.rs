//! muttrc / neomuttrc: `set var = value` commands (several per line, `;`-separated commands,
//! `# comments`, a `\` at the end of a line continues it), `set var` / `unset var` / `set novar`
//! for booleans. Settings come out under their scope: what the file sets outside hooks as
//! `["top level", "smtp_url"]`, what a hook runs (`account-hook`, `folder-hook`, `send-hook` …
//! `PATTERN 'set …'`) as `["hook PATTERN", "smtp_url"]`. An account file sets its account in
//! hooks; mutt runs them over the top level's settings when the folder, account or recipient
//! matches, so profiles read each hook's scope over the top level (`inherit`).
//!
//! The `set` reader is shared with the mailx `.mailrc` adapter, whose syntax is the same minus the
//! spaces around `=`.

use super::literal::{line_end, line_style, setting, unescape};
use super::{Parsed, Setting, ValueKind, TOP_LEVEL};
use crate::vocab::Span;

/// Hooks whose last argument is a command mutt runs when their pattern matches.
const COMMAND_HOOKS: &[&str] = &[
    "account-hook",
    "folder-hook",
    "send-hook",
    "send2-hook",
    "reply-hook",
    "message-hook",
];

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let top = [TOP_LEVEL.to_string()];
    for (start, line) in logical_lines(text) {
        for (command, at) in commands(line) {
            let at = start + at;
            match hook(command) {
                Some((pattern, body_at, body)) => {
                    let scope = [format!("hook {pattern}")];
                    for (inner, inner_at) in commands(body) {
                        let offset = at + body_at + inner_at;
                        read_command(text, offset, inner, &scope, " = ", true, &mut settings);
                    }
                }
                None => {
                    let continued = command.contains('\n');
                    read_command(text, at, command, &top, " = ", continued, &mut settings);
                }
            }
        }
    }
    Parsed::new(settings, Vec::new())
}

/// Reads one `set`/`unset` command; `same_command`: new siblings go into this command (see below).
pub(super) fn read_command(
    text: &str,
    offset: usize,
    command: &str,
    scope: &[String],
    separator: &str,
    same_command: bool,
    out: &mut Vec<Setting>,
) {
    let from = out.len();
    read_set_command(text, offset, command, scope, separator, out);
    if same_command {
        // A new line inside a hook's quoted command, or after a continued line, would end or
        // break it: a sibling goes into the same `set` command, right after this assignment
        // (`set a = b c = d` sets both).
        for s in &mut out[from..] {
            let value_end = quoted_end(text, s.value_span.end);
            s.style.insert_at = value_end;
            let shape = s.style.shape_mut();
            shape.lead = " ".into();
            shape.key_prefix = String::new();
        }
    }
}

/// Past a value's closing quote, if it has one.
fn quoted_end(text: &str, end: usize) -> usize {
    match text.as_bytes().get(end) {
        Some(b'"' | b'\'') => end + 1,
        _ => end,
    }
}

/// The text's logical lines with their offsets: a line that ends in `\` goes on with the next.
/// Each is a slice of the text, continuations included, without its final line break.
pub(super) fn logical_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        offset += raw_line.len();
        let content = raw_line.trim_end_matches(['\n', '\r']);
        if content.ends_with('\\') && offset < text.len() {
            continue;
        }
        let end = offset - (raw_line.len() - content.len());
        out.push((start, text.get(start..end).unwrap_or("")));
        start = offset;
    }
    out
}

/// A hook that runs a command (`folder-hook PATTERN 'set …'`): its pattern, and where its command
/// starts in `command` and the command, unquoted.
fn hook(command: &str) -> Option<(&str, usize, &str)> {
    let trimmed = command.trim_start();
    let verb_len = trimmed.find(char::is_whitespace)?;
    if !COMMAND_HOOKS.contains(&trimmed.get(..verb_len)?) {
        return None;
    }
    let mut pos = command.len() - trimmed.len() + verb_len;
    let (mut pattern, mut next) = token(command, pos)?;
    if pattern == "-noregex" {
        (pattern, next) = token(command, next)?;
    }
    pos = skip_blanks(command.as_bytes(), next);
    let rest = command.get(pos..)?;
    match rest.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => {
            let end = closing_quote(rest, q).unwrap_or(rest.len());
            Some((pattern, pos + 1, rest.get(1..end)?))
        }
        Some(_) => Some((pattern, pos, rest)),
        None => None,
    }
}

/// The token at or after `pos` (a quoted one without its quotes), and where reading goes on.
fn token(command: &str, pos: usize) -> Option<(&str, usize)> {
    let pos = skip_blanks(command.as_bytes(), pos);
    let rest = command.get(pos..)?;
    match rest.as_bytes().first()? {
        &q @ (b'"' | b'\'') => {
            let end = closing_quote(rest, q)?;
            Some((rest.get(1..end)?, pos + end + 1))
        }
        _ => {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            Some((rest.get(..end)?, pos + end))
        }
    }
}

/// The offset of the quote that closes the one `text` starts with (backslash escapes skipped).
fn closing_quote(text: &str, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Past blanks and line continuations (`\` before a line break).
fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    loop {
        match bytes.get(pos) {
            Some(b) if b.is_ascii_whitespace() => pos += 1,
            Some(b'\\') if matches!(bytes.get(pos + 1), Some(b'\n' | b'\r')) => pos += 1,
            _ => return pos,
        }
    }
}

/// Splits a line into `;`-separated commands (outside quotes), stopping at a `#` comment. Yields
/// each command with its offset in the line.
fn commands(line: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut token_start = true;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (c, quote) {
            ('\\', _) => escaped = true,
            ('"' | '\'' | '`', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (';', None) => {
                out.push((line.get(start..i).unwrap_or(""), start));
                start = i + 1;
            }
            ('#', None) if token_start => {
                out.push((line.get(start..i).unwrap_or(""), start));
                return out;
            }
            _ => {}
        }
        token_start = c.is_whitespace() || c == ';' || c == '=';
    }
    out.push((line.get(start..).unwrap_or(""), start));
    out
}

/// Reads one `set a=b c="d" nod` / `unset e` command at `offset` in `text` and appends its settings
/// under `group`. `separator` is how a new assignment is written (`" = "` for mutt, `"="` for mailx).
pub(super) fn read_set_command(
    text: &str,
    offset: usize,
    command: &str,
    group: &[String],
    separator: &str,
    out: &mut Vec<Setting>,
) {
    // Blanks and line continuations (a hook's command often starts with one) before the verb.
    let mut pos = skip_blanks(command.as_bytes(), 0);
    let trimmed = command.get(pos..).unwrap_or("");
    let word_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let verb = trimmed.get(..word_len).unwrap_or("");
    let unset = match verb {
        "set" => false,
        "unset" => true,
        _ => return,
    };
    pos += word_len;
    let bytes = command.as_bytes();
    // one style for every assignment of the command (finding the line's end once: a command can
    // hold thousands of words)
    let mut style = line_style(text, offset, line_end(text, offset), separator);
    style.shape_mut().key_prefix = "set ".to_string();
    let style_for = |_: usize| style.clone();
    loop {
        pos = skip_blanks(bytes, pos);
        if pos >= bytes.len() {
            return;
        }
        let name_start = pos;
        while bytes
            .get(pos)
            .is_some_and(|&b| !b.is_ascii_whitespace() && b != b'=')
        {
            pos += 1;
        }
        let Some(name) = command.get(name_start..pos) else {
            return;
        };
        if name.is_empty() && (unset || bytes.get(pos) != Some(&b'=')) {
            // A stray `=` (`unset =x`): no name to read; step over it, or every pass would
            // stop here again.
            pos += 1;
            continue;
        }
        let mut probe = pos;
        while bytes.get(probe).is_some_and(|b| *b == b' ' || *b == b'\t') {
            probe += 1;
        }
        if !unset && bytes.get(probe) == Some(&b'=') {
            pos = probe + 1;
            while bytes.get(pos).is_some_and(|b| *b == b' ' || *b == b'\t') {
                pos += 1;
            }
            let (value, kind, span, next) = read_value(command, pos);
            pos = next;
            let mut path = group.to_vec();
            path.push(name.to_string());
            out.push(setting(
                path,
                value,
                kind,
                offset + name_start..offset + name_start + name.len(),
                offset + span.start..offset + span.end,
                style_for(offset),
            ));
        } else {
            // A boolean: `set x` (yes), `set nox` / `set invx` / `unset x` (no, resp. toggled).
            let (key, key_start, value) = if unset {
                (name, name_start, "no")
            } else if let Some(rest) = name.strip_prefix("no").filter(|r| !r.is_empty()) {
                (rest, name_start + 2, "no")
            } else if let Some(rest) = name.strip_prefix("inv").filter(|r| !r.is_empty()) {
                (rest, name_start + 3, "toggle")
            } else {
                (name, name_start, "yes")
            };
            let key_end = offset + key_start + key.len();
            let mut path = group.to_vec();
            path.push(key.to_string());
            out.push(setting(
                path,
                value.to_string(),
                ValueKind::Plain,
                offset + key_start..key_end,
                key_end..key_end,
                style_for(offset),
            ));
        }
    }
}

/// Reads a value starting at `pos`: `"…"`, `'…'` or a bare word (backslash escapes kept out).
/// Returns the value, its kind, its span inside quotes, and where reading continues.
fn read_value(command: &str, pos: usize) -> (String, ValueKind, Span, usize) {
    let bytes = command.as_bytes();
    match bytes.get(pos) {
        Some(&q @ (b'"' | b'\'')) => {
            let mut end = pos + 1;
            while let Some(&b) = bytes.get(end) {
                if b == b'\\' {
                    end += 2;
                    continue;
                }
                if b == q {
                    break;
                }
                end += 1;
            }
            let end = end.min(command.len());
            let inner = command.get(pos + 1..end).unwrap_or("");
            let value = if q == b'"' {
                unescape(inner)
            } else {
                inner.to_string()
            };
            (
                value,
                ValueKind::Quoted,
                pos + 1..end,
                (end + 1).min(command.len()),
            )
        }
        _ => {
            let mut end = pos;
            while let Some(&b) = bytes.get(end) {
                if b == b'\\' {
                    end += 2;
                    continue;
                }
                if b.is_ascii_whitespace() {
                    break;
                }
                end += 1;
            }
            let end = end.min(command.len());
            let raw = command.get(pos..end).unwrap_or("");
            (unescape(raw), ValueKind::Plain, pos..end, end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    /// `unset` with an assignment and stray `=` signs: every word is read once and the line ends
    /// (a black-box run found a loop that never moved past the `=`).
    #[test]
    fn stray_equals_signs_end() {
        let text = "unset collapse index_format=\" %s\" = ==\nset = x =\nset smtp_url = smtps://a.example.com\n";
        expect![[r#"
            top level › collapse = "no" (Plain, line 1) written ""
            top level › index_format = "no" (Plain, line 1) written ""
            top level › " = "no" (Plain, line 1) written ""
            top level › %s" = "no" (Plain, line 1) written ""
            top level ›  = "x" (Plain, line 2)
            top level ›  = "" (Plain, line 2)
            top level › smtp_url = "smtps://a.example.com" (Plain, line 3)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn set_commands() {
        let text = r#"# ~/.config/neomutt/neomuttrc
set realname = "Jane Doe"
set from = "jane@example.com"
set imap_user = "jane@example.com"
set imap_pass = "`pass show mail/jane`"
set folder = "imaps://imap.example.com:993/"
set spoolfile = "+INBOX"
set smtp_url = "smtp://jane@example.com@smtp.example.com:587/"
set ssl_starttls = yes
set ssl_force_tls
unset ssl_verify_host
set nossl_use_sslv3 sort=threads   # two in one
set editor="vim" ; set imap_keepalive = 300
account-hook imaps://x 'set imap_user=other'
source ~/.mutt/colors
"#;
        expect![[r#"
            top level › realname = "Jane Doe" (Quoted, line 2)
            top level › from = "jane@example.com" (Quoted, line 3)
            top level › imap_user = "jane@example.com" (Quoted, line 4)
            top level › imap_pass = "`pass show mail/jane`" (Quoted, line 5)
            top level › folder = "imaps://imap.example.com:993/" (Quoted, line 6)
            top level › spoolfile = "+INBOX" (Quoted, line 7)
            top level › smtp_url = "smtp://jane@example.com@smtp.example.com:587/" (Quoted, line 8)
            top level › ssl_starttls = "yes" (Plain, line 9)
            top level › ssl_force_tls = "yes" (Plain, line 10) written ""
            top level › ssl_verify_host = "no" (Plain, line 11) written ""
            top level › ssl_use_sslv3 = "no" (Plain, line 12) written ""
            top level › sort = "threads" (Plain, line 12)
            top level › editor = "vim" (Quoted, line 13)
            top level › imap_keepalive = "300" (Plain, line 13)
            hook imaps://x › imap_user = "other" (Plain, line 14)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let url = &parse(text).settings[6];
        assert_eq!(url.style.key_prefix, "set ");
        assert_eq!(&*url.style.separator, " = ");
    }
}
