//! XML (tree-sitter-xml): Thunderbird autoconfig `config-v1.1.xml` and ISPDB files, and any other
//! XML the way a person reads it.
//!
//! Every element holding only text is a setting whose path is the chain of element names:
//! `["clientConfig", "emailProvider", "incomingServer#0", "port"]`. Server elements
//! (`incomingServer`, `outgoingServer`) are numbered among their same-named siblings so that each is
//! its own group. Attributes are settings under their element (`[…, "incomingServer#0", "type"]`).
//! Repeated elements (several `<authentication>`) give one setting each.

use tree_sitter::Node;

use super::literal::{indent_at, node_text, read_source, setting};
use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind};

/// Elements numbered among their siblings (each is one connection).
const NUMBERED: &[&str] = &["incomingServer", "outgoingServer"];

pub fn parse(text: &str) -> Parsed {
    let mut parsed = read_source(tree_sitter_xml::LANGUAGE_XML.into(), text, None, |root| {
        let mut settings = Vec::new();
        let mut cursor = root.walk();
        for child in root.named_children(&mut cursor) {
            if child.kind() == "element" {
                read_element(text, child, &[], 0, &mut settings);
            }
        }
        settings
    });
    resolve_email_domain(&mut parsed.settings);
    // tree-sitter-xml reads past a broken tag; Thunderbird's strict parser rejects the file there.
    if let Some(malformed) = super::well_formed::first_malformation(text) {
        parsed.errors.push(malformed);
        parsed.errors.sort_by_key(|e| e.span.start);
    }
    parsed
}

/// Thunderbird replaces `%EMAILDOMAIN%` with the domain of the user's address: in an autoconfig
/// file that is one of the provider's `<domain>`s, so a `<hostname>%EMAILDOMAIN%</hostname>` is a
/// real remote host, not an unresolved template. The value takes the first domain; the span keeps
/// the placeholder.
fn resolve_email_domain(settings: &mut [Setting]) {
    let domain = settings
        .iter()
        .find(|s| {
            s.path.first().is_some_and(|p| &**p == "clientConfig")
                && s.key() == "domain"
                && !s.value.is_empty()
                && !s.value.contains('%')
        })
        .map(|s| s.value.clone());
    let Some(domain) = domain else { return };
    for s in settings.iter_mut() {
        if s.key() == "hostname" && s.value.contains("%EMAILDOMAIN%") {
            s.value = s.value.replace("%EMAILDOMAIN%", &domain);
        }
    }
}

fn tag_of(element: Node) -> Option<Node> {
    let mut cursor = element.walk();
    let tag = element
        .named_children(&mut cursor)
        .find(|c| c.kind() == "STag" || c.kind() == "EmptyElemTag");
    tag
}

fn name_of(tag: Node) -> Option<Node> {
    let mut cursor = tag.walk();
    let name = tag.named_children(&mut cursor).find(|c| c.kind() == "Name");
    name
}

fn read_element(
    text: &str,
    element: Node,
    parent: &[String],
    index: usize,
    out: &mut Vec<Setting>,
) {
    let Some(tag) = tag_of(element) else { return };
    let Some(name_node) = name_of(tag) else {
        return;
    };
    let name = node_text(text, name_node);
    let segment = if NUMBERED.contains(&name) {
        format!("{name}#{index}")
    } else {
        name.to_string()
    };
    let mut path = parent.to_vec();
    path.push(segment);

    // Attributes: `type="imap"`.
    let mut cursor = tag.walk();
    for attribute in tag.named_children(&mut cursor) {
        if attribute.kind() != "Attribute" {
            continue;
        }
        let mut inner = attribute.walk();
        let children: Vec<Node> = attribute.named_children(&mut inner).collect();
        let (Some(attr_name), Some(value)) = (
            children.iter().find(|c| c.kind() == "Name"),
            children.iter().find(|c| c.kind() == "AttValue"),
        ) else {
            continue;
        };
        let range = value.byte_range();
        let inner_span =
            (range.start + 1).min(range.end)..range.end.saturating_sub(1).max(range.start);
        let inner_span = inner_span.start..inner_span.end.max(inner_span.start);
        let mut attr_path = path.clone();
        attr_path.push(node_text(text, *attr_name).to_string());
        out.push(setting(
            attr_path,
            decode_entities(text.get(inner_span.clone()).unwrap_or("")),
            ValueKind::Quoted,
            attr_name.byte_range(),
            inner_span,
            EntryStyle::new(
                attribute.end_byte(),
                EntryShape {
                    lead: " ".into(),
                    separator: "=".into(),
                    key_quote: None,
                    suffix: String::new(),
                    ..EntryShape::default()
                },
            ),
        ));
    }

    let content = {
        let mut cursor = element.walk();
        let found = element
            .named_children(&mut cursor)
            .find(|c| c.kind() == "content");
        found
    };
    let children: Vec<Node> = content
        .map(|c| {
            let mut cursor = c.walk();
            c.named_children(&mut cursor)
                .filter(|n| n.kind() == "element")
                .collect()
        })
        .unwrap_or_default();

    if children.is_empty() {
        if tag.kind() == "EmptyElemTag" {
            return;
        }
        // A text-only element: the setting's value is its trimmed text.
        let (raw, start) = match content {
            Some(c) => (node_text(text, c), c.start_byte()),
            None => ("", tag.end_byte()),
        };
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        let value_start = start + lead;
        out.push(setting(
            path,
            decode_entities(trimmed),
            ValueKind::Plain,
            name_node.byte_range(),
            value_start..value_start + trimmed.len(),
            EntryStyle::new(
                element.end_byte(),
                EntryShape {
                    lead: format!("\n{}", indent_at(text, element.start_byte())).into(),
                    key_prefix: "<".to_string(),
                    separator: ">".into(),
                    suffix: "</{key}>".to_string(),
                    ..EntryShape::default()
                },
            ),
        ));
        return;
    }

    let mut seen: Vec<(String, usize)> = Vec::new();
    for child in children {
        let child_name = tag_of(child)
            .and_then(name_of)
            .map(|n| node_text(text, n).to_string())
            .unwrap_or_default();
        let index = match seen.iter_mut().find(|(n, _)| *n == child_name) {
            Some((_, count)) => {
                *count += 1;
                *count - 1
            }
            None => {
                seen.push((child_name, 1));
                0
            }
        };
        read_element(text, child, &path, index, out);
    }
}

/// Resolves the predefined entities and numeric character references.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at..).unwrap_or("");
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = after.get(1..semi).unwrap_or("");
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(after.get(..=semi).unwrap_or("")),
        }
        rest = after.get(semi + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    const AUTOCONFIG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- autoconfig for example.com -->
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <displayName>Example &amp; Co Mail</displayName>
    <incomingServer type="imap">
      <hostname>imap.example.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-encrypted</authentication>
      <authentication>OAuth2</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.com</hostname>
      <port> 110 </port>
      <socketType>plain</socketType>
      <username>%EMAILLOCALPART%</username>
      <pop3><leaveMessagesOnServer>true</leaveMessagesOnServer></pop3>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <authentication></authentication>
      <username/>
    </outgoingServer>
    <documentation url="https://example.com/help?a=1&amp;b=2">
      <descr lang="en">Setup</descr>
    </documentation>
  </emailProvider>
</clientConfig>
"#;

    #[test]
    fn autoconfig_servers_are_numbered_groups() {
        expect![[r#"
            clientConfig › version = "1.1" (Quoted, line 3)
            clientConfig › emailProvider › id = "example.com" (Quoted, line 4)
            clientConfig › emailProvider › domain = "example.com" (Plain, line 5)
            clientConfig › emailProvider › displayName = "Example & Co Mail" (Plain, line 6) written "Example &amp; Co Mail"
            clientConfig › emailProvider › incomingServer#0 › type = "imap" (Quoted, line 7)
            clientConfig › emailProvider › incomingServer#0 › hostname = "imap.example.com" (Plain, line 8)
            clientConfig › emailProvider › incomingServer#0 › port = "993" (Plain, line 9)
            clientConfig › emailProvider › incomingServer#0 › socketType = "SSL" (Plain, line 10)
            clientConfig › emailProvider › incomingServer#0 › authentication = "password-encrypted" (Plain, line 11)
            clientConfig › emailProvider › incomingServer#0 › authentication = "OAuth2" (Plain, line 12)
            clientConfig › emailProvider › incomingServer#0 › username = "%EMAILADDRESS%" (Plain, line 13)
            clientConfig › emailProvider › incomingServer#1 › type = "pop3" (Quoted, line 15)
            clientConfig › emailProvider › incomingServer#1 › hostname = "pop.example.com" (Plain, line 16)
            clientConfig › emailProvider › incomingServer#1 › port = "110" (Plain, line 17)
            clientConfig › emailProvider › incomingServer#1 › socketType = "plain" (Plain, line 18)
            clientConfig › emailProvider › incomingServer#1 › username = "%EMAILLOCALPART%" (Plain, line 19)
            clientConfig › emailProvider › incomingServer#1 › pop3 › leaveMessagesOnServer = "true" (Plain, line 20)
            clientConfig › emailProvider › outgoingServer#0 › type = "smtp" (Quoted, line 22)
            clientConfig › emailProvider › outgoingServer#0 › hostname = "smtp.example.com" (Plain, line 23)
            clientConfig › emailProvider › outgoingServer#0 › port = "587" (Plain, line 24)
            clientConfig › emailProvider › outgoingServer#0 › socketType = "STARTTLS" (Plain, line 25)
            clientConfig › emailProvider › outgoingServer#0 › authentication = "" (Plain, line 26)
            clientConfig › emailProvider › documentation › url = "https://example.com/help?a=1&b=2" (Quoted, line 29) written "https://example.com/help?a=1&amp;b=2"
            clientConfig › emailProvider › documentation › descr › lang = "en" (Quoted, line 30)
            clientConfig › emailProvider › documentation › descr = "Setup" (Plain, line 30)
        "#]]
        .assert_eq(&render(AUTOCONFIG, &parse(AUTOCONFIG)));
    }

    #[test]
    fn leaf_style_writes_an_element() {
        let parsed = parse(AUTOCONFIG);
        let port = parsed.settings.iter().find(|s| s.key() == "port").unwrap();
        assert_eq!(&*port.style.lead, "\n      ");
        assert_eq!(port.style.key_prefix, "<");
        assert_eq!(port.style.suffix, "</{key}>");
        assert_eq!(
            &AUTOCONFIG[port.style.insert_at - 7..port.style.insert_at],
            "</port>"
        );
    }

    #[test]
    fn email_domain_placeholder_is_the_providers_domain() {
        let text = "<clientConfig><emailProvider id=\"x\"><domain>example.jp</domain>\n<incomingServer type=\"pop3\"><hostname>%EMAILDOMAIN%</hostname></incomingServer></emailProvider></clientConfig>";
        expect![[r#"
            clientConfig › emailProvider › id = "x" (Quoted, line 1)
            clientConfig › emailProvider › domain = "example.jp" (Plain, line 1)
            clientConfig › emailProvider › incomingServer#0 › type = "pop3" (Quoted, line 2)
            clientConfig › emailProvider › incomingServer#0 › hostname = "example.jp" (Plain, line 2) written "%EMAILDOMAIN%"
        "#]]
        .assert_eq(&render(text, &parse(text)));
    }

    #[test]
    fn every_prefix_parses() {
        assert_prefixes_parse(AUTOCONFIG, parse);
    }
}
