//! MP005 opportunistic-starttls.

use super::fix_choices::secure_fixes;
use super::{Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::knowledge::ports;
use crate::vocab::{RuleCode, RuleDoc, Security};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp005,
        summary: "Credentials are sent over STARTTLS that is only used if the server offers it: an attacker who strips STARTTLS gets the password (RFC 3207 §6, NO STARTTLS).",
        body: r#"
## What it does

Checks for a connection with credentials whose STARTTLS is opportunistic: used only if the server
offers it. Examples: nodemailer without `requireTLS`, Laravel/Symfony `smtp://` on 587, Rails
`enable_starttls_auto`, Mastodon `SMTP_ENABLE_STARTTLS=auto`, Grafana `OpportunisticStartTLS`,
Postfix `smtp_tls_security_level = may` with SASL.

## Why is this bad?

The offer of STARTTLS travels in clear. An attacker on the path removes it from the server's
greeting, the client carries on without TLS, and the password crosses the network readable
(RFC 3207 §6; the NO STARTTLS study, USENIX Security 2021, found this in many clients).

## Example

```javascript
const transport = nodemailer.createTransport({
  host: "smtp.example.com",
  port: 587,
  secure: false,
  auth: { user: "app", pass: process.env.SMTP_PASSWORD },
});
```

## When it stays silent

- The connection carries no credentials (SMTP relay on 25 without a login is opportunistic by
  design: MX delivery works that way).
- The host is loopback or a local mail catcher.
- The connection cannot work at all (MP001, MP002, MP003, MP007, MP010).

## Fix

Makes STARTTLS required with the application's key (`requireTLS: true`,
`SMTP_ENABLE_STARTTLS=always`, `smtp_tls_security_level = encrypt` …), or switches to implicit TLS
on the implicit-TLS port; the preferred fix follows `prefer`.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.e.security != Security::StarttlsOpportunistic || !ctx.e.credentials || !ctx.is_remote() {
        return;
    }
    let Some(protocol) = ctx.e.protocol else {
        return;
    };
    let n = ctx.e.port_number();
    out.push(ctx.finding(
        RuleCode::Mp005,
        ctx.mode_span(),
        format!(
            "the password is sent over STARTTLS that is only used if the server offers it ({}): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on {}.",
            ctx.mode_source(),
            ports::implicit_port(protocol)
        ),
        secure_fixes(ctx, protocol, n),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    const NODEMAILER: &str = "const transport = nodemailer.createTransport({\n  host: \"smtp.example.com\",\n  port: 587,\n  secure: false,\n  auth: { user: \"app\", pass: process.env.SMTP_PASSWORD },\n});\n";

    #[test]
    fn fires_on_nodemailer_without_require_tls() {
        assert_eq!(codes("mailer.js", NODEMAILER), [RuleCode::Mp005]);
        let fixed = fixed("mailer.js", NODEMAILER, RuleCode::Mp005).unwrap_or_default();
        assert!(codes("mailer.js", &fixed).is_empty(), "{fixed}");
    }

    #[test]
    fn silent_with_require_tls_or_without_credentials() {
        let required = NODEMAILER.replace("secure: false,", "secure: false,\n  requireTLS: true,");
        assert!(codes("mailer.js", &required).is_empty(), "{required}");
        let anonymous = NODEMAILER.replace(
            "  auth: { user: \"app\", pass: process.env.SMTP_PASSWORD },\n",
            "",
        );
        assert!(codes("mailer.js", &anonymous).is_empty(), "{anonymous}");
    }

    /// nodemailer's options exported whole name no protocol: the variable the host is read from
    /// does, where it is a sending application's name for it (`MAIL_HOST`) or names SMTP.
    #[test]
    fn an_exported_options_object_is_smtp_by_its_host_variable() {
        let module = "module.exports = {\n  host: process.env.MAIL_HOST,\n  port: process.env.MAIL_PORT,\n  secure: false,\n  auth: { user: process.env.MAIL_USER, pass: process.env.MAIL_PASS },\n};\n";
        assert_eq!(codes("mail.js", module), [RuleCode::Mp005]);
        let smtp = module.replace("MAIL_HOST", "SMTP_SERVER");
        assert_eq!(codes("mail.js", &smtp), [RuleCode::Mp005]);
        // Another program's options (a database's, a name that is not the sender's) stay unread.
        for host in ["DB_HOST", "MAILBOX_HOST", "HOST"] {
            let other = module.replace("MAIL_HOST", host);
            assert!(codes("mail.js", &other).is_empty(), "{other}");
        }
    }
}
