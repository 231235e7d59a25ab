//! Every fix mailport offers, applied alone, makes the document better and nothing worse.
//!
//! Over the examples, the documents of the rule tests, the ISPDB, the shared real-world corpus and
//! the real-world files (each skipped where absent): for every finding and every fix it offers
//! (the quick fixes, and "suppress on this line"), apply that fix alone, analyse the result under
//! the same file name and require that
//! - the document reads as before (no new MP000),
//! - the finding the fix was for is gone from its endpoint, and the endpoint is still read,
//! - no warning or error appears that was not there (findings compared by code and endpoint,
//!   endpoints followed through the edit by the positions of their keys).
//!
//! A hint (MP011, a nonstandard port) appearing counts as bad too: no fix writes a nonstandard
//! port, so there is nothing to excuse.

use std::collections::BTreeMap;
#[path = "common/documents.rs"]
mod documents;

use documents::{sources, Document};

use mailport::analysis::findings::EndpointSummary;
use mailport::analysis::syntax::{self, detect_format, Parsed};
use mailport::analysis::{analyze_parsed, suppress, Analysis, Edit, Finding, Fix};
use mailport::config::Config;
use mailport::vocab::{Format, RuleCode};

#[derive(Default)]
struct Tally {
    tried: usize,
    good: usize,
    bad: Vec<String>,
    suppressions_tried: usize,
    suppressions_good: usize,
    documents: usize,
}

#[test]
fn every_fix_alone_removes_its_finding_and_adds_none() {
    let config = Config::default();
    let mut tally = Tally::default();
    let mut by_source: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (source, documents) in sources() {
        // The rule tests hold about ninety documents: far fewer means their literals were misread.
        if source == "rule tests" {
            assert!(
                documents.len() >= 80,
                "only {} rule-test documents read",
                documents.len()
            );
        }
        let before = (tally.tried + tally.suppressions_tried, tally.documents);
        for document in &documents {
            try_every_fix(document, &config, &mut tally);
        }
        let entry = by_source.entry(source).or_default();
        entry.0 += tally.tried + tally.suppressions_tried - before.0;
        entry.1 += tally.documents - before.1;
    }
    let sources: Vec<String> = by_source
        .iter()
        .map(|(s, (fixes, docs))| {
            format!("{s}: {fixes} fixes and suppressions in {docs} documents")
        })
        .collect();
    let summary = format!(
        "fixes tried {}, good {}, bad {}; suppressions tried {}, good {} ({})",
        tally.tried,
        tally.good,
        tally.tried - tally.good,
        tally.suppressions_tried,
        tally.suppressions_good,
        sources.join("; ")
    );
    eprintln!("{summary}");
    assert!(
        tally.bad.is_empty(),
        "{summary}\n\n{}",
        tally.bad.join("\n")
    );
    // The examples and the rule tests alone offer well over a hundred fixes: a test that found
    // none would prove nothing.
    assert!(tally.tried >= 100, "{summary}");
}

fn try_every_fix(document: &Document, config: &Config, tally: &mut Tally) {
    let Some(format) = detect_format(&document.name, None, &document.text) else {
        return;
    };
    let text = &document.text;
    let before = Checked::of(text, format, config);
    if before.analysis.findings.is_empty() {
        return;
    }
    tally.documents += 1;
    for (index, finding) in before.analysis.findings.iter().enumerate() {
        let endpoint = before.endpoint_of(finding);
        for fix in &finding.fixes {
            tally.tried += 1;
            // A fix may keep a weak mode while it changes the port, never offer one.
            if fix.title.to_ascii_lowercase().contains("opportunistic") {
                tally.bad.push(format!(
                    "{} [{}] fix \"{}\": the title offers opportunistic STARTTLS",
                    document.label, finding.code, fix.title
                ));
                continue;
            }
            match judge(&before, text, format, config, finding, endpoint, fix) {
                Ok(()) => tally.good += 1,
                Err(why) => tally.bad.push(format!(
                    "{} [{} at {}] fix \"{}\": {why}",
                    document.label,
                    finding.code,
                    line_of(text, finding.span.start),
                    fix.title
                )),
            }
        }
        if let Some(edit) =
            suppress::suppression_edit(text, format, finding.span.start, finding.code)
        {
            tally.suppressions_tried += 1;
            let fix = Fix {
                title: format!("Suppress {} on this line", finding.code),
                preferred: false,
                edits: vec![edit],
            };
            match judge(&before, text, format, config, finding, endpoint, &fix) {
                Ok(()) => tally.suppressions_good += 1,
                Err(why) => tally.bad.push(format!(
                    "{} [{} at {}, finding {index}] suppression: {why}",
                    document.label,
                    finding.code,
                    line_of(text, finding.span.start)
                )),
            }
        }
    }
}

/// Applies `fix` alone and says what it made worse, if anything.
fn judge(
    before: &Checked,
    text: &str,
    format: Format,
    config: &Config,
    finding: &Finding,
    endpoint: Option<usize>,
    fix: &Fix,
) -> Result<(), String> {
    let fixed = fix.apply(text).ok_or("the edits do not apply")?;
    if fixed == text {
        return Err("the fix changes nothing".to_string());
    }
    let after = Checked::of(&fixed, format, config);
    // Each endpoint after the fix, as the endpoint it was before: the one that shares the most
    // keys with it (by position; settings such as msmtp's `defaults` belong to several), of the
    // same protocol where that ties.
    let moved: Vec<Option<usize>> = (0..after.keys.len())
        .map(|j| {
            let keys = &after.keys[j];
            let protocol = after.analysis.endpoints[j].protocol;
            (0..before.keys.len())
                .map(|i| {
                    let shared = before.keys[i]
                        .iter()
                        .filter_map(|&k| shifted(k, &fix.edits))
                        .filter(|k| keys.contains(k))
                        .count();
                    let same = before.analysis.endpoints[i].protocol == protocol;
                    (shared, same, std::cmp::Reverse(i))
                })
                .filter(|(shared, _, _)| *shared > 0)
                .max()
                .map(|(_, _, std::cmp::Reverse(i))| i)
        })
        .collect();
    let identity = |checked: &Checked, f: &Finding, map: Option<&[Option<usize>]>| {
        let e = checked.endpoint_of(f);
        match map {
            Some(map) => e.map(|i| map[i].ok_or(i)),
            None => e.map(Ok),
        }
    };
    let count = |checked: &Checked, map: Option<&[Option<usize>]>, serious: bool| {
        let mut counts: BTreeMap<(RuleCode, Option<Result<usize, usize>>), usize> = BTreeMap::new();
        for f in &checked.analysis.findings {
            if f.code != RuleCode::Mp000 && f.severity.is_serious() == serious {
                *counts
                    .entry((f.code, identity(checked, f, map)))
                    .or_default() += 1;
            }
        }
        counts
    };
    let parse_errors = |a: &Analysis| {
        a.findings
            .iter()
            .filter(|f| f.code == RuleCode::Mp000)
            .count()
    };
    if parse_errors(&after.analysis) > parse_errors(&before.analysis) {
        return Err("the document no longer reads (MP000)".to_string());
    }
    if let Some(e) = endpoint {
        if !moved.contains(&Some(e)) {
            return Err("the endpoint is no longer read".to_string());
        }
    }
    // One endpoint may carry several findings of a code (a dead setting per key): the fix must
    // leave fewer of them.
    let of_this = |checked: &Checked, map: Option<&[Option<usize>]>| {
        checked
            .analysis
            .findings
            .iter()
            .filter(|f| f.code == finding.code && identity(checked, f, map) == endpoint.map(Ok))
            .count()
    };
    let still = of_this(&after, Some(&moved)) >= of_this(before, None);
    if still {
        return Err("the finding is still there".to_string());
    }
    for serious in [true, false] {
        let was = count(before, None, serious);
        let now = count(&after, Some(&moved), serious);
        let new: Vec<String> = now
            .iter()
            .filter(|(key, n)| was.get(key).copied().unwrap_or(0) < **n)
            .map(|((code, _), _)| {
                let f = after
                    .analysis
                    .findings
                    .iter()
                    .find(|f| f.code == *code)
                    .map(|f| f.message.clone())
                    .unwrap_or_default();
                format!("{code} ({f})")
            })
            .collect();
        if !new.is_empty() {
            return Err(format!("it brings {}", new.join(", ")));
        }
    }
    Ok(())
}

/// Where a byte offset of the text before the edits is after them; `None` inside an edited span.
fn shifted(offset: usize, edits: &[Edit]) -> Option<usize> {
    let mut delta: isize = 0;
    for e in edits {
        if e.span.end <= offset {
            delta += e.new_text.len() as isize - e.span.len() as isize;
        } else if e.span.start < offset {
            return None;
        }
    }
    offset.checked_add_signed(delta)
}

/// A document's analysis with the key positions of each endpoint.
struct Checked {
    parsed: Parsed,
    analysis: Analysis,
    keys: Vec<Vec<usize>>,
}

impl Checked {
    fn of(text: &str, format: Format, config: &Config) -> Checked {
        let parsed = syntax::parse(format, text);
        let analysis = analyze_parsed(text, format, &parsed, config);
        let keys = analysis
            .endpoints
            .iter()
            .map(|e| {
                e.settings
                    .iter()
                    .filter_map(|&si| parsed.settings.get(si))
                    .map(|s| s.key_span.start)
                    .collect()
            })
            .collect();
        Checked {
            parsed,
            analysis,
            keys,
        }
    }

    /// The endpoint a finding is about: the one with its summary whose settings hold its span.
    fn endpoint_of(&self, f: &Finding) -> Option<usize> {
        let summary = f.endpoint.as_ref()?;
        let candidates: Vec<usize> = (0..self.analysis.endpoints.len())
            .filter(|&i| EndpointSummary::of(&self.analysis.endpoints[i]) == *summary)
            .collect();
        candidates
            .iter()
            .copied()
            .find(|&i| {
                self.analysis.endpoints[i].settings.iter().any(|&si| {
                    self.parsed.settings.get(si).is_some_and(|s| {
                        let start = s.key_span.start.min(s.value_span.start);
                        let end = s.key_span.end.max(s.value_span.end);
                        start <= f.span.start && f.span.start <= end
                    })
                })
            })
            .or_else(|| candidates.first().copied())
    }
}

trait Serious {
    fn is_serious(&self) -> bool;
}

impl Serious for mailport::vocab::Severity {
    /// Warnings and errors; a hint or an information is not, but is still not allowed to appear.
    fn is_serious(&self) -> bool {
        matches!(
            self,
            mailport::vocab::Severity::Error | mailport::vocab::Severity::Warning
        )
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
