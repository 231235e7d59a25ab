//! Rules over YAML, JSON and TOML files: where each fires and where it must stay silent.

mod support;

use expect_test::{expect, Expect};
use mailport::config::Config;

fn check(name: &str, text: &str, expect: Expect) {
    expect.assert_eq(&support::render(name, text, &Config::default()));
}

#[test]
fn generic_yaml_blocks_and_flow_mappings() {
    check(
        "config.yaml",
        r#"mail:
  smtp:
    host: smtp.example.com
    port: 587
    secure: true
  imap: {host: imap.example.com, port: 993, tls: true}
services:
  billing:
    image: registry.example.com/billing:1.2
    database:
      host: db.internal
      port: 5432
    notifications:
      smtp: {host: smtp.example.com, port: 465, secure: false}
      pop3: {host: pop.example.com, port: 143}
"#,
        expect![[r#"
            4:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but secure=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     port: 465
            15:43 error MP002 port 143 is the IMAP port (imap), but this is a POP3 connection: it will reach the wrong service. POP3 uses 995 (implicit TLS) or 110 (STARTTLS).
              fix*: Use port 995 (implicit TLS)
                |       pop3: {host: pop.example.com, port: 995}
              fix: Use port 110 (STARTTLS)
                |       pop3: {host: pop.example.com, port: 110}
        "#]],
    );
}

#[test]
fn compose_environment_map_and_list() {
    check(
        "docker-compose.yml",
        r#"services:
  gitea:
    image: gitea/gitea:1.22
    environment:
      - USER_UID=1000
      - GITEA__mailer__ENABLED=true
      - GITEA__mailer__PROTOCOL=smtps
      - GITEA__mailer__SMTP_ADDR=smtp.example.com
      - GITEA__mailer__SMTP_PORT=587
      - GITEA__mailer__USER=gitea@example.com
      - GITEA__mailer__PASSWD=secret
  grafana:
    image: grafana/grafana:11.0.0
    environment:
      GF_SMTP_ENABLED: "true"
      GF_SMTP_HOST: "smtp.example.com:587"
      GF_SMTP_USER: grafana@example.com
      GF_SMTP_PASSWORD: secret
  web:
    image: example/django-app
    environment:
      EMAIL_HOST: smtp.example.com
      EMAIL_PORT: "587"
      EMAIL_USE_SSL: "True"
  mailpit:
    image: axllent/mailpit
    ports: ["1025:1025", "8025:8025"]
"#,
        expect![[r#"
            9:34 error MP003 port 587 expects a plaintext greeting and STARTTLS, but GITEA__mailer__PROTOCOL=smtps starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       - GITEA__mailer__SMTP_PORT=465
            16:39 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Grafana's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                |       GF_SMTP_HOST: "smtp.example.com:465"
              fix: Require STARTTLS (STARTTLS_POLICY=MandatoryStartTLS)
                |       GF_SMTP_STARTTLS_POLICY: "MandatoryStartTLS"
            23:20 error MP003 port 587 expects a plaintext greeting and STARTTLS, but EMAIL_USE_SSL=True starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       EMAIL_PORT: "465"
              fix: Require STARTTLS (EMAIL_USE_TLS=true, EMAIL_USE_SSL=False)
                |       EMAIL_USE_SSL: "False"
                |       EMAIL_USE_TLS: "True"
        "#]],
    );
}

#[test]
fn alertmanager() {
    check(
        "alertmanager.yml",
        r#"global:
  smtp_smarthost: 'smtp.example.com:587'
  smtp_from: 'alertmanager@example.com'
  smtp_auth_username: 'alertmanager'
  smtp_auth_password: 'secret'
  smtp_require_tls: false
route:
  receiver: ops
receivers:
  - name: ops
    email_configs:
      - to: ops@example.com
        smarthost: 'smtp.example.com:465'
        require_tls: false
      - to: oncall@example.com
        smarthost: 'smtp.gmail.com:587'
        auth_username: 'alerts@example.com'
        auth_password: 'app-password'
"#,
        expect![[r#"
            6:21 error MP004 SMTP connection to smtp.example.com without TLS (smtp_require_tls=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 (implicit TLS)
                |   smtp_smarthost: 'smtp.example.com:465'
              fix: Require STARTTLS (smtp_require_tls=true)
                |   smtp_require_tls: true
            6:21 error MP004 SMTP connection to smtp.gmail.com without TLS (smtp_require_tls=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 (implicit TLS)
                |         smarthost: 'smtp.gmail.com:465'
              fix: Require STARTTLS (require_tls=true)
                |         require_tls: true
        "#]],
    );
}

#[test]
fn alertmanager_receivers_inherit_global() {
    // Each `email_configs` entry takes what it does not set from `global` (smtp_ prefixed):
    // here the smarthost and the credentials, so `require_tls: false` sends them in clear.
    // The entry with its own `require_tls: true` and the one on 465 stay silent.
    check(
        "alertmanager.yml",
        r#"global:
  smtp_smarthost: 'smtp.example.com:587'
  smtp_from: 'alertmanager@example.com'
  smtp_auth_username: 'alertmanager'
  smtp_auth_password: 'secret'
receivers:
  - name: ops
    email_configs:
      - to: ops@example.com
        require_tls: false
  - name: team
    email_configs:
      - to: team@example.com
        require_tls: true
      - to: boss@example.com
        smarthost: 'smtp.example.com:465'
        require_tls: false
  - name: web
    webhook_configs:
      - url: http://localhost:5001/
"#,
        expect![[r#"
            10:22 error MP004 SMTP connection to smtp.example.com without TLS (require_tls=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix: Require STARTTLS (require_tls=true)
        "#]],
    );
}

/// kube-prometheus-stack and the Alertmanager chart take the configuration under
/// `alertmanager.config`: its `global` is still the defaults of the receivers beside it.
#[test]
fn alertmanager_in_chart_values_inherits_global() {
    check(
        "values.yaml",
        r#"alertmanager:
  config:
    global:
      smtp_smarthost: 'smtp.example.com:587'
      smtp_auth_username: 'am'
      smtp_auth_password: 'secret'
    receivers:
      - name: ops
        email_configs:
          - to: ops@example.com
            require_tls: false
      - name: team
        email_configs:
          - to: team@example.com
"#,
        expect![[r#"
            11:26 error MP004 SMTP connection to smtp.example.com without TLS (require_tls=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix: Require STARTTLS (require_tls=true)
                |             require_tls: true
        "#]],
    );
}

#[test]
fn spring_yaml() {
    check(
        "application.yml",
        r#"server:
  port: 8080
spring:
  datasource:
    url: jdbc:postgresql://db:5432/app
  mail:
    host: smtp.example.com
    port: 587
    username: app@example.com
    password: secret
    properties:
      mail.smtp.auth: true
      mail.smtp.ssl.enable: true
"#,
        expect![[r#"
            8:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but properties.mail.smtp.ssl.enable=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     port: 465
              fix: Require STARTTLS (properties.mail.smtp.starttls.enable=true, properties.mail.smtp.starttls.required=true, properties.mail.smtp.ssl.enable=false)
                |     properties.mail.smtp.starttls.enable: true
                |     properties.mail.smtp.starttls.required: true
                |       mail.smtp.ssl.enable: false
        "#]],
    );
    check(
        "application.yml",
        r#"spring:
  mail:
    host: smtp.example.com
    port: 587
    username: app@example.com
    password: secret
    properties:
      mail:
        smtp:
          auth: true
          starttls:
            enable: true
"#,
        expect![[r#"
            12:21 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (properties.mail.smtp.starttls.enable=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (properties.mail.smtp.ssl.enable=true, properties.mail.smtp.starttls.enable=false)
                |     port: 465
                |     properties.mail.smtp.ssl.enable: true
                |             enable: false
              fix: Require STARTTLS (properties.mail.smtp.starttls.required=true)
                |     properties.mail.smtp.starttls.required: true
        "#]],
    );
}

/// Spring's `${NAME:default}` placeholder reads as its literal default (the environment is not
/// the file's to know), and a fix edits the default in place.
#[test]
fn spring_placeholder_defaults() {
    check(
        "application-mail.yml",
        r#"spring:
  mail:
    host: ${MAIL_HOST}
    port: ${MAIL_PORT:587}
    username: ${MAIL_USERNAME}
    password: ${MAIL_PASSWORD}
    properties:
      mail:
        smtp:
          auth: true
          starttls:
            enable: ${MAIL_SMTP_STARTTLS_ENABLE:true}
            required: ${MAIL_SMTP_STARTTLS_REQUIRED:false}
"#,
        expect![[r#"
            12:49 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (properties.mail.smtp.starttls.enable=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (properties.mail.smtp.ssl.enable=true, properties.mail.smtp.starttls.enable=false)
                |     port: ${MAIL_PORT:465}
                |     properties.mail.smtp.ssl.enable: true
                |             enable: ${MAIL_SMTP_STARTTLS_ENABLE:false}
              fix: Require STARTTLS (properties.mail.smtp.starttls.required=true)
                |             required: ${MAIL_SMTP_STARTTLS_REQUIRED:true}
        "#]],
    );
    check(
        "application.properties",
        "spring.mail.host=${MAIL_HOST:smtp.gmail.com}\nspring.mail.port=${MAIL_PORT:587}\nspring.mail.properties.mail.smtp.ssl.enable=${MAIL_SSL:true}\n",
        expect![[r#"
            2:30 error MP003 port 587 expects a plaintext greeting and STARTTLS, but properties.mail.smtp.ssl.enable=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | spring.mail.port=${MAIL_PORT:465}
              fix: Require STARTTLS (properties.mail.smtp.starttls.enable=true, properties.mail.smtp.starttls.required=true, properties.mail.smtp.ssl.enable=false)
                | spring.mail.properties.mail.smtp.starttls.enable=true
                | spring.mail.properties.mail.smtp.starttls.required=true
                | spring.mail.properties.mail.smtp.ssl.enable=${MAIL_SSL:false}
        "#]],
    );
    // Required STARTTLS by the defaults; a default the shell's way, a nested one, an empty one and
    // no default decide nothing.
    for silent in [
        "spring.mail.host=${MAIL_HOST}\nspring.mail.port=${MAIL_PORT:587}\nspring.mail.username=${U}\nspring.mail.password=${P}\nspring.mail.properties.mail.smtp.auth=true\nspring.mail.properties.mail.smtp.starttls.enable=${TLS:true}\nspring.mail.properties.mail.smtp.starttls.required=${TLS_REQUIRED:true}\n",
        "spring.mail.host=smtp.example.com\nspring.mail.port=${MAIL_PORT:-465}\nspring.mail.properties.mail.smtp.starttls.enable=true\n",
        "spring.mail.host=smtp.example.com\nspring.mail.port=${MAIL_PORT:${DEFAULT_PORT}}\nspring.mail.properties.mail.smtp.starttls.enable=true\n",
        "spring.mail.host=smtp.example.com\nspring.mail.port=${MAIL_PORT:}\nspring.mail.properties.mail.smtp.ssl.enable=true\n",
    ] {
        check(
            "application.properties",
            silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

#[test]
fn github_action_send_mail() {
    check(
        ".github/workflows/notify.yml",
        r#"name: notify
on: [push]
jobs:
  mail:
    runs-on: ubuntu-latest
    steps:
      - uses: dawidd6/action-send-mail@v3
        with:
          server_address: smtp.gmail.com
          server_port: 587
          secure: true
          username: ${{ secrets.MAIL_USERNAME }}
          password: ${{ secrets.MAIL_PASSWORD }}
          subject: Build finished
          to: ops@example.com
          from: CI
"#,
        expect![[r#"
            10:24 error MP003 port 587 expects a plaintext greeting and STARTTLS, but secure=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |           server_port: 465
        "#]],
    );
}

#[test]
fn ghost_nodemailer_json() {
    check(
        "config.production.json",
        r#"{
  "url": "https://blog.example.com",
  "server": { "port": 2368, "host": "127.0.0.1" },
  "database": { "client": "mysql", "connection": { "host": "db", "port": 3306 } },
  "mail": {
    "transport": "SMTP",
    "options": {
      "service": "Mailgun",
      "host": "smtp.mailgun.org",
      "port": 587,
      "secure": false,
      "auth": { "user": "postmaster@mg.example.com", "pass": "secret" }
    }
  }
}
"#,
        expect![[r#"
            9:16 hint MP012 host=smtp.mailgun.org has no effect: Nodemailer uses the well-known service's smtp.mailgun.org:465 instead (merged last).
            10:15 hint MP012 port=587 has no effect: Nodemailer uses the well-known service's smtp.mailgun.org:465 instead (merged last).
            11:17 hint MP012 secure=false has no effect: Nodemailer uses the well-known service's smtp.mailgun.org:465 instead (merged last).
        "#]],
    );
    check(
        "config.production.json",
        r#"{
  "mail": {
    "transport": "SMTP",
    "options": {
      "host": "smtp.example.com",
      "port": 465,
      "secure": true,
      "auth": { "user": "u", "pass": "p" },
      "tls": { "rejectUnauthorized": false }
    }
  }
}
"#,
        expect![[r#"
            9:38 warning MP008 certificate checking is switched off (tls.rejectUnauthorized=false) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

#[test]
fn ghost_environment_in_compose() {
    // Ghost reads `mail__options__*` with nconf's `__` separator and hands them to nodemailer:
    // no `secure` on 587 is STARTTLS only if offered. 'Google' is not a nodemailer well-known
    // service (its alias is 'Google Mail'), so the explicit host and port stay.
    check(
        "docker-compose.yml",
        r#"services:
  ghost:
    image: ghost:5-alpine
    restart: always
    environment:
      url: https://blog.example.com
      database__client: mysql
      database__connection__host: db
      database__connection__port: 3306
      mail__transport: SMTP
      mail__options__service: Google
      mail__options__host: smtp.gmail.com
      mail__options__port: 587
      mail__options__auth__user: ${GMAIL_USERNAME}
      mail__options__auth__pass: ${GMAIL_PASSWORD}
      mail__from: "'Blog' <blog@example.com>"
"#,
        expect![[r#"
            13:28 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Ghost (nodemailer, environment)'s default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |       mail__options__port: 465
                |       mail__options__secure: "true"
              fix: Require STARTTLS (secure=false, requireTLS=true)
                |       mail__options__secure: "false"
                |       mail__options__requireTLS: "true"
        "#]],
    );
    // A known service (Mailgun: 465, secure) is merged last, and 465 with `secure: true` is right.
    check(
        "docker-compose.yml",
        r#"services:
  ghost:
    image: ghost:5
    environment:
      - mail__transport=SMTP
      - mail__options__service=Mailgun
      - mail__options__auth__user=postmaster@mg.example.com
      - mail__options__auth__pass=${MAILGUN_PASSWORD}
  blog2:
    image: ghost:5
    environment:
      - mail__transport=SMTP
      - mail__options__host=smtp.example.com
      - mail__options__port=465
      - mail__options__secure=true
      - mail__options__auth__user=blog@example.com
      - mail__options__auth__pass=${SMTP_PASSWORD}
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn nextcloud_image_environment() {
    // The Nextcloud image writes SMTP_SECURE into mail_smtpsecure, and Nextcloud honours only
    // 'ssl': 'tls' on 587 is STARTTLS only if offered, with the LOGIN credentials.
    check(
        "externalsecret.yaml",
        r#"apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: nextcloud
spec:
  target:
    template:
      data:
        MAIL_DOMAIN: example.com
        MAIL_FROM_ADDRESS: no-reply
        POSTGRES_HOST: postgres-rw.databases.svc.cluster.local
        SMTP_AUTHTYPE: LOGIN
        SMTP_HOST: mail.example.com
        SMTP_NAME: "{{ .EMAIL_USER }}"
        SMTP_PASSWORD: "{{ .EMAIL_PASSWORD }}"
        SMTP_PORT: "587"
        SMTP_SECURE: tls
"#,
        expect![[r#"
            17:22 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SMTP_SECURE=tls): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTP_SECURE=ssl)
                |         SMTP_PORT: "465"
                |         SMTP_SECURE: ssl
        "#]],
    );
    // 'ssl' on 465 is implicit TLS: clean. (Another application's SMTP_SECURE=tls, without the
    // image's MAIL_DOMAIN or SMTP_AUTHTYPE, stays ambiguous: silent.)
    check(
        "docker-compose.yml",
        r#"services:
  nextcloud:
    image: nextcloud:29
    environment:
      - "SMTP_HOST=mail.example.com"
      - "SMTP_SECURE=ssl"
      - "SMTP_PORT=465"
      - "SMTP_NAME=admin@example.com"
      - SMTP_PASSWORD
      - "MAIL_FROM_ADDRESS=admin"
      - "MAIL_DOMAIN=example.com"
  other:
    image: example/app
    environment:
      SMTP_HOST: smtp.example.com
      SMTP_PORT: "587"
      SMTP_SECURE: tls
      SMTP_USER: app
      SMTP_PASSWORD: secret
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn keycloak_realm() {
    check(
        "realm-export.json",
        r#"{
  "realm": "example",
  "enabled": true,
  "smtpServer": {
    "host": "smtp.example.com",
    "port": "465",
    "from": "sso@example.com",
    "auth": "true",
    "user": "sso@example.com",
    "password": "secret",
    "ssl": "false",
    "starttls": "true"
  }
}
"#,
        expect![[r#"
            6:14 error MP003 port 465 starts with TLS (implicit TLS), but starttls=true means opportunistic STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (ssl=true, starttls=false)
                |     "ssl": "true",
                |     "starttls": "false"
        "#]],
    );
}

/// Keycloak sets `mail.smtp.port` only when the realm has a port: Jakarta Mail then uses 25, or
/// 465 with `ssl` (its SSL port by default).
#[test]
fn keycloak_realm_without_a_port() {
    check(
        "realm-export.json",
        r#"{
  "realm": "example",
  "smtpServer": {
    "password": "**********",
    "starttls": "true",
    "auth": "true",
    "host": "smtp.example.com",
    "from": "sso@example.com",
    "user": "sso@example.com"
  }
}
"#,
        expect![[r#"
            5:18 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (starttls=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (ssl=true, starttls=false)
                |     "starttls": "false",
                |     "user": "sso@example.com",
                |     "port": 465,
                |     "ssl": "true"
            7:14 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses opportunistic STARTTLS.
              fix*: Use port 465 with implicit TLS (ssl=true, starttls=false)
                |     "starttls": "false",
                |     "user": "sso@example.com",
                |     "port": 465,
                |     "ssl": "true"
        "#]],
    );
    check(
        "realm-export.json",
        r#"{
  "realm": "example",
  "smtpServer": {
    "password": "**********",
    "ssl": "true",
    "auth": "true",
    "host": "smtp.example.com",
    "from": "sso@example.com",
    "user": "sso@example.com"
  }
}
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn himalaya_toml() {
    check(
        "config.toml",
        r#"[accounts.work]
default = true
email = "me@example.com"
imap.server = "imap://imap.example.com:993"
imap.sasl.plain.username = "me@example.com"
smtp.server = "smtps://smtp.example.com:465"
smtp.sasl.plain.username = "me@example.com"
"#,
        expect![[r#"
            4:40 error MP003 port 993 starts with TLS (implicit TLS), but the imap:// scheme means no TLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 993, or port 143 for STARTTLS.
              fix*: Use implicit TLS (imaps://)
                | imap.server = "imaps://imap.example.com:993"
        "#]],
    );
}

#[test]
fn generic_toml_inline_table() {
    check(
        "service.toml",
        r#"[database]
host = "db.internal"
port = 5432

[mail]
smtp = { host = "smtp.example.com", port = 465, secure = false, starttls = true, user = "u", password = "p" }
"#,
        expect![[r#"
            6:44 error MP003 port 465 starts with TLS (implicit TLS), but starttls=true means opportunistic STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (secure=true, starttls=false)
                | smtp = { host = "smtp.example.com", port = 465, secure = true, starttls = false, user = "u", password = "p" }
        "#]],
    );
}

#[test]
fn spring_properties_auth_switch_without_credentials() {
    // `mail.smtp.auth=true` with an empty user name and password sends no credentials.
    check(
        "application.properties",
        "spring.mail.host=smtp.example.com\nspring.mail.port=25\nspring.mail.username=\nspring.mail.password=\nspring.mail.properties.mail.smtp.auth=true\n",
        expect![[r#"
            2:18 warning MP004 SMTP connection to smtp.example.com without TLS (Spring Boot / Jakarta Mail's default): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (properties.mail.smtp.ssl.enable=true)
                | spring.mail.port=465
                | spring.mail.properties.mail.smtp.ssl.enable=true
              fix: Use port 587 with STARTTLS (properties.mail.smtp.starttls.enable=true, properties.mail.smtp.starttls.required=true)
                | spring.mail.port=587
                | spring.mail.properties.mail.smtp.starttls.enable=true
                | spring.mail.properties.mail.smtp.starttls.required=true
        "#]],
    );
    check(
        "application.properties",
        "spring.mail.host=smtp.example.com\nspring.mail.port=25\nspring.mail.username=app@example.com\nspring.mail.password=secret\nspring.mail.properties.mail.smtp.auth=true\nspring.mail.properties.mail.smtp.starttls.enable=true\nspring.mail.properties.mail.smtp.starttls.required=true\n",
        expect![[r#"
            2:18 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (properties.mail.smtp.ssl.enable=true, properties.mail.smtp.starttls.enable=false)
                | spring.mail.port=465
                | spring.mail.properties.mail.smtp.ssl.enable=true
                | spring.mail.properties.mail.smtp.starttls.enable=false
              fix: Use port 587 (STARTTLS)
                | spring.mail.port=587
        "#]],
    );
}

#[test]
fn spring_socket_factory_port_overrides_the_port() {
    // Jakarta Mail connects to socketFactory.port with the SSL socket factory: 465, implicit TLS.
    let text = "spring.mail.host=smtp.gmail.com\nspring.mail.port=25\nspring.mail.username=me@gmail.com\nspring.mail.password=app-password\nspring.mail.properties.mail.smtp.auth=true\nspring.mail.properties.mail.smtp.socketFactory.port = 465\nspring.mail.properties.mail.smtp.socketFactory.class = javax.net.ssl.SSLSocketFactory\n";
    check(
        "application.properties",
        text,
        expect![[r#"
        clean
    "#]],
    );
    let broken = text.replace("= 465", "= 587");
    check(
        "application.properties",
        &broken,
        expect![[r#"
        6:55 error MP003 port 587 expects a plaintext greeting and STARTTLS, but properties.mail.smtp.socketFactory.class=javax.net.ssl.SSLSocketFactory starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
          fix*: Use port 465 (implicit TLS)
            | spring.mail.properties.mail.smtp.socketFactory.port = 465
          fix: Require STARTTLS (properties.mail.smtp.starttls.enable=true, properties.mail.smtp.starttls.required=true, properties.mail.smtp.socketFactory.class=javax.net.SocketFactory)
            | spring.mail.properties.mail.smtp.starttls.enable=true
            | spring.mail.properties.mail.smtp.starttls.required=true
            | spring.mail.properties.mail.smtp.socketFactory.class = javax.net.SocketFactory
    "#]],
    );
}

/// himalaya's generations: flat `smtp-*`/`imap-*` keys before 1.0 (implicit TLS unless
/// `*-starttls = true`), and v1's `message.send.backend` (SMTP, not IMAP).
#[test]
fn himalaya_generations() {
    check(
        "config.toml",
        "[work]\nemail = \"me@example.org\"\nimap-host = \"imap.example.org\"\nimap-port = 993\nimap-login = \"me\"\nimap-passwd-cmd = \"pass mail\"\nsmtp-host = \"smtp.example.org\"\nsmtp-port = 465\nsmtp-starttls = true\nsmtp-login = \"me\"\nsmtp-passwd-cmd = \"pass mail\"\n",
        expect![[r#"
            8:13 error MP003 port 465 starts with TLS (implicit TLS), but smtp-starttls=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (smtp-starttls=false)
                | smtp-starttls = false
              fix: Use port 587 (STARTTLS)
                | smtp-port = 587
        "#]],
    );
    check(
        "config.toml",
        "[icloud]\nsmtp-host = \"smtp.mail.me.com\"\nsmtp-port = 587\nsmtp-starttls = true\nsmtp-login = \"me@icloud.com\"\nimap-host = \"imap.mail.me.com\"\nimap-port = 993\nimap-login = \"me@icloud.com\"\n",
        expect![[r#"
            clean
        "#]],
    );
    // A fix changes the generation's own `smtp-starttls` (not a second key beside it) and writes
    // TOML booleans as the file does.
    check(
        "config.toml",
        "[live]\nsmtp-host = \"smtp-mail.outlook.com\"\nsmtp-port = 465\nsmtp-login = \"me@live.com\"\nsmtp-ssl = true\nsmtp-starttls = false\n\n[other]\nsmtp-host = \"smtp-mail.outlook.com\"\nsmtp-port = 465\nsmtp-login = \"me@live.com\"\nsmtp-ssl = true\n",
        expect![[r#"
            3:13 error MP007 Outlook.com / Hotmail (Microsoft consumer) does not offer SMTP on smtp-mail.outlook.com:465: it documents only 587 (STARTTLS).
              fix*: Use port 587 with STARTTLS (smtp-starttls=true)
                | smtp-port = 587
                | smtp-starttls = true
            10:13 error MP007 Outlook.com / Hotmail (Microsoft consumer) does not offer SMTP on smtp-mail.outlook.com:465: it documents only 587 (STARTTLS).
              fix*: Use port 587 with STARTTLS (starttls=true)
                | smtp-port = 587
                | smtp-starttls = true
        "#]],
    );
    check(
        "config.toml",
        "[accounts.mail]\ndefault = true\nbackend.type = \"imap\"\nbackend.host = \"imap.gmail.com\"\nbackend.port = 993\nbackend.encryption.type = \"tls\"\nbackend.login = \"me@gmail.com\"\nmessage.send.backend.type = \"smtp\"\nmessage.send.backend.host = \"smtp.gmail.com\"\nmessage.send.backend.port = 587\nmessage.send.backend.encryption.type = \"start-tls\"\nmessage.send.backend.login = \"me@gmail.com\"\n",
        expect![[r#"
            clean
        "#]],
    );
    // Not himalaya: a `[database]` table with bare `host`/`port` keys.
    check(
        "config.toml",
        "[database]\nhost = \"db.example.org\"\nport = 5432\n[server]\nsmtp-port = 2526\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// A blank port is not set (the application's default applies), not an invalid one.
#[test]
fn blank_port_is_unset() {
    check(
        "realm.json",
        r#"{ "realm": "demo", "smtpServer": { "host": "smtp.example.com", "port": "", "ssl": "true", "auth": "true", "user": "u", "password": "p" } }
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// Gitea without PROTOCOL infers it from the port: 25 plaintext, 587 STARTTLS, others smtps.
#[test]
fn gitea_infers_the_protocol_from_the_port() {
    check(
        "app.ini",
        "[mailer]\nENABLED = true\nHOST = 192.168.100.2:25\nUSER = gitea@example.com\nPASSWD = secret\n",
        expect![[r#"
            3:22 error MP004 SMTP connection to 192.168.100.2 without TLS (Gitea / Forgejo on port 25): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (PROTOCOL=smtps)
                | HOST = 192.168.100.2:465
                | PROTOCOL = smtps
            3:22 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (PROTOCOL=smtps)
                | HOST = 192.168.100.2:465
                | PROTOCOL = smtps
        "#]],
    );
    check(
        "app.ini",
        "[mailer]\nENABLED = true\nSMTP_ADDR = smtp.example.com\nSMTP_PORT = 587\nUSER = gitea@example.com\nPASSWD = secret\n",
        expect![[r#"
            4:13 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Gitea / Forgejo on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (PROTOCOL=smtps)
                | SMTP_PORT = 465
                | PROTOCOL = smtps
        "#]],
    );
}

#[test]
fn nextcloud_helm_chart_values() {
    // `secure: tls` on 587 with the chart's name/password: STARTTLS only if offered.
    check(
        "values.yaml",
        r#"image:
  repository: nextcloud
ingress:
  enabled: true
nextcloud:
  host: cloud.example.com
  mail:
    enabled: true
    fromAddress: cloud
    domain: example.com
    smtp:
      host: smtp.example.com
      secure: tls
      port: 587
      authtype: LOGIN
      name: cloud@example.com
      password: secret
internalDatabase:
  enabled: false
"#,
        expect![[r#"
            13:15 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (secure=tls): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=ssl)
                |       secure: ssl
                |       port: 465
        "#]],
    );
    // The chart's defaults (ssl on 465): clean.
    check(
        "values.yaml",
        "nextcloud:\n  mail:\n    enabled: false\n    smtp:\n      host: domain.com\n      secure: ssl\n      port: 465\n      authtype: LOGIN\n      name: user\n      password: pass\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn authentik_environment_and_chart_values() {
    // USE_TLS (STARTTLS) on 465 waits for a greeting that never comes; both written false is plaintext.
    check(
        "docker-compose.yml",
        r#"services:
  server:
    image: ghcr.io/goauthentik/server:2024.8
    command: server
    environment:
      AUTHENTIK_REDIS__HOST: redis
      AUTHENTIK_POSTGRESQL__HOST: postgresql
      AUTHENTIK_POSTGRESQL__PORT: 5432
      AUTHENTIK_EMAIL__HOST: smtp.example.com
      AUTHENTIK_EMAIL__PORT: 465
      AUTHENTIK_EMAIL__USERNAME: auth@example.com
      AUTHENTIK_EMAIL__PASSWORD: ${EMAIL_PASSWORD}
      AUTHENTIK_EMAIL__USE_TLS: "true"
      AUTHENTIK_EMAIL__USE_SSL: "false"
  worker:
    image: ghcr.io/goauthentik/server:2024.8
    command: worker
    environment:
      - AUTHENTIK_EMAIL__HOST=mail.example.com
      - AUTHENTIK_EMAIL__PORT=587
      - AUTHENTIK_EMAIL__USERNAME=auth@example.com
      - AUTHENTIK_EMAIL__PASSWORD=${EMAIL_PASSWORD}
      - AUTHENTIK_EMAIL__USE_TLS=false
      - AUTHENTIK_EMAIL__USE_SSL=false
  ldap:
    image: ghcr.io/goauthentik/ldap:2024.8
    environment:
      # A Secret elsewhere holds the rest: no TLS key written, so authentik's plaintext default
      # is not assumed.
      AUTHENTIK_EMAIL__HOST: mail.example.com
      AUTHENTIK_EMAIL__USERNAME: auth@example.com
"#,
        expect![[r#"
            10:30 error MP003 port 465 starts with TLS (implicit TLS), but AUTHENTIK_EMAIL__USE_TLS=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (AUTHENTIK_EMAIL__USE_SSL=true, AUTHENTIK_EMAIL__USE_TLS=false)
                |       AUTHENTIK_EMAIL__USE_TLS: "false"
                |       AUTHENTIK_EMAIL__USE_SSL: "true"
              fix: Use port 587 (STARTTLS)
                |       AUTHENTIK_EMAIL__PORT: 587
            23:34 error MP004 SMTP connection to mail.example.com without TLS (AUTHENTIK_EMAIL__USE_TLS=false with AUTHENTIK_EMAIL__USE_SSL=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (AUTHENTIK_EMAIL__USE_SSL=true)
                |       - AUTHENTIK_EMAIL__PORT=465
                |       - AUTHENTIK_EMAIL__USE_SSL=true
              fix: Require STARTTLS (AUTHENTIK_EMAIL__USE_TLS=true)
                |       - AUTHENTIK_EMAIL__USE_TLS=true
        "#]],
    );
    // Implicit TLS on 465 in the chart's values: clean.
    check(
        "values.yaml",
        r#"authentik:
  secret_key: ""
  email:
    host: smtp.example.com
    port: 465
    username: auth@example.com
    password: secret
    use_tls: false
    use_ssl: true
    from: auth@example.com
server:
  replicas: 1
"#,
        expect![[r#"
            clean
        "#]],
    );
    // The chart's own defaults (no host, no credentials): nothing is sent anywhere: clean.
    check(
        "values.yaml",
        "authentik:\n  email:\n    host: \"\"\n    port: 587\n    username: \"\"\n    password: \"\"\n    use_tls: false\n    use_ssl: false\n",
        expect![[r#"
            clean
        "#]],
    );
    // A chart block without `use_tls`/`use_ssl` takes the chart's false for both: plaintext.
    check(
        "values.yaml",
        "authentik:\n  email:\n    host: \"smtp.gmail.com\"\n    port: 587\n    username: \"me@gmail.com\"\n    password: SMTP_PASSWORD\n    from: \"me@example.net\"\n",
        expect![[r#"
            4:11 error MP004 SMTP connection to smtp.gmail.com without TLS (authentik (Helm chart values)'s default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (use_ssl=true)
                |     port: 465
                |     use_ssl: true
              fix: Require STARTTLS (use_tls=true)
                |     use_tls: true
        "#]],
    );
}

/// Mealie's SMTP_AUTH_STRATEGY: `TLS` (the default) is required STARTTLS, `SSL` implicit TLS,
/// `NONE` plain SMTP; Passbolt's EMAIL_TRANSPORT_DEFAULT_TLS: unset is plaintext (CakePHP starts TLS
/// only when it is truthy), `true` required STARTTLS.
#[test]
fn mealie_and_passbolt_environment() {
    let mealie = "env:\n  SMTP_HOST: 10.0.3.1\n  SMTP_PORT: 25\n  SMTP_AUTH_STRATEGY: NONE\n  SMTP_FROM_EMAIL: admin@example.org\n";
    check(
        "values.yaml",
        mealie,
        expect![[r#"
            4:23 warning MP004 SMTP connection to 10.0.3.1 without TLS (SMTP_AUTH_STRATEGY=NONE): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (SMTP_AUTH_STRATEGY=SSL)
                |   SMTP_PORT: 465
                |   SMTP_AUTH_STRATEGY: SSL
              fix: Use port 587 with STARTTLS (SMTP_AUTH_STRATEGY=TLS)
                |   SMTP_PORT: 587
                |   SMTP_AUTH_STRATEGY: TLS
        "#]],
    );
    let passbolt = "services:\n  passbolt:\n    image: passbolt/passbolt:latest-ce\n    environment:\n      EMAIL_DEFAULT_FROM: no-reply@example.org\n      EMAIL_TRANSPORT_DEFAULT_HOST: smtp.example.org\n      EMAIL_TRANSPORT_DEFAULT_PORT: 587\n      EMAIL_TRANSPORT_DEFAULT_USERNAME: passbolt\n      EMAIL_TRANSPORT_DEFAULT_PASSWORD: secret\n";
    check(
        "docker-compose.yml",
        passbolt,
        expect![[r#"
            7:37 error MP004 SMTP connection to smtp.example.org without TLS (Passbolt's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Require STARTTLS (TLS=true)
                |       EMAIL_TRANSPORT_DEFAULT_TLS: "true"
        "#]],
    );
    for (name, silent) in [
        (
            "values.yaml",
            mealie.replace("NONE", "TLS").replace("25", "587"),
        ),
        (
            "values.yaml",
            mealie.replace("NONE", "SSL").replace("25", "465"),
        ),
        // Mealie's default strategy is TLS.
        (
            "values.yaml",
            mealie
                .replace(
                    "  SMTP_AUTH_STRATEGY: NONE\n",
                    "  SMTP_AUTH_STRATEGY: TLS\n",
                )
                .replace("25", "587"),
        ),
        (
            "docker-compose.yml",
            passbolt.replace(
                "PASSWORD: secret\n",
                "PASSWORD: secret\n      EMAIL_TRANSPORT_DEFAULT_TLS: \"true\"\n",
            ),
        ),
        // `false` is a truthy string to CakePHP: undecided.
        (
            "docker-compose.yml",
            passbolt.replace(
                "PASSWORD: secret\n",
                "PASSWORD: secret\n      EMAIL_TRANSPORT_DEFAULT_TLS: \"false\"\n",
            ),
        ),
    ] {
        check(
            name,
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

/// The documents of a YAML stream stand alone (two ConfigMaps in one manifest are two
/// configurations): nothing pairs the port of one with the TLS switch of another, and a mistake
/// inside one document is still found.
#[test]
fn kubernetes_manifest_documents_stand_alone() {
    check(
        "configmaps.yaml",
        r#"---
apiVersion: v1
kind: ConfigMap
metadata:
  name: billing-mail
data:
  SMTP_HOST: smtp.gmail.com
  SMTP_PORT: "465"
  SMTP_SECURE: "true"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: support-mail
data:
  SMTP_HOST: smtp.office365.com
  SMTP_PORT: "587"
  SMTP_SECURE: "false"
...
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: alerts-mail
data:
  SMTP_HOST: smtp.example.com
  SMTP_PORT: "587"
  SMTP_SECURE: "true"
"#,
        expect![[r#"
            27:15 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_SECURE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
        "#]],
    );
}

/// Spring Boot reads the documents of `application.yml` as layers of one configuration: the
/// profile document's port is read with the TLS switch of the document before it.
#[test]
fn spring_multi_document_yaml_is_read_as_layers() {
    check(
        "application.yml",
        r#"spring:
  mail:
    host: smtp.example.com
    port: 465
    properties:
      mail.smtp.ssl.enable: true
---
spring:
  config:
    activate:
      on-profile: prod
  mail:
    port: 587
"#,
        expect![[r#"
            13:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but properties.mail.smtp.ssl.enable=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
              fix: Require STARTTLS (properties.mail.smtp.starttls.enable=true, properties.mail.smtp.starttls.required=true, properties.mail.smtp.ssl.enable=false)
                |     properties.mail.smtp.starttls.enable: true
                |     properties.mail.smtp.starttls.required: true
                |     properties.mail.smtp.ssl.enable: false
        "#]],
    );
}

/// A document that names the profile it applies to (`spring.config.activate.on-profile`, before
/// Boot 2.4 `spring.profiles`) is one configuration among alternatives: each is read over the
/// unconditional documents, never under the next one. The `dev` document's mistake is reported
/// although the `prod` document after it sets the port right.
#[test]
fn spring_profile_documents_are_alternatives_over_the_unconditional_ones() {
    check(
        "application.yml",
        r#"spring:
  mail:
    host: smtp.example.com
    username: app
    password: ${MAIL_PASSWORD}
    properties:
      mail.smtp.ssl.enable: true
---
spring:
  config:
    activate:
      on-profile: dev
  mail:
    port: 587
---
spring:
  profiles: prod
  mail:
    port: 465
"#,
        expect![[r#"
            14:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but properties.mail.smtp.ssl.enable=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
              fix: Require STARTTLS (properties.mail.smtp.starttls.enable=true, properties.mail.smtp.starttls.required=true, properties.mail.smtp.ssl.enable=false)
                |     properties.mail.smtp.starttls.enable: true
                |     properties.mail.smtp.starttls.required: true
                |     properties.mail.smtp.ssl.enable: false
        "#]],
    );
}

/// Profile documents that are each right stay silent, and so does an unconditional document for
/// a local mail catcher that a profile document replaces with a real relay.
#[test]
fn spring_profile_documents_that_are_each_right_stay_silent() {
    check(
        "application.yml",
        r#"spring:
  mail:
    host: localhost
    port: 1025
---
spring:
  config:
    activate:
      on-profile: "!real"
  mail:
    host: ${DEV_SMTP_HOST}
    port: 465
    username: ${DEV_MAIL_USERNAME}
    password: ${DEV_MAIL_PASSWORD}
    properties:
      mail.smtp.ssl.enable: true
---
spring:
  config:
    activate:
      on-profile: real
  mail:
    host: ${SMTP_HOST}
    port: 587
    username: ${MAIL_USERNAME}
    password: ${MAIL_PASSWORD}
    properties:
      mail:
        smtp:
          auth: true
          starttls:
            enable: true
            required: true
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// A Kubernetes Secret's `data` values are base64 (`NTg3` is 587): as written they are not what
/// the application gets, so nothing reads them (never "invalid port 'NTg3'"); its `stringData`
/// and a ConfigMap's `data` are plain and read as usual.
#[test]
fn kubernetes_secret_data_is_base64_and_not_read_as_written() {
    check(
        "mail-secret.yaml",
        r#"apiVersion: v1
kind: Secret
metadata:
  name: mail
type: Opaque
data:
  SMTP_HOST: c210cC5nbWFpbC5jb20=
  SMTP_PORT: NTg3
  SMTP_SECURE: dHJ1ZQ==
  SMTP_PASSWORD: c2VjcmV0
---
apiVersion: v1
kind: Secret
metadata:
  name: mail-plain
stringData:
  SMTP_HOST: smtp.example.com
  SMTP_PORT: "587"
  SMTP_SECURE: "true"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: mail-config
data:
  MAIL_HOST: smtp.example.com
  MAIL_PORT: "2525x"
binaryData:
  SMTP_PORT: NDY1
"#,
        expect![[r#"
            18:15 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_SECURE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |   SMTP_PORT: "465"
            27:15 error MP001 invalid SMTP port: '2525x' is not a number. A port is a whole number from 1 to 65535 (for example 465 or 587).
        "#]],
    );
}

/// A Helm chart's template: lines that are one template action (`{{- if … }}`, `{{- end }}`,
/// Jinja's `{% … %}`) are not YAML and are read as comments, so the settings between them are
/// read (no MP000 at the first `{{`); a placeholder value is unknown, not wrong.
#[test]
fn helm_and_jinja_template_lines_are_read_as_comments() {
    check(
        "templates/mail-configmap.yaml",
        r#"{{- if .Values.mail.enabled }}
apiVersion: v1
kind: ConfigMap
data:
  {{- if .Values.mail.legacy }}
  SMTP_HOST: smtp.example.com
  SMTP_PORT: "587"
  SMTP_SECURE: "true"
  {{- end }}
  MAIL_HOST: smtp.example.com
  MAIL_PORT: {{ .Values.mail.port | quote }}
{{- end }}
"#,
        expect![[r#"
            7:15 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_SECURE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |   SMTP_PORT: "465"
        "#]],
    );
    check(
        "roles/app/templates/mail.yml.j2",
        r#"mail:
{% if mail_enabled %}
  smtp:
    host: "{{ smtp_host }}"
    port: 587
    secure: true
{% endif %}
{# the relay is set per host #}
"#,
        expect![[r#"
            5:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but secure=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     port: 465
        "#]],
    );
}

/// A Jinja template's actions may hold quotes of their own (`"{{ USER or "synapse" }}"`,
/// `{{ "True" if X else "False" }}`) and a statement may start a line with more after it: as
/// written they break the YAML around them, and everything after the first would be lost.
#[test]
fn jinja_actions_with_quotes_of_their_own() {
    check(
        "conf/homeserver.yaml",
        r#"server_name: "{{ SYNAPSE_SERVER_NAME }}"
database:
  args:
    user: "{{ POSTGRES_USER or "synapse" }}"
turn_uris:
{% for uri in SYNAPSE_TURN_URIS.split(',') %}    - "{{ uri }}"
{% endfor %}
enable_registration: {{ "True" if SYNAPSE_ENABLE_REGISTRATION else "False" }}
{% if SYNAPSE_SMTP_HOST %}
email:
   smtp_host: "{{ SYNAPSE_SMTP_HOST }}"
   smtp_port: {{ SYNAPSE_SMTP_PORT or "25" }}
   smtp_user: "{{ SYNAPSE_SMTP_USER }}"
   smtp_pass: "{{ SYNAPSE_SMTP_PASSWORD }}"
   require_transport_security: False
   notif_from: "{{ SYNAPSE_SMTP_FROM or "hostmaster@" + SYNAPSE_SERVER_NAME }}"
{% endif %}
"#,
        expect![[r#"
            11:16 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Matrix Synapse's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (force_tls=true)
                |    smtp_port: 465
                |    force_tls: true
              fix: Use port 587 with STARTTLS (require_transport_security=True)
                |    require_transport_security: True
                |    smtp_port: 587
        "#]],
    );
}

/// Redmine's configuration.yml hands `email_delivery.smtp_settings` to ActionMailer: the mail
/// gem's default is STARTTLS only if offered.
#[test]
fn redmine_email_delivery() {
    check(
        "config/configuration.yml",
        "default:\n  email_delivery:\n    delivery_method: :smtp\n    smtp_settings:\n      tls: false\n      address: mail.example.com\n      port: 25\n      authentication: :login\n      user_name: \"redmine@example.com\"\n      password: \"secret\"\n      openssl_verify_mode: 'none'\n",
        expect![[r#"
            7:13 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Redmine (Rails ActionMailer)'s default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true)
                |       tls: true
                |       port: 465
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |       port: 587
                |       enable_starttls: true
            7:13 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses opportunistic STARTTLS.
              fix*: Use port 465 with implicit TLS (tls=true)
                |       tls: true
                |       port: 465
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |       port: 587
                |       enable_starttls: true
            11:29 warning MP008 certificate checking is switched off (openssl_verify_mode=none) for mail.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "config/configuration.yml",
        "production:\n  email_delivery:\n    delivery_method: :smtp\n    smtp_settings:\n      address: smtp.example.com\n      port: 465\n      tls: true\n      authentication: :login\n      user_name: \"redmine@example.com\"\n      password: <%= ENV['SMTP_PASSWORD'] %>\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// A Rails application's own YAML, loaded and handed to `config.action_mailer` key by key, with
/// Ruby symbol keys (`:port:`): ActionMailer's meaning, and fixes that write symbol keys too.
#[test]
fn rails_action_mailer_yaml_with_symbol_keys() {
    check(
        "config/settings.yml",
        "defaults: &defaults\n  site_name: Shop\n\nproduction:\n  <<: *defaults\n  action_mailer:\n    :delivery_method: :smtp\n    :smtp_settings:\n      :address: mail.shop-example.net\n      :port: 25\n      :authentication: :plain\n      :enable_starttls_auto: false\n      :user_name: shop\n      :password: hunter2\n",
        expect![[r#"
            10:14 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (tls=true)
                |       :port: 465
                |       :tls: true
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |       :port: 587
                |       :enable_starttls: true
            12:30 error MP004 SMTP connection to mail.shop-example.net without TLS (enable_starttls_auto=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (tls=true)
                |       :port: 465
                |       :tls: true
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |       :port: 587
                |       :enable_starttls: true
        "#]],
    );
    check(
        "config/settings.yml",
        "production:\n  action_mailer:\n    :smtp_settings:\n      :address: mail.shop-example.net\n      :port: 465\n      :tls: true\n      :user_name: shop\n      :password: hunter2\n",
        expect![[r#"
            clean
        "#]],
    );
    // An application's `email:` block handed to ActionMailer whole.
    check(
        "config/settings.yml",
        "defaults:\n  email:\n    delivery_method: :smtp\n    smtp_settings:\n      user_name: app\n      password: secret\n      address: smtp.sendgrid.net\n      port: 587\n      authentication: :plain\n      enable_starttls_auto: true\n",
        expect![[r#"
            10:29 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |       port: 465
                |       enable_starttls_auto: false
                |       tls: true
              fix: Require STARTTLS (enable_starttls=true)
                |       enable_starttls: true
        "#]],
    );
    // Another application's `smtp_settings` without ActionMailer's key names is not Rails'.
    check(
        "config.yml",
        "smtp_settings:\n  host: smtp.example.com\n  port: 587\n  tls: true\n  username: app\n  password: secret\n",
        expect![[r#"
            clean
        "#]],
    );
    // A plain YAML key `:port` that is not under ActionMailer's settings stays unread.
    check(
        "config/settings.yml",
        "production:\n  mail:\n    :port: 25\n    :user_name: shop\n    :password: hunter2\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// The Mastodon Helm chart's `mastodon.smtp` values become Mastodon's SMTP_* variables.
#[test]
fn mastodon_helm_values() {
    check(
        "values.yaml",
        "mastodon:\n  smtp:\n    auth_method: plain\n    ca_file: /etc/ssl/certs/ca-certificates.crt\n    delivery_method: smtp\n    enable_starttls_auto: true\n    from_address: notifications@example.com\n    login: postmaster@example.com\n    password: secret\n    port: 587\n    server: smtp.mailgun.org\n    tls: false\n",
        expect![[r#"
            6:27 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |     enable_starttls_auto: false
                |     port: 465
                |     tls: true
              fix: Require STARTTLS (enable_starttls=always)
                |     enable_starttls: always
        "#]],
    );
    check(
        "values.yaml",
        "mastodon:\n  smtp:\n    enable_starttls: always\n    from_address: notifications@example.com\n    login: postmaster@example.com\n    password: secret\n    port: 587\n    server: smtp.mailgun.org\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn gitea_helm_values_are_its_app_ini() {
    // The chart writes `gitea.config.mailer` as `[mailer]`: PROTOCOL smtp is no TLS at all.
    check(
        "values.yaml",
        "gitea:\n  admin:\n    username: admin\n  config:\n    server:\n      DOMAIN: git.example.com\n    mailer:\n      ENABLED: true\n      SMTP_ADDR: smtp-relay.mail.svc.cluster.local\n      SMTP_PORT: 25\n      PROTOCOL: smtp\n      FROM: git@example.com\n",
        expect![[r#"
            11:17 warning MP004 SMTP connection to smtp-relay.mail.svc.cluster.local without TLS (PROTOCOL=smtp): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (PROTOCOL=smtps)
                |       SMTP_PORT: 465
                |       PROTOCOL: smtps
        "#]],
    );
    // The port decides when PROTOCOL is unset (465: smtps), and a mailer that is off is silent.
    check(
        "values.yaml",
        "gitea:\n  config:\n    mailer:\n      ENABLED: true\n      SMTP_ADDR: smtp.example.com\n      SMTP_PORT: 465\n      USER: git@example.com\n      PASSWD: secret\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "values.yaml",
        "gitea:\n  config:\n    mailer:\n      ENABLED: false\n      SMTP_ADDR: smtp.example.com\n      SMTP_PORT: 25\n      PROTOCOL: smtp\n      USER: git@example.com\n      PASSWD: secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Continuwuity / conduwuit hand `[global.smtp] connection_uri` to lettre, whose `smtp://` is
/// plaintext unless `?tls=required` (STARTTLS, required) or `?tls=opportunistic`.
#[test]
fn lettre_connection_urls() {
    let text = "[global]\nserver_name = \"example.org\"\n\n[global.smtp]\nconnection_uri = \"smtp://bot:secret@smtp.example.org:587\"\nsender = \"Matrix <matrix@example.org>\"\n";
    check(
        "continuwuity.toml",
        text,
        expect![[r#"
            5:54 error MP004 SMTP connection to smtp.example.org without TLS (the smtp:// scheme): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (smtps://)
                | connection_uri = "smtps://bot:secret@smtp.example.org:465"
        "#]],
    );
    check(
        "continuwuity.toml",
        &text.replace(":587", ":587?tls=opportunistic"),
        expect![[r#"
            5:54 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (the smtp:// scheme): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtps://)
                | connection_uri = "smtps://bot:secret@smtp.example.org:465?tls=opportunistic"
        "#]],
    );
    for silent in [
        text.replace(":587", ":587?tls=required"),
        text.replace("smtp://", "smtps://").replace(":587", ":465"),
        text.replace("smtp://", "smtps://")
            .replace(":587", ":465?tls=opportunistic"),
    ] {
        check(
            "continuwuity.toml",
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}
