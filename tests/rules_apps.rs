//! The profiles of `knowledge/profiles/more-apps.toml`: each application's own settings, where the
//! rules fire, where they stay silent, and a trap each (a correct or placeholder configuration).

mod support;

use expect_test::{expect, Expect};
use mailport::config::Config;

fn check(name: &str, text: &str, expect: Expect) {
    expect.assert_eq(&support::render(name, text, &Config::default()));
}

/// Synapse: STARTTLS only if offered unless `require_transport_security`; `force_tls` = implicit.
#[test]
fn synapse_email_block() {
    check(
        "homeserver.yaml",
        r#"server_name: "example.com"
email:
  smtp_host: smtp.example.com
  smtp_port: 587
  smtp_user: "matrix@example.com"
  smtp_pass: "secret"
  notif_from: "Your Friendly %(app)s homeserver <noreply@example.com>"
"#,
        expect![[r#"
            4:14 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Matrix Synapse's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (force_tls=true)
                |   smtp_port: 465
                |   force_tls: true
              fix: Require STARTTLS (require_transport_security=true)
                |   require_transport_security: true
        "#]],
    );
    check(
        "homeserver.yaml",
        "email:\n  smtp_host: smtp.example.com\n  smtp_port: 465\n  smtp_user: matrix\n  smtp_pass: secret\n  require_transport_security: true\n  notif_from: matrix@example.com\n",
        expect![[r#"
            3:14 error MP003 port 465 starts with TLS (implicit TLS), but require_transport_security=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (force_tls=true)
                |   force_tls: true
              fix: Use port 587 (STARTTLS)
                |   smtp_port: 587
        "#]],
    );
    // Correct: STARTTLS required on 587, implicit TLS with force_tls (its default port is 465).
    check(
        "homeserver.yaml",
        "email:\n  smtp_host: smtp.example.com\n  smtp_port: 587\n  smtp_user: matrix\n  smtp_pass: secret\n  require_transport_security: true\n  notif_from: matrix@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "homeserver.yaml",
        "email:\n  smtp_host: smtp.example.com\n  force_tls: true\n  smtp_user: matrix\n  smtp_pass: secret\n  notif_from: matrix@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
    // Trap: the host from the environment, STARTTLS switched off: plaintext to anywhere.
    check(
        "homeserver.yaml",
        "email:\n  smtp_host: \"${SMTP_HOST}\"\n  smtp_port: 25\n  enable_tls: false\n  notif_from: matrix@example.com\n",
        expect![[r#"
            4:15 warning MP004 SMTP connection to ${SMTP_HOST} without TLS (enable_tls=false): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (force_tls=true, enable_tls=true)
                |   smtp_port: 465
                |   enable_tls: true
                |   force_tls: true
              fix: Use port 587 with STARTTLS (require_transport_security=true, enable_tls=true)
                |   smtp_port: 587
                |   enable_tls: true
                |   require_transport_security: true
        "#]],
    );
    // Trap: the local relay by default (no smtp_host), nothing to protect: clean.
    check(
        "homeserver.yaml",
        "email:\n  notif_from: \"%(app)s <matrix@example.com>\"\n  enable_notifs: true\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// PeerTube: nodemailer `secure` = `tls` (default true, port 465), `ignoreTLS` = `disable_starttls`.
#[test]
fn peertube_smtp_block() {
    check(
        "production.yaml",
        r#"smtp:
  transport: smtp
  sendmail: null
  hostname: smtp.example.org
  port: 587
  username: peertube@example.org
  password: secret
  tls: true
  disable_starttls: false
  ca_file: null
  from_address: 'admin@example.org'
"#,
        expect![[r#"
            5:9 error MP003 port 587 expects a plaintext greeting and STARTTLS, but tls=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |   port: 465
        "#]],
    );
    check(
        "production.yaml",
        "smtp:\n  hostname: mail.example.org\n  port: 587\n  username: peertube\n  password: secret\n  tls: false\n  disable_starttls: false\n  from_address: admin@example.org\n",
        expect![[r#"
            6:8 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (tls=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true)
                |   port: 465
                |   tls: true
        "#]],
    );
    // Trap: PeerTube's own default block (no hostname: no mail is sent): clean.
    check(
        "production.yaml",
        "smtp:\n  transport: smtp\n  sendmail: null\n  hostname: null\n  port: 465\n  username: null\n  password: null\n  tls: true\n  disable_starttls: false\n  ca_file: null\n  from_address: 'admin@example.com'\n",
        expect![[r#"
            clean
        "#]],
    );
    // The Docker image's variables: tls=true on 587 fails; on 465 it is right.
    check(
        ".env",
        "PEERTUBE_SMTP_HOSTNAME=smtp.example.org\nPEERTUBE_SMTP_PORT=587\nPEERTUBE_SMTP_USERNAME=peertube\nPEERTUBE_SMTP_PASSWORD=secret\nPEERTUBE_SMTP_TLS=true\nPEERTUBE_SMTP_DISABLE_STARTTLS=false\n",
        expect![[r#"
            2:20 error MP003 port 587 expects a plaintext greeting and STARTTLS, but PEERTUBE_SMTP_TLS=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | PEERTUBE_SMTP_PORT=465
        "#]],
    );
    check(
        ".env",
        "PEERTUBE_SMTP_HOSTNAME=smtp.example.org\nPEERTUBE_SMTP_PORT=465\nPEERTUBE_SMTP_USERNAME=peertube\nPEERTUBE_SMTP_PASSWORD=secret\nPEERTUBE_SMTP_TLS=true\nPEERTUBE_SMTP_DISABLE_STARTTLS=false\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Authelia: the `address` scheme decides (`submissions://` implicit, `smtp://` STARTTLS, required
/// unless `disable_require_tls`); the legacy `host`/`port` pick the scheme by port.
#[test]
fn authelia_notifier() {
    check(
        "configuration.yml",
        r#"notifier:
  disable_startup_check: false
  smtp:
    address: 'smtp://smtp.example.com:465'
    username: 'authelia'
    password: 'secret'
    sender: "Authelia <admin@example.com>"
"#,
        expect![[r#"
            4:39 error MP003 port 465 starts with TLS (implicit TLS), but the smtp:// scheme means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (submissions://)
                |     address: 'submissions://smtp.example.com:465'
              fix: Use port 587 (STARTTLS)
                |     address: 'smtp://smtp.example.com:587'
        "#]],
    );
    check(
        "configuration.yml",
        "notifier:\n  smtp:\n    address: 'submission://smtp.example.com:587'\n    username: authelia\n    password: secret\n    disable_require_tls: true\n    tls:\n      skip_verify: true\n",
        expect![[r#"
            6:26 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (disable_require_tls=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (submissions://)
                |     address: 'submissions://smtp.example.com:465'
            8:20 warning MP008 certificate checking is switched off (tls.skip_verify=true) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // Correct: submissions on 465, submission on 587 (STARTTLS required by default).
    check(
        "configuration.yml",
        "notifier:\n  smtp:\n    address: 'submissions://smtp.example.com:465'\n    username: authelia\n    password: secret\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "configuration.yml",
        "notifier:\n  smtp:\n    address: 'submission://smtp.example.com:587'\n    username: authelia\n    password: secret\n    disable_require_tls: false\n    disable_starttls: false\n",
        expect![[r#"
            clean
        "#]],
    );
    // Trap: the legacy host/port on 465 is implicit TLS whatever `disable_starttls` says.
    check(
        "configuration.yml",
        "notifier:\n  smtp:\n    host: smtp.example.com\n    port: 465\n    username: authelia\n    password: secret\n    disable_starttls: true\n",
        expect![[r#"
            clean
        "#]],
    );
    // Environment form: STARTTLS required by default on 587 (clean); opportunistic when told.
    check(
        "docker-compose.yml",
        r#"services:
  authelia:
    image: authelia/authelia:4.38
    environment:
      AUTHELIA_NOTIFIER_SMTP_ADDRESS: "submission://smtp.sendgrid.net:587"
      AUTHELIA_NOTIFIER_SMTP_USERNAME: apikey
      AUTHELIA_NOTIFIER_SMTP_PASSWORD: "${SENDGRID_KEY}"
  authelia-legacy:
    image: authelia/authelia:4.37
    environment:
      AUTHELIA_NOTIFIER_SMTP_HOST: "${SMTP_HOST}"
      AUTHELIA_NOTIFIER_SMTP_PORT: 587
      AUTHELIA_NOTIFIER_SMTP_USERNAME: authelia
      AUTHELIA_NOTIFIER_SMTP_PASSWORD: secret
      AUTHELIA_NOTIFIER_SMTP_DISABLE_REQUIRE_TLS: "true"
"#,
        expect![[r#"
            15:52 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (AUTHELIA_NOTIFIER_SMTP_DISABLE_REQUIRE_TLS=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                |       AUTHELIA_NOTIFIER_SMTP_PORT: 465
              fix: Require STARTTLS (AUTHELIA_NOTIFIER_SMTP_DISABLE_REQUIRE_TLS=false)
                |       AUTHELIA_NOTIFIER_SMTP_DISABLE_REQUIRE_TLS: "false"
        "#]],
    );
}

/// Mattermost: `ConnectionSecurity` "" (the default) = plaintext, `TLS` = implicit, `STARTTLS`.
#[test]
fn mattermost_email_settings() {
    check(
        "config.json",
        r#"{
  "ServiceSettings": { "SiteURL": "https://chat.example.com", "ListenAddress": ":8065" },
  "EmailSettings": {
    "EnableSignUpWithEmail": true,
    "SMTPUsername": "mattermost@example.com",
    "SMTPPassword": "secret",
    "EnableSMTPAuth": true,
    "SMTPServer": "smtp.example.com",
    "SMTPPort": "587",
    "ConnectionSecurity": "",
    "SkipServerCertificateVerification": false
  }
}
"#,
        expect![[r#"
            10:28 error MP004 SMTP connection to smtp.example.com without TLS (ConnectionSecurity=): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (ConnectionSecurity=TLS)
                |     "SMTPPort": "465",
                |     "ConnectionSecurity": "TLS",
              fix: Require STARTTLS (ConnectionSecurity=STARTTLS)
                |     "ConnectionSecurity": "STARTTLS",
        "#]],
    );
    check(
        "config.json",
        r#"{"EmailSettings": {"SMTPServer": "smtp.example.com", "SMTPPort": "587", "ConnectionSecurity": "TLS", "EnableSMTPAuth": true, "SMTPUsername": "mm", "SMTPPassword": "secret"}}"#,
        expect![[r#"
            1:67 error MP003 port 587 expects a plaintext greeting and STARTTLS, but ConnectionSecurity=TLS starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | {"EmailSettings": {"SMTPServer": "smtp.example.com", "SMTPPort": "465", "ConnectionSecurity": "TLS", "EnableSMTPAuth": true, "SMTPUsername": "mm", "SMTPPassword": "secret"}}
              fix: Require STARTTLS (ConnectionSecurity=STARTTLS)
                | {"EmailSettings": {"SMTPServer": "smtp.example.com", "SMTPPort": "587", "ConnectionSecurity": "STARTTLS", "EnableSMTPAuth": true, "SMTPUsername": "mm", "SMTPPassword": "secret"}}
        "#]],
    );
    // Correct: STARTTLS on 587.
    check(
        "config.json",
        r#"{"EmailSettings": {"SMTPServer": "smtp.example.com", "SMTPPort": "587", "ConnectionSecurity": "STARTTLS", "EnableSMTPAuth": true, "SMTPUsername": "mm", "SMTPPassword": "secret"}}"#,
        expect![[r#"
            clean
        "#]],
    );
    // Trap: the shipped defaults (a local catcher on 10025, no auth): clean.
    check(
        "config.json",
        r#"{"EmailSettings": {"SMTPUsername": "", "SMTPPassword": "", "SMTPServer": "localhost", "SMTPPort": "10025", "ConnectionSecurity": "", "EnableSMTPAuth": false}}"#,
        expect![[r#"
            clean
        "#]],
    );
    // Environment form: implicit TLS on 587 fails; credentials without EnableSMTPAuth are unused.
    check(
        "docker-compose.yml",
        r#"services:
  mattermost:
    image: mattermost/mattermost-team-edition:9.11
    environment:
      MM_EMAILSETTINGS_SMTPSERVER: smtp.example.com
      MM_EMAILSETTINGS_SMTPPORT: "587"
      MM_EMAILSETTINGS_CONNECTIONSECURITY: TLS
      MM_EMAILSETTINGS_SMTPUSERNAME: mm
      MM_EMAILSETTINGS_SMTPPASSWORD: secret
"#,
        expect![[r#"
            6:35 error MP003 port 587 expects a plaintext greeting and STARTTLS, but MM_EMAILSETTINGS_CONNECTIONSECURITY=TLS starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       MM_EMAILSETTINGS_SMTPPORT: "465"
              fix: Require STARTTLS (MM_EMAILSETTINGS_CONNECTIONSECURITY=STARTTLS)
                |       MM_EMAILSETTINGS_CONNECTIONSECURITY: STARTTLS
        "#]],
    );
}

/// Home Assistant's smtp notify platform: port 587 and `encryption: starttls` by default.
#[test]
fn home_assistant_smtp_notify() {
    check(
        "configuration.yaml",
        r#"homeassistant:
  name: Home
notify:
  - name: "mail"
    platform: smtp
    server: "smtp.example.com"
    port: 465
    timeout: 15
    sender: "ha@example.com"
    username: "ha@example.com"
    password: !secret smtp_password
    recipient:
      - "me@example.com"
    sender_name: "Home Assistant"
  - name: "relay"
    platform: smtp
    server: "mail.example.net"
    encryption: none
    sender: "ha@example.net"
    recipient: "me@example.net"
    verify_ssl: false
"#,
        expect![[r#"
            7:11 error MP003 port 465 starts with TLS (implicit TLS), but Home Assistant (smtp notify)'s default means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (encryption=tls)
                |     encryption: tls
              fix: Use port 587 (STARTTLS)
                |     port: 587
            18:17 warning MP004 SMTP connection to mail.example.net without TLS (encryption=none): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (encryption=tls)
                |     encryption: tls
              fix: Use port 587 with STARTTLS (encryption=starttls)
                |     encryption: starttls
                |     port: 587
            21:17 warning MP008 certificate checking is switched off (verify_ssl=false) for mail.example.net: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // Correct: the defaults (STARTTLS on 587), and implicit TLS on 465.
    check(
        "configuration.yaml",
        "notify:\n  - name: mail\n    platform: smtp\n    server: smtp.example.com\n    sender: ha@example.com\n    username: ha@example.com\n    password: secret\n    recipient: me@example.com\n  - name: mail2\n    platform: smtp\n    server: smtp.example.com\n    port: 465\n    encryption: tls\n    sender: ha@example.com\n    username: ha@example.com\n    password: secret\n    recipient: me@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
    // Trap: a secret-held server on 465 with the STARTTLS default still fails.
    check(
        "configuration.yaml",
        "notify:\n  - platform: smtp\n    name: gmail\n    server: !secret smtp_server\n    port: 465\n    sender: !secret smtp_sender\n    recipient: !secret smtp_recipient\n",
        expect![[r#"
            5:11 error MP003 port 465 starts with TLS (implicit TLS), but Home Assistant (smtp notify)'s default means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (encryption=tls)
                |     encryption: tls
              fix: Use port 587 (STARTTLS)
                |     port: 587
        "#]],
    );
}

/// A Home Assistant notify list in a file of its own (`notify: !include_dir_merge_list notify/`):
/// the entries sit at the top level, and `platform: smtp` says whose they are.
#[test]
fn home_assistant_smtp_notify_in_an_included_list() {
    // Correct: the platform's STARTTLS is required (smtplib's `starttls()` raises without it).
    check(
        "notify/smtp.yaml",
        "# notify platforms\n  - name: email\n    platform: smtp\n    server: smtp.gmail.com\n    port: 587\n    encryption: starttls\n    username: !secret smtp_user\n    password: !secret smtp_pwd\n    recipient:\n      - !secret smtp_recipient\n",
        expect![[r#"
            clean
        "#]],
    );
    // Wrong: 465 with the STARTTLS default; another platform's `server`/`port` are not mail.
    check(
        "notify.yaml",
        "- name: mail\n  platform: smtp\n  server: smtp.example.com\n  port: 465\n  sender: ha@example.com\n  recipient: me@example.com\n- name: push\n  platform: gotify\n  server: http://gotify.local\n  port: 80\n  username: ha\n  password: secret\n",
        expect![[r#"
            4:9 error MP003 port 465 starts with TLS (implicit TLS), but Home Assistant (smtp notify)'s default means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (encryption=tls)
                |   encryption: tls
              fix: Use port 587 (STARTTLS)
                |   port: 587
        "#]],
    );
}

/// Airflow `[smtp]`: `smtp_starttls` defaults to True, so `smtp_ssl = True` alone calls STARTTLS on
/// a TLS connection.
#[test]
fn airflow_smtp_section() {
    check(
        "airflow.cfg",
        r#"[core]
executor = LocalExecutor

[smtp]
smtp_host = smtp.example.com
smtp_ssl = True
smtp_user = airflow@example.com
smtp_password = secret
smtp_port = 465
smtp_mail_from = airflow@example.com
"#,
        expect![[r#"
            6:12 error MP010 smtp_ssl=True, with the default of the other TLS setting, asks for two TLS modes at once (implicit TLS and STARTTLS); Apache Airflow refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use implicit TLS (smtp_starttls=False)
                | smtp_starttls = False
              fix: Use port 587 with STARTTLS (smtp_starttls=True, smtp_ssl=False)
                | smtp_ssl = False
                | smtp_port = 587
                | smtp_starttls = True
        "#]],
    );
    check(
        "airflow.cfg",
        "[smtp]\nsmtp_host = smtp.example.com\nsmtp_starttls = True\nsmtp_ssl = False\nsmtp_port = 465\nsmtp_user = airflow\nsmtp_password = secret\nsmtp_mail_from = airflow@example.com\n",
        expect![[r#"
            5:13 error MP003 port 465 starts with TLS (implicit TLS), but smtp_starttls=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (smtp_ssl=True, smtp_starttls=False)
                | smtp_starttls = False
                | smtp_ssl = True
              fix: Use port 587 (STARTTLS)
                | smtp_port = 587
        "#]],
    );
    // Trap: the shipped defaults (localhost:25 with STARTTLS) and a correct 587: clean.
    check(
        "airflow.cfg",
        "[smtp]\nsmtp_host = localhost\nsmtp_starttls = True\nsmtp_ssl = False\nsmtp_port = 25\nsmtp_mail_from = airflow@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "airflow.cfg",
        "[smtp]\nsmtp_host = smtp.example.com\nsmtp_port = 587\nsmtp_user = airflow\nsmtp_password = secret\nsmtp_mail_from = airflow@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
    // Environment form.
    check(
        "docker-compose.yml",
        r#"x-airflow-common:
  environment:
    AIRFLOW__SMTP__SMTP_HOST: smtp.example.com
    AIRFLOW__SMTP__SMTP_PORT: 587
    AIRFLOW__SMTP__SMTP_STARTTLS: "False"
    AIRFLOW__SMTP__SMTP_SSL: "False"
    AIRFLOW__SMTP__SMTP_USER: airflow
    AIRFLOW__SMTP__SMTP_PASSWORD: secret
"#,
        expect![[r#"
            5:36 error MP004 SMTP connection to smtp.example.com without TLS (AIRFLOW__SMTP__SMTP_STARTTLS=False): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (AIRFLOW__SMTP__SMTP_SSL=True)
                |     AIRFLOW__SMTP__SMTP_PORT: 465
                |     AIRFLOW__SMTP__SMTP_SSL: "True"
              fix: Require STARTTLS (AIRFLOW__SMTP__SMTP_STARTTLS=True)
                |     AIRFLOW__SMTP__SMTP_STARTTLS: "True"
        "#]],
    );
}

/// Superset's `superset_config.py`: the smtplib sequence of Airflow (STARTTLS on by default).
#[test]
fn superset_config() {
    check(
        "superset_config.py",
        "EMAIL_NOTIFICATIONS = True\nSMTP_HOST = \"smtp.example.com\"\nSMTP_STARTTLS = True\nSMTP_SSL = False\nSMTP_USER = \"superset\"\nSMTP_PORT = 465\nSMTP_PASSWORD = \"secret\"\nSMTP_MAIL_FROM = \"superset@example.com\"\n",
        expect![[r#"
            6:13 error MP003 port 465 starts with TLS (implicit TLS), but SMTP_STARTTLS=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (SMTP_SSL=True, SMTP_STARTTLS=False)
                | SMTP_STARTTLS = False
                | SMTP_SSL = True
              fix: Use port 587 (STARTTLS)
                | SMTP_PORT = 587
        "#]],
    );
    // Correct: STARTTLS on 587 with the certificate checked.
    check(
        "superset_config.py",
        "SMTP_HOST = \"smtp.example.com\"\nSMTP_STARTTLS = True\nSMTP_SSL = False\nSMTP_USER = \"superset\"\nSMTP_PORT = 587\nSMTP_PASSWORD = \"secret\"\nSMTP_MAIL_FROM = \"superset@example.com\"\nSMTP_SSL_SERVER_AUTH = True\n",
        expect![[r#"
            clean
        "#]],
    );
    // Trap: everything from the environment, with literal defaults for localhost.
    check(
        "superset_config.py",
        "import os\nSMTP_HOST = os.environ.get(\"SMTP_HOST\", \"localhost\")\nSMTP_STARTTLS = True\nSMTP_SSL = False\nSMTP_USER = os.environ.get(\"SMTP_USER\", \"\")\nSMTP_PORT = os.environ.get(\"SMTP_PORT\", 25)\nSMTP_PASSWORD = os.environ.get(\"SMTP_PASSWORD\", \"\")\nSMTP_MAIL_FROM = os.environ.get(\"SMTP_MAIL_FROM\", \"superset@superset.com\")\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Redash (Flask-Mail) and Paperless-ngx (Django): USE_TLS = STARTTLS, USE_SSL = implicit TLS.
#[test]
fn redash_and_paperless_environment() {
    check(
        ".env",
        "REDASH_HOST=https://redash.example.com\nREDASH_MAIL_SERVER=smtp.example.com\nREDASH_MAIL_PORT=465\nREDASH_MAIL_USE_TLS=true\nREDASH_MAIL_USERNAME=redash\nREDASH_MAIL_PASSWORD=secret\nREDASH_MAIL_DEFAULT_SENDER=redash@example.com\n",
        expect![[r#"
            3:18 error MP003 port 465 starts with TLS (implicit TLS), but REDASH_MAIL_USE_TLS=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (MAIL_USE_SSL=true, REDASH_MAIL_USE_TLS=false)
                | REDASH_MAIL_USE_TLS=false
                | REDASH_MAIL_USE_SSL=true
              fix: Use port 587 (STARTTLS)
                | REDASH_MAIL_PORT=587
        "#]],
    );
    check(
        ".env",
        "REDASH_MAIL_SERVER=smtp.example.com\nREDASH_MAIL_PORT=465\nREDASH_MAIL_USE_TLS=false\nREDASH_MAIL_USE_SSL=true\nREDASH_MAIL_USERNAME=redash\nREDASH_MAIL_PASSWORD=secret\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "docker-compose.yml",
        r#"services:
  webserver:
    image: ghcr.io/paperless-ngx/paperless-ngx:latest
    environment:
      PAPERLESS_EMAIL_HOST: smtp.example.com
      PAPERLESS_EMAIL_PORT: 587
      PAPERLESS_EMAIL_HOST_USER: paperless@example.com
      PAPERLESS_EMAIL_HOST_PASSWORD: secret
      PAPERLESS_EMAIL_USE_TLS: "true"
      PAPERLESS_EMAIL_USE_SSL: "true"
"#,
        expect![[r#"
            10:33 error MP010 PAPERLESS_EMAIL_USE_SSL=true and PAPERLESS_EMAIL_USE_TLS=true ask for two TLS modes at once (implicit TLS and STARTTLS); Paperless-ngx refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use port 465 with implicit TLS (PAPERLESS_EMAIL_USE_TLS=false)
                |       PAPERLESS_EMAIL_PORT: 465
                |       PAPERLESS_EMAIL_USE_TLS: "false"
              fix: Require STARTTLS (PAPERLESS_EMAIL_USE_SSL=false)
                |       PAPERLESS_EMAIL_USE_SSL: "false"
        "#]],
    );
    // Trap: a relay on the host, no credentials, no TLS variable written: clean.
    check(
        ".env",
        "PAPERLESS_EMAIL_HOST=host.docker.internal\nPAPERLESS_EMAIL_PORT=25\nPAPERLESS_EMAIL_FROM=paperless@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Odoo: `smtp_ssl = True` in odoo.conf means STARTTLS; implicit TLS cannot be said there.
#[test]
fn odoo_conf() {
    check(
        "odoo.conf",
        r#"[options]
addons_path = /mnt/extra-addons
admin_passwd = $pbkdf2-sha512$25000$secret
db_host = db
db_port = 5432
smtp_server = smtp.example.com
smtp_port = 465
smtp_ssl = True
smtp_user = odoo@example.com
smtp_password = secret
"#,
        expect![[r#"
            7:13 error MP003 port 465 starts with TLS (implicit TLS), but smtp_ssl=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use port 587 (STARTTLS)
                | smtp_port = 587
        "#]],
    );
    check(
        "odoo.conf",
        "[options]\ndb_host = db\nsmtp_server = mail.example.com\nsmtp_port = 587\nsmtp_ssl = False\nsmtp_user = odoo@example.com\nsmtp_password = secret\n",
        expect![[r#"
            5:12 error MP004 SMTP connection to mail.example.com without TLS (smtp_ssl=False): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Require STARTTLS (smtp_ssl=True)
                | smtp_ssl = True
        "#]],
    );
    // Trap: the defaults (localhost:25, no TLS, no credentials), and STARTTLS on 587: clean.
    check(
        "odoo.conf",
        "[options]\naddons_path = /mnt/extra-addons\nsmtp_server = localhost\nsmtp_port = 25\nsmtp_ssl = False\nsmtp_user = False\nsmtp_password = False\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "odoo.conf",
        "[options]\nsmtp_server = smtp.example.com\nsmtp_port = 587\nsmtp_ssl = True\nsmtp_user = odoo@example.com\nsmtp_password = secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Discourse (Rails): STARTTLS only if offered by default, `DISCOURSE_SMTP_FORCE_TLS` = implicit.
#[test]
fn discourse_app_yml() {
    check(
        "app.yml",
        r#"templates:
  - "templates/postgres.template.yml"
env:
  LANG: en_US.UTF-8
  DISCOURSE_HOSTNAME: discourse.example.com
  DISCOURSE_DEVELOPER_EMAILS: 'me@example.com'
  DISCOURSE_SMTP_ADDRESS: smtp.example.com
  DISCOURSE_SMTP_PORT: 587
  DISCOURSE_SMTP_USER_NAME: discourse@example.com
  DISCOURSE_SMTP_PASSWORD: "secret"
"#,
        expect![[r#"
            8:24 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Discourse's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_FORCE_TLS=true)
                |   DISCOURSE_SMTP_PORT: 465
                |   DISCOURSE_SMTP_FORCE_TLS: "true"
        "#]],
    );
    // Correct: implicit TLS on 465.
    check(
        "app.yml",
        "env:\n  DISCOURSE_SMTP_ADDRESS: smtp.example.com\n  DISCOURSE_SMTP_PORT: 465\n  DISCOURSE_SMTP_USER_NAME: discourse\n  DISCOURSE_SMTP_PASSWORD: secret\n  DISCOURSE_SMTP_FORCE_TLS: true\n  DISCOURSE_SMTP_ENABLE_START_TLS: false\n",
        expect![[r#"
            clean
        "#]],
    );
    // Trap: the sample's placeholders, without credentials: a relay, clean.
    check(
        "app.yml",
        "env:\n  DISCOURSE_SMTP_ADDRESS: smtp.example.com         # required\n  DISCOURSE_SMTP_PORT: 587\n  #DISCOURSE_SMTP_USER_NAME: user@example.com\n  #DISCOURSE_SMTP_PASSWORD: pa$$word\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// n8n: `N8N_SMTP_SSL` defaults to true (implicit TLS, port 465).
#[test]
fn n8n_environment() {
    check(
        ".env",
        "N8N_EMAIL_MODE=smtp\nN8N_SMTP_HOST=smtp.example.com\nN8N_SMTP_PORT=587\nN8N_SMTP_USER=n8n@example.com\nN8N_SMTP_PASS=secret\nN8N_SMTP_SENDER=n8n@example.com\n",
        expect![[r#"
            3:15 error MP003 port 587 expects a plaintext greeting and STARTTLS, but n8n's default starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | N8N_SMTP_PORT=465
        "#]],
    );
    check(
        ".env",
        "N8N_EMAIL_MODE=smtp\nN8N_SMTP_HOST=smtp.example.com\nN8N_SMTP_PORT=587\nN8N_SMTP_USER=n8n@example.com\nN8N_SMTP_PASS=secret\nN8N_SMTP_SSL=false\n",
        expect![[r#"
            6:14 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (N8N_SMTP_SSL=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (N8N_SMTP_SSL=true)
                | N8N_SMTP_PORT=465
                | N8N_SMTP_SSL=true
        "#]],
    );
    // Trap: the defaults are right for 465.
    check(
        ".env",
        "N8N_EMAIL_MODE=smtp\nN8N_SMTP_HOST=smtp.example.com\nN8N_SMTP_USER=n8n@example.com\nN8N_SMTP_PASS=secret\nN8N_SMTP_SENDER=n8n@example.com\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Penpot: `PENPOT_SMTP_TLS` = STARTTLS required, `PENPOT_SMTP_SSL` = implicit TLS (it wins).
#[test]
fn penpot_environment() {
    check(
        "docker-compose.yaml",
        r#"services:
  penpot-backend:
    image: "penpotapp/backend:latest"
    environment:
      PENPOT_FLAGS: enable-smtp disable-email-verification
      PENPOT_SMTP_DEFAULT_FROM: no-reply@example.com
      PENPOT_SMTP_HOST: smtp.example.com
      PENPOT_SMTP_PORT: 465
      PENPOT_SMTP_USERNAME: penpot
      PENPOT_SMTP_PASSWORD: secret
      PENPOT_SMTP_TLS: "true"
"#,
        expect![[r#"
            8:25 error MP003 port 465 starts with TLS (implicit TLS), but PENPOT_SMTP_TLS=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (SSL=true, PENPOT_SMTP_TLS=false)
                |       PENPOT_SMTP_TLS: "false"
                |       PENPOT_SMTP_SSL: "true"
              fix: Use port 587 (STARTTLS)
                |       PENPOT_SMTP_PORT: 587
        "#]],
    );
    check(
        ".env",
        "PENPOT_SMTP_HOST=mail.example.com\nPENPOT_SMTP_PORT=587\nPENPOT_SMTP_USERNAME=penpot\nPENPOT_SMTP_PASSWORD=secret\nPENPOT_SMTP_TLS=false\nPENPOT_SMTP_SSL=false\n",
        expect![[r#"
            5:17 error MP004 SMTP connection to mail.example.com without TLS (PENPOT_SMTP_TLS=false with PENPOT_SMTP_SSL=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (PENPOT_SMTP_SSL=true)
                | PENPOT_SMTP_PORT=465
                | PENPOT_SMTP_SSL=true
              fix: Require STARTTLS (PENPOT_SMTP_TLS=true)
                | PENPOT_SMTP_TLS=true
        "#]],
    );
    // Trap: the shipped compose file points at its mail catcher: clean.
    check(
        ".env",
        "PENPOT_SMTP_DEFAULT_FROM=no-reply@example.com\nPENPOT_SMTP_HOST=penpot-mailcatch\nPENPOT_SMTP_PORT=1025\nPENPOT_SMTP_USERNAME=\nPENPOT_SMTP_PASSWORD=\nPENPOT_SMTP_TLS=false\nPENPOT_SMTP_SSL=false\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        ".env",
        "PENPOT_SMTP_HOST=smtp.example.com\nPENPOT_SMTP_PORT=465\nPENPOT_SMTP_USERNAME=penpot\nPENPOT_SMTP_PASSWORD=secret\nPENPOT_SMTP_TLS=true\nPENPOT_SMTP_SSL=true\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Grafana's getStartTLSPolicy sends every value but `NoStartTLS`/`MandatoryStartTLS` to its
/// `default:` branch, opportunistic STARTTLS: a typo is not a policy.
#[test]
fn grafana_unknown_starttls_policy_is_opportunistic() {
    assert_codes(
        &["MP005"],
        "grafana.ini",
        "[smtp]\nenabled = true\nhost = smtp.gmail.com:587\nuser = me@gmail.com\npassword = secret\nstartTLS_policy = RequireStartTLS\n",

    );
    // Stays silent: the real value, and a value set elsewhere.
    assert_codes(
        &[],
        "grafana.ini",
        "[smtp]\nenabled = true\nhost = smtp.gmail.com:587\nuser = me@gmail.com\npassword = secret\nstartTLS_policy = MandatoryStartTLS\n",

    );
    assert_codes(
        &[],
        "grafana.ini",
        "[smtp]\nenabled = true\nhost = smtp.gmail.com:587\nuser = me@gmail.com\npassword = secret\nstartTLS_policy = ${SMTP_POLICY}\n",

    );
}

/// `mailtrap.io` (Laravel 5's default MAIL_HOST) is Mailtrap's sandbox on the Internet, serving
/// only SMTP: a settings array with implicit TLS on its STARTTLS port fails.
#[test]
fn mailtrap_legacy_host_is_the_sandbox() {
    assert_codes(
        &["MP003"],
        "env.example.php",
        "<?php\n$env = [\n    'mail_host' => 'mailtrap.io',\n    'mail_port' => 2525,\n    'mail_encryption' => 'ssl',\n];\n",

    );
    // Stays silent: STARTTLS there, and a bare `mailtrap` compose service (a local catcher).
    assert_codes(
        &[],
        "env.example.php",
        "<?php\n$env = [\n    'mail_host' => 'mailtrap.io',\n    'mail_port' => 2525,\n    'mail_encryption' => 'starttls',\n];\n",

    );
    assert_codes(
        &[],
        "env.example.php",
        "<?php\n$env = [\n    'smtp_host' => 'mailtrap',\n    'smtp_port' => 1025,\n    'smtp_encryption' => 'none',\n    'smtp_password' => 'x',\n];\n",

    );
}

/// The rule codes `mailport check` reports on one document, in order.
#[test]
fn spring_follows_jakarta_mail_defaults() {
    // Jakarta Mail never starts TLS unless told (`starttls.enable`, `ssl.enable` default false),
    // and its SMTP transport's default port is 25: `protocol=smtp` (the default) changes nothing.
    let base =
        "spring.mail.host=smtp.example.com\nspring.mail.username=me\nspring.mail.password=secret\n";
    let on_587 = format!("{base}spring.mail.port=587\n");
    assert_codes(&["MP004"], "application.properties", &on_587);
    assert_codes(
        &["MP004"],
        "application-prod.properties",
        &format!("{on_587}spring.mail.protocol=smtp\n"),
    );
    assert_codes(&["MP004", "MP006"], "application.properties", base);
    let off = format!("{on_587}spring.mail.properties.mail.smtp.starttls.enable=false\n");
    assert_codes(&["MP004"], "application.properties", &off);
    // Stays silent: STARTTLS required; implicit TLS on its default port 465.
    let required = format!(
        "{on_587}spring.mail.properties.mail.smtp.starttls.enable=true\nspring.mail.properties.mail.smtp.starttls.required=true\n"
    );
    assert_codes(&[], "application.properties", &required);
    let implicit = format!("{base}spring.mail.properties.mail.smtp.ssl.enable=true\n");
    assert_codes(&[], "application.properties", &implicit);
}

#[test]
fn javamail_properties_without_a_host_are_checked() {
    // The host is set in code; the session properties still decide the mode (MP005).
    let text = "mail.smtp.auth=true\nmail.smtp.starttls.enable=true\nmail.smtp.quitwait=false\n";
    assert_codes(&["MP005"], "javamail.properties", text);
    // Stays silent: STARTTLS required.
    let required = format!("{text}mail.smtp.starttls.required=true\n");
    assert_codes(&[], "javamail.properties", &required);
}

#[test]
fn javamail_properties_follow_jakarta_mail_defaults() {
    // As in Spring: no TLS unless a key asks for it, port 25 without one.
    let base = "mail.smtp.host=smtp.example.com\nmail.smtp.auth=true\n";
    assert_codes(&["MP004", "MP006"], "mail.properties", base);
    assert_codes(
        &["MP004"],
        "mail.properties",
        &format!("{base}mail.smtp.port=587\n"),
    );
    // SSL first and STARTTLS skipped on it ("STARTTLS requested but already using SSL"): implicit
    // TLS, on its default port 465, whichever SSL key asks for it.
    for ssl in [
        "mail.smtp.ssl.enable=true",
        "mail.smtp.socketFactory.class=javax.net.ssl.SSLSocketFactory",
        "mail.smtp.socketFactory.class=com.sun.mail.util.MailSSLSocketFactory",
    ] {
        let both = format!("{base}{ssl}\nmail.smtp.starttls.enable=true\n");
        assert_codes(&[], "mail.properties", &both);
        assert_codes(
            &["MP003"],
            "mail.properties",
            &format!("{both}mail.smtp.port=587\n"),
        );
    }
    // Stays silent: STARTTLS required on 587; a loopback relay.
    let required = "mail.smtp.host=smtp.example.com\nmail.smtp.port=587\nmail.smtp.auth=true\nmail.smtp.starttls.enable=true\nmail.smtp.starttls.required=true\n";
    assert_codes(&[], "mail.properties", required);
    assert_codes(
        &[],
        "mail.properties",
        "mail.smtp.host=localhost\nmail.smtp.port=25\n",
    );
}

fn assert_codes(want: &[&str], name: &str, text: &str) {
    let analysis = mailport::analysis::analyze_file(name, text, &Config::default())
        .unwrap_or_else(|| panic!("{name}: not a format mailport reads"));
    let got: Vec<String> = analysis
        .findings
        .iter()
        .map(|f| format!("{:?}", f.code).to_uppercase())
        .collect();
    assert_eq!(got, want, "{name}:\n{text}");
}

/// Mastodon reads SMTP_* from its environment only: WordPress constants of the same names are
/// someone else's (PHPMailer's `SMTP_SECURE 'tls'` here), not Mastodon's defaults.
#[test]
fn smtp_constants_in_php_are_not_mastodon() {
    check(
        "wp-config.php",
        "<?php\ndefine( 'SMTP_username', 'me@gmail.com' );\ndefine( 'SMTP_password', 'app-password' );\ndefine( 'SMTP_server', 'smtp.gmail.com' );\ndefine( 'SMTP_PORT', '587' );\ndefine( 'SMTP_SECURE', 'tls' );\ndefine( 'SMTP_AUTH', true );\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Jenkins saves its Mailer settings as `hudson.tasks.Mailer.xml`: neither `useSsl` nor `useTls`
/// is plaintext (MP003 on 465, where the server starts with TLS), `useSsl` on 465 and `useTls`
/// on 587 are right.
#[test]
fn jenkins_mailer_xml() {
    check(
        "hudson.tasks.Mailer.xml",
        r#"<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@472.vf7c289a_4b_420">
  <hudsonUrl>https://ci.example.com/</hudsonUrl>
  <smtpHost>smtp.example.com</smtpHost>
  <useSsl>false</useSsl>
  <useTls>false</useTls>
  <smtpPort>465</smtpPort>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
"#,
        expect![[r#"
            7:13 error MP003 port 465 starts with TLS (implicit TLS), but Jenkins Mailer's default means no TLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (useSsl=true)
                |   <useSsl>true</useSsl>
              fix: Use port 587 with STARTTLS (useTls=true)
                |   <useTls>true</useTls>
                |   <smtpPort>587</smtpPort>
        "#]],
    );
    check(
        "hudson.tasks.Mailer.xml",
        r#"<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@472.vf7c289a_4b_420">
  <smtpHost>smtp.gmail.com</smtpHost>
  <authentication>
    <username>ci@example.com</username>
    <password>{AQAAABAAAAAQ}</password>
  </authentication>
  <useSsl>true</useSsl>
  <useTls>false</useTls>
  <smtpPort>465</smtpPort>
</hudson.tasks.Mailer_-DescriptorImpl>
"#,
        expect![[r#"
            clean
        "#]],
    );
    // Both switches: the socket is SSL from the start and Jakarta Mail skips STARTTLS on it, so
    // it is implicit TLS (no MP010): fine on 465, the "Unrecognized SSL message" failure on 587.
    let both = r#"<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@472.vf7c289a_4b_420">
  <smtpHost>smtp.gmail.com</smtpHost>
  <useSsl>true</useSsl>
  <useTls>true</useTls>
  <smtpPort>465</smtpPort>
</hudson.tasks.Mailer_-DescriptorImpl>
"#;
    check(
        "hudson.tasks.Mailer.xml",
        both,
        expect![[r#"
            clean
        "#]],
    );
    check(
        "hudson.tasks.Mailer.xml",
        &both.replace("465", "587"),
        expect![[r#"
            6:13 error MP003 port 587 expects a plaintext greeting and STARTTLS, but useSsl=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |   <smtpPort>465</smtpPort>
              fix: Require STARTTLS (useSsl=false)
                |   <useSsl>false</useSsl>
        "#]],
    );
}

/// Lemmy's `email` block: `tls_type` `none` (its default) is plaintext, `starttls` on 587 is
/// right.
#[test]
fn lemmy_hjson_email() {
    check(
        "lemmy.hjson",
        r#"{
  hostname: lemmy.example.org
  email: {
    smtp_server: "smtp.example.org:587"
    smtp_login: "lemmy@example.org"
    smtp_password: "secret"
    smtp_from_address: "noreply@lemmy.example.org"
    tls_type: "none"
  }
}
"#,
        expect![[r#"
            8:16 error MP004 SMTP connection to smtp.example.org without TLS (tls_type=none): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (tls_type=tls)
                |     smtp_server: "smtp.example.org:465"
                |     tls_type: "tls"
              fix: Require STARTTLS (tls_type=starttls)
                |     tls_type: "starttls"
        "#]],
    );
    check(
        "lemmy.hjson",
        r#"{
  email: {
    smtp_server: "smtp.example.org:587"
    smtp_login: "lemmy@example.org"
    tls_type: starttls
  }
}
"#,
        expect![[r#"
            clean
        "#]],
    );
    // A deploy template whose values are the names a script fills in (`sed s/SMTP_HOST/…/`):
    // placeholders, not a host called `SMTP_HOST:SMTP_PORT` nor a mode Lemmy does not know.
    check(
        "lemmy.hjson",
        r#"{
  email: {
    smtp_server: "SMTP_HOST:SMTP_PORT"
    smtp_login: "SMTP_LOGIN"
    smtp_password: "SMTP_PASSWORD"
    tls_type: "SMTP_AUTH_STRATEGY"
  }
}
"#,
        expect![[r#"
            clean
        "#]],
    );
    // The same template with a literal mode still says what it says.
    check(
        "lemmy.hjson",
        "{\n  email: {\n    smtp_server: \"SMTP_HOST:25\"\n    smtp_login: \"SMTP_LOGIN\"\n    smtp_password: \"SMTP_PASSWORD\"\n    tls_type: \"none\"\n  }\n}\n",
        expect![[r#"
            3:29 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (tls_type=tls)
                |     smtp_server: "SMTP_HOST:465"
                |     tls_type: "tls"
              fix: Use port 587 with STARTTLS (tls_type=starttls)
                |     smtp_server: "SMTP_HOST:587"
                |     tls_type: "starttls"
            6:16 error MP004 SMTP connection to SMTP_HOST without TLS (tls_type=none): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (tls_type=tls)
                |     smtp_server: "SMTP_HOST:465"
                |     tls_type: "tls"
              fix: Use port 587 with STARTTLS (tls_type=starttls)
                |     smtp_server: "SMTP_HOST:587"
                |     tls_type: "starttls"
        "#]],
    );
}

/// Symfony 2–4's SwiftmailerBundle parameters (`app/config/parameters.yml`): no encryption is no
/// TLS at all, on port 25 unless a port is given; `tls` is STARTTLS, `ssl` implicit TLS; only the
/// `smtp` transport connects (`gmail` brings its own TLS, `sendmail` none). A fix changes
/// `mailer_encryption` where it is written, never adds it: config.yml may not pass it on.
#[test]
fn swiftmailer_parameters() {
    check(
        "parameters.yml",
        "parameters:\n    database_host: 127.0.0.1\n    mailer_transport: smtp\n    mailer_host: smtp.example.org\n    mailer_user: null\n    mailer_password: null\n    secret: ThisTokenIsNotSoSecretChangeIt\n",
        expect![[r#"
            4:18 warning MP004 SMTP connection to smtp.example.org without TLS (Symfony SwiftmailerBundle (parameters.yml)'s default): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        "#]],
    );
    check(
        "parameters.yml",
        "parameters:\n    mailer_transport: smtp\n    mailer_host: smtp.example.org\n    mailer_port: 465\n    mailer_encryption: tls\n    mailer_user: app@example.org\n    mailer_password: secret\n",
        expect![[r#"
            4:18 error MP003 port 465 starts with TLS (implicit TLS), but mailer_encryption=tls means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (mailer_encryption=ssl)
                |     mailer_encryption: ssl
              fix: Use port 587 (STARTTLS)
                |     mailer_port: 587
        "#]],
    );
    for silent in [
        "parameters:\n    mailer_transport: smtp\n    mailer_host: smtp.example.org\n    mailer_port: 587\n    mailer_encryption: tls\n    mailer_user: app\n    mailer_password: secret\n",
        "parameters:\n    mailer_transport: gmail\n    mailer_host: 127.0.0.1\n    mailer_user: me@gmail.com\n    mailer_password: secret\n",
        "parameters:\n    mailer_transport: sendmail\n    mailer_host: mail.example.org\n",
        "parameters:\n    mailer_transport: smtp\n    mailer_host: 127.0.0.1\n    mailer_user: null\n    mailer_password: null\n",
        "parameters:\n    mailer_transport: '%env(MAILER_TRANSPORT)%'\n    mailer_host: smtp.example.org\n    mailer_encryption: '%env(MAILER_ENCRYPTION)%'\n",
    ] {
        check(
            "parameters.yml",
            silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}
