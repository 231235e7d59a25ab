//! JSON adapter (tree-sitter-json): objects, arrays (index segments), strings (escapes decoded,
//! value span inside the quotes), numbers, booleans, null. Comments and trailing commas (JSONC)
//! still yield every readable member. Dotted keys stay one segment (`"mail.smtp.host"`).

use crate::analysis::syntax::EnvDefault;
use tree_sitter::Node;

use super::{parse_tree, slice, EntryShape, EntryStyle, Parsed, Setting, ValueKind};

use crate::vocab::Span;

pub fn parse(text: &str) -> Parsed {
    let read = parse_tree(&tree_sitter_json::LANGUAGE.into(), text);
    let Some(tree) = &read.tree else {
        return Parsed::default();
    };
    let mut settings = Vec::new();
    let mut path = Vec::new();
    for child in named_children(tree.root_node()) {
        read_value(text, child, &mut path, None, &mut settings);
    }
    // JSONC allows a trailing comma; the grammar marks it as an error.
    let mut errors = read.errors(text);
    errors
        .retain(|e| slice(text, e.span.clone()) != "," && !trailing_comma_gap(text, e.span.start));
    Parsed::new(settings, errors)
}

/// Children as written: a node the grammar made up to recover (MISSING) is not a value.
fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| !n.is_missing())
        .collect()
}

/// `at` sits between a comma and the closing bracket (`[1, 2,]`): the grammar reports a
/// missing value there, JSONC allows it.
fn trailing_comma_gap(text: &str, at: usize) -> bool {
    let before = text
        .get(..at)
        .unwrap_or("")
        .trim_end_matches(|c: char| c.is_whitespace());
    let after = text
        .get(at..)
        .unwrap_or("")
        .trim_start_matches(|c: char| c.is_whitespace());
    before.ends_with(',') && (after.starts_with(']') || after.starts_with('}'))
}

/// How the member or element that holds a value was written.
struct Member<'t> {
    /// The `pair` node, or the element itself inside an array.
    node: Node<'t>,
    /// The key string node (`None` for array elements).
    key: Option<Node<'t>>,
    /// The object or array that holds it.
    container: Node<'t>,
}

fn read_value<'t>(
    text: &str,
    node: Node<'t>,
    path: &mut Vec<String>,
    member: Option<&Member<'t>>,
    out: &mut Vec<Setting>,
) {
    match node.kind() {
        "object" => {
            for pair in named_children(node) {
                if pair.kind() != "pair" {
                    continue;
                }
                let (Some(key), value) = (
                    pair.child_by_field_name("key"),
                    pair.child_by_field_name("value"),
                ) else {
                    continue;
                };
                path.push(decode_string(text, key));
                let member = Member {
                    node: pair,
                    key: Some(key),
                    container: node,
                };
                match value {
                    Some(value) => read_value(text, value, path, Some(&member), out),
                    None => leaf(text, None, path, &member, out),
                }
                path.pop();
            }
        }
        "array" => {
            let elements = named_children(node)
                .into_iter()
                .filter(|n| !matches!(n.kind(), "comment" | "ERROR"));
            for (index, element) in elements.enumerate() {
                path.push(index.to_string());
                let member = Member {
                    node: element,
                    key: None,
                    container: node,
                };
                read_value(text, element, path, Some(&member), out);
                path.pop();
            }
        }
        "ERROR" => {
            // Recovery: whole objects may survive inside. Stray members are skipped: their
            // place (and so their path) is unknown.
            if path.is_empty() {
                for child in named_children(node) {
                    if child.kind() == "object" {
                        read_value(text, child, path, None, out);
                    }
                }
            }
        }
        "comment" => {}
        _ => {
            if let Some(member) = member {
                leaf(text, Some(node), path, member, out);
            }
        }
    }
}

fn leaf(text: &str, value: Option<Node>, path: &[String], member: &Member, out: &mut Vec<Setting>) {
    let (decoded, kind, value_span) = match value {
        Some(v) if v.kind() == "string" => {
            (decode_string(text, v), ValueKind::Quoted, inner(text, v))
        }
        Some(v) => {
            let kind = match v.kind() {
                "number" => ValueKind::Number,
                "true" | "false" => ValueKind::Bool,
                "null" => ValueKind::Null,
                _ => ValueKind::Plain,
            };
            let span = v.start_byte()..v.end_byte();
            (slice(text, span.clone()).to_string(), kind, span)
        }
        None => {
            let at = member.node.end_byte();
            (String::new(), ValueKind::Null, at..at)
        }
    };
    let value_end = value.map_or(member.node.end_byte(), |v| v.end_byte());
    let key_span = member
        .key
        .map_or(value_span.clone(), |key| inner(text, key));
    let separator = match (member.key, value) {
        (Some(key), Some(value)) => {
            let between = slice(text, key.end_byte()..value.start_byte());
            if between.trim() == ":" && !between.contains('\n') {
                between.to_string()
            } else {
                ": ".to_string()
            }
        }
        _ => ": ".to_string(),
    };
    // One-line containers get `, `; otherwise a line break and the member's own indentation.
    let container = member.container;
    let one_line = container.start_position().row == container.end_position().row
        || line_start_of(member.node) <= container.start_byte();
    let lead = if one_line {
        ", ".to_string()
    } else {
        own_line_lead(text, member.node)
    };
    out.push(Setting {
        path: super::segments(path.iter().map(String::as_str)),
        value: decoded,
        kind,
        key_span,
        value_span,
        style: EntryStyle::new(
            value_end,
            EntryShape {
                lead: lead.into(),
                item_prefix: String::new(),
                key_prefix: String::new(),
                key_quote: member.key.map(|_| '"'),
                separator: if member.key.is_some() {
                    separator.into()
                } else {
                    "".into()
                },
                env_in_string: false,
                inherited: false,
                quoted_values: false,
                suffix: String::new(),
            },
        ),
        env_default: EnvDefault::None,
    });
}

// Line geometry from the tree's positions, not by scanning the text: a mangled file can hold
// thousands of members on one long line, and a scan per member would be quadratic.

/// Start of the line a node starts on.
fn line_start_of(node: Node) -> usize {
    node.start_byte()
        .saturating_sub(node.start_position().column)
}

/// `,` then the line break that ends the line before the node's (the document's own) and the
/// node's indentation (at most [`MAX_INDENT`] blanks are copied).
fn own_line_lead(text: &str, node: Node) -> String {
    const MAX_INDENT: usize = 256;
    let start = line_start_of(node);
    let bytes = text.as_bytes();
    let line_break = if start >= 2 && bytes.get(start - 2) == Some(&b'\r') {
        "\r\n"
    } else {
        "\n"
    };
    let width = bytes
        .get(start..node.start_byte())
        .unwrap_or_default()
        .iter()
        .take(MAX_INDENT)
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    format!(",{line_break}{}", slice(text, start..start + width))
}

fn inner(text: &str, node: Node) -> Span {
    let (start, end) = (node.start_byte(), node.end_byte());
    let bytes = text.as_bytes();
    let quoted = |at: usize| bytes.get(at) == Some(&b'"');
    let start = if quoted(start) && start < end {
        start + 1
    } else {
        start
    };
    // An unclosed string ends at its last character, which may be several bytes long
    // (fuzz/regressions/syntax_json/unclosed-string-multibyte-end).
    let end = if end > start && quoted(end - 1) {
        end - 1
    } else {
        end
    };
    start..end
}

/// The decoded content of a JSON string node.
fn decode_string(text: &str, node: Node) -> String {
    let raw = slice(text, inner(text, node));
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let Ok(unit) = u16::from_str_radix(&hex, 16) else {
                    out.push_str("\\u");
                    out.push_str(&hex);
                    continue;
                };
                let decoded = if (0xD800..0xDC00).contains(&unit) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    let mut rest = chars.clone();
                    let low = (rest.next() == Some('\\') && rest.next() == Some('u'))
                        .then(|| rest.by_ref().take(4).collect::<String>())
                        .and_then(|h| u16::from_str_radix(&h, 16).ok());
                    match low {
                        Some(low) => {
                            chars = rest;
                            char::decode_utf16([unit, low]).next().and_then(Result::ok)
                        }
                        None => None,
                    }
                } else {
                    char::from_u32(u32::from(unit))
                };
                out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::syntax::show_parsed as show;
    use expect_test::{expect, Expect};

    fn check(text: &str, expect: Expect) {
        expect.assert_eq(&show(text, &parse(text)));
    }

    #[test]
    fn ghost_config() {
        check(
            "{\n  \"url\": \"https://blog.example.com\",\n  \"mail\": {\n    \"transport\": \"SMTP\",\n    \"options\": {\n      \"host\": \"smtp.example.com\",\n      \"port\": 465,\n      \"secure\": true,\n      \"auth\": {\"user\": \"u\\u00e9\", \"pass\": \"p\\\"q\"}\n    }\n  },\n  \"mail.smtp.host\": null,\n  \"list\": [1, \"a\"]\n}\n",
            expect![[r#"
                url = "https://blog.example.com" Quoted value@12..36 "https://blog.example.com" style(at 37, lead ",\n  ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail/transport = "SMTP" Quoted value@69..73 "SMTP" style(at 74, lead ",\n    ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail/options/host = "smtp.example.com" Quoted value@108..124 "smtp.example.com" style(at 125, lead ",\n      ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail/options/port = "465" Number value@141..144 "465" style(at 144, lead ",\n      ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail/options/secure = "true" Bool value@162..166 "true" style(at 166, lead ",\n      ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail/options/auth/user = "ué" Quoted value@192..199 "u\\u00e9" style(at 200, lead ", ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail/options/auth/pass = "p\"q" Quoted value@211..215 "p\\\"q" style(at 216, lead ", ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                mail.smtp.host = "null" Null value@249..253 "null" style(at 253, lead ",\n  ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                list/0 = "1" Number value@266..267 "1" style(at 267, lead ", ", prefix "" "", sep "")
                    key written "1"
                list/1 = "a" Quoted value@270..271 "a" style(at 272, lead ", ", prefix "" "", sep "")
                    key written "a"
            "#]],
        );
    }

    #[test]
    fn comments_and_trailing_commas_still_read() {
        check(
            "{\n  // Keycloak realm\n  \"smtpServer\": {\n    \"host\": \"smtp.example.com\",\n    /* strings */ \"port\": \"587\",\n    \"starttls\": \"true\",\n  },\n}\n",
            expect![[r#"
                smtpServer/host = "smtp.example.com" Quoted value@53..69 "smtp.example.com" style(at 70, lead ",\n    ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                smtpServer/port = "587" Quoted value@99..102 "587" style(at 103, lead ",\n    ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                smtpServer/starttls = "true" Quoted value@122..126 "true" style(at 127, lead ",\n    ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
            "#]],
        );
    }

    #[test]
    fn trailing_comma_in_an_array_adds_no_element() {
        let parsed = parse("{\"ports\": [465, 587,],}");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let paths: Vec<String> = parsed.settings.iter().map(|s| s.path.join("/")).collect();
        assert_eq!(paths, ["ports/0", "ports/1"]);
    }

    #[test]
    fn an_unclosed_string_keeps_its_last_character() {
        let text = "{\"pass\": \"change-m\u{e9}\n}\n";
        let parsed = parse(text);
        let pass = &parsed.settings[0];
        assert_eq!(pass.path_names(), ["pass"]);
        assert_eq!(slice(text, pass.value_span.clone()), "change-m\u{e9}");
    }

    #[test]
    fn broken_json_reports_errors() {
        check(
            "{\"smtp\": {\"host\": \"a\", \"port\": 25 }}}\n",
            expect![[r#"
                smtp/host = "a" Quoted value@19..20 "a" style(at 21, lead ", ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                smtp/port = "25" Number value@31..33 "25" style(at 33, lead ", ", prefix "" "", sep ": ")
                    env_in_string false key_quote Some('"')
                error 36..37: unexpected '}'
            "#]],
        );
        check(
            "{\"smtp\": {\"port\": 25, \"host\": \n",
            expect![[r#"
            error 0..1: unexpected '{'
        "#]],
        );
    }

    #[test]
    fn inserted_sibling_reparses_in_the_same_object() {
        let mut out = String::new();
        for text in [
            "{\n  \"mail\": {\n    \"port\": 465\n  }\n}\n",
            "{\"mail\": {\"host\": \"smtp.example.com\", \"port\": 465}}\n",
        ] {
            let parsed = parse(text);
            let port = parsed.settings.iter().find(|s| s.key() == "port").unwrap();
            let s = &port.style;
            let q = s.key_quote.map(String::from).unwrap_or_default();
            let mut edited = text.to_string();
            edited.insert_str(
                s.insert_at,
                &format!("{}{}{q}secure{q}{}true", s.lead, s.key_prefix, s.separator),
            );
            let reparsed = parse(&edited);
            assert!(reparsed.errors.is_empty(), "{edited}");
            let secure = reparsed
                .settings
                .iter()
                .find(|s| s.key() == "secure")
                .unwrap();
            assert_eq!(secure.path_names(), ["mail", "secure"]);
            out.push_str(&edited);
        }
        expect![[r#"
            {
              "mail": {
                "port": 465,
                "secure": true
              }
            }
            {"mail": {"host": "smtp.example.com", "port": 465, "secure": true}}
        "#]]
        .assert_eq(&out);
    }
}
