//! Syntax: one small adapter per file format. Every adapter turns a document into the same flat list
//! of [`Setting`]s (key path, value, byte spans, how to write a sibling). Formats stop here: nothing
//! above this module knows YAML from INI.

use crate::vocab::{Format, Span};

pub mod branches;
pub mod claws;
pub mod detect;
pub mod dockerfile;
pub mod elisp;
pub mod env;
pub mod esmtp;
pub mod formats;
pub mod heredoc;
pub mod hjson;
pub mod hostport;
pub mod ini;
pub mod json;
pub mod properties;
pub mod toml;
pub mod well_formed;
pub mod yaml;
// Mail-client rc files, Postfix, XML autoconfig and settings written in program source.
pub mod fetchmail;
pub mod java;
pub mod javascript;
pub mod literal;
pub mod mailrc;
pub mod mbsync;
pub mod msmtp;
pub mod muttrc;
pub mod nix;
pub mod nullmailer;
pub mod php;
pub mod pinerc;
pub mod postfix;
pub mod python;
mod reuse;
pub mod ruby;
pub mod shell_ref;
pub mod xml;

pub use detect::detect_format;

/// How a value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// Unquoted text (env, INI, properties, YAML plain scalars that are not numbers/booleans).
    Plain,
    /// A quoted string; the value span is inside the quotes.
    Quoted,
    /// A number literal in a typed format (JSON/YAML/TOML).
    Number,
    /// A boolean literal in a typed format.
    Bool,
    /// `null` / `~` / empty in a typed format.
    Null,
}

/// How to write a new entry next to an existing one, in the document's own style: where, and in
/// what shape. The shape is shared: a document's entries come in a few shapes, and a big document
/// keeps thousands of settings (see `IncrementalDoc`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EntryStyle {
    /// Byte offset where a sibling entry is inserted (end of this entry's line for line-based
    /// layouts, right after the value for inline tables / flow mappings / JSON members).
    pub insert_at: usize,
    pub shape: std::sync::Arc<EntryShape>,
}

impl EntryStyle {
    pub fn new(insert_at: usize, shape: EntryShape) -> Self {
        EntryStyle {
            insert_at,
            shape: std::sync::Arc::new(shape),
        }
    }

    /// The shape to change (copied first when shared).
    pub fn shape_mut(&mut self) -> &mut EntryShape {
        std::sync::Arc::make_mut(&mut self.shape)
    }
}

/// Reads of the shape go through the style: `style.lead`, `style.separator`.
impl std::ops::Deref for EntryStyle {
    type Target = EntryShape;

    fn deref(&self) -> &EntryShape {
        &self.shape
    }
}

/// The text around a new entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct EntryShape {
    /// Text written before the new entry: `"\n    "`, `",\n  "`, `", "` …
    pub lead: Segment,
    /// Text written before the key of the new entry: `"- "` for YAML list items, `"export "` …
    pub item_prefix: String,
    /// Written before the last key segment: e.g. `"imap."` for a TOML dotted key `imap.port`.
    pub key_prefix: String,
    /// The key is quoted with this character (JSON: `"`).
    pub key_quote: Option<char>,
    /// Between key and value: `": "`, `" = "`, `"="` …
    pub separator: Segment,
    /// The entry is a `KEY=VALUE` string inside a list (docker-compose `environment:` list form).
    pub env_in_string: bool,
    /// The entry is written in another block and inherited (an msmtp `defaults` or parent
    /// account line): a new value is written as the block's own entry at `insert_at`, since
    /// rewriting the old one would change every block that inherits it.
    pub inherited: bool,
    /// Written after the value: `;` (Nix, PHP statements), `);` (PHP `define`), `</{key}>` (XML;
    /// `{key}` stands for the new key).
    pub suffix: String,
    /// Values here are data, not code (a quoted Lisp list): a value a profile writes quoted
    /// (`'ssl`) is written without its quote.
    pub quoted_values: bool,
}

/// One key path segment. Shared: a document's settings repeat the same few names thousands of
/// times, and a long-lived document keeps one copy of each (see `IncrementalDoc`).
pub type Segment = std::sync::Arc<str>;

/// The first key segment of what a file sets outside any scope of its own (an Emacs Lisp
/// `defun` or alist, a mutt hook's command): profiles read those scopes over it (`inherit`).
pub const TOP_LEVEL: &str = "top level";

/// Key path segments from names.
pub fn segments<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Vec<Segment> {
    names.into_iter().map(|n| segment(n.as_ref())).collect()
}

/// One key path segment from a name, clipped to [`MAX_SEGMENT`] bytes as every adapter clips it
/// (the fast YAML reader and tree-sitter must agree on a long name).
pub fn segment(name: &str) -> Segment {
    Segment::from(clip_segment(name))
}

/// Longest key path segment kept, in bytes. Mail keys are short, and an adapter copies its
/// parents' names into every setting below them: a megabyte-long name above thousands of
/// settings must not be copied whole each time (memory would grow with their product).
const MAX_SEGMENT: usize = 256;

pub(crate) fn clip_segment(name: &str) -> &str {
    if name.len() <= MAX_SEGMENT {
        return name;
    }
    let mut end = MAX_SEGMENT;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// One key/value pair read from a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The key path, outermost first, exactly as written (case kept). Dotted keys are split:
    /// YAML `spring: {mail: {port: 25}}`, properties `spring.mail.port=25` and TOML
    /// `spring.mail.port = 25` all give `["spring", "mail", "port"]`. Environment variable names
    /// stay one segment (`["services", "app", "environment", "SMTP_PORT"]`).
    pub path: Vec<Segment>,
    /// The decoded value (quotes removed, escapes resolved).
    pub value: String,
    pub kind: ValueKind,
    /// The key as written (the last segment).
    pub key_span: Span,
    /// The value as written, inside the quotes when quoted. Empty at the insertion point when the
    /// value is empty.
    pub value_span: Span,
    /// How a sibling of this entry is written.
    pub style: EntryStyle,
    /// Whether the value is an environment lookup's fallback, read where the variable is unset.
    pub env_default: EnvDefault,
}

/// What an environment lookup (`os.getenv("X", 25)`, `${X:-25}`) falls back to when the variable
/// is unset: the endpoint is read in one of two worlds, the variables set or not, never a mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EnvDefault {
    /// Not a lookup with a fallback: a literal, or a lookup without one.
    #[default]
    None,
    /// The value is the lookup's literal fallback (`25` of `os.getenv("EMAIL_PORT", 25)`).
    Literal,
    /// The lookup falls back to an empty value (`os.getenv("EMAIL_HOST_USER", "")`): the value is
    /// the variable's, and with the variables unset it is empty.
    Empty,
}

impl Setting {
    /// Gives back the spare capacity of its strings (a setting kept for long is stored as small
    /// as it can be).
    pub fn shrink(&mut self) {
        self.path.shrink_to_fit();
        self.value.shrink_to_fit();
    }

    /// Moves the setting by `delta` bytes (it was read from a chunk, or text before it changed).
    pub fn shift(&mut self, delta: isize) {
        let moved = |at: usize| at.wrapping_add_signed(delta);
        self.key_span = moved(self.key_span.start)..moved(self.key_span.end);
        self.value_span = moved(self.value_span.start)..moved(self.value_span.end);
        self.style.insert_at = moved(self.style.insert_at);
    }

    /// The key path as names.
    pub fn path_names(&self) -> Vec<&str> {
        self.path.iter().map(|k| &**k).collect()
    }

    /// The last key segment (`SMTP_PORT`, `port`).
    /// A flag: a key written alone (`/ssl`, `--starttls`), its empty value right after it.
    pub fn is_flag(&self) -> bool {
        self.value.is_empty()
            && self.value_span.is_empty()
            && self.value_span.start == self.key_span.end
    }

    pub fn key(&self) -> &str {
        self.path.last().map_or("", |k| k)
    }
}

/// A place where the document could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

impl SyntaxError {
    /// Moves the error by `delta` bytes.
    pub fn shift(&mut self, delta: isize) {
        let moved = |at: usize| at.wrapping_add_signed(delta);
        self.span = moved(self.span.start)..moved(self.span.end);
    }
}

/// What an adapter read from a document: everything it could, plus where it could not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub settings: Vec<Setting>,
    pub errors: Vec<SyntaxError>,
    /// The branches of conditional statements, in program source ([`branches`]); empty elsewhere.
    pub branches: Vec<Branch>,
}

impl Parsed {
    /// Settings and errors, in a format without branches.
    pub fn new(settings: Vec<Setting>, errors: Vec<SyntaxError>) -> Parsed {
        Parsed {
            settings,
            errors,
            branches: Vec::new(),
        }
    }

    /// Moves everything by `delta` bytes (a read of a part of a text into the text's offsets).
    pub fn shift(&mut self, delta: isize) {
        for setting in &mut self.settings {
            setting.shift(delta);
        }
        for error in &mut self.errors {
            error.shift(delta);
        }
        for branch in &mut self.branches {
            let moved = |at: usize| at.wrapping_add_signed(delta);
            branch.span = moved(branch.span.start)..moved(branch.span.end);
        }
    }
}

/// One branch of a conditional statement: the settings inside it hold only when it runs, and
/// never together with another branch's of the same statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    pub span: Span,
    /// The statement it belongs to (numbered from 1 in the document).
    pub statement: u32,
    /// Some branch of the statement always runs (it ends in an `else`).
    pub exhaustive: bool,
    /// The branch (an index into the list) the statement sits in, if any.
    pub parent: Option<u32>,
}

/// A value written as one Java placeholder with a literal default (`port: ${MAIL_PORT:587}`, see
/// [`shell_ref::placeholder_default`]) reads as its default and spans it, so that a fix edits the
/// default in place. `bare_kind` types a default written bare (YAML's `587` is a number). A value
/// with escapes (its text is not what is written) is left as it is.
pub(crate) fn read_placeholder_default(
    s: &mut Setting,
    text: &str,
    bare_kind: impl Fn(&str) -> ValueKind,
) {
    if text.get(s.value_span.clone()) != Some(s.value.as_str()) {
        return;
    }
    let Some(default) = shell_ref::placeholder_default(&s.value) else {
        return;
    };
    s.value = s.value[default.clone()].to_string();
    s.env_default = EnvDefault::Literal;
    if s.kind != ValueKind::Quoted {
        s.kind = bare_kind(&s.value);
    }
    let start = s.value_span.start;
    s.value_span = start + default.start..start + default.end;
}

/// Reads `text` as `format`. Never panics; a broken document yields what can be read plus errors.
pub fn parse(format: Format, text: &str) -> Parsed {
    let spec = formats::spec(format);
    if !spec.heredoc_scripts.is_empty() {
        if let Some(bodies) = heredoc::script_bodies(text, spec.heredoc_names()) {
            return (spec.read)(&bodies);
        }
    }
    (spec.read)(text)
}

pub mod bounded;
pub(crate) mod chunked;
pub mod incremental;

// ---------------------------------------------------------------------------------------------
// Helpers shared by the adapters (line geometry, tree-sitter plumbing).

/// Start of the line that contains `pos`, however far back: exact, for line numbers (`bounded`
/// names the line a read stops at) and for the table formats' insertion points. The literal
/// adapters, which ask for every setting's line, use the bounded [`literal::line_start`]; the
/// "repeated settings cr" shape of `tests/robustness/worst_cases.py` keeps both linear.
pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()
        .get(..pos)
        .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
        .map_or(0, |i| i + 1)
}

/// End of the line that contains `pos`: the offset of its `\r\n` / `\n`, or the end of the text
/// (a `\r` that ends the text stays on the line; [`literal::line_end`] leaves it after the end).
pub(crate) fn line_end(text: &str, pos: usize) -> usize {
    let bytes = text.as_bytes();
    let pos = pos.min(bytes.len());
    let newline = bytes
        .get(pos..)
        .and_then(|after| after.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |i| pos + i);
    if newline > pos && bytes.get(newline - 1) == Some(&b'\r') && newline < bytes.len() {
        newline - 1
    } else {
        newline
    }
}

/// The line break the document uses after the line that contains `pos` (`"\r\n"` or `"\n"`).
pub(crate) fn line_break_at(text: &str, pos: usize) -> &'static str {
    let end = line_end(text, pos);
    if text.as_bytes().get(end) == Some(&b'\r') {
        "\r\n"
    } else {
        "\n"
    }
}

/// The leading blanks of the line that contains `pos`.
pub(crate) fn indentation_at(text: &str, pos: usize) -> &str {
    let start = line_start(text, pos);
    let rest = text.get(start..).unwrap_or("");
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest.get(..width).unwrap_or("")
}

/// `lead` for a line-based layout: a line break and the indentation of the entry at `pos`.
pub(crate) fn line_lead(text: &str, pos: usize) -> String {
    format!("{}{}", line_break_at(text, pos), indentation_at(text, pos))
}

/// `&text[span]`, or `""` when the span is not valid for the text.
pub(crate) fn slice(text: &str, span: Span) -> &str {
    text.get(span).unwrap_or("")
}

/// FNV-1a of the line that starts at `start` (where chunks of line formats start: a hash of
/// the line itself, so an edit moves no other chunk's start).
pub(crate) fn line_hash(text: &str, start: usize) -> u64 {
    let bytes = text.as_bytes().get(start..).unwrap_or(&[]);
    bytes
        .iter()
        .take_while(|&&b| b != b'\n')
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Where the run of lines that starts at `start` ends: at the next line after its first for
/// which `starts_run(text, line_start)` holds, or at the end of the text.
pub(crate) fn next_line_where(
    text: &str,
    start: usize,
    starts_run: fn(&str, usize) -> bool,
) -> usize {
    let bytes = text.as_bytes();
    let mut pos = start;
    loop {
        pos = match bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        {
            Some(i) => pos + i + 1,
            None => return text.len(),
        };
        if pos >= text.len() || starts_run(text, pos) {
            return pos.min(text.len());
        }
    }
}

/// A node's named children (tree-sitter hands them out through a cursor).
pub(crate) fn named_children(node: tree_sitter::Node) -> Vec<tree_sitter::Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Parses `text` with a tree-sitter grammar, within the limits of [`bounded`].
pub(crate) fn parse_tree(language: &tree_sitter::Language, text: &str) -> bounded::Bounded {
    match parser_for(language) {
        Some(mut parser) => bounded::parse(&mut parser, text, None, None),
        None => bounded::Bounded {
            tree: None,
            read_to: 0,
            limit: None,
        },
    }
}

/// A parser for `language`, `None` only if the grammar cannot be loaded.
pub(crate) fn parser_for(language: &tree_sitter::Language) -> Option<tree_sitter::Parser> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(language).ok()?;
    Some(parser)
}

/// Syntax errors listed per tree at most.
const MAX_SYNTAX_ERRORS: usize = 100;

/// The ERROR and MISSING nodes of a tree (the first [`MAX_SYNTAX_ERRORS`], in document order) as
/// [`SyntaxError`]s with a short reason. Only
/// descends into subtrees that contain an error, so a clean tree costs nothing.
pub(crate) fn tree_errors(tree: &tree_sitter::Tree, text: &str) -> Vec<SyntaxError> {
    let mut errors = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        // The first errors say all there is to say (one MP000 shows the first); listing every one
        // of thousands on one long line would cost a scan of that line each.
        if errors.len() >= MAX_SYNTAX_ERRORS {
            break;
        }
        if !node.has_error() {
            continue;
        }
        if node.is_missing() {
            let what = node.kind();
            let what = if what.chars().all(|c| c.is_ascii_punctuation()) {
                format!("'{what}'")
            } else {
                what.replace('_', " ")
            };
            errors.push(SyntaxError {
                span: node.start_byte()..node.end_byte(),
                message: format!("missing {what}"),
            });
            continue;
        }
        if node.is_error() {
            errors.push(error_at(node, text));
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    errors
}

/// An ERROR node as a one-line error: the first stray token inside it (a grammar wraps whole
/// regions in ERROR, so the node itself is often far too wide to show).
fn error_at(node: tree_sitter::Node, text: &str) -> SyntaxError {
    let mut node = node;
    loop {
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        if let Some(token) = children
            .iter()
            .find(|c| !c.is_named() && c.end_byte() > c.start_byte())
        {
            node = *token;
            break;
        }
        match children.iter().find(|c| c.is_error()) {
            Some(inner) => node = *inner,
            None => break,
        }
    }
    let start = node.start_byte();
    let end = node.end_byte().min(line_end(text, start)).max(start);
    let shown: String = slice(text, start..end).trim().chars().take(20).collect();
    let message = if shown.is_empty() {
        "unexpected end of input".to_string()
    } else {
        format!("unexpected '{shown}'")
    };
    SyntaxError {
        span: start..end,
        message,
    }
}

/// The first place where two reads differ, for assertion messages that stay short.
#[cfg(test)]
pub(crate) fn first_difference(left: &Parsed, right: &Parsed) -> Option<String> {
    if let Some(i) = left
        .settings
        .iter()
        .zip(&right.settings)
        .position(|(a, b)| a != b)
    {
        return Some(format!(
            "setting {i}: {:?}\n  vs {:?}",
            left.settings[i], right.settings[i]
        ));
    }
    if left.settings.len() != right.settings.len() {
        return Some(format!(
            "{} settings vs {}",
            left.settings.len(),
            right.settings.len()
        ));
    }
    (left.errors != right.errors)
        .then(|| format!("errors {:?}\n  vs {:?}", left.errors, right.errors))
}

/// `text` with a sibling `key`/`value` written after `next_to` in its own entry style, the way a
/// fix inserts a missing key (adapter tests).
#[cfg(test)]
pub(crate) fn with_sibling(text: &str, next_to: &Setting, key: &str, value: &str) -> String {
    let s = &next_to.style;
    let mut edited = text.to_string();
    edited.insert_str(
        s.insert_at,
        &format!(
            "{}{}{}{key}{}{value}{}",
            s.lead, s.item_prefix, s.key_prefix, s.separator, s.suffix
        ),
    );
    edited
}

/// A readable dump of what an adapter read (snapshot tests).
#[cfg(test)]
pub(crate) fn show_parsed(text: &str, parsed: &Parsed) -> String {
    let mut out = String::new();
    for s in &parsed.settings {
        out.push_str(&format!(
            "{} = {:?} {:?} value@{:?} {:?} style(at {}, lead {:?}, prefix {:?} {:?}, sep {:?})\n",
            s.path.join("/"),
            s.value,
            s.kind,
            s.value_span,
            &text[s.value_span.clone()],
            s.style.insert_at,
            s.style.lead,
            s.style.item_prefix,
            s.style.key_prefix,
            s.style.separator
        ));
        let key_text = text.get(s.key_span.clone()).unwrap_or("<bad key span>");
        if key_text != s.key() {
            out.push_str(&format!("    key written {key_text:?}\n"));
        }
        if s.style.env_in_string || s.style.key_quote.is_some() {
            out.push_str(&format!(
                "    env_in_string {} key_quote {:?}\n",
                s.style.env_in_string, s.style.key_quote
            ));
        }
    }
    for e in &parsed.errors {
        out.push_str(&format!("error {:?}: {}\n", e.span, e.message));
    }
    out
}
