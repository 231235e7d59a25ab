//! What every endpoint rule reads ([`Ctx`]: the endpoint, its document, its profile, the fix
//! policy) and the small helpers several rules share.

use crate::analysis::endpoints::{Endpoint, Located, SecurityFrom};
use crate::analysis::findings::{EndpointSummary, Finding, Fix};
use crate::analysis::fixes::Doc;
use crate::config::Prefer;
use crate::knowledge::profiles::{self, Profile};
use crate::vocab::{RuleCode, Span};

/// Where an endpoint's connection goes, as far as the document and the application's defaults say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Loopback or a local mail catcher: exempt from the security rules.
    Local,
    /// A named remote host, or one the document does not name (it may go anywhere).
    Remote,
    /// No host and no known default: the security rules stay silent.
    Undecided,
}

/// What every rule reads about one endpoint.
pub(crate) struct Ctx<'a> {
    pub doc: Doc<'a>,
    pub e: &'a Endpoint,
    pub profile: &'a Profile,
    pub prefer: Prefer,
}

impl Ctx<'_> {
    pub fn finding(
        &self,
        code: RuleCode,
        span: Span,
        message: String,
        mut fixes: Vec<Fix>,
    ) -> Finding {
        // A fix may not rewrite what only stands for the host and port (a `service` name).
        let locked = |s: &Span| {
            self.e
                .locked
                .iter()
                .any(|l| s.start < l.end && l.start < s.end || s.start == l.start)
        };
        fixes.retain(|f| !f.edits.iter().any(|ed| locked(&ed.span)));
        Finding {
            code,
            severity: code.default_severity(),
            message,
            span,
            endpoint: Some(EndpointSummary::of(self.e)),
            fixes: order_fixes(fixes),
        }
    }

    /// Where an endpoint-wide finding is shown: the port, else the host, else the first setting.
    pub fn main_span(&self) -> Span {
        self.e
            .port
            .as_ref()
            .map(|p| p.span.clone())
            .or_else(|| self.e.url.as_ref().map(|u| u.scheme.span.clone()))
            .or_else(|| self.e.host.as_ref().map(|h| h.span.clone()))
            .unwrap_or_else(|| self.setting_span(self.e.anchor))
    }

    /// Where a finding about the mode (MP004, MP005) is shown: the security setting that decided
    /// it (`socketType`, `SMTP_ENABLE_STARTTLS`), else (a default, the port, a URL scheme)
    /// [`Ctx::main_span`].
    pub fn mode_span(&self) -> Span {
        match &self.e.security_from {
            SecurityFrom::Keys(keys) => keys
                .iter()
                .find_map(|&si| self.doc.settings.get(si))
                .map(|s| s.value_span.clone())
                .unwrap_or_else(|| self.main_span()),
            _ => self.main_span(),
        }
    }

    pub fn setting_span(&self, si: usize) -> Span {
        self.doc
            .settings
            .get(si)
            .map(|s| s.value_span.clone())
            .unwrap_or(0..0)
    }

    /// `EMAIL_USE_SSL=True`, `the smtps:// scheme`, `Laravel's default` — what set the mode.
    pub fn mode_source(&self) -> String {
        match &self.e.security_from {
            // A combination of absent keys (msmtp without `tls`): the application's default.
            SecurityFrom::Keys(keys) if keys.is_empty() => {
                format!("{}'s default", self.profile.name)
            }
            SecurityFrom::Keys(keys) => keys
                .iter()
                .filter_map(|&si| self.doc.settings.get(si))
                .map(|s| match s.is_flag() {
                    // A flag (`/ssl`, `--starttls`) is its key alone.
                    true => self.e.key_label(s),
                    false => format!("{}={}", self.e.key_label(s), s.value.trim()),
                })
                .collect::<Vec<_>>()
                .join(" with "),
            SecurityFrom::Scheme => match &self.e.url {
                Some(u) => format!("the {}:// scheme", u.scheme.value),
                None => "the protocol setting".to_string(),
            },
            SecurityFrom::Default => format!("{}'s default", self.profile.name),
            SecurityFrom::Port => match self.e.port_number() {
                Some(n) => format!("{} on port {n}", self.profile.name),
                None => self.profile.name.clone(),
            },
            SecurityFrom::Nothing => "the configuration".to_string(),
        }
    }

    /// Where the connection goes, by the one policy of rules.md ("A host the document does not
    /// name is not a local host"): a host from a variable, a placeholder or an expression may go
    /// anywhere, and so may a missing one where the application needs a host; only a host known
    /// to be loopback or a catcher (or the catchers' port 1025 with an unnamed host) is local.
    pub fn reach(&self) -> Reach {
        let catcher_port = self.e.port_number() == Some(1025);
        match self.host() {
            Some(h) if crate::knowledge::hosts::is_local(h) => Reach::Local,
            Some(h) if catcher_port && crate::knowledge::ports::is_reference(h) => Reach::Local,
            Some(_) => Reach::Remote,
            None if self.profile.authenticated_host_elsewhere && self.e.credentials => {
                Reach::Remote
            }
            None if self.e.host_placeholder => Reach::Remote,
            None => match self.profile.default_host.as_deref() {
                Some(profiles::HOST_REQUIRED) if catcher_port => Reach::Local,
                Some(profiles::HOST_REQUIRED) => Reach::Remote,
                Some(h) if crate::knowledge::hosts::is_local(h) => Reach::Local,
                Some(_) => Reach::Remote,
                // An application whose default host is not known: the document does not decide.
                None => Reach::Undecided,
            },
        }
    }

    pub fn is_local(&self) -> bool {
        self.reach() == Reach::Local
    }

    /// The connection may leave the machine: the security rules apply.
    pub fn is_remote(&self) -> bool {
        self.reach() == Reach::Remote
    }

    /// The key of a located value as the application's documentation names it.
    pub fn key_of(&self, l: &Located) -> String {
        self.doc
            .settings
            .get(l.setting)
            .map(|s| self.e.key_label(s))
            .unwrap_or_default()
    }

    pub fn host(&self) -> Option<&str> {
        self.e.host.as_ref().map(|h| h.value.trim())
    }
}

/// The preferred fix first, marked; at most one is preferred.
fn order_fixes(mut fixes: Vec<Fix>) -> Vec<Fix> {
    if let Some(i) = fixes.iter().position(|f| f.preferred) {
        let f = fixes.remove(i);
        fixes.insert(0, f);
    } else if let Some(f) = fixes.first_mut() {
        f.preferred = true;
    }
    for f in fixes.iter_mut().skip(1) {
        f.preferred = false;
    }
    fixes
}

/// One finding without fixes on each of `settings`, its message made from the key and value
/// (MP009, MP012).
pub(crate) fn per_setting(
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

/// Which of two modes the policy prefers.
pub(crate) fn preferred_is_implicit(prefer: Prefer) -> bool {
    prefer == Prefer::ImplicitTls
}

/// `an SMTP`, `an IMAP`, `a POP3`.
pub(crate) fn a_protocol(p: crate::vocab::Protocol) -> String {
    match p {
        crate::vocab::Protocol::Pop3 => "a POP3".to_string(),
        other => format!("an {}", other.label()),
    }
}

pub(crate) use crate::analysis::fixes::mode_words;
