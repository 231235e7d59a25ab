//! What rules report: findings with stable codes, severities and fixes as byte-range edits.

use super::endpoints::Endpoint;
use super::syntax::{Span, SyntaxError};

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
    pub const STATIC: &'static [RuleCode] = &[
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
    ];
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

    /// One paragraph on what the rule means, for SARIF help and docs.
    pub fn help(self) -> &'static str {
        self.info().3
    }

    pub fn parse(code: &str) -> Option<RuleCode> {
        RuleCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(code.trim()))
    }

    fn info(self) -> (&'static str, &'static str, Severity, &'static str) {
        use Severity::*;
        match self {
            RuleCode::Mp000 => ("MP000", "unreadable-document", Error, "The document could not be parsed; mailport checked what it could read."),
            RuleCode::Mp001 => ("MP001", "invalid-port", Error, "The port is not an integer from 1 to 65535."),
            RuleCode::Mp002 => ("MP002", "wrong-protocol-port", Error, "The port is the well-known port of a different mail protocol (for example SMTP on 993, IMAP on 587)."),
            RuleCode::Mp003 => ("MP003", "tls-mode-mismatch", Error, "Implicit TLS on a port that starts in plaintext (25, 587, 143, 110 …) fails with 'wrong version number'; STARTTLS or plaintext on an implicit-TLS port (465, 993, 995) hangs until 'greeting never received'."),
            RuleCode::Mp004 => ("MP004", "cleartext-connection", Warning, "The connection uses no TLS at all: mail and passwords cross the network in clear (RFC 8314 §4)."),
            RuleCode::Mp005 => ("MP005", "opportunistic-starttls", Warning, "Credentials are sent over STARTTLS that is only used if the server offers it: an attacker who strips STARTTLS gets the password (RFC 3207 §6, NO STARTTLS)."),
            RuleCode::Mp006 => ("MP006", "port-25-submission", Warning, "Authenticated submission on port 25: 25 is for server-to-server relay and is blocked outbound by many ISPs and clouds; use 465 or 587."),
            RuleCode::Mp007 => ("MP007", "provider-endpoint", Error, "The host belongs to a known provider that does not offer this port, mode or protocol."),
            RuleCode::Mp008 => ("MP008", "tls-verification-disabled", Warning, "Certificate checking is switched off: a session whose certificate cannot be validated is not confidential (RFC 8314 §5)."),
            RuleCode::Mp009 => ("MP009", "outdated-tls-version", Warning, "The configuration allows or forces TLS below 1.2 (RFC 8996, RFC 8997)."),
            RuleCode::Mp010 => ("MP010", "conflicting-tls-settings", Error, "Two settings of one connection ask for different TLS modes at once."),
            RuleCode::Mp011 => ("MP011", "nonstandard-port", Hint, "The port is neither standard for the protocol nor documented by the known provider: check the provider's documentation."),
            RuleCode::Mp012 => ("MP012", "overridden-setting", Hint, "The application replaces this setting with a value from another source (a nodemailer well-known `service` is merged over `host`, `port` and `secure`): it has no effect."),
            RuleCode::Mp100 => ("MP100", "probe-failed", Error, "The live probe could not connect (DNS, refused, timeout)."),
            RuleCode::Mp101 => ("MP101", "probe-contradicts-config", Error, "The server speaks another mode or protocol on that port than the document says."),
            RuleCode::Mp102 => ("MP102", "probe-tls-problem", Error, "The live probe found a TLS problem: certificate invalid, expired, wrong host, or TLS below 1.2."),
            RuleCode::Mp103 => ("MP103", "probe-ok", Info, "The live probe connected in the configured mode."),
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

/// Replace the bytes of `span` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub span: Span,
    pub new_text: String,
}

/// A code action: a set of non-overlapping edits applied together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub preferred: bool,
    pub edits: Vec<Edit>,
}

impl Fix {
    /// Applies the edits to `text`. Edits are applied back to front; overlapping or out-of-range
    /// edits make the fix unusable (`None`).
    pub fn apply(&self, text: &str) -> Option<String> {
        let mut edits: Vec<&Edit> = self.edits.iter().collect();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        for pair in edits.windows(2) {
            if pair[0].span.end > pair[1].span.start {
                return None;
            }
        }
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            if e.span.start > e.span.end
                || e.span.end > out.len()
                || !out.is_char_boundary(e.span.start)
                || !out.is_char_boundary(e.span.end)
            {
                return None;
            }
            out.replace_range(e.span.clone(), &e.new_text);
        }
        Some(out)
    }
}

/// One diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: RuleCode,
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
    /// Where it is shown (the offending value).
    pub span: Span,
    /// The endpoint the finding is about (absent for MP000).
    pub endpoint: Option<EndpointSummary>,
    /// Fixes, the preferred one first. The suppression fix is added by the faces.
    pub fixes: Vec<Fix>,
}

/// The facts of an endpoint that output formats print (`endpoint` in JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSummary {
    pub protocol: Option<&'static str>,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub security: Option<&'static str>,
    pub profile: &'static str,
}

impl EndpointSummary {
    pub fn of(e: &Endpoint) -> EndpointSummary {
        EndpointSummary {
            protocol: e.protocol.map(|p| p.as_str()),
            host: e.host.as_ref().map(|h| h.value.clone()),
            port: e.port_number(),
            security: Some(e.security.as_str()),
            profile: e.profile,
        }
    }
}

/// MP000 for every place a parser could not read.
pub fn syntax_errors(errors: &[SyntaxError]) -> Vec<Finding> {
    errors
        .iter()
        .take(1) // one root cause: the first unreadable place; the rest is usually fallout
        .map(|e| Finding {
            code: RuleCode::Mp000,
            severity: RuleCode::Mp000.default_severity(),
            message: format!(
                "the document could not be fully parsed ({}); mail settings after this point may be missed",
                e.message
            ),
            span: e.span.clone(),
            endpoint: None,
            fixes: Vec::new(),
        })
        .collect()
}
