//! The probe against hostile and broken servers written here (tokio listeners on 127.0.0.1:0,
//! certificates from rcgen): none may end `ok`, endless and slow ones are cut off within the
//! timeout (plus a little) and memory stays bounded.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use mailport::probe::{probe, Mode, Options, Report, Target, Verdict};
use mailport::vocab::{Protocol, Security};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

// ------------------------------------------------------------------ certificates --

struct Pki {
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
    ca_params: CertificateParams,
    ca_key: KeyPair,
}

/// One test CA per process, written to a PEM file for `--ca-file`.
fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "hostile test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Pki {
            ca_file,
            _dir: dir,
            ca_params,
            ca_key,
        }
    })
}

/// A TLS acceptor whose certificate names `names`, valid in the given years.
fn acceptor(names: &[&str], years: (i32, i32)) -> TlsAcceptor {
    let pki = pki();
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
    params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
    let issuer = Issuer::from_params(&pki.ca_params, &pki.ca_key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

fn good_acceptor() -> TlsAcceptor {
    acceptor(&["localhost", "127.0.0.1"], (2024, 2099))
}

// ----------------------------------------------------------------------- servers --

/// Serves every connection on 127.0.0.1:<free port> with `handler`; returns the port.
async fn serve<F, Fut>(handler: F) -> u16
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handler(stream));
        }
    });
    port
}

/// One line from the client (byte by byte, so nothing past it is consumed).
async fn line<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut out = Vec::new();
    loop {
        let b = s.read_u8().await.ok()?;
        if b == b'\n' {
            return Some(String::from_utf8_lossy(&out).trim_end().to_string());
        }
        out.push(b);
        if out.len() > 4096 {
            return None;
        }
    }
}

async fn say<S: AsyncWrite + Unpin>(s: &mut S, text: &str) -> Option<()> {
    s.write_all(text.as_bytes()).await.ok()?;
    s.flush().await.ok()
}

/// Every command a test server received, in order.
type Log = Arc<std::sync::Mutex<Vec<String>>>;

fn record(log: &Log, command: &str) {
    if let Ok(mut log) = log.lock() {
        log.push(command.to_string());
    }
}

/// An SMTP server after TLS: EHLO with AUTH, QUIT.
async fn smtp_after_tls<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, log: &Log) -> Option<()> {
    loop {
        let raw = line(s).await?;
        record(log, &format!("tls: {raw}"));
        let cmd = raw.to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            say(
                s,
                "250-evil.example\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n",
            )
            .await?;
        } else if cmd == "QUIT" {
            return say(s, "221 bye\r\n").await;
        } else {
            say(s, "502 no\r\n").await?;
        }
    }
}

/// A plaintext SMTP server: `ehlo` is its EHLO reply; on STARTTLS it answers `starttls_reply`
/// and then speaks TLS with `tls` (if any).
async fn smtp_plain(
    mut s: TcpStream,
    ehlo: &'static str,
    starttls_reply: &'static str,
    tls: Option<TlsAcceptor>,
    log: Log,
) {
    let _ = async {
        say(&mut s, "220 evil.example ESMTP\r\n").await?;
        loop {
            let raw = line(&mut s).await?;
            record(&log, &raw);
            let cmd = raw.to_ascii_uppercase();
            if cmd.starts_with("EHLO") {
                say(&mut s, ehlo).await?;
            } else if cmd == "STARTTLS" {
                say(&mut s, starttls_reply).await?;
                let acceptor = tls.clone()?;
                let mut tls = acceptor.accept(s).await.ok()?;
                return smtp_after_tls(&mut tls, &log).await;
            } else if cmd == "QUIT" {
                return say(&mut s, "221 bye\r\n").await;
            } else {
                say(&mut s, "502 no\r\n").await?;
            }
        }
    }
    .await;
}

// ------------------------------------------------------------------------- probing --

fn options(secs: u64) -> Options {
    Options {
        timeout: Duration::from_secs(secs),
        ca_file: Some(pki().ca_file.clone()),
    }
}

async fn probe_port(
    port: u16,
    protocol: Protocol,
    security: Option<Security>,
    secs: u64,
) -> (Report, Duration) {
    let target = Target {
        host: "127.0.0.1".into(),
        port,
        protocol,
        security,
    };
    let started = Instant::now();
    let report = probe(&target, &options(secs)).await;
    (report, started.elapsed())
}

fn has(report: &Report, code: &str, text: &str) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.code.as_str() == code && f.message.contains(text))
}

/// Peak memory of this test process (all tests together), in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

const EHLO_WITH_STARTTLS: &str = "250-evil.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
const EHLO_WITHOUT_STARTTLS: &str = "250-evil.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";

// --------------------------------------------------------------------------- tests --

#[tokio::test]
async fn a_well_behaved_starttls_server_is_ok() {
    // The control: the same server code, nothing hostile, ends ok (so the tests below can fail).
    let tls = good_acceptor();
    let log = Log::default();
    let server_log = Arc::clone(&log);
    let port = serve(move |s| {
        let (tls, log) = (tls.clone(), Arc::clone(&server_log));
        smtp_plain(s, EHLO_WITH_STARTTLS, "220 go ahead\r\n", Some(tls), log)
    })
    .await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert_eq!(
        r.observed.auth_mechanisms,
        Some(vec!["PLAIN".into(), "LOGIN".into()])
    );
    // Safe by construction: a neutral EHLO name, STARTTLS, EHLO again, QUIT; never AUTH, MAIL,
    // a user name or a password, even though AUTH PLAIN LOGIN is offered.
    let commands = log.lock().unwrap().clone();
    assert_eq!(
        commands,
        [
            "EHLO mailport.invalid",
            "STARTTLS",
            "tls: EHLO mailport.invalid",
            "tls: QUIT"
        ]
    );
}

#[tokio::test]
async fn stripped_starttls_is_never_ok() {
    let port =
        serve(|s| smtp_plain(s, EHLO_WITHOUT_STARTTLS, "502 no\r\n", None, Log::default())).await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    assert_eq!(r.observed.mode, Mode::Plaintext);
    assert!(has(&r, "MP101", "does not offer STARTTLS"));
    assert!(r.observed.tls.is_none());
}

#[tokio::test]
async fn starttls_offered_but_refused_is_never_ok() {
    let port = serve(|s| {
        smtp_plain(
            s,
            EHLO_WITH_STARTTLS,
            "454 4.7.0 TLS not available\r\n",
            None,
            Log::default(),
        )
    })
    .await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    assert!(has(&r, "MP101", "refuses it (454 4.7.0 TLS not available)"));
}

#[tokio::test]
async fn a_response_injected_after_starttls_is_detected() {
    let tls = good_acceptor();
    let injected = "220 go ahead\r\n250-evil.example\r\n250 AUTH PLAIN\r\n";
    let port = serve(move |s| {
        smtp_plain(
            s,
            EHLO_WITH_STARTTLS,
            injected,
            Some(tls.clone()),
            Log::default(),
        )
    })
    .await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    assert!(has(&r, "MP102", "response injection"), "{:#?}", r.findings);
    assert!(has(&r, "MP102", "sent 34 bytes"), "{:#?}", r.findings);
    // What was injected is not taken for the capabilities: those come from after the handshake.
    assert_eq!(
        r.observed.capabilities,
        Some(vec![
            "PIPELINING".to_string(),
            "AUTH PLAIN LOGIN".to_string()
        ])
    );
}

#[tokio::test]
async fn an_imap_response_injected_after_starttls_is_detected() {
    let tls = good_acceptor();
    let port = serve(move |mut s: TcpStream| {
        let tls = tls.clone();
        async move {
            let _ = async {
                say(&mut s, "* OK evil IMAP ready\r\n").await?;
                loop {
                    let cmd = line(&mut s).await?;
                    let (tag, verb) = cmd.split_once(' ')?;
                    match verb.to_ascii_uppercase().as_str() {
                        "CAPABILITY" => say(&mut s, &format!("* CAPABILITY IMAP4rev1 STARTTLS\r\n{tag} OK done\r\n")).await?,
                        "STARTTLS" => {
                            say(&mut s, &format!("{tag} OK begin\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")).await?;
                            let mut t = tls.accept(s).await.ok()?;
                            let cmd = line(&mut t).await?;
                            let (tag, _) = cmd.split_once(' ')?;
                            say(&mut t, &format!("* CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256\r\n{tag} OK done\r\n")).await?;
                            let cmd = line(&mut t).await?;
                            let (tag, _) = cmd.split_once(' ')?;
                            return say(&mut t, &format!("* BYE\r\n{tag} OK bye\r\n")).await;
                        }
                        _ => say(&mut s, &format!("{tag} BAD no\r\n")).await?,
                    }
                }
            }
            .await;
        }
    })
    .await;
    let (r, _) = probe_port(port, Protocol::Imap, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    assert!(has(&r, "MP102", "response injection"));
    assert_eq!(
        r.observed.auth_mechanisms,
        Some(vec!["SCRAM-SHA-256".to_string()])
    );
}

#[tokio::test]
async fn an_endless_line_is_cut_off() {
    let port = serve(|mut s: TcpStream| async move {
        let junk = vec![b'A'; 16 * 1024];
        let _ = s.write_all(b"220 ").await;
        while s.write_all(&junk).await.is_ok() {}
    })
    .await;
    let (r, took) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Failed, "{r:#?}");
    assert!(
        has(&r, "MP100", "longer than 8192 bytes"),
        "{:#?}",
        r.findings
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(peak_memory() < 100 << 20, "peak {} bytes", peak_memory());
}

#[tokio::test]
async fn an_endless_multi_line_reply_is_cut_off() {
    let port = serve(|mut s: TcpStream| async move {
        let _: Option<()> = async {
            say(&mut s, "220 evil.example ESMTP\r\n").await?;
            line(&mut s).await?;
            loop {
                say(&mut s, "250-PIPELINING PIPELINING PIPELINING\r\n").await?;
            }
        }
        .await;
    })
    .await;
    let (r, took) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 5).await;
    assert_eq!(r.verdict, Verdict::Failed, "{r:#?}");
    assert!(has(&r, "MP100", "EHLO"), "{:#?}", r.findings);
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(peak_memory() < 100 << 20, "peak {} bytes", peak_memory());
}

#[tokio::test]
async fn one_byte_a_second_is_cut_off_at_the_deadline() {
    let port = serve(|mut s: TcpStream| async move {
        for b in b"220 slow.example ESMTP very slowly\r\n".iter().cycle() {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let (r, took) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 3).await;
    assert_eq!(r.verdict, Verdict::Failed, "{r:#?}");
    assert!(has(&r, "MP100", "timed out"), "{:#?}", r.findings);
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_millis(3700),
        "{took:?}"
    );
}

#[tokio::test]
async fn an_http_server_is_not_mail() {
    let port = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).await;
        let _ = say(
            &mut s,
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await;
    })
    .await;
    let (r, took) = probe_port(port, Protocol::Smtp, Some(Security::StarttlsRequired), 3).await;
    assert_eq!(r.verdict, Verdict::Failed, "{r:#?}");
    assert!(has(&r, "MP101", "an HTTP server"), "{:#?}", r.findings);
    assert_eq!(r.observed.mode, Mode::Unknown);
    assert!(took < Duration::from_secs(3), "{took:?}");
    // Configured implicit TLS: the same answer.
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::ImplicitTls), 3).await;
    assert!(has(&r, "MP101", "an HTTP server"), "{:#?}", r.findings);
}

#[tokio::test]
async fn an_ssh_banner_is_not_mail() {
    let port = serve(|mut s: TcpStream| async move {
        let _ = say(&mut s, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let (r, _) = probe_port(port, Protocol::Imap, None, 3).await;
    assert_eq!(r.verdict, Verdict::Failed, "{r:#?}");
    assert!(has(&r, "MP101", "an SSH server"), "{:#?}", r.findings);
}

#[tokio::test]
async fn a_silent_server_fails_within_the_timeout() {
    let port = serve(|s: TcpStream| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(s);
    })
    .await;
    let (r, took) = probe_port(port, Protocol::Smtp, None, 2).await;
    assert_eq!(r.verdict, Verdict::Failed, "{r:#?}");
    assert!(r.reachable);
    assert!(took < Duration::from_millis(2700), "{took:?}");
}

/// An implicit-TLS SMTP server with the given acceptor.
async fn implicit_smtp(tls: TlsAcceptor) -> u16 {
    serve(move |s| {
        let tls = tls.clone();
        async move {
            let _ = async {
                let mut t = tls.accept(s).await.ok()?;
                say(&mut t, "220 evil.example ESMTP\r\n").await?;
                smtp_after_tls(&mut t, &Log::default()).await
            }
            .await;
        }
    })
    .await
}

#[tokio::test]
async fn a_certificate_for_another_name_is_never_ok() {
    let port = implicit_smtp(acceptor(&["mail.example.org"], (2024, 2099))).await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::ImplicitTls), 5).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    let cert = r
        .observed
        .tls
        .as_ref()
        .and_then(|t| t.certificate.as_ref())
        .unwrap();
    assert!(cert.trusted && !cert.hostname_ok, "{cert:?}");
    assert_eq!(cert.names, ["mail.example.org"]);
    assert!(has(&r, "MP102", "not valid for 127.0.0.1"));
    // The conversation still went on (details shown), without sending anything secret.
    assert_eq!(
        r.observed.auth_mechanisms,
        Some(vec!["PLAIN".into(), "LOGIN".into()])
    );
}

#[tokio::test]
async fn an_expired_certificate_is_never_ok() {
    let port = implicit_smtp(acceptor(&["127.0.0.1"], (2019, 2020))).await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::ImplicitTls), 5).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    let cert = r
        .observed
        .tls
        .as_ref()
        .and_then(|t| t.certificate.as_ref())
        .unwrap();
    assert!(!cert.trusted);
    assert_eq!(cert.not_after.as_deref(), Some("2020-01-01T00:00:00Z"));
    assert!(has(&r, "MP102", "expired"), "{:#?}", r.findings);
}

#[tokio::test]
async fn a_trusted_implicit_tls_server_is_ok() {
    // Control for the two certificate tests above.
    let port = implicit_smtp(good_acceptor()).await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::ImplicitTls), 5).await;
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let (r, _) = probe_port(port, Protocol::Smtp, None, 3).await;
    assert_eq!(r.verdict, Verdict::Failed);
    assert!(!r.reachable);
    assert_eq!(r.exit_code(), 2);
    assert!(has(&r, "MP100", "cannot connect"));
}

#[tokio::test]
async fn a_server_without_tls_1_2_is_insecure() {
    // Answers any ClientHello with a fatal protocol_version alert, as a TLS 1.0/1.1-only server
    // does to a client that offers only TLS 1.2 and 1.3.
    let port = serve(|mut s: TcpStream| async move {
        let mut buf = [0u8; 2048];
        if s.read(&mut buf).await.is_ok() {
            let _ = s
                .write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])
                .await;
        }
    })
    .await;
    let (r, _) = probe_port(port, Protocol::Smtp, Some(Security::ImplicitTls), 3).await;
    assert_eq!(r.verdict, Verdict::Insecure, "{r:#?}");
    assert!(has(&r, "MP102", "no TLS 1.2 or 1.3"), "{:#?}", r.findings);
    assert_eq!(r.exit_code(), 1);
}
