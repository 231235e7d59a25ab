//! MP001 invalid-port.

use super::{Ctx, Rule};
use crate::analysis::findings::{Finding, Fix};
use crate::analysis::fixes;
use crate::knowledge::ports;
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp001,
        summary: "The port is not an integer from 1 to 65535.",
        body: r#"
## What it does

Checks that the port of a mail connection is a whole number from 1 to 65535.

## Why is this bad?

The application cannot open a connection on `0`, `70000`, `-1`, `58 7` or `smtp`: depending on the
application it refuses to start, falls back to its default port (often 25, which is then blocked or
unencrypted) or fails at the first message it sends.

## Example

```dotenv
EMAIL_HOST=smtp.example.com
EMAIL_PORT=58 7
EMAIL_USE_TLS=True
```

## When it stays silent

A value that is a variable or a template (`${SMTP_PORT}`, `{{ smtp_port }}`, `%(port)s`,
`<your-port>`) is configured elsewhere: it is not invalid, and it decides nothing else.

## Fix

Only where the intended number is evident — stray spaces, full-width digits (`５８７`) — the fix
writes that number (`Use port 587`). Otherwise there is no fix: only you know the port.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(port) = ctx.e.port.as_ref() else {
        return;
    };
    let Err(err) = ports::parse_port(&port.value) else {
        return;
    };
    // The evident intent: stray spaces, full-width digits.
    let folded: String = port
        .value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let mut fixes = Vec::new();
    if let Ok(Some(n)) = ports::parse_port(&folded) {
        if folded != port.value {
            if let Some(edit) = fixes::rewrite(&ctx.doc, port, &n.to_string()) {
                fixes.push(Fix {
                    title: format!("Use port {n}"),
                    preferred: true,
                    edits: vec![edit],
                });
            }
        }
    }
    let proto = ctx.e.protocol.map(|p| p.label()).unwrap_or("mail");
    out.push(ctx.finding(
        RuleCode::Mp001,
        port.span.clone(),
        format!("invalid {proto} port: {err}. A port is a whole number from 1 to 65535 (for example 465 or 587)."),
        fixes,
    ));
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_a_port_that_is_not_a_number() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=smtp\nEMAIL_USE_TLS=True\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp001]);
        assert_eq!(
            fixed(".env", text, RuleCode::Mp001),
            None,
            "no evident number"
        );
    }

    #[test]
    fn fires_out_of_range_and_fixes_full_width_digits() {
        assert_eq!(
            codes(
                "application.properties",
                "spring.mail.host=smtp.example.com\nspring.mail.port=70000\n"
            ),
            [RuleCode::Mp001]
        );
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=５８７\nEMAIL_USE_TLS=True\n";
        assert_eq!(
            fixed(".env", text, RuleCode::Mp001).as_deref(),
            Some("EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\n")
        );
    }

    #[test]
    fn silent_on_variables_and_templates() {
        for port in ["${SMTP_PORT}", "{{ smtp_port }}", "<your-port>"] {
            let text =
                format!("EMAIL_HOST=smtp.example.com\nEMAIL_PORT={port}\nEMAIL_USE_TLS=True\n");
            assert!(!codes(".env", &text).contains(&RuleCode::Mp001), "{port}");
        }
    }
}
