//! The language server end to end, in process: a framed JSON-RPC client talks to
//! `mailport::lsp::serve` over `tokio::io::duplex`. Real analysis engine, real probe on loopback.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use std::time::Duration;

use lsp_client::{apply_edits, codes, expected, position_of, published, Client};
use mailport::analysis::analyze;
use mailport::config::Config;
use mailport::vocab::Format;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const DJANGO_ENV: &str = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";
const ENV_URI: &str = "file:///tmp/mailport-lsp-test/app/.env";

fn no_debounce() -> Value {
    json!({"debounceMs": 0})
}

fn find<'a>(params: &'a Value, code: &str) -> Option<&'a Value> {
    params["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["code"] == code)
}

/// A content change that replaces `old` (its first occurrence) with `new`.
fn replace_change(text: &str, old: &str, new: &str, utf8: bool) -> (Value, String) {
    let start = text.find(old).expect("text to replace");
    let change = json!({
        "range": {"start": position_of(text, start, utf8), "end": position_of(text, start + old.len(), utf8)},
        "text": new,
    });
    let mut after = text.to_string();
    after.replace_range(start..start + old.len(), new);
    (change, after)
}

async fn change(client: &Client, uri: &str, version: i64, changes: Vec<Value>) {
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_advertises_capabilities_and_shutdown_exits() {
    let (client, result) = Client::start(false, Value::Null, None).await;
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "source.fixAll.mailport"])
    );
    assert_eq!(
        caps["executeCommandProvider"]["commands"],
        json!(["mailport.server.testConnection"])
    );
    assert_eq!(result["serverInfo"]["name"], "mailport");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_is_chosen_when_offered() {
    let (client, result) = Client::start(true, Value::Null, None).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_file_gets_versioned_mp003_with_fixes_in_data() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    let params = client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    let mp003 = find(&params, "MP003").unwrap_or_else(|| panic!("no MP003 in {params}"));
    assert_eq!(mp003["source"], "mailport");
    assert_eq!(
        mp003["codeDescription"]["href"],
        "https://github.com/mailport/mailport/blob/main/docs/rules/MP003.md"
    );
    assert_eq!(mp003["severity"], 1, "error");
    let data: Value = serde_json::from_str(mp003["data"].as_str().expect("data string")).unwrap();
    assert_eq!(data["version"], 1);
    assert!(!data["fixes"].as_array().unwrap().is_empty(), "{mp003}");
    assert_eq!(published(&params), expected(DJANGO_ENV, Format::Env, false));
    // closing clears
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": ENV_URI}}),
        )
        .await;
    let cleared = client
        .diagnostics(ENV_URI, |p| p["diagnostics"] == json!([]))
        .await;
    assert!(
        cleared.get("version").is_none_or(Value::is_null),
        "{cleared}"
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_quick_fix_round_trip_clears_mp003() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    let params = client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    let mp003 = find(&params, "MP003").expect("MP003").clone();
    let response = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": ENV_URI},
                "range": mp003["range"],
                "context": {"diagnostics": [mp003], "only": ["quickfix"]},
            }),
        )
        .await;
    let actions = response["result"].as_array().expect("actions").clone();
    let preferred = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("no preferred fix in {actions:?}"));
    assert_eq!(preferred["kind"], "quickfix");
    assert_eq!(preferred["diagnostics"][0]["code"], "MP003");
    let suppress = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Suppress MP003")
        })
        .expect("suppress action");
    let suppress_edit = &suppress["edit"]["changes"][ENV_URI][0];
    assert_eq!(suppress_edit["newText"], "# mailport: ignore MP003\n");
    assert_eq!(
        suppress_edit["range"]["start"]["line"],
        mp003["range"]["start"]["line"]
    );

    // apply the preferred fix as incremental changes, back to front
    let mut edits = preferred["edit"]["changes"][ENV_URI]
        .as_array()
        .unwrap()
        .clone();
    let fixed = apply_edits(DJANGO_ENV, &edits, false);
    edits.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        ))
    });
    let changes = edits
        .iter()
        .map(|e| json!({"range": e["range"], "text": e["newText"]}))
        .collect();
    change(&client, ENV_URI, 2, changes).await;
    let after = client.diagnostics(ENV_URI, |p| p["version"] == 2).await;
    assert!(!codes(&after).contains(&"MP003".to_string()), "{after}");
    assert_eq!(published(&after), expected(&fixed, Format::Env, false));

    // the suppression comment silences it too
    let suppressed = apply_edits(DJANGO_ENV, std::slice::from_ref(suppress_edit), false);
    let uri2 = "file:///tmp/mailport-lsp-test/other/.env";
    client.open(uri2, "dotenv", &suppressed).await;
    let params = client.diagnostics(uri2, |p| p["version"] == 1).await;
    assert!(find(&params, "MP003").is_none(), "{params}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_all_applies_preferred_fixes() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    let response = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": ENV_URI},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": [], "only": ["source.fixAll"]},
            }),
        )
        .await;
    let actions = response["result"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{response}");
    assert_eq!(actions[0]["kind"], "source.fixAll.mailport");
    let edits = actions[0]["edit"]["changes"][ENV_URI].as_array().unwrap();
    let fixed = apply_edits(DJANGO_ENV, edits, false);
    let analysis = analyze(&fixed, Format::Env, &Config::default());
    assert!(
        analysis.findings.iter().all(|f| f.code.as_str() != "MP003"),
        "{fixed}"
    );
    // only quick fixes asked for: no fix-all
    let response = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": ENV_URI},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": [], "only": ["quickfix"]},
            }),
        )
        .await;
    assert_eq!(response["result"], json!([]));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_on_the_port_is_markdown() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    let port = DJANGO_ENV.find("587").unwrap() + 1;
    let response = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": ENV_URI}, "position": position_of(DJANGO_ENV, port, false)}),
        )
        .await;
    let hover = &response["result"];
    assert_eq!(hover["contents"]["kind"], "markdown", "{response}");
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("587"),
        "{hover}"
    );
    assert_eq!(hover["range"]["start"]["line"], 1);
    // nothing to say about the key's first letter of an unknown line
    let response = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": ENV_URI}, "position": {"line": 99, "character": 0}}),
        )
        .await;
    assert_eq!(response["result"], Value::Null);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_change_turns_a_rule_off_and_bad_settings_are_reported() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    let params = client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    assert!(find(&params, "MP003").is_some(), "{params}");

    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"mailport": {"debounceMs": 0, "rules": {"MP003": "off"}}}}),
        )
        .await;
    let params = client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    assert!(find(&params, "MP003").is_none(), "{params}");

    // a broken value: an error message, the previous settings stay
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"mailport": {"rules": {"MP003": "loud"}}}}),
        )
        .await;
    let message = client
        .wait_for("showMessage", |m| m["method"] == "window/showMessage")
        .await;
    assert_eq!(message["params"]["type"], 1, "{message}");
    assert!(message["params"]["message"]
        .as_str()
        .unwrap()
        .contains("MP003"));

    // `null` settings: the server pulls the section with workspace/configuration
    client.set_configuration(json!({"debounceMs": 0, "rules": {"MP003": "warning"}}));
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": null}),
        )
        .await;
    let params = client
        .diagnostics(ENV_URI, |p| {
            p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "MP003"))
        })
        .await;
    assert_eq!(find(&params, "MP003").unwrap()["severity"], 2, "{params}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailport_toml_at_the_root_is_read_and_reloaded() {
    let root = tempfile::tempdir().unwrap();
    let root_path = root.path().to_str().unwrap().to_string();
    let config_path = root.path().join(".mailport.toml");
    std::fs::write(&config_path, "[rules]\nMP003 = \"off\"\n").unwrap();
    let (mut client, _) = Client::start(false, no_debounce(), Some(&root_path)).await;
    let registration = client
        .wait_for("registerCapability", |m| {
            m["method"] == "client/registerCapability"
        })
        .await;
    assert_eq!(
        registration["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/.mailport.toml"
    );
    let uri = format!("file://{root_path}/.env");
    client.open(&uri, "dotenv", DJANGO_ENV).await;
    let params = client.diagnostics(&uri, |p| p["version"] == 1).await;
    assert!(find(&params, "MP003").is_none(), "{params}");

    // broken file: error message, previous configuration kept
    std::fs::write(&config_path, "[rules\n").unwrap();
    let changed =
        json!({"changes": [{"uri": format!("file://{root_path}/.mailport.toml"), "type": 2}]});
    client
        .notify("workspace/didChangeWatchedFiles", changed.clone())
        .await;
    let message = client
        .wait_for("showMessage", |m| m["method"] == "window/showMessage")
        .await;
    assert_eq!(message["params"]["type"], 1);
    assert!(message["params"]["message"]
        .as_str()
        .unwrap()
        .contains(".mailport.toml"));

    // fixed file without the override: MP003 is back
    std::fs::write(&config_path, "prefer = \"starttls\"\n").unwrap();
    client
        .notify("workspace/didChangeWatchedFiles", changed)
        .await;
    let params = client
        .diagnostics(&uri, |p| {
            p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "MP003"))
        })
        .await;
    assert_eq!(params["version"], 1);
    client.shutdown().await;
}

/// tower-lsp handles notifications concurrently: 200 didChange notifications sent without waiting
/// must still be applied in order, and the last publish must be for the last text.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_unawaited_changes_end_on_the_last_text() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    let initial = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\n";
    client.open(ENV_URI, "dotenv", initial).await;
    let mut text = initial.to_string();
    for version in 2..=201 {
        // a new comment line at the top (shifts every position), then the port toggled
        let insert = json!({
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "text": format!("# é中😀 {version}\n"),
        });
        text.insert_str(0, &format!("# é中😀 {version}\n"));
        let (old, new) = if text.contains("PORT=465") {
            ("PORT=465", "PORT=587")
        } else {
            ("PORT=587", "PORT=465")
        };
        let (toggle, after) = replace_change(&text, old, new, false);
        text = after;
        change(&client, ENV_URI, version, vec![insert, toggle]).await;
    }
    assert!(text.contains("PORT=465"), "ends on 465 + SSL");
    let last = client.diagnostics(ENV_URI, |p| p["version"] == 201).await;
    assert_eq!(published(&last), expected(&text, Format::Env, false));
    client.drain(Duration::from_millis(300)).await;
    let versions: Vec<i64> = client
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions.last(), Some(&201));
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");

    // one more edit that makes MP003 appear proves the server holds exactly `text`
    let (toggle, after) = replace_change(&text, "PORT=465", "PORT=587", false);
    change(&client, ENV_URI, 202, vec![toggle]).await;
    let params = client.diagnostics(ENV_URI, |p| p["version"] == 202).await;
    assert!(find(&params, "MP003").is_some(), "{params}");
    assert_eq!(published(&params), expected(&after, Format::Env, false));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debounce_coalesces_a_burst_into_the_last_version() {
    let (mut client, _) = Client::start(false, json!({"debounceMs": 40}), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    for version in 2..=30 {
        let text = if version % 2 == 0 { "\n" } else { "" };
        let at = json!({"line": 3, "character": 0});
        change(
            &client,
            ENV_URI,
            version,
            vec![json!({"range": {"start": at, "end": at}, "text": text})],
        )
        .await;
    }
    client.diagnostics(ENV_URI, |p| p["version"] == 30).await;
    client.drain(Duration::from_millis(200)).await;
    let versions: Vec<i64> = client
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.len() < 10, "debounced: {versions:?}");
    assert_eq!(versions.last(), Some(&30));
    client.shutdown().await;
}

/// `é` (1 UTF-16 unit, 2 bytes), CJK (1 unit, 3 bytes) and an emoji (2 units, 4 bytes) before the
/// port on one line: columns differ by encoding and both are right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_follow_the_negotiated_encoding() {
    let text = "smtp: {name: \"é中😀\", host: smtp.example.com, port: 587, secure: true, user: me, pass: secret}\n";
    let uri = "file:///tmp/mailport-lsp-test/mail.yaml";
    let mut starts = Vec::new();
    for utf8 in [false, true] {
        let (mut client, _) = Client::start(utf8, no_debounce(), None).await;
        client.open(uri, "yaml", text).await;
        let params = client.diagnostics(uri, |p| p["version"] == 1).await;
        assert!(
            !params["diagnostics"].as_array().unwrap().is_empty(),
            "{params}"
        );
        assert_eq!(published(&params), expected(text, Format::Yaml, utf8));
        starts.push(params["diagnostics"][0]["range"]["start"]["character"].clone());
        // incoming positions too: hover on the port in this encoding
        let port = text.find("587").unwrap();
        let response = client
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": position_of(text, port, utf8)}),
            )
            .await;
        assert_eq!(
            response["result"]["range"]["start"],
            position_of(text, port, utf8),
            "{response}"
        );
        client.shutdown().await;
    }
    // the same place is 5 columns further right in bytes (é +1, 中 +2, 😀 +2)
    assert_eq!(
        starts[1].as_u64().unwrap(),
        starts[0].as_u64().unwrap() + 5,
        "{starts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_survived() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.send_raw(b"this is not json").await;
    client.send_raw(b"{\"jsonrpc\": \"2.0\"}").await;
    client.send_raw(b"[1, 2, 3]").await;
    client.notify("unknown/notification", json!({"x": 1})).await;
    let unknown = client.request("unknown/request", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let bad = client
        .request("textDocument/hover", json!({"textDocument": 42}))
        .await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    // changes for a document that was never opened
    change(
        &client,
        "file:///nowhere/.env",
        7,
        vec![json!({"range": {"start": {"line": 5, "character": 5}, "end": {"line": 9, "character": 0}}, "text": "x"})],
    )
    .await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    // ranges past the end, reversed, and in the middle of nowhere
    change(
        &client,
        ENV_URI,
        2,
        vec![
            json!({"range": {"start": {"line": 1000, "character": 1000}, "end": {"line": 2000, "character": 5}}, "text": "A=1\n"}),
            json!({"range": {"start": {"line": 2, "character": 400}, "end": {"line": 0, "character": 3}}, "text": ""}),
            json!({"range": {"start": {"line": 1, "character": 4294967295u64}, "end": {"line": 4294967295u64, "character": 4294967295u64}}, "text": "\nZ=😀"}),
        ],
    )
    .await;
    client.diagnostics(ENV_URI, |p| p["version"] == 2).await;
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": ENV_URI}, "position": {"line": 4294967295u64, "character": 4294967295u64}}),
        )
        .await;
    assert!(hover.get("error").is_none(), "{hover}");
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": ENV_URI},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": [
                    {"range": {"start": {"line": 999, "character": 0}, "end": {"line": 999, "character": 1}},
                     "message": "x", "source": "mailport", "code": "MP003", "data": "{\"version\": 2, \"fixes\": [{\"title\": \"bogus\", \"preferred\": true, \"edits\": [[999999, 5, \"x\"]]}]}"},
                    {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
                     "message": "x", "source": "mailport", "code": "MP999", "data": "nonsense"}
                ]},
            }),
        )
        .await;
    assert!(actions.get("error").is_none(), "{actions}");
    let command = client
        .request(
            "workspace/executeCommand",
            json!({"command": "mailport.server.testConnection", "arguments": [{"what": 1}]}),
        )
        .await;
    assert_eq!(command["error"]["code"], -32602, "{command}");

    // a huge document (4 MB, 150k settings) is still handled
    let mut huge: String = (0..150_000)
        .map(|i| format!("APP_SETTING_{i}=value-{i}\n"))
        .collect();
    huge.push_str(DJANGO_ENV);
    let huge_uri = "file:///tmp/mailport-lsp-test/huge/.env";
    client.open(huge_uri, "dotenv", &huge).await;
    change(
        &client,
        huge_uri,
        2,
        vec![json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# top\n"})],
    )
    .await;
    client.diagnostics(huge_uri, |p| p["version"] == 2).await;

    // and the server still works normally
    let (toggle, after) = replace_change(DJANGO_ENV, "587", "465", false);
    client
        .open(
            "file:///tmp/mailport-lsp-test/fresh/.env",
            "dotenv",
            DJANGO_ENV,
        )
        .await;
    change(
        &client,
        "file:///tmp/mailport-lsp-test/fresh/.env",
        2,
        vec![toggle],
    )
    .await;
    let params = client
        .diagnostics("file:///tmp/mailport-lsp-test/fresh/.env", |p| {
            p["version"] == 2
        })
        .await;
    assert_eq!(published(&params), expected(&after, Format::Env, false));
    client.shutdown().await;
}

/// A port on loopback that nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_to_a_closed_port_reports_mp100_on_the_endpoint() {
    let port = closed_port().await;
    let text = format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_USE_TLS=True\n");
    let (mut client, _) = Client::start(
        false,
        json!({"debounceMs": 0, "probe": {"timeoutSecs": 5}}),
        None,
    )
    .await;
    client.open(ENV_URI, "dotenv", &text).await;
    client.diagnostics(ENV_URI, |p| p["version"] == 1).await;

    // the code lens carries the command and its arguments
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": ENV_URI}}),
        )
        .await;
    let lens = &lenses["result"][0];
    assert_eq!(
        lens["command"]["command"], "mailport.server.testConnection",
        "{lenses}"
    );
    let arguments = lens["command"]["arguments"].clone();

    let response = client
        .request(
            "workspace/executeCommand",
            json!({"command": "mailport.server.testConnection", "arguments": arguments}),
        )
        .await;
    let report = &response["result"];
    assert_eq!(report["verdict"], "failed", "{response}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "MP100"),
        "{report}"
    );
    let params = client
        .diagnostics(ENV_URI, |p| {
            p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "MP100"))
        })
        .await;
    let mp100 = find(&params, "MP100").unwrap();
    let port_at = text.find(&port.to_string()).unwrap();
    assert_eq!(mp100["range"]["start"], position_of(&text, port_at, false));
    // progress was created, begun and ended; the user saw a summary
    client
        .wait_for("progress create", |m| {
            m["method"] == "window/workDoneProgress/create"
        })
        .await;
    client
        .wait_for("progress begin", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
        })
        .await;
    client
        .wait_for("progress end", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        })
        .await;
    client
        .wait_for("summary", |m| m["method"] == "window/showMessage")
        .await;

    // editing the endpoint's text clears the probe result
    let (toggle, _) = replace_change(&text, "EMAIL_PORT=", "EMAIL_PORT=1", false);
    change(&client, ENV_URI, 2, vec![toggle]).await;
    let params = client.diagnostics(ENV_URI, |p| p["version"] == 2).await;
    assert!(find(&params, "MP100").is_none(), "{params}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_talks_smtp_to_a_loopback_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut lines = BufReader::new(read).lines();
        let mut commands = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            commands.push(verb.clone());
            let reply: &[u8] = match verb.as_str() {
                "EHLO" => b"250-test\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
                "HELO" | "NOOP" | "RSET" => b"250 ok\r\n",
                "QUIT" => b"221 bye\r\n",
                _ => b"502 not implemented\r\n",
            };
            if write.write_all(reply).await.is_err() || verb == "QUIT" {
                break;
            }
        }
        commands
    });
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    let response = client
        .request(
            "workspace/executeCommand",
            json!({"command": "mailport.server.testConnection",
                   "arguments": [{"host": "127.0.0.1", "port": port, "protocol": "smtp", "security": "none"}]}),
        )
        .await;
    let report = &response["result"];
    assert_ne!(report["verdict"], "failed", "{response}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "MP100"),
        "{report}"
    );
    let commands = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the probe hung up")
        .unwrap();
    assert!(commands.iter().any(|c| c == "EHLO"), "{commands:?}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_can_be_cancelled() {
    // accepts and then says nothing: the probe would wait for its timeout
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let (mut client, _) = Client::start(
        false,
        json!({"debounceMs": 0, "probe": {"timeoutSecs": 60}}),
        None,
    )
    .await;
    let id = client
        .send_request(
            "workspace/executeCommand",
            json!({"command": "mailport.server.testConnection",
                   "arguments": [{"host": "127.0.0.1", "port": port, "protocol": "smtp", "security": "starttls"}]}),
        )
        .await;
    client
        .wait_for("progress begin", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
        })
        .await;
    client.notify("$/cancelRequest", json!({"id": id})).await;
    let started = std::time::Instant::now();
    let response = client.response(id).await;
    assert_eq!(response["error"]["code"], -32800, "{response}");
    client
        .wait_for("progress end", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        })
        .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_cancel_button_ends_the_probe() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let (mut client, _) = Client::start(false, json!({"probe": {"timeoutSecs": 60}}), None).await;
    let id = client
        .send_request(
            "workspace/executeCommand",
            json!({"command": "mailport.server.testConnection",
                   "arguments": [{"host": "127.0.0.1", "port": port, "protocol": "imap"}]}),
        )
        .await;
    let begin = client
        .wait_for("progress begin", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
        })
        .await;
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    client
        .notify(
            "window/workDoneProgress/cancel",
            json!({"token": begin["params"]["token"]}),
        )
        .await;
    let response = client.response(id).await;
    assert_eq!(response["error"]["code"], -32800, "{response}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_lenses_can_be_switched_off() {
    let (mut client, _) =
        Client::start(false, json!({"debounceMs": 0, "codeLens": false}), None).await;
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": ENV_URI}}),
        )
        .await;
    assert_eq!(lenses["result"], Value::Null, "{lenses}");
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"mailport": {"debounceMs": 0, "codeLens": true}}}),
        )
        .await;
    client
        .wait_for("code lens refresh", |m| {
            m["method"] == "workspace/codeLens/refresh"
        })
        .await;
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": ENV_URI}}),
        )
        .await;
    let lens = &lenses["result"][0];
    assert_eq!(
        lens["range"]["start"],
        json!({"line": 0, "character": 0}),
        "{lenses}"
    );
    assert_eq!(lens["command"]["arguments"][0]["uri"], ENV_URI);
    client.shutdown().await;
}

/// The real binary, as an editor starts it (vscode-languageclient adds `--stdio`): answers
/// `initialize`, publishes, and exits with status 0 after shutdown + exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_stdio_and_exits_cleanly() {
    use tokio::io::AsyncReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mailport"))
        .args(["lsp", "--stdio"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start mailport lsp");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    async fn send(stdin: &mut tokio::process::ChildStdin, message: Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        stdin.write_all(frame.as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }
    async fn receive(stdout: &mut BufReader<tokio::process::ChildStdout>) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            stdout.read_line(&mut line).await.unwrap();
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }
    let deadline = Duration::from_secs(20);
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}, "initializationOptions": {"debounceMs": 0}}}),
    )
    .await;
    let response = tokio::time::timeout(deadline, receive(&mut stdout))
        .await
        .unwrap();
    assert_eq!(
        response["result"]["serverInfo"]["name"], "mailport",
        "{response}"
    );
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    )
    .await;
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
        {"uri": ENV_URI, "languageId": "dotenv", "version": 1, "text": DJANGO_ENV}}}),
    )
    .await;
    let publish = tokio::time::timeout(deadline, async {
        loop {
            let message = receive(&mut stdout).await;
            if message["method"] == "textDocument/publishDiagnostics" {
                return message;
            }
        }
    })
    .await
    .unwrap();
    assert!(
        codes(&publish["params"]).contains(&"MP003".to_string()),
        "{publish}"
    );
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    )
    .await;
    let response = tokio::time::timeout(deadline, async {
        loop {
            let message = receive(&mut stdout).await;
            if message["id"] == 2 {
                return message;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(response["result"], Value::Null);
    send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"})).await;
    let status = tokio::time::timeout(Duration::from_secs(2), child.wait())
        .await
        .expect("exits within 2 s")
        .unwrap();
    assert!(status.success(), "{status}");
}

/// Single edits inside one value take the incremental analysis path; each publish must equal a
/// fresh analysis of the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_edits_publish_what_a_fresh_analysis_finds() {
    let text = "# é中😀\nsmtp:\n  host: smtp.example.com\n  port: 587\n  secure: true\n  user: me\nimap: {host: imap.example.com, port: 993, tls: true}\n";
    let uri = "file:///tmp/mailport-lsp-test/values.yaml";
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    client.open(uri, "yaml", text).await;
    let first = client.diagnostics(uri, |p| p["version"] == 1).await;
    assert_eq!(published(&first), expected(text, Format::Yaml, false));
    let mut text = text.to_string();
    let steps = [
        ("587", "465"),
        ("true", "false"),
        ("465", "25"),
        ("993", "143"),
        ("25", "2526"),
        ("false", "true"),
        ("2526", "587"),
        ("143", "993"),
    ];
    for (i, (old, new)) in steps.iter().enumerate() {
        let version = i as i64 + 2;
        let (change_, after) = replace_change(&text, old, new, false);
        text = after;
        change(&client, uri, version, vec![change_]).await;
        let params = client.diagnostics(uri, |p| p["version"] == version).await;
        assert_eq!(
            published(&params),
            expected(&text, Format::Yaml, false),
            "after {old} → {new}:\n{text}"
        );
    }
    client.shutdown().await;
}

/// A document whose analysis is slow (held by the test hook until released) holds up nothing
/// else: another document is opened, edited, published and hovered meanwhile, and edits to the
/// slow one are taken at once. When it finishes, only its newest version is published: the stale
/// analysis of version 1 is superseded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_document_blocks_nothing_else_and_its_stale_analysis_is_not_published() {
    let hold = mailport::lsp::hold_analyses("/mailport-held-analysis/");
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    let slow = "file:///tmp/mailport-held-analysis/app/.env";
    client.open(slow, "dotenv", DJANGO_ENV).await;
    let deadline = tokio::time::Instant::now() + lsp_client::TIMEOUT;
    while hold.entered() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the analysis never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // another document, while the first one's analysis is held
    let other = "file:///tmp/mailport-lsp-test/other-app/.env";
    client.open(other, "dotenv", DJANGO_ENV).await;
    let (toggle, after) = replace_change(DJANGO_ENV, "587", "465", false);
    change(&client, other, 2, vec![toggle]).await;
    let params = client.diagnostics(other, |p| p["version"] == 2).await;
    assert_eq!(published(&params), expected(&after, Format::Env, false));
    let port = after.find("465").unwrap() + 1;
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": other}, "position": position_of(&after, port, false)}),
        )
        .await;
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("465")),
        "{hover}"
    );

    // edits to the held document do not wait for its analysis
    let (v2, text_v2) = replace_change(DJANGO_ENV, "587", "465", false);
    change(&client, slow, 2, vec![v2]).await;
    let (v3, text_v3) =
        replace_change(&text_v2, "EMAIL_USE_SSL=True", "EMAIL_USE_SSL=False", false);
    change(&client, slow, 3, vec![v3]).await;
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": other}}),
        )
        .await;
    assert!(lenses["result"].is_array(), "{lenses}");
    assert_eq!(hold.entered(), 1, "still held");
    assert!(
        !client.seen.iter().any(|m| m["params"]["uri"] == slow),
        "nothing published for the held document yet"
    );

    hold.release();
    let first = client
        .wait_for("the held document's first publish", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == slow
        })
        .await;
    assert_eq!(first["params"]["version"], 3, "{first}");
    assert_eq!(
        published(&first["params"]),
        expected(&text_v3, Format::Env, false)
    );
    client.shutdown().await;
}

/// Issue #12's case: `SMTP_PORT: 587` with `SMTP_SECURE: "true"` is implicit TLS, whatever the
/// port says, and the hint says so (MP003 flags the port beside it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inlay_hint_says_what_the_application_reads_not_what_the_port_suggests() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    let uri = "file:///tmp/mailport-lsp-test/app/docker-compose.yml";
    let text = "services:\n  app:\n    environment:\n      SMTP_HOST: smtp.example.com\n      SMTP_PORT: 587\n      SMTP_SECURE: \"true\"\n";
    client.open(uri, "dockercompose", text).await;
    client.diagnostics(uri, |p| p["version"] == 1).await;
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 6, "character": 0}});
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": whole}),
        )
        .await;
    let hints = hints["result"].as_array().expect("hints");
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0]["position"], json!({"line": 4, "character": 20}));
    assert_eq!(hints[0]["label"], "SMTP · implicit TLS");
    client.shutdown().await;
}

/// After the port, what the connection is; off by a setting, refreshed when settings change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inlay_hints_say_what_the_connection_is_and_follow_the_setting() {
    let (mut client, init) = Client::start(false, no_debounce(), None).await;
    assert_eq!(init["capabilities"]["inlayHintProvider"], true, "{init}");
    let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\n";
    client.open(ENV_URI, "dotenv", text).await;
    client.diagnostics(ENV_URI, |p| p["version"] == 1).await;
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}});
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": ENV_URI}, "range": whole}),
        )
        .await;
    assert_eq!(
        hints["result"],
        json!([{
            "position": {"line": 1, "character": 14},
            "label": "SMTP · implicit TLS",
            "kind": 1,
            "tooltip": "The TLS mode comes from the settings in this file.",
            "paddingLeft": true,
        }]),
        "{hints}"
    );
    // a range that does not hold the port: no hint
    let first_line =
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}});
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": ENV_URI}, "range": first_line}),
        )
        .await;
    assert_eq!(hints["result"], json!([]), "{hints}");

    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"mailport": {"debounceMs": 0, "inlayHints": false}}}),
        )
        .await;
    client
        .wait_for("inlay hint refresh", |m| {
            m["method"] == "workspace/inlayHint/refresh"
        })
        .await;
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": ENV_URI}, "range": whole}),
        )
        .await;
    assert_eq!(hints["result"], Value::Null, "{hints}");
    client.shutdown().await;
}

/// The outline lists each endpoint, its host selected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_symbols_list_each_endpoint() {
    let (mut client, init) = Client::start(false, no_debounce(), None).await;
    assert_eq!(
        init["capabilities"]["documentSymbolProvider"], true,
        "{init}"
    );
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": ENV_URI}}),
        )
        .await;
    let list = symbols["result"].as_array().expect("a list");
    assert_eq!(list.len(), 1, "{symbols}");
    assert_eq!(
        list[0]["name"], "SMTP smtp.example.com:587 · implicit TLS",
        "{symbols}"
    );
    assert_eq!(
        list[0]["selectionRange"],
        json!({"start": {"line": 0, "character": 11}, "end": {"line": 0, "character": 27}})
    );
    assert_eq!(list[0]["range"]["end"], json!({"line": 1, "character": 14}));
    client.shutdown().await;
}

/// A key being typed beside an endpoint's keys: the keys it lacks, a TLS switch with the port
/// its mode needs as an additional edit, the application's documentation beside each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_of_a_key_brings_the_port_its_mode_needs() {
    let (mut client, _) = Client::start(false, no_debounce(), None).await;
    let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_\n";
    client.open(ENV_URI, "dotenv", text).await;
    let response = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": ENV_URI}, "position": {"line": 2, "character": 10}}),
        )
        .await;
    let items = response["result"].as_array().expect("a list");
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, ["EMAIL_USE_SSL", "EMAIL_USE_TLS"], "{response}");
    let ssl = &items[0];
    assert_eq!(ssl["kind"], 10, "a property: {ssl}");
    assert_eq!(
        ssl["textEdit"],
        json!({"range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 10}},
               "newText": "EMAIL_USE_SSL=true"})
    );
    assert_eq!(
        ssl["additionalTextEdits"],
        json!([{"range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 14}},
                "newText": "465"}])
    );
    assert!(
        ssl["documentation"]["value"]
            .as_str()
            .is_some_and(|d| d.contains("SMTP_SSL")),
        "{ssl}"
    );
    assert!(
        items[1]
            .get("additionalTextEdits")
            .is_none_or(Value::is_null),
        "{response}"
    );
    client.shutdown().await;
}

/// On a port value, the ports that fit the mode already set; nothing a rule would flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_on_a_port_offers_the_ports_that_fit() {
    let (mut client, init) = Client::start(false, no_debounce(), None).await;
    assert!(
        init["capabilities"]["completionProvider"].is_object(),
        "{init}"
    );
    client.open(ENV_URI, "dotenv", DJANGO_ENV).await;
    let response = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": ENV_URI}, "position": {"line": 1, "character": 11}}),
        )
        .await;
    let items = response["result"].as_array().expect("a list");
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    // EMAIL_USE_SSL=True: implicit TLS, so 587 (STARTTLS) is not offered.
    assert_eq!(labels, ["465"], "{response}");
    assert_eq!(
        items[0]["textEdit"]["range"],
        json!({"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 14}})
    );
    // on a key nothing is offered
    let response = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": ENV_URI}, "position": {"line": 0, "character": 2}}),
        )
        .await;
    assert_eq!(response["result"], Value::Null, "{response}");
    client.shutdown().await;
}
