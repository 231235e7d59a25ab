//! Rules over `.env` files: where each fires and where it must stay silent.

mod support;

use expect_test::{expect, Expect};
use mailport::config::Config;

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&support::render(".env", text, &Config::default()));
}

#[test]
fn django_ssl_on_587() {
    check(
        "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\nEMAIL_HOST_USER=app\n",
        expect![[r#"
            2:12 error MP003 port 587 expects a plaintext greeting and STARTTLS, but EMAIL_USE_SSL=True starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | EMAIL_PORT=465
              fix: Require STARTTLS (EMAIL_USE_TLS=true, EMAIL_USE_SSL=False)
                | EMAIL_USE_SSL=False
                | EMAIL_USE_TLS=True
        "#]],
    );
}

#[test]
fn django_tls_on_465_hangs() {
    check(
        "# mail\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_TLS=True\nEMAIL_HOST_USER=app\nEMAIL_HOST_PASSWORD=secret\n",
        expect![[r#"
            3:12 error MP003 port 465 starts with TLS (implicit TLS), but EMAIL_USE_TLS=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (EMAIL_USE_SSL=true, EMAIL_USE_TLS=False)
                | EMAIL_USE_TLS=False
                | EMAIL_USE_SSL=True
              fix: Use port 587 (STARTTLS)
                | EMAIL_PORT=587
        "#]],
    );
}

#[test]
fn django_both_flags_conflict() {
    check(
        "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_USE_SSL=True\n",
        expect![[r#"
            4:15 error MP010 EMAIL_USE_SSL=True and EMAIL_USE_TLS=True ask for two TLS modes at once (implicit TLS and STARTTLS); Django refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use port 465 with implicit TLS (EMAIL_USE_TLS=False)
                | EMAIL_PORT=465
                | EMAIL_USE_TLS=False
              fix: Require STARTTLS (EMAIL_USE_SSL=False)
                | EMAIL_USE_SSL=False
        "#]],
    );
}

#[test]
fn django_plaintext_with_password() {
    check(
        "EMAIL_HOST=mail.example.org\nEMAIL_PORT=587\nEMAIL_USE_TLS=False\nEMAIL_HOST_USER=app@example.org\nEMAIL_HOST_PASSWORD=s3cret\n",
        expect![[r#"
            3:15 error MP004 SMTP connection to mail.example.org without TLS (EMAIL_USE_TLS=False): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (EMAIL_USE_SSL=true)
                | EMAIL_PORT=465
                | EMAIL_USE_SSL=True
              fix: Require STARTTLS (EMAIL_USE_TLS=True)
                | EMAIL_USE_TLS=True
        "#]],
    );
}

#[test]
fn django_correct_is_clean() {
    check(
        "EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend\nEMAIL_HOST=smtp.gmail.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_HOST_USER=me@gmail.com\nEMAIL_HOST_PASSWORD=app-password\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn django_without_security_keys_is_undecided() {
    // The settings module may default EMAIL_USE_TLS to True: a .env alone does not decide it.
    check(
        "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_HOST_USER=me\nEMAIL_HOST_PASSWORD=pw\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn loopback_and_catchers_are_exempt() {
    check(
        "EMAIL_HOST=localhost\nEMAIL_PORT=1025\nEMAIL_USE_TLS=False\nEMAIL_HOST_USER=x\n\nMAIL_MAILER=smtp\nMAIL_HOST=mailpit\nMAIL_PORT=1025\nMAIL_USERNAME=null\nMAIL_PASSWORD=null\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn laravel_11_scheme_smtps_on_587() {
    check(
        "MAIL_MAILER=smtp\nMAIL_SCHEME=smtps\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_USERNAME=user\nMAIL_PASSWORD=secret\n",
        expect![[r#"
            4:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but MAIL_SCHEME=smtps starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | MAIL_PORT=465
        "#]],
    );
}

#[test]
fn laravel_10_encryption_is_ignored_port_decides() {
    // Laravel 9/10 ignore MAIL_ENCRYPTION; Laravel <= 8 honour it: undecided, so no MP003.
    check(
        "MAIL_MAILER=smtp\nMAIL_HOST=smtp.example.com\nMAIL_PORT=587\nMAIL_ENCRYPTION=ssl\nMAIL_USERNAME=user\nMAIL_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// A `.env` of the Vite generation (laravel/laravel 9.x from June 2022 on) is one of Symfony
/// Mailer's: MAIL_ENCRYPTION is ignored and the port decides. One of the Mix generation (8.x or
/// early 9.x) stays undecided.
#[test]
fn laravel_vite_generation_ignores_encryption() {
    let mail = "MAIL_MAILER=smtp\nMAIL_HOST=smtp.gmail.com\nMAIL_PORT=587\nMAIL_USERNAME=me@gmail.com\nMAIL_PASSWORD=app-password\nMAIL_ENCRYPTION=tls\n";
    check(
        &format!("APP_NAME=Shop\n{mail}\nVITE_PUSHER_APP_KEY=\"${{PUSHER_APP_KEY}}\"\n"),
        expect![[r#"
            4:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Laravel on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                | MAIL_PORT=465
        "#]],
    );
    check(
        &format!("{mail}VITE_APP_NAME=\"${{APP_NAME}}\"\n"),
        expect![[r#"
            3:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Laravel on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                | MAIL_PORT=465
        "#]],
    );
    check(
        &format!("{mail}MIX_PUSHER_APP_KEY=\"${{PUSHER_APP_KEY}}\"\n"),
        expect![[r#"
            clean
        "#]],
    );
}

/// Laravel 11 and 12's skeleton `.env`: `MAIL_SCHEME=null` and `VITE_APP_NAME="${APP_NAME}"`. The
/// reference dates the skeleton and sets nothing about mail: the port decides, as without it.
#[test]
fn laravel_11_skeleton_env() {
    let env = "APP_NAME=Shop\nMAIL_MAILER=smtp\nMAIL_SCHEME=null\nMAIL_HOST=smtp.gmail.com\nMAIL_PORT=587\nMAIL_USERNAME=me@gmail.com\nMAIL_PASSWORD=app-password\nMAIL_FROM_ADDRESS=\"hello@example.com\"\n\nVITE_APP_NAME=\"${APP_NAME}\"\n";
    check(
        env,
        expect![[r#"
            5:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Laravel on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (MAIL_SCHEME=smtps)
                | MAIL_SCHEME=smtps
                | MAIL_PORT=465
        "#]],
    );
    check(
        &env.replace("MAIL_SCHEME=null", "MAIL_SCHEME=smtps")
            .replace("587", "465"),
        expect![[r#"
            clean
        "#]],
    );
    // A scheme that comes from elsewhere still decides what the document cannot see.
    check(
        &env.replace("MAIL_SCHEME=null", "MAIL_SCHEME=${SCHEME}"),
        expect![[r#"
            clean
        "#]],
    );
}

/// The `.env` of a Laravel 5.x/6.x skeleton (`MAIL_DRIVER`) is read with SwiftMailer's meaning:
/// `MAIL_ENCRYPTION=null` is no TLS at all, `tls` required STARTTLS, `ssl` implicit TLS; unset,
/// config/mail.php's default `tls`. Another driver leaves the SMTP settings unused, and a file that
/// also names a later generation's key is not decided.
#[test]
fn laravel_swiftmailer_generation_env() {
    let env = "APP_ENV=local\nMAIL_DRIVER=smtp\nMAIL_HOST=mailtrap.io\nMAIL_PORT=2525\nMAIL_USERNAME=null\nMAIL_PASSWORD=null\nMAIL_ENCRYPTION=null\n";
    check(
        env,
        expect![[r#"
            7:17 warning MP004 SMTP connection to mailtrap.io without TLS (MAIL_ENCRYPTION=null): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Require STARTTLS (MAIL_ENCRYPTION=tls)
                | MAIL_ENCRYPTION=tls
        "#]],
    );
    check(
        &env.replace("2525", "465")
            .replace("ENCRYPTION=null", "ENCRYPTION=tls"),
        expect![[r#"
            clean
        "#]],
    );
    check(
        &env.replace("mailtrap.io", "smtp.gmail.com")
            .replace("2525", "587")
            .replace("ENCRYPTION=null", "ENCRYPTION=ssl"),
        expect![[r#"
            4:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but MAIL_ENCRYPTION=ssl starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | MAIL_PORT=465
              fix: Require STARTTLS (MAIL_ENCRYPTION=tls)
                | MAIL_ENCRYPTION=tls
        "#]],
    );
    for silent in [
        env.replace("ENCRYPTION=null", "ENCRYPTION=tls"),
        env.replace("\nMAIL_ENCRYPTION=null", ""),
        env.replace("2525", "465")
            .replace("ENCRYPTION=null", "ENCRYPTION=ssl"),
        env.replace("MAIL_DRIVER=smtp", "MAIL_DRIVER=mailgun"),
        env.replace("mailtrap.io", "mailhog")
            .replace("2525", "1025"),
        env.replace("MAIL_DRIVER=smtp", "MAIL_DRIVER=smtp\nMAIL_MAILER=smtp"),
        // BookStack keeps MAIL_DRIVER on a later Laravel: not this generation.
        env.replace("APP_ENV=local", "MAIL_FROM=bookstack@example.com"),
        env.replace("ENCRYPTION=null", "ENCRYPTION=${MAIL_ENCRYPTION}"),
    ] {
        check(
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

/// Directus hands EMAIL_SMTP_* to nodemailer when EMAIL_TRANSPORT is `smtp` (the default is
/// sendmail, which leaves them unused); it has no way to require STARTTLS.
#[test]
fn directus_smtp_transport() {
    let env = "EMAIL_TRANSPORT=smtp\nEMAIL_SMTP_HOST=smtp.example.com\nEMAIL_SMTP_PORT=587\nEMAIL_SMTP_USER=me\nEMAIL_SMTP_PASSWORD=secret\nEMAIL_SMTP_SECURE=false\n";
    check(
        env,
        expect![[r#"
            6:19 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (EMAIL_SMTP_SECURE=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (EMAIL_SMTP_SECURE=true)
                | EMAIL_SMTP_PORT=465
                | EMAIL_SMTP_SECURE=true
        "#]],
    );
    check(
        &env.replace("SECURE=false", "SECURE=true"),
        expect![[r#"
            3:17 error MP003 port 587 expects a plaintext greeting and STARTTLS, but EMAIL_SMTP_SECURE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | EMAIL_SMTP_PORT=465
        "#]],
    );
    for silent in [
        env.replace("EMAIL_TRANSPORT=smtp", "EMAIL_TRANSPORT=sendmail"),
        env.replace("EMAIL_TRANSPORT=smtp\n", ""),
        env.replace("587", "465")
            .replace("SECURE=false", "SECURE=true"),
    ] {
        check(
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

/// Appwrite's PHPMailer never upgrades on its own (`SMTPAutoTLS = false`): an empty
/// `_APP_SMTP_SECURE` (the default) is plain SMTP, `tls` required STARTTLS, `ssl` implicit TLS;
/// an empty host turns mail off.
#[test]
fn appwrite_smtp() {
    let env = "_APP_SMTP_HOST=smtp.gmail.com\n_APP_SMTP_PORT=587\n_APP_SMTP_SECURE=\n_APP_SMTP_USERNAME=me@gmail.com\n_APP_SMTP_PASSWORD=app-password\n";
    check(
        env,
        expect![[r#"
            3:18 error MP004 SMTP connection to smtp.gmail.com without TLS (_APP_SMTP_SECURE=): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (_APP_SMTP_SECURE=ssl)
                | _APP_SMTP_PORT=465
                | _APP_SMTP_SECURE=ssl
              fix: Require STARTTLS (_APP_SMTP_SECURE=tls)
                | _APP_SMTP_SECURE=tls
        "#]],
    );
    for silent in [
        env.replace("SECURE=\n", "SECURE=tls\n"),
        env.replace("587", "465")
            .replace("SECURE=\n", "SECURE=ssl\n"),
        env.replace("smtp.gmail.com", ""),
        env.replace("smtp.gmail.com", "mailpit")
            .replace("587", "1025"),
    ] {
        check(
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

/// Laravel applications that pass `verify_peer` read it from a variable of their own (2FAuth
/// MAIL_VERIFY_SSL_PEER, BookStack MAIL_VERIFY_SSL): `false` checks no certificate.
#[test]
fn laravel_application_verify_peer_variables() {
    let env = "MAIL_MAILER=smtp\nMAIL_HOST=${SMTP_HOST}\nMAIL_PORT=${SMTP_PORT}\nMAIL_USERNAME=${SMTP_USER}\nMAIL_PASSWORD=${SMTP_PASSWORD}\nMAIL_VERIFY_SSL_PEER=false\n";
    check(
        env,
        expect![[r#"
            6:22 warning MP008 certificate checking is switched off (MAIL_VERIFY_SSL_PEER=false) for ${SMTP_HOST}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        &env.replace("MAIL_VERIFY_SSL_PEER=false", "MAIL_VERIFY_SSL_PEER=true"),
        expect![[r#"
            clean
        "#]],
    );
}

/// NextAuth's EMAIL_SERVER_* convention (Cal.com): nodemailer with `secure` only on 465 and no
/// way to require STARTTLS; oCIS's NOTIFICATIONS_SMTP_INSECURE skips the certificate check.
#[test]
fn nextauth_email_server_and_ocis_notifications() {
    let nextauth = "EMAIL_FROM=me@gmail.com\nEMAIL_SERVER_HOST=smtp.gmail.com\nEMAIL_SERVER_PORT=587\nEMAIL_SERVER_USER=me@gmail.com\nEMAIL_SERVER_PASSWORD=app-password\n";
    check(
        nextauth,
        expect![[r#"
            3:19 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (NextAuth / Cal.com email server (nodemailer) on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                | EMAIL_SERVER_PORT=465
        "#]],
    );
    let ocis = "NOTIFICATIONS_SMTP_HOST=smtp.example.org\nNOTIFICATIONS_SMTP_PORT=587\nNOTIFICATIONS_SMTP_SENDER=ocis@example.org\nNOTIFICATIONS_SMTP_INSECURE=true\n";
    check(
        ocis,
        expect![[r#"
            4:29 warning MP008 certificate checking is switched off (NOTIFICATIONS_SMTP_INSECURE=true) for smtp.example.org: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    for silent in [
        nextauth.replace("587", "465"),
        nextauth
            .replace("smtp.gmail.com", "localhost")
            .replace("587", "1025"),
        ocis.replace("INSECURE=true", "INSECURE=false"),
        "EMAIL_SERVER=smtps://me%40gmail.com:pw@smtp.gmail.com:465\n".to_string(),
    ] {
        check(
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

#[test]
fn laravel_opportunistic_on_587_with_password() {
    check(
        "MAIL_MAILER=smtp\nMAIL_HOST=smtp.mailgun.org\nMAIL_PORT=587\nMAIL_USERNAME=postmaster@mg.example.com\nMAIL_PASSWORD=key-123\n",
        expect![[r#"
            3:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Laravel on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                | MAIL_PORT=465
        "#]],
    );
}

#[test]
fn symfony_dsn() {
    check(
        "MAILER_DSN=smtps://user:pass@smtp.example.com:587\n",
        expect![[r#"
            1:47 error MP003 port 587 expects a plaintext greeting and STARTTLS, but the smtps:// scheme starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | MAILER_DSN=smtps://user:pass@smtp.example.com:465
        "#]],
    );
    check(
        "MAILER_DSN=smtp://user:pass@smtp.example.com:465\nOTHER_DSN=smtp://localhost:1025?verify_peer=0\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "MAILER_DSN=smtp://apikey:SG.xxx@smtp.sendgrid.net:587?verify_peer=0\n",
        expect![[r#"
            1:12 warning MP008 certificate checking is switched off (verify_peer=0) for smtp.sendgrid.net: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            1:51 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Symfony Mailer on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtps://)
                | MAILER_DSN=smtps://apikey:SG.xxx@smtp.sendgrid.net:465?verify_peer=0
        "#]],
    );
}

#[test]
fn symfony_dsn_with_variables_is_silent() {
    check(
        "MAILER_DSN=smtp://${MAIL_USER}:${MAIL_PASS}@${MAIL_HOST}:${MAIL_PORT}\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn mastodon() {
    check(
        "LOCAL_DOMAIN=example.social\nSMTP_SERVER=smtp.mailgun.org\nSMTP_PORT=587\nSMTP_LOGIN=postmaster@example.social\nSMTP_PASSWORD=secret\nSMTP_FROM_ADDRESS=notifications@example.social\nSMTP_ENABLE_STARTTLS=auto\n",
        expect![[r#"
            7:22 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_ENABLE_STARTTLS=auto): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_TLS=true, SMTP_ENABLE_STARTTLS=never)
                | SMTP_PORT=465
                | SMTP_ENABLE_STARTTLS=never
                | SMTP_TLS=true
              fix: Require STARTTLS (SMTP_ENABLE_STARTTLS=always)
                | SMTP_ENABLE_STARTTLS=always
        "#]],
    );
    check(
        "SMTP_SERVER=smtp.example.com\nSMTP_PORT=465\nSMTP_LOGIN=me\nSMTP_PASSWORD=pw\nSMTP_TLS=true\nSMTP_ENABLE_STARTTLS=never\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Mastodon's default (SMTP_ENABLE_STARTTLS unset: STARTTLS if offered) with a login is MP005; a
/// PHP `define('SMTP_SERVER', …)` is not Mastodon's.
#[test]
fn mastodon_default_starttls_is_opportunistic() {
    check(
        "SMTP_SERVER=smtp.mailgun.org\nSMTP_PORT=587\nSMTP_LOGIN=postmaster@example.social\nSMTP_PASSWORD=secret\nSMTP_OPENSSL_VERIFY_MODE=none\n",
        expect![[r#"
            2:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Mastodon's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_TLS=true)
                | SMTP_PORT=465
                | SMTP_TLS=true
              fix: Require STARTTLS (SMTP_ENABLE_STARTTLS=always)
                | SMTP_ENABLE_STARTTLS=always
            5:26 warning MP008 certificate checking is switched off (SMTP_OPENSSL_VERIFY_MODE=none) for smtp.mailgun.org: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "SMTP_SERVER=smtp.mailgun.org\nSMTP_PORT=587\nSMTP_LOGIN=postmaster@example.social\nSMTP_PASSWORD=secret\nSMTP_ENABLE_STARTTLS=always\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// `KEY: value` lines (read by the dotenv libraries of Node, Ruby and Compose) are settings:
/// Grafana's environment written that way.
#[test]
fn yaml_style_env_lines() {
    check(
        "GF_SMTP_ENABLED: true\nGF_SMTP_HOST: smtp.gmail.com:587\nGF_SMTP_USER: me@example.com\nGF_SMTP_PASSWORD: app-password\nGF_SMTP_SKIP_VERIFY: true\n",
        expect![[r#"
            2:30 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Grafana's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                | GF_SMTP_HOST: smtp.gmail.com:465
              fix: Require STARTTLS (STARTTLS_POLICY=MandatoryStartTLS)
                | GF_SMTP_STARTTLS_POLICY: MandatoryStartTLS
            5:22 warning MP008 certificate checking is switched off (GF_SMTP_SKIP_VERIFY=true) for smtp.gmail.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "GF_SMTP_ENABLED: true\nGF_SMTP_HOST: smtp.gmail.com:465\nGF_SMTP_USER: me@example.com\nGF_SMTP_PASSWORD: app-password\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn generic_env_secure_true_on_587() {
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_SECURE=true\nSMTP_USER=me\nSMTP_PASS=pw\n",
        expect![[r#"
            2:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_SECURE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | SMTP_PORT=465
        "#]],
    );
}

#[test]
fn generic_env_bare_tls_is_ambiguous() {
    // SMTP_TLS means STARTTLS to some applications and implicit TLS to others.
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_TLS=true\nIMAP_HOST=imap.example.com\nIMAP_PORT=143\nIMAP_TLS=true\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn wrong_protocol_ports() {
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=993\nIMAP_HOST=imap.example.com\nIMAP_PORT=587\nPOP3_HOST=pop.example.com\nPOP3_PORT=143\n",
        expect![[r#"
            2:11 error MP002 port 993 is the IMAP port (imaps), but this is an SMTP connection: it will reach the wrong service. SMTP uses 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 (implicit TLS)
                | SMTP_PORT=465
              fix: Use port 587 (STARTTLS)
                | SMTP_PORT=587
            4:11 error MP002 port 587 is the SMTP port (submission), but this is an IMAP connection: it will reach the wrong service. IMAP uses 993 (implicit TLS) or 143 (STARTTLS).
              fix*: Use port 993 (implicit TLS)
                | IMAP_PORT=993
              fix: Use port 143 (STARTTLS)
                | IMAP_PORT=143
            6:11 error MP002 port 143 is the IMAP port (imap), but this is a POP3 connection: it will reach the wrong service. POP3 uses 995 (implicit TLS) or 110 (STARTTLS).
              fix*: Use port 995 (implicit TLS)
                | POP3_PORT=995
              fix: Use port 110 (STARTTLS)
                | POP3_PORT=110
        "#]],
    );
}

#[test]
fn invalid_ports_and_references() {
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=70000\nIMAP_HOST=imap.example.com\nIMAP_PORT=${IMAP_PORT}\nEMAIL_HOST=smtp.example.com\nEMAIL_PORT=\"58７\"\n",
        expect![[r#"
            2:11 error MP001 invalid SMTP port: 70000 is outside 1–65535. A port is a whole number from 1 to 65535 (for example 465 or 587).
            6:13 error MP001 invalid SMTP port: '58７' is not a number. A port is a whole number from 1 to 65535 (for example 465 or 587).
              fix*: Use port 587
                | EMAIL_PORT="587"
        "#]],
    );
}

/// A port written as the name of what goes there is a template, not a mistake (rules.md:
/// "Templates are not mistakes"); a plain word is still no port.
#[test]
fn placeholder_ports_are_templates_and_words_are_not_ports() {
    check(
        "A_SMTP_HOST=smtp.example.com\nA_SMTP_PORT=PLACEHOLDER\nB_SMTP_HOST=smtp.example.com\nB_SMTP_PORT=your_port_here\nC_SMTP_HOST=smtp.example.com\nC_SMTP_PORT=xxx\nD_SMTP_HOST=smtp.example.com\nD_SMTP_PORT=@SMTP_PORT@\nF_SMTP_HOST=smtp.example.com\nF_SMTP_PORT=your-smtp-port\nG_SMTP_HOST=smtp.example.com\nG_SMTP_PORT=[port]\nH_SMTP_HOST=smtp.example.com\nH_SMTP_PORT={smtp port}\nE_SMTP_HOST=smtp.example.com\nE_SMTP_PORT=smtp\n",
        expect![[r#"
            16:13 error MP001 invalid SMTP port: 'smtp' is not a number. A port is a whole number from 1 to 65535 (for example 465 or 587).
        "#]],
    );
    // Words that mean "not decided yet", as templates write them (comments after an env_file
    // value are not part of it).
    check(
        "MAIL_HOST=tbd  # Host for the mail server\nMAIL_PORT=tbd  # Port number\nA_SMTP_HOST=smtp.example.com\nA_SMTP_PORT=changeme\nB_SMTP_HOST=smtp.example.com\nB_SMTP_PORT=???\nC_SMTP_HOST=smtp.example.com\nC_SMTP_PORT=TODO\n",
        expect![[r#"
            clean
        "#]],
    );
    // Brackets around something that is no name are still no port.
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=[587]\n",
        expect![[r#"
            2:11 error MP001 invalid SMTP port: '[587]' is not a number. A port is a whole number from 1 to 65535 (for example 465 or 587).
        "#]],
    );
}

#[test]
fn port_25_submission() {
    check(
        "SMTP_HOST=smtp.sendgrid.net\nSMTP_PORT=25\nSMTP_USER=apikey\nSMTP_PASS=SG.x\n",
        expect![[r#"
            2:11 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 (implicit TLS)
                | SMTP_PORT=465
              fix: Use port 587 (STARTTLS)
                | SMTP_PORT=587
        "#]],
    );
    // A relay without credentials on 25 is MX delivery: fine.
    check(
        "SMTP_HOST=mx.example.com\nSMTP_PORT=25\n",
        expect![[r#"
        clean
    "#]],
    );
}

#[test]
fn provider_endpoints() {
    check(
        "SMTP_HOST=smtp.office365.com\nSMTP_PORT=465\nSMTP_USER=me@contoso.com\nSMTP_PASS=pw\n",
        expect![[r#"
            2:11 error MP007 Microsoft 365 / Exchange Online does not offer SMTP on smtp.office365.com:465: it documents only 587 (STARTTLS), 25 (STARTTLS).
              fix*: Use port 587 (STARTTLS)
                | SMTP_PORT=587
        "#]],
    );
    check(
        "EMAIL_HOST=imap.gmail.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\n",
        expect![[r#"
            1:12 error MP007 imap.gmail.com is Gmail / Google Workspace's IMAP server, but this is an SMTP connection. Use Gmail / Google Workspace's SMTP host.
              fix*: Use smtp.gmail.com
                | EMAIL_HOST=smtp.gmail.com
        "#]],
    );
    // Mailtrap's sandbox documents STARTTLS on 465.
    check(
        "EMAIL_HOST=sandbox.smtp.mailtrap.io\nEMAIL_PORT=465\nEMAIL_USE_TLS=True\nEMAIL_HOST_USER=x\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn nonstandard_port_hint() {
    check(
        "SMTP_HOST=mail.example.com\nSMTP_PORT=2526\nSMTP_HOST_B=x\n",
        expect![[r#"
            2:11 hint MP011 2526 is not a standard SMTP port (465 implicit TLS, 587 STARTTLS): check your provider's documentation.
        "#]],
    );
    // ESP alternatives and documented provider ports are fine.
    check(
        "SMTP_HOST=smtp.mailgun.org\nSMTP_PORT=2525\n\nRELAY_SMTP_HOST=mail.smtp2go.com\nRELAY_SMTP_PORT=8025\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn verification_and_tls_versions() {
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=465\nSMTP_SECURE=true\nSMTP_TLS_REJECT_UNAUTHORIZED=false\nSMTP_TLS_MIN_VERSION=TLSv1\n",
        expect![[r#"
            4:30 warning MP008 certificate checking is switched off (SMTP_TLS_REJECT_UNAUTHORIZED=false) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            5:22 warning MP009 SMTP_TLS_MIN_VERSION=TLSv1 allows TLS below 1.2, which is deprecated for mail (RFC 8996, RFC 8997). Allow TLS 1.2 and 1.3 only.
        "#]],
    );
}

#[test]
fn unrelated_settings_stay_silent() {
    check(
        "DATABASE_URL=postgres://app:pw@db.example.com:5432/app\nREDIS_PORT=6379\nPORT=8080\nHOST=0.0.0.0\nAPI_SECURE=true\nHTTP_PORT=993\nSECRET_KEY=abc\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn inline_suppression() {
    check(
        "# mailport: ignore MP005\nSMTP_SERVER=smtp.mailgun.org\nSMTP_PORT=587 # mailport: ignore MP005\nSMTP_LOGIN=me\nSMTP_PASSWORD=pw\nSMTP_ENABLE_STARTTLS=auto\n",
        expect![[r#"
            6:22 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_ENABLE_STARTTLS=auto): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_TLS=true, SMTP_ENABLE_STARTTLS=never)
                | SMTP_PORT=465 # mailport: ignore MP005
                | SMTP_ENABLE_STARTTLS=never
                | SMTP_TLS=true
              fix: Require STARTTLS (SMTP_ENABLE_STARTTLS=always)
                | SMTP_ENABLE_STARTTLS=always
        "#]],
    );
    // Another code on the line does not hide this one.
    check(
        "SMTP_SERVER=smtp.mailgun.org\n# mailport: ignore MP004\nSMTP_PORT=587\nSMTP_LOGIN=me\nSMTP_PASSWORD=pw\nSMTP_ENABLE_STARTTLS=auto\n",
        expect![[r#"
            6:22 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_ENABLE_STARTTLS=auto): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_TLS=true, SMTP_ENABLE_STARTTLS=never)
                | SMTP_PORT=465
                | SMTP_ENABLE_STARTTLS=never
                | SMTP_TLS=true
              fix: Require STARTTLS (SMTP_ENABLE_STARTTLS=always)
                | SMTP_ENABLE_STARTTLS=always
        "#]],
    );
}

#[test]
fn configuration_severities_allow_and_prefer() {
    let text = "SMTP_HOST=relay.internal.example\nSMTP_PORT=25\nSMTP_USER=me\nSMTP_PASS=pw\n\nMAIL_HOST=smtp.example.com\nMAIL_PORT=2526\nMAIL_USERNAME=x\nMAIL_MAILER=smtp\nMAIL_SCHEME=smtps\n";
    let config =
        Config::from_toml("prefer = \"starttls\"\n[rules]\nMP011 = \"off\"\nMP006 = \"error\"\n")
            .unwrap();
    expect![[r#"
        2:11 error MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
          fix*: Use port 587 (STARTTLS)
            | SMTP_PORT=587
          fix: Use port 465 (implicit TLS)
            | SMTP_PORT=465
    "#]].assert_eq(&support::render(".env", text, &config));
    let config =
        Config::from_toml("[[allow]]\nhost = \"*.internal.example\"\nports = [25]\n").unwrap();
    expect![[r#"
        7:11 hint MP011 2526 is not a standard SMTP port (465 implicit TLS, 587 STARTTLS): check your provider's documentation.
    "#]].assert_eq(&support::render(".env", text, &config));
}

#[test]
fn prefer_starttls_changes_the_preferred_fix() {
    let text = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_USE_SSL=True\n";
    let config = Config::from_toml("prefer = \"starttls\"\n").unwrap();
    expect![[r#"
        2:12 error MP003 port 587 expects a plaintext greeting and STARTTLS, but EMAIL_USE_SSL=True starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
          fix*: Require STARTTLS (EMAIL_USE_TLS=true, EMAIL_USE_SSL=False)
            | EMAIL_USE_SSL=False
            | EMAIL_USE_TLS=True
          fix: Use port 465 (implicit TLS)
            | EMAIL_PORT=465
    "#]].assert_eq(&support::render(".env", text, &config));
}

#[test]
fn bad_configuration_is_an_error() {
    for bad in [
        "prefer = \"tls\"",
        "[rules]\nMP999 = \"off\"",
        "[rules]\nMP001 = \"loud\"",
        "nonsense = 1",
        "[[allow]]\nports = [25]",
    ] {
        assert!(Config::from_toml(bad).is_err(), "{bad}");
    }
}

#[test]
fn generic_enable_starttls_false_is_plaintext() {
    check(
        "SMTP_ADDRESS=relay.example.org\nSMTP_PORT=25\nSMTP_USERNAME=\nSMTP_PASSWORD=\nSMTP_AUTHENTICATION=plain\nSMTP_ENABLE_STARTTLS=false\n",
        expect![[r#"
            6:22 warning MP004 SMTP connection to relay.example.org without TLS (SMTP_ENABLE_STARTTLS=false): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        "#]],
    );
    // An implicit-TLS key still decides.
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=465\nSMTP_SECURE=true\nSMTP_ENABLE_STARTTLS=false\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Vaultwarden: `SMTP_SECURITY` (starttls = required, the default; force_tls; off), and the
/// settings of before 1.25 when it is unset, where `SMTP_SSL=true` means STARTTLS.
#[test]
fn vaultwarden_generations() {
    check(
        "DOMAIN=https://vault.example.com\nSIGNUPS_ALLOWED=false\nSMTP_HOST=smtp.mailgun.org\nSMTP_FROM=vault@example.com\nSMTP_PORT=465\nSMTP_SSL=true\nSMTP_USERNAME=postmaster@example.com\nSMTP_PASSWORD=secret\n",
        expect![[r#"
            5:11 error MP003 port 465 starts with TLS (implicit TLS), but SMTP_SSL=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (SMTP_SECURITY=force_tls)
                | SMTP_SECURITY=force_tls
              fix: Use port 587 (STARTTLS)
                | SMTP_PORT=587
        "#]],
    );
    check(
        "SIGNUPS_ALLOWED=false\nSMTP_HOST=smtp.sendgrid.net\nSMTP_PORT=587\nSMTP_SSL=true\nSMTP_USERNAME=apikey\nSMTP_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_SECURITY=starttls\nSMTP_USERNAME=vault\nSMTP_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "SMTP_HOST=relay.example.net\nSMTP_PORT=2525\nSMTP_SECURITY=off\nSMTP_ACCEPT_INVALID_CERTS=true\n",
        expect![[r#"
            3:15 warning MP004 SMTP connection to relay.example.net without TLS (SMTP_SECURITY=off): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (SMTP_SECURITY=force_tls)
                | SMTP_PORT=465
                | SMTP_SECURITY=force_tls
              fix: Require STARTTLS (SMTP_SECURITY=starttls)
                | SMTP_SECURITY=starttls
            4:27 warning MP008 certificate checking is switched off (SMTP_ACCEPT_INVALID_CERTS=true) for relay.example.net: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // An old `.env` that names no other Vaultwarden key than its admin token.
    check(
        "DOMAIN=https://vault.example.com\nADMIN_TOKEN=\nSMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_SSL=true\nSMTP_USERNAME=vault@example.com\nSMTP_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
    // Without Vaultwarden's own keys, `SMTP_SSL=true` is read the common way: implicit TLS.
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=465\nSMTP_SSL=true\nSMTP_USER=app\nSMTP_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn outline_secure_false_also_switches_certificate_checks_off() {
    // Outline's mailer sets `tls.rejectUnauthorized = false` whenever SMTP_SECURE is false.
    check(
        "URL=https://docs.example.com\nSECRET_KEY=${SECRET_KEY}\nSMTP_HOST=smtp-relay.mail.svc.cluster.local\nSMTP_PORT=25\nSMTP_FROM_EMAIL=outline@example.com\nSMTP_SECURE=false\n",
        expect![[r#"
            6:13 warning MP008 certificate checking is switched off (SMTP_SECURE=false) for smtp-relay.mail.svc.cluster.local: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // Implicit TLS on 465: clean.
    check(
        "SMTP_HOST=smtp.example.com\nSMTP_PORT=465\nSMTP_USERNAME=outline@example.com\nSMTP_PASSWORD=secret\nSMTP_FROM_EMAIL=outline@example.com\nSMTP_REPLY_EMAIL=noreply@example.com\nSMTP_SECURE=true\n",
        expect![[r#"
            clean
        "#]],
    );
    // Mealie also names SMTP_FROM_EMAIL; its SMTP_AUTH_STRATEGY is not Outline's: silent.
    check(
        "SMTP_HOST=smtp.gmail.com\nSMTP_PORT=587\nSMTP_FROM_NAME=Mealie\nSMTP_AUTH_STRATEGY=TLS\nSMTP_FROM_EMAIL=mealie@example.com\nSMTP_USER=mealie@example.com\nSMTP_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn plausible_ssl_on_587() {
    // Plausible's SMTP mailers: SMTP_HOST_SSL_ENABLED=true is implicit TLS, so 587 never greets.
    check(
        "BASE_URL=https://plausible.example.com\nMAILER_EMAIL=site@example.com\nSMTP_HOST_ADDR=smtp.sendgrid.net\nSMTP_HOST_PORT=587\nSMTP_HOST_SSL_ENABLED=true\nSMTP_USER_NAME=apikey\nSMTP_USER_PWD=${SENDGRID_KEY}\n",
        expect![[r#"
            4:16 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_HOST_SSL_ENABLED=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | SMTP_HOST_PORT=465
        "#]],
    );
    // The same on 465 is right; without the switch the release decides: silent.
    check(
        "SMTP_HOST_ADDR=smtp.sendgrid.net\nSMTP_HOST_PORT=465\nSMTP_HOST_SSL_ENABLED=true\nSMTP_USER_NAME=apikey\nSMTP_USER_PWD=${SENDGRID_KEY}\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "SMTP_HOST_ADDR=smtp.sendgrid.net\nSMTP_HOST_PORT=587\nSMTP_HOST_SSL_ENABLED=false\nSMTP_USER_NAME=apikey\nSMTP_USER_PWD=${SENDGRID_KEY}\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn an_endpoint_its_application_turns_off_is_read_by_no_profile() {
    // sameersbn/docker-gitlab: `SMTP_ENABLED=false` installs no SMTP settings; the IMAP block has
    // its own switch. Neither block's settings may be read as another endpoint.
    check(
        "SMTP_ENABLED=false\nSMTP_HOST=smtp.gmail.com\nSMTP_PORT=587\nSMTP_USER=git@example.com\nSMTP_PASS=password\nSMTP_STARTTLS=true\n\nIMAP_ENABLED=false\nIMAP_HOST=imap.gmail.com\nIMAP_PORT=993\nIMAP_USER=git@example.com\nIMAP_PASS=password\n",
        expect![[r#"
            clean
        "#]],
    );
    // Switched on, the same block is read.
    check(
        "SMTP_ENABLED=true\nSMTP_HOST=smtp.gmail.com\nSMTP_PORT=587\nSMTP_USER=git@example.com\nSMTP_PASS=password\nSMTP_STARTTLS=true\n",
        expect![[r#"
            6:15 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_STARTTLS=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_STARTTLS=false)
                | SMTP_PORT=465
                | SMTP_STARTTLS=false
        "#]],
    );
}

#[test]
fn javamail_switch_names_in_an_environment() {
    // OpenAEV's `.env` feeds SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE=${SMTP_SSL_ENABLE}.
    check(
        "SMTP_HOST=smtp.gmail.com\nSMTP_PORT=587\nSMTP_USERNAME=me@example.com\nSMTP_PASSWORD=secret\nSMTP_SSL_ENABLE=true\nSMTP_STARTTLS_ENABLE=false\n",
        expect![[r#"
            2:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_SSL_ENABLE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | SMTP_PORT=465
        "#]],
    );
    // With `ssl.enable` the socket is TLS already: `starttls.enable` beside it is no conflict.
    check(
        "SMTP_HOST=smtp.gmail.com\nSMTP_PORT=465\nSMTP_USERNAME=me@example.com\nSMTP_PASSWORD=secret\nSMTP_SSL_ENABLE=true\nSMTP_STARTTLS_ENABLE=true\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "SMTP_HOST=smtp.gmail.com\nSMTP_PORT=587\nSMTP_USERNAME=me@example.com\nSMTP_PASSWORD=secret\nSMTP_SSL_ENABLE=false\nSMTP_STARTTLS_ENABLE=true\n",
        expect![[r#"
            6:22 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_STARTTLS_ENABLE=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_SSL_ENABLE=true, SMTP_STARTTLS_ENABLE=false)
                | SMTP_PORT=465
                | SMTP_SSL_ENABLE=true
                | SMTP_STARTTLS_ENABLE=false
        "#]],
    );
}

/// A Rails application's environment under ActionMailer's own names (`SMTP_ADDRESS`,
/// `SMTP_ENABLE_STARTTLS_AUTO`, dotenv's `KEY = value`): `true` is STARTTLS if offered. `false`
/// decides nothing (a string the mail gem takes as true unless the application compares it).
#[test]
fn rails_smtp_environment() {
    let env = "DELIVERY_METHOD = smtp\nSMTP_ADDRESS              = smtp.gmail.com\nSMTP_PORT                 = 587\nSMTP_USERNAME             = lodge@example.com\nSMTP_PASSWORD             = secret\nSMTP_AUTH_METHOD          = plain\nSMTP_ENABLE_STARTTLS_AUTO = true\n";
    check(
        env,
        expect![[r#"
            7:29 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_ENABLE_STARTTLS_AUTO=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
        "#]],
    );
    check(
        &env.replace("AUTO = true", "AUTO = false"),
        expect![[r#"
            clean
        "#]],
    );
}
