//! Completion of a key being typed among an endpoint's keys: the keys its application reads that
//! the endpoint does not set yet (`EMAIL_` → `EMAIL_HOST`, `EMAIL_PORT`, `EMAIL_USE_SSL` …),
//! written as the endpoint's other entries are. A key that sets a TLS mode comes with the value
//! that turns the mode on and, when the port does not fit that mode, the port that does (implicit
//! TLS with 465); a port key comes with the port that fits the mode already set. A combination
//! that a rule would flag is never offered.

use super::{flagged, Completion, CompletionKind, WholeText, CHECK_BUDGET_BYTES};
use crate::analysis::endpoints::Endpoint;
use crate::analysis::fixes::{self, Doc};
use crate::analysis::syntax::{formats, Parsed};
use crate::analysis::Analysis;
use crate::config::Config;
use crate::knowledge::ports;
use crate::knowledge::profiles::{self, Profile, SecurityKey};
use crate::vocab::{Format, Protocol, Security, Span};

/// How far above or below the cursor a sibling entry is looked for.
const NEAR_LINES: usize = 40;

/// Key completion reads the document again without the word being typed (a half-typed key can
/// join the line above: `port: 587` then `SMTP_` is one YAML value). Above this size it is not
/// offered: that read, and the analysis that checks each candidate, would cost too much per key.
const KEYS_BELOW_BYTES: usize = 512 * 1024;

pub(super) fn complete_key(
    text: &str,
    format: Format,
    config: &Config,
    offset: usize,
) -> Vec<Completion> {
    // Program source writes keys inside calls and literals: only line-based entries here.
    let spec = formats::spec(format);
    if spec.program || format == Format::Xml || format == Format::Json {
        return Vec::new();
    }
    if text.len() > KEYS_BELOW_BYTES {
        return Vec::new();
    }
    let Some(typed) = typed_key(text, offset) else {
        return Vec::new();
    };
    // The document as it was before the word: its endpoints, their keys, their findings.
    let word_len = typed.word.len();
    let base = format!("{}{}", &text[..typed.word.start], &text[typed.word.end..]);
    let parsed = (spec.read)(&base);
    let analysis = crate::analysis::analyze_parsed(&base, format, &parsed, config);
    // Offsets in `base` at or after the word are `word_len` further on in `text`.
    let to_text = |at: usize| {
        if at >= typed.word.start {
            at + word_len
        } else {
            at
        }
    };
    let Some(endpoint) = endpoint_beside(&base, &parsed, &analysis, &typed) else {
        return Vec::new();
    };
    let Some(profile) = profiles::by_id(endpoint.profile) else {
        return Vec::new();
    };
    let doc = Doc {
        format,
        settings: &parsed.settings,
    };
    let word = text[typed.word.clone()].to_ascii_lowercase();
    let mut checks_left = CHECK_BUDGET_BYTES / text.len().max(1);
    let flagged_before = flagged(&analysis.findings);
    let mut out = Vec::new();
    // One key per TLS mode: `SMTP_SECURE`, `SMTP_SSL` and `SMTP_SMTPS` all mean implicit TLS.
    let mut modes_offered: Vec<Security> = Vec::new();
    for (key, role) in keys_of(profile, &doc, endpoint) {
        let options = match role {
            Role::Port => port_option(endpoint),
            Role::Security(security_key) => security_options(profile, security_key, endpoint),
            Role::Plain => vec![Choice {
                value: String::new(),
                detail: role_words(key, profile),
                port: None,
                mode: None,
            }],
        };
        for option in options {
            if option
                .mode
                .is_some_and(|mode| modes_offered.contains(&mode))
            {
                continue;
            }
            let Some(entry) = fixes::new_entry(&doc, endpoint, profile, key, &option.value, true)
            else {
                continue;
            };
            if !entry.to_ascii_lowercase().starts_with(&word) {
                break;
            }
            let mut also = Vec::new();
            if let Some(port) = option.port {
                match fixes::set_port(&doc, endpoint, port) {
                    Some(edits) => also = edits,
                    None => continue,
                }
            }
            for edit in &mut also {
                edit.span = to_text(edit.span.start)..to_text(edit.span.end);
            }
            let checked = !option.value.is_empty() || option.port.is_some();
            if checked {
                if checks_left == 0 {
                    break;
                }
                checks_left -= 1;
                let whole = WholeText {
                    text,
                    format,
                    config,
                    flagged_before,
                };
                if !whole.flags_nothing(&typed.word, &entry, &also) {
                    continue;
                }
            }
            let tail = key_tail(key).to_ascii_lowercase();
            let label_end = entry
                .to_ascii_lowercase()
                .find(&tail)
                .map_or(entry.len(), |i| i + tail.len());
            out.push(Completion {
                label: entry.get(..label_end).unwrap_or(&entry).to_string(),
                detail: option.detail,
                replace: typed.word.clone(),
                insert: entry,
                also,
                documentation: profile
                    .docs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, doc)| doc.clone()),
                kind: CompletionKind::Key,
            });
            modes_offered.extend(option.mode);
            break; // one item per key: its first option that flags nothing
        }
    }
    out
}

/// The key being typed: a run of key characters right before the cursor, with only indentation
/// (or a list marker) before it on the line and nothing after it.
struct Typed {
    word: Span,
    /// The text before the word on its line.
    lead: Span,
}

fn typed_key(text: &str, offset: usize) -> Option<Typed> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if !text[offset..line_end].trim().is_empty() {
        return None;
    }
    let before = &text[line_start..offset];
    let is_key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let word_len = before.len() - before.trim_end_matches(is_key_char).len();
    let lead = &before[..before.len() - word_len];
    if word_len == 0 || !lead.chars().all(|c| c == ' ' || c == '\t' || c == '-') {
        return None;
    }
    Some(Typed {
        word: offset - word_len..offset,
        lead: line_start..line_start + lead.len(),
    })
}

/// The endpoint whose entries are written like the typed line (same indentation and list
/// marker) and nearest to it, with no line of another block between (less indented, or a
/// section header).
fn endpoint_beside<'a>(
    text: &str,
    parsed: &Parsed,
    analysis: &'a Analysis,
    typed: &Typed,
) -> Option<&'a Endpoint> {
    let lead = &text[typed.lead.clone()];
    let mut best: Option<(usize, &Endpoint)> = None;
    for e in &analysis.endpoints {
        for s in e.settings.iter().filter_map(|&si| parsed.settings.get(si)) {
            let line_start = text[..s.key_span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            if text.get(line_start..s.key_span.start) != Some(lead) && !written_like(&s.style, lead)
            {
                continue;
            }
            let (from, to) = if line_start < typed.lead.start {
                (line_start, typed.lead.start)
            } else {
                (typed.lead.start, line_start)
            };
            let Some(lines) = same_block(&text[from..to], lead) else {
                continue;
            };
            if best.is_none_or(|(d, _)| lines < d) {
                best = Some((lines, e));
            }
        }
    }
    best.map(|(_, e)| e)
}

/// The entry style starts a line with `lead`: its indentation and list marker.
fn written_like(style: &crate::analysis::syntax::EntryStyle, lead: &str) -> bool {
    let indentation = style.lead.rsplit('\n').next().unwrap_or("");
    style.lead.contains('\n') && format!("{indentation}{}", style.item_prefix) == lead
}

/// How many lines `between` spans, if none of them starts another block: a line less indented
/// than `lead` or a section header (`[mailer]`). `None` beyond [`NEAR_LINES`].
fn same_block(between: &str, lead: &str) -> Option<usize> {
    let indent = lead.len() - lead.trim_start().len();
    let mut lines = 0;
    for line in between.lines().skip(1) {
        lines += 1;
        if lines > NEAR_LINES {
            return None;
        }
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') || content.starts_with(';') {
            continue;
        }
        if line.len() - content.len() < indent || content.starts_with('[') {
            return None;
        }
    }
    Some(lines)
}

enum Role<'a> {
    Port,
    Security(&'a SecurityKey),
    Plain,
}

/// The keys to offer an endpoint of `profile` that has none of them yet: for the host, the port,
/// the user and the password the profile's first name (the others are aliases other
/// applications use), and every key that sets a TLS mode (one per mode is offered).
fn keys_of<'p>(profile: &'p Profile, doc: &Doc, e: &Endpoint) -> Vec<(&'p str, Role<'p>)> {
    let k = &profile.keys;
    let absent = |aliases: &[String]| {
        !aliases
            .iter()
            .any(|key| fixes::find_key(doc, e, profile.flat, key).is_some())
    };
    let mut out: Vec<(&str, Role)> = Vec::new();
    if e.host.is_none() && e.url.is_none() {
        out.extend(k.host.first().map(|key| (key.as_str(), Role::Plain)));
    }
    if e.port.is_none() && e.url.is_none() {
        out.extend(k.port.first().map(|key| (key.as_str(), Role::Port)));
    }
    out.extend(
        profile
            .security
            .iter()
            .filter(|sk| fixes::find_key(doc, e, profile.flat, &sk.key).is_none())
            .map(|sk| (sk.key.as_str(), Role::Security(sk))),
    );
    for aliases in [&k.user, &k.password] {
        if absent(aliases) {
            out.extend(aliases.first().map(|key| (key.as_str(), Role::Plain)));
        }
    }
    // A pattern with a wildcard is not a key to type.
    out.retain(|(key, _)| !key.contains('*'));
    out
}

/// The last segment of a dotted key pattern.
fn key_tail(key: &str) -> String {
    key.rsplit('.').next().unwrap_or(key).to_string()
}

/// One value a key may be written with.
struct Choice {
    value: String,
    detail: String,
    /// The port that goes with it, when the endpoint's does not fit.
    port: Option<u16>,
    /// The TLS mode it turns on.
    mode: Option<Security>,
}

fn role_words(key: &str, profile: &Profile) -> String {
    let lower = key.to_ascii_lowercase();
    let what = if lower.contains("pass") {
        "password"
    } else if lower.contains("user") || lower.contains("login") {
        "user name"
    } else {
        "server host name"
    };
    format!("{} · {what}", profile.name)
}

/// The port that fits the endpoint's mode (implicit TLS when nothing says otherwise: RFC 8314).
fn port_option(e: &Endpoint) -> Vec<Choice> {
    let protocol = e.protocol.unwrap_or(Protocol::Smtp);
    let (port, words) = if e.security.is_starttls() {
        (ports::starttls_port(protocol), "STARTTLS")
    } else {
        (
            ports::implicit_port(protocol),
            "implicit TLS (recommended, RFC 8314)",
        )
    };
    vec![Choice {
        value: port.to_string(),
        detail: words.to_string(),
        port: None,
        mode: None,
    }]
}

/// The values that turn a mode on, the safest first, each with the port the mode needs when the
/// endpoint's does not fit it.
fn security_options(profile: &Profile, key: &SecurityKey, e: &Endpoint) -> Vec<Choice> {
    let protocol = e.protocol.unwrap_or(Protocol::Smtp);
    let mut modes: Vec<(Security, &String)> = key
        .values
        .iter()
        .filter(|(value, _)| value.as_str() != "*")
        .map(|(value, &mode)| (mode, value))
        .filter(|(mode, _)| !matches!(mode, Security::None | Security::Unknown))
        .collect();
    modes.sort_by_key(|(mode, _)| *mode);
    modes
        .into_iter()
        .filter_map(|(mode, value)| {
            let wanted = if mode == Security::ImplicitTls {
                ports::implicit_port(protocol)
            } else {
                ports::starttls_port(protocol)
            };
            let fits = match e.port_number() {
                Some(port) => {
                    (port == u32::from(ports::implicit_port(protocol)))
                        == (mode == Security::ImplicitTls)
                }
                None => true,
            };
            let port = (!fits).then_some(wanted);
            let words = mode.label()?;
            Some(Choice {
                value: super::spelling(profile, key, value)?,
                detail: match port {
                    Some(port) => format!("{words}, with port {port}"),
                    None => words.to_string(),
                },
                port,
                mode: Some(mode),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::syntax;

    /// `(label, insert, detail, other edits as (old text, new text))`.
    type Offer = (String, String, String, Vec<(String, String)>);

    /// What completion offers at the end of `text`.
    fn offered(text: &str, format: Format) -> Vec<Offer> {
        let config = Config::default();
        let parsed = syntax::parse(format, text);
        let analysis = crate::analysis::analyze_parsed(text, format, &parsed, &config);
        super::super::complete(text, format, &config, &parsed, &analysis, None, text.len())
            .into_iter()
            .map(|c| {
                assert_eq!(c.kind, CompletionKind::Key);
                let also = c
                    .also
                    .iter()
                    .map(|e| (text[e.span.clone()].to_string(), e.new_text.clone()))
                    .collect();
                (c.label, c.insert, c.detail, also)
            })
            .collect()
    }

    fn labels(text: &str, format: Format) -> Vec<String> {
        offered(text, format).into_iter().map(|o| o.0).collect()
    }

    #[test]
    fn a_key_being_typed_offers_the_keys_the_endpoint_lacks() {
        let django = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_";
        let offered = offered(django, Format::Env);
        assert_eq!(
            offered.iter().map(|o| o.0.as_str()).collect::<Vec<_>>(),
            [
                "EMAIL_USE_SSL",
                "EMAIL_USE_TLS",
                "EMAIL_HOST_USER",
                "EMAIL_HOST_PASSWORD"
            ]
        );
        // Implicit TLS needs 465: picking it changes the port too.
        let ssl = &offered[0];
        assert_eq!(ssl.1, "EMAIL_USE_SSL=true");
        assert_eq!(ssl.3, [("587".to_string(), "465".to_string())]);
        // STARTTLS fits 587 as it is.
        assert_eq!(
            (offered[1].1.as_str(), offered[1].3.len()),
            ("EMAIL_USE_TLS=true", 0)
        );
        // What is typed narrows it.
        assert_eq!(
            labels("EMAIL_PORT=587\nEMAIL_USE_S", Format::Env),
            ["EMAIL_USE_SSL"]
        );
    }

    #[test]
    fn never_a_combination_a_rule_would_flag() {
        // EMAIL_USE_SSL beside EMAIL_USE_TLS=True is a conflict (MP010): not offered.
        let both = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_";
        assert_eq!(
            labels(both, Format::Env),
            ["EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"]
        );
    }

    #[test]
    fn written_as_the_siblings_are() {
        // A half-typed key joins the YAML value above it; it is read without it. One key per
        // mode (not every alias), the booleans quoted as Compose wants them.
        let compose = "services:\n  app:\n    environment:\n      SMTP_HOST: smtp.example.com\n      SMTP_PORT: 587\n      SMTP_";
        let offered = offered(compose, Format::Yaml);
        assert_eq!(
            offered.iter().map(|o| o.1.as_str()).collect::<Vec<_>>(),
            [
                "SMTP_SECURE: \"true\"",
                "SMTP_STARTTLS: \"true\"",
                "SMTP_USER: ",
                "SMTP_PASS: "
            ]
        );
        let grafana = "[smtp]\nenabled = true\nhost = smtp.example.com:587\nst";
        assert_eq!(
            offered_inserts(grafana, Format::Ini),
            ["startTLS_policy = MandatoryStartTLS"]
        );
        let spring = "spring.mail.host=smtp.example.com\nspring.mail.port=587\nspring.mail.u";
        assert_eq!(
            offered_inserts(spring, Format::Properties),
            ["spring.mail.username="]
        );
    }

    fn offered_inserts(text: &str, format: Format) -> Vec<String> {
        offered(text, format).into_iter().map(|o| o.1).collect()
    }

    #[test]
    fn nothing_away_from_an_endpoint() {
        // Another INI section, a line with more than a key, no endpoint at all.
        let other_section = "[smtp]\nhost = smtp.example.com:587\n[server]\nst";
        assert!(labels(other_section, Format::Ini).is_empty());
        assert!(labels("EMAIL_HOST=a\nEMAIL_PORT=587\nexport EMAIL_", Format::Env).is_empty());
        assert!(labels("DEBUG=1\nEMAIL_", Format::Env).is_empty());
    }
}
