//! The language server's workspace scan against `mailport check` on the same tree, measured from
//! outside, run after run in turns (so a change in the machine's load hits both):
//! - check: `mailport check TREE --format json --fail-on never > /dev/null`, wall time;
//! - scan: `mailport lsp` over stdio with the tree as its one workspace folder, from the end of
//!   writing `initialized` to the end of the scan's `$/progress`, and to the last
//!   `publishDiagnostics` of the scan; the server's peak RSS (`VmHWM`, Linux).
//!
//! ```sh
//! WORKSPACE_BENCH_TREE=/tmp/mailport-tree WORKSPACE_BENCH_SERVICES=400 cargo bench --bench workspace_scan
//! ```
//! The tree is generated from `examples/`, deterministically: per service 3 mail configs and 60
//! other files (valid YAML, TOML, JSON and text without mail settings); 400 services make 25,200
//! files, 1,200 of them mail configs. A `WORKSPACE_BENCH_TREE` that does not exist yet is generated
//! there and kept (for `hyperfine` against ripgrep, docs/performance.md); one that exists is used as
//! it is; without it a tree of `WORKSPACE_BENCH_SERVICES` (60) services is generated in the
//! temporary folder and removed. `WORKSPACE_BENCH_REPEAT` (5) runs of each.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(300);
/// The scan's publishes are over when none has come for this long.
const QUIET: Duration = Duration::from_millis(500);

fn write_message(stdin: &mut impl Write, message: &Value) {
    let body = message.to_string();
    let _ = write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = stdin.flush();
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    std::io::Read::read_exact(reader, &mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn check_once(mailport: &str, tree: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(mailport)
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(tree)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run mailport check");
    assert!(status.success(), "mailport check failed: {status}");
    started.elapsed()
}

/// (to the end of the progress, to the last publish, publishes, peak RSS in KiB)
fn scan_once(mailport: &str, tree: &Path) -> (Duration, Duration, usize, Option<u64>) {
    let mut child = Command::new(mailport)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mailport lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, incoming) = mpsc::channel::<(Instant, Value)>();
    std::thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        while let Some(message) = read_frame(&mut reader) {
            if tx.send((Instant::now(), message)).is_err() {
                break;
            }
        }
    });
    let root = format!("file://{}", tree.display());
    write_message(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": null, "rootUri": root,
            "workspaceFolders": [{"uri": root, "name": "tree"}],
            "capabilities": {"window": {"workDoneProgress": true}}}}),
    );
    let deadline = Instant::now() + TIMEOUT;
    let next = |deadline: Instant| {
        incoming
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()
    };
    while let Some((_, m)) = next(deadline) {
        if m["id"] == 1 && m.get("method").is_none() {
            break;
        }
    }
    write_message(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    let started = Instant::now();
    let (mut progress_end, mut last_publish, mut publishes) = (None, started, 0);
    loop {
        let wait_until = if progress_end.is_some() {
            (last_publish.max(progress_end.unwrap_or(started)) + QUIET).min(deadline)
        } else {
            deadline
        };
        let Some((at, m)) = next(wait_until) else {
            break;
        };
        if let (Some(id), Some(_)) = (m.get("id"), m.get("method")) {
            // window/workDoneProgress/create and the like
            write_message(
                &mut stdin,
                &json!({"jsonrpc": "2.0", "id": id, "result": null}),
            );
        }
        if m["method"] == "$/progress"
            && m["params"]["value"]["kind"] == "end"
            && m["params"]["token"]
                .as_str()
                .is_some_and(|t| t.starts_with("mailport/workspace"))
        {
            progress_end = Some(at);
        }
        if m["method"] == "textDocument/publishDiagnostics" {
            publishes += 1;
            last_publish = at;
        }
    }
    let rss = peak_rss_kib(child.id());
    write_message(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}),
    );
    write_message(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "exit", "params": null}),
    );
    let _ = child.wait();
    let end = progress_end.expect("the scan's $/progress ended");
    (
        end - started,
        last_publish.max(end) - started,
        publishes,
        rss,
    )
}

/// The bench's tree: per service 3 examples under `conf/` and 60 other files under `src/`.
fn generate(dir: &Path, services: usize) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut mail = Vec::new();
    let mut pending = vec![examples.clone()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                mail.push(path);
            }
        }
    }
    mail.sort();
    let words = [
        "alpha", "beta", "gamma", "value", "config", "user", "build", "cache",
    ];
    for s in 0..services {
        let service = dir.join(format!("svc{s:03}"));
        std::fs::create_dir_all(service.join("src")).expect("create the tree");
        for k in 0..3 {
            let source = &mail[(s * 3 + k) % mail.len()];
            let rel = source.strip_prefix(&examples).unwrap_or(source);
            let target = service.join("conf").join(k.to_string()).join(rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).expect("create the tree");
            }
            std::fs::copy(source, &target).expect("copy an example");
        }
        for k in 0..60 {
            let lines = 20 + (s * 7 + k * 13) % 280;
            // As many of each kind as gen-tree.py made: data files, and source and text files of
            // words (read only as far as the pre-filter, which finds no mail word in them).
            let (ext, body) = match k % 10 {
                0 => (
                    "yml",
                    (0..lines / 3)
                        .map(|i| format!("item{i}:\n  name: v{i}\n  count: {i}\n"))
                        .collect::<String>(),
                ),
                1 => (
                    "toml",
                    (0..lines / 4)
                        .map(|i| format!("[section{i}]\nname = \"pkg{i}\"\nenabled = true\n"))
                        .collect(),
                ),
                2 => (
                    "json",
                    format!(
                        "{{{}}}",
                        (0..lines / 5)
                            .map(|i| format!("\"key{i}\": {{\"name\": \"v{i}\", \"count\": {i}}}"))
                            .collect::<Vec<_>>()
                            .join(",\n")
                    ),
                ),
                other => (
                    ["py", "js", "rs", "go", "md", "ts", "txt"][other - 3],
                    (0..lines)
                        .map(|i| {
                            format!(
                                "{} {} {}\n",
                                words[i % 8],
                                words[(i + k) % 8],
                                words[(i * s + 1) % 8]
                            )
                        })
                        .collect(),
                ),
            };
            std::fs::write(service.join("src").join(format!("f{k}.{ext}")), body).expect("write");
        }
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let mailport = env!("CARGO_BIN_EXE_mailport");
    let repeat: usize = std::env::var("WORKSPACE_BENCH_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
        .max(1);
    let services: usize = std::env::var("WORKSPACE_BENCH_SERVICES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60)
        .max(1);
    let temporary = std::env::var_os("WORKSPACE_BENCH_TREE").is_none();
    let tree: PathBuf = match std::env::var_os("WORKSPACE_BENCH_TREE") {
        Some(tree) => PathBuf::from(tree),
        None => std::env::temp_dir().join(format!("mailport-scan-bench-{}", std::process::id())),
    };
    if !tree.exists() {
        generate(&tree, services);
    }
    let tree = std::fs::canonicalize(&tree).expect("the tree exists");
    let (mut checks, mut scans, mut published, mut rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut publishes = 0;
    for _ in 0..repeat {
        checks.push(check_once(mailport, &tree));
        let (scan, last, count, peak) = scan_once(mailport, &tree);
        scans.push(scan);
        published.push(last);
        publishes = count;
        rss.extend(peak);
    }
    let (check, scan, last) = (median(checks), median(scans), median(published));
    println!("tree: {} ({repeat} runs each, medians)", tree.display());
    println!("| mailport check | workspace scan ($/progress end) | scan / check | to the last of {publishes} publishes | server peak RSS |");
    println!("|---|---|---|---|---|");
    println!(
        "| {:.0} ms | {:.0} ms | {:.2}× | {:.0} ms | {} |",
        check.as_secs_f64() * 1000.0,
        scan.as_secs_f64() * 1000.0,
        scan.as_secs_f64() / check.as_secs_f64(),
        last.as_secs_f64() * 1000.0,
        rss.iter()
            .max()
            .map_or("-".to_string(), |k| format!("{:.1} MB", *k as f64 / 1024.0))
    );
    if temporary {
        let _ = std::fs::remove_dir_all(&tree);
    }
}
