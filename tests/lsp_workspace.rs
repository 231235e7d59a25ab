//! The workspace scan (`src/lsp/workspace.rs`): a mail config that is never opened gets its
//! diagnostics, published or pulled as the client can take them, and a change on disk announced
//! with `workspace/didChangeWatchedFiles` updates them.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use serde_json::{json, Value};

use lsp_client::{capabilities, Client};

/// Implicit TLS on the STARTTLS port: MP003.
const BAD_ENV: &str = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";
const GOOD_ENV: &str = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\n";

fn codes(diagnostics: &Value) -> Vec<String> {
    diagnostics
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|d| d["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A workspace folder with a bad `.env`, a clean YAML file and an ignored bad copy.
fn workspace() -> (tempfile::TempDir, String) {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".env"), BAD_ENV).unwrap();
    std::fs::write(root.path().join("app.yml"), "name: app\nreplicas: 2\n").unwrap();
    std::fs::create_dir(root.path().join("build")).unwrap();
    std::fs::write(root.path().join("build/.env"), BAD_ENV).unwrap();
    std::fs::write(root.path().join(".gitignore"), "build/\n").unwrap();
    let path = root.path().to_str().unwrap().to_string();
    (root, path)
}

async fn changed_on_disk(client: &Client, uri: &str) {
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri, "type": 2}]}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unopened_bad_env_is_published_and_follows_the_disk() {
    let (root, root_path) = workspace();
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&root_path)).await;
    let uri = format!("file://{root_path}/.env");
    let params = client
        .diagnostics(&uri, |p| !codes(&p["diagnostics"]).is_empty())
        .await;
    assert_eq!(codes(&params["diagnostics"]), ["MP003"], "{params}");
    // The scan showed its progress.
    client
        .wait_for("progress end", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        })
        .await;

    // Fixed on disk: the diagnostic goes.
    std::fs::write(root.path().join(".env"), GOOD_ENV).unwrap();
    changed_on_disk(&client, &uri).await;
    let params = client
        .diagnostics(&uri, |p| codes(&p["diagnostics"]).is_empty())
        .await;
    assert_eq!(params["diagnostics"], json!([]));

    // Broken again, then opened with good text: the open document wins; closed, the disk counts.
    std::fs::write(root.path().join(".env"), BAD_ENV).unwrap();
    changed_on_disk(&client, &uri).await;
    client
        .diagnostics(&uri, |p| codes(&p["diagnostics"]) == ["MP003"])
        .await;
    client.open(&uri, "dotenv", GOOD_ENV).await;
    let params = client.diagnostics(&uri, |p| p["version"] == 1).await;
    assert!(codes(&params["diagnostics"]).is_empty(), "{params}");
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    client
        .diagnostics(&uri, |p| codes(&p["diagnostics"]) == ["MP003"])
        .await;
    // Deleted: the diagnostic goes.
    std::fs::remove_file(root.path().join(".env")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri, "type": 3}]}),
        )
        .await;
    client
        .diagnostics(&uri, |p| codes(&p["diagnostics"]).is_empty())
        .await;
    // Nothing the walk of `mailport check` leaves out was read (all the scan's publishes came
    // before the ones above).
    let ignored = format!("file://{root_path}/build/.env");
    assert!(
        !client
            .seen
            .iter()
            .any(|m| m["params"]["uri"] == ignored.as_str()),
        "a .gitignored file was reported"
    );
    client.shutdown().await;
}

/// An editor opens its documents right after `initialized`: the scan, which starts a moment
/// later, leaves them to the editor's text (never publishing the disk's beside it) and the disk
/// counts again once the document is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_open_when_the_scan_runs_is_left_to_the_editor_until_closed() {
    let (_root, root_path) = workspace();
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&root_path)).await;
    let uri = format!("file://{root_path}/.env");
    client.open(&uri, "dotenv", GOOD_ENV).await;
    let params = client.diagnostics(&uri, |p| p["version"] == 1).await;
    assert!(codes(&params["diagnostics"]).is_empty(), "{params}");
    client
        .wait_for("progress end", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        })
        .await;
    let published_from_disk = |client: &Client| {
        client.seen.iter().any(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && !codes(&m["params"]["diagnostics"]).is_empty()
        })
    };
    assert!(!published_from_disk(&client), "{:?}", client.seen);
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let params = client
        .diagnostics(&uri, |p| !codes(&p["diagnostics"]).is_empty())
        .await;
    assert_eq!(codes(&params["diagnostics"]), ["MP003"], "{params}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulling_client_gets_the_unopened_env_from_workspace_diagnostic() {
    let (root, root_path) = workspace();
    let mut caps = capabilities(false);
    caps["textDocument"]["diagnostic"] = json!({"dynamicRegistration": false});
    caps["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    let (mut client, initialized) =
        Client::start_with(caps, json!({"debounceMs": 0}), Some(&root_path)).await;
    assert_eq!(
        initialized["capabilities"]["diagnosticProvider"]["workspaceDiagnostics"], true,
        "{initialized}"
    );
    let uri = format!("file://{root_path}/.env");
    let report = client
        .request("workspace/diagnostic", json!({"previousResultIds": []}))
        .await;
    let items = report["result"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let item = items
        .iter()
        .find(|i| i["uri"] == uri.as_str())
        .unwrap_or_else(|| panic!("no report for {uri}: {report}"));
    assert_eq!(item["kind"], "full");
    assert_eq!(codes(&item["items"]), ["MP003"], "{report}");
    // Nothing was pushed for the unopened file.
    assert!(!client.seen.iter().any(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
    }));
    let pulled = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(codes(&pulled["result"]["items"]), ["MP003"], "{pulled}");

    // Fixed on disk: the next pull (which names what the client has) reports the file empty.
    std::fs::write(root.path().join(".env"), GOOD_ENV).unwrap();
    changed_on_disk(&client, &uri).await;
    let previous = json!([{"uri": uri, "value": item["resultId"]}]);
    let report = client
        .request(
            "workspace/diagnostic",
            json!({"previousResultIds": previous}),
        )
        .await;
    let items = report["result"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let item = items
        .iter()
        .find(|i| i["uri"] == uri.as_str())
        .unwrap_or_else(|| panic!("no report for {uri}: {report}"));
    assert_eq!(item["kind"], "full", "{report}");
    assert_eq!(item["items"], json!([]), "{report}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_can_be_turned_off() {
    let (_root, root_path) = workspace();
    let (mut client, _) = Client::start(
        false,
        json!({"debounceMs": 0, "workspace": {"scan": false}}),
        Some(&root_path),
    )
    .await;
    client.drain(std::time::Duration::from_millis(1500)).await;
    let uri = format!("file://{root_path}/.env");
    assert!(!client.seen.iter().any(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
    }));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_change_scans_again_and_the_last_scan_wins() {
    let (_root, root_path) = workspace();
    let (mut client, _) = Client::start(false, json!({"debounceMs": 0}), Some(&root_path)).await;
    let uri = format!("file://{root_path}/.env");
    client
        .diagnostics(&uri, |p| codes(&p["diagnostics"]) == ["MP003"])
        .await;
    // Two changes in a row: the first scan is superseded; the result follows the second.
    let settings = |level: &str| json!({"settings": {"mailport": {"debounceMs": 0, "rules": {"MP003": level}}}});
    client
        .notify("workspace/didChangeConfiguration", settings("off"))
        .await;
    client
        .notify("workspace/didChangeConfiguration", settings("info"))
        .await;
    let params = client
        .diagnostics(&uri, |p| {
            p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.len() == 1 && d[0]["severity"] == 3)
        })
        .await;
    assert_eq!(codes(&params["diagnostics"]), ["MP003"], "{params}");
    client.shutdown().await;
}
