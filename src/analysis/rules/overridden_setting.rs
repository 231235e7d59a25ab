//! MP012 overridden-setting.

use super::{per_setting, Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp012,
        summary: "The application replaces this setting with a value from another source (a nodemailer well-known `service` is merged over `host`, `port` and `secure`): it has no effect.",
        body: r#"
## What it does

Checks for settings the application replaces with a value from another source, so that they have
no effect. Today: nodemailer merges a well-known `service` (`gmail`, `outlook` …) last, over
`host`, `port` and `secure`.

## Why is this bad?

The file says one thing and the application does another: whoever reads `host` and `port` to debug
a connection reads the wrong values, and a change to them silently does nothing.

## Example

```javascript
const transport = nodemailer.createTransport({
  service: "gmail",
  host: "smtp.example.com",
  port: 587,
  auth: { user: "me@gmail.com", pass: process.env.GMAIL_APP_PASSWORD },
});
```

## When it stays silent

No other source replaces the setting (no `service`, or a `service` nodemailer does not know).

## Fix

None is offered: remove the dead settings, or remove `service` if the explicit host and port are
the ones meant.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let host = ctx.host().unwrap_or("host");
    let port = ctx.e.port.as_ref().map_or("port", |p| p.value.as_str());
    per_setting(
        ctx,
        &ctx.e.overridden,
        RuleCode::Mp012,
        out,
        |key, value| {
            format!(
            "{key}={value} has no effect: {} uses the well-known service's {host}:{port} instead (merged last).",
            ctx.profile.name
        )
        },
    );
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;
    use crate::vocab::RuleCode;

    const NODEMAILER: &str = "nodemailer.createTransport({\n  service: \"gmail\",\n  host: \"smtp.example.com\",\n  port: 587,\n  auth: { user: \"me@gmail.com\", pass: process.env.GMAIL_APP_PASSWORD },\n});\n";

    #[test]
    fn fires_on_each_setting_a_service_replaces() {
        assert_eq!(
            codes("mailer.js", NODEMAILER),
            [RuleCode::Mp012, RuleCode::Mp012]
        );
    }

    #[test]
    fn silent_without_a_service() {
        let text = NODEMAILER
            .replace("  service: \"gmail\",\n", "")
            .replace("587", "465,\n  secure: true");
        assert!(codes("mailer.js", &text).is_empty(), "{text}");
    }
}
