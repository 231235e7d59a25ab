//! Postfix `main.cf` and `master.cf`.
//!
//! `main.cf`: `key = value` lines; a line that starts with whitespace continues the previous value;
//! `#` lines are comments. Settings come out as `["relayhost"]` …; a continued value is read as one
//! (its parts joined by single spaces) and its span covers every line.
//!
//! `master.cf`: a service line `name type private unpriv chroot wakeup maxproc command args…`,
//! continued by indented lines; each `-o key=value` override comes out as `["name/type", key]`
//! (`["submission/inet", "smtpd_tls_security_level"]`).

use super::literal::{line_end, line_style, setting};
use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};

/// A logical line: its first physical line's offset, and its text spans (one per physical line).
struct Logical {
    start: usize,
    /// (offset, text) of each physical line, without the line break.
    parts: Vec<(usize, String)>,
}

fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    // Postfix starts a logical line at column 0. A whole document indented alike (a `main.cf: |`
    // block of a Kubernetes ConfigMap, written out without the block's indentation) starts its
    // lines at the indentation of its first line; only lines indented further continue.
    let base = text
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .find(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map_or(0, |line| {
            line.len() - line.trim_start_matches([' ', '\t']).len()
        });
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let body = content.trim();
        if body.starts_with('#') {
            continue;
        }
        if body.is_empty() {
            // An empty line ends a logical line (Postfix: "a line that starts with whitespace
            // continues", but blank lines are ignored; treat them as ends for safety).
            out.push(Logical {
                start,
                parts: Vec::new(),
            });
            continue;
        }
        let indent = content.len() - content.trim_start_matches([' ', '\t']).len();
        let continues = indent > base;
        match out.last_mut() {
            Some(last) if continues && !last.parts.is_empty() => {
                last.parts.push((start, content.to_string()))
            }
            _ => out.push(Logical {
                start,
                parts: vec![(start, content.to_string())],
            }),
        }
    }
    out.retain(|l| !l.parts.is_empty());
    out
}

pub fn parse_main(text: &str) -> Parsed {
    let mut settings = Vec::new();
    for line in logical_lines(text) {
        let Some((first_offset, first)) = line.parts.first() else {
            continue;
        };
        let Some(eq) = first.find('=') else { continue };
        let key_text = first.get(..eq).unwrap_or("");
        let key = key_text.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let key_start = first_offset + (key_text.len() - key_text.trim_start().len());
        // The value: rest of the first line, then every continuation line.
        let after = first.get(eq + 1..).unwrap_or("");
        let mut pieces: Vec<(usize, &str)> = vec![(first_offset + eq + 1, after)];
        for (offset, part) in line.parts.iter().skip(1) {
            pieces.push((*offset, part.as_str()));
        }
        let mut words: Vec<&str> = Vec::new();
        let mut span_start: Option<usize> = None;
        let mut span_end = first_offset + eq + 1;
        for (offset, piece) in &pieces {
            let trimmed = piece.trim();
            if trimmed.is_empty() {
                continue;
            }
            let lead = piece.len() - piece.trim_start().len();
            span_start.get_or_insert(offset + lead);
            span_end = offset + lead + trimmed.len();
            words.push(trimmed);
        }
        let value_start = span_start.unwrap_or_else(|| {
            // `key =` with nothing after: the value span is the insertion point after `= `.
            let after_eq = first_offset + eq + 1;
            after_eq + (after.len() - after.trim_start().len()).min(after.len())
        });
        let value_end = span_end.max(value_start);
        settings.push(setting(
            vec![key.to_string()],
            words.join(" "),
            ValueKind::Plain,
            key_start..key_start + key.len(),
            value_start..value_end,
            line_style(text, line.start, line_end(text, value_end), " = "),
        ));
    }
    Parsed::new(settings, Vec::new())
}

pub fn parse_master(text: &str) -> Parsed {
    let mut settings: Vec<Setting> = Vec::new();
    for line in logical_lines(text) {
        // Words of the whole logical line, each with its offset.
        let mut words: Vec<(usize, &str)> = Vec::new();
        for (offset, part) in &line.parts {
            let mut pos = 0;
            for word in part.split_whitespace() {
                let Some(found) = part.get(pos..).and_then(|rest| rest.find(word)) else {
                    break;
                };
                words.push((offset + pos + found, word));
                pos += found + word.len();
            }
        }
        let (Some((_, name)), Some((_, kind))) = (words.first(), words.get(1)) else {
            continue;
        };
        if words.len() < 8 {
            continue;
        }
        let group = format!("{name}/{kind}");
        let mut i = 8;
        while let Some(&(offset, word)) = words.get(i) {
            i += 1;
            // `-o key=value` or `-okey=value`.
            let (assign_offset, assign) = if word == "-o" {
                match words.get(i) {
                    Some(&(o, w)) => {
                        i += 1;
                        (o, w)
                    }
                    None => break,
                }
            } else if let Some(rest) = word.strip_prefix("-o") {
                (offset + 2, rest)
            } else {
                continue;
            };
            let Some((key, value)) = assign.split_once('=') else {
                continue;
            };
            let value_start = assign_offset + key.len() + 1;
            settings.push(setting(
                vec![group.clone(), key.to_string()],
                value.to_string(),
                ValueKind::Plain,
                assign_offset..assign_offset + key.len(),
                value_start..value_start + value.len(),
                EntryStyle::new(
                    line_end(text, value_start),
                    EntryShape {
                        lead: "\n  ".into(),
                        key_prefix: "-o ".to_string(),
                        separator: "=".into(),
                        ..EntryShape::default()
                    },
                ),
            ));
        }
    }
    Parsed::new(settings, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn main_cf_with_continuations() {
        let text = r#"# /etc/postfix/main.cf
myhostname = mail.example.com
mydestination = $myhostname, localhost.$mydomain,
    localhost
relayhost = [smtp.example.com]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd
smtp_tls_security_level=may
smtp_tls_protocols = !SSLv2, !SSLv3
	!TLSv1
# smtp_tls_wrappermode = yes
mynetworks =
message_size_limit = 52428800
"#;
        expect![[r#"
            myhostname = "mail.example.com" (Plain, line 2)
            mydestination = "$myhostname, localhost.$mydomain, localhost" (Plain, line 3) written "$myhostname, localhost.$mydomain,\n    localhost"
            relayhost = "[smtp.example.com]:587" (Plain, line 5)
            smtp_sasl_auth_enable = "yes" (Plain, line 6)
            smtp_sasl_password_maps = "hash:/etc/postfix/sasl_passwd" (Plain, line 7)
            smtp_tls_security_level = "may" (Plain, line 8)
            smtp_tls_protocols = "!SSLv2, !SSLv3 !TLSv1" (Plain, line 9) written "!SSLv2, !SSLv3\n\t!TLSv1"
            mynetworks = "" (Plain, line 12)
            message_size_limit = "52428800" (Plain, line 13)
        "#]]
        .assert_eq(&render(text, &parse_main(text)));
        assert_prefixes_parse(text, parse_main);
        let parsed = parse_main(text);
        let level = &parsed.settings[5];
        assert_eq!(&*level.style.separator, " = ");
        assert_eq!(level.style.insert_at, text.find("=may").unwrap() + 4);
        let protocols = &parsed.settings[6];
        assert_eq!(protocols.style.insert_at, text.find("!TLSv1").unwrap() + 6);
    }

    /// A document indented as a whole (a ConfigMap's `main.cf: |` block) starts its lines at its
    /// first line's indentation; only lines indented further continue.
    #[test]
    fn main_cf_indented_as_a_whole() {
        let text = "    relayhost = [smtp.gmail.com]:465\n    smtp_tls_protocols = !SSLv2,\n      !SSLv3\n    smtp_tls_wrappermode = yes\n";
        expect![[r#"
            relayhost = "[smtp.gmail.com]:465" (Plain, line 1)
            smtp_tls_protocols = "!SSLv2, !SSLv3" (Plain, line 2) written "!SSLv2,\n      !SSLv3"
            smtp_tls_wrappermode = "yes" (Plain, line 4)
        "#]]
        .assert_eq(&render(text, &parse_main(text)));
        assert_prefixes_parse(text, parse_main);
    }

    #[test]
    fn master_cf_overrides() {
        let text = r#"# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
smtps     inet  n       -       y       -       -       smtpd -o smtpd_tls_wrappermode=yes
relay     unix  -       -       y       -       -       smtp
    -o smtp_tls_wrappermode=yes -o smtp_tls_security_level=encrypt
"#;
        expect![[r#"
            submission/inet › syslog_name = "postfix/submission" (Plain, line 4)
            submission/inet › smtpd_tls_security_level = "encrypt" (Plain, line 5)
            submission/inet › smtpd_sasl_auth_enable = "yes" (Plain, line 6)
            smtps/inet › smtpd_tls_wrappermode = "yes" (Plain, line 7)
            relay/unix › smtp_tls_wrappermode = "yes" (Plain, line 9)
            relay/unix › smtp_tls_security_level = "encrypt" (Plain, line 9)
        "#]]
        .assert_eq(&render(text, &parse_master(text)));
        assert_prefixes_parse(text, parse_master);
    }
}
