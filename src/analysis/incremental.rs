//! Analysis kept between edits. An edit that only changes the text inside one value (typing a port,
//! toggling `true`/`false`) cannot change which settings exist or how they group, so only the
//! endpoint holding that value is read and checked again; every other endpoint and finding is kept
//! and moved by the edit's length. Any other edit, a new configuration or a new format analyses the
//! whole document again. Both paths give the same result (a test checks it on random edits).

use std::collections::HashSet;

use super::endpoints::{self, Endpoint, Group};
use super::findings::{Edit, Finding, Fix};
use super::rules::syntax_errors;
use super::syntax::{Parsed, Setting, SyntaxError, ValueKind};
use super::{rules, suppress, Analysis};
use crate::vocab::{Format, RuleCode, Span};

use crate::config::Config;

/// What changed since the last analysis: `old_text` at `start` was replaced by `new_len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextChange {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
    /// The text that was replaced and the text that replaced it.
    pub old_text: String,
    pub new_text: String,
}

/// One claimed group: the candidate group and the members it read.
struct Claimed {
    group: usize,
    /// Positions in the group's members.
    members: Vec<usize>,
}

struct State {
    format: Format,
    config: Config,
    settings_len: usize,
    /// The parse's syntax errors (a value edit must leave them as they were, moved).
    errors: Vec<SyntaxError>,
    /// The text could hold mail settings (`prefilter`): its syntax errors are reported.
    reads_mail: bool,
    /// Where each setting's value was, how it was written and a hash of its key path (a value
    /// edit must lie inside the same value before and after, leave it a value of the same kind
    /// and its key path as it was: the new parse alone cannot tell).
    values: Vec<(Span, ValueKind, u64)>,
    /// The settings are in document order and no value holds another (one value may be shared,
    /// as an inherited msmtp default is): binary search finds the values an edit is in.
    flat_values: bool,
    /// The claimed candidate groups (a value edit re-reads one). The unclaimed ones, thousands in
    /// a big document, are remembered only through `may_move_claims`.
    candidates: Vec<Group>,
    claimed: Vec<Claimed>,
    /// Setting index → index into `claimed`, or `None` when no claimed group reads it.
    claimed_by: Vec<Option<usize>>,
    /// An edit of the setting's value may change which group claims what: no claimed group reads
    /// it alone, or a group that would have read it gave no endpoint (and a new value may make
    /// it give one, and claim first).
    may_move_claims: Vec<bool>,
    /// The text may hold a suppression comment. Most hold none, and finding that out again by a
    /// scan of a 50,000-line text costs more than the rest of a keystroke's analysis.
    suppress_markers: bool,
    /// The result, kept up to date in place; `*_owner` say which claimed group each entry of
    /// `owned_findings` and of the endpoints came from (`usize::MAX`: a syntax error).
    /// `analysis.findings` is `owned_findings` with each finding once: two endpoints that share
    /// a setting (a `defaults` block, the settings around an `if`) may find the same thing there,
    /// and an edit of one of them must not take the other's away.
    analysis: Analysis,
    owned_findings: Vec<Finding>,
    finding_owner: Vec<usize>,
    endpoint_owner: Vec<usize>,
    /// Findings of embedded documents are part of the result (the next change is analysed
    /// whole, even if it leaves no embedded document).
    embedded: bool,
}

/// Analysis of one document, kept between edits.
#[derive(Default)]
pub struct IncrementalAnalysis {
    state: Option<State>,
    empty: Analysis,
}

/// The suppression comments of `text`, looked up only where it may hold one.
fn comments_of(text: &str, may_hold_markers: bool) -> suppress::Comments<'_> {
    if may_hold_markers {
        suppress::Comments::new(text)
    } else {
        suppress::Comments::none(text)
    }
}

/// Characters that can change a document's structure (keys, nesting, quoting, comments) in some
/// format; a change free of them inside one value only changes that value.
fn structural(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c,
            '\n' | '\r'
                | ':'
                | '='
                | '#'
                | ';'
                | '"'
                | '\''
                | '`'
                | '{'
                | '}'
                | '['
                | ']'
                | ','
                | '\\'
                | '$'
                | '&'
                | '*'
                | '!'
                | '|'
                | '>'
                | '<'
                | '/'
                | '%'
                | '@'
                | '?'
                | '\t'
                | '('
                | ')'
        )
    })
}

impl IncrementalAnalysis {
    pub fn new() -> IncrementalAnalysis {
        IncrementalAnalysis::default()
    }

    /// Analyses `parsed` (the settings of `text`), reusing the last result where `change` allows.
    pub fn analyze(
        &mut self,
        text: &str,
        format: Format,
        parsed: &Parsed,
        config: &Config,
        change: Option<&TextChange>,
    ) -> &Analysis {
        // Documents embedded in values (`GITLAB_OMNIBUS_CONFIG`) are read with their own format;
        // a document that holds any is analysed whole on every change.
        let embedded = super::embedded::find(text, format, &parsed.settings);
        let reused = match (change, self.state.as_mut()) {
            // Autoconfig XML is read as a whole (its alternatives depend on each other).
            (Some(change), Some(state))
                if state.format == format
                    && embedded.is_empty()
                    && !state.embedded
                    && format != Format::Xml
                    && state.config == *config
                    && state.settings_len == parsed.settings.len()
                    && (parsed.errors.is_empty()
                        || super::prefilter::could_hold_mail(format, text) == state.reads_mail) =>
            {
                state.apply_value_change(text, parsed, change)
            }
            _ => false,
        };
        if !reused {
            let mut state = State::full(text, format, parsed, config);
            for e in &embedded {
                let inner = super::embedded::parse(text, e);
                let found = State::full(text, e.format, &inner, config).analysis;
                // Its syntax errors are not the outer document's (compose fills in `${VAR}`
                // before the inner format is read); its endpoints index its own settings.
                let findings = found
                    .findings
                    .into_iter()
                    .filter(|f| f.code != crate::vocab::RuleCode::Mp000);
                for f in findings {
                    state.owned_findings.push(f);
                    state.finding_owner.push(usize::MAX);
                }
            }
            if !embedded.is_empty() {
                state.embedded = true;
                let mut all: Vec<(usize, Finding)> = state
                    .finding_owner
                    .drain(..)
                    .zip(state.owned_findings.drain(..))
                    .collect();
                order(&mut all);
                let (owners, findings) = all.into_iter().unzip();
                state.finding_owner = owners;
                state.owned_findings = findings;
                state.analysis.findings = distinct(&state.owned_findings);
            }
            self.state = Some(state);
        }
        match &self.state {
            Some(state) => &state.analysis,
            None => &self.empty,
        }
    }

    /// The last result, by value.
    pub fn into_last(self) -> Analysis {
        self.state.map(|s| s.analysis).unwrap_or_default()
    }

    /// The last result.
    pub fn last(&self) -> &Analysis {
        self.state.as_ref().map_or(&self.empty, |s| &s.analysis)
    }
}

/// Values tried in one setting without editing the text: what a value edit there would give, for
/// the one endpoint group that reads the setting. Completion checks each candidate this way: a
/// few microseconds each, where analysing the text whole with it in place takes milliseconds.
pub struct ValueTrial<'a> {
    state: &'a State,
    /// The analysed text's suppression comments.
    comments: suppress::Comments<'a>,
    /// The analysed settings, the tried one's value changed in place.
    settings: Vec<Setting>,
    setting: usize,
    /// The claimed group that reads the setting.
    claimed: usize,
}

impl IncrementalAnalysis {
    /// A trial of values for the setting whose value is at `value_span`, on the last analysis
    /// (of `text` and `parsed`). `None` where a value edit could change more than that setting's
    /// group — an empty value, an embedded document, autoconfig XML, a setting no group reads —
    /// and the text must be analysed whole instead.
    pub fn trial<'a>(
        &'a self,
        text: &'a str,
        parsed: &Parsed,
        value_span: &Span,
    ) -> Option<ValueTrial<'a>> {
        let state = self.state.as_ref()?;
        if state.embedded || state.format == Format::Xml || value_span.is_empty() {
            return None;
        }
        if state.settings_len != parsed.settings.len() {
            return None;
        }
        let setting = parsed
            .settings
            .iter()
            .position(|s| s.value_span == *value_span)?;
        let claimed = state.claimed_by.get(setting).copied().flatten()?;
        Some(ValueTrial {
            state,
            comments: comments_of(text, state.suppress_markers),
            settings: parsed.settings.clone(),
            setting,
            claimed,
        })
    }
}

impl ValueTrial<'_> {
    /// The group's findings as analysed.
    pub fn current(&self) -> impl Iterator<Item = &Finding> {
        let state = self.state;
        state
            .finding_owner
            .iter()
            .zip(&state.owned_findings)
            .filter(move |(owner, _)| **owner == self.claimed)
            .map(|(_, f)| f)
    }

    /// The group's findings with `value` in place (spans as in the analysed text). `None` when
    /// the value could change more than the group: it holds structure, or the group then reads
    /// no endpoint (claims would move).
    pub fn findings_with(&mut self, value: &str) -> Option<Vec<Finding>> {
        if value.is_empty() || structural(value) {
            return None;
        }
        let state = self.state;
        let c = state.claimed.get(self.claimed)?;
        let group = state.candidates.get(c.group)?;
        let tried = self.settings.get_mut(self.setting)?;
        tried.value.clear();
        tried.value.push_str(value);
        let eps = endpoints::read_group(group, &c.members, &self.settings).unwrap_or_default();
        if eps.is_empty() {
            return None;
        }
        let mut found = Vec::new();
        for e in &eps {
            rules::check_endpoint(state.format, &self.settings, e, &state.config, &mut found);
        }
        Some(suppress::apply(&self.comments, found, &state.config))
    }
}

/// The claimed groups alone, in claim order; `claimed` is re-pointed at them.
fn keep_claimed(candidates: Vec<Group>, claimed: &mut [Claimed]) -> Vec<Group> {
    let mut slots: Vec<Option<Group>> = candidates.into_iter().map(Some).collect();
    let mut kept = Vec::with_capacity(claimed.len());
    for c in claimed.iter_mut() {
        match slots.get_mut(c.group).and_then(Option::take) {
            Some(group) => {
                c.group = kept.len();
                kept.push(group);
            }
            // Not expected (a group is claimed once); a value edit then analyses everything.
            None => c.group = usize::MAX,
        }
    }
    kept
}

/// Findings in one order whatever order the endpoints were read in: by position, then code, then
/// (two endpoints can share a setting) the endpoint's summary, then the message, then where the
/// fixes edit (two msmtp accounts inheriting one `defaults` port differ only there).
/// Each finding once: the first of those with one code, span, message and fixes (in [`order`]'s
/// order). Two accounts that differ only in where their fix writes keep both.
fn distinct(findings: &[Finding]) -> Vec<Finding> {
    let mut seen: HashSet<(usize, usize, RuleCode, &str, &[Fix])> = HashSet::new();
    findings
        .iter()
        .filter(|f| {
            seen.insert((
                f.span.start,
                f.span.end,
                f.code,
                f.message.as_str(),
                f.fixes.as_slice(),
            ))
        })
        .cloned()
        .collect()
}

fn order(findings: &mut [(usize, Finding)]) {
    let key = |f: &Finding| {
        let endpoint = f
            .endpoint
            .as_ref()
            .map(|e| (e.host.clone(), e.port, e.profile, e.protocol, e.security));
        let edits: Vec<(usize, usize)> = f
            .fixes
            .iter()
            .flat_map(|fix| fix.edits.iter().map(|e| (e.span.start, e.span.end)))
            .collect();
        (
            f.span.start,
            f.span.end,
            f.code,
            endpoint,
            f.message.clone(),
            edits,
        )
    };
    findings.sort_by_cached_key(|(_, f)| key(f));
}

impl State {
    fn full(text: &str, format: Format, parsed: &Parsed, config: &Config) -> State {
        let settings = &parsed.settings;
        let documents = match format {
            Format::Yaml => super::syntax::yaml::document_starts(text),
            _ => Vec::new(),
        };
        let candidates =
            endpoints::candidate_groups(settings, format, &documents, &parsed.branches);
        let mut in_candidate = vec![false; settings.len()];
        for g in &candidates {
            for si in g.settings() {
                if let Some(slot) = in_candidate.get_mut(si) {
                    *slot = true;
                }
            }
        }
        let mut read_empty = vec![false; settings.len()];
        let mut claimed = Vec::new();
        let mut endpoints: Vec<(usize, Endpoint)> = Vec::new();
        let comments = suppress::Comments::new(text);
        // MP000 only where mail settings could be: see `prefilter`.
        let reads_mail = super::prefilter::could_hold_mail(format, text);
        let errors: &[_] = if reads_mail { &parsed.errors } else { &[] };
        let mut findings: Vec<(usize, Finding)> = syntax_errors(errors)
            .into_iter()
            .map(|f| (usize::MAX, f))
            .collect();
        for (group, members, eps) in endpoints::claim(&candidates, settings.len(), |gi, members| {
            let eps = endpoints::read_group(&candidates[gi], members, settings);
            if eps.as_ref().is_none_or(Vec::is_empty) {
                // A new value may make this group give an endpoint (or turn it off) and claim
                // before a later one, or not claim at all
                // (fuzz/regressions/incremental_edits/mutt-later-smtp-url-scheme-edit).
                for &pos in members {
                    let si = endpoints::member_setting(&candidates[gi], pos);
                    if let Some(slot) = si.and_then(|si| read_empty.get_mut(si)) {
                        *slot = true;
                    }
                }
            }
            eps
        }) {
            let ci = claimed.len();
            let mut found = Vec::new();
            for e in &eps {
                rules::check_endpoint(format, settings, e, config, &mut found);
            }
            findings.extend(
                suppress::apply(&comments, found, config)
                    .into_iter()
                    .map(|f| (ci, f)),
            );
            endpoints.extend(eps.into_iter().map(|e| (ci, e)));
            claimed.push(Claimed { group, members });
        }
        let mut claimed_by = vec![None; settings.len()];
        for (ci, c) in claimed.iter().enumerate() {
            let Some(group) = candidates.get(c.group) else {
                continue;
            };
            for &pos in &c.members {
                if let Some(slot) =
                    endpoints::member_setting(group, pos).and_then(|si| claimed_by.get_mut(si))
                {
                    *slot = Some(ci);
                }
            }
        }
        // A setting other groups inherit (Alertmanager's `global`) is read by more than one
        // group: an edit of its value is analysed whole.
        for c in &claimed {
            let inherited = candidates
                .get(c.group)
                .into_iter()
                .flat_map(endpoints::inherited_settings);
            for si in inherited {
                if let Some(slot) = claimed_by.get_mut(si) {
                    *slot = None;
                }
            }
        }
        let may_move_claims = claimed_by
            .iter()
            .zip(in_candidate)
            .zip(read_empty)
            .map(|((by, candidate), empty)| empty || (candidate && by.is_none()))
            .collect();
        let candidates = keep_claimed(candidates, &mut claimed);
        endpoints.sort_by(|(_, a), (_, b)| endpoints::document_order(a, b));
        if format == Format::Xml {
            // An autoconfig file lists alternatives of one server: 25 after 465/587 is a fallback.
            let fallback = rules::port_25_fallback(endpoints.iter().map(|(_, e)| e));
            findings.retain(|(_, f)| !fallback(f));
        }
        order(&mut findings);
        // A broken JavaScript value can hold other settings' values: an edit inside the inner one
        // is inside the outer one too (fuzz/regressions/incremental_edits/js-value-spanning-an-edited-nested-value).
        let flat_values = settings.windows(2).all(|w| {
            let (a, b) = (&w[0].value_span, &w[1].value_span);
            a.start <= b.start && (a.end <= b.start || a == b)
        });
        let (endpoint_owner, endpoints) = endpoints.into_iter().unzip();
        let (finding_owner, owned_findings): (Vec<usize>, Vec<Finding>) =
            findings.into_iter().unzip();
        State {
            format,
            config: config.clone(),
            settings_len: settings.len(),
            errors: parsed.errors.clone(),
            reads_mail,
            values: settings
                .iter()
                .map(|s| (s.value_span.clone(), s.kind, path_hash(s)))
                .collect(),
            flat_values,
            candidates,
            claimed,
            claimed_by,
            may_move_claims,
            suppress_markers: !comments.is_empty(),
            analysis: Analysis {
                findings: distinct(&owned_findings),
                endpoints,
            },
            owned_findings,
            finding_owner,
            endpoint_owner,
            embedded: false,
        }
    }

    /// The settings whose value holds the whole change (several where one value is shared, as an
    /// inherited msmtp default is).
    fn touched(&self, parsed: &Parsed, change: &TextChange) -> Vec<usize> {
        let holds = |s: &crate::analysis::syntax::Setting| {
            s.value_span.start <= change.start && change.new_end <= s.value_span.end
        };
        if self.flat_values {
            // Settings whose value starts at or before the change, nearest first.
            let upto = parsed
                .settings
                .partition_point(|s| s.value_span.start <= change.start);
            let mut out: Vec<usize> = (0..upto)
                .rev()
                .take_while(|&i| {
                    parsed.settings[i].value_span.start
                        == parsed.settings[upto - 1].value_span.start
                })
                .filter(|&i| holds(&parsed.settings[i]))
                .collect();
            out.sort_unstable();
            out
        } else {
            parsed
                .settings
                .iter()
                .enumerate()
                .filter(|(_, s)| holds(s))
                .map(|(i, _)| i)
                .collect()
        }
    }

    /// Takes a change that stays inside one value: re-reads that value's group, moves the rest.
    /// Returns false (and changes nothing) when the change may do more.
    fn apply_value_change(&mut self, text: &str, parsed: &Parsed, change: &TextChange) -> bool {
        if change.start > change.old_end
            || change.new_end != change.start + change.new_text.len()
            || structural(&change.old_text)
            || structural(&change.new_text)
        {
            return false;
        }
        let shift = Shift {
            old_end: change.old_end,
            new_end: change.new_end,
        };
        // A change that makes, moves or rewords a syntax error did more than change a value: NUL
        // in a TOML key turns `user.name = "me"` into `user.na = "\0me"`.
        let same_errors = parsed.errors.len() == self.errors.len()
            && parsed.errors.iter().zip(&self.errors).all(|(new, old)| {
                let mut moved = old.span.clone();
                shift.span(&mut moved);
                new.span == moved && new.message == old.message
            });
        if !same_errors {
            return false;
        }
        let touched = self.touched(parsed, change);
        if touched.is_empty() {
            return false;
        }
        // A manifest's `kind` decides which of its settings are read at all.
        if touched.iter().any(|&si| {
            parsed
                .settings
                .get(si)
                .is_some_and(|s| endpoints::is_manifest_kind(self.format, s))
        }) {
            return false;
        }
        // The change must have been inside the same values before: `env('X', 'a')` edited into
        // `465('X', 'a')` is one value in the new parse (an unknown call), but it was a key and
        // a default before (fuzz/regressions/incremental_edits/php-env-call-renamed). And the value
        // keeps its kind: `secure: false,` edited into `secure: fa(,` turns the rest of the object
        // into call arguments (fuzz/regressions/incremental_edits/js-false-to-call).
        // And the key path stays: a fetchmail server name is the value of its `poll` and the
        // name of its block (fuzz/regressions/incremental_edits/fetchmail-poll-host-renamed).
        let was_inside = |si: usize| {
            self.values.get(si).is_some_and(|(old, kind, path)| {
                old.start <= change.start
                    && change.old_end <= old.end
                    && parsed
                        .settings
                        .get(si)
                        .is_some_and(|s| s.kind == *kind && path_hash(s) == *path)
            })
        };
        if !touched.iter().all(|&si| was_inside(si)) {
            return false;
        }
        // A value that holds other settings is a broken container, not a value: the change may
        // rename their paths (`user: process.envnst t = nodemailer.createTransport({ port: 587 …`
        // edited to `creat465ansport`; fuzz/regressions/incremental_edits/js-stale-finding-after-port-edit).
        let holds_settings = |si: usize| {
            parsed.settings.get(si).is_some_and(|v| {
                let v = &v.value_span;
                parsed.settings.iter().enumerate().any(|(other, s)| {
                    other != si && v.start <= s.key_span.start && s.key_span.end <= v.end
                })
            })
        };
        if touched.iter().any(|&si| holds_settings(si)) {
            return false;
        }
        let mut groups: Vec<usize> = Vec::new();
        for &si in &touched {
            // A value of an unclaimed group may make it claim (a host that names the protocol).
            if self.may_move_claims.get(si).copied().unwrap_or(true) {
                return false;
            }
            if let Some(ci) = self.claimed_by.get(si).copied().flatten() {
                groups.push(ci);
            }
        }
        groups.sort_unstable();
        groups.dedup();
        // Re-read the touched groups first: if one now gives no endpoint, claims move: start over.
        let mut fresh_endpoints: Vec<(usize, Endpoint)> = Vec::new();
        let mut fresh_findings: Vec<(usize, Finding)> = Vec::new();
        self.suppress_markers |= suppress::marker_within(text, change.start, change.new_end);
        let comments = comments_of(text, self.suppress_markers);
        for &ci in &groups {
            let Some(c) = self.claimed.get(ci) else {
                return false;
            };
            let Some(group) = self.candidates.get(c.group) else {
                return false;
            };
            let eps =
                endpoints::read_group(group, &c.members, &parsed.settings).unwrap_or_default();
            // No endpoint now (or turned off): claims may move.
            if eps.is_empty() {
                return false;
            }
            let mut found = Vec::new();
            for e in &eps {
                rules::check_endpoint(self.format, &parsed.settings, e, &self.config, &mut found);
            }
            let found = suppress::apply(&comments, found, &self.config);
            fresh_findings.extend(found.into_iter().map(|f| (ci, f)));
            fresh_endpoints.extend(eps.into_iter().map(|e| (ci, e)));
        }
        let touched_group = |owner: usize| groups.binary_search(&owner).is_ok();
        // Findings: drop the touched groups', move the rest, add the fresh ones in order.
        let mut kept: Vec<(usize, Finding)> = std::mem::take(&mut self.finding_owner)
            .into_iter()
            .zip(std::mem::take(&mut self.owned_findings))
            .filter(|(owner, _)| !touched_group(*owner))
            .map(|(owner, mut f)| {
                shift.finding(&mut f);
                (owner, f)
            })
            .collect();
        kept.extend(fresh_findings);
        order(&mut kept);
        (self.finding_owner, self.owned_findings) = kept.into_iter().unzip();
        self.analysis.findings = distinct(&self.owned_findings);
        let mut eps: Vec<(usize, Endpoint)> = std::mem::take(&mut self.endpoint_owner)
            .into_iter()
            .zip(std::mem::take(&mut self.analysis.endpoints))
            .filter(|(owner, _)| !touched_group(*owner))
            .map(|(owner, mut e)| {
                shift.endpoint(&mut e);
                (owner, e)
            })
            .collect();
        eps.extend(fresh_endpoints);
        eps.sort_by(|(_, a), (_, b)| endpoints::document_order(a, b));
        (self.endpoint_owner, self.analysis.endpoints) = eps.into_iter().unzip();
        self.errors.clone_from(&parsed.errors);
        for ((span, kind, _), setting) in self.values.iter_mut().zip(&parsed.settings) {
            span.clone_from(&setting.value_span);
            *kind = setting.kind;
        }
        true
    }
}

/// A hash of a setting's key path.
fn path_hash(setting: &Setting) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    setting.path.hash(&mut hasher);
    hasher.finish()
}

/// Moves byte offsets at or after the end of a replaced range by the change in length.
struct Shift {
    old_end: usize,
    new_end: usize,
}

impl Shift {
    /// Positions outside the changed value: before it they stay, after it they move.
    fn pos(&self, p: usize) -> usize {
        if self.old_end == self.new_end {
            p
        } else if p >= self.old_end {
            p - self.old_end + self.new_end
        } else {
            p
        }
    }

    fn span(&self, s: &mut Span) {
        *s = self.pos(s.start)..self.pos(s.end);
    }

    fn endpoint(&self, e: &mut Endpoint) {
        e.for_each_span_mut(|s| self.span(s));
    }

    fn finding(&self, f: &mut Finding) {
        self.span(&mut f.span);
        for Fix { edits, .. } in &mut f.fixes {
            for Edit { span, .. } in edits {
                self.span(span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze_parsed, syntax};

    #[test]
    fn a_value_trial_checks_one_group_without_an_edit() {
        let text = "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_SECURE=true\nDEBUG=1\n";
        let parsed = syntax::parse(Format::Env, text);
        let mut inc = IncrementalAnalysis::new();
        inc.analyze(text, Format::Env, &parsed, &Config::default(), None);
        let port = text.find("587").unwrap();
        let mut trial = inc
            .trial(text, &parsed, &(port..port + 3))
            .expect("a trial");
        let codes = |fs: &[Finding]| fs.iter().map(|f| f.code.as_str()).collect::<Vec<_>>();
        let current: Vec<Finding> = trial.current().cloned().collect();
        assert_eq!(codes(&current), ["MP003"]);
        assert_eq!(
            codes(&trial.findings_with("465").unwrap()),
            Vec::<&str>::new()
        );
        assert_eq!(codes(&trial.findings_with("587").unwrap()), ["MP003"]);
        // Structure is never tried: the text must be analysed whole.
        assert!(trial.findings_with("465\nX=1").is_none());
        // A value no endpoint reads has no trial.
        let debug = text.find("=1").unwrap() + 1;
        assert!(inc.trial(text, &parsed, &(debug..debug + 1)).is_none());
    }

    /// Applies each edit — `(anchor, skip, len, new_text)`: replace `len` bytes that start `skip`
    /// bytes after the first occurrence of `anchor` — on both paths and compares them. Returns how
    /// many edits the fast path took.
    fn same_as_fresh(format: Format, text: &str, edits: &[(&str, usize, usize, &str)]) -> usize {
        let config = Config::default();
        let mut inc = IncrementalAnalysis::new();
        let mut text = text.to_string();
        let parsed = syntax::parse(format, &text);
        inc.analyze(&text, format, &parsed, &config, None);
        let mut fast = 0;
        for &(anchor, skip, len, new_text) in edits {
            let start = text
                .find(anchor)
                .map(|i| i + skip)
                .unwrap_or(0)
                .min(text.len());
            let old_end = (start + len).min(text.len());
            let change = TextChange {
                start,
                old_end,
                new_end: start + new_text.len(),
                old_text: text[start..old_end].to_string(),
                new_text: new_text.to_string(),
            };
            text.replace_range(start..old_end, new_text);
            let parsed = syntax::parse(format, &text);
            let candidates = inc.state.as_ref().map(|s| s.candidates.as_ptr());
            let got = inc
                .analyze(&text, format, &parsed, &config, Some(&change))
                .clone();
            let want = analyze_parsed(&text, format, &parsed, &config);
            assert_eq!(got.findings, want.findings, "after {change:?} on\n{text}");
            assert_eq!(got.endpoints, want.endpoints, "after {change:?}");
            // The fast path keeps the candidate groups it had.
            if candidates == inc.state.as_ref().map(|s| s.candidates.as_ptr()) {
                fast += 1;
            }
        }
        fast
    }

    const ENV: &str = "APP_PORT=8080\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=app\n\nSMTP_SERVER=smtp.mailgun.org\nSMTP_PORT=587\nSMTP_LOGIN=me\nSMTP_PASSWORD=pw\nSMTP_ENABLE_STARTTLS=auto\n";

    #[test]
    fn value_edits_match_a_fresh_analysis() {
        let n = same_as_fresh(
            Format::Env,
            ENV,
            &[
                ("EMAIL_PORT=", 11, 3, "465"),
                ("EMAIL_PORT=", 11, 3, "4650"),
                ("EMAIL_PORT=", 11, 4, "587"),
                ("SMTP_PORT=", 10, 3, "465"),
                ("SMTP_PORT=", 10, 3, "5"),
                ("EMAIL_USE_SSL=", 14, 4, "False"),
                ("EMAIL_HOST=", 11, 4, "imap"),
                ("APP_PORT", 0, 3, "WEB"),
            ],
        );
        assert!(n >= 6, "only {n} edits took the fast path");
    }

    /// A value edit can complete a suppression comment's marker (the lookup reads the text, not
    /// only comments): the fast path, which looks for markers only near the edit, sees it too.
    #[test]
    fn a_value_edit_that_writes_a_suppression_marker() {
        let text = "EMAIL_HOST=smtp.example.com\nEMAIL_HOST_USER=\"mailport: ignor\"\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";
        let n = same_as_fresh(
            Format::Env,
            text,
            &[
                ("ignor", 5, 0, "e"),
                ("ignore", 5, 1, ""),
                ("ignor", 5, 0, "e"),
            ],
        );
        assert!(n >= 2, "only {n} edits took the fast path");
        let fresh = |t: &str| {
            analyze_parsed(
                t,
                Format::Env,
                &syntax::parse(Format::Env, t),
                &Config::default(),
            )
        };
        assert!(
            !fresh(text).findings.is_empty(),
            "the test needs a finding to suppress"
        );
        assert!(fresh(&text.replace("ignor", "ignore")).findings.is_empty());
    }

    /// A value edit that makes a group read an endpoint where it read none lets that group claim
    /// its settings before another: mutt's later `smtp_url` becomes readable, mutt's group claims
    /// both URLs from the generic one, and the earlier URL gets MP012.
    #[test]
    fn a_value_that_makes_a_group_readable_changes_the_claims() {
        let text = "set smtp_url = \"smtp://me@smtp.example.com:587/\"\nset ssl_starttls = yes\nset smtp_url = \"smtpx://me@smtp.example.com:465/\"\nset ssl_force_tls = yes\n";
        same_as_fresh(
            Format::Muttrc,
            text,
            &[
                ("smtpx", 4, 1, ""),
                ("smtp://me@smtp.example.com:465", 0, 4, "smtq"),
            ],
        );
    }

    /// Alertmanager receivers inherit `global`: their endpoints start with the same setting, and
    /// a value edit in one keeps the order a fresh analysis gives
    /// (fuzz/regressions/incremental_edits/alertmanager-receiver-host-edit).
    #[test]
    fn endpoints_that_inherit_the_same_defaults_keep_their_order() {
        let text = "global:\n  smtp_smarthost: 'smtp.example.com:587'\n  smtp_from: 'am@example.com'\n  smtp_auth_username: 'am'\n  smtp_auth_password: 'secret'\nroute:\n  receiver: ops\nreceivers:\n  - name: ops\n    email_configs:\n      - to: ops@example.com\n        smarthost: 'smtp.example.com:465'\n        require_tls: false\n      - to: oncall@example.com\n        smarthost: 'smtp.example.net:587'\n        require_tls: true\n";
        same_as_fresh(
            Format::Yaml,
            text,
            &[
                ("example.com:465", 8, 3, "org"),
                ("example.org:465", 12, 3, "25"),
            ],
        );
    }

    /// Edits inside a document held in a value (and the edit that turns it into a value no
    /// longer read as one) give what a fresh analysis gives.
    #[test]
    fn edits_in_an_embedded_document_match_a_fresh_analysis() {
        let text = "services:\n  gitlab:\n    environment:\n      GITLAB_OMNIBUS_CONFIG: |\n        gitlab_rails['smtp_address'] = 'smtp.example.com'\n        gitlab_rails['smtp_port'] = 587\n        gitlab_rails['smtp_tls'] = true\n";
        same_as_fresh(
            Format::Yaml,
            text,
            &[
                ("smtp_port'] = ", 14, 3, "465"),
                ("smtp_port'] = ", 14, 3, "25"),
                ("smtp_tls'] = ", 13, 4, "false"),
                ("CONFIG: ", 8, 1, ">"),
                ("CONFIG: ", 8, 1, "|"),
            ],
        );
    }

    #[test]
    fn yaml_value_edits_match_a_fresh_analysis() {
        let text = "services:\n  a:\n    smtp:\n      host: smtp.example.com\n      port: 587\n      secure: true\n  b:\n    smtp: {host: smtp.example.com, port: 465, secure: false}\n";
        let n = same_as_fresh(
            Format::Yaml,
            text,
            &[
                ("port: ", 6, 3, "993"),
                ("port: 465", 6, 3, "4655"),
                ("secure: ", 8, 4, "false"),
                ("port: ", 6, 3, "587"),
                ("b:", 0, 1, "c"),
            ],
        );
        assert!(n >= 4, "only {n} edits took the fast path");
    }

    #[test]
    fn a_value_edit_that_breaks_the_syntax_analyses_everything_again() {
        // TOML reads `user.na\0me = "me"` as `user.na = "\0me"` with an error: the NUL lands in
        // a value of the new parse, yet the key changed (fuzz/regressions/incremental_edits/
        // toml-nul-in-key). The MP000 must come from the new parse, and the edit must not take
        // the fast path.
        let text = "[smtp]\nhost = \"smtp.example.com\"\nport = 587\nuser.name = \"me\"\n";
        let fast = same_as_fresh(Format::Toml, text, &[("user.na", 7, 0, "\0")]);
        assert_eq!(fast, 0);
    }

    #[test]
    fn an_edit_that_was_not_inside_a_value_analyses_everything_again() {
        // `env('MAIL_USERNAME', 'me')` renamed to `465('MAIL_USERNAME', 'me')`: the new parse
        // reads the unknown call as one value holding the edit, the old one read the default
        // 'me' only (fuzz/regressions/incremental_edits/php-env-call-renamed).
        let text = "<?php\nreturn ['mailers' => ['smtp' => [\n  'host' => env('MAIL_HOST', 'smtp.example.com'),\n  'port' => env('MAIL_PORT', 587),\n  'username' => env('MAIL_USERNAME', 'me'),\n]]];\n";
        let fast = same_as_fresh(Format::Php, text, &[("env('MAIL_USERNAME'", 0, 3, "465")]);
        assert_eq!(fast, 0);
    }

    #[test]
    fn an_edit_that_changes_the_kind_of_a_value_analyses_everything_again() {
        // `secure: false` edited into `secure: fals`: a boolean became a name.
        let text = "nodemailer.createTransport({\n  host: \"smtp.example.com\",\n  port: 587,\n  secure: false,\n  auth: { user: process.env.U, pass: process.env.P },\n});\n";
        let fast = same_as_fresh(Format::JavaScript, text, &[("false", 4, 1, "")]);
        assert_eq!(fast, 0);
    }

    #[test]
    fn structural_edits_analyse_everything_again() {
        assert!(structural("a\nb") && structural(": ") && !structural("465"));
        let n = same_as_fresh(
            Format::Env,
            ENV,
            &[
                ("EMAIL_USE_SSL", 0, 5, "XMAIL"),
                ("XMAIL", 0, 0, "# "),
                ("APP", 0, 0, "EMAIL_USE_TLS=True\n"),
            ],
        );
        assert_eq!(n, 0);
    }
}
