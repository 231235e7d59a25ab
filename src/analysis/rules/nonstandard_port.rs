//! MP011 nonstandard-port.

use super::{Ctx, Rule};
use crate::analysis::findings::Finding;
use crate::knowledge::{ports, providers};
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp011,
        summary: "The port is neither standard for the protocol nor documented by the known provider: check the provider's documentation.",
        body: r#"
## What it does

Points at a port that is neither a standard port of the connection's protocol (nor a common
alternative such as 2525, 2587, 2465, 8025, 8465) nor documented by the host's known provider. It
is a hint, not a warning: such ports exist, but a typo (`5877`, `2526`) looks the same.

## Why is this bad?

It may not be: some servers listen on other ports. But a mistyped port fails with a timeout that
says nothing about the cause, and the TLS mode mailport cannot check against a port it does not
know.

## Example

```dotenv
EMAIL_HOST=smtp.example.com
EMAIL_PORT=2526
EMAIL_USE_SSL=True
```

## When it stays silent

- The port is standard or a common alternative for the protocol, or the host's provider documents
  it.
- The host is loopback or a local mail catcher, or the document does not name the host.
- The connection cannot work at all (MP001, MP002, MP003, MP007, MP010).

## Fix

None: check your provider's documentation. Turn the rule off in `.mailport.toml` (`MP011 = "off"`)
for a server you know listens there.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (Some(protocol), Some(port), Some(n)) = (ctx.e.protocol, &ctx.e.port, ctx.e.port_number())
    else {
        return;
    };
    if ports::lookup(n).is_some() || !ctx.is_remote() {
        return;
    }
    let Some(host) = ctx.host() else {
        return;
    };
    if let Some(p) = providers::for_host(host) {
        if p.documents_port(protocol, host, n) {
            return;
        }
    }
    out.push(ctx.finding(
        RuleCode::Mp011,
        port.span.clone(),
        format!(
            "{n} is not a standard {} port ({} implicit TLS, {} STARTTLS): check your provider's documentation.",
            protocol.label(),
            ports::implicit_port(protocol),
            ports::starttls_port(protocol)
        ),
        Vec::new(),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_an_unknown_port_to_an_unknown_host() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=2526\nEMAIL_USE_SSL=True\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp011]);
    }

    #[test]
    fn silent_for_common_alternatives_and_local_hosts() {
        let alternative = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=2525\nEMAIL_USE_TLS=True\n";
        assert!(codes(".env", alternative).is_empty());
        let local = "EMAIL_HOST=localhost\nEMAIL_PORT=2526\nEMAIL_USE_SSL=True\n";
        assert!(codes(".env", local).is_empty());
    }
}
