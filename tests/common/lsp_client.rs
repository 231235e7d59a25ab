//! A small in-process LSP client for tests: the real server (`mailport::lsp::serve`) on one end of a
//! `tokio::io::duplex`, JSON-RPC framing (`Content-Length`) on the other. Server→client requests
//! are answered here (`workspace/configuration` from [`Client::set_configuration`], everything else
//! `null`) and recorded like every other message.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const TIMEOUT: Duration = Duration::from_secs(20);

type Writer = Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>;

pub struct Client {
    writer: Writer,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Every message the server sent, in order (requests, responses, notifications).
    pub seen: Vec<Value>,
    /// Index into `seen` of the first message not yet handed out by `next_matching`.
    cursor: usize,
    configuration: Arc<Mutex<Value>>,
    next_id: i64,
    pub server: JoinHandle<mailport::lsp::Ending>,
}

/// Capabilities of a typical editor: UTF-16 (or UTF-8 when asked), configuration pull, progress,
/// dynamic watcher registration, Markdown hover.
pub fn capabilities(utf8: bool) -> Value {
    let encodings = if utf8 {
        json!(["utf-8", "utf-16"])
    } else {
        json!(["utf-16"])
    };
    json!({
        "general": {"positionEncodings": encodings},
        "workspace": {
            "configuration": true,
            "didChangeConfiguration": {"dynamicRegistration": true},
            "didChangeWatchedFiles": {"dynamicRegistration": true},
            "codeLens": {"refreshSupport": true},
            "inlayHint": {"refreshSupport": true}
        },
        "window": {"workDoneProgress": true},
        "textDocument": {
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "publishDiagnostics": {"versionSupport": true, "relatedInformation": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}}
        }
    })
}

pub async fn write_frame(writer: &Writer, body: &[u8]) {
    let mut w = writer.lock().await;
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    w.write_all(header.as_bytes()).await.expect("write header");
    w.write_all(body).await.expect("write body");
    w.flush().await.expect("flush");
}

/// One frame's JSON body; `None` at the end of the output or on a body that is not JSON.
pub async fn read_frame<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
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
    reader.read_exact(&mut body).await.ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts a server and runs `initialize` (with `initialization_options`) and `initialized`.
    /// Returns the client and the `initialize` result.
    pub async fn start(
        utf8: bool,
        initialization_options: Value,
        root: Option<&str>,
    ) -> (Client, Value) {
        Client::start_with(capabilities(utf8), initialization_options, root).await
    }

    /// [`Client::start`] with the given client capabilities.
    pub async fn start_with(
        capabilities: Value,
        initialization_options: Value,
        root: Option<&str>,
    ) -> (Client, Value) {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_end);
        let server = tokio::spawn(mailport::lsp::serve(server_read, server_write));
        let (client_read, client_write) = tokio::io::split(client_end);
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(client_write));
        let configuration = Arc::new(Mutex::new(Value::Null));
        let (tx, incoming) = mpsc::unbounded_channel();
        {
            let writer = writer.clone();
            let configuration = configuration.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(client_read);
                while let Some(message) = read_frame(&mut reader).await {
                    if let (Some(id), Some(method)) = (message.get("id"), message.get("method")) {
                        let result = match method.as_str() {
                            Some("workspace/configuration") => {
                                let items =
                                    message["params"]["items"].as_array().map_or(0, |a| a.len());
                                let value = configuration.lock().unwrap().clone();
                                Value::Array(vec![value; items])
                            }
                            _ => Value::Null,
                        };
                        let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
                        write_frame(&writer, reply.to_string().as_bytes()).await;
                    }
                    if tx.send(message).is_err() {
                        break;
                    }
                }
            });
        }
        let mut client = Client {
            writer,
            incoming,
            seen: Vec::new(),
            cursor: 0,
            configuration,
            next_id: 1,
            server,
        };
        let root_uri = root.map(|r| format!("file://{r}"));
        let workspace_folders = root_uri
            .as_ref()
            .map(|u| json!([{"uri": u, "name": "root"}]))
            .unwrap_or(Value::Null);
        let response = client
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root_uri,
                    "workspaceFolders": workspace_folders,
                    "capabilities": capabilities,
                    "initializationOptions": initialization_options,
                }),
            )
            .await;
        client.notify("initialized", json!({})).await;
        (client, response["result"].clone())
    }

    /// What `workspace/configuration` answers from now on (the `mailport` section).
    pub fn set_configuration(&self, value: Value) {
        *self.configuration.lock().unwrap() = value;
    }

    pub async fn send_raw(&self, body: &[u8]) {
        write_frame(&self.writer, body).await;
    }

    pub async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(message.to_string().as_bytes()).await;
    }

    /// Sends a request without waiting; returns its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(message.to_string().as_bytes()).await;
        id
    }

    /// Sends a request and waits for its response (the whole message: `result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        self.response(id).await
    }

    pub async fn response(&mut self, id: i64) -> Value {
        self.wait_for(&format!("response to {id}"), |m| {
            m.get("method").is_none() && m.get("id") == Some(&json!(id))
        })
        .await
    }

    /// Receives one more message into `seen`; false on timeout or when the server is gone.
    async fn receive(&mut self, deadline: tokio::time::Instant) -> bool {
        match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
            Ok(Some(message)) => {
                self.seen.push(message);
                true
            }
            _ => false,
        }
    }

    /// The first message (seen or still to come) that matches; panics after [`TIMEOUT`].
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
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
                panic!(
                    "timed out waiting for {what}; seen:\n{}",
                    self.seen
                        .iter()
                        .map(|m| truncate(&m.to_string()))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
        }
    }

    /// The next message after the previous call's match that matches (so a test can wait for a
    /// *new* publish rather than an old one).
    pub async fn next_matching(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
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
                panic!("timed out waiting for {what}");
            }
        }
    }

    /// The next `publishDiagnostics` for `uri` that satisfies `pred` (its params are passed).
    pub async fn diagnostics(&mut self, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.next_matching(&format!("diagnostics for {uri}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && pred(&m["params"])
        })
        .await["params"]
            .clone()
    }

    /// Collects whatever arrives within `quiet` of silence.
    pub async fn drain(&mut self, quiet: Duration) {
        while let Ok(Some(message)) = tokio::time::timeout(quiet, self.incoming.recv()).await {
            self.seen.push(message);
        }
    }

    pub async fn open(&self, uri: &str, language_id: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}}),
        )
        .await;
    }

    /// Shutdown, exit, and the server's task ends.
    pub async fn shutdown(mut self) {
        let response = self.request("shutdown", Value::Null).await;
        assert_eq!(response["result"], Value::Null, "{response}");
        self.notify("exit", Value::Null).await;
        let ending = tokio::time::timeout(Duration::from_secs(5), self.server)
            .await
            .expect("server exits after shutdown + exit")
            .expect("server task did not panic");
        assert_eq!(
            ending,
            mailport::lsp::Ending::Exit {
                after_shutdown: true
            }
        );
    }
}

fn truncate(s: &str) -> String {
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_string()
    }
}

/// Codes of a publish's diagnostics (`["MP003", …]`).
pub fn codes(params: &Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Byte offset of an LSP position in `text` (UTF-16 or UTF-8 columns), the client's way.
pub fn offset_of(text: &str, line: u64, character: u64, utf8: bool) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 == line {
            let mut column = 0u64;
            for (b, c) in l.char_indices() {
                if column >= character || c == '\n' || c == '\r' {
                    return offset + b;
                }
                column += if utf8 { c.len_utf8() } else { c.len_utf16() } as u64;
            }
            return offset + l.len();
        }
        offset += l.len();
    }
    text.len()
}

/// The LSP position of a byte offset, the client's way.
pub fn position_of(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column: usize = if utf8 {
        offset - line_start
    } else {
        text[line_start..offset].chars().map(char::len_utf16).sum()
    };
    json!({"line": line, "character": column})
}

/// Applies LSP text edits (from a code action) to `text`.
pub fn apply_edits(text: &str, edits: &[Value], utf8: bool) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            let start = offset_of(
                text,
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                utf8,
            );
            let end = offset_of(
                text,
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
                utf8,
            );
            (start, end, e["newText"].as_str().unwrap().to_string())
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new_text) in spans {
        out.replace_range(start..end, &new_text);
    }
    out
}

/// The diagnostics the server should publish for `text`: (code, range) computed from the engine
/// directly, with the client's own position arithmetic.
pub fn expected(text: &str, format: mailport::vocab::Format, utf8: bool) -> Vec<(String, Value)> {
    let analysis = mailport::analysis::analyze(text, format, &mailport::config::Config::default());
    let mut out: Vec<(String, Value)> = analysis
        .findings
        .iter()
        .map(|f| {
            let range = json!({
                "start": position_of(text, f.span.start, utf8),
                "end": position_of(text, f.span.end, utf8),
            });
            (f.code.as_str().to_string(), range)
        })
        .collect();
    out.sort_by_key(|(c, r)| (c.clone(), r.to_string()));
    out
}

/// The (code, range) pairs of a `publishDiagnostics`, sorted.
pub fn published(params: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = params["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["range"].clone()))
        .collect();
    out.sort_by_key(|(c, r)| (c.clone(), r.to_string()));
    out
}
