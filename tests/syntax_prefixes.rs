//! No adapter panics on a half-typed document: every prefix (at each char boundary) of a
//! realistic file of each format, and the same files with single characters replaced by
//! syntax-significant ones, parse to settings and errors whose spans lie inside the text.

use mailport::analysis::syntax::{parse, Parsed};

use mailport::vocab::Format;

const ENV: &str = "# Laravel\nAPP_NAME=\"My App\"\nexport MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com # relay\nMAIL_PORT = 465\nMAIL_PASSWORD='p@ss#1'\nMAIL_FROM_ADDRESS=\"hello@${APP_DOMAIN}\"\nMULTI=\"line one\nline two \\\" é\"\nEMPTY=\n";

const YAML: &str = "# alertmanager + compose\nglobal:\n  smtp_smarthost: 'smtp.example.com:587'\n  smtp_require_tls: true\nreceivers:\n  - name: ops\n    email_configs:\n      - to: ops@example.com\n        smarthost: \"smtp.example.com:465\" # implicit\nservices:\n  gitea:\n    environment:\n      - GITEA__mailer__SMTP_PORT=465\n      - \"GITEA__mailer__PROTOCOL=smtps\"\n  grafana:\n    environment: {GF_SMTP_HOST: \"smtp.example.com:587\", X: [1, 2]}\nspring:\n  mail:\n    properties:\n      mail.smtp.auth: true\n    note: |\n      multi\n      line é\n---\nbase: &b {port: !!str 25}\nother: *b\n";

const JSON: &str = "{\n  // Ghost\n  \"url\": \"https://blog.example.com\",\n  \"mail\": {\n    \"transport\": \"SMTP\",\n    \"options\": {\"host\": \"smtp.example.com\", \"port\": 465, \"secure\": true,\n      \"auth\": {\"user\": \"u\\u00e9\", \"pass\": \"p\\\"q\"}},\n    /* trailing */ \"list\": [1, null, false,],\n  },\n}\n";

const TOML: &str = "# himalaya\n[accounts.work]\ndefault = true\nimap.server = \"imaps://imap.example.com:993\"\nsmtp = { host = 'smtp.example.com', port = 587 }\nnote = \"\"\"\nmulti é\n\"\"\"\n[[servers]]\nport = 25\n[[servers]]\nports = [465, 587]\n";

const INI: &str = "; Gitea\nAPP_NAME = Gitea\n[mailer]\nENABLED   = true\nPROTOCOL  = smtps ; or smtp+starttls\nSMTP_ADDR = `smtp.example.com`\nSMTP_PORT=465\nPASSWD    = \"se;cr#et é\"\n[Repository work-remote]\nremotehost = imap.example.com\n";

const PROPERTIES: &str = "# Spring\nspring.mail.host=smtp.example.com\nspring.mail.port: 587\n! comment\nspring.mail.properties.mail.smtp.starttls.enable true\nspring.mail.password = p\\u0041ss\\\n    word é\nlist[0].name=a\n";

const FIXTURES: &[(Format, &str)] = &[
    (Format::Env, ENV),
    (Format::Yaml, YAML),
    (Format::Json, JSON),
    (Format::Toml, TOML),
    (Format::Ini, INI),
    (Format::Properties, PROPERTIES),
];

/// Every span a read hands out must be usable on the text it came from.
fn assert_spans_inside(format: Format, text: &str, parsed: &Parsed) {
    for setting in &parsed.settings {
        for span in [&setting.key_span, &setting.value_span] {
            assert!(
                text.get(span.clone()).is_some(),
                "{format:?}: span {span:?} of {:?} outside {text:?}",
                setting.path
            );
        }
        assert!(
            setting.style.insert_at <= text.len() && text.is_char_boundary(setting.style.insert_at),
            "{format:?}: insert_at {} in {text:?}",
            setting.style.insert_at
        );
    }
    for error in &parsed.errors {
        assert!(
            text.get(error.span.clone()).is_some(),
            "{format:?}: error span {:?} outside {text:?}",
            error.span
        );
    }
}

#[test]
fn every_prefix_of_every_fixture_parses() {
    for &(format, fixture) in FIXTURES {
        let full = parse(format, fixture);
        assert!(full.errors.is_empty(), "{format:?}: {:?}", full.errors);
        assert!(
            full.settings.len() >= 5,
            "{format:?}: {}",
            full.settings.len()
        );
        for (end, _) in fixture.char_indices().chain([(fixture.len(), ' ')]) {
            let prefix = &fixture[..end];
            let parsed = parse(format, prefix);
            assert_spans_inside(format, prefix, &parsed);
        }
    }
}

#[test]
fn fixtures_with_a_character_replaced_still_parse() {
    const NOISE: &[&str] = &[
        "\"", "'", "`", "{", "}", "[", "]", ":", "=", "#", "\\", "\n", "\r", "\t", "- ", "é", "\0",
    ];
    for &(format, fixture) in FIXTURES {
        let boundaries: Vec<usize> = fixture.char_indices().map(|(i, _)| i).collect();
        for (n, &at) in boundaries.iter().enumerate() {
            let next = boundaries.get(n + 1).copied().unwrap_or(fixture.len());
            let noise = NOISE[n % NOISE.len()];
            let text = format!("{}{}{}", &fixture[..at], noise, &fixture[next..]);
            let parsed = parse(format, &text);
            assert_spans_inside(format, &text, &parsed);
        }
    }
}
