//! Benchmark: what the language server does after each keystroke on big YAML, `.env` and TOML
//! documents — `IncrementalDoc::edit` (syntax) and then `IncrementalAnalysis::analyze` (endpoints,
//! rules, fixes) — plus the first full analysis. Prints medians per edit.
//!
//! `cargo bench --bench analysis`. Inputs come from `../shared/tools/gen-configs.py` when it is
//! beside the checkout or named by `BENCH_GENERATOR` (the files the budget is stated for), else
//! from a built-in generator of the same shape.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mailport::analysis::endpoints;
use mailport::analysis::incremental::{IncrementalAnalysis, TextChange};
use mailport::analysis::syntax::incremental::IncrementalDoc;
use mailport::analysis::syntax::parse;
use mailport::config::Config;
use mailport::vocab::Format;

const GENERATOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/tools/gen-configs.py"
);
const EDITS: usize = 400;

fn main() {
    let only: Option<usize> = std::env::var("BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok());
    for (format, lines) in [
        (Format::Yaml, 5_000),
        (Format::Yaml, 50_000),
        (Format::Env, 5_000),
        (Format::Env, 50_000),
        (Format::Toml, 5_000),
        (Format::Toml, 50_000),
    ] {
        // `BENCH_FORMATS=toml,env` runs only those formats.
        if let Ok(formats) = std::env::var("BENCH_FORMATS") {
            if !formats.split(',').any(|f| f.trim() == format.name()) {
                continue;
            }
        }
        let lines = only.unwrap_or(lines);
        let (text, source) = input(format, lines);
        bench(format, lines, &text, source);
    }
}

fn bench(format: Format, lines: usize, text: &str, source: &str) {
    let started = Instant::now();
    let mut full = parse(format, text);
    let full_parse = started.elapsed();
    let all_settings = full.settings.len();
    // The document below keeps only these; it is checked against them.
    full.settings
        .retain(|s| endpoints::could_be_member(format, s));

    // Toggle a port value near the middle, as an editor user would type over it.
    let (needle, a, b) = match format {
        Format::Env => ("_PORT=587", "587", "465"),
        Format::Toml => ("port = 587", "587", "993"),
        _ => ("port: 587", "587", "465"),
    };
    let middle = text.len() / 2;
    let Some(at) = text[middle..]
        .find(needle)
        .map(|i| middle + i)
        .or_else(|| text.find(needle))
    else {
        println!(
            "{} {lines} lines: no '{needle}' in the input",
            format.name()
        );
        return;
    };
    let value_at = at + needle.len() - a.len();
    let config = Config::default();
    let started = Instant::now();
    // As the language server keeps it: only the settings a profile could read.
    let mut doc = IncrementalDoc::keeping(format, text.to_string(), endpoints::MEMBERS);
    let mut analysis = IncrementalAnalysis::new();
    let findings = analysis
        .analyze(doc.text(), format, doc.parsed(), &config, None)
        .findings
        .len();
    let first_analysis = started.elapsed();
    let mut times = Vec::with_capacity(EDITS);
    let mut whole = Vec::with_capacity(EDITS);
    for round in 0..EDITS {
        let (old, new) = if round % 2 == 0 { (a, b) } else { (b, a) };
        let started = Instant::now();
        doc.edit(value_at, value_at + old.len(), new);
        let settings = doc.parsed().settings.len();
        times.push(started.elapsed());
        let change = TextChange {
            start: value_at,
            old_end: value_at + old.len(),
            new_end: value_at + new.len(),
            old_text: old.to_string(),
            new_text: new.to_string(),
        };
        std::hint::black_box(analysis.analyze(
            doc.text(),
            format,
            doc.parsed(),
            &config,
            Some(&change),
        ));
        whole.push(started.elapsed());
        assert_eq!(settings, full.settings.len()); // `full` holds the kept share
    }
    // Also typing a character into a key and deleting it again (structure changes a little).
    let mut typing = Vec::with_capacity(EDITS);
    for round in 0..EDITS {
        let started = Instant::now();
        if round % 2 == 0 {
            doc.edit(at, at, "x");
        } else {
            doc.edit(at, at + 1, "");
        }
        typing.push(started.elapsed());
    }
    // A new top-level line typed in the middle (YAML: the chunks around it are recomputed; TOML:
    // a new table header splits a chunk).
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let top_line = match format {
        Format::Toml => "[new-table]\n",
        _ => "x\n",
    };
    let mut new_line = Vec::with_capacity(EDITS);
    for round in 0..EDITS {
        let started = Instant::now();
        if round % 2 == 0 {
            doc.edit(line_start, line_start, top_line);
        } else {
            doc.edit(line_start, line_start + top_line.len(), "");
        }
        new_line.push(started.elapsed());
    }
    // A new entry line one level down (YAML: a new `services:` child splits a chunk).
    let entry = match format {
        Format::Env => "NEW_ENTRY=1\n",
        Format::Toml => "new_entry = 1\n",
        _ => "  new-entry:\n",
    };
    let mut new_entry = Vec::with_capacity(EDITS);
    for round in 0..EDITS {
        let started = Instant::now();
        if round % 2 == 0 {
            doc.edit(line_start, line_start, entry);
        } else {
            doc.edit(line_start, line_start + entry.len(), "");
        }
        new_entry.push(started.elapsed());
    }
    assert_eq!(doc.text(), text);
    assert_eq!(
        *doc.parsed(),
        full,
        "incremental result differs from a full parse"
    );
    println!(
        "{:<5} {:>6} lines ({source}): edit value → analysis median {:>7.3} ms (p90 {:.3}); first analysis {:.1} ms, {findings} findings",
        format.name(),
        lines,
        ms(median(&mut whole)),
        ms(percentile(&mut whole, 90)),
        ms(first_analysis),
    );
    println!(
        "{:<5} {:>6} lines ({source}): syntax only: edit value median {:>7.3} ms (p90 {:.3}), type in key {:>7.3} ms (p90 {:.3}), new entry line {:>7.3} ms (p90 {:.3}), new top-level line {:>7.3} ms (p90 {:.3}); full parse {:.1} ms, {} settings",
        format.name(),
        lines,
        ms(median(&mut times)),
        ms(percentile(&mut times, 90)),
        ms(median(&mut typing)),
        ms(percentile(&mut typing, 90)),
        ms(median(&mut new_entry)),
        ms(percentile(&mut new_entry, 90)),
        ms(median(&mut new_line)),
        ms(percentile(&mut new_line, 90)),
        ms(full_parse),
        all_settings
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(times: &mut [Duration]) -> Duration {
    percentile(times, 50)
}

fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort();
    times
        .get(times.len() * p / 100)
        .copied()
        .unwrap_or_default()
}

/// The benchmark input: generated by gen-configs.py if present, else built in.
fn input(format: Format, lines: usize) -> (String, &'static str) {
    let generator = std::env::var("BENCH_GENERATOR").unwrap_or_else(|_| GENERATOR.to_string());
    if Path::new(&generator).exists() {
        let out = std::env::temp_dir().join(format!(
            "mailport-bench-{}-{lines}-{}.{}",
            std::process::id(),
            format.name(),
            format.name()
        ));
        let status = Command::new("python3")
            .arg(&generator)
            .args([
                "--format",
                format.name(),
                "--lines",
                &lines.to_string(),
                "--out",
            ])
            .arg(&out)
            .output();
        if let Ok(status) = status {
            if status.status.success() {
                if let Ok(text) = std::fs::read_to_string(&out) {
                    let _ = std::fs::remove_file(&out);
                    return (text, "gen-configs.py");
                }
            }
        }
    }
    (built_in(format, lines), "built-in generator")
}

/// Services with mail settings in block and inline form (TOML: one table per part of a
/// service), like gen-configs.py.
fn built_in(format: Format, lines: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    if format == Format::Yaml {
        out.push_str("version: 3\nservices:\n");
    }
    while out.lines().count() < lines {
        i += 1;
        let port = [587, 465, 25, 2525][i % 4];
        match format {
            Format::Env => out.push_str(&format!(
                "# service {i}\nSVC_{i:04}_IMAGE=registry.example.com/app-{i}:1.{i}\nSVC_{i:04}_SMTP_HOST=smtp.example.com\nSVC_{i:04}_SMTP_PORT={port}\nSVC_{i:04}_SMTP_SECURE={}\nSVC_{i:04}_DB_URL=\"postgres://db-{i}.internal:5432/app\"\n\n",
                port == 465
            )),
            Format::Toml => out.push_str(&format!(
                "[services.app-{i:04}]\nimage = \"registry.example.com/app-{i}:1.{i}\"\nreplicas = {}\nlabels = [\"team-{}\", \"tier-{}\"]\n\n[services.app-{i:04}.smtp]\nhost = \"smtp.example.com\"\nport = {port}\nsecure = {}\nauth = {{ user = \"noreply@example.com\", pass = \"${{SMTP_PASSWORD}}\" }}\n\n[services.app-{i:04}.imap]\nhost = \"imap.example.com\"\nport = 993\ntls = true\n\n",
                i % 7,
                i % 5,
                i % 3,
                port == 465
            )),
            _ => out.push_str(&format!(
                "  app-{i:04}:\n    image: registry.example.com/app-{i}:1.{i}\n    replicas: {}\n    mail:\n      smtp:\n        host: smtp.example.com\n        port: {port}\n        secure: {}\n      imap: {{host: imap.example.com, port: 993, tls: true}}\n    environment:\n      - LOG_LEVEL=info\n      - SMTP_PORT={port}\n    labels: [team-{}, tier-{}]\n",
                i % 7,
                port == 465,
                i % 5,
                i % 3
            )),
        }
    }
    let cut: Vec<&str> = out.lines().take(lines).collect();
    cut.join("\n") + "\n"
}
