//! Hover documentation: ports, provider hosts and security keys, as Markdown.

use super::endpoints::Endpoint;

use super::fixes::mode_words;
use super::syntax::Parsed;
use super::Analysis;
use crate::knowledge::ports::{self, PortMode};
use crate::knowledge::{profiles, providers};
use crate::vocab::{Format, Security, Span};

/// Hover text for the byte `offset` of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverDoc {
    pub markdown: String,
    /// The value or key hovered.
    pub span: Span,
}

fn contains(span: &Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// Markdown for what is under `offset`, if mailport knows something about it.
pub fn hover(
    text: &str,
    format: Format,
    parsed: &Parsed,
    analysis: &Analysis,
    offset: usize,
) -> Option<HoverDoc> {
    let _ = (text, format);
    for e in &analysis.endpoints {
        if let Some(p) = e.port.as_ref().filter(|p| contains(&p.span, offset)) {
            return Some(HoverDoc {
                markdown: port_doc(e, &p.value),
                span: p.span.clone(),
            });
        }
        if let Some(h) = e.host.as_ref().filter(|h| contains(&h.span, offset)) {
            if let Some(md) = provider_doc(&h.value) {
                return Some(HoverDoc {
                    markdown: md,
                    span: h.span.clone(),
                });
            }
        }
        if let Some(u) = e.url.as_ref().filter(|u| contains(&u.scheme.span, offset)) {
            return Some(HoverDoc {
                markdown: scheme_doc(e, &u.scheme.value),
                span: u.scheme.span.clone(),
            });
        }
        for &si in &e.settings {
            let Some(s) = parsed.settings.get(si) else {
                continue;
            };
            if contains(&s.key_span, offset) || contains(&s.value_span, offset) {
                if let Some(md) = key_doc(e, &e.key_label(s), &s.value) {
                    let span = if contains(&s.key_span, offset) {
                        s.key_span.clone()
                    } else {
                        s.value_span.clone()
                    };
                    return Some(HoverDoc { markdown: md, span });
                }
            }
        }
    }
    None
}

/// What this endpoint is, in one line.
fn summary(e: &Endpoint) -> String {
    let profile = profiles::by_id(e.profile)
        .map(|p| p.name.as_str())
        .unwrap_or(e.profile);
    let proto = e.protocol.map(|p| p.label()).unwrap_or("mail");
    let host = e
        .host
        .as_ref()
        .map(|h| format!(" to `{}`", h.value.trim()))
        .unwrap_or_default();
    let mode = match e.security {
        Security::Unknown => "mode not set in this file".to_string(),
        s => mode_words(s).to_string(),
    };
    format!("This connection ({profile}): {proto}{host}, {mode}.")
}

fn port_doc(e: &Endpoint, value: &str) -> String {
    let mut md = String::new();
    match ports::parse_port(value) {
        Ok(Some(n)) => match ports::lookup(n) {
            Some(row) => {
                let iana = row
                    .iana
                    .map(|i| format!("IANA `{i}`"))
                    .unwrap_or_else(|| "not registered with IANA".into());
                md.push_str(&format!(
                    "**Port {n}: {} {}** ({iana})\n\n",
                    row.protocol.label(),
                    row.role
                ));
                match row.mode {
                    PortMode::ImplicitTls => md.push_str(&format!(
                        "TLS starts with the first byte (implicit TLS). A client that expects a plaintext greeting or uses STARTTLS here waits until it times out (*greeting never received*).\n\nSource: {}.\n",
                        row.rfc
                    )),
                    PortMode::Plaintext => md.push_str(&format!(
                        "The server greets in plaintext; the client upgrades with {}. A client that starts TLS at once here fails with *wrong version number*.\n\nSource: {}.\n",
                        if row.protocol == crate::vocab::Protocol::Pop3 { "`STLS`" } else { "`STARTTLS`" },
                        row.rfc
                    )),
                }
                if let Some(p) = e.protocol.filter(|p| *p != row.protocol) {
                    md.push_str(&format!(
                        "\n⚠ This is the {} port, but the connection is {}: use {} (implicit TLS) or {} (STARTTLS).\n",
                        row.protocol.label(),
                        p.label(),
                        ports::implicit_port(p),
                        ports::starttls_port(p)
                    ));
                }
            }
            None => {
                md.push_str(&format!("**Port {n}** is not a standard mail port.\n\n"));
                if let Some(p) = e.protocol {
                    md.push_str(&format!(
                        "{} normally uses {} (implicit TLS) or {} (STARTTLS). Check the provider's documentation.\n",
                        p.label(),
                        ports::implicit_port(p),
                        ports::starttls_port(p)
                    ));
                }
            }
        },
        Ok(None) => {
            md.push_str("**Port from a variable**: mailport checks it once the value is known.\n")
        }
        Err(err) => md.push_str(&format!("**Not a port**: {err}.\n")),
    }
    md.push_str(&format!("\n{}\n", summary(e)));
    md
}

/// The provider's documented endpoints as a table.
pub fn provider_doc(host: &str) -> Option<String> {
    let p = providers::for_host(host)?;
    let mut md = format!("**{}**: documented endpoints\n\n| protocol | host | port | security |\n|---|---|---|---|\n", p.name);
    for e in &p.endpoints {
        md.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            e.protocol.to_uppercase(),
            e.host,
            e.port,
            if e.implicit() {
                "implicit TLS"
            } else {
                "STARTTLS"
            }
        ));
    }
    if !p.exhaustive.is_empty() {
        md.push_str(&format!(
            "\nThese are all the {} endpoints the provider offers.\n",
            p.exhaustive.join("/").to_uppercase()
        ));
    }
    if !p.notes.is_empty() {
        md.push_str(&format!("\n{}\n", p.notes));
    }
    if let Some(src) = p.sources.first() {
        md.push_str(&format!("\nSource: {src}\n"));
    }
    Some(md)
}

fn scheme_doc(e: &Endpoint, scheme: &str) -> String {
    let lower = scheme.to_ascii_lowercase();
    let implicit = lower
        .split('+')
        .next()
        .is_some_and(|b| b.ends_with('s') && b != "pop3" || b == "pop3s");
    let mut md = format!("**`{scheme}://`**: ");
    if implicit {
        md.push_str("implicit TLS: the connection is encrypted from the first byte (ports 465, 993, 995).\n");
    } else if lower.contains("insecure") {
        md.push_str("no TLS at all: mail and passwords travel in clear.\n");
    } else {
        md.push_str("starts in plaintext; whether it upgrades with STARTTLS depends on the application (see below).\n");
    }
    if let Some(doc) = profiles::by_id(e.profile).and_then(|p| p.docs.values().next()) {
        md.push_str(&format!("\n{doc}\n"));
    }
    md.push_str(&format!("\n{}\n", summary(e)));
    md
}

fn key_doc(e: &Endpoint, key: &str, value: &str) -> Option<String> {
    let profile = profiles::by_id(e.profile)?;
    let doc = profile
        .docs
        .iter()
        .find(|(k, _)| {
            let (k, key) = (k.to_ascii_lowercase(), key.to_ascii_lowercase());
            key == k || (profile.flat && key.ends_with(&format!("_{k}")))
        })
        .map(|(_, d)| d)?;
    Some(format!(
        "**`{key}`** ({}): {doc}\n\nHere `{key}` is `{}`. {}\n",
        profile.name,
        value.trim(),
        summary(e)
    ))
}
