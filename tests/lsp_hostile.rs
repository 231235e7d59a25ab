//! Malformed and hostile LSP traffic against the real binary (`mailport lsp`) over stdio, a fresh
//! server per case. After each case the server must be alive, answer the next request correctly,
//! publish diagnostics that match the text, and exit with the status the specification asks for
//! (0 after `shutdown` + `exit`, 1 on `exit` without `shutdown`). The behaviour chosen for each
//! case is listed in docs/lsp-robustness.md.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lsp_client::{expected, position_of, published};
use mailport::vocab::Format;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(20);
const DJANGO_ENV: &str = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const SERVER_NOT_INITIALIZED: i64 = -32002;

/// `None` once the test closed it.
type Stdin = Arc<tokio::sync::Mutex<Option<ChildStdin>>>;

/// A client of one `mailport lsp` process.
struct Lsp {
    child: Child,
    stdin: Stdin,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Every message the server sent, in order.
    seen: Vec<Value>,
    cursor: usize,
    next_id: i64,
    stderr: Arc<Mutex<String>>,
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

async fn write(stdin: &Stdin, bytes: &[u8]) {
    let mut stdin = stdin.lock().await;
    let Some(stdin) = stdin.as_mut() else {
        return;
    };
    // the server may be gone already (the case under test made it exit)
    let _ = stdin.write_all(bytes).await;
    let _ = stdin.flush().await;
}

fn capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {"publishDiagnostics": {"versionSupport": true}}
    })
}

fn initialize_params() -> Value {
    json!({"processId": null, "rootUri": null, "capabilities": capabilities(),
           "initializationOptions": {"debounceMs": 0}})
}

impl Lsp {
    /// A server that has not been initialized.
    fn spawn() -> Lsp {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mailport"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start mailport lsp");
        let stdin: Stdin = Arc::new(tokio::sync::Mutex::new(child.stdin.take()));
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::unbounded_channel();
        let replies = stdin.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = lsp_client::read_frame(&mut reader).await {
                // server → client requests get an empty answer
                if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                    let reply = json!({"jsonrpc": "2.0", "id": id, "result": null});
                    write(&replies, &frame(reply.to_string().as_bytes())).await;
                }
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        // stderr is drained (a full pipe would block the server) and kept for failure messages
        let stderr = Arc::new(Mutex::new(String::new()));
        let kept = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0; 8192];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let mut kept = kept.lock().unwrap();
                kept.push_str(&String::from_utf8_lossy(&buf[..n]));
                if kept.len() > 32 * 1024 {
                    let cut = kept.len() - 16 * 1024;
                    let cut = (cut..kept.len())
                        .find(|&i| kept.is_char_boundary(i))
                        .unwrap();
                    kept.replace_range(..cut, "…");
                }
            }
        });
        Lsp {
            child,
            stdin,
            incoming,
            seen: Vec::new(),
            cursor: 0,
            next_id: 1,
            stderr,
        }
    }

    /// A server after `initialize` (with `debounceMs: 0`) and `initialized`.
    async fn start() -> Lsp {
        let mut lsp = Lsp::spawn();
        let response = lsp.request("initialize", initialize_params()).await;
        assert_eq!(
            response["result"]["serverInfo"]["name"], "mailport",
            "{response}"
        );
        lsp.notify("initialized", json!({})).await;
        lsp
    }

    /// Closes the server's input.
    async fn close_input(&self) {
        self.stdin.lock().await.take();
    }

    async fn raw(&self, bytes: &[u8]) {
        write(&self.stdin, bytes).await;
    }

    async fn frame(&self, body: &[u8]) {
        self.raw(&frame(body)).await;
    }

    async fn send(&self, message: Value) {
        self.frame(message.to_string().as_bytes()).await;
    }

    async fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.id();
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        self.response(id).await
    }

    async fn response(&mut self, id: i64) -> Value {
        self.wait_for(&format!("the response to {id}"), |m| {
            m.get("method").is_none() && m["id"] == json!(id)
        })
        .await
    }

    async fn receive(&mut self, deadline: tokio::time::Instant) -> bool {
        match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
            Ok(Some(message)) => {
                self.seen.push(message);
                true
            }
            _ => false,
        }
    }

    fn fail(&self, what: &str) -> ! {
        let seen: Vec<String> = self
            .seen
            .iter()
            .map(|m| {
                let s = m.to_string();
                s.chars().take(300).collect()
            })
            .collect();
        panic!(
            "timed out waiting for {what}; seen:\n{}\nstderr:\n{}",
            seen.join("\n"),
            self.stderr.lock().unwrap()
        );
    }

    /// The first message (seen or still to come) that matches.
    async fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        let mut i = 0;
        loop {
            while i < self.seen.len() {
                if pred(&self.seen[i]) {
                    return self.seen[i].clone();
                }
                i += 1;
            }
            if !self.receive(deadline).await {
                self.fail(what);
            }
        }
    }

    /// The next message after the previous call's match that matches.
    async fn next_matching(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            while self.cursor < self.seen.len() {
                let i = self.cursor;
                self.cursor += 1;
                if pred(&self.seen[i]) {
                    return self.seen[i].clone();
                }
            }
            if !self.receive(deadline).await {
                self.fail(what);
            }
        }
    }

    async fn diagnostics(&mut self, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.next_matching(&format!("diagnostics for {uri}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && pred(&m["params"])
        })
        .await["params"]
            .clone()
    }

    /// Collects what arrives within `quiet` of silence.
    async fn drain(&mut self, quiet: Duration) {
        while let Ok(Some(message)) = tokio::time::timeout(quiet, self.incoming.recv()).await {
            self.seen.push(message);
        }
    }

    async fn open(&self, uri: &str, language_id: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": version, "text": text}}),
        )
        .await;
    }

    async fn change(&self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    /// The server is alive and correct: a fresh document gets the diagnostics of its text and a
    /// hover on its port.
    async fn assert_alive(&mut self) {
        static N: AtomicUsize = AtomicUsize::new(0);
        let uri = format!(
            "file:///tmp/mailport-hostile/alive-{}/.env",
            N.fetch_add(1, Ordering::Relaxed)
        );
        self.open(&uri, "dotenv", 1, DJANGO_ENV).await;
        let params = self.diagnostics(&uri, |p| p["version"] == 1).await;
        assert_eq!(published(&params), expected(DJANGO_ENV, Format::Env, false));
        self.assert_hover(&uri, DJANGO_ENV, "587").await;
    }

    /// A hover on the last `needle` of `text` mentions it.
    async fn assert_hover(&mut self, uri: &str, text: &str, needle: &str) {
        let at = text.rfind(needle).expect("needle") + 1;
        let hover = self
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": position_of(text, at, false)}),
            )
            .await;
        let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
        assert!(value.contains(needle), "hover on {needle}: {hover}");
    }

    /// The exit status once the process ends (within a few seconds).
    async fn exit_code(mut self) -> i32 {
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "the server did not exit; stderr:\n{}",
                    self.stderr.lock().unwrap()
                )
            })
            .expect("wait");
        status.code().expect("exited, not killed by a signal")
    }

    /// `shutdown` is answered with null and `exit` ends the process with status 0.
    async fn shutdown_and_exit(mut self) {
        let response = self.request("shutdown", Value::Null).await;
        assert_eq!(response["result"], Value::Null, "{response}");
        assert!(response.get("error").is_none(), "{response}");
        self.notify("exit", Value::Null).await;
        assert_eq!(self.exit_code().await, 0);
    }

    /// The usual ending of a case: alive, correct, clean exit.
    async fn finish(mut self) {
        self.assert_alive().await;
        self.shutdown_and_exit().await;
    }

    /// The error responses with id null seen so far.
    fn null_id_errors(&self) -> Vec<i64> {
        self.seen
            .iter()
            .filter(|m| m.get("method").is_none() && m["id"].is_null())
            .filter_map(|m| m["error"]["code"].as_i64())
            .collect()
    }
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error: {response}"))
}

// ---------------------------------------------------------------------------------------------
// Framing

#[tokio::test]
async fn missing_content_length_is_answered_with_a_parse_error_and_the_next_frame_read() {
    let lsp = Lsp::start().await;
    lsp.raw(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"shutdown\"}")
        .await;
    lsp.finish().await;
}

#[tokio::test]
async fn zero_content_length_is_ignored() {
    let mut lsp = Lsp::start().await;
    lsp.raw(b"Content-Length: 0\r\n\r\n").await;
    lsp.assert_alive().await;
    assert!(lsp.null_id_errors().is_empty(), "{:?}", lsp.seen);
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn non_numeric_and_negative_content_lengths_get_a_parse_error() {
    let mut lsp = Lsp::start().await;
    lsp.raw(b"Content-Length: abc\r\n\r\n").await;
    lsp.raw(b"Content-Length: -5\r\n\r\n").await;
    lsp.raw(b"Content-Length: 1e3\r\n\r\n").await;
    lsp.assert_alive().await;
    assert_eq!(lsp.null_id_errors(), vec![PARSE_ERROR; 3]);
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_huge_content_length_is_refused_and_the_next_frame_read() {
    let lsp = Lsp::start().await;
    lsp.raw(b"Content-Length: 999999999999999\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\r\n")
        .await;
    lsp.finish().await;
    // (the refusal itself is checked by the unit tests of the reader)
}

#[tokio::test]
async fn a_content_length_too_short_resynchronises_on_the_next_header() {
    let mut lsp = Lsp::start().await;
    let body = br#"{"jsonrpc":"2.0","id":77,"method":"textDocument/hover","params":{}}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len() - 10).into_bytes();
    bytes.extend_from_slice(body);
    lsp.raw(&bytes).await;
    lsp.assert_alive().await;
    assert!(
        lsp.null_id_errors().contains(&PARSE_ERROR),
        "{:?}",
        lsp.seen
    );
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn a_content_length_too_long_ends_at_the_next_header_and_both_are_answered() {
    let mut lsp = Lsp::start().await;
    let first = br#"{"jsonrpc":"2.0","id":501,"method":"unknown/method"}"#;
    let second = br#"{"jsonrpc":"2.0","id":502,"method":"unknown/method"}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", first.len() + 40).into_bytes();
    bytes.extend_from_slice(first);
    bytes.extend_from_slice(&frame(second));
    lsp.raw(&bytes).await;
    assert_eq!(error_code(&lsp.response(501).await), METHOD_NOT_FOUND);
    assert_eq!(error_code(&lsp.response(502).await), METHOD_NOT_FOUND);
    lsp.finish().await;
}

#[tokio::test]
async fn a_content_length_too_long_on_the_last_message_is_answered_after_a_pause() {
    let mut lsp = Lsp::start().await;
    let body = br#"{"jsonrpc":"2.0","id":601,"method":"unknown/method"}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len() + 40).into_bytes();
    bytes.extend_from_slice(body);
    lsp.raw(&bytes).await;
    assert_eq!(error_code(&lsp.response(601).await), METHOD_NOT_FOUND);
    lsp.finish().await;
}

#[tokio::test]
async fn bodies_that_are_not_json_or_not_objects_get_errors_with_id_null() {
    let mut lsp = Lsp::start().await;
    lsp.frame(b"this is not json").await;
    lsp.frame(b"{\"jsonrpc\": \"2.0\", \"id\": 3,").await;
    lsp.frame(b"[1, 2, 3]").await;
    lsp.frame(b"42").await;
    lsp.frame(b"\"text\"").await;
    lsp.frame(br#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]"#)
        .await;
    lsp.assert_alive().await;
    let mut codes = lsp.null_id_errors();
    codes.sort();
    assert_eq!(
        codes,
        vec![
            PARSE_ERROR,
            PARSE_ERROR,
            INVALID_REQUEST,
            INVALID_REQUEST,
            INVALID_REQUEST,
            INVALID_REQUEST
        ]
    );
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn bodies_that_are_not_utf8_are_answered_when_they_are_requests() {
    let mut lsp = Lsp::start().await;
    lsp.frame(b"{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"textDocument/hover\",\"params\":{\"x\":\"\xff\xfe\"}}")
        .await;
    assert_eq!(error_code(&lsp.response(41).await), PARSE_ERROR);
    // a notification is dropped (no answer): the document it would open is not open
    let uri = "file:///tmp/mailport-hostile/latin1/.env";
    let mut open = format!(r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"dotenv","version":1,"text":"EMAIL_PORT=587 caf"#).into_bytes();
    open.extend_from_slice(b"\xe9\"}}}");
    lsp.frame(&open).await;
    lsp.frame(b"\xff\xfe\x00garbage").await;
    let hover = lsp
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 12}}),
        )
        .await;
    assert_eq!(hover["result"], Value::Null, "{hover}");
    lsp.finish().await;
}

#[tokio::test]
async fn another_charset_is_refused_for_requests_and_utf8_spellings_accepted() {
    let mut lsp = Lsp::start().await;
    let request = br#"{"jsonrpc":"2.0","id":71,"method":"unknown/method"}"#;
    let mut bytes = format!(
        "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n",
        request.len()
    )
    .into_bytes();
    bytes.extend_from_slice(request);
    lsp.raw(&bytes).await;
    let refused = lsp.response(71).await;
    assert_eq!(error_code(&refused), INVALID_REQUEST);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("latin1"),
        "{refused}"
    );
    let request = br#"{"jsonrpc":"2.0","id":72,"method":"unknown/method"}"#;
    let mut bytes = format!(
        "content-type: application/vscode-jsonrpc; charset=utf8\r\ncontent-length: {}\r\n\r\n",
        request.len()
    )
    .into_bytes();
    bytes.extend_from_slice(request);
    lsp.raw(&bytes).await;
    assert_eq!(error_code(&lsp.response(72).await), METHOD_NOT_FOUND);
    lsp.finish().await;
}

#[tokio::test]
async fn garbage_between_frames_is_skipped() {
    let lsp = Lsp::start().await;
    lsp.raw(b"\r\n\r\nhello there\r\nX-Thing: 1\r\n\r\n\x00\x01\x02\r\n\r\n")
        .await;
    lsp.finish().await;
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC and the lifecycle

#[tokio::test]
async fn unknown_methods_get_method_not_found_and_unknown_notifications_nothing() {
    let mut lsp = Lsp::start().await;
    assert_eq!(
        error_code(&lsp.request("unknown/method", json!({})).await),
        METHOD_NOT_FOUND
    );
    assert_eq!(
        error_code(&lsp.request("$/unknown", json!({})).await),
        METHOD_NOT_FOUND
    );
    assert_eq!(
        error_code(&lsp.request("$/cancelRequest", json!({"id": 1})).await),
        METHOD_NOT_FOUND
    );
    let as_request = lsp
        .request(
            "textDocument/didClose",
            json!({"textDocument": {"uri": "file:///x/.env"}}),
        )
        .await;
    assert_eq!(error_code(&as_request), INVALID_REQUEST);
    lsp.notify("unknown/notification", json!({})).await;
    lsp.notify("$/unknown", json!({})).await;
    lsp.notify("$/cancelRequest", json!({"id": "never-sent"}))
        .await;
    lsp.notify("$/setTrace", json!({"value": 7})).await;
    lsp.assert_alive().await;
    assert!(lsp.null_id_errors().is_empty(), "{:?}", lsp.seen);
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn requests_before_initialize_get_server_not_initialized() {
    let mut lsp = Lsp::spawn();
    for method in [
        "textDocument/hover",
        "shutdown",
        "unknown/method",
        "$/unknown",
    ] {
        let response = lsp.request(method, json!({})).await;
        assert_eq!(
            error_code(&response),
            SERVER_NOT_INITIALIZED,
            "{method}: {response}"
        );
    }
    // notifications before initialize are dropped: this document is never opened
    let uri = "file:///tmp/mailport-hostile/early/.env";
    lsp.open(uri, "dotenv", 1, DJANGO_ENV).await;
    let response = lsp.request("initialize", initialize_params()).await;
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    lsp.notify("initialized", json!({})).await;
    let hover = lsp
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 12}}),
        )
        .await;
    assert_eq!(hover["result"], Value::Null, "{hover}");
    lsp.finish().await;
}

#[tokio::test]
async fn initialize_with_wrong_params_is_refused_and_can_be_retried() {
    let mut lsp = Lsp::spawn();
    for params in [
        json!(null),
        json!(5),
        json!({"capabilities": 7}),
        json!({"processId": "me", "capabilities": {}}),
    ] {
        let response = lsp.request("initialize", params.clone()).await;
        assert_eq!(
            error_code(&response),
            INVALID_PARAMS,
            "{params}: {response}"
        );
    }
    let response = lsp.request("textDocument/hover", json!({})).await;
    assert_eq!(error_code(&response), SERVER_NOT_INITIALIZED);
    let response = lsp.request("initialize", initialize_params()).await;
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    // a second initialize is an invalid request
    let again = lsp.request("initialize", initialize_params()).await;
    assert_eq!(error_code(&again), INVALID_REQUEST);
    lsp.notify("initialized", json!({})).await;
    lsp.finish().await;
}

#[tokio::test]
async fn requests_after_shutdown_get_invalid_request_and_exit_is_0() {
    let mut lsp = Lsp::start().await;
    lsp.assert_alive().await;
    let response = lsp.request("shutdown", Value::Null).await;
    assert_eq!(response["result"], Value::Null);
    for method in [
        "textDocument/hover",
        "shutdown",
        "unknown/method",
        "initialize",
    ] {
        let response = lsp.request(method, json!({})).await;
        assert_eq!(
            error_code(&response),
            INVALID_REQUEST,
            "{method}: {response}"
        );
    }
    lsp.notify("textDocument/didOpen", json!({})).await;
    lsp.notify("exit", Value::Null).await;
    assert_eq!(lsp.exit_code().await, 0);
}

#[tokio::test]
async fn exit_without_shutdown_is_status_1() {
    let mut lsp = Lsp::start().await;
    lsp.assert_alive().await;
    lsp.notify("exit", Value::Null).await;
    assert_eq!(lsp.exit_code().await, 1);
}

#[tokio::test]
async fn exit_before_initialize_is_status_1() {
    let lsp = Lsp::spawn();
    lsp.notify("exit", Value::Null).await;
    assert_eq!(lsp.exit_code().await, 1);
}

#[tokio::test]
async fn closing_the_input_ends_the_server_with_status_1_or_0_after_shutdown() {
    let lsp = Lsp::start().await;
    lsp.close_input().await;
    assert_eq!(lsp.exit_code().await, 1);

    let mut lsp = Lsp::start().await;
    let response = lsp.request("shutdown", Value::Null).await;
    assert_eq!(response["result"], Value::Null);
    lsp.close_input().await;
    assert_eq!(lsp.exit_code().await, 0);
}

#[tokio::test]
async fn exit_as_a_request_is_refused_and_shutdown_as_a_notification_ignored() {
    let mut lsp = Lsp::start().await;
    let response = lsp.request("exit", Value::Null).await;
    assert_eq!(error_code(&response), INVALID_REQUEST);
    lsp.notify("shutdown", Value::Null).await;
    lsp.assert_alive().await;
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn malformed_envelopes_get_invalid_request() {
    let mut lsp = Lsp::start().await;
    lsp.send(json!({"jsonrpc": "2.0", "id": 81, "method": null}))
        .await;
    assert_eq!(error_code(&lsp.response(81).await), INVALID_REQUEST);
    lsp.send(json!({"jsonrpc": "2.0", "id": 82, "method": 5}))
        .await;
    assert_eq!(error_code(&lsp.response(82).await), INVALID_REQUEST);
    lsp.send(json!({"jsonrpc": "1.0", "id": 83, "method": "unknown/method"}))
        .await;
    assert_eq!(error_code(&lsp.response(83).await), INVALID_REQUEST);
    lsp.send(json!({"id": 84, "method": "unknown/method"}))
        .await;
    assert_eq!(error_code(&lsp.response(84).await), INVALID_REQUEST);
    lsp.send(json!({"jsonrpc": "2.0", "id": 1.5, "method": "unknown/method"}))
        .await;
    lsp.send(json!({"jsonrpc": "2.0", "id": {"a": 1}, "method": "unknown/method"}))
        .await;
    lsp.send(json!({"jsonrpc": "2.0", "id": 18446744073709551615u64, "method": "unknown/method"}))
        .await;
    lsp.send(json!({"jsonrpc": "2.0", "method": null})).await;
    lsp.send(json!({"jsonrpc": "2.0"})).await;
    // a response to nothing, and a malformed one
    lsp.send(json!({"jsonrpc": "2.0", "id": 9999, "result": 1}))
        .await;
    lsp.send(json!({"jsonrpc": "2.0", "id": 9998, "error": 5}))
        .await;
    // a member given twice, a request with a result
    lsp.frame(br#"{"jsonrpc":"2.0","id":85,"method":"unknown/a","method":"unknown/b"}"#)
        .await;
    assert_eq!(error_code(&lsp.response(85).await), INVALID_REQUEST);
    lsp.frame(br#"{"jsonrpc":"2.0","id":86,"method":"unknown/a","result":5}"#)
        .await;
    assert_eq!(error_code(&lsp.response(86).await), INVALID_REQUEST);
    lsp.frame(br#"{"jsonrpc":"2.0","method":"unknown/a","params":{},"params":[]}"#)
        .await;
    // a string id is answered with that string
    lsp.send(json!({"jsonrpc": "2.0", "id": "abc", "method": "unknown/method"}))
        .await;
    let by_string = lsp
        .wait_for("the answer to id abc", |m| m["id"] == "abc")
        .await;
    assert_eq!(error_code(&by_string), METHOD_NOT_FOUND);
    lsp.assert_alive().await;
    assert_eq!(lsp.null_id_errors().len(), 7, "{:?}", lsp.seen);
    lsp.shutdown_and_exit().await;
}

#[tokio::test]
async fn params_nested_200_deep_are_refused_without_ending_the_session() {
    let mut lsp = Lsp::start().await;
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let request =
        format!(r#"{{"jsonrpc":"2.0","id":91,"method":"textDocument/hover","params":{deep}}}"#);
    lsp.frame(request.as_bytes()).await;
    assert_eq!(error_code(&lsp.response(91).await), INVALID_PARAMS);
    let notification = format!(
        r#"{{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{{"settings":{deep}}}}}"#
    );
    lsp.frame(notification.as_bytes()).await;
    let deeper = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let request =
        format!(r#"{{"jsonrpc":"2.0","id":92,"method":"textDocument/hover","params":{deeper}}}"#);
    lsp.frame(request.as_bytes()).await;
    assert_eq!(error_code(&lsp.response(92).await), INVALID_PARAMS);
    lsp.finish().await;
}

#[tokio::test]
async fn numbers_out_of_range_in_settings_are_dropped_and_settings_kept() {
    let mut lsp = Lsp::start().await;
    let digits = "9".repeat(400);
    for settings in [
        r#"{"mailport":{"debounceMs":1e400}}"#.to_string(),
        format!(r#"{{"mailport":{{"debounceMs":{digits}}}}}"#),
        format!(r#"{{"mailport":{{"debounceMs":-{digits}.5e-99999}}}}"#),
    ] {
        let message = format!(
            r#"{{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{{"settings":{settings}}}}}"#
        );
        lsp.frame(message.as_bytes()).await;
    }
    let request = format!(
        r#"{{"jsonrpc":"2.0","id":93,"method":"textDocument/hover","params":{{"n":{digits}}}}}"#
    );
    lsp.frame(request.as_bytes()).await;
    assert_eq!(error_code(&lsp.response(93).await), INVALID_PARAMS);
    // still debounceMs 0: alive() waits for the publish of version 1 right away
    lsp.finish().await;
}

#[tokio::test]
async fn wrong_typed_params_for_every_method_get_invalid_params_or_are_dropped() {
    let mut lsp = Lsp::start().await;
    let bad = [
        json!(null),
        json!(42),
        json!("text"),
        json!([]),
        json!({}),
        json!({"textDocument": 5, "position": "here"}),
    ];
    for method in [
        "textDocument/hover",
        "textDocument/codeAction",
        "textDocument/codeLens",
        "textDocument/completion",
        "textDocument/inlayHint",
        "textDocument/definition",
        "textDocument/documentSymbol",
        "textDocument/diagnostic",
        "workspace/diagnostic",
        "workspace/executeCommand",
    ] {
        for params in &bad {
            let response = lsp.request(method, params.clone()).await;
            assert_eq!(
                error_code(&response),
                INVALID_PARAMS,
                "{method} {params}: {response}"
            );
        }
    }
    for method in [
        "initialized",
        "textDocument/didOpen",
        "textDocument/didChange",
        "textDocument/didClose",
        "workspace/didChangeConfiguration",
        "workspace/didChangeWatchedFiles",
        "window/workDoneProgress/cancel",
        "$/cancelRequest",
        "$/setTrace",
    ] {
        for params in &bad {
            lsp.notify(method, params.clone()).await;
        }
    }
    // shutdown takes no params; the server is still usable after whatever it answers
    lsp.assert_alive().await;
    assert!(lsp.null_id_errors().is_empty(), "{:?}", lsp.seen);
    lsp.shutdown_and_exit().await;
}

// ---------------------------------------------------------------------------------------------
// Documents

#[tokio::test]
async fn lone_surrogates_in_documents_become_replacement_characters_in_step_with_the_client() {
    let mut lsp = Lsp::start().await;
    let uri = "file:///tmp/mailport-hostile/surrogate/.env";
    // half an emoji on the first line, as JSON text (serde_json cannot write one)
    let open = format!(
        r##"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"dotenv","version":1,"text":"# note \ud83d\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n"}}}}}}"##
    );
    lsp.frame(open.as_bytes()).await;
    let text = format!("# note \u{FFFD}\n{DJANGO_ENV}");
    let params = lsp.diagnostics(uri, |p| p["version"] == 1).await;
    assert_eq!(published(&params), expected(&text, Format::Env, false));
    // an edit that adds the other half of a pair after a lone high surrogate, and one in line 0
    // after it at the client's UTF-16 column 9 (`# note ` 7 + 1 unit + 1)
    let change = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"textDocument":{{"uri":"{uri}","version":2}},"contentChanges":[{{"range":{{"start":{{"line":0,"character":8}},"end":{{"line":0,"character":8}}}},"text":"\ud83d!"}},{{"range":{{"start":{{"line":2,"character":11}},"end":{{"line":2,"character":14}}}},"text":"465"}}]}}}}"#
    );
    lsp.frame(change.as_bytes()).await;
    let text = format!(
        "# note \u{FFFD}\u{FFFD}!\n{}",
        DJANGO_ENV.replace("587", "465")
    );
    let params = lsp.diagnostics(uri, |p| p["version"] == 2).await;
    assert_eq!(published(&params), expected(&text, Format::Env, false));
    lsp.assert_hover(uri, &text, "465").await;
    lsp.finish().await;
}

#[tokio::test]
async fn edits_to_unknown_documents_and_odd_ranges_are_applied_as_documented() {
    let mut lsp = Lsp::start().await;
    lsp.change(
        "file:///tmp/mailport-hostile/never-opened/.env",
        3,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]),
    )
    .await;
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": "file:///tmp/mailport-hostile/never-opened/.env"}}),
    )
    .await;
    let uri = "file:///tmp/mailport-hostile/ranges/.env";
    let text = "A=😀\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\n";
    lsp.open(uri, "dotenv", 1, text).await;
    lsp.change(
        uri,
        2,
        json!([
            // past the end of the document: appended
            {"range": {"start": {"line": 1000, "character": 5}, "end": {"line": 2000, "character": 0}}, "text": "EMAIL_USE_SSL=True\n"},
            // past the end of a line: at the line's end
            {"range": {"start": {"line": 0, "character": 400}, "end": {"line": 0, "character": 401}}, "text": "!"},
            // inside the surrogate pair of 😀 (column 3 of `A=😀`): at the start of the emoji
            {"range": {"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 3}}, "text": "<"},
            // reversed: read as empty at its start (nothing of line 2 is deleted)
            {"range": {"start": {"line": 2, "character": 14}, "end": {"line": 2, "character": 0}}, "text": ""},
            // the largest numbers a position can hold: the end of the document
            {"range": {"start": {"line": 4294967295u64, "character": 4294967295u64}, "end": {"line": 4294967295u64, "character": 4294967295u64}}, "text": "# end"},
        ]),
    )
    .await;
    let text = "A=<😀!\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n# end";
    let params = lsp.diagnostics(uri, |p| p["version"] == 2).await;
    assert_eq!(
        published(&params),
        expected(text, Format::Env, false),
        "{text}"
    );
    lsp.finish().await;
}

#[tokio::test]
async fn requests_at_odd_positions_are_answered_not_refused() {
    let mut lsp = Lsp::start().await;
    let uri = "file:///tmp/mailport-hostile/positions/.env";
    let text = "A=😀\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";
    lsp.open(uri, "dotenv", 1, text).await;
    lsp.diagnostics(uri, |p| p["version"] == 1).await;
    let max = 4294967295u64;
    // past the last line, past a line's end, inside the surrogate pair of 😀, the largest numbers
    let positions = [
        json!({"line": 1000, "character": 0}),
        json!({"line": 2, "character": 400}),
        json!({"line": 0, "character": 3}),
        json!({"line": max, "character": max}),
    ];
    for position in &positions {
        let at = json!({"textDocument": {"uri": uri}, "position": position});
        let range = json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 3}, "end": position}});
        let reversed = json!({"textDocument": {"uri": uri}, "range": {"start": position, "end": {"line": 0, "character": 0}}});
        for (method, params) in [
            ("textDocument/hover", at.clone()),
            ("textDocument/completion", at.clone()),
            ("textDocument/definition", at.clone()),
            ("textDocument/inlayHint", range.clone()),
            ("textDocument/inlayHint", reversed.clone()),
        ] {
            let response = lsp.request(method, params.clone()).await;
            assert!(
                response.get("result").is_some(),
                "{method} {params}: {response}"
            );
        }
        let mut actions = range.clone();
        actions["context"] = json!({"diagnostics": []});
        let response = lsp.request("textDocument/codeAction", actions).await;
        assert!(response.get("result").is_some(), "{response}");
    }
    // the server still reads the document as it is
    lsp.assert_hover(uri, text, "587").await;
    lsp.finish().await;
}

#[tokio::test]
async fn versions_going_backwards_are_taken_as_the_current_text() {
    let mut lsp = Lsp::start().await;
    let uri = "file:///tmp/mailport-hostile/backwards/.env";
    lsp.open(uri, "dotenv", 10, DJANGO_ENV).await;
    lsp.diagnostics(uri, |p| p["version"] == 10).await;
    let start = DJANGO_ENV.find("587").unwrap();
    let range = json!({"start": position_of(DJANGO_ENV, start, false), "end": position_of(DJANGO_ENV, start + 3, false)});
    lsp.change(uri, 3, json!([{"range": range, "text": "465"}]))
        .await;
    let after = DJANGO_ENV.replace("587", "465");
    let params = lsp.diagnostics(uri, |p| p["version"] == 3).await;
    assert_eq!(published(&params), expected(&after, Format::Env, false));
    lsp.change(uri, -7, json!([{"text": DJANGO_ENV}])).await;
    let params = lsp.diagnostics(uri, |p| p["version"] == -7).await;
    assert_eq!(published(&params), expected(DJANGO_ENV, Format::Env, false));
    lsp.finish().await;
}

#[tokio::test]
async fn a_20_mb_document_is_opened_published_and_hovered() {
    let mut lsp = Lsp::start().await;
    let uri = "file:///tmp/mailport-hostile/big/.env";
    let line = format!("# {}\n", "x".repeat(97));
    let mut text = line.repeat(20 * 1024 * 1024 / line.len());
    text.push_str(DJANGO_ENV);
    assert!(text.len() >= 20 * 1024 * 1024);
    lsp.open(uri, "dotenv", 1, &text).await;
    let params = lsp.diagnostics(uri, |p| p["version"] == 1).await;
    assert_eq!(published(&params), expected(&text, Format::Env, false));
    lsp.assert_hover(uri, &text, "587").await;
    lsp.finish().await;
}

#[tokio::test]
async fn non_file_uris_are_served_by_language_id_or_ignored() {
    let mut lsp = Lsp::start().await;
    for uri in [
        "untitled:Untitled-1",
        "https://example.com/app/.env",
        "vscode-notebook-cell:/a.ipynb#W0sZmlsZQ%3D%3D",
    ] {
        lsp.open(uri, "dotenv", 1, DJANGO_ENV).await;
        let params = lsp.diagnostics(uri, |p| p["version"] == 1).await;
        assert_eq!(
            published(&params),
            expected(DJANGO_ENV, Format::Env, false),
            "{uri}"
        );
        lsp.assert_hover(uri, DJANGO_ENV, "587").await;
    }
    // not a URI at all: the notification is dropped, a request refused
    lsp.open("not a uri", "dotenv", 1, DJANGO_ENV).await;
    let hover = lsp
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "::"}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert!(
        hover.get("error").is_some() || hover["result"].is_null(),
        "{hover}"
    );
    lsp.finish().await;
}

#[tokio::test]
async fn settings_of_the_wrong_types_are_reported_and_the_previous_ones_kept() {
    let mut lsp = Lsp::spawn();
    let mut params = initialize_params();
    params["initializationOptions"] = json!({"debounceMs": "soon"});
    let response = lsp.request("initialize", params).await;
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    lsp.notify("initialized", json!({})).await;
    lsp.wait_for("the bad initializationOptions reported", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("mailport settings"))
    })
    .await;
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"mailport": {"debounceMs": 0}}}),
    )
    .await;
    for settings in [
        json!({"mailport": {"debounceMs": "soon"}}),
        json!({"mailport": {"debounceMs": -1}}),
        json!({"mailport": {"rules": {"MP003": "loud"}}}),
        json!({"mailport": {"rules": []}}),
        json!({"mailport": {"probe": {"timeoutSecs": {}}}}),
        json!({"mailport": [1, 2]}),
        json!({"mailport": {"unknownKey": true}}),
        json!(5),
    ] {
        lsp.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": settings}),
        )
        .await;
    }
    lsp.drain(Duration::from_millis(200)).await;
    let reported = lsp
        .seen
        .iter()
        .filter(|m| m["method"] == "window/showMessage" && m["params"]["type"] == 1)
        .count();
    assert!(reported >= 7, "{:?}", lsp.seen);
    lsp.finish().await;
}

/// A port on loopback that nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn test_connection_with_bad_arguments_is_refused_and_a_closed_port_reported() {
    let mut lsp = Lsp::start().await;
    let port = closed_port().await;
    for arguments in [
        json!(null),
        json!([]),
        json!([42]),
        json!(["127.0.0.1"]),
        json!([{"host": 5, "port": port, "protocol": "smtp"}]),
        json!([{"host": "127.0.0.1", "port": 70000, "protocol": "smtp"}]),
        json!([{"host": "127.0.0.1", "port": -1, "protocol": "smtp"}]),
        json!([{"host": "127.0.0.1", "port": port, "protocol": "gopher"}]),
        json!([{"uri": "file:///tmp/mailport-hostile/never-opened/.env", "position": {"line": 0, "character": 0}}]),
        json!([{"uri": 5, "position": "here"}]),
    ] {
        let mut params = json!({"command": "mailport.server.testConnection"});
        if !arguments.is_null() {
            params["arguments"] = arguments.clone();
        }
        let response = lsp.request("workspace/executeCommand", params).await;
        assert_eq!(
            error_code(&response),
            INVALID_PARAMS,
            "{arguments}: {response}"
        );
    }
    let response = lsp
        .request(
            "workspace/executeCommand",
            json!({"command": "rm -rf /", "arguments": []}),
        )
        .await;
    assert_eq!(error_code(&response), INVALID_PARAMS);
    let response = lsp
        .request(
            "workspace/executeCommand",
            json!({"command": "mailport.server.testConnection", "arguments": [{"host": "127.0.0.1", "port": port, "protocol": "smtp", "security": "nonsense"}]}),
        )
        .await;
    assert_eq!(response["result"]["verdict"], "failed", "{response}");
    lsp.finish().await;
}

#[tokio::test]
async fn five_thousand_unawaited_one_character_edits_then_a_hover() {
    let mut lsp = Lsp::start().await;
    let uri = "file:///tmp/mailport-hostile/typing/.env";
    let mut text: String = (0..5000)
        .map(|i| format!("APP_SETTING_{i}=value-{i}\n"))
        .collect();
    text.push_str(DJANGO_ENV);
    lsp.open(uri, "dotenv", 1, &text).await;
    // one character appended to each of the 5,000 lines, all written before reading anything
    let mut bytes = Vec::new();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (i, line) in lines.iter_mut().enumerate().take(5000) {
        let column = line.len();
        let message = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": i + 2},
            "contentChanges": [{"range": {"start": {"line": i, "character": column}, "end": {"line": i, "character": column}}, "text": "x"}]}});
        bytes.extend_from_slice(&frame(message.to_string().as_bytes()));
        line.push('x');
    }
    lsp.raw(&bytes).await;
    let mut after = lines.join("\n");
    after.push('\n');
    lsp.assert_hover(uri, &after, "587").await;
    let params = lsp.diagnostics(uri, |p| p["version"] == 5001).await;
    assert_eq!(published(&params), expected(&after, Format::Env, false));
    lsp.finish().await;
}

// ---------------------------------------------------------------------------------------------
// The client process and the repository

#[tokio::test]
async fn a_dead_process_id_ends_the_server_with_status_1() {
    let mut gone = std::process::Command::new("true")
        .spawn()
        .expect("run true");
    let pid = gone.id();
    gone.wait().unwrap();
    let mut lsp = Lsp::spawn();
    let mut params = initialize_params();
    params["processId"] = json!(pid);
    let response = lsp.request("initialize", params).await;
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    assert_eq!(lsp.exit_code().await, 1);
}

#[tokio::test]
async fn the_server_exits_when_its_client_process_dies() {
    let mut parent = tokio::process::Command::new("sleep")
        .arg("60")
        .kill_on_drop(true)
        .spawn()
        .expect("run sleep");
    let mut lsp = Lsp::spawn();
    let mut params = initialize_params();
    params["processId"] = json!(parent.id().unwrap());
    let response = lsp.request("initialize", params).await;
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    lsp.notify("initialized", json!({})).await;
    lsp.assert_alive().await;
    parent.kill().await.unwrap(); // killed and reaped
    assert_eq!(lsp.exit_code().await, 1);
}

async fn start_in(root: &std::path::Path) -> Lsp {
    let mut lsp = Lsp::spawn();
    let mut params = initialize_params();
    params["rootUri"] = json!(format!("file://{}", root.display()));
    params["workspaceFolders"] =
        json!([{"uri": format!("file://{}", root.display()), "name": "root"}]);
    let response = tokio::time::timeout(Duration::from_secs(10), lsp.request("initialize", params))
        .await
        .expect("initialize answers");
    assert!(response["result"]["capabilities"].is_object(), "{response}");
    lsp.notify("initialized", json!({})).await;
    lsp
}

#[tokio::test]
async fn a_mailport_toml_linked_to_dev_zero_is_refused_not_read() {
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.path().join(".mailport.toml")).unwrap();
    let mut lsp = start_in(root.path()).await;
    lsp.wait_for("the refused .mailport.toml reported", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("not a regular file"))
    })
    .await;
    lsp.finish().await;
}

#[tokio::test]
async fn a_mailport_toml_that_is_a_fifo_blocks_nothing() {
    let root = tempfile::tempdir().unwrap();
    let fifo = root.path().join(".mailport.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let lsp = start_in(root.path()).await;
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": format!("file://{}", fifo.display()), "type": 2}]}),
    )
    .await;
    lsp.finish().await;
}

#[tokio::test]
async fn a_huge_mailport_toml_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(root.path().join(".mailport.toml")).unwrap();
    file.set_len(4 * 1024 * 1024 * 1024).unwrap(); // sparse: 4 GB of zeros, no disk used
    let mut lsp = start_in(root.path()).await;
    lsp.wait_for("the refused .mailport.toml reported", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("larger than"))
    })
    .await;
    lsp.finish().await;
}
