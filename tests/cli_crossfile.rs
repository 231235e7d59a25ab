//! `mailport check` on values that live in another file: a compose file whose port is in `.env`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const MAILPORT: &str = env!("CARGO_BIN_EXE_mailport");

const COMPOSE: &str = "services:\n  app:\n    image: example/app\n    environment:\n      SMTP_HOST: smtp.example.com\n      SMTP_PORT: ${SMTP_PORT}\n      SMTP_SECURE: \"true\"\n";

fn check(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(MAILPORT)
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run mailport");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), report, stderr)
}

/// `(path, line, column, code)` of each diagnostic.
fn located(report: &Value) -> Vec<(String, u64, u64, String)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
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

fn project(env: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("app")).expect("folder");
    std::fs::write(dir.path().join("app/compose.yaml"), COMPOSE).expect("compose");
    std::fs::write(dir.path().join("app/.env"), env).expect(".env");
    dir
}

#[test]
fn the_finding_is_reported_under_the_dot_env_once() {
    // The .env also holds the TLS flag: its own analysis finds MP003 on the same line.
    for env in [
        "# mail\nSMTP_PORT=587\n",
        "# mail\nSMTP_PORT=587\nSMTP_SECURE=true\n",
    ] {
        let dir = project(env);
        // The whole folder (both files checked) and the compose file alone.
        // (The walk shows paths under `.` as `./…`.)
        for (args, shown) in [(".", "./app/.env"), ("app/compose.yaml", "app/.env")] {
            let (code, report, stderr) = check(dir.path(), &[args]);
            assert_eq!(code, 1, "{args:?}: {stderr}");
            assert_eq!(
                located(&report),
                [(shown.to_string(), 2, 11, "MP003".to_string())],
                "{args:?} with {env:?}: {report:#}"
            );
            assert_eq!(
                report["diagnostics"][0]["fixes"][0]["edits"][0]["path"],
                shown
            );
            assert_eq!(report["files_checked"], 2);
        }
    }
    // 465 in the .env: nothing to say.
    let dir = project("SMTP_PORT=465\n");
    let (code, report, _) = check(dir.path(), &["."]);
    assert_eq!((code, located(&report)), (0, Vec::new()));
    // Without a .env the reference stays unknown: nothing either.
    std::fs::remove_file(dir.path().join("app/.env")).expect("remove");
    let (code, report, _) = check(dir.path(), &["app/compose.yaml"]);
    assert_eq!((code, located(&report)), (0, Vec::new()));
}

#[test]
fn fix_writes_the_dot_env_and_leaves_the_reference() {
    let dir = project("# mail\nSMTP_PORT=587\n");
    let (_, report, stderr) = check(dir.path(), &["--fix", "app/compose.yaml"]);
    assert_eq!(located(&report), Vec::new(), "{stderr}");
    assert!(stderr.contains("applied 1 fix in 1 file"), "{stderr}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("read");
    assert_eq!(read("app/.env"), "# mail\nSMTP_PORT=465\n");
    assert_eq!(read("app/compose.yaml"), COMPOSE);
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("app"))
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    let (code, _, _) = check(dir.path(), &["."]);
    assert_eq!(code, 0);
}

/// `mailport check ARGS` in `dir`: (stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(MAILPORT)
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mailport");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn human_and_sarif_name_the_compose_line_that_reads_the_value() {
    let dir = project("# mail\nSMTP_PORT=587\n");
    let (human, stderr) = run(dir.path(), &["app/compose.yaml"]);
    assert!(
        human.contains("= note: SMTP_PORT is read here (app/compose.yaml:6:18)"),
        "{human}{stderr}"
    );
    let (sarif, stderr) = run(dir.path(), &["--format", "sarif", "app/compose.yaml"]);
    let log: Value = serde_json::from_str(&sarif).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let related = &log["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "app/compose.yaml"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 6);
    validate_sarif(&sarif);
}

/// The log against the official SARIF 2.1.0 schema (Python's jsonschema, as tests/cli.rs does;
/// skipped with a note where it is missing, outside CI).
fn validate_sarif(sarif: &str) {
    use std::io::Write;
    use std::process::Stdio;
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let script = "\
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit(3)
schema = json.load(open(sys.argv[1], encoding='utf-8'))
errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(sys.stdin)))
for e in errors[:20]:
    print('/'.join(str(p) for p in e.path), e.message)
sys.exit(1 if errors else 0)
";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sarif.as_bytes())
        .expect("write SARIF");
    let out = child.wait_with_output().expect("python3");
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if out.status.code() == Some(3) && !in_ci {
        eprintln!("note: python3 jsonschema missing; SARIF schema validation skipped");
        return;
    }
    assert!(
        out.status.success(),
        "SARIF does not validate:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn django_settings_read_the_project_dot_env_one_level_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("site/site")).expect("folders");
    std::fs::write(
        dir.path().join("site/site/settings.py"),
        "import environ\nenv = environ.Env()\nEMAIL_HOST = env(\"EMAIL_HOST\", default=\"smtp.example.com\")\nEMAIL_PORT = env.int(\"EMAIL_PORT\", default=465)\nEMAIL_USE_SSL = True\n",
    )
    .expect("settings");
    std::fs::write(dir.path().join("site/.env"), "EMAIL_PORT=587\n").expect(".env");
    let (code, report, stderr) = check(dir.path(), &["site/site/settings.py"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        located(&report),
        [("site/.env".to_string(), 1, 12, "MP003".to_string())],
        "{report:#}"
    );
    // The whole project: the same finding, once.
    let (_, report, _) = check(dir.path(), &["."]);
    assert_eq!(
        located(&report),
        [("./site/.env".to_string(), 1, 12, "MP003".to_string())],
        "{report:#}"
    );
}

#[test]
fn a_spring_profile_file_is_checked_over_application_yml() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("application.yml"),
        "spring:\n  mail:\n    host: smtp.example.com\n    port: 587\n    username: app\n",
    )
    .expect("base");
    std::fs::write(
        dir.path().join("application-prod.yml"),
        "spring:\n  mail:\n    properties:\n      mail.smtp.ssl.enable: true\n",
    )
    .expect("profile");
    let (code, report, stderr) = check(dir.path(), &["."]);
    assert_eq!(code, 1, "{stderr}");
    // Read over the base, the profile's implicit TLS on 587 is MP003; the base alone (run with
    // no profile) has Jakarta Mail's default, no TLS at all (MP004).
    assert_eq!(
        located(&report),
        [
            ("./application.yml".to_string(), 4, 11, "MP003".to_string()),
            ("./application.yml".to_string(), 4, 11, "MP004".to_string()),
        ],
        "{report:#}"
    );
}
