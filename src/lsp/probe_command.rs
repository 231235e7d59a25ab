//! "Test connection" (`mailport.server.testConnection`): probes an endpoint of a document (or one
//! given by host/port/protocol) in a spawned task, limited in number, with `$/progress`,
//! cancellable by `$/cancelRequest`, the progress' cancel button or shutdown. The report is the
//! command's result; its findings (MP100–MP103) are shown on the endpoint until the endpoint's text
//! changes. Code lenses put the command above each endpoint.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{watch, Semaphore};
use tower_lsp_server::ls_types::{
    CodeLens, Command, Diagnostic, MessageType, NumberOrString, Position, ProgressToken, Range, Uri,
};
use tower_lsp_server::{jsonrpc, Client};

use super::actions::{self, code_description, SOURCE};
use super::lock;
use super::position::{Encoding, Lines};
use crate::analysis::{Analysis, Endpoint};
use crate::probe::{self, Options, ProbeFinding, Report, Target, Verdict};
use crate::vocab::{Protocol, Security};

pub const COMMAND: &str = "mailport.server.testConnection";
/// Probes running at once; more wait their turn.
pub const MAX_CONCURRENT_PROBES: usize = 4;

/// A probe result attached to an endpoint of a document, shown while the endpoint reads the same.
#[derive(Clone, Debug)]
pub struct ProbeMark {
    protocol: Protocol,
    host: String,
    port_text: Option<String>,
    security: Security,
    findings: Vec<ProbeFinding>,
}

impl ProbeMark {
    fn matches(&self, endpoint: &Endpoint) -> bool {
        endpoint.protocol == Some(self.protocol)
            && endpoint.host.as_ref().map(|h| h.value.as_str()) == Some(self.host.as_str())
            && endpoint.port.as_ref().map(|p| &p.value) == self.port_text.as_ref()
            && endpoint.security == self.security
    }

    fn same_endpoint(&self, other: &ProbeMark) -> bool {
        self.protocol == other.protocol
            && self.host == other.host
            && self.port_text == other.port_text
            && self.security == other.security
    }
}

/// The command's arguments: a place in a document, or an explicit target.
#[derive(Deserialize)]
#[serde(untagged)]
enum Args {
    AtPosition {
        uri: Uri,
        position: Position,
    },
    Explicit {
        host: String,
        port: u16,
        protocol: String,
        #[serde(default)]
        security: Option<String>,
    },
}

/// The endpoint under `offset`, or the nearest one that can be probed.
fn endpoint_near(analysis: &Analysis, offset: usize) -> Option<&Endpoint> {
    analysis
        .endpoints
        .iter()
        .filter(|e| target_of(e).is_some())
        .min_by_key(|e| {
            spans_of(e)
                .map(|s| {
                    if s.start <= offset && offset <= s.end {
                        0
                    } else {
                        s.start.abs_diff(offset).min(s.end.abs_diff(offset))
                    }
                })
                .min()
                .unwrap_or(usize::MAX)
        })
}

fn spans_of(endpoint: &Endpoint) -> impl Iterator<Item = &crate::vocab::Span> {
    endpoint
        .host
        .iter()
        .chain(endpoint.port.iter())
        .chain(endpoint.url.iter().map(|u| &u.scheme))
        .map(|l| &l.span)
}

fn target_of(endpoint: &Endpoint) -> Option<Target> {
    let host = endpoint.host.as_ref()?.value.trim();
    if host.is_empty() {
        return None;
    }
    Some(Target {
        host: host.to_string(),
        port: u16::try_from(endpoint.port_number()?).ok()?,
        protocol: endpoint.protocol?,
        security: match endpoint.security {
            Security::Unknown => None,
            known => Some(known),
        },
    })
}

/// Where an endpoint's diagnostics and lens go: the port, else the host.
fn anchor_span(endpoint: &Endpoint) -> Option<crate::vocab::Span> {
    endpoint
        .port
        .as_ref()
        .or(endpoint.host.as_ref())
        .map(|l| l.span.clone())
}

/// Diagnostics for the document's probe marks; marks whose endpoint no longer reads the same are
/// dropped for good.
pub fn diagnostics(
    marks: &mut Vec<ProbeMark>,
    analysis: &Analysis,
    lines: &Lines,
    encoding: Encoding,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    marks.retain(|mark| {
        let Some(endpoint) = analysis.endpoints.iter().find(|e| mark.matches(e)) else {
            return false;
        };
        let Some(span) = anchor_span(endpoint) else {
            return false;
        };
        let range = lines.to_range(&span, encoding);
        out.extend(mark.findings.iter().map(|f| diagnostic(range, f)));
        true
    });
    out
}

fn diagnostic(range: Range, finding: &ProbeFinding) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(actions::severity(finding.severity)),
        code: Some(NumberOrString::String(finding.code.to_string())),
        code_description: code_description(finding.code),
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        ..Diagnostic::default()
    }
}

/// "Test connection" above each endpoint that can be probed.
pub fn code_lenses(
    uri: &Uri,
    analysis: &Analysis,
    lines: &Lines,
    encoding: Encoding,
) -> Vec<CodeLens> {
    analysis
        .endpoints
        .iter()
        .filter_map(|endpoint| {
            let target = target_of(endpoint)?;
            let first = spans_of(endpoint).map(|s| s.start).min()?;
            let at = lines.to_position(first, encoding);
            let line_start = Position::new(at.line, 0);
            Some(CodeLens {
                range: Range::new(line_start, line_start),
                command: Some(Command {
                    title: format!("Test connection ({}:{})", target.host, target.port),
                    command: COMMAND.to_string(),
                    arguments: Some(vec![serde_json::json!({
                        "uri": uri,
                        "position": at,
                    })]),
                }),
                data: None,
            })
        })
        .collect()
}

/// Sets its cancel flag when dropped: the request handler holds one, so an aborted request
/// (`$/cancelRequest`) ends its probe.
struct CancelOnDrop(Arc<watch::Sender<bool>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

/// Where the command asks to probe.
pub enum Request {
    /// The endpoint at (or nearest to) a place in a document.
    AtPosition { uri: Uri, position: Position },
    /// A target given in full.
    Explicit(Target),
}

/// Reads the command's arguments.
pub fn request(arguments: Vec<Value>) -> jsonrpc::Result<Request> {
    let args: Args = arguments
        .into_iter()
        .next()
        .and_then(|a| serde_json::from_value(a).ok())
        .ok_or_else(|| {
            jsonrpc::Error::invalid_params(
                "expected {uri, position} or {host, port, protocol, security}",
            )
        })?;
    match args {
        Args::AtPosition { uri, position } => Ok(Request::AtPosition { uri, position }),
        Args::Explicit {
            host,
            port,
            protocol,
            security,
        } => {
            let protocol = Protocol::parse(&protocol).ok_or_else(|| {
                jsonrpc::Error::invalid_params("protocol must be smtp, imap or pop3")
            })?;
            let security = match security.as_deref() {
                None => None,
                Some(s) => match Security::parse(s) {
                    Some(Security::Unknown) | None => None,
                    known => known,
                },
            };
            Ok(Request::Explicit(Target {
                host,
                port,
                protocol,
                security,
            }))
        }
    }
}

/// The session's probes: how many may run at once, and a cancel flag per progress token (the
/// progress' cancel button ends its probe).
pub struct Probes {
    slots: Arc<Semaphore>,
    cancels: Mutex<HashMap<String, Arc<watch::Sender<bool>>>>,
    next_token: AtomicU64,
}

impl Default for Probes {
    fn default() -> Probes {
        Probes {
            slots: Arc::new(Semaphore::new(MAX_CONCURRENT_PROBES)),
            cancels: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(1),
        }
    }
}

impl Probes {
    /// `window/workDoneProgress/cancel` for `token`.
    pub fn cancel(&self, token: &str) {
        if let Some(cancel) = lock(&self.cancels).get(token) {
            cancel.send_replace(true);
        }
    }
}

/// What a probe needs from the session it runs in.
pub struct Session {
    pub client: Client,
    /// The client shows `$/progress` (with a cancel button).
    pub progress: bool,
    pub timeout: Duration,
    /// Turns true on shutdown: the probe ends.
    pub shutdown: watch::Receiver<bool>,
}

/// Probes `target` in a spawned task, limited in number; tells the user the outcome. `None` when
/// it was cancelled (by `$/cancelRequest`, the progress' cancel button or shutdown).
pub async fn run(probes: &Probes, session: Session, target: Target) -> jsonrpc::Result<Report> {
    let cancel = Arc::new(watch::channel(false).0);
    let _cancel_on_drop = CancelOnDrop(cancel.clone());
    let token = format!(
        "mailport/probe/{}",
        probes.next_token.fetch_add(1, Ordering::Relaxed)
    );
    lock(&probes.cancels).insert(token.clone(), cancel.clone());
    let task = tokio::spawn(probe_task(
        session,
        probes.slots.clone(),
        target,
        token.clone(),
        cancel.subscribe(),
    ));
    let outcome = task.await;
    lock(&probes.cancels).remove(&token);
    match outcome {
        Ok(Some(report)) => Ok(report),
        Ok(None) => Err(jsonrpc::Error::request_cancelled()),
        Err(_) => Err(jsonrpc::Error::internal_error()),
    }
}

/// Waits until `flag` turns true (or its sender is gone).
async fn cancelled(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|c| *c).await;
}

async fn probe_task(
    session: Session,
    slots: Arc<Semaphore>,
    target: Target,
    token: String,
    cancel: watch::Receiver<bool>,
) -> Option<Report> {
    let label = format!(
        "{}://{}:{}",
        target.protocol.as_str(),
        target.host,
        target.port
    );
    let stop = {
        let shutdown = session.shutdown.clone();
        let cancel = cancel.clone();
        async move {
            tokio::select! {
                _ = cancelled(cancel) => {}
                _ = cancelled(shutdown) => {}
            }
        }
    };
    tokio::pin!(stop);

    let client = &session.client;
    let progress = if session.progress {
        let token = ProgressToken::String(token);
        let created = tokio::select! {
            created = client.create_work_done_progress(token.clone()) => created.is_ok(),
            _ = &mut stop => return None,
        };
        if created {
            Some(
                client
                    .progress(token, "mailport: test connection")
                    .with_message(label.clone())
                    .with_cancel_button()
                    .begin()
                    .await,
            )
        } else {
            None
        }
    } else {
        None
    };

    let options = Options {
        timeout: session.timeout,
        ..Options::default()
    };
    let report = tokio::select! {
        report = async {
            let _slot = slots.acquire_owned().await.ok()?;
            Some(probe::probe(&target, &options).await)
        } => report,
        _ = &mut stop => None,
    };

    let summary = match &report {
        Some(report) => summary(&label, report),
        None => format!("{label}: cancelled"),
    };
    if let Some(progress) = progress {
        progress.finish_with_message(summary.clone()).await;
    }
    let report = report?;
    let kind = match report.verdict {
        Verdict::Ok => MessageType::INFO,
        Verdict::Failed => MessageType::ERROR,
        Verdict::Mismatch | Verdict::Insecure => MessageType::WARNING,
    };
    client.show_message(kind, summary).await;
    Some(report)
}

fn summary(label: &str, report: &Report) -> String {
    let details: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    if details.is_empty() {
        format!("{label}: {}", report.verdict.as_str())
    } else {
        format!(
            "{label}: {} — {}",
            report.verdict.as_str(),
            details.join("; ")
        )
    }
}

/// Builds the mark for the endpoint of `analysis` that `target` was probed from.
pub fn mark_for(analysis: &Analysis, target: &Target, report: &Report) -> Option<ProbeMark> {
    let endpoint = analysis
        .endpoints
        .iter()
        .find(|e| target_of(e).as_ref() == Some(target))?;
    Some(ProbeMark {
        protocol: target.protocol,
        host: endpoint.host.as_ref()?.value.clone(),
        port_text: endpoint.port.as_ref().map(|p| p.value.clone()),
        security: endpoint.security,
        findings: report.findings.clone(),
    })
}

/// Adds `mark`, replacing an earlier result for the same endpoint.
pub fn add_mark(marks: &mut Vec<ProbeMark>, mark: ProbeMark) {
    marks.retain(|m| !m.same_endpoint(&mark));
    marks.push(mark);
}

/// The target of the endpoint under/nearest `offset`.
pub fn target_near(analysis: &Analysis, offset: usize) -> Option<Target> {
    endpoint_near(analysis, offset).and_then(target_of)
}
