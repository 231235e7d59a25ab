//! Pieces shared by the adapters that read settings out of program source (Python, PHP, Ruby,
//! JavaScript, Nix) and out of mail-client rc files: building a [`Setting`], line geometry for
//! entry styles, quoted-literal decoding, and variable references.

use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};
use crate::analysis::syntax::EnvDefault;

use crate::vocab::Span;

/// How a value that comes from elsewhere is written into a setting: `${SMTP_PORT}`. The rules treat
/// a variable reference as "configured, but not decided here" (never an invalid port, never a
/// mode), which is exactly what `process.env.SMTP_PORT` or `getenv('MAIL_PORT')` mean.
pub fn reference(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '{' | '}' | '\n' | '\r'))
        .take(80)
        .collect();
    format!("${{{}}}", clean.trim())
}

/// How far back [`line_start`] looks for the line's start. Every setting asks for its line's
/// geometry: on a text with no line feed (a minified bundle, or `\r` line endings) an unbounded
/// look back made a 1 MB JavaScript file quadratic (2.4 s).
const LINE_LOOK_BACK: usize = 4096;

/// Byte offset of the start of the line holding `pos`; on a line longer than [`LINE_LOOK_BACK`],
/// the first character boundary that far back (what entry styles need: the indentation and
/// whether the entry starts its line).
pub fn line_start(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    let mut from = pos.saturating_sub(LINE_LOOK_BACK);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    text.get(from..pos)
        .and_then(|before| before.rfind('\n'))
        .map_or(from, |i| from + i + 1)
}

/// Byte offset of the end of the line holding `pos` (the `\n`, or the end of the text; a `\r`
/// before the `\n` is left after the offset).
pub fn line_end(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    let end = text
        .get(pos..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |i| pos + i);
    if end > 0 && text.as_bytes().get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// The leading whitespace of the line holding `pos`.
pub fn indent_at(text: &str, pos: usize) -> &str {
    let start = line_start(text, pos);
    let rest = text.get(start..).unwrap_or("");
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest.get(..width).unwrap_or("")
}

/// 1-based line number of a byte offset (tests and messages).
pub fn line_number(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text.as_bytes()
        .get(..pos)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// A sibling goes on a new line after the line that ends the entry at `entry_end`, with the same
/// indentation as the line that holds `entry_start`.
pub fn line_style(text: &str, entry_start: usize, entry_end: usize, separator: &str) -> EntryStyle {
    EntryStyle::new(
        line_end(text, entry_end),
        EntryShape {
            lead: format!("\n{}", indent_at(text, entry_start)).into(),
            separator: separator.into(),
            ..EntryShape::default()
        },
    )
}

/// A sibling member of an object/dict/hash/array literal goes right after this one: `, key: v` on
/// one line, or `,\n<indent>key: v` when the members are on lines of their own.
pub fn member_style(
    text: &str,
    entry_start: usize,
    entry_end: usize,
    separator: &str,
    key_quote: Option<char>,
) -> EntryStyle {
    let own_line = text
        .get(line_start(text, entry_start)..entry_start)
        .is_some_and(|before| before.trim().is_empty());
    let lead = if own_line {
        format!(",\n{}", indent_at(text, entry_start))
    } else {
        ", ".to_string()
    };
    EntryStyle::new(
        entry_end,
        EntryShape {
            lead: lead.into(),
            separator: separator.into(),
            key_quote,
            ..EntryShape::default()
        },
    )
}

/// A sibling statement written exactly like this one: `define( 'KEY', value );`,
/// `$mail->Key = value;`, `gitlab_rails['key'] = value`. The text before the key, between the key
/// and the value, and after the value up to the end of the statement is copied.
pub fn copied_style(text: &str, statement: Span, key: Span, value: Span) -> EntryStyle {
    let piece = |range: Span| text.get(range).unwrap_or("").to_string();
    EntryStyle::new(
        line_end(text, statement.end),
        EntryShape {
            lead: format!("\n{}", indent_at(text, statement.start)).into(),
            key_prefix: piece(statement.start..key.start),
            separator: piece(key.end..value.start).into(),
            suffix: piece(value.end..statement.end),
            ..EntryShape::default()
        },
    )
}

/// Decodes a quoted literal that occupies `span` (quotes included): returns the text and the span
/// inside the quotes. Understands a leading string prefix (`r`, `b`, `f`, `u`), `'…'`, `"…"`,
/// `` `…` `` and triple quotes; backslash escapes are resolved (`raw` keeps them as written).
pub fn unquote(text: &str, span: Span) -> Option<(String, Span)> {
    let raw_text = text.get(span.clone())?;
    let quote_at = raw_text.find(['"', '\'', '`'])?;
    let prefix = raw_text.get(..quote_at)?;
    if !prefix.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let raw = prefix.contains(['r', 'R']);
    let body = raw_text.get(quote_at..)?;
    let quote = body.chars().next()?;
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let delim_len = if body.len() >= 6 && body.starts_with(&triple) && body.ends_with(&triple) {
        3
    } else {
        1
    };
    if body.len() < 2 * delim_len || !body.ends_with(quote) {
        return None;
    }
    let inner_start = span.start + quote_at + delim_len;
    let inner_end = span.end - delim_len;
    let inner = text.get(inner_start..inner_end)?;
    let value = if raw {
        inner.to_string()
    } else {
        unescape(inner)
    };
    Some((value, inner_start..inner_end))
}

/// Resolves the common backslash escapes (`\n`, `\t`, `\\`, `\"`, `\'`); others are kept.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other @ ('\\' | '"' | '\'' | '`' | '$')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Reads a document written in a programming language: `read` gets the root of its tree and
/// returns the settings it found. Source files report no syntax errors (a reader takes what it
/// can recognise and skips the rest), only where reading stopped at a limit (see
/// [`super::bounded`]; `grammar_cut` as there).
pub fn read_source(
    language: tree_sitter::Language,
    text: &str,
    grammar_cut: Option<fn(&str) -> Option<usize>>,
    read: impl FnOnce(tree_sitter::Node) -> Vec<Setting>,
) -> Parsed {
    read_template_source(language, text, grammar_cut, &["{{"], read)
}

/// [`read_source`] for a language in which `${…}` is no syntax of its own (Ruby, Python), so a
/// `${smtp_tls}` written by envsubst or Terraform is a placeholder like `{{ … }}`.
pub fn read_source_with_dollar_braces(
    language: tree_sitter::Language,
    text: &str,
    grammar_cut: Option<fn(&str) -> Option<usize>>,
    read: impl FnOnce(tree_sitter::Node) -> Vec<Setting>,
) -> Parsed {
    read_template_source(language, text, grammar_cut, &["{{", "${"], read)
}

fn read_template_source(
    language: tree_sitter::Language,
    text: &str,
    grammar_cut: Option<fn(&str) -> Option<usize>>,
    openers: &[&str],
    read: impl FnOnce(tree_sitter::Node) -> Vec<Setting>,
) -> Parsed {
    let Some(mut parser) = super::parser_for(&language) else {
        return Parsed::default();
    };
    // The tree comes from the masked text (same length, so every byte range is the same); the
    // reader takes its values from the original text.
    let mut masked = std::borrow::Cow::Borrowed(text);
    for opener in openers {
        if let std::borrow::Cow::Owned(m) = mask_templates_opened_by(&masked, opener) {
            masked = std::borrow::Cow::Owned(m);
        }
    }
    let tree = super::bounded::parse(&mut parser, &masked, None, grammar_cut);
    let root = tree.tree.as_ref().map(|t| t.root_node());
    Parsed {
        settings: root.map_or_else(Vec::new, read),
        errors: tree.limit.into_iter().collect(),
        branches: root.map_or_else(Vec::new, super::branches::collect),
    }
}

/// The longest `{{ … }}` placeholder [`mask_templates`] hides; a real one is a name or a short
/// expression on one line.
const LONGEST_TEMPLATE: usize = 120;

/// `text` with every one-line `{{ … }}` placeholder of a template engine (Jinja, Go templates,
/// mustache, the `{{SMTP_PORT}}` of Docker images' entrypoints) turned into an identifier of the
/// same length: `{{SMTP_PORT}}` → `__SMTP_PORT__`, `{{ .Values.port }}` → `____Values_port___`.
/// Written bare into program source (`port: {{SMTP_PORT}},`, `:{{SMTP_AUTH}}`), such a
/// placeholder is a syntax error that costs the parser the whole hash around it; as an
/// identifier it reads as what it is, a value set elsewhere (`={{`, a JSX attribute holding an
/// object, is left as it is). Byte offsets do not move, so spans
/// and values are still read from the original text. Each `{{` looks at most
/// [`LONGEST_TEMPLATE`] bytes ahead: linear in the text.
pub fn mask_templates(text: &str) -> std::borrow::Cow<'_, str> {
    mask_templates_opened_by(text, "{{")
}

/// [`mask_templates`] for placeholders opened by `opener`: `{{ … }}`, or `${ … }` (closed by
/// one brace).
fn mask_templates_opened_by<'a>(text: &'a str, opener: &str) -> std::borrow::Cow<'a, str> {
    if !text.contains(opener) {
        return std::borrow::Cow::Borrowed(text);
    }
    let closer: &[u8] = if opener == "{{" { b"}}" } else { b"}" };
    let mut bytes = text.as_bytes().to_vec();
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(opener)) {
        let open = from + found;
        let inner_start = open + 2;
        // `style={{ color: "red" }}`: a JSX attribute holding an object, not a placeholder.
        if opener == "{{" && open > 0 && text.as_bytes()[open - 1] == b'=' {
            from = inner_start;
            continue;
        }
        let window_end = (inner_start + LONGEST_TEMPLATE).min(text.len());
        let window = &text.as_bytes()[inner_start..window_end];
        let close = window
            .iter()
            .position(|b| matches!(b, b'}' | b'{' | b'\n'))
            .filter(|&at| window.get(at..at + closer.len()) == Some(closer));
        match close {
            Some(at) => {
                let end = inner_start + at + closer.len();
                for byte in &mut bytes[open..end] {
                    if !byte.is_ascii_alphanumeric() {
                        *byte = b'_';
                    }
                }
                from = end;
            }
            None => from = inner_start,
        }
    }
    // Only ASCII bytes were written, each over a whole character (the span starts and ends at
    // ASCII braces), so the bytes are still UTF-8; the fallback keeps the original text.
    match String::from_utf8(bytes) {
        Ok(masked) => std::borrow::Cow::Owned(masked),
        Err(_) => std::borrow::Cow::Borrowed(text),
    }
}

/// The source text of a node.
pub fn node_text<'a>(text: &'a str, node: tree_sitter::Node) -> &'a str {
    text.get(node.byte_range()).unwrap_or("")
}

/// A value read out of program source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A literal: text as decoded, how it is written, its span (inside quotes).
    Literal {
        value: String,
        kind: ValueKind,
        span: Span,
    },
    /// A value that comes from elsewhere (an environment variable without a literal default, a
    /// constant, another variable): its name, and the span of the whole expression.
    Reference { name: String, span: Span },
}

impl Value {
    pub fn literal(value: impl Into<String>, kind: ValueKind, span: Span) -> Value {
        Value::Literal {
            value: value.into(),
            kind,
            span,
        }
    }

    /// The setting for this value under `path`.
    pub fn into_setting(self, path: Vec<String>, key_span: Span, style: EntryStyle) -> Setting {
        match self {
            Value::Literal { value, kind, span } => {
                setting(path, value, kind, key_span, span, style)
            }
            Value::Reference { name, span } => setting(
                path,
                reference(&name),
                ValueKind::Plain,
                key_span,
                span,
                style,
            ),
        }
    }
}

/// A value the program reader cannot read that is a template's placeholder (`${smtp_tls}` in a
/// `gitlab.rb` written by envsubst or Terraform, `{{ port }}` in a Jinja one): not valid source,
/// so the grammar gives an error or an expression, but what it stands for is set elsewhere — a
/// value the document does not name, never an absent key.
pub fn placeholder(text: &str, span: Span) -> Option<Value> {
    let text = text.trim();
    (text.contains("${") || text.contains("{{")).then(|| Value::Reference {
        name: text.to_string(),
        span,
    })
}

/// The value of `left || right` in program source (`or`, `||`, `?:`, and `??` when `nullish`): the
/// left literal unless it is falsy (`25 or 465` is 25); else the right literal, the fallback of an
/// unset variable (`getenv('X') ?: 587`). An empty fallback (`getenv('X') ?: ''`) only says "unset
/// here": the value stays the variable's. `span` is the whole expression's.
pub fn either(
    left: Option<Value>,
    right: impl FnOnce() -> Option<Value>,
    nullish: bool,
    span: Span,
) -> Option<Value> {
    match left {
        Some(Value::Literal { value, kind, .. }) if !is_falsy(&value, kind, nullish) => {
            Some(Value::Literal { value, kind, span })
        }
        Some(Value::Literal { .. }) => right(),
        reference => match right() {
            Some(Value::Literal { value, .. }) if value.trim().is_empty() => reference,
            Some(v @ Value::Literal { .. }) => Some(v),
            _ => reference,
        }
        .map(|v| match v {
            Value::Reference { name, .. } => Value::Reference { name, span },
            literal => literal,
        }),
    }
}

/// Whether a literal makes `||`/`or` take its right side (`??`: only a null one).
fn is_falsy(value: &str, kind: ValueKind, nullish: bool) -> bool {
    let v = value.trim();
    let null = kind == ValueKind::Null
        || kind != ValueKind::Quoted && matches!(v, "null" | "NULL" | "None" | "nil" | "undefined");
    if nullish {
        return null;
    }
    null || v.is_empty()
        || kind != ValueKind::Quoted && matches!(v, "0" | "false" | "False" | "FALSE")
}

/// The value of a line-based command, written at `start`: in double quotes (unescaped, the span
/// inside the quotes) or as it stands.
pub fn word_value(written: &str, start: usize) -> (String, ValueKind, Span) {
    match written
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) => (
            unescape(inner),
            ValueKind::Quoted,
            start + 1..start + 1 + inner.len(),
        ),
        None => (
            written.to_string(),
            ValueKind::Plain,
            start..start + written.len(),
        ),
    }
}

/// What an environment lookup whose fallback reads as `fallback` gives where the variable is unset.
pub fn fallback_kind(fallback: Option<Value>) -> EnvDefault {
    match fallback {
        Some(Value::Literal { value, .. }) if value.trim().is_empty() => EnvDefault::Empty,
        Some(Value::Literal { .. }) => EnvDefault::Literal,
        _ => EnvDefault::None,
    }
}

/// A setting read from a document.
pub fn setting(
    path: Vec<String>,
    value: String,
    kind: ValueKind,
    key_span: Span,
    value_span: Span,
    style: EntryStyle,
) -> Setting {
    Setting {
        path: super::segments(path),
        value,
        kind,
        key_span,
        value_span,
        style,
        env_default: EnvDefault::None,
    }
}

/// One line per setting, for snapshot tests: `path › to › key = "value" (kind, line N)`.
#[cfg(test)]
pub fn render(text: &str, parsed: &super::Parsed) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for s in &parsed.settings {
        let written = text.get(s.value_span.clone()).unwrap_or("<bad span>");
        let _ = write!(
            out,
            "{} = {:?} ({:?}, line {})",
            s.path.join(" › "),
            s.value,
            s.kind,
            line_number(text, s.value_span.start)
        );
        if written != s.value {
            let _ = write!(out, " written {written:?}");
        }
        out.push('\n');
    }
    for e in &parsed.errors {
        let _ = writeln!(
            out,
            "error line {}: {}",
            line_number(text, e.span.start),
            e.message
        );
    }
    out
}

/// Every prefix of `text` (at character boundaries) parses without panicking and with spans inside
/// the text.
#[cfg(test)]
pub fn assert_prefixes_parse(text: &str, parse: fn(&str) -> super::Parsed) {
    for (end, _) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let prefix = &text[..end];
        let parsed = parse(prefix);
        for s in &parsed.settings {
            assert!(
                prefix.get(s.value_span.clone()).is_some(),
                "value span {:?} out of {end}",
                s.value_span
            );
            assert!(
                prefix.get(s.key_span.clone()).is_some(),
                "key span {:?} out of {end}",
                s.key_span
            );
            assert!(s.style.insert_at <= prefix.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line's start is found within [`LINE_LOOK_BACK`] bytes, on a character boundary: the look
    /// back is bounded whatever the line's length.
    #[test]
    fn line_start_looks_back_a_bounded_way() {
        assert_eq!(line_start("a\nport: 25", 8), 2);
        let long = format!("{}port: 25", "é".repeat(LINE_LOOK_BACK));
        let at = long.len() - 2;
        let start = line_start(&long, at);
        assert!(at - start <= LINE_LOOK_BACK && long.is_char_boundary(start));
        assert_eq!(indent_at(&long, at), "");
    }

    #[test]
    fn template_placeholders_become_identifiers_of_the_same_length() {
        let text = "port: {{SMTP_PORT}},\nauth: :{{ SMTP_AUTH }},\nhost: \"{{ .Values.host | quote }}\",\nné: {{é}}\n";
        let masked = mask_templates(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(
            masked,
            "port: __SMTP_PORT__,\nauth: :___SMTP_AUTH___,\nhost: \"____Values_host___quote___\",\nné: ______\n"
        );
    }

    #[test]
    fn braces_that_are_not_one_line_placeholders_stay() {
        // JSX style objects (on one line and over two), `{{{raw}}}`, an unclosed `{{` and a
        // brace inside.
        for text in [
            "<p style={{ color: 'red' }}>",
            "style={{\n  color: 'red' }}",
            "{{{raw}}}",
            "x = {{ open",
            "{{ a { b }}",
            "no braces at all",
        ] {
            assert_eq!(mask_templates(text), text, "{text:?}");
        }
        let long = format!("{{{{{}}}}}", "x".repeat(LONGEST_TEMPLATE + 1));
        assert_eq!(mask_templates(&long), long);
    }

    #[test]
    fn unquote_handles_prefixes_and_triples() {
        let t = r#"x = r"a\b" + '''c''' + "d\"e" + b''"#;
        let find = |needle: &str| {
            let i = t.find(needle).unwrap();
            i..i + needle.len()
        };
        assert_eq!(
            unquote(t, find(r#"r"a\b""#)),
            Some((r"a\b".to_string(), 6..9))
        );
        assert_eq!(unquote(t, find("'''c'''")).map(|v| v.0), Some("c".into()));
        assert_eq!(
            unquote(t, find(r#""d\"e""#)).map(|v| v.0),
            Some("d\"e".into())
        );
        assert_eq!(unquote(t, find("b''")).map(|v| v.0), Some(String::new()));
        assert_eq!(unquote(t, find("x =")), None);
    }

    #[test]
    fn reference_strips_braces() {
        assert_eq!(reference("SMTP_PORT"), "${SMTP_PORT}");
        assert_eq!(reference("a{b}"), "${ab}");
    }

    #[test]
    fn line_geometry() {
        let t = "a\r\n  b = 1\nc";
        assert_eq!(line_end(t, 0), 1);
        assert_eq!(indent_at(t, 6), "  ");
        assert_eq!(line_number(t, 5), 2);
        let style = line_style(t, 5, 10, " = ");
        assert_eq!(style.insert_at, 10);
        assert_eq!(&*style.lead, "\n  ");
    }
}
