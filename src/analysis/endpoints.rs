//! Endpoints: settings grouped into configured connections, read through application profiles.

use std::collections::{HashMap, HashSet};

use super::syntax::hostport::{parse_host_port, parse_templated_host_port, parse_url};
use super::syntax::incremental::Keep;
use super::syntax::{Segment, Setting};
use crate::knowledge::ports;
use crate::knowledge::profiles::{self, ComboMode, Condition, PlainScheme, Profile, When};
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

/// Words in a key or section that name a mail protocol (`smtp`, `IMAP`, `pop3` …).
const PROTOCOL_WORDS: &[(&str, Protocol)] = &[
    ("smtp", Protocol::Smtp),
    ("smtps", Protocol::Smtp),
    ("smtp_settings", Protocol::Smtp),
    ("submission", Protocol::Smtp),
    ("submissions", Protocol::Smtp),
    ("sendmail", Protocol::Smtp),
    ("outgoing", Protocol::Smtp),
    ("mailer", Protocol::Smtp),
    ("smtpserver", Protocol::Smtp),
    ("outgoingserver", Protocol::Smtp),
    ("imap", Protocol::Imap),
    ("imaps", Protocol::Imap),
    ("imapserver", Protocol::Imap),
    ("pop", Protocol::Pop3),
    ("pop3", Protocol::Pop3),
    ("pop3s", Protocol::Pop3),
    ("pops", Protocol::Pop3),
];

/// The mail protocol named by a word in a key or section.
fn protocol_word(word: &str) -> Option<Protocol> {
    PROTOCOL_WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, p)| *p)
}

/// Protocol from the words of a key path (last words first): `[notifications, smtp]`, `SMTP_PORT`.
fn protocol_from_words<'a>(words: impl Iterator<Item = &'a str>) -> Option<Protocol> {
    for w in words {
        for part in w.split(['_', '-', '.']).rev() {
            if let Some(p) = protocol_word(part) {
                return Some(p);
            }
        }
        if let Some(p) = protocol_word(w) {
            return Some(p);
        }
    }
    None
}

/// First labels of host names that name a mail protocol (`smtp.`, `imap.`, `pop.`/`pop3.`).
const HOST_LABELS: &[(&str, Protocol)] = &[
    ("smtp", Protocol::Smtp),
    ("smtps", Protocol::Smtp),
    ("smtp-mail", Protocol::Smtp),
    ("smtp-relay", Protocol::Smtp),
    ("securesmtp", Protocol::Smtp),
    ("imap", Protocol::Imap),
    ("imaps", Protocol::Imap),
    ("secureimap", Protocol::Imap),
    ("pop", Protocol::Pop3),
    ("pop3", Protocol::Pop3),
    ("pops", Protocol::Pop3),
    ("securepop", Protocol::Pop3),
];

/// Protocol from a host name's first label.
fn protocol_from_host(host: &str) -> Option<Protocol> {
    let first = host.trim().split('.').next()?.to_ascii_lowercase();
    let first = first.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    HOST_LABELS
        .iter()
        .find(|(label, _)| *label == first)
        .map(|(_, p)| *p)
}

/// The one protocol a known provider's host serves (`mailtrap.io`: SMTP only); `None` for a host
/// that serves several or is no provider's.
fn provider_protocol(host: &str) -> Option<Protocol> {
    match crate::knowledge::providers::for_host(host)?.protocols_of(host)[..] {
        [only] => Some(only),
        _ => None,
    }
}

/// URL schemes of the mail protocols, and whether each starts TLS at once.
const SCHEMES: &[(&str, Protocol, bool)] = &[
    ("smtp", Protocol::Smtp, false),
    ("submission", Protocol::Smtp, false),
    ("smtps", Protocol::Smtp, true),
    ("submissions", Protocol::Smtp, true),
    ("imap", Protocol::Imap, false),
    ("imaps", Protocol::Imap, true),
    ("pop", Protocol::Pop3, false),
    ("pop3", Protocol::Pop3, false),
    ("pops", Protocol::Pop3, true),
    ("pop3s", Protocol::Pop3, true),
];

/// What a URL scheme says: protocol, and the mode when the scheme alone decides it.
fn scheme_facts(scheme: &str) -> Option<(Protocol, SchemeMode)> {
    let s = scheme.to_ascii_lowercase();
    let (base, rest) = s.split_once('+').unwrap_or((s.as_str(), ""));
    let insecure = rest.split('+').any(|r| r == "insecure");
    let starttls = rest.split('+').any(|r| r == "starttls" || r == "startls");
    let (_, protocol, implicit) = *SCHEMES.iter().find(|(name, _, _)| *name == base)?;
    let mode = if implicit {
        SchemeMode::Implicit
    } else if insecure {
        SchemeMode::Insecure
    } else if starttls {
        SchemeMode::Starttls
    } else {
        SchemeMode::Plain
    };
    Some((protocol, mode))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SchemeMode {
    Implicit,
    Starttls,
    /// STARTTLS if the server offers it (lettre's `?tls=opportunistic`).
    Opportunistic,
    Insecure,
    Plain,
}

/// The role a key plays in a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Host,
    Port,
    HostPort,
    Url,
    User,
    Password,
    Auth,
    Protocol,
    PortOverride,
    /// Security, require, verify, TLS version keys: read through the profile by key name.
    Other,
    /// A well-known service name (nodemailer `service`).
    Service,
    /// A key that only tells the application apart (`identify`), with no part in the endpoint.
    Identity,
}

/// A setting matched to a profile key: the setting and the profile's key pattern. Eight bytes:
/// a big document's candidate groups have tens of thousands of members, all alive at once during
/// its first analysis (the peak of the server's memory).
#[derive(Clone, Copy)]
struct Member {
    /// The setting's index (a document is at most `MAX_ANALYZED_BYTES`, far fewer than 2³²
    /// settings).
    at: u32,
    profile: u16,
    key: u16,
}

impl Member {
    fn setting(&self) -> usize {
        self.at as usize
    }

    fn key(&self) -> Option<&'static Pattern> {
        index()
            .patterns
            .get(usize::from(self.profile))?
            .get(usize::from(self.key))
    }

    fn role(&self) -> Role {
        self.key().map_or(Role::Identity, |k| k.role)
    }

    /// The key pattern, lowercase.
    fn pattern(&self) -> &'static str {
        self.key().map_or("", |k| &k.text)
    }
}

/// Lowercase key patterns of a profile, whatever their role, as the index holds them.
pub(crate) fn profile_keys(p: &Profile) -> impl Iterator<Item = &'static str> {
    let at = profiles::all().iter().position(|q| q.id == p.id);
    at.and_then(|pi| index().patterns.get(pi))
        .into_iter()
        .flatten()
        .map(|pat| pat.text.as_str())
}

/// Lowercase key patterns of a profile with their roles.
fn profile_patterns(p: &Profile) -> Vec<(String, Role)> {
    let mut out = Vec::new();
    let k = &p.keys;
    for (list, role) in [
        (&k.host, Role::Host),
        (&k.port, Role::Port),
        (&k.hostport, Role::HostPort),
        (&k.url, Role::Url),
        (&k.user, Role::User),
        (&k.password, Role::Password),
        (&k.auth, Role::Auth),
        (&k.protocol, Role::Protocol),
        (&k.port_override, Role::PortOverride),
        (&k.service, Role::Service),
    ] {
        out.extend(list.iter().map(|s| (s.to_ascii_lowercase(), role)));
    }
    let others = p
        .security
        .iter()
        .map(|s| &s.key)
        .chain(p.combos.iter().flat_map(|c| c.when.keys()))
        .chain(p.default_ports.iter().flat_map(|d| d.when.keys()))
        .chain(p.disabled_when.keys())
        .chain(p.require.iter())
        .chain(p.verify_off.keys())
        .chain(p.tls_versions.iter())
        .chain(p.port_switch.iter());
    for key in others {
        let key = key.to_ascii_lowercase();
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, Role::Other));
        }
    }
    for key in &p.identify {
        let key = key.to_ascii_lowercase();
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, Role::Identity));
        }
    }
    out
}

/// One key pattern of a profile, ready for matching.
struct Pattern {
    text: String,
    role: Role,
    /// The dotted segments (tree profiles).
    segs: Vec<String>,
}

/// Lookup tables from key names to (profile, pattern), built once.
struct Index {
    patterns: Vec<Vec<Pattern>>,
    /// Each profile's context, lowercase: per segment, the alternatives (`true` = prefix glob).
    contexts: Vec<Vec<Vec<Alternative>>>,
    /// Flat profiles with fixed prefixes: full lowercase variable name → (profile, pattern idx, prefix len).
    flat_exact: HashMap<String, Vec<(usize, usize, usize)>>,
    /// Flat profiles with any prefix (`*`): the pattern's last `_` word → (profile, pattern idx).
    flat_any: HashMap<String, Vec<(usize, usize)>>,
    /// Tree profiles: the pattern's last segment → (profile, pattern idx).
    tree: HashMap<String, Vec<(usize, usize)>>,
}

fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut idx = Index {
            patterns: Vec::new(),
            contexts: Vec::new(),
            flat_exact: HashMap::new(),
            flat_any: HashMap::new(),
            tree: HashMap::new(),
        };
        for (pi, p) in profiles::all().iter().enumerate() {
            let pats = profile_patterns(p);
            for (ki, (pat, _)) in pats.iter().enumerate() {
                if p.flat {
                    if p.prefixes.iter().any(|x| x == "*") {
                        let last = pat.rsplit('_').next().unwrap_or(pat).to_string();
                        idx.flat_any.entry(last).or_default().push((pi, ki));
                    } else if p.prefixes.is_empty() {
                        idx.flat_exact
                            .entry(pat.clone())
                            .or_default()
                            .push((pi, ki, 0));
                    } else {
                        for prefix in &p.prefixes {
                            let full = format!("{}{}", prefix.to_ascii_lowercase(), pat);
                            idx.flat_exact
                                .entry(full)
                                .or_default()
                                .push((pi, ki, prefix.len()));
                        }
                    }
                } else {
                    let last = pat.rsplit('.').next().unwrap_or(pat).to_string();
                    idx.tree.entry(last).or_default().push((pi, ki));
                }
            }
            idx.patterns.push(
                pats.into_iter()
                    .map(|(text, role)| Pattern {
                        segs: text.split('.').map(str::to_string).collect(),
                        text,
                        role,
                    })
                    .collect(),
            );
            idx.contexts.push(
                p.context
                    .iter()
                    .map(|c| c.split('|').map(Alternative::parse).collect())
                    .collect(),
            );
        }
        idx
    })
}

/// Mail words a generic variable prefix must contain (`SMTP_`, `SVC_0007_SMTP_`, `MAIL_`).
fn mail_prefix(prefix: &str) -> bool {
    prefix
        .split(['_', '-', '.'])
        .any(|w| MAIL_PREFIX_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)))
}

const MAIL_PREFIX_WORDS: &[&str] = &[
    "smtp", "smtps", "imap", "imaps", "pop", "pop3", "mail", "email", "mailer", "sendmail",
];

/// Every word from which the endpoint reader takes a protocol when the profile has none of its
/// own: key and section words, host labels, URL schemes (and so the values of protocol keys,
/// which are schemes or protocol names), and the words a generic variable prefix must contain.
/// An endpoint of a profile without a default protocol always has one of these in its text.
pub fn protocol_words() -> impl Iterator<Item = &'static str> {
    PROTOCOL_WORDS
        .iter()
        .map(|(w, _)| *w)
        .chain(HOST_LABELS.iter().map(|(w, _)| *w))
        .chain(SCHEMES.iter().map(|(w, _, _)| *w))
        .chain(MAIL_PREFIX_WORDS.iter().copied())
}

/// Text that any document in which `p` forms a group contains (one of the returned strings, ASCII
/// case aside, before escapes are decoded), as the matching below reads key paths: for a tree
/// profile a context segment or a segment of a key pattern, for a flat profile a whole variable
/// name. `None` for flat profiles behind any prefix: those form groups only behind a prefix with
/// a word of [`protocol_words`].
pub fn signature_literals(p: &Profile) -> Option<Vec<String>> {
    let patterns: Vec<String> = if p.identify.is_empty() {
        profile_patterns(p).into_iter().map(|(k, _)| k).collect()
    } else {
        p.identify.iter().map(|k| k.to_ascii_lowercase()).collect()
    };
    if p.flat {
        if p.prefixes.iter().any(|x| x == "*") {
            return None;
        }
        if p.prefixes.is_empty() {
            return Some(patterns);
        }
        let prefixed = p.prefixes.iter().flat_map(|prefix| {
            patterns
                .iter()
                .map(move |k| format!("{}{k}", prefix.to_ascii_lowercase()))
        });
        return Some(prefixed.collect());
    }
    // A context segment every alternative of which names something (`*` and `^` name nothing).
    let context = p
        .context
        .iter()
        .filter(|segment| *segment != "^")
        .find_map(|segment| {
            let alternatives: Vec<String> = segment
                .split('|')
                .map(|alt| alt.trim_matches('*').to_ascii_lowercase())
                .collect();
            alternatives
                .iter()
                .all(|alt| !alt.is_empty())
                .then_some(alternatives)
        });
    if let Some(alternatives) = context {
        return Some(alternatives);
    }
    // The longest segment of each key pattern.
    Some(
        patterns
            .iter()
            .map(|k| {
                k.split('.')
                    .max_by_key(|segment| segment.len())
                    .unwrap_or(k)
                    .to_string()
            })
            .collect(),
    )
}

/// Does the root path end with the profile's context (`*` any segment, `a|b` alternatives,
/// `Repository *` a prefix glob)? A context that starts with `^` is the whole root, from the
/// document's top.
fn context_matches(context: &[Vec<Alternative>], root: &[Segment]) -> bool {
    if let Some((first, rest)) = context.split_first() {
        if matches!(first.as_slice(), [Alternative::Top]) {
            return root.len() == rest.len() && context_matches(rest, root);
        }
    }
    if root.len() < context.len() {
        return false;
    }
    let tail = &root[root.len() - context.len()..];
    context
        .iter()
        .zip(tail)
        .all(|(alts, seg)| alts.iter().any(|alt| alt.matches(seg)))
}

/// One alternative of a profile's context segment, lowercase.
enum Alternative {
    /// `smtp`: the whole segment.
    Exact(String),
    /// `Repository *`: the segment's start.
    Prefix(String),
    /// `*Transport`: the segment, or its last words in camelCase or snake_case
    /// (`nodemailerCreateTransport`, `smtp_transport`).
    WordSuffix(String),
    /// `^`, first in a context: the root starts at the document's top.
    Top,
}

impl Alternative {
    fn parse(alt: &str) -> Alternative {
        let alt = alt.to_ascii_lowercase();
        if alt == "^" {
            Alternative::Top
        } else if let Some(prefix) = alt.strip_suffix('*') {
            Alternative::Prefix(prefix.to_string())
        } else if let Some(suffix) = alt.strip_prefix('*') {
            Alternative::WordSuffix(suffix.to_string())
        } else {
            Alternative::Exact(alt)
        }
    }

    fn matches(&self, seg: &str) -> bool {
        let seg = seg.as_bytes();
        match self {
            Alternative::Exact(alt) => seg.eq_ignore_ascii_case(alt.as_bytes()),
            Alternative::Prefix(alt) => {
                seg.len() >= alt.len() && seg[..alt.len()].eq_ignore_ascii_case(alt.as_bytes())
            }
            Alternative::WordSuffix(alt) => {
                let Some(start) = seg.len().checked_sub(alt.len()) else {
                    return false;
                };
                let at_word = start == 0
                    || seg[start].is_ascii_uppercase()
                    || seg[start - 1] == b'_'
                    || seg[start - 1] == b'-';
                at_word && seg[start..].eq_ignore_ascii_case(alt.as_bytes())
            }
            Alternative::Top => false,
        }
    }
}

/// Does the setting's path end with the pattern's segments (case-insensitive)? Returns the root
/// length.
fn tree_match(path: &[Segment], segs: &[String]) -> Option<usize> {
    let start = path.len().checked_sub(segs.len())?;
    path[start..]
        .iter()
        .zip(segs)
        .all(|(a, b)| a.eq_ignore_ascii_case(b))
        .then_some(start)
}

/// Identifies a group: its root segments (and, for variables, the prefix).
fn root_hash<'a>(document: usize, parts: impl Iterator<Item = &'a str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    document.hash(&mut h);
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// The settings that one profile reads under one root: a candidate endpoint group. Which settings
/// form groups depends only on key paths, never on values.
pub struct Group {
    root_hash: u64,
    members: Vec<Member>,
    /// The root is the first `root_len` segments of setting `root_at`'s path (its first
    /// member), then for variables the first `prefix_len` bytes of its next segment (`SMTP_` of
    /// `SMTP_PORT`). It is built when the group is read rather than kept: a big document has
    /// thousands of groups, all alive during its first analysis (hence the narrow integers, as
    /// in [`Member`]).
    root_at: u32,
    root_len: u32,
    prefix_len: Option<u32>,
    profile: u16,
    /// Settings of the profile's defaults block this group does not set itself
    /// ([`Profile::inherit`]): read with the members, never claimed by the group.
    inherited: Vec<Member>,
    /// A defaults block that other groups took from, of a profile whose defaults are no
    /// connection of their own ([`profiles::Inherit::only_defaults`]): claimed, no endpoint.
    only_defaults: bool,
}

impl Group {
    /// The root key path the group's settings sit under.
    fn root(&self, settings: &[Setting]) -> Vec<String> {
        let path = settings
            .get(self.root_at as usize)
            .map_or(&[][..], |s| &s.path[..]);
        let root_len = self.root_len as usize;
        let mut root: Vec<String> = path.iter().take(root_len).map(|s| s.to_string()).collect();
        if let Some(len) = self.prefix_len {
            let next = path.get(root_len).map_or("", |s| &**s);
            root.push(next.get(..len as usize).unwrap_or("").to_string());
        }
        root
    }

    /// Whether the root ends with the segment `segment` (no variable prefix), without building it:
    /// Alertmanager's `global` at the top of its file or under a chart's `alertmanager.config`.
    fn root_ends_with(&self, settings: &[Setting], segment: &str) -> bool {
        self.prefix_len.is_none()
            && (self.root_len as usize)
                .checked_sub(1)
                .and_then(|last| settings.get(self.root_at as usize)?.path.get(last))
                .is_some_and(|last| **last == *segment)
    }

    /// Indices of the member settings.
    pub fn settings(&self) -> impl Iterator<Item = usize> + '_ {
        self.members.iter().map(|m| m.setting())
    }
}

/// Which profiles read each format, by position in [`Format::ALL`].
fn readers(format: Format) -> &'static [bool] {
    static READERS: std::sync::OnceLock<Vec<Vec<bool>>> = std::sync::OnceLock::new();
    let table = READERS.get_or_init(|| {
        Format::ALL
            .iter()
            .map(|&f| profiles::all().iter().map(|p| p.reads(f)).collect())
            .collect()
    });
    Format::ALL
        .iter()
        .position(|&f| f == format)
        .and_then(|i| table.get(i))
        .map_or(&[], Vec::as_slice)
}

/// Calls `found(profile, root length, variable prefix, pattern)` for every profile key pattern the
/// setting's path matches. This depends only on the path, never on the value.
fn match_patterns(
    s: &Setting,
    reads: &[bool],
    last_lc: &mut String,
    mut found: impl FnMut(usize, usize, Option<&str>, usize),
) {
    let idx = index();
    let Some(last) = s.path.last() else { return };
    let reads = |pi: usize| reads.get(pi).copied().unwrap_or(false);
    last_lc.clear();
    last_lc.extend(last.chars().map(|c| c.to_ascii_lowercase()));
    let parent_len = s.path.len() - 1;
    if let Some(hits) = idx.flat_exact.get(last_lc.as_str()) {
        for &(pi, ki, prefix_len) in hits {
            if reads(pi) {
                found(
                    pi,
                    parent_len,
                    Some(last.get(..prefix_len).unwrap_or("")),
                    ki,
                );
            }
        }
    }
    let last_word = last_lc.rsplit('_').next().unwrap_or(last_lc);
    if let Some(hits) = idx.flat_any.get(last_word) {
        // Longest matching pattern wins (`SMTP_AUTH_USER` is AUTH_USER behind `SMTP_`).
        let best = hits
            .iter()
            .filter(|(pi, _)| reads(*pi))
            .filter_map(|&(pi, ki)| {
                let pat = &idx.patterns[pi][ki].text;
                let prefix = last_lc.strip_suffix(pat.as_str())?;
                (prefix.is_empty() || prefix.ends_with('_')).then_some((
                    pi,
                    ki,
                    pat.len(),
                    prefix.len(),
                ))
            })
            .max_by_key(|&(_, _, len, _)| len);
        if let Some((pi, ki, _, plen)) = best {
            let prefix = last.get(..plen).unwrap_or("");
            if mail_prefix(prefix) {
                found(pi, parent_len, Some(prefix), ki);
            }
        }
    }
    if let Some(hits) = idx.tree.get(last_lc.as_str()) {
        for &(pi, ki) in hits {
            if !reads(pi) {
                continue;
            }
            if let Some(root_len) = tree_match(&s.path, &idx.patterns[pi][ki].segs) {
                if context_matches(&idx.contexts[pi], &s.path[..root_len]) {
                    found(pi, root_len, None, ki);
                }
            }
        }
    }
}

/// The key pattern (lowercase, as the profile writes it) by which profile `profile` reads
/// `setting` in a document of `format`, if it does.
pub fn key_pattern(format: Format, profile: &str, setting: &Setting) -> Option<&'static str> {
    let pi = profiles::all().iter().position(|p| p.id == profile)?;
    let idx = index();
    let mut pattern = None;
    match_patterns(
        setting,
        readers(format),
        &mut String::new(),
        |p, _, _, ki| {
            if p == pi && pattern.is_none() {
                pattern = idx
                    .patterns
                    .get(p)
                    .and_then(|pats| pats.get(ki))
                    .map(|pat| pat.text.as_str());
            }
        },
    );
    pattern
}

/// Could some profile read this setting? A document's settings that cannot are never looked at
/// by grouping, rules, fixes or hover, so a long-lived document may drop them to save memory.
pub fn could_be_member(format: Format, s: &Setting) -> bool {
    if super::embedded::could_hold_document(s.key())
        || is_manifest_kind(format, s)
        || is_document_condition(s)
    {
        return true;
    }
    let mut any = false;
    match_patterns(s, readers(format), &mut String::new(), |_, _, _, _| {
        any = true
    });
    any
}

/// Could some profile read a setting whose last key is `key`? (True for every setting
/// [`could_be_member`] accepts: it asks only the first half of the question.)
pub fn could_have_member_key(format: Format, key: &str) -> bool {
    if super::embedded::could_hold_document(key)
        || (format == Format::Yaml && key == "kind")
        || document_conditions()
            .iter()
            .any(|c| c == key || c.rsplit('.').next() == Some(key))
    {
        return true;
    }
    let idx = index();
    let reads = readers(format);
    let reads = |pi: usize| reads.get(pi).copied().unwrap_or(false);
    let lc = key.to_ascii_lowercase();
    let last_word = lc.rsplit('_').next().unwrap_or(&lc);
    idx.flat_exact
        .get(lc.as_str())
        .is_some_and(|hits| hits.iter().any(|&(pi, _, _)| reads(pi)))
        || idx
            .flat_any
            .get(last_word)
            .is_some_and(|hits| hits.iter().any(|&(pi, _)| reads(pi)))
        || idx
            .tree
            .get(lc.as_str())
            .is_some_and(|hits| hits.iter().any(|&(pi, _)| reads(pi)))
}

/// The `kind` of a Kubernetes object (a top-level key of a YAML document): it decides whether
/// the document's `data` values are written as the application reads them.
pub fn is_manifest_kind(format: Format, s: &Setting) -> bool {
    format == Format::Yaml && s.path.len() == 1 && &*s.path[0] == "kind"
}

/// A value the application gets base64-decoded (a Kubernetes Secret's `data`, any object's
/// `binaryData`): as written it is not the value (`SMTP_PORT: NTg3` is 587), so no profile reads
/// it, and no fix could write it.
fn base64_encoded(s: &Setting, in_secret: bool) -> bool {
    match s.path.first().map(|first| &**first) {
        Some("data") => in_secret && s.path.len() == 2,
        Some("binaryData") => s.path.len() == 2,
        _ => false,
    }
}

/// What a long-lived document keeps: the settings some profile could read.
pub const MEMBERS: Keep = Keep {
    setting: could_be_member,
    key: could_have_member_key,
};

/// Finds the candidate groups of a document, in claim order (profile priority, then position).
///
/// `documents` are the offsets where the documents of a YAML stream begin
/// (`syntax::yaml::document_starts`): a group never takes settings from two documents, unless
/// its profile reads them as layers of one configuration.
pub fn candidate_groups(settings: &[Setting], format: Format, documents: &[usize]) -> Vec<Group> {
    let reads = readers(format);
    // (profile, root hash) → the group's place in `groups` (the groups themselves are not moved
    // out of a map afterwards: a big document has thousands, and the copy doubled the peak).
    let mut groups: Vec<Group> = Vec::new();
    let mut place: HashMap<(usize, u64), usize> = HashMap::new();
    let document_of = |s: &Setting| documents.partition_point(|&start| start <= s.key_span.start);
    let secrets: Vec<usize> = settings
        .iter()
        .filter(|s| is_manifest_kind(format, s) && s.value == "Secret")
        .map(document_of)
        .collect();
    let conditional = conditional_documents(settings, reads, &document_of);
    let mut last_lc = String::new();
    let mut matches = |s: &Setting, found: &mut MatchSink| {
        let document = document_of(s);
        if format == Format::Yaml && base64_encoded(s, secrets.contains(&document)) {
            return;
        }
        match_patterns(s, reads, &mut last_lc, |pi, root_len, prefix, ki| {
            let parts = s.path[..root_len].iter().map(|s| &**s).chain(prefix);
            let root_hash = root_hash(layer_key(&conditional, pi, document), parts);
            found(pi, root_hash, ki, root_len, prefix);
        });
    };
    // A group of a profile that must be identified, and can only be by its own members, is
    // never claimed without an identifying member: such groups are not built (most of a big
    // document's `host`/`port` blocks are some profile's unidentified group).
    let mut identified: HashSet<(usize, u64)> = HashSet::new();
    for s in settings {
        matches(s, &mut |pi, root_hash, ki, _, _| {
            if identified_alone(pi) && identifies(pi, ki) {
                identified.insert((pi, root_hash));
            }
        });
    }
    for (si, s) in settings.iter().enumerate() {
        matches(s, &mut |pi, root_hash, ki, root_len, prefix| {
            if identified_alone(pi) && !identified.contains(&(pi, root_hash)) {
                return;
            }
            // Lengths and indices fit: a document is at most `MAX_ANALYZED_BYTES`.
            let (Ok(at), Ok(profile), Ok(key), Ok(root_len)) = (
                u32::try_from(si),
                u16::try_from(pi),
                u16::try_from(ki),
                u32::try_from(root_len),
            ) else {
                return;
            };
            let gi = *place.entry((pi, root_hash)).or_insert_with(|| {
                groups.push(Group {
                    root_hash,
                    members: Vec::new(),
                    root_at: at,
                    root_len,
                    prefix_len: prefix.and_then(|p| u32::try_from(p.len()).ok()),
                    profile,
                    inherited: Vec::new(),
                    only_defaults: false,
                });
                groups.len() - 1
            });
            groups[gi].members.push(Member { at, profile, key });
        });
    }
    drop(place);
    drop(identified);
    groups.sort_unstable_by_key(|g| (g.profile, g.root_at));
    inherit_defaults(&mut groups, settings, |g| {
        settings.get(g.root_at as usize).map_or(0, &document_of)
    });
    if !conditional.is_empty() {
        inherit_layers(&mut groups, settings, &conditional);
    }
    groups
}

/// Takes each match of a setting: (profile, root hash, pattern, root length, variable prefix).
type MatchSink<'a> = dyn FnMut(usize, u64, usize, usize, Option<&str>) + 'a;

/// Whether profile `pi` claims a group only when one of its members is an `identify` key, and
/// only its own members can be (no defaults block or layer lends it members).
fn identified_alone(pi: usize) -> bool {
    profiles::all()
        .get(pi)
        .is_some_and(|p| !p.identify.is_empty() && p.inherit.is_none() && !p.layered_documents)
}

/// Whether pattern `ki` of profile `pi` is one of its `identify` keys.
fn identifies(pi: usize, ki: usize) -> bool {
    let (Some(p), Some(key)) = (
        profiles::all().get(pi),
        index().patterns.get(pi).and_then(|keys| keys.get(ki)),
    ) else {
        return false;
    };
    p.identify
        .iter()
        .any(|id| id.eq_ignore_ascii_case(&key.text))
}

/// Every profile's [`Profile::conditional_documents`] keys.
fn document_conditions() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: Vec<String> = profiles::all()
            .iter()
            .flat_map(|p| p.conditional_documents.iter().cloned())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    })
}

/// Whether the setting is one that makes its document conditional, its path written nested or
/// dotted.
fn is_document_condition(s: &Setting) -> bool {
    let conditions = document_conditions();
    !conditions.is_empty() && conditions.iter().any(|c| dotted_path_is(s, c))
}

fn dotted_path_is(s: &Setting, dotted: &str) -> bool {
    let mut rest = dotted;
    for (i, seg) in s.path.iter().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix('.') else {
                return false;
            };
            rest = r;
        }
        let Some(r) = rest.strip_prefix(&**seg) else {
            return false;
        };
        rest = r;
    }
    rest.is_empty()
}

/// The documents, by profile, that a profile with [`Profile::conditional_documents`] reads as
/// configurations of their own: `(profile, document)`.
fn conditional_documents(
    settings: &[Setting],
    reads: &[bool],
    document_of: &impl Fn(&Setting) -> usize,
) -> HashSet<(usize, usize)> {
    let mut out = HashSet::new();
    for (pi, p) in profiles::all().iter().enumerate() {
        if !p.layered_documents
            || p.conditional_documents.is_empty()
            || !reads.get(pi).copied().unwrap_or(false)
        {
            continue;
        }
        for s in settings {
            if p.conditional_documents.iter().any(|k| dotted_path_is(s, k)) {
                out.insert((pi, document_of(s)));
            }
        }
    }
    out
}

/// The document a group's root hash is keyed by: its own, but 0 for every unconditional document
/// of a profile that reads the stream as layers of one configuration ([`Profile::layered_documents`]);
/// a conditional document of such a profile is keyed apart from them (`document + 1`).
fn layer_key(conditional: &HashSet<(usize, usize)>, profile: usize, document: usize) -> usize {
    let layered = profiles::all()
        .get(profile)
        .is_some_and(|p| p.layered_documents);
    if !layered {
        document
    } else if conditional.contains(&(profile, document)) {
        document + 1
    } else {
        0
    }
}

/// Gives each group in a conditional document ([`Profile::conditional_documents`]) the settings of
/// the same root in the unconditional documents that it does not set itself (by key pattern): the
/// configuration that applies when its condition holds.
fn inherit_layers(
    groups: &mut [Group],
    settings: &[Setting],
    conditional: &HashSet<(usize, usize)>,
) {
    let mut profiles: Vec<usize> = conditional.iter().map(|&(p, _)| p).collect();
    profiles.sort_unstable();
    profiles.dedup();
    let layered = |g: &Group| profiles.contains(&usize::from(g.profile));
    // The unconditional documents' groups, by profile and root (the first of each).
    let mut bases: HashMap<(u16, u64), Vec<Member>> = HashMap::new();
    for g in groups.iter().filter(|g| layered(g)) {
        bases
            .entry((g.profile, g.root_hash))
            .or_insert_with(|| inheritable(&g.members, settings));
    }
    for g in groups.iter_mut().filter(|g| layered(g)) {
        let base_hash = root_hash(0, g.root(settings).iter().map(String::as_str));
        if base_hash == g.root_hash {
            continue;
        }
        let Some(base) = bases.get(&(g.profile, base_hash)) else {
            continue;
        };
        let own: HashSet<&str> = g.members.iter().map(Member::pattern).collect();
        g.inherited = base
            .iter()
            .filter(|m| !own.contains(&m.pattern()))
            .copied()
            .collect();
    }
}

/// Gives each group of a profile with [`Profile::inherit`] the settings of the defaults block (in
/// the same document) that it does not set itself, compared by the key pattern's first segment
/// without the defaults' prefix (`smtp_require_tls` is `require_tls`; a `tls_config` block is
/// taken whole or not at all, as Alertmanager does).
fn inherit_defaults(
    groups: &mut [Group],
    settings: &[Setting],
    document: impl Fn(&Group) -> usize,
) {
    let all = profiles::all();
    let first_segment = |m: &Member| m.pattern().split('.').next().unwrap_or("");
    for (pi, profile) in all.iter().enumerate() {
        let Some(inherit) = profile.inherit.as_ref() else {
            continue;
        };
        let of_profile = |g: &Group| usize::from(g.profile) == pi;
        // The defaults block is the group whose root ends with `from` (Alertmanager's `global`).
        let is_defaults = |g: &Group| of_profile(g) && g.root_ends_with(settings, &inherit.from);
        // Each document's defaults block (the first, if it has several).
        let mut defaults: HashMap<usize, Vec<Member>> = HashMap::new();
        for g in groups.iter().filter(|g| is_defaults(g)) {
            defaults
                .entry(document(g))
                .or_insert_with(|| inheritable(&g.members, settings));
        }
        if defaults.is_empty() {
            continue;
        }
        let mut taking_documents = HashSet::new();
        for g in groups.iter_mut() {
            if !of_profile(g) || is_defaults(g) {
                continue;
            }
            let Some(from) = defaults.get(&document(g)) else {
                continue;
            };
            taking_documents.insert(document(g));
            let own: HashSet<&str> = g.members.iter().map(first_segment).collect();
            g.inherited = from
                .iter()
                .filter(|m| {
                    let key = first_segment(m);
                    let key = key.strip_prefix(inherit.prefix.as_str()).unwrap_or(key);
                    !own.contains(&key)
                })
                .copied()
                .collect();
        }
        if inherit.only_defaults {
            for g in groups.iter_mut() {
                if is_defaults(g) && taking_documents.contains(&document(g)) {
                    g.only_defaults = true;
                }
            }
        }
    }
}

/// The members of a block that other groups inherit: those that decide something
/// ([`decisive`]). Each inheriting group gets a copy, so a block inherited whole would cost time
/// and memory of its size times the number of groups: quadratic in a generated document.
fn inheritable(members: &[Member], settings: &[Setting]) -> Vec<Member> {
    decisive(members, Member::setting, settings)
        .copied()
        .collect()
}

/// Profiles claim groups in priority order; a setting belongs to one endpoint only, and a root read
/// by one profile is not read again by a more general one. `read` turns a claimed group (with the
/// positions, in `group.members`, of the members not taken yet) into endpoints; a group that gives
/// none claims nothing. Returns, per claimed group, its index, the member positions it read and
/// its endpoints.
pub fn claim(
    groups: &[Group],
    settings_len: usize,
    mut read: impl FnMut(usize, &[usize]) -> Option<Vec<Endpoint>>,
) -> Vec<(usize, Vec<usize>, Vec<Endpoint>)> {
    let all = profiles::all();
    let mut taken = vec![false; settings_len];
    let mut taken_roots: HashSet<u64> = HashSet::new();
    let mut out = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if taken_roots.contains(&g.root_hash) {
            continue;
        }
        let p = &all[usize::from(g.profile)];
        let free: Vec<usize> = (0..g.members.len())
            .filter(|&i| !taken.get(g.members[i].setting()).copied().unwrap_or(true))
            .collect();
        if free.is_empty() {
            continue;
        }
        let identifies = |m: &Member| identifies(usize::from(m.profile), usize::from(m.key));
        if !p.identify.is_empty()
            && !free.iter().any(|&i| identifies(&g.members[i]))
            && !g.inherited.iter().any(identifies)
        {
            continue;
        }
        let Some(made) = read(gi, &free) else {
            continue;
        };
        for &i in &free {
            if let Some(t) = taken.get_mut(g.members[i].setting()) {
                *t = true;
            }
        }
        taken_roots.insert(g.root_hash);
        out.push((gi, free, made));
    }
    out
}

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

/// The settings a group takes from its profile's defaults block ([`Profile::inherit`]).
pub fn inherited_settings(group: &Group) -> impl Iterator<Item = usize> + '_ {
    group.inherited.iter().map(|m| m.setting())
}

/// The setting index of a member position.
pub fn member_setting(group: &Group, position: usize) -> Option<usize> {
    group.members.get(position).map(|m| m.setting())
}

/// Groups the settings of one document into endpoints using the application profiles.
pub fn build(settings: &[Setting], format: Format) -> Vec<Endpoint> {
    let groups = candidate_groups(settings, format, &[]);
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

/// Members of one group read at most. Real groups have a few dozen; a group this large is a
/// generated or mangled file, where reading it whole would cost time quadratic in its size.
const MAX_GROUP_MEMBERS: usize = 256;

/// The members of an oversized group that decide something ([`decisive`]).
fn decisive_members<'m>(members: &[&'m Member], settings: &[Setting]) -> Vec<&'m Member> {
    if members.len() <= MAX_GROUP_MEMBERS {
        return members.to_vec();
    }
    decisive(members, |m| m.setting(), settings)
        .copied()
        .collect()
}

/// The members that decide something: the last setting of each key path (a later line replaces
/// an earlier one), at most [`MAX_GROUP_MEMBERS`] of them, the last ones, in document order.
fn decisive<'m, M>(
    members: &'m [M],
    setting: impl Fn(&M) -> usize,
    settings: &[Setting],
) -> impl Iterator<Item = &'m M> {
    let mut last_of_path: HashMap<&[Segment], usize> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(s) = settings.get(setting(m)) {
            last_of_path.insert(&s.path, i);
        }
    }
    let mut kept: Vec<usize> = last_of_path.into_values().collect();
    kept.sort_unstable();
    let skip = kept.len().saturating_sub(MAX_GROUP_MEMBERS);
    kept.into_iter().skip(skip).filter_map(|i| members.get(i))
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
fn holds(when: &When, members: &[&Member], settings: &[Setting]) -> bool {
    when.iter().all(|(k, condition)| {
        let member = members.iter().find(|m| m.pattern().eq_ignore_ascii_case(k));
        let value = member.map(|m| settings[m.setting()].value.as_str());
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

fn read_endpoint(
    p: &'static Profile,
    root: &[String],
    members: &[&Member],
    url_member: Option<&Member>,
    settings: &[Setting],
) -> Option<Endpoint> {
    let mut e = Endpoint {
        profile: leak_id(p),
        protocol: None,
        host: None,
        port: None,
        default_port: p.default_port,
        security: Security::Unknown,
        security_from: SecurityFrom::Nothing,
        credentials: false,
        host_placeholder: false,
        settings: members.iter().map(|m| m.setting()).collect(),
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
    };
    e.settings.sort_unstable();
    e.settings.dedup();
    // A well-known service is merged last: its host, port and TLS keys replace the document's.
    let service = p.services.as_deref().and_then(|table| {
        let m = members.iter().find(|m| m.role() == Role::Service)?;
        let found = crate::knowledge::services::lookup(table, &settings[m.setting()].value)?;
        Some((m.setting(), found))
    });
    // A service named by a variable (`service: config.service`): nodemailer merges whatever it
    // names last, so the host, port and TLS mode are the variable's: unknown, not the defaults.
    let service_from_variable = match (&p.services, service) {
        (Some(_), None) => members
            .iter()
            .find(|m| m.role() == Role::Service)
            .map(|m| m.setting())
            .filter(|&si| ports::is_reference(&settings[si].value)),
        _ => None,
    };
    let kept: Vec<&Member>;
    let members: &[&Member] = match service {
        Some((_, svc)) => {
            let replaced = |m: &Member| {
                matches!(m.role(), Role::Host | Role::Port | Role::HostPort)
                    || svc.secure.is_some() && m.pattern().eq_ignore_ascii_case("secure")
            };
            e.overridden = members
                .iter()
                .filter(|m| replaced(m))
                .map(|m| located(settings, m.setting()))
                .collect();
            kept = members.iter().copied().filter(|m| !replaced(m)).collect();
            &kept
        }
        None => members,
    };
    let mut protocol_from_key = None;
    let mut scheme_mode = None;
    // `ssl://host` where the application reads the scheme: (mode, the host setting).
    let mut host_mode: Option<(Security, usize)> = None;
    let mut port_from_reference = false;
    let mut credential_protocols: Vec<Option<Protocol>> = Vec::new();
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
                    host_mode = Some((mode, m.setting()));
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
                    port_from_reference |= ports::is_reference(&s.value);
                    e.host = Some(located(settings, m.setting()));
                }
            }
            Role::User | Role::Password => {
                if !is_blank(&s.value) && !p.credentials_need_auth {
                    // A key that names its protocol (mutt `imap_pass`, `smtp_user`) is sent
                    // only on connections of that protocol: decided once the protocol is known.
                    credential_protocols.push(protocol_from_words(std::iter::once(s.key())));
                }
            }
            // `auth on` or a method (`auth plain`) where credentials need the switch.
            Role::Auth if p.credentials_need_auth => {
                let v = normalise(&s.value);
                if !is_blank(&v) && v != "false" {
                    e.credentials = true;
                }
            }
            Role::Auth => {
                // An "authenticate" switch counts only where no user or password key says
                // otherwise: `mail.smtp.auth=true` with an empty user name sends nothing.
                let blank_credentials = members.iter().any(|m| {
                    matches!(m.role(), Role::User | Role::Password)
                        && is_blank(&settings[m.setting()].value)
                }) && !members.iter().any(|m| {
                    matches!(m.role(), Role::User | Role::Password)
                        && !is_blank(&settings[m.setting()].value)
                });
                if normalise(&s.value) == "true" && !blank_credentials {
                    e.credentials = true;
                }
            }
            Role::Protocol => {
                let v = normalise(&s.value);
                if let Some((proto, mode)) = scheme_facts(&v) {
                    protocol_from_key = Some(proto);
                    if mode == SchemeMode::Implicit {
                        scheme_mode = Some(SchemeMode::Implicit);
                    }
                } else if let Some(proto) =
                    Protocol::parse(&v).or_else(|| p.protocol_values.get(&v).copied())
                {
                    protocol_from_key = Some(proto);
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
    if let Some((si, svc)) = service {
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
    if let Some(si) = service_from_variable {
        let at = located(settings, si);
        e.locked.push(at.span.clone());
        e.host = Some(at);
        e.port = None;
    }
    // The socket really goes to the override port (JavaMail's socketFactory.port).
    if let Some(m) = members.iter().find(|m| m.role() == Role::PortOverride) {
        if !is_blank(&settings[m.setting()].value) {
            e.port = Some(located(settings, m.setting()));
        }
    }
    if let Some(u) = url_member {
        let s = &settings[u.setting()];
        let url = parse_url(s.value.trim())?;
        let (proto, mode) = scheme_facts(&url.scheme)?;
        let lead = s.value.len() - s.value.trim_start().len();
        let shift = |r: &Span| r.start + lead..r.end + lead;
        protocol_from_key = Some(proto);
        scheme_mode = Some(mode);
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
                scheme_mode = Some(SchemeMode::Starttls);
            }
            // lettre's connection URLs (transport/smtp/connection_url.rs): on `smtp://`,
            // `tls=required` upgrades with STARTTLS or fails, `opportunistic` only if offered
            // (`smtps://` is implicit TLS whatever the parameter says).
            if k == "tls" && url.scheme.eq_ignore_ascii_case("smtp") {
                scheme_mode = match v.as_str() {
                    "required" => Some(SchemeMode::Starttls),
                    "opportunistic" => Some(SchemeMode::Opportunistic),
                    _ => scheme_mode,
                };
            }
        }
    }
    e.protocol = protocol_from_key
        .or_else(|| protocol_from_words(root.iter().rev().map(String::as_str)))
        .or_else(|| {
            // A key name that carries the protocol (`smtp_port`, `IMAP_HOST`).
            members
                .iter()
                .find_map(|m| protocol_from_words(std::iter::once(settings[m.setting()].key())))
        })
        .or(p.protocol)
        .or_else(|| e.host.as_ref().and_then(|h| protocol_from_host(&h.value)))
        .or_else(|| e.host.as_ref().and_then(|h| provider_protocol(&h.value)));
    // Nothing mail-like: a database or HTTP block of a generic file.
    e.protocol?;
    if credential_protocols
        .iter()
        .any(|&proto| proto.is_none() || proto == e.protocol)
    {
        e.credentials = true;
    }
    if e.host.is_none() && e.port.is_none() && url_member.is_none() {
        // Security keys alone (no host, no port) say nothing checkable — except MP010 conflicts
        // and MP008/MP009, read below.
        let any_security = members.iter().any(|m| m.role() == Role::Other);
        if !any_security {
            return None;
        }
    }
    let value_of = |pattern: &str| -> Option<&Member> {
        members
            .iter()
            .copied()
            .find(|m| m.pattern().eq_ignore_ascii_case(pattern))
    };
    // Certificate checks and TLS versions.
    for (key, values) in &p.verify_off {
        if let Some(m) = value_of(key) {
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
        if let Some(m) = value_of(key) {
            let value = &settings[m.setting()].value;
            if allows_old_tls(value) || (normalise(value) == "true" && names_old_tls(key)) {
                e.old_tls.push(located(settings, m.setting()));
            }
        }
    }
    let holds_here = |when: &When| holds(when, members, settings);
    if e.url.is_none() {
        if let Some(d) = p.default_ports.iter().find(|d| holds_here(&d.when)) {
            e.default_port = Some(d.port);
        }
    }
    // The mode.
    let port = e.port_number();
    let mut keys_used = Vec::new();
    let combo = p.combos.iter().find(|c| holds_here(&c.when));
    let mut mode: Option<Security> = None;
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
        mode = Some(Security::Unknown);
    }
    // `smtps://`, `imaps://`: implicit TLS whatever the document's other security keys say (they
    // only apply to plain-scheme URLs: mutt `ssl_starttls`, himalaya `starttls`).
    let combo = combo.filter(|_| scheme_mode != Some(SchemeMode::Implicit) && host_mode.is_none());
    if scheme_mode == Some(SchemeMode::Implicit) {
        mode = Some(Security::ImplicitTls);
    }
    // `ssl://host`: the scheme wins over the security keys (PHPMailer strips it and sets the mode
    // from it; CodeIgniter's socket is TLS before any key is read).
    if let Some((m, si)) = host_mode.filter(|_| mode.is_none()) {
        mode = Some(m);
        keys_used.push(si);
    }
    // A combination that names the generation in which the port decides: nothing from the keys.
    let combo = combo.filter(|c| c.mode != ComboMode::Port);
    if let Some(c) = combo {
        for k in c.when.keys() {
            if let Some(m) = value_of(k) {
                keys_used.push(m.setting());
            }
        }
        match c.mode {
            ComboMode::Conflict => {
                e.conflicts = keys_used.iter().map(|&si| located(settings, si)).collect();
            }
            ComboMode::Mode(m) => mode = Some(m),
            ComboMode::Port => {}
        }
    }
    if let Some((si, svc)) = service {
        // nodemailer merges the service last: its `secure: true` replaces the document's
        // `secure`, and a TLS socket from the start leaves `ignoreTLS` nothing to skip.
        if svc.secure == Some(true) && e.conflicts.is_empty() {
            mode = Some(Security::ImplicitTls);
            keys_used.clear();
            keys_used.push(si);
        } else if mode.is_none() && e.conflicts.is_empty() && svc.require_tls {
            mode = Some(Security::StarttlsRequired);
            keys_used.push(si);
        }
    }
    if service_from_variable.is_some() && e.conflicts.is_empty() {
        mode = Some(Security::Unknown);
    }
    let port_implicit = port.is_some_and(|n| p.implicit_ports.iter().any(|&ip| u32::from(ip) == n));
    let mut from = SecurityFrom::Nothing;
    if mode.is_none() && e.conflicts.is_empty() && port_implicit && p.port_overrides {
        mode = Some(Security::ImplicitTls);
        from = SecurityFrom::Port;
    }
    if mode.is_none() && e.conflicts.is_empty() {
        // Security keys (only the explicit ones where the application decides by port).
        let mut found: Vec<(Security, usize)> = Vec::new();
        let mut present = false;
        let mut present_keys: Vec<usize> = Vec::new();
        for sk in &p.security {
            if p.port_decides.is_some()
                && !p.explicit.iter().any(|x| x.eq_ignore_ascii_case(&sk.key))
            {
                continue;
            }
            let Some(m) = value_of(&sk.key) else { continue };
            present_keys.push(m.setting());
            let raw = &settings[m.setting()].value;
            if ports::is_reference(raw) {
                present = true;
                found.push((Security::Unknown, m.setting()));
                continue;
            }
            present = true;
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
            if let Some(m_name) = hit {
                found.push((*m_name, m.setting()));
            }
        }
        let implicit = found.iter().any(|(s, _)| *s == Security::ImplicitTls);
        let starttls = found.iter().any(|(s, _)| s.is_starttls());
        if found.iter().any(|(s, _)| *s == Security::Unknown) {
            mode = Some(Security::Unknown);
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
            mode = Some(sec);
            keys_used.extend(found.iter().map(|&(_, si)| si));
            from = SecurityFrom::Keys(Vec::new());
        } else if present {
            if let Some(o) = p.otherwise {
                mode = Some(o);
                keys_used.extend(present_keys.iter().copied());
                from = SecurityFrom::Keys(Vec::new());
            }
        }
        if mode.is_none() && e.conflicts.is_empty() {
            // The URL scheme.
            match scheme_mode {
                Some(SchemeMode::Implicit) => {
                    mode = Some(Security::ImplicitTls);
                    from = SecurityFrom::Scheme;
                }
                Some(SchemeMode::Starttls) => {
                    mode = Some(Security::StarttlsRequired);
                    from = SecurityFrom::Scheme;
                }
                Some(SchemeMode::Opportunistic) => {
                    mode = Some(Security::StarttlsOpportunistic);
                    from = SecurityFrom::Scheme;
                }
                Some(SchemeMode::Insecure) => {
                    mode = Some(Security::None);
                    from = SecurityFrom::Scheme;
                }
                Some(SchemeMode::Plain) => match p.plain_scheme {
                    // The port decides; a port from a variable decides nothing.
                    Some(PlainScheme::Port) if port.is_none() => {}
                    Some(PlainScheme::Port) => {
                        mode = Some(if port_implicit || port == Some(465) {
                            Security::ImplicitTls
                        } else {
                            Security::StarttlsOpportunistic
                        });
                        from = SecurityFrom::Port;
                    }
                    Some(PlainScheme::Mode(m)) => {
                        mode = Some(m);
                        from = SecurityFrom::Scheme;
                    }
                    None => {}
                },
                None => {}
            }
        }
        if mode.is_none() && e.conflicts.is_empty() {
            if port_implicit {
                mode = Some(Security::ImplicitTls);
                from = SecurityFrom::Port;
            } else if let Some(pd) = p.port_decides {
                if port.is_some() {
                    mode = Some(pd);
                    from = SecurityFrom::Port;
                }
            } else if let Some(pm) = port.filter(|_| !present).and_then(|n| {
                p.port_modes
                    .get(&n.to_string())
                    .or_else(|| p.port_modes.get("*"))
                    .copied()
            }) {
                mode = Some(pm);
                from = SecurityFrom::Port;
            } else if let Some(d) = p.default_security {
                if !present {
                    mode = Some(d);
                    from = SecurityFrom::Default;
                }
            }
        }
    } else if scheme_mode == Some(SchemeMode::Implicit) {
        from = SecurityFrom::Scheme;
    } else if mode.is_some() {
        from = SecurityFrom::Keys(Vec::new());
    }
    // `requireTLS: true` makes opportunistic STARTTLS required.
    if mode == Some(Security::StarttlsOpportunistic)
        || (mode.is_none() && e.conflicts.is_empty() && !p.require.is_empty())
    {
        for r in &p.require {
            if let Some(m) = value_of(r) {
                if normalise(&settings[m.setting()].value) == "true" {
                    mode = Some(Security::StarttlsRequired);
                    keys_used.push(m.setting());
                    if from == SecurityFrom::Nothing {
                        from = SecurityFrom::Keys(Vec::new());
                    }
                }
            }
        }
    }
    if let SecurityFrom::Keys(_) = from {
        keys_used.sort_unstable();
        keys_used.dedup();
        from = SecurityFrom::Keys(keys_used);
    }
    e.security = mode.unwrap_or(Security::Unknown);
    e.security_from = if e.security == Security::Unknown {
        SecurityFrom::Nothing
    } else {
        from
    };
    if e.security == Security::ImplicitTls && e.url.is_none() {
        if let Some(port) = p.implicit_default_port {
            e.default_port = Some(port);
        }
    }
    if port_from_reference && e.port.is_none() {
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
    // New keys go after the last entry that sits directly in the root (not inside `auth: {…}`).
    let depth = root.len() + 1;
    e.anchor = members
        .iter()
        .map(|m| m.setting())
        .filter(|&si| settings[si].path.len() == depth || settings[si].path.len() == root.len())
        .max()
        .or_else(|| members.iter().map(|m| m.setting()).max())
        .unwrap_or(0);
    Some(e)
}

/// Profile ids are `'static` because the profile table is.
fn leak_id(p: &'static Profile) -> &'static str {
    p.id.as_str()
}

/// Does a TLS-version setting allow TLS below 1.2 (`TLSv1`, `TLSv1.1`, `SSLv3`, `+1.1`)?
/// A boolean key that switches an old version on when true (mutt `ssl_use_sslv3`,
/// `ssl_use_tlsv1_1`; not `ssl_use_tlsv1_2`): a version name ends the key.
fn names_old_tls(key: &str) -> bool {
    key.char_indices()
        .filter(|&(_, c)| c == '_')
        .any(|(i, _)| allows_old_tls(&key[i + 1..]))
}

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

    /// A block other groups inherit gives each of them the setting that counts (the last of each
    /// key), not every line of it: a generated init.el with thousands of each once copied
    /// millions of settings (2.5 s and 241 MB for 352 KB).
    #[test]
    fn an_inherited_block_gives_each_group_its_last_setting_of_each_key() {
        let text: String = ["(setq smtpmail-smtp-service 587)\n"; 1_000].concat()
            + "(setq smtpmail-smtp-service 465)\n"
            + &[" '(a (smtpmail-stream-type 'starttls))\n"; 1_000].concat();
        let parsed = syntax::parse(Format::Elisp, &text);
        let groups = candidate_groups(&parsed.settings, Format::Elisp, &[]);
        let inheriting: Vec<&Group> = groups.iter().filter(|g| !g.inherited.is_empty()).collect();
        assert_eq!(inheriting.len(), 1_000);
        let last_service = parsed
            .settings
            .iter()
            .rposition(|s| s.value == "465")
            .expect("the last setq");
        for g in inheriting {
            let inherited: Vec<usize> = inherited_settings(g).collect();
            assert_eq!(inherited, [last_service]);
        }
    }
}
