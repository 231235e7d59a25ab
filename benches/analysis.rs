//! Benchmark: what the language server does after each keystroke on big YAML, `.env` and TOML
//! documents — `IncrementalDoc::edit` (syntax) and then `IncrementalAnalysis::analyze` (endpoints,
//! rules, fixes) — plus the first full analysis, and completion at a port and the inlay hints
//! (issue #12: each within 5 ms at 5,000 lines). Prints medians per edit.
//!
//! `cargo bench --bench analysis`. The inputs come from `inputs/mod.rs` (deterministic; the kind
//! of files docs/performance.md measures). `cargo bench --bench analysis -- --write-inputs DIR`
//! writes those files to DIR instead (relative to the repository: cargo runs benches there), for
//! the language-server benchmarks.

mod inputs;

use std::path::Path;
use std::time::{Duration, Instant};

use mailport::analysis::incremental::{IncrementalAnalysis, TextChange};
use mailport::analysis::syntax::incremental::IncrementalDoc;
use mailport::analysis::syntax::parse;
use mailport::analysis::{complete, endpoints, outline};
use mailport::config::Config;
use mailport::vocab::Format;

const EDITS: usize = 400;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write-inputs") {
        let Some(dir) = args.get(i + 1) else {
            eprintln!("--write-inputs needs a folder");
            std::process::exit(2);
        };
        if let Err(e) = write_inputs(Path::new(dir)) {
            eprintln!("cannot write the inputs to {dir}: {e}");
            std::process::exit(1);
        }
        return;
    }
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
        let kind = match format {
            Format::Yaml => inputs::Kind::Yaml,
            Format::Toml => inputs::Kind::Toml,
            _ => inputs::Kind::Env,
        };
        bench(format, lines, &inputs::generate(kind, lines));
    }
}

/// The published inputs, as files named as docs/performance.md names them.
fn write_inputs(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for &(name, kind, lines) in inputs::PUBLISHED {
        let text = inputs::generate(kind, lines);
        std::fs::write(dir.join(name), &text)?;
        println!(
            "{}: {lines} lines, {} bytes",
            dir.join(name).display(),
            text.len()
        );
    }
    Ok(())
}

fn bench(format: Format, lines: usize, text: &str) {
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
    // Completion at the port value (cursor at its start: every candidate is checked) and the
    // document's inlay hints, as the server answers them after an analysis.
    let mut completion = Vec::with_capacity(EDITS);
    let mut hints = Vec::with_capacity(EDITS);
    let mut offered = 0;
    for _ in 0..EDITS {
        let started = Instant::now();
        offered = complete::complete(
            doc.text(),
            format,
            &config,
            doc.parsed(),
            analysis.last(),
            Some(&analysis),
            value_at,
        )
        .len();
        completion.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(outline::inlay_hints(analysis.last()));
        hints.push(started.elapsed());
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
        "{:<5} {:>6} lines: edit value → analysis median {:>7.3} ms (p90 {:.3}); first analysis {:.1} ms, {findings} findings",
        format.name(),
        lines,
        ms(median(&mut whole)),
        ms(percentile(&mut whole, 90)),
        ms(first_analysis),
    );
    println!(
        "{:<5} {:>6} lines: completion at a port median {:>7.3} ms (p90 {:.3}, {offered} offered); inlay hints median {:>7.3} ms (p90 {:.3})",
        format.name(),
        lines,
        ms(median(&mut completion)),
        ms(percentile(&mut completion, 90)),
        ms(median(&mut hints)),
        ms(percentile(&mut hints, 90)),
    );
    println!(
        "{:<5} {:>6} lines: syntax only: edit value median {:>7.3} ms (p90 {:.3}), type in key {:>7.3} ms (p90 {:.3}), new entry line {:>7.3} ms (p90 {:.3}), new top-level line {:>7.3} ms (p90 {:.3}); full parse {:.1} ms, {} settings",
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
