//! Judging an observation against what the target claims: findings (MP100–MP103) and a verdict.

use super::report::Mode;
use super::report::{ProbeFinding, Report, SuggestedMode, TargetJson, Verdict};
use super::session::{FailureKind, Observation};
use super::Target;
use crate::vocab::{Protocol, RuleCode, Security, Severity};

/// What the configuration claims, reduced to what can be observed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Claim {
    Implicit,
    Starttls,
    Plain,
    Unknown,
}

fn claim(security: Option<Security>) -> Claim {
    match security {
        Some(Security::ImplicitTls) => Claim::Implicit,
        Some(s) if s.is_starttls() => Claim::Starttls,
        Some(Security::None) => Claim::Plain,
        _ => Claim::Unknown,
    }
}

/// How `docs/probe-output.md` writes a target's security.
pub fn security_json(security: Option<Security>) -> Option<String> {
    match claim(security) {
        Claim::Implicit => Some("implicit-tls".into()),
        Claim::Starttls => Some("starttls".into()),
        Claim::Plain => Some("none".into()),
        Claim::Unknown => None,
    }
}

struct Judge {
    findings: Vec<ProbeFinding>,
    insecure: bool,
    mismatch: bool,
}

impl Judge {
    fn add(
        &mut self,
        code: RuleCode,
        severity: Severity,
        message: String,
        fix: Option<SuggestedMode>,
    ) {
        self.findings.push(ProbeFinding {
            code,
            severity,
            message,
            fix,
        });
    }
}

fn implicit_port(protocol: Protocol) -> u16 {
    crate::knowledge::ports::implicit_port(protocol)
}

pub fn build_report(target: &Target, mut obs: Observation) -> Report {
    let port = target.port;
    let mut j = Judge {
        findings: Vec::new(),
        insecure: false,
        mismatch: false,
    };
    if let Some(failure) = &obs.failure {
        let code = if failure.kind == FailureKind::Tls {
            RuleCode::Mp102
        } else {
            RuleCode::Mp100
        };
        j.add(code, Severity::Error, failure.message.clone(), None);
        if obs.old_tls {
            j.insecure = true;
        }
    }
    if let Some(what) = &obs.not_mail {
        j.add(
            RuleCode::Mp101,
            Severity::Error,
            format!("port {port} does not speak a mail protocol: it answers like {what}"),
            None,
        );
    }
    if let Some(seen) = obs.protocol {
        if seen != target.protocol {
            j.mismatch = true;
            j.add(
                RuleCode::Mp101,
                Severity::Error,
                format!(
                    "the server on port {port} speaks {}, not {}",
                    seen.label(),
                    target.protocol.label()
                ),
                None,
            );
        }
    }
    let protocol = obs.protocol.unwrap_or(target.protocol);
    let configured = claim(target.security);
    let mode = obs.mode;
    match (configured, mode) {
        (Claim::Implicit, Mode::Starttls) => {
            j.mismatch = true;
            j.add(
                RuleCode::Mp101,
                Severity::Error,
                format!(
                    "configured for implicit TLS, but the server on port {port} greets in plaintext and offers STARTTLS: use STARTTLS on {port} (or implicit TLS on the {} port {})",
                    protocol.label(),
                    implicit_port(protocol)
                ),
                Some(SuggestedMode { port, security: Mode::Starttls }),
            );
        }
        (Claim::Implicit, Mode::Plaintext) => {
            j.mismatch = true;
            j.insecure = true;
            j.add(
                RuleCode::Mp101,
                Severity::Error,
                format!("configured for implicit TLS, but the server on port {port} speaks plaintext and {}", no_starttls(&obs)),
                None,
            );
        }
        (Claim::Starttls | Claim::Plain, Mode::ImplicitTls) => {
            j.mismatch = true;
            let was = if configured == Claim::Starttls {
                "STARTTLS"
            } else {
                "no TLS"
            };
            j.add(
                RuleCode::Mp101,
                Severity::Error,
                format!(
                    "configured for {was}, but the server speaks implicit TLS on {port} (TLS from the first byte, no plaintext greeting): set implicit TLS (secure/ssl) for port {port}"
                ),
                Some(SuggestedMode { port, security: Mode::ImplicitTls }),
            );
        }
        (Claim::Plain, Mode::Starttls) => {
            j.mismatch = true;
            j.add(
                RuleCode::Mp101,
                Severity::Warning,
                format!("the server on port {port} offers STARTTLS, but the configuration does not use TLS: require STARTTLS"),
                Some(SuggestedMode { port, security: Mode::Starttls }),
            );
        }
        (Claim::Starttls, Mode::Plaintext) => {
            j.insecure = true;
            j.add(
                RuleCode::Mp101,
                Severity::Error,
                format!(
                    "configured for STARTTLS, but the server on port {port} {} (or someone in the middle strips it): a client must not fall back to plaintext",
                    no_starttls(&obs)
                ),
                None,
            );
        }
        (Claim::Plain | Claim::Unknown, Mode::Plaintext) => {
            j.insecure = true;
            j.add(
                RuleCode::Mp102,
                Severity::Warning,
                format!("no TLS on port {port}: the server {}, so passwords and mail cross the network in clear", no_starttls(&obs)),
                None,
            );
        }
        _ => {}
    }
    if let Some(bytes) = obs.injected {
        j.insecure = true;
        j.add(
            RuleCode::Mp102,
            Severity::Error,
            format!("the server sent {bytes} bytes after its STARTTLS reply and before the TLS handshake (response injection, as in the NO STARTTLS attacks); they were discarded, but this server or path cannot be trusted"),
            None,
        );
    }
    if let Some(tls) = &obs.observed.tls {
        if let Some(version) = &tls.version {
            if version != "TLSv1.2" && version != "TLSv1.3" {
                j.insecure = true;
                j.add(
                    RuleCode::Mp102,
                    Severity::Error,
                    format!("{version} is below TLS 1.2 (RFC 8996)"),
                    None,
                );
            }
        }
        match &tls.certificate {
            Some(cert) => {
                if let Some(problem) = &tls.chain_problem {
                    j.insecure = true;
                    j.add(
                        RuleCode::Mp102,
                        Severity::Error,
                        format!("the certificate is not trusted: {problem}"),
                        None,
                    );
                }
                if cert.expired && tls.chain_problem.as_deref() != Some("expired") {
                    j.insecure = true;
                    j.add(
                        RuleCode::Mp102,
                        Severity::Error,
                        format!(
                            "the certificate expired on {}",
                            cert.not_after.as_deref().unwrap_or("?")
                        ),
                        None,
                    );
                }
                if !cert.hostname_ok {
                    j.insecure = true;
                    j.add(
                        RuleCode::Mp102,
                        Severity::Error,
                        format!(
                            "the certificate is not valid for {} (it names: {})",
                            target.host,
                            if cert.names.is_empty() {
                                "nothing".to_string()
                            } else {
                                cert.names.join(", ")
                            }
                        ),
                        None,
                    );
                }
            }
            None => {
                j.insecure = true;
                j.add(
                    RuleCode::Mp102,
                    Severity::Error,
                    "the server sent no certificate".into(),
                    None,
                );
            }
        }
    }
    let failed =
        !obs.old_tls && (obs.failure.is_some() || obs.not_mail.is_some() || mode == Mode::Unknown);
    let verdict = if failed {
        Verdict::Failed
    } else if j.insecure {
        Verdict::Insecure
    } else if j.mismatch {
        Verdict::Mismatch
    } else {
        let tls = obs
            .observed
            .tls
            .as_ref()
            .and_then(|t| t.version.clone())
            .unwrap_or_default();
        j.add(
            RuleCode::Mp103,
            Severity::Info,
            format!(
                "{} on port {port} works: {}, {tls}, certificate trusted and valid for {}",
                protocol.label(),
                mode.as_str(),
                target.host
            ),
            None,
        );
        Verdict::Ok
    };
    obs.observed.mode = mode;
    obs.observed.protocol = obs.protocol;
    Report {
        version: 1,
        target: TargetJson {
            host: target.host.clone(),
            port,
            protocol: target.protocol,
            security: security_json(target.security),
        },
        addresses: obs.addresses,
        reachable: obs.reachable,
        observed: obs.observed,
        timings_ms: obs.timings,
        findings: j.findings,
        verdict,
        candidates: None,
    }
}

fn no_starttls(obs: &Observation) -> String {
    match &obs.starttls_refused {
        Some(reply) => format!("offers STARTTLS but refuses it ({reply})"),
        None => "does not offer STARTTLS".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::session::Failure;

    fn target(security: Option<Security>) -> Target {
        Target {
            host: "mail.example.org".into(),
            port: 587,
            protocol: Protocol::Smtp,
            security,
        }
    }

    fn seen(mode: Mode) -> Observation {
        Observation {
            reachable: true,
            mode,
            protocol: Some(Protocol::Smtp),
            ..Observation::default()
        }
    }

    fn judged(
        security: Option<Security>,
        obs: Observation,
    ) -> (Verdict, Vec<RuleCode>, Option<SuggestedMode>) {
        let r = build_report(&target(security), obs);
        let fix = r.findings.iter().find_map(|f| f.fix.clone());
        (
            r.verdict,
            r.findings.into_iter().map(|f| f.code).collect(),
            fix,
        )
    }

    #[test]
    fn plaintext_config_on_a_starttls_server_is_a_mismatch_with_a_fix() {
        let (verdict, codes, fix) = judged(Some(Security::None), seen(Mode::Starttls));
        assert_eq!((verdict, codes), (Verdict::Mismatch, vec![RuleCode::Mp101]));
        assert_eq!(
            fix,
            Some(SuggestedMode {
                port: 587,
                security: Mode::Starttls
            })
        );
    }

    #[test]
    fn plaintext_is_insecure_whatever_was_configured() {
        for claim in [
            None,
            Some(Security::None),
            Some(Security::StarttlsOpportunistic),
        ] {
            let (verdict, _, fix) = judged(claim, seen(Mode::Plaintext));
            assert_eq!(verdict, Verdict::Insecure, "{claim:?}");
            assert_eq!(fix, None, "plaintext is never suggested");
        }
    }

    #[test]
    fn a_wrong_protocol_is_a_mismatch() {
        let mut obs = seen(Mode::ImplicitTls);
        obs.protocol = Some(Protocol::Imap);
        obs.observed.tls = None;
        let r = build_report(&target(Some(Security::ImplicitTls)), obs);
        assert!(r
            .findings
            .iter()
            .any(|f| f.message.contains("speaks IMAP, not SMTP")));
        assert_ne!(r.verdict, Verdict::Ok);
    }

    #[test]
    fn a_failure_is_failed_and_unreachable_exits_2() {
        let obs = Observation {
            failure: Some(Failure::new(FailureKind::Connect, "refused")),
            ..Observation::default()
        };
        let r = build_report(&target(None), obs);
        assert_eq!((r.verdict, r.exit_code()), (Verdict::Failed, 2));
        assert_eq!(r.findings[0].code, RuleCode::Mp100);
        assert_eq!(r.observed.mode, Mode::Unknown);
    }
}
