//! Format detection: by file name, then by the editor's language id. Unknown files are left
//! alone, never guessed into noise. Adding a format is a row in one of the tables below.

use super::Format;

/// How a file name (the basename, lowercased) is matched.
enum NamePattern {
    /// The whole name.
    Exact(&'static str),
    /// A name ending with this (an extension, with its dot).
    Suffix(&'static str),
    /// A name starting with this (`.env.` for `.env.production`).
    Prefix(&'static str),
}

use NamePattern::{Exact, Prefix, Suffix};

/// File names, checked in order; the first match wins.
const BY_NAME: &[(NamePattern, Format)] = &[
    (Exact(".env"), Format::Env),
    (Prefix(".env."), Format::Env),
    (Suffix(".env"), Format::Env),
    (Suffix(".yml"), Format::Yaml),
    (Suffix(".yaml"), Format::Yaml),
    (Suffix(".json"), Format::Json),
    (Suffix(".jsonc"), Format::Json),
    (Suffix(".toml"), Format::Toml),
    (Suffix(".ini"), Format::Ini),
    (Exact(".offlineimaprc"), Format::Ini),
    (Exact("offlineimaprc"), Format::Ini),
    (Exact("accounts.conf"), Format::Ini),
    (Suffix(".properties"), Format::Properties),
];

/// Editor language ids.
const BY_LANGUAGE_ID: &[(&str, Format)] = &[
    ("dotenv", Format::Env),
    ("yaml", Format::Yaml),
    ("dockercompose", Format::Yaml),
    ("json", Format::Json),
    ("jsonc", Format::Json),
    ("toml", Format::Toml),
    ("ini", Format::Ini),
    ("properties", Format::Properties),
    ("java-properties", Format::Properties),
];

/// The format of a file, or `None` when mailport does not read it. `file_name` may be a path or
/// a URI path; only its last component counts.
pub fn detect_format(file_name: &str, language_id: Option<&str>, text: &str) -> Option<Format> {
    let _ = text; // content sniffing is left to adapters added later (msmtprc, muttrc …)
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_ascii_lowercase();
    let by_name = BY_NAME.iter().find(|(pattern, _)| match pattern {
        Exact(name) => base == *name,
        Suffix(suffix) => base.len() > suffix.len() && base.ends_with(suffix),
        Prefix(prefix) => base.len() > prefix.len() && base.starts_with(prefix),
    });
    if let Some((_, format)) = by_name {
        return Some(*format);
    }
    let language_id = language_id?.to_ascii_lowercase();
    BY_LANGUAGE_ID
        .iter()
        .find(|(id, _)| *id == language_id)
        .map(|(_, format)| *format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_file_name() {
        let cases = [
            (".env", Some(Format::Env)),
            ("/srv/app/.env.production", Some(Format::Env)),
            (".env.example", Some(Format::Env)),
            ("mail.env", Some(Format::Env)),
            ("docker-compose.yml", Some(Format::Yaml)),
            ("alertmanager.YML", Some(Format::Yaml)),
            ("src/main/resources/application.yaml", Some(Format::Yaml)),
            (".github/workflows/notify.yml", Some(Format::Yaml)),
            ("config.production.json", Some(Format::Json)),
            ("settings.jsonc", Some(Format::Json)),
            ("config.toml", Some(Format::Toml)),
            ("custom/conf/app.ini", Some(Format::Ini)),
            ("grafana.ini", Some(Format::Ini)),
            ("C:\\Users\\me\\.offlineimaprc", Some(Format::Ini)),
            ("offlineimaprc", Some(Format::Ini)),
            ("~/.config/aerc/accounts.conf", Some(Format::Ini)),
            ("application.properties", Some(Format::Properties)),
            ("main.cf", None),
            (".msmtprc", None),
            ("README.md", None),
            ("environment", None),
            (".envrc", None),
            (".json", None),
        ];
        for (name, expected) in cases {
            assert_eq!(detect_format(name, None, ""), expected, "{name}");
        }
    }

    #[test]
    fn by_language_id_when_the_name_says_nothing() {
        assert_eq!(
            detect_format("untitled-1", Some("dotenv"), ""),
            Some(Format::Env)
        );
        assert_eq!(
            detect_format("untitled-1", Some("java-properties"), ""),
            Some(Format::Properties)
        );
        assert_eq!(
            detect_format("untitled-1", Some("JSONC"), ""),
            Some(Format::Json)
        );
        assert_eq!(detect_format("untitled-1", Some("rust"), ""), None);
        // The name wins over the language id.
        assert_eq!(
            detect_format("app.ini", Some("properties"), ""),
            Some(Format::Ini)
        );
    }
}
