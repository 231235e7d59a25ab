//! Rules: one file per rule, each holding the rule's documentation ([`RuleDoc`]: the page behind
//! `docs/rules/<CODE>.md` and `mailport rule`), its check and its tests. This file says which
//! rules run on an endpoint, in which order, and why; [`context`] is what a rule reads and
//! [`fix_choices`] the fixes several rules share.
//!
//! Adding a rule: a file here (copy one of the same shape), one line in a list below, and its
//! code and name in `vocab::RuleCode`; then regenerate the docs (`UPDATE_RULE_DOCS=1 cargo test
//! --test rule_docs`).

mod context;
mod fix_choices;

mod cleartext_connection;
mod conflicting_tls_settings;
mod invalid_port;
mod nonstandard_port;
mod opportunistic_starttls;
mod outdated_tls_version;
mod overridden_setting;
mod port_25_submission;
mod provider_endpoint;
mod tls_mode_mismatch;
mod tls_verification_disabled;
mod unreadable_document;
mod wrong_protocol_port;

pub(crate) use context::{a_protocol, mode_words, per_setting, preferred_is_implicit, Ctx};
pub use port_25_submission::port_25_fallback;
pub use unreadable_document::syntax_errors;

use super::endpoints::Endpoint;
use super::findings::{Finding, Fix};
use super::fixes::Doc;
use super::syntax::Setting;
use crate::config::Config;
use crate::knowledge::profiles;
use crate::vocab::{Format, RuleCode, RuleDoc};

/// An endpoint rule: its documentation and its check, which pushes the rule's findings on one
/// endpoint (none, one, or one per offending setting).
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    pub doc: RuleDoc,
    pub check: fn(&Ctx, &mut Vec<Finding>),
}

/// One root cause, one diagnostic: rules for an endpoint that cannot connect at all. They run in
/// this order and the first that fires is the only one; any of them silences [`SECURITY`].
/// An unreadable port (MP001) or two modes at once (MP010) make every later judgement guesswork;
/// a mode that contradicts the port (MP003) fails with every server, so it comes before what one
/// provider documents (MP007); a provider's documented endpoints say more than the port table
/// (MP002).
const CANNOT_CONNECT: &[Rule] = &[
    invalid_port::RULE,
    conflicting_tls_settings::RULE,
    tls_mode_mismatch::RULE,
    provider_endpoint::RULE,
    wrong_protocol_port::RULE,
];

/// Settings that are wrong whether or not the endpoint connects, local or not (certificate checks
/// off, old TLS versions, settings with no effect); each rule says itself where it is silent.
const ALWAYS: &[Rule] = &[
    tls_verification_disabled::RULE,
    outdated_tls_version::RULE,
    overridden_setting::RULE,
];

/// Rules for an endpoint that connects, to a host that is not local (loopback and mail catchers
/// are exempt). MP004 and MP005 exclude each other (security `none` against `if offered`).
const SECURITY: &[Rule] = &[
    cleartext_connection::RULE,
    opportunistic_starttls::RULE,
    port_25_submission::RULE,
    nonstandard_port::RULE,
];

/// Runs every rule over one endpoint (its findings depend on nothing else).
pub fn check_endpoint(
    format: Format,
    settings: &[Setting],
    e: &Endpoint,
    config: &Config,
    out: &mut Vec<Finding>,
) {
    let Some(profile) = profiles::by_id(e.profile) else {
        return;
    };
    let ctx = Ctx {
        doc: Doc { format, settings },
        e,
        profile,
        prefer: config.prefer,
    };
    let before = out.len();
    for rule in CANNOT_CONNECT {
        let had = out.len();
        (rule.check)(&ctx, out);
        // A provider's host of another protocol (MP007) and a port of another protocol (MP002)
        // are two mistakes in two settings, each with its own fix: both are reported.
        let host_only = rule.doc.code == RuleCode::Mp007
            && out.len() == had + 1
            && provider_endpoint::serves_another_protocol(&ctx);
        if out.len() > had && !host_only {
            break;
        }
    }
    let blocked = out.len() > before;
    for rule in ALWAYS {
        (rule.check)(&ctx, out);
    }
    if !blocked && !ctx.is_local() {
        for rule in SECURITY {
            (rule.check)(&ctx, out);
        }
    }
    if !e.shared.is_empty() {
        for f in out.iter_mut().skip(before) {
            f.fixes.retain(|fix| !edits_shared(settings, e, fix));
        }
    }
}

/// Whether a fix edits a setting the endpoint shares with other connections, or inserts on the
/// line after one ([`Endpoint::shared`]).
fn edits_shared(settings: &[Setting], e: &Endpoint, fix: &Fix) -> bool {
    let extents: Vec<(usize, usize)> = e
        .shared
        .iter()
        .filter_map(|&si| settings.get(si))
        .map(|s| {
            let end = s.value_span.end.max(s.style.insert_at);
            (s.key_span.start.min(s.value_span.start), end)
        })
        .collect();
    fix.edits.iter().any(|edit| {
        extents
            .iter()
            .any(|&(start, end)| edit.span.start <= end && edit.span.end >= start)
    })
}

/// The documentation of every code analysis reports (MP000 and the endpoint rules), by code.
pub fn docs() -> Vec<RuleDoc> {
    let mut docs = vec![unreadable_document::DOC];
    docs.extend(
        [CANNOT_CONNECT, ALWAYS, SECURITY]
            .concat()
            .iter()
            .map(|rule| rule.doc),
    );
    docs.sort_by_key(|d| d.code);
    docs
}

/// The documentation of one code analysis reports.
pub fn doc(code: RuleCode) -> Option<RuleDoc> {
    docs().into_iter().find(|d| d.code == code)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::analysis::{analyze_file, Finding};
    use crate::config::Config;
    use crate::vocab::RuleCode;

    /// The findings for `text` read as a file named `file_name`, with the default settings.
    pub fn findings(file_name: &str, text: &str) -> Vec<Finding> {
        analyze_file(file_name, text, &Config::default())
            .map(|a| a.findings)
            .unwrap_or_default()
    }

    /// Their codes, in the order reported.
    pub fn codes(file_name: &str, text: &str) -> Vec<RuleCode> {
        findings(file_name, text).iter().map(|f| f.code).collect()
    }

    /// The first finding of `code`.
    pub fn finding(file_name: &str, text: &str, code: RuleCode) -> Option<Finding> {
        findings(file_name, text)
            .into_iter()
            .find(|f| f.code == code)
    }

    /// The text after the preferred fix of the first finding of `code`.
    pub fn fixed(file_name: &str, text: &str, code: RuleCode) -> Option<String> {
        let f = finding(file_name, text, code)?;
        f.fixes.iter().find(|fix| fix.preferred)?.apply(text)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::codes;
    use super::*;

    /// Each rule's `## Example` is a file the rule fires on: the docs cannot promise what the
    /// code does not do.
    #[test]
    fn every_example_fires_its_rule() {
        for doc in docs() {
            let (file_name, example) = example(doc.body)
                .unwrap_or_else(|| panic!("{}: no ## Example with a known language", doc.code));
            assert!(
                codes(file_name, &example).contains(&doc.code),
                "{}'s example does not fire it:\n{example}",
                doc.code
            );
        }
    }

    #[test]
    fn every_static_code_has_one_page_in_ruff_s_shape() {
        let codes: Vec<RuleCode> = docs().iter().map(|d| d.code).collect();
        assert_eq!(codes, RuleCode::STATIC);
        for doc in docs() {
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix",
            ] {
                assert!(doc.body.contains(heading), "{}: no {heading}", doc.code);
            }
        }
    }

    /// The first fenced block under `## Example`, and a file name its language is read as.
    fn example(body: &str) -> Option<(&'static str, String)> {
        let section = body.split("## Example").nth(1)?;
        let fence = section.split("```").nth(1)?;
        let (language, code) = fence.split_once('\n')?;
        let file_name = match language.trim() {
            "dotenv" => ".env",
            "yaml" => "config.yml",
            "javascript" => "mailer.js",
            "properties" => "application.properties",
            "python" => "settings.py",
            "ini" => "app.ini",
            "toml" => "config.toml",
            "json" => "config.json",
            "xml" => "config-v1.1.xml",
            _ => return None,
        };
        Some((file_name, code.to_string()))
    }
}
