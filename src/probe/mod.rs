//! The live probe ("test connection"): what a server really speaks on a port. Runs only on an
//! explicit user command; never sends user names, passwords or messages; every read is limited in
//! line length and total bytes, every step has a timeout and the whole probe a deadline.

use std::time::Duration;

use crate::vocab::{Protocol, Security};

mod discover;
pub mod docs;
mod imap;
mod lines;
mod pop3;
mod report;
mod session;
mod smtp;
mod target;
mod tls;
mod verdict;

pub use discover::{candidate_ports, discover, discover_ports};
pub use report::{
    Candidate, CertificateInfo, Mode, Observed, ProbeFinding, Report, SuggestedMode, TargetJson,
    Timings, TlsInfo, Verdict,
};

pub use smtp::EHLO_NAME;
pub use target::{parse_target, ParsedTarget, TargetError};

/// What to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    /// The mode the configuration claims (`None`: find out).
    pub security: Option<Security>,
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Budget for the whole probe.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(10),
            ca_file: None,
        }
    }
}

/// What a server advertises (EHLO keywords, IMAP CAPABILITY atoms, POP3 CAPA lines).
#[derive(Clone, Debug, Default)]
struct Capabilities {
    list: Vec<String>,
    starttls: bool,
    auth: Vec<String>,
}

/// Time allowed past the deadline for the last step to notice it (the hard stop).
const GRACE: Duration = Duration::from_millis(500);

/// Probes one target. Never panics; a failure is a `failed` report with an MP100/MP102 finding.
pub async fn probe(target: &Target, options: &Options) -> Report {
    // A budget beyond a day is taken as a day (an `Instant` cannot hold every `Duration`).
    let options = &Options {
        timeout: options.timeout.min(Duration::from_secs(86_400)),
        ca_file: options.ca_file.clone(),
    };
    let started = tokio::time::Instant::now();
    let mut obs = session::Observation::default();
    let result = match tls::Trust::load(options.ca_file.as_deref()) {
        Ok(trust) => {
            let run = session::run(target, &trust, options.timeout, started, &mut obs);
            let hard_stop = session::deadline(started, options.timeout + GRACE);
            match tokio::time::timeout_at(hard_stop, run).await {
                Ok(result) => result,
                Err(_) => Err(session::Failure::new(
                    session::FailureKind::Conversation,
                    format!("no result within {} s", options.timeout.as_secs_f32()),
                )),
            }
        }
        Err(e) => Err(session::Failure::new(
            session::FailureKind::Setup,
            e.to_string(),
        )),
    };
    if let Err(failure) = result {
        obs.failure = Some(failure);
    }
    obs.timings.total = started.elapsed().as_millis() as u64;
    verdict::build_report(target, obs)
}
