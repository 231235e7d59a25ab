//! `mailport check --format json` against its published contract: every document the real binary
//! prints (each file of `examples/`, the whole folder, and synthetic cases: no findings, a parse
//! error, standard input) validates against `docs/output.schema.json`, and holds the promises of
//! `docs/output.md` that a schema cannot state (counts, order, spans, the preferred fix). Both
//! checks are shown to reject broken documents, so this test can fail.
//!
//! The schema is checked with Python's `jsonschema` (`tests/json_schema.py`), already the validator
//! of the SARIF output (`tests/cli.rs`) and installed by `tests/ci/cli.sh`; in CI (`CI=true`) its
//! absence is a failure, elsewhere a skip with a note.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const MAILPORT: &str = env!("CARGO_BIN_EXE_mailport");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `mailport check ARGS` in `dir`, with `stdin` piped in when given.
fn check(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(MAILPORT)
        .arg("check")
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mailport");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("mailport ends");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: not JSON ({e}):\n{text}"))
}

/// Every file under `dir`, hidden ones included, in path order.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("read examples/") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

const LARAVEL_SMTPS_ON_587: &str = "\
MAIL_MAILER=smtp
MAIL_SCHEME=smtps
MAIL_HOST=smtp.example.com
MAIL_PORT=587
MAIL_USERNAME=app@example.com
MAIL_PASSWORD=change-me
";

/// Ghost's nodemailer options cut off in the middle: MP000.
const GHOST_TRUNCATED: &str =
    "{\"mail\": {\"options\": {\"host\": \"smtp.example.com\", \"port\": 587,\n";

/// Thunderbird autoconfig, recognised by its content alone (no file name on standard input).
const AUTOCONFIG_SSL_ON_587: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.com">
  <outgoingServer type="smtp"><hostname>smtp.example.com</hostname><port>587</port><socketType>SSL</socketType></outgoingServer>
</emailProvider></clientConfig>
"#;

/// Every document of the test, by name: what the binary really prints.
fn real_documents() -> BTreeMap<String, Value> {
    let mut documents = BTreeMap::new();
    let root = root();

    for file in files_under(&root.join("examples")) {
        let relative = file.strip_prefix(root).expect("under the root");
        let relative = relative.to_string_lossy().into_owned();
        let run = check(root, &["--format", "json", &relative], None);
        assert!(run.code == 0 || run.code == 1, "{relative}: {}", run.stderr);
        documents.insert(relative.clone(), parse(&relative, &run.stdout));
    }

    let run = check(root, &["--format", "json", "examples"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    documents.insert("examples/ (walked)".into(), parse("examples/", &run.stdout));

    let run = check(root, &["--format", "json", "examples/clean"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let clean = parse("examples/clean", &run.stdout);
    assert_eq!(clean["diagnostics"], json!([]), "no findings");
    documents.insert("no findings".into(), clean);

    let dir = tempfile::tempdir().expect("temp dir");
    let run = check(dir.path(), &["--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let empty = parse("empty folder", &run.stdout);
    assert_eq!(empty["files_checked"], 0);
    documents.insert("empty folder".into(), empty);

    let stdin_args = |name: &'static str| ["--format", "json", "--stdin", "--stdin-filename", name];
    let run = check(
        root,
        &stdin_args("config.production.json"),
        Some(GHOST_TRUNCATED),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let broken = parse("parse error", &run.stdout);
    assert_eq!(broken["diagnostics"][0]["code"], "MP000", "{broken:#}");
    documents.insert("parse error".into(), broken);

    let run = check(
        root,
        &["--format", "json", "--stdin"],
        Some(AUTOCONFIG_SSL_ON_587),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let unnamed = parse("stdin without a name", &run.stdout);
    assert_eq!(unnamed["diagnostics"][0]["path"], "<stdin>", "{unnamed:#}");
    documents.insert("stdin without a name".into(), unnamed);

    // With --fix, stdout carries the fixed text and the JSON report goes to stderr.
    let mut args = stdin_args(".env").to_vec();
    args.push("--fix");
    let run = check(root, &args, Some(LARAVEL_SMTPS_ON_587));
    assert!(run.stdout.contains("MAIL_PORT=465"), "{}", run.stdout);
    documents.insert("stdin --fix".into(), parse("stdin --fix", &run.stderr));

    // A configured severity: `info` and `hint` appear in the output too.
    std::fs::write(dir.path().join(".env"), LARAVEL_SMTPS_ON_587).expect("write .env");
    std::fs::write(
        dir.path().join(".mailport.toml"),
        "[rules]\nMP003 = \"info\"\nMP005 = \"hint\"\n",
    )
    .expect("write .mailport.toml");
    let run = check(
        dir.path(),
        &["--format", "json", "--fail-on", "never"],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    documents.insert(
        "configured severities".into(),
        parse("configured", &run.stdout),
    );

    documents
}

/// Validates each document against `docs/output.schema.json`: its problems by name (an empty list
/// for a valid one), or `None` when Python's `jsonschema` is missing outside CI.
fn schema_problems(documents: &BTreeMap<String, Value>) -> Option<BTreeMap<String, Vec<String>>> {
    let importable = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !in_ci,
            "CI=true but python3 cannot import jsonschema: run tests/ci/cli.sh"
        );
        eprintln!("note: python3 jsonschema missing; output schema validation skipped");
        return None;
    }
    let mut child = Command::new("python3")
        .arg(root().join("tests/json_schema.py"))
        .arg(root().join("docs/output.schema.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    let input = serde_json::to_vec(documents).expect("documents as JSON");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write documents");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(
        out.status.success(),
        "tests/json_schema.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("problems as JSON"))
}

/// The promises of docs/output.md that the schema cannot state.
fn contract_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let int = |v: &Value, key: &str| v[key].as_u64().unwrap_or(0);
    let span = |v: &Value| {
        (
            (int(v, "line"), int(v, "column")),
            (int(v, "end_line"), int(v, "end_column")),
        )
    };
    let diagnostics = doc["diagnostics"].as_array().cloned().unwrap_or_default();

    for severity in ["error", "warning", "info", "hint"] {
        let counted = diagnostics
            .iter()
            .filter(|d| d["severity"] == severity)
            .count() as u64;
        if doc["summary"][severity].as_u64() != Some(counted) {
            problems.push(format!("summary.{severity} is not {counted}"));
        }
    }
    let mut paths: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    paths.dedup();
    if (paths.len() as u64) > int(doc, "files_checked") {
        problems.push("diagnostics name more files than files_checked".into());
    }
    let order = |d: &Value| {
        let (start, _) = span(d);
        (
            d["path"].as_str().unwrap_or("").to_string(),
            start,
            d["code"].as_str().unwrap_or("").to_string(),
        )
    };
    for (i, pair) in diagnostics.windows(2).enumerate() {
        if order(&pair[0]) > order(&pair[1]) {
            problems.push(format!("diagnostics {i} and {} are out of order", i + 1));
        }
    }
    for (i, d) in diagnostics.iter().enumerate() {
        let (start, end) = span(d);
        if start > end {
            problems.push(format!("diagnostic {i} ends before it starts"));
        }
        if d["code"] == "MP000" && !d["endpoint"].is_null() {
            problems.push(format!("diagnostic {i}: MP000 has an endpoint"));
        }
        let fixes = d["fixes"].as_array().cloned().unwrap_or_default();
        for (j, fix) in fixes.iter().enumerate() {
            if fix["preferred"] != (j == 0) {
                problems.push(format!(
                    "diagnostic {i}: fix {j} is not the only preferred one, first"
                ));
            }
            for edit in fix["edits"].as_array().into_iter().flatten() {
                let (start, end) = span(edit);
                if start > end || edit["path"] != d["path"] {
                    problems.push(format!("diagnostic {i}: fix {j} has a stray edit"));
                }
            }
        }
    }
    problems
}

#[test]
fn real_output_keeps_the_published_contract() {
    let documents = real_documents();
    assert!(documents.len() > 30, "every example is checked");

    for (name, doc) in &documents {
        let problems = contract_problems(doc);
        assert!(problems.is_empty(), "{name}: {problems:#?}\n{doc:#}");
    }

    // The documents cover what the schema allows: otherwise a wrong schema could pass unseen.
    let diagnostics: Vec<&Value> = documents
        .values()
        .flat_map(|d| d["diagnostics"].as_array().into_iter().flatten())
        .collect();
    for severity in ["error", "warning", "info", "hint"] {
        assert!(
            diagnostics.iter().any(|d| d["severity"] == severity),
            "no {severity}"
        );
    }
    assert!(diagnostics.iter().any(|d| d["endpoint"].is_null()));
    assert!(diagnostics
        .iter()
        .any(|d| d["endpoint"]["port"].is_null() && d["endpoint"].is_object()));
    assert!(diagnostics.iter().any(|d| d["fixes"] == json!([])));
    assert!(diagnostics
        .iter()
        .any(|d| d["fixes"].as_array().is_some_and(|f| f.len() > 1)));

    let Some(problems) = schema_problems(&documents) else {
        return;
    };
    assert_eq!(problems.len(), documents.len(), "{problems:#?}");
    let invalid: Vec<_> = problems.iter().filter(|(_, p)| !p.is_empty()).collect();
    assert!(
        invalid.is_empty(),
        "not valid against docs/output.schema.json: {invalid:#?}"
    );
}

/// A named change that breaks a document.
type Breakage = (&'static str, fn(&mut Value));

/// A real document with one thing broken, for each kind of mistake the contract rules out.
fn broken_documents(valid: &Value) -> BTreeMap<String, Value> {
    let breakages: [Breakage; 9] = [
        ("summary missing", |d| {
            d.as_object_mut().map(|o| o.remove("summary"));
        }),
        ("version 2", |d| d["version"] = json!(2)),
        ("line 0", |d| d["diagnostics"][0]["line"] = json!(0)),
        ("unknown severity", |d| {
            d["diagnostics"][0]["severity"] = json!("fatal")
        }),
        ("unknown field", |d| d["diagnostics"][0]["extra"] = json!(1)),
        ("endpoint missing", |d| {
            d["diagnostics"][0]
                .as_object_mut()
                .map(|o| o.remove("endpoint"));
        }),
        ("port as text", |d| {
            d["diagnostics"][0]["endpoint"]["port"] = json!("587")
        }),
        ("port out of range", |d| {
            d["diagnostics"][0]["endpoint"]["port"] = json!(70000)
        }),
        ("preferred as text", |d| {
            d["diagnostics"][0]["fixes"][0]["preferred"] = json!("yes")
        }),
    ];
    let mut out = BTreeMap::new();
    out.insert("unbroken".to_string(), valid.clone());
    for (name, breakage) in breakages {
        let mut doc = valid.clone();
        breakage(&mut doc);
        out.insert(name.to_string(), doc);
    }
    out
}

#[test]
fn broken_documents_are_rejected() {
    let run = check(
        root(),
        &["--format", "json", "examples/laravel-11/.env"],
        None,
    );
    let valid = parse("laravel-11", &run.stdout);
    assert!(valid["diagnostics"][0]["fixes"][0].is_object(), "{valid:#}");

    // The contract checks catch what the schema cannot.
    assert!(contract_problems(&valid).is_empty());
    let mut miscounted = valid.clone();
    miscounted["summary"]["error"] = json!(2);
    assert_eq!(contract_problems(&miscounted), ["summary.error is not 1"]);
    let mut backwards = valid.clone();
    backwards["diagnostics"][0]["end_column"] = json!(1);
    assert_eq!(
        contract_problems(&backwards),
        ["diagnostic 0 ends before it starts"]
    );

    let Some(problems) = schema_problems(&broken_documents(&valid)) else {
        return;
    };
    for (name, found) in &problems {
        if name == "unbroken" {
            assert!(found.is_empty(), "the real document is valid: {found:#?}");
        } else {
            assert!(
                !found.is_empty(),
                "the schema accepts a document with {name}"
            );
        }
    }
    assert_eq!(problems.len(), 10);
}

#[test]
fn help_points_at_the_contract_in_the_repository() {
    let out = Command::new(MAILPORT)
        .args(["check", "--help"])
        .output()
        .expect("mailport check --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(help.contains("docs/output.md"), "{help}");
    assert!(root().join("docs/output.md").is_file());
    assert!(root().join("docs/output.schema.json").is_file());
}
