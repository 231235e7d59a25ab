//! MP003 tls-mode-mismatch.

use super::fix_choices::{mode_fixes, target_port};
use super::{mode_words, Ctx, Rule};
use crate::analysis::endpoints::SecurityFrom;
use crate::analysis::findings::Finding;
use crate::knowledge::ports::{self, PortMode};
use crate::knowledge::providers;
use crate::vocab::{Protocol, RuleCode, RuleDoc, Security};

pub(super) const RULE: Rule = Rule {
    doc: RuleDoc {
        code: RuleCode::Mp003,
        summary: "Implicit TLS on a port that starts in plaintext (25, 587, 143, 110 …) fails with 'wrong version number'; STARTTLS or plaintext on an implicit-TLS port (465, 993, 995) hangs until 'greeting never received'.",
        body: r#"
## What it does

Checks that the TLS mode of a connection matches its port. Ports 25, 587, 2525, 2587, 8025, 143
and 110 start in plaintext (the server greets, then the client may send `STARTTLS`); ports 465,
2465, 8465, 993 and 995 start with a TLS handshake (implicit TLS).

## Why is this bad?

The connection never works, with any server:

- implicit TLS on a plaintext port: the client sends a TLS handshake, the server answers with its
  plaintext greeting, and the client fails with *wrong version number*;
- STARTTLS or no TLS on an implicit-TLS port: the client waits for a greeting while the server
  waits for a handshake, until *greeting never received* or a timeout.

## Example

```dotenv
EMAIL_HOST=smtp.example.com
EMAIL_PORT=587
EMAIL_USE_SSL=True
EMAIL_HOST_USER=app@example.com
```

## When it stays silent

- The mode is `unknown` (a bare `tls: true` in an unknown application).
- The application derives the mode from the port (Laravel 9 and later, Symfony `smtp://`,
  Alertmanager, Grafana): the mode cannot contradict the port.
- A provider documents the pairing (Mailtrap's sandbox offers STARTTLS on 465).

## Fix

Two directions, both changing every key involved in one edit: change the port to match the mode
(`Use port 465 (implicit TLS)`), or change the mode to match the port (`Require STARTTLS`). The
preferred one follows `prefer` (implicit TLS by default, RFC 8314); a provider's documented port is
used where the host is a known provider's.
"#,
    },
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    out.extend(mismatch(ctx));
}

fn mismatch(ctx: &Ctx) -> Option<Finding> {
    let protocol = ctx.e.protocol?;
    let n = ctx.e.port_number()?;
    let row = ports::lookup(n).filter(|r| r.protocol == protocol)?;
    if matches!(
        ctx.e.security_from,
        SecurityFrom::Port | SecurityFrom::Nothing
    ) {
        return None;
    }
    // An ESP's alternative port (2465, 2525 …) is that ESP's convention, not a standard: a local
    // proxy or bridge listening on it speaks whatever it was told to.
    if !row.standard && ctx.is_local() {
        return None;
    }
    let sec = ctx.e.security;
    let implicit_port = row.mode == PortMode::ImplicitTls;
    let mismatch =
        (sec == Security::ImplicitTls && !implicit_port) || (sec.starts_plain() && implicit_port);
    if !mismatch {
        return None;
    }
    // A provider that documents this pairing (Mailtrap sandbox: STARTTLS on 465).
    if let Some(host) = ctx.host() {
        if providers::for_host(host).is_some_and(|p| p.documents(protocol, host, n, sec)) {
            return None;
        }
    }
    let span = ctx
        .e
        .port
        .as_ref()
        .map(|p| p.span.clone())
        .unwrap_or_else(|| ctx.main_span());
    let source = ctx.mode_source();
    let (message, options) = if sec == Security::ImplicitTls {
        let mut opts = Vec::new();
        opts.extend(target_port(ctx, protocol, true).map(|p| (Some(p), Security::ImplicitTls)));
        // STARTTLS stays on this port, but a login goes to the submission port, not to 25 (MP006).
        let relay_login = n == 25 && protocol == Protocol::Smtp && ctx.e.credentials;
        let starttls_port = relay_login.then(|| ports::starttls_port(protocol));
        opts.push((starttls_port, Security::StarttlsRequired));
        (
            format!(
                "port {n} expects a plaintext greeting and STARTTLS, but {source} starts TLS at once: the client fails with 'wrong version number'. Use {} for implicit TLS, or switch to STARTTLS on {}.",
                ports::implicit_port(protocol),
                starttls_port.map_or(n, u32::from)
            ),
            opts,
        )
    } else {
        let mut opts = vec![(None, Security::ImplicitTls)];
        // STARTTLS on the STARTTLS port, required (keeping "if offered" would bring MP005).
        let keep = Security::StarttlsRequired;
        opts.extend(target_port(ctx, protocol, false).map(|p| (Some(p), keep)));
        (
            format!(
                "port {n} starts with TLS (implicit TLS), but {source} means {}: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on {n}, or port {} for STARTTLS.",
                mode_words(sec),
                ports::starttls_port(protocol)
            ),
            opts,
        )
    };
    let fixes = mode_fixes(ctx, &options);
    Some(ctx.finding(RuleCode::Mp003, span, message, fixes))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, fixed};
    use crate::vocab::RuleCode;

    #[test]
    fn fires_on_implicit_tls_on_587_and_prefers_465() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=app\n";
        assert_eq!(codes(".env", text), [RuleCode::Mp003]);
        assert_eq!(
            fixed(".env", text, RuleCode::Mp003).as_deref(),
            Some("EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=app\n")
        );
    }

    #[test]
    fn an_esp_alternative_port_on_a_local_proxy_is_no_mismatch() {
        let local = "[accounts.a]\nmessage.send.backend.type = \"smtp\"\nmessage.send.backend.host = \"127.0.0.1\"\nmessage.send.backend.port = 2465\nmessage.send.backend.encryption.type = \"none\"\nmessage.send.backend.login = \"me@example.com\"\n";
        assert_eq!(codes("config.toml", local), []);
        let remote = local.replace("127.0.0.1", "email-smtp.eu-west-1.amazonaws.com");
        assert!(codes("config.toml", &remote).contains(&RuleCode::Mp003));
        // A standard port stays a mismatch, local or not.
        let standard = local.replace("2465", "465");
        assert_eq!(codes("config.toml", &standard), [RuleCode::Mp003]);
    }

    #[test]
    fn fires_on_starttls_on_465_in_nodemailer() {
        let text = "nodemailer.createTransport({ host: 'smtp.example.com', port: 465, secure: false, requireTLS: true });\n";
        assert_eq!(codes("mailer.js", text), [RuleCode::Mp003]);
    }

    #[test]
    fn silent_where_the_port_decides_the_mode() {
        // Laravel 11 without MAIL_SCHEME: the port decides, so the mode cannot contradict it.
        let text =
            "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=465\nMAIL_USERNAME=app\n";
        assert!(!codes(".env", text).contains(&RuleCode::Mp003));
    }

    #[test]
    fn silent_where_the_mode_is_unknown() {
        let text = "smtp:\n  host: smtp.example.com\n  port: 587\n  tls: true\n";
        assert!(!codes("config.yml", text).contains(&RuleCode::Mp003));
    }
}
