//! `mailport probe` from the command line: arguments, JSON, exit codes (0 ok, 1 answered but
//! wrong, 2 unreachable or bad arguments), and the probe process's own time and memory against
//! endless servers.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn mailport() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mailport"))
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = mailport().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn bad_arguments_exit_2() {
    let (code, _, err) = run(&["probe", "mail.example.org"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no port"), "{err}");
    let (code, _, err) = run(&["probe", "http://mail.example.org"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown scheme"), "{err}");
    let (code, _, err) = run(&["probe", "127.0.0.1:2000"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--protocol"), "{err}");
    let (code, _, _) = run(&["probe", "smtp://127.0.0.1", "--security", "tls"]);
    assert_eq!(code, Some(2));
    let (code, _, err) = run(&["probe", "smtp://127.0.0.1", "--timeout", "0"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, out, err) = run(&[
        "probe",
        "smtps://127.0.0.1",
        "--ca-file",
        "/nonexistent/ca.pem",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("cannot read the CA file"), "{out}{err}");
}

#[tokio::test]
async fn an_unreachable_target_exits_2_with_json() {
    let port = closed_port().await;
    let url = format!("submission://127.0.0.1:{port}");
    let (code, out, _) = run(&["probe", &url, "--format", "json", "--timeout", "3"]);
    assert_eq!(code, Some(2));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["verdict"], "failed");
    assert_eq!(json["reachable"], false);
    assert_eq!(json["target"]["security"], "starttls");
    assert_eq!(json["target"]["port"], port);
    assert_eq!(json["observed"]["mode"], "unknown");
    assert_eq!(json["observed"]["greeting"], serde_json::Value::Null);
    assert_eq!(json["findings"][0]["code"], "MP100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_server_exits_1_and_the_human_output_says_why() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = s.write_all(b"220 plain.example ESMTP\r\n").await;
                let mut buf = [0u8; 512];
                while let Ok(n) = s.read(&mut buf).await {
                    let text = String::from_utf8_lossy(buf.get(..n).unwrap_or_default())
                        .to_ascii_uppercase();
                    if n == 0 {
                        return;
                    }
                    let reply: &[u8] = if text.starts_with("EHLO") {
                        b"250-plain.example\r\n250 SIZE 1000\r\n"
                    } else {
                        b"221 bye\r\n"
                    };
                    if s.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let url = format!("smtp://127.0.0.1:{port}");
    let (code, out, _) =
        tokio::task::spawn_blocking(move || run(&["probe", &url, "--timeout", "5"]))
            .await
            .unwrap();
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("SMTP server at 127.0.0.1 port {port}")),
        "{out}"
    );
    assert!(out.contains("220 plain.example ESMTP"), "{out}");
    assert!(out.contains("plaintext only"), "{out}");
    assert!(out.contains("SIZE 1000"), "{out}");
    assert!(out.contains("MP101 error"), "{out}");
    assert!(out.contains("Verdict:     insecure"), "{out}");
}

#[tokio::test]
async fn discover_lists_every_candidate() {
    // Nothing listens on the standard IMAP ports of the test machine: both fail, exit 2.
    let (code, out, _) = run(&[
        "probe",
        "127.0.0.1",
        "--discover",
        "--protocol",
        "imap",
        "--format",
        "json",
        "--timeout",
        "3",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ports: Vec<u64> = json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["port"].as_u64())
        .collect();
    assert_eq!(ports, [993, 143], "{out}");
    assert_eq!(code, Some(2), "{out}");
}

/// Highest resident memory of a running process, in bytes (VmHWM only grows, so the last reading
/// before exit is its peak).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Runs the probe against a server that never stops talking; returns (exit, seconds, peak bytes).
async fn probe_endless(
    chunk: &'static [u8],
    greeting: &'static [u8],
) -> (Option<i32>, Duration, u64) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = s.write_all(greeting).await;
                if greeting.ends_with(b"\n") {
                    // A complete greeting: wait for EHLO, then answer it without end.
                    let mut buf = [0u8; 256];
                    let _ = s.read(&mut buf).await;
                }
                while s.write_all(chunk).await.is_ok() {}
            });
        }
    });
    let url = format!("smtp://127.0.0.1:{port}");
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = mailport()
            .args(["probe", &url, "--timeout", "5", "--format", "json"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut peak = 0;
        loop {
            if let Some(rss) = peak_rss(child.id()) {
                peak = peak.max(rss);
            }
            if let Some(status) = child.try_wait().unwrap() {
                return (status.code(), started.elapsed(), peak);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_servers_are_cut_off_fast_and_small() {
    static LINE: [u8; 65536] = [b'x'; 65536];
    let (code, took, peak) = probe_endless(&LINE, b"220 ").await;
    eprintln!(
        "endless line: exit {code:?} in {took:?}, peak RSS {} KiB",
        peak / 1024
    );
    assert_eq!(code, Some(1));
    // Cut off by the line limit, long before the 5 s timeout.
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(peak > 0 && peak < 100 << 20, "peak {peak}");

    let (code, took, peak) =
        probe_endless(b"250-PIPELINING\r\n250-PIPELINING\r\n", b"220 ok\r\n").await;
    eprintln!(
        "endless reply: exit {code:?} in {took:?}, peak RSS {} KiB",
        peak / 1024
    );
    assert_eq!(code, Some(1));
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(peak > 0 && peak < 100 << 20, "peak {peak}");
}
