//! nullmailer `remotes` (`/etc/nullmailer/remotes`): one smarthost a line, tried in order,
//! `HOST PROTOCOL [--option[=value]]…`, `#` comment lines.
//!
//! `mail.example.com smtp --port=587 --starttls --user=me --pass=secret` gives the settings
//! `["remote 1", "host"]`, `["remote 1", "protocol"]`, `["remote 1", "port"]`, `["remote 1",
//! "starttls"]` (a flag: empty value) … An option is read with or without its dashes, as
//! nullmailer-send passes each word after the protocol on to the protocol module as `--word`.
//! Only `smtp` lines are read: `qmqp` has no TLS and no authentication to get wrong, and a file
//! named `remotes` whose lines name no mail protocol (a list of git remotes) gives nothing.

use super::literal::setting;
use super::{EntryShape, EntryStyle, Parsed, ValueKind};

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let mut remote = 0;
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = start;
        start += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        // nullmailer-send skips a line that starts with `#`; a `#` further on is part of a word
        // (`--pass=a#b`).
        if content.trim_start().starts_with('#') {
            continue;
        }
        let words = words(content, line_start);
        let (Some(host), Some(protocol)) = (words.first(), words.get(1)) else {
            continue;
        };
        if !protocol.1.eq_ignore_ascii_case("smtp") {
            continue;
        }
        remote += 1;
        let group = format!("remote {remote}");
        let end = words.last().map_or(line_start, |w| w.0 + w.1.len());
        // A new option goes at the end of the line: ` --starttls`, ` --port=465`.
        let style = EntryStyle::new(
            end,
            EntryShape {
                lead: " ".into(),
                key_prefix: "--".into(),
                separator: "=".into(),
                ..EntryShape::default()
            },
        );
        let word = |key: &str, at: usize, value: &str| {
            setting(
                vec![group.clone(), key.to_string()],
                value.to_string(),
                ValueKind::Plain,
                at..at + value.len(),
                at..at + value.len(),
                style.clone(),
            )
        };
        settings.push(word("host", host.0, host.1));
        settings.push(word("protocol", protocol.0, protocol.1));
        for &(at, option) in words.iter().skip(2) {
            let dashes = option.len() - option.trim_start_matches('-').len();
            let body = &option[dashes..];
            let (key, value_at, value) = match body.split_once('=') {
                Some((key, value)) => (key, at + dashes + key.len() + 1, value),
                None => (body, at + option.len(), ""),
            };
            if key.is_empty() {
                continue;
            }
            let key_span = at + dashes..at + dashes + key.len();
            settings.push(setting(
                vec![group.clone(), key.to_string()],
                value.to_string(),
                ValueKind::Plain,
                key_span,
                value_at..value_at + value.len(),
                style.clone(),
            ));
        }
    }
    Parsed::new(settings, Vec::new())
}

/// The blank-separated words of `line` (which starts at `offset`), each with its offset.
fn words(line: &str, offset: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut at = offset;
    while let Some(skip) = rest.find(|c: char| !c.is_whitespace()) {
        at += skip;
        rest = &rest[skip..];
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push((at, &rest[..len]));
        at += len;
        rest = &rest[len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn options_with_and_without_values() {
        let text = "# smarthosts, tried in order\nsmtp.example.com smtp --port=587 --starttls --user=me --pass=secret\nrelay.example.net  qmqp\nbackup.example.org SMTP ssl insecure --pass=a#b\n";
        expect![[r#"
            remote 1 › host = "smtp.example.com" (Plain, line 2)
            remote 1 › protocol = "smtp" (Plain, line 2)
            remote 1 › port = "587" (Plain, line 2)
            remote 1 › starttls = "" (Plain, line 2)
            remote 1 › user = "me" (Plain, line 2)
            remote 1 › pass = "secret" (Plain, line 2)
            remote 2 › host = "backup.example.org" (Plain, line 4)
            remote 2 › protocol = "SMTP" (Plain, line 4)
            remote 2 › ssl = "" (Plain, line 4)
            remote 2 › insecure = "" (Plain, line 4)
            remote 2 › pass = "a#b" (Plain, line 4)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn lines_without_a_mail_protocol_give_nothing() {
        let text = "origin git@github.com:me/repo.git\nupstream https://github.com/x/y\n";
        assert!(parse(text).settings.is_empty());
    }

    #[test]
    fn every_prefix_parses() {
        assert_prefixes_parse(
            "mail.example.com smtp --port=465 --ssl --user=a --pass=b\n#x\né smtp --=\n",
            parse,
        );
    }
}
