//! `mailport check` end to end: the real binary on temporary folders, checked against the contract
//! in `docs/output.md` (JSON shape, positions, order, exit codes, walking, `--fix`, SARIF).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use expect_test::expect;
use serde_json::Value;

const MAILPORT: &str = env!("CARGO_BIN_EXE_mailport");

/// Laravel 11: `MAIL_SCHEME=smtps` asks for implicit TLS, but 587 starts in plaintext (MP003 on
/// the port, line 4, columns 11–14).
const LARAVEL_SMTPS_ON_587: &str = "\
MAIL_MAILER=smtp
MAIL_SCHEME=smtps
MAIL_HOST=smtp.example.com
MAIL_PORT=587
MAIL_USERNAME=app@example.com
MAIL_PASSWORD=change-me
";

/// Laravel 11 on 465 with smtps: what the fix above should lead to. Nothing to say.
const LARAVEL_CLEAN: &str = "\
MAIL_MAILER=smtp
MAIL_SCHEME=smtps
MAIL_HOST=smtp.example.com
MAIL_PORT=465
MAIL_USERNAME=app@example.com
MAIL_PASSWORD=change-me
";

/// Laravel 11, `smtp://` on 587 with a password: STARTTLS only if offered (MP005, a warning).
const LARAVEL_OPPORTUNISTIC: &str = "\
MAIL_MAILER=smtp
MAIL_SCHEME=smtp
MAIL_HOST=smtp.example.com
MAIL_PORT=587
MAIL_USERNAME=app@example.com
MAIL_PASSWORD=change-me
";

/// Implicit TLS on a port nobody documents for an unknown host: only the MP011 hint.
const LARAVEL_ODD_PORT: &str = "\
MAIL_MAILER=smtp
MAIL_SCHEME=smtps
MAIL_HOST=mail.example.net
MAIL_PORT=4465
MAIL_USERNAME=app@example.com
MAIL_PASSWORD=change-me
";

/// Ghost: nodemailer options on one line, with non-ASCII text before the port.
const GHOST_ONE_LINE: &str = r#"{"mail": {"transport": "SMTP", "from": "Zoë's Café ☕ <noreply@example.com>", "options": {"host": "smtp.example.com", "port": 587, "secure": true, "auth": {"user": "noreply@example.com", "pass": "change-me"}}}}
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = Command::new(MAILPORT);
    command
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start mailport");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("run mailport");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folder");
    }
    std::fs::write(path, text).expect("write file");
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

/// `(path, line, column, code)` of every diagnostic.
fn located(report: &Value) -> Vec<(String, u64, u64, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
                d["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn codes(report: &Value) -> Vec<String> {
    located(report).into_iter().map(|l| l.3).collect()
}

fn paths(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = located(report).into_iter().map(|l| l.0).collect();
    out.dedup();
    out
}

#[test]
fn json_report_has_the_documented_shape() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "deploy/.env", LARAVEL_SMTPS_ON_587);
    let run = run_in(dir.path(), &["--format", "json", "deploy"], None);
    assert_eq!(run.code, 1, "an error means exit 1; stderr: {}", run.stderr);
    let report = json(&run);
    assert_eq!(report["version"], 1);
    assert_eq!(report["files_checked"], 1);
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let d = &diagnostics[0];
    assert_eq!(d["path"], "deploy/.env", "the path as given, joined");
    assert_eq!(
        (&d["line"], &d["column"], &d["end_line"], &d["end_column"]),
        (
            &Value::from(4),
            &Value::from(11),
            &Value::from(4),
            &Value::from(14)
        )
    );
    assert_eq!(d["code"], "MP003");
    assert_eq!(d["rule"], "tls-mode-mismatch");
    assert_eq!(d["severity"], "error");
    assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(d["endpoint"]["protocol"], "smtp");
    assert_eq!(d["endpoint"]["host"], "smtp.example.com");
    assert_eq!(d["endpoint"]["port"], 587);
    assert_eq!(d["endpoint"]["security"], "implicit-tls");
    let fixes = d["fixes"].as_array().expect("fixes");
    assert!(
        fixes.iter().filter(|f| f["preferred"] == true).count() == 1,
        "exactly one preferred fix: {fixes:#?}"
    );
    for fix in fixes {
        assert!(fix["title"].as_str().is_some_and(|t| !t.is_empty()));
        for edit in fix["edits"].as_array().expect("edits") {
            assert_eq!(edit["path"], "deploy/.env");
            for key in ["line", "column", "end_line", "end_column"] {
                assert!(
                    edit[key].as_u64().is_some_and(|n| n >= 1),
                    "{key} in {edit}"
                );
            }
            assert!(edit["new_text"].is_string());
        }
    }
    assert_eq!(
        report["summary"],
        serde_json::json!({"error": 1, "warning": 0, "info": 0, "hint": 0})
    );
}

#[test]
fn json_snapshot_of_a_small_project() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "deploy/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "ok/.env", LARAVEL_CLEAN);
    let run = run_in(dir.path(), &["--format", "json"], None);
    expect![[r#"
        {
          "version": 1,
          "files_checked": 2,
          "diagnostics": [
            {
              "path": "deploy/.env",
              "line": 4,
              "column": 11,
              "end_line": 4,
              "end_column": 14,
              "code": "MP003",
              "rule": "tls-mode-mismatch",
              "severity": "error",
              "message": "port 587 expects a plaintext greeting and STARTTLS, but MAIL_SCHEME=smtps starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.",
              "endpoint": {
                "protocol": "smtp",
                "host": "smtp.example.com",
                "port": 587,
                "security": "implicit-tls",
                "profile": "laravel"
              },
              "fixes": [
                {
                  "title": "Use port 465 (implicit TLS)",
                  "preferred": true,
                  "edits": [
                    {
                      "path": "deploy/.env",
                      "line": 4,
                      "column": 11,
                      "end_line": 4,
                      "end_column": 14,
                      "new_text": "465"
                    }
                  ]
                }
              ]
            }
          ],
          "summary": {
            "error": 1,
            "warning": 0,
            "info": 0,
            "hint": 0
          }
        }
    "#]]
    .assert_eq(&run.stdout);
}

#[test]
fn human_snapshot_of_a_small_project() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "deploy/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "ok/.env", LARAVEL_CLEAN);
    let run = run_in(dir.path(), &[], None);
    assert!(
        !run.stdout.contains('\x1b'),
        "no colours when stdout is not a terminal"
    );
    expect![[r#"
        deploy/.env:4:11: error[MP003] port 587 expects a plaintext greeting and STARTTLS, but MAIL_SCHEME=smtps starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
         4 | MAIL_PORT=587
           |           ^^^
           = help: Use port 465 (implicit TLS)

        Checked 2 files: 1 error.
    "#]]
    .assert_eq(&run.stdout);
}

#[test]
fn diagnostics_are_sorted_by_path_line_column_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Created in an order that is neither alphabetical nor the walk's.
    write(dir.path(), "zeta/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "alpha/.env", LARAVEL_OPPORTUNISTIC);
    write(dir.path(), "mid/config.production.json", GHOST_ONE_LINE);
    write(dir.path(), "alpha/b/.env", LARAVEL_SMTPS_ON_587);
    let run = run_in(dir.path(), &["--format", "json", "zeta", "."], None);
    let report = json(&run);
    let found = located(&report);
    assert!(found.len() >= 4, "{report:#}");
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(found, sorted, "sorted by path, line, column, code");
    // The same file named twice (zeta, and inside .) is checked once.
    assert_eq!(report["files_checked"], 4, "{report:#}");
    // Deterministic: a second run prints exactly the same bytes.
    let again = run_in(dir.path(), &["--format", "json", "zeta", "."], None);
    assert_eq!(run.stdout, again.stdout);
}

#[test]
fn columns_count_characters_not_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "config.production.json", GHOST_ONE_LINE);
    let run = run_in(
        dir.path(),
        &["--format", "json", "config.production.json"],
        None,
    );
    let report = json(&run);
    let byte = GHOST_ONE_LINE.find("587").expect("port in fixture");
    let column = GHOST_ONE_LINE[..byte].chars().count() as u64 + 1;
    assert_ne!(
        column,
        byte as u64 + 1,
        "the fixture has multi-byte text before the port"
    );
    let mp003 = report["diagnostics"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["code"] == "MP003"))
        .unwrap_or_else(|| panic!("MP003 expected: {report:#}"));
    assert_eq!(mp003["line"], 1);
    assert_eq!(mp003["column"], column);
    assert_eq!(mp003["end_column"], column + 3, "end is exclusive");
}

#[test]
fn exit_status_follows_fail_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "error/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "warning/.env", LARAVEL_OPPORTUNISTIC);
    write(dir.path(), "hint/.env", LARAVEL_ODD_PORT);
    write(dir.path(), "clean/.env", LARAVEL_CLEAN);

    let worst = |folder: &str| {
        let run = run_in(dir.path(), &["--format", "json", folder], None);
        let report = json(&run);
        (run.code, codes(&report))
    };
    assert_eq!(worst("clean"), (0, vec![]));
    assert_eq!(worst("error"), (1, vec!["MP003".to_string()]));
    assert_eq!(worst("warning"), (1, vec!["MP005".to_string()]));
    assert_eq!(
        worst("hint"),
        (0, vec!["MP011".to_string()]),
        "a hint is below the default --fail-on warning"
    );

    let code = |args: &[&str]| run_in(dir.path(), args, None).code;
    assert_eq!(code(&["--fail-on", "error", "warning"]), 0);
    assert_eq!(code(&["--fail-on", "error", "error"]), 1);
    assert_eq!(code(&["--fail-on", "hint", "hint"]), 1);
    assert_eq!(code(&["--fail-on", "info", "hint"]), 0);
    assert_eq!(code(&["--fail-on", "never", "error"]), 0);
}

#[test]
fn exit_status_2_when_the_command_cannot_do_its_job() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), ".env", LARAVEL_CLEAN);

    let missing = run_in(dir.path(), &["no-such-folder"], None);
    assert_eq!(missing.code, 2);
    assert_eq!(
        missing.stderr.lines().count(),
        1,
        "one line: {}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("no-such-folder"),
        "{}",
        missing.stderr
    );
    assert!(missing.stdout.is_empty());

    let bad_argument = run_in(dir.path(), &["--format", "xml"], None);
    assert_eq!(bad_argument.code, 2);

    let filename_without_stdin = run_in(dir.path(), &["--stdin-filename", ".env"], None);
    assert_eq!(filename_without_stdin.code, 2);
}

#[test]
fn configuration_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app/.env", LARAVEL_SMTPS_ON_587);
    write(
        dir.path(),
        "broken.toml",
        "prefer = \"implicit-tls\"\n[rules\nMP003 = \"off\"\n",
    );
    write(
        dir.path(),
        "unknown-rule.toml",
        "[rules]\nMP999 = \"off\"\n",
    );

    for config in ["broken.toml", "unknown-rule.toml", "missing.toml"] {
        let run = run_in(dir.path(), &["--config", config, "app"], None);
        assert_eq!(run.code, 2, "{config}: {}", run.stderr);
        assert_eq!(
            run.stderr.trim_end().lines().count(),
            1,
            "{config}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(config), "{config}: {}", run.stderr);
    }

    // The nearest .mailport.toml from the current folder up is used when --config is absent.
    write(dir.path(), ".mailport.toml", "[rules]\nMP003 = \"bogus\"\n");
    let inner = dir.path().join("app");
    let run = run_in(&inner, &[], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".mailport.toml"), "{}", run.stderr);

    // A valid one applies: with MP003 off, the file is clean.
    write(dir.path(), ".mailport.toml", "[rules]\nMP003 = \"off\"\n");
    let run = run_in(&inner, &["--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(codes(&json(&run)), Vec::<String>::new());
}

#[test]
fn stdin_is_checked_under_its_given_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_in(
        dir.path(),
        &[
            "--stdin",
            "--stdin-filename",
            "deploy/.env",
            "--format",
            "json",
        ],
        Some(LARAVEL_SMTPS_ON_587),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["files_checked"], 1);
    assert_eq!(
        located(&report),
        vec![("deploy/.env".to_string(), 4, 11, "MP003".to_string())]
    );

    // --stdin --fix: the fixed document on stdout, nothing written anywhere.
    let fixed = run_in(
        dir.path(),
        &[
            "--stdin",
            "--stdin-filename",
            ".env",
            "--fix",
            "--format",
            "json",
        ],
        Some(LARAVEL_SMTPS_ON_587),
    );
    assert_ne!(fixed.stdout, LARAVEL_SMTPS_ON_587, "a fix was applied");
    assert!(
        fixed.stdout.starts_with("MAIL_MAILER=smtp\n"),
        "{}",
        fixed.stdout
    );
    let recheck = run_in(
        dir.path(),
        &["--stdin", "--stdin-filename", ".env", "--format", "json"],
        Some(&fixed.stdout),
    );
    assert_eq!(
        codes(&json(&recheck)),
        Vec::<String>::new(),
        "{}",
        fixed.stdout
    );
    assert_eq!(recheck.code, 0);
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(99),
        0
    );
}

#[test]
fn unreadable_files_are_skipped_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "good/.env", LARAVEL_SMTPS_ON_587);
    std::fs::create_dir_all(dir.path().join("latin1")).expect("folder");
    // Not text in any encoding (NUL bytes): no `.env` to read.
    std::fs::write(
        dir.path().join("latin1/.env"),
        b"MAIL_HOST=smtp.example.com\nMAIL_FROM_NAME=Caf\x00\xe9\nMAIL_PORT=587\n",
    )
    .expect("write a binary file");
    let huge = format!("{}\n", "#".repeat(11 * 1024 * 1024));
    write(dir.path(), "huge/.env", &huge);
    // Not a mail config: skipped without a word even though it is not UTF-8.
    std::fs::write(dir.path().join("logo.png"), b"\x89PNG\r\n\x1a\n\xff\xfe").expect("png");

    let run = run_in(dir.path(), &["--format", "json"], None);
    assert_eq!(
        run.code, 1,
        "the readable file still decides: {}",
        run.stderr
    );
    let report = json(&run);
    assert_eq!(report["files_checked"], 1, "{report:#}");
    assert_eq!(paths(&report), vec!["good/.env".to_string()]);
    assert!(run.stderr.contains("latin1/.env"), "{}", run.stderr);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
    assert!(run.stderr.contains("huge/.env"), "{}", run.stderr);
    assert!(!run.stderr.contains("logo.png"), "{}", run.stderr);

    // Named explicitly, an unreadable file is the user's business: exit 2, after checking the rest.
    let named = run_in(
        dir.path(),
        &["--format", "json", "good", "latin1/.env"],
        None,
    );
    assert_eq!(named.code, 2, "{}", named.stderr);
    assert_eq!(json(&named)["files_checked"], 1);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("good/.env");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        // root reads anything: the permission case only means something for other users.
        if std::fs::read(&locked).is_err() {
            let run = run_in(dir.path(), &["--format", "json", "good"], None);
            assert_eq!(run.code, 0, "{}", run.stderr);
            assert!(run.stderr.contains("good/.env"), "{}", run.stderr);
            assert_eq!(json(&run)["files_checked"], 0);
        }
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
}

#[test]
fn a_named_file_of_unknown_format_is_noted_not_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "notes.txt",
        "Remember to renew the certificate.\n",
    );
    let run = run_in(dir.path(), &["--format", "json", "notes.txt"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert_eq!(json(&run)["files_checked"], 0);
}

#[test]
fn gitignore_is_honoured() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), ".gitignore", "generated/\n*.local.env\n");
    write(dir.path(), "generated/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "site/prod.local.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "site/.env", LARAVEL_SMTPS_ON_587);
    let run = run_in(dir.path(), &["--format", "json"], None);
    let report = json(&run);
    assert_eq!(paths(&report), vec!["site/.env".to_string()], "{report:#}");
    assert_eq!(report["files_checked"], 1);

    // A file named explicitly is read even when ignored.
    let named = run_in(dir.path(), &["--format", "json", "generated/.env"], None);
    assert_eq!(paths(&json(&named)), vec!["generated/.env".to_string()]);
}

#[test]
fn hidden_mail_configs_are_read_and_hidden_folders_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), ".env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), ".env.production", LARAVEL_SMTPS_ON_587);
    write(dir.path(), ".cache/app/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), ".git/hooks/.env", LARAVEL_SMTPS_ON_587);
    write(
        dir.path(),
        ".github/workflows/notify.yml",
        "\
name: Notify
on: push
jobs:
  mail:
    runs-on: ubuntu-latest
    steps:
      - uses: dawidd6/action-send-mail@v3
        with:
          server_address: smtp.example.com
          server_port: 587
          secure: true
          username: ${{ secrets.MAIL_USERNAME }}
          password: ${{ secrets.MAIL_PASSWORD }}
          subject: Build finished
          to: ops@example.com
          from: CI
          body: ok
",
    );
    // Claws Mail keeps its accounts in a hidden folder of its own.
    write(
        dir.path(),
        ".claws-mail/accountrc",
        "[Account: 1]\nprotocol=1\nreceive_server=imap.example.com\nuser_id=me\nset_imapport=1\nimap_port=993\nssl_imap=2\n",
    );
    let run = run_in(dir.path(), &["--format", "json"], None);
    let report = json(&run);
    assert_eq!(
        paths(&report),
        vec![
            ".claws-mail/accountrc".to_string(),
            ".env".to_string(),
            ".env.production".to_string(),
            ".github/workflows/notify.yml".to_string()
        ],
        "{report:#}"
    );
}

#[test]
fn fix_rewrites_files_atomically_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "deploy/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "deploy/config.production.json", GHOST_ONE_LINE);
    write(dir.path(), "clean/.env", LARAVEL_CLEAN);
    let env_path = dir.path().join("deploy/.env");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&env_path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    let clean_before = std::fs::metadata(dir.path().join("clean/.env"))
        .and_then(|m| m.modified())
        .expect("mtime");

    let first = run_in(dir.path(), &["--fix", "--format", "json"], None);
    let report = json(&first);
    assert!(
        !codes(&report).contains(&"MP003".to_string()),
        "the preferred fixes removed every MP003: {report:#}"
    );
    assert_eq!(
        first.code, 0,
        "nothing at warning or above remains: {report:#}"
    );
    let fixed_env = std::fs::read_to_string(&env_path).expect("read fixed file");
    assert_ne!(fixed_env, LARAVEL_SMTPS_ON_587);
    assert_eq!(
        fixed_env.lines().count(),
        LARAVEL_SMTPS_ON_587.lines().count(),
        "only values change: {fixed_env}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env_path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "permissions are kept");
    }
    let leftovers: Vec<String> = std::fs::read_dir(dir.path().join("deploy"))
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".env" && name != "config.production.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );
    let clean_after = std::fs::metadata(dir.path().join("clean/.env"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(clean_before, clean_after, "a clean file is not rewritten");

    let snapshot = |p: &str| std::fs::read(dir.path().join(p)).expect("read");
    let before = (
        snapshot("deploy/.env"),
        snapshot("deploy/config.production.json"),
    );
    let second = run_in(dir.path(), &["--fix", "--format", "json"], None);
    let after = (
        snapshot("deploy/.env"),
        snapshot("deploy/config.production.json"),
    );
    assert_eq!(before, after, "a second --fix changes nothing");
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "deploy/.env", LARAVEL_SMTPS_ON_587);
    write(dir.path(), "warning/.env", LARAVEL_OPPORTUNISTIC);
    write(dir.path(), "hint/.env", LARAVEL_ODD_PORT);
    write(dir.path(), "my app/config.production.json", GHOST_ONE_LINE);
    let run = run_in(dir.path(), &["--format", "sarif"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");

    assert_eq!(log["version"], "2.1.0");
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "mailport");
    assert!(driver["informationUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for code in ["MP000", "MP001", "MP003", "MP007", "MP011"] {
        assert!(ids.contains(&code), "{code} in rules: {ids:?}");
    }
    for rule in rules {
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let page = format!("/docs/rules/{}.md", rule["id"].as_str().unwrap_or_default());
        assert!(
            rule["helpUri"].as_str().is_some_and(|u| u.ends_with(&page)),
            "{rule}"
        );
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() >= 4, "{results:#?}");
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        assert!(location["region"]["startLine"]
            .as_u64()
            .is_some_and(|l| l >= 1));
    }
    assert!(
        results.iter().any(|r| r["level"] == "note"),
        "hints are SARIF notes"
    );
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "my%20app/config.production.json"
    ));
    let with_fix = results
        .iter()
        .find(|r| r["ruleId"] == "MP003" && r["fixes"].is_array())
        .expect("an MP003 with fixes");
    let replacement = &with_fix["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert!(replacement["deletedRegion"]["startLine"].is_u64());
    assert!(replacement["insertedContent"]["text"].is_string());

    validate_against_schema(&run.stdout);
}

#[test]
fn sarif_without_results_is_valid_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app/.env", LARAVEL_CLEAN);
    let run = run_in(dir.path(), &["--format", "sarif"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert!(log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .is_some_and(|rules| rules.len() >= 12));
    validate_against_schema(&run.stdout);
}

/// Validates a SARIF log against the vendored official schema with Python's `jsonschema`.
/// Skipped (with a note) only outside CI when the package is missing; in CI it must be there
/// (`tests/ci/cli.sh` installs it).
fn validate_against_schema(sarif: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
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
            "CI=true but python3 cannot import jsonschema: run tests/ci/cli.sh (pip install jsonschema)"
        );
        eprintln!("note: python3 jsonschema missing; SARIF schema validation skipped");
        return;
    }
    let script = "\
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding='utf-8'))
log = json.load(sys.stdin)
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for e in errors[:20]:
    print('/'.join(str(p) for p in e.path), e.message)
sys.exit(1 if errors else 0)
";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sarif.as_bytes())
        .expect("write SARIF");
    let out = child.wait_with_output().expect("python3");
    assert!(
        out.status.success(),
        "SARIF does not validate against the 2.1.0 schema:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sarif_schema_validation_catches_a_broken_log() {
    // The validator must be able to fail: a result without a message is not SARIF.
    let importable = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        return; // sarif_is_valid_sarif_2_1_0 already insists on jsonschema in CI
    }
    let broken = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "MP003"}]}]}"#;
    let outcome = std::panic::catch_unwind(|| validate_against_schema(broken));
    assert!(
        outcome.is_err(),
        "a result without a message must be rejected"
    );
}

/// A repository can hold a FIFO or a symlink to /dev/zero where a config file is expected: they
/// are skipped (with a note when named), never read, and the check ends.
#[cfg(unix)]
#[test]
fn fifos_and_devices_are_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app/.env", LARAVEL_SMTPS_ON_587);
    std::fs::create_dir_all(dir.path().join("fifo")).unwrap();
    std::fs::create_dir_all(dir.path().join("zero")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.path().join("fifo/.env"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero/.env")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".mailport.toml")).unwrap();
    // bounded: a read of the FIFO or of /dev/zero would never end
    let bounded = |args: &'static [&'static str]| {
        let path = dir.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(run_in(&path, args, None));
        });
        rx.recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("mailport check {args:?} did not end"))
    };
    let walked = bounded(&["."]);
    assert_eq!(walked.code, 1, "{}", walked.stderr);
    assert!(walked.stdout.contains("MP003"), "{}", walked.stdout);
    let named = bounded(&["fifo/.env", "zero/.env"]);
    assert_eq!(named.code, 2);
    assert!(
        named
            .stderr
            .contains("skipped fifo/.env: not a regular file")
            && named
                .stderr
                .contains("skipped zero/.env: not a regular file"),
        "{}",
        named.stderr
    );
    let config = bounded(&["--config", ".mailport.toml", "app"]);
    assert_eq!(config.code, 2);
    assert!(
        config.stderr.contains("not a regular file"),
        "{}",
        config.stderr
    );
}

/// A settings file in another encoding (GBK comments, as Chinese projects write them) is read
/// byte for byte: its ASCII settings are checked, and `--fix` leaves every other byte as it was.
#[test]
fn a_file_in_another_encoding_is_checked_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original: &[u8] = b"# coding=gbk\n# \xc5\xe4\xd6\xc3Flask_Mail\napp.config['MAIL_SERVER'] = 'smtp.example.com'\napp.config['MAIL_PORT'] = 587\napp.config['MAIL_USERNAME'] = 'app'\napp.config['MAIL_PASSWORD'] = 'secret'\napp.config['MAIL_USE_SSL'] = True\n";
    let path = dir.path().join("mail_test.py");
    std::fs::write(&path, original).expect("write file");
    let run = run_in(dir.path(), &["--format", "json"], None);
    assert!(!run.stderr.contains("not UTF-8"), "{}", run.stderr);
    assert_eq!(codes(&json(&run)), ["MP003"], "{}", run.stdout);
    let fixed = run_in(dir.path(), &["--fix", "--format", "json"], None);
    assert!(codes(&json(&fixed)).is_empty(), "{}", fixed.stdout);
    let bytes = std::fs::read(&path).expect("read fixed file");
    assert!(
        bytes.starts_with(b"# coding=gbk\n# \xc5\xe4\xd6\xc3Flask_Mail\n"),
        "the comment keeps its GBK bytes: {bytes:?}"
    );
}

/// Java reads `.properties` as ISO-8859-1: such a file is checked, not skipped as "not UTF-8", and
/// `--fix` writes it back in ISO-8859-1 with every other byte as it was.
#[test]
fn latin1_properties_are_checked_and_fixed_in_latin1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original: &[u8] = b"# Mailversand f\xfcr die \xc4nderungen\nspring.mail.host=smtp.example.com\nspring.mail.port=587\nspring.mail.username=app\nspring.mail.password=secret\nspring.mail.properties.mail.smtp.auth=true\nspring.mail.properties.mail.smtp.starttls.enable=true\n";
    let path = dir.path().join("application.properties");
    std::fs::write(&path, original).expect("write file");
    let run = run_in(dir.path(), &["--format", "json"], None);
    assert!(!run.stderr.contains("not UTF-8"), "{}", run.stderr);
    assert_eq!(codes(&json(&run)), ["MP005"], "{}", run.stdout);
    let fixed = run_in(dir.path(), &["--fix", "--format", "json"], None);
    assert!(codes(&json(&fixed)).is_empty(), "{}", fixed.stdout);
    let bytes = std::fs::read(&path).expect("read fixed file");
    assert!(
        bytes.starts_with(b"# Mailversand f\xfcr die \xc4nderungen\n"),
        "the comment keeps its ISO-8859-1 bytes: {bytes:?}"
    );
    assert!(String::from_utf8(bytes.clone()).is_err());
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    assert!(text.contains("spring.mail.port=465"), "{text}");
}
