//! Where an edit's time goes, stage by stage, on the benchmark files (see docs/performance.md).
//! Ignored by default (it needs the generated files and a release build to mean anything):
//!
//! ```sh
//! MAILPORT_TIMING_FILES="/tmp/lspbench/config-5k.yaml /tmp/lspbench/config-50k.toml" \
//!   cargo test --release --test lsp_timing -- --ignored --nocapture
//! ```
//!
//! It also checks what the language server relies on: after an edit, the kept document
//! (`IncrementalDoc`) analyses exactly like a fresh read of the new text.

use std::time::{Duration, Instant};

use mailport::analysis::incremental::{IncrementalAnalysis, TextChange};
use mailport::analysis::syntax::incremental::IncrementalDoc;
use mailport::analysis::syntax::{self, detect_format};
use mailport::analysis::{analyze_parsed, endpoints};
use mailport::config::Config;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[test]
#[ignore = "measurement: needs generated files, run with --release --ignored --nocapture"]
fn edit_stages() {
    let files = std::env::var("MAILPORT_TIMING_FILES").unwrap_or_else(|_| {
        "/tmp/lspbench/config-5k.yaml /tmp/lspbench/config-50k.yaml \
         /tmp/lspbench/config-5k.toml /tmp/lspbench/config-50k.toml /tmp/lspbench/app.env"
            .to_string()
    });
    let config = Config::default();
    for path in files.split_whitespace() {
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!(
                "{path}: not found (cargo bench --bench analysis -- --write-inputs /tmp/lspbench)"
            );
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        let format = detect_format(name, None, &text).expect("a format mailport reads");
        // the line lspbench edits: a port 587 near the middle
        let middle = text.len() / 2;
        let port = text[middle..]
            .find("587")
            .map(|i| middle + i)
            .or_else(|| text.find("587"))
            .expect("a 587 to toggle");

        let started = Instant::now();
        let mut doc = IncrementalDoc::new(format, text.clone());
        let mut kept = IncrementalAnalysis::new();
        kept.analyze(doc.text(), format, doc.parsed(), &config, None);
        let open = started.elapsed();
        let (mut edit, mut incremental, mut build, mut whole) = (vec![], vec![], vec![], vec![]);
        let mut findings = 0;
        for i in 0..10 {
            let new = if i % 2 == 0 { "993" } else { "587" };
            let change = TextChange {
                start: port,
                old_end: port + 3,
                new_end: port + 3,
                old_text: doc.text()[port..port + 3].to_string(),
                new_text: new.to_string(),
            };
            let t = Instant::now();
            doc.edit(port, port + 3, new);
            edit.push(t.elapsed());
            let t = Instant::now();
            let analysis = kept
                .analyze(doc.text(), format, doc.parsed(), &config, Some(&change))
                .clone();
            incremental.push(t.elapsed());
            findings = analysis.findings.len();
            let t = Instant::now();
            std::hint::black_box(endpoints::build(&doc.parsed().settings, format));
            build.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(analyze_parsed(doc.text(), format, doc.parsed(), &config));
            whole.push(t.elapsed());

            let fresh = syntax::parse(format, doc.text());
            let again = analyze_parsed(doc.text(), format, &fresh, &config);
            assert_eq!(analysis.findings, again.findings, "{name}: edit {i}");
        }
        println!(
            "{name}: open + first analysis {open:?}; per edit (median of 10): IncrementalDoc::edit {:?}, incremental analysis {:?}; for comparison endpoints::build {:?}, whole analyze_parsed {:?}; {} settings, {findings} findings",
            median(edit),
            median(incremental),
            median(build),
            median(whole),
            doc.parsed().settings.len(),
        );
    }
}
