//! The benchmarks' inputs: big configuration files of the kind mailport is timed on (docs/
//! performance.md), generated here so that the repository needs nothing from outside.
//!
//! A file is a platform's configuration: a header with the platform's own mail settings, then one
//! entry per service (image, replicas, region, resources, environment, often a database, some
//! times a cache, a health check) and, every few services, mail settings (SMTP, with IMAP or POP3
//! beside it) written in block and in inline form. About a third of the mail settings contradict
//! themselves (465 without TLS, 587 with implicit TLS, 993 for SMTP …), which is what mailport
//! reports. Every file has port lines `port: 587` / `port = 587` / `…_PORT=587` spread through it,
//! which the benchmarks toggle. The output is cut at exactly the number of lines asked for.
//!
//! Deterministic: the same kind, size and seed give the same bytes on every machine (a fixed
//! xorshift generator, no system randomness). Used by `benches/analysis.rs`, which also writes
//! them to files (`cargo bench --bench analysis -- --write-inputs DIR`); `tests/bench_inputs.rs`
//! holds them to their published digests.

// Each includer (the bench, the test) uses a different part.
#![allow(dead_code)]

/// The seed of the published inputs ([`PUBLISHED`]).
pub const SEED: u64 = 42;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Yaml,
    Toml,
    Env,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Yaml => "yaml",
            Kind::Toml => "toml",
            Kind::Env => "env",
        }
    }
}

/// The files docs/performance.md measures, by the names it gives them.
pub const PUBLISHED: &[(&str, Kind, usize)] = &[
    ("config-5k.yaml", Kind::Yaml, 5_000),
    ("config-50k.yaml", Kind::Yaml, 50_000),
    ("config-5k.toml", Kind::Toml, 5_000),
    ("config-50k.toml", Kind::Toml, 50_000),
    ("app.env", Kind::Env, 1_000),
    ("app-5k.env", Kind::Env, 5_000),
    ("app-50k.env", Kind::Env, 50_000),
];

/// A file of `kind` with exactly `lines` lines (each ending with `\n`), from [`SEED`].
pub fn generate(kind: Kind, lines: usize) -> String {
    generate_seeded(kind, lines, SEED)
}

pub fn generate_seeded(kind: Kind, lines: usize, seed: u64) -> String {
    let mut out = Lines {
        lines: Vec::with_capacity(lines + 64),
        rng: Rng::new(seed),
    };
    match kind {
        Kind::Yaml => yaml(&mut out, lines),
        Kind::Toml => toml(&mut out, lines),
        Kind::Env => env(&mut out, lines),
    }
    let mut lines_out = out.lines;
    lines_out.truncate(lines);
    let mut text = lines_out.join("\n");
    text.push('\n');
    text
}

const REGIONS: &[&str] = &[
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-south-1",
];
const LEVELS: &[&str] = &["debug", "info", "warn", "error"];
const TEAMS: &[&str] = &[
    "billing",
    "identity",
    "search",
    "payments",
    "growth",
    "platform",
    "notifications",
    "catalog",
];
const WORDS: &[&str] = &[
    "orders",
    "users",
    "invoices",
    "sessions",
    "events",
    "reports",
    "carts",
    "audit",
    "shipping",
    "inventory",
    "ledger",
    "profiles",
    "tokens",
    "webhooks",
    "exports",
];
/// SMTP port and "TLS from the start" flag: mostly right, about a third wrong.
const SMTP: &[(u16, bool)] = &[
    (587, false),
    (587, false),
    (587, false),
    (465, true),
    (465, true),
    (25, false),
    (2525, false),
    (465, false),
    (587, true),
    (993, false),
    (110, false),
];
const IMAP: &[(u16, bool)] = &[
    (993, true),
    (993, true),
    (143, false),
    (143, true),
    (995, true),
    (587, false),
];
const POP3: &[(u16, bool)] = &[(995, true), (110, false), (110, true)];

/// xorshift64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // xorshift never leaves 0; mix the seed so that small seeds differ at once.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// 0 ≤ n < bound.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// low ≤ n ≤ high.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.below(100) < chance
    }
}

/// The lines written so far and the generator that decides them.
struct Lines {
    lines: Vec<String>,
    rng: Rng,
}

impl Lines {
    fn push(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    fn extend(&mut self, lines: &[&str]) {
        self.lines.extend(lines.iter().map(|l| l.to_string()));
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    fn service_name(&mut self, i: usize) -> String {
        let team = self.rng.pick(TEAMS);
        let word = self.rng.pick(WORDS);
        format!("{team}-{word}-{i:04}")
    }

    fn version(&mut self) -> String {
        let (major, minor, patch) = (self.rng.below(10), self.rng.below(31), self.rng.below(100));
        format!("{major}.{minor}.{patch}")
    }

    /// Pads with comments up to `lines`.
    fn pad(&mut self, lines: usize, comment: &str) {
        while self.len() < lines {
            let n = self.len();
            self.push(format!("{comment} padding {n}"));
        }
    }
}

fn flag(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}

fn yaml(out: &mut Lines, lines: usize) {
    out.extend(&[
        "# Application configuration (generated for benchmarks)",
        "version: 3",
        "app:",
        "  name: example-platform",
        "  environment: production",
        "  owner: platform-team@example.com",
        "mail:",
        "  smtp:",
        "    host: smtp.example.com",
        "    port: 587",
        "    secure: false",
        "  imap: {host: imap.example.com, port: 993, tls: true}",
        "logging:",
        "  level: info",
        "  format: json",
        "services:",
    ]);
    let footer = [
        "feature_flags:",
        "  new_checkout: true",
        "  beta_search: false",
        "observability:",
        "  metrics: {enabled: true, port: 9090}",
        "  tracing: {enabled: true, sample_rate: 0.1}",
    ];
    let mut i = 0;
    while out.len() + 2 * footer.len() < lines {
        i += 1;
        yaml_service(out, i);
    }
    out.extend(&footer);
    out.pad(lines, "  #");
}

fn yaml_service(out: &mut Lines, i: usize) {
    let name = out.service_name(i);
    let version = out.version();
    let r = &mut out.rng;
    let replicas = r.between(1, 12);
    let region = r.pick(REGIONS);
    let cpu = r.pick(&[100, 250, 500, 1000]);
    let memory = r.pick(&[128, 256, 512, 1024]);
    let level = r.pick(LEVELS);
    let feature = r.pick(WORDS).to_uppercase();
    let feature_on = r.percent(50);
    out.push(format!("  {name}:"));
    out.push(format!("    image: registry.example.com/{name}:{version}"));
    out.push(format!("    replicas: {replicas}"));
    out.push(format!("    region: {region}"));
    out.push(format!(
        "    resources: {{cpu: \"{cpu}m\", memory: \"{memory}Mi\"}}"
    ));
    out.push("    env:");
    out.push(format!("      LOG_LEVEL: {level}"));
    out.push("      TZ: UTC");
    out.push(format!("      FEATURE_{feature}: \"{}\"", flag(feature_on)));
    if out.rng.percent(60) {
        let db = out.rng.pick(WORDS);
        let pool = out.rng.pick(&[10, 20, 50]);
        out.push("    database:");
        out.push("      driver: postgres");
        out.push(format!("      host: db-{i:04}.internal.example.com"));
        out.push("      port: 5432");
        out.push(format!("      name: {db}"));
        out.push(format!(
            "      pool: {{min: 2, max: {pool}, idle_timeout: 30s}}"
        ));
    }
    if out.rng.percent(40) {
        let host = out.rng.between(1, 20);
        let db = out.rng.below(16);
        let ttl = out.rng.pick(&[30, 60, 300, 3600]);
        out.push("    cache:");
        out.push(format!(
            "      redis: {{host: redis-{host:02}.internal.example.com, port: 6379, db: {db}}}"
        ));
        out.push(format!("      ttl: {ttl}s"));
    }
    if i % 4 == 0 {
        let (port, tls) = out.rng.pick(SMTP);
        if out.rng.percent(50) {
            out.push("    mail:");
            out.push(format!(
                "      smtp: {{host: smtp.example.com, port: {port}, secure: {}}}",
                flag(tls)
            ));
            out.push(format!("      from: \"noreply+{name}@example.com\""));
        } else {
            out.push("    notifications:");
            out.push("      smtp:");
            out.push("        host: smtp.example.com");
            out.push(format!("        port: {port}"));
            out.push(format!("        secure: {}", flag(tls)));
            out.push("        auth: {user: \"noreply@example.com\", pass: \"${SMTP_PASSWORD}\"}");
            if out.rng.percent(50) {
                let (port, tls) = out.rng.pick(IMAP);
                out.push("      imap:");
                out.push("        host: imap.example.com");
                out.push(format!("        port: {port}"));
                out.push(format!("        tls: {}", flag(tls)));
            }
            if out.rng.percent(20) {
                let (port, tls) = out.rng.pick(POP3);
                out.push(format!(
                    "      pop3: {{host: pop.example.com, port: {port}, tls: {}}}",
                    flag(tls)
                ));
            }
        }
    }
    let interval = out.rng.pick(&[5, 10, 15, 30]);
    let team = out.rng.pick(TEAMS);
    let word = out.rng.pick(WORDS);
    let tier = out.rng.between(1, 3);
    out.push("    healthcheck:");
    out.push("      path: /healthz");
    out.push(format!("      interval: {interval}s"));
    out.push(format!("    labels: [{team}, {word}, tier-{tier}]"));
}

fn toml(out: &mut Lines, lines: usize) {
    out.extend(&[
        "# Application configuration (generated for benchmarks)",
        "version = 3",
        "",
        "[app]",
        "name = \"example-platform\"",
        "environment = \"production\"",
        "owner = \"platform-team@example.com\"",
        "",
        "[mail.smtp]",
        "host = \"smtp.example.com\"",
        "port = 587",
        "secure = false",
        "",
        "[mail.imap]",
        "host = \"imap.example.com\"",
        "port = 993",
        "tls = true",
        "",
        "[logging]",
        "level = \"info\"",
        "format = \"json\"",
    ]);
    let footer = [
        "",
        "[feature_flags]",
        "new_checkout = true",
        "beta_search = false",
        "",
        "[observability]",
        "metrics = { enabled = true, port = 9090 }",
        "tracing = { enabled = true, sample_rate = 0.1 }",
    ];
    let mut i = 0;
    while out.len() + 2 * footer.len() < lines {
        i += 1;
        toml_service(out, i);
    }
    out.extend(&footer);
    out.pad(lines, "#");
}

fn toml_service(out: &mut Lines, i: usize) {
    let name = out.service_name(i);
    let table = format!("services.{name}");
    let version = out.version();
    let r = &mut out.rng;
    let replicas = r.between(1, 12);
    let region = r.pick(REGIONS);
    let (team, word, tier) = (r.pick(TEAMS), r.pick(WORDS), r.between(1, 3));
    let cpu = r.pick(&[100, 250, 500, 1000]);
    let memory = r.pick(&[128, 256, 512, 1024]);
    let level = r.pick(LEVELS);
    out.push("");
    out.push(format!("[{table}]"));
    out.push(format!("image = \"registry.example.com/{name}:{version}\""));
    out.push(format!("replicas = {replicas}"));
    out.push(format!("region = \"{region}\""));
    out.push(format!(
        "labels = [\"{team}\", \"{word}\", \"tier-{tier}\"]"
    ));
    out.push(format!(
        "resources = {{ cpu = \"{cpu}m\", memory = \"{memory}Mi\" }}"
    ));
    out.push("");
    out.push(format!("[{table}.env]"));
    out.push(format!("LOG_LEVEL = \"{level}\""));
    out.push("TZ = \"UTC\"");
    if out.rng.percent(60) {
        let db = out.rng.pick(WORDS);
        let pool = out.rng.pick(&[10, 20, 50]);
        out.push("");
        out.push(format!("[{table}.database]"));
        out.push("driver = \"postgres\"");
        out.push(format!("host = \"db-{i:04}.internal.example.com\""));
        out.push("port = 5432");
        out.push(format!("name = \"{db}\""));
        out.push(format!(
            "pool = {{ min = 2, max = {pool}, idle_timeout = \"30s\" }}"
        ));
    }
    if out.rng.percent(40) {
        let host = out.rng.between(1, 20);
        let db = out.rng.below(16);
        let ttl = out.rng.pick(&[30, 60, 300, 3600]);
        out.push("");
        out.push(format!("[{table}.cache]"));
        out.push(format!(
            "redis = {{ host = \"redis-{host:02}.internal.example.com\", port = 6379, db = {db} }}"
        ));
        out.push(format!("ttl = \"{ttl}s\""));
    }
    if i % 4 == 0 {
        let (port, tls) = out.rng.pick(SMTP);
        out.push("");
        if out.rng.percent(50) {
            out.push(format!("[{table}.mail]"));
            out.push(format!(
                "smtp = {{ host = \"smtp.example.com\", port = {port}, secure = {} }}",
                flag(tls)
            ));
            out.push(format!("from = \"noreply+{name}@example.com\""));
        } else {
            out.push(format!("[{table}.notifications.smtp]"));
            out.push("host = \"smtp.example.com\"");
            out.push(format!("port = {port}"));
            out.push(format!("secure = {}", flag(tls)));
            out.push("auth = { user = \"noreply@example.com\", pass = \"${SMTP_PASSWORD}\" }");
            if out.rng.percent(50) {
                let (port, tls) = out.rng.pick(IMAP);
                out.push("");
                out.push(format!("[{table}.notifications.imap]"));
                out.push("host = \"imap.example.com\"");
                out.push(format!("port = {port}"));
                out.push(format!("tls = {}", flag(tls)));
            }
        }
    }
    let interval = out.rng.pick(&[5, 10, 15, 30]);
    out.push("");
    out.push(format!("[{table}.healthcheck]"));
    out.push("path = \"/healthz\"");
    out.push(format!("interval = \"{interval}s\""));
}

fn env(out: &mut Lines, lines: usize) {
    out.extend(&[
        "# Environment for example-platform (generated for benchmarks)",
        "APP_ENV=production",
        "APP_NAME=example-platform",
        "SMTP_HOST=smtp.example.com",
        "SMTP_PORT=587",
        "SMTP_SECURE=false",
        "SMTP_USER=noreply@example.com",
        "SMTP_PASSWORD=change-me",
        "IMAP_HOST=imap.example.com",
        "IMAP_PORT=993",
        "IMAP_TLS=true",
        "",
    ]);
    let mut i = 0;
    while out.len() < lines {
        i += 1;
        let key = format!("SVC_{i:04}");
        let name = out.service_name(i);
        let version = out.version();
        let r = &mut out.rng;
        let replicas = r.between(1, 12);
        let level = r.pick(LEVELS);
        let db = r.pick(WORDS);
        out.push(format!("# {name}"));
        out.push(format!(
            "{key}_IMAGE=registry.example.com/svc-{i:04}:{version}"
        ));
        out.push(format!("{key}_REPLICAS={replicas}"));
        out.push(format!("{key}_LOG_LEVEL={level}"));
        out.push(format!(
            "{key}_DATABASE_URL=postgres://svc:${{DB_PASSWORD}}@db-{i:04}.internal.example.com:5432/{db}"
        ));
        if i % 3 == 0 {
            let (port, tls) = out.rng.pick(SMTP);
            out.push(format!("{key}_SMTP_HOST=smtp.example.com"));
            out.push(format!("{key}_SMTP_PORT={port}"));
            out.push(format!("{key}_SMTP_SECURE={}", flag(tls)));
            if out.rng.percent(30) {
                let (port, tls) = out.rng.pick(IMAP);
                let scheme = if tls { "imaps" } else { "imap" };
                out.push(format!("{key}_IMAP_URL={scheme}://imap.example.com:{port}"));
            }
        }
        out.push("");
    }
}
