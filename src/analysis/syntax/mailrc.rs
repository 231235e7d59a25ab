//! mailx / s-nail `.mailrc`: `set name=value` (`set smtp=smtps://…`, `set smtp-use-starttls`,
//! `set ssl-verify=ignore`, v15 `set mta=smtps://user@host:465`), `unset name`, and
//! `account NAME { … }` blocks. Settings come out as `["smtp"]`, or `["account NAME", "smtp"]` inside
//! an account block.
//!
//! A shell script that writes the file with a heredoc (`cat > ~/.mailrc <<EOF … EOF`) is read too:
//! [`super::parse`] hands over the heredoc bodies alone ([`super::heredoc`]).

use super::muttrc::{logical_lines, read_command};
use super::Parsed;

/// The key a scheme-less `smtp=host[:port]` is read under.
pub const SMTP_HOST_PORT: &str = "smtp (host:port)";

pub fn parse(text: &str) -> Parsed {
    let mut settings = Vec::new();
    let mut group: Vec<String> = Vec::new();
    // A line that ends in `\` goes on with the next (s-nail, like mutt): `set mta=smtp://… \`
    // then `smtp-use-starttls` is one `set` command of two variables.
    for (start, content) in logical_lines(text) {
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
    Parsed::new(settings, Vec::new())
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

    /// As a shell script's text is read ([`super::super::parse`] hands over its heredocs).
    fn in_script(text: &str) -> Parsed {
        super::super::parse(crate::vocab::Format::Mailrc, text)
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
        .assert_eq(&render(text, &in_script(text)));
        assert_prefixes_parse(text, in_script);
    }
}
