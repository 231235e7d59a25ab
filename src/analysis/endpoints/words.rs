//! The words that name a mail protocol: in keys and sections, host labels, URL schemes.

use crate::vocab::Protocol;

/// Words in a key or section that name a mail protocol (`smtp`, `IMAP`, `pop3` …).
const PROTOCOL_WORDS: &[(&str, Protocol)] = &[
    ("smtp", Protocol::Smtp),
    ("smtps", Protocol::Smtp),
    ("smtp_settings", Protocol::Smtp),
    ("submission", Protocol::Smtp),
    ("submissions", Protocol::Smtp),
    ("sendmail", Protocol::Smtp),
    ("outgoing", Protocol::Smtp),
    ("mailer", Protocol::Smtp),
    ("smtpserver", Protocol::Smtp),
    ("outgoingserver", Protocol::Smtp),
    ("imap", Protocol::Imap),
    ("imaps", Protocol::Imap),
    ("imapserver", Protocol::Imap),
    ("pop", Protocol::Pop3),
    ("pop3", Protocol::Pop3),
    ("pop3s", Protocol::Pop3),
    ("pops", Protocol::Pop3),
];

/// The mail protocol named by a word in a key or section.
fn protocol_word(word: &str) -> Option<Protocol> {
    PROTOCOL_WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, p)| *p)
}

/// Protocol from the words of a key path (last words first): `[notifications, smtp]`, `SMTP_PORT`.
pub(super) fn protocol_from_words<'a>(words: impl Iterator<Item = &'a str>) -> Option<Protocol> {
    for w in words {
        for part in w.split(['_', '-', '.']).rev() {
            if let Some(p) = protocol_word(part) {
                return Some(p);
            }
        }
        if let Some(p) = protocol_word(w) {
            return Some(p);
        }
    }
    None
}

/// First labels of host names that name a mail protocol (`smtp.`, `imap.`, `pop.`/`pop3.`).
const HOST_LABELS: &[(&str, Protocol)] = &[
    ("smtp", Protocol::Smtp),
    ("smtps", Protocol::Smtp),
    ("smtp-mail", Protocol::Smtp),
    ("smtp-relay", Protocol::Smtp),
    ("securesmtp", Protocol::Smtp),
    ("imap", Protocol::Imap),
    ("imaps", Protocol::Imap),
    ("secureimap", Protocol::Imap),
    ("pop", Protocol::Pop3),
    ("pop3", Protocol::Pop3),
    ("pops", Protocol::Pop3),
    ("securepop", Protocol::Pop3),
];

/// Protocol from a host name's first label.
pub(super) fn protocol_from_host(host: &str) -> Option<Protocol> {
    let first = host.trim().split('.').next()?.to_ascii_lowercase();
    let first = first.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    HOST_LABELS
        .iter()
        .find(|(label, _)| *label == first)
        .map(|(_, p)| *p)
}

/// Protocol from the name of the variable a host is read from (`${SMTP_HOST}`, `${IMAP_SERVER}`).
/// A sending application's own name for it (`MAIL_HOST`, `EMAIL_HOST`, `MAIL_SERVER`: Laravel,
/// Django, Flask-Mail and the nodemailer modules that follow them) is SMTP; a program that reads
/// mail names the protocol (`IMAP_HOST`).
pub(super) fn protocol_from_host_variable(host: &str) -> Option<Protocol> {
    let name = host.trim().strip_prefix("${")?.strip_suffix('}')?;
    let name = name
        .rsplit(['.', '['])
        .next()?
        .trim_matches(['\'', '"', ']']);
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    protocol_from_words(std::iter::once(name)).or_else(|| {
        let words: Vec<&str> = name.split('_').collect();
        let sending = |w: &str| w.eq_ignore_ascii_case("mail") || w.eq_ignore_ascii_case("email");
        let host_word = |w: &str| ["host", "server"].iter().any(|h| w.eq_ignore_ascii_case(h));
        matches!(words[..], [.., m, h] if sending(m) && host_word(h)).then_some(Protocol::Smtp)
    })
}

/// The one protocol a known provider's host serves (`mailtrap.io`: SMTP only); `None` for a host
/// that serves several or is no provider's.
pub(super) fn provider_protocol(host: &str) -> Option<Protocol> {
    match crate::knowledge::providers::for_host(host)?.protocols_of(host)[..] {
        [only] => Some(only),
        _ => None,
    }
}

/// URL schemes of the mail protocols, and whether each starts TLS at once.
const SCHEMES: &[(&str, Protocol, bool)] = &[
    ("smtp", Protocol::Smtp, false),
    ("submission", Protocol::Smtp, false),
    ("smtps", Protocol::Smtp, true),
    ("submissions", Protocol::Smtp, true),
    ("imap", Protocol::Imap, false),
    ("imaps", Protocol::Imap, true),
    ("pop", Protocol::Pop3, false),
    ("pop3", Protocol::Pop3, false),
    ("pops", Protocol::Pop3, true),
    ("pop3s", Protocol::Pop3, true),
];

/// What a URL scheme says: protocol, and the mode when the scheme alone decides it.
pub(super) fn scheme_facts(scheme: &str) -> Option<(Protocol, SchemeMode)> {
    let s = scheme.to_ascii_lowercase();
    let (base, rest) = s.split_once('+').unwrap_or((s.as_str(), ""));
    let insecure = rest.split('+').any(|r| r == "insecure");
    let starttls = rest.split('+').any(|r| r == "starttls" || r == "startls");
    let (_, protocol, implicit) = *SCHEMES.iter().find(|(name, _, _)| *name == base)?;
    let mode = if implicit {
        SchemeMode::Implicit
    } else if insecure {
        SchemeMode::Insecure
    } else if starttls {
        SchemeMode::Starttls
    } else if base == "submission" {
        SchemeMode::Submission
    } else {
        SchemeMode::Plain
    };
    Some((protocol, mode))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SchemeMode {
    Implicit,
    Starttls,
    /// STARTTLS if the server offers it (lettre's `?tls=opportunistic`).
    Opportunistic,
    Insecure,
    Plain,
    /// `submission://`: a plain scheme on the submission port, 587 (RFC 6409).
    Submission,
}

/// Mail words a generic variable prefix must contain (`SMTP_`, `SVC_0007_SMTP_`, `MAIL_`).
pub(super) fn mail_prefix(prefix: &str) -> bool {
    prefix
        .split(['_', '-', '.'])
        .any(|w| MAIL_PREFIX_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)))
}

const MAIL_PREFIX_WORDS: &[&str] = &[
    "smtp", "smtps", "imap", "imaps", "pop", "pop3", "mail", "email", "mailer", "sendmail",
];

/// Every word from which the endpoint reader takes a protocol when the profile has none of its
/// own: key and section words, host labels, URL schemes (and so the values of protocol keys,
/// which are schemes or protocol names), and the words a generic variable prefix must contain.
/// An endpoint of a profile without a default protocol always has one of these in its text.
pub fn protocol_words() -> impl Iterator<Item = &'static str> {
    PROTOCOL_WORDS
        .iter()
        .map(|(w, _)| *w)
        .chain(HOST_LABELS.iter().map(|(w, _)| *w))
        .chain(SCHEMES.iter().map(|(w, _, _)| *w))
        .chain(MAIL_PREFIX_WORDS.iter().copied())
}
