//! "Test connection" (`mailport.server.testConnection`): probes an endpoint of a document (or one
//! given by host/port/protocol) in a spawned task, limited in number, with `$/progress`,
//! cancellable by `$/cancelRequest`, the progress' cancel button or shutdown. The report is the
//! command's result; its findings (MP100–MP103) are shown on the endpoint until the endpoint's text
//! changes. Code lenses put the command above each endpoint.

use std::sync::Arc;

use ropey::Rope;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::watch;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    CodeLens, Command, Diagnostic, DiagnosticSeverity, MessageType, NumberOrString, Position,
    ProgressToken, Range, Uri,
};

use super::actions::{code_description, SOURCE};
use super::documents::lock;
use super::position::{self, Encoding};
use super::server::Inner;
use crate::analysis::{Analysis, Endpoint};
use crate::probe::{self, Options, ProbeFinding, Report, Target};
use crate::vocab::{Protocol, RuleCode, Security};

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
    rope: &Rope,
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
        let range = position::to_range(rope, &span, encoding);
        out.extend(mark.findings.iter().map(|f| diagnostic(range, f)));
        true
    });
    out
}

fn diagnostic(range: Range, finding: &ProbeFinding) -> Diagnostic {
    let severity = match finding.severity.as_str() {
        "error" => DiagnosticSeverity::ERROR,
        "warning" => DiagnosticSeverity::WARNING,
        "hint" => DiagnosticSeverity::HINT,
        _ => DiagnosticSeverity::INFORMATION,
    };
    Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(finding.code.clone())),
        code_description: RuleCode::parse(&finding.code).and_then(code_description),
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        ..Diagnostic::default()
    }
}

/// "Test connection" above each endpoint that can be probed.
pub fn code_lenses(
    uri: &Uri,
    analysis: &Analysis,
    rope: &Rope,
    encoding: Encoding,
) -> Vec<CodeLens> {
    analysis
        .endpoints
        .iter()
        .filter_map(|endpoint| {
            let target = target_of(endpoint)?;
            let first = spans_of(endpoint).map(|s| s.start).min()?;
            let at = position::to_position(rope, first, encoding);
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

/// Runs the command: resolves the target, probes in a spawned task, returns the report as JSON.
pub async fn run(inner: &Arc<Inner>, arguments: Vec<Value>) -> jsonrpc::Result<Option<Value>> {
    let args: Args = arguments
        .into_iter()
        .next()
        .and_then(|a| serde_json::from_value(a).ok())
        .ok_or_else(|| {
            jsonrpc::Error::invalid_params(
                "expected {uri, position} or {host, port, protocol, security}",
            )
        })?;
    let (target, document) = match args {
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
            let target = Target {
                host,
                port,
                protocol,
                security,
            };
            (target, None)
        }
        Args::AtPosition { uri, position } => {
            let target = inner.target_at(&uri, position).await.ok_or_else(|| {
                jsonrpc::Error::invalid_params(
                    "no endpoint with a host, a port and a protocol in this document",
                )
            })?;
            (target, Some(uri))
        }
    };

    let cancel = Arc::new(watch::channel(false).0);
    let _cancel_on_drop = CancelOnDrop(cancel.clone());
    let token = inner.next_progress_token();
    lock(&inner.probe_cancels).insert(token.clone(), cancel.clone());
    let task = tokio::spawn(probe_task(
        inner.clone(),
        target,
        document,
        token.clone(),
        cancel.subscribe(),
    ));
    let outcome = task.await;
    lock(&inner.probe_cancels).remove(&token);
    match outcome {
        Ok(Some(report)) => Ok(serde_json::to_value(&report).ok()),
        Ok(None) => Err(jsonrpc::Error::request_cancelled()),
        Err(_) => Err(jsonrpc::Error::internal_error()),
    }
}

/// Waits until `flag` turns true (or its sender is gone).
async fn cancelled(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|c| *c).await;
}

async fn probe_task(
    inner: Arc<Inner>,
    target: Target,
    document: Option<Uri>,
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
        let shutdown = inner.shutdown.subscribe();
        let cancel = cancel.clone();
        async move {
            tokio::select! {
                _ = cancelled(cancel) => {}
                _ = cancelled(shutdown) => {}
            }
        }
    };
    tokio::pin!(stop);

    let progress = if inner.session().supports_progress {
        let token = ProgressToken::String(token);
        let created = tokio::select! {
            created = inner.client.create_work_done_progress(token.clone()) => created.is_ok(),
            _ = &mut stop => return None,
        };
        if created {
            Some(
                inner
                    .client
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
        timeout: inner.probe_timeout(),
        ..Options::default()
    };
    let slots = inner.probe_slots.clone();
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
    let kind = match report.verdict.as_str() {
        "ok" => MessageType::INFO,
        "failed" => MessageType::ERROR,
        _ => MessageType::WARNING,
    };
    inner.client.show_message(kind, summary).await;
    if let Some(uri) = document {
        inner.attach_probe_result(&uri, &target, &report).await;
    }
    Some(report)
}

fn summary(label: &str, report: &Report) -> String {
    let details: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    if details.is_empty() {
        format!("{label}: {}", report.verdict)
    } else {
        format!("{label}: {} — {}", report.verdict, details.join("; "))
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
