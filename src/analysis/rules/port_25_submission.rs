//! MP006 port-25-submission, and the document-level pass that lets an autoconfig file offer 25
//! as a fallback.

use std::collections::HashSet;

use super::fix_choices::{mode_fixes, target_port};
use super::{mode_words, Ctx, Rule};
use crate::analysis::endpoints::Endpoint;
use crate::analysis::findings::Finding;
use crate::knowledge::providers;
use crate::vocab::{Protocol, RuleCode, RuleDoc, Security};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp006,
        summary: "Authenticated submission on port 25: 25 is for server-to-server relay and is blocked outbound by many ISPs and clouds; use 465 or 587.",
        body: r#"
## What it does

Checks for mail submission on port 25: an SMTP connection that logs in (credentials belong to it)
or goes to a known provider's submission host, on port 25.

## Why is this bad?

Port 25 is for relay between mail servers (RFC 5321). Clients submit on 465 (implicit TLS) or 587
(STARTTLS) (RFC 6409, RFC 8314). Many ISPs and clouds block or throttle outbound 25 — AWS EC2
throttles it, Google Cloud blocks it — so the configuration that works on a laptop fails in
production.

## Example

```dotenv
EMAIL_HOST=smtp.example.com
EMAIL_PORT=25
EMAIL_USE_TLS=True
EMAIL_HOST_USER=app@example.com
EMAIL_HOST_PASSWORD=s3cret
```

## When it stays silent

- Relay without credentials to a host that is not a known provider's (a server delivering to its
  smarthost).
- The host is loopback or a local mail catcher.
- The port is an environment lookup's fallback and the credentials fall back to empty values
  (`int(os.getenv("EMAIL_PORT", 25))` beside `os.getenv("EMAIL_HOST_USER", "")`): where the
  variables are unset nothing logs in, and where they are set the port is theirs.
- In a Thunderbird autoconfig file, when the same host is also offered for SMTP on 465 or 587:
  port 25 is then one of several alternatives of one account.
- The connection cannot work at all (MP001, MP002, MP003, MP007, MP010).

## Fix

Moves the connection to 465 with implicit TLS or to 587 with required STARTTLS (the provider's
documented port where the host is a known provider's), every key involved in one edit; the
preferred fix follows `prefer`.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.e.protocol != Some(Protocol::Smtp) || ctx.e.port_number() != Some(25) || !ctx.is_remote()
    {
        return;
    }
    let provider_host = ctx.host().is_some_and(|h| providers::for_host(h).is_some());
    let logs_in_here = ctx.e.credentials && !ctx.e.login_elsewhere_than_port;
    if !logs_in_here && !provider_host {
        return;
    }
    let mut options = Vec::new();
    options
        .extend(target_port(ctx, Protocol::Smtp, true).map(|p| (Some(p), Security::ImplicitTls)));
    options.extend(
        target_port(ctx, Protocol::Smtp, false).map(|p| (Some(p), Security::StarttlsRequired)),
    );
    // Where the mode cannot be written, changing the port alone still helps if the mode follows.
    let mut fixes = mode_fixes(ctx, &options);
    if fixes.is_empty() && ctx.e.security != Security::ImplicitTls {
        fixes = mode_fixes(ctx, &[(Some(587), ctx.e.security)]);
    }
    out.push(ctx.finding(
        RuleCode::Mp006,
        ctx.main_span(),
        format!(
            "authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS){}.",
            if ctx.e.security == Security::Unknown { String::new() } else { format!("; this connection uses {}", mode_words(ctx.e.security)) }
        ),
        fixes,
    ));
}

/// Document-level pass for autoconfig files, whose servers are alternatives of one account: MP006
/// stays silent for a port-25 fallback when the file also offers that host for SMTP on 465 or
/// 587. Elsewhere two endpoints are two configurations, each judged on its own. The offered hosts
/// are gathered once, so a document with thousands of servers costs a set lookup a finding.
pub fn port_25_fallback<'a>(
    endpoints: impl IntoIterator<Item = &'a Endpoint>,
) -> impl Fn(&Finding) -> bool {
    let offered: HashSet<String> = endpoints
        .into_iter()
        .filter(|o| {
            o.protocol == Some(Protocol::Smtp) && matches!(o.port_number(), Some(465 | 587))
        })
        .filter_map(|o| o.host.as_ref())
        .map(|h| h.value.trim().to_ascii_lowercase())
        .collect();
    move |f: &Finding| {
        f.code == RuleCode::Mp006
            && f.endpoint
                .as_ref()
                .and_then(|e| e.host.as_deref())
                .is_some_and(|host| offered.contains(&host.trim().to_ascii_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_a_login_over_port_25() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=25\nEMAIL_USE_TLS=True\nEMAIL_HOST_USER=app\nEMAIL_HOST_PASSWORD=s3cret\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp006]);
        let fixed = fixed(".env", text, RuleCode::Mp006).unwrap_or_default();
        assert!(codes(".env", &fixed).is_empty(), "{fixed}");
    }

    #[test]
    fn silent_for_relay_without_credentials() {
        let text = "EMAIL_HOST=relay.example.com\nEMAIL_PORT=25\nEMAIL_USE_TLS=True\n";
        assert!(codes(".env", text).is_empty());
    }

    #[test]
    fn msmtp_auth_sends_credentials_only_with_a_user() {
        // msmtp stops with "authentication method … needs a user name" when `auth on` has no
        // `user`: an account that only inherits `auth on` sends nothing.
        let text =
            "defaults\nauth on\ntls on\n\naccount provider\nhost smtp.isp.example\nport 25\n";
        assert!(codes("msmtprc", text).is_empty(), "{text}");
        let with_user = text.replace("port 25\n", "port 25\nuser joe\npasswordeval pass smtp\n");
        assert_eq!(codes("msmtprc", &with_user), [RuleCode::Mp006]);
    }

    #[test]
    fn silent_for_an_autoconfig_fallback_next_to_465() {
        let xml = r#"<clientConfig version="1.1"><emailProvider id="example.com">
<outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>465</port><socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></outgoingServer>
<outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>25</port><socketType>STARTTLS</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>
"#;
        assert!(!codes("config-v1.1.xml", xml).contains(&RuleCode::Mp006));
        let alone = xml.replace(
            "<port>465</port><socketType>SSL</socketType>",
            "<port>25</port><socketType>STARTTLS</socketType>",
        );
        assert!(
            codes("config-v1.1.xml", &alone).contains(&RuleCode::Mp006),
            "{alone}"
        );
    }
}
