//! Values that live in another file, in the language server (in process): a compose file that
//! says `SMTP_PORT: ${SMTP_PORT}` and the `.env` that says `SMTP_PORT=587`.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use lsp_client::{position_of, Client};
use serde_json::{json, Value};

const COMPOSE: &str = "services:\n  app:\n    image: example/app\n    environment:\n      SMTP_HOST: smtp.example.com\n      SMTP_PORT: ${SMTP_PORT}\n      SMTP_SECURE: \"true\"\n";

fn has(params: &Value, code: &str) -> bool {
    params["diagnostics"]
        .as_array()
        .is_some_and(|d| d.iter().any(|d| d["code"] == code))
}

fn the<'a>(params: &'a Value, code: &str) -> &'a Value {
    params["diagnostics"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["code"] == code))
        .unwrap_or_else(|| panic!("no {code} in {params}"))
}

struct Project {
    _dir: tempfile::TempDir,
    root: String,
}

impl Project {
    fn new(env: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let root = dir
            .path()
            .canonicalize()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        std::fs::write(dir.path().join("compose.yaml"), COMPOSE).unwrap();
        std::fs::write(dir.path().join(".env"), env).unwrap();
        Project { _dir: dir, root }
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}/{name}", self.root)
    }
}

/// The done-when sequence: compose and .env open, MP003 on the .env line with the compose line
/// related; the .env edited to 465 clears it; go to definition on `${SMTP_PORT}` opens the line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_dot_env_is_reported_there_and_cleared_by_an_edit() {
    let project = Project::new("SMTP_PORT=587\n");
    let (compose, env) = (project.uri("compose.yaml"), project.uri(".env"));
    let (mut client, init) =
        Client::start(false, json!({"debounceMs": 0}), Some(&project.root)).await;
    assert_eq!(init["capabilities"]["definitionProvider"], true);
    client.open(&compose, "yaml", COMPOSE).await;
    client.open(&env, "dotenv", "SMTP_PORT=587\n").await;

    // The compose file may be read before the .env is open (from disk, fixes for no version):
    // once it is open, the finding is placed again with the fixes for its version 1.
    let params = client
        .diagnostics(&env, |p| {
            has(p, "MP003")
                && the(p, "MP003")["data"]
                    .as_str()
                    .is_some_and(|d| d.contains("\"version\":1"))
        })
        .await;
    let mp003 = the(&params, "MP003");
    assert_eq!(
        mp003["range"]["start"],
        json!({"line": 0, "character": 10}),
        "{mp003}"
    );
    assert_eq!(params["version"], 1);
    let related = &mp003["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], compose, "{mp003}");
    assert_eq!(
        related["location"]["range"]["start"],
        json!({"line": 5, "character": 17})
    );
    // Its fix edits the .env (the data belongs to the .env's version).
    let data: Value = serde_json::from_str(mp003["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["version"], 1);
    assert_eq!(data["fixes"][0]["edits"][0], json!([10, 13, "465"]));

    // Go to definition on the reference.
    let at = COMPOSE.find("${SMTP_PORT}").unwrap() + 3;
    let definition = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": compose}, "position": position_of(COMPOSE, at, false)}),
        )
        .await;
    assert_eq!(definition["result"]["uri"], env, "{definition}");
    assert_eq!(
        definition["result"]["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    // The compose file itself has no MP003 (the port is not written there).
    let own = client
        .wait_for("the compose file's diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == compose
        })
        .await;
    assert!(!has(&own["params"], "MP003"), "{own}");

    // 587 → 465 in the .env: the diagnostic goes.
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": env, "version": 2}, "contentChanges": [{
                "range": {"start": {"line": 0, "character": 10}, "end": {"line": 0, "character": 13}},
                "text": "465"}]}),
        )
        .await;
    let params = client
        .diagnostics(&env, |p| p["version"] == 2 && !has(p, "MP003"))
        .await;
    assert_eq!(params["diagnostics"], json!([]), "{params}");
    client.shutdown().await;
}

/// A .env that is not open: its finding is published for it, and a change on disk
/// (`didChangeWatchedFiles`) analyses the compose file again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dot_env_on_disk_is_read_and_watched() {
    let project = Project::new("SMTP_PORT=465\n");
    let (compose, env) = (project.uri("compose.yaml"), project.uri(".env"));
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&project.root)).await;
    let registration = client
        .wait_for("registerCapability", |m| {
            m["method"] == "client/registerCapability"
        })
        .await;
    let globs =
        registration["params"]["registrations"][0]["registerOptions"]["watchers"].to_string();
    assert!(globs.contains("**/.env"), "{globs}");
    client.open(&compose, "yaml", COMPOSE).await;
    client.diagnostics(&compose, |_| true).await;

    std::fs::write(format!("{}/.env", project.root), "SMTP_PORT=587\n").unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": env, "type": 2}]}),
        )
        .await;
    let params = client.diagnostics(&env, |p| has(p, "MP003")).await;
    assert!(
        params["version"].is_null(),
        "not open: no version ({params})"
    );
    assert_eq!(
        the(&params, "MP003")["range"]["start"],
        json!({"line": 0, "character": 10})
    );

    // Closing the compose file takes its findings off the .env.
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": compose}}),
        )
        .await;
    client
        .diagnostics(&env, |p| p["diagnostics"] == json!([]))
        .await;
    client.shutdown().await;
}

/// The reverse split: the port in the compose file, the TLS flag in .env.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_in_dot_env_relates_the_compose_finding_to_it() {
    let project = Project::new("SMTP_SECURE=true\n");
    let compose_text = COMPOSE
        .replace("${SMTP_PORT}", "587")
        .replace("\"true\"", "${SMTP_SECURE}");
    let compose = project.uri("compose.yaml");
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&project.root)).await;
    client.open(&compose, "yaml", &compose_text).await;
    let params = client.diagnostics(&compose, |p| has(p, "MP003")).await;
    let mp003 = the(&params, "MP003");
    assert_eq!(
        mp003["range"]["start"],
        json!({"line": 5, "character": 17}),
        "{mp003}"
    );
    let related = &mp003["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], project.uri(".env"), "{mp003}");
    assert_eq!(related["location"]["range"]["start"]["line"], 0);
    client.shutdown().await;
}

/// A `.env` that does not set the variable yet: adding the line brings the finding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variable_added_to_dot_env_later_is_read() {
    let project = Project::new("APP_NAME=demo\n");
    let (compose, env) = (project.uri("compose.yaml"), project.uri(".env"));
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&project.root)).await;
    client.open(&compose, "yaml", COMPOSE).await;
    client.open(&env, "dotenv", "APP_NAME=demo\n").await;
    client.diagnostics(&env, |p| p["version"] == 1).await;
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": env, "version": 2}, "contentChanges": [{
                "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}},
                "text": "SMTP_PORT=587\n"}]}),
        )
        .await;
    let params = client
        .diagnostics(&env, |p| p["version"] == 2 && has(p, "MP003"))
        .await;
    assert_eq!(
        the(&params, "MP003")["range"]["start"],
        json!({"line": 1, "character": 10})
    );
    client.shutdown().await;
}

/// Django settings read the project's `.env` one level up: the finding on its line is published
/// for it although it is not open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_settings_place_their_finding_on_the_project_dot_env() {
    let project = Project::new("EMAIL_PORT=587\n");
    let settings = "import environ\nenv = environ.Env()\nEMAIL_HOST = env(\"EMAIL_HOST\", default=\"smtp.example.com\")\nEMAIL_PORT = env.int(\"EMAIL_PORT\", default=465)\nEMAIL_USE_SSL = True\n";
    std::fs::create_dir(format!("{}/site", project.root)).unwrap();
    let uri = project.uri("site/settings.py");
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&project.root)).await;
    client.open(&uri, "python", settings).await;
    let params = client
        .diagnostics(&project.uri(".env"), |p| has(p, "MP003"))
        .await;
    assert_eq!(
        the(&params, "MP003")["range"]["start"],
        json!({"line": 0, "character": 11})
    );
    let own = client
        .wait_for("the settings' diagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        })
        .await;
    assert!(!has(&own["params"], "MP003"), "{own}");
    client.shutdown().await;
}
