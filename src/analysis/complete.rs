//! Completion of the values of a connection mailport recognises: ports that fit the protocol and
//! the mode already configured (a known provider's documented ports first), the hosts of known
//! providers, and the values a security key of the application accepts, with what each means.
//! Every candidate is checked with it in place: one that a rule would flag is never offered.

use super::endpoints::{self, Endpoint};
use super::incremental::{IncrementalAnalysis, ValueTrial};
use super::syntax::Parsed;
use super::{analyze, Analysis, Edit, Finding};
use crate::config::Config;
use crate::knowledge::profiles::{self, Profile, SecurityKey};
use crate::knowledge::{ports, providers};
use crate::vocab::{Format, Protocol, Security, Severity, Span};

mod keys;

/// One value or key to offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// What is shown (`465`, `smtp.gmail.com`, `EMAIL_USE_SSL`).
    pub label: String,
    /// One line beside it (`implicit TLS (recommended, RFC 8314)`).
    pub detail: String,
    /// The bytes the completion replaces.
    pub replace: Span,
    /// What replaces them: the label, or a key with its separator and value (`EMAIL_USE_SSL=True`).
    pub insert: String,
    /// Edits elsewhere that go with it: the port a TLS mode needs.
    pub also: Vec<Edit>,
    /// The application's documentation of a key (Markdown).
    pub documentation: Option<String>,
    pub kind: CompletionKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Value,
    Key,
}

/// A candidate that cannot be checked on its endpoint alone (no kept analysis, an empty value, a
/// key being typed) is checked by a full analysis of the text with it in place: at most this many
/// bytes are analysed per request (a larger document gets fewer such candidates, a huge one none).
const CHECK_BUDGET_BYTES: usize = 8 * 1024 * 1024;

/// The values to offer at `offset`: empty unless it is in (or at the end of) the port or host
/// value of an endpoint whose protocol is known. `kept` is the analysis kept between edits that
/// gave `analysis`, when there is one: candidates are then checked on the endpoint alone.
pub fn complete(
    text: &str,
    format: Format,
    config: &Config,
    parsed: &Parsed,
    analysis: &Analysis,
    kept: Option<&IncrementalAnalysis>,
    offset: usize,
) -> Vec<Completion> {
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let Some((endpoint, field, replace)) = field_at(format, parsed, analysis, offset)
        // a value that began on an earlier line has taken in a key being typed (YAML)
        .filter(|(_, _, replace)| replace.start >= line_start)
    else {
        // Not in a value: maybe a key being typed beside an endpoint's keys.
        return keys::complete_key(text, format, config, offset);
    };
    let protocol = match (endpoint.protocol, field) {
        (Some(protocol), _) => protocol,
        // a security key's values mean the same whatever the protocol
        (None, Field::Security(..)) => Protocol::Smtp,
        (None, _) => return Vec::new(),
    };
    // What is typed before the cursor narrows the candidates (the editor filters the same way).
    let typed = text
        .get(replace.start..offset.min(replace.end))
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let current = text.get(replace.clone()).unwrap_or("").trim();
    let candidates = match field {
        Field::Port => port_candidates(endpoint, protocol),
        Field::Host => host_candidates(endpoint, protocol),
        Field::Security(profile, key) => security_candidates(profile, key, format, current),
    };
    let mut check = Check {
        trial: kept.and_then(|kept| kept.trial(text, parsed, &replace)),
        whole_checks_left: CHECK_BUDGET_BYTES / text.len().max(1),
        text,
        format,
        config,
        flagged_before: flagged(&analysis.findings),
        replace: replace.clone(),
    };
    candidates
        .into_iter()
        .filter(|(value, _)| value.starts_with(&typed) && value != current)
        .filter(|(value, _)| check.flags_nothing(value))
        .map(|(label, detail)| Completion {
            insert: label.clone(),
            label,
            detail,
            replace: replace.clone(),
            also: Vec::new(),
            documentation: None,
            kind: CompletionKind::Value,
        })
        .collect()
}

/// Whether a candidate, put in place of the value at `replace`, gives a rule something to flag.
struct Check<'a> {
    /// On the endpoint's group alone, when the kept analysis allows it.
    trial: Option<ValueTrial<'a>>,
    /// Otherwise each candidate costs an analysis of the whole text: at most this many more.
    whole_checks_left: usize,
    text: &'a str,
    format: Format,
    config: &'a Config,
    flagged_before: usize,
    replace: Span,
}

impl Check<'_> {
    /// Nothing new to warn about, and nothing at all on the value put in.
    fn flags_nothing(&mut self, value: &str) -> bool {
        let on_value = |f: &Finding, end: usize| {
            f.severity >= Severity::Warning
                && f.span.start <= end
                && self.replace.start <= f.span.end
        };
        if let Some(trial) = &mut self.trial {
            let before = trial
                .current()
                .filter(|f| f.severity >= Severity::Warning)
                .count();
            if let Some(after) = trial.findings_with(value) {
                // the trial's spans are those of the analysed text
                let end = self.replace.end;
                return flagged(&after) <= before && !after.iter().any(|f| on_value(f, end));
            }
        }
        if self.whole_checks_left == 0 {
            return false;
        }
        self.whole_checks_left -= 1;
        let whole = WholeText {
            text: self.text,
            format: self.format,
            config: self.config,
            flagged_before: self.flagged_before,
        };
        whole.flags_nothing(&self.replace, value, &[])
    }
}

/// A candidate put in place of `at` (with edits elsewhere that go with it), checked by analysing
/// the whole text: nothing new to warn about, and nothing at all on what was put in.
struct WholeText<'a> {
    text: &'a str,
    format: Format,
    config: &'a Config,
    flagged_before: usize,
}

impl WholeText<'_> {
    fn flags_nothing(&self, at: &Span, put: &str, also: &[Edit]) -> bool {
        // (span, new text, is what was put in)
        let mut edits: Vec<(Span, &str, bool)> = vec![(at.clone(), put, true)];
        edits.extend(
            also.iter()
                .map(|e| (e.span.clone(), e.new_text.as_str(), false)),
        );
        edits.sort_by_key(|(span, _, _)| span.start);
        if edits.windows(2).any(|w| w[0].0.end > w[1].0.start) {
            return false;
        }
        let mut changed = String::with_capacity(self.text.len() + put.len() + 8);
        let mut from = 0;
        let mut put_span = 0..0;
        for (span, new_text, is_put) in &edits {
            changed.push_str(&self.text[from..span.start]);
            if *is_put {
                put_span = changed.len()..changed.len() + new_text.len();
            }
            changed.push_str(new_text);
            from = span.end;
        }
        changed.push_str(&self.text[from..]);
        let after = analyze(&changed, self.format, self.config);
        flagged(&after.findings) <= self.flagged_before
            && !after.findings.iter().any(|f| {
                f.severity >= Severity::Warning
                    && f.span.start <= put_span.end
                    && put_span.start <= f.span.end
            })
    }
}

#[derive(Clone, Copy)]
enum Field {
    Port,
    Host,
    /// A key of the application's profile that sets the TLS mode.
    Security(&'static Profile, &'static SecurityKey),
}

/// How many findings a user is warned about.
fn flagged(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .count()
}

/// The endpoint, the field and the value's span under `offset`. A value the endpoint read (its
/// port, its host) or an empty one of a key named `…port` / `…host` among its settings.
fn field_at<'a>(
    format: Format,
    parsed: &Parsed,
    analysis: &'a Analysis,
    offset: usize,
) -> Option<(&'a Endpoint, Field, Span)> {
    let inside = |s: &Span| s.start <= offset && offset <= s.end;
    for e in &analysis.endpoints {
        if let Some(port) = e.port.as_ref().filter(|p| inside(&p.span)) {
            return Some((e, Field::Port, port.span.clone()));
        }
        if let Some(host) = e.host.as_ref().filter(|h| inside(&h.span)) {
            return Some((e, Field::Host, host.span.clone()));
        }
        for setting in e.settings.iter().filter_map(|&i| parsed.settings.get(i)) {
            if !inside(&setting.value_span) {
                continue;
            }
            if let Some((profile, key)) = security_key(format, e, setting) {
                return Some((e, Field::Security(profile, key), setting.value_span.clone()));
            }
            if !setting.value.trim().is_empty() {
                continue;
            }
            let key = setting.path.last().map(|k| k.to_ascii_lowercase());
            match key.as_deref() {
                Some(k) if k.ends_with("port") && e.port.is_none() => {
                    return Some((e, Field::Port, setting.value_span.clone()))
                }
                Some(k) if k.ends_with("host") && e.host.is_none() => {
                    return Some((e, Field::Host, setting.value_span.clone()))
                }
                _ => {}
            }
        }
    }
    None
}

/// The security key of the endpoint's application that `setting` is, if any (matched as the
/// endpoint was read).
fn security_key(
    format: Format,
    e: &Endpoint,
    setting: &super::syntax::Setting,
) -> Option<(&'static Profile, &'static SecurityKey)> {
    let profile = profiles::by_id(e.profile)?;
    let pattern = endpoints::key_pattern(format, e.profile, setting)?;
    let key = profile
        .security
        .iter()
        .find(|sk| sk.key.eq_ignore_ascii_case(pattern))?;
    Some((profile, key))
}

/// How the application writes `value` of `key`: as a fix writes it, else as its documentation
/// quotes it (`MandatoryStartTLS`); a boolean or a number as it is. `None` when neither says
/// (the data keeps values lowercased, and `javax.net.ssl.sslsocketfactory` is no class name).
fn spelling(profile: &Profile, key: &SecurityKey, value: &str) -> Option<String> {
    let written = profile
        .write
        .values()
        .flatten()
        .find(|w| w.key.eq_ignore_ascii_case(&key.key) && w.value.eq_ignore_ascii_case(value));
    if let Some(w) = written {
        return Some(w.value.clone());
    }
    let quoted = profile
        .docs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(&key.key))
        .flat_map(|(_, doc)| doc.split('`').skip(1).step_by(2))
        .find(|word| word.eq_ignore_ascii_case(value));
    if let Some(word) = quoted {
        return Some(word.to_string());
    }
    let plain = matches!(value, "true" | "false") || value.bytes().all(|b| b.is_ascii_digit());
    plain.then(|| value.to_string())
}

/// The values `key` gives a meaning to, each with that meaning, the safest first; a switch that
/// only means something when on is offered off too. Booleans are written as the value already there writes them (`True` in
/// Python).
fn security_candidates(
    profile: &Profile,
    key: &SecurityKey,
    format: Format,
    current: &str,
) -> Vec<(String, String)> {
    // (A fix's `write` entries are not meanings: `EMAIL_USE_SSL = False` is written beside
    // `EMAIL_USE_TLS = True` for STARTTLS, but alone it means no TLS key is set.)
    let mut meanings: Vec<(Security, String)> = key
        .values
        .iter()
        .filter(|(value, _)| value.as_str() != "*")
        .filter_map(|(value, &mode)| Some((mode, spelling(profile, key, value)?)))
        .collect();
    meanings.sort_by_key(|(security, _)| *security);
    let mut out: Vec<(String, String)> = meanings
        .into_iter()
        .filter_map(|(security, value)| Some((value, security.label()?.to_string())))
        .collect();
    if out
        .iter()
        .all(|(value, _)| value.eq_ignore_ascii_case("true"))
        && !out.is_empty()
    {
        out.push((
            "false".to_string(),
            "off: the other settings decide".to_string(),
        ));
    }
    let capitalised = format == Format::Python || current.starts_with(['T', 'F']);
    for (value, _) in &mut out {
        let boolean = value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false");
        if capitalised && boolean {
            value[..1].make_ascii_uppercase();
        }
    }
    out
}

/// Ports for the protocol: a known provider's documented ones, else the two standard ones,
/// implicit TLS first (RFC 8314).
fn port_candidates(e: &Endpoint, protocol: Protocol) -> Vec<(String, String)> {
    let host = e.host.as_ref().map(|h| h.value.trim().to_ascii_lowercase());
    if let Some((provider, host)) = host
        .as_deref()
        .and_then(|h| providers::for_host(h).map(|p| (p, h)))
    {
        let mut documented: Vec<(bool, u16)> = provider
            .endpoints_for(protocol, host)
            .map(|pe| (pe.implicit(), pe.port))
            .collect();
        documented.sort_by_key(|(implicit, port)| (!implicit, *port));
        documented.dedup();
        if !documented.is_empty() {
            return documented
                .into_iter()
                .map(|(implicit, port)| {
                    let mode = if implicit { "implicit TLS" } else { "STARTTLS" };
                    (port.to_string(), format!("{mode} · {}", provider.name))
                })
                .collect();
        }
    }
    vec![
        (
            ports::implicit_port(protocol).to_string(),
            "implicit TLS (recommended, RFC 8314)".to_string(),
        ),
        (
            ports::starttls_port(protocol).to_string(),
            "STARTTLS".to_string(),
        ),
    ]
}

/// The hosts known providers document for the protocol (no region templates), on the port the
/// endpoint already has when it has one.
fn host_candidates(e: &Endpoint, protocol: Protocol) -> Vec<(String, String)> {
    let port = e.port_number();
    let mut hosts: Vec<(String, String)> = providers::all()
        .iter()
        .flat_map(|p| {
            p.endpoints
                .iter()
                .filter(move |pe| {
                    pe.protocol() == Some(protocol)
                        && !pe.host.contains('{')
                        && port.is_none_or(|n| u32::from(pe.port) == n)
                })
                .map(move |pe| (pe.host.clone(), p.name.clone()))
        })
        .collect();
    hosts.sort();
    hosts.dedup_by(|a, b| a.0 == b.0);
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::syntax;

    fn labels(text: &str, format: Format, at: &str) -> Vec<String> {
        let offset = text.find(at).expect("marker") + at.len();
        let config = Config::default();
        let parsed = syntax::parse(format, text);
        let analysis = super::super::analyze_parsed(text, format, &parsed, &config);
        let whole = complete(text, format, &config, &parsed, &analysis, None, offset);
        // Checked on the endpoint alone (as the language server does), the same values come.
        let mut kept = IncrementalAnalysis::new();
        let analysis = kept.analyze(text, format, &parsed, &config, None).clone();
        let on_endpoint = complete(
            text,
            format,
            &config,
            &parsed,
            &analysis,
            Some(&kept),
            offset,
        );
        assert_eq!(whole, on_endpoint, "{text}");
        whole
            .into_iter()
            .map(|c| format!("{} ({})", c.label, c.detail))
            .collect()
    }

    #[test]
    fn a_port_offers_what_fits_the_mode_already_set() {
        // EMAIL_USE_SSL: implicit TLS, so 587 would be MP003 and is not offered.
        let ssl = "EMAIL_HOST=mail.example.com\nEMAIL_PORT=25\nEMAIL_USE_SSL=True\n";
        assert_eq!(
            labels(ssl, Format::Env, "EMAIL_PORT="),
            ["465 (implicit TLS (recommended, RFC 8314))"]
        );
        let starttls = "EMAIL_HOST=mail.example.com\nEMAIL_PORT=25\nEMAIL_USE_TLS=True\n";
        assert_eq!(
            labels(starttls, Format::Env, "EMAIL_PORT="),
            ["587 (STARTTLS)"]
        );
    }

    #[test]
    fn a_known_provider_offers_its_documented_ports() {
        // Microsoft 365 documents STARTTLS on 587 only: 465 is not offered.
        let text = "MAIL_HOST=smtp.office365.com\nMAIL_PORT=\nMAIL_ENCRYPTION=tls\n";
        let offered = labels(text, Format::Env, "MAIL_PORT=");
        assert!(!offered.iter().any(|l| l.starts_with("465")), "{offered:?}");
        assert!(offered[0].starts_with("587 (STARTTLS · "), "{offered:?}");
    }

    #[test]
    fn a_host_offers_provider_hosts_for_the_protocol() {
        let text = "EMAIL_HOST=\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\n";
        let offered = labels(text, Format::Env, "EMAIL_HOST=");
        assert!(
            offered.iter().any(|l| l.starts_with("smtp.gmail.com ")),
            "{offered:?}"
        );
        assert!(
            !offered.iter().any(|l| l.starts_with("imap.")),
            "{offered:?}"
        );
    }

    #[test]
    fn a_written_value_is_replaced_by_what_fits() {
        // Values already there: candidates are checked on the endpoint alone (and the test
        // helper checks that this gives what analysing the whole text does).
        let compose = "services:\n  app:\n    environment:\n      SMTP_HOST: smtp.gmail.com\n      SMTP_PORT: 587\n      SMTP_SECURE: \"true\"\n";
        assert_eq!(
            labels(compose, Format::Yaml, "SMTP_PORT: "),
            ["465 (implicit TLS · Gmail / Google Workspace)"]
        );
        let django = "EMAIL_HOST=mail.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\n";
        let hosts = labels(django, Format::Env, "EMAIL_HOST=");
        assert!(
            hosts.iter().any(|l| l.starts_with("smtp.gmail.com ")),
            "{hosts:?}"
        );
    }

    #[test]
    fn a_security_key_offers_the_values_its_application_accepts() {
        // Only what fits the port: implicit TLS on 465, never a mode a rule would flag.
        let django = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=False\n";
        assert_eq!(
            labels(django, Format::Env, "EMAIL_USE_SSL="),
            ["True (implicit TLS)"]
        );
        let laravel =
            "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_SCHEME=smtps\n";
        assert_eq!(
            labels(laravel, Format::Env, "MAIL_SCHEME="),
            ["smtp (STARTTLS if offered)"]
        );
        // A switch that only means something when on is offered off.
        let compose = "services:\n  app:\n    environment:\n      SMTP_HOST: smtp.example.com\n      SMTP_PORT: 587\n      SMTP_SECURE: \"true\"\n";
        assert_eq!(
            labels(compose, Format::Yaml, "SMTP_SECURE: \""),
            ["false (off: the other settings decide)"]
        );
        // Spelled as the application writes it: `True` in Python, Grafana's camel case.
        let py = "EMAIL_HOST = 'smtp.example.com'\nEMAIL_PORT = 587\nEMAIL_USE_TLS = False\n";
        assert_eq!(
            labels(py, Format::Python, "EMAIL_USE_TLS = "),
            ["True (STARTTLS required)"]
        );
        let grafana =
            "[smtp]\nenabled = true\nhost = smtp.example.com:587\nstartTLS_policy = NoStartTLS\n";
        assert_eq!(
            labels(grafana, Format::Ini, "startTLS_policy = "),
            [
                "MandatoryStartTLS (STARTTLS required)",
                "OpportunisticStartTLS (STARTTLS if offered)"
            ]
        );
    }

    #[test]
    fn elsewhere_nothing_is_offered() {
        let text = "DEBUG=true\nEMAIL_HOST=mail.example.com\nEMAIL_PORT=587\n";
        assert!(labels(text, Format::Env, "DEBUG=").is_empty());
    }
}
