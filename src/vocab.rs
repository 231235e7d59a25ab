//! The vocabulary every layer speaks: protocols, TLS modes, file formats, rule codes, severities
//! and byte spans. It is the bottom layer: it imports nothing from the crate, and everything may
//! import it.

use std::ops::Range;

use serde::{Serialize, Serializer};

/// A mail protocol. Profiles name it by its word (`smtp`, `imap`, `pop3`), read at load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Protocol {
    Smtp,
    Imap,
    Pop3,
}

impl TryFrom<String> for Protocol {
    type Error = String;

    fn try_from(word: String) -> Result<Self, String> {
        Protocol::parse(&word).ok_or_else(|| format!("unknown protocol `{word}`"))
    }
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
        }
    }

    pub fn parse(s: &str) -> Option<Protocol> {
        match s.trim().to_ascii_lowercase().as_str() {
            "smtp" => Some(Protocol::Smtp),
            "imap" => Some(Protocol::Imap),
            "pop3" | "pop" => Some(Protocol::Pop3),
            _ => None,
        }
    }

    /// How a person writes it: `SMTP`, `IMAP`, `POP3`.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Imap => "IMAP",
            Protocol::Pop3 => "POP3",
        }
    }
}

/// A TLS mode. Profiles name it by its word (`implicit-tls` …), read at load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Security {
    ImplicitTls,
    StarttlsRequired,
    StarttlsOpportunistic,
    None,
    Unknown,
}

impl TryFrom<String> for Security {
    type Error = String;

    /// The word, as the profiles' data writes it; another word is an error naming it.
    fn try_from(word: String) -> Result<Self, String> {
        Security::parse(&word).ok_or_else(|| format!("unknown mode `{word}`"))
    }
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::ImplicitTls => "implicit-tls",
            Security::StarttlsRequired => "starttls-required",
            Security::StarttlsOpportunistic => "starttls-opportunistic",
            Security::None => "none",
            Security::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Security> {
        match s.trim() {
            "implicit-tls" => Some(Security::ImplicitTls),
            "starttls-required" | "starttls" => Some(Security::StarttlsRequired),
            "starttls-opportunistic" => Some(Security::StarttlsOpportunistic),
            "none" => Some(Security::None),
            "unknown" => Some(Security::Unknown),
            _ => None,
        }
    }

    /// The mode in a few words, as the editor shows it beside a value (inlay hints, completion);
    /// `None` when it is not known.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Security::ImplicitTls => Some("implicit TLS"),
            Security::StarttlsRequired => Some("STARTTLS required"),
            Security::StarttlsOpportunistic => Some("STARTTLS if offered"),
            Security::None => Some("no TLS"),
            Security::Unknown => None,
        }
    }

    pub fn is_starttls(self) -> bool {
        matches!(
            self,
            Security::StarttlsRequired | Security::StarttlsOpportunistic
        )
    }

    /// The connection starts in plaintext (STARTTLS or none).
    pub fn starts_plain(self) -> bool {
        self.is_starttls() || self == Security::None
    }
}

/// Byte range into the document text.
pub type Span = Range<usize>;

/// Defines [`Format`], its list and its names from one line per format.
macro_rules! formats {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// The file formats mailport reads. What each one is called, how it is read and written
        /// is its row in `analysis::syntax::formats`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Format {
            $($(#[$doc])* $variant,)*
        }

        impl Format {
            /// Every format, in a stable order.
            pub const ALL: &'static [Format] = &[$(Format::$variant),*];

            /// A short lowercase name (`env`, `yaml` …), used in output, profiles and tests.
            pub fn name(self) -> &'static str {
                match self {
                    $(Format::$variant => $name,)*
                }
            }
        }
    };
}

formats! {
    /// `.env`, `.env.*`, `*.env`: `KEY=VALUE` lines.
    Env = "env",
    Yaml = "yaml",
    /// JSON, and JSON with comments.
    Json = "json",
    Toml = "toml",
    /// INI: Gitea `app.ini`, `grafana.ini`, `.offlineimaprc`, aerc `accounts.conf`.
    Ini = "ini",
    /// Java `.properties` (Spring `application.properties`).
    Properties = "properties",
    /// XML: Thunderbird autoconfig `config-v1.1.xml` and ISPDB files.
    Xml = "xml",
    /// Python source (Django `settings.py`).
    Python = "python",
    /// PHP source (Nextcloud `config.php`, `wp-config.php`, Laravel `config/mail.php`).
    Php = "php",
    /// Ruby source (GitLab `gitlab.rb`, Rails environments).
    Ruby = "ruby",
    /// JavaScript / TypeScript source (nodemailer, Strapi).
    JavaScript = "javascript",
    /// Nix (home-manager `accounts.email`, `programs.msmtp`).
    Nix = "nix",
    /// `~/.msmtprc`.
    Msmtp = "msmtp",
    /// `~/.mbsyncrc` (isync).
    Mbsync = "mbsync",
    /// muttrc / neomuttrc.
    Muttrc = "muttrc",
    /// `~/.fetchmailrc`.
    Fetchmail = "fetchmail",
    /// Postfix `main.cf`.
    PostfixMain = "postfix-main",
    /// Postfix `master.cf`.
    PostfixMaster = "postfix-master",
    /// mailx / s-nail `.mailrc` (also one written by a shell heredoc).
    Mailrc = "mailrc",
    /// sSMTP `ssmtp.conf`: `Key=Value` lines (read by the `.env` adapter).
    Ssmtp = "ssmtp",
    /// nullmailer `remotes`: `HOST smtp --option…` lines.
    Nullmailer = "nullmailer",
    /// esmtp `~/.esmtprc`: `keyword[=]value` lines in `identity` blocks.
    Esmtp = "esmtp",
    /// Dockerfile / Containerfile: the environment its `ENV` instructions set.
    Dockerfile = "dockerfile",
    /// Claws Mail `accountrc`: `[Account: N]` sections of `key=value` lines.
    Claws = "claws",
    /// Alpine / Pine `.pinerc`: `variable=value` lines naming c-client servers.
    Pinerc = "pinerc",
    /// Emacs Lisp (`init.el`, `.emacs`, `.gnus.el`): the variables a file sets (smtpmail, Gnus).
    Elisp = "elisp",
    /// Hjson (Lemmy's `lemmy.hjson`): JSON with unquoted keys and strings, and comments.
    Hjson = "hjson",
    /// Java source: Jakarta Mail session properties and Spring's `JavaMailSenderImpl` set in code.
    Java = "java",
}

/// Where the rule pages live: the repository's `docs/rules/` (there is no published site).
pub const RULE_DOCS_URL: &str = "https://github.com/mailport/mailport/blob/main/docs/rules";

/// A rule's documentation, written next to the code that reports it: a one-line summary (SARIF's
/// rule description, the index) and a Markdown body in ruff's shape (`## What it does`, `## Why is
/// this bad?`, `## Example`, `## Fix`). `docs/rules/` and `mailport rule` are generated from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleDoc {
    pub code: RuleCode,
    pub summary: &'static str,
    pub body: &'static str,
}

/// A rule's stable code. Codes never change meaning once shipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleCode {
    Mp000,
    Mp001,
    Mp002,
    Mp003,
    Mp004,
    Mp005,
    Mp006,
    Mp007,
    Mp008,
    Mp009,
    Mp010,
    Mp011,
    Mp012,
    Mp100,
    Mp101,
    Mp102,
    Mp103,
}

impl RuleCode {
    pub const ALL: &'static [RuleCode] = &[
        RuleCode::Mp000,
        RuleCode::Mp001,
        RuleCode::Mp002,
        RuleCode::Mp003,
        RuleCode::Mp004,
        RuleCode::Mp005,
        RuleCode::Mp006,
        RuleCode::Mp007,
        RuleCode::Mp008,
        RuleCode::Mp009,
        RuleCode::Mp010,
        RuleCode::Mp011,
        RuleCode::Mp012,
        RuleCode::Mp100,
        RuleCode::Mp101,
        RuleCode::Mp102,
        RuleCode::Mp103,
    ];
    /// The codes of the document's own rules (not the live probe's): every code below MP100.
    pub const STATIC: &'static [RuleCode] = RuleCode::ALL.split_at(13).0;

    /// `MP003`.
    pub fn as_str(self) -> &'static str {
        self.info().0
    }

    /// `tls-mode-mismatch`.
    pub fn name(self) -> &'static str {
        self.info().1
    }

    pub fn default_severity(self) -> Severity {
        self.info().2
    }

    /// The rule's page (`docs/rules/MP003.md`, generated from the rule's file): where diagnostics
    /// point (`codeDescription.href` in the editor, `helpUri` in SARIF).
    pub fn doc_url(self) -> String {
        format!("{RULE_DOCS_URL}/{}.md", self.as_str())
    }

    pub fn parse(code: &str) -> Option<RuleCode> {
        RuleCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(code.trim()))
    }

    /// Code, name and default severity; what the rule means is written in the rule's own file.
    fn info(self) -> (&'static str, &'static str, Severity) {
        use Severity::*;
        match self {
            RuleCode::Mp000 => ("MP000", "unreadable-document", Error),
            RuleCode::Mp001 => ("MP001", "invalid-port", Error),
            RuleCode::Mp002 => ("MP002", "wrong-protocol-port", Error),
            RuleCode::Mp003 => ("MP003", "tls-mode-mismatch", Error),
            RuleCode::Mp004 => ("MP004", "cleartext-connection", Warning),
            RuleCode::Mp005 => ("MP005", "opportunistic-starttls", Warning),
            RuleCode::Mp006 => ("MP006", "port-25-submission", Warning),
            RuleCode::Mp007 => ("MP007", "provider-endpoint", Error),
            RuleCode::Mp008 => ("MP008", "tls-verification-disabled", Warning),
            RuleCode::Mp009 => ("MP009", "outdated-tls-version", Warning),
            RuleCode::Mp010 => ("MP010", "conflicting-tls-settings", Error),
            RuleCode::Mp011 => ("MP011", "nonstandard-port", Hint),
            RuleCode::Mp012 => ("MP012", "overridden-setting", Hint),
            RuleCode::Mp100 => ("MP100", "probe-failed", Error),
            RuleCode::Mp101 => ("MP101", "probe-contradicts-config", Error),
            RuleCode::Mp102 => ("MP102", "probe-tls-problem", Error),
            RuleCode::Mp103 => ("MP103", "probe-ok", Info),
        }
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hint" => Some(Severity::Hint),
            "info" | "information" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Each serialises as it is written in output (`smtp`, `MP003`, `warning`).
macro_rules! serialize_as_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    )*};
}
serialize_as_str!(Protocol, RuleCode, Severity);

#[cfg(test)]
mod tests {
    use super::RuleCode;

    #[test]
    fn static_codes_are_every_code_below_the_probes() {
        let below: Vec<RuleCode> = RuleCode::ALL
            .iter()
            .copied()
            .filter(|c| c.as_str() < "MP100")
            .collect();
        assert_eq!(RuleCode::STATIC, below.as_slice());
    }
}
