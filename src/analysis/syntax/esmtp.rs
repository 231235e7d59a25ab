//! esmtp `~/.esmtprc` (esmtprc(5)): `keyword[=]value` lines, `#` comments, and `identity NAME`
//! starting the options of one sender identity (`default` marks the one used when no identity
//! matches).
//!
//! `identity me@example.com` then `hostname=smtp.example.com:587` gives the setting
//! `["identity me@example.com", "hostname"]`; options before any identity are `["global", …]`.

use super::literal::{line_style, setting, word_value};
use super::Parsed;

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let mut group = "global".to_string();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = start;
        start += raw.len();
        let content = raw.trim_end_matches(['\n', '\r']);
        let lead = content.len() - content.trim_start().len();
        let body = content.trim();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let key_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(body.len());
        if key_len == 0 {
            continue;
        }
        let key = &body[..key_len];
        let rest = &body[key_len..];
        let after_blank = rest.trim_start();
        let after_equals = after_blank.strip_prefix('=').unwrap_or(after_blank);
        let written = after_equals.trim_start();
        let value_start = line_start + lead + body.len() - written.len();
        let (value, kind, value_span) = word_value(written, value_start);
        if key.eq_ignore_ascii_case("identity") {
            group = format!("identity {value}");
            continue;
        }
        let key_start = line_start + lead;
        let end = line_start + content.len();
        settings.push(setting(
            vec![group.clone(), key.to_string()],
            value,
            kind,
            key_start..key_start + key_len,
            value_span,
            line_style(text, key_start, end, "="),
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
    fn identities_and_both_spellings() {
        let text = "# esmtp\nidentity \"me@example.com\"\nhostname smtp.example.com:587\nusername = \"me\"\nstarttls required \ndefault\n\nidentity other@example.org\nhostname=mail.example.org:25\n";
        expect![[r#"
            identity me@example.com › hostname = "smtp.example.com:587" (Plain, line 3)
            identity me@example.com › username = "me" (Quoted, line 4)
            identity me@example.com › starttls = "required" (Plain, line 5)
            identity me@example.com › default = "" (Plain, line 6)
            identity other@example.org › hostname = "mail.example.org:25" (Plain, line 9)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn every_prefix_parses() {
        assert_prefixes_parse(
            "identity \"a@b\"\nhostname = \"h:25\"\nstarttls enabled\n=x\né=\"\n",
            parse,
        );
    }
}
