//! Endpoints: settings grouped into configured connections, read through application profiles.

use super::syntax::{Format, Setting, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Smtp,
    Imap,
    Pop3,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Security {
    ImplicitTls,
    StarttlsRequired,
    StarttlsOpportunistic,
    None,
    Unknown,
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

/// A value of the document that an endpoint field came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    pub span: Span,
    /// Index of the setting in the parsed settings.
    pub setting: usize,
}

/// Where the endpoint's security mode came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityFrom {
    /// Security keys of the document (indices of the settings).
    Keys(Vec<usize>),
    /// A URL scheme (`smtps://`).
    Scheme,
    /// The application derives TLS from the port (Laravel ≥ 9, Alertmanager, Grafana …): the mode
    /// cannot contradict the port.
    Port,
    /// The application's default, since the document sets no security key.
    Default,
    /// Nothing decides it.
    Nothing,
}

/// A URL value an endpoint was read from (`smtps://user@host:465`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts {
    /// The scheme as written and its span (`smtps`).
    pub scheme: Located,
    /// Where `:port` goes when the URL has none (right after the host).
    pub port_insert_at: usize,
}

/// One configured connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Profile id (`django`, `nodemailer`, `generic` …).
    pub profile: &'static str,
    pub protocol: Option<Protocol>,
    pub host: Option<Located>,
    /// The port as written (may be invalid or a variable reference).
    pub port: Option<Located>,
    /// The port the application uses when the document gives none.
    pub default_port: Option<u16>,
    pub security: Security,
    pub security_from: SecurityFrom,
    pub credentials: bool,
    /// Every setting of the endpoint (indices into the parsed settings).
    pub settings: Vec<usize>,
    pub url: Option<UrlParts>,
    /// Settings that switch certificate checking off.
    pub verify_off: Vec<Located>,
    /// Settings that allow TLS below 1.2.
    pub old_tls: Vec<Located>,
    /// Settings that ask for different modes at once (MP010).
    pub conflicts: Vec<Located>,
    /// Index of the setting after which new keys are inserted.
    pub anchor: usize,
}

impl Endpoint {
    /// The port as a number when it is a valid literal, else the default port.
    pub fn port_number(&self) -> Option<u32> {
        match &self.port {
            Some(p) => crate::knowledge::ports::parse_port(&p.value).ok().flatten(),
            None => self.default_port.map(u32::from),
        }
    }
}

/// Groups settings into endpoints using the application profiles.
pub fn build(settings: &[Setting], format: Format) -> Vec<Endpoint> {
    let _ = (settings, format);
    Vec::new()
}
