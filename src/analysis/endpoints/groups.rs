//! Grouping and claiming: the settings one profile reads under one root form a candidate group;
//! profiles claim groups in priority order, each setting for one endpoint only.

use std::collections::{HashMap, HashSet};

use super::super::syntax::{Branch, Segment, Setting};
use super::index::{
    dotted_path_is, identified_alone, identifies, is_manifest_kind, match_patterns, readers,
    Member, Role,
};
use super::Endpoint;
use crate::knowledge::profiles;
use crate::vocab::Format;

/// Identifies a group: its document (or layer), its branch (0: none) and its root segments (and,
/// for variables, the prefix).
fn root_hash<'a>(document: usize, branch: u32, parts: impl Iterator<Item = &'a str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    document.hash(&mut h);
    branch.hash(&mut h);
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// The settings that one profile reads under one root: a candidate endpoint group. Which settings
/// form groups depends only on key paths, never on values.
pub struct Group {
    root_hash: u64,
    pub(super) members: Vec<Member>,
    /// The root is the first `root_len` segments of setting `root_at`'s path (its first
    /// member), then for variables the first `prefix_len` bytes of its next segment (`SMTP_` of
    /// `SMTP_PORT`). It is built when the group is read rather than kept: a big document has
    /// thousands of groups, all alive during its first analysis (hence the narrow integers, as
    /// in [`Member`]).
    root_at: u32,
    root_len: u32,
    prefix_len: Option<u32>,
    pub(super) profile: u16,
    /// Settings of the profile's defaults block this group does not set itself
    /// ([`Profile::inherit`]): read with the members, never claimed by the group.
    pub(super) inherited: Vec<Member>,
    /// A defaults block that other groups took from, of a profile whose defaults are no
    /// connection of their own ([`profiles::Inherit::only_defaults`]), or the settings outside
    /// a conditional statement whose branches each complete them: claimed, no endpoint.
    pub(super) only_defaults: bool,
    /// Keys the group lacks that another branch of the same settings sets (a port or a mode set
    /// under an `if`): the program chooses them at run time, so the application's default for
    /// them is no reading of the group ([`Elsewhere`]).
    pub(super) elsewhere: Elsewhere,
    /// The innermost branch of program source the group's settings sit in (0: none; else the
    /// branch's index + 1).
    branch: u32,
}

/// What other branches of a group's settings set that the group does not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Elsewhere {
    pub(super) port: bool,
    pub(super) mode: bool,
}

impl Group {
    /// The root key path the group's settings sit under.
    pub(super) fn root(&self, settings: &[Setting]) -> Vec<String> {
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

/// Finds the candidate groups of a document, in claim order (profile priority, then position).
///
/// `documents` are the offsets where the documents of a YAML stream begin
/// (`syntax::yaml::document_starts`): a group never takes settings from two documents, unless
/// its profile reads them as layers of one configuration.
///
/// `branches` are the branches of conditional statements in program source
/// ([`crate::analysis::syntax::branches`]): settings in different branches never form one group; a
/// group in a branch also reads the settings of the same root around the statement.
pub fn candidate_groups(
    settings: &[Setting],
    format: Format,
    documents: &[usize],
    branches: &[Branch],
) -> Vec<Group> {
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
    let branch_of = innermost_branches(settings, branches);
    let mut last_lc = String::new();
    // Each match of setting `si`: (profile, root hash, root hash outside any branch, pattern,
    // root length, variable prefix).
    let mut matches = |si: usize, found: &mut MatchSink| {
        let Some(s) = settings.get(si) else { return };
        let document = document_of(s);
        if format == Format::Yaml && base64_encoded(s, secrets.contains(&document)) {
            return;
        }
        let branch = branch_of.get(si).copied().unwrap_or(0);
        match_patterns(s, reads, &mut last_lc, |pi, root_len, prefix, ki| {
            let parts = || s.path[..root_len].iter().map(|s| &**s).chain(prefix);
            let layer = layer_key(&conditional, pi, document);
            let hash = root_hash(layer, branch, parts());
            // Outside every branch (every setting of a document without any) it is the same.
            let outside = if branch == 0 {
                hash
            } else {
                root_hash(layer, 0, parts())
            };
            found(pi, hash, outside, ki, root_len, prefix);
        });
    };
    // A group of a profile that must be identified, and can only be by its own members, is
    // never claimed without an identifying member: such groups are not built (most of a big
    // document's `host`/`port` blocks are some profile's unidentified group). A branch's group
    // may be identified by the settings around its statement: by root, branches aside.
    let mut identified: HashSet<(usize, u64)> = HashSet::new();
    for si in 0..settings.len() {
        matches(si, &mut |pi, _, outside, ki, _, _| {
            if identified_alone(pi) && identifies(pi, ki) {
                identified.insert((pi, outside));
            }
        });
    }
    for si in 0..settings.len() {
        let branch = branch_of.get(si).copied().unwrap_or(0);
        matches(si, &mut |pi, root_hash, outside, ki, root_len, prefix| {
            if identified_alone(pi) && !identified.contains(&(pi, outside)) {
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
                    elsewhere: Elsewhere::default(),
                    branch,
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
    if !branches.is_empty() {
        inherit_branches(&mut groups, settings, branches, &document_of);
    }
    groups
}

/// Takes each match of a setting: (profile, root hash, root hash outside any branch, pattern,
/// root length, variable prefix).
type MatchSink<'a> = dyn FnMut(usize, u64, u64, usize, usize, Option<&str>) + 'a;

/// How many branches out a group in a branch looks for the settings around it: real settings
/// are nested a few levels deep; a generated file nested thousands deep must not cost that much
/// per group.
const MAX_NESTING: usize = 32;

/// For each setting, the innermost branch its key sits in (0: none; else the index + 1); empty
/// when there are no branches (a setting missing from the list is in none). One sweep over the
/// settings and the branches in document order.
fn innermost_branches(settings: &[Setting], branches: &[Branch]) -> Vec<u32> {
    if branches.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0u32; settings.len()];
    let mut by_start: Vec<usize> = (0..branches.len()).collect();
    by_start.sort_by_key(|&b| {
        (
            branches[b].span.start,
            std::cmp::Reverse(branches[b].span.end),
        )
    });
    let mut by_position: Vec<usize> = (0..settings.len()).collect();
    by_position.sort_by_key(|&si| settings[si].key_span.start);
    let mut open: Vec<usize> = Vec::new();
    let mut next = by_start.iter().peekable();
    for si in by_position {
        let at = settings[si].key_span.start;
        while let Some(&&b) = next.peek().filter(|&&&b| branches[b].span.start <= at) {
            while open
                .last()
                .is_some_and(|&o| branches[o].span.end <= branches[b].span.start)
            {
                open.pop();
            }
            open.push(b);
            next.next();
        }
        while open.last().is_some_and(|&o| branches[o].span.end <= at) {
            open.pop();
        }
        if let Some(&b) = open.last() {
            out[si] = u32::try_from(b + 1).unwrap_or(0);
        }
    }
    out
}

/// Gives each group in a branch the settings of the same root (by key pattern) that it does not
/// set itself from the branches around it, innermost first, then from outside every branch: the
/// configuration that applies when the branch runs. The group outside, in its turn, is no
/// configuration of its own where a statement that always runs one of its branches (it ends in
/// `else`) completes it in every branch.
fn inherit_branches(
    groups: &mut [Group],
    settings: &[Setting],
    branches: &[Branch],
    document_of: &impl Fn(&Setting) -> usize,
) {
    // Each group's (profile, document, root), built once: the groups of one set of settings,
    // in and around branches, share it.
    let keys: Vec<(u16, usize, Vec<String>)> = groups
        .iter()
        .map(|g| {
            let document = settings.get(g.root_at as usize).map_or(0, document_of);
            (g.profile, document, g.root(settings))
        })
        .collect();
    // (profile, document, root, branch) → group index.
    let mut at: HashMap<(u16, usize, &[String], u32), usize> = HashMap::new();
    for (gi, g) in groups.iter().enumerate() {
        let (profile, document, root) = &keys[gi];
        at.entry((*profile, *document, root, g.branch))
            .or_insert(gi);
    }
    let parent = |branch: u32| -> u32 {
        let index = branch.checked_sub(1).map(|i| i as usize);
        index
            .and_then(|i| branches.get(i))
            .and_then(|b| b.parent)
            .map_or(0, |p| p + 1)
    };
    // What a group lends, computed once per lending group: a big group outside the branches
    // (settings past `MAX_BRANCHES` land there) is lent to every branch.
    let mut lent: HashMap<usize, Vec<Member>> = HashMap::new();
    for gi in 0..groups.len() {
        if groups[gi].branch == 0 {
            continue;
        }
        let (profile, document, root) = &keys[gi];
        let mut own: HashSet<String> = groups[gi]
            .members
            .iter()
            .map(|m| m.pattern().to_string())
            .collect();
        let mut inherited = Vec::new();
        let mut around = groups[gi].branch;
        // Each step goes one branch out, at most `MAX_NESTING` of them.
        for _ in 0..MAX_NESTING {
            if around == 0 {
                break;
            }
            around = parent(around);
            let Some(&from) = at.get(&(*profile, *document, root.as_slice(), around)) else {
                continue;
            };
            let lends = lent
                .entry(from)
                .or_insert_with(|| inheritable(&groups[from].members, settings));
            for m in lends.iter() {
                if own.insert(m.pattern().to_string()) {
                    inherited.push(*m);
                }
            }
        }
        groups[gi].inherited = inherited;
    }
    // Outside groups completed in every branch of a statement that always runs one: by root,
    // the top-level branches holding a group of it (inside, at any depth).
    let top = |branch: u32| {
        let mut b = branch;
        for _ in 0..MAX_NESTING {
            match parent(b) {
                0 => break,
                p => b = p,
            }
        }
        b
    };
    let mut holding: HashMap<&(u16, usize, Vec<String>), HashSet<u32>> = HashMap::new();
    for (g, key) in groups.iter().zip(&keys).filter(|(g, _)| g.branch != 0) {
        holding.entry(key).or_default().insert(top(g.branch));
    }
    let mut of_statement: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, b) in branches.iter().enumerate() {
        if b.parent.is_none() {
            of_statement
                .entry(b.statement)
                .or_default()
                .push(u32::try_from(i + 1).unwrap_or(0));
        }
    }
    for (g, key) in groups.iter_mut().zip(&keys).filter(|(g, _)| g.branch == 0) {
        let Some(held) = holding.get(key) else {
            continue;
        };
        let completed = held.iter().any(|&b| {
            let Some(branch) = (b as usize).checked_sub(1).and_then(|i| branches.get(i)) else {
                return false;
            };
            branch.exhaustive
                && of_statement
                    .get(&branch.statement)
                    .is_some_and(|all| all.iter().all(|b| held.contains(b)))
        });
        if completed {
            g.only_defaults = true;
        }
    }
    // What the branches of each root set, by top-level statement: a group that lacks it reads no
    // default for it where a branch that may run with it sets it (a branch of another statement,
    // or any branch for the settings outside). The other branches of its own statement never run
    // with it (nor, conservatively, the branches nested anywhere in that statement).
    let statement_of = |branch: u32| -> Option<u32> {
        let b = top(branch);
        (b as usize)
            .checked_sub(1)
            .and_then(|i| branches.get(i))
            .map(|b| b.statement)
    };
    // (ports, modes) set: in all the root's branches, and by top-level statement.
    type Counts = (usize, usize);
    type BranchSets = (Counts, HashMap<u32, Counts>);
    let sets: Vec<Elsewhere> = groups.iter().map(sets_of).collect();
    let mut set_in_branches: HashMap<&(u16, usize, Vec<String>), BranchSets> = HashMap::new();
    for ((g, key), set) in groups.iter().zip(&keys).zip(&sets) {
        if g.branch == 0 {
            continue;
        }
        let (total, by_statement) = set_in_branches.entry(key).or_default();
        let of = by_statement
            .entry(statement_of(g.branch).unwrap_or(0))
            .or_default();
        for counts in [total, of] {
            counts.0 += usize::from(set.port);
            counts.1 += usize::from(set.mode);
        }
    }
    for ((g, key), own) in groups.iter_mut().zip(&keys).zip(&sets) {
        let Some((total, by_statement)) = set_in_branches.get(key) else {
            continue;
        };
        let own_statement = (g.branch != 0)
            .then(|| statement_of(g.branch))
            .flatten()
            .and_then(|s| by_statement.get(&s))
            .copied()
            .unwrap_or_default();
        g.elsewhere = Elsewhere {
            port: total.0 > own_statement.0 && !own.port,
            mode: total.1 > own_statement.1 && !own.mode,
        };
    }
}

/// Whether a group (with what it inherits) sets the port, and a key that decides the mode.
fn sets_of(g: &Group) -> Elsewhere {
    let Some(p) = profiles::all().get(usize::from(g.profile)) else {
        return Elsewhere::default();
    };
    let decides_mode = |pattern: &str| {
        p.security
            .iter()
            .any(|k| k.key.eq_ignore_ascii_case(pattern))
            || p.require.iter().any(|k| k.eq_ignore_ascii_case(pattern))
            || p.combos
                .iter()
                .any(|c| c.when.keys().any(|k| k.eq_ignore_ascii_case(pattern)))
    };
    let mut out = Elsewhere::default();
    for m in g.members.iter().chain(&g.inherited) {
        match m.role() {
            Role::Port | Role::HostPort | Role::Url | Role::PortOverride => out.port = true,
            Role::Other if decides_mode(m.pattern()) => out.mode = true,
            _ => {}
        }
    }
    out
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
        let base_hash = root_hash(0, 0, g.root(settings).iter().map(String::as_str));
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

/// The settings a group takes from its profile's defaults block ([`Profile::inherit`]).
pub fn inherited_settings(group: &Group) -> impl Iterator<Item = usize> + '_ {
    group.inherited.iter().map(|m| m.setting())
}

/// The setting index of a member position.
pub fn member_setting(group: &Group, position: usize) -> Option<usize> {
    group.members.get(position).map(|m| m.setting())
}

/// Members of one group read at most. Real groups have a few dozen; a group this large is a
/// generated or mangled file, where reading it whole would cost time quadratic in its size.
const MAX_GROUP_MEMBERS: usize = 256;

/// The members of an oversized group that decide something ([`decisive`]).
pub(super) fn decisive_members<'m>(
    members: &[&'m Member],
    settings: &[Setting],
) -> Vec<&'m Member> {
    if members.len() <= MAX_GROUP_MEMBERS {
        return members.to_vec();
    }
    decisive(members, |m| m.setting(), settings)
        .copied()
        .collect()
}

/// The members that decide something: the last setting of each key path (a later line replaces
/// an earlier one), at most [`MAX_GROUP_MEMBERS`] of them, the last ones, in document order.
pub(super) fn decisive<'m, M>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::syntax;

    /// A block other groups inherit gives each of them the setting that counts (the last of each
    /// key), not every line of it: a generated init.el with thousands of each once copied
    /// millions of settings (2.5 s and 241 MB for 352 KB).
    #[test]
    fn an_inherited_block_gives_each_group_its_last_setting_of_each_key() {
        let text: String = ["(setq smtpmail-smtp-service 587)\n"; 1_000].concat()
            + "(setq smtpmail-smtp-service 465)\n"
            + &[" '(a (smtpmail-stream-type 'starttls))\n"; 1_000].concat();
        let parsed = syntax::parse(Format::Elisp, &text);
        let groups = candidate_groups(&parsed.settings, Format::Elisp, &[], &[]);
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
