//! Alpine (and Pine) `.pinerc`: `variable=value` lines (pith/conf.c `read_pinerc`: a `#` in the
//! first column starts a comment; a line that starts with a blank continues the list above; list
//! elements are separated by commas).
//!
//! The servers are c-client specifications: `smtp-server=host[:port][/flag…]` (a list, tried in
//! turn) and remote folders `{host[:port][/flag…]}mailbox` in `inbox-path` and the other folder
//! variables (`#pop{…}` for POP3). Each specification is one group (a server written in several
//! folder variables is one group per line: a fix changes the line it is on):
//! `["smtp-server 1", "server"]` = `host:port`, `["imap 1", "ssl"]` = `""` for the flag
//! `/ssl`, `["imap 1", "user"]` = `me` for `/user=me`. News servers are left out.

use super::literal::setting;
use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};

/// Variables whose values are remote folders (scalars and lists alike).
const FOLDER_VARIABLES: &[&str] = &[
    "inbox-path",
    "incoming-folders",
    "folder-collections",
    "incoming-archive-folders",
    "pruned-folders",
    "default-fcc",
    "default-saved-msg-folder",
    "postponed-folder",
    "read-message-folder",
    "form-letter-folder",
    "trash-folder",
];

/// c-client's service flags (mail.c `mail_valid_net_parse_work`).
const IMAP_FLAGS: &[&str] = &["imap", "imap2", "imap2bis", "imap4", "imap4rev1"];
const POP3_FLAGS: &[&str] = &["pop3", "pop"];

#[derive(Clone, Copy, PartialEq)]
enum Variable {
    Smtp,
    Folder,
}

pub fn parse(text: &str) -> Parsed {
    let mut reader = Reader {
        settings: Vec::new(),
        counts: [0; 3],
    };
    // The list variable that a line starting with a blank continues.
    let mut current: Option<Variable> = None;
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = start;
        start += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        if content.starts_with('#') {
            current = None;
            continue;
        }
        if content.starts_with([' ', '\t']) {
            if let Some(variable) = current {
                reader.elements(variable, content, line_start);
            }
            continue;
        }
        current = None;
        let Some(eq) = content.find('=') else {
            continue;
        };
        let name = content[..eq].trim_end();
        let variable = if name.eq_ignore_ascii_case("smtp-server") {
            Variable::Smtp
        } else if FOLDER_VARIABLES
            .iter()
            .any(|v| v.eq_ignore_ascii_case(name))
        {
            Variable::Folder
        } else {
            continue;
        };
        let value = &content[eq + 1..];
        // An empty value unsets the variable: no continuation lines follow it.
        if value.trim().is_empty() {
            continue;
        }
        current = Some(variable);
        reader.elements(variable, value, line_start + eq + 1);
    }
    Parsed::new(reader.settings, Vec::new())
}

struct Reader {
    settings: Vec<Setting>,
    /// Groups numbered per kind: SMTP, IMAP, POP3.
    counts: [usize; 3],
}

impl Reader {
    /// The comma-separated elements of `value` (written at `at`), each a server or a folder.
    fn elements(&mut self, variable: Variable, value: &str, at: usize) {
        let mut quoted = false;
        let mut from = 0;
        for (i, c) in value
            .char_indices()
            .chain(std::iter::once((value.len(), ',')))
        {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    let element = &value[from..i];
                    let lead = element.len() - element.trim_start().len();
                    let element = element.trim();
                    if !element.is_empty() {
                        self.element(variable, element, at + from + lead);
                    }
                    from = i + 1;
                }
                _ => {}
            }
        }
    }

    fn element(&mut self, variable: Variable, element: &str, at: usize) {
        let (spec, spec_at, pop) = match variable {
            Variable::Smtp => (element, at, false),
            Variable::Folder => {
                // `{host/flags}mailbox`, after an optional label (`Work {host}mail/[]`).
                let Some(open) = element.find('{') else {
                    return;
                };
                let Some(len) = element[open + 1..].find('}') else {
                    return;
                };
                let pop = element[..open].to_ascii_lowercase().ends_with("#pop");
                (&element[open + 1..open + 1 + len], at + open + 1, pop)
            }
        };
        let Some(parts) = spec_parts(spec) else {
            return;
        };
        let service = parts.iter().skip(1).find_map(|(name, value, _, _)| {
            let name = name.to_ascii_lowercase();
            match name.as_str() {
                "service" => Some(value.to_ascii_lowercase()),
                _ if IMAP_FLAGS.contains(&name.as_str()) => Some("imap".into()),
                _ if POP3_FLAGS.contains(&name.as_str()) => Some("pop3".into()),
                "nntp" | "smtp" | "submit" => Some(name),
                _ => None,
            }
        });
        let kind = match (variable, service.as_deref()) {
            (Variable::Smtp, _) => 0,
            (Variable::Folder, None) if pop => 2,
            (Variable::Folder, None | Some("imap")) => 1,
            (Variable::Folder, Some("pop3" | "pop")) => 2,
            // News, or a service c-client does not read folders from.
            (Variable::Folder, Some(_)) => return,
        };
        self.counts[kind] += 1;
        let group = format!(
            "{} {}",
            ["smtp-server", "imap", "pop3"][kind],
            self.counts[kind]
        );
        // A new flag goes at the end of the specification: `/tls`.
        let style = EntryStyle::new(
            spec_at + spec.len(),
            EntryShape {
                key_prefix: "/".into(),
                separator: "=".into(),
                ..EntryShape::default()
            },
        );
        for (name, value, key_at, value_at) in parts {
            // `server` is no word of the text: its key is its value.
            let key_len = if key_at == value_at {
                value.len()
            } else {
                name.len()
            };
            self.settings.push(setting(
                vec![group.clone(), name.to_ascii_lowercase()],
                value.to_string(),
                ValueKind::Plain,
                spec_at + key_at..spec_at + key_at + key_len,
                spec_at + value_at..spec_at + value_at + value.len(),
                style.clone(),
            ));
        }
    }
}

/// `host[:port]` as the part `server`, then each `/flag` or `/flag=value`: (name, value, name
/// offset, value offset) within `spec`. `None` for a specification with a port after its flags,
/// which is read as c-client reads it only with more care than it is worth.
fn spec_parts(spec: &str) -> Option<Vec<(&str, &str, usize, usize)>> {
    let server_end = spec.find('/').unwrap_or(spec.len());
    let server = &spec[..server_end];
    if server.trim().is_empty() {
        return None;
    }
    let mut parts = vec![("server", server, 0, 0)];
    let mut at = server_end;
    while at < spec.len() {
        let rest = &spec[at + 1..];
        let len = rest.find('/').unwrap_or(rest.len());
        let flag = &rest[..len];
        let (name, value, value_at) = match flag.split_once('=') {
            Some((name, value)) => (name, value, at + 1 + name.len() + 1),
            None => (flag, "", at + 1 + flag.len()),
        };
        if name.contains(':') {
            return None;
        }
        if !name.is_empty() {
            parts.push((name, value, at + 1, value_at));
        }
        at += 1 + len;
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn servers_and_folders() {
        let text = "# smtp-server=old.example.com\nsmtp-server=smtp.example.com:465/ssl/novalidate-cert/user=me,\n\tbackup.example.com/tls\nnntp-server=news.example.com\ninbox-path={imap.example.com/ssl/user=me}INBOX\ndefault-fcc={imap.example.com/ssl/user=me}sent\nfolder-collections=Mail {imap.example.com:143/tls}[], #pop{pop.example.com/ssl}inbox, News {news.example.com/nntp}#news.[]\ntrash-folder=\n  {ignored.example.com}x\n";
        expect![[r#"
            smtp-server 1 › server = "smtp.example.com:465" (Plain, line 2)
            smtp-server 1 › ssl = "" (Plain, line 2)
            smtp-server 1 › novalidate-cert = "" (Plain, line 2)
            smtp-server 1 › user = "me" (Plain, line 2)
            smtp-server 2 › server = "backup.example.com" (Plain, line 3)
            smtp-server 2 › tls = "" (Plain, line 3)
            imap 1 › server = "imap.example.com" (Plain, line 5)
            imap 1 › ssl = "" (Plain, line 5)
            imap 1 › user = "me" (Plain, line 5)
            imap 2 › server = "imap.example.com" (Plain, line 6)
            imap 2 › ssl = "" (Plain, line 6)
            imap 2 › user = "me" (Plain, line 6)
            imap 3 › server = "imap.example.com:143" (Plain, line 7)
            imap 3 › tls = "" (Plain, line 7)
            pop3 1 › server = "pop.example.com" (Plain, line 7)
            pop3 1 › ssl = "" (Plain, line 7)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn every_prefix_parses() {
        assert_prefixes_parse(
            "smtp-server=a.é:25/ssl/user=\"x\",\n b/tls\ninbox-path={h/pop3}INBOX\nfolder-collections=L {h2:993/ssl}[]\n",
            parse,
        );
    }
}
