//! MP008 tls-verification-disabled.

use super::{Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp008,
        summary: "Certificate checking is switched off: a session whose certificate cannot be validated is not confidential (RFC 8314 §5).",
        body: r#"
## What it does

Checks for settings that switch off the check of the server's certificate on a connection to a
host that is not local: `rejectUnauthorized: false`, `verify_peer=0`, `tls_certcheck off`,
`openssl_verify_mode: none`, `mail.smtp.ssl.trust=*`, `ssl_verify = no` and the like.

## Why is this bad?

TLS without a checked certificate protects against nobody on the path: anyone who can intercept
the connection presents their own certificate, reads the password and the mail, and passes them
on. RFC 8314 §5: a session whose certificate cannot be validated is not confidential.

## Example

```javascript
const transport = nodemailer.createTransport({
  host: "smtp.example.com",
  port: 465,
  secure: true,
  tls: { rejectUnauthorized: false },
});
```

## When it stays silent

The host is loopback or a local mail catcher. It reports even when the connection cannot work for
another reason (MP003 …): the setting is wrong either way.

## Fix

None is offered: removing the setting may break a connection to a server with a self-signed or
private certificate. Remove it, or make the client trust the server's CA (a `ca` file, the system
store) instead.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.e.verify_off.is_empty() || !ctx.is_remote() {
        return;
    }
    for l in &ctx.e.verify_off {
        let setting = ctx.doc.settings.get(l.setting);
        let what = match setting {
            // a flag (msmtp's `tls_nocertcheck`): the key alone
            Some(s) if l.value.trim().is_empty() => ctx.e.key_label(s).to_string(),
            Some(s) if s.value == l.value => format!("{}={}", ctx.e.key_label(s), l.value.trim()),
            _ => l.value.trim().to_string(),
        };
        // a flag has no value to point at: its key
        let span = match setting {
            Some(s) if l.span.is_empty() => s.key_span.clone(),
            _ => l.span.clone(),
        };
        out.push(ctx.finding(
            RuleCode::Mp008,
            span,
            format!(
                "certificate checking is switched off ({what}) for {}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.",
                ctx.host().unwrap_or("this server")
            ),
            Vec::new(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;
    use crate::vocab::RuleCode;

    const NODEMAILER: &str = "nodemailer.createTransport({\n  host: \"smtp.example.com\",\n  port: 465,\n  secure: true,\n  tls: { rejectUnauthorized: false },\n});\n";

    /// Two accounts that inherit one `defaults` line find the same thing there: said once (as
    /// two endpoints around an `if` that share a setting).
    #[test]
    fn one_finding_for_a_line_two_endpoints_share() {
        let text = "defaults\ntls on\ntls_certcheck off\n\naccount work\nhost smtp.example.com\nport 587\n\naccount home\nhost smtp.example.com\nport 587\n";
        assert_eq!(codes("msmtprc", text), [RuleCode::Mp008]);
        let two_hosts = text.replacen("smtp.example.com", "smtp.example.org", 1);
        assert_eq!(
            codes("msmtprc", &two_hosts),
            [RuleCode::Mp008, RuleCode::Mp008]
        );
    }

    /// nodemailer options built apart under a name that says what they are for
    /// (`transportConfig`), handed to `createTransport` later.
    #[test]
    fn nodemailer_options_named_as_a_transport_config() {
        let text = "const transportConfig = {\n  host: config.serverName,\n  port: config.port,\n  tls: { rejectUnauthorized: false },\n};\nreturn nodemailer.createTransport(transportConfig);\n";
        assert_eq!(codes("mail.ts", text), [RuleCode::Mp008]);
        let other = text.replace("transportConfig", "cacheConfig");
        assert!(codes("mail.ts", &other).is_empty(), "{other}");
    }

    /// A mailer's `delivery_method_options` are merged over the application's smtp_settings:
    /// what they switch off counts, and what they leave out is set elsewhere (no ActionMailer
    /// default, so no MP005 for the STARTTLS they do not mention).
    #[test]
    fn rails_delivery_method_options_of_a_mailer() {
        let text = "class InternalMailer < ApplicationMailer\n  default delivery_method_options: {\n    address: Rails.configuration.smtp_domain,\n    user_name: App.smtp_username,\n    password: App.smtp_password,\n    openssl_verify_mode: \"none\"\n  }\nend\n";
        assert_eq!(codes("internal_mailer.rb", text), [RuleCode::Mp008]);
        let checked = text.replace("\"none\"", "\"peer\"");
        assert!(
            codes("internal_mailer.rb", &checked).is_empty(),
            "{checked}"
        );
    }

    #[test]
    fn fires_on_reject_unauthorized_false() {
        assert_eq!(codes("mailer.js", NODEMAILER), [RuleCode::Mp008]);
    }

    #[test]
    fn fires_alongside_a_mode_mismatch() {
        let text = NODEMAILER.replace("port: 465", "port: 587");
        assert_eq!(
            codes("mailer.js", &text),
            [RuleCode::Mp003, RuleCode::Mp008]
        );
    }

    #[test]
    fn silent_for_a_local_catcher() {
        let text = NODEMAILER.replace("smtp.example.com", "localhost");
        assert!(codes("mailer.js", &text).is_empty());
    }
}
