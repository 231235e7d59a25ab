//! The fixes several rules offer: "use this port with this mode", in the order of the policy
//! (`prefer`), with the provider's documented ports where the host is a known provider's.

use super::context::{preferred_is_implicit, Ctx};
use crate::analysis::findings::Fix;
use crate::analysis::fixes::switch;
use crate::knowledge::{ports, providers};
use crate::vocab::{Protocol, Security};

/// The port for `protocol` in `implicit` mode: the provider's documented one where the host is a
/// provider's, else the standard one. `None` when the provider offers no such port.
pub(crate) fn target_port(ctx: &Ctx, protocol: Protocol, implicit: bool) -> Option<u16> {
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
pub(crate) fn mode_fixes(ctx: &Ctx, options: &[(Option<u16>, Security)]) -> Vec<Fix> {
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
pub(crate) fn secure_options(ctx: &Ctx, protocol: Protocol) -> Vec<(Option<u16>, Security)> {
    let mut opts = Vec::new();
    if let Some(p) = target_port(ctx, protocol, true) {
        opts.push((Some(p), Security::ImplicitTls));
    }
    if let Some(p) = target_port(ctx, protocol, false) {
        opts.push((Some(p), Security::StarttlsRequired));
    }
    opts
}

/// Secure alternatives (MP004, MP005): implicit TLS on the implicit port; STARTTLS required on the current
/// plaintext port (or the submission port).
pub(crate) fn secure_fixes(ctx: &Ctx, protocol: Protocol, n: Option<u32>) -> Vec<Fix> {
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
