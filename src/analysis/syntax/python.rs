//! Python source (tree-sitter-python): Django `settings.py`, Flask configs, any module of settings.
//!
//! Read as settings:
//! - module-level assignments `EMAIL_PORT = 587` → `["EMAIL_PORT"]` (also inside `if`/`try`/`with`
//!   at module level, and in class bodies → `["ProductionConfig", "EMAIL_PORT"]`);
//! - dict literals, nested: `ANYMAIL = {"SMTP": {"PORT": 587}}` → `["ANYMAIL", "SMTP", "PORT"]`;
//! - item assignments `app.config["MAIL_PORT"] = 465` → `["app", "config", "MAIL_PORT"]` and
//!   `app.config.update(MAIL_PORT=465)` keyword arguments;
//! - environment lookups with a literal default — `env("EMAIL_PORT", default=587)`,
//!   `env.int("EMAIL_PORT", 587)`, `os.environ.get("EMAIL_PORT", 587)`, `os.getenv(…)`,
//!   `config("EMAIL_PORT", default=587, cast=int)`, `os.environ.get("X") or 587`, wrapped in
//!   `int(…)`/`bool(…)` — give the literal (span on it). A lookup without a literal default, or a
//!   name, gives a variable reference `${EMAIL_PORT}`. Other expressions are skipped.

use std::collections::HashMap;

use tree_sitter::Node;

use super::literal::{
    either, fallback_kind, line_style, member_style, node_text, placeholder,
    read_source_with_dollar_braces, unquote, Value,
};
use super::{EntryStyle, EnvDefault, Parsed, Setting, ValueKind};

pub fn parse(text: &str) -> Parsed {
    read_source_with_dollar_braces(
        tree_sitter_python::LANGUAGE.into(),
        text,
        Some(nesting_cut),
        |root| {
            let mut reader = Reader {
                text,
                out: Vec::new(),
            };
            reader.block(root, &[]);
            reader.smtplib(root);
            reader.out
        },
    )
}

/// Most indentation levels handed to tree-sitter-python. Its scanner saves its stack of
/// indentations in tree-sitter's 1 KiB state buffer, 2 bytes a level after up to 257 bytes of
/// string delimiters, and aborts the process (an assertion in tree-sitter) past that: 383 levels
/// are always safe.
const MAX_INDENT_LEVELS: usize = 300;

/// Where the text first could nest deeper than [`MAX_INDENT_LEVELS`]. The scanner's stack holds
/// strictly increasing indentation widths, each the width of some line, so the number of distinct
/// widths seen so far bounds it (lines inside brackets included: that only overestimates).
/// Linear in the text.
pub(crate) fn nesting_cut(text: &str) -> Option<usize> {
    let mut widths = std::collections::HashSet::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let mut width = 0usize;
        for b in line.bytes() {
            match b {
                b' ' => width += 1,
                b'\t' => width = (width / 8 + 1) * 8,
                // The scanner starts counting again after a form feed or a carriage return.
                b'\x0c' | b'\r' => width = 0,
                _ => break,
            }
        }
        if line.trim().is_empty() {
            start += line.len();
            continue;
        }
        widths.insert(width);
        if widths.len() > MAX_INDENT_LEVELS {
            return Some(start);
        }
        start += line.len();
    }
    None
}

struct Reader<'a> {
    text: &'a str,
    out: Vec<Setting>,
}

impl<'a> Reader<'a> {
    fn src(&self, node: Node) -> &'a str {
        node_text(self.text, node)
    }

    /// Statements of a module, block or class body.
    fn block(&mut self, node: Node, prefix: &[String]) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            match child.kind() {
                "expression_statement" => {
                    let mut c = child.walk();
                    let inner: Vec<Node> = child.named_children(&mut c).collect();
                    for expr in inner {
                        match expr.kind() {
                            "assignment" => self.assignment(child, expr, prefix),
                            "call" => self.update_call(expr, prefix),
                            _ => {}
                        }
                    }
                }
                "if_statement" | "try_statement" | "with_statement" | "else_clause"
                | "elif_clause" | "except_clause" | "finally_clause" | "block" => {
                    self.block(child, prefix)
                }
                "class_definition" => self.class(child, prefix),
                "decorated_definition" => {
                    if let Some(def) = child
                        .child_by_field_name("definition")
                        .filter(|d| d.kind() == "class_definition")
                    {
                        self.class(def, prefix);
                    }
                }
                _ => {}
            }
        }
    }

    fn class(&mut self, class: Node, prefix: &[String]) {
        let name = class
            .child_by_field_name("name")
            .map(|n| self.src(n).to_string())
            .unwrap_or_default();
        if let Some(body) = class.child_by_field_name("body") {
            let mut path = prefix.to_vec();
            path.push(name);
            self.block(body, &path);
        }
    }

    /// `smtplib.SMTP_SSL("smtp.example.com", 465)` / `smtplib.SMTP(host, 587)` anywhere in the
    /// file (usually inside a function): each call is a group `["smtplib#N"]` with `class`
    /// (`SMTP_SSL` or `SMTP`), `host`, `port`, and — when the connection calls them — `starttls`
    /// and `login` (`yes`, at the `.starttls(` / `.login(` call). A call on the name the
    /// connection was given (`server = smtplib.SMTP(…)`, `with smtplib.SMTP(…) as server`) after
    /// it, and before that name is given another connection, is that connection's; a call on a
    /// name no connection was given (a parameter, a connection built elsewhere) may be any
    /// connection's, and counts for each.
    fn smtplib(&mut self, root: Node) {
        let mut calls = Vec::new();
        // `.starttls(` / `.login(` calls: (method, receiver as written, the method's node).
        let mut methods: Vec<(&str, &str, Node)> = Vec::new();
        // Names assigned anywhere in the file: how often, and the literal of the last time.
        let mut assigned: HashMap<&str, (usize, Option<Node>)> = HashMap::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if node.kind() == "assignment" {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    if left.kind() == "identifier" {
                        let entry = assigned.entry(self.src(left)).or_insert((0, None));
                        entry.0 += 1;
                        entry.1 = matches!(right.kind(), "string" | "integer").then_some(right);
                    }
                }
            }
            if node.kind() == "call" {
                if let Some(function) = node.child_by_field_name("function") {
                    match self.src(function) {
                        "smtplib.SMTP" | "smtplib.SMTP_SSL" | "SMTP" | "SMTP_SSL" => {
                            calls.push(node)
                        }
                        _ => {}
                    }
                    if function.kind() == "attribute" {
                        if let (Some(attribute), Some(object)) = (
                            function.child_by_field_name("attribute"),
                            function.child_by_field_name("object"),
                        ) {
                            let method = self.src(attribute);
                            if matches!(method, "starttls" | "login") {
                                methods.push((method, self.src(object), attribute));
                            }
                        }
                    }
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        methods.sort_by_key(|m| m.2.start_byte());
        calls.sort_by_key(|c| c.start_byte());
        // A name costs a walk up the tree: read for the first connections only (a real file has
        // a few; a generated one with thousands keeps the file-wide reading beyond these).
        const NAMED_CONNECTIONS: usize = 256;
        let names: Vec<Option<&str>> = calls
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                (i < NAMED_CONNECTIONS)
                    .then(|| self.connection_name(c))
                    .flatten()
            })
            .collect();
        let named: std::collections::HashSet<&str> = names.iter().flatten().copied().collect();
        // The first call of each method on a name no connection has: any connection's.
        let unnamed = |method: &str| {
            methods
                .iter()
                .find(|(m, receiver, _)| *m == method && !named.contains(receiver))
                .map(|(_, _, at)| *at)
        };
        let (unnamed_starttls, unnamed_login) = (unnamed("starttls"), unnamed("login"));
        for (index, call) in calls.iter().copied().enumerate() {
            let Some(function) = call.child_by_field_name("function") else {
                continue;
            };
            let group = format!("smtplib#{index}");
            let statement = line_style(self.text, call.start_byte(), call.end_byte(), " = ");
            let class = self.src(function).trim_start_matches("smtplib.");
            self.out.push(
                Value::literal(class, ValueKind::Plain, function.byte_range()).into_setting(
                    vec![group.clone(), "class".to_string()],
                    function.byte_range(),
                    statement.clone(),
                ),
            );
            let args: Vec<Node> = call
                .child_by_field_name("arguments")
                .map(|a| {
                    let mut cursor = a.walk();
                    a.named_children(&mut cursor).collect()
                })
                .unwrap_or_default();
            let positional: Vec<Node> = args
                .iter()
                .copied()
                .filter(|a| a.kind() != "keyword_argument")
                .collect();
            for (position, name) in [(0, "host"), (1, "port")] {
                let keyword = args.iter().copied().find(|a| {
                    a.kind() == "keyword_argument"
                        && a.child_by_field_name("name")
                            .is_some_and(|n| self.src(n) == name)
                });
                let value = keyword
                    .and_then(|k| k.child_by_field_name("value"))
                    .or_else(|| positional.get(position).copied())
                    .map(|v| {
                        // A name the file gives one literal, once (`SERVER = "localhost"` at the
                        // top of a script), is that literal, read where it is written.
                        match assigned.get(self.src(v)) {
                            Some(&(1, Some(literal))) if v.kind() == "identifier" => literal,
                            _ => v,
                        }
                    });
                if let Some(v) = value.and_then(|v| self.read(v).map(|r| (v, r))) {
                    let (node, read) = v;
                    self.out.push(read.into_setting(
                        vec![group.clone(), name.to_string()],
                        node.byte_range(),
                        statement.clone(),
                    ));
                }
            }
            // This connection's calls: on its name, up to the next connection of that name; or on
            // a name no connection has.
            let until = names[index].and_then(|name| {
                calls
                    .iter()
                    .zip(&names)
                    .skip(index + 1)
                    .find(|(_, n)| **n == Some(name))
                    .map(|(c, _)| c.start_byte())
            });
            // A named connection looks through the calls on its name (at most
            // `NAMED_CONNECTIONS` do); each also takes the first call on a name no connection has.
            let own = |method: &str| {
                let name = names[index]?;
                methods
                    .iter()
                    .find(|(m, receiver, at)| {
                        *m == method
                            && *receiver == name
                            && at.start_byte() > call.start_byte()
                            && until.is_none_or(|end| at.start_byte() < end)
                    })
                    .map(|(_, _, at)| *at)
            };
            for (name, found) in [
                ("starttls", own("starttls").or(unnamed_starttls)),
                ("login", own("login").or(unnamed_login)),
            ] {
                if let Some(at) = found {
                    // The key is the connection's (where it is made), the value the call: a
                    // `starttls()` under an `if` (`if port != 25:`) upgrades this connection,
                    // not a configuration of its own (`syntax::branches` goes by the key).
                    self.out.push(
                        Value::literal("yes", ValueKind::Plain, at.byte_range()).into_setting(
                            vec![group.clone(), name.to_string()],
                            function.byte_range(),
                            statement.clone(),
                        ),
                    );
                }
            }
        }
    }

    /// The name a connection is given where it is made: `server = smtplib.SMTP(…)`,
    /// `self.conn = smtplib.SMTP(…)`, `with smtplib.SMTP(…) as server:`.
    fn connection_name(&self, call: Node) -> Option<&'a str> {
        let parent = call.parent()?;
        match parent.kind() {
            "assignment" if parent.child_by_field_name("right") == Some(call) => {
                let left = parent.child_by_field_name("left")?;
                matches!(left.kind(), "identifier" | "attribute").then(|| self.src(left))
            }
            "as_pattern" => {
                let alias = parent.child_by_field_name("alias")?;
                Some(self.src(alias).trim())
            }
            _ => None,
        }
    }

    /// `NAME = value`, `NAME: type = value`, `obj.attr["KEY"] = value`.
    fn assignment(&mut self, statement: Node, node: Node, prefix: &[String]) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let style = line_style(
            self.text,
            statement.start_byte(),
            statement.end_byte(),
            " = ",
        );
        match left.kind() {
            "identifier" => {
                let mut path = prefix.to_vec();
                path.push(self.src(left).to_string());
                self.value(right, path, left.byte_range(), style);
            }
            "subscript" => {
                let (Some(object), Some(index)) = (
                    left.child_by_field_name("value"),
                    left.child_by_field_name("subscript"),
                ) else {
                    return;
                };
                let Some((key, key_span)) = unquote(self.text, index.byte_range()) else {
                    return;
                };
                let object_text = self.src(object);
                let mut path = prefix.to_vec();
                path.extend(object_text.split('.').map(str::to_string));
                path.push(key);
                let quote = self.src(index).chars().next().unwrap_or('"');
                let mut style = style;
                let shape = style.shape_mut();
                shape.key_prefix = format!("{object_text}[{quote}");
                shape.separator = format!("{quote}] = ").into();
                self.value(right, path, key_span, style);
            }
            _ => {}
        }
    }

    /// `app.config.update(MAIL_PORT=465, …)` / `CONFIG.update({…})`.
    fn update_call(&mut self, call: Node, prefix: &[String]) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        let Some(object) = function
            .child_by_field_name("object")
            .filter(|_| function.kind() == "attribute")
        else {
            return;
        };
        if function
            .child_by_field_name("attribute")
            .is_none_or(|a| self.src(a) != "update")
        {
            return;
        }
        let mut path = prefix.to_vec();
        path.extend(self.src(object).split('.').map(str::to_string));
        if let Some(args) = call.child_by_field_name("arguments") {
            self.arguments(args, &path);
        }
    }

    /// Keyword arguments (`NAME=value`) and dict arguments of a call, under `path`.
    fn arguments(&mut self, args: Node, path: &[String]) {
        let mut cursor = args.walk();
        let children: Vec<Node> = args.named_children(&mut cursor).collect();
        for arg in children {
            match arg.kind() {
                "keyword_argument" => {
                    let (Some(name), Some(value)) = (
                        arg.child_by_field_name("name"),
                        arg.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let mut p = path.to_vec();
                    p.push(self.src(name).to_string());
                    let style =
                        member_style(self.text, arg.start_byte(), arg.end_byte(), "=", None);
                    self.value(value, p, name.byte_range(), style);
                }
                "dictionary" => self.dictionary(arg, path),
                _ => {}
            }
        }
    }

    fn dictionary(&mut self, dict: Node, path: &[String]) {
        let mut cursor = dict.walk();
        let pairs: Vec<Node> = dict.named_children(&mut cursor).collect();
        for pair in pairs {
            if pair.kind() != "pair" {
                continue;
            }
            let (Some(key), Some(value)) = (
                pair.child_by_field_name("key"),
                pair.child_by_field_name("value"),
            ) else {
                continue;
            };
            let Some((key_text, key_span)) = unquote(self.text, key.byte_range()) else {
                continue;
            };
            let quote = self.src(key).chars().find(|c| *c == '"' || *c == '\'');
            let mut p = path.to_vec();
            p.push(key_text);
            let style = member_style(self.text, pair.start_byte(), pair.end_byte(), ": ", quote);
            self.value(value, p, key_span, style);
        }
    }

    /// A value: nested dicts (and configuration objects built from keyword arguments) recurse;
    /// everything else becomes at most one setting.
    fn value(
        &mut self,
        node: Node,
        path: Vec<String>,
        key_span: crate::vocab::Span,
        style: EntryStyle,
    ) {
        match node.kind() {
            "dictionary" => self.dictionary(node, &path),
            "call"
                if node.child_by_field_name("function").is_some_and(|f| {
                    let name = self.src(f);
                    name == "dict" || builds_configuration(name)
                }) =>
            {
                if let Some(args) = node.child_by_field_name("arguments") {
                    self.arguments(args, &path);
                }
            }
            _ => {
                if let Some(value) = self.read(node) {
                    let mut setting = value.into_setting(path, key_span, style);
                    setting.env_default = self.env_default(node);
                    self.out.push(setting);
                }
            }
        }
    }

    /// Reads a scalar value (see the module docs).
    fn read(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        match node.kind() {
            "integer" | "float" => Some(Value::literal(self.src(node), ValueKind::Number, span)),
            "unary_operator" => {
                let text = self.src(node);
                let operand = node.child_by_field_name("argument")?;
                matches!(operand.kind(), "integer" | "float")
                    .then(|| Value::literal(text.replace(' ', ""), ValueKind::Number, span))
            }
            "true" | "false" => Some(Value::literal(self.src(node), ValueKind::Bool, span)),
            "none" => Some(Value::literal(self.src(node), ValueKind::Null, span)),
            "string" => {
                let mut cursor = node.walk();
                let interpolated = node
                    .named_children(&mut cursor)
                    .any(|c| c.kind() == "interpolation");
                if interpolated {
                    return Some(Value::Reference {
                        name: self.src(node).to_string(),
                        span,
                    });
                }
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts: Vec<Node> = node.named_children(&mut cursor).collect();
                let mut value = String::new();
                let mut first = None;
                let mut last = None;
                for part in parts {
                    let (text, inner) = unquote(self.text, part.byte_range())?;
                    value.push_str(&text);
                    first.get_or_insert(inner.start);
                    last = Some(inner.end);
                }
                Some(Value::literal(
                    value,
                    ValueKind::Quoted,
                    first?..last?.max(first?),
                ))
            }
            "parenthesized_expression" => self.read(node.named_child(0)?),
            "identifier" | "attribute" => Some(Value::Reference {
                name: self.src(node).to_string(),
                span,
            }),
            "subscript" => {
                // `os.environ["X"]`, `env["X"]`.
                let index = node.child_by_field_name("subscript")?;
                let (name, _) = unquote(self.text, index.byte_range())?;
                Some(Value::Reference { name, span })
            }
            "boolean_operator" => {
                // `os.environ.get("X") or 587`: the literal fallback; `25 or 465` is 25.
                let right = node.child_by_field_name("right")?;
                let left = node.child_by_field_name("left")?;
                let operator = node.child_by_field_name("operator").map(|o| self.src(o));
                if operator != Some("or") {
                    // `X and Y`: the program's.
                    return Some(Value::Reference {
                        name: self.src(node).to_string(),
                        span,
                    });
                }
                either(self.read(left), || self.read(right), false, span)
            }
            // `os.environ.get("X", "") == "True"`, `"ssl" if X else "tls"`, `not DEBUG`: decided
            // where the program runs, so a value the document does not name (never an absent key,
            // which would let the application's default decide).
            "comparison_operator"
            | "conditional_expression"
            | "not_operator"
            | "binary_operator" => {
                let name = node
                    .named_child(0)
                    .filter(|_| node.kind() == "comparison_operator")
                    .and_then(|left| self.env_name(left))
                    .unwrap_or_else(|| self.src(node).to_string());
                Some(Value::Reference { name, span })
            }
            "call" => self.read_call(node),
            _ => placeholder(self.src(node), span),
        }
    }

    /// The variable name of an environment lookup expression, if it is one.
    fn env_name(&self, node: Node) -> Option<String> {
        if node.kind() == "call" {
            let args = node.child_by_field_name("arguments")?;
            let first = args.named_child(0)?;
            return self
                .is_lookup(node)
                .then(|| unquote(self.text, first.byte_range()).map(|v| v.0))
                .flatten();
        }
        match self.read(node)? {
            Value::Reference { name, .. } => Some(name),
            Value::Literal { .. } => None,
        }
    }

    /// What an environment lookup falls back to: `int(os.getenv("P", 25))` its literal,
    /// `os.getenv("U", "")` or `os.environ.get("U") or ""` an empty value.
    fn env_default(&self, node: Node) -> EnvDefault {
        let mut node = node;
        // `(…)` and `int(…)`-like wrappers, unwrapped in a loop (no recursion on input depth).
        loop {
            let inner = match node.kind() {
                "parenthesized_expression" => node.named_child(0),
                "call"
                    if node.child_by_field_name("function").is_some_and(|f| {
                        matches!(self.src(f), "int" | "str" | "bool" | "float")
                    }) =>
                {
                    node.child_by_field_name("arguments")
                        .filter(|a| a.named_child_count() == 1)
                        .and_then(|a| a.named_child(0))
                        .filter(|a| a.kind() != "keyword_argument")
                }
                _ => break,
            };
            let Some(inner) = inner else {
                return EnvDefault::None;
            };
            node = inner;
        }
        let fallback = match node.kind() {
            "call" if self.is_lookup(node) => {
                let Some(args) = node.child_by_field_name("arguments") else {
                    return EnvDefault::None;
                };
                let mut cursor = args.walk();
                let arguments: Vec<Node> = args.named_children(&mut cursor).collect();
                let keyword = arguments.iter().find(|a| {
                    a.kind() == "keyword_argument"
                        && a.child_by_field_name("name")
                            .is_some_and(|n| self.src(n) == "default")
                });
                keyword
                    .and_then(|a| a.child_by_field_name("value"))
                    .or_else(|| {
                        let mut positional =
                            arguments.iter().filter(|a| a.kind() != "keyword_argument");
                        positional.nth(1).copied()
                    })
            }
            "boolean_operator"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|o| self.src(o) == "or")
                    && node
                        .child_by_field_name("left")
                        .is_some_and(|l| self.env_name(l).is_some()) =>
            {
                node.child_by_field_name("right")
            }
            _ => None,
        };
        fallback_kind(fallback.and_then(|f| self.read(f)))
    }

    /// `os.environ.get(…)`, `env.int(…)`, `config(…)` …
    fn is_lookup(&self, call: Node) -> bool {
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        let name = self.src(function);
        let last = name.rsplit('.').next().unwrap_or(name);
        matches!(
            name,
            "os.environ.get"
                | "environ.get"
                | "os.getenv"
                | "getenv"
                | "env"
                | "config"
                | "os.environ.setdefault"
                | "get_env"
                | "env_var"
        ) || (name.starts_with("env.") && matches!(last, "int" | "bool" | "str" | "float" | "get"))
    }

    fn read_call(&self, node: Node) -> Option<Value> {
        let function = node.child_by_field_name("function")?;
        let args = node.child_by_field_name("arguments")?;
        let name = self.src(function);
        let mut cursor = args.walk();
        let arguments: Vec<Node> = args.named_children(&mut cursor).collect();
        let positional: Vec<Node> = arguments
            .iter()
            .copied()
            .filter(|a| a.kind() != "keyword_argument")
            .collect();
        let keyword = |wanted: &str| {
            arguments.iter().find_map(|a| {
                (a.kind() == "keyword_argument"
                    && a.child_by_field_name("name")
                        .is_some_and(|n| self.src(n) == wanted))
                .then(|| a.child_by_field_name("value"))
                .flatten()
            })
        };
        if matches!(name, "int" | "str" | "bool" | "float") && positional.len() == 1 {
            return self.read(*positional.first()?);
        }
        if !self.is_lookup(node) {
            return None;
        }
        let (var, _) = unquote(self.text, positional.first()?.byte_range())?;
        let default = keyword("default").or_else(|| positional.get(1).copied());
        // An empty default (`os.getenv("EMAIL_USER", "")`) says only "may be unset": the
        // variable's value decides, as without a default.
        match default.and_then(|d| self.read(d)) {
            Some(Value::Literal { value, kind, span }) if !value.trim().is_empty() => {
                Some(Value::Literal { value, kind, span })
            }
            _ => Some(Value::Reference {
                name: var,
                span: node.byte_range(),
            }),
        }
    }
}

/// A class that builds a configuration object from keyword arguments, read like a dict:
/// `ConnectionConfig(MAIL_SERVER=…)` (fastapi-mail), `SMTPSettings(host=…)`, `MailOptions(…)`.
fn builds_configuration(callee: &str) -> bool {
    let class = callee.rsplit('.').next().unwrap_or(callee);
    class.starts_with(|c: char| c.is_ascii_uppercase())
        && ["Config", "Configuration", "Settings", "Options"]
            .iter()
            .any(|suffix| class.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    const SETTINGS: &str = r#"import os
from pathlib import Path

import environ

env = environ.Env()
BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = ["example.com"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("DB_HOST", "db"),
        "PORT": int(os.environ.get("DB_PORT", 5432)),
    }
}
CACHES = {"default": {"LOCATION": "redis://redis:6379/1"}}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="smtp.example.com")
EMAIL_PORT: int = env.int("EMAIL_PORT", 465)
EMAIL_HOST_USER = os.environ["EMAIL_USER"]
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_PASSWORD")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "False") == "True"
EMAIL_USE_SSL = config("EMAIL_USE_SSL", default=True, cast=bool)
EMAIL_TIMEOUT = os.environ.get("EMAIL_TIMEOUT") or 30
SERVER_EMAIL = EMAIL_HOST_USER
DEFAULT_FROM_EMAIL = f"noreply@{EMAIL_HOST}"
SUBJECT = "[ops] " 'alert'

if DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

class Production(Config):
    MAIL_PORT = -1

def helper():
    EMAIL_PORT = 25

app.config["MAIL_SERVER"] = 'smtp.example.org'
app.config.update(MAIL_PORT=587, MAIL_USE_TLS=True)
"#;

    #[test]
    fn django_settings() {
        expect![[r#"
            BASE_DIR = "${Path(__file__).resolve().parent.parent}" (Plain, line 7) written "Path(__file__).resolve().parent.parent"
            DEBUG = "False" (Bool, line 8)
            DATABASES › default › ENGINE = "django.db.backends.postgresql" (Quoted, line 13)
            DATABASES › default › HOST = "db" (Quoted, line 14)
            DATABASES › default › PORT = "5432" (Number, line 15)
            CACHES › default › LOCATION = "redis://redis:6379/1" (Quoted, line 18)
            EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend" (Quoted, line 20)
            EMAIL_HOST = "smtp.example.com" (Quoted, line 21)
            EMAIL_PORT = "465" (Number, line 22)
            EMAIL_HOST_USER = "${EMAIL_USER}" (Plain, line 23) written "os.environ[\"EMAIL_USER\"]"
            EMAIL_HOST_PASSWORD = "${EMAIL_PASSWORD}" (Plain, line 24) written "os.getenv(\"EMAIL_PASSWORD\")"
            EMAIL_USE_TLS = "${EMAIL_USE_TLS}" (Plain, line 25) written "os.environ.get(\"EMAIL_USE_TLS\", \"False\") == \"True\""
            EMAIL_USE_SSL = "True" (Bool, line 26)
            EMAIL_TIMEOUT = "30" (Number, line 27)
            SERVER_EMAIL = "${EMAIL_HOST_USER}" (Plain, line 28) written "EMAIL_HOST_USER"
            DEFAULT_FROM_EMAIL = "${f\"noreply@EMAIL_HOST\"}" (Plain, line 29) written "f\"noreply@{EMAIL_HOST}\""
            SUBJECT = "[ops] alert" (Quoted, line 30) written "[ops] \" 'alert"
            EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend" (Quoted, line 33)
            Production › MAIL_PORT = "-1" (Number, line 36)
            app › config › MAIL_SERVER = "smtp.example.org" (Quoted, line 41)
            app › config › MAIL_PORT = "587" (Number, line 42)
            app › config › MAIL_USE_TLS = "True" (Bool, line 42)
        "#]]
        .assert_eq(&render(SETTINGS, &parse(SETTINGS)));
    }

    #[test]
    fn styles() {
        let parsed = parse(SETTINGS);
        let port = parsed
            .settings
            .iter()
            .find(|s| s.path_names() == ["EMAIL_PORT"])
            .unwrap();
        assert_eq!(&*port.style.separator, " = ");
        assert_eq!(&*port.style.lead, "\n");
        let db = parsed
            .settings
            .iter()
            .find(|s| s.path_names() == ["DATABASES", "default", "PORT"])
            .unwrap();
        assert_eq!(&*db.style.lead, ",\n        ");
        assert_eq!(db.style.key_quote, Some('"'));
        let server = parsed
            .settings
            .iter()
            .find(|s| s.key() == "MAIL_SERVER")
            .unwrap();
        assert_eq!(server.style.key_prefix, "app.config[\"");
    }

    #[test]
    fn every_prefix_parses() {
        assert_prefixes_parse(SETTINGS, parse);
    }
}
