//! Documents the whole-corpus tests read: the examples, the rule tests' documents, synthetic
//! documents, and (each skipped where absent) the ISPDB and the real-world corpora.

use std::path::{Path, PathBuf};

/// A document: where it comes from, the file name it is analysed under.
pub struct Document {
    pub label: String,
    pub name: String,
    pub text: String,
}

/// Each source of documents, in a fixed order; the optional ones are empty where absent.
pub fn sources() -> Vec<(&'static str, Vec<Document>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = ["../shared/corpus", "../../shared/corpus"]
        .iter()
        .map(|rel| root.join(rel))
        .find(|p| p.is_dir());
    let mut out = vec![
        ("examples", files_under(&root.join("examples"))),
        ("rule tests", rule_test_documents(root)),
        ("synthetic", synthetic_documents()),
    ];
    if let Some(shared) = &shared {
        out.push(("ispdb", files_under(&shared.join("ispdb"))));
        out.push(("shared realworld", files_under(&shared.join("realworld"))));
    }
    let gathered = [
        root.join("tests/realworld/files"),
        PathBuf::from("/work/corpus-files"),
    ]
    .into_iter()
    .find(|p| p.is_dir());
    if let Some(dir) = gathered {
        out.push(("realworld files", files_under(&dir)));
    }
    out
}

/// The applications whose STARTTLS fix must require STARTTLS (or not be offered), each with
/// STARTTLS only if offered and a password (MP005), implicit TLS on 587 (MP003) and a password
/// on port 25 (MP006) where the application can say so.
fn synthetic_documents() -> Vec<Document> {
    let cases: &[(&str, &str)] = &[
        ("grafana.ini", "[smtp]\nenabled = true\nhost = smtp.example.com:587\nuser = alerts@example.com\npassword = secret\n"),
        ("grafana.ini", "[smtp]\nenabled = true\nhost = smtp.example.com:25\nuser = alerts@example.com\npassword = secret\nstartTLS_policy = OpportunisticStartTLS\n"),
        ("docker-compose.yml", "services:\n  grafana:\n    image: grafana/grafana\n    environment:\n      - GF_SMTP_ENABLED=true\n      - GF_SMTP_HOST=smtp.example.com:587\n      - GF_SMTP_USER=alerts@example.com\n      - GF_SMTP_PASSWORD=secret\n"),
        ("config.production.json", "{\n  \"mail\": {\n    \"transport\": \"SMTP\",\n    \"options\": {\n      \"host\": \"smtp.example.com\",\n      \"port\": 587,\n      \"auth\": {\"user\": \"blog@example.com\", \"pass\": \"secret\"}\n    }\n  }\n}\n"),
        ("config.production.json", "{\n  \"mail\": {\n    \"transport\": \"SMTP\",\n    \"options\": {\n      \"host\": \"smtp.example.com\",\n      \"port\": 587,\n      \"secure\": true,\n      \"auth\": {\"user\": \"blog@example.com\", \"pass\": \"secret\"}\n    }\n  }\n}\n"),
        ("realm-export.json", "{\n  \"realm\": \"demo\",\n  \"smtpServer\": {\n    \"host\": \"smtp.example.com\",\n    \"port\": \"587\",\n    \"auth\": \"true\",\n    \"user\": \"sso@example.com\",\n    \"password\": \"secret\",\n    \"starttls\": \"true\",\n    \"from\": \"sso@example.com\"\n  }\n}\n"),
        ("realm-export.json", "{\n  \"realm\": \"demo\",\n  \"smtpServer\": {\n    \"host\": \"smtp.example.com\",\n    \"port\": \"587\",\n    \"auth\": \"true\",\n    \"user\": \"sso@example.com\",\n    \"password\": \"secret\",\n    \"from\": \"sso@example.com\"\n  }\n}\n"),
        (".env.production", "LOCAL_DOMAIN=social.example.com\nSMTP_SERVER=smtp.example.com\nSMTP_PORT=587\nSMTP_LOGIN=social@example.com\nSMTP_PASSWORD=secret\nSMTP_ENABLE_STARTTLS=auto\nSMTP_FROM_ADDRESS=social@example.com\n"),
        ("application.properties", "spring.mail.host=smtp.example.com\nspring.mail.port=587\nspring.mail.username=app@example.com\nspring.mail.password=secret\nspring.mail.properties.mail.smtp.auth=true\nspring.mail.properties.mail.smtp.starttls.enable=true\n"),
        ("main.cf", "relayhost = [smtp.example.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level = may\n"),
        (".env", "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD=secret\n"),
        (".env", "MAIL_MAILER=smtp\nMAIL_SCHEME=smtps\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD=secret\n"),
        ("mailer.js", "const nodemailer = require('nodemailer');\nmodule.exports = nodemailer.createTransport({\n  host: 'smtp.example.com',\n  port: 587,\n  secure: false,\n  auth: { user: 'app@example.com', pass: process.env.SMTP_PASSWORD },\n});\n"),
        (".github/workflows/mail.yml", "on: push\njobs:\n  mail:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: dawidd6/action-send-mail@v3\n        with:\n          server_address: smtp.example.com\n          server_port: 587\n          secure: false\n          username: ${{ secrets.MAIL_USERNAME }}\n          password: ${{ secrets.MAIL_PASSWORD }}\n          subject: Build\n          to: team@example.com\n          from: CI\n"),
        (".fetchmailrc", "poll pop.example.com proto POP3 port 110\n    user \"me\" with password \"secret\" is me here\n"),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, (name, text))| Document {
            label: format!("synthetic #{} ({name})", i + 1),
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// Every readable file below `dir` (not the READMEs, scorers and records beside the files).
pub fn files_under(dir: &Path) -> Vec<Document> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !matches!(name.as_ref(), "README.md" | "corpus.json" | "score.py")
        })
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let name = path.to_string_lossy().replace('\\', "/");
            let label = path
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| name.clone());
            Some(Document { label, name, text })
        })
        .collect()
}

/// The documents the rule tests analyse: the literal arguments of their `check(` calls
/// (`check("name", "text", expect![…])`, or `check("text", expect![…])` for `.env`).
fn rule_test_documents(root: &Path) -> Vec<Document> {
    let mut out = Vec::new();
    for file in [
        "rules_env.rs",
        "rules_structured.rs",
        "rules_source.rs",
        "rules_mail_clients.rs",
        "rules_apps.rs",
    ] {
        let Ok(source) = std::fs::read_to_string(root.join("tests").join(file)) else {
            continue;
        };
        let mut rest = source.as_str();
        let mut n = 0;
        while let Some(at) = rest.find("check(") {
            rest = &rest[at + "check(".len()..];
            let mut literals = Vec::new();
            let mut cursor = rest;
            while let Some((literal, after)) = string_literal(cursor) {
                literals.push(literal);
                cursor = after.trim_start().strip_prefix(',').unwrap_or(after);
            }
            let (name, text) = match literals.as_slice() {
                [text] => (".env".to_string(), text.clone()),
                [name, text] => (name.clone(), text.clone()),
                _ => continue,
            };
            n += 1;
            out.push(Document {
                label: format!("{file} #{n} ({name})"),
                name,
                text,
            });
        }
    }
    out
}

/// A Rust string literal at the start of `s` (after white space): `"…"` with escapes or
/// `r#"…"#`; its value and the text after it.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if let Some(raw) = s.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close)?;
        return Some((body[..end].to_string(), &body[end + close.len()..]));
    }
    let body = s.strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                'r' => value.push('\r'),
                't' => value.push('\t'),
                '0' => value.push('\0'),
                'u' => {
                    let rest = &body[i + 2..];
                    let close = rest.find('}')?;
                    let code = u32::from_str_radix(rest.get(1..close)?, 16).ok()?;
                    value.push(char::from_u32(code)?);
                    for _ in 0..=close {
                        chars.next();
                    }
                }
                'x' => {
                    let hex = body.get(i + 2..i + 4)?;
                    value.push(char::from(u8::from_str_radix(hex, 16).ok()?));
                    chars.next();
                    chars.next();
                }
                '\n' => {
                    // A line continuation: the line break and the next line's indentation go.
                    while chars.clone().next().is_some_and(|(_, c)| c.is_whitespace()) {
                        chars.next();
                    }
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}
