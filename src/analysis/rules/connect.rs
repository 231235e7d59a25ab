//! Rules for endpoints that cannot connect at all: MP001 invalid port, MP002 another protocol's
//! port, MP003 TLS mode against the port, MP007 not the provider's endpoint, MP010 conflicting keys.

use super::{mode_words, preferred_is_implicit, Ctx};
use crate::analysis::endpoints::SecurityFrom;
use crate::analysis::findings::{Finding, Fix};
use crate::analysis::fixes::switch;
use crate::knowledge::ports::{self, PortMode};
use crate::knowledge::providers;
use crate::vocab::{Protocol, RuleCode, Security};

/// Runs the connect rules; true when one fired (the security rules then stay silent).
pub(super) fn check(ctx: &Ctx, out: &mut Vec<Finding>) -> bool {
    let before = out.len();
    if let Some(f) = invalid_port(ctx) {
        out.push(f);
        return true;
    }
    if let Some(f) = conflicting(ctx) {
        out.push(f);
        return true;
    }
    // A mode that contradicts the port fails with every server (MP003): that is the root cause,
    // before what one provider documents (MP007).
    if let Some(f) = tls_mode_mismatch(ctx) {
        out.push(f);
    } else if let Some(f) = provider_endpoint(ctx) {
        out.push(f);
    } else if let Some(f) = wrong_protocol_port(ctx) {
        out.push(f);
    }
    out.len() > before
}

/// The port for `protocol` in `implicit` mode: the provider's documented one where the host is a
/// provider's, else the standard one. `None` when the provider offers no such port.
pub(super) fn target_port(ctx: &Ctx, protocol: Protocol, implicit: bool) -> Option<u16> {
    let standard = if implicit {
        ports::implicit_port(protocol)
    } else {
        ports::starttls_port(protocol)
    };
    let Some(host) = ctx.host() else {
        return Some(standard);
    };
    let Some(provider) = providers::for_host(host) else {
        return Some(standard);
    };
    let documented: Vec<u16> = provider
        .endpoints_for(protocol, host)
        .filter(|e| e.implicit() == implicit)
        .map(|e| e.port)
        .collect();
    if documented.contains(&standard) {
        Some(standard)
    } else if let Some(&p) = documented.first() {
        Some(p)
    } else if provider.endpoints_for(protocol, host).next().is_some() {
        None
    } else {
        Some(standard)
    }
}

/// Fixes for "use `port` with `mode`", titled, in policy order; the preferred one is marked.
pub(super) fn mode_fixes(ctx: &Ctx, options: &[(Option<u16>, Security)]) -> Vec<Fix> {
    let mut fixes: Vec<(Security, Fix)> = Vec::new();
    for &(port, mode) in options {
        if let Some(f) = switch(&ctx.doc, ctx.e, port, Some(mode)) {
            if !fixes.iter().any(|(_, g)| g.edits == f.edits) {
                fixes.push((mode, f));
            }
        }
    }
    let want_implicit = preferred_is_implicit(ctx.prefer);
    let pick = fixes
        .iter()
        .position(|(m, _)| (*m == Security::ImplicitTls) == want_implicit)
        .unwrap_or(0);
    if let Some((_, f)) = fixes.get_mut(pick) {
        f.preferred = true;
    }
    fixes.into_iter().map(|(_, f)| f).collect()
}

/// The standard options for an endpoint: implicit TLS on the implicit port, STARTTLS (required)
/// on the submission port. Providers without one of them get only the other.
pub(super) fn secure_options(ctx: &Ctx, protocol: Protocol) -> Vec<(Option<u16>, Security)> {
    let mut opts = Vec::new();
    if let Some(p) = target_port(ctx, protocol, true) {
        opts.push((Some(p), Security::ImplicitTls));
    }
    if let Some(p) = target_port(ctx, protocol, false) {
        opts.push((Some(p), Security::StarttlsRequired));
    }
    opts
}

fn invalid_port(ctx: &Ctx) -> Option<Finding> {
    let port = ctx.e.port.as_ref()?;
    let err = ports::parse_port(&port.value).err()?;
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
            fixes.push(Fix {
                title: format!("Use port {n}"),
                preferred: true,
                edits: vec![crate::analysis::findings::Edit {
                    span: port.span.clone(),
                    new_text: n.to_string(),
                }],
            });
        }
    }
    let proto = ctx.e.protocol.map(|p| p.label()).unwrap_or("mail");
    Some(ctx.finding(
        RuleCode::Mp001,
        port.span.clone(),
        format!("invalid {proto} port: {err}. A port is a whole number from 1 to 65535 (for example 465 or 587)."),
        fixes,
    ))
}

fn conflicting(ctx: &Ctx) -> Option<Finding> {
    let first = ctx.e.conflicts.first()?;
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
    let mut e = ctx.e.clone();
    e.security = Security::Unknown;
    e.security_from = SecurityFrom::Nothing;
    let inner = super::Ctx {
        doc: super::Doc {
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
    Some(ctx.finding(
        RuleCode::Mp010,
        first.span.clone(),
        format!(
            "{} ask for two TLS modes at once (implicit TLS and STARTTLS); {} refuses or picks one silently. Keep one: implicit TLS on {}, or STARTTLS on {}.",
            keys.join(" and "),
            ctx.profile.name,
            ports::implicit_port(protocol),
            ports::starttls_port(protocol)
        ),
        fixes,
    ))
}

fn wrong_protocol_port(ctx: &Ctx) -> Option<Finding> {
    let protocol = ctx.e.protocol?;
    let n = ctx.e.port_number()?;
    let row = ports::standard(n)?;
    if row.protocol == protocol {
        return None;
    }
    let span = ctx
        .e
        .port
        .as_ref()
        .map(|p| p.span.clone())
        .unwrap_or_else(|| ctx.main_span());
    let mut options = Vec::new();
    match ctx.e.security {
        Security::ImplicitTls => options
            .extend(target_port(ctx, protocol, true).map(|p| (Some(p), Security::ImplicitTls))),
        Security::StarttlsRequired => options.extend(
            target_port(ctx, protocol, false).map(|p| (Some(p), Security::StarttlsRequired)),
        ),
        // A weak mode is not carried to the right port (MP004/MP005 would follow): offer the
        // secure ones.
        Security::StarttlsOpportunistic | Security::None | Security::Unknown => {
            options.extend(secure_options(ctx, protocol))
        }
    }
    let fixes = mode_fixes(ctx, &options);
    Some(ctx.finding(
        RuleCode::Mp002,
        span,
        format!(
            "port {n} is the {} port ({}), but this is {} connection: it will reach the wrong service. {} uses {} (implicit TLS) or {} (STARTTLS).",
            row.protocol.label(),
            row.iana.unwrap_or(row.role),
            super::a_protocol(protocol),
            protocol.label(),
            ports::implicit_port(protocol),
            ports::starttls_port(protocol)
        ),
        fixes,
    ))
}

fn tls_mode_mismatch(ctx: &Ctx) -> Option<Finding> {
    let protocol = ctx.e.protocol?;
    let n = ctx.e.port_number()?;
    let row = ports::lookup(n).filter(|r| r.protocol == protocol)?;
    if matches!(
        ctx.e.security_from,
        SecurityFrom::Port | SecurityFrom::Nothing
    ) {
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
        opts.push((None, Security::StarttlsRequired));
        (
            format!(
                "port {n} expects a plaintext greeting and STARTTLS, but {source} starts TLS at once: the client fails with 'wrong version number'. Use {} for implicit TLS, or switch to STARTTLS on {n}.",
                ports::implicit_port(protocol)
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

fn provider_endpoint(ctx: &Ctx) -> Option<Finding> {
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
    if !serves.is_empty() && !serves.contains(&protocol) {
        let what: Vec<&str> = serves.iter().map(|p| p.label()).collect();
        return Some(ctx.finding(
            RuleCode::Mp007,
            span,
            format!(
                "{host} is {}'s {} server, but this is {} connection. Use {}'s {} host.",
                provider.name,
                what.join("/"),
                super::a_protocol(protocol),
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
        .map(|new_host| Fix {
            title: format!("Use {new_host}"),
            preferred: true,
            edits: vec![crate::analysis::findings::Edit {
                span: h.span.clone(),
                new_text: new_host.to_string(),
            }],
        })
        .collect()
}
