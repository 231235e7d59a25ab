//! A cheap test on a document's text that says when the analysis cannot find anything in it, so
//! that a walk over a whole tree (`mailport check`, the server's workspace scan) parses only the
//! files that may hold mail settings.
//!
//! It is derived from what the analysis needs, never a hand list. Every finding but MP000 belongs
//! to an endpoint, and an endpoint needs a protocol, which comes from
//! - a word of the text (a key or section `smtp`, a host `imap.…`, a scheme `smtps://`, a
//!   variable prefix `MAIL_`): [`endpoints::protocol_words`];
//! - or a profile with a protocol of its own, which forms a group only where its keys, its
//!   context or its variable names are written: [`endpoints::signature_literals`];
//! - or a document embedded in a value, named by its key (`GITLAB_OMNIBUS_CONFIG`, `msmtprc`,
//!   `main.cf`): [`embedded::BY_VARIABLE`] and the file names of the mail formats' rows in
//!   [`formats::FORMATS`].
//!
//! MP000 (the document could not be parsed) is reported only for a document that passes this
//! test: a broken YAML file that says nothing about mail is another tool's business.
//!
//! The test is on the text as written, case aside. A key written with escapes (`"\u0073mtp"`,
//! a `.properties` line continuation) could decode to a word the text does not show, so a
//! backslash before a character that starts such an escape lets the document through.
//! It applies to the formats found by name (`.env`, YAML, JSON, TOML, INI, `.properties`); the
//! others are mail files by their name, or program source and XML that `detect` already reads
//! only when they mention mail.

use std::sync::OnceLock;

use super::words::AnyWord;
use super::{embedded, endpoints, syntax::formats};
use crate::knowledge::profiles;
use crate::vocab::Format;

/// The formats the test applies to.
const FILTERED: &[Format] = &[
    Format::Env,
    Format::Yaml,
    Format::Json,
    Format::Toml,
    Format::Ini,
    Format::Properties,
];

/// Could the analysis of `text` as `format` find anything? `false` only when it cannot.
pub fn could_hold_mail(format: Format, text: &str) -> bool {
    if !FILTERED.contains(&format) {
        return true;
    }
    let bytes = text.as_bytes();
    matcher().is_match(bytes) || has_escape(bytes)
}

/// The strings the test looks for (lowercase, none inside another), sorted.
pub fn needles() -> Vec<String> {
    let mut all: Vec<String> = endpoints::protocol_words().map(str::to_string).collect();
    for profile in profiles::all() {
        let reads_filtered = FILTERED.iter().any(|&f| profile.reads(f));
        if profile.protocol.is_none() || !reads_filtered {
            continue;
        }
        all.extend(endpoints::signature_literals(profile).unwrap_or_default());
    }
    // Documents of other formats inside a value, known by the key that holds them.
    all.extend(
        embedded::BY_VARIABLE
            .iter()
            .map(|(name, _)| name.to_string()),
    );
    let embedded_by_name = formats::FORMATS
        .iter()
        .filter(|row| !FILTERED.contains(&row.format))
        .flat_map(|row| row.names.iter().map(|name| name.text().to_string()));
    all.extend(embedded_by_name);
    for needle in &mut all {
        needle.make_ascii_lowercase();
    }
    all.sort();
    all.dedup();
    // A needle that holds another is found whenever it is: keep the shorter one.
    let kept: Vec<String> = all
        .iter()
        .filter(|n| !all.iter().any(|m| m != *n && n.contains(m.as_str())))
        .cloned()
        .collect();
    kept
}

fn matcher() -> &'static AnyWord {
    static MATCHER: OnceLock<AnyWord> = OnceLock::new();
    MATCHER.get_or_init(|| AnyWord::new(&needles()))
}

/// A backslash that may start an escape spelling a letter (`\u0073`, `\x73`, `\163`,
/// `\N{…}`) or join two lines.
fn has_escape(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|pair| {
        pair[0] == b'\\'
            && matches!(
                pair[1],
                b'u' | b'U' | b'x' | b'X' | b'N' | b'0'..=b'9' | b'\n' | b'\r'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_words_pass_and_plain_documents_do_not() {
        assert!(could_hold_mail(Format::Yaml, "smtp:\n  host: x\n"));
        assert!(could_hold_mail(Format::Env, "MAIL_PORT=587\n"));
        assert!(could_hold_mail(
            Format::Json,
            "{\"host\": \"IMAP.example.com\"}"
        ));
        assert!(!could_hold_mail(
            Format::Yaml,
            "item0:\n  name: v0\n  count: 0\n"
        ));
        assert!(!could_hold_mail(
            Format::Toml,
            "[section0]\nname = \"pkg0\"\nversion = \"1.0.0\"\nenabled = true\n"
        ));
        // Formats found by content or by a mail name are not filtered here.
        assert!(could_hold_mail(Format::Msmtp, "host relay\nport 587\n"));
    }

    #[test]
    fn escapes_let_a_document_through() {
        assert!(could_hold_mail(
            Format::Json,
            "{\"\\u0073mtp\": {\"port\": 465}}"
        ));
        assert!(could_hold_mail(
            Format::Properties,
            "mail.sm\\\n  tp.host=x\n"
        ));
        assert!(!could_hold_mail(Format::Json, "{\"a\": \"line\\nbreak\"}"));
    }

    #[test]
    fn needles_come_from_the_tables() {
        let needles = needles();
        for word in [
            "smtp",
            "imap",
            "pop",
            "mail",
            "main.cf",
            "gitlab_omnibus_config",
        ] {
            assert!(needles.iter().any(|n| n == word), "{word}: {needles:?}");
        }
        // No needle holds another (the shorter one finds it), and none is empty.
        for n in &needles {
            assert!(!n.is_empty());
            assert!(
                !needles.iter().any(|m| m != n && n.contains(m.as_str())),
                "{n}"
            );
        }
    }
}
