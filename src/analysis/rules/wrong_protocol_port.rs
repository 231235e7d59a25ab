//! MP002 wrong-protocol-port.

use super::fix_choices::{mode_fixes, secure_options, target_port};
use super::{a_protocol, Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::knowledge::ports;
use crate::vocab::{RuleCode, RuleDoc, Security};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp002,
        summary: "The port is the well-known port of a different mail protocol (for example SMTP on 993, IMAP on 587).",
        body: r#"
## What it does

Checks that the port of a connection is not the well-known port of another mail protocol: SMTP on
110, 143, 993 or 995; IMAP on 25, 110, 465, 587 or 995; POP3 on 25, 143, 465, 587 or 993.

## Why is this bad?

The connection reaches the wrong service. An SMTP client talking to an IMAP server on 993 fails
with a confusing protocol error (or a TLS error first), usually after a copy-and-paste between the
incoming and the outgoing settings of an account.

## Example

```dotenv
MAIL_HOST=smtp.example.com
MAIL_PORT=993
MAIL_USERNAME=app@example.com
```

## When it stays silent

- The protocol of the connection is not known (a generic `port` key with no SMTP/IMAP/POP3 hint).
- The port is standard for the connection's own protocol, or not a mail port at all (MP011 may
  apply).
- The mode contradicts the port (MP003), or a provider documents other ports (MP007): those are
  reported instead. A provider's host of another protocol (MP007 on `imap.gmail.com` for POP3) is
  a second mistake in another setting: both are reported.

## Fix

Moves the connection to its protocol's port, keeping a required mode where there is one (implicit
TLS → 465/993/995, STARTTLS → 587/143/110). A weak mode is not carried over: both secure options
are offered, the preferred one following `prefer`.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    out.extend(wrong_port(ctx));
}

fn wrong_port(ctx: &Ctx) -> Option<Finding> {
    let protocol = ctx.e.protocol?;
    let n = ctx.e.port_number()?;
    let row = ports::standard(n)?;
    if row.protocol == protocol {
        return None;
    }
    let span = ctx
        .e
        .port
        .as_ref()
        .map(|p| p.span.clone())
        .unwrap_or_else(|| ctx.main_span());
    let mut options = Vec::new();
    match ctx.e.security {
        Security::ImplicitTls => options
            .extend(target_port(ctx, protocol, true).map(|p| (Some(p), Security::ImplicitTls))),
        Security::StarttlsRequired => options.extend(
            target_port(ctx, protocol, false).map(|p| (Some(p), Security::StarttlsRequired)),
        ),
        // A weak mode is not carried to the right port (MP004/MP005 would follow): offer the
        // secure ones.
        Security::StarttlsOpportunistic | Security::None | Security::Unknown => {
            options.extend(secure_options(ctx, protocol))
        }
    }
    let fixes = mode_fixes(ctx, &options);
    Some(ctx.finding(
        RuleCode::Mp002,
        span,
        format!(
            "port {n} is the {} port ({}), but this is {} connection: it will reach the wrong service. {} uses {} (implicit TLS) or {} (STARTTLS).",
            row.protocol.label(),
            row.iana.unwrap_or(row.role),
            a_protocol(protocol),
            protocol.label(),
            ports::implicit_port(protocol),
            ports::starttls_port(protocol)
        ),
        fixes,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_smtp_to_the_imaps_port() {
        let text = "MAIL_HOST=smtp.example.com\nMAIL_PORT=993\nMAIL_USERNAME=app@example.com\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp002]);
        let fixed = fixed(".env", text, RuleCode::Mp002).unwrap_or_default();
        assert!(fixed.contains("MAIL_PORT=465"), "{fixed}");
    }

    #[test]
    fn fires_on_imap_to_the_submission_port() {
        let text = "[Account]\nsource = imaps://me@imap.example.com:587\n";
        assert!(codes("accounts.conf", text).contains(&RuleCode::Mp002));
    }

    #[test]
    fn silent_on_the_protocol_s_own_port() {
        let text = "MAIL_HOST=smtp.example.com\nMAIL_PORT=465\nMAIL_USERNAME=app@example.com\n";
        assert!(!codes(".env", text).contains(&RuleCode::Mp002));
    }
}
