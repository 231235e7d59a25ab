use expect_test::{expect, Expect};

use super::*;

/// 1-based `line:column` of a byte offset (columns in bytes: the tests are ASCII).
fn at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{column}")
}

/// The cross-file analysis of `compose` with `files` (path, text) as one readable report.
fn show(compose: &str, files: &[(&str, Option<&str>)]) -> String {
    show_as(Format::Yaml, compose, files)
}

/// [`show`] for a document of `format` (shown as `compose.yaml` whatever it is).
fn show_as(format: Format, compose: &str, files: &[(&str, Option<&str>)]) -> String {
    let neighbours: Vec<Neighbour> = files
        .iter()
        .map(|&(path, text)| Neighbour { path, text })
        .collect();
    let Some(cross) = analyze(
        "compose.yaml",
        compose,
        format,
        &Config::default(),
        &neighbours,
    ) else {
        return "(nothing read from other files)\n".to_string();
    };
    let name = |file: Option<usize>| file.map_or("compose.yaml", |i| files[i].0);
    let text_of = |file: Option<usize>| match file {
        None => compose,
        Some(i) => files[i].1.unwrap_or(""),
    };
    let mut out = String::new();
    let mut one = |file: Option<usize>, f: &Finding, related: &[Related]| {
        let text = text_of(file);
        out.push_str(&format!(
            "{} {} {} {:?}\n",
            name(file),
            at(text, f.span.start),
            f.code.as_str(),
            &text[f.span.clone()]
        ));
        for fix in &f.fixes {
            let fixed = fix
                .apply(text)
                .unwrap_or_else(|| "<fix does not apply>".into());
            let changed: Vec<&str> = fixed
                .lines()
                .filter(|l| !text.lines().any(|o| o == *l))
                .collect();
            out.push_str(&format!("  fix {:?} → {changed:?}\n", fix.title));
        }
        for r in related {
            out.push_str(&format!(
                "  related {} {} {:?}: {}\n",
                name(r.file),
                at(text_of(r.file), r.span.start),
                &text_of(r.file)[r.span.clone()],
                r.message
            ));
        }
    };
    for (f, related) in cross.findings.iter().zip(&cross.related) {
        one(None, f, related);
    }
    for p in &cross.placed {
        one(Some(p.file), &p.finding, &p.related);
    }
    for r in &cross.references {
        out.push_str(&format!(
            "reference {} {:?} → {} {:?}\n",
            at(compose, r.span.start),
            &compose[r.span.clone()],
            files[r.file].0,
            &files[r.file].1.unwrap_or("")[r.target.clone()]
        ));
    }
    out
}

fn check(compose: &str, files: &[(&str, Option<&str>)], want: Expect) {
    want.assert_eq(&show(compose, files));
}

const APP: &str = "services:\n  app:\n    image: example/app\n    environment:\n      SMTP_HOST: smtp.example.com\n";

#[test]
fn a_port_from_dot_env_is_reported_on_the_dot_env_line() {
    let compose = format!("{APP}      SMTP_PORT: ${{SMTP_PORT}}\n      SMTP_SECURE: \"true\"\n");
    check(
        &compose,
        &[(".env", Some("# mail\nSMTP_PORT=587\n"))],
        expect![[r#"
            .env 2:11 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["SMTP_PORT=465"]
              related compose.yaml 6:18 "${SMTP_PORT}": SMTP_PORT is read here
            reference 6:18 "${SMTP_PORT}" → .env "SMTP_PORT=587"
        "#]],
    );
    // Changing the .env line to 465 clears it.
    check(
        &compose,
        &[(".env", Some("# mail\nSMTP_PORT=465\n"))],
        expect![[r#"
            reference 6:18 "${SMTP_PORT}" → .env "SMTP_PORT=465"
        "#]],
    );
}

#[test]
fn a_flag_from_dot_env_relates_the_finding_on_the_compose_port() {
    let compose = format!("{APP}      SMTP_PORT: 587\n      SMTP_SECURE: ${{SMTP_SECURE}}\n");
    check(
        &compose,
        &[(".env", Some("SMTP_SECURE=true\n"))],
        expect![[r#"
            compose.yaml 6:18 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["      SMTP_PORT: 465"]
              related .env 1:1 "SMTP_SECURE=true": SMTP_SECURE is set here
            reference 7:20 "${SMTP_SECURE}" → .env "SMTP_SECURE=true"
        "#]],
    );
}

#[test]
fn defaults_follow_compose_rules() {
    let with = |reference: &str| {
        format!("{APP}      SMTP_PORT: \"{reference}\"\n      SMTP_SECURE: \"true\"\n")
    };
    // No .env: the default is the value, and a fix edits the default only.
    check(
        &with("${SMTP_PORT:-587}"),
        &[(".env", None)],
        expect![[r#"
            compose.yaml 6:32 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["      SMTP_PORT: \"${SMTP_PORT:-465}\""]
        "#]],
    );
    // `:-` takes the default for an empty value too; `-` only for an unset one.
    check(
        &with("${SMTP_PORT:-587}"),
        &[(".env", Some("SMTP_PORT=\n"))],
        expect![[r#"
            compose.yaml 6:32 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["      SMTP_PORT: \"${SMTP_PORT:-465}\""]
        "#]],
    );
    check(
        &with("${SMTP_PORT-587}"),
        &[(".env", Some("SMTP_PORT=\n"))],
        expect![[r#"
            reference 6:19 "${SMTP_PORT-587}" → .env "SMTP_PORT="
        "#]],
    );
    // A value in .env wins over the default.
    check(
        &with("${SMTP_PORT:-465}"),
        &[(".env", Some("SMTP_PORT=587\n"))],
        expect![[r#"
            .env 1:11 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["SMTP_PORT=465"]
              related compose.yaml 6:19 "${SMTP_PORT:-465}": SMTP_PORT is read here
            reference 6:19 "${SMTP_PORT:-465}" → .env "SMTP_PORT=587"
        "#]],
    );
}

#[test]
fn partial_references_and_escapes_stay_as_written() {
    let compose =
        format!("{APP}      SMTP_PORT: \"${{SMTP_PORT}}7\"\n      SMTP_SECURE: \"true\"\n");
    check(
        &compose,
        &[(".env", Some("SMTP_PORT=58\n"))],
        expect![[r#"
            (nothing read from other files)
        "#]],
    );
    assert_eq!(interpolation("smtp.example.com"), Interpolated::Plain);
    assert_eq!(
        interpolation("pa$$word"),
        Interpolated::Escaped("pa$word".to_string())
    );
    assert_eq!(
        interpolation("$${SMTP_PORT}"),
        Interpolated::Escaped("${SMTP_PORT}".to_string())
    );
    assert_eq!(interpolation("smtp.${DOMAIN}"), Interpolated::Unresolved);
    assert_eq!(interpolation("${A:-${B}}"), Interpolated::Unresolved);
    assert_eq!(interpolation("${A:+x}"), Interpolated::Unresolved);
    assert_eq!(interpolation("${1A}"), Interpolated::Unresolved);
    assert_eq!(
        interpolation("$SMTP_PORT"),
        Interpolated::Whole {
            name: "SMTP_PORT",
            op: Op::Value,
            default: None
        }
    );
    assert_eq!(
        interpolation("${P:-587}"),
        Interpolated::Whole {
            name: "P",
            op: Op::DefaultUnlessNonEmpty,
            default: Some(5..8)
        }
    );
    assert_eq!(
        interpolation("${P?missing}"),
        Interpolated::Whole {
            name: "P",
            op: Op::Value,
            default: None
        }
    );
}

#[test]
fn a_missing_dot_env_leaves_references_unknown() {
    let compose = format!("{APP}      SMTP_PORT: ${{SMTP_PORT}}\n      SMTP_SECURE: \"true\"\n");
    check(
        &compose,
        &[(".env", None)],
        expect![[r#"
            (nothing read from other files)
        "#]],
    );
}

#[test]
fn env_files_are_read_in_order_and_environment_wins() {
    let compose = "services:\n  app:\n    env_file:\n      - common.env\n      - path: ./mail.env\n        required: false\n    environment:\n      SMTP_SECURE: \"true\"\n";
    assert_eq!(
        wanted("compose.yaml", compose, Format::Yaml),
        [".env", "common.env", "mail.env"]
    );
    // mail.env overrides common.env.
    check(
        compose,
        &[
            (".env", None),
            (
                "common.env",
                Some("SMTP_HOST=smtp.example.com\nSMTP_PORT=465\n"),
            ),
            ("mail.env", Some("SMTP_PORT=587\n")),
        ],
        expect![[r#"
            mail.env 1:11 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["SMTP_PORT=465"]
              related compose.yaml 5:15 "./mail.env": SMTP_PORT comes from this env_file
        "#]],
    );
    // The service's own environment overrides both.
    let own = compose.replace(
        "SMTP_SECURE: \"true\"",
        "SMTP_SECURE: \"true\"\n      SMTP_PORT: 465",
    );
    check(
        &own,
        &[
            (".env", None),
            (
                "common.env",
                Some("SMTP_HOST=smtp.example.com\nSMTP_PORT=465\n"),
            ),
            ("mail.env", Some("SMTP_PORT=587\n")),
        ],
        expect![""],
    );
    // Only relative paths are read.
    let elsewhere = "services:\n  app:\n    env_file: [/etc/passwd, ~/.env, \"${HOME}/x.env\", ../shared/mail.env]\n";
    assert_eq!(
        wanted("compose.yaml", elsewhere, Format::Yaml),
        [".env", "../shared/mail.env"]
    );
    assert!(wanted("compose.yaml", "smtp:\n  port: ${P}\n", Format::Yaml).is_empty());
}

#[test]
fn many_services_reading_one_big_env_file_stay_within_budget() {
    // 300 services list the same env file of 12,000 variables (4,000 endpoints): at most
    // MAX_ADDED_SETTINGS settings are carried over in all, and a finding read by every service
    // is placed once, with a few related places.
    let mut compose = String::from("services:\n");
    for i in 0..300 {
        compose.push_str(&format!(
            "  s{i}:\n    env_file: [big.env]\n    environment:\n      SMTP_HOST: smtp.example.com\n      SMTP_PORT: ${{SMTP_PORT}}\n      SMTP_SECURE: \"true\"\n"
        ));
    }
    let big: String = (0..4000)
        .map(|i| {
            format!("S{i}_SMTP_HOST=smtp.example.com\nS{i}_SMTP_PORT=587\nS{i}_SMTP_SECURE=true\n")
        })
        .collect();
    let neighbours = [
        Neighbour {
            path: ".env",
            text: Some("SMTP_PORT=587\n"),
        },
        Neighbour {
            path: "big.env",
            text: Some(&big),
        },
    ];
    let started = std::time::Instant::now();
    let cross = analyze(
        "compose.yaml",
        &compose,
        Format::Yaml,
        &Config::default(),
        &neighbours,
    )
    .expect("values are read from other files");
    let in_big = cross.placed.iter().filter(|p| p.file == 1).count();
    assert!(
        (3000..=MAX_ADDED_SETTINGS / 3).contains(&in_big),
        "{in_big} findings in big.env"
    );
    let on_dot_env: Vec<&Placed> = cross.placed.iter().filter(|p| p.file == 0).collect();
    assert_eq!(
        on_dot_env.len(),
        1,
        "one MP003 on SMTP_PORT=587, not one per service"
    );
    assert_eq!(on_dot_env[0].related.len(), MAX_RELATED);
    // Linear work: seconds at most even in a debug build on a busy machine (it was minutes
    // when each service re-read the whole file).
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_suppression_comment_in_the_dot_env_silences_the_finding_placed_there() {
    let compose = format!("{APP}      SMTP_PORT: ${{SMTP_PORT}}\n      SMTP_SECURE: \"true\"\n");
    check(
        &compose,
        &[(".env", Some("# mailport: ignore MP003\nSMTP_PORT=587\n"))],
        expect![[r#"
            reference 6:18 "${SMTP_PORT}" → .env "SMTP_PORT=587"
        "#]],
    );
}

const LARAVEL_MAIL_PHP: &str = "<?php\nreturn [\n    'default' => env('MAIL_MAILER', 'smtp'),\n    'mailers' => [\n        'smtp' => [\n            'transport' => 'smtp',\n            'host' => env('MAIL_HOST', 'smtp.mailgun.org'),\n            'port' => env('MAIL_PORT', 587),\n            'scheme' => env('MAIL_SCHEME'),\n            'username' => env('MAIL_USERNAME'),\n        ],\n    ],\n];\n";

#[test]
fn laravel_config_reads_the_project_dot_env_over_its_defaults() {
    assert_eq!(
        wanted("mail.php", LARAVEL_MAIL_PHP, Format::Php),
        [".env", "../.env", "../../.env"]
    );
    // config/mail.php: the project's .env is one level up; its port replaces the default 587.
    let files = |env: &'static str| [(".env", None), ("../.env", Some(env)), ("../../.env", None)];
    check_as(
        Format::Php,
        LARAVEL_MAIL_PHP,
        &files("MAIL_HOST=smtp.example.com\nMAIL_PORT=465\nMAIL_USERNAME=app\n"),
        expect![[r#"
            reference 7:28 "MAIL_HOST', 'smtp.mailgun.org'" → ../.env "MAIL_HOST=smtp.example.com"
            reference 8:28 "MAIL_PORT', 587" → ../.env "MAIL_PORT=465"
            reference 10:27 "env('MAIL_USERNAME')" → ../.env "MAIL_USERNAME=app"
        "#]],
    );
    // An implicit-TLS scheme from .env on the default port 587: the finding stays on the
    // default in config/mail.php and names the .env line.
    check_as(
        Format::Php,
        LARAVEL_MAIL_PHP,
        &files("MAIL_HOST=smtp.example.com\nMAIL_SCHEME=smtps\n"),
        expect![[r#"
            compose.yaml 8:40 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["            'port' => env('MAIL_PORT', 465),"]
              related ../.env 1:1 "MAIL_HOST=smtp.example.com": MAIL_HOST is set here
              related ../.env 2:1 "MAIL_SCHEME=smtps": MAIL_SCHEME is set here
            reference 7:28 "MAIL_HOST', 'smtp.mailgun.org'" → ../.env "MAIL_HOST=smtp.example.com"
            reference 9:25 "env('MAIL_SCHEME')" → ../.env "MAIL_SCHEME=smtps"
        "#]],
    );
    // Not set in .env: the default is read, as without the .env.
    check_as(
        Format::Php,
        LARAVEL_MAIL_PHP,
        &files("MAIL_HOST=smtp.example.com\n"),
        expect![[r#"
            reference 7:28 "MAIL_HOST', 'smtp.mailgun.org'" → ../.env "MAIL_HOST=smtp.example.com"
        "#]],
    );
}

const DJANGO_SETTINGS: &str = "import environ\nenv = environ.Env()\nEMAIL_BACKEND = \"django.core.mail.backends.smtp.EmailBackend\"\nEMAIL_HOST = env(\"EMAIL_HOST\", default=\"smtp.example.com\")\nEMAIL_PORT = env.int(\"EMAIL_PORT\", default=465)\nEMAIL_USE_SSL = True\n";

#[test]
fn django_settings_read_the_project_dot_env() {
    let files = |env: &'static str| [(".env", None), ("../.env", Some(env)), ("../../.env", None)];
    check_as(
        Format::Python,
        DJANGO_SETTINGS,
        &files("EMAIL_PORT=587\n"),
        expect![[r#"
            ../.env 1:12 MP003 "587"
              fix "Use port 465 (implicit TLS)" → ["EMAIL_PORT=465"]
              related compose.yaml 5:23 "EMAIL_PORT\", default=465": EMAIL_PORT is read here
            reference 5:23 "EMAIL_PORT\", default=465" → ../.env "EMAIL_PORT=587"
        "#]],
    );
    // A lookup inside a comparison is decided by the environment, not replaced by its value.
    let compared = "EMAIL_USE_TLS = os.environ.get(\"EMAIL_USE_TLS\", \"False\") == \"True\"\n";
    let parsed = syntax::parse(Format::Python, compared);
    assert_eq!(parsed.settings.len(), 1);
    assert_eq!(source_lookup(compared, &parsed.settings[0]), None);
}

fn check_as(format: Format, doc: &str, files: &[(&str, Option<&str>)], want: Expect) {
    want.assert_eq(&show_as(format, doc, files));
}

#[test]
fn a_spring_profile_file_is_read_over_application_yml() {
    let base = "spring:\n  mail:\n    host: smtp.example.com\n    port: 587\n    username: app\n";
    let prod = "spring:\n  mail:\n    properties:\n      mail.smtp.ssl.enable: true\n";
    assert_eq!(
        wanted("application-prod.yml", prod, Format::Yaml),
        [
            "application.yml",
            "application.yaml",
            "application.properties"
        ]
    );
    assert!(wanted("application.yml", prod, Format::Yaml).is_empty());
    let show_profile = |profile: &str, files: &[(&str, Option<&str>)]| {
        let neighbours: Vec<Neighbour> = files
            .iter()
            .map(|&(path, text)| Neighbour { path, text })
            .collect();
        let cross = analyze(
            "application-prod.yml",
            profile,
            Format::Yaml,
            &Config::default(),
            &neighbours,
        );
        let Some(cross) = cross else {
            return "(nothing read)".to_string();
        };
        let mut out = Vec::new();
        for f in &cross.findings {
            out.push(format!(
                "own {} {:?}",
                f.code.as_str(),
                &profile[f.span.clone()]
            ));
        }
        for p in &cross.placed {
            let text = files[p.file].1.unwrap_or("");
            let related: Vec<&str> = p.related.iter().map(|r| &profile[r.span.clone()]).collect();
            out.push(format!(
                "{} {} {:?} related {related:?}",
                files[p.file].0,
                p.finding.code.as_str(),
                &text[p.finding.span.clone()]
            ));
        }
        out.join("\n")
    };
    // The profile turns on implicit TLS; the base's port 587 does not speak it: MP003 on the
    // base's port line, related to the profile's switch.
    expect![[r#"application.yml MP003 "587" related ["mail.smtp.ssl.enable: true"]"#]].assert_eq(
        &show_profile(
            prod,
            &[
                ("application.yml", Some(base)),
                ("application.yaml", None),
                ("application.properties", None),
            ],
        ),
    );
    // The profile also sets the port: nothing to say, the base's 587 is not used.
    let prod_465 = format!("{prod}    port: 465\n");
    expect![[r#""#]].assert_eq(&show_profile(
        &prod_465,
        &[
            ("application.yml", Some(base)),
            ("application.yaml", None),
            ("application.properties", None),
        ],
    ));
    // application.properties over application.yml, relaxed names.
    expect![[r#""#]].assert_eq(&show_profile(
        prod,
        &[
            ("application.yml", Some(base)),
            ("application.yaml", None),
            ("application.properties", Some("spring.mail.port=465\n")),
        ],
    ));
}
