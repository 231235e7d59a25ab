//! Nix (tree-sitter-nix): home-manager `accounts.email.accounts.<name>.{smtp,imap}`,
//! `programs.msmtp.accounts.<name>`, `services.nextcloud.settings` and any other attribute set.
//!
//! Attribute paths are split and nested sets are followed, so `accounts.email.accounts.work.smtp =
//! { port = 465; tls.enable = true; };` gives `["accounts", "email", "accounts", "work", "smtp",
//! "port"]` and `[…, "smtp", "tls", "enable"]`. Function headers, `let … in`, `with`, `rec` and
//! `lib.mkIf cond { … }` / `lib.mkDefault 465` / `lib.mkForce` are looked through.
//!
//! Values: integers, strings, booleans, `null`; strings with `${…}` and other expressions
//! (variables, selections) give a reference; lists and functions are skipped.

use tree_sitter::Node;

use super::named_children;

use super::literal::{indent_at, line_start, node_text, read_source, unquote, Value};
use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};

pub fn parse(text: &str) -> Parsed {
    read_source(tree_sitter_nix::LANGUAGE.into(), text, None, |root| {
        let mut reader = Reader {
            text,
            out: Vec::new(),
        };
        reader.expression(root, &[]);
        reader.out
    })
}

struct Reader<'a> {
    text: &'a str,
    out: Vec<Setting>,
}

/// `lib.mkDefault`, `mkForce`, `lib.mkOverride 90` … wrap a value without changing it.
fn is_wrapper(function: &str) -> bool {
    let last = function.rsplit('.').next().unwrap_or(function);
    matches!(
        last,
        "mkDefault" | "mkForce" | "mkOverride" | "mkIf" | "mkMerge" | "mkBefore" | "mkAfter"
    )
}

impl<'a> Reader<'a> {
    fn src(&self, node: Node) -> &'a str {
        node_text(self.text, node)
    }

    /// Follows an expression down to the attribute sets it holds.
    fn expression(&mut self, node: Node, path: &[String]) {
        match node.kind() {
            "attrset_expression" | "rec_attrset_expression" | "let_expression" => {
                for child in named_children(node) {
                    match child.kind() {
                        "binding_set" => self.bindings(child, path),
                        // the body of `let … in body`
                        _ => self.expression(child, path),
                    }
                }
            }
            "source_code"
            | "function_expression"
            | "with_expression"
            | "parenthesized_expression"
            | "apply_expression"
            | "if_expression" => {
                for child in named_children(node) {
                    self.expression(child, path);
                }
            }
            "list_expression" => {
                for (index, item) in named_children(node).into_iter().enumerate() {
                    let mut item_path = path.to_vec();
                    item_path.push(format!("#{index}"));
                    self.expression(item, &item_path);
                }
            }
            _ => {}
        }
    }

    fn bindings(&mut self, set: Node, path: &[String]) {
        for binding in named_children(set) {
            if binding.kind() != "binding" {
                continue;
            }
            let (Some(attrpath), Some(value)) = (
                binding.child_by_field_name("attrpath"),
                binding.child_by_field_name("expression"),
            ) else {
                continue;
            };
            let mut segments: Vec<(String, crate::vocab::Span)> = Vec::new();
            let mut ok = true;
            for attr in named_children(attrpath) {
                match attr.kind() {
                    "identifier" => segments.push((self.src(attr).to_string(), attr.byte_range())),
                    "string_expression" => {
                        match (
                            named_children(attr)
                                .iter()
                                .all(|c| c.kind() != "interpolation"),
                            unquote(self.text, attr.byte_range()),
                        ) {
                            (true, Some(unquoted)) => segments.push(unquoted),
                            // `"${name}-smtp"`: a name computed at evaluation, kept as written.
                            (false, _) => {
                                segments.push((self.src(attr).to_string(), attr.byte_range()))
                            }
                            _ => ok = false,
                        }
                    }
                    // `home-manager.users.${config.user} = { … }`: the name is computed when the
                    // configuration is evaluated; what is under it is read, the segment as written
                    // (a profile's context names such a segment with `*`).
                    "interpolation" => {
                        segments.push((self.src(attr).to_string(), attr.byte_range()));
                    }
                    _ => ok = false,
                }
            }
            let Some((_, key_span)) = segments.last().cloned().filter(|_| ok) else {
                continue;
            };
            let mut full: Vec<String> = path.to_vec();
            full.extend(segments.iter().map(|s| s.0.clone()));
            self.binding_value(binding, attrpath, key_span, value, full);
        }
    }

    fn binding_value(
        &mut self,
        binding: Node,
        attrpath: Node,
        key_span: crate::vocab::Span,
        value: Node,
        path: Vec<String>,
    ) {
        match value.kind() {
            "attrset_expression"
            | "rec_attrset_expression"
            | "let_expression"
            | "with_expression"
            | "list_expression"
            | "function_expression" => {
                self.expression(value, &path);
                return;
            }
            "apply_expression" => {
                let function = value
                    .child_by_field_name("function")
                    .map(|f| self.src(f))
                    .unwrap_or("");
                let argument = value.child_by_field_name("argument");
                if let Some(argument) = argument.filter(|_| is_wrapper(function)) {
                    if !matches!(
                        argument.kind(),
                        "attrset_expression" | "rec_attrset_expression" | "list_expression"
                    ) {
                        self.binding_value(binding, attrpath, key_span, argument, path);
                        return;
                    }
                }
                self.expression(value, &path);
                return;
            }
            _ => {}
        }
        let Some(read) = self.read(value) else {
            return;
        };
        let own_line = self
            .text
            .get(line_start(self.text, binding.start_byte())..binding.start_byte())
            .is_some_and(|before| before.trim().is_empty());
        let attr_text = self.src(attrpath);
        let key_prefix = attr_text
            .get(..key_span.start.saturating_sub(attrpath.start_byte()))
            .unwrap_or("")
            .trim_end_matches('"')
            .to_string();
        let style = EntryStyle::new(
            binding.end_byte(),
            EntryShape {
                lead: if own_line {
                    format!("\n{}", indent_at(self.text, binding.start_byte())).into()
                } else {
                    " ".into()
                },
                key_prefix,
                separator: " = ".into(),
                suffix: ";".to_string(),
                ..EntryShape::default()
            },
        );
        self.out.push(read.into_setting(path, key_span, style));
    }

    fn read(&self, node: Node) -> Option<Value> {
        let span = node.byte_range();
        match node.kind() {
            "integer_expression" | "float_expression" => {
                Some(Value::literal(self.src(node), ValueKind::Number, span))
            }
            "unary_expression" => {
                let operand = node.named_child(0)?;
                (operand.kind() == "integer_expression" && self.src(node).starts_with('-')).then(
                    || Value::literal(self.src(node).replace(' ', ""), ValueKind::Number, span),
                )
            }
            "variable_expression" => match self.src(node) {
                "true" | "false" => Some(Value::literal(self.src(node), ValueKind::Bool, span)),
                "null" => Some(Value::literal("null", ValueKind::Null, span)),
                name => Some(Value::Reference {
                    name: name.to_string(),
                    span,
                }),
            },
            "string_expression" => {
                if named_children(node)
                    .iter()
                    .any(|c| c.kind() == "interpolation")
                {
                    // `"imap+insecure://${user}@${host}:1143"`: the text is read with its `${…}`
                    // kept, as `${VAR}` is inside a value of any format (what is written around
                    // them — a scheme, a port — still counts). Only when no escape changes the
                    // text: then each byte of the value is the byte written.
                    let raw = self.src(node);
                    if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                        if !inner.contains('\\') {
                            let inner_span = span.start + 1..span.end - 1;
                            return Some(Value::literal(inner, ValueKind::Quoted, inner_span));
                        }
                    }
                    return Some(Value::Reference {
                        name: raw.to_string(),
                        span,
                    });
                }
                let (value, inner) = unquote(self.text, span)?;
                Some(Value::literal(value, ValueKind::Quoted, inner))
            }
            "select_expression" | "indented_string_expression" | "path_expression" => {
                Some(Value::Reference {
                    name: self.src(node).to_string(),
                    span,
                })
            }
            "parenthesized_expression" => self.read(node.named_child(0)?),
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
    fn computed_attribute_names_are_segments_as_written() {
        let text = r#"{ config, ... }: {
  home-manager.users.${config.user}.accounts.email.accounts."${name}-work".smtp.port = 465;
  "${prefix}" = { port = 25; };
}
"#;
        expect![[r#"
            home-manager › users › ${config.user} › accounts › email › accounts › "${name}-work" › smtp › port = "465" (Number, line 2)
            "${prefix}" › port = "25" (Number, line 3)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }

    #[test]
    fn home_manager_accounts() {
        let text = r#"{ config, lib, pkgs, ... }:
let
  mailDir = "${config.home.homeDirectory}/Mail";
in {
  services.postgresql.port = 5432;
  accounts.email = {
    maildirBasePath = mailDir;
    accounts.work = rec {
      primary = true;
      address = "me@example.com";
      userName = address;
      passwordCommand = "pass show mail/work";
      imap = { host = "imap.example.com"; port = 993; tls.enable = true; };
      smtp = {
        host = "smtp.example.com";
        port = lib.mkDefault 587;
        tls.enable = true;
        tls.useStartTls = true;
      };
      msmtp.enable = true;
      folders = { inbox = "INBOX"; };
    };
  };
  programs.msmtp.accounts."alerts" = lib.mkIf config.alerts.enable {
    host = "mail.example.org";
    port = "25";
    tls = false;
    extraConfig = ''
      logfile ~/.msmtp.log
    '';
  };
  home.packages = [ pkgs.neomutt ];
}
"#;
        expect![[r#"
            mailDir = "${config.home.homeDirectory}/Mail" (Quoted, line 3)
            services › postgresql › port = "5432" (Number, line 5)
            accounts › email › maildirBasePath = "${mailDir}" (Plain, line 7) written "mailDir"
            accounts › email › accounts › work › primary = "true" (Bool, line 9)
            accounts › email › accounts › work › address = "me@example.com" (Quoted, line 10)
            accounts › email › accounts › work › userName = "${address}" (Plain, line 11) written "address"
            accounts › email › accounts › work › passwordCommand = "pass show mail/work" (Quoted, line 12)
            accounts › email › accounts › work › imap › host = "imap.example.com" (Quoted, line 13)
            accounts › email › accounts › work › imap › port = "993" (Number, line 13)
            accounts › email › accounts › work › imap › tls › enable = "true" (Bool, line 13)
            accounts › email › accounts › work › smtp › host = "smtp.example.com" (Quoted, line 15)
            accounts › email › accounts › work › smtp › port = "587" (Number, line 16)
            accounts › email › accounts › work › smtp › tls › enable = "true" (Bool, line 17)
            accounts › email › accounts › work › smtp › tls › useStartTls = "true" (Bool, line 18)
            accounts › email › accounts › work › msmtp › enable = "true" (Bool, line 20)
            accounts › email › accounts › work › folders › inbox = "INBOX" (Quoted, line 21)
            programs › msmtp › accounts › alerts › host = "mail.example.org" (Quoted, line 25)
            programs › msmtp › accounts › alerts › port = "25" (Quoted, line 26)
            programs › msmtp › accounts › alerts › tls = "false" (Bool, line 27)
            programs › msmtp › accounts › alerts › extraConfig = "${''      logfile ~/.msmtp.log    ''}" (Plain, line 28) written "''\n      logfile ~/.msmtp.log\n    ''"
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
        let parsed = parse(text);
        let start_tls = parsed
            .settings
            .iter()
            .find(|s| s.key() == "useStartTls")
            .unwrap();
        assert_eq!(start_tls.style.key_prefix, "tls.");
        assert_eq!(start_tls.style.suffix, ";");
        assert_eq!(&*start_tls.style.lead, "\n        ");
        let imap_port = parsed
            .settings
            .iter()
            .find(|s| s.path_names().ends_with(&["imap", "port"]))
            .unwrap();
        assert_eq!(&*imap_port.style.lead, " ");
    }
}
