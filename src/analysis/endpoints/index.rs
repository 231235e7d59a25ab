//! The key-pattern index: which profile key, if any, a setting's path matches. It depends only on
//! key paths, never on values.

use std::collections::HashMap;

use super::super::syntax::incremental::Keep;
use super::super::syntax::{Segment, Setting};
use super::words::mail_prefix;
use crate::knowledge::profiles::{self, Profile};
use crate::vocab::Format;

/// The role a key plays in a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
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
pub(super) struct Member {
    /// The setting's index (a document is at most `MAX_ANALYZED_BYTES`, far fewer than 2³²
    /// settings).
    pub(super) at: u32,
    pub(super) profile: u16,
    pub(super) key: u16,
}

impl Member {
    pub(super) fn setting(&self) -> usize {
        self.at as usize
    }

    fn key(&self) -> Option<&'static Pattern> {
        index()
            .patterns
            .get(usize::from(self.profile))?
            .get(usize::from(self.key))
    }

    pub(super) fn role(&self) -> Role {
        self.key().map_or(Role::Identity, |k| k.role)
    }

    /// The key pattern, lowercase.
    pub(super) fn pattern(&self) -> &'static str {
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

/// Which profiles read each format, by position in [`Format::ALL`].
pub(super) fn readers(format: Format) -> &'static [bool] {
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
pub(super) fn match_patterns(
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
    if super::super::embedded::could_hold_document(s.key())
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
    if super::super::embedded::could_hold_document(key)
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

/// What a long-lived document keeps: the settings some profile could read.
pub const MEMBERS: Keep = Keep {
    setting: could_be_member,
    key: could_have_member_key,
};

/// Whether profile `pi` claims a group only when one of its members is an `identify` key, and
/// only its own members can be (no defaults block or layer lends it members).
pub(super) fn identified_alone(pi: usize) -> bool {
    profiles::all()
        .get(pi)
        .is_some_and(|p| !p.identify.is_empty() && p.inherit.is_none() && !p.layered_documents)
}

/// Whether pattern `ki` of profile `pi` is one of its `identify` keys.
pub(super) fn identifies(pi: usize, ki: usize) -> bool {
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

pub(super) fn dotted_path_is(s: &Setting, dotted: &str) -> bool {
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
