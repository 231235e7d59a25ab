//! MP004 cleartext-connection.

use super::fix_choices::secure_fixes;
use super::{Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::knowledge::ports;
use crate::vocab::{RuleCode, RuleDoc, Security, Severity};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp004,
        summary: "The connection uses no TLS at all: mail and passwords cross the network in clear (RFC 8314 §4).",
        body: r#"
## What it does

Checks for a connection to a host that is not local whose TLS mode is `none`: no implicit TLS and
no STARTTLS. The severity is **error** when the connection carries credentials (a username or
password belongs to it), **warning** otherwise.

## Why is this bad?

Everything crosses the network in clear: the messages and, with `AUTH PLAIN` or `LOGIN`, the
password, readable by anyone on the path (RFC 8314 §4 asks for TLS on every connection between a
mail client and its server).

## Example

```dotenv
EMAIL_HOST=mail.example.org
EMAIL_PORT=587
EMAIL_USE_TLS=False
EMAIL_HOST_USER=app@example.org
EMAIL_HOST_PASSWORD=s3cret
```

## When it stays silent

- The host is loopback or a local mail catcher (`localhost`, `127.0.0.1`, `::1`, `mailpit`,
  `mailhog` …), or the catchers' port 1025 with no host named. A host the document does not name
  (`${SMTP_HOST}`) is not local: the rule applies.
- The mode is `unknown`.
- The connection cannot work at all (MP001, MP002, MP003, MP007, MP010 report the root cause).

## Fix

Switches to implicit TLS on the protocol's implicit-TLS port, or makes STARTTLS required with the
application's own key (`EMAIL_USE_TLS=True`, `requireTLS: true`, `smtp_tls_security_level =
encrypt` …), every key involved in one edit; the preferred fix follows `prefer`.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.e.security != Security::None || !ctx.is_remote() {
        return;
    }
    let Some(protocol) = ctx.e.protocol else {
        return;
    };
    let n = ctx.e.port_number();
    // MX relay on 25 without credentials is opportunistic by design: only a plain "none" there is
    // still worth a warning, and that is what this is.
    let what = if ctx.e.credentials {
        "mail and the password cross"
    } else {
        "mail crosses"
    };
    let mut f = ctx.finding(
        RuleCode::Mp004,
        ctx.mode_span(),
        format!(
            "{} connection to {} without TLS ({}): {what} the network in clear (RFC 8314). Use implicit TLS on {}, or require STARTTLS.",
            protocol.label(),
            ctx.host().unwrap_or("the server"),
            ctx.mode_source(),
            ports::implicit_port(protocol)
        ),
        secure_fixes(ctx, protocol, n),
    );
    if ctx.e.credentials {
        f.severity = Severity::Error;
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, finding, fixed};
    use crate::vocab::{RuleCode, Severity};

    const DJANGO_PLAIN: &str = "EMAIL_HOST=mail.example.org\nEMAIL_PORT=587\nEMAIL_USE_TLS=False\nEMAIL_HOST_USER=app@example.org\nEMAIL_HOST_PASSWORD=s3cret\n";

    /// Jakarta Mail's stores read `mail.pop3.*` and `mail.imap.*` as its transport reads
    /// `mail.smtp.*`: no TLS unless a key asks for it (port 110 / 143), implicit TLS with
    /// `ssl.enable` (995 / 993 by default).
    #[test]
    fn jakarta_mail_stores() {
        let pop3 = "mail.store.protocol=pop3\nmail.pop3.host=pop.example.com\nmail.pop3.port=110\n";
        let f = finding("mail.properties", pop3, RuleCode::Mp004);
        assert!(
            f.is_some_and(|f| f.message.starts_with("POP3 connection")),
            "{pop3}"
        );
        for silent in [
            "mail.pop3.host=pop.example.com\nmail.pop3.port=995\nmail.pop3.ssl.enable=true\n",
            "mail.imap.host=imap.example.com\nmail.imap.ssl.enable=true\n",
        ] {
            assert!(codes("mail.properties", silent).is_empty(), "{silent}");
        }
    }

    /// GitLab's incoming-email mailbox is read over IMAP by mail_room: port 143 without `ssl` or
    /// `start_tls` (its defaults) sends the mailbox password in clear; a mailbox that is not
    /// enabled is never read.
    #[test]
    fn gitlab_incoming_email_over_plain_imap() {
        let text = "gitlab_rails['incoming_email_enabled'] = true\ngitlab_rails['incoming_email_email'] = \"incoming@example.com\"\ngitlab_rails['incoming_email_password'] = \"s3cret\"\ngitlab_rails['incoming_email_host'] = \"imap.example.com\"\ngitlab_rails['incoming_email_port'] = 143";
        let f = finding("gitlab.rb", text, RuleCode::Mp004);
        assert_eq!(f.map(|f| f.severity), Some(Severity::Error), "{text}");
        let fixed = fixed("gitlab.rb", text, RuleCode::Mp004).unwrap_or_default();
        assert!(
            fixed.ends_with("= 993\ngitlab_rails['incoming_email_ssl'] = true"),
            "{fixed}"
        );
        assert!(codes("gitlab.rb", &fixed).is_empty(), "{fixed}");
        let required = format!("{text}\ngitlab_rails['incoming_email_start_tls'] = true\n");
        assert!(codes("gitlab.rb", &required).is_empty(), "{required}");
        let off = text.replace("enabled'] = true", "enabled'] = false");
        assert!(codes("gitlab.rb", &off).is_empty(), "{off}");
    }

    #[test]
    fn fires_as_an_error_with_a_password_and_fixes_to_implicit_tls() {
        assert_eq!(codes(".env", DJANGO_PLAIN), [RuleCode::Mp004]);
        let f = finding(".env", DJANGO_PLAIN, RuleCode::Mp004);
        assert_eq!(f.map(|f| f.severity), Some(Severity::Error));
        let fixed = fixed(".env", DJANGO_PLAIN, RuleCode::Mp004).unwrap_or_default();
        assert!(
            fixed.contains("EMAIL_PORT=465") && fixed.contains("EMAIL_USE_SSL=True"),
            "{fixed}"
        );
        assert!(codes(".env", &fixed).is_empty(), "{fixed}");
    }

    #[test]
    fn a_warning_without_credentials_and_for_an_unnamed_host() {
        let text = "EMAIL_HOST=${SMTP_HOST}\nEMAIL_PORT=587\nEMAIL_USE_TLS=False\n";
        let f = finding(".env", text, RuleCode::Mp004);
        assert_eq!(f.map(|f| f.severity), Some(Severity::Warning));
    }

    #[test]
    fn silent_for_local_hosts_and_catchers() {
        for host in ["localhost", "127.0.0.1", "mailpit"] {
            let text = DJANGO_PLAIN.replace("mail.example.org", host);
            assert!(codes(".env", &text).is_empty(), "{host}");
        }
    }
}
