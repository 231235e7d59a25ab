//! MP009 outdated-tls-version.

use super::{per_setting, Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp009,
        summary: "The configuration allows or forces TLS below 1.2 (RFC 8996, RFC 8997).",
        body: r#"
## What it does

Checks for settings that allow or force a TLS version below 1.2: `TLSv1`, `TLSv1.1`, `SSLv3` as a
minimum or in a list of versions (nodemailer `tls.minVersion`, isync `TLSVersions +1.1`, Postfix
`smtp_tls_protocols`, generic keys such as `tls_min_version`).

## Why is this bad?

TLS 1.0 and 1.1 are deprecated (RFC 8996), for mail too (RFC 8997): they rely on weak hash
functions and lack modern cipher suites, and a client that accepts them can be downgraded by an
attacker on the path.

## Example

```javascript
const transport = nodemailer.createTransport({
  host: "smtp.example.com",
  port: 465,
  secure: true,
  tls: { minVersion: "TLSv1" },
});
```

## When it stays silent

The setting names TLS 1.2 or later. The rule applies to local hosts too, and whether or not the
connection works: the setting is outdated either way.

## Fix

None is offered (the right list depends on the application's syntax): allow TLS 1.2 and 1.3 only.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    per_setting(ctx, &ctx.e.old_tls, RuleCode::Mp009, out, |key, value| {
        format!("{key}={value} allows TLS below 1.2, which is deprecated for mail (RFC 8996, RFC 8997). Allow TLS 1.2 and 1.3 only.")
    });
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;
    use crate::vocab::RuleCode;

    const NODEMAILER: &str = "nodemailer.createTransport({\n  host: \"smtp.example.com\",\n  port: 465,\n  secure: true,\n  tls: { minVersion: \"TLSv1\" },\n});\n";

    #[test]
    fn fires_on_tls_1_0_as_the_minimum() {
        assert_eq!(codes("mailer.js", NODEMAILER), [RuleCode::Mp009]);
        let mbsync = "IMAPAccount work\nHost imap.example.com\nPort 993\nUser me\nTLSType IMAPS\nTLSVersions +1.1 +1.2\n";
        assert_eq!(codes(".mbsyncrc", mbsync), [RuleCode::Mp009]);
    }

    #[test]
    fn silent_for_tls_1_2() {
        let text = NODEMAILER.replace("TLSv1\"", "TLSv1.2\"");
        assert!(codes("mailer.js", &text).is_empty(), "{text}");
    }
}
