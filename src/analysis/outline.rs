//! What each connection really is, in a few words: the inlay hint after its port and its entry in
//! the document's outline. Read from the endpoint as the application reads it, so a mode that
//! comes from the application's default or from the port says so.

use super::endpoints::{Endpoint, SecurityFrom};
use super::Analysis;
use crate::knowledge::providers;
use crate::vocab::Span;

/// A short label shown inside the text at `offset`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Byte offset the label follows.
    pub offset: usize,
    /// `SMTP · implicit TLS · Gmail`.
    pub label: String,
    /// One sentence on where the mode comes from.
    pub tooltip: String,
}

/// One endpoint in the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlineEntry {
    /// `SMTP smtp.gmail.com:465 · implicit TLS`.
    pub name: String,
    /// From the first to the last value of the endpoint that the document writes.
    pub span: Span,
    /// The value to select: the host, else the port, else the URL's scheme.
    pub selection: Span,
}

/// Where the mode was decided, for the tooltip.
fn mode_source(e: &Endpoint) -> &'static str {
    match e.security_from {
        SecurityFrom::Keys(_) => "The TLS mode comes from the settings in this file.",
        SecurityFrom::Scheme => "The TLS mode comes from the URL's scheme.",
        SecurityFrom::Port => "The application chooses the TLS mode from the port.",
        SecurityFrom::Default => {
            "No setting in this file chooses the TLS mode: this is the application's default."
        }
        SecurityFrom::Nothing => "Nothing in this file decides the TLS mode.",
    }
}

/// `SMTP · STARTTLS required (default) · Gmail`, or `None` when nothing is known to say.
fn connection_words(e: &Endpoint) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(protocol) = e.protocol {
        parts.push(protocol.label().to_string());
    }
    if let Some(mode) = e.security.label() {
        match e.security_from {
            SecurityFrom::Default => parts.push(format!("{mode} (default)")),
            _ => parts.push(mode.to_string()),
        }
    }
    if parts.is_empty() {
        return None;
    }
    if e.port.is_none() {
        if let Some(port) = e.default_port {
            parts.push(format!("port {port} (default)"));
        }
    }
    if let Some(provider) = e.host.as_ref().and_then(|h| providers::for_host(&h.value)) {
        parts.push(provider.name.clone());
    }
    Some(parts.join(" · "))
}

/// One hint per endpoint that says something: after the port, else after the host (or where a
/// URL's port would go).
pub fn inlay_hints(analysis: &Analysis) -> Vec<InlayHint> {
    let mut hints: Vec<InlayHint> = analysis
        .endpoints
        .iter()
        .filter_map(|e| {
            let label = connection_words(e)?;
            let offset = match (&e.port, &e.url, &e.host) {
                (Some(port), _, _) => port.span.end,
                (None, Some(url), _) => url.port_insert_at,
                (None, None, Some(host)) => host.span.end,
                (None, None, None) => return None,
            };
            Some(InlayHint {
                offset,
                label,
                tooltip: mode_source(e).to_string(),
            })
        })
        .collect();
    hints.sort_by_key(|h| h.offset);
    // Two endpoints read from one value (a URL shared by two profiles) get one hint.
    hints.dedup_by_key(|h| h.offset);
    hints
}

/// The document's endpoints for the outline, in document order.
pub fn outline(analysis: &Analysis) -> Vec<OutlineEntry> {
    let mut entries: Vec<OutlineEntry> = analysis
        .endpoints
        .iter()
        .filter_map(|e| {
            let written: Vec<&Span> = e
                .host
                .iter()
                .chain(e.port.iter())
                .chain(e.url.iter().map(|u| &u.scheme))
                .map(|l| &l.span)
                .collect();
            let start = written.iter().map(|s| s.start).min()?;
            let end = written.iter().map(|s| s.end).max()?;
            let selection = e
                .host
                .as_ref()
                .or(e.port.as_ref())
                .or(e.url.as_ref().map(|u| &u.scheme))
                .map(|l| l.span.clone())?;
            Some(OutlineEntry {
                name: entry_name(e),
                span: start..end,
                selection,
            })
        })
        .collect();
    entries.sort_by_key(|e| e.span.start);
    entries
}

/// `SMTP smtp.gmail.com:465 · implicit TLS`.
fn entry_name(e: &Endpoint) -> String {
    let protocol = e.protocol.map(|p| p.label()).unwrap_or("mail");
    let host = e
        .host
        .as_ref()
        .map(|h| h.value.trim())
        .unwrap_or("(host not set)");
    let port = match (&e.port, e.default_port) {
        (Some(p), _) => format!(":{}", p.value.trim()),
        (None, Some(d)) => format!(":{d}"),
        (None, None) => String::new(),
    };
    match e.security.label() {
        Some(mode) => format!("{protocol} {host}{port} · {mode}"),
        None => format!("{protocol} {host}{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::config::Config;
    use crate::vocab::Format;

    fn hints(text: &str, format: Format) -> Vec<(String, String)> {
        let analysis = analyze(text, format, &Config::default());
        inlay_hints(&analysis)
            .into_iter()
            .map(|h| {
                (
                    text[..h.offset].lines().last().unwrap_or("").to_string(),
                    h.label,
                )
            })
            .collect()
    }

    #[test]
    fn a_hint_follows_each_port_with_the_mode_the_application_reads() {
        let env = "EMAIL_HOST=smtp.gmail.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\n";
        assert_eq!(
            hints(env, Format::Env),
            [(
                "EMAIL_PORT=587".to_string(),
                "SMTP · STARTTLS required · Gmail / Google Workspace".to_string()
            )]
        );
        let nodemailer = "const t = nodemailer.createTransport({\n  host: 'mail.example.com',\n  port: 465,\n  secure: true,\n});\n";
        assert_eq!(
            hints(nodemailer, Format::JavaScript),
            [("  port: 465".to_string(), "SMTP · implicit TLS".to_string())]
        );
    }

    #[test]
    fn a_mode_from_the_application_default_says_so() {
        // Keycloak with neither `ssl` nor `starttls` set sends in plaintext.
        let realm = r#"{"smtpServer": {"host": "mail.example.com", "port": "25", "from": "a@example.com"}}"#;
        let analysis = analyze(realm, Format::Json, &Config::default());
        let hints = inlay_hints(&analysis);
        assert_eq!(hints.len(), 1, "{hints:?}");
        assert_eq!(hints[0].label, "SMTP · no TLS (default)");
        assert!(hints[0].tooltip.contains("default"), "{}", hints[0].tooltip);
    }

    #[test]
    fn nothing_known_means_no_hint() {
        assert_eq!(hints("DEBUG=true\nPORT=8080\n", Format::Env), []);
    }

    #[test]
    fn the_outline_lists_each_endpoint_once_in_document_order() {
        let text = "SMTP_HOST=smtp.example.com\nSMTP_PORT=465\nIMAP_HOST=imap.example.com\nIMAP_PORT=143\n";
        let analysis = analyze(text, Format::Env, &Config::default());
        let names: Vec<String> = outline(&analysis).into_iter().map(|e| e.name).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names[0].starts_with("SMTP smtp.example.com:465"),
            "{names:?}"
        );
        assert!(
            names[1].starts_with("IMAP imap.example.com:143"),
            "{names:?}"
        );
        for entry in outline(&analysis) {
            assert!(entry.span.start <= entry.selection.start);
            assert!(entry.selection.end <= entry.span.end);
        }
    }
}
