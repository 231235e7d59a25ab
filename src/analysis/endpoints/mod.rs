//! Endpoints: settings grouped into configured connections, read through application profiles.
//!
//! - `words`: the words that name a protocol (keys, host labels, URL schemes);
//! - `index`: which profile key a setting's path matches;
//! - `groups`: candidate groups, and the order in which profiles claim them;
//! - `read`: a claimed group read through its profile, phase by phase, into endpoints.

mod groups;
mod index;
mod read;
mod words;

pub use groups::{candidate_groups, claim, inherited_settings, member_setting, Group};
pub(crate) use index::profile_keys;
pub use index::{
    could_be_member, could_have_member_key, is_manifest_kind, key_pattern, signature_literals,
    MEMBERS,
};
pub use read::allows_old_tls;
pub use read::read_group;
pub use words::protocol_words;

use super::syntax::Setting;
use crate::vocab::{Format, Protocol, Security, Span};

/// A value of the document that an endpoint field came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    pub span: Span,
    /// Index of the setting in the parsed settings.
    pub setting: usize,
}

/// Where the endpoint's security mode came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityFrom {
    /// Security keys of the document (indices of the settings).
    Keys(Vec<usize>),
    /// A URL scheme (`smtps://`).
    Scheme,
    /// The application derives TLS from the port (Laravel ≥ 9, Alertmanager, Grafana …): the mode
    /// cannot contradict the port.
    Port,
    /// The application's default, since the document sets no security key.
    Default,
    /// Nothing decides it.
    Nothing,
}

/// A URL value an endpoint was read from (`smtps://user@host:465`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts {
    /// The scheme as written and its span (`smtps`).
    pub scheme: Located,
    /// Where `:port` goes when the URL has none (right after the host).
    pub port_insert_at: usize,
}

/// One configured connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Profile id (`django`, `nodemailer`, `generic` …).
    pub profile: &'static str,
    pub protocol: Option<Protocol>,
    pub host: Option<Located>,
    /// The port as written (may be invalid or a variable reference).
    pub port: Option<Located>,
    /// The port the application uses when the document gives none.
    pub default_port: Option<u16>,
    pub security: Security,
    pub security_from: SecurityFrom,
    pub credentials: bool,
    /// The port is an environment lookup's fallback and the credentials are empty where it
    /// applies (`int(os.getenv("EMAIL_PORT", 25))` beside `os.getenv("EMAIL_HOST_USER", "")`):
    /// the login happens only on a port set elsewhere.
    pub login_elsewhere_than_port: bool,
    /// The host key is there but empty, in an application that never falls back to its default
    /// host for an empty one (see `Profile::blank_host_is_placeholder`): filled in elsewhere.
    pub host_placeholder: bool,
    /// Every setting of the endpoint (indices into the parsed settings).
    pub settings: Vec<usize>,
    pub url: Option<UrlParts>,
    /// The scheme of a host written `ssl://host`, where the application reads it as the mode
    /// (`Profile::host_schemes`): the scheme's letters, which a mode fix rewrites or removes.
    pub host_scheme: Option<Located>,
    /// Settings that switch certificate checking off.
    pub verify_off: Vec<Located>,
    /// Settings that allow TLS below 1.2.
    pub old_tls: Vec<Located>,
    /// Settings that ask for different modes at once (MP010).
    pub conflicts: Vec<Located>,
    /// Settings the application replaces with another source's value (a nodemailer well-known
    /// `service` merged over `host`/`port`/`secure`): dead settings.
    pub overridden: Vec<Located>,
    /// Connection settings a later setting of the same variable replaces (mailx `set smtp=…`
    /// twice): dead settings.
    pub replaced: Vec<Located>,
    /// Where the effective host and port come from when it is not a host or port key (the
    /// `service` value): fixes must not edit these spans as if they were a port.
    pub locked: Vec<Span>,
    /// Index of the setting after which new keys are inserted.
    pub anchor: usize,
    /// Settings taken from a block other connections read too (Alertmanager's `global`, Spring's
    /// unconditional documents under a profile document): fixes never edit there, which would
    /// change those connections as well.
    pub shared: Vec<usize>,
    /// How many path segments the endpoint's root has: `path[root_len..]` names a key the way the
    /// application's documentation does (`properties.mail.smtp.ssl.enable`, `EMAIL_USE_SSL`).
    pub root_len: usize,
}

impl Endpoint {
    /// Calls `f` on every byte span the endpoint holds (an edit elsewhere moves them all). A new
    /// field with a span belongs here.
    pub fn for_each_span_mut(&mut self, mut f: impl FnMut(&mut Span)) {
        for l in [&mut self.host, &mut self.port, &mut self.host_scheme]
            .into_iter()
            .flatten()
        {
            f(&mut l.span);
        }
        if let Some(u) = &mut self.url {
            f(&mut u.scheme.span);
            let mut at = u.port_insert_at..u.port_insert_at;
            f(&mut at);
            u.port_insert_at = at.start;
        }
        for l in self
            .verify_off
            .iter_mut()
            .chain(self.old_tls.iter_mut())
            .chain(self.conflicts.iter_mut())
            .chain(self.overridden.iter_mut())
            .chain(self.replaced.iter_mut())
        {
            f(&mut l.span);
        }
        for span in &mut self.locked {
            f(span);
        }
    }

    /// A setting's key relative to the endpoint.
    pub fn key_label(&self, setting: &Setting) -> String {
        let start = self.root_len.min(setting.path.len().saturating_sub(1));
        setting.path[start..].join(".")
    }
}

impl Endpoint {
    /// The port as a number when it is a valid literal, else the default port.
    pub fn port_number(&self) -> Option<u32> {
        match &self.port {
            Some(p) => crate::knowledge::ports::parse_port(&p.value).ok().flatten(),
            None => self.default_port.map(u32::from),
        }
    }
}

/// Normalises a value for the profile tables: trimmed, lowercased, booleans as `true`/`false`.
pub fn normalise(value: &str) -> String {
    let v = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_ascii_lowercase();
    match v.as_str() {
        "true" | "yes" | "on" | "1" | "y" | "enabled" | "enable" => "true".into(),
        "false" | "no" | "off" | "0" | "n" | "disabled" | "disable" => "false".into(),
        _ => v,
    }
}

/// A value that says "nothing here": credentials set to it are no credentials.
fn is_blank(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "null" | "none" | "nil" | "~" | "false" | "\"\"" | "''"
    )
}

/// Groups the settings of one document into endpoints using the application profiles (a
/// document without YAML streams or branches: the analysis passes those to [`candidate_groups`]).
pub fn build(settings: &[Setting], format: Format) -> Vec<Endpoint> {
    let groups = candidate_groups(settings, format, &[], &[]);
    let mut out: Vec<Endpoint> = claim(&groups, settings.len(), |gi, members| {
        read_group(&groups[gi], members, settings)
    })
    .into_iter()
    .flat_map(|(_, _, e)| e)
    .collect();
    out.sort_by(document_order);
    out
}

/// Endpoints in the order of their settings in the document. Endpoints of groups that inherit
/// a defaults block (Alertmanager's `global`) start with the same setting: the rest of their
/// settings, then the anchor, decide, so that every analysis lists them alike.
pub fn document_order(a: &Endpoint, b: &Endpoint) -> std::cmp::Ordering {
    a.settings
        .cmp(&b.settings)
        .then_with(|| a.anchor.cmp(&b.anchor))
}

/// Setting `si`'s whole value, located.
pub(crate) fn located(settings: &[Setting], si: usize) -> Located {
    let s = &settings[si];
    Located {
        value: s.value.clone(),
        span: s.value_span.clone(),
        setting: si,
    }
}

/// A part of a value (URL host, `host:port` port) located in the document. Offsets inside the
/// value map to the document only when the value is written as read (no escapes).
fn part(settings: &[Setting], si: usize, text: &str, rel: &Span) -> Located {
    let s = &settings[si];
    let span = if s.value_span.len() == s.value.len() {
        s.value_span.start + rel.start..s.value_span.start + rel.end
    } else {
        s.value_span.clone()
    };
    Located {
        value: text.to_string(),
        span,
        setting: si,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::syntax;

    /// A mangled file that repeats one setting thousands of times is read as the application
    /// reads it, the last line winning, in time linear in its size (the group is bounded).
    #[test]
    fn an_oversized_group_is_read_by_the_last_setting_of_each_key() {
        let text: String = (0..2_000)
            .map(|i| format!("set smtp_url = \"smtp://me@smtp{i}.example.com:587/\"\n"))
            .collect();
        let parsed = syntax::parse(Format::Muttrc, &text);
        assert_eq!(parsed.settings.len(), 2_000);
        let endpoints = build(&parsed.settings, Format::Muttrc);
        let hosts: Vec<&str> = endpoints
            .iter()
            .filter_map(|e| e.host.as_ref().map(|h| h.value.as_str()))
            .collect();
        assert_eq!(hosts, ["smtp1999.example.com"]);
    }
}
