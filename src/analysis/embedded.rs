//! Documents inside a value of another document: GitLab's `GITLAB_OMNIBUS_CONFIG` (Ruby, the
//! `gitlab.rb` syntax) in a compose file or Kubernetes manifest, a ConfigMap's `data:` entry named
//! like a config file (`app.ini`, `application.properties`, `.env`, `msmtprc` …) holding that
//! file, a Nix option that Home Manager or NixOS writes into a client's file (`extraAccounts` of
//! aerc, `home.file.".msmtprc".text`). Each is read with its own format's adapter and profiles, with offsets that are the outer
//! document's, so findings land on the right line and fixes edit the right bytes.
//!
//! Only values whose text maps byte for byte back into the outer document are read: a literal
//! block scalar (`|`: its lines as written, indentation included, which the inner formats read as
//! the file's own: Postfix starts its lines at the first line's indentation), a Nix indented
//! string without escapes, or a one-line string without escapes. One level only: a document found inside an
//! embedded document is not read again.

use super::syntax::formats::{self, Gate};
use super::syntax::{self, detect, shell_ref, Setting};

use crate::vocab::{Format, Span};

/// Values named like this hold a document of that format, wherever they appear.
pub const BY_VARIABLE: &[(&str, Format)] = &[
    // GitLab Omnibus docker image: evaluated as `/etc/gitlab/gitlab.rb` (docs.gitlab.com,
    // "Install GitLab in a Docker container": "Pre-configure Docker container").
    ("GITLAB_OMNIBUS_CONFIG", Format::Ruby),
];

/// Parents whose entries are files by name (Kubernetes ConfigMap and Secret `data`/`stringData`).
const FILE_MAPS: &[&str] = &["data", "stringData"];

/// Nix options whose text Home Manager or NixOS writes into a client's or server's file: the
/// option's key path, and the name of that file (which decides its format).
const NIX_OPTIONS: &[(&[&str], &str)] = &[
    // Home Manager: "Extra lines added to `$HOME/.config/aerc/accounts.conf`".
    (&["programs", "aerc", "extraAccounts"], "accounts.conf"),
    // Home Manager and NixOS: extra lines of the msmtp configuration.
    (&["programs", "msmtp", "extraConfig"], "msmtprc"),
    // Home Manager: extra lines of the mbsync and NeoMutt configurations.
    (&["programs", "mbsync", "extraConfig"], "mbsyncrc"),
    (&["programs", "neomutt", "extraConfig"], "neomuttrc"),
    // NixOS (until 25.05): "Extra lines to be added verbatim to the main.cf configuration file".
    (&["services", "postfix", "extraConfig"], "main.cf"),
];

/// Nix attribute sets whose entries are files by name, each written from its `text` attribute:
/// Home Manager `home.file`, `xdg.configFile`, `xdg.dataFile`; NixOS `environment.etc`.
const NIX_FILE_MAPS: &[&str] = &["file", "configFile", "dataFile", "etc"];

/// Last keys of the Nix settings that can hold a document (see the two tables above).
const NIX_DOCUMENT_KEYS: &[&str] = &["extraAccounts", "extraConfig", "text"];

/// Embedded documents bigger than this are not read (a generated blob, not a config).
const MAX_EMBEDDED_BYTES: usize = 256 * 1024;

/// At most this many embedded documents per outer document.
const MAX_EMBEDDED: usize = 64;

/// One document inside a value of the outer document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embedded {
    pub format: Format,
    /// Where its text is in the outer document.
    pub span: Span,
}

/// Could the setting whose last key is `key` hold an embedded document? (A long-lived document
/// keeps such settings although no profile reads them.)
pub fn could_hold_document(key: &str) -> bool {
    // `key` is the last segment of a split dotted key: `ini` of `app.ini`, `cf` of `main.cf`, `conf`
    // of `accounts.conf` (a test checks that every file name the format table decides by is here).
    const EXTENSIONS: &[&str] = &[
        "env",
        "ini",
        "properties",
        "toml",
        "yml",
        "yaml",
        "json",
        "jsonc",
        "cf",
        "conf",
        "cfg",
    ];
    BY_VARIABLE.iter().any(|(name, _)| *name == key)
        || NIX_DOCUMENT_KEYS.contains(&key)
        || EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(key))
        || file_name_format(key).is_some()
}

/// The format of a file named `name` when the name alone decides it (never by content: the
/// value is read only if the name says what it is).
fn file_name_format(name: &str) -> Option<Format> {
    // Cheap first: every file name the table below can return has a dot or ends in `rc`.
    if name.is_empty() || name.len() > 64 || name.contains(['/', '\\']) {
        return None;
    }
    if !name.contains('.') && !name.ends_with("rc") {
        return None;
    }
    // Only names that decide a format: never program source, XML or a mailrc (shell scripts).
    let format = detect::detect_format(name, None, "")?;
    (formats::spec(format).gate == Gate::Open && format != Format::Mailrc).then_some(format)
}

/// The embedded documents of an outer document of `format`: YAML (compose files, Kubernetes
/// manifests and Helm values) and Nix (Home Manager and NixOS options that hold a file's text).
pub fn find(text: &str, format: Format, settings: &[Setting]) -> Vec<Embedded> {
    let in_value: fn(&str, &Setting) -> Option<Embedded> = match format {
        Format::Yaml => in_yaml_value,
        Format::Nix => in_nix_value,
        _ => return Vec::new(),
    };
    settings
        .iter()
        .filter_map(|s| in_value(text, s))
        .filter(|e| e.span.len() <= MAX_EMBEDDED_BYTES)
        .take(MAX_EMBEDDED)
        .collect()
}

/// The document in a Nix setting's value, if it holds one.
fn in_nix_value(text: &str, s: &Setting) -> Option<Embedded> {
    if !NIX_DOCUMENT_KEYS.contains(&s.key()) {
        return None;
    }
    let path = &s.path;
    let ends_with = |option: &[&str]| {
        path.len() >= option.len()
            && path[path.len() - option.len()..]
                .iter()
                .zip(option)
                .all(|(segment, name)| **segment == **name)
    };
    let by_option = NIX_OPTIONS
        .iter()
        .find(|(option, _)| ends_with(option))
        .and_then(|(_, name)| file_name_format(name));
    let format = by_option.or_else(|| {
        // `home.file.".msmtprc".text`, `xdg.configFile."aerc/accounts.conf".text`.
        let [.., map, name, last] = path.as_slice() else {
            return None;
        };
        let base = name.rsplit('/').next().unwrap_or(name);
        (&**last == "text" && NIX_FILE_MAPS.contains(&&**map))
            .then(|| file_name_format(base))
            .flatten()
    })?;
    let span = nix_indented_text(text, s)?;
    Some(Embedded { format, span })
}

/// Where the lines of a Nix indented string (`'' … ''`) are, when they map back byte for byte:
/// no escape (`''$`, `'''`, `''\n`) inside. Nix removes the lines' common indentation when it
/// writes the file; the inner formats read lines indented alike as the file's own.
fn nix_indented_text(text: &str, s: &Setting) -> Option<Span> {
    let written = text.get(s.value_span.clone())?;
    let inner = written.strip_prefix("''")?.strip_suffix("''")?;
    if inner.contains("''") {
        return None;
    }
    // The text starts on the line after the opening quotes when nothing follows them.
    let first_break = inner.find('\n')?;
    let skip = if inner[..first_break].trim().is_empty() {
        first_break + 1
    } else {
        0
    };
    let start = s.value_span.start + 2 + skip;
    let end = s.value_span.end - 2;
    (start <= end).then_some(start..end)
}

/// The document in a YAML setting's value, if it holds one.
fn in_yaml_value(text: &str, s: &Setting) -> Option<Embedded> {
    let key = s.key();
    let by_variable = BY_VARIABLE
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, f)| *f);
    let format = by_variable.or_else(|| {
        // Cheap first: this runs on every setting at every keystroke.
        if !s.path.iter().any(|segment| FILE_MAPS.contains(&&**segment)) {
            return None;
        }
        // YAML splits dotted keys (`app.ini` is read as `app`, `ini`): the file name is the
        // key as written, its parent the segment before its parts.
        let written = text.get(s.key_span.clone()).unwrap_or("");
        let parts = written.split('.').filter(|p| !p.is_empty()).count().max(1);
        let parent = s
            .path
            .len()
            .checked_sub(parts + 1)
            .and_then(|i| s.path.get(i))?;
        FILE_MAPS
            .contains(&&**parent)
            .then(|| file_name_format(written))
            .flatten()
    })?;
    let span = mapped_text(text, s)?;
    Some(Embedded { format, span })
}

/// Where a value's text is in the document when it maps back byte for byte: the lines of a
/// literal block scalar (after its `|` header line), or a one-line value written as read.
fn mapped_text(text: &str, s: &Setting) -> Option<Span> {
    let written = text.get(s.value_span.clone())?;
    if let Some(header) = written.strip_prefix('|') {
        // `|`, `|-`, `|+`, `|2`: the content starts on the next line.
        let header_end = header.find('\n')?;
        let header_text = header[..header_end].trim_end_matches('\r');
        let header_ok = header_text
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .chars()
            .all(|c| matches!(c, '-' | '+') || c.is_ascii_digit());
        if !header_ok {
            return None;
        }
        let start = s.value_span.start + 1 + header_end + 1;
        return (start <= s.value_span.end).then_some(start..s.value_span.end);
    }
    if written.starts_with('>') && s.value.len() != written.len() {
        return None; // a folded block: its lines are joined, offsets do not map
    }
    (written == s.value && !written.contains('\n')).then(|| s.value_span.clone())
}

/// Reads an embedded document: its settings, with spans in the outer document.
pub fn parse(text: &str, embedded: &Embedded) -> syntax::Parsed {
    let Some(inner) = text.get(embedded.span.clone()) else {
        return syntax::Parsed::default();
    };
    // Compose (and Flux's post-build substitution) fill in `${VAR}` before the inner format is
    // read; the inner grammar would stumble on it (`smtp_port = ${SMTP_PORT}` is no Ruby). Each
    // is read as a same-length stand-in, `__VAR_` (a name in every inner format that has them:
    // Ruby reads it as a reference), and every value that held one is given back its text.
    let stand_in = interpolation_stand_ins(inner);
    let read = stand_in.as_deref().unwrap_or(inner);
    let mut parsed = syntax::parse(embedded.format, read);
    if stand_in.is_some() {
        for s in &mut parsed.settings {
            let (Some(now), Some(original)) = (
                read.get(s.value_span.clone()),
                inner.get(s.value_span.clone()),
            ) else {
                continue;
            };
            if now != original {
                s.value = original.to_string();
            }
        }
    }
    parsed.shift(embedded.span.start as isize);
    parsed
}

/// `text` with every `${NAME}` written `__NAME_` (same length, so offsets still map), or `None`
/// when it has none.
fn interpolation_stand_ins(text: &str) -> Option<String> {
    let mut out = text.as_bytes().to_vec();
    let mut any = false;
    // `${NAME}` only: the name closes the reference.
    for r in shell_ref::references(text.as_bytes()).filter(|r| r.name.end + 1 == r.span.end) {
        for at in [r.span.start, r.span.start + 1, r.span.end - 1] {
            out[at] = b'_';
        }
        any = true;
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    any.then(|| String::from_utf8(out).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, syntax};
    use crate::config::Config;

    fn embedded_of(text: &str) -> Vec<Embedded> {
        find(
            text,
            Format::Yaml,
            &syntax::parse(Format::Yaml, text).settings,
        )
    }

    #[test]
    fn block_scalar_lines_map_back_byte_for_byte() {
        let text = "x:\n  GITLAB_OMNIBUS_CONFIG: |-\n    gitlab_rails['smtp_port'] = ${SMTP_PORT}\n    gitlab_rails['smtp_tls'] = true\n";
        let found = embedded_of(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].format, Format::Ruby);
        assert!(text[found[0].span.clone()].starts_with("    gitlab_rails['smtp_port']"));
        let parsed = parse(text, &found[0]);
        let port = parsed
            .settings
            .iter()
            .find(|s| s.key() == "smtp_port")
            .expect("the port line is read");
        assert_eq!(port.value, "${SMTP_PORT}");
        assert_eq!(&text[port.value_span.clone()], "${SMTP_PORT}");
    }

    #[test]
    fn only_exactly_mapped_values_are_read() {
        // A folded block, an escaped string and a plain string that is a key elsewhere.
        let text = "a:\n  GITLAB_OMNIBUS_CONFIG: >\n    gitlab_rails['smtp_port'] = 25\nb:\n  GITLAB_OMNIBUS_CONFIG: \"gitlab_rails['smtp_port'] = 25\\n\"\nc:\n  GITLAB_OMNIBUS_CONFIG: \"gitlab_rails['smtp_port'] = 25\"\n";
        let found = embedded_of(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            &text[found[0].span.clone()],
            "gitlab_rails['smtp_port'] = 25"
        );
    }

    #[test]
    fn one_level_only_and_within_budget() {
        // A ConfigMap holding a compose file that holds GITLAB_OMNIBUS_CONFIG: the compose file
        // is read as YAML, the Ruby inside it is not read again.
        let text = "data:\n  compose.yml: |\n    services:\n      g:\n        environment:\n          GITLAB_OMNIBUS_CONFIG: |\n            gitlab_rails['smtp_port'] = 465\n            gitlab_rails['smtp_enable_starttls_auto'] = true\n";
        let found = embedded_of(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].format, Format::Yaml);
        let analysis = analyze(text, Format::Yaml, &Config::default());
        assert!(analysis.findings.is_empty(), "{:?}", analysis.findings);
        // Too big: not read.
        let big = format!(
            "GITLAB_OMNIBUS_CONFIG: |\n{}",
            "  gitlab_rails['smtp_port'] = 465\n".repeat(MAX_EMBEDDED_BYTES / 30)
        );
        assert!(embedded_of(&big).is_empty());
    }

    /// A long-lived document keeps every value a file name could make a document of.
    #[test]
    fn every_file_name_that_decides_a_format_is_kept() {
        for row in formats::FORMATS {
            for name in row.names {
                let written = name.text().trim_start_matches('.');
                // (`pine.conf.fixed`: no one names a ConfigMap entry so.)
                if file_name_format(written).is_none() || written.matches('.').count() > 1 {
                    continue;
                }
                let last = written.rsplit('.').next().unwrap_or(written);
                assert!(could_hold_document(last), "{written}: `{last}` is not kept");
            }
        }
    }

    #[test]
    fn stand_ins_keep_length() {
        let text = "a = ${A_B} b = \"${C}\" c = ${D:-x} d = $E ${";
        let s = interpolation_stand_ins(text).unwrap_or_default();
        assert_eq!(s, "a = __A_B_ b = \"__C_\" c = ${D:-x} d = $E ${");
        assert_eq!(interpolation_stand_ins("no vars"), None);
    }
}
