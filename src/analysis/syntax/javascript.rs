//! JavaScript / TypeScript source (tree-sitter-javascript; TypeScript type annotations mostly
//! parse, with error nodes the reader looks through).
//!
//! Every object literal is read as nested settings. The path of an outermost object says where it
//! is: `const transporter = nodemailer.createTransport({ port: 465 })` →
//! `["transporter", "createTransport", "port"]`; `module.exports = ({ env }) => ({ email: { … } })`
//! → `["email", …]`; `export default { … }` → `[…]`; an object inside an array gets `#0`, `#1` …;
//! `exports.port = 993` → `["port"]`.
//!
//! Values: literals; `process.env.SMTP_PORT || 587`, `Number(process.env.X) || 465`,
//! `env('SMTP_PORT', 587)`, `env.int('SMTP_PORT', 587)` give the literal fallback;
//! `process.env.X`, `env('X')`, identifiers and other calls give a reference `${X}`; other
//! expressions (ternaries, arithmetic) are skipped.

use std::collections::HashMap;

use tree_sitter::Node;

use super::named_children;

use super::literal::{
    copied_style, either, fallback_kind, member_style, node_text, read_source, unquote, Value,
};
use super::{EnvDefault, Parsed, Setting, ValueKind};
use crate::vocab::Span;

pub fn parse(text: &str) -> Parsed {
    read_source(
        tree_sitter_javascript::LANGUAGE.into(),
        text,
        None,
        |root| {
            let mut reader = Reader {
                text,
                out: Vec::new(),
                objects_at: HashMap::new(),
            };
            reader.visit(root, &mut Vec::new());
            reader.out
        },
    )
}

struct Reader<'a> {
    text: &'a str,
    out: Vec<Setting>,
    /// How many outermost object literals were read at each path so far.
    objects_at: HashMap<Vec<String>, usize>,
}

/// The nodes above the one being read, outermost first, each with the position among its named
/// children of the next one down. (tree-sitter's `Node::parent` walks down from the root through
/// every sibling: asked for each of 10,000 statements of one file, it took seconds.)
type Ancestors<'t> = Vec<(Node<'t>, usize)>;

/// The object is a member value of another object (read by the recursion from its root).
fn is_nested(ancestors: &[(Node, usize)]) -> bool {
    let mut up = ancestors.iter().rev().map(|(n, _)| n.kind());
    match up.next() {
        Some("pair") => true,
        Some("array") => up.next() == Some("pair"),
        _ => false,
    }
}

impl<'a> Reader<'a> {
    fn src(&self, node: Node) -> &'a str {
        node_text(self.text, node)
    }

    fn visit<'t>(&mut self, node: Node<'t>, ancestors: &mut Ancestors<'t>) {
        if node.kind() == "object" && !is_nested(ancestors) {
            let mut path = self.context(ancestors);
            // Another object literal where an earlier one was (a `transporter` in each of two
            // functions) is another value, not a later spelling of the same one: `#1`, `#2` …
            // in front keep its settings apart.
            let earlier = self.objects_at.entry(path.clone()).or_insert(0);
            if *earlier > 0 {
                path.insert(0, format!("#{earlier}"));
            }
            *earlier += 1;
            self.object(node, &path);
        }
        if node.kind() == "call_expression" {
            self.transport_url(node, ancestors);
        }
        if node.kind() == "assignment_expression" {
            self.exported_value(node, ancestors);
        }
        ancestors.push((node, 0));
        for (index, child) in named_children(node).into_iter().enumerate() {
            if let Some(last) = ancestors.last_mut() {
                last.1 = index;
            }
            self.visit(child, ancestors);
        }
        ancestors.pop();
    }

    /// Where an outermost object literal (or a call) is, from the nodes above it (see the module
    /// docs).
    fn context(&self, ancestors: &[(Node, usize)]) -> Vec<String> {
        let mut reversed: Vec<String> = Vec::new();
        let mut up = ancestors.iter().rev().copied();
        while let Some((parent, child_index)) = up.next() {
            match parent.kind() {
                "arguments" => {
                    let Some((call, _)) = up.next() else { break };
                    if let Some(function) = call.child_by_field_name("function") {
                        let name = self.src(function);
                        let last = name.rsplit('.').next().unwrap_or(name);
                        if !last.is_empty() {
                            reversed.push(last.to_string());
                        }
                    }
                }
                "parenthesized_expression" | "arrow_function" | "await_expression" | "ERROR" => {}
                "variable_declarator" => {
                    if let Some(name) = parent.child_by_field_name("name") {
                        reversed.push(self.src(name).to_string());
                    }
                    break;
                }
                "assignment_expression" => {
                    if let Some(left) = parent.child_by_field_name("left") {
                        let left = self.src(left);
                        let left = left
                            .strip_prefix("module.exports")
                            .or_else(|| left.strip_prefix("exports"))
                            .or_else(|| left.strip_prefix("this"))
                            .unwrap_or(left);
                        reversed.extend(
                            left.split('.')
                                .filter(|s| !s.is_empty())
                                .rev()
                                .map(str::to_string),
                        );
                    }
                    break;
                }
                "pair" => {
                    if let Some((key, _, _)) = parent
                        .child_by_field_name("key")
                        .and_then(|k| self.key_text(k))
                    {
                        reversed.push(key);
                    }
                    // the object the pair is in
                    if up.next().is_none() {
                        break;
                    }
                }
                "array" => reversed.push(format!("#{child_index}")),
                _ => break,
            }
        }
        reversed.reverse();
        reversed
    }

    /// `nodemailer.createTransport("smtps://user:pass@smtp.example.com")`: the URL argument is a
    /// setting `[…, "createTransport", "url"]`.
    fn transport_url(&mut self, call: Node, ancestors: &[(Node, usize)]) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        let name = self.src(function);
        if name.rsplit('.').next() != Some("createTransport") {
            return;
        }
        let Some(first) = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|a| matches!(a.kind(), "string" | "template_string"))
        else {
            return;
        };
        let Some(value) = self.read(first) else {
            return;
        };
        let mut path = self.context(ancestors);
        path.push("createTransport".to_string());
        path.push("url".to_string());
        let style = member_style(self.text, first.start_byte(), first.end_byte(), ": ", None);
        self.out
            .push(value.into_setting(path, first.byte_range(), style));
    }

    /// `exports.port = 993;` in a CommonJS config module (imapnotify's `config.js`): a setting
    /// `["port"]`, and a new key is written as a sibling statement. (An object assigned is read as
    /// one; see `context`.)
    fn exported_value(&mut self, assignment: Node, ancestors: &[(Node, usize)]) {
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            return;
        };
        if left.kind() != "member_expression" || right.kind() == "object" {
            return;
        }
        let target = self.src(left);
        let Some(names) = target
            .strip_prefix("module.exports.")
            .or_else(|| target.strip_prefix("exports."))
        else {
            return;
        };
        let path: Vec<String> = names.split('.').map(str::to_string).collect();
        let plain = |name: &String| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        };
        if !path.iter().all(plain) {
            return;
        }
        let Some(key) = left.child_by_field_name("property") else {
            return;
        };
        let statement = ancestors
            .last()
            .map(|(n, _)| *n)
            .filter(|n| n.kind() == "expression_statement")
            .unwrap_or(assignment)
            .byte_range();
        let style = copied_style(self.text, statement, key.byte_range(), right.byte_range());
        if let Some(value) = self.read(right) {
            let mut setting = value.into_setting(path, key.byte_range(), style);
            setting.env_default = self.env_default(right);
            self.out.push(setting);
        }
    }

    /// A key: `host`, `'host'`, `"host"`, `465` → text, span, quote character.
    fn key_text(&self, key: Node) -> Option<(String, Span, Option<char>)> {
        match key.kind() {
            "property_identifier" | "number" | "private_property_identifier" => {
                Some((self.src(key).to_string(), key.byte_range(), None))
            }
            "string" => {
                let (text, span) = unquote(self.text, key.byte_range())?;
                Some((text, span, self.src(key).chars().next()))
            }
            _ => None,
        }
    }

    fn object(&mut self, node: Node, path: &[String]) {
        for member in named_children(node) {
            match member.kind() {
                "pair" => self.pair(member, path),
                "shorthand_property_identifier" => {
                    let mut child_path = path.to_vec();
                    child_path.push(self.src(member).to_string());
                    let style = member_style(
                        self.text,
                        member.start_byte(),
                        member.end_byte(),
                        ": ",
                        None,
                    );
                    self.out.push(
                        Value::Reference {
                            name: self.src(member).to_string(),
                            span: member.byte_range(),
                        }
                        .into_setting(
                            child_path,
                            member.byte_range(),
                            style,
                        ),
                    );
                }
                _ => {}
            }
        }
    }

    fn pair(&mut self, pair: Node, path: &[String]) {
        let Some(key) = pair.child_by_field_name("key") else {
            return;
        };
        let Some((key_text, key_span, quote)) = self.key_text(key) else {
            return;
        };
        let mut child_path = path.to_vec();
        child_path.push(key_text);
        // TypeScript `port: 587 as number` parses as an error holding the literal.
        let value = named_children(pair)
            .into_iter()
            .find(|c| c.kind() == "ERROR")
            .and_then(|e| e.named_child(0))
            .or_else(|| pair.child_by_field_name("value"));
        let Some(value) = value else { return };
        match value.kind() {
            "object" => self.object(value, &child_path),
            "array" => {
                for (index, item) in named_children(value).into_iter().enumerate() {
                    if item.kind() == "object" {
                        let mut item_path = child_path.clone();
                        item_path.push(format!("#{index}"));
                        self.object(item, &item_path);
                    }
                }
            }
            _ => {
                let style =
                    member_style(self.text, pair.start_byte(), pair.end_byte(), ": ", quote);
                if let Some(v) = self.read(value) {
                    let mut setting = v.into_setting(child_path, key_span, style);
                    setting.env_default = self.env_default(value);
                    self.out.push(setting);
                }
            }
        }
    }

    /// `process.env.X` / `process.env["X"]` → `X`.
    fn env_name(&self, node: Node) -> Option<String> {
        match node.kind() {
            "member_expression" => {
                let object = node.child_by_field_name("object")?;
                let property = node.child_by_field_name("property")?;
                matches!(
                    self.src(object),
                    "process.env" | "import.meta.env" | "Deno.env"
                )
                .then(|| self.src(property).to_string())
            }
            "subscript_expression" => {
                let object = node.child_by_field_name("object")?;
                let index = node.child_by_field_name("index")?;
                (self.src(object) == "process.env")
                    .then(|| unquote(self.text, index.byte_range()).map(|v| v.0))
                    .flatten()
            }
            _ => None,
        }
    }

    /// What an environment lookup falls back to: `Number(process.env.SMTP_PORT || 25)` its
    /// literal, `process.env.SMTP_USER || ''` an empty value, as Strapi's `env('X', default)`.
    fn env_default(&self, node: Node) -> EnvDefault {
        let mut node = node;
        // `(…)` and `Number(…)`-like wrappers, unwrapped in a loop (no recursion on input depth).
        let fallback = loop {
            match node.kind() {
                "parenthesized_expression" => match node.named_child(0) {
                    Some(inner) => node = inner,
                    None => return EnvDefault::None,
                },
                "call_expression" => {
                    let name = node
                        .child_by_field_name("function")
                        .map_or("", |f| self.src(f));
                    let args: Vec<Node> = node
                        .child_by_field_name("arguments")
                        .map(named_children)
                        .unwrap_or_default();
                    if matches!(name, "Number" | "parseInt" | "parseFloat" | "String") {
                        match args.first() {
                            Some(&inner) => node = inner,
                            None => return EnvDefault::None,
                        }
                    } else if name == "env" || name.starts_with("env.") {
                        break args.get(1).copied();
                    } else {
                        return EnvDefault::None;
                    }
                }
                "binary_expression"
                    if node
                        .child_by_field_name("operator")
                        .is_some_and(|o| matches!(self.src(o), "||" | "??"))
                        && node
                            .child_by_field_name("left")
                            .is_some_and(|l| self.env_name(l).is_some()) =>
                {
                    break node.child_by_field_name("right");
                }
                _ => return EnvDefault::None,
            }
        };
        fallback_kind(fallback.and_then(|f| self.read(f)))
    }

    fn read(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        match node.kind() {
            "number" => Some(Value::literal(self.src(node), ValueKind::Number, span)),
            "unary_expression" => {
                let operand = node.child_by_field_name("argument")?;
                (operand.kind() == "number" && self.src(node).starts_with('-')).then(|| {
                    Value::literal(self.src(node).replace(' ', ""), ValueKind::Number, span)
                })
            }
            "true" | "false" => Some(Value::literal(self.src(node), ValueKind::Bool, span)),
            "null" | "undefined" => Some(Value::literal(self.src(node), ValueKind::Null, span)),
            "string" => {
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "template_string" => {
                if named_children(node)
                    .iter()
                    .any(|c| c.kind() == "template_substitution")
                {
                    return Some(Value::Reference {
                        name: self.src(node).to_string(),
                        span,
                    });
                }
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "identifier" => {
                if self.src(node) == "undefined" {
                    return Some(Value::literal("undefined", ValueKind::Null, span));
                }
                Some(Value::Reference {
                    name: self.src(node).to_string(),
                    span,
                })
            }
            "member_expression" | "subscript_expression" => Some(Value::Reference {
                name: self
                    .env_name(node)
                    .unwrap_or_else(|| self.src(node).to_string()),
                span,
            }),
            "parenthesized_expression" => self.read(node.named_child(0)?),
            "binary_expression" => {
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.src(o))
                    .unwrap_or("");
                let left_value = self.read(left);
                match operator {
                    "||" | "??" => either(left_value, || self.read(right), operator == "??", span),
                    "===" | "==" | "!==" | "!=" => match left_value? {
                        Value::Reference { name, .. } => Some(Value::Reference { name, span }),
                        Value::Literal { .. } => None,
                    },
                    _ => None,
                }
            }
            "call_expression" => self.read_call(node),
            _ => None,
        }
    }

    fn read_call(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        let function = node.child_by_field_name("function")?;
        let name = self.src(function);
        let args: Vec<Node> = node
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        if matches!(
            name,
            "Number" | "parseInt" | "parseFloat" | "String" | "Boolean" | "Number.parseInt"
        ) {
            return match self.read(*args.first()?)? {
                Value::Reference { name, .. } => Some(Value::Reference { name, span }),
                literal => Some(literal),
            };
        }
        // Strapi `env('X', default)`, `env.int('X', default)`, `env.bool(…)`.
        let is_env = name == "env"
            || name
                .strip_prefix("env.")
                .is_some_and(|t| matches!(t, "int" | "bool" | "float" | "str" | "array"));
        if is_env {
            let (var, _) = unquote(self.text, args.first()?.byte_range())?;
            return match args.get(1).and_then(|d| self.read(*d)) {
                Some(v @ Value::Literal { .. }) => Some(v),
                _ => Some(Value::Reference { name: var, span }),
            };
        }
        Some(Value::Reference {
            name: self.src(node).to_string(),
            span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn nodemailer_transport_and_unrelated_objects() {
        let text = r#"const express = require("express");
const nodemailer = require("nodemailer");

const app = express();
const PORT = process.env.PORT || 3000;
const db = { host: "db", port: 5432, pool: { max: 10 } };

const transporter = nodemailer.createTransport({
  host: process.env.SMTP_HOST,
  port: Number(process.env.SMTP_PORT) || 465,
  secure: process.env.SMTP_SECURE === "true",
  'requireTLS': true,
  auth: {
    user: process.env.SMTP_USER,
    pass: process.env["SMTP_PASS"],
  },
  tls: { rejectUnauthorized: false, minVersion: `TLSv1` },
});

app.listen(PORT, () => console.log(`listening on ${PORT}`));
module.exports = { transporter, retries: [{ delay: 100 }, { delay: -1 }] };
const alerts = nodemailer.createTransport("smtps://alerts%40example.com:pw@smtp.example.com");
function backup() {
  const transporter = nodemailer.createTransport({ host: "smtp.example.org", port: 587 });
}
"#;
        expect![[r#"
            db › host = "db" (Quoted, line 6)
            db › port = "5432" (Number, line 6)
            db › pool › max = "10" (Number, line 6)
            transporter › createTransport › host = "${SMTP_HOST}" (Plain, line 9) written "process.env.SMTP_HOST"
            transporter › createTransport › port = "465" (Number, line 10)
            transporter › createTransport › secure = "${SMTP_SECURE}" (Plain, line 11) written "process.env.SMTP_SECURE === \"true\""
            transporter › createTransport › requireTLS = "true" (Bool, line 12)
            transporter › createTransport › auth › user = "${SMTP_USER}" (Plain, line 14) written "process.env.SMTP_USER"
            transporter › createTransport › auth › pass = "${SMTP_PASS}" (Plain, line 15) written "process.env[\"SMTP_PASS\"]"
            transporter › createTransport › tls › rejectUnauthorized = "false" (Bool, line 17)
            transporter › createTransport › tls › minVersion = "TLSv1" (Quoted, line 17)
            transporter = "${transporter}" (Plain, line 21) written "transporter"
            retries › #0 › delay = "100" (Number, line 21)
            retries › #1 › delay = "-1" (Number, line 21)
            alerts › createTransport › url = "smtps://alerts%40example.com:pw@smtp.example.com" (Quoted, line 22)
            #1 › transporter › createTransport › host = "smtp.example.org" (Quoted, line 24)
            #1 › transporter › createTransport › port = "587" (Number, line 24)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let parsed = parse(text);
        let secure = parsed
            .settings
            .iter()
            .find(|s| s.key() == "requireTLS")
            .unwrap();
        assert_eq!(&*secure.style.lead, ",\n  ");
        assert_eq!(&*secure.style.separator, ": ");
        assert_eq!(secure.style.key_quote, Some('\''));
    }

    #[test]
    fn strapi_plugins_and_typescript() {
        let text = r#"export default ({ env }) => ({
  email: {
    config: {
      provider: 'nodemailer',
      providerOptions: {
        host: env('SMTP_HOST', 'smtp.example.com'),
        port: env.int('SMTP_PORT', 587),
        auth: { user: env('SMTP_USERNAME'), pass: env('SMTP_PASSWORD') },
      },
    },
  },
});
const options: SMTPTransport.Options = { port: 465 as number, secure: true };
"#;
        expect![[r#"
            email › config › provider = "nodemailer" (Quoted, line 4)
            email › config › providerOptions › host = "smtp.example.com" (Quoted, line 6)
            email › config › providerOptions › port = "587" (Number, line 7)
            email › config › providerOptions › auth › user = "${SMTP_USERNAME}" (Plain, line 8) written "env('SMTP_USERNAME')"
            email › config › providerOptions › auth › pass = "${SMTP_PASSWORD}" (Plain, line 8) written "env('SMTP_PASSWORD')"
            Options › port = "465" (Number, line 13)
            Options › secure = "true" (Bool, line 13)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }
}
