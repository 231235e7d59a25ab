//! What an application does with what a file leaves out or switches off, read from each
//! application's source: default ports that keys choose, a mailer switched off, a template for a
//! host, a STARTTLS that cannot be required. Each where it fires and where it stays silent.

mod support;

use expect_test::{expect, Expect};
use mailport::config::Config;

fn check(name: &str, text: &str, expect: Expect) {
    expect.assert_eq(&support::render(name, text, &Config::default()));
}

/// Jenkins Mailer without `smtpPort`: Jakarta Mail's 25, 465 with `useSsl`, 587 with `useTls`.
#[test]
fn jenkins_mailer_default_ports() {
    check(
        "hudson.tasks.Mailer.xml",
        r#"<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@1.20">
  <smtpHost>smtp.example.com</smtpHost>
  <smtpAuthUsername>jenkins</smtpAuthUsername>
  <smtpAuthPassword>{AQAAABAAAAAQ}</smtpAuthPassword>
  <useSsl>false</useSsl>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
"#,
        expect![[r#"
            3:13 error MP004 SMTP connection to smtp.example.com without TLS (Jenkins Mailer's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (useSsl=true)
                |   <useSsl>true</useSsl>
                |   <smtpPort>465</smtpPort>
              fix: Use port 587 with STARTTLS (useTls=true)
                |   <smtpPort>587</smtpPort>
                |   <useTls>true</useTls>
            3:13 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (useSsl=true)
                |   <useSsl>true</useSsl>
                |   <smtpPort>465</smtpPort>
              fix: Use port 587 with STARTTLS (useTls=true)
                |   <smtpPort>587</smtpPort>
                |   <useTls>true</useTls>
        "#]],
    );
    check(
        "hudson.tasks.Mailer.xml",
        r#"<?xml version='1.1' encoding='UTF-8'?>
<hudson.tasks.Mailer_-DescriptorImpl plugin="mailer@472.vf7c289a_4b_420">
  <smtpHost>smtp.example.com</smtpHost>
  <useSsl>false</useSsl>
  <useTls>true</useTls>
  <charset>UTF-8</charset>
</hudson.tasks.Mailer_-DescriptorImpl>
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// Alpine's `smtp-server` without a port: 25, 587 with `/submit`, 465 with `/ssl`.
#[test]
fn alpine_smtp_server_default_ports() {
    check(
        ".pinerc",
        "personal-name=Me\nsmtp-server=smtp.example.com/tls/user=me\n",
        expect![[r#"
            2:13 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
        "#]],
    );
    check(
        ".pinerc",
        "personal-name=Me\nsmtp-server=smtp.example.com/submit/tls/user=me\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// GitLab without `smtp_enable` delivers with sendmail: no `smtp_*` key is used. (Implicit TLS
/// with a STARTTLS key, which GitLab refuses, is MP010: `tests/rules_source.rs`, `gitlab_rb`.)
#[test]
fn gitlab_with_smtp_switched_off() {
    check(
        "gitlab.rb",
        r#"gitlab_rails['smtp_enable'] = false
gitlab_rails['smtp_address'] = "smtp.example.com"
gitlab_rails['smtp_port'] = 587
gitlab_rails['smtp_user_name'] = "gitlab@example.com"
gitlab_rails['smtp_password'] = "secret"
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// Gitea's `smtp+starttls` goes on in clear when the server offers no STARTTLS (go-mail's
/// TLSOpportunistic); a mailer with `ENABLED = false` sends nothing.
#[test]
fn gitea_starttls_is_opportunistic_and_a_disabled_mailer_is_silent() {
    check(
        "app.ini",
        "[mailer]\nENABLED = true\nPROTOCOL = smtp+starttls\nSMTP_ADDR = smtp.example.com\nSMTP_PORT = 587\nUSER = gitea@example.com\nPASSWD = secret\n",
        expect![[r#"
            3:12 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (PROTOCOL=smtp+starttls): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (PROTOCOL=smtps)
                | PROTOCOL = smtps
                | SMTP_PORT = 465
        "#]],
    );
    check(
        "app.ini",
        "[mailer]\nENABLED = false\nHOST = smtp.example.com:587\nUSER = gitea@example.com\nPASSWD = secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Grafana sends no mail with `[smtp] enabled = false` (`GF_SMTP_ENABLED=false`): its
/// opportunistic STARTTLS policy is only worth a warning while the mailer is on.
#[test]
fn grafana_with_smtp_switched_off() {
    let ini = "[smtp]\nenabled = true\nhost = smtp.example.com:587\nuser = grafana@example.com\npassword = secret\nstartTLS_policy = OpportunisticStartTLS\n";
    check(
        "grafana.ini",
        ini,
        expect![[r#"
        6:19 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (startTLS_policy=OpportunisticStartTLS): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
          fix*: Use port 465 (implicit TLS)
            | host = smtp.example.com:465
          fix: Require STARTTLS (startTLS_policy=MandatoryStartTLS)
            | startTLS_policy = MandatoryStartTLS
    "#]],
    );
    check(
        "grafana.ini",
        &ini.replace("enabled = true", "enabled = false"),
        expect![[r#"
            clean
        "#]],
    );
    let env = "GF_SMTP_ENABLED=true\nGF_SMTP_HOST=smtp.example.com:587\nGF_SMTP_USER=grafana@example.com\nGF_SMTP_PASSWORD=secret\nGF_SMTP_STARTTLS_POLICY=OpportunisticStartTLS\n";
    check(
        "grafana.env",
        env,
        expect![[r#"
        5:25 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (GF_SMTP_STARTTLS_POLICY=OpportunisticStartTLS): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
          fix*: Use port 465 (implicit TLS)
            | GF_SMTP_HOST=smtp.example.com:465
          fix: Require STARTTLS (GF_SMTP_STARTTLS_POLICY=MandatoryStartTLS)
            | GF_SMTP_STARTTLS_POLICY=MandatoryStartTLS
    "#]],
    );
    check(
        "grafana.env",
        &env.replace("ENABLED=true", "ENABLED=false"),
        expect![[r#"
            clean
        "#]],
    );
}

/// The Grafana Helm chart writes `grafana.ini:` as grafana.ini: its `smtp:` is the `[smtp]`
/// section, with Grafana's meaning (also nested in kube-prometheus-stack's `grafana:`).
#[test]
fn grafana_helm_values() {
    let values = "grafana.ini:\n  server:\n    root_url: https://grafana.example.com\n  smtp:\n    enabled: true\n    host: smtp.gmail.com:587\n    user: alerts@example.com\n    password: app-password\n    from_address: alerts@example.com\n";
    check(
        "values.yaml",
        values,
        expect![[r#"
            6:26 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Grafana (Helm values)'s default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                |     host: smtp.gmail.com:465
              fix: Require STARTTLS (startTLS_policy=MandatoryStartTLS)
                |     startTLS_policy: MandatoryStartTLS
        "#]],
    );
    check(
        "values.yaml",
        &values.replace(
            "    user:",
            "    startTLS_policy: MandatoryStartTLS\n    user:",
        ),
        expect![[r#"
            clean
        "#]],
    );
    check(
        "values.yaml",
        &values.replace("enabled: true", "enabled: false"),
        expect![[r#"
            clean
        "#]],
    );
    let nested = "grafana:\n  adminPassword: admin\n  grafana.ini:\n    smtp:\n      enabled: true\n      host: smtp.gmail.com:465\n      skip_verify: true\n      user: alerts@example.com\n      password: app-password\n";
    check(
        "kube-prometheus-stack-values.yaml",
        nested,
        expect![[r#"
            7:20 warning MP008 certificate checking is switched off (skip_verify=true) for smtp.gmail.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

/// Immich's system configuration (`notifications.smtp`): nodemailer under it, opportunistic
/// STARTTLS unless `transport.secure`; mail is off unless `enabled: true` (Immich's default is off).
#[test]
fn immich_smtp_settings() {
    let json = "{\n  \"notifications\": {\n    \"smtp\": {\n      \"enabled\": true,\n      \"from\": \"Immich <photos@example.com>\",\n      \"transport\": {\n        \"ignoreCert\": false,\n        \"host\": \"smtp.example.com\",\n        \"port\": 587,\n        \"username\": \"photos@example.com\",\n        \"password\": \"secret\"\n      }\n    }\n  }\n}\n";
    check(
        "immich.json",
        json,
        expect![[r#"
            9:17 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Immich's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
        "#]],
    );
    check(
        "immich.json",
        &json.replace("\"enabled\": true", "\"enabled\": false"),
        expect![[r#"
            clean
        "#]],
    );
    check(
        "immich.json",
        &json
            .replace("587", "465")
            .replace("\"ignoreCert\": false", "\"ignoreCert\": true"),
        expect![[r#"
            7:23 warning MP008 certificate checking is switched off (transport.ignoreCert=true) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    let nix = "{ config, ... }:\n{\n  services.immich = {\n    enable = true;\n    settings.notifications.smtp = {\n      enabled = true;\n      transport.host = \"smtp.example.com\";\n      transport.port = 587;\n      transport.secure = true;\n      transport.username = \"photos@example.com\";\n      transport.password._secret = config.sops.secrets.smtp.path;\n    };\n  };\n}\n";
    check(
        "immich.nix",
        nix,
        expect![[r#"
            8:24 error MP003 port 587 expects a plaintext greeting and STARTTLS, but transport.secure=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       transport.port = 465;
        "#]],
    );
}

/// nodemailer: port 465 without `secure` is implicit TLS, whatever `ignoreTLS` says; an explicit
/// `secure: false` on 465 is not.
#[test]
fn nodemailer_465_without_secure() {
    check(
        "mailer.js",
        "const transport = nodemailer.createTransport({ host: 'smtp.example.com', port: 465, ignoreTLS: true });\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "mailer.js",
        "const transport = nodemailer.createTransport({ host: 'smtp.example.com', port: 465, secure: false });\n",
        expect![[r#"
            1:80 error MP003 port 465 starts with TLS (implicit TLS), but secure=false means opportunistic STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (secure=true)
                | const transport = nodemailer.createTransport({ host: 'smtp.example.com', port: 465, secure: true });
              fix: Use port 587 with STARTTLS (requireTLS=true)
                | const transport = nodemailer.createTransport({ host: 'smtp.example.com', port: 587, secure: false, requireTLS: true });
        "#]],
    );
}

/// CodeIgniter 3 without `smtp_crypto`: the library's default '' is no TLS at all.
#[test]
fn codeigniter_without_smtp_crypto() {
    check(
        "email.php",
        "<?php\n$config['protocol'] = 'smtp';\n$config['smtp_host'] = 'mail.example.com';\n$config['smtp_port'] = 587;\n$config['smtp_user'] = 'me@example.com';\n$config['smtp_pass'] = 'secret';\n",
        expect![[r#"
            4:24 error MP004 SMTP connection to mail.example.com without TLS (CodeIgniter Email's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (smtp_crypto=ssl)
                | $config['smtp_port'] = 465;
                | $config['smtp_crypto'] = "ssl";
              fix: Require STARTTLS (smtp_crypto=tls)
                | $config['smtp_crypto'] = "tls";
        "#]],
    );
    check(
        "email.php",
        "<?php\n$config['protocol'] = 'smtp';\n$config['smtp_host'] = 'mail.example.com';\n$config['smtp_port'] = 587;\n$config['smtp_crypto'] = 'tls';\n$config['smtp_user'] = 'me@example.com';\n",
        expect![[r#"
            clean
        "#]],
    );
    // `useragent = 'PHPMailer'` (codeigniter-phpmailer): PHPMailer's SMTPAutoTLS, STARTTLS if
    // offered, unless `smtp_auto_tls` is false.
    let phpmailer = "<?php\n$config['useragent'] = 'PHPMailer';\n$config['protocol'] = 'smtp';\n$config['smtp_host'] = 'mail.example.com';\n$config['smtp_port'] = 587;\n$config['smtp_user'] = 'me@example.com';\n$config['smtp_pass'] = 'secret';\n$config['smtp_crypto'] = '';\n";
    check(
        "email.php",
        phpmailer,
        expect![[r#"
            2:25 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (useragent=PHPMailer with smtp_crypto=): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtp_crypto=ssl)
                | $config['smtp_port'] = 465;
                | $config['smtp_crypto'] = 'ssl';
              fix: Require STARTTLS (smtp_crypto=tls)
                | $config['smtp_crypto'] = 'tls';
        "#]],
    );
    check(
        "email.php",
        &format!("{phpmailer}$config['smtp_auto_tls'] = false;\n"),
        expect![[r#"
            8:27 error MP004 SMTP connection to mail.example.com without TLS (smtp_crypto=): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (smtp_crypto=ssl)
                | $config['smtp_port'] = 465;
                | $config['smtp_crypto'] = 'ssl';
              fix: Require STARTTLS (smtp_crypto=tls)
                | $config['smtp_crypto'] = 'tls';
        "#]],
    );
}

/// A templated `host:port`: the host may be anywhere; a whole template may carry its own port.
#[test]
fn ssmtp_templated_mailhub() {
    check(
        "ssmtp.conf",
        "mailhub={{ SSMTP_SERVER }}\nAuthUser=me\nAuthPass=secret\n",
        expect![[r#"
            1:9 error MP004 SMTP connection to {{ SSMTP_SERVER }} without TLS (sSMTP's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        "#]],
    );
    check(
        "ssmtp.conf",
        "mailhub=${SMTP_HOST}:25\nAuthUser=me\nAuthPass=secret\n",
        expect![[r#"
            1:22 error MP004 SMTP connection to ${SMTP_HOST} without TLS (sSMTP's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (UseTLS=YES)
                | mailhub=${SMTP_HOST}:465
                | UseTLS=YES
              fix: Use port 587 with STARTTLS (UseSTARTTLS=YES)
                | mailhub=${SMTP_HOST}:587
                | UseSTARTTLS=YES
            1:22 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (UseTLS=YES)
                | mailhub=${SMTP_HOST}:465
                | UseTLS=YES
              fix: Use port 587 with STARTTLS (UseSTARTTLS=YES)
                | mailhub=${SMTP_HOST}:587
                | UseSTARTTLS=YES
        "#]],
    );
    check(
        "ssmtp.conf",
        "mailhub=${SMTP_HOST}:465\nUseTLS=YES\nAuthUser=me\nAuthPass=secret\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Laravel 6.x and older keep one flat mailer in config/mail.php (`'driver' => 'smtp'` beside
/// `host` and `encryption`), still read whole by later versions. SwiftMailer sends STARTTLS only
/// with `encryption => 'tls'` (then required), and nothing without it.
#[test]
fn laravel_flat_mail_config() {
    let skeleton = "<?php\n\nreturn [\n    'driver' => env('MAIL_DRIVER', 'smtp'),\n    'host' => env('MAIL_HOST', 'smtp.mailgun.org'),\n    'port' => env('MAIL_PORT', 587),\n    'from' => [\n        'address' => env('MAIL_FROM_ADDRESS', 'hello@example.com'),\n        'name' => env('MAIL_FROM_NAME', 'Example'),\n    ],\n    'encryption' => env('MAIL_ENCRYPTION', 'tls'),\n    'username' => env('MAIL_USERNAME'),\n    'password' => env('MAIL_PASSWORD'),\n    'sendmail' => '/usr/sbin/sendmail -bs',\n];\n";
    check(
        "config/mail.php",
        skeleton,
        expect![[r#"
        clean
    "#]],
    );
    check(
        "config/mail.php",
        &skeleton.replace("env('MAIL_ENCRYPTION', 'tls')", "null"),
        expect![[r#"
            11:21 error MP004 SMTP connection to smtp.mailgun.org without TLS (encryption=null): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (encryption=ssl)
                |     'port' => env('MAIL_PORT', 465),
                |     'encryption' => "ssl",
              fix: Require STARTTLS (encryption=tls)
                |     'encryption' => "tls",
        "#]],
    );
    check(
        "config/mail.php",
        &skeleton.replace("env('MAIL_ENCRYPTION', 'tls')", "'ssl'"),
        expect![[r#"
            6:32 error MP003 port 587 expects a plaintext greeting and STARTTLS, but encryption=ssl starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     'port' => env('MAIL_PORT', 465),
              fix: Require STARTTLS (encryption=tls)
                |     'encryption' => 'tls',
        "#]],
    );
    // Laravel 4.2: no `encryption` key at all, literal credentials.
    let old = "<?php\n\nreturn array(\n    'driver' => 'smtp',\n    'host' => 'smtp.example.com',\n    'port' => 2525,\n    'from' => array('address' => 'app@example.com', 'name' => 'App'),\n    'username' => 'app',\n    'password' => 'secret',\n    'sendmail' => '/usr/sbin/sendmail -bs',\n    'pretend' => false,\n);\n";
    check(
        "app/config/mail.php",
        old,
        expect![[r#"
        6:15 error MP004 SMTP connection to smtp.example.com without TLS (Laravel 6.x and older (config/mail.php)'s default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
          fix*: Use port 465 with implicit TLS (encryption=ssl)
            |     'port' => 465,
            |     'encryption' => "ssl",
          fix: Require STARTTLS (encryption=tls)
            |     'encryption' => "tls",
    "#]],
    );
    // Another transport leaves the SMTP keys unused.
    check(
        "app/config/mail.php",
        &old.replace("'driver' => 'smtp'", "'driver' => 'mailgun'"),
        expect![[r#"
            clean
        "#]],
    );
}

/// Flask-Mail reads `app.config` with its own defaults (`Mail.init_state`): port 25, neither
/// `MAIL_USE_TLS` nor `MAIL_USE_SSL`. A Python file that sets the server and a login but no
/// security key sends the password in clear on 25; one that names any security key, even as an
/// expression, or a local server, says nothing of the kind.
#[test]
fn flask_mail_defaults() {
    let update = "from flask_mail import Mail\n\napp.config.update(\n    MAIL_SERVER=settings.mail['server'],\n    MAIL_USERNAME=settings.mail['user'],\n    MAIL_PASSWORD=settings.mail['password'],\n)\nmail = Mail(app)\n";
    check(
        "mailer.py",
        update,
        expect![[r#"
            4:17 error MP004 SMTP connection to ${server} without TLS (Flask-Mail's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (MAIL_USE_SSL=true)
                |     MAIL_PORT=465,
                |     MAIL_USE_SSL=True,
              fix: Use port 587 with STARTTLS (MAIL_USE_TLS=true)
                |     MAIL_PORT=587,
                |     MAIL_USE_TLS=True,
            4:17 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (MAIL_USE_SSL=true)
                |     MAIL_PORT=465,
                |     MAIL_USE_SSL=True,
              fix: Use port 587 with STARTTLS (MAIL_USE_TLS=true)
                |     MAIL_PORT=587,
                |     MAIL_USE_TLS=True,
        "#]],
    );
    check(
        "mailer.py",
        &update.replace(
            "    MAIL_USERNAME",
            "    MAIL_PORT=587,\n    MAIL_USE_TLS=True,\n    MAIL_USERNAME",
        ),
        expect![[r#"
            clean
        "#]],
    );
    // The mega-tutorial's shape: the security key is an expression (configured elsewhere).
    let config_class = "import os\n\nclass Config:\n    MAIL_SERVER = os.environ.get('MAIL_SERVER')\n    MAIL_PORT = int(os.environ.get('MAIL_PORT') or 25)\n    MAIL_USE_TLS = os.environ.get('MAIL_USE_TLS') is not None\n    MAIL_USERNAME = os.environ.get('MAIL_USERNAME')\n    MAIL_PASSWORD = os.environ.get('MAIL_PASSWORD')\n";
    check(
        "config.py",
        config_class,
        expect![[r#"
            5:52 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 with implicit TLS (MAIL_USE_SSL=true, MAIL_USE_TLS=false)
                |     MAIL_PORT = int(os.environ.get('MAIL_PORT') or 465)
                |     MAIL_USE_TLS = False
                |     MAIL_USE_SSL = True
              fix: Use port 587 with STARTTLS (MAIL_USE_TLS=true)
                |     MAIL_PORT = int(os.environ.get('MAIL_PORT') or 587)
                |     MAIL_USE_TLS = True
        "#]],
    );
    check(
        "config.py",
        "class Config:\n    MAIL_SERVER = 'localhost'\n    MAIL_USERNAME = 'app'\n    MAIL_PASSWORD = 'secret'\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Django and Flask-Mail log in only when both a user name and a password are set
/// (`if username and password: login(…)`): a user name alone sends nothing, so port 25 is relay
/// and no password crosses the network.
#[test]
fn a_user_name_without_a_password_logs_in_nowhere() {
    check(
        "mail.py",
        "MAIL_SERVER = 'smtp.example.org'\nMAIL_USERNAME = 'noreply@example.org'\n# MAIL_PASSWORD = '***'\n",
        expect![[r#"
            1:16 warning MP004 SMTP connection to smtp.example.org without TLS (Flask-Mail's default): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (MAIL_USE_SSL=true)
                | MAIL_PORT = 465
                | MAIL_USE_SSL = True
              fix: Use port 587 with STARTTLS (MAIL_USE_TLS=true)
                | MAIL_PORT = 587
                | MAIL_USE_TLS = True
        "#]],
    );
    check(
        "settings.py",
        "EMAIL_HOST = 'smtp.example.org'\nEMAIL_PORT = 25\nEMAIL_HOST_USER = 'noreply@example.org'\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "settings.py",
        "import os\nEMAIL_HOST = 'smtp.example.org'\nEMAIL_PORT = 25\nEMAIL_HOST_USER = 'noreply@example.org'\nEMAIL_HOST_PASSWORD = os.environ['EMAIL_PASSWORD']\n",
        expect![[r#"
            3:14 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 with implicit TLS (EMAIL_USE_SSL=true)
                | EMAIL_PORT = 465
                | EMAIL_USE_SSL = True
              fix: Use port 587 with STARTTLS (EMAIL_USE_TLS=true)
                | EMAIL_PORT = 587
                | EMAIL_USE_TLS = True
        "#]],
    );
}

/// A port that is an environment lookup's fallback (`int(os.getenv("EMAIL_PORT", 25))`) is the
/// port where the variables are unset; there a user and password that fall back to `""` are empty,
/// so port 25 is a relay, not a login on the relay port. A port written as a literal, or
/// credentials without an empty fallback, keep the login.
#[test]
fn an_environment_fallback_port_reads_credentials_in_the_same_world() {
    let settings = "import os\nEMAIL_HOST = os.getenv('EMAIL_HOST', '')\nEMAIL_PORT = int(os.getenv('EMAIL_PORT', 25))\nEMAIL_HOST_USER = os.getenv('EMAIL_HOST_USER', '')\nEMAIL_HOST_PASSWORD = os.getenv('EMAIL_HOST_PASSWORD', '')\nEMAIL_USE_TLS = os.getenv('EMAIL_USE_TLS', 'False') == 'True'\n";
    check(
        "settings.py",
        settings,
        expect![[r#"
            clean
        "#]],
    );
    check(
        "settings.py",
        &settings.replace("int(os.getenv('EMAIL_PORT', 25))", "25"),
        expect![[r#"
            3:14 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 with implicit TLS (EMAIL_USE_SSL=true, EMAIL_USE_TLS=false)
                | EMAIL_PORT = 465
                | EMAIL_USE_TLS = False
                | EMAIL_USE_SSL = True
              fix: Use port 587 with STARTTLS (EMAIL_USE_TLS=true)
                | EMAIL_PORT = 587
                | EMAIL_USE_TLS = True
        "#]],
    );
    check(
        "settings.py",
        &settings
            .replace(
                "os.getenv('EMAIL_HOST_USER', '')",
                "os.environ['EMAIL_HOST_USER']",
            )
            .replace(
                "os.getenv('EMAIL_HOST_PASSWORD', '')",
                "os.environ.get('EMAIL_HOST_PASSWORD')",
            ),
        expect![[r#"
            3:42 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 with implicit TLS (EMAIL_USE_SSL=true, EMAIL_USE_TLS=false)
                | EMAIL_PORT = int(os.getenv('EMAIL_PORT', 465))
                | EMAIL_USE_TLS = False
                | EMAIL_USE_SSL = True
              fix: Use port 587 with STARTTLS (EMAIL_USE_TLS=true)
                | EMAIL_PORT = int(os.getenv('EMAIL_PORT', 587))
                | EMAIL_USE_TLS = True
        "#]],
    );
}

/// fastapi-mail's ConnectionConfig hands its fields to aiosmtplib: MAIL_STARTTLS required
/// STARTTLS, MAIL_SSL_TLS implicit TLS, both False plaintext, VALIDATE_CERTS=False no checks. Its
/// `MAIL_SERVER` is not Flask-Mail's, whose defaults (port 25, no TLS) do not apply.
#[test]
fn fastapi_mail_connection_config() {
    check(
        "mail.py",
        "from fastapi_mail import ConnectionConfig\n\nconf = ConnectionConfig(\n    MAIL_USERNAME=settings.MAIL_USERNAME,\n    MAIL_PASSWORD=settings.MAIL_PASSWORD,\n    MAIL_FROM=settings.MAIL_FROM,\n    MAIL_PORT=587,\n    MAIL_SERVER=\"smtp.example.org\",\n    MAIL_STARTTLS=False,\n    MAIL_SSL_TLS=False,\n    USE_CREDENTIALS=True,\n    VALIDATE_CERTS=False,\n)\n",
        expect![[r#"
            9:19 error MP004 SMTP connection to smtp.example.org without TLS (MAIL_STARTTLS=False with MAIL_SSL_TLS=False): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (MAIL_SSL_TLS=True)
                |     MAIL_PORT=465,
                |     MAIL_SSL_TLS=True,
              fix: Require STARTTLS (MAIL_STARTTLS=True)
                |     MAIL_STARTTLS=True,
            12:20 warning MP008 certificate checking is switched off (VALIDATE_CERTS=False) for smtp.example.org: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "mail.py",
        "from fastapi_mail import ConnectionConfig\n\nconf = ConnectionConfig(\n    MAIL_USERNAME=settings.MAIL_USERNAME,\n    MAIL_PASSWORD=settings.MAIL_PASSWORD,\n    MAIL_PORT=587,\n    MAIL_SERVER=\"smtp.example.org\",\n    MAIL_STARTTLS=True,\n    MAIL_SSL_TLS=True,\n)\n",
        expect![[r#"
            9:18 error MP010 MAIL_SSL_TLS=True and MAIL_STARTTLS=True ask for two TLS modes at once (implicit TLS and STARTTLS); fastapi-mail refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use port 465 with implicit TLS (MAIL_STARTTLS=False)
                |     MAIL_PORT=465,
                |     MAIL_STARTTLS=False,
              fix: Require STARTTLS (MAIL_SSL_TLS=False)
                |     MAIL_SSL_TLS=False,
        "#]],
    );
    // The settings class that feeds it: the shape that Flask-Mail's defaults used to misread.
    check(
        "config.py",
        "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    MAIL_USERNAME: str\n    MAIL_PASSWORD: str\n    MAIL_PORT: int = 587\n    MAIL_SERVER: str = \"smtp.gmail.com\"\n    MAIL_STARTTLS: bool = True\n    MAIL_SSL_TLS: bool = False\n",
        expect![[r#"
            clean
        "#]],
    );
    // Before 1.2 the fields were MAIL_TLS and MAIL_SSL.
    check(
        "config.py",
        "conf = ConnectionConfig(\n    MAIL_USERNAME=\"me@example.org\",\n    MAIL_PASSWORD=\"secret\",\n    MAIL_PORT=465,\n    MAIL_SERVER=\"smtp.example.org\",\n    MAIL_TLS=True,\n    MAIL_SSL=False,\n)\n",
        expect![[r#"
            4:15 error MP003 port 465 starts with TLS (implicit TLS), but MAIL_TLS=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (MAIL_SSL=True, MAIL_TLS=False)
                |     MAIL_TLS=False,
                |     MAIL_SSL=True,
              fix: Use port 587 (STARTTLS)
                |     MAIL_PORT=587,
        "#]],
    );
}
