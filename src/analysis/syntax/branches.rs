//! The branches of conditional statements in program source: `if`/`elif`/`else` (Python),
//! `if`/`elsif`/`else` and `unless` (Ruby), `if`/`elseif`/`else` (PHP), `if`/`else` (JavaScript,
//! Java), `if … then … else` (Nix). Settings in two branches of one statement never hold at once:
//! `EMAIL_USE_SSL = True` under `if DEBUG:` and `EMAIL_USE_TLS = True` under `else:` are two
//! configurations, not a conflict. The endpoint grouping (`endpoints::groups`) reads each branch
//! as a configuration of its own over the settings outside it.
//!
//! Read from the tree by field names the grammars share: a statement's `consequence` (or `body`)
//! and each `alternative` is a branch. One walk without recursion, linear in the tree.

use tree_sitter::Node;

use super::Branch;

/// Node kinds that are a conditional statement with branches, in the grammars mailport reads
/// source with (an `elsif`/`elif`/`else if` clause is one too: its own body and alternative).
const CONDITIONALS: &[&str] = &[
    "if_statement",
    "if",
    "unless",
    "elsif",
    "elif_clause",
    "else_if_clause",
    "if_expression",
];

/// At most this many branches are kept: a real settings file has a few; a generated one with
/// thousands is read as if it had none beyond these.
const MAX_BRANCHES: usize = 4096;

/// The branches of every conditional statement under `root`, in document order of their
/// statements.
pub fn collect(root: Node) -> Vec<Branch> {
    let mut out: Vec<Branch> = Vec::new();
    let mut cursor = root.walk();
    // The branches around the cursor, innermost last, as (index, end byte): a statement's
    // branches are pushed last first, so that the first is entered first.
    let mut open: Vec<(u32, usize)> = Vec::new();
    let mut statement = 0u32;
    loop {
        let node = cursor.node();
        while open
            .last()
            .is_some_and(|&(_, end)| end <= node.start_byte())
        {
            open.pop();
        }
        if node.is_named() && CONDITIONALS.contains(&node.kind()) && out.len() < MAX_BRANCHES {
            statement += 1;
            let exhaustive = ends_in_else(node);
            let parent = open.last().map(|&(i, _)| i);
            let mut body = node.walk();
            let consequence = node
                .child_by_field_name("consequence")
                .or_else(|| node.child_by_field_name("body"));
            let first = out.len();
            for branch in consequence
                .into_iter()
                .chain(node.children_by_field_name("alternative", &mut body))
            {
                out.push(Branch {
                    span: branch.byte_range(),
                    statement,
                    exhaustive,
                    parent,
                });
            }
            for (i, b) in out.iter().enumerate().skip(first).rev() {
                // Indices fit: at most `MAX_BRANCHES` plus one statement's.
                open.push((i as u32, b.span.end));
            }
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// Whether some branch of `node` always runs: its chain of alternatives (`elsif`, `else if`) ends
/// in an `else`.
fn ends_in_else(node: Node) -> bool {
    let mut at = node;
    // Each `else if` of a chain is a statement of its own that asks again: a chain longer than
    // this is read as not ending in `else` (its outside settings stay a configuration), so that
    // a generated chain of thousands costs no more than this per statement.
    for _ in 0..MAX_CHAIN {
        let mut cursor = at.walk();
        let Some(last) = at.children_by_field_name("alternative", &mut cursor).last() else {
            return false;
        };
        let next = if last.is_named() && CONDITIONALS.contains(&last.kind()) {
            last
        } else {
            // JavaScript's `else_clause` holding an `if_statement` is an `else if`.
            match last.named_child(0) {
                Some(inner) if last.named_child_count() == 1 && inner.kind() == "if_statement" => {
                    inner
                }
                _ => return true,
            }
        };
        at = next;
    }
    false
}

/// The longest chain of `else if` followed to its end.
const MAX_CHAIN: usize = 256;

#[cfg(test)]
mod tests {
    use crate::analysis::syntax::{self, Branch};
    use crate::vocab::Format;

    fn read(format: Format, text: &str) -> Vec<(String, u32, bool, Option<u32>)> {
        syntax::parse(format, text)
            .branches
            .into_iter()
            .map(
                |Branch {
                     span,
                     statement,
                     exhaustive,
                     parent,
                 }| {
                    (text[span].trim().to_string(), statement, exhaustive, parent)
                },
            )
            .collect()
    }

    #[test]
    fn if_elif_else_in_each_language() {
        let python = "if A:\n    X = 1\nelif B:\n    X = 2\nelse:\n    X = 3\n";
        assert_eq!(
            read(Format::Python, python),
            [
                ("X = 1".into(), 1, true, None),
                ("elif B:\n    X = 2".into(), 1, true, None),
                ("else:\n    X = 3".into(), 1, true, None),
                ("X = 2".into(), 2, false, Some(1)),
            ]
        );
        let ruby = "if a\n  x = 1\nelsif b\n  x = 2\nelse\n  x = 3\nend\n";
        let branches = read(Format::Ruby, ruby);
        assert_eq!(branches.len(), 4, "{branches:?}");
        assert!(branches[0].2, "the chain ends in else: {branches:?}");
        let js = "if (a) { x = 1 } else if (b) { x = 2 }\n";
        let branches = read(Format::JavaScript, js);
        assert!(branches.iter().all(|b| !b.2), "no final else: {branches:?}");
        // Nothing conditional, nothing kept.
        assert_eq!(read(Format::Python, "X = 1  # if not\n"), []);
    }
}
