//! Renders analysis results as text for snapshot tests.

use mailport::analysis::syntax::incremental::IncrementalDoc;
use mailport::analysis::{analyze, analyze_parsed, endpoints, syntax::detect_format};
use mailport::config::Config;
use mailport::vocab::Format;

/// The language server keeps only the settings some profile could read
/// ([`endpoints::could_be_member`]); the findings must be exactly those of all settings.
pub fn assert_kept_settings_suffice(format: Format, text: &str, config: &Config) {
    // The key check comes first and may only be looser.
    for s in mailport::analysis::syntax::parse(format, text).settings {
        assert!(
            !endpoints::could_be_member(format, &s)
                || endpoints::could_have_member_key(format, s.key()),
            "{format:?}: {:?} is a possible member but its key is rejected",
            s.path_names()
        );
    }
    let all = analyze(text, format, config);
    let doc = IncrementalDoc::keeping(format, text.to_string(), endpoints::MEMBERS);
    let kept = analyze_parsed(text, format, doc.parsed(), config);
    assert_eq!(
        kept.findings, all.findings,
        "{format:?} document read with only the settings a profile could read:\n{text}"
    );
    assert_eq!(kept.endpoints.len(), all.endpoints.len());
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Every finding as `line:col SEVERITY CODE message`, each fix as `  fix[*]: title` followed by the
/// changed lines of the fixed document.
pub fn render(file_name: &str, text: &str, config: &Config) -> String {
    let format = detect_format(file_name, None, text).unwrap_or_else(|| by_extension(file_name));
    let analysis = analyze(text, format, config);
    assert_kept_settings_suffice(format, text, config);
    let mut out = String::new();
    for f in &analysis.findings {
        let (l, c) = line_col(text, f.span.start);
        out.push_str(&format!(
            "{l}:{c} {} {} {}\n",
            f.severity.as_str(),
            f.code,
            f.message
        ));
        for fix in &f.fixes {
            out.push_str(&format!(
                "  fix{}: {}\n",
                if fix.preferred { "*" } else { "" },
                fix.title
            ));
            match fix.apply(text) {
                Some(fixed) => {
                    for line in changed_lines(text, &fixed) {
                        out.push_str(&format!("    | {line}\n"));
                    }
                    // A fix must leave the document clean of the finding it fixes: one fewer
                    // of its code on its line (an inherited value carries the findings of
                    // every account that inherits it).
                    let again = analyze(&fixed, format, config);
                    let line_of = |t: &str, o: usize| line_col(t, o).0;
                    let on_line = |findings: &[mailport::analysis::findings::Finding], t: &str| {
                        findings
                            .iter()
                            .filter(|g| g.code == f.code && line_of(t, g.span.start) == l)
                            .count()
                    };
                    if on_line(&again.findings, &fixed) >= on_line(&analysis.findings, text) {
                        out.push_str("    !! the finding is still there after the fix\n");
                    }
                }
                None => out.push_str("    !! fix does not apply\n"),
            }
        }
    }
    if out.is_empty() {
        out.push_str("clean\n");
    }
    out
}

/// Lines of `after` that are not in `before` (enough to show what a fix wrote).
fn changed_lines(before: &str, after: &str) -> Vec<String> {
    let old: std::collections::HashSet<&str> = before.lines().collect();
    after
        .lines()
        .filter(|l| !old.contains(l))
        .map(str::to_string)
        .collect()
}

fn by_extension(name: &str) -> Format {
    match name.rsplit('.').next().unwrap_or("") {
        "yml" | "yaml" => Format::Yaml,
        "json" => Format::Json,
        "toml" => Format::Toml,
        "ini" | "conf" => Format::Ini,
        "properties" => Format::Properties,
        _ => Format::Env,
    }
}
