//! Hover: ports, provider hosts and security keys.

use expect_test::{expect, Expect};
use mailport::analysis::hover::hover;
use mailport::analysis::{analyze_parsed, syntax};
use mailport::config::Config;
use mailport::vocab::Format;

/// Hover at the first occurrence of `needle` (plus one byte, inside the word).
fn check(format: Format, text: &str, needle: &str, expect: Expect) {
    let parsed = syntax::parse(format, text);
    let analysis = analyze_parsed(text, format, &parsed, &Config::default());
    let offset = text.find(needle).map(|i| i + 1).unwrap_or(0);
    let got = hover(text, format, &parsed, &analysis, offset)
        .map(|h| format!("[{}]\n{}", &text[h.span.clone()], h.markdown))
        .unwrap_or_else(|| "no hover".into());
    expect.assert_eq(&got);
}

#[test]
fn port_of_a_django_endpoint() {
    check(
        Format::Env,
        "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n",
        "587",
        expect![[r#"
            [587]
            **Port 587: SMTP message submission; STARTTLS required before AUTH** (IANA `submission`)

            The server greets in plaintext; the client upgrades with `STARTTLS`. A client that starts TLS at once here fails with *wrong version number*.

            Source: RFC 6409, RFC 8314 §3.3.

            This connection (Django): SMTP to `smtp.example.com`, implicit TLS.
        "#]],
    );
}

#[test]
fn implicit_port_and_unknown_port() {
    check(
        Format::Yaml,
        "smtp:\n  host: mail.example.com\n  port: 465\n",
        "465",
        expect![[r#"
        [465]
        **Port 465: SMTP message submission over implicit TLS** (IANA `submissions`)

        TLS starts with the first byte (implicit TLS). A client that expects a plaintext greeting or uses STARTTLS here waits until it times out (*greeting never received*).

        Source: RFC 8314 §3.3.

        This connection (generic): SMTP to `mail.example.com`, mode not set in this file.
    "#]],
    );
    check(
        Format::Yaml,
        "smtp:\n  host: mail.example.com\n  port: 2526\n",
        "2526",
        expect![[r#"
        [2526]
        **Port 2526** is not a standard mail port.

        SMTP normally uses 465 (implicit TLS) or 587 (STARTTLS). Check the provider's documentation.

        This connection (generic): SMTP to `mail.example.com`, mode not set in this file.
    "#]],
    );
}

#[test]
fn provider_host() {
    check(
        Format::Env,
        "SMTP_HOST=smtp.office365.com\nSMTP_PORT=587\n",
        "smtp.office365",
        expect![[r#"
            [smtp.office365.com]
            **Microsoft 365 / Exchange Online**: documented endpoints

            | protocol | host | port | security |
            |---|---|---|---|
            | SMTP | `smtp.office365.com` | 587 | STARTTLS |
            | SMTP | `smtp.office365.com` | 25 | STARTTLS |
            | IMAP | `outlook.office365.com` | 993 | implicit TLS |
            | POP3 | `outlook.office365.com` | 995 | implicit TLS |

            These are all the SMTP endpoints the provider offers.

            OAuth2 in ISPDB (scopes IMAP.AccessAsUser.All, POP.AccessAsUser.All, SMTP.Send). EWS https://outlook.office365.com/ews/exchange.asmx. Port 465 is not offered for client submission (Microsoft-only STARTTLS on 587; third-party reports of 465 timeouts). SMTP AUTH client submission also accepts port 25 with STARTTLS (Microsoft Learn: "Port 587 (recommended) or port 25"): no wrong endpoint, a submission on the relay port (MP006).

            Source: https://github.com/thunderbird/autoconfig/blob/master/ispdb/office365.com.xml
        "#]],
    );
}

#[test]
fn security_key_means_what_the_application_says() {
    check(
        Format::Env,
        "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_ENCRYPTION=tls\n",
        "MAIL_ENCRYPTION",
        expect![[r#"
            [MAIL_ENCRYPTION]
            **`MAIL_ENCRYPTION`** (Laravel): Laravel 9 and 10 ignore `MAIL_ENCRYPTION`: the port decides (465 = implicit TLS, anything else = opportunistic STARTTLS). Laravel 8 and older (SwiftMailer): `ssl` = implicit TLS, `tls` = STARTTLS. Laravel 11 replaced it with `MAIL_SCHEME`.

            Here `MAIL_ENCRYPTION` is `tls`. This connection (Laravel): SMTP to `smtp.example.com`, mode not set in this file.
        "#]],
    );
    check(
        Format::Yaml,
        "smtp:\n  host: smtp.example.com\n  port: 587\n  tls: true\n",
        "tls",
        expect![[r#"
        [tls]
        **`tls`** (generic): A bare `tls` switch is ambiguous: Django's `EMAIL_USE_TLS` means STARTTLS, while Mastodon's `SMTP_TLS` and Rails' `tls` mean implicit TLS. mailport does not guess: check your application's documentation.

        Here `tls` is `true`. This connection (generic): SMTP to `smtp.example.com`, mode not set in this file.
    "#]],
    );
}

#[test]
fn nothing_to_say_elsewhere() {
    check(
        Format::Env,
        "DATABASE_PORT=5432\nEMAIL_HOST=smtp.example.com\n",
        "5432",
        expect!["no hover"],
    );
}
