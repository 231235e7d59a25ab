//! MP010 conflicting-tls-settings.

use super::fix_choices::{mode_fixes, secure_options};
use super::{preferred_is_implicit, Ctx, Rule};
use crate::analysis::endpoints::SecurityFrom;
use crate::analysis::findings::Finding;
use crate::analysis::fixes::Doc;
use crate::knowledge::ports::{self, PortMode};
use crate::vocab::{Protocol, RuleCode, RuleDoc, Security};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp010,
        summary: "Two settings of one connection ask for different TLS modes at once.",
        body: r#"
## What it does

Checks that the settings of one connection ask for one TLS mode: not implicit TLS and STARTTLS (or
TLS and no TLS) at the same time.

## Why is this bad?

The application either refuses the configuration — Django raises `ValueError` when
`EMAIL_USE_TLS` and `EMAIL_USE_SSL` are both true — or silently picks one of the two, so the
connection does something other than one of the lines says. Example: msmtp `tls off` with
`tls_starttls on`. Where the application documents which one wins, that is no conflict but that
mode: Jakarta Mail with `ssl.enable` and `starttls.enable` both true connects with implicit TLS
and skips STARTTLS on it.

## Example

```dotenv
EMAIL_HOST=smtp.example.com
EMAIL_PORT=587
EMAIL_USE_TLS=True
EMAIL_USE_SSL=True
```

## Fix

Keeps one mode and switches the other key off, in one edit: the mode the port asks for (STARTTLS
on 587, implicit TLS on 465), or the other mode together with its port. The preferred fix follows
`prefer` (implicit TLS by default).
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(first) = ctx.e.conflicts.first() else {
        return;
    };
    let keys: Vec<String> = ctx
        .e
        .conflicts
        .iter()
        .filter_map(|l| ctx.doc.settings.get(l.setting))
        .map(|s| format!("{}={}", ctx.e.key_label(s), s.value.trim()))
        .collect();
    let protocol = ctx.e.protocol.unwrap_or(Protocol::Smtp);
    // Keep the mode the port asks for.
    let mode = match ctx.e.port_number().and_then(ports::lookup) {
        Some(p) if p.mode == PortMode::ImplicitTls => Security::ImplicitTls,
        Some(_) => Security::StarttlsRequired,
        None if preferred_is_implicit(ctx.prefer) => Security::ImplicitTls,
        None => Security::StarttlsRequired,
    };
    // The fixes are built as for an endpoint whose mode nothing decides yet.
    let mut e = ctx.e.clone();
    e.security = Security::Unknown;
    e.security_from = SecurityFrom::Nothing;
    let inner = Ctx {
        doc: Doc {
            format: ctx.doc.format,
            settings: ctx.doc.settings,
        },
        e: &e,
        profile: ctx.profile,
        prefer: ctx.prefer,
    };
    let mut options = vec![(None, mode)];
    options.extend(secure_options(&inner, protocol));
    let fixes = mode_fixes(&inner, &options);
    out.push(ctx.finding(
        RuleCode::Mp010,
        first.span.clone(),
        format!(
            "{} for two TLS modes at once (implicit TLS and STARTTLS); {} refuses or picks one silently. Keep one: implicit TLS on {}, or STARTTLS on {}.",
            match keys.as_slice() {
                // the other mode is the application's default (Airflow's `smtp_starttls`)
                [one] => format!("{one}, with the default of the other TLS setting, asks"),
                _ => format!("{} ask", keys.join(" and ")),
            },
            ctx.profile.name,
            ports::implicit_port(protocol),
            ports::starttls_port(protocol)
        ),
        fixes,
    ));
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_both_django_flags_and_keeps_one() {
        let text =
            "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_USE_SSL=True\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp010]);
        let fixed = fixed(".env", text, RuleCode::Mp010).unwrap_or_default();
        assert!(codes(".env", &fixed).is_empty(), "{fixed}");
    }

    #[test]
    fn silent_where_the_application_says_which_mode_wins() {
        // Jakarta Mail: SSL first, then "STARTTLS requested but already using SSL": implicit TLS,
        // which port 587 does not speak.
        let text = "mail.smtp.host=smtp.example.com\nmail.smtp.port=587\nmail.smtp.ssl.enable=true\nmail.smtp.starttls.enable=true\n";
        assert_eq!(codes("mail.properties", text), [RuleCode::Mp003]);
        let on_465 = text.replace("587", "465");
        assert!(codes("mail.properties", &on_465).is_empty());
    }

    #[test]
    fn silent_with_one_mode() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_USE_SSL=False\n";
        assert!(codes(".env", text).is_empty());
    }
}
