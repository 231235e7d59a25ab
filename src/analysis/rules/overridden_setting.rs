//! MP012 overridden-setting.

use super::{per_setting, Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp012,
        summary: "The application replaces this setting with a value from another source (a nodemailer well-known `service` is merged over `host`, `port` and `secure`; a later `set` of the same mailx or mutt variable): it has no effect.",
        body: r#"
## What it does

Checks for settings the application replaces with a value from another source, so that they have
no effect: nodemailer merges a well-known `service` (`gmail`, `outlook` …) last, over `host`,
`port` and `secure`; mailx and mutt run their `set` lines in order, so a later `set smtp=…` or
`set smtp_url=…` replaces an earlier one (only the later connection is checked).

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

No other source replaces the setting (no `service`, or a `service` nodemailer does not know; each
mailx or mutt connection variable set once). Program source (`if`/`else` branches) is not read as
statements run in order.

## Fix

None is offered: remove the dead settings, or remove `service` (the later line) if the explicit
(earlier) values are the ones meant.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    per_setting(ctx, &ctx.e.replaced, RuleCode::Mp012, out, |key, value| {
        // The variable, without the adapter's reading note (`smtp (host:port)`).
        let key = key.split_once(" (").map_or(key, |(name, _)| name);
        format!(
            "{key}={value} has no effect: {} runs its settings in order, and a later line sets {key} again.",
            ctx.profile.name
        )
    });
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
