//! Values that live in another file: a docker-compose file whose settings say `${SMTP_PORT}` and
//! whose `.env` says `SMTP_PORT=587`, or whose service lists `env_file:` entries; and settings in
//! program source that read the environment (`env('MAIL_PORT', 587)` in a Laravel config,
//! `env.int("EMAIL_PORT", default=587)` in Django settings) from the project's `.env`: a variable
//! set there replaces the default, one that is not leaves it; and a Spring profile file
//! (`application-prod.yml`) read over its `application.yml` / `.properties`.
//!
//! Compose's own rules (docs.docker.com, "Interpolation" and "Environment variables precedence"):
//!
//! - Every value of the compose file is interpolated from the shell and from the `.env` beside it.
//!   mailport reads the `.env` only, never the shell environment, so that a result does not depend
//!   on the machine that computed it: a variable the `.env` does not set counts as unset.
//! - `${VAR}` / `$VAR`: VAR's value. `${VAR:-default}`: the default when VAR is unset or empty;
//!   `${VAR-default}`: only when unset. `${VAR:?err}` / `${VAR?err}`: VAR's value when set
//!   (non-empty for `:?`). `$$` is a literal `$`. A value that only partly is a reference
//!   (`smtp.${DOMAIN}`), the `+` forms and nested references stay unresolved (unknown, never
//!   wrong).
//! - A service's environment is its `env_file:` files (in order, a later file overriding an
//!   earlier one) overlaid by its `environment:` entries, which win.
//!
//! Analysis stays pure: the caller reads the files [`wanted`] names (relative to the document's
//! folder) and passes their text in. The document and its neighbours are analysed as one text,
//! the document first and each neighbour after a line break, with each value read from a
//! neighbour keeping its span there; the findings are then handed back to the file they fall in.
//! So a finding on `${SMTP_PORT}` lands on the `.env` line `SMTP_PORT=587`, and its fixes edit
//! that line, never the reference.

use std::collections::HashMap;

use super::findings::Finding;
use super::syntax::shell_ref::{self, is_name_byte, is_name_start, Op};
use super::syntax::{self, Parsed, Setting, ValueKind};
use super::Analysis;
use crate::config::Config;
use crate::vocab::{Format, Span};

/// The file compose reads variables from, beside the compose file.
pub const DOT_ENV: &str = ".env";

/// At most this many `env_file:` entries are read per compose document.
const MAX_ENV_FILES: usize = 32;
/// At most this many settings are carried over from `env_file`s into a compose document (every
/// service may list the same big file).
const MAX_ADDED_SETTINGS: usize = 10_000;
/// Related places listed per finding at most.
const MAX_RELATED: usize = 8;
/// Documents larger than this are analysed alone (a compose file or a settings module is small;
/// the editor and `mailport check` draw the line at the same place).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// A file the document reads values from, as the caller found it.
#[derive(Clone, Copy, Debug)]
pub struct Neighbour<'a> {
    /// The path as [`wanted`] gave it (relative to the document's folder, `/`-separated).
    pub path: &'a str,
    /// Its text; `None` when it is missing or could not be read.
    pub text: Option<&'a str>,
}

/// A place in the document (`file: None`) or in neighbour `file`, with what it has to do with
/// the finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub file: Option<usize>,
    pub span: Span,
    pub message: String,
}

/// A finding that belongs in neighbour `file` (its spans and fixes are that file's bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub file: usize,
    pub finding: Finding,
    pub related: Vec<Related>,
}

/// A `${VAR}` of the document whose value comes from a neighbour: go to definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The reference as written in the document.
    pub span: Span,
    pub name: String,
    pub file: usize,
    /// The neighbour's entry (`SMTP_PORT=587`).
    pub target: Span,
}

/// The analysis of a document together with the files it reads values from.
#[derive(Clone, Debug, Default)]
pub struct CrossAnalysis {
    /// Findings in the document itself, and for each, the places in other files it depends on.
    pub findings: Vec<Finding>,
    pub related: Vec<Vec<Related>>,
    /// Findings that belong in a neighbour.
    pub placed: Vec<Placed>,
    pub references: Vec<Reference>,
}

/// Is this a compose document (a top-level `services:` mapping with services under it)?
fn is_compose(format: Format, parsed: &Parsed) -> bool {
    format == Format::Yaml
        && parsed
            .settings
            .iter()
            .any(|s| s.path.len() >= 3 && &*s.path[0] == "services")
}

/// Program source whose settings read the environment (`env('MAIL_PORT', 587)` in a Laravel
/// config, `env.int("EMAIL_PORT", default=587)` in Django settings): the project's `.env` fills
/// them in. Laravel reads the `.env` at the project's root (config/ is one level down); Django
/// projects read it beside `manage.py`, one or two levels above the settings.
fn is_source(format: Format) -> bool {
    matches!(format, Format::Php | Format::Python)
}

/// Where program source finds the project's `.env`, nearest first (the first that exists is read).
const SOURCE_ENV_FILES: &[&str] = &[".env", "../.env", "../../.env"];

/// A cheap look at the text before it is parsed: could it read values from another file?
pub fn may_read_neighbours(name: &str, text: &str, format: Format) -> bool {
    if text.len() > MAX_DOCUMENT_BYTES {
        return false;
    }
    if spring_profile(name).is_some() {
        return matches!(format, Format::Yaml | Format::Properties);
    }
    match format {
        Format::Yaml => {
            text.contains("services") && (text.contains('$') || text.contains("env_file"))
        }
        Format::Php | Format::Python => ["env", "environ", "config("]
            .iter()
            .any(|word| text.contains(word)),
        _ => false,
    }
}

/// The environment variable a setting of program source reads, and where the lookup is written:
/// a whole lookup (`env('MAIL_USERNAME')`, `os.environ["X"]`, read as `${X}`), or the literal
/// default of one (`587` in `env('MAIL_PORT', 587)`, `env.int("EMAIL_PORT", default=587)`). A
/// lookup inside a larger expression (`os.environ.get("X") == "True"`) is not one.
fn source_lookup<'a>(text: &'a str, s: &'a Setting) -> Option<(&'a str, Span)> {
    let written = text.get(s.value_span.clone())?;
    if let Some(name) = s.value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
        let plain = name.bytes().next().is_some_and(is_name_start)
            && name.bytes().all(is_name_byte)
            && (written.ends_with(')') || written.ends_with(']'))
            && !["==", "!=", " or ", "||", "?", " if "]
                .iter()
                .any(|op| written.contains(op));
        return plain.then(|| (name, s.value_span.clone()));
    }
    // A default: the call's first argument, a quoted name, right before it on the same line.
    let line_start = text
        .get(..s.value_span.start)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut before = text.get(line_start..s.value_span.start)?;
    if s.kind == ValueKind::Quoted {
        before = before.strip_suffix(['\'', '"'])?;
    }
    let mut before = before.trim_end();
    if let Some(rest) = before.strip_suffix("default=") {
        before = rest.trim_end();
    }
    let before = before.strip_suffix(',')?.trim_end();
    let quote = before.chars().last().filter(|c| matches!(c, '\'' | '"'))?;
    let inner = &before[..before.len() - 1];
    let open = inner.rfind(quote)?;
    let name = &inner[open + 1..];
    let valid = name.bytes().next().is_some_and(is_name_start) && name.bytes().all(is_name_byte);
    let callee = inner[..open].trim_end().strip_suffix('(')?.trim_end();
    let lookup = [
        "env",
        "getenv",
        "environ.get",
        "env.int",
        "env.bool",
        "env.str",
        "config",
    ]
    .iter()
    .any(|c| callee.ends_with(c));
    // The lookup from its name to the end of the default (its closing quote included).
    let end = s.value_span.end + usize::from(s.kind == ValueKind::Quoted);
    (valid && lookup).then(|| (name, line_start + open + 1..end.min(text.len())))
}

/// The files a document (file name `name`) reads values from, relative to its folder: for a
/// compose file `.env` first, then the `env_file:` entries of every service, each once; for
/// program source the project's `.env` candidates; for a Spring profile file its bases. Empty for
/// any other document. Absolute paths and paths with a variable in them are left out (a
/// repository's file must not make mailport read elsewhere on the machine).
pub fn wanted(name: &str, text: &str, format: Format) -> Vec<String> {
    Document::read(name, text, format).map_or_else(Vec::new, |c| c.wanted())
}

/// A Spring Boot profile file (`application-prod.yml`, `application-dev.properties`): it is read
/// over the `application.yml` / `.properties` beside it (docs.spring.io, "Profile Specific
/// Files"). Its profile name.
fn spring_profile(name: &str) -> Option<&str> {
    let stem = ["yml", "yaml", "properties"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext)?.strip_suffix('.'))?;
    stem.strip_prefix("application-").filter(|p| !p.is_empty())
}

/// The files a Spring profile file is read over, in the order Spring reads them (a later one
/// wins: `.properties` over `.yml` in one folder).
const SPRING_BASES: &[&str] = &[
    "application.yml",
    "application.yaml",
    "application.properties",
];

/// What kind of document reads values from other files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Compose,
    Source,
    SpringProfile,
}

/// A document that reads values from other files (a compose file, or settings in program source
/// that read the environment), read once for [`Document::wanted`] and [`Document::analyze`].
pub struct Document<'t> {
    text: &'t str,
    format: Format,
    parsed: Parsed,
    kind: Kind,
}

impl<'t> Document<'t> {
    /// `None` when the document (file name `name`, its last path component) cannot read values
    /// from other files.
    pub fn read(name: &str, text: &'t str, format: Format) -> Option<Document<'t>> {
        if !may_read_neighbours(name, text, format) {
            return None;
        }
        let parsed = syntax::parse(format, text);
        let kind = if spring_profile(name).is_some() {
            Kind::SpringProfile
        } else if is_source(format) {
            Kind::Source
        } else if is_compose(format, &parsed) {
            Kind::Compose
        } else {
            return None;
        };
        Some(Document {
            text,
            format,
            parsed,
            kind,
        })
    }

    /// See [`wanted`].
    pub fn wanted(&self) -> Vec<String> {
        match self.kind {
            Kind::Source => return SOURCE_ENV_FILES.iter().map(|p| p.to_string()).collect(),
            Kind::SpringProfile => return SPRING_BASES.iter().map(|p| p.to_string()).collect(),
            Kind::Compose => {}
        }
        let mut out = vec![DOT_ENV.to_string()];
        for (_, path) in env_file_entries(&self.parsed) {
            if !out.contains(&path) {
                out.push(path);
            }
        }
        out
    }

    /// See [`analyze`].
    pub fn analyze(&self, config: &Config, neighbours: &[Neighbour]) -> Option<CrossAnalysis> {
        analyze_read(
            self.text,
            self.format,
            self.kind,
            &self.parsed,
            config,
            neighbours,
        )
    }
}

/// `path` written relative to the document's folder, `/`-separated, without `.` segments;
/// `None` for an absolute path, a home path or one holding a variable.
fn relative_path(written: &str) -> Option<String> {
    let p = written.trim().replace('\\', "/");
    if p.is_empty()
        || p.starts_with('/')
        || p.starts_with('~')
        || p.contains('$')
        || p.contains(':')
    {
        return None;
    }
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `(service, path)` of every `env_file:` entry, in document order: `env_file: a.env`,
/// `env_file: [a.env, b.env]` and the long form `- path: a.env` (with `required:`).
fn env_file_entries(parsed: &Parsed) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &parsed.settings {
        let p = &s.path;
        if p.len() < 3 || &*p[0] != "services" || &*p[2] != "env_file" {
            continue;
        }
        let is_entry = match p.len() {
            3 => true,
            4 => p[3].bytes().all(|b| b.is_ascii_digit()),
            5 => p[3].bytes().all(|b| b.is_ascii_digit()) && &*p[4] == "path",
            _ => false,
        };
        if !is_entry {
            continue;
        }
        if let Some(path) = relative_path(&s.value) {
            if out.len() < MAX_ENV_FILES {
                out.push((p[1].to_string(), path));
            }
        }
    }
    out
}

/// What a value says about interpolation.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Interpolated<'v> {
    /// Nothing to do: no `$` at all.
    Plain,
    /// `$$` only: the value with each `$$` read as `$`.
    Escaped(String),
    /// The whole value is one reference; `default` is the default's byte range in the value.
    Whole {
        name: &'v str,
        op: Op,
        default: Option<Span>,
    },
    /// A partial reference, a nested one or a form mailport does not resolve.
    Unresolved,
}

/// Reads a value as compose interpolates it.
fn interpolation(value: &str) -> Interpolated<'_> {
    if !value.contains('$') {
        return Interpolated::Plain;
    }
    let bytes = value.as_bytes();
    if value.starts_with("${") {
        return match shell_ref::reference_at(bytes, 0) {
            Some(r) if r.span.end == value.len() => Interpolated::Whole {
                name: &value[r.name.clone()],
                op: r.op,
                default: r.default(),
            },
            _ => Interpolated::Unresolved,
        };
    }
    if bytes.len() > 1 && bytes[0] == b'$' && is_name_start(bytes[1]) {
        if bytes[1..].iter().all(|&b| is_name_byte(b)) {
            return Interpolated::Whole {
                name: &value[1..],
                op: Op::Value,
                default: None,
            };
        }
        return Interpolated::Unresolved;
    }
    // `$$` is a literal `$`; any other `$` starts a reference somewhere inside the value.
    let unescaped = value.replace("$$", "");
    if unescaped.contains('$') {
        Interpolated::Unresolved
    } else {
        Interpolated::Escaped(value.replace("$$", "$"))
    }
}

/// One file of the combined text: where it starts and how long it is.
struct Region {
    base: usize,
    len: usize,
}

/// Where a value read into the document came from.
#[derive(Clone, Debug)]
struct Origin {
    /// Region index (0: the document).
    region: usize,
    /// The entry in that file (`SMTP_PORT=587`), in combined offsets.
    entry: Span,
    /// What the document wrote instead (the reference, or the `env_file:` entry); `None` for a
    /// setting of a Spring base file the profile file does not override.
    written: Option<Span>,
    name: String,
    via_env_file: bool,
}

/// Puts the value of `.env` entry `v` (in region `region`) in place of what setting `s` wrote at
/// `written` (a `${NAME}` reference, an `env('NAME')` lookup): where it came from, and the
/// reference for go-to-definition.
fn taken(
    s: &mut Setting,
    region: usize,
    v: &Setting,
    name: &str,
    written: Span,
    regions: &[Region],
) -> (Origin, Reference) {
    let entry = v.key_span.start..v.value_span.end.max(v.key_span.end);
    s.value.clone_from(&v.value);
    s.kind = v.kind;
    s.value_span = v.value_span.clone();
    let base = regions.get(region).map_or(0, |r| r.base);
    let reference = Reference {
        span: written.clone(),
        name: name.to_string(),
        file: region - 1,
        target: entry.start - base..entry.end - base,
    };
    let origin = Origin {
        region,
        entry,
        written: Some(written),
        name: name.to_string(),
        via_env_file: false,
    };
    (origin, reference)
}

/// Analyses a document with the files it reads values from (`neighbours`, as [`wanted`]
/// named them; missing ones with `text: None`). `None` when the document reads no value from
/// another file or from a default: its own analysis is the whole story.
pub fn analyze(
    name: &str,
    text: &str,
    format: Format,
    config: &Config,
    neighbours: &[Neighbour],
) -> Option<CrossAnalysis> {
    Document::read(name, text, format)?.analyze(config, neighbours)
}

/// Spring's relaxed binding: `mail.smtp.starttls-enable`, `mail.smtp.starttlsEnable` and
/// `MAIL_SMTP_STARTTLS_ENABLE` are one key.
fn relaxed_key(s: &Setting) -> String {
    let mut key = String::new();
    for segment in &s.path {
        if !key.is_empty() {
            key.push('.');
        }
        key.extend(
            segment
                .chars()
                .filter(|c| !matches!(c, '-' | '_'))
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    key
}

fn analyze_read(
    text: &str,
    format: Format,
    kind: Kind,
    parsed: &Parsed,
    config: &Config,
    neighbours: &[Neighbour],
) -> Option<CrossAnalysis> {
    // The combined text: the document, then each neighbour after a line break.
    let mut combined = String::with_capacity(
        text.len()
            + neighbours
                .iter()
                .map(|n| n.text.map_or(0, str::len) + 1)
                .sum::<usize>(),
    );
    combined.push_str(text);
    let mut regions = vec![Region {
        base: 0,
        len: text.len(),
    }];
    let mut read: Vec<Option<Parsed>> = Vec::with_capacity(neighbours.len());
    for n in neighbours {
        combined.push('\n');
        let base = combined.len();
        let t = n.text.unwrap_or("");
        combined.push_str(t);
        regions.push(Region { base, len: t.len() });
        // Env files are dotenv whatever their name; Spring bases are YAML or properties.
        let neighbour_format = match kind {
            Kind::SpringProfile if n.path.ends_with(".properties") => Format::Properties,
            Kind::SpringProfile => Format::Yaml,
            Kind::Compose | Kind::Source => Format::Env,
        };
        read.push(n.text.map(|t| {
            let mut p = syntax::parse(neighbour_format, t);
            p.shift(base as isize);
            p
        }));
    }
    let index_of = |path: &str| neighbours.iter().position(|n| n.path == path);
    // `.env`: the variables interpolation reads (a later line wins). Program source reads the
    // nearest of the project's `.env` files that exists.
    let source = kind == Kind::Source;
    let env_at = if source {
        read.iter().position(Option::is_some)
    } else {
        index_of(DOT_ENV)
    };
    let mut variables: HashMap<&str, (usize, &Setting)> = HashMap::new();
    if let Some(ni) = env_at {
        if let Some(Some(p)) = read.get(ni) {
            for s in &p.settings {
                if s.path.len() == 1 {
                    variables.insert(s.key(), (ni + 1, s));
                }
            }
        }
    }

    let mut settings = parsed.settings.clone();
    let mut origins: Vec<Option<Origin>> = vec![None; settings.len()];
    let mut references = Vec::new();
    let mut changed = false;
    for (si, s) in settings.iter_mut().enumerate() {
        if source {
            let Some((name, written)) = source_lookup(text, s) else {
                continue;
            };
            // Set in the `.env` (even empty): its value; else the default stays.
            let Some(&(region, v)) = variables.get(name) else {
                continue;
            };
            let name = name.to_string();
            let (origin, reference) = taken(s, region, v, &name, written, &regions);
            origins[si] = Some(origin);
            references.push(reference);
            changed = true;
            continue;
        }
        let written_ok = text.get(s.value_span.clone()) == Some(s.value.as_str());
        let value = s.value.clone();
        match interpolation(&value) {
            Interpolated::Plain | Interpolated::Unresolved => {}
            Interpolated::Escaped(literal) => {
                s.value = literal;
                changed = true;
            }
            Interpolated::Whole { name, op, default } => {
                let set = variables.get(name).copied();
                let use_value = match (op, set) {
                    (_, None) => false,
                    (Op::Value | Op::DefaultUnlessSet, Some(_)) => true,
                    (Op::NonEmptyValue | Op::DefaultUnlessNonEmpty, Some((_, v))) => {
                        !v.value.is_empty()
                    }
                };
                let written = s.value_span.clone();
                if use_value {
                    let Some((region, v)) = set else { continue };
                    let (origin, reference) = taken(s, region, v, name, written, &regions);
                    origins[si] = Some(origin);
                    references.push(reference);
                    changed = true;
                } else if let (Some(d), true) = (default, written_ok) {
                    // The default, written inside the reference: a fix edits the default only.
                    let d_span = s.value_span.start + d.start..s.value_span.start + d.end;
                    s.value = value[d].to_string();
                    s.kind = ValueKind::Plain;
                    s.value_span = d_span;
                    changed = true;
                }
            }
        }
    }

    // `env_file:`: variables the service's `environment:` does not set.
    let mut environment_keys: HashMap<&str, std::collections::HashSet<&str>> = HashMap::new();
    for s in &parsed.settings {
        let p = &s.path;
        if p.len() == 4 && &*p[0] == "services" && &*p[2] == "environment" {
            let name = if p[3].bytes().all(|b| b.is_ascii_digit()) {
                // `- NAME` passes the shell's value through: set, whatever it is.
                s.value.trim()
            } else {
                &p[3]
            };
            environment_keys.entry(&p[1]).or_default().insert(name);
        }
    }
    // Service → its env files in order (neighbour index, where the entry is written).
    let mut by_service: Vec<(&str, Vec<(usize, Span)>)> = Vec::new();
    let mut service_at: HashMap<&str, usize> = HashMap::new();
    for s in &parsed.settings {
        let p = &s.path;
        if p.len() < 3 || &*p[0] != "services" || &*p[2] != "env_file" {
            continue;
        }
        let Some(path) = relative_path(&s.value) else {
            continue;
        };
        let Some(ni) = index_of(&path) else { continue };
        let at = *service_at.entry(&p[1]).or_insert_with(|| {
            by_service.push((&p[1], Vec::new()));
            by_service.len() - 1
        });
        by_service[at].1.push((ni, s.value_span.clone()));
    }
    // Per neighbour, once: the variables a profile could read (only those are carried over).
    let readable: Vec<Vec<&Setting>> = read
        .iter()
        .map(|p| {
            p.iter()
                .flat_map(|p| &p.settings)
                .filter(|v| {
                    v.path.len() == 1 && super::endpoints::could_have_member_key(format, v.key())
                })
                .collect()
        })
        .collect();
    let mut added_count = 0;
    for (service, files) in by_service.iter().filter(|_| !source) {
        // A bound on the settings added, whatever the number of services and files.
        if added_count >= MAX_ADDED_SETTINGS {
            break;
        }
        let set_here = environment_keys.get(service);
        // Name → (neighbour, written, setting): a later file (or line) overrides an earlier one.
        let mut from_files: HashMap<&str, (usize, Span, &Setting)> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for (ni, written) in files {
            let Some(candidates) = readable.get(*ni) else {
                continue;
            };
            for &v in candidates {
                let key = v.key();
                if set_here.is_some_and(|keys| keys.contains(key)) {
                    continue;
                }
                if from_files.insert(key, (*ni, written.clone(), v)).is_none() {
                    order.push(key);
                }
            }
        }
        for key in order {
            let Some((ni, written, v)) = from_files.remove(key) else {
                continue;
            };
            if added_count >= MAX_ADDED_SETTINGS {
                break;
            }
            added_count += 1;
            let mut added = v.clone();
            added.path = syntax::segments(["services", service, "environment", key]);
            origins.push(Some(Origin {
                region: ni + 1,
                entry: v.key_span.start..v.value_span.end.max(v.key_span.end),
                written: Some(written),
                name: key.to_string(),
                via_env_file: true,
            }));
            settings.push(added);
            changed = true;
        }
    }
    // A Spring profile file over its bases: each base setting the profile file does not set
    // (relaxed names) is read as if it were written in the profile file.
    if kind == Kind::SpringProfile {
        let own: std::collections::HashSet<String> =
            parsed.settings.iter().map(relaxed_key).collect();
        let mut from_bases: HashMap<String, (usize, &Setting)> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for (ni, p) in read.iter().enumerate() {
            for v in p.iter().flat_map(|p| &p.settings) {
                let key = relaxed_key(v);
                if own.contains(&key) {
                    continue;
                }
                if from_bases.insert(key.clone(), (ni, v)).is_none() {
                    order.push(key);
                }
            }
        }
        for key in order.into_iter().take(MAX_ADDED_SETTINGS) {
            let Some((ni, v)) = from_bases.remove(&key) else {
                continue;
            };
            origins.push(Some(Origin {
                region: ni + 1,
                entry: v.key_span.start..v.value_span.end.max(v.key_span.end),
                written: None,
                name: v.path.join("."),
                via_env_file: false,
            }));
            settings.push(v.clone());
            changed = true;
        }
    }
    if !changed {
        return None;
    }

    let combined_parsed = Parsed {
        settings,
        errors: parsed.errors.clone(),
        // The document comes first in the combined text: its branches keep their offsets.
        branches: parsed.branches.clone(),
    };
    let Analysis {
        findings,
        endpoints,
    } = super::analyze_parsed(&combined, format, &combined_parsed, config);
    let region_of = |at: usize| {
        regions
            .iter()
            .rposition(|r| r.base <= at)
            .filter(|&i| at <= regions[i].base + regions[i].len)
    };
    let to_local = |region: usize, span: &Span| {
        let base = regions[region].base;
        span.start - base..span.end - base
    };
    // The values read from elsewhere by where their entry starts (combined offsets are unique
    // across files): a finding in a neighbour finds the entry it is on.
    let mut by_entry: std::collections::BTreeMap<usize, Vec<&Origin>> = Default::default();
    for o in origins.iter().flatten().filter(|o| o.region != 0) {
        by_entry.entry(o.entry.start).or_default().push(o);
    }
    let related_of = |span: &Span| -> Vec<Related> {
        let mut out = Vec::new();
        let Some((_, on)) = by_entry.range(..=span.start).next_back() else {
            return out;
        };
        // Many services may read one line: a few of them say enough.
        for (o, written) in on
            .iter()
            .filter(|o| span.end <= o.entry.end)
            .filter_map(|o| Some((o, o.written.clone()?)))
            .take(MAX_RELATED)
        {
            out.push(Related {
                file: None,
                span: written,
                message: if o.via_env_file {
                    format!("{} comes from this env_file", o.name)
                } else {
                    format!("{} is read here", o.name)
                },
            });
        }
        out
    };
    // Endpoints that read a value from another file, by where their settings' keys and values
    // start: a finding in the document finds the endpoints it may be about.
    let mut reading: HashMap<usize, Vec<&super::Endpoint>> = HashMap::new();
    for e in &endpoints {
        let elsewhere = e.settings.iter().any(|&si| {
            origins
                .get(si)
                .is_some_and(|o| o.as_ref().is_some_and(|o| o.region != 0))
        });
        if !elsewhere {
            continue;
        }
        for s in e
            .settings
            .iter()
            .filter_map(|&si| combined_parsed.settings.get(si))
        {
            for at in [s.value_span.start, s.key_span.start] {
                let list = reading.entry(at).or_default();
                if !list.iter().any(|known| std::ptr::eq(*known, e)) {
                    list.push(e);
                }
            }
        }
    }
    let mut placed_seen: std::collections::HashSet<(
        usize,
        usize,
        usize,
        crate::vocab::RuleCode,
        String,
    )> = Default::default();
    let mut out = CrossAnalysis {
        references,
        ..CrossAnalysis::default()
    };
    for mut f in findings {
        let Some(region) = region_of(f.span.start) else {
            continue;
        };
        // Fixes are offered where the finding is shown: one that would edit another file goes.
        f.fixes.retain(|fix| {
            fix.edits.iter().all(|e| {
                region_of(e.span.start) == Some(region) && region_of(e.span.end) == Some(region)
            })
        });
        let span = f.span.clone();
        f.span = to_local(region, &f.span);
        for fix in &mut f.fixes {
            for e in &mut fix.edits {
                e.span = to_local(region, &e.span);
            }
        }
        if region == 0 {
            // The values from elsewhere that the finding's endpoint read.
            let mut related = Vec::new();
            for e in reading.get(&span.start).into_iter().flatten() {
                if f.endpoint.as_ref() != Some(&super::findings::EndpointSummary::of(e)) {
                    continue;
                }
                for &si in &e.settings {
                    let Some(Some(o)) = origins.get(si) else {
                        continue;
                    };
                    if o.region == 0 {
                        continue;
                    }
                    let r = Related {
                        file: Some(o.region - 1),
                        span: to_local(o.region, &o.entry),
                        message: format!("{} is set here", o.name),
                    };
                    if !related.contains(&r) && related.len() < MAX_RELATED {
                        related.push(r);
                    }
                }
            }
            out.findings.push(f);
            out.related.push(related);
        } else {
            // Two services reading one `.env` line give the same finding twice.
            let key = (region, f.span.start, f.span.end, f.code, f.message.clone());
            if placed_seen.insert(key) {
                let mut related = related_of(&span);
                if kind == Kind::SpringProfile {
                    // A base file's line: the profile file's settings of the same endpoint.
                    for e in reading.get(&span.start).into_iter().flatten() {
                        if f.endpoint.as_ref() != Some(&super::findings::EndpointSummary::of(e)) {
                            continue;
                        }
                        let own = e.settings.iter().filter(|&&si| si < parsed.settings.len());
                        for s in own
                            .filter_map(|&si| parsed.settings.get(si))
                            .take(MAX_RELATED)
                        {
                            related.push(Related {
                                file: None,
                                span: s.key_span.start..s.value_span.end.max(s.key_span.end),
                                message: format!("{} is set here", s.path.join(".")),
                            });
                        }
                    }
                }
                out.placed.push(Placed {
                    file: region - 1,
                    related,
                    finding: f,
                });
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
