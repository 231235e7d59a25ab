//! `docs/rules/` is generated from the rule files and must match them; `mailport rule` prints the
//! same pages. Regenerate with `UPDATE_RULE_DOCS=1 cargo test --test rule_docs`.

use std::path::Path;
use std::process::Command;

use mailport::cli::rule::{catalogue, doc_files};
use mailport::vocab::RuleCode;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules");

#[test]
fn every_code_has_exactly_one_page() {
    let codes: Vec<RuleCode> = catalogue().iter().map(|doc| doc.code).collect();
    assert_eq!(codes, RuleCode::ALL);
}

#[test]
fn docs_rules_is_up_to_date() {
    let dir = Path::new(DIR);
    let files = doc_files();
    if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
        std::fs::create_dir_all(dir).expect("create docs/rules");
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).expect("write a rule page");
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &files {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if &on_disk != text {
            stale.push(name.clone());
        }
    }
    // A page whose rule is gone (or was renamed) must go too.
    let extra: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !files.iter().any(|(f, _)| f == name))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/rules/ does not match the rule files (out of date: {stale:?}, not generated: {extra:?}); \
         run `UPDATE_RULE_DOCS=1 cargo test --test rule_docs`"
    );
}

fn mailport(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mailport"))
        .args(args)
        .output()
        .expect("run mailport")
}

#[test]
fn mailport_rule_prints_the_page_by_code_and_by_name() {
    let page = std::fs::read_to_string(Path::new(DIR).join("MP003.md")).unwrap_or_default();
    assert!(page.starts_with("# MP003 tls-mode-mismatch\n"), "{page}");
    for wanted in ["MP003", "mp003", "tls-mode-mismatch"] {
        let out = mailport(&["rule", wanted]);
        assert!(out.status.success(), "{wanted}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), page, "{wanted}");
    }
}

#[test]
fn mailport_rule_lists_every_code_and_refuses_an_unknown_one() {
    let out = mailport(&["rule"]);
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), RuleCode::ALL.len(), "{list}");
    for code in RuleCode::ALL {
        assert!(
            list.contains(&format!("{code}  {}", code.name())),
            "{code}:\n{list}"
        );
    }
    let unknown = mailport(&["rule", "MP999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("MP999"));
}
