//! `mailport probe`: the live "test connection" from a terminal (contract: docs/probe-output.md).

use std::process::ExitCode;
use std::time::Duration;

use crate::probe::{self, Options, Target};
use crate::vocab::{Protocol, Security};

#[derive(clap::Args, Debug)]
pub struct ProbeArgs {
    /// smtps://host:465, submission://host, imap://host:143, pop3s://host, host:port, or host
    /// with --discover.
    pub target: String,
    /// The protocol when the target does not say it (host:port, host).
    #[arg(long, value_parser = ["smtp", "imap", "pop3"])]
    pub protocol: Option<String>,
    /// The mode the configuration uses; overrides the URL scheme's.
    #[arg(long, value_parser = ["implicit-tls", "starttls", "none"])]
    pub security: Option<String>,
    /// Try the protocol's candidate ports in parallel and rank what works.
    #[arg(long)]
    pub discover: bool,
    /// Budget for the whole probe, in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Extra trusted CA certificates (PEM), e.g. a private CA.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<std::path::PathBuf>,
    #[arg(long, value_parser = ["human", "json"], default_value = "human")]
    pub format: String,
}

/// What to run, or why the arguments are wrong.
enum Plan {
    One(Target),
    Discover {
        host: String,
        protocols: Vec<Protocol>,
    },
}

fn plan(args: &ProbeArgs) -> Result<Plan, String> {
    let parsed = probe::parse_target(&args.target).map_err(|e| e.to_string())?;
    let flag_protocol = args.protocol.as_deref().and_then(Protocol::parse);
    let protocol = flag_protocol.or(parsed.protocol);
    if args.discover {
        let protocols = match protocol {
            Some(p) => vec![p],
            None => vec![Protocol::Smtp, Protocol::Imap, Protocol::Pop3],
        };
        return Ok(Plan::Discover {
            host: parsed.host,
            protocols,
        });
    }
    let port = parsed.port.ok_or_else(|| {
        format!(
            "no port in {:?}: give host:port, a URL (smtps://host), or --discover",
            args.target
        )
    })?;
    let protocol = protocol
        .or_else(|| crate::knowledge::ports::lookup(u32::from(port)).map(|p| p.protocol))
        .ok_or_else(|| format!("port {port} is not a known mail port: give --protocol"))?;
    let security = match args.security.as_deref() {
        Some(s) => Security::parse(s),
        None => parsed.security,
    };
    Ok(Plan::One(Target {
        host: parsed.host,
        port,
        protocol,
        security,
    }))
}

pub fn run(args: ProbeArgs) -> ExitCode {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        eprintln!("mailport probe: --timeout must be between 0 and 3600 seconds");
        return ExitCode::from(2);
    }
    let plan = match plan(&args) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("mailport probe: {message}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        timeout: Duration::from_secs_f64(args.timeout),
        ca_file: args.ca_file.clone(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mailport probe: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let report = runtime.block_on(async {
        match &plan {
            Plan::One(target) => probe::probe(target, &options).await,
            Plan::Discover { host, protocols } => probe::discover(host, protocols, &options).await,
        }
    });
    if args.format == "json" {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("mailport probe: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", report.human());
    }
    ExitCode::from(report.exit_code())
}
