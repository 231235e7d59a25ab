//! MP007 provider-endpoint.

use super::fix_choices::mode_fixes;
use super::{a_protocol, mode_words, preferred_is_implicit, Ctx, Rule};
use crate::analysis::endpoints::SecurityFrom;
use crate::analysis::findings::{Finding, Fix};
use crate::analysis::fixes;
use crate::knowledge::providers;
use crate::vocab::{Protocol, RuleCode, RuleDoc, Security};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp007,
        summary:
            "The host belongs to a known provider that does not offer this port, mode or protocol.",
        body: r#"
## What it does

Checks a connection to a known provider's host (Gmail, Microsoft 365, Postmark, SendGrid …)
against the endpoints the provider documents: the protocol the host serves, and — for a protocol
whose list of endpoints is complete — the port and its TLS mode.

## Why is this bad?

The provider does not answer there: `smtp.office365.com:465` (Microsoft 365 offers only STARTTLS
on 587), `smtp.postmarkapp.com:465`, `imap.gmail.com:143`, or `imap.gmail.com` used as the SMTP
host. The connection times out or is refused, whatever else the configuration gets right.

## Example

```properties
spring.mail.host=smtp.office365.com
spring.mail.port=465
spring.mail.properties.mail.smtp.ssl.enable=true
spring.mail.username=app@example.com
```

## When it stays silent

- The host is not a known provider's.
- The provider's list for that protocol is not marked complete (`exhaustive`) in mailport's
  provider data.
- The TLS mode contradicts the port itself: MP003 reports that first.

## Fix

Replaces the port (and the mode keys) with the provider's documented endpoint, preferring the mode
`prefer` asks for; a host used for the wrong protocol is replaced by the provider's host for this
protocol, where that host serves the configured port.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    out.extend(wrong_endpoint(ctx));
}

/// The host is a known provider's server of another protocol only (`imap.gmail.com` for POP3).
pub(super) fn serves_another_protocol(ctx: &Ctx) -> bool {
    let (Some(protocol), Some(host)) = (ctx.e.protocol, ctx.host()) else {
        return false;
    };
    let Some(provider) = providers::for_host(host) else {
        return false;
    };
    let serves = provider.protocols_of(host);
    !serves.is_empty() && !serves.contains(&protocol)
}

fn wrong_endpoint(ctx: &Ctx) -> Option<Finding> {
    let protocol = ctx.e.protocol?;
    let host = ctx.host()?;
    let provider = providers::for_host(host)?;
    let span = ctx
        .e
        .host
        .as_ref()
        .map(|h| h.span.clone())
        .unwrap_or_else(|| ctx.main_span());
    let serves = provider.protocols_of(host);
    if serves_another_protocol(ctx) {
        let what: Vec<&str> = serves.iter().map(|p| p.label()).collect();
        return Some(ctx.finding(
            RuleCode::Mp007,
            span,
            format!(
                "{host} is {}'s {} server, but this is {} connection. Use {}'s {} host.",
                provider.name,
                what.join("/"),
                a_protocol(protocol),
                provider.name,
                protocol.label()
            ),
            provider_host_fix(ctx, provider, protocol),
        ));
    }
    if !provider.is_exhaustive(protocol) {
        return None;
    }
    let n = ctx.e.port_number()?;
    let documented_port = provider.documents_port(protocol, host, n);
    let sec = ctx.e.security;
    let port_ok = documented_port
        && (sec == Security::Unknown
            || matches!(ctx.e.security_from, SecurityFrom::Port)
            || provider.documents(protocol, host, n, sec));
    if port_ok {
        return None;
    }
    let offered: Vec<String> = provider
        .endpoints_for(protocol, host)
        .map(|e| {
            format!(
                "{} ({})",
                e.port,
                if e.implicit() {
                    "implicit TLS"
                } else {
                    "STARTTLS"
                }
            )
        })
        .collect();
    let mut options = Vec::new();
    let implicit_first = preferred_is_implicit(ctx.prefer);
    for want_implicit in [implicit_first, !implicit_first] {
        if let Some(e) = provider
            .endpoints_for(protocol, host)
            .find(|e| e.implicit() == want_implicit)
        {
            let mode = if want_implicit {
                Security::ImplicitTls
            } else {
                Security::StarttlsRequired
            };
            options.push((Some(e.port), mode));
        }
    }
    let port_span = ctx.e.port.as_ref().map(|p| p.span.clone()).unwrap_or(span);
    Some(ctx.finding(
        RuleCode::Mp007,
        port_span,
        format!(
            "{} does not offer {} on {host}:{n}{}: it documents only {}.",
            provider.name,
            protocol.label(),
            if documented_port {
                format!(" with {}", mode_words(sec))
            } else {
                String::new()
            },
            offered.join(", ")
        ),
        mode_fixes(ctx, &options),
    ))
}

fn provider_host_fix(ctx: &Ctx, provider: &providers::Provider, protocol: Protocol) -> Vec<Fix> {
    let Some(h) = &ctx.e.host else {
        return Vec::new();
    };
    let mut hosts: Vec<&str> = provider
        .endpoints
        .iter()
        .filter(|e| e.protocol() == Some(protocol) && !e.host.contains('{'))
        .map(|e| e.host.as_str())
        .collect();
    hosts.dedup();
    // The host alone is no fix where the port is not one the provider offers for this protocol
    // on that host (MP002 or MP007 would follow).
    let port = ctx.e.port_number();
    hosts
        .into_iter()
        .filter(|new_host| port.is_none_or(|n| provider.documents_port(protocol, new_host, n)))
        .take(1)
        .filter_map(|new_host| {
            Some(Fix {
                title: format!("Use {new_host}"),
                preferred: true,
                edits: vec![fixes::rewrite(&ctx.doc, h, new_host)?],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_a_port_microsoft_365_does_not_offer() {
        let text = "spring.mail.host=smtp.office365.com\nspring.mail.port=465\nspring.mail.properties.mail.smtp.ssl.enable=true\nspring.mail.username=app@example.com\n";
        assert_eq!(codes("application.properties", text), [RuleCode::Mp007]);
        let fixed = fixed("application.properties", text, RuleCode::Mp007).unwrap_or_default();
        assert!(fixed.contains("spring.mail.port=587"), "{fixed}");
        assert!(
            codes("application.properties", &fixed).is_empty(),
            "{fixed}"
        );
    }

    #[test]
    fn fires_on_a_provider_host_of_another_protocol() {
        let text = "EMAIL_HOST=imap.gmail.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=me@gmail.com\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp007]);
        assert_eq!(
            fixed(".env", text, RuleCode::Mp007).as_deref(),
            Some("EMAIL_HOST=smtp.gmail.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=me@gmail.com\n")
        );
    }

    #[test]
    fn silent_for_documented_endpoints_and_unknown_hosts() {
        let gmail = "EMAIL_HOST=smtp.gmail.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_HOST_USER=me@gmail.com\n";
        assert!(codes(".env", gmail).is_empty());
        let unknown = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=app\n";
        assert!(codes(".env", unknown).is_empty());
    }
}
