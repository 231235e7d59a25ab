//! Fixes: turn "use port P with mode M" into exact edits on an endpoint's spans, in the document's
//! own syntax. A fix that changes the mode changes every key involved in one edit.

use super::endpoints::{self, located, normalise, Endpoint, Located, SecurityFrom};

use super::findings::{Edit, Finding, Fix};
use super::syntax::formats::{self, Literals};
use super::syntax::{Setting, ValueKind};
use crate::knowledge::profiles::{self, PlainScheme, Profile};
use crate::vocab::{Format, Security};

/// What a fix needs to know about the document.
pub struct Doc<'a> {
    pub format: Format,
    pub settings: &'a [Setting],
}

/// The edit that writes `new_text` in place of `written`. An inherited value (an msmtp
/// `defaults` or parent-account line) is not rewritten where it stands, which would change every
/// account that inherits it: the endpoint's block gets a line of its own that overrides it.
pub fn rewrite(doc: &Doc, written: &Located, new_text: &str) -> Option<Edit> {
    let setting = doc.settings.get(written.setting)?;
    let style = &setting.style;
    let new_text = as_data(style, new_text);
    if !style.inherited {
        return Some(Edit {
            span: written.span.clone(),
            new_text: new_text.to_string(),
        });
    }
    // Only a whole value can be written again on a line of its own.
    if written.span != setting.value_span {
        return None;
    }
    Some(Edit {
        span: style.insert_at..style.insert_at,
        new_text: format!(
            "{}{}{}{}{}{new_text}",
            style.lead,
            style.item_prefix,
            style.key_prefix,
            setting.key(),
            style.separator
        ),
    })
}

/// A value as written where values are data ([`EntryStyle::quoted_values`]): `'ssl` is `ssl`
/// inside a quoted Lisp list.
fn as_data<'a>(style: &super::syntax::EntryStyle, value: &'a str) -> &'a str {
    if style.quoted_values {
        value.strip_prefix('\'').unwrap_or(value)
    } else {
        value
    }
}

/// The edits that set the endpoint's port to `port`.
pub fn set_port(doc: &Doc, e: &Endpoint, port: u16) -> Option<Vec<Edit>> {
    if let Some(p) = &e.port {
        if p.value.trim() == port.to_string() {
            return Some(Vec::new());
        }
        return Some(vec![rewrite(doc, p, &port.to_string())?]);
    }
    if let Some(u) = &e.url {
        return Some(vec![Edit {
            span: u.port_insert_at..u.port_insert_at,
            new_text: format!(":{port}"),
        }]);
    }
    let profile = profiles::by_id(e.profile)?;
    let key = profile.keys.port.first()?;
    let Some(switch) = &profile.port_switch else {
        return insert_key(doc, e, profile, key, &port.to_string()).map(|edit| vec![edit]);
    };
    // The port key is read only with its switch on (Claws Mail `set_smtpport=1`): write both, the
    // port over the unread one where the document keeps it.
    let mut edits = Vec::new();
    for (key, value) in [(key, port.to_string()), (switch, "1".to_string())] {
        edits.push(match find_key(doc, e, profile.flat, key) {
            Some(si) if normalise(&doc.settings[si].value) == normalise(&value) => continue,
            Some(si) => {
                let written = located(doc.settings, si);
                rewrite(doc, &written, &styled_value(&value, &doc.settings[si]))?
            }
            None => insert_key(doc, e, profile, key, &value)?,
        });
    }
    Some(edits)
}

/// The edits that make the endpoint use `mode`, or `None` when the document has no way to say it.
pub fn set_mode(doc: &Doc, e: &Endpoint, mode: Security) -> Option<Vec<(Edit, String)>> {
    if e.security == mode {
        return Some(Vec::new());
    }
    let profile = profiles::by_id(e.profile)?;
    if let Some(u) = &e.url {
        // The scheme says the mode: smtp ↔ smtps (keeping `+plain`-style suffixes).
        let scheme = &u.scheme.value;
        let (base, rest) = scheme
            .split_once('+')
            .map(|(b, r)| (b, format!("+{r}")))
            .unwrap_or((scheme.as_str(), String::new()));
        let lower = base.to_ascii_lowercase();
        let implicit = matches!(
            lower.as_str(),
            "smtps" | "submissions" | "imaps" | "pops" | "pop3s"
        );
        let usual = match (mode, implicit) {
            (Security::ImplicitTls, false) => format!("{base}s"),
            (Security::StarttlsRequired | Security::StarttlsOpportunistic, true) => {
                base[..base.len() - 1].to_string()
            }
            _ => base.to_string(),
        };
        // The application's own scheme for the mode, where it has one (Authelia `submissions`).
        let new_base = profile.url_schemes.get(&mode).cloned().unwrap_or(usual);
        let reachable = match (mode, profile.plain_scheme) {
            (Security::ImplicitTls, _) => true,
            (Security::StarttlsRequired, Some(PlainScheme::Mode(plain))) => plain == mode,
            (
                Security::StarttlsOpportunistic,
                Some(PlainScheme::Port | PlainScheme::Mode(Security::StarttlsOpportunistic)),
            ) => true,
            _ => false,
        };
        let rest = rest.replace("+starttls", "").replace("+insecure", "");
        let new_scheme = format!("{new_base}{rest}");
        if !reachable || new_scheme == *scheme {
            return None;
        }
        let label = format!("{new_scheme}://");
        return Some(vec![(
            Edit {
                span: u.scheme.span.clone(),
                new_text: new_scheme,
            },
            label,
        )]);
    }
    if let Some(scheme) = &e.host_scheme {
        // The host's `ssl://` decides the mode: write the scheme that says `mode`, or drop it and
        // let the keys say it. Only where the value is written as it reads (no escapes): then the
        // span is the scheme's letters, and `://` follows them.
        let span = scheme.span.clone();
        if span.len() != scheme.value.len() {
            return None;
        }
        if let Some((new, _)) = profile.host_schemes.iter().find(|(_, &m)| m == mode) {
            let edit = Edit {
                span,
                new_text: new.clone(),
            };
            return Some(vec![(edit, format!("{new}://"))]);
        }
        let mut edits = write_mode(doc, e, profile, mode)?;
        let drop = Edit {
            span: span.start..span.end + 3,
            new_text: String::new(),
        };
        edits.insert(0, (drop, format!("no {}:// before the host", scheme.value)));
        return Some(edits);
    }
    let edits = write_mode(doc, e, profile, mode)?;
    (!edits.is_empty()).then_some(edits)
}

/// The edits of the profile's `write` keys for `mode` (empty when the keys say it already), or
/// `None` when the application has no keys for it.
fn write_mode(
    doc: &Doc,
    e: &Endpoint,
    profile: &Profile,
    mode: Security,
) -> Option<Vec<(Edit, String)>> {
    // No stand-in: an application that cannot require STARTTLS gets no STARTTLS fix (writing
    // "STARTTLS if offered" instead would trade one finding for MP005).
    let writes = profile.write.get(&mode)?;
    // A flag (`/ssl`, `--starttls`) is switched off only by deleting it: a fix that adds another
    // flag beside one that decides the mode now would leave both (c-client rejects `/ssl/tls`).
    if let SecurityFrom::Keys(used) = &e.security_from {
        let flag_stays = used.iter().any(|&si| {
            let s = &doc.settings[si];
            s.is_flag()
                && !writes
                    .iter()
                    .any(|w| w.key.eq_ignore_ascii_case(&e.key_label(s)))
        });
        if flag_stays && writes.iter().any(|w| w.value.is_empty()) {
            return None;
        }
    }
    let mut edits = Vec::new();
    for w in writes {
        match find_key(doc, e, profile.flat, &w.key) {
            Some(si) => {
                let s = &doc.settings[si];
                // A flag (`ssl` in a fetchmailrc) has no value to rewrite.
                let flag = w.value.is_empty() && s.value_span.is_empty();
                if normalise(&s.value) != normalise(&w.value) && !flag {
                    let v = styled_value(&w.value, s);
                    let written = located(doc.settings, si);
                    edits.push((
                        rewrite(doc, &written, &over_unquoted(doc.format, s, &v))?,
                        format!("{}={v}", e.key_label(s)),
                    ));
                }
            }
            None if w
                .unless_present
                .iter()
                .any(|k| find_key(doc, e, profile.flat, k).is_some()) => {}
            None if w.insert || overrides_shared(doc, e, profile, &w.key, &w.value) => {
                let edit = insert_key(doc, e, profile, &w.key, &w.value)?;
                let label = if w.value.is_empty() {
                    w.key.clone()
                } else {
                    format!("{}={}", w.key, w.value)
                };
                edits.push((edit, label));
            }
            None => {}
        }
    }
    Some(edits)
}

/// Whether the endpoint takes `key` from a block it shares with other connections with another
/// value than `value`: then the endpoint's own block gets `key` to override it. The defaults
/// block may spell its keys with a prefix (Alertmanager's `smtp_require_tls` in `global`,
/// `require_tls` in a receiver): the override is written in the endpoint's spelling only.
fn overrides_shared(doc: &Doc, e: &Endpoint, profile: &Profile, key: &str, value: &str) -> bool {
    if e.shared.is_empty() {
        return false;
    }
    let prefix = profile.inherit.as_ref().map_or("", |i| i.prefix.as_str());
    if !prefix.is_empty() && key.starts_with(prefix) {
        return false;
    }
    let spelled = [key.to_string(), format!("{prefix}{key}")];
    spelled.iter().any(|k| {
        find_key_among(doc, e.shared.iter().copied(), profile.flat, k)
            .is_some_and(|si| normalise(&doc.settings[si].value) != normalise(value))
    })
}

/// The endpoint's setting whose key (relative to the endpoint) is `key`.
pub(crate) fn find_key(doc: &Doc, e: &Endpoint, flat: bool, key: &str) -> Option<usize> {
    // A setting shared with other connections is not this endpoint's to edit: a new entry in its
    // own block overrides it.
    let own = e
        .settings
        .iter()
        .copied()
        .filter(|si| !e.shared.contains(si));
    find_key_among(doc, own, flat, key)
}

/// The first of `settings` whose key is `key`.
fn find_key_among(
    doc: &Doc,
    mut settings: impl Iterator<Item = usize>,
    flat: bool,
    key: &str,
) -> Option<usize> {
    let segs: Vec<&str> = key.split('.').collect();
    settings.find(|&si| {
        let path = &doc.settings[si].path;
        if let Some(last) = path.last() {
            // Flat variables: `EMAIL_USE_SSL`, `GITEA__mailer__PROTOCOL`, `SVC_SMTP_SECURE`.
            if flat
                && segs.len() == 1
                && last.len() > key.len()
                && last
                    .to_ascii_lowercase()
                    .ends_with(&key.to_ascii_lowercase())
            {
                // `_` in variables, `-` in himalaya's `smtp-starttls`.
                let cut = last.len() - key.len();
                if last[..cut].ends_with(['_', '-']) {
                    return true;
                }
            }
        }
        path.len() >= segs.len()
            && path[path.len() - segs.len()..]
                .iter()
                .zip(&segs)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    })
}

/// Writes `value` the way `like` writes its value: `True`/`true`/`yes`/`on`/`1` keep their style.
/// `value` written where `s` holds no string literal: in a format with typed values a word there
/// is a constant, not text (`'encryption' => null` becomes `"ssl"`, not PHP's constant `ssl`;
/// `SMTPSecure = PHPMailer::ENCRYPTION_STARTTLS` likewise). Booleans and numbers stay literals.
fn over_unquoted(format: Format, s: &Setting, value: &str) -> String {
    let is_bool = is_bool(&normalise(value));
    let literals = formats::spec(format).literals;
    if is_bool && literals == Literals::TypedCapitalBooleans && s.kind != ValueKind::Quoted {
        // Over an expression (`os.environ.get(…) is not None`) there is no style to copy.
        return literal(format, value, false, false, s);
    }
    if s.kind == ValueKind::Quoted || is_bool || is_number(value) || !literals.typed() {
        return value.to_string();
    }
    literal(format, value, false, false, s)
}

fn styled_value(value: &str, like: &Setting) -> String {
    let norm = normalise(value);
    if norm != "true" && norm != "false" {
        return value.to_string();
    }
    let t = norm == "true";
    let old = like.value.trim();
    let pick = |a: &str, b: &str| if t { a.to_string() } else { b.to_string() };
    match old {
        "True" | "False" => pick("True", "False"),
        "TRUE" | "FALSE" => pick("TRUE", "FALSE"),
        "yes" | "no" => pick("yes", "no"),
        "Yes" | "No" => pick("Yes", "No"),
        "on" | "off" => pick("on", "off"),
        "1" | "0" => pick("1", "0"),
        // Nothing to copy: the profile's own spelling (msmtp knows `on`/`off`, not `true`).
        _ => value.to_string(),
    }
}

/// Inserts `key = value` next to the endpoint's anchor, in the anchor's style.
fn insert_key(doc: &Doc, e: &Endpoint, profile: &Profile, key: &str, value: &str) -> Option<Edit> {
    let anchor = doc.settings.get(e.anchor)?;
    let style = &anchor.style;
    let entry = new_entry(doc, e, profile, key, value, false)?;
    Some(Edit {
        span: style.insert_at..style.insert_at,
        new_text: format!("{}{}{entry}", style.lead, style.item_prefix),
    })
}

/// A new entry `key` = `value` of the endpoint, written as its anchor entry is, without the line
/// break and indentation (or list marker) before it: `EMAIL_USE_SSL=True`, `secure: true`. An
/// empty value writes a flag (the key alone), or the key and its separator with `with_separator`.
pub(crate) fn new_entry(
    doc: &Doc,
    e: &Endpoint,
    profile: &Profile,
    key: &str,
    value: &str,
    with_separator: bool,
) -> Option<String> {
    let anchor = doc.settings.get(e.anchor)?;
    let style = &anchor.style;
    let key_text = if profile.flat {
        // Keep the variable prefix of the anchor (`GITEA__mailer__`, `SVC_0007_SMTP_`).
        let last = anchor.key();
        // Any key of the profile may be the anchor (`GF_SMTP_SKIP_VERIFY`, a verify key).
        let last_lc = last.to_ascii_lowercase();
        let prefix = endpoints::profile_keys(profile)
            .filter(|k| last_lc.ends_with(k))
            .map(|k| &last[..last.len() - k.len()])
            .min_by_key(|p| p.len())
            .unwrap_or("");
        // `define( '` / `app.config['` before the name in program source.
        format!("{}{prefix}{key}", style.key_prefix)
    } else {
        format!("{}{}", style.key_prefix, key)
    };
    let key_text = match style.key_quote {
        Some(q) => format!("{q}{key_text}{q}"),
        None => key_text,
    };
    let quoted_like = e.settings.iter().any(|&si| {
        let s = &doc.settings[si];
        s.kind == ValueKind::Quoted && is_bool(&normalise(&s.value))
    });
    // Booleans are written like the endpoint's other booleans (`True` in a Django .env).
    let like = e
        .settings
        .iter()
        .map(|&si| &doc.settings[si])
        .find(|s| is_bool(&normalise(&s.value)) && s.value.trim().len() > 1)
        .unwrap_or(anchor);
    // Environment names in YAML/JSON/TOML hold strings; in program source (`EMAIL_USE_SSL = True`)
    // they are variables with typed values.
    let source_code = formats::spec(doc.format).program;
    // A flat profile whose endpoint writes a boolean as one (`smtp-ssl = true`) reads typed
    // values.
    let typed_like = e
        .settings
        .iter()
        .any(|&si| doc.settings[si].kind == ValueKind::Bool);
    let literals = formats::spec(doc.format).literals;
    let value_text = literal(
        doc.format,
        value,
        style.env_in_string
            || literals == Literals::TypedNewStrings
            || (profile.flat && literals.typed() && !source_code && !typed_like),
        quoted_like,
        like,
    );
    if style.env_in_string {
        return Some(format!(
            "{key_text}={}",
            literal(Format::Env, value, true, false, like)
        ));
    }
    // `suffix` closes the entry where the format needs it (`;`, `);`, `</{key}>`). An empty
    // value writes a flag: the key alone.
    let separator = if value.is_empty() && !with_separator {
        ""
    } else {
        &*style.separator
    };
    let value_text = if value.is_empty() && with_separator {
        String::new()
    } else {
        as_data(style, &value_text).to_string()
    };
    Some(format!(
        "{key_text}{separator}{value_text}{}",
        style.suffix.replace("{key}", key)
    ))
}

/// A normalised boolean (see [`normalise`]).
fn is_bool(norm: &str) -> bool {
    matches!(norm, "true" | "false")
}

/// Digits only: a number in every format.
fn is_number(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// A new value in the format's syntax.
fn literal(
    format: Format,
    value: &str,
    as_text: bool,
    quote_bools: bool,
    like: &Setting,
) -> String {
    let norm = normalise(value);
    let is_bool = is_bool(&norm);
    let is_number = is_number(value);
    let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
    let literals = formats::spec(format).literals;
    if !literals.typed() {
        return if is_bool {
            styled_value(value, like)
        } else {
            value.to_string()
        };
    }
    if as_text || (quote_bools && is_bool) {
        return quote(&if is_bool {
            styled_value(value, like)
        } else {
            value.to_string()
        });
    }
    if is_bool && literals == Literals::TypedCapitalBooleans {
        return if norm == "true" { "True" } else { "False" }.to_string();
    }
    if is_bool || is_number {
        return norm_or(value, is_bool, &norm);
    }
    match literals {
        Literals::TypedBareWords
            if value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_')) =>
        {
            value.to_string()
        }
        _ => quote(value),
    }
}

fn norm_or(value: &str, is_bool: bool, norm: &str) -> String {
    if is_bool {
        norm.to_string()
    } else {
        value.to_string()
    }
}

/// The port the application uses without a port key once the endpoint is in `mode`.
fn default_port_in(e: &Endpoint, mode: Option<Security>) -> Option<u16> {
    let profile = profiles::by_id(e.profile)?;
    match mode.unwrap_or(e.security) {
        Security::ImplicitTls => profile.implicit_default_port.or(profile.default_port),
        _ => profile.default_port,
    }
}

/// One fix: port and mode together, titled by what it changes; `None` when neither can be written
/// or nothing changes, and when the fix would leave the endpoint in a mode a rule reports:
/// a fix never switches to "STARTTLS if offered" or to no TLS (only keeping the current mode
/// while changing the port is allowed, and then the title does not praise that mode).
pub fn switch(doc: &Doc, e: &Endpoint, port: Option<u16>, mode: Option<Security>) -> Option<Fix> {
    let port = port
        .filter(|p| e.port_number() != Some(u32::from(*p)) || e.port.is_none() && e.url.is_none());
    let mut edits = Vec::new();
    if let Some(p) = port {
        match set_port(doc, e, p) {
            Some(more) => edits.extend(more),
            // No port key to write (`host` alone in an Alpine `{host/ssl}`), but the application's
            // default port in the new mode is the one wanted.
            None if e.port.is_none() && default_port_in(e, mode) == Some(p) => {}
            None => return None,
        }
    }
    let mut labels = Vec::new();
    let mut result = e.security;
    if let Some(m) = mode.filter(|m| *m != e.security) {
        if weak(m) {
            return None;
        }
        result = m;
        match set_mode(doc, e, m) {
            Some(more) => {
                for (edit, label) in more {
                    edits.push(edit);
                    labels.push(label);
                }
            }
            // Where the mode is not known the port change is the whole fix.
            None if port.is_some() && e.security == Security::Unknown => {}
            // The port alone fixes it where the application derives the mode from the port.
            None if port.is_some() => match port_alone_gives(e, port, m) {
                Some(derived) if !weak(derived) => result = derived,
                _ => return None,
            },
            None => return None,
        }
    }
    let words = mode_words(mode.unwrap_or(e.security));
    let title = match (port, labels.is_empty()) {
        (Some(p), false) => format!("Use port {p} with {words} ({})", labels.join(", ")),
        // Keeping a weak mode: say only what changes.
        (Some(p), true) if weak(result) => format!("Use port {p}"),
        (Some(p), true) => format!("Use port {p} ({words})"),
        (None, false) if result == Security::StarttlsRequired => {
            format!("Require STARTTLS ({})", labels.join(", "))
        }
        (None, false) => format!("Use {words} ({})", labels.join(", ")),
        (None, true) => return None,
    };
    // Edits that meet (insertions at one point, a key inserted right after the value it follows)
    // are joined into one, so that fix-all never sees a fix touch itself; overlapping edits make
    // the fix unusable.
    edits.sort_by_key(|x| (x.span.start, x.span.end));
    let mut merged: Vec<Edit> = Vec::new();
    for ed in edits {
        match merged.last_mut() {
            Some(last) if last.span.end == ed.span.start => {
                last.span.end = ed.span.end;
                last.new_text.push_str(&ed.new_text);
            }
            Some(last) if last.span.end > ed.span.start => return None,
            _ => merged.push(ed),
        }
    }
    Some(Fix {
        title,
        preferred: false,
        edits: merged,
    })
}

/// A mode the security rules report (MP004, MP005): a fix never switches to one.
fn weak(mode: Security) -> bool {
    matches!(mode, Security::StarttlsOpportunistic | Security::None)
}

/// The mode the application ends up with when only the port changes, where it derives the mode
/// from the port: `mode` on an implicit-TLS port, the profile's `port_decides` mode when leaving
/// one. `None` where the port alone does not decide.
fn port_alone_gives(e: &Endpoint, port: Option<u16>, mode: Security) -> Option<Security> {
    let profile = profiles::by_id(e.profile)?;
    let implicit_port = port.is_some_and(|p| profile.implicit_ports.contains(&p));
    if mode == Security::ImplicitTls
        && implicit_port
        && (profile.port_overrides
            || !matches!(
                e.security_from,
                SecurityFrom::Keys(_) | SecurityFrom::Scheme
            ))
    {
        return Some(Security::ImplicitTls);
    }
    // Leaving an implicit port for a plaintext one where the port decided the mode.
    if e.security_from == SecurityFrom::Port && !implicit_port && mode != Security::ImplicitTls {
        return profile.port_decides;
    }
    None
}

/// How a mode reads in a message or a fix title.
pub fn mode_words(s: Security) -> &'static str {
    match s {
        Security::ImplicitTls => "implicit TLS",
        Security::StarttlsRequired => "STARTTLS",
        Security::StarttlsOpportunistic => "opportunistic STARTTLS",
        Security::None => "no TLS",
        Security::Unknown => "an unknown mode",
    }
}

/// Passes of fix-all over one document: a fix held back because it touched another gets its turn
/// in the next pass, after a fresh analysis.
pub const FIX_ALL_PASSES: usize = 4;

/// What fix-all did to a document.
#[derive(Debug)]
pub struct FixedAll {
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
    /// Edits on the original text that give `text` (the first pass's own edits when one pass did
    /// everything, else one edit over the changed middle).
    pub edits: Vec<Edit>,
}

/// Fix-all, the one behind `check --fix` and the editor's `source.fixAll.mailport`: apply the
/// preferred fix of every finding that does not touch another (see [`preferred_edits`]),
/// analyse again, and repeat until nothing is left or `FIX_ALL_PASSES`. `analyze` is the
/// caller's analysis of a text (same format and configuration), so every pass sees the findings
/// of the text as it is now.
pub fn fix_all(text: &str, analyze: &dyn Fn(&str) -> Vec<Finding>) -> FixedAll {
    let mut current = text.to_string();
    let mut applied = 0;
    let mut first_pass: Option<Vec<Edit>> = None;
    let mut passes = 0;
    for _ in 0..FIX_ALL_PASSES {
        let findings = analyze(&current);
        let (edits, count) = preferred_edits(&findings, current.len());
        if count == 0 {
            break;
        }
        let combined = Fix {
            title: String::new(),
            preferred: true,
            edits,
        };
        match combined.apply(&current) {
            Some(next) if next != current => {
                current = next;
                applied += count;
                passes += 1;
                first_pass.get_or_insert(combined.edits);
            }
            // Nothing changed (a fix that rewrites a value to itself) or the edits did not fit:
            // another pass would do the same.
            _ => break,
        }
    }
    let edits = match first_pass {
        Some(edits) if passes == 1 => edits,
        Some(_) => changed_middle(text, &current).into_iter().collect(),
        None => Vec::new(),
    };
    FixedAll {
        text: current,
        applied,
        edits,
    }
}

/// The preferred fixes' edits, in the order of the findings, leaving out every fix that touches
/// an edit already taken (touching counts: two insertions at one place would otherwise land in
/// an order nobody chose), whose own edits touch each other, or that does not fit the text.
/// Returns the edits and how many fixes they make.
pub fn preferred_edits(findings: &[Finding], text_len: usize) -> (Vec<Edit>, usize) {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| (f.span.start, f.span.end, f.code));
    let mut taken: Vec<Edit> = Vec::new();
    let mut count = 0;
    for finding in ordered {
        let Some(fix) = finding.fixes.iter().find(|f| f.preferred) else {
            continue;
        };
        if fix.edits.is_empty() {
            continue;
        }
        let fits = fix.edits.iter().all(|e| {
            e.span.start <= e.span.end
                && e.span.end <= text_len
                && !taken.iter().any(|t| touches(&t.span, &e.span))
        }) && !fix.edits.iter().enumerate().any(|(i, a)| {
            fix.edits
                .iter()
                .skip(i + 1)
                .any(|b| touches(&a.span, &b.span))
        });
        if fits {
            taken.extend(fix.edits.iter().cloned());
            count += 1;
        }
    }
    (taken, count)
}

fn touches(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// One edit that turns `before` into `after`: the part between their common prefix and suffix.
fn changed_middle(before: &str, after: &str) -> Option<Edit> {
    if before == after {
        return None;
    }
    let mut prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(prefix) || !after.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = before.len().min(after.len()) - prefix;
    let mut suffix = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(before.len() - suffix)
        || !after.is_char_boundary(after.len() - suffix)
    {
        suffix -= 1;
    }
    Some(Edit {
        span: prefix..before.len() - suffix,
        new_text: after[prefix..after.len() - suffix].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{RuleCode, Severity};

    fn finding(
        span: std::ops::Range<usize>,
        edits: Vec<(std::ops::Range<usize>, &str)>,
    ) -> Finding {
        Finding {
            code: RuleCode::Mp003,
            severity: Severity::Error,
            message: String::new(),
            span,
            endpoint: None,
            fixes: vec![Fix {
                title: "fix".into(),
                preferred: true,
                edits: edits
                    .into_iter()
                    .map(|(span, t)| Edit {
                        span,
                        new_text: t.into(),
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass() {
        let findings = vec![
            finding(0..3, vec![(0..3, "465")]),
            finding(2..5, vec![(2..5, "x")]),
            finding(10..12, vec![(10..12, "ok")]),
        ];
        let (edits, count) = preferred_edits(&findings, 20);
        assert_eq!(count, 2);
        assert_eq!(edits.len(), 2);
        assert_eq!(edits[1].span, 10..12);
    }

    #[test]
    fn fixes_with_edits_out_of_range_are_skipped() {
        let findings = vec![finding(0..3, vec![(0..3, "a"), (30..31, "b")])];
        let (_, count) = preferred_edits(&findings, 20);
        assert_eq!(count, 0);
    }

    #[test]
    fn a_fix_held_back_gets_its_turn_and_the_edits_still_give_the_text() {
        // Two findings whose fixes touch: the second waits for the second pass.
        let analyze = |t: &str| {
            let mut out = Vec::new();
            if t.starts_with("aaa") {
                out.push(finding(0..3, vec![(0..3, "AAA")]));
            }
            if t.get(3..6) == Some("bbb") {
                out.push(finding(3..6, vec![(3..6, "BBB")]));
            }
            out
        };
        let fixed = fix_all("aaabbb-é", &analyze);
        assert_eq!(fixed.text, "AAABBB-é");
        assert_eq!(fixed.applied, 2);
        let as_fix = Fix {
            title: String::new(),
            preferred: true,
            edits: fixed.edits,
        };
        assert_eq!(as_fix.apply("aaabbb-é").as_deref(), Some("AAABBB-é"));
    }

    /// A fix that changes the last value of a file and inserts a key right after it is one edit,
    /// so that fix-all (which skips a fix whose edits touch) applies it.
    #[test]
    fn a_key_inserted_after_the_value_it_changes_is_one_edit() {
        let text =
            "EMAIL_HOST=smtp.example.com\nEMAIL_HOST_USER=a\nEMAIL_HOST_PASSWORD=b\nEMAIL_PORT=25";
        let analyze = |t: &str| {
            crate::analysis::analyze_file(".env", t, &crate::config::Config::default())
                .map(|a| a.findings)
                .unwrap_or_default()
        };
        let fixed = fix_all(text, &analyze);
        assert_eq!(fixed.applied, 1);
        assert!(
            fixed.text.ends_with("EMAIL_PORT=465\nEMAIL_USE_SSL=true"),
            "{}",
            fixed.text
        );
        assert!(analyze(&fixed.text).is_empty(), "{}", fixed.text);
    }

    #[test]
    fn the_changed_middle_keeps_characters_whole() {
        let edit = changed_middle("xéy", "xèy").unwrap();
        assert_eq!(edit.span, 1..3);
        assert_eq!(edit.new_text, "è");
        assert!(changed_middle("same", "same").is_none());
    }
}
