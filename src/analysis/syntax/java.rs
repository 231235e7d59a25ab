//! Java source (tree-sitter-java): Jakarta Mail set up in code, the way Spring applications and
//! plain JavaMail programs do it.
//!
//! - `props.put("mail.smtp.starttls.enable", "true")` and `props.setProperty(…)` on any object,
//!   for a key that starts with `mail.`: the session property, its key split at the dots.
//! - `JavaMailSenderImpl`'s `setHost`, `setPort`, `setUsername` and `setPassword`, read only where
//!   the method names `JavaMailSender` or sets a `mail.` property (a `setPort` elsewhere belongs to
//!   something else): the host, port and credentials Spring hands the transport.
//!
//! Each method (or constructor) is one scope, `[method, "mail", protocol, …]`: the setters go under
//! the transport protocol the method chooses (`setProtocol("smtps")`, `mail.transport.protocol`;
//! `smtp` by default), so a sender on `smtps` is no `mail.smtp` endpoint. A later method with the
//! same name is its own scope (`#1` after the name). The other transport's keys are left out: on
//! `smtps`, Jakarta Mail reads `mail.smtps.*` and never `mail.smtp.*`.
//!
//! A new entry is written as a `put` after the scope's last one, or as
//! `sender.getJavaMailProperties().put(…)` after the last setter when the scope has none.

use std::collections::HashMap;

use tree_sitter::Node;

use super::literal::{copied_style, indent_at, line_end, node_text, read_source, unquote, Value};
use super::{named_children, EntryShape, EntryStyle, Parsed, Setting, ValueKind};
use crate::vocab::Span;

pub fn parse(text: &str) -> Parsed {
    read_source(tree_sitter_java::LANGUAGE.into(), text, None, |root| {
        let mut scopes = Vec::new();
        collect(text, root, &mut scopes);
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        for scope in scopes {
            let earlier = seen.entry(scope.name.clone()).or_insert(0);
            let name = match *earlier {
                0 => scope.name.clone(),
                n => format!("{}#{n}", scope.name),
            };
            *earlier += 1;
            scope.settings(text, &name, &mut out);
        }
        out
    })
}

/// The mail calls of one method.
struct Scope<'t> {
    name: String,
    /// The method's text names `JavaMailSender`: its setters are a sender's.
    names_sender: bool,
    calls: Vec<Call<'t>>,
}

struct Call<'t> {
    /// The statement the call is (for the style of a new entry).
    statement: Span,
    /// The object it is called on, as written (`props`, `mailSender`).
    receiver: &'t str,
    what: What<'t>,
}

enum What<'t> {
    /// `put`/`setProperty` of a `mail.` key: the key's text and span inside its quotes.
    Property {
        key: String,
        key_span: Span,
        value: Node<'t>,
    },
    /// A sender's setter: the key it sets (`host`, `port`, `user`, `password`, `protocol`).
    Setter {
        key: &'static str,
        name_span: Span,
        value: Node<'t>,
    },
    /// `factory.setTrustAllHosts(true)` on a `MailSSLSocketFactory`: read where the factory is
    /// put as a session's socket factory.
    TrustAllHosts { value: Node<'t> },
}

/// Walks the tree without recursion, gathering the calls of each method. (The cursor keeps the
/// ancestors: `Node::parent` walks down from the root, quadratic over a big file.)
fn collect<'t>(text: &'t str, root: Node<'t>, scopes: &mut Vec<Scope<'t>>) {
    // Where the text names a sender, found once: whether a method's text does is then a binary
    // search, not a scan of the method (nested methods would be scanned again by each).
    const SENDER: &str = "JavaMailSender";
    let senders: Vec<usize> = text.match_indices(SENDER).map(|(at, _)| at).collect();
    let names_sender = |node: Node| {
        let first = senders.partition_point(|&at| at < node.start_byte());
        senders
            .get(first)
            .is_some_and(|&at| at + SENDER.len() <= node.end_byte())
    };
    let mut cursor = root.walk();
    let mut ancestors: Vec<Node<'t>> = Vec::new();
    // The scopes entered, as indexes into `scopes`, with the depth each began at.
    let mut open: Vec<(usize, usize)> = Vec::new();
    loop {
        let node = cursor.node();
        let depth = ancestors.len();
        match node.kind() {
            "method_declaration" | "constructor_declaration" => {
                let name = node
                    .child_by_field_name("name")
                    .map_or("", |n| node_text(text, n));
                scopes.push(Scope {
                    name: name.to_string(),
                    names_sender: names_sender(node),
                    calls: Vec::new(),
                });
                open.push((scopes.len() - 1, depth));
            }
            "method_invocation" => {
                let mut calls = Vec::new();
                read_calls(text, node, ancestors.last().copied(), &mut calls);
                if !calls.is_empty() {
                    let at = match open.last() {
                        Some(&(index, _)) => index,
                        None => {
                            // A call outside any method (a field initialiser): a scope of its own.
                            scopes.push(Scope {
                                name: String::new(),
                                names_sender: false,
                                calls: Vec::new(),
                            });
                            open.push((scopes.len() - 1, depth));
                            scopes.len() - 1
                        }
                    };
                    scopes[at].calls.append(&mut calls);
                }
            }
            _ => {}
        }
        if cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }
        loop {
            // Leaving the node at the cursor: scopes that began at its depth or deeper end.
            let depth = ancestors.len();
            while open.last().is_some_and(|&(_, began)| began >= depth) {
                open.pop();
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            ancestors.pop();
        }
    }
}

/// The calls that set mail settings, with their statement: a `put`/`setProperty` of a `mail.` key,
/// a sender's setter, or credentials handed to the transport when it connects.
fn read_calls<'t>(
    text: &'t str,
    call: Node<'t>,
    parent: Option<Node<'t>>,
    out: &mut Vec<Call<'t>>,
) {
    let (Some(name), Some(object), Some(arguments)) = (
        call.child_by_field_name("name"),
        call.child_by_field_name("object"),
        call.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let receiver = node_text(text, object);
    let args = named_children(arguments);
    let statement = parent
        .filter(|p| p.kind() == "expression_statement")
        .map_or_else(|| call.byte_range(), |p| p.byte_range());
    let method = node_text(text, name);
    // `transport.connect(host, user, password)`, `Transport.send(message, user, password)`: Jakarta
    // Mail authenticates with what is handed over here, whatever the properties say
    // (Service.connect, Transport.send); a host given here replaces `mail.smtp.host`.
    let handed_over: &[Option<&'static str>] = match (method, args.len()) {
        ("connect", 2) => &[Some("user"), Some("password")],
        ("connect", 3) => &[Some("host"), Some("user"), Some("password")],
        ("connect", 4) => &[Some("host"), None, Some("user"), Some("password")],
        ("send", 3) => &[None, Some("user"), Some("password")],
        ("send", 4) => &[None, None, Some("user"), Some("password")],
        _ => &[],
    };
    let a_transport = match method {
        "send" => receiver == "Transport",
        _ => receiver.to_ascii_lowercase().contains("transport"),
    };
    if !handed_over.is_empty() && a_transport {
        for (key, &value) in handed_over.iter().zip(&args) {
            if let Some(key) = key.filter(|_| value.kind() != "null_literal") {
                out.push(Call {
                    statement: statement.clone(),
                    receiver,
                    what: What::Setter {
                        key,
                        name_span: name.byte_range(),
                        value,
                    },
                });
            }
        }
        return;
    }
    out.extend(read_call(text, name, method, &args, receiver, statement));
}

/// A `put`/`setProperty` of a `mail.` key, or a sender setter.
fn read_call<'t>(
    text: &str,
    name: Node<'t>,
    method: &str,
    args: &[Node<'t>],
    receiver: &'t str,
    statement: Span,
) -> Option<Call<'t>> {
    let what = match method {
        "put" | "setProperty" if args.len() == 2 => {
            if args[0].kind() != "string_literal" {
                return None;
            }
            let (key, key_span) = unquote(text, args[0].byte_range())?;
            if !key.starts_with("mail.") {
                return None;
            }
            What::Property {
                key,
                key_span,
                value: args[1],
            }
        }
        "setTrustAllHosts" if args.len() == 1 => What::TrustAllHosts { value: args[0] },
        setter if args.len() == 1 => What::Setter {
            key: match setter {
                "setHost" => "host",
                "setPort" => "port",
                "setUsername" => "user",
                "setPassword" => "password",
                "setProtocol" => "protocol",
                _ => return None,
            },
            name_span: name.byte_range(),
            value: args[0],
        },
        _ => return None,
    };
    Some(Call {
        statement,
        receiver,
        what,
    })
}

impl Scope<'_> {
    fn settings(&self, text: &str, name: &str, out: &mut Vec<Setting>) {
        let properties = || {
            self.calls.iter().filter_map(|c| match &c.what {
                What::Property {
                    key,
                    key_span,
                    value,
                } => Some((c, key, key_span, *value)),
                What::Setter { .. } | What::TrustAllHosts { .. } => None,
            })
        };
        let setters = || {
            self.calls.iter().filter_map(|c| match &c.what {
                What::Setter {
                    key,
                    name_span,
                    value,
                } => Some((c, *key, name_span, *value)),
                What::Property { .. } | What::TrustAllHosts { .. } => None,
            })
        };
        // The transport protocol the sender uses: the last written, a setter's over the session
        // property (JavaMailSenderImpl.getTransport asks the property only when no protocol was
        // set).
        let protocol = properties()
            .filter(|(_, key, _, _)| *key == "mail.transport.protocol")
            .map(|(_, _, _, v)| v)
            .chain(
                setters()
                    .filter(|(_, key, _, _)| *key == "protocol")
                    .map(|(_, _, _, v)| v),
            )
            .filter_map(|v| match read_value(text, v)? {
                Value::Literal { value, .. } => Some(value.to_ascii_lowercase()),
                Value::Reference { .. } => None,
            })
            .next_back()
            .unwrap_or_else(|| "smtp".to_string());
        // A new entry goes after the last `put` of a `mail.<protocol>.` key, in its shape.
        let prefix = format!("mail.{protocol}.");
        let last_put = properties()
            .rfind(|(_, key, _, _)| key.starts_with(&prefix))
            .map(|(c, _, key_span, value)| (c.statement.clone(), key_span.clone(), value));
        // The other transport's keys are dead: with `smtps`, Jakarta Mail reads `mail.smtps.*`
        // only, and the other way round.
        let other = match protocol.as_str() {
            "smtps" => Some("mail.smtp."),
            "smtp" => Some("mail.smtps."),
            _ => None,
        };
        // Jakarta Mail's `mail.host` and `mail.user` serve every protocol whose own key is not set
        // (`Service.connect`: `mail.<protocol>.host`, else `mail.host`).
        let own_key = |general: &str| {
            let own = format!("{prefix}{general}");
            properties().any(|(_, key, _, _)| *key == own)
                || setters().any(|(_, key, _, _)| key == general)
        };
        let fallbacks: Vec<&str> = ["host", "user"]
            .into_iter()
            .filter(|general| !own_key(general))
            .collect();
        let trusting = self.trust_all_hosts_calls();
        for (call, key, key_span, node) in properties() {
            if other.is_some_and(|dead| key.starts_with(dead)) {
                continue;
            }
            let Some(value) = read_value(text, node) else {
                continue;
            };
            let mut path = vec![name.to_string()];
            match key.strip_prefix("mail.") {
                Some(general) if fallbacks.contains(&general) => {
                    path.extend(["mail", protocol.as_str(), general].map(str::to_string));
                }
                _ => path.extend(key.split('.').map(str::to_string)),
            }

            // The shape writes `props.put("mail.smtp.` + the key under the endpoint's root.
            let root_len = key.split('.').take(2).map(|s| s.len() + 1).sum::<usize>();
            let relative = (key_span.start + root_len).min(key_span.end)..key_span.end;
            let style = copied_style(text, call.statement.clone(), relative, node.byte_range());
            if key.ends_with("socketFactory") {
                trust_all_hosts(text, &trusting, node, &path, key_span, &style, out);
            }
            out.push(value.into_setting(path, key_span.clone(), style));
        }
        let mentions_mail = self.names_sender || properties().next().is_some();
        if !mentions_mail {
            return;
        }
        for (call, key, name_span, value) in setters() {
            if key == "protocol" {
                continue;
            }
            let Some(value) = read_value(text, value) else {
                continue;
            };
            let style = match &last_put {
                Some((statement, key_span, value)) => {
                    let root_len = prefix.len();
                    let relative = (key_span.start + root_len).min(key_span.end)..key_span.end;
                    copied_style(text, statement.clone(), relative, value.byte_range())
                }
                None => EntryStyle::new(
                    line_end(text, call.statement.end),
                    EntryShape {
                        lead: format!("\n{}", indent_at(text, call.statement.start)).into(),
                        key_prefix: format!(
                            "{}.getJavaMailProperties().put(\"{prefix}",
                            call.receiver
                        ),
                        separator: "\", ".into(),
                        suffix: ");".to_string(),
                        ..EntryShape::default()
                    },
                ),
            };
            let path = vec![
                name.to_string(),
                "mail".to_string(),
                protocol.clone(),
                key.to_string(),
            ];
            out.push(value.into_setting(path, name_span.clone(), style));
        }
    }
}

impl Scope<'_> {
    /// `factory.setTrustAllHosts(…)` calls by factory name, the last of each (a later call sets
    /// the factory again), found once for the scope.
    fn trust_all_hosts_calls(&self) -> HashMap<&str, Node<'_>> {
        let mut last = HashMap::new();
        for call in &self.calls {
            if let What::TrustAllHosts { value } = call.what {
                last.insert(call.receiver, value);
            }
        }
        last
    }
}

/// `factory.setTrustAllHosts(true)` on the factory put as `mail.<protocol>.ssl.socketFactory` (or
/// `.socketFactory`): angus-mail's `MailSSLSocketFactory` then accepts any certificate, as
/// `mail.<protocol>.ssl.trust=*` does. Read as the key `…socketFactory.trustAllHosts`.
fn trust_all_hosts(
    text: &str,
    trusting: &HashMap<&str, Node>,
    factory: Node,
    path: &[String],
    key_span: &Span,
    style: &EntryStyle,
    out: &mut Vec<Setting>,
) {
    if factory.kind() != "identifier" {
        return;
    }
    let Some(value) = trusting
        .get(node_text(text, factory))
        .and_then(|&v| read_value(text, v))
    else {
        return;
    };
    let mut path = path.to_vec();
    path.push("trustAllHosts".to_string());
    out.push(value.into_setting(path, key_span.clone(), style.clone()));
}

/// A literal, or a reference to what the program computes.
fn read_value(text: &str, node: Node) -> Option<Value> {
    let span = node.byte_range();
    let written = node_text(text, node);
    match node.kind() {
        "string_literal" => {
            let (value, inner) = unquote(text, span)?;
            Some(Value::literal(value, ValueKind::Quoted, inner))
        }
        "decimal_integer_literal" => Some(Value::literal(written, ValueKind::Number, span)),
        "true" | "false" => Some(Value::literal(written, ValueKind::Bool, span)),
        "null_literal" => Some(Value::literal("null", ValueKind::Null, span)),
        // `Integer.parseInt(port)`, `env.getProperty("mail.port")`, a constant: set elsewhere.
        "identifier" | "field_access" | "method_invocation" => Some(Value::Reference {
            name: written.to_string(),
            span,
        }),
        "parenthesized_expression" => read_value(text, node.named_child(0)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn a_spring_sender_and_its_session_properties() {
        let text = r#"package app;

import java.util.Properties;
import org.springframework.mail.javamail.JavaMailSenderImpl;

public class MailConfig {
    private final DataSource db = DataSource.create("db", 5432);

    @Bean
    public JavaMailSender mailSender() {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("smtp.example.org");
        sender.setPort(587);
        sender.setUsername(username);
        sender.setPassword("secret");
        Properties props = sender.getJavaMailProperties();
        props.put("mail.smtp.auth", "true");
        props.setProperty("mail.smtp.starttls.enable", "true");
        props.put("mail.debug", true);
        return sender;
    }

    void database(Pool pool) {
        pool.setHost("db.example.org");
        pool.setPort(5432);
    }
}
"#;
        expect![[r#"
            mailSender › mail › smtp › auth = "true" (Quoted, line 17)
            mailSender › mail › smtp › starttls › enable = "true" (Quoted, line 18)
            mailSender › mail › debug = "true" (Bool, line 19)
            mailSender › mail › smtp › host = "smtp.example.org" (Quoted, line 12)
            mailSender › mail › smtp › port = "587" (Number, line 13)
            mailSender › mail › smtp › user = "${username}" (Plain, line 14) written "username"
            mailSender › mail › smtp › password = "secret" (Quoted, line 15)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }

    #[test]
    fn a_sender_on_smtps_and_plain_javamail() {
        let text = r#"class Mail {
    JavaMailSenderImpl sender() {
        JavaMailSenderImpl s = new JavaMailSenderImpl();
        s.setHost("smtp.yandex.ru");
        s.setPort(465);
        s.setProtocol("smtps");
        s.getJavaMailProperties().put("mail.transport.protocol", "smtp");
        return s;
    }

    Session session() {
        Properties p = new Properties();
        p.put("mail.smtp.host", "smtp.example.org");
        p.put("mail.smtp.port", 25);
        return Session.getInstance(p);
    }
}
"#;
        expect![[r#"
            sender › mail › transport › protocol = "smtp" (Quoted, line 7)
            sender › mail › smtps › host = "smtp.yandex.ru" (Quoted, line 4)
            sender › mail › smtps › port = "465" (Number, line 5)
            session › mail › smtp › host = "smtp.example.org" (Quoted, line 13)
            session › mail › smtp › port = "25" (Number, line 14)
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }
}
