//! The interpreter: one group's settings read through its profile into endpoints.

use std::collections::{HashMap, HashSet};

use super::super::syntax::hostport::{parse_host_port, parse_templated_host_port, parse_url};
use super::super::syntax::{EnvDefault, Segment, Setting};
use super::groups::{decisive_members, inherited_settings, Group};
use super::index::{Member, Role};
use super::words::{
    protocol_from_host, protocol_from_host_variable, protocol_from_words, provider_protocol,
    scheme_facts, SchemeMode,
};
use super::{is_blank, located, normalise, part, Endpoint, Located, SecurityFrom, UrlParts};
use crate::knowledge::ports;
use crate::knowledge::profiles::{self, ComboMode, Condition, PlainScheme, Profile, When};
use crate::knowledge::services::Service;
use crate::vocab::{Protocol, Security, Span};

/// Reads a group's members (positions in the group) through its profile: `None` when they make
/// no endpoint of that profile, no endpoints when the application's own switch turns them off
/// (the group is still the profile's: no other profile reads its settings).
pub fn read_group(group: &Group, members: &[usize], settings: &[Setting]) -> Option<Vec<Endpoint>> {
    let all = profiles::all();
    let p = all.get(usize::from(group.profile))?;
    if group.only_defaults {
        return Some(Vec::new());
    }
    let ms: Vec<&Member> = members
        .iter()
        .filter_map(|&i| group.members.get(i))
        .chain(&group.inherited)
        .collect();
    let mut eps = endpoints_of(p, &group.root(settings), &ms, settings)?;
    // A port or mode another branch sets is chosen at run time: no default stands in for it.
    for e in &mut eps {
        if group.elsewhere.port && e.port.is_none() {
            e.default_port = None;
        }
        if group.elsewhere.mode && e.security_from == SecurityFrom::Default {
            e.security = Security::Unknown;
            e.security_from = SecurityFrom::Nothing;
        }
    }
    if !group.inherited.is_empty() {
        let inherited: HashSet<usize> = inherited_settings(group).collect();
        // An endpoint made of inherited settings alone is the defaults block's own, reported
        // there (a mutt hook that sets only `folder` inherits the top level's `smtp_url`).
        let turned_off = eps.is_empty();
        eps.retain(|e| {
            e.settings.is_empty() || !e.settings.iter().all(|si| inherited.contains(si))
        });
        if eps.is_empty() && !turned_off {
            return None;
        }
        for e in &mut eps {
            e.shared = e
                .settings
                .iter()
                .copied()
                .filter(|si| inherited.contains(si))
                .collect();
        }
    }
    Some(eps)
}

/// Reads one group of settings through its profile. A group with URL values gives one endpoint per
/// URL (aerc `source` and `outgoing`); otherwise one endpoint. `None`: no endpoint of this
/// profile; no endpoints: the profile's `disabled_when` holds.
fn endpoints_of(
    p: &'static Profile,
    root: &[String],
    members: &[&Member],
    settings: &[Setting],
) -> Option<Vec<Endpoint>> {
    let mut members = decisive_members(members, settings);
    if !p.disabled_when.is_empty() && holds(&p.disabled_when, &members, settings) {
        return Some(Vec::new());
    }
    let replaced = if p.later_replaces {
        drop_replaced(&mut members, settings)
    } else {
        Vec::new()
    };
    let urls: Vec<&Member> = members
        .iter()
        .copied()
        .filter(|m| m.role() == Role::Url)
        .collect();
    let plain: Vec<&Member> = members
        .iter()
        .copied()
        .filter(|m| m.role() != Role::Url)
        .collect();
    // Sized to what it can hold: `Vec::new()` would make room for four endpoints at the first
    // push, and a big document's first analysis holds every group's result at once.
    let mut out = Vec::with_capacity(1 + urls.len());
    let has_fields = plain
        .iter()
        .any(|m| matches!(m.role(), Role::Host | Role::Port | Role::HostPort));
    if has_fields || urls.is_empty() {
        if let Some(e) = read_endpoint(p, root, &plain, None, settings) {
            out.push(e);
        }
    }
    for u in urls {
        let mut ms: Vec<&Member> = plain
            .iter()
            .copied()
            .filter(|m| !matches!(m.role(), Role::Host | Role::Port | Role::HostPort))
            .collect();
        ms.push(u);
        if let Some(e) = read_endpoint(p, root, &ms, Some(u), settings) {
            out.push(e);
        }
    }
    // The dead settings are reported once, on the endpoint of the setting that replaced them.
    for (dead, by) in replaced {
        if let Some(e) = out.iter_mut().find(|e| e.settings.contains(&by)) {
            e.replaced.push(located(settings, dead));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Removes the connection settings (URL, host, port) that a later setting of the same variable
/// replaces; returns each as (dead setting, the setting that replaced it). A variable is the key
/// path without the adapter's reading note (`smtp (host:port)` is mailx's `smtp`).
fn drop_replaced(members: &mut Vec<&Member>, settings: &[Setting]) -> Vec<(usize, usize)> {
    let connection = |m: &Member| {
        matches!(
            m.role(),
            Role::Url | Role::Host | Role::Port | Role::HostPort
        )
    };
    let variable = |si: usize| {
        let path = &settings[si].path;
        let (last, parents) = path.split_last()?;
        let name = last.split_once(" (").map_or(&**last, |(name, _)| name);
        Some((parents, name))
    };
    // Latest first: the first setting seen of each variable is the one that counts.
    let mut latest: HashMap<(&[Segment], &str), usize> = HashMap::new();
    let mut replaced = Vec::new();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(members[i].setting()));
    let mut dead = vec![false; members.len()];
    for i in order {
        let m = members[i];
        if !connection(m) {
            continue;
        }
        let Some(var) = variable(m.setting()) else {
            continue;
        };
        match latest.get(&var) {
            Some(&by) => {
                dead[i] = true;
                replaced.push((m.setting(), by));
            }
            None => {
                latest.insert(var, m.setting());
            }
        }
    }
    let mut flags = dead.into_iter();
    members.retain(|_| !flags.next().unwrap_or(false));
    replaced.sort_unstable();
    replaced
}

/// A security value that names what goes there instead of saying it (`security`, `ssl/tls`,
/// `your_encryption`, `SMTP_AUTH_STRATEGY`): a template's placeholder, which decides no mode
/// (rules.md, "Templates are not mistakes"). A value the application does not know (`starttls`
/// where only `tls` is read) is no placeholder: the application's fallback applies to it.
fn names_the_security_slot(value: &str) -> bool {
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if ports::is_name_placeholder(value) {
        return true;
    }
    let v = value.trim().to_ascii_lowercase();
    let slot = |w: &str| {
        matches!(
            w,
            "security" | "encryption" | "crypto" | "secure" | "protocol"
        )
    };
    slot(&v)
        || matches!(
            v.as_str(),
            "ssl/tls" | "tls/ssl" | "ssl|tls" | "tls|ssl" | "ssl or tls" | "tls or ssl"
        )
        || ["your_", "your-", "your "].iter().any(|p| {
            v.strip_prefix(p)
                .is_some_and(|rest| rest.split(['_', '-', ' ']).any(slot))
        })
}

/// A host value `scheme://host` whose scheme the application reads as the mode: the scheme's and
/// the host's byte ranges in the value, and the mode.
fn host_scheme(p: &Profile, value: &str) -> Option<(Span, Span, Security)> {
    if p.host_schemes.is_empty() {
        return None;
    }
    let lead = value.len() - value.trim_start().len();
    let end = value.trim_end().len();
    let (scheme, _) = value.get(lead..end)?.split_once("://")?;
    let (_, &mode) = p
        .host_schemes
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(scheme))?;
    let host_start = lead + scheme.len() + 3;
    if host_start >= end {
        return None;
    }
    Some((lead..lead + scheme.len(), host_start..end, mode))
}

/// Whether every condition of `when` holds for the group's members.
pub(super) fn holds(when: &When, members: &[&Member], settings: &[Setting]) -> bool {
    when.iter().all(|(k, condition)| {
        let value = member_for(members, k).map(|m| settings[m.setting()].value.as_str());
        match (condition, value) {
            (Condition::Absent, value) => value.is_none(),
            (Condition::Present, value) => value.is_some(),
            (Condition::Is(want), Some(value)) => normalise(value) == normalise(want),
            (Condition::IsNot(other), Some(value)) => {
                !ports::is_reference(value) && normalise(value) != normalise(other)
            }
            (Condition::Is(_), None) => false,
            (Condition::IsNot(_), None) => true,
        }
    })
}

/// A well-known service merged over the document's own settings (nodemailer `service`).
#[derive(Clone, Copy)]
enum ServiceBy {
    /// A service the table knows: its host, port and TLS keys replace the document's.
    Known(usize, &'static Service),
    /// A service named by a variable (`service: config.service`): nodemailer merges whatever it
    /// names last, so the host, port and TLS mode are the variable's: unknown, not the defaults.
    Variable(usize),
}

impl ServiceBy {
    fn of(p: &Profile, members: &[&Member], settings: &[Setting]) -> Option<ServiceBy> {
        let table = p.services.as_deref()?;
        let si = members
            .iter()
            .find(|m| m.role() == Role::Service)?
            .setting();
        match crate::knowledge::services::lookup(table, &settings[si].value) {
            Some(found) => Some(ServiceBy::Known(si, found)),
            None => ports::is_reference(&settings[si].value).then_some(ServiceBy::Variable(si)),
        }
    }

    /// Whether the service replaces this member's setting.
    fn replaces(self, m: &Member) -> bool {
        match self {
            ServiceBy::Known(_, svc) => {
                matches!(m.role(), Role::Host | Role::Port | Role::HostPort)
                    || svc.secure.is_some() && m.pattern().eq_ignore_ascii_case("secure")
            }
            ServiceBy::Variable(_) => false,
        }
    }

    /// The host and port the service sets, at the service's setting.
    fn set_host_and_port(self, settings: &[Setting], e: &mut Endpoint) {
        match self {
            ServiceBy::Known(si, svc) => {
                let at = located(settings, si);
                e.locked.push(at.span.clone());
                e.host = Some(Located {
                    value: svc.host.to_string(),
                    ..at.clone()
                });
                e.port = Some(Located {
                    value: svc.port.to_string(),
                    ..at
                });
            }
            ServiceBy::Variable(si) => {
                let at = located(settings, si);
                e.locked.push(at.span.clone());
                e.host = Some(at);
                e.port = None;
            }
        }
    }
}

/// What the members say beside the endpoint's fields, for the phases that follow.
#[derive(Default)]
struct Said {
    /// A protocol key's value or a URL's scheme (`protocol = smtps`).
    protocol: Option<Protocol>,
    scheme_mode: Option<SchemeMode>,
    /// `ssl://host` where the application reads the scheme: (mode, the host setting).
    host_mode: Option<(Security, usize)>,
    /// A host filled in later that may bring its own port (`mailhub={{ relay }}`).
    port_from_reference: bool,
    /// Each set credential: whether it is a password, the protocol it is sent on (`None`: any),
    /// and whether it is empty where the environment's variables are unset.
    credentials: Vec<(bool, Option<Protocol>, bool)>,
}

/// Reads one endpoint from a group's members, phase by phase: the fields the keys give, a
/// well-known service merged over them, a URL, the protocol, the certificate and TLS-version
/// checks, the security mode, and the default port that depends on it.
fn read_endpoint(
    p: &'static Profile,
    root: &[String],
    members: &[&Member],
    url_member: Option<&Member>,
    settings: &[Setting],
) -> Option<Endpoint> {
    let mut e = empty_endpoint(p, root, members);
    let service = ServiceBy::of(p, members, settings);
    let kept: Vec<&Member>;
    let members: &[&Member] = match service {
        Some(svc @ ServiceBy::Known(..)) => {
            e.overridden = members
                .iter()
                .filter(|m| svc.replaces(m))
                .map(|m| located(settings, m.setting()))
                .collect();
            kept = members
                .iter()
                .copied()
                .filter(|m| !svc.replaces(m))
                .collect();
            &kept
        }
        _ => members,
    };
    let mut said = read_fields(p, members, settings, &mut e);
    read_port_sources(p, members, service, settings, &mut e);
    if let Some(u) = url_member {
        read_url(p, u, settings, &mut e, &mut said)?;
    }
    e.protocol = said
        .protocol
        .or_else(|| protocol_from_words(root.iter().rev().map(String::as_str)))
        .or_else(|| {
            // A key name that carries the protocol (`smtp_port`, `IMAP_HOST`).
            members
                .iter()
                .find_map(|m| protocol_from_words(std::iter::once(settings[m.setting()].key())))
        })
        .or(p.protocol)
        .or_else(|| e.host.as_ref().and_then(|h| protocol_from_host(&h.value)))
        .or_else(|| {
            e.host
                .as_ref()
                .and_then(|h| protocol_from_host_variable(&h.value))
        })
        .or_else(|| e.host.as_ref().and_then(|h| provider_protocol(&h.value)));
    // Nothing mail-like: a database or HTTP block of a generic file.
    e.protocol?;
    // `unset`: only the credentials still set where the environment's variables are unset.
    let sent = |password: bool, unset: bool| {
        said.credentials
            .iter()
            .any(|&(is_password, proto, empty_unset)| {
                is_password == password
                    && (proto.is_none() || proto == e.protocol)
                    && !(unset && empty_unset)
            })
    };
    let logs_in = |unset: bool| {
        if p.login_needs_both {
            sent(false, unset) && sent(true, unset)
        } else {
            sent(false, unset) || sent(true, unset)
        }
    };
    e.credentials |= logs_in(false);
    // A port that is an environment lookup's fallback is the port where the variables are unset:
    // with credentials that fall back to empty values, that port never carries a login (one
    // world, never a mix).
    e.login_elsewhere_than_port = e.credentials
        && !logs_in(true)
        && e.port
            .as_ref()
            .is_some_and(|p| settings[p.setting].env_default == EnvDefault::Literal);
    // Security keys alone (no host, no port) say nothing checkable — except MP010 conflicts and
    // MP008/MP009, read below.
    if e.host.is_none()
        && e.port.is_none()
        && url_member.is_none()
        && !members.iter().any(|m| m.role() == Role::Other)
    {
        return None;
    }
    read_checks(p, members, settings, &mut e);
    if e.url.is_none() {
        if let Some(d) = p
            .default_ports
            .iter()
            .find(|d| holds(&d.when, members, settings))
        {
            e.default_port = Some(d.port);
        }
    }
    let decision = decide_mode(p, members, settings, &said, service, &mut e);
    e.security = decision.mode.unwrap_or(Security::Unknown);
    e.security_from = if e.security == Security::Unknown {
        SecurityFrom::Nothing
    } else {
        decision.from
    };
    settle_default_port(p, &said, &mut e);
    e.anchor = anchor(root, members, settings);
    Some(e)
}

/// An endpoint of profile `p` with the given settings and nothing read yet.
fn empty_endpoint(p: &'static Profile, root: &[String], members: &[&Member]) -> Endpoint {
    let mut settings: Vec<usize> = members.iter().map(|m| m.setting()).collect();
    settings.sort_unstable();
    settings.dedup();
    Endpoint {
        profile: leak_id(p),
        protocol: None,
        host: None,
        port: None,
        default_port: p.default_port,
        security: Security::Unknown,
        security_from: SecurityFrom::Nothing,
        credentials: false,
        login_elsewhere_than_port: false,
        host_placeholder: false,
        settings,
        url: None,
        host_scheme: None,
        verify_off: Vec::new(),
        old_tls: Vec::new(),
        conflicts: Vec::new(),
        overridden: Vec::new(),
        replaced: Vec::new(),
        locked: Vec::new(),
        anchor: 0,
        shared: Vec::new(),
        root_len: if p.flat { usize::MAX } else { root.len() },
    }
}

/// The host, port and credentials the members' keys give, and what they say for later phases.
fn read_fields(p: &Profile, members: &[&Member], settings: &[Setting], e: &mut Endpoint) -> Said {
    let mut said = Said::default();
    for m in members {
        let s = &settings[m.setting()];
        match m.role() {
            Role::Host if !is_blank(&s.value) => match host_scheme(p, &s.value) {
                Some((scheme, host, mode)) => {
                    e.host_scheme = Some(part(
                        settings,
                        m.setting(),
                        &s.value[scheme.clone()],
                        &scheme,
                    ));
                    e.host = Some(part(settings, m.setting(), &s.value[host.clone()], &host));
                    said.host_mode = Some((mode, m.setting()));
                }
                None => e.host = Some(located(settings, m.setting())),
            },
            Role::Host => e.host_placeholder |= p.blank_host_is_placeholder,
            // A blank port (`port: ""`) is not set: the application's default applies.
            Role::Port if !is_blank(&s.value) => e.port = Some(located(settings, m.setting())),
            Role::HostPort => {
                let hp = parse_host_port(&s.value).or_else(|| {
                    parse_templated_host_port(&s.value, |v| {
                        ports::is_reference(v) || ports::is_name_placeholder(v)
                    })
                });
                if let Some(hp) = hp {
                    e.host = Some(part(settings, m.setting(), &hp.host.0, &hp.host.1));
                    e.port = Some(part(settings, m.setting(), &hp.port.0, &hp.port.1));
                } else if !is_blank(&s.value) {
                    // A host filled in later (`mailhub={{ relay }}`) goes anywhere, and may
                    // bring its own port: the default port says nothing.
                    said.port_from_reference |= ports::is_reference(&s.value);
                    e.host = Some(located(settings, m.setting()));
                }
            }
            Role::User | Role::Password => {
                if !is_blank(&s.value) && !p.credentials_need_auth {
                    // A key that names its protocol (mutt `imap_pass`, `smtp_user`) is sent
                    // only on connections of that protocol: decided once the protocol is known.
                    said.credentials.push((
                        m.role() == Role::Password,
                        protocol_from_words(std::iter::once(s.key())),
                        s.env_default == EnvDefault::Empty,
                    ));
                }
            }
            // `auth on` or a method (`auth plain`) where credentials need the switch.
            Role::Auth if p.credentials_need_auth => {
                let v = normalise(&s.value);
                let user_set = || {
                    members
                        .iter()
                        .any(|m| m.role() == Role::User && !is_blank(&settings[m.setting()].value))
                };
                if !is_blank(&v) && v != "false" && (!p.auth_needs_user || user_set()) {
                    e.credentials = true;
                }
            }
            Role::Auth => {
                // An "authenticate" switch counts only where no user or password key says
                // otherwise: `mail.smtp.auth=true` with an empty user name sends nothing.
                let credential_values = || {
                    members
                        .iter()
                        .filter(|m| matches!(m.role(), Role::User | Role::Password))
                        .map(|m| is_blank(&settings[m.setting()].value))
                };
                let blank_credentials = credential_values().any(|blank| blank)
                    && !credential_values().any(|blank| !blank);
                if normalise(&s.value) == "true" && !blank_credentials {
                    e.credentials = true;
                }
            }
            Role::Protocol => {
                let v = normalise(&s.value);
                if let Some((proto, mode)) = scheme_facts(&v) {
                    said.protocol = Some(proto);
                    if mode == SchemeMode::Implicit {
                        said.scheme_mode = Some(SchemeMode::Implicit);
                    }
                } else if let Some(proto) =
                    Protocol::parse(&v).or_else(|| p.protocol_values.get(&v).copied())
                {
                    said.protocol = Some(proto);
                }
            }
            Role::Port
            | Role::Url
            | Role::Other
            | Role::PortOverride
            | Role::Service
            | Role::Identity => {}
        }
    }
    said
}

/// What else decides the port: a switch that turns the port key off, a service merged last, and
/// an override of the socket's port.
fn read_port_sources(
    p: &Profile,
    members: &[&Member],
    service: Option<ServiceBy>,
    settings: &[Setting],
    e: &mut Endpoint,
) {
    // A port key behind a switch that is not on (Claws Mail `set_smtpport=0`) is not read.
    if let Some(switch) = &p.port_switch {
        let on = members.iter().any(|m| {
            m.pattern().eq_ignore_ascii_case(switch)
                && normalise(&settings[m.setting()].value) == "true"
        });
        if !on {
            e.port = None;
        }
    }
    if let Some(svc) = service {
        svc.set_host_and_port(settings, e);
    }
    // The socket really goes to the override port (JavaMail's socketFactory.port).
    if let Some(m) = members.iter().find(|m| m.role() == Role::PortOverride) {
        if !is_blank(&settings[m.setting()].value) {
            e.port = Some(located(settings, m.setting()));
        }
    }
}

/// A connection URL (`smtps://user@host:465?verify_peer=0`): its host, port, protocol and mode.
/// `None` when the value is no mail URL.
fn read_url(
    p: &Profile,
    u: &Member,
    settings: &[Setting],
    e: &mut Endpoint,
    said: &mut Said,
) -> Option<()> {
    let s = &settings[u.setting()];
    let url = parse_url(s.value.trim())?;
    let (proto, mode) = scheme_facts(&url.scheme)?;
    let lead = s.value.len() - s.value.trim_start().len();
    let shift = |r: &Span| r.start + lead..r.end + lead;
    said.protocol = Some(proto);
    said.scheme_mode = Some(mode);
    e.url = Some(UrlParts {
        scheme: part(settings, u.setting(), &url.scheme, &shift(&url.scheme_span)),
        port_insert_at: part(
            settings,
            u.setting(),
            "",
            &shift(&(url.host_end..url.host_end)),
        )
        .span
        .start,
    });
    if let Some((h, span)) = &url.host {
        e.host = Some(part(settings, u.setting(), h, &shift(span)));
    }
    if let Some((port, span)) = &url.port {
        e.port = Some(part(settings, u.setting(), port, &shift(span)));
    } else if mode == SchemeMode::Submission {
        e.default_port = Some(ports::starttls_port(proto));
    } else if p.url_scheme_ports {
        e.default_port = Some(match mode {
            SchemeMode::Implicit => ports::implicit_port(proto),
            _ => ports::plaintext_port(proto),
        });
    } else if mode == SchemeMode::Implicit || p.protocol != Some(proto) {
        e.default_port = None;
    }
    // else: a plain-scheme URL of the profile's own protocol without a port uses the profile's
    // default port (mailx `smtp://host` = 25).
    if url.has_userinfo {
        e.credentials = true;
    }
    for (k, v) in &url.query {
        let (k, v) = (k.to_ascii_lowercase(), normalise(v));
        if (k == "verify_peer" || k == "ssl_verify") && v == "false" {
            let mut l = located(settings, u.setting());
            l.value = format!("{k}=0");
            e.verify_off.push(l);
        }
        if k == "require_tls" && v == "true" {
            said.scheme_mode = Some(SchemeMode::Starttls);
        }
        // lettre's connection URLs (transport/smtp/connection_url.rs): on `smtp://`,
        // `tls=required` upgrades with STARTTLS or fails, `opportunistic` only if offered
        // (`smtps://` is implicit TLS whatever the parameter says).
        if k == "tls" && url.scheme.eq_ignore_ascii_case("smtp") {
            said.scheme_mode = match v.as_str() {
                "required" => Some(SchemeMode::Starttls),
                "opportunistic" => Some(SchemeMode::Opportunistic),
                _ => said.scheme_mode,
            };
        }
    }
    Some(())
}

/// Certificate checks switched off, and TLS versions below 1.2 allowed.
fn read_checks(p: &Profile, members: &[&Member], settings: &[Setting], e: &mut Endpoint) {
    for (key, values) in &p.verify_off {
        if let Some(m) = member_for(members, key) {
            let raw = &settings[m.setting()].value;
            let v = normalise(raw);
            // `<any>`: every value the document names switches checks off (Jakarta Mail's
            // `ssl.trust` trusts the hosts it lists without validating their chain).
            let any_value = !is_blank(raw) && !ports::is_reference(raw);
            if values.iter().any(|x| {
                x == "*" && !v.is_empty() && v.trim() == "*"
                    || x == "<any>" && any_value
                    || normalise(x) == v
            }) {
                e.verify_off.push(located(settings, m.setting()));
            }
        }
    }
    for key in &p.tls_versions {
        if let Some(m) = member_for(members, key) {
            let value = &settings[m.setting()].value;
            if allows_old_tls(value) || (normalise(value) == "true" && names_old_tls(key)) {
                e.old_tls.push(located(settings, m.setting()));
            }
        }
    }
}

/// The member read by the profile key `pattern`.
fn member_for<'m>(members: &[&'m Member], pattern: &str) -> Option<&'m Member> {
    members
        .iter()
        .copied()
        .find(|m| m.pattern().eq_ignore_ascii_case(pattern))
}

/// The security mode as it is being decided: each step runs only while nothing has decided it
/// (no mode, no conflict).
struct Decision {
    mode: Option<Security>,
    from: SecurityFrom,
    /// The settings that decided the mode (for `SecurityFrom::Keys`).
    keys_used: Vec<usize>,
}

impl Decision {
    fn open(&self, e: &Endpoint) -> bool {
        self.mode.is_none() && e.conflicts.is_empty()
    }

    fn decide(&mut self, mode: Security, from: SecurityFrom) {
        self.mode = Some(mode);
        self.from = from;
    }
}

/// Decides the security mode, in the application's order of precedence: what overrides
/// everything (an implicit-TLS scheme, `ssl://host`, a combination of keys, a merged service),
/// then the security keys, the URL scheme, the port, and the application's default; finally a
/// `requireTLS` switch that makes opportunistic STARTTLS required. Conflicting keys go to
/// `e.conflicts` (MP010).
fn decide_mode(
    p: &Profile,
    members: &[&Member],
    settings: &[Setting],
    said: &Said,
    service: Option<ServiceBy>,
    e: &mut Endpoint,
) -> Decision {
    let mut d = Decision {
        mode: None,
        from: SecurityFrom::Nothing,
        keys_used: Vec::new(),
    };
    decide_overrides(p, members, settings, said, service, e, &mut d);
    let port = e.port_number();
    let port_implicit = port.is_some_and(|n| p.implicit_ports.iter().any(|&ip| u32::from(ip) == n));
    if d.open(e) {
        if port_implicit && p.port_overrides {
            d.decide(Security::ImplicitTls, SecurityFrom::Port);
        } else {
            let present = decide_by_keys(p, members, settings, e, &mut d);
            if d.open(e) {
                decide_by_scheme(p, said.scheme_mode, port, port_implicit, &mut d);
            }
            if d.open(e) {
                decide_by_port(p, port, port_implicit, present, &mut d);
            }
        }
    } else if said.scheme_mode == Some(SchemeMode::Implicit) {
        d.from = SecurityFrom::Scheme;
    } else if d.mode.is_some() {
        d.from = SecurityFrom::Keys(Vec::new());
    }
    // `requireTLS: true` makes opportunistic STARTTLS required.
    if d.mode == Some(Security::StarttlsOpportunistic) || (d.open(e) && !p.require.is_empty()) {
        for r in &p.require {
            if let Some(m) = member_for(members, r) {
                if normalise(&settings[m.setting()].value) == "true" {
                    d.mode = Some(Security::StarttlsRequired);
                    d.keys_used.push(m.setting());
                    if d.from == SecurityFrom::Nothing {
                        d.from = SecurityFrom::Keys(Vec::new());
                    }
                }
            }
        }
    }
    if let SecurityFrom::Keys(_) = d.from {
        d.keys_used.sort_unstable();
        d.keys_used.dedup();
        d.from = SecurityFrom::Keys(std::mem::take(&mut d.keys_used));
    }
    d
}

/// What decides the mode over the security keys: a security key set from elsewhere, an
/// implicit-TLS URL scheme, `ssl://host`, a combination of keys the profile names, a service
/// merged last.
fn decide_overrides(
    p: &Profile,
    members: &[&Member],
    settings: &[Setting],
    said: &Said,
    service: Option<ServiceBy>,
    e: &mut Endpoint,
    d: &mut Decision,
) {
    let combo = p.combos.iter().find(|c| holds(&c.when, members, settings));
    // A security key set from elsewhere (`SMTPSecure = SMTP_SECURE`, `${SMTP_TLS}`) decides the
    // mode where the document cannot see it: no combination and no default applies. A key a
    // combination only needs present or absent (Laravel's `VITE_APP_NAME="${APP_NAME}"`, which
    // dates the skeleton) decides nothing by its value.
    let referenced = members.iter().any(|m| {
        m.role() == Role::Other
            && ports::is_reference(&settings[m.setting()].value)
            && p.combos.iter().any(|c| {
                c.when.iter().any(|(k, condition)| {
                    k.eq_ignore_ascii_case(m.pattern()) && condition.names_a_value()
                })
            })
    });
    if combo.is_none() && referenced {
        d.mode = Some(Security::Unknown);
    }
    // `smtps://`, `imaps://`: implicit TLS whatever the document's other security keys say (they
    // only apply to plain-scheme URLs: mutt `ssl_starttls`, himalaya `starttls`).
    let implicit_scheme = said.scheme_mode == Some(SchemeMode::Implicit);
    let combo = combo.filter(|_| !implicit_scheme && said.host_mode.is_none());
    if implicit_scheme {
        d.mode = Some(Security::ImplicitTls);
    }
    // `ssl://host`: the scheme wins over the security keys (PHPMailer strips it and sets the mode
    // from it; CodeIgniter's socket is TLS before any key is read).
    if let Some((m, si)) = said.host_mode.filter(|_| d.mode.is_none()) {
        d.mode = Some(m);
        d.keys_used.push(si);
    }
    // A combination that names the generation in which the port decides: nothing from the keys.
    if let Some(c) = combo.filter(|c| c.mode != ComboMode::Port) {
        for k in c.when.keys() {
            if let Some(m) = member_for(members, k) {
                d.keys_used.push(m.setting());
            }
        }
        match c.mode {
            ComboMode::Conflict => {
                e.conflicts = d
                    .keys_used
                    .iter()
                    .map(|&si| located(settings, si))
                    .collect();
            }
            ComboMode::Mode(m) => d.mode = Some(m),
            ComboMode::Port => {}
        }
    }
    match service {
        // nodemailer merges the service last: its `secure: true` replaces the document's
        // `secure`, and a TLS socket from the start leaves `ignoreTLS` nothing to skip.
        Some(ServiceBy::Known(si, svc)) if e.conflicts.is_empty() => {
            if svc.secure == Some(true) {
                d.mode = Some(Security::ImplicitTls);
                d.keys_used.clear();
                d.keys_used.push(si);
            } else if d.mode.is_none() && svc.require_tls {
                d.mode = Some(Security::StarttlsRequired);
                d.keys_used.push(si);
            }
        }
        Some(ServiceBy::Variable(_)) if e.conflicts.is_empty() => {
            d.mode = Some(Security::Unknown);
        }
        _ => {}
    }
}

/// The security keys (only the explicit ones where the application decides by port): a mode,
/// a conflict, or the profile's `otherwise` for a key it does not know. Returns whether any
/// security key is present.
fn decide_by_keys(
    p: &Profile,
    members: &[&Member],
    settings: &[Setting],
    e: &mut Endpoint,
    d: &mut Decision,
) -> bool {
    let mut found: Vec<(Security, usize)> = Vec::new();
    let mut present_keys: Vec<usize> = Vec::new();
    for sk in &p.security {
        if p.port_decides.is_some() && !p.explicit.iter().any(|x| x.eq_ignore_ascii_case(&sk.key)) {
            continue;
        }
        let Some(m) = member_for(members, &sk.key) else {
            continue;
        };
        present_keys.push(m.setting());
        let raw = &settings[m.setting()].value;
        if ports::is_reference(raw) {
            found.push((Security::Unknown, m.setting()));
            continue;
        }
        let v = normalise(raw);
        let hit = sk
            .values
            .get(&v)
            .or_else(|| (!v.is_empty()).then(|| sk.values.get("*")).flatten());
        if hit.is_none() && names_the_security_slot(raw) {
            // `'smtp_crypto' => 'security'` in a template: what goes there, not a mode.
            found.push((Security::Unknown, m.setting()));
            continue;
        }
        if let Some(mode) = hit {
            found.push((*mode, m.setting()));
        }
    }
    let present = !present_keys.is_empty();
    let implicit = found.iter().any(|(s, _)| *s == Security::ImplicitTls);
    let starttls = found.iter().any(|(s, _)| s.is_starttls());
    if found.iter().any(|(s, _)| *s == Security::Unknown) {
        d.mode = Some(Security::Unknown);
    } else if implicit && starttls {
        e.conflicts = found
            .iter()
            .filter(|(s, _)| *s != Security::None)
            .map(|&(_, si)| located(settings, si))
            .collect();
    } else if let Some(&(sec, _)) = found
        .iter()
        .find(|(s, _)| *s == Security::ImplicitTls)
        .or_else(|| found.iter().find(|(s, _)| s.is_starttls()))
        .or_else(|| found.first())
    {
        d.keys_used.extend(found.iter().map(|&(_, si)| si));
        d.decide(sec, SecurityFrom::Keys(Vec::new()));
    } else if let (true, Some(otherwise)) = (present, p.otherwise) {
        d.keys_used.extend(present_keys);
        d.decide(otherwise, SecurityFrom::Keys(Vec::new()));
    }
    present
}

/// The URL scheme: `smtps`, `smtp+starttls`, `smtp+insecure`, or a plain `smtp` the profile
/// reads by port or as a mode of its own.
fn decide_by_scheme(
    p: &Profile,
    scheme_mode: Option<SchemeMode>,
    port: Option<u32>,
    port_implicit: bool,
    d: &mut Decision,
) {
    let mode = match scheme_mode {
        Some(SchemeMode::Implicit) => Security::ImplicitTls,
        Some(SchemeMode::Starttls) => Security::StarttlsRequired,
        Some(SchemeMode::Opportunistic) => Security::StarttlsOpportunistic,
        Some(SchemeMode::Insecure) => Security::None,
        // What a client does on the submission port is its own: where its plain scheme means no
        // TLS at all (mailx's `smtp://`), its `submission://` is not taken to mean the same, nor
        // its default: undecided.
        Some(SchemeMode::Submission)
            if p.plain_scheme == Some(PlainScheme::Mode(Security::None)) =>
        {
            d.mode = Some(Security::Unknown);
            return;
        }
        Some(SchemeMode::Plain | SchemeMode::Submission) => match (p.plain_scheme, port) {
            // The port decides; a port from a variable decides nothing.
            (Some(PlainScheme::Port), None) | (None, _) => return,
            (Some(PlainScheme::Port), Some(n)) => {
                let mode = if port_implicit || n == 465 {
                    Security::ImplicitTls
                } else {
                    Security::StarttlsOpportunistic
                };
                d.decide(mode, SecurityFrom::Port);
                return;
            }
            (Some(PlainScheme::Mode(m)), _) => m,
        },
        None => return,
    };
    d.decide(mode, SecurityFrom::Scheme);
}

/// The port, where the application derives the mode from it, or else the application's default
/// mode when no security key is present.
fn decide_by_port(
    p: &Profile,
    port: Option<u32>,
    port_implicit: bool,
    keys_present: bool,
    d: &mut Decision,
) {
    if port_implicit {
        d.decide(Security::ImplicitTls, SecurityFrom::Port);
    } else if let Some(pd) = p.port_decides {
        if port.is_some() {
            d.decide(pd, SecurityFrom::Port);
        }
    } else if let Some(pm) = port.filter(|_| !keys_present).and_then(|n| {
        p.port_modes
            .get(&n.to_string())
            .or_else(|| p.port_modes.get("*"))
            .copied()
    }) {
        d.decide(pm, SecurityFrom::Port);
    } else if let (Some(default), false) = (p.default_security, keys_present) {
        d.decide(default, SecurityFrom::Default);
    }
}

/// The default port once the mode is known: the implicit-TLS port where the application
/// switches to it, none where the host comes from elsewhere with its own port.
fn settle_default_port(p: &Profile, said: &Said, e: &mut Endpoint) {
    if e.security == Security::ImplicitTls && e.url.is_none() {
        if let Some(port) = p.implicit_default_port {
            e.default_port = Some(port);
        }
    }
    if said.port_from_reference && e.port.is_none() {
        e.default_port = None;
    }
    // Where the application needs a host and the block names none (msmtp's `defaults`, an
    // account that stops with "host not set"), or the host is set elsewhere with its port
    // (Postfix's empty relayhost), the default port says nothing.
    if e.host.is_none()
        && (p.default_host.as_deref() == Some(profiles::HOST_REQUIRED)
            || p.authenticated_host_elsewhere)
    {
        e.default_port = None;
    }
}

/// New keys go after the last entry that sits directly in the root (not inside `auth: {…}`).
fn anchor(root: &[String], members: &[&Member], settings: &[Setting]) -> usize {
    let depth = root.len() + 1;
    members
        .iter()
        .map(|m| m.setting())
        .filter(|&si| settings[si].path.len() == depth || settings[si].path.len() == root.len())
        .max()
        .or_else(|| members.iter().map(|m| m.setting()).max())
        .unwrap_or(0)
}

/// Profile ids are `'static` because the profile table is.
fn leak_id(p: &'static Profile) -> &'static str {
    p.id.as_str()
}

/// A boolean key that switches an old version on when true (mutt `ssl_use_sslv3`,
/// `ssl_use_tlsv1_1`; not `ssl_use_tlsv1_2`): a version name ends the key.
fn names_old_tls(key: &str) -> bool {
    key.char_indices()
        .filter(|&(_, c)| c == '_')
        .any(|(i, _)| allows_old_tls(&key[i + 1..]))
}

/// Does a TLS-version setting allow TLS below 1.2 (`TLSv1`, `TLSv1.1`, `SSLv3`, `+1.1`)?
pub fn allows_old_tls(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    // Exclusions (`!SSLv3`, `-TLSv1`) do not allow anything.
    v.split(|c: char| c.is_whitespace() || c == ',' || c == ':' || c == ';')
        .filter(|t| !t.is_empty() && !t.starts_with('!') && !t.starts_with('-'))
        .any(|t| {
            let t = t
                .trim_start_matches('+')
                .trim_matches(|c| c == '"' || c == '\'' || c == '[' || c == ']');
            matches!(
                t,
                "sslv2"
                    | "sslv3"
                    | "ssl3"
                    | "ssl2"
                    | "tlsv1"
                    | "tlsv1.0"
                    | "tlsv1.1"
                    | "tls1"
                    | "tls1.0"
                    | "tls1.1"
                    | "tlsv1_0"
                    | "tlsv1_1"
                    | "1.0"
                    | "1.1"
                    | "tls1_0"
                    | "tls1_1"
                    | "tls10"
                    | "tls11"
                    | "tlsv1_method"
                    | "tlsv1_1_method"
                    | "sslv3_method"
                    // OpenSSL's `SSLv23` method negotiates anything from SSLv3 up (OfflineIMAP
                    // `ssl_version = ssl23`, Python's `PROTOCOL_SSLv23`).
                    | "ssl23"
                    | "sslv23"
            )
        })
}
