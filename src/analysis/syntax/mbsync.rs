//! mbsyncrc / isyncrc: `Key value` lines; a section starts with a section keyword (`IMAPAccount`,
//! `IMAPStore`, `MaildirStore`, `Channel`, `Group` …) and ends at an empty line or the next section.
//! Settings come out as `["IMAPAccount NAME", "Port"]`; lines outside any section as `["Key"]`.

use super::literal::{line_end, line_style, setting, unescape};
use super::{Parsed, ValueKind};

const SECTION_KEYWORDS: &[&str] = &[
    "IMAPAccount",
    "IMAPStore",
    "MaildirStore",
    "MailDirStore",
    "TunnelStore",
    "Channel",
    "Group",
];

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let mut section: Option<String> = None;
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let start = offset;
        offset += raw_line.len();
        let content = raw_line.trim_end_matches(['\n', '\r']);
        let body = content.trim();
        if body.is_empty() {
            section = None;
            continue;
        }
        if body.starts_with('#') {
            continue;
        }
        let lead = content.len() - content.trim_start().len();
        let key_len = body.find(char::is_whitespace).unwrap_or(body.len());
        let Some(key) = body.get(..key_len) else {
            continue;
        };
        let rest = body.get(key_len..).unwrap_or("");
        let value_text = rest.trim_start();
        let key_start = start + lead;
        let value_start = key_start + key_len + (rest.len() - value_text.len());
        if SECTION_KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            section = Some(format!("{key} {value_text}"));
            continue;
        }
        let (value, kind, value_span) =
            if value_text.len() >= 2 && value_text.starts_with('"') && value_text.ends_with('"') {
                (
                    unescape(value_text.get(1..value_text.len() - 1).unwrap_or("")),
                    ValueKind::Quoted,
                    value_start + 1..value_start + value_text.len() - 1,
                )
            } else {
                (
                    value_text.to_string(),
                    ValueKind::Plain,
                    value_start..value_start + value_text.len(),
                )
            };
        let mut path: Vec<String> = section.iter().cloned().collect();
        // Legacy `Host imaps:imap.example.com` means `SSLType IMAPS` + `Host imap.example.com`.
        let (value, value_span) = match value.strip_prefix("imaps:") {
            Some(host) if key.eq_ignore_ascii_case("Host") && kind == ValueKind::Plain => {
                let mut legacy = path.clone();
                legacy.push("SSLType".to_string());
                settings.push(setting(
                    legacy,
                    "IMAPS".to_string(),
                    ValueKind::Plain,
                    value_span.start..value_span.start + 5,
                    value_span.start..value_span.start + 5,
                    line_style(text, start, line_end(text, start), " "),
                ));
                (host.to_string(), value_span.start + 6..value_span.end)
            }
            _ => (value, value_span),
        };
        path.push(key.to_string());
        settings.push(setting(
            path,
            value,
            kind,
            key_start..key_start + key_len,
            value_span,
            line_style(text, start, line_end(text, start), " "),
        ));
    }
    Parsed::new(settings, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn accounts_stores_and_channels() {
        let text = r#"# isync 1.5
IMAPAccount work
Host imap.example.com
Port 993
User me@example.com
PassCmd "pass show mail/work"
TLSType IMAPS
TLSVersions +1.2 +1.3
CertificateFile /etc/ssl/certs/ca-certificates.crt

IMAPStore work-remote
Account work

MaildirStore work-local
Path ~/Mail/work/
Inbox ~/Mail/work/INBOX
SubFolders Verbatim

Channel work
Far :work-remote:
Near :work-local:
Patterns * !Spam
Create Both
SyncState *

IMAPAccount bridge
Host 127.0.0.1
Port 1143
SSLType None
"#;
        expect![[r#"
            IMAPAccount work › Host = "imap.example.com" (Plain, line 3)
            IMAPAccount work › Port = "993" (Plain, line 4)
            IMAPAccount work › User = "me@example.com" (Plain, line 5)
            IMAPAccount work › PassCmd = "pass show mail/work" (Quoted, line 6)
            IMAPAccount work › TLSType = "IMAPS" (Plain, line 7)
            IMAPAccount work › TLSVersions = "+1.2 +1.3" (Plain, line 8)
            IMAPAccount work › CertificateFile = "/etc/ssl/certs/ca-certificates.crt" (Plain, line 9)
            IMAPStore work-remote › Account = "work" (Plain, line 12)
            MaildirStore work-local › Path = "~/Mail/work/" (Plain, line 15)
            MaildirStore work-local › Inbox = "~/Mail/work/INBOX" (Plain, line 16)
            MaildirStore work-local › SubFolders = "Verbatim" (Plain, line 17)
            Channel work › Far = ":work-remote:" (Plain, line 20)
            Channel work › Near = ":work-local:" (Plain, line 21)
            Channel work › Patterns = "* !Spam" (Plain, line 22)
            Channel work › Create = "Both" (Plain, line 23)
            Channel work › SyncState = "*" (Plain, line 24)
            IMAPAccount bridge › Host = "127.0.0.1" (Plain, line 27)
            IMAPAccount bridge › Port = "1143" (Plain, line 28)
            IMAPAccount bridge › SSLType = "None" (Plain, line 29)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let port = &parse(text).settings[1];
        assert_eq!(&*port.style.separator, " ");
        assert_eq!(port.style.insert_at, text.find("993").unwrap() + 3);
    }

    #[test]
    fn global_lines_have_no_section() {
        let text = "Expunge Both\r\n\r\nIMAPStore s\r\nHost imaps:imap.gmail.com\r\n";
        expect![[r#"
            Expunge = "Both" (Plain, line 1)
            IMAPStore s › SSLType = "IMAPS" (Plain, line 4) written "imaps"
            IMAPStore s › Host = "imap.gmail.com" (Plain, line 4)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }
}
