//! Hover in the formats of issue 3: a security key explains what it means for this application.

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
fn msmtp_tls_starttls() {
    check(
        Format::Msmtp,
        "account work\nhost smtp.example.com\nport 465\ntls on\ntls_starttls off\n",
        "tls_starttls",
        expect![[r#"
            [tls_starttls]
            **`tls_starttls`** (msmtp): msmtp: `tls_starttls off` (with `tls on`) = implicit TLS, for port 465; `on` (the default) = STARTTLS, required, for 587.

            Here `tls_starttls` is `off`. This connection (msmtp): SMTP to `smtp.example.com`, implicit TLS.
        "#]],
    );
}

#[test]
fn postfix_wrappermode() {
    check(
        Format::PostfixMain,
        "relayhost = [smtp.example.com]:465\nsmtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt\n",
        "smtp_tls_wrappermode",
        expect![[r#"
            [smtp_tls_wrappermode]
            **`smtp_tls_wrappermode`** (Postfix (relayhost)): Postfix (3.0+): `smtp_tls_wrappermode = yes` with `smtp_tls_security_level = encrypt` connects with implicit TLS, as port 465 needs. Without it Postfix waits for a plaintext greeting on 465 and hangs.

            Here `smtp_tls_wrappermode` is `yes`. This connection (Postfix (relayhost)): SMTP to `smtp.example.com`, implicit TLS.
        "#]],
    );
}

#[test]
fn nextcloud_smtpsecure_value() {
    check(
        Format::Php,
        "<?php\n$CONFIG = array(\n  'mail_smtphost' => 'smtp.example.com',\n  'mail_smtpport' => 587,\n  'mail_smtpsecure' => 'tls',\n);\n",
        "tls'",
        expect![[r#"
            [tls]
            **`mail_smtpsecure`** (Nextcloud): Nextcloud: only `'ssl'` is honoured (implicit TLS, port 465). Anything else, including the legacy `'tls'`, connects in plaintext and uses STARTTLS only if the server offers it; Nextcloud cannot require it.

            Here `mail_smtpsecure` is `tls`. This connection (Nextcloud): SMTP to `smtp.example.com`, opportunistic STARTTLS.
        "#]],
    );
}

#[test]
fn autoconfig_port() {
    check(
        Format::Xml,
        "<clientConfig><emailProvider id=\"x\"><outgoingServer type=\"smtp\"><hostname>smtp.example.com</hostname><port>465</port><socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>",
        "465",
        expect![[r#"
            [465]
            **Port 465: SMTP message submission over implicit TLS** (IANA `submissions`)

            TLS starts with the first byte (implicit TLS). A client that expects a plaintext greeting or uses STARTTLS here waits until it times out (*greeting never received*).

            Source: RFC 8314 §3.3.

            This connection (Thunderbird autoconfig): SMTP to `smtp.example.com`, implicit TLS.
        "#]],
    );
}
