//! The probe's result: the JSON of `docs/probe-output.md` and the human summary (like
//! `msmtp --serverinfo`).

use std::fmt::Write as _;

use serde::Serialize;

use crate::vocab::{Protocol, RuleCode, Severity};

/// The result of one probe; serialises to the JSON of `docs/probe-output.md`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub target: TargetJson,
    /// Every address the host resolved to, in the order tried.
    pub addresses: Vec<String>,
    /// A TCP connection was made.
    pub reachable: bool,
    pub observed: Observed,
    pub timings_ms: Timings,
    pub findings: Vec<ProbeFinding>,
    pub verdict: Verdict,
    /// With `--discover`: every candidate tried, best first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<Candidate>>,
}

/// How a connection on the port starts, as observed. Ordered best first (`--discover` ranks by it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    ImplicitTls,
    Starttls,
    Plaintext,
    #[default]
    Unknown,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ImplicitTls => "implicit-tls",
            Mode::Starttls => "starttls",
            Mode::Plaintext => "plaintext",
            Mode::Unknown => "unknown",
        }
    }
}

/// The probe's overall judgement. Ordered best first (`--discover` ranks by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Works as configured.
    Ok,
    /// Answers, but in another mode or protocol than configured.
    Mismatch,
    /// Works, but not safely (plaintext, old TLS, a bad certificate).
    Insecure,
    /// No mail session came about.
    Failed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Mismatch => "mismatch",
            Verdict::Insecure => "insecure",
            Verdict::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetJson {
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    /// `implicit-tls` | `starttls` | `none`, or null when the target does not say.
    pub security: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Observed {
    pub protocol: Option<Protocol>,
    pub mode: Mode,
    pub greeting: Option<String>,
    pub starttls_offered: Option<bool>,
    /// After TLS where TLS happened (nothing read before TLS is trusted after it).
    pub capabilities: Option<Vec<String>>,
    pub auth_mechanisms: Option<Vec<String>>,
    pub tls: Option<TlsInfo>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TlsInfo {
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub certificate: Option<CertificateInfo>,
    /// Why the chain is not trusted (not in the JSON contract; the findings say it).
    #[serde(skip)]
    pub chain_problem: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CertificateInfo {
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub not_after: Option<String>,
    pub names: Vec<String>,
    pub trusted: bool,
    pub hostname_ok: bool,
    #[serde(skip)]
    pub expired: bool,
}

/// How long each step took, in milliseconds (`null`: the step did not happen). `greeting` counts
/// from the connection (or the implicit-TLS handshake) being ready to the greeting's first line.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub dns: Option<u64>,
    pub connect: Option<u64>,
    pub greeting: Option<u64>,
    pub tls: Option<u64>,
    pub total: u64,
}

/// A probe finding (`MP100`–`MP103`).
#[derive(Clone, Debug, Serialize)]
pub struct ProbeFinding {
    pub code: RuleCode,
    pub severity: Severity,
    pub message: String,
    /// The configuration that would work, when the probe shows one.
    pub fix: Option<SuggestedMode>,
}

/// "Use this port with this mode": what the probe saw working.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuggestedMode {
    pub port: u16,
    /// Implicit TLS or STARTTLS.
    pub security: Mode,
}

/// One port tried by `--discover`.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub port: u16,
    pub protocol: Protocol,
    pub mode: Mode,
    pub verdict: Verdict,
}

impl Report {
    /// The exit status of `mailport probe`: 0 works as configured, 1 answered but something is
    /// wrong, 2 not reachable.
    pub fn exit_code(&self) -> u8 {
        if self.verdict == Verdict::Ok {
            0
        } else if self.reachable {
            1
        } else {
            2
        }
    }

    /// A summary for people, in the spirit of `msmtp --serverinfo`.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let t = &self.target;
        let protocol = self.observed.protocol.unwrap_or(t.protocol).label();
        let _ = write!(out, "{protocol} server at {} port {}", t.host, t.port);
        if !self.addresses.is_empty() && self.addresses.iter().any(|a| *a != t.host) {
            let _ = write!(out, " ({})", self.addresses.join(", "));
        }
        out.push_str(":\n");
        if let Some(greeting) = &self.observed.greeting {
            let _ = writeln!(out, "    {greeting}");
        }
        let mode = match self.observed.mode {
            Mode::ImplicitTls => "implicit TLS (TLS from the first byte)",
            Mode::Starttls => "STARTTLS (plaintext greeting, then TLS)",
            Mode::Plaintext => "plaintext only (no STARTTLS offered)",
            Mode::Unknown => "unknown",
        };
        let configured = t.security.as_deref().unwrap_or("not given");
        let _ = writeln!(out, "Mode:        {mode}; configured: {configured}");
        if let Some(tls) = &self.observed.tls {
            let _ = writeln!(
                out,
                "TLS:         {}, {}",
                tls.version.as_deref().unwrap_or("?"),
                tls.cipher.as_deref().unwrap_or("?")
            );
            if let Some(cert) = &tls.certificate {
                let _ = writeln!(out, "Certificate:");
                let _ = writeln!(
                    out,
                    "    Subject:   {}",
                    cert.subject.as_deref().unwrap_or("?")
                );
                let _ = writeln!(
                    out,
                    "    Issuer:    {}",
                    cert.issuer.as_deref().unwrap_or("?")
                );
                let _ = writeln!(out, "    Names:     {}", cert.names.join(", "));
                let _ = writeln!(
                    out,
                    "    Expires:   {}{}",
                    cert.not_after.as_deref().unwrap_or("?"),
                    if cert.expired { " (EXPIRED)" } else { "" }
                );
                let trusted = if cert.trusted {
                    "yes".to_string()
                } else {
                    format!("NO ({})", tls.chain_problem.as_deref().unwrap_or("invalid"))
                };
                let _ = writeln!(out, "    Trusted:   {trusted}");
                let _ = writeln!(
                    out,
                    "    Host name: {}",
                    if cert.hostname_ok {
                        "matches"
                    } else {
                        "DOES NOT MATCH"
                    }
                );
            }
        }
        if let Some(caps) = &self.observed.capabilities {
            let when = if self.observed.tls.is_some() {
                " (after TLS)"
            } else {
                ""
            };
            let _ = writeln!(out, "Capabilities{when}:");
            for cap in caps {
                let _ = writeln!(out, "    {cap}");
            }
        }
        if let Some(mechs) = &self.observed.auth_mechanisms {
            let shown = if mechs.is_empty() {
                "none offered".to_string()
            } else {
                mechs.join(" ")
            };
            let _ = writeln!(out, "AUTH:        {shown}");
        }
        let tm = &self.timings_ms;
        let ms = |v: Option<u64>| v.map(|v| format!("{v} ms")).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "Timings:     dns {}, connect {}, greeting {}, tls {}, total {} ms",
            ms(tm.dns),
            ms(tm.connect),
            ms(tm.greeting),
            ms(tm.tls),
            tm.total
        );
        if let Some(candidates) = &self.candidates {
            let _ = writeln!(out, "Candidates (best first):");
            for c in candidates {
                let _ = writeln!(
                    out,
                    "    {} {:<5} {:<12} {}",
                    c.protocol.as_str(),
                    c.port,
                    c.mode.as_str(),
                    c.verdict.as_str()
                );
            }
        }
        for f in &self.findings {
            let _ = writeln!(out, "{} {}: {}", f.code, f.severity.as_str(), f.message);
            if let Some(fix) = &f.fix {
                let _ = writeln!(
                    out,
                    "    would work: port {} with {}",
                    fix.port,
                    fix.security.as_str()
                );
            }
        }
        let _ = writeln!(out, "Verdict:     {}", self.verdict.as_str());
        out
    }
}
