//! The probe against real Postfix + Dovecot on loopback (tests/mailservers.sh, started once per
//! test process; a CA is made at start). Needs root (CI runs as root on Debian 12); the script
//! installs postfix and dovecot with apt-get when they are missing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use mailport::probe::{
    discover_ports, probe, Mode, Options, Report, SuggestedMode, Target, Verdict,
};
use mailport::vocab::{Protocol, Security};

struct Servers {
    env: HashMap<String, String>,
}

impl Servers {
    fn port(&self, key: &str) -> u16 {
        self.env
            .get(key)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{key} missing from the mailservers env file"))
    }
    fn ca(&self) -> PathBuf {
        PathBuf::from(&self.env["MAILSERVERS_CA_CERT"])
    }
}

const SMTP_STARTTLS: &str = "MAILSERVERS_SMTP_STARTTLS_PORT";
const SUBMISSION: &str = "MAILSERVERS_SUBMISSION_STARTTLS_REQUIRED_PORT";
const SUBMISSIONS: &str = "MAILSERVERS_SUBMISSIONS_IMPLICIT_TLS_PORT";
const SMTP_PLAIN: &str = "MAILSERVERS_SMTP_PLAINTEXT_ONLY_PORT";
const IMAP: &str = "MAILSERVERS_IMAP_STARTTLS_PORT";
const IMAPS: &str = "MAILSERVERS_IMAPS_PORT";
const POP3: &str = "MAILSERVERS_POP3_STARTTLS_PORT";
const POP3S: &str = "MAILSERVERS_POP3S_PORT";

static SERVERS: OnceLock<Result<Servers, String>> = OnceLock::new();

/// Starts the servers in a per-run DIR; a watcher stops them when this test process exits, and
/// the next run's `start` stops any instance an earlier run left behind.
fn servers() -> &'static Servers {
    let started = SERVERS.get_or_init(|| {
        let pid = std::process::id();
        let dir = std::env::temp_dir().join(format!("mailport-probe-servers-{pid}"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mailservers.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .env("MAILSERVERS_STOP_WITH_PID", pid.to_string())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "mailservers.sh start failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        remove_old_dirs(&dir);
        let text = std::fs::read_to_string(dir.join("env")).map_err(|e| e.to_string())?;
        let env = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Servers { env })
    });
    match started {
        Ok(servers) => servers,
        Err(e) => panic!("the real mail servers could not be started: {e}"),
    }
}

/// Removes the DIRs of earlier runs whose test process is gone (their daemons were stopped by
/// their watcher or by `start`, which stops every registered instance but this one).
fn remove_old_dirs(current: &Path) {
    let registry = std::fs::read_to_string("/tmp/mailport-mailservers.dirs").unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("mailport-probe-servers-") else {
            continue;
        };
        let alive = Path::new("/proc").join(pid).exists();
        let registered = registry.lines().any(|l| Path::new(l) == path);
        if path != current && !alive && !registered {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn target(port: u16, protocol: Protocol, security: Option<Security>) -> Target {
    Target {
        host: "127.0.0.1".into(),
        port,
        protocol,
        security,
    }
}

async fn run(
    port_key: &str,
    protocol: Protocol,
    security: Option<Security>,
    trust_ca: bool,
) -> Report {
    let s = servers();
    let options = Options {
        timeout: Duration::from_secs(10),
        ca_file: trust_ca.then(|| s.ca()),
    };
    probe(&target(s.port(port_key), protocol, security), &options).await
}

fn codes(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

fn assert_secure_ok(report: &Report, mode: Mode) {
    assert_eq!(report.verdict, Verdict::Ok, "{report:#?}");
    assert_eq!(report.observed.mode, mode);
    assert_eq!(codes(report), ["MP103"]);
    let tls = report.observed.tls.as_ref().expect("TLS facts");
    assert!(matches!(
        tls.version.as_deref(),
        Some("TLSv1.3" | "TLSv1.2")
    ));
    let cert = tls.certificate.as_ref().expect("certificate facts");
    assert!(cert.trusted && cert.hostname_ok, "{cert:?}");
    assert_eq!(cert.subject.as_deref(), Some("CN=localhost"));
    assert!(
        cert.names.iter().any(|n| n == "127.0.0.1"),
        "{:?}",
        cert.names
    );
    assert_eq!(report.exit_code(), 0);
}

fn auth(report: &Report) -> Vec<&str> {
    report
        .observed
        .auth_mechanisms
        .as_ref()
        .map(|m| m.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

fn capabilities(report: &Report) -> Vec<String> {
    report.observed.capabilities.clone().unwrap_or_default()
}

#[tokio::test]
async fn smtp_starttls_offered() {
    let r = run(
        SMTP_STARTTLS,
        Protocol::Smtp,
        Some(Security::StarttlsRequired),
        true,
    )
    .await;
    assert_secure_ok(&r, Mode::Starttls);
    assert_eq!(r.observed.starttls_offered, Some(true));
    assert!(r
        .observed
        .greeting
        .as_deref()
        .unwrap_or("")
        .starts_with("220 localhost ESMTP"));
    // Capabilities are the ones read after TLS: no STARTTLS any more, no AUTH on this port.
    let caps = capabilities(&r);
    assert!(caps.iter().any(|c| c == "PIPELINING"), "{caps:?}");
    assert!(!caps.iter().any(|c| c == "STARTTLS"), "{caps:?}");
    assert!(auth(&r).is_empty());
}

#[tokio::test]
async fn submission_starttls_required_offers_auth_after_tls() {
    let r = run(
        SUBMISSION,
        Protocol::Smtp,
        Some(Security::StarttlsRequired),
        true,
    )
    .await;
    assert_secure_ok(&r, Mode::Starttls);
    assert_eq!(auth(&r), ["PLAIN", "LOGIN"]);
}

#[tokio::test]
async fn submissions_implicit_tls() {
    let r = run(
        SUBMISSIONS,
        Protocol::Smtp,
        Some(Security::ImplicitTls),
        true,
    )
    .await;
    assert_secure_ok(&r, Mode::ImplicitTls);
    assert_eq!(auth(&r), ["PLAIN", "LOGIN"]);
    assert_eq!(r.observed.protocol, Some(Protocol::Smtp));
}

#[tokio::test]
async fn smtp_plaintext_only_is_never_fine() {
    let r = run(
        SMTP_PLAIN,
        Protocol::Smtp,
        Some(Security::StarttlsRequired),
        true,
    )
    .await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    assert_eq!(r.observed.mode, Mode::Plaintext);
    assert_eq!(r.observed.starttls_offered, Some(false));
    assert!(r.observed.tls.is_none());
    assert_eq!(codes(&r), ["MP101"]);
    assert!(r.findings[0].message.contains("does not offer STARTTLS"));
    assert_eq!(r.exit_code(), 1);

    let r = run(SMTP_PLAIN, Protocol::Smtp, Some(Security::None), true).await;
    assert_eq!((r.verdict, codes(&r)), (Verdict::Insecure, vec!["MP102"]));
}

#[tokio::test]
async fn imap_starttls_and_implicit() {
    let r = run(IMAP, Protocol::Imap, Some(Security::StarttlsRequired), true).await;
    assert_secure_ok(&r, Mode::Starttls);
    assert_eq!(auth(&r), ["PLAIN", "LOGIN"]);
    assert!(!capabilities(&r).iter().any(|c| c == "STARTTLS"));
    let r = run(IMAPS, Protocol::Imap, Some(Security::ImplicitTls), true).await;
    assert_secure_ok(&r, Mode::ImplicitTls);
    assert_eq!(auth(&r), ["PLAIN", "LOGIN"]);
    assert_eq!(r.observed.starttls_offered, Some(false));
}

#[tokio::test]
async fn pop3_stls_and_implicit() {
    let r = run(POP3, Protocol::Pop3, Some(Security::StarttlsRequired), true).await;
    assert_secure_ok(&r, Mode::Starttls);
    assert_eq!(auth(&r), ["PLAIN", "LOGIN"]);
    assert!(r
        .observed
        .greeting
        .as_deref()
        .unwrap_or("")
        .starts_with("+OK Dovecot"));
    let r = run(POP3S, Protocol::Pop3, Some(Security::ImplicitTls), true).await;
    assert_secure_ok(&r, Mode::ImplicitTls);
}

#[tokio::test]
async fn every_port_is_classified_whatever_the_target_claims() {
    let expected = [
        (SMTP_STARTTLS, Protocol::Smtp, Mode::Starttls),
        (SUBMISSION, Protocol::Smtp, Mode::Starttls),
        (SUBMISSIONS, Protocol::Smtp, Mode::ImplicitTls),
        (SMTP_PLAIN, Protocol::Smtp, Mode::Plaintext),
        (IMAP, Protocol::Imap, Mode::Starttls),
        (IMAPS, Protocol::Imap, Mode::ImplicitTls),
        (POP3, Protocol::Pop3, Mode::Starttls),
        (POP3S, Protocol::Pop3, Mode::ImplicitTls),
    ];
    // In parallel: a plaintext-first probe of an implicit-TLS port waits out the greeting silence.
    let mut probes = tokio::task::JoinSet::new();
    for (key, protocol, mode) in expected {
        for claim in [
            None,
            Some(Security::ImplicitTls),
            Some(Security::StarttlsRequired),
        ] {
            probes.spawn(async move {
                (
                    key,
                    claim,
                    mode,
                    protocol,
                    run(key, protocol, claim, true).await,
                )
            });
        }
    }
    let mut seen = 0;
    while let Some(done) = probes.join_next().await {
        let (key, claim, mode, protocol, r) = done.unwrap();
        assert_eq!(r.observed.mode, mode, "{key} claimed {claim:?}: {r:#?}");
        assert_eq!(r.observed.protocol, Some(protocol));
        seen += 1;
    }
    assert_eq!(seen, 24);
}

#[tokio::test]
async fn implicit_tls_to_a_starttls_port_is_a_mismatch_with_a_fix() {
    for (key, protocol) in [
        (SUBMISSION, Protocol::Smtp),
        (IMAP, Protocol::Imap),
        (POP3, Protocol::Pop3),
    ] {
        let r = run(key, protocol, Some(Security::ImplicitTls), true).await;
        assert_eq!(r.verdict, Verdict::Mismatch, "{r:#?}");
        assert_eq!(r.observed.mode, Mode::Starttls);
        assert_eq!(codes(&r), ["MP101"]);
        let port = servers().port(key);
        assert_eq!(
            r.findings[0].fix,
            Some(SuggestedMode {
                port,
                security: Mode::Starttls
            })
        );
        assert_eq!(r.exit_code(), 1);
    }
}

#[tokio::test]
async fn starttls_to_an_implicit_port_is_a_mismatch_with_a_fix() {
    let mut probes = tokio::task::JoinSet::new();
    for (key, protocol) in [
        (SUBMISSIONS, Protocol::Smtp),
        (IMAPS, Protocol::Imap),
        (POP3S, Protocol::Pop3),
    ] {
        probes.spawn(async move {
            let report = run(key, protocol, Some(Security::StarttlsRequired), true).await;
            (key, report)
        });
    }
    for (key, r) in probes.join_all().await {
        assert_eq!(r.verdict, Verdict::Mismatch, "{r:#?}");
        assert_eq!(r.observed.mode, Mode::ImplicitTls);
        let port = servers().port(key);
        assert_eq!(
            r.findings[0].fix,
            Some(SuggestedMode {
                port,
                security: Mode::ImplicitTls
            })
        );
        assert!(r.findings[0].message.contains("implicit TLS"));
    }
}

#[tokio::test]
async fn without_the_private_ca_the_certificate_is_untrusted() {
    for (key, protocol, security) in [
        (SUBMISSIONS, Protocol::Smtp, Security::ImplicitTls),
        (SUBMISSION, Protocol::Smtp, Security::StarttlsRequired),
        (IMAPS, Protocol::Imap, Security::ImplicitTls),
    ] {
        let r = run(key, protocol, Some(security), false).await;
        assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
        let cert = r
            .observed
            .tls
            .as_ref()
            .and_then(|t| t.certificate.as_ref())
            .expect("cert");
        assert!(!cert.trusted);
        assert!(cert.hostname_ok);
        // Details are still shown.
        assert_eq!(cert.issuer.as_deref(), Some("CN=mailservers.sh test CA"));
        assert_eq!(codes(&r), ["MP102"]);
        assert!(
            r.findings[0].message.contains("unknown CA"),
            "{}",
            r.findings[0].message
        );
    }
}

#[tokio::test]
async fn the_json_has_the_contract_shape_with_nulls() {
    let r = run(SMTP_PLAIN, Protocol::Smtp, None, true).await;
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["target"]["security"], serde_json::Value::Null);
    assert_eq!(json["addresses"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(json["reachable"], true);
    assert_eq!(json["observed"]["tls"], serde_json::Value::Null);
    assert_eq!(json["timings_ms"]["tls"], serde_json::Value::Null);
    assert!(json["timings_ms"]["greeting"].is_u64());
    assert_eq!(json["findings"][0]["fix"], serde_json::Value::Null);
    for key in [
        "protocol",
        "mode",
        "greeting",
        "starttls_offered",
        "capabilities",
        "auth_mechanisms",
    ] {
        assert!(
            json["observed"].get(key).is_some(),
            "observed.{key} missing"
        );
    }
}

#[tokio::test]
async fn discover_ranks_implicit_tls_first() {
    let s = servers();
    let ports: &'static [u16] = Box::leak(
        vec![
            s.port(SMTP_PLAIN),
            s.port(SMTP_STARTTLS),
            s.port(SUBMISSION),
            s.port(SUBMISSIONS),
        ]
        .into_boxed_slice(),
    );
    let options = Options {
        timeout: Duration::from_secs(10),
        ca_file: Some(s.ca()),
    };
    let r = discover_ports("127.0.0.1", &[Protocol::Smtp], &options, |_| ports).await;
    assert_eq!(r.target.port, s.port(SUBMISSIONS), "{r:#?}");
    assert_eq!(r.verdict, Verdict::Ok);
    let modes: Vec<&str> = r
        .candidates
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.mode.as_str())
        .collect();
    assert_eq!(modes, ["implicit-tls", "starttls", "starttls", "plaintext"]);
}

#[test]
fn cli_json_exit_codes_against_real_servers() {
    let s = servers();
    let bin = env!("CARGO_BIN_EXE_mailport");
    let ca = s.ca();
    let run = |url: String| {
        let out = Command::new(bin)
            .args([
                "probe",
                &url,
                "--format",
                "json",
                "--timeout",
                "8",
                "--ca-file",
            ])
            .arg(&ca)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };
    let (code, json) = run(format!("submission://127.0.0.1:{}", s.port(SUBMISSION)));
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["verdict"], "ok");
    assert_eq!(
        json["observed"]["auth_mechanisms"],
        serde_json::json!(["PLAIN", "LOGIN"])
    );
    let (code, json) = run(format!("smtps://127.0.0.1:{}", s.port(SUBMISSION)));
    assert_eq!(code, Some(1));
    assert_eq!(json["verdict"], "mismatch");
    assert_eq!(json["findings"][0]["fix"]["security"], "starttls");
    let (code, json) = run(format!("imap://127.0.0.1:{}", s.port(IMAPS)));
    assert_eq!(code, Some(1));
    assert_eq!(json["findings"][0]["fix"]["security"], "implicit-tls");
}
