use mailport::analysis::{analyze_parsed, endpoints, syntax, Format};
use std::time::{Duration, Instant};
fn min_of(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}
#[test]
#[ignore]
fn perf() {
    for (f, fmt) in [
        ("/tmp/c50k.env", Format::Env),
        ("/tmp/s.yaml", Format::Yaml),
    ] {
        let text = std::fs::read_to_string(f).unwrap();
        let parsed = syntax::parse(fmt, &text);
        let tb = min_of(7, || {
            std::hint::black_box(endpoints::build(&parsed.settings, fmt));
        });
        let ta = min_of(7, || {
            std::hint::black_box(analyze_parsed(&text, fmt, &parsed, &Default::default()));
        });
        eprintln!(
            "{f}: {} settings; build {:?} analyze {:?}",
            parsed.settings.len(),
            tb,
            ta
        );
    }
}

#[test]
#[ignore]
fn perf_incremental() {
    use mailport::analysis::incremental::{IncrementalAnalysis, TextChange};
    for (f, fmt) in [
        ("/tmp/c50k.env", Format::Env),
        ("/tmp/s.yaml", Format::Yaml),
    ] {
        let mut text = std::fs::read_to_string(f).unwrap();
        let config = Default::default();
        let mut inc = IncrementalAnalysis::new();
        let parsed = syntax::parse(fmt, &text);
        inc.analyze(&text, fmt, &parsed, &config, None);
        let mid = text.len() / 2;
        let at = text[mid..].find("587").map(|i| i + mid).unwrap();
        let mut times = Vec::new();
        for i in 0..10 {
            let new = if i % 2 == 0 { "993" } else { "587" };
            let change = TextChange {
                start: at,
                old_end: at + 3,
                new_end: at + 3,
                old_text: text[at..at + 3].to_string(),
                new_text: new.to_string(),
            };
            text.replace_range(at..at + 3, new);
            let parsed = syntax::parse(fmt, &text);
            let t = Instant::now();
            let a = inc.analyze(&text, fmt, &parsed, &config, Some(&change));
            times.push(t.elapsed());
            std::hint::black_box(a);
        }
        times.sort();
        eprintln!(
            "{f}: incremental analyze median {:?} min {:?}",
            times[5], times[0]
        );
    }
}
