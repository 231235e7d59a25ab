//! Ruby source (tree-sitter-ruby): GitLab Omnibus `gitlab.rb`, Rails `config/environments/*.rb`,
//! initializers, `Mail.defaults`.
//!
//! Read as settings:
//! - `gitlab_rails['smtp_port'] = 587` → `["gitlab_rails", "smtp_port"]`;
//! - `config.action_mailer.smtp_settings = { address: "x", port: 587 }` →
//!   `["config", "action_mailer", "smtp_settings", "port"]` (symbol, `:sym =>` and string keys;
//!   nested hashes recurse);
//! - a hash passed to a method (`delivery_method :smtp, { port: 25 }`, or bare `port: 25` pairs)
//!   → `["delivery_method", "port"]`;
//! - `NAME = value` / `name = value` → `["NAME"]`.
//!
//! Values: literals (symbols `:plain` give `plain`); `ENV.fetch("X", 587)` / `ENV.fetch("X") { 587 }`
//! / `ENV["X"] || 587` give the literal default; `ENV["X"]`, other calls, constants and variables
//! give a reference `${X}`; `.to_i` / `.to_s` / `.to_sym` are looked through.

use tree_sitter::Node;

use super::named_children;

use super::literal::{
    copied_style, either, fallback_kind, member_style, node_text, placeholder,
    read_source_with_dollar_braces, unquote, Value,
};
use super::{EnvDefault, Parsed, Setting, ValueKind};
use crate::vocab::Span;

/// A hash literal, also behind a method that returns it unchanged (`{ … }.freeze`).
fn hash_literal<'t>(text: &str, node: Node<'t>) -> Option<Node<'t>> {
    match node.kind() {
        "hash" => Some(node),
        "call" => {
            let method = node.child_by_field_name("method")?;
            let receiver = node.child_by_field_name("receiver")?;
            let same = matches!(
                text.get(method.byte_range()),
                Some("freeze" | "dup" | "compact" | "to_h")
            );
            (receiver.kind() == "hash" && same).then_some(receiver)
        }
        _ => None,
    }
}

pub fn parse(text: &str) -> Parsed {
    read_source_with_dollar_braces(
        tree_sitter_ruby::LANGUAGE.into(),
        text,
        Some(heredoc_cut),
        |root| {
            let mut reader = Reader {
                text,
                out: Vec::new(),
            };
            reader.visit(root);
            reader.out
        },
    )
}

/// tree-sitter-ruby keeps an open heredoc's word in its saved state with a one-byte length: a
/// word of 256 characters or more is saved cut short, and restoring that state fails an assertion
/// in the grammar's C code (the process aborts). Heredoc words are short in real code; the text
/// is read up to the line of the first opener (`<<ID`, `<<~'…'`, `<<-"…"`) whose word is this
/// long, or whose quote is not closed this soon.
const LONGEST_HEREDOC_WORD: usize = 200;

/// The start of the line holding the first heredoc opener with a word too long for the grammar.
/// Each opener looks at most [`LONGEST_HEREDOC_WORD`] characters ahead: linear in the text.
pub(crate) fn heredoc_cut(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text.get(from..)?.find("<<") {
        let at = from + found;
        // Openers overlap (`<<<'…` holds `<<'` at its second `<`): step one byte, not two.
        from = at + 1;
        let mut rest = text.get(at + 2..)?;
        if let Some(after) = rest.strip_prefix(['~', '-']) {
            rest = after;
        }
        let mut chars = rest.chars();
        let too_long = match chars.next() {
            // The word runs to the closing quote, across lines, or to the end of the text.
            Some(quote @ ('\'' | '"' | '`')) => {
                let word = chars
                    .take(LONGEST_HEREDOC_WORD + 1)
                    .take_while(|c| *c != quote)
                    .count();
                word > LONGEST_HEREDOC_WORD
            }
            Some(c) if c.is_alphanumeric() || c == '_' => {
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .take(LONGEST_HEREDOC_WORD + 1)
                    .count()
                    > LONGEST_HEREDOC_WORD
            }
            _ => false,
        };
        if too_long {
            let line = bytes[..at].iter().rposition(|b| *b == b'\n' || *b == b'\r');
            return Some(line.map_or(0, |i| i + 1));
        }
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

    fn visit(&mut self, node: Node) {
        match node.kind() {
            "assignment" => self.assignment(node),
            "hash" => {
                let path = self.method_context(node);
                self.hash(node, &path);
            }
            "argument_list" if named_children(node).iter().any(|c| c.kind() == "pair") => {
                let path = self.method_context(node);
                for child in named_children(node) {
                    match child.kind() {
                        "pair" => self.pair(child, &path),
                        _ => self.visit(child),
                    }
                }
            }
            _ => {
                for child in named_children(node) {
                    self.visit(child);
                }
            }
        }
    }

    /// `["delivery_method"]` for a hash or argument list passed to `delivery_method`.
    fn method_context(&self, node: Node) -> Vec<String> {
        let list = if node.kind() == "argument_list" {
            Some(node)
        } else {
            node.parent().filter(|p| p.kind() == "argument_list")
        };
        list.and_then(|l| l.parent())
            .filter(|c| c.kind() == "call")
            .and_then(|c| c.child_by_field_name("method"))
            .map(|m| vec![self.src(m).to_string()])
            .unwrap_or_default()
    }

    fn assignment(&mut self, node: Node) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let (path, key_span) = match left.kind() {
            "identifier" | "constant" | "instance_variable" | "global_variable" => (
                vec![self.src(left).trim_start_matches(['@', '$']).to_string()],
                left.byte_range(),
            ),
            "call" => {
                let Some(method) = left.child_by_field_name("method") else {
                    return;
                };
                let path = self
                    .src(left)
                    .split('.')
                    .map(|s| s.trim().to_string())
                    .collect();
                (path, method.byte_range())
            }
            "element_reference" => {
                let children = named_children(left);
                let (Some(object), Some(index)) = (children.first(), children.get(1)) else {
                    return;
                };
                let Some((key, key_span)) = self.key_text(*index) else {
                    return;
                };
                let mut path: Vec<String> = self
                    .src(*object)
                    .split('.')
                    .map(|s| s.trim().to_string())
                    .collect();
                path.push(key);
                (path, key_span)
            }
            _ => {
                self.visit(right);
                return;
            }
        };
        if let Some(hash) = hash_literal(self.text, right) {
            self.hash(hash, &path);
            return;
        }
        let style = copied_style(
            self.text,
            node.byte_range(),
            key_span.clone(),
            right.byte_range(),
        );
        match self.read(right) {
            Some(value) => {
                let mut setting = value.into_setting(path, key_span, style);
                setting.env_default = self.env_default(right);
                self.out.push(setting);
            }
            None => self.visit(right),
        }
    }

    /// A hash key: `address:` / `:address` / `"address"` → its text and span.
    fn key_text(&self, key: Node) -> Option<(String, Span)> {
        match key.kind() {
            "hash_key_symbol" | "identifier" | "constant" => {
                Some((self.src(key).to_string(), key.byte_range()))
            }
            "simple_symbol" => {
                let range = key.byte_range();
                let start = (range.start + 1).min(range.end);
                Some((
                    self.text.get(start..range.end)?.to_string(),
                    start..range.end,
                ))
            }
            "string" | "delimited_symbol" => {
                let range = key.byte_range();
                let start = if key.kind() == "delimited_symbol" {
                    (range.start + 1).min(range.end)
                } else {
                    range.start
                };
                unquote(self.text, start..range.end)
            }
            "integer" => Some((self.src(key).to_string(), key.byte_range())),
            _ => None,
        }
    }

    fn hash(&mut self, node: Node, path: &[String]) {
        for pair in named_children(node) {
            if pair.kind() == "pair" {
                self.pair(pair, path);
            }
        }
    }

    fn pair(&mut self, pair: Node, path: &[String]) {
        let (Some(key), Some(value)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            return;
        };
        let Some((key_text, key_span)) = self.key_text(key) else {
            return;
        };
        let mut child_path = path.to_vec();
        child_path.push(key_text);
        if let Some(hash) = hash_literal(self.text, value) {
            self.hash(hash, &child_path);
            return;
        }
        let (separator, quote, prefix) = match key.kind() {
            "hash_key_symbol" => (": ", None, ""),
            "simple_symbol" => (" => ", None, ":"),
            "string" => (" => ", self.src(key).chars().next(), ""),
            _ => (" => ", None, ""),
        };
        let mut style = member_style(
            self.text,
            pair.start_byte(),
            pair.end_byte(),
            separator,
            quote,
        );
        style.shape_mut().key_prefix = prefix.to_string();
        match self.read(value) {
            Some(v) => {
                let mut setting = v.into_setting(child_path, key_span, style);
                setting.env_default = self.env_default(value);
                self.out.push(setting);
            }
            None => self.visit(value),
        }
    }

    fn read(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        match node.kind() {
            "integer" | "float" => Some(Value::literal(self.src(node), ValueKind::Number, span)),
            "unary" => {
                let operand = node.child_by_field_name("operand")?;
                matches!(operand.kind(), "integer" | "float").then(|| {
                    Value::literal(self.src(node).replace(' ', ""), ValueKind::Number, span)
                })
            }
            "true" | "false" => Some(Value::literal(self.src(node), ValueKind::Bool, span)),
            "nil" => Some(Value::literal(self.src(node), ValueKind::Null, span)),
            "string" => {
                if named_children(node)
                    .iter()
                    .any(|c| c.kind() == "interpolation")
                {
                    return Some(Value::Reference {
                        name: self.src(node).to_string(),
                        span,
                    });
                }
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "simple_symbol" | "delimited_symbol" => {
                let (value, inner) = self.key_text(node)?;
                Some(Value::literal(value, ValueKind::Plain, inner))
            }
            "parenthesized_statements" => self.read(node.named_child(0)?),
            "scope_resolution" if self.src(node).starts_with("OpenSSL::SSL::VERIFY_") => {
                // `OpenSSL::SSL::VERIFY_NONE` is what `openssl_verify_mode: "none"` means.
                let name = self.src(node).trim_start_matches("OpenSSL::SSL::VERIFY_");
                Some(Value::literal(
                    name.to_ascii_lowercase(),
                    ValueKind::Plain,
                    span,
                ))
            }
            "identifier" | "constant" | "scope_resolution" | "instance_variable" => {
                Some(Value::Reference {
                    name: self.src(node).trim_start_matches('@').to_string(),
                    span,
                })
            }
            "element_reference" => {
                let children = named_children(node);
                let object = children.first()?;
                let name = match (self.src(*object), children.get(1)) {
                    ("ENV", Some(index)) => unquote(self.text, index.byte_range())?.0,
                    _ => self.src(node).to_string(),
                };
                Some(Value::Reference { name, span })
            }
            "binary" => {
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.src(o))
                    .unwrap_or("");
                let left_value = self.read(left);
                if matches!(operator, "||" | "or") {
                    return either(left_value, || self.read(right), false, span);
                }
                match left_value? {
                    Value::Reference { name, .. } => Some(Value::Reference { name, span }),
                    Value::Literal { .. } => None,
                }
            }
            // `secure ? "ssl" : "tls"`: decided where the program runs.
            "conditional" => Some(Value::Reference {
                name: self.src(node).to_string(),
                span,
            }),
            "call" => self.read_call(node),
            _ => placeholder(self.src(node), span),
        }
    }

    /// What an environment lookup falls back to: `ENV.fetch("SMTP_PORT", 25).to_i` and
    /// `ENV["SMTP_PORT"] || 25` their literal, `ENV.fetch("SMTP_USER", "")` an empty value.
    fn env_default(&self, node: Node) -> EnvDefault {
        let mut node = node;
        // `.to_i`-like conversions and `(…)`, unwrapped in a loop (no recursion on input depth).
        let fallback = loop {
            match node.kind() {
                "parenthesized_statements" => match node.named_child(0) {
                    Some(inner) => node = inner,
                    None => return EnvDefault::None,
                },
                "call" => {
                    let method = node
                        .child_by_field_name("method")
                        .map_or("", |m| self.src(m));
                    let Some(receiver) = node.child_by_field_name("receiver") else {
                        return EnvDefault::None;
                    };
                    if matches!(method, "to_i" | "to_s" | "to_sym" | "to_str" | "presence") {
                        node = receiver;
                    } else if self.src(receiver) == "ENV" && method == "fetch" {
                        let args = node
                            .child_by_field_name("arguments")
                            .map(named_children)
                            .unwrap_or_default();
                        break args.get(1).copied();
                    } else {
                        return EnvDefault::None;
                    }
                }
                "binary"
                    if node
                        .child_by_field_name("operator")
                        .is_some_and(|o| matches!(self.src(o), "||" | "or"))
                        && node.child_by_field_name("left").is_some_and(|l| {
                            matches!(self.read(l), Some(Value::Reference { .. }))
                        }) =>
                {
                    break node.child_by_field_name("right");
                }
                _ => return EnvDefault::None,
            }
        };
        fallback_kind(fallback.and_then(|f| self.read(f)))
    }

    fn read_call(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        let method = node.child_by_field_name("method").map(|m| self.src(m))?;
        let receiver = node.child_by_field_name("receiver");
        if let Some(receiver) = receiver {
            if matches!(
                method,
                "to_i" | "to_s" | "to_sym" | "to_str" | "presence" | "to_b"
            ) {
                return self.read(receiver).map(|v| match v {
                    Value::Reference { name, .. } => Value::Reference { name, span },
                    literal => literal,
                });
            }
            if self.src(receiver) == "ENV" && method == "fetch" {
                let args = node
                    .child_by_field_name("arguments")
                    .map(named_children)
                    .unwrap_or_default();
                let (name, _) = unquote(self.text, args.first()?.byte_range())?;
                let default = args.get(1).copied().or_else(|| {
                    node.child_by_field_name("block")
                        .and_then(|b| b.named_children(&mut b.walk()).last())
                        .and_then(|body| body.named_child(0))
                });
                // An empty fallback (`ENV.fetch("SMTP_USER", "")`) says only "may be unset":
                // the variable's value decides, as without a fallback.
                return match default.and_then(|d| self.read(d)) {
                    Some(Value::Literal { value, kind, span }) if !value.trim().is_empty() => {
                        Some(Value::Literal { value, kind, span })
                    }
                    _ => Some(Value::Reference { name, span }),
                };
            }
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
    fn gitlab_rb() {
        let text = r#"external_url 'https://gitlab.example.com'
gitlab_rails['gitlab_shell_ssh_port'] = 2222
gitlab_rails['db_port'] = 5432
gitlab_rails['smtp_enable'] = true
gitlab_rails['smtp_address'] = "smtp.example.com"
gitlab_rails['smtp_port'] = 465
gitlab_rails['smtp_user_name'] = "gitlab@example.com"
gitlab_rails['smtp_password'] = ENV['SMTP_PASSWORD']
gitlab_rails['smtp_domain'] = "example.com"
gitlab_rails['smtp_authentication'] = "login"
gitlab_rails['smtp_enable_starttls_auto'] = true
gitlab_rails['smtp_tls'] = false
gitlab_rails['smtp_openssl_verify_mode'] = 'none'
nginx['listen_port'] = 80
gitlab_rails['backup_upload_connection'] = {
  'provider' => 'AWS',
  'region' => 'eu-west-1'
}
"#;
        expect![[r#"
            gitlab_rails › gitlab_shell_ssh_port = "2222" (Number, line 2)
            gitlab_rails › db_port = "5432" (Number, line 3)
            gitlab_rails › smtp_enable = "true" (Bool, line 4)
            gitlab_rails › smtp_address = "smtp.example.com" (Quoted, line 5)
            gitlab_rails › smtp_port = "465" (Number, line 6)
            gitlab_rails › smtp_user_name = "gitlab@example.com" (Quoted, line 7)
            gitlab_rails › smtp_password = "${SMTP_PASSWORD}" (Plain, line 8) written "ENV['SMTP_PASSWORD']"
            gitlab_rails › smtp_domain = "example.com" (Quoted, line 9)
            gitlab_rails › smtp_authentication = "login" (Quoted, line 10)
            gitlab_rails › smtp_enable_starttls_auto = "true" (Bool, line 11)
            gitlab_rails › smtp_tls = "false" (Bool, line 12)
            gitlab_rails › smtp_openssl_verify_mode = "none" (Quoted, line 13)
            nginx › listen_port = "80" (Number, line 14)
            gitlab_rails › backup_upload_connection › provider = "AWS" (Quoted, line 16)
            gitlab_rails › backup_upload_connection › region = "eu-west-1" (Quoted, line 17)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let tls = &parse(text).settings[10];
        assert_eq!(tls.style.key_prefix, "gitlab_rails['");
        assert_eq!(&*tls.style.separator, "'] = ");
        assert_eq!(tls.style.suffix, "");
    }

    #[test]
    fn rails_action_mailer() {
        let text = r#"Rails.application.configure do
  config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"] }
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: ENV.fetch("SMTP_SERVER", "smtp.example.com"),
    port: ENV.fetch("SMTP_PORT", 587).to_i,
    :user_name => ENV["SMTP_LOGIN"],
    "password" => Rails.application.credentials.smtp_password,
    authentication: :plain,
    enable_starttls_auto: ENV.fetch("SMTP_STARTTLS") { true },
    tls: ENV["SMTP_TLS"] == "true",
    openssl_verify_mode: OpenSSL::SSL::VERIFY_PEER,
  }
end

Mail.defaults do
  delivery_method :smtp, address: "mail.example.org", port: 25, enable_starttls_auto: false
end
"#;
        expect![[r#"
            url = "${REDIS_URL}" (Plain, line 2) written "ENV[\"REDIS_URL\"]"
            config › action_mailer › delivery_method = "smtp" (Plain, line 3)
            config › action_mailer › smtp_settings › address = "smtp.example.com" (Quoted, line 5)
            config › action_mailer › smtp_settings › port = "587" (Number, line 6)
            config › action_mailer › smtp_settings › user_name = "${SMTP_LOGIN}" (Plain, line 7) written "ENV[\"SMTP_LOGIN\"]"
            config › action_mailer › smtp_settings › password = "${Rails.application.credentials.smtp_password}" (Plain, line 8) written "Rails.application.credentials.smtp_password"
            config › action_mailer › smtp_settings › authentication = "plain" (Plain, line 9)
            config › action_mailer › smtp_settings › enable_starttls_auto = "true" (Bool, line 10)
            config › action_mailer › smtp_settings › tls = "${SMTP_TLS}" (Plain, line 11) written "ENV[\"SMTP_TLS\"] == \"true\""
            config › action_mailer › smtp_settings › openssl_verify_mode = "peer" (Plain, line 12) written "OpenSSL::SSL::VERIFY_PEER"
            delivery_method › address = "mail.example.org" (Quoted, line 17)
            delivery_method › port = "25" (Number, line 17)
            delivery_method › enable_starttls_auto = "false" (Bool, line 17)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let parsed = parse(text);
        let port = parsed.settings.iter().find(|s| s.key() == "port").unwrap();
        assert_eq!(&*port.style.separator, ": ");
        assert_eq!(&*port.style.lead, ",\n    ");
    }
}

#[cfg(test)]
mod heredoc_tests {
    use super::*;

    #[test]
    fn a_heredoc_word_too_long_for_the_grammar_stops_the_read_at_its_line() {
        let long = "x".repeat(300);
        let text = format!("gitlab_rails['smtp_port'] = 587\nbody = <<~'{long}'\nsmtp = 1\n");
        assert_eq!(heredoc_cut(&text), Some(text.find("body").unwrap()));
        let unclosed = format!("a = 1\nb = <<\"{long}");
        assert_eq!(heredoc_cut(&unclosed), Some(6));
        // the read stops there, without aborting, and what came before is still read
        let parsed = parse(&text);
        assert_eq!(parsed.settings.len(), 1, "{:?}", parsed.settings);
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn an_opener_inside_a_run_of_angle_brackets_is_found() {
        // `<<<'…`: the search must not step over the `<<'` that starts at the second `<` (a
        // fuzz input of session 23 aborted in the grammar this way).
        let long = "<".repeat(300);
        let text = format!("x = 1\ny <<<'{long}ail\n\0");
        assert_eq!(heredoc_cut(&text), Some(6));
        let parsed = parse(&text);
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn ordinary_heredocs_and_shifts_are_read_whole() {
        let text = "msg = <<~EOS\n  hello\nEOS\nx = 1 << 2\ny = <<-'END'\nEND\n";
        assert_eq!(heredoc_cut(text), None);
        let short_unclosed = "z = <<'abc";
        assert_eq!(heredoc_cut(short_unclosed), None);
    }
}
