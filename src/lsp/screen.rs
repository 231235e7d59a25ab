//! The screen between the client and tower-lsp's service.
//!
//! tower-lsp's own reader would stop for good at the first message it cannot decode; its service
//! answers nothing to requests for unknown `$/` methods and does not know the lifecycle rules for
//! `exit`. So every frame is read here (see `framing`), checked, and either
//! - decoded and handed to the service (see `dispatch`) when it should handle it,
//! - answered here with an error response (written to the client among the service's output), or
//! - dropped with a line on stderr (notifications get no answer, by JSON-RPC's rules).
//!
//! The cases and the behaviour chosen for each are listed in docs/lsp-robustness.md.

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::AsyncRead;
use tokio::sync::{mpsc, watch};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::InitializeParams;

use super::framing::{self, Frame, FrameReader};

/// JSON-RPC and LSP error codes used here.
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const SERVER_NOT_INITIALIZED: i64 = -32002;
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client sent `exit`.
    Exit { after_shutdown: bool },
    /// The client closed its end without `exit`.
    InputEnded { after_shutdown: bool },
    /// The client stopped reading (our output failed).
    OutputClosed,
    /// The process named by `initialize`'s `processId` is gone.
    ParentGone,
}

impl Ending {
    /// The process exit status: 0 only after a `shutdown` request (LSP 3.17, `exit`).
    pub fn code(self) -> u8 {
        match self {
            Ending::Exit { after_shutdown } | Ending::InputEnded { after_shutdown } => {
                u8::from(!after_shutdown)
            }
            Ending::OutputClosed | Ending::ParentGone => 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Initialized,
    ShutDown,
}

/// A JSON-RPC message, as far as the screen needs to know it.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Request { id: Value, method: String },
    Notification { method: String },
    Response,
}

/// What to do with a frame.
#[derive(Debug, PartialEq)]
enum Action {
    /// Hand the message to the service.
    Forward(Kind),
    Reply {
        id: Value,
        code: i64,
        message: String,
    },
    Drop(String),
    Exit,
}

fn reply(id: Value, code: i64, message: impl Into<String>) -> Action {
    Action::Reply {
        id,
        code,
        message: message.into(),
    }
}

/// A message for the service, decoded.
pub enum Inbound {
    /// A request or a notification from the client.
    Request(Request),
    /// The client's answer to a request of the server.
    Response(Response),
}

/// A message body with its header: what goes to the client.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// An error response, framed.
pub fn error_frame(id: &Value, code: i64, message: &str) -> Vec<u8> {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    frame(body.to_string().as_bytes())
}

/// The message as the service takes it; the screen has checked its shape, so this fails only on
/// what the shape check cannot see (an `id` or `params` tower-lsp's types refuse).
fn decode(kind: &Kind, body: &[u8]) -> Result<Inbound, Action> {
    let decoded = match kind {
        Kind::Response => serde_json::from_slice(body).map(Inbound::Response),
        Kind::Request { .. } | Kind::Notification { .. } => {
            serde_json::from_slice(body).map(Inbound::Request)
        }
    };
    decoded.map_err(|e| {
        let why = format!("the message cannot be decoded: {e}");
        match kind {
            Kind::Request { id, .. } => reply(id.clone(), code::INVALID_REQUEST, why),
            Kind::Notification { method } => Action::Drop(format!("notification {method}: {why}")),
            Kind::Response => Action::Drop(format!("a response: {why}")),
        }
    })
}

/// Replaces every lone UTF-16 surrogate in `body` by U+FFFD, in place and at the same length:
/// `\uD83D` escapes by `\uFFFD`, and surrogates encoded as UTF-8 (`ED A0..BF xx`, which some
/// clients send) by `EF BF BD`. Editors send half an emoji mid-edit; both forms are one UTF-16
/// code unit (and three UTF-8 bytes), so the document's positions stay those the client has.
pub fn repair_lone_surrogates(body: &mut [u8]) {
    let hex4 = |b: &[u8]| -> Option<u16> {
        let text = std::str::from_utf8(b.get(..4)?).ok()?;
        u16::from_str_radix(text, 16).ok()
    };
    let is_high = |u: u16| (0xD800..0xDC00).contains(&u);
    let is_low = |u: u16| (0xDC00..0xE000).contains(&u);
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\\' => {
                if body.get(i + 1) != Some(&b'u') {
                    i += 2; // any other escape, `\\` included
                    continue;
                }
                let Some(unit) = body.get(i + 2..).and_then(hex4) else {
                    i += 2;
                    continue;
                };
                if is_high(unit) {
                    let next = body.get(i + 6..i + 8) == Some(b"\\u")
                        && body.get(i + 8..).and_then(hex4).is_some_and(is_low);
                    if next {
                        i += 12;
                        continue;
                    }
                }
                if is_high(unit) || is_low(unit) {
                    body[i + 2..i + 6].copy_from_slice(b"FFFD");
                }
                i += 6;
            }
            0xED if body.get(i + 1).is_some_and(|b| (0xA0..=0xBF).contains(b))
                && body.get(i + 2).is_some_and(|b| (0x80..=0xBF).contains(b)) =>
            {
                body[i..i + 3].copy_from_slice(&[0xEF, 0xBF, 0xBD]);
                i += 3;
            }
            _ => i += 1,
        }
    }
}

/// A valid JSON-RPC id (what tower-lsp accepts: an integer that fits i64, a string, or null).
fn valid_id(id: &Value) -> bool {
    match id {
        Value::Number(n) => n.as_i64().is_some(),
        Value::String(_) | Value::Null => true,
        _ => false,
    }
}

/// The parts of a message that can be read even when its params cannot (too deep, a number out
/// of range, not UTF-8): the params are skipped without being built.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    method: Option<Value>,
}

/// Any JSON value, read the way serde_json reads a `Value` (nesting limit, numbers in f64
/// range, valid strings: what tower-lsp's own parse checks) and dropped at once: the params of a
/// big `didOpen` are checked without being built.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Checked, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

/// The members of a message the screen looks at; the others are only checked.
#[derive(Default)]
struct Members {
    jsonrpc: Option<Value>,
    id: Option<Value>,
    method: Option<Value>,
    result: bool,
    error: Option<Value>,
    /// A member given twice (tower-lsp refuses the message).
    duplicate: Option<String>,
}

/// A message's top level.
enum Top {
    Object(Members),
    Array,
    Scalar,
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Top, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-RPC message")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Scalar)
    }
    fn visit_str<E>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Top, E> {
        Ok(Top::Scalar)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top, A::Error> {
        CheckedVisitor.visit_seq(seq).map(|_| Top::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut members = Members::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let known = ["jsonrpc", "id", "method", "params", "result", "error"];
            if known.contains(&key.as_str()) {
                if seen.contains(&key) {
                    members.duplicate.get_or_insert(key.clone());
                }
                seen.push(key.clone());
            }
            match key.as_str() {
                "jsonrpc" => members.jsonrpc = Some(map.next_value()?),
                "id" => members.id = Some(map.next_value()?),
                "method" => members.method = Some(map.next_value()?),
                "error" => members.error = Some(map.next_value()?),
                "result" => {
                    map.next_value::<Checked>()?;
                    members.result = true;
                }
                _ => {
                    map.next_value::<Checked>()?;
                }
            }
        }
        Ok(Top::Object(members))
    }
}

/// Reads a message's kind, or the action for a message that is not a valid one.
fn kind_of(body: &[u8]) -> Result<Kind, Action> {
    let members = match serde_json::from_slice::<Top>(body) {
        Ok(Top::Object(members)) => members,
        Ok(Top::Array) => {
            return Err(reply(
                Value::Null,
                code::INVALID_REQUEST,
                "the message is a batch (LSP has none) or an array",
            ))
        }
        Ok(Top::Scalar) => {
            return Err(reply(
                Value::Null,
                code::INVALID_REQUEST,
                "the message is not a JSON object",
            ))
        }
        Err(e) => return Err(unreadable(body, &e)),
    };
    let id = members.id.as_ref();
    if id.is_some_and(|id| !valid_id(id)) {
        return Err(reply(
            Value::Null,
            code::INVALID_REQUEST,
            "the id is not an integer, a string or null",
        ));
    }
    if let Some(member) = &members.duplicate {
        return Err(invalid(id, &format!("\"{member}\" is given twice")));
    }
    if members.jsonrpc != Some(json!("2.0")) {
        return Err(invalid(id, "\"jsonrpc\" is not \"2.0\""));
    }
    let answer = members.result || members.error.is_some();
    match (members.method, id) {
        (Some(_), _) if answer => Err(invalid(id, "a request with a result or an error")),
        (Some(Value::String(method)), Some(id)) => Ok(Kind::Request {
            id: id.clone(),
            method,
        }),
        (Some(Value::String(method)), None) => Ok(Kind::Notification { method }),
        (Some(_), _) => Err(invalid(id, "the method is not a string")),
        (None, Some(_)) if is_response(members.result, members.error.as_ref()) => {
            Ok(Kind::Response)
        }
        (None, _) => Err(reply(
            Value::Null,
            code::INVALID_REQUEST,
            "neither a request, a notification nor a response",
        )),
    }
}

/// InvalidRequest for a message with a bad shape, to its id (or null).
fn invalid(id: Option<&Value>, why: &str) -> Action {
    reply(
        id.cloned().unwrap_or(Value::Null),
        code::INVALID_REQUEST,
        why,
    )
}

/// A response tower-lsp can decode: `result`, or an `error` with an integer code and a message.
fn is_response(result: bool, error: Option<&Value>) -> bool {
    match (result, error) {
        (true, None) => true,
        (false, Some(error)) => {
            error.get("code").is_some_and(|c| c.as_i64().is_some())
                && error.get("message").is_some_and(Value::is_string)
        }
        _ => false,
    }
}

/// The action for a body serde_json cannot read as a JSON value.
fn unreadable(body: &[u8], error: &serde_json::Error) -> Action {
    let utf8 = std::str::from_utf8(body).is_ok();
    let text = String::from_utf8_lossy(body);
    let envelope = serde_json::from_str::<Envelope>(&text).ok();
    let method = envelope
        .as_ref()
        .and_then(|e| e.method.as_ref())
        .and_then(Value::as_str);
    let id = envelope
        .as_ref()
        .and_then(|e| e.id.clone())
        .filter(valid_id);
    let why = if utf8 {
        format!("the message cannot be read: {error}")
    } else {
        "the message is not valid UTF-8".to_string()
    };
    match (method, id) {
        (Some("exit"), None) => Action::Exit,
        (Some(_), Some(id)) if utf8 => reply(id, code::INVALID_PARAMS, why),
        (Some(_), Some(id)) => reply(id, code::PARSE_ERROR, why),
        (Some(method), None) => Action::Drop(format!("notification {method}: {why}")),
        (None, _) if error.is_data() && utf8 => reply(Value::Null, code::INVALID_REQUEST, why),
        (None, _) => reply(Value::Null, code::PARSE_ERROR, why),
    }
}

/// The lifecycle as the client drives it.
pub struct Screen {
    phase: Phase,
    /// The `processId` of `initialize`, for the watcher of the parent process.
    parent: watch::Sender<Option<u32>>,
}

impl Screen {
    pub fn new(parent: watch::Sender<Option<u32>>) -> Screen {
        Screen {
            phase: Phase::Uninitialized,
            parent,
        }
    }

    /// What to do with one well-formed message.
    fn route(&mut self, kind: &Kind, body: &[u8]) -> Action {
        let (id, method) = match kind {
            Kind::Response => return Action::Forward(Kind::Response),
            Kind::Notification { method } if method == "exit" => return Action::Exit,
            Kind::Notification { method } => {
                return match self.phase {
                    Phase::Initialized if method == "shutdown" => {
                        Action::Drop("shutdown sent as a notification".to_string())
                    }
                    Phase::Initialized => Action::Forward(kind.clone()),
                    Phase::Uninitialized => {
                        Action::Drop(format!("notification {method} before initialize"))
                    }
                    Phase::ShutDown => {
                        Action::Drop(format!("notification {method} after shutdown"))
                    }
                }
            }
            Kind::Request { id, method } => (id.clone(), method.as_str()),
        };
        if method == "exit" {
            return reply(id, code::INVALID_REQUEST, "exit is a notification");
        }
        match self.phase {
            Phase::Uninitialized if method == "initialize" => {
                // read whole only here (the body is known to be valid JSON)
                let params = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|mut message| message.get_mut("params").map(Value::take))
                    .unwrap_or(Value::Null);
                match serde_json::from_value::<InitializeParams>(params) {
                    Ok(params) => {
                        self.phase = Phase::Initialized;
                        self.parent.send_replace(params.process_id);
                        Action::Forward(kind.clone())
                    }
                    Err(e) => reply(
                        id,
                        code::INVALID_PARAMS,
                        format!("initialize params cannot be read: {e}"),
                    ),
                }
            }
            Phase::Uninitialized => reply(
                id,
                code::SERVER_NOT_INITIALIZED,
                "the server is not initialized",
            ),
            Phase::ShutDown => reply(id, code::INVALID_REQUEST, "the server is shut down"),
            // tower-lsp would answer nothing; the specification wants MethodNotFound
            Phase::Initialized if method.starts_with("$/") => reply(
                id,
                code::METHOD_NOT_FOUND,
                format!("unknown method {method}"),
            ),
            Phase::Initialized => {
                if method == "shutdown" {
                    self.phase = Phase::ShutDown;
                }
                Action::Forward(kind.clone())
            }
        }
    }

    /// The action for one frame; `body` may be repaired in place.
    fn action(&mut self, frame: &mut Frame) -> Action {
        match frame {
            Frame::BadHeader(why) => reply(Value::Null, code::PARSE_ERROR, why.clone()),
            Frame::TooLarge(length) => reply(
                Value::Null,
                code::PARSE_ERROR,
                format!(
                    "a message of {length} bytes is larger than the {} MB accepted",
                    framing::MAX_BODY / 1024 / 1024
                ),
            ),
            Frame::Message { body, charset, .. } => {
                if body.iter().all(u8::is_ascii_whitespace) {
                    return Action::Drop("an empty message".to_string());
                }
                if let Some(charset) = charset.as_deref().filter(|c| !framing::is_utf8(c)) {
                    let why = format!("charset {charset} is not supported (only utf-8)");
                    return match serde_json::from_str::<Envelope>(&String::from_utf8_lossy(body)) {
                        Ok(Envelope {
                            id: Some(id),
                            method: Some(_),
                        }) if valid_id(&id) => reply(id, code::INVALID_REQUEST, why),
                        _ => Action::Drop(why),
                    };
                }
                repair_lone_surrogates(body);
                match kind_of(body) {
                    Ok(kind) => self.route(&kind, body),
                    Err(action) => action,
                }
            }
        }
    }

    /// Screens `input` until the client says `exit` or the input ends: the messages the service
    /// should handle go to `inbound`, decoded; error replies go to `outgoing` (framed).
    pub async fn run<R: AsyncRead + Unpin>(
        mut self,
        input: R,
        inbound: mpsc::Sender<Inbound>,
        outgoing: mpsc::Sender<Vec<u8>>,
    ) -> Ending {
        let mut reader = FrameReader::new(input);
        loop {
            let mut frame = match reader.next().await {
                Ok(Some(frame)) => frame,
                Ok(None) | Err(_) => {
                    return Ending::InputEnded {
                        after_shutdown: self.phase == Phase::ShutDown,
                    }
                }
            };
            if let Frame::Message {
                resynced: Some(why),
                ..
            } = &frame
            {
                eprintln!("mailport lsp: a frame's Content-Length was wrong: {why}");
            }
            let action = self.action(&mut frame);
            let action = match (action, frame) {
                (Action::Forward(kind), Frame::Message { body, .. }) => {
                    match decode(&kind, &body) {
                        Ok(message) => {
                            // the body is freed first: a large document is not held twice
                            drop(body);
                            if inbound.send(message).await.is_err() {
                                return self.exit(); // the service is gone
                            }
                            continue;
                        }
                        Err(action) => action,
                    }
                }
                (action, _) => action,
            };
            match action {
                Action::Forward(_) => {} // only a message is forwarded (above)
                Action::Exit => {
                    // `exit` goes on in its canonical form (its params may be what made it unreadable)
                    let exit = Request::build("exit").finish();
                    let _ = inbound.send(Inbound::Request(exit)).await;
                    return self.exit();
                }
                Action::Reply { id, code, message } => {
                    eprintln!("mailport lsp: answered {code} ({message})");
                    if outgoing
                        .send(error_frame(&id, code, &message))
                        .await
                        .is_err()
                    {
                        return Ending::OutputClosed;
                    }
                }
                Action::Drop(why) => eprintln!("mailport lsp: dropped {why}"),
            }
        }
    }

    fn exit(&self) -> Ending {
        Ending::Exit {
            after_shutdown: self.phase == Phase::ShutDown,
        }
    }
}

/// Resolves once the process named by `initialize`'s `processId` is gone (checked every second,
/// on Linux through /proc; elsewhere never).
pub async fn parent_gone(mut parent: watch::Receiver<Option<u32>>) {
    let pid = loop {
        if let Some(pid) = *parent.borrow_and_update() {
            break pid;
        }
        if parent.changed().await.is_err() {
            return std::future::pending().await;
        }
    };
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if !process_alive(pid) {
            eprintln!("mailport lsp: the client process {pid} is gone; exiting");
            return;
        }
    }
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // the state follows the command name in parentheses; Z (zombie) and X are gone
        Ok(stat) => stat
            .rsplit_once(')')
            .is_none_or(|(_, rest)| !matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))),
        Err(_) => false,
    }
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(text: &[u8]) -> Vec<u8> {
        let mut body = text.to_vec();
        repair_lone_surrogates(&mut body);
        body
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(repaired(br#""a\ud83d b""#), br#""a\uFFFD b""#);
        assert_eq!(repaired(br#""\ude00""#), br#""\uFFFD""#);
        // a pair stays, an escaped backslash is not an escape of u
        assert_eq!(repaired(br#""\ud83d\ude00""#), br#""\ud83d\ude00""#);
        assert_eq!(repaired(br#""\\ud83d""#), br#""\\ud83d""#);
        assert_eq!(repaired(b"\"\xED\xA0\xBD\""), "\"\u{FFFD}\"".as_bytes());
        assert_eq!(repaired(br#""\ud83d"#), br#""\uFFFD"#);
        let value: Value = serde_json::from_slice(&repaired(br#"{"t":"x\ud83d"}"#)).unwrap();
        assert_eq!(value["t"], "x\u{FFFD}");
    }

    fn act(screen: &mut Screen, body: &str) -> Action {
        screen.action(&mut Frame::Message {
            body: body.as_bytes().to_vec(),
            charset: None,
            resynced: None,
        })
    }

    #[test]
    fn lifecycle() {
        let mut screen = Screen::new(watch::channel(None).0);
        assert_eq!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"}"#
            ),
            reply(
                json!(1),
                code::SERVER_NOT_INITIALIZED,
                "the server is not initialized"
            )
        );
        assert!(matches!(
            act(&mut screen, r#"{"jsonrpc":"2.0","method":"initialized"}"#),
            Action::Drop(_)
        ));
        assert!(matches!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":7}}"#
            ),
            Action::Reply {
                code: code::INVALID_PARAMS,
                ..
            }
        ));
        assert!(matches!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"capabilities":{},"processId":12}}"#
            ),
            Action::Forward(_)
        ));
        assert_eq!(*screen.parent.borrow(), Some(12));
        assert!(matches!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","id":4,"method":"$/unknown"}"#
            ),
            Action::Reply {
                code: code::METHOD_NOT_FOUND,
                ..
            }
        ));
        assert!(matches!(
            act(&mut screen, r#"{"jsonrpc":"2.0","method":"$/unknown"}"#),
            Action::Forward(_)
        ));
        assert!(matches!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","id":5,"method":"shutdown"}"#
            ),
            Action::Forward(_)
        ));
        assert!(matches!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","id":6,"method":"textDocument/hover","params":{}}"#
            ),
            Action::Reply {
                code: code::INVALID_REQUEST,
                ..
            }
        ));
        assert_eq!(
            act(&mut screen, r#"{"jsonrpc":"2.0","method":"exit"}"#),
            Action::Exit
        );
    }

    #[test]
    fn messages_tower_lsp_could_not_decode_are_answered_or_dropped() {
        let mut screen = Screen::new(watch::channel(None).0);
        act(
            &mut screen,
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}}"#,
        );
        let deep = format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(
            matches!(act(&mut screen, &deep), Action::Reply { code: code::INVALID_PARAMS, id, .. } if id == json!(7))
        );
        assert!(matches!(
            act(
                &mut screen,
                r#"{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"debounceMs":1e400}}}"#
            ),
            Action::Drop(_)
        ));
        assert!(matches!(
            act(&mut screen, r#"{"jsonrpc":"2.0","id":8,"method":null}"#),
            Action::Reply { code: code::INVALID_REQUEST, id, .. } if id == json!(8)
        ));
        assert!(matches!(
            act(&mut screen, r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#),
            Action::Reply {
                code: code::INVALID_REQUEST,
                id: Value::Null,
                ..
            }
        ));
        assert!(matches!(
            act(&mut screen, "nope"),
            Action::Reply {
                code: code::PARSE_ERROR,
                id: Value::Null,
                ..
            }
        ));
        let mut not_utf8 = Frame::Message {
            body: b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"x\",\"params\":\"\xff\"}".to_vec(),
            charset: None,
            resynced: None,
        };
        assert!(matches!(
            screen.action(&mut not_utf8),
            Action::Reply { code: code::PARSE_ERROR, id, .. } if id == json!(9)
        ));
        assert!(matches!(
            act(&mut screen, r#"{"jsonrpc":"2.0","id":3,"error":5}"#),
            Action::Reply {
                id: Value::Null,
                ..
            }
        ));
        assert!(matches!(
            act(&mut screen, r#"{"jsonrpc":"2.0","id":3,"result":null}"#),
            Action::Forward(_)
        ));
        let mut latin1 = Frame::Message {
            body: br#"{"jsonrpc":"2.0","id":10,"method":"textDocument/hover"}"#.to_vec(),
            charset: Some("latin1".to_string()),
            resynced: None,
        };
        assert!(
            matches!(screen.action(&mut latin1), Action::Reply { code: code::INVALID_REQUEST, id, .. } if id == json!(10))
        );
        assert_eq!(
            Ending::Exit {
                after_shutdown: true
            }
            .code(),
            0
        );
        assert_eq!(
            Ending::Exit {
                after_shutdown: false
            }
            .code(),
            1
        );
    }
}
