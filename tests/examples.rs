//! The files under `examples/` say what mailport reports on them: a comment `expect: MP003` (or
//! a JSON `"//": "expect: MP003 …"` member) annotates the next line. This test runs
//! `mailport check --format json examples` and asserts that every annotation is reported on the
//! next line and that nothing else is, and that the examples cover every rule MP001–MP011.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

#[allow(dead_code)] // render and line_col are for the rule tests
mod support;

/// (path as mailport prints it, 1-based line, code)
type Expected = BTreeSet<(String, u64, String)>;

fn example_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            example_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The codes of an `expect:` annotation on this line: `MP` and three digits, up to the first
/// other word.
fn annotated_codes(line: &str) -> Vec<String> {
    let Some(at) = line.find("expect:") else {
        return Vec::new();
    };
    line[at + "expect:".len()..]
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .take_while(|word| {
            word.len() == 5
                && word.starts_with("MP")
                && word[2..].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn examples_report_exactly_what_they_say() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    example_files(&root.join("examples"), &mut files);
    files.sort();
    let configs: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    assert!(configs.len() >= 15, "examples/ has the example configs");

    let mut expected = Expected::new();
    for path in &configs {
        let text = std::fs::read_to_string(path).expect("example is UTF-8");
        let shown = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        for (index, line) in text.lines().enumerate() {
            for code in annotated_codes(line) {
                // The annotation is on line index+1; the diagnostic on the next line.
                expected.insert((shown.clone(), index as u64 + 2, code));
            }
        }
    }

    let covered: BTreeSet<&str> = expected.iter().map(|e| e.2.as_str()).collect();
    for n in 1..=11 {
        let code = format!("MP{n:03}");
        assert!(covered.contains(code.as_str()), "no example shows {code}");
    }

    let output = Command::new(env!("CARGO_BIN_EXE_mailport"))
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "examples",
        ])
        .current_dir(root)
        .output()
        .expect("run mailport");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(
        report["files_checked"].as_u64(),
        Some(configs.len() as u64),
        "every example file is read (is a format not recognised?)\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let reported: Expected = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();

    let missing: Vec<_> = expected.difference(&reported).collect();
    let unexpected: Vec<_> = reported.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "annotated but not reported: {missing:#?}\nreported but not annotated: {unexpected:#?}"
    );
}

#[test]
fn annotations_are_read_in_every_comment_style() {
    assert_eq!(annotated_codes("# expect: MP003"), vec!["MP003"]);
    assert_eq!(
        annotated_codes("; expect: MP005 MP008"),
        vec!["MP005", "MP008"]
    );
    assert_eq!(
        annotated_codes(r#"  "//": "expect: MP004 (ssl and starttls both false)","#),
        vec!["MP004"]
    );
    assert_eq!(
        annotated_codes("      # expect: MP003, MP010 because"),
        vec!["MP003", "MP010"]
    );
    assert!(annotated_codes("MAIL_PORT=587").is_empty());
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn tree_contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    example_files(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect()
}

fn check_json(dir: &Path, fix: bool) -> Value {
    let mut args = vec!["check", "--format", "json", "--fail-on", "never"];
    if fix {
        args.push("--fix");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_mailport"))
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("run mailport");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .filter_map(|d| d["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn fixing_a_copy_of_the_examples_helps_and_a_second_fix_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        dir.path(),
    );
    let before = codes(&check_json(dir.path(), false));
    let fixed = check_json(dir.path(), true);
    let after = codes(&fixed);
    assert!(
        after.len() < before.len(),
        "--fix removed problems: before {before:?}, after {after:?}"
    );
    assert!(
        !after.iter().any(|c| c == "MP000"),
        "every fixed file still parses: {fixed:#}"
    );
    for gone in ["MP002", "MP003", "MP010"] {
        assert!(
            !after.iter().any(|c| c == gone),
            "{gone} has a preferred fix everywhere in the examples: {fixed:#}"
        );
    }
    let once = tree_contents(dir.path());
    let again = check_json(dir.path(), true);
    assert_eq!(
        once,
        tree_contents(dir.path()),
        "a second --fix changes nothing"
    );
    assert_eq!(fixed, again);
}

#[test]
fn the_examples_read_with_only_the_settings_a_profile_could_read_give_the_same_findings() {
    let mut files = Vec::new();
    example_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &mut files,
    );
    let mut read = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.to_string_lossy();
        if let Some(format) = mailport::analysis::syntax::detect_format(&name, None, &text) {
            support::assert_kept_settings_suffice(format, &text, &Default::default());
            read += 1;
        }
    }
    assert!(read > 20, "only {read} example files were read");
}

/// A big document is read in chunks, where settings no profile could read are skipped before
/// they are built: the findings are still those of every setting.
#[test]
fn a_big_compose_file_read_with_only_the_settings_a_profile_could_read_gives_the_same_findings() {
    let mut text = String::from("# generated\nversion: '3.8'\nservices:\n");
    for i in 0..120 {
        text.push_str(&format!(
            "  app-{i}:\n    image: registry.example.com/app:{i}\n    environment:\n      - SMTP_HOST=smtp.example.com\n      - SMTP_PORT={port}\n      - SMTP_SECURE={secure}\n      - DB_HOST=db-{i}\n    mail:\n      smtp: {{host: smtp.example.com, port: {port}, secure: {secure}}}\n    database:\n      host: db-{i}.internal\n      port: 5432\n      user: app\n",
            port = [25, 465, 587, 993][i % 4],
            secure = i % 3 == 0,
        ));
    }
    assert!(
        text.lines().count() > 1000,
        "big enough to be read in chunks"
    );
    support::assert_kept_settings_suffice(
        mailport::vocab::Format::Yaml,
        &text,
        &Default::default(),
    );
}
