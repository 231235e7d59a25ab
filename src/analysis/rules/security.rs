//! Rules for endpoints that connect but are not safe or not standard: MP004 cleartext, MP005
//! opportunistic STARTTLS, MP006 submission on 25, MP008 certificate checks off, MP009 old TLS,
//! MP011 nonstandard port.

use super::connect::{mode_fixes, secure_options, target_port};
use super::{mode_words, Ctx};
use crate::analysis::endpoints::Located;
use crate::analysis::findings::Finding;
use crate::knowledge::{ports, providers};
use crate::vocab::{Protocol, RuleCode, Security, Severity};

pub(super) fn check(ctx: &Ctx, blocked: bool, out: &mut Vec<Finding>) {
    // Certificate checks and TLS versions do not depend on the endpoint connecting.
    verification_disabled(ctx, out);
    outdated_tls(ctx, out);
    overridden(ctx, out);
    if blocked || ctx.is_local() {
        return;
    }
    if let Some(f) = cleartext(ctx).or_else(|| opportunistic(ctx)) {
        out.push(f);
    }
    if let Some(f) = port_25_submission(ctx) {
        out.push(f);
    }
    if let Some(f) = nonstandard_port(ctx) {
        out.push(f);
    }
}

fn cleartext(ctx: &Ctx) -> Option<Finding> {
    if ctx.e.security != Security::None || !ctx.is_remote() {
        return None;
    }
    let protocol = ctx.e.protocol?;
    let n = ctx.e.port_number();
    // MX relay on 25 without credentials is opportunistic by design: only a plain "none" there is
    // still worth a warning, and that is what this is.
    let what = if ctx.e.credentials {
        "mail and the password cross"
    } else {
        "mail crosses"
    };
    let mut f = ctx.finding(
        RuleCode::Mp004,
        ctx.mode_span(),
        format!(
            "{} connection to {} without TLS ({}): {what} the network in clear (RFC 8314). Use implicit TLS on {}, or require STARTTLS.",
            protocol.label(),
            ctx.host().unwrap_or("the server"),
            ctx.mode_source(),
            ports::implicit_port(protocol)
        ),
        fix_options(ctx, protocol, n),
    );
    if ctx.e.credentials {
        f.severity = Severity::Error;
    }
    Some(f)
}

/// Secure alternatives: implicit TLS on the implicit port; STARTTLS required on the current
/// plaintext port (or the submission port).
fn fix_options(
    ctx: &Ctx,
    protocol: Protocol,
    n: Option<u32>,
) -> Vec<crate::analysis::findings::Fix> {
    let mut options = secure_options(ctx, protocol);
    if let Some(n) = n.and_then(|n| u16::try_from(n).ok()) {
        let plain_here =
            ports::lookup(u32::from(n)).is_some_and(|r| r.mode == ports::PortMode::Plaintext);
        if plain_here && n != 25 {
            options.retain(|(_, m)| *m != Security::StarttlsRequired);
            options.push((Some(n), Security::StarttlsRequired));
        }
    }
    mode_fixes(ctx, &options)
}

fn opportunistic(ctx: &Ctx) -> Option<Finding> {
    if ctx.e.security != Security::StarttlsOpportunistic || !ctx.e.credentials || !ctx.is_remote() {
        return None;
    }
    let protocol = ctx.e.protocol?;
    let n = ctx.e.port_number();
    Some(ctx.finding(
        RuleCode::Mp005,
        ctx.mode_span(),
        format!(
            "the password is sent over STARTTLS that is only used if the server offers it ({}): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on {}.",
            ctx.mode_source(),
            ports::implicit_port(protocol)
        ),
        fix_options(ctx, protocol, n),
    ))
}

fn port_25_submission(ctx: &Ctx) -> Option<Finding> {
    if ctx.e.protocol != Some(Protocol::Smtp) || ctx.e.port_number() != Some(25) || !ctx.is_remote()
    {
        return None;
    }
    let provider_host = ctx.host().is_some_and(|h| providers::for_host(h).is_some());
    if !ctx.e.credentials && !provider_host {
        return None;
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
    Some(ctx.finding(
        RuleCode::Mp006,
        ctx.main_span(),
        format!(
            "authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS){}.",
            if ctx.e.security == Security::Unknown { String::new() } else { format!("; this connection uses {}", mode_words(ctx.e.security)) }
        ),
        fixes,
    ))
}

fn verification_disabled(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.e.verify_off.is_empty() || !ctx.is_remote() {
        return;
    }
    for l in &ctx.e.verify_off {
        let what = match ctx.doc.settings.get(l.setting) {
            Some(s) if s.value == l.value => format!("{}={}", ctx.e.key_label(s), l.value.trim()),
            _ => l.value.trim().to_string(),
        };
        out.push(ctx.finding(
            RuleCode::Mp008,
            l.span.clone(),
            format!(
                "certificate checking is switched off ({what}) for {}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.",
                ctx.host().unwrap_or("this server")
            ),
            Vec::new(),
        ));
    }
}

fn outdated_tls(ctx: &Ctx, out: &mut Vec<Finding>) {
    per_setting(ctx, &ctx.e.old_tls, RuleCode::Mp009, out, |key, value| {
        format!("{key}={value} allows TLS below 1.2, which is deprecated for mail (RFC 8996, RFC 8997). Allow TLS 1.2 and 1.3 only.")
    });
}

/// MP012: settings the application replaces (a nodemailer well-known `service` merged last).
fn overridden(ctx: &Ctx, out: &mut Vec<Finding>) {
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

/// One finding without fixes on each of `settings`, its message made from the key and value.
fn per_setting(
    ctx: &Ctx,
    settings: &[Located],
    code: RuleCode,
    out: &mut Vec<Finding>,
    message: impl Fn(&str, &str) -> String,
) {
    for l in settings {
        let text = message(&ctx.key_of(l), l.value.trim());
        out.push(ctx.finding(code, l.span.clone(), text, Vec::new()));
    }
}

fn nonstandard_port(ctx: &Ctx) -> Option<Finding> {
    let protocol = ctx.e.protocol?;
    let port = ctx.e.port.as_ref()?;
    let n = ctx.e.port_number()?;
    if ports::lookup(n).is_some() || !ctx.is_remote() {
        return None;
    }
    let host = ctx.host()?;
    if let Some(p) = providers::for_host(host) {
        if p.documents_port(protocol, host, n) {
            return None;
        }
    }
    Some(ctx.finding(
        RuleCode::Mp011,
        port.span.clone(),
        format!(
            "{n} is not a standard {} port ({} implicit TLS, {} STARTTLS): check your provider's documentation.",
            protocol.label(),
            ports::implicit_port(protocol),
            ports::starttls_port(protocol)
        ),
        Vec::new(),
    ))
}
