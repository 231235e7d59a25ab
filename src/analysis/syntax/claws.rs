//! Claws Mail `accountrc`: `[Account: N]` sections of `key=value` lines (prefs_gtk.c reads a line
//! as a key in any case, `=` right after it, and the rest of the line as the value, untrimmed;
//! `key = value` is no setting, and a line that starts with `#` is a comment).
//!
//! One account holds two servers: the one it sends to (`smtp_server`, `ssl_smtp`, …) and the one
//! it receives from (`receive_server` with the keys of the account's `protocol`: `pop_port`,
//! `ssl_pop` for POP3, `imap_port`, `ssl_imap` for IMAP). Each is read as a group of its own,
//! `["Account: 1", "smtp", "smtp_port"]` and `["Account: 1", "pop3", "pop_port"]`; the keys of the
//! protocol the account does not use are dead and left out.
//!
//! An edit of `protocol=` moves settings between groups; `protocol` is not a setting itself, so
//! such an edit is never taken for a value change (the analysis then reads the text whole).

use super::literal::{line_style, setting};
use super::{Parsed, ValueKind};

/// Keys of the sending server.
const SMTP_KEYS: &[&str] = &[
    "smtp_server",
    "set_smtpport",
    "smtp_port",
    "ssl_smtp",
    "use_smtp_auth",
    "smtp_user_id",
    "smtp_password",
];
/// Keys of the receiving server whatever its protocol.
const RECEIVE_KEYS: &[&str] = &["receive_server", "user_id", "password"];
const POP3_KEYS: &[&str] = &["set_popport", "pop_port", "ssl_pop"];
const IMAP_KEYS: &[&str] = &["set_imapport", "imap_port", "ssl_imap"];

/// One `key=value` line of a section.
struct Line {
    key: (usize, usize),
    value: (usize, usize),
    end: usize,
}

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let mut section: Option<&str> = None;
    let mut lines: Vec<Line> = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = start;
        start += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        if content.starts_with('[') {
            if let Some(name) = section {
                read_section(text, name, &lines, &mut settings);
            }
            lines.clear();
            section = content
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .filter(|name| name.starts_with("Account:"));
            continue;
        }
        let Some(eq) = content.find('=') else {
            continue;
        };
        if eq == 0 || section.is_none() {
            continue;
        }
        lines.push(Line {
            key: (line_start, line_start + eq),
            value: (line_start + eq + 1, line_start + content.len()),
            end: line_start + content.len(),
        });
    }
    if let Some(name) = section {
        read_section(text, name, &lines, &mut settings);
    }
    Parsed::new(settings, Vec::new())
}

/// The settings of one account, in the order of its lines.
fn read_section(text: &str, name: &str, lines: &[Line], out: &mut Vec<super::Setting>) {
    let slice = |(a, b): (usize, usize)| text.get(a..b).unwrap_or("");
    // prefs_account.c: `protocol` is 0 (POP3) unless the account says otherwise; 1 is IMAP;
    // NNTP, local spool and "none" receive no mail over POP3 or IMAP.
    let protocol = lines
        .iter()
        .rev()
        .find(|l| slice(l.key).eq_ignore_ascii_case("protocol"))
        .map_or("0", |l| slice(l.value).trim());
    let (receive, receive_keys) = match protocol {
        "0" => (Some("pop3"), POP3_KEYS),
        "1" => (Some("imap"), IMAP_KEYS),
        _ => (None, &[][..]),
    };
    for l in lines {
        let key = slice(l.key);
        let is = |keys: &[&str]| keys.iter().any(|k| k.eq_ignore_ascii_case(key));
        let group = if is(SMTP_KEYS) {
            "smtp"
        } else if is(RECEIVE_KEYS) || is(receive_keys) {
            match receive {
                Some(group) => group,
                None => continue,
            }
        } else {
            continue;
        };
        out.push(setting(
            vec![name.to_string(), group.to_string(), key.to_string()],
            slice(l.value).to_string(),
            ValueKind::Plain,
            l.key.0..l.key.1,
            l.value.0..l.value.1,
            line_style(text, l.key.0, l.end, "="),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn an_account_gives_its_sending_and_receiving_server() {
        let text = "[Account: 1]\naccount_name=me@example.com\nprotocol=1\nreceive_server=imap.example.com\nsmtp_server=smtp.example.com\nuser_id=me\nset_popport=0\npop_port=110\nset_imapport=1\nimap_port=993\nssl_imap=1\nset_smtpport=1\nsmtp_port=587\nssl_smtp=2\n\n[Account: 2]\nreceive_server=pop.example.org\r\npop_port=995\r\nimap_port=143\r\n[Other]\nsmtp_server=x\n";
        expect![[r#"
            Account: 1 › imap › receive_server = "imap.example.com" (Plain, line 4)
            Account: 1 › smtp › smtp_server = "smtp.example.com" (Plain, line 5)
            Account: 1 › imap › user_id = "me" (Plain, line 6)
            Account: 1 › imap › set_imapport = "1" (Plain, line 9)
            Account: 1 › imap › imap_port = "993" (Plain, line 10)
            Account: 1 › imap › ssl_imap = "1" (Plain, line 11)
            Account: 1 › smtp › set_smtpport = "1" (Plain, line 12)
            Account: 1 › smtp › smtp_port = "587" (Plain, line 13)
            Account: 1 › smtp › ssl_smtp = "2" (Plain, line 14)
            Account: 2 › pop3 › receive_server = "pop.example.org" (Plain, line 17)
            Account: 2 › pop3 › pop_port = "995" (Plain, line 18)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn a_news_account_receives_nothing_checked() {
        let text = "[Account: 3]\nprotocol=2\nreceive_server=news.example.com\nsmtp_server=smtp.example.com\n";
        expect![[r#"
            Account: 3 › smtp › smtp_server = "smtp.example.com" (Plain, line 4)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn every_prefix_parses() {
        assert_prefixes_parse(
            "[Account: 1]\nprotocol=0\nreceive_server=pop.é.org\nssl_pop=1\n=x\n[Account: 2\nsmtp_port=25",
            parse,
        );
    }
}
