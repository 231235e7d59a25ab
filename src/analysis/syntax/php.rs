//! PHP source (tree-sitter-php): Nextcloud `config.php`, WordPress `wp-config.php`, Laravel
//! `config/mail.php`, CodeIgniter `config/email.php`, PHPMailer set-ups.
//!
//! Read as settings:
//! - array entries, nested: `'mail_smtpport' => 465` → `["CONFIG", "mail_smtpport"]` inside
//!   `$CONFIG = array(…)`, `["mailers", "smtp", "port"]` inside `return [...]`;
//! - `define('WPMS_SMTP_PORT', 587)` → `["WPMS_SMTP_PORT"]`;
//! - `$config['smtp_port'] = 465;` → `["config", "smtp_port"]`;
//! - `$phpmailer->Port = 587;` → `["phpmailer", "Port"]` (one group per variable);
//! - `$smtp_port = 465;` → `["smtp_port"]`.
//!
//! Values: literals; `env('MAIL_PORT', 587)` gives its literal default; `getenv('X')`, `env('X')`,
//! `$_ENV['X']`, constants and variables give a reference `${X}`; `PHPMailer::ENCRYPTION_STARTTLS` /
//! `ENCRYPTION_SMTPS` give `tls` / `ssl` (their values). Other expressions are skipped.

use tree_sitter::Node;

use super::named_children;

use super::literal::{copied_style, either, member_style, node_text, read_source, unquote, Value};
use super::{Parsed, Setting, ValueKind};

pub fn parse(text: &str) -> Parsed {
    read_source(tree_sitter_php::LANGUAGE_PHP.into(), text, None, |root| {
        let mut reader = Reader {
            text,
            out: Vec::new(),
        };
        reader.visit(root);
        reader.out
    })
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
            "assignment_expression" => self.assignment(node),
            "function_call_expression" if self.function_name(node) == Some("define") => {
                self.define(node)
            }
            "array_creation_expression" => self.array(node, &[]),
            _ => {
                for child in named_children(node) {
                    self.visit(child);
                }
            }
        }
    }

    /// An expression that is no literal and no fallback idiom: decided where the program runs, so
    /// a value the document does not name (never "absent", which would let the application's
    /// default decide). `defined('X') ? X : 'ssl'` and `isset($x) ? $x : 587` are the constant's
    /// or variable's fallback idiom: the literal default is read, as for `getenv('X') ?: 587`. An
    /// expression holding arrays is left to the walk, which reads their entries.
    fn read_expression(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        let parts = named_children(node);
        if parts
            .iter()
            .any(|c| c.kind() == "array_creation_expression")
        {
            return None;
        }
        if node.kind() == "conditional_expression" {
            let guard = node.child_by_field_name("condition");
            let guard_call = guard
                .filter(|g| g.kind() == "function_call_expression")
                .and_then(|g| self.function_name(g));
            if matches!(guard_call, Some("defined" | "isset")) {
                let (body, alternative) = (
                    node.child_by_field_name("body")?,
                    node.child_by_field_name("alternative")?,
                );
                return either(self.read(body), || self.read(alternative), true, span);
            }
        }
        Some(Value::Reference {
            name: self.src(node).to_string(),
            span,
        })
    }

    fn function_name(&self, call: Node) -> Option<&'a str> {
        call.child_by_field_name("function").map(|f| self.src(f))
    }

    /// The statement holding an expression (for the style of a sibling statement).
    fn statement_of(node: Node) -> Node {
        match node.parent() {
            Some(p) if p.kind() == "expression_statement" => p,
            _ => node,
        }
    }

    fn assignment(&mut self, node: Node) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let statement = Self::statement_of(node).byte_range();
        let (path, key_span) = match left.kind() {
            "variable_name" => (
                vec![self.src(left).trim_start_matches('$').to_string()],
                left.byte_range(),
            ),
            "subscript_expression" => {
                let Some((path, key_span)) = self.subscript_path(left) else {
                    return;
                };
                (path, key_span)
            }
            "member_access_expression" => {
                let (Some(object), Some(name)) = (
                    left.child_by_field_name("object"),
                    left.child_by_field_name("name"),
                ) else {
                    return;
                };
                let object = self.src(object).trim_start_matches('$').replace("->", ".");
                (vec![object, self.src(name).to_string()], name.byte_range())
            }
            _ => {
                self.visit(right);
                return;
            }
        };
        if right.kind() == "array_creation_expression" {
            self.array(right, &path);
            return;
        }
        let style = copied_style(self.text, statement, key_span.clone(), right.byte_range());
        if let Some(value) = self.read(right) {
            self.out.push(value.into_setting(path, key_span, style));
        }
    }

    /// `$config['a']['b']` → (["config", "a", "b"], span of `b` inside its quotes).
    fn subscript_path(&self, node: Node) -> Option<(Vec<String>, crate::vocab::Span)> {
        let children = named_children(node);
        let object = children.first()?;
        let index = children.get(1)?;
        let (key, key_span) = match index.kind() {
            "string" | "encapsed_string" => unquote(self.text, index.byte_range())?,
            "integer" => (self.src(*index).to_string(), index.byte_range()),
            _ => return None,
        };
        let mut path = match object.kind() {
            "subscript_expression" => self.subscript_path(*object)?.0,
            _ => vec![self.src(*object).trim_start_matches('$').to_string()],
        };
        path.push(key);
        Some((path, key_span))
    }

    /// `define('NAME', value)`.
    fn define(&mut self, call: Node) {
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        let args: Vec<Node> = named_children(arguments)
            .into_iter()
            .filter_map(|a| a.named_child(0))
            .collect();
        let (Some(name), Some(value)) = (args.first(), args.get(1)) else {
            return;
        };
        let Some((key, key_span)) = unquote(self.text, name.byte_range()) else {
            return;
        };
        let statement = Self::statement_of(call).byte_range();
        let style = copied_style(self.text, statement, key_span.clone(), value.byte_range());
        if let Some(v) = self.read(*value) {
            self.out.push(v.into_setting(vec![key], key_span, style));
        }
    }

    /// Entries of an array literal under `path`.
    fn array(&mut self, node: Node, path: &[String]) {
        let mut position = 0usize;
        for element in named_children(node) {
            if element.kind() != "array_element_initializer" {
                continue;
            }
            let parts = named_children(element);
            let (key_part, value) = match parts.as_slice() {
                [key, value] => (Some(*key), *value),
                [value] => (None, *value),
                _ => continue,
            };
            let (key, key_span, quote) = match key_part {
                Some(k) => match k.kind() {
                    "string" | "encapsed_string" => {
                        let Some((key, span)) = unquote(self.text, k.byte_range()) else {
                            continue;
                        };
                        (key, span, self.src(k).chars().next())
                    }
                    "integer" => (self.src(k).to_string(), k.byte_range(), None),
                    _ => continue,
                },
                None => {
                    position += 1;
                    (format!("{}", position - 1), value.byte_range(), None)
                }
            };
            let mut child_path = path.to_vec();
            child_path.push(key);
            if value.kind() == "array_creation_expression" {
                self.array(value, &child_path);
                continue;
            }
            if key_part.is_none() {
                continue; // list items (`['a', 'b']`) are not settings
            }
            let style = member_style(
                self.text,
                element.start_byte(),
                element.end_byte(),
                " => ",
                quote,
            );
            if let Some(v) = self.read(value) {
                self.out.push(v.into_setting(child_path, key_span, style));
            } else {
                self.visit(value);
            }
        }
    }

    fn read(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        match node.kind() {
            "integer" | "float" => Some(Value::literal(self.src(node), ValueKind::Number, span)),
            "unary_op_expression" => {
                let operand = node.named_child(0)?;
                matches!(operand.kind(), "integer" | "float").then(|| {
                    Value::literal(self.src(node).replace(' ', ""), ValueKind::Number, span)
                })
            }
            "boolean" => Some(Value::literal(self.src(node), ValueKind::Bool, span)),
            "null" => Some(Value::literal(self.src(node), ValueKind::Null, span)),
            "string" => {
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "encapsed_string" => {
                let interpolated = named_children(node)
                    .iter()
                    .any(|c| !matches!(c.kind(), "string_content" | "escape_sequence"));
                if interpolated {
                    return Some(Value::Reference {
                        name: self.src(node).to_string(),
                        span,
                    });
                }
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "name" | "qualified_name" | "variable_name" | "member_access_expression" => {
                Some(Value::Reference {
                    name: self.src(node).trim_start_matches('$').to_string(),
                    span,
                })
            }
            "class_constant_access_expression" => {
                let text = self.src(node);
                let constant = text.rsplit("::").next().unwrap_or(text);
                match constant {
                    "ENCRYPTION_STARTTLS" => Some(Value::literal("tls", ValueKind::Plain, span)),
                    "ENCRYPTION_SMTPS" => Some(Value::literal("ssl", ValueKind::Plain, span)),
                    _ => Some(Value::Reference {
                        name: text.to_string(),
                        span,
                    }),
                }
            }
            "parenthesized_expression" => self.read(node.named_child(0)?),
            "cast_expression" => self.read(node.child_by_field_name("value")?),
            "subscript_expression" => {
                // `$_ENV['X']`, `$_SERVER['X']`.
                let children = named_children(node);
                let index = children.get(1)?;
                let (name, _) = unquote(self.text, index.byte_range())?;
                Some(Value::Reference { name, span })
            }
            "binary_expression" | "conditional_expression" => {
                // `getenv('X') ?: 587`, `$_ENV['X'] ?? 'tls'`: the literal fallback.
                let left = node
                    .child_by_field_name("left")
                    .or_else(|| node.named_child(0))?;
                let right = node
                    .child_by_field_name("right")
                    .or_else(|| node.named_child(node.named_child_count().saturating_sub(1)))?;
                let operator = self
                    .text
                    .get(left.end_byte()..right.start_byte())
                    .unwrap_or("")
                    .trim();
                if matches!(operator, "??" | "?:" | "||" | "or") {
                    return either(self.read(left), || self.read(right), operator == "??", span);
                }
                self.read_expression(node)
            }
            "function_call_expression" => {
                let function = self.function_name(node)?;
                let arguments = node.child_by_field_name("arguments")?;
                let args: Vec<Node> = named_children(arguments)
                    .into_iter()
                    .filter_map(|a| a.named_child(0))
                    .collect();
                if !matches!(
                    function,
                    "env" | "getenv" | "get_env" | "intval" | "boolval"
                ) {
                    return None;
                }
                if matches!(function, "intval" | "boolval") {
                    return self.read(*args.first()?);
                }
                let (name, _) = unquote(self.text, args.first()?.byte_range())?;
                match args.get(1).and_then(|d| self.read(*d)) {
                    Some(v @ Value::Literal { .. }) => Some(v),
                    _ => Some(Value::Reference { name, span }),
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn nextcloud_config() {
        let text = r#"<?php
$CONFIG = array (
  'instanceid' => 'oc8c0fd71e03',
  'trusted_domains' => array (0 => 'cloud.example.com', 1 => '10.0.0.5'),
  'dbtype' => 'mysql',
  'dbhost' => 'db:3306',
  'dbport' => '',
  'redis' => array('host' => 'redis', 'port' => 6379),
  'mail_smtpmode' => 'smtp',
  'mail_smtphost' => 'smtp.example.com',
  'mail_smtpport' => '587',
  'mail_smtpsecure' => 'tls',
  'mail_smtpauth' => true,
  'mail_smtpname' => "cloud@example.com",
  'mail_smtppassword' => 'secret',
  'maintenance' => false,
);
"#;
        expect![[r#"
            CONFIG › instanceid = "oc8c0fd71e03" (Quoted, line 3)
            CONFIG › trusted_domains › 0 = "cloud.example.com" (Quoted, line 4)
            CONFIG › trusted_domains › 1 = "10.0.0.5" (Quoted, line 4)
            CONFIG › dbtype = "mysql" (Quoted, line 5)
            CONFIG › dbhost = "db:3306" (Quoted, line 6)
            CONFIG › dbport = "" (Quoted, line 7)
            CONFIG › redis › host = "redis" (Quoted, line 8)
            CONFIG › redis › port = "6379" (Number, line 8)
            CONFIG › mail_smtpmode = "smtp" (Quoted, line 9)
            CONFIG › mail_smtphost = "smtp.example.com" (Quoted, line 10)
            CONFIG › mail_smtpport = "587" (Quoted, line 11)
            CONFIG › mail_smtpsecure = "tls" (Quoted, line 12)
            CONFIG › mail_smtpauth = "true" (Bool, line 13)
            CONFIG › mail_smtpname = "cloud@example.com" (Quoted, line 14)
            CONFIG › mail_smtppassword = "secret" (Quoted, line 15)
            CONFIG › maintenance = "false" (Bool, line 16)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let port = &parse(text).settings[10];
        assert_eq!(&*port.style.separator, " => ");
        assert_eq!(&*port.style.lead, ",\n  ");
        assert_eq!(port.style.key_quote, Some('\''));
    }

    #[test]
    fn wordpress_defines_and_phpmailer() {
        let text = r#"<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_HOST', 'localhost:3306' );
define( 'WPMS_ON', true );
define( 'WPMS_SMTP_HOST', 'smtp.example.com' );
define( 'WPMS_SMTP_PORT', 465 );
define( 'WPMS_SSL', '' );
define('WPMS_SMTP_PASS', getenv('SMTP_PASS'));
$table_prefix = 'wp_';

add_action( 'phpmailer_init', function ( $phpmailer ) {
    $phpmailer->isSMTP();
    $phpmailer->Host       = WPMS_SMTP_HOST;
    $phpmailer->Port       = 587;
    $phpmailer->SMTPSecure = PHPMailer\PHPMailer\PHPMailer::ENCRYPTION_STARTTLS;
    $phpmailer->SMTPAuth   = true;
    $phpmailer->Username   = "user@$domain";
} );
$config['smtp_crypto'] = 'ssl';
$config['smtp_port']   = (int) ($_ENV['SMTP_PORT'] ?? 465);
"#;
        expect![[r#"
            DB_NAME = "wordpress" (Quoted, line 2)
            DB_HOST = "localhost:3306" (Quoted, line 3)
            WPMS_ON = "true" (Bool, line 4)
            WPMS_SMTP_HOST = "smtp.example.com" (Quoted, line 5)
            WPMS_SMTP_PORT = "465" (Number, line 6)
            WPMS_SSL = "" (Quoted, line 7)
            WPMS_SMTP_PASS = "${SMTP_PASS}" (Plain, line 8) written "getenv('SMTP_PASS')"
            table_prefix = "wp_" (Quoted, line 9)
            phpmailer › Host = "${WPMS_SMTP_HOST}" (Plain, line 13) written "WPMS_SMTP_HOST"
            phpmailer › Port = "587" (Number, line 14)
            phpmailer › SMTPSecure = "tls" (Plain, line 15) written "PHPMailer\\PHPMailer\\PHPMailer::ENCRYPTION_STARTTLS"
            phpmailer › SMTPAuth = "true" (Bool, line 16)
            phpmailer › Username = "${\"user@$domain\"}" (Plain, line 17) written "\"user@$domain\""
            config › smtp_crypto = "ssl" (Quoted, line 19)
            config › smtp_port = "465" (Number, line 20)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let settings = parse(text).settings;
        let define = &settings[4];
        assert_eq!(define.style.key_prefix, "define( '");
        assert_eq!(&*define.style.separator, "', ");
        assert_eq!(define.style.suffix, " );");
        let port = &settings[9];
        assert_eq!(port.style.key_prefix, "$phpmailer->");
        assert_eq!(&*port.style.separator, "       = ");
        assert_eq!(port.style.suffix, ";");
    }

    #[test]
    fn laravel_mail_config() {
        let text = r#"<?php

return [
    'default' => env('MAIL_MAILER', 'smtp'),
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'host' => env('MAIL_HOST', 'smtp.mailgun.org'),
            'port' => env('MAIL_PORT', 587),
            'encryption' => env('MAIL_ENCRYPTION', 'tls'),
            'username' => env('MAIL_USERNAME'),
            'password' => env('MAIL_PASSWORD'),
            'timeout' => null,
        ],
        'log' => ['transport' => 'log', 'channel' => env('MAIL_LOG_CHANNEL')],
    ],
    'from' => ['address' => env('MAIL_FROM_ADDRESS', 'hello@example.com'), 'name' => env('MAIL_FROM_NAME', 'Example')],
];
"#;
        expect![[r#"
            default = "smtp" (Quoted, line 4)
            mailers › smtp › transport = "smtp" (Quoted, line 7)
            mailers › smtp › host = "smtp.mailgun.org" (Quoted, line 8)
            mailers › smtp › port = "587" (Number, line 9)
            mailers › smtp › encryption = "tls" (Quoted, line 10)
            mailers › smtp › username = "${MAIL_USERNAME}" (Plain, line 11) written "env('MAIL_USERNAME')"
            mailers › smtp › password = "${MAIL_PASSWORD}" (Plain, line 12) written "env('MAIL_PASSWORD')"
            mailers › smtp › timeout = "null" (Null, line 13)
            mailers › log › transport = "log" (Quoted, line 15)
            mailers › log › channel = "${MAIL_LOG_CHANNEL}" (Plain, line 15) written "env('MAIL_LOG_CHANNEL')"
            from › address = "hello@example.com" (Quoted, line 17)
            from › name = "Example" (Quoted, line 17)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }
}
