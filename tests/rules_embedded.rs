//! Issue 10, class 4: one application's settings inside another's file. Spring Boot environment
//! variables (`SPRING_MAIL_*`), Kubernetes `env:` lists, documents held in a value
//! (`GITLAB_OMNIBUS_CONFIG`, ConfigMap `data:` files) and files told by their content. Each
//! mechanism fires, and stays silent on realistic files that only look similar.

mod support;

use expect_test::{expect, Expect};
use mailport::analysis::syntax::detect_format;
use mailport::config::Config;
use mailport::vocab::Format;

fn check(file_name: &str, text: &str, expect: Expect) {
    expect.assert_eq(&support::render(file_name, text, &Config::default()));
}

#[test]
fn spring_environment_in_a_compose_file_is_read_as_spring() {
    check(
        "docker-compose.yml",
        "services:\n  app:\n    environment:\n      SPRING_DATASOURCE_URL: jdbc:mysql://db:3306/app\n      SPRING_MAIL_HOST: smtp.gmail.com\n      SPRING_MAIL_PORT: 587\n      SPRING_MAIL_USERNAME: me@gmail.com\n      SPRING_MAIL_PASSWORD: \"app password\"\n      SPRING_MAIL_PROPERTIES_MAIL_SMTP_AUTH: \"true\"\n      SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE: \"true\"\n      SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_TRUST: smtp.gmail.com\n",
        expect![[r#"
            10:58 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE=true, SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE=false)
                |       SPRING_MAIL_PORT: 465
                |       SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE: "false"
                |       SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE: "true"
              fix: Require STARTTLS (SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_REQUIRED=true)
                |       SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_REQUIRED: "true"
            11:51 warning MP008 certificate checking is switched off (SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_TRUST=smtp.gmail.com) for smtp.gmail.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

#[test]
fn spring_environment_with_required_starttls_is_clean() {
    check(
        ".env",
        "SPRING_MAIL_HOST=smtp.gmail.com\nSPRING_MAIL_PORT=587\nSPRING_MAIL_USERNAME=me@gmail.com\nSPRING_MAIL_PASSWORD=secret\nSPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE=true\nSPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_REQUIRED=true\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn spring_environment_ssl_on_587_and_list_form() {
    check(
        "compose.yaml",
        "services:\n  api:\n    environment:\n      - SPRING_MAIL_HOST=smtp.example.com\n      - SPRING_MAIL_PORT=587\n      - SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE=true\n",
        expect![[r#"
            5:26 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       - SPRING_MAIL_PORT=465
              fix: Require STARTTLS (SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE=true, SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_REQUIRED=true, SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE=false)
                |       - SPRING_MAIL_PROPERTIES_MAIL_SMTP_SSL_ENABLE=false
                |       - SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_ENABLE=true
                |       - SPRING_MAIL_PROPERTIES_MAIL_SMTP_STARTTLS_REQUIRED=true
        "#]],
    );
}

#[test]
fn jakarta_mail_ssl_trust_naming_a_host_skips_its_chain_check() {
    check(
        "application.properties",
        "spring.mail.host=smtp.example.com\nspring.mail.port=465\nspring.mail.properties.mail.smtp.ssl.enable=true\nspring.mail.properties.mail.smtp.ssl.trust=smtp.example.com\n",
        expect![[r#"
            4:44 warning MP008 certificate checking is switched off (properties.mail.smtp.ssl.trust=smtp.example.com) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

#[test]
fn kubernetes_env_list_is_read_for_every_flat_profile() {
    check(
        "deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: app\n          env:\n            - name: EMAIL_HOST\n              value: smtp.example.com\n            - name: EMAIL_PORT\n              value: \"587\"\n            - name: EMAIL_USE_SSL\n              value: \"True\"\n            - name: EMAIL_HOST_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: mail\n                  key: password\n",
        expect![[r#"
            13:23 error MP003 port 587 expects a plaintext greeting and STARTTLS, but EMAIL_USE_SSL=True starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |               value: "465"
              fix: Require STARTTLS (EMAIL_USE_TLS=true, EMAIL_USE_SSL=False)
                |               value: "False"
                |             - name: EMAIL_USE_TLS
        "#]],
    );
}

#[test]
fn kubernetes_env_list_secret_credentials_count() {
    check(
        "statefulset.yaml",
        "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: MAIL_MAILER\n              value: smtp\n            - name: MAIL_HOST\n              value: mail.example.org\n            - name: MAIL_PORT\n              value: \"587\"\n            - name: MAIL_USERNAME\n              valueFrom:\n                secretKeyRef: {name: mail, key: user}\n            - name: MAIL_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: mail, key: password}\n",
        expect![[r#"
            12:23 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Laravel on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                |               value: "465"
        "#]],
    );
}

#[test]
fn kubernetes_manifest_without_mail_env_is_clean() {
    check(
        "deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1\n          ports:\n            - name: http\n              containerPort: 8080\n          env:\n            - name: DATABASE_HOST\n              value: postgres\n            - name: DATABASE_PORT\n              value: \"5432\"\n            - name: REDIS_URL\n              value: redis://redis:6379\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: password\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn compose_file_with_unrelated_environment_is_clean() {
    check(
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: secret\n      POSTGRES_HOST: db\n      POSTGRES_PORT: 5432\n  app:\n    environment:\n      - SPRING_DATASOURCE_URL=jdbc:postgresql://db:5432/app\n      - SPRING_PROFILES_ACTIVE=prod\n      - SERVER_PORT=8080\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn gitlab_omnibus_config_in_a_compose_file_is_read_as_gitlab_rb() {
    check(
        "docker-compose.yml",
        "services:\n  gitlab:\n    image: gitlab/gitlab-ce:latest\n    environment:\n      TZ: UTC\n      GITLAB_OMNIBUS_CONFIG: |\n        external_url 'https://gitlab.example.com'\n        gitlab_rails['smtp_enable'] = true\n        gitlab_rails['smtp_address'] = \"smtp.example.com\"\n        gitlab_rails['smtp_port'] = 465\n        gitlab_rails['smtp_user_name'] = \"gitlab@example.com\"\n        gitlab_rails['smtp_password'] = \"secret\"\n        gitlab_rails['smtp_enable_starttls_auto'] = true\n        nginx['listen_port'] = 80\n    ports:\n      - \"80:80\"\n",
        expect![[r#"
            10:37 error MP003 port 465 starts with TLS (implicit TLS), but smtp_enable_starttls_auto=true means opportunistic STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (smtp_tls=true, smtp_enable_starttls_auto=false)
                |         gitlab_rails['smtp_enable_starttls_auto'] = false
                |         gitlab_rails['smtp_tls'] = true
              fix: Use port 587 with STARTTLS (smtp_enable_starttls=true, smtp_enable_starttls_auto=false)
                |         gitlab_rails['smtp_port'] = 587
                |         gitlab_rails['smtp_enable_starttls_auto'] = false
                |         gitlab_rails['smtp_enable_starttls'] = true
        "#]],
    );
}

#[test]
fn gitlab_omnibus_config_without_mail_and_folded_blocks_are_silent() {
    check(
        "docker-compose.yml",
        "services:\n  gitlab:\n    environment:\n      GITLAB_OMNIBUS_CONFIG: |\n        external_url 'https://gitlab.example.com'\n        gitlab_rails['gitlab_shell_ssh_port'] = 2224\n        nginx['listen_port'] = 80\n  other:\n    environment:\n      GITLAB_OMNIBUS_CONFIG: >\n        gitlab_rails['smtp_port'] = 465\n        gitlab_rails['smtp_enable_starttls_auto'] = true\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn configmap_files_are_read_with_their_own_format() {
    check(
        "configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gitea\ndata:\n  app.ini: |\n    [mailer]\n    ENABLED = true\n    PROTOCOL = smtps\n    SMTP_ADDR = smtp.example.com\n    SMTP_PORT = 587\n  README.md: |\n    SMTP_PORT = 25\n",
        expect![[r#"
            11:17 error MP003 port 587 expects a plaintext greeting and STARTTLS, but PROTOCOL=smtps starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     SMTP_PORT = 465
        "#]],
    );
}

#[test]
fn detection_by_content() {
    let autoconfig = "<?xml version=\"1.0\"?>\n<!-- ISPDB -->\n<clientConfig version=\"1.1\">\n  <emailProvider id=\"example.com\">\n  </emailProvider>\n</clientConfig>\n";
    assert_eq!(
        detect_format("isp/example.com", None, autoconfig),
        Some(Format::Xml)
    );
    // An extensionless mutt account file that opens with mailbox commands.
    let account = "# work account\nunmailboxes *\nsource ~/.mutt/common\nset smtp_url = \"smtp://me@mail.example.com:587/\"\nset imap_user = me\n";
    assert_eq!(
        detect_format("accounts/work", None, account),
        Some(Format::Muttrc)
    );
    // A modeline says what an oddly named file is.
    let modeline =
        "# vim: filetype=muttrc\nmy_hdr X-Test: 1\nset folder = \"imaps://mail.example.com/\"\n";
    assert_eq!(
        detect_format("school", None, modeline),
        Some(Format::Muttrc)
    );
    let msmtp = "# -*- mode: msmtp -*-\naccount default\nhost smtp.example.com\n";
    assert_eq!(detect_format("mail.cfg", None, msmtp), Some(Format::Msmtp));
    // Files that merely mention mail stay unread.
    let prose = "Notes\n\nset smtp to port 587 and use STARTTLS.\nThe <clientConfig> element lists servers.\n";
    assert_eq!(detect_format("NOTES", None, prose), None);
    assert_eq!(detect_format("notes.txt", None, prose), None);
    let html = "<html><body><clientConfig version=\"1.1\"></clientConfig></body></html>";
    assert_eq!(detect_format("page.com", None, html), None);
    let shell = "#!/bin/sh\nsource ./env\nset -e\necho smtp\n";
    assert_eq!(detect_format("deploy", None, shell), None);
}

#[test]
fn autoconfig_named_by_its_domain_is_checked() {
    check(
        "example.com",
        "<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\">\n  <emailProvider id=\"example.com\">\n    <domain>example.com</domain>\n    <outgoingServer type=\"smtp\">\n      <hostname>smtp.example.com</hostname>\n      <port>587</port>\n      <socketType>SSL</socketType>\n      <authentication>password-cleartext</authentication>\n      <username>%EMAILADDRESS%</username>\n    </outgoingServer>\n  </emailProvider>\n</clientConfig>\n",
        expect![[r#"
            7:13 error MP003 port 587 expects a plaintext greeting and STARTTLS, but socketType=SSL starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       <port>465</port>
              fix: Require STARTTLS (socketType=STARTTLS)
                |       <socketType>STARTTLS</socketType>
        "#]],
    );
}

/// Compose fills in `${VAR}` before GitLab reads the Ruby: such values are references (the file
/// does not name them), not syntax errors and not missing lines.
#[test]
fn gitlab_omnibus_config_with_compose_variables() {
    check(
        "docker-compose.yml",
        "services:\n  gitlab:\n    environment:\n      GITLAB_OMNIBUS_CONFIG: |\n        gitlab_rails['smtp_enable'] = ${SMTP_ENABLE}\n        gitlab_rails['smtp_address'] = \"smtp.example.com\"\n        gitlab_rails['smtp_port'] = ${SMTP_PORT}\n        gitlab_rails['smtp_user_name'] = \"${SMTP_USER}\"\n        gitlab_rails['smtp_password'] = \"${SMTP_PASS}\"\n        gitlab_rails['smtp_tls'] = true\n        gitlab_rails['smtp_openssl_verify_mode'] = 'none'\n",
        expect![[r#"
            11:53 warning MP008 certificate checking is switched off (smtp_openssl_verify_mode=none) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

/// Home Manager writes `programs.aerc.extraAccounts` into aerc's `accounts.conf`: the lines are
/// read as that file (indented alike, as Nix writes them without the common indentation).
#[test]
fn nix_option_holding_a_client_file_is_read_as_that_file() {
    check(
        "home.nix",
        "{ pkgs, ... }:\n{\n  programs.aerc = {\n    enable = true;\n    extraAccounts = ''\n      [Gmail]\n      source = imaps://me%40gmail.com@imap.gmail.com:993\n      outgoing = smtps://me%40gmail.com@smtp.gmail.com:587\n      outgoing-cred-cmd = pass show gmail\n    '';\n  };\n}\n",
        expect![[r#"
            8:56 error MP003 port 587 expects a plaintext greeting and STARTTLS, but the smtps:// scheme starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       outgoing = smtps://me%40gmail.com@smtp.gmail.com:465
              fix: Require STARTTLS (smtp://)
                |       outgoing = smtp://me%40gmail.com@smtp.gmail.com:587
        "#]],
    );
    // A file by name: `home.file."…".text` (implicit TLS on 587 is found), `xdg.configFile."…".text`
    // (aerc's `smtp+plain://` is STARTTLS on 587: clean).
    check(
        "home.nix",
        "{\n  home.file.\".msmtprc\".text = ''\n    account default\n    host smtp.example.com\n    port 587\n    auth on\n    user me\n    passwordeval pass show mail\n    tls on\n    tls_starttls off\n  '';\n  xdg.configFile.\"aerc/accounts.conf\".text = ''\n    [Work]\n    outgoing = smtp+plain://me@smtp.example.com:587\n  '';\n}\n",
        expect![[r#"
            5:10 error MP003 port 587 expects a plaintext greeting and STARTTLS, but tls=on with tls_starttls=off starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     port 465
              fix: Require STARTTLS (tls_starttls=on)
                |     tls_starttls on
        "#]],
    );
}

/// Options that hold other text stay unread: another program's `extraConfig`, an msmtp account's
/// own extra lines (they continue an account block the module writes), an escaped string.
#[test]
fn nix_text_that_is_no_client_file_stays_unread() {
    check(
        "home.nix",
        "{\n  programs.git.extraConfig = ''\n    [sendemail]\n    smtpserver = smtp.example.com\n    smtpserverport = 25\n  '';\n  programs.msmtp.accounts.alerts.extraConfig = ''\n    port 465\n    tls_starttls on\n  '';\n  programs.neomutt.extraConfig = ''\n    set smtp_url = \"smtps://me@smtp.example.com:''${port}\"\n  '';\n}\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// A ConfigMap's `main.cf: |` block is written out without its indentation: each line is a
/// setting of its own, and the relay on 465 without wrapper mode is found.
#[test]
fn configmap_main_cf_lines_are_read_as_postfix_writes_them() {
    check(
        "postfix-configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: postfix\ndata:\n  main.cf: |\n    relayhost = [smtp.gmail.com]:465\n    smtp_sasl_auth_enable = yes\n    smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n    smtp_tls_security_level = encrypt\n",
        expect![[r#"
            7:34 error MP003 port 465 starts with TLS (implicit TLS), but smtp_tls_security_level=encrypt means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (smtp_tls_wrappermode=yes)
                |     smtp_tls_wrappermode = yes
              fix: Use port 587 (STARTTLS)
                |     relayhost = [smtp.gmail.com]:587
        "#]],
    );
}

/// A Dockerfile's `ENV` instructions are the environment of every program in the image: the
/// applications' variables are read there as in a `.env` file, in both of Docker's forms.
#[test]
fn dockerfile_environment_is_read_as_the_applications_variables() {
    check(
        "Dockerfile",
        "FROM node:20-alpine\nWORKDIR /app\nENV NODE_ENV=production \\\n    SMTP_HOST=smtp.gmail.com \\\n    SMTP_PORT=587 \\\n    SMTP_SECURE=true\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
        expect![[r#"
            5:15 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTP_SECURE=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     SMTP_PORT=465 \
        "#]],
    );
    // The legacy form takes the rest of the line as the value: `ENV EMAIL_PORT = 587` sets
    // EMAIL_PORT to `= 587` (BuildKit's parseNameVal), which no application reads as a port.
    check(
        "Dockerfile",
        "FROM python:3.12\nENV EMAIL_HOST smtp.gmail.com\nENV EMAIL_PORT = 587\nENV EMAIL_USE_TLS True\n",
        expect![[r#"
            3:16 error MP001 invalid SMTP port: '= 587' is not a number. A port is a whole number from 1 to 65535 (for example 465 or 587).
        "#]],
    );
}

#[test]
fn dockerfile_stages_comments_and_build_arguments_stay_apart() {
    // A builder stage's variables are not the final image's; `ARG` is a build-time default, a
    // comment line is no instruction, and a `${VAR}` left to `docker run -e` is a template.
    check(
        "Containerfile",
        "FROM python:3.12 AS build\nENV SMTP_SECURE=true\n\nFROM python:3.12-slim\nARG SMTP_SECURE=true\n# ENV SMTP_SECURE=true\nENV SMTP_HOST=smtp.example.com \\\n    SMTP_PORT=587 \\\n    SMTP_FROM=${SMTP_FROM}\n",
        expect![[r#"
            clean
        "#]],
    );
    assert_eq!(
        detect_format("app.dockerfile", None, ""),
        Some(Format::Dockerfile)
    );
    assert_eq!(
        detect_format("Dockerfile.prod", None, ""),
        Some(Format::Dockerfile)
    );
}
