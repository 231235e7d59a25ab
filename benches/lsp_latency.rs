//! What a user waits for, measured from outside: `mailport lsp` is started over stdio as an
//! editor starts it, with the editor's default settings, opens a generated document, and gets
//! single-character edits one at a time; each edit's latency runs from the end of writing its
//! `didChange` to the end of reading the `publishDiagnostics` of that version. Also the time to
//! the first diagnostics after `didOpen`, and the server's peak RSS (`VmHWM` in /proc, Linux).
//!
//! ```sh
//! cargo bench --bench lsp_latency
//! LSP_BENCH_PEER=/path/to/typos-lsp cargo bench --bench lsp_latency   # a peer in the same run
//! ```
//!
//! Knobs (environment): `LSP_BENCH_EDITS` (40 per run), `LSP_BENCH_REPEAT` (3 runs),
//! `LSP_BENCH_LINES` (`5000,50000`), `LSP_BENCH_FORMATS` (`env,yaml`; also `yaml-broken`),
//! `LSP_BENCH_GAP_MS` (20: the pause after each publish, a typist's pace), `LSP_BENCH_SETTINGS`
//! (JSON sent as mailport's `initializationOptions`; unset: none, the defaults),
//! `LSP_BENCH_SERVER` (another mailport binary).
//!
//! The documents are generated here, deterministically: services of about ten settings each,
//! every fourth with SMTP settings (some of them inconsistent, so there are findings to publish).
//! The edit flips the last digit of the `587` port nearest the middle to `8` and back, which
//! changes that endpoint's findings (MP011 comes and goes), so every publish is a new analysis.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(60);

/// (port, secure): some combinations are wrong on purpose.
const SMTP: [(u32, bool); 8] = [
    (587, false),
    (465, true),
    (587, false),
    (25, false),
    (465, false),
    (587, true),
    (587, false),
    (2525, false),
];
const WORDS: [&str; 8] = [
    "orders", "users", "invoices", "reports", "billing", "search", "ledger", "webhooks",
];

/// A generated document and where its edit goes.
struct Doc {
    name: String,
    language_id: &'static str,
    text: String,
    lines: usize,
    /// Line and UTF-16 column of the digit the edits flip.
    edit_line: usize,
    edit_column: usize,
}

fn env_service(i: usize, out: &mut Vec<String>) {
    let word = WORDS[i % WORDS.len()];
    out.push(format!("# service {i:05}: {word}"));
    out.push(format!("SVC_{i:05}_NAME={word}-{i}"));
    out.push(format!(
        "SVC_{i:05}_DATABASE_URL=postgres://db-{}.internal.example:5432/{word}",
        i % 20
    ));
    out.push(format!("SVC_{i:05}_CACHE_TTL={}", (i * 37) % 600));
    out.push(format!("SVC_{i:05}_LOG_LEVEL=info"));
    if i % 4 == 0 {
        let (port, secure) = SMTP[(i / 4) % SMTP.len()];
        out.push(format!("SVC_{i:05}_SMTP_HOST=smtp.example.com"));
        out.push(format!("SVC_{i:05}_SMTP_PORT={port}"));
        out.push(format!("SVC_{i:05}_SMTP_SECURE={secure}"));
    } else {
        out.push(format!(
            "SVC_{i:05}_QUEUE_HOST=mq-{}.internal.example",
            i % 7
        ));
        out.push(format!("SVC_{i:05}_QUEUE_PORT=5672"));
        out.push(format!("SVC_{i:05}_QUEUE_PREFETCH=10"));
    }
    out.push(format!("SVC_{i:05}_WORKERS={}", i % 8 + 1));
    out.push(String::new());
}

fn yaml_service(i: usize, out: &mut Vec<String>) {
    let word = WORDS[i % WORDS.len()];
    out.push(format!("  svc-{i:05}:"));
    out.push(format!(
        "    image: registry.example.com/{word}:1.{}",
        i % 10
    ));
    out.push(format!("    replicas: {}", i % 5 + 1));
    out.push("    database:".to_string());
    out.push(format!("      host: db-{}.internal.example", i % 20));
    out.push("      port: 5432".to_string());
    if i % 4 == 0 {
        let (port, secure) = SMTP[(i / 4) % SMTP.len()];
        out.push("    mail:".to_string());
        out.push("      smtp:".to_string());
        out.push("        host: smtp.example.com".to_string());
        out.push(format!("        port: {port}"));
        out.push(format!("        secure: {secure}"));
    } else {
        out.push("    queue:".to_string());
        out.push("      broker:".to_string());
        out.push(format!("        host: mq-{}.internal.example", i % 7));
        out.push("        port: 5672".to_string());
        out.push("        prefetch: 10".to_string());
    }
    out.push("    env:".to_string());
    out.push("      LOG_LEVEL: info".to_string());
}

/// A document of at least `lines` lines in `format` (`env`, `yaml`, or `yaml-broken`: the YAML
/// with a line that is no YAML near its start, as while typing).
fn generate(format: &str, lines: usize) -> Doc {
    let yaml = format.starts_with("yaml");
    let mut out = Vec::new();
    if yaml {
        out.push("services:".to_string());
    }
    let mut i = 0;
    while out.len() < lines {
        match format {
            "yaml" | "yaml-broken" => yaml_service(i, &mut out),
            _ => env_service(i, &mut out),
        }
        i += 1;
    }
    if format == "yaml-broken" {
        out.insert(3, "    replicas: 2: [".to_string());
    }
    let target = if yaml {
        "        port: 587"
    } else {
        "_SMTP_PORT=587"
    };
    let middle = out.len() / 2;
    let edit_line = (middle..out.len())
        .chain(0..middle)
        .find(|&n| out[n].ends_with(target))
        .expect("a 587 port line");
    let (name, language_id) = match format {
        "yaml" | "yaml-broken" => (format!("config-{lines}.yaml"), "yaml"),
        _ => (format!("app-{lines}.env"), "dotenv"),
    };
    Doc {
        name,
        language_id,
        edit_column: out[edit_line].len() - 1,
        edit_line,
        lines: out.len(),
        text: out.join("\n") + "\n",
    }
}

/// A language server process and the messages it sends, stamped when read.
struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    incoming: Receiver<(Instant, Value)>,
    next_id: i64,
}

fn write_message(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = message.to_string();
    let mut stdin = stdin.lock().unwrap_or_else(|e| e.into_inner());
    let _ = write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = stdin.flush();
}

/// One frame's body, or `None` at the end of the stream.
fn read_frame(reader: &mut impl BufRead) -> Option<Vec<u8>> {
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
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

impl Server {
    fn start(command: &[String], settings: &Value) -> Server {
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdin = Arc::new(Mutex::new(child.stdin.take().expect("stdin")));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = mpsc::channel();
        let replies = stdin.clone();
        let settings = settings.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::with_capacity(1 << 16, stdout);
            while let Some(body) = read_frame(&mut reader) {
                let read = Instant::now(); // parsing is the client's cost, not the server's
                let Ok(message) = serde_json::from_slice::<Value>(&body) else {
                    continue;
                };
                if let (Some(id), Some(method)) = (message.get("id"), message.get("method")) {
                    let result = match method.as_str() {
                        Some("workspace/configuration") => {
                            let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                            Value::Array(vec![settings.clone(); items])
                        }
                        _ => Value::Null,
                    };
                    write_message(
                        &replies,
                        &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    );
                }
                if tx.send((read, message)).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    fn notify(&self, method: &str, params: Value) -> Instant {
        write_message(
            &self.stdin,
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        );
        Instant::now()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        write_message(
            &self.stdin,
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        );
        self.wait(&format!("the response to {method}"), |m| {
            m.get("method").is_none() && m["id"] == id
        })
        .1
    }

    /// The first message from now on that matches.
    fn wait(&self, what: &str, matches: impl Fn(&Value) -> bool) -> (Instant, Value) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok((at, message)) if matches(&message) => return (at, message),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server ended before {what}"),
            }
        }
    }

    /// Forgets what arrived so far (a server may publish one version more than once), so the
    /// next wait sees only what comes after.
    fn forget_received(&self) -> usize {
        self.incoming.try_iter().count()
    }

    /// The publish for `uri` of `version` (or the next one, from a server that sends none).
    fn publish(&self, uri: &str, version: i64) -> (Instant, Value) {
        self.wait(&format!("diagnostics of version {version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && (m["params"]["version"].is_null() || m["params"]["version"] == version)
        })
    }

    /// Peak resident memory so far (Linux), in KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    fn stop(mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!("the server did not exit within 2 s of shutdown + exit; killed");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    first: Duration,
    edits: Vec<Duration>,
    peak_rss_kib: Option<u64>,
    /// Diagnostics of the two states the edits flip between (to see that each edit was read).
    counts: [usize; 2],
    /// Messages that arrived after an edit's publish, before the next edit (extra publishes).
    extra: usize,
}

fn run_once(command: &[String], settings: &Value, doc: &Doc, path: &Path, edits: usize) -> Run {
    let mut server = Server::start(command, settings);
    let dir = path.parent().expect("a directory");
    let root = format!("file://{}", dir.display());
    let uri = format!("file://{}", path.display());
    let initialized = server.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root,
            "workspaceFolders": [{"uri": root, "name": "bench"}],
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "workspace": {"configuration": true, "didChangeConfiguration": {"dynamicRegistration": true}},
                "textDocument": {
                    "synchronization": {"dynamicRegistration": false},
                    "publishDiagnostics": {"versionSupport": true}
                }
            },
            "initializationOptions": settings,
        }),
    );
    let sync = &initialized["result"]["capabilities"]["textDocumentSync"];
    let incremental = sync == 2 || sync["change"] == 2;
    server.notify("initialized", json!({}));

    let opened = server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": doc.language_id, "version": 1, "text": doc.text}}),
    );
    let (at, _) = server.publish(&uri, 1);
    let first = at - opened;

    let gap = Duration::from_millis(env_number("LSP_BENCH_GAP_MS", 20));
    let mut text = doc.text.clone();
    let digit_at = text
        .split_inclusive('\n')
        .take(doc.edit_line)
        .map(str::len)
        .sum::<usize>()
        + doc.edit_column;
    let mut latencies = Vec::with_capacity(edits);
    let mut counts = [0, 0];
    let mut extra = 0;
    for k in 0..edits {
        std::thread::sleep(gap);
        extra += server.forget_received();
        let version = 2 + k as i64;
        let digit = if k % 2 == 0 { "8" } else { "7" };
        text.replace_range(digit_at..digit_at + 1, digit);
        let change = if incremental {
            let start = json!({"line": doc.edit_line, "character": doc.edit_column});
            let end = json!({"line": doc.edit_line, "character": doc.edit_column + 1});
            json!({"range": {"start": start, "end": end}, "text": digit})
        } else {
            json!({"text": text})
        };
        let sent = server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        );
        let (at, publish) = server.publish(&uri, version);
        latencies.push(at - sent);
        counts[k % 2] = publish["params"]["diagnostics"]
            .as_array()
            .map_or(0, Vec::len);
    }
    let peak_rss_kib = server.peak_rss_kib();
    server.stop();
    Run {
        first,
        edits: latencies,
        peak_rss_kib,
        counts,
        extra,
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Nearest-rank percentile.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}

/// One table row for one server on one document (over all its runs), and its edit median.
fn summarise(label: &str, doc: &Doc, runs: &[Run]) -> (String, Duration) {
    let mut edits: Vec<Duration> = runs.iter().flat_map(|r| r.edits.iter().copied()).collect();
    edits.sort();
    let mut firsts: Vec<Duration> = runs.iter().map(|r| r.first).collect();
    firsts.sort();
    let mut rss: Vec<u64> = runs.iter().filter_map(|r| r.peak_rss_kib).collect();
    rss.sort();
    let per_run: Vec<String> = runs
        .iter()
        .map(|r| {
            let mut e = r.edits.clone();
            e.sort();
            ms(e[e.len() / 2])
        })
        .collect();
    let median = percentile(&edits, 50);
    let rss = rss.get(rss.len() / 2).map_or("n/a".to_string(), |k| {
        format!("{:.1} MB", *k as f64 / 1024.0)
    });
    let counts = runs.last().map_or([0, 0], |r| r.counts);
    let extra: usize = runs.iter().map(|r| r.extra).sum();
    let row = format!(
        "| {} ({} lines) | {label} | {} / {} ms | {} ms | {rss} | {} | {}↔{} | {extra} |",
        doc.name,
        doc.lines,
        ms(median),
        ms(percentile(&edits, 95)),
        ms(firsts[firsts.len() / 2]),
        per_run.join(", "),
        counts[0],
        counts[1],
    );
    (row, median)
}

fn main() {
    let mailport = std::env::var("LSP_BENCH_SERVER")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_mailport").to_string());
    let settings: Value = std::env::var("LSP_BENCH_SETTINGS")
        .ok()
        .map(|s| serde_json::from_str(&s).expect("LSP_BENCH_SETTINGS is JSON"))
        .unwrap_or(Value::Null);
    let edits = env_number("LSP_BENCH_EDITS", 40).max(1) as usize;
    let repeat = env_number("LSP_BENCH_REPEAT", 3).max(1) as usize;
    let lines: Vec<usize> = std::env::var("LSP_BENCH_LINES")
        .unwrap_or_else(|_| "5000,50000".to_string())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let formats = std::env::var("LSP_BENCH_FORMATS").unwrap_or_else(|_| "env,yaml".to_string());

    // (label, command line, settings)
    let mut servers = vec![(
        "mailport".to_string(),
        vec![mailport, "lsp".to_string()],
        settings,
    )];
    if let Ok(peer) = std::env::var("LSP_BENCH_PEER") {
        let label = Path::new(&peer)
            .file_name()
            .map_or("peer".to_string(), |n| n.to_string_lossy().into_owned());
        servers.push((label, vec![peer], Value::Null));
    }
    let dir = std::env::temp_dir().join(format!("mailport-lsp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    println!(
        "{edits} single-character edits × {repeat} runs per server and document; mailport settings: {}",
        servers[0].2
    );
    println!();
    println!("| document | server | edit → diagnostics median / p95 | first diagnostics | peak RSS | per-run medians (ms) | diagnostics per state | extra messages |");
    println!("|---|---|---|---|---|---|---|---|");
    for format in formats.split(',').map(str::trim) {
        for &n in &lines {
            let doc = generate(format, n);
            let path = dir.join(&doc.name);
            std::fs::write(&path, &doc.text).expect("write the document");
            // the servers take turns run by run, so a change in the machine's load hits all
            let mut runs: Vec<Vec<Run>> = servers.iter().map(|_| Vec::new()).collect();
            for _ in 0..repeat {
                for ((_, command, settings), runs) in servers.iter().zip(&mut runs) {
                    runs.push(run_once(command, settings, &doc, &path, edits));
                }
            }
            let mut medians = Vec::new();
            for ((label, _, _), runs) in servers.iter().zip(&runs) {
                let (row, median) = summarise(label, &doc, runs);
                println!("{row}");
                medians.push(median);
            }
            if let [ours, theirs] = medians[..] {
                println!(
                    "| | {} / mailport | {:.1}× | | | | | |",
                    servers[1].0,
                    theirs.as_secs_f64() / ours.as_secs_f64()
                );
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    let _ = std::fs::remove_dir(&dir);
}
