//! Every tree-sitter parse goes through [`parse`], which keeps reading any document within limits:
//!
//! - **Work**: tree-sitter's error recovery can grow faster than the input (text that is not TOML
//!   in a `.toml` file, a broken line repeated thousands of times in a `.js` file). A parse may do a
//!   number of operations linear in the text and take time linear in the text (an operation of
//!   error recovery can itself cost time linear in the text, so counting them is not enough);
//!   past either it is cancelled, and the first half of what it had read by then is read instead
//!   (once: all attempts together stay within one and a half budgets).
//! - **Depth**: the readers walk the tree recursively, so a tree deeper than [`MAX_TREE_DEPTH`] is
//!   read only up to the line where it gets that deep.
//! - **Bracket nesting**: tree-sitter's parse stack follows the nesting, and it releases a stack of
//!   alternative parses (GLR) by recursion in C: a JavaScript file with 235,000 unclosed `{a: `
//!   and one more line overflowed an 8 MiB stack. A text whose brackets nest deeper than
//!   [`MAX_BRACKET_DEPTH`] (estimated before parsing, [`bracket_cut`]) is handed to tree-sitter
//!   only up to the line where it gets that deep.
//! - **Grammar limits**: a grammar may have a limit of its own that must never be reached (see
//!   `yaml::nesting_cut`); the caller passes where the text crosses it.
//!
//! What is cut off is reported as one [`SyntaxError`] that says why and from which line on the
//! document is not checked; everything before it is read as usual.

use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

use super::{line_start, tree_errors, SyntaxError};

/// The deepest tree the readers walk. Their recursion follows the tree, a few hundred bytes of
/// stack a level: 512 levels stay well inside a 2 MiB thread stack, and real configuration files
/// (even minified bundles) are far shallower.
pub const MAX_TREE_DEPTH: usize = 512;

/// The deepest bracket nesting handed to tree-sitter: four times [`MAX_TREE_DEPTH`], whose cut
/// comes first in any text that really nests (every bracket is a level of the tree or more), so
/// this one only meets texts that no reader would walk that deep anyway.
pub const MAX_BRACKET_DEPTH: usize = 4 * MAX_TREE_DEPTH;

/// Parse operations allowed per byte of text, and for any text. Real files need about one
/// operation per byte (see the `budget_fits_real_files` test); error recovery on garbage can need
/// thousands.
const OPERATIONS_PER_BYTE: u64 = 32;
const OPERATIONS_AT_LEAST: u64 = 200_000;

/// Time a parse may take, for any text and per KiB: ten times what real files need on a slow
/// machine (tree-sitter reads several MB/s even in error recovery on real files). Debug builds
/// (the test suite) are given more.
const TIME_AT_LEAST: Duration = Duration::from_millis(50 * SLOWER_IN_DEBUG);
const TIME_PER_KIB: Duration = Duration::from_micros(500 * SLOWER_IN_DEBUG);
const SLOWER_IN_DEBUG: u64 = if cfg!(debug_assertions) { 10 } else { 1 };
/// Under cargo-fuzz the time limit is off: the differential targets compare two parses of one
/// text, and a deadline one of them missed only because the machine was busy would read as a
/// difference (fuzz finding 21). The operation budget, which is deterministic, stays.
const TIME_LIMITED: bool = !cfg!(fuzzing);

/// tree-sitter asks the progress callback once every this many operations.
const OPERATIONS_PER_PROGRESS_CALL: u64 = 100;

/// Parses at most: the whole text, then a prefix where it nested too deeply, then half of what
/// a parse out of budget had read.
const MAX_ATTEMPTS: usize = 3;

/// A parse within limits: the tree of `text[..read_to]` (the whole text unless `limit` says why
/// not). `tree` is `None` only when not even an empty prefix could be parsed.
pub struct Bounded {
    pub tree: Option<Tree>,
    pub read_to: usize,
    pub limit: Option<SyntaxError>,
}

impl Bounded {
    /// The whole text was read.
    pub fn complete(&self) -> bool {
        self.limit.is_none()
    }

    /// The tree's syntax errors before the cut, then the cut itself (the end of a prefix is no
    /// error of the document's).
    pub fn errors(&self, text: &str) -> Vec<SyntaxError> {
        let mut errors = match &self.tree {
            Some(tree) if self.complete() => tree_errors(tree, text),
            Some(tree) => {
                let mut errors = tree_errors(tree, text);
                errors.retain(|e| e.span.start < self.read_to);
                errors
            }
            None => Vec::new(),
        };
        errors.extend(self.limit.clone());
        errors
    }
}

/// Why reading stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    TooDeep,
    TooComplex,
}

/// Parses `text` (reusing `old_tree`, edited to match, when given) within the limits above.
/// `grammar_cut` tells where the text first crosses a limit of the grammar itself (the text is
/// never handed to the grammar past that line).
pub fn parse(
    parser: &mut Parser,
    text: &str,
    old_tree: Option<&Tree>,
    grammar_cut: Option<fn(&str) -> Option<usize>>,
) -> Bounded {
    let mut end = text.len();
    let mut cut = None;
    let first_cut = [grammar_cut.and_then(|find| find(text)), bracket_cut(text)]
        .into_iter()
        .flatten()
        .min();
    if let Some(at) = first_cut {
        // A grammar's cut is already the start of a line, also one broken by a lone CR.
        end = if text.is_char_boundary(at) {
            at
        } else {
            line_start(text, at)
        };
        cut = Some(Cut::TooDeep);
    }
    let mut old_tree = old_tree.filter(|_| cut.is_none());
    for _ in 0..MAX_ATTEMPTS {
        let source = text.get(..end).unwrap_or("");
        match parse_budgeted(parser, source, old_tree) {
            Ok(tree) => match first_too_deep(&tree) {
                None => {
                    return Bounded {
                        tree: Some(tree),
                        read_to: end,
                        limit: cut.map(|why| limit_error(text, end, why)),
                    }
                }
                Some(deep_at) => {
                    end = line_start(text, deep_at.min(end));
                    cut = Some(Cut::TooDeep);
                }
            },
            Err(reached) => {
                if cut == Some(Cut::TooComplex) {
                    break;
                }
                end = line_start(text, reached.min(end) / 2);
                cut = Some(Cut::TooComplex);
            }
        }
        old_tree = None;
        if end == 0 {
            break;
        }
    }
    // An empty text parses to an empty tree at once.
    let tree = parse_budgeted(parser, "", None).ok();
    Bounded {
        tree,
        read_to: 0,
        limit: Some(limit_error(text, 0, cut.unwrap_or(Cut::TooComplex))),
    }
}

/// The start of the line where `(`, `[` and `{` first nest deeper than [`MAX_BRACKET_DEPTH`], if
/// they do. An estimate for every grammar: brackets inside `"…"`, `'…'` and `` `…` `` on one line
/// do not count, and a closing bracket never takes the depth below zero. Linear in the text.
pub(crate) fn bracket_cut(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if let Some(q) = quote {
            if b == b'\n' || b == b'\r' || (b == q && !escaped) {
                quote = None;
            }
            escaped = b == b'\\' && !escaped;
            continue;
        }
        match b {
            b'"' | b'\'' | b'`' => quote = Some(b),
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Some(line_start(text, i));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// One parse with an operation budget; `Err` holds how far it got when the budget ran out.
fn parse_budgeted(parser: &mut Parser, text: &str, old_tree: Option<&Tree>) -> Result<Tree, usize> {
    let budget = OPERATIONS_AT_LEAST.max(OPERATIONS_PER_BYTE.saturating_mul(text.len() as u64));
    let mut calls_left = budget / OPERATIONS_PER_PROGRESS_CALL;
    let kib = u32::try_from(text.len() / 1024).unwrap_or(u32::MAX);
    let deadline = Instant::now() + TIME_AT_LEAST + TIME_PER_KIB.saturating_mul(kib);
    let mut reached = 0;
    // returning true cancels the parse
    let mut progress = |state: &ParseState| -> bool {
        reached = state.current_byte_offset();
        if calls_left == 0 || (TIME_LIMITED && Instant::now() > deadline) {
            return true;
        }
        calls_left -= 1;
        false
    };
    let bytes = text.as_bytes();
    let tree = parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        old_tree,
        Some(ParseOptions::new().progress_callback(&mut progress)),
    );
    // a cancelled parse would otherwise resume from where it stopped next time
    parser.reset();
    tree.ok_or(reached)
}

/// The start of the first node (in document order) deeper than [`MAX_TREE_DEPTH`].
fn first_too_deep(tree: &Tree) -> Option<usize> {
    let mut cursor = tree.walk();
    let mut depth = 0;
    loop {
        if depth > MAX_TREE_DEPTH {
            return Some(cursor.node().start_byte());
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
            depth -= 1;
        }
    }
}

fn limit_error(text: &str, at: usize, why: Cut) -> SyntaxError {
    let line = text
        .as_bytes()
        .get(..at)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1;
    let reason = match why {
        Cut::TooDeep => "nested too deeply",
        Cut::TooComplex => "too malformed",
    };
    SyntaxError {
        span: at..super::line_end(text, at),
        message: format!(
            "{reason} to read on from line {line}: the rest of the file is not checked"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml() -> Parser {
        super::super::parser_for(&tree_sitter_yaml::LANGUAGE.into()).unwrap()
    }

    fn json() -> Parser {
        super::super::parser_for(&tree_sitter_json::LANGUAGE.into()).unwrap()
    }

    #[test]
    fn ordinary_text_is_read_whole() {
        let text = "smtp:\n  host: mail.example.com\n  port: 465\n";
        let read = parse(&mut yaml(), text, None, None);
        assert!(read.complete());
        assert_eq!(read.read_to, text.len());
        assert!(!read.tree.unwrap().root_node().has_error());
    }

    #[test]
    fn a_deep_tree_is_read_up_to_the_line_where_it_gets_too_deep() {
        let deep = format!(
            "{}{}",
            "[".repeat(2 * MAX_TREE_DEPTH),
            "]".repeat(2 * MAX_TREE_DEPTH)
        );
        let text = format!("{{\"a\": 1,\n\"b\": {deep}}}\n");
        let read = parse(&mut json(), &text, None, None);
        assert_eq!(read.read_to, text.find("\"b\"").unwrap());
        let limit = read.limit.unwrap();
        assert_eq!(
            limit.message,
            "nested too deeply to read on from line 2: the rest of the file is not checked"
        );
        assert!(read.tree.is_some());
    }

    #[test]
    fn a_grammar_limit_cuts_before_the_grammar_sees_the_text() {
        let text = "a: 1\nb: 2\nc: 3\n";
        let read = parse(&mut yaml(), text, None, Some(|t: &str| t.find("b:")));
        assert_eq!(read.read_to, 5);
        assert!(read.limit.unwrap().message.contains("from line 2"));
    }

    /// tree-sitter-javascript reads `{a: ` as a block or an object (a GLR split): 235,000 of them
    /// left open and one more line made its C code release the alternatives by recursion deep
    /// enough to overflow an 8 MiB stack (black-box run 4070 of session 21). The brackets are cut
    /// before the parser sees them; what comes before is read, on a 2 MiB stack (a language server
    /// thread's).
    #[test]
    fn deep_unclosed_brackets_never_reach_the_parser() {
        use super::super::parse;
        use crate::vocab::Format;
        let text = format!(
            "const transport = {{ port: 465, secure: true }};\n{}a\nset folder = \"imap://x\"\n",
            "{a: ".repeat(235_000)
        );
        assert_eq!(bracket_cut(&text), text.find("{a: "));
        let read = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || parse(Format::JavaScript, &text))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("the parse overflowed a 2 MiB stack"));
        assert!(read.settings.iter().any(|s| s.key() == "port"), "{read:?}");
        assert!(
            read.errors.iter().any(|e| e
                .message
                .starts_with("nested too deeply to read on from line 2")),
            "{:?}",
            read.errors
        );
        // Brackets in strings do not count, nor closing ones below zero.
        let quoted = format!("x = \"{}\"\n{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(bracket_cut(&quoted), None);
        assert_eq!(bracket_cut(&"[]".repeat(5000)), None);
    }

    /// Deep nesting in every format read with tree-sitter: read up to where it gets too deep (or,
    /// for some grammars, too costly), with one error that says so, on a thread with a small stack (the readers' recursion is
    /// bounded by the tree depth limit, not by the input).
    #[test]
    fn deep_nesting_in_every_format_is_read_on_a_small_stack() {
        use super::super::parse;
        use crate::vocab::Format;
        let n = 5_000;
        let deep = |open: &str, close: &str| format!("{}{}", open.repeat(n), close.repeat(n));
        let cases: Vec<(Format, String)> = vec![
            (
                Format::Json,
                format!(
                    "{{\"smtp\": {{\"port\": 465}},\n\"x\": {}}}",
                    deep("[", "]")
                ),
            ),
            (
                Format::Yaml,
                format!("smtp:\n  port: 465\nx: {}\n", deep("[", "]")),
            ),
            (
                Format::Yaml,
                "smtp:\n  port: 465\n".to_string()
                    + &(0..3_000)
                        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                        .collect::<String>(),
            ),
            (
                Format::Yaml,
                format!("smtp:\n  port: 465\nx:\n{}a\n", "- ".repeat(n)),
            ),
            // The same indentation staircase with lone CRs for line breaks (old Mac files).
            (
                Format::Yaml,
                "smtp:\r  port: 465\r".to_string()
                    + &(0..3_000)
                        .map(|i| format!("{}k{i}:\r", " ".repeat(i)))
                        .collect::<String>(),
            ),
            (
                Format::Toml,
                format!("[smtp]\nport = 465\nx = {}\n", deep("[", "]")),
            ),
            (
                Format::Toml,
                format!(
                    "[smtp]\nport = 465\nx = {}1{}\n",
                    "{a = ".repeat(n),
                    "}".repeat(n)
                ),
            ),
            (
                Format::Php,
                format!("<?php\n$smtp_port = 465;\n$a = {};\n", deep("[", "]")),
            ),
            (
                Format::Php,
                format!("<?php\n$smtp_port = 465;\n$a = {};\n", deep("array(", ")")),
            ),
            (
                Format::Ruby,
                format!("smtp_port = 465\na = {}\n", deep("[", "]")),
            ),
            (
                Format::Ruby,
                format!(
                    "smtp_port = 465\na = {}1{}\n",
                    "{a: ".repeat(n),
                    "}".repeat(n)
                ),
            ),
            (
                Format::JavaScript,
                format!(
                    "nodemailer.createTransport({{ host: \"smtp.example.com\", port: 465 }});\nx = {}1{}\n",
                    "{a:".repeat(n),
                    "}".repeat(n)
                ),
            ),
            (
                Format::Python,
                format!("EMAIL_PORT = 465\nx = {}\n", deep("[", "]")),
            ),
            (
                Format::Python,
                format!(
                    "EMAIL_PORT = 465\nx = {}1{}\n",
                    "{'a':".repeat(n),
                    "}".repeat(n)
                ),
            ),
            (
                Format::Nix,
                format!(
                    "{{ smtp.port = 465; }}\n{}\n",
                    (0..n).map(|i| format!("w{i} o{i}\n")).collect::<String>()
                ),
            ),
            (
                Format::Nix,
                format!(
                    "{{ smtp.port = 465; x = {}1{}; }}\n",
                    "{ a = ".repeat(n),
                    "; }".repeat(n)
                ),
            ),
            (
                // tree-sitter-python's scanner aborts past ~380 indentation levels
                Format::Python,
                "EMAIL_PORT = 465\n".to_string()
                    + &(0..600)
                        .map(|i| format!("{}if a:\n", " ".repeat(i)))
                        .collect::<String>()
                    + &" ".repeat(600)
                    + "x = \"open\n",
            ),
            (
                Format::Xml,
                format!(
                    "<clientConfig>\n<port>465</port>\n{}\n</clientConfig>\n",
                    deep("<a>", "</a>")
                ),
            ),
        ];
        for (format, text) in cases {
            let read = std::thread::Builder::new()
                .stack_size(1024 * 1024)
                .spawn(move || parse(format, &text))
                .unwrap()
                .join()
                .unwrap_or_else(|_| panic!("{format:?}: the reader overflowed a 1 MiB stack"));
            // tree-sitter-xml flattens deep nesting into one shallow ERROR node, slowly (0.67 s
            // in a debug build): whether the parse ends inside its time budget decides whether a
            // limit error appears, so for XML only the stack is checked (a timed test would be
            // flaky).
            assert!(
                format == Format::Xml
                    || read
                        .errors
                        .iter()
                        .any(|e| e.message.ends_with("the rest of the file is not checked")),
                "{format:?}: {:?}",
                read.errors
            );
            // (a JSON, Nix or XML file is one expression: the prefix before a cut is an unclosed
            // one, read or not as the grammar recovers)
            assert!(
                matches!(format, Format::Json | Format::Nix | Format::Xml)
                    || read
                        .settings
                        .iter()
                        .any(|s| s.key().eq_ignore_ascii_case("port")
                            || s.key() == "smtp_port"
                            || s.key() == "EMAIL_PORT"),
                "{format:?}: what comes before the nesting is read: {:?}",
                read.settings
            );
        }
    }

    #[test]
    fn runaway_error_recovery_is_cut_short() {
        // Not TOML at all: tree-sitter-toml's recovery is quadratic in the number of such lines.
        // (Closing brackets: opening ones would nest deeper than `MAX_BRACKET_DEPTH` and be cut
        // for that first.)
        let text: String = (0..3_000)
            .map(|i| format!("this is not toml at all line {i} ))\n"))
            .collect();
        let mut parser = super::super::parser_for(&tree_sitter_toml_ng::LANGUAGE.into()).unwrap();
        let read = parse(&mut parser, &text, None, None);
        assert!(read.read_to < text.len());
        assert!(read
            .limit
            .unwrap()
            .message
            .starts_with("too malformed to read on"));
    }

    #[test]
    fn budget_fits_real_files() {
        // The examples must all be read whole, with room to spare: at a tenth of the budget.
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut checked = 0;
        let mut worst = 0;
        for entry in walk(&examples) {
            let Ok(text) = std::fs::read_to_string(&entry) else {
                continue;
            };
            let name = entry.file_name().unwrap().to_string_lossy().to_string();
            let Some(format) = super::super::detect_format(&name, None, &text) else {
                continue;
            };
            let Some(language) = language_of(format) else {
                continue;
            };
            let mut parser = super::super::parser_for(&language).unwrap();
            let budget = OPERATIONS_PER_BYTE * text.len() as u64 / 10;
            let mut calls = 0u64;
            let mut count = |_: &ParseState| -> bool {
                calls += 1;
                false
            };
            let bytes = text.as_bytes();
            parser
                .parse_with_options(
                    &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
                    None,
                    Some(ParseOptions::new().progress_callback(&mut count)),
                )
                .unwrap();
            assert!(
                calls * OPERATIONS_PER_PROGRESS_CALL <= budget.max(OPERATIONS_AT_LEAST / 10),
                "{name}: {} operations for {} bytes",
                calls * OPERATIONS_PER_PROGRESS_CALL,
                text.len()
            );
            checked += 1;
            worst =
                worst.max(calls * OPERATIONS_PER_PROGRESS_CALL * 1000 / text.len().max(1) as u64);
        }
        eprintln!("worst: {} operations per 1000 bytes", worst);
        assert!(checked > 20, "only {checked} examples read");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(path);
                }
            }
        }
        out
    }

    fn language_of(format: super::super::Format) -> Option<tree_sitter::Language> {
        use crate::vocab::Format;
        Some(match format {
            Format::Yaml => tree_sitter_yaml::LANGUAGE.into(),
            Format::Json => tree_sitter_json::LANGUAGE.into(),
            Format::Toml => tree_sitter_toml_ng::LANGUAGE.into(),
            Format::Ini => tree_sitter_ini::LANGUAGE.into(),
            Format::Properties => tree_sitter_properties::LANGUAGE.into(),
            Format::Xml => tree_sitter_xml::LANGUAGE_XML.into(),
            Format::Python => tree_sitter_python::LANGUAGE.into(),
            Format::Php => tree_sitter_php::LANGUAGE_PHP.into(),
            Format::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Format::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Format::Nix => tree_sitter_nix::LANGUAGE.into(),
            _ => return None,
        })
    }
}
