//! The layer rules of `docs/architecture.md`, checked on the source: a module imports only from
//! the layers below its own, and no two sibling modules import each other, directly or round a
//! circle. A module may always use its parent's items (`super::Setting`): that is how Rust
//! modules share a vocabulary, not a dependency between peers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the top-level modules it may import. Read from the bottom up.
const LAYERS: &[(&str, &[&str])] = &[
    ("vocab", &[]),
    ("knowledge", &["vocab"]),
    ("files", &[]),
    ("config", &["vocab", "files"]),
    ("analysis", &["vocab", "knowledge", "config"]),
    ("probe", &["vocab", "knowledge", "files"]),
    (
        "lsp",
        &["vocab", "knowledge", "files", "config", "analysis", "probe"],
    ),
    (
        "cli",
        &[
            "vocab",
            "knowledge",
            "files",
            "config",
            "analysis",
            "probe",
            "lsp",
        ],
    ),
];

/// A module path from the crate root: `["analysis", "syntax", "yaml"]`.
type ModPath = Vec<String>;

struct Module {
    path: ModPath,
    /// The module is a folder's `mod.rs` (its `super` is the folder's parent, like a file's).
    source: String,
}

fn modules() -> Vec<Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut pending: Vec<PathBuf> = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let mut parts: ModPath = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let source = std::fs::read_to_string(&path).expect("read module");
            out.push(Module {
                path: parts,
                source: strip_comments(&source),
            });
        }
    }
    out
}

/// The source without `//` comments, so that prose naming a path is not an import.
fn strip_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal (a URL) is rare in paths we look for; cut anyway.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the module names, from `crate::` or `super::`, as absolute module paths. A group
/// `super::{env, ini}` gives one path per member.
fn references(module: &Module) -> Vec<ModPath> {
    let text = &module.source;
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent(&module.path))] {
        let mut from = 0;
        while let Some(found) = text[from..].find(prefix) {
            let start = from + found;
            from = start + prefix.len();
            // `super::` inside `super::super::` is handled by the first match's walk.
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            if prefix == "super::" && start >= 7 && &text[start - 7..start] == "super::" {
                continue;
            }
            let mut path = base.clone();
            let mut rest = &text[start + prefix.len()..];
            while let Some(after) = rest.strip_prefix("super::") {
                path.pop();
                rest = after;
            }
            loop {
                let ident: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if ident.is_empty() {
                    break;
                }
                rest = &rest[ident.len()..];
                path.push(ident);
                match rest.strip_prefix("::") {
                    Some(after) => rest = after,
                    None => break,
                }
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for member in group[..end].split(',') {
                    let first: String = member
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !first.is_empty() && first != "self" {
                        let mut p = path.clone();
                        p.push(first);
                        out.push(p);
                    }
                }
            }
            out.push(path);
        }
    }
    out
}

fn parent(path: &ModPath) -> ModPath {
    path[..path.len().saturating_sub(1)].to_vec()
}

/// The longest prefix of `path` that is a module.
fn module_of(path: &ModPath, known: &BTreeSet<ModPath>) -> ModPath {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| known.contains(p))
        .unwrap_or_default()
}

/// The edge an import makes: between the two children of the closest common ancestor that
/// contain the importer and the imported module. `None` when one contains the other.
fn edge(from: &ModPath, to: &ModPath) -> Option<(ModPath, String, String)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((
        from[..common].to_vec(),
        from[common].clone(),
        to[common].clone(),
    ))
}

#[test]
fn imports_only_go_down_and_siblings_form_no_cycle() {
    let modules = modules();
    let known: BTreeSet<ModPath> = modules.iter().map(|m| m.path.clone()).collect();
    let layers: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut upward = Vec::new();
    // Per parent module: which child imports which sibling.
    let mut siblings: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for module in &modules {
        for reference in references(module) {
            let target = module_of(&reference, &known);
            let Some((parent, from, to)) = edge(&module.path, &target) else {
                continue;
            };
            if parent.is_empty() {
                let allowed = layers.get(from.as_str()).copied().unwrap_or(&[]);
                if !allowed.contains(&to.as_str()) {
                    upward.push(format!(
                        "{} uses {}",
                        module.path.join("::"),
                        reference.join("::")
                    ));
                }
            } else {
                siblings
                    .entry(parent)
                    .or_default()
                    .entry(from)
                    .or_default()
                    .insert(to);
            }
        }
    }
    assert!(
        layers.keys().all(|l| known.contains(&vec![l.to_string()])),
        "every layer named in LAYERS is a module"
    );
    assert!(
        upward.is_empty(),
        "imports against the layer rules (docs/architecture.md):\n{}",
        upward.join("\n")
    );
    let cycles: Vec<String> = siblings
        .iter()
        .filter_map(|(parent, graph)| {
            find_cycle(graph).map(|c| format!("in {}: {}", parent.join("::"), c.join(" -> ")))
        })
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

/// One cycle of the graph, if there is one (iterative depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = graph.keys().map(|k| (k.as_str(), Mark::New)).collect();
    for root in graph.keys() {
        if mark[root.as_str()] != Mark::New {
            continue;
        }
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(root, next(graph, root))];
        mark.insert(root, Mark::Open);
        while let Some((node, children)) = stack.last_mut() {
            let node = *node;
            match children.pop() {
                Some(child) => match mark.get(child).copied().unwrap_or(Mark::Done) {
                    Mark::Open => {
                        let mut cycle: Vec<String> = stack
                            .iter()
                            .map(|(n, _)| n.to_string())
                            .skip_while(|n| n != child)
                            .collect();
                        cycle.push(child.to_string());
                        return Some(cycle);
                    }
                    Mark::New => {
                        mark.insert(child, Mark::Open);
                        stack.push((child, next(graph, child)));
                    }
                    Mark::Done => {}
                },
                None => {
                    mark.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
    }
    None
}

fn next<'a>(graph: &'a BTreeMap<String, BTreeSet<String>>, node: &str) -> Vec<&'a str> {
    graph
        .get(node)
        .map(|s| s.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The checker itself finds what it must: an upward import and a cycle of siblings.
#[test]
fn the_checker_sees_an_upward_import_and_a_cycle() {
    let module = Module {
        path: vec!["knowledge".into(), "ports".into()],
        source: strip_comments(
            "use crate::analysis::endpoints::Endpoint;\nuse super::{hosts, self};",
        ),
    };
    let refs = references(&module);
    assert!(refs.contains(&vec![
        "analysis".into(),
        "endpoints".into(),
        "Endpoint".into()
    ]));
    assert!(refs.contains(&vec!["knowledge".into(), "hosts".into()]));
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&graph), None);
}
