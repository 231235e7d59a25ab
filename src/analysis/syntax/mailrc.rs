//! mailx / s-nail `.mailrc`: `set name=value` (`set smtp=smtps://…`, `set smtp-use-starttls`,
//! `set ssl-verify=ignore`, v15 `set mta=smtps://user@host:465`), `unset name`, and
//! `account NAME { … }` blocks. Settings come out as `["smtp"]`, or `["account NAME", "smtp"]` inside
//! an account block.
//!
//! A shell script that writes the file with a heredoc (`cat > ~/.mailrc <<EOF … EOF`) is read too:
//! when the text holds such a heredoc, only the heredoc bodies are read.

use super::muttrc::{logical_lines, read_command};
use super::Parsed;

/// The key a scheme-less `smtp=host[:port]` is read under.
pub const SMTP_HOST_PORT: &str = "smtp (host:port)";

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let lines = lines_with_offsets(text);
    // Heredoc bodies as byte ranges: a command continued over lines is read as one.
    let bodies: Vec<std::ops::Range<usize>> = mailrc_heredocs(&lines)
        .into_iter()
        .filter_map(|r| {
            let start = lines.get(r.start)?.0;
            let end = lines.get(r.end).map_or(text.len(), |l| l.0);
            Some(start..end)
        })
        .collect();
    let mut group: Vec<String> = Vec::new();
    // A line that ends in `\` goes on with the next (s-nail, like mutt): `set mta=smtp://… \`
    // then `smtp-use-starttls` is one `set` command of two variables.
    for (start, content) in logical_lines(text) {
        if !bodies.is_empty() && !bodies.iter().any(|r| r.contains(&start)) {
            group.clear();
            continue;
        }
        let body = content.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if let Some(rest) = body.strip_prefix("account ") {
            if let Some(name) = rest.trim().strip_suffix('{') {
                group = vec![format!("account {}", name.trim())];
            }
            continue;
        }
        if body == "}" {
            group.clear();
            continue;
        }
        let continued = content.contains('\n');
        read_command(text, start, content, &group, "=", continued, &mut settings);
    }
    // Heirloom mailx also takes `smtp=host[:port]` without a scheme (plain SMTP, upgraded only with
    // `smtp-use-starttls`): that value is a `host:port`, not a URL, and is named so.
    for s in &mut settings {
        if s.key() == "smtp" && !s.value.contains("://") && !s.value.trim().is_empty() {
            if let Some(last) = s.path.last_mut() {
                *last = SMTP_HOST_PORT.into();
            }
        }
    }
    Parsed {
        settings,
        errors: Vec::new(),
    }
}

/// Lines without their line break, each with its byte offset.
fn lines_with_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        out.push((offset, raw.trim_end_matches(['\n', '\r'])));
        offset += raw.len();
    }
    out
}

/// Line-index ranges of heredoc bodies that write a mailrc (`… <<'EOF' … > ~/.mailrc`).
fn mailrc_heredocs(lines: &[(usize, &str)]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines.get(index).map_or("", |l| l.1);
        let Some(word) = heredoc_word(line) else {
            index += 1;
            continue;
        };
        let strip_tabs = line.contains("<<-");
        let body_start = index + 1;
        let mut end = body_start;
        while end < lines.len() {
            let l = lines.get(end).map_or("", |l| l.1);
            let l = if strip_tabs {
                l.trim_start_matches('\t')
            } else {
                l
            };
            if l == word {
                break;
            }
            end += 1;
        }
        if line.contains("mailrc") || line.contains("nailrc") {
            out.push(body_start..end);
        }
        index = end + 1;
    }
    out
}

/// The terminator word of a heredoc started on this line (`<<EOF`, `<<-'EOF'`, `<< "END"`).
fn heredoc_word(line: &str) -> Option<String> {
    let at = line.find("<<")?;
    let rest = line.get(at + 2..)?;
    if rest.starts_with('<') {
        return None; // a here-string `<<<`
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let word: String = rest
        .chars()
        .skip_while(|c| *c == '\'' || *c == '"')
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn plain_mailrc_with_accounts() {
        let text = r#"# s-nail
set v15-compat
set from="Ops <ops@example.com>"
set mta=smtps://ops%40example.com@smtp.example.com:465 smtp-auth=login
set ssl-verify=strict
account legacy {
  set smtp=smtp://mail.example.org:25
  set smtp-use-starttls
  set smtp-auth-user=ops@example.org smtp-auth-password="s3cr3t"
  set ssl-verify=ignore
}
set crt=25
set noheader
"#;
        expect![[r#"
            v15-compat = "yes" (Plain, line 2) written ""
            from = "Ops <ops@example.com>" (Quoted, line 3)
            mta = "smtps://ops%40example.com@smtp.example.com:465" (Plain, line 4)
            smtp-auth = "login" (Plain, line 4)
            ssl-verify = "strict" (Plain, line 5)
            account legacy › smtp = "smtp://mail.example.org:25" (Plain, line 7)
            account legacy › smtp-use-starttls = "yes" (Plain, line 8) written ""
            account legacy › smtp-auth-user = "ops@example.org" (Plain, line 9)
            account legacy › smtp-auth-password = "s3cr3t" (Quoted, line 9)
            account legacy › ssl-verify = "ignore" (Plain, line 10)
            crt = "25" (Plain, line 12)
            header = "no" (Plain, line 13) written ""
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let smtp = &parse(text).settings[5];
        assert_eq!(&*smtp.style.lead, "\n  ");
        assert_eq!(&*smtp.style.separator, "=");
    }

    #[test]
    fn heirloom_host_port() {
        let text = "set smtp=smtp.example.com:587\nset smtp-use-starttls\n";
        expect![[r#"
            smtp (host:port) = "smtp.example.com:587" (Plain, line 1)
            smtp-use-starttls = "yes" (Plain, line 2) written ""
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn heredoc_in_a_shell_script() {
        let text = r#"#!/bin/sh
set -e
export SMTP_PORT=2525
cat > "$HOME/.mailrc" <<'EOF'
set smtp=smtp://smtp.example.com:587
set smtp-use-starttls
set smtp-auth-user=alerts@example.com
EOF
set smtp=ignored
cat > /tmp/other <<EOF
set smtp=also-ignored
EOF
"#;
        expect![[r#"
            smtp = "smtp://smtp.example.com:587" (Plain, line 5)
            smtp-use-starttls = "yes" (Plain, line 6) written ""
            smtp-auth-user = "alerts@example.com" (Plain, line 7)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }
}
