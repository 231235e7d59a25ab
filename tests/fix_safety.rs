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
use std::path::{Path, PathBuf};

use mailport::analysis::findings::EndpointSummary;
use mailport::analysis::syntax::{self, detect_format, Parsed};
use mailport::analysis::{analyze_parsed, suppress, Analysis, Edit, Finding, Fix};
use mailport::config::Config;
use mailport::vocab::{Format, RuleCode};

/// A document to try the fixes on: where it comes from, the file name it is analysed under.
struct Document {
    label: String,
    name: String,
    text: String,
}

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

/// Each source of documents, in a fixed order; the optional ones are empty where absent.
fn sources() -> Vec<(&'static str, Vec<Document>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = ["../shared/corpus", "../../shared/corpus"]
        .iter()
        .map(|rel| root.join(rel))
        .find(|p| p.is_dir());
    let mut out = vec![
        ("examples", files_under(&root.join("examples"))),
        ("rule tests", rule_test_documents(root)),
        ("synthetic", synthetic_documents()),
    ];
    if let Some(shared) = &shared {
        out.push(("ispdb", files_under(&shared.join("ispdb"))));
        out.push(("shared realworld", files_under(&shared.join("realworld"))));
    }
    let gathered = [
        root.join("tests/realworld/files"),
        PathBuf::from("/work/corpus-files"),
    ]
    .into_iter()
    .find(|p| p.is_dir());
    if let Some(dir) = gathered {
        out.push(("realworld files", files_under(&dir)));
    }
    out
}

/// The applications whose STARTTLS fix must require STARTTLS (or not be offered), each with
/// STARTTLS only if offered and a password (MP005), implicit TLS on 587 (MP003) and a password
/// on port 25 (MP006) where the application can say so.
fn synthetic_documents() -> Vec<Document> {
    let cases: &[(&str, &str)] = &[
        ("grafana.ini", "[smtp]\nenabled = true\nhost = smtp.example.com:587\nuser = alerts@example.com\npassword = secret\n"),
        ("grafana.ini", "[smtp]\nenabled = true\nhost = smtp.example.com:25\nuser = alerts@example.com\npassword = secret\nstartTLS_policy = OpportunisticStartTLS\n"),
        ("docker-compose.yml", "services:\n  grafana:\n    image: grafana/grafana\n    environment:\n      - GF_SMTP_ENABLED=true\n      - GF_SMTP_HOST=smtp.example.com:587\n      - GF_SMTP_USER=alerts@example.com\n      - GF_SMTP_PASSWORD=secret\n"),
        ("config.production.json", "{\n  \"mail\": {\n    \"transport\": \"SMTP\",\n    \"options\": {\n      \"host\": \"smtp.example.com\",\n      \"port\": 587,\n      \"auth\": {\"user\": \"blog@example.com\", \"pass\": \"secret\"}\n    }\n  }\n}\n"),
        ("config.production.json", "{\n  \"mail\": {\n    \"transport\": \"SMTP\",\n    \"options\": {\n      \"host\": \"smtp.example.com\",\n      \"port\": 587,\n      \"secure\": true,\n      \"auth\": {\"user\": \"blog@example.com\", \"pass\": \"secret\"}\n    }\n  }\n}\n"),
        ("realm-export.json", "{\n  \"realm\": \"demo\",\n  \"smtpServer\": {\n    \"host\": \"smtp.example.com\",\n    \"port\": \"587\",\n    \"auth\": \"true\",\n    \"user\": \"sso@example.com\",\n    \"password\": \"secret\",\n    \"starttls\": \"true\",\n    \"from\": \"sso@example.com\"\n  }\n}\n"),
        ("realm-export.json", "{\n  \"realm\": \"demo\",\n  \"smtpServer\": {\n    \"host\": \"smtp.example.com\",\n    \"port\": \"587\",\n    \"auth\": \"true\",\n    \"user\": \"sso@example.com\",\n    \"password\": \"secret\",\n    \"from\": \"sso@example.com\"\n  }\n}\n"),
        (".env.production", "LOCAL_DOMAIN=social.example.com\nSMTP_SERVER=smtp.example.com\nSMTP_PORT=587\nSMTP_LOGIN=social@example.com\nSMTP_PASSWORD=secret\nSMTP_ENABLE_STARTTLS=auto\nSMTP_FROM_ADDRESS=social@example.com\n"),
        ("application.properties", "spring.mail.host=smtp.example.com\nspring.mail.port=587\nspring.mail.username=app@example.com\nspring.mail.password=secret\nspring.mail.properties.mail.smtp.auth=true\nspring.mail.properties.mail.smtp.starttls.enable=true\n"),
        ("main.cf", "relayhost = [smtp.example.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level = may\n"),
        (".env", "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD=secret\n"),
        (".env", "MAIL_MAILER=smtp\nMAIL_SCHEME=smtps\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD=secret\n"),
        ("mailer.js", "const nodemailer = require('nodemailer');\nmodule.exports = nodemailer.createTransport({\n  host: 'smtp.example.com',\n  port: 587,\n  secure: false,\n  auth: { user: 'app@example.com', pass: process.env.SMTP_PASSWORD },\n});\n"),
        (".github/workflows/mail.yml", "on: push\njobs:\n  mail:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: dawidd6/action-send-mail@v3\n        with:\n          server_address: smtp.example.com\n          server_port: 587\n          secure: false\n          username: ${{ secrets.MAIL_USERNAME }}\n          password: ${{ secrets.MAIL_PASSWORD }}\n          subject: Build\n          to: team@example.com\n          from: CI\n"),
        (".fetchmailrc", "poll pop.example.com proto POP3 port 110\n    user \"me\" with password \"secret\" is me here\n"),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, (name, text))| Document {
            label: format!("synthetic #{} ({name})", i + 1),
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// Every readable file below `dir` (not the READMEs, scorers and records beside the files).
fn files_under(dir: &Path) -> Vec<Document> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !matches!(name.as_ref(), "README.md" | "corpus.json" | "score.py")
        })
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let name = path.to_string_lossy().replace('\\', "/");
            let label = path
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| name.clone());
            Some(Document { label, name, text })
        })
        .collect()
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

/// The documents the rule tests analyse: the literal arguments of their `check(` calls
/// (`check("name", "text", expect![…])`, or `check("text", expect![…])` for `.env`).
fn rule_test_documents(root: &Path) -> Vec<Document> {
    let mut out = Vec::new();
    for file in [
        "rules_env.rs",
        "rules_structured.rs",
        "rules_source.rs",
        "rules_mail_clients.rs",
    ] {
        let Ok(source) = std::fs::read_to_string(root.join("tests").join(file)) else {
            continue;
        };
        let mut rest = source.as_str();
        let mut n = 0;
        while let Some(at) = rest.find("check(") {
            rest = &rest[at + "check(".len()..];
            let mut literals = Vec::new();
            let mut cursor = rest;
            while let Some((literal, after)) = string_literal(cursor) {
                literals.push(literal);
                cursor = after.trim_start().strip_prefix(',').unwrap_or(after);
            }
            let (name, text) = match literals.as_slice() {
                [text] => (".env".to_string(), text.clone()),
                [name, text] => (name.clone(), text.clone()),
                _ => continue,
            };
            n += 1;
            out.push(Document {
                label: format!("{file} #{n} ({name})"),
                name,
                text,
            });
        }
    }
    out
}

/// A Rust string literal at the start of `s` (after white space): `"…"` with escapes or
/// `r#"…"#`; its value and the text after it.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if let Some(raw) = s.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close)?;
        return Some((body[..end].to_string(), &body[end + close.len()..]));
    }
    let body = s.strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                'r' => value.push('\r'),
                't' => value.push('\t'),
                '0' => value.push('\0'),
                'u' => {
                    let rest = &body[i + 2..];
                    let close = rest.find('}')?;
                    let code = u32::from_str_radix(rest.get(1..close)?, 16).ok()?;
                    value.push(char::from_u32(code)?);
                    for _ in 0..=close {
                        chars.next();
                    }
                }
                'x' => {
                    let hex = body.get(i + 2..i + 4)?;
                    value.push(char::from(u8::from_str_radix(hex, 16).ok()?));
                    chars.next();
                    chars.next();
                }
                '\n' => {
                    // A line continuation: the line break and the next line's indentation go.
                    while chars.clone().next().is_some_and(|(_, c)| c.is_whitespace()) {
                        chars.next();
                    }
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}
