//! When diagnostics go out after an edit, and where an edit's time goes.
//!
//! The debounce tests run the server in process on a paused tokio clock: the clock moves only
//! when every task waits on a timer, so the time it shows between an edit and its publish is the
//! time the server chose to wait, whatever the machine's speed. Analyses run on real time (a
//! blocking thread keeps the clock still), and the analysis-hold test hook makes one slow on
//! demand.
//!
//! `edit_stages` is a measurement, ignored by default (it needs the generated files and a release
//! build to mean anything):
//!
//! ```sh
//! MAILPORT_TIMING_FILES="/tmp/lspbench/config-5k.yaml /tmp/lspbench/config-50k.toml" \
//!   cargo test --release --test lsp_timing -- --ignored --nocapture
//! ```
//!
//! It also checks what the language server relies on: after an edit, the kept document
//! (`IncrementalDoc`) analyses exactly like a fresh read of the new text.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use mailport::analysis::incremental::{IncrementalAnalysis, TextChange};
use mailport::analysis::syntax::incremental::IncrementalDoc;
use mailport::analysis::syntax::{self, detect_format};
use mailport::analysis::{analyze_parsed, endpoints};
use mailport::config::Config;
use mailport::vocab::Format;
use serde_json::{json, Value};

use lsp_client::{expected, position_of, published, Client};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[test]
#[ignore = "measurement: needs generated files, run with --release --ignored --nocapture"]
fn edit_stages() {
    let files = std::env::var("MAILPORT_TIMING_FILES").unwrap_or_else(|_| {
        "/tmp/lspbench/config-5k.yaml /tmp/lspbench/config-50k.yaml \
         /tmp/lspbench/config-5k.toml /tmp/lspbench/config-50k.toml /tmp/lspbench/app.env"
            .to_string()
    });
    let config = Config::default();
    for path in files.split_whitespace() {
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!(
                "{path}: not found (cargo bench --bench analysis -- --write-inputs /tmp/lspbench)"
            );
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        let format = detect_format(name, None, &text).expect("a format mailport reads");
        // the line lspbench edits: a port 587 near the middle
        let middle = text.len() / 2;
        let port = text[middle..]
            .find("587")
            .map(|i| middle + i)
            .or_else(|| text.find("587"))
            .expect("a 587 to toggle");

        let started = Instant::now();
        let mut doc = IncrementalDoc::new(format, text.clone());
        let mut kept = IncrementalAnalysis::new();
        kept.analyze(doc.text(), format, doc.parsed(), &config, None);
        let open = started.elapsed();
        let (mut edit, mut incremental, mut build, mut whole) = (vec![], vec![], vec![], vec![]);
        let mut findings = 0;
        for i in 0..10 {
            let new = if i % 2 == 0 { "993" } else { "587" };
            let change = TextChange {
                start: port,
                old_end: port + 3,
                new_end: port + 3,
                old_text: doc.text()[port..port + 3].to_string(),
                new_text: new.to_string(),
            };
            let t = Instant::now();
            doc.edit(port, port + 3, new);
            edit.push(t.elapsed());
            let t = Instant::now();
            let analysis = kept
                .analyze(doc.text(), format, doc.parsed(), &config, Some(&change))
                .clone();
            incremental.push(t.elapsed());
            findings = analysis.findings.len();
            let t = Instant::now();
            std::hint::black_box(endpoints::build(&doc.parsed().settings, format));
            build.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(analyze_parsed(doc.text(), format, doc.parsed(), &config));
            whole.push(t.elapsed());

            let fresh = syntax::parse(format, doc.text());
            let again = analyze_parsed(doc.text(), format, &fresh, &config);
            assert_eq!(analysis.findings, again.findings, "{name}: edit {i}");
        }
        println!(
            "{name}: open + first analysis {open:?}; per edit (median of 10): IncrementalDoc::edit {:?}, incremental analysis {:?}; for comparison endpoints::build {:?}, whole analyze_parsed {:?}; {} settings, {findings} findings",
            median(edit),
            median(incremental),
            median(build),
            median(whole),
            doc.parsed().settings.len(),
        );
    }
}

const ENV: &str = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";

/// A one-character edit of `text`: the `EMAIL_PORT` value's last digit becomes `digit`.
fn port_digit(text: &str, digit: char) -> (Value, String) {
    let at = text.find("EMAIL_PORT=").expect("a port line") + "EMAIL_PORT=".len() + 2;
    let change = json!({
        "range": {"start": position_of(text, at, false), "end": position_of(text, at + 1, false)},
        "text": digit.to_string(),
    });
    let mut after = text.to_string();
    after.replace_range(at..at + 1, &digit.to_string());
    (change, after)
}

async fn change(client: &Client, uri: &str, version: i64, change: Value) {
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        )
        .await;
}

fn published_versions(client: &Client, uri: &str) -> Vec<i64> {
    client
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect()
}

/// With the default settings a fast document is published as soon as it is analysed: no timer
/// runs between the edit and its diagnostics. A `debounceMs` the user sets is still waited.
#[tokio::test(start_paused = true)]
async fn by_default_a_fast_document_is_published_without_waiting() {
    let uri = "file:///tmp/mailport-debounce-test/app/.env";
    let cases = [
        (Value::Null, "default"),
        (json!({"debounceMs": null}), "null"),
        (json!({"debounceMs": 50}), "50 ms"),
    ];
    for (settings, name) in cases {
        let set = settings.get("debounceMs").and_then(Value::as_u64);
        let (mut client, _) = Client::start(false, settings, None).await;
        client.open(uri, "dotenv", ENV).await;
        client.diagnostics(uri, |p| p["version"] == 1).await;
        let mut text = ENV.to_string();
        for version in 2..=6 {
            let digit = if version % 2 == 0 { '5' } else { '7' };
            let (edit, after) = port_digit(&text, digit);
            text = after;
            let edited = tokio::time::Instant::now();
            change(&client, uri, version, edit).await;
            let params = client.diagnostics(uri, |p| p["version"] == version).await;
            let waited = edited.elapsed();
            match set {
                None => assert_eq!(waited, Duration::ZERO, "{name}: version {version}"),
                Some(ms) => assert!(
                    waited >= Duration::from_millis(ms),
                    "{name}: version {version} after {waited:?}"
                ),
            }
            assert_eq!(published(&params), expected(&text, Format::Env, false));
        }
        client.shutdown().await;
    }
}

/// With the default settings a document whose analysis is slow is debounced: a burst of edits
/// sent while the clock stands still is analysed once, for its last version, after a wait.
/// (The analysis hold is process-wide: this is the only test in this file that sets one.)
#[tokio::test(start_paused = true)]
async fn by_default_a_slow_document_waits_and_a_burst_is_analysed_once() {
    let marker = "/mailport-slow-analysis/";
    let uri = "file:///tmp/mailport-slow-analysis/app/.env";
    // marks the document as held at open; released, it lets every analysis through
    mailport::lsp::hold_analyses(marker).release();
    let (mut client, _) = Client::start(false, Value::Null, None).await;
    client.open(uri, "dotenv", ENV).await;
    client.diagnostics(uri, |p| p["version"] == 1).await;

    // the first edit is published without a wait, and its analysis spins for 500 ms of real time
    // (at least 100 ms of CPU time even on a busy machine)
    let slow = mailport::lsp::hold_analyses(marker);
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        drop(slow);
    });
    let (edit, mut text) = port_digit(ENV, '5');
    let edited = tokio::time::Instant::now();
    change(&client, uri, 2, edit).await;
    client.diagnostics(uri, |p| p["version"] == 2).await;
    assert_eq!(edited.elapsed(), Duration::ZERO);
    releaser.join().expect("the releasing thread");

    // now the document is known to be slow: a burst waits and costs one analysis
    let counter = mailport::lsp::hold_analyses(marker);
    counter.release();
    let burst = tokio::time::Instant::now();
    for version in 3..=22 {
        let digit = if version % 2 == 0 { '5' } else { '7' };
        let (edit, after) = port_digit(&text, digit);
        text = after;
        change(&client, uri, version, edit).await;
    }
    let params = client.diagnostics(uri, |p| p["version"] == 22).await;
    assert!(
        burst.elapsed() > Duration::ZERO,
        "the burst was not waited for"
    );
    assert_eq!(counter.entered(), 1, "analyses for the burst");
    assert_eq!(published_versions(&client, uri), [1, 2, 22]);
    assert_eq!(published(&params), expected(&text, Format::Env, false));
    client.shutdown().await;
}
