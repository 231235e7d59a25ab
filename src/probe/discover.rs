//! `--discover`: probe the protocol's candidate ports in parallel and rank what works, implicit TLS
//! before STARTTLS before plaintext (as Thunderbird's account setup does).

use super::report::{Candidate, Report};
use super::{probe, Options, Target};
use crate::vocab::Protocol;

/// The ports tried for a protocol, in preference order among equals.
pub fn candidate_ports(protocol: Protocol) -> &'static [u16] {
    match protocol {
        Protocol::Smtp => &[465, 587, 25, 2525],
        Protocol::Imap => &[993, 143],
        Protocol::Pop3 => &[995, 110],
    }
}

/// Probes every candidate of `protocols` on `host`; returns the best report with every candidate
/// listed in `candidates`, best first.
pub async fn discover(host: &str, protocols: &[Protocol], options: &Options) -> Report {
    discover_ports(host, protocols, options, candidate_ports).await
}

/// `discover` with the candidate ports given (tests use unprivileged ports).
pub async fn discover_ports(
    host: &str,
    protocols: &[Protocol],
    options: &Options,
    ports: impl Fn(Protocol) -> &'static [u16],
) -> Report {
    let mut tasks = tokio::task::JoinSet::new();
    let mut order = 0usize;
    for &protocol in protocols {
        for &port in ports(protocol) {
            let target = Target {
                host: host.to_string(),
                port,
                protocol,
                security: None,
            };
            let options = options.clone();
            let index = order;
            order += 1;
            tasks.spawn(async move { (index, probe(&target, &options).await) });
        }
    }
    let mut reports: Vec<(usize, Report)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(pair) = done {
            reports.push(pair);
        }
    }
    reports.sort_by_key(|(index, r)| {
        let works = r.observed.protocol == Some(r.target.protocol);
        (!works, r.observed.mode, r.verdict, *index)
    });
    let candidates: Vec<Candidate> = reports
        .iter()
        .map(|(_, r)| Candidate {
            port: r.target.port,
            protocol: r.target.protocol,
            mode: r.observed.mode,
            verdict: r.verdict,
        })
        .collect();
    match reports.into_iter().next() {
        Some((_, mut best)) => {
            best.candidates = Some(candidates);
            best
        }
        None => {
            // No candidate at all (no protocol given): a failed report for the host.
            let target = Target {
                host: host.to_string(),
                port: 0,
                protocol: Protocol::Smtp,
                security: None,
            };
            let mut report = probe(&target, options).await;
            report.candidates = Some(candidates);
            report
        }
    }
}
