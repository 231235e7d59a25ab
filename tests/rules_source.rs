//! Rules over mail settings written in program source (Python, PHP, Ruby, JavaScript/TypeScript,
//! Nix): where each fires, and where it must stay silent among many unrelated settings (database,
//! cache and HTTP ports).

mod support;

use expect_test::{expect, Expect};
use mailport::config::Config;

fn check(name: &str, text: &str, expect: Expect) {
    expect.assert_eq(&support::render(name, text, &Config::default()));
}

#[test]
fn django_settings_starttls_on_465() {
    check(
        "settings.py",
        r#"import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = ["shop.example.com"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("DB_HOST", "db.internal"),
        "PORT": 5432,
        "USER": "shop",
        "PASSWORD": os.environ.get("DB_PASSWORD", "shop"),
    }
}
CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://cache:6379/1"}}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "smtp.example.com"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 465))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = True
DEFAULT_FROM_EMAIL = "shop@example.com"
"#,
        expect![[r#"
            21:47 error MP003 port 465 starts with TLS (implicit TLS), but EMAIL_USE_TLS=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (EMAIL_USE_SSL=true, EMAIL_USE_TLS=False)
                | EMAIL_USE_TLS = False
                | EMAIL_USE_SSL = True
              fix: Use port 587 (STARTTLS)
                | EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
        "#]],
    );
}

#[test]
fn django_and_flask_clean() {
    check(
        "settings.py",
        r#"DATABASES = {"default": {"HOST": "db", "PORT": "5432", "PASSWORD": "x"}}
EMAIL_HOST = "smtp.mail.ru"
EMAIL_PORT = 2525
EMAIL_HOST_USER = os.environ.get("EMAIL_USER")
EMAIL_USE_TLS = True
EMAIL_USE_SSL = False
"#,
        expect![[r#"
            clean
        "#]],
    );
    check(
        "app.py",
        r#"from flask import Flask
from flask_mail import Mail

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://app@db:5432/app"
app.config["MAIL_SERVER"] = "smtp.example.com"
app.config["MAIL_PORT"] = 465
app.config["MAIL_USE_SSL"] = True
app.config["MAIL_USERNAME"] = os.environ.get("MAIL_USERNAME")
mail = Mail(app)
app.run(host="0.0.0.0", port=8080)
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn flask_config_class_both_modes() {
    check(
        "config.py",
        r#"class Config:
    MAIL_SERVER = "smtp.example.com"
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = True
    MAIL_USERNAME = "app@example.com"
"#,
        expect![[r#"
            5:20 error MP010 MAIL_USE_SSL=True and MAIL_USE_TLS=True ask for two TLS modes at once (implicit TLS and STARTTLS); Flask-Mail refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use port 465 with implicit TLS (MAIL_USE_TLS=False)
                |     MAIL_PORT = 465
                |     MAIL_USE_TLS = False
              fix: Require STARTTLS (MAIL_USE_SSL=False)
                |     MAIL_USE_SSL = False
        "#]],
    );
}

#[test]
fn nextcloud_tls_is_not_honoured() {
    check(
        "config.php",
        r#"<?php
$CONFIG = array (
  'instanceid' => 'oc8c0fd71e03',
  'trusted_domains' => array (0 => 'cloud.example.com'),
  'dbtype' => 'pgsql',
  'dbhost' => 'db:5432',
  'memcache.locking' => '\OC\Memcache\Redis',
  'redis' => array ('host' => 'redis', 'port' => 6379),
  'mail_smtpmode' => 'smtp',
  'mail_smtphost' => 'smtp.example.com',
  'mail_smtpport' => '587',
  'mail_smtpsecure' => 'tls',
  'mail_smtpauth' => true,
  'mail_smtpname' => 'cloud@example.com',
  'mail_smtppassword' => 'secret',
);
"#,
        expect![[r#"
            12:25 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (mail_smtpsecure=tls): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (mail_smtpsecure=ssl)
                |   'mail_smtpport' => '465',
                |   'mail_smtpsecure' => 'ssl',
        "#]],
    );
    check(
        "config.php",
        "<?php\n$CONFIG = array (\n  'mail_smtpmode' => 'smtp',\n  'mail_smtphost' => 'smtp.example.com',\n  'mail_smtpport' => 465,\n  'mail_smtpsecure' => 'ssl',\n  'mail_smtpauth' => true,\n  'mail_smtpname' => 'cloud@example.com',\n);\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn wordpress_constants_and_phpmailer() {
    check(
        "wp-config.php",
        r#"<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_HOST', 'db:3306' );
define( 'WPMS_ON', true );
define( 'WPMS_MAILER', 'smtp' );
define( 'WPMS_SMTP_HOST', 'smtp.example.com' );
define( 'WPMS_SMTP_PORT', 465 );
define( 'WPMS_SSL', 'tls' );
define( 'WPMS_SMTP_AUTH', true );
define( 'WPMS_SMTP_USER', 'wp@example.com' );
define( 'WPMS_SMTP_PASS', 'secret' );
$table_prefix = 'wp_';
"#,
        expect![[r#"
            7:27 error MP003 port 465 starts with TLS (implicit TLS), but WPMS_SSL=tls means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (WPMS_SSL=ssl)
                | define( 'WPMS_SSL', 'ssl' );
              fix: Use port 587 (STARTTLS)
                | define( 'WPMS_SMTP_PORT', 587 );
        "#]],
    );
    check(
        "functions.php",
        r#"<?php
add_action( 'phpmailer_init', function ( $phpmailer ) {
    $phpmailer->isSMTP();
    $phpmailer->Host       = 'smtp.example.com';
    $phpmailer->SMTPAuth   = true;
    $phpmailer->Port       = 587;
    $phpmailer->Username   = 'wp@example.com';
    $phpmailer->Password   = 'secret';
    $phpmailer->SMTPSecure = PHPMailer\PHPMailer\PHPMailer::ENCRYPTION_STARTTLS;
} );
$db = new PDO('mysql:host=db;port=3306', 'wp', 'secret');
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn phpmailer_logs_in_exactly_when_smtpauth_is_on() {
    // A settings file with its host and credentials blanked before commit: SMTPAuth = true
    // makes PHPMailer send AUTH with whatever is filled in, over STARTTLS only if offered.
    check(
        "settings.php",
        r#"<?php
use PHPMailer\PHPMailer\PHPMailer;
$mail = new PHPMailer();
$mail->isSMTP();
$mail->Host = '';
$mail->Port = 587;
$mail->SMTPAuth = true;
$mail->Username = '';
$mail->Password = '';
"#,
        expect![[r#"
            6:15 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (PHPMailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (SMTPSecure=ssl)
                | $mail->Port = 465;
                | $mail->SMTPSecure = "ssl";
              fix: Require STARTTLS (SMTPSecure=tls)
                | $mail->SMTPSecure = "tls";
        "#]],
    );
    // Without SMTPAuth (default false) PHPMailer never sends the user name and password.
    check(
        "mailer.php",
        r#"<?php
$mail = new PHPMailer\PHPMailer\PHPMailer();
$mail->isSMTP();
$mail->Host = 'smtp.example.com';
$mail->Port = 587;
$mail->Username = 'app@example.com';
$mail->Password = getenv('SMTP_PASSWORD');
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn nodemailer_ignore_tls_without_secure_sends_in_clear() {
    // smtp-connection: `ignoreTLS` skips STARTTLS even when the server offers it.
    check(
        "mail.module.ts",
        r#"MailerModule.forRoot({
  transport: {
    host: 'smtp.mailgun.org',
    port: 587,
    secure: false,
    auth: { user: process.env.MAILER_USERNAME, pass: process.env.MAILER_PASSWORD },
    ignoreTLS: true,
  },
});
"#,
        expect![[r#"
            5:13 error MP004 SMTP connection to smtp.mailgun.org without TLS (secure=false with ignoreTLS=true): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (secure=true)
                |     port: 465,
                |     secure: true,
              fix: Require STARTTLS (requireTLS=true, ignoreTLS=false)
                |     ignoreTLS: false,
                |     requireTLS: true,
        "#]],
    );
    // Implicit TLS does not care: `ignoreTLS` only skips STARTTLS.
    check(
        "mailer.js",
        "nodemailer.createTransport({ host: 'smtp.mailgun.org', port: 465, secure: true, ignoreTLS: true, auth: { user: 'u', pass: 'p' } });\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn laravel_config_mail_php() {
    // Laravel 11: `scheme` comes from the environment, so the mode is not decided here: silent.
    check(
        "config/mail.php",
        r#"<?php

return [
    'default' => env('MAIL_MAILER', 'smtp'),
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'scheme' => env('MAIL_SCHEME'),
            'url' => env('MAIL_URL'),
            'host' => env('MAIL_HOST', 'smtp.example.com'),
            'port' => env('MAIL_PORT', 587),
            'username' => env('MAIL_USERNAME', 'app@example.com'),
            'password' => env('MAIL_PASSWORD'),
            'timeout' => null,
        ],
        'log' => ['transport' => 'log', 'channel' => env('MAIL_LOG_CHANNEL')],
    ],
];
"#,
        expect![[r#"
            clean
        "#]],
    );
    // Laravel 4 (SwiftMailer honours 'encryption'): SSL on 25.
    check(
        "app/config/mail.php",
        "<?php\n\nreturn array(\n    'driver' => 'smtp',\n    'host' => 'smtp.gmail.com',\n    'port' => 25,\n    'encryption' => 'ssl',\n    'username' => getenv('email_address'),\n    'password' => getenv('email_password'),\n);\n",
        expect![[r#"
            6:15 error MP003 port 25 expects a plaintext greeting and STARTTLS, but encryption=ssl starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     'port' => 465,
              fix: Use port 587 with STARTTLS (encryption=tls)
                |     'port' => 587,
                |     'encryption' => 'tls',
        "#]],
    );
}

#[test]
fn laravel_config_mail_php_generation_from_the_skeleton() {
    // laravel/laravel 9.x+ (Symfony Mailer) ships `local_domain`: `encryption` is ignored there and
    // the port decides, so 'tls' on 587 with a password is opportunistic STARTTLS.
    check(
        "config/mail.php",
        r#"<?php

return [
    'default' => env('MAIL_MAILER', 'smtp'),
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'host' => env('MAIL_HOST', 'smtp.mailgun.org'),
            'port' => env('MAIL_PORT', 587),
            'encryption' => env('MAIL_ENCRYPTION', 'tls'),
            'username' => env('MAIL_USERNAME'),
            'password' => env('MAIL_PASSWORD'),
            'timeout' => null,
            'local_domain' => env('MAIL_EHLO_DOMAIN'),
        ],
        'ses' => ['transport' => 'ses'],
    ],
    'from' => ['address' => env('MAIL_FROM_ADDRESS', 'hello@example.com'), 'name' => env('MAIL_FROM_NAME', 'Example')],
];
"#,
        expect![[r#"
            9:40 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Laravel (config/mail.php) on port 587): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 (implicit TLS)
                |             'port' => env('MAIL_PORT', 465),
        "#]],
    );
    // 10.x adds `url`; 'ssl' on 465 is implicit TLS there too: clean.
    check(
        "config/mail.php",
        r#"<?php
return [
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'url' => env('MAIL_URL'),
            'host' => env('MAIL_HOST', 'smtp.example.com'),
            'port' => env('MAIL_PORT', 465),
            'encryption' => env('MAIL_ENCRYPTION', 'ssl'),
            'username' => env('MAIL_USERNAME'),
            'password' => env('MAIL_PASSWORD'),
        ],
    ],
];
"#,
        expect![[r#"
            clean
        "#]],
    );
    // The 7.x/8.x skeleton (`auth_mode`, SwiftMailer honours 'tls') may also run on 9+ after an
    // upgrade: the generation, and so the mode, is not decided: silent.
    check(
        "config/mail.php",
        r#"<?php
return [
    'default' => env('MAIL_MAILER', 'smtp'),
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'host' => env('MAIL_HOST', 'smtp.mailgun.org'),
            'port' => env('MAIL_PORT', 587),
            'encryption' => env('MAIL_ENCRYPTION', 'tls'),
            'username' => env('MAIL_USERNAME'),
            'password' => env('MAIL_PASSWORD'),
            'timeout' => null,
            'auth_mode' => null,
        ],
    ],
];
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn gitlab_rb() {
    check(
        "gitlab.rb",
        r#"external_url "https://gitlab.example.com"
gitlab_rails['gitlab_shell_ssh_port'] = 2222
postgresql['port'] = 5432
gitlab_rails['smtp_enable'] = true
gitlab_rails['smtp_address'] = "smtp.example.com"
gitlab_rails['smtp_port'] = 587
gitlab_rails['smtp_user_name'] = "gitlab@example.com"
gitlab_rails['smtp_password'] = "secret"
gitlab_rails['smtp_domain'] = "example.com"
gitlab_rails['smtp_authentication'] = "login"
gitlab_rails['smtp_enable_starttls_auto'] = true
gitlab_rails['smtp_tls'] = false
gitlab_rails['smtp_openssl_verify_mode'] = 'none'
nginx['listen_port'] = 80
"#,
        expect![[r#"
            11:45 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (smtp_enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtp_tls=true, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_port'] = 465
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_tls'] = true
              fix: Require STARTTLS (smtp_enable_starttls=true, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_enable_starttls'] = true
            13:45 warning MP008 certificate checking is switched off (smtp_openssl_verify_mode=none) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "gitlab.rb",
        "gitlab_rails['smtp_enable'] = true\ngitlab_rails['smtp_address'] = \"smtp.example.com\"\ngitlab_rails['smtp_port'] = 465\ngitlab_rails['smtp_user_name'] = \"gitlab@example.com\"\ngitlab_rails['smtp_password'] = \"secret\"\ngitlab_rails['smtp_tls'] = true\ngitlab_rails['smtp_enable_starttls_auto'] = true\n",
        expect![[r#"
            7:45 error MP010 smtp_enable_starttls_auto=true and smtp_tls=true ask for two TLS modes at once (implicit TLS and STARTTLS); GitLab Omnibus refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use implicit TLS (smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_enable_starttls_auto'] = false
              fix: Use port 587 with STARTTLS (smtp_enable_starttls=true, smtp_tls=false, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_port'] = 587
                | gitlab_rails['smtp_tls'] = false
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_enable_starttls'] = true
        "#]],
    );
}

#[test]
fn rails_smtp_settings() {
    check(
        "config/environments/production.rb",
        r#"Rails.application.configure do
  config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"] }
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: "smtp.example.com",
    port: 587,
    user_name: ENV["SMTP_USER"],
    password: ENV["SMTP_PASSWORD"],
    authentication: :plain,
    tls: true
  }
end
"#,
        expect![[r#"
            6:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but tls=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     port: 465,
              fix: Require STARTTLS (enable_starttls=true, tls=false)
                |     tls: false,
                |     enable_starttls: true
        "#]],
    );
    check(
        "config/environments/production.rb",
        "Rails.application.configure do\n  config.action_mailer.smtp_settings = {\n    address: \"smtp.example.com\",\n    port: 587,\n    user_name: ENV[\"SMTP_USER\"],\n    password: ENV[\"SMTP_PASSWORD\"],\n    enable_starttls: true\n  }\nend\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// Docker images ship their Ruby initializers as templates that the entrypoint fills in
/// (`port: {{SMTP_PORT}},` bare, outside any string): the placeholders are values set elsewhere,
/// and what the template writes literally still counts.
/// Rails with `ENV.fetch` fallbacks: a port that falls back to 25 is read with the variables
/// unset, where credentials that fall back to `""` are empty (no login on the relay port, no
/// MP006); the opportunistic STARTTLS holds in both worlds (MP005).
#[test]
fn rails_environment_fallbacks_read_in_one_world() {
    let settings = "ActionMailer::Base.smtp_settings = {\n  address: ENV.fetch(\"SMTP_ADDRESS\", \"smtp.example.com\"),\n  port: ENV.fetch(\"SMTP_PORT\", 25).to_i,\n  user_name: ENV.fetch(\"SMTP_USERNAME\", \"\"),\n  password: ENV.fetch(\"SMTP_PASSWORD\", \"\"),\n  authentication: :plain,\n  enable_starttls_auto: true\n}\n";
    check(
        "config/initializers/smtp.rb",
        settings,
        expect![[r#"
            7:25 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |   port: ENV.fetch("SMTP_PORT", 465).to_i,
                |   enable_starttls_auto: false,
                |   tls: true
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |   port: ENV.fetch("SMTP_PORT", 587).to_i,
                |   enable_starttls_auto: true,
                |   enable_starttls: true
        "#]],
    );
    check(
        "config/initializers/smtp.rb",
        &settings.replace(", \"\")", ")"),
        expect![[r#"
            3:32 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses opportunistic STARTTLS.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |   port: ENV.fetch("SMTP_PORT", 465).to_i,
                |   enable_starttls_auto: false,
                |   tls: true
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |   port: ENV.fetch("SMTP_PORT", 587).to_i,
                |   enable_starttls_auto: true,
                |   enable_starttls: true
            7:25 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |   port: ENV.fetch("SMTP_PORT", 465).to_i,
                |   enable_starttls_auto: false,
                |   tls: true
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |   port: ENV.fetch("SMTP_PORT", 587).to_i,
                |   enable_starttls_auto: true,
                |   enable_starttls: true
        "#]],
    );
}

#[test]
fn rails_smtp_settings_template_of_an_image() {
    check(
        "assets/config/gitlab/smtp_settings.rb",
        r#"# To enable smtp email delivery for your GitLab instance do next:
# 1. Rename this file to smtp_settings.rb
if Rails.env.production?
  Gitlab::Application.config.action_mailer.delivery_method = :smtp

  ActionMailer::Base.smtp_settings = {
    address: "{{SMTP_HOST}}",
    port: {{SMTP_PORT}},
    user_name: "{{SMTP_USER}}",
    password: "{{SMTP_PASSWORD}}",
    domain: "{{SMTP_DOMAIN}}",
    authentication: :{{SMTP_AUTH}},
    enable_starttls_auto: true,
    openssl_verify_mode: '{{SMTP_VERIFY}}'
  }
end
"#,
        expect![[r#"
            13:27 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |     port: 465,
                |     enable_starttls_auto: false,
                |     openssl_verify_mode: '{{SMTP_VERIFY}}',
                |     tls: true
              fix: Use port 587 with STARTTLS (enable_starttls=true)
                |     port: 587,
                |     openssl_verify_mode: '{{SMTP_VERIFY}}',
                |     enable_starttls: true
        "#]],
    );
    // Every security value a placeholder too: nothing is decided here.
    check(
        "assets/runtime/config/gitlabhq/smtp_settings.rb",
        r#"if Rails.env.production?
  ActionMailer::Base.delivery_method = :smtp
  ActionMailer::Base.smtp_settings = {
    address: "{{SMTP_HOST}}",
    port: {{SMTP_PORT}},
    user_name: "{{SMTP_USER}}",
    password: "{{SMTP_PASS}}",
    authentication: "{{SMTP_AUTHENTICATION}}",
    enable_starttls_auto: {{SMTP_STARTTLS}},
    openssl_verify_mode: '{{SMTP_OPENSSL_VERIFY_MODE}}',
    tls: {{SMTP_TLS}}
  }
end
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// nodemailer's options as a module's whole export (`export default { … }`, `module.exports =
/// { … }`), handed to createTransport elsewhere: told by the keys only nodemailer has, and read
/// only where the host names a mail server or is read from a variable that does. `ignoreTLS:
/// false` is the default and says nothing.
/// A port that falls back to 25 when `SMTP_PORT` is unset is read with the variables unset, where
/// `process.env.SMTP_USER || ''` is empty: no login on the relay port (no MP006). Where they are
/// set, the password still crosses a STARTTLS used only if offered (MP005). Credentials without
/// an empty fallback log in on 25 too.
#[test]
fn nodemailer_environment_fallbacks_read_in_one_world() {
    let transport = "const nodemailer = require('nodemailer');\nconst transporter = nodemailer.createTransport({\n  host: process.env.SMTP_HOST,\n  port: Number(process.env.SMTP_PORT || 25),\n  auth: {\n    user: process.env.SMTP_USER || '',\n    pass: process.env.SMTP_PASS || '',\n  },\n});\n";
    check(
        "mailer.js",
        transport,
        expect![[r#"
            4:41 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Nodemailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: Number(process.env.SMTP_PORT || 465),
                |   secure: true,
              fix: Use port 587 with STARTTLS (secure=false, requireTLS=true)
                |   port: Number(process.env.SMTP_PORT || 587),
                |   secure: false,
                |   requireTLS: true,
        "#]],
    );
    check(
        "mailer.js",
        &transport.replace(" || ''", ""),
        expect![[r#"
            4:41 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Nodemailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: Number(process.env.SMTP_PORT || 465),
                |   secure: true,
              fix: Use port 587 with STARTTLS (secure=false, requireTLS=true)
                |   port: Number(process.env.SMTP_PORT || 587),
                |   secure: false,
                |   requireTLS: true,
            4:41 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses opportunistic STARTTLS.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: Number(process.env.SMTP_PORT || 465),
                |   secure: true,
              fix: Use port 587 with STARTTLS (secure=false, requireTLS=true)
                |   port: Number(process.env.SMTP_PORT || 587),
                |   secure: false,
                |   requireTLS: true,
        "#]],
    );
}

#[test]
fn nodemailer_options_as_a_module_export() {
    check(
        "nodemailerConfig.ts",
        "export default {\n    host: 'smtp.sendgrid.net',\n    port: 587,\n    secure: false,\n    auth: {\n        user: 'apikey',\n        pass: `${process.env.SENDGRID_API_KEY}`,\n    },\n};\n",
        expect![[r#"
            4:13 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (secure=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |     port: 465,
                |     secure: true,
              fix: Require STARTTLS (requireTLS=true)
                |     requireTLS: true,
        "#]],
    );
    check(
        "mail.js",
        "module.exports = {\n  host: \"smtp.example.com\",\n  port: 587,\n  ignoreTLS: false,\n  auth: { user: \"me\", pass: \"secret\" },\n};\n",
        expect![[r#"
            3:9 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Nodemailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: 465,
                |   secure: true,
              fix: Require STARTTLS (secure=false, requireTLS=true)
                |   secure: false,
                |   requireTLS: true,
        "#]],
    );
    // A host read from a variable that names SMTP (or a sender's `MAIL_HOST`) is a mail server.
    check(
        "config.ts",
        "export default {\n  host: process.env.SMTP_HOST,\n  port: 587,\n  secure: false,\n  auth: { user: 'u', pass: 'p' },\n};\n",
        expect![[r#"
            4:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (secure=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: 465,
                |   secure: true,
              fix: Require STARTTLS (requireTLS=true)
                |   requireTLS: true,
        "#]],
    );
    for (name, silent) in [
        // A web server's options: no mail host, no endpoint.
        ("server.config.js", "module.exports = {\n  host: '0.0.0.0',\n  port: 8080,\n  secure: false,\n};\n"),
        // No key only nodemailer has.
        ("db.js", "module.exports = {\n  host: 'smtp.example.com',\n  port: 25,\n};\n"),
        ("mail.ts", "export default {\n  host: 'smtp.gmail.com',\n  port: 465,\n  secure: true,\n  auth: { user: 'me@gmail.com', pass: 'app-password' },\n};\n"),
    ] {
        check(
            name,
            silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

#[test]
fn nodemailer_options_under_a_compound_name() {
    // The options object is built apart from `createTransport` under a name that ends with one of
    // nodemailer's words (`…Transport`): read as nodemailer's. A name that merely starts with
    // one (`transportLog`) is not.
    check(
        "emailSend.js",
        r#"const nodemailerCreateTransport = {
  host: "smtp.example.com",
  port: 587,
  secure: false,
  auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS },
};
const transportLog = { host: "logs.example.com", port: 587, secure: false, auth: { user: "u", pass: "p" } };
module.exports = { nodemailerCreateTransport };
"#,
        expect![[r#"
            4:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (secure=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: 465,
                |   secure: true,
              fix: Require STARTTLS (requireTLS=true)
                |   requireTLS: true,
        "#]],
    );
}

#[test]
fn nodemailer_transports() {
    check(
        "mailer.js",
        r#"const express = require("express");
const nodemailer = require("nodemailer");

const app = express();
const db = { host: "db.internal", port: 5432, user: "app", password: "secret" };

const transporter = nodemailer.createTransport({
  host: "smtp.example.com",
  port: 587,
  secure: true,
  auth: {
    user: process.env.SMTP_USER,
    pass: process.env.SMTP_PASS,
  },
});

app.listen(process.env.PORT || 3000);
"#,
        expect![[r#"
            9:9 error MP003 port 587 expects a plaintext greeting and STARTTLS, but secure=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |   port: 465,
              fix: Require STARTTLS (secure=false, requireTLS=true)
                |   secure: false,
                |   requireTLS: true,
        "#]],
    );
    check(
        "config/plugins.ts",
        r#"export default ({ env }) => ({
  email: {
    config: {
      provider: 'nodemailer',
      providerOptions: {
        host: env('SMTP_HOST', 'smtp.example.com'),
        port: env.int('SMTP_PORT', 587),
        secure: false,
        auth: { user: env('SMTP_USERNAME'), pass: env('SMTP_PASSWORD') },
      },
    },
  },
});
"#,
        expect![[r#"
            8:17 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (secure=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |         port: env.int('SMTP_PORT', 465),
                |         secure: true,
              fix: Require STARTTLS (requireTLS=true)
                |         requireTLS: true,
        "#]],
    );
    check(
        "mailer.mjs",
        "import nodemailer from 'nodemailer';\nexport const transport = nodemailer.createTransport({\n  host: 'smtp.example.com',\n  port: 465,\n  secure: true,\n  auth: { user: 'a', pass: 'b' },\n});\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn python_smtplib_scripts() {
    check(
        "send_report.py",
        r#"import smtplib
from email.message import EmailMessage

DB_PORT = 5432

def send(report):
    msg = EmailMessage()
    msg["Subject"] = "Nightly report"
    msg.set_content(report)
    with smtplib.SMTP_SSL("smtp.gmail.com", 587) as server:
        server.login("me@gmail.com", os.environ["APP_PASSWORD"])
        server.send_message(msg)
"#,
        expect![[r#"
            10:45 error MP003 port 587 expects a plaintext greeting and STARTTLS, but class=SMTP_SSL starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     with smtplib.SMTP_SSL("smtp.gmail.com", 465) as server:
        "#]],
    );
    check(
        "notify.py",
        r#"import smtplib

def notify(text):
    server = smtplib.SMTP("mail.example.net", 587)
    server.login("alerts", "secret")
    server.sendmail("alerts@example.net", ["ops@example.net"], text)
    server.quit()
"#,
        expect![[r#"
            4:14 error MP004 SMTP connection to mail.example.net without TLS (class=SMTP): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        "#]],
    );
    check(
        "ok.py",
        "import smtplib\n\ndef send(msg):\n    with smtplib.SMTP('smtp.example.com', 587) as s:\n        s.starttls()\n        s.login('u', 'p')\n        s.send_message(msg)\n    with smtplib.SMTP_SSL(host='smtp.example.com', port=465) as s:\n        s.login('u', 'p')\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// A script with several connections: each `starttls()` and `login()` is the connection's whose
/// name it is called on (made before it), a call on a name no connection has may be any one's,
/// and a host named by a constant the script sets once is that constant.
#[test]
fn python_smtplib_calls_belong_to_their_connection() {
    let text = r#"import smtplib, ssl

RELAY = "relay.example.org"

def secure():
    server = smtplib.SMTP("smtp.gmail.com", 587)
    server.starttls(context=ssl.create_default_context())
    server.login(user, password)

def relay(message):
    server = smtplib.SMTP(RELAY)
    server.sendmail(a, b, message)
"#;
    check(
        "snippets.py",
        text,
        expect![[r#"
            11:14 warning MP004 SMTP connection to relay.example.org without TLS (class=SMTP): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        "#]],
    );
    // The relay upgraded too, through a name no connection was given: any connection's.
    check(
        "snippets.py",
        &format!("{text}\ndef upgrade(conn):\n    conn.starttls()\n"),
        expect![[r#"
            clean
        "#]],
    );
    // An upgrade under a condition is still this connection's (a local relay on 25 skips it).
    check(
        "email_service.py",
        "import smtplib\n\ndef send(msg):\n    with smtplib.SMTP(SMTP_HOST, SMTP_PORT) as server:\n        if SMTP_PORT != 25 and SMTP_PASSWORD:\n            server.starttls()\n            server.login(SMTP_USER, SMTP_PASSWORD)\n        server.send_message(msg)\n",
        expect![[r#"
            clean
        "#]],
    );
    // A name set twice is no constant.
    check(
        "snippets.py",
        &text.replace(
            "RELAY = \"relay.example.org\"",
            "RELAY = \"relay.example.org\"\nRELAY = os.environ[\"RELAY\"]",
        ),
        expect![[r#"
            12:14 warning MP004 SMTP connection to ${RELAY} without TLS (class=SMTP): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        "#]],
    );
}

/// node-imap's (imap-simple's) options hand `tlsOptions` to Node's `tls.connect`:
/// `rejectUnauthorized: false` accepts any certificate.
#[test]
fn node_imap_tls_options() {
    let text = "export const configEmail = {\n  imap: {\n    user: 'me@example.com',\n    password: 'secret',\n    host: 'imap.example.com',\n    port: 993,\n    tls: true,\n    tlsOptions: { rejectUnauthorized: false }\n  }\n};\n";
    check(
        "account.mjs",
        text,
        expect![[r#"
            8:39 warning MP008 certificate checking is switched off (tlsOptions.rejectUnauthorized=false) for imap.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "account.mjs",
        &text.replace("rejectUnauthorized: false", "rejectUnauthorized: true"),
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn nodemailer_url_transport() {
    check(
        "notify.js",
        "const nodemailer = require('nodemailer');\nconst transport = nodemailer.createTransport('smtp://alerts%40example.com:pw@smtp.example.com:587');\nmodule.exports = transport;\n",
        expect![[r#"
            2:95 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (the smtp:// scheme): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtps://)
                | const transport = nodemailer.createTransport('smtps://alerts%40example.com:pw@smtp.example.com:465');
        "#]],
    );
}

#[test]
fn nix_home_manager_and_msmtp() {
    check(
        "home.nix",
        r#"{ config, pkgs, ... }:
{
  services.postgresql.port = 5432;
  accounts.email.accounts.work = {
    primary = true;
    address = "me@example.com";
    userName = "me@example.com";
    passwordCommand = "pass show mail/work";
    imap = { host = "imap.example.com"; port = 143; tls.enable = false; };
    smtp = {
      host = "smtp.example.com";
      port = 587;
    };
  };
}
"#,
        expect![[r#"
            9:66 warning MP004 IMAP connection to imap.example.com without TLS (tls.enable=false): mail crosses the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
              fix*: Use port 993 with implicit TLS (tls.enable=true)
                |     imap = { host = "imap.example.com"; port = 993; tls.enable = true; };
              fix: Require STARTTLS (tls.enable=true, tls.useStartTls=true)
                |     imap = { host = "imap.example.com"; port = 143; tls.useStartTls = true; tls.enable = true; };
            12:14 error MP003 port 587 expects a plaintext greeting and STARTTLS, but home-manager accounts.email's default starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       port = 465;
              fix: Require STARTTLS (tls.useStartTls=true)
                |       tls.useStartTls = true;
        "#]],
    );
    check(
        "email-server.nix",
        r#"{ config, ... }:
{
  services.nextcloud.settings = {
    mail_smtpmode = "sendmail";
  };
  programs.msmtp = {
    enable = true;
    accounts.default = {
      auth = true;
      tls = true;
      host = "smtp.gmail.com";
      port = "587";
      user = "nextcloud";
      passwordeval = "cat /run/secrets/gmail";
    };
  };
}
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// NixOS `programs.msmtp.defaults` is msmtp's `defaults` section: each account takes what it does
/// not set from it.
#[test]
fn nixos_msmtp_accounts_take_the_defaults() {
    // Correct: 465 with implicit TLS, all from the defaults.
    check(
        "msmtp.nix",
        "{ pkgs, ... }: {\n  programs.msmtp = {\n    enable = true;\n    defaults = {\n      port = 465;\n      tls = \"on\";\n      tls_starttls = \"off\";\n      auth = \"login\";\n    };\n    accounts.default = {\n      host = \"smtp.fastmail.com\";\n      user = \"me@fastmail.com\";\n      passwordeval = \"cat /run/secrets/mail\";\n    };\n  };\n}\n",
        expect![[r#"
            clean
        "#]],
    );
    // Wrong: the defaults say STARTTLS (msmtp's `tls_starttls` default) on 465; an account's own
    // port replaces the defaults' one.
    check(
        "msmtp.nix",
        "{\n  msmtp = {\n    defaults = { port = 465; tls = true; };\n    accounts = {\n      a = { host = \"smtp.example.com\"; user = \"a\"; password = \"x\"; };\n      b = { host = \"smtp.example.net\"; port = 587; user = \"b\"; password = \"y\"; };\n    };\n  };\n}\n",
        expect![[r#"
            3:25 error MP003 port 465 starts with TLS (implicit TLS), but tls=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (tls=true, tls_starttls=false)
                |       a = { host = "smtp.example.com"; user = "a"; password = "x"; tls = true; tls_starttls = false; };
        "#]],
    );
}

/// home-manager accounts in a file of their own (`accounts.email.accounts = import ./accounts.nix;`):
/// the `smtp`/`imap` blocks are told by the submodule's `tls.*` names.
/// Home Manager as a NixOS module (`home-manager.users.${config.user} = { … }`): the computed name
/// is read as a segment, so the accounts under it count; himalaya 0.x's flat keys in an account's
/// `himalaya.settings` are merged into that account's config.toml (`smtp-insecure = true`).
#[test]
fn home_manager_under_a_computed_user_name() {
    let text = r#"{ config, pkgs, ... }: {
  home-manager.users.${config.user} = {
    accounts.email.accounts.home = {
      address = "me@example.org";
      himalaya = {
        enable = true;
        settings = {
          smtp-insecure = true;
        };
      };
      smtp = {
        host = "smtp.example.org";
        port = 587;
      };
    };
  };
}
"#;
    check(
        "home.nix",
        text,
        expect![[r#"
            8:27 warning MP008 certificate checking is switched off (smtp-insecure=true) for this server: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            13:16 error MP003 port 587 expects a plaintext greeting and STARTTLS, but home-manager accounts.email's default starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |         port = 465;
              fix: Require STARTTLS (tls.useStartTls=true)
                |         tls.useStartTls = true;
        "#]],
    );
    check(
        "home.nix",
        &text
            .replace("          smtp-insecure = true;\n", "")
            .replace("port = 587;", "port = 465;"),
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn home_manager_accounts_in_a_file_of_their_own() {
    check(
        "email-accounts.nix",
        "{\n  work = {\n    address = \"me@example.com\";\n    imap = { host = \"mail.example.com\"; port = 993; tls = { enable = true; }; };\n    smtp = {\n      host = \"mail.example.com\";\n      port = 465;\n      tls = { enable = true; useStartTls = true; };\n    };\n  };\n}\n",
        expect![[r#"
            7:14 error MP003 port 465 starts with TLS (implicit TLS), but tls.useStartTls=true means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (tls.useStartTls=false)
                |       tls = { enable = true; useStartTls = false; };
              fix: Use port 587 (STARTTLS)
                |       port = 587;
        "#]],
    );
    // Correct, and a block without the submodule's names is not taken for one.
    check(
        "email-accounts.nix",
        "{\n  work = {\n    smtp = { host = \"mail.example.com\"; port = 587; tls.useStartTls = true; };\n  };\n  relay.smtp = { host = \"mail.example.com\"; port = 587; };\n}\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// rules.md: a host the document does not name (an environment lookup, an expression) may go
/// anywhere, so the security rules apply; a missing host is the application's default host.
#[test]
fn unnamed_hosts_follow_one_policy() {
    // nodemailer: the host from the environment, opportunistic STARTTLS with a password.
    check(
        "mailer.js",
        r#"const transporter = nodemailer.createTransport({
  host: process.env.SMTP_HOST,
  port: 587,
  secure: false,
  auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS },
});
"#,
        expect![[r#"
            4:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (secure=false): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (secure=true)
                |   port: 465,
                |   secure: true,
              fix: Require STARTTLS (requireTLS=true)
                |   requireTLS: true,
        "#]],
    );
    // The same on the catchers' port 1025: a local catcher.
    check(
        "mailer.js",
        "const t = nodemailer.createTransport({ host: process.env.SMTP_HOST, port: 1025, secure: false, auth: { user: 'u', pass: 'p' } });\n",
        expect![[r#"
            clean
        "#]],
    );
    // Rails: `ENV['SMTP_ADDRESS']` is not known to be local.
    check(
        "config/environments/production.rb",
        r#"Rails.application.configure do
  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: ENV['SMTP_ADDRESS'],
    port: 587,
    user_name: ENV.fetch('SMTP_USER'),
    password: ENV['SMTP_PASSWORD'],
    authentication: :plain,
    enable_starttls_auto: true
  }
end
"#,
        expect![[r#"
            9:27 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true, enable_starttls_auto=false)
                |     port: 465,
                |     enable_starttls_auto: false,
                |     tls: true
              fix: Require STARTTLS (enable_starttls=true)
                |     enable_starttls_auto: true,
                |     enable_starttls: true
        "#]],
    );
    // Django without EMAIL_HOST sends to its default, localhost: nothing leaves the machine.
    check(
        "settings.py",
        "EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'\nEMAIL_PORT = 25\nEMAIL_HOST_USER = 'app'\nEMAIL_HOST_PASSWORD = os.environ['EMAIL_PASSWORD']\n",
        expect![[r#"
            clean
        "#]],
    );
    // An empty fallback only says "unset here": the value stays the environment's.
    check(
        "config/smtp.config.php",
        "<?php\n$CONFIG = array (\n  'mail_smtpmode' => 'smtp',\n  'mail_smtphost' => getenv('SMTP_HOST'),\n  'mail_smtpport' => getenv('SMTP_PORT') ?: 25,\n  'mail_smtpsecure' => getenv('SMTP_SECURE') ?: '',\n  'mail_smtpauth' => true,\n  'mail_smtpname' => getenv('SMTP_NAME'),\n);\n",
        expect![[r#"
            5:45 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 with implicit TLS (mail_smtpsecure=ssl)
                |   'mail_smtpport' => getenv('SMTP_PORT') ?: 465,
                |   'mail_smtpsecure' => "ssl",
              fix: Use port 587 (STARTTLS)
                |   'mail_smtpport' => getenv('SMTP_PORT') ?: 587,
        "#]],
    );
}

/// `left or right` is the left value when it is set: Python's `25 or 465` is 25.
#[test]
fn or_takes_the_left_literal_when_it_is_truthy() {
    check(
        "settings.py",
        "EMAIL_HOST = 'smtp.example.com'\nEMAIL_PORT = 25 or 465\nEMAIL_USE_TLS = True\nEMAIL_HOST_USER = 'app@example.com'\nEMAIL_HOST_PASSWORD = 'secret'\n",
        expect![[r#"
            2:14 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (EMAIL_USE_SSL=true, EMAIL_USE_TLS=False)
                | EMAIL_PORT = 465
                | EMAIL_USE_TLS = False
                | EMAIL_USE_SSL = True
              fix: Use port 587 (STARTTLS)
                | EMAIL_PORT = 587
        "#]],
    );
    check(
        "settings.py",
        "EMAIL_HOST = 'smtp.example.com'\nEMAIL_PORT = os.environ.get('EMAIL_PORT') or 465\nEMAIL_USE_TLS = True\nEMAIL_HOST_USER = 'app@example.com'\nEMAIL_HOST_PASSWORD = 'secret'\n",
        expect![[r#"
            2:46 error MP003 port 465 starts with TLS (implicit TLS), but EMAIL_USE_TLS=True means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (EMAIL_USE_SSL=true, EMAIL_USE_TLS=False)
                | EMAIL_USE_TLS = False
                | EMAIL_USE_SSL = True
              fix: Use port 587 (STARTTLS)
                | EMAIL_PORT = os.environ.get('EMAIL_PORT') or 587
        "#]],
    );
}

/// nodemailer merges a well-known `service` last: its host, port and `secure` replace the
/// document's (dead settings, MP012), and the effective endpoint is checked.
#[test]
fn nodemailer_well_known_service_overrides() {
    check(
        "mailer.js",
        r#"const transporter = nodemailer.createTransport({
  service: 'gmail',
  host: 'smtp.gmail.com',
  port: 587,
  secure: false,
  auth: { user: process.env.GMAIL_USER, pass: process.env.GMAIL_PASS },
});
"#,
        expect![[r#"
            3:10 hint MP012 host=smtp.gmail.com has no effect: Nodemailer uses the well-known service's smtp.gmail.com:465 instead (merged last).
            4:9 hint MP012 port=587 has no effect: Nodemailer uses the well-known service's smtp.gmail.com:465 instead (merged last).
            5:11 hint MP012 secure=false has no effect: Nodemailer uses the well-known service's smtp.gmail.com:465 instead (merged last).
        "#]],
    );
    check(
        "mailer.js",
        "const t = nodemailer.createTransport({ service: 'SendGrid', auth: { user: 'apikey', pass: process.env.SENDGRID_API_KEY } });\n",
        expect![[r#"
            1:50 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Nodemailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Require STARTTLS (secure=false, requireTLS=true)
                | const t = nodemailer.createTransport({ service: 'SendGrid', secure: false, requireTLS: true, auth: { user: 'apikey', pass: process.env.SENDGRID_API_KEY } });
        "#]],
    );
    // An unknown service name changes nothing.
    check(
        "mailer.js",
        "const t = nodemailer.createTransport({ service: 'company-relay', host: 'smtp.example.com', port: 465, secure: true, auth: { user: 'u', pass: 'p' } });\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// A settings hash behind `.freeze` is the same hash; the mail gem's default STARTTLS is `:auto`.
#[test]
fn rails_frozen_settings_hash() {
    check(
        "config/initializers/smtp.rb",
        "SMTP_SETTINGS = {\n  address: ENV.fetch(\"SMTP_ADDRESS\"),\n  authentication: :plain,\n  password: ENV.fetch(\"SMTP_PASSWORD\"),\n  port: \"587\",\n  user_name: ENV.fetch(\"SMTP_USERNAME\")\n}.freeze\n",
        expect![[r#"
            5:10 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Rails ActionMailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true)
                |   port: "465",
                |   user_name: ENV.fetch("SMTP_USERNAME"),
                |   tls: true
              fix: Require STARTTLS (enable_starttls=true)
                |   user_name: ENV.fetch("SMTP_USERNAME"),
                |   enable_starttls: true
        "#]],
    );
}

/// An empty fallback (`ENV.fetch("SMTP_USER", "")`, `os.getenv("EMAIL_USER", "")`) says only
/// that the variable may be unset: its value decides, so the credentials count.
#[test]
fn empty_env_fallbacks_leave_the_variable() {
    check(
        "gitlab.rb",
        "gitlab_rails['smtp_enable'] = true\ngitlab_rails['smtp_address'] = ENV.fetch('SMTP_HOST', 'smtp.gmail.com')\ngitlab_rails['smtp_port'] = ENV.fetch('SMTP_PORT', '587').to_i\ngitlab_rails['smtp_user_name'] = ENV.fetch('SMTP_USER', '')\ngitlab_rails['smtp_password'] = ENV.fetch('SMTP_PASS', '')\ngitlab_rails['smtp_enable_starttls_auto'] = true\ngitlab_rails['smtp_tls'] = false\n",
        expect![[r#"
            6:45 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (smtp_enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtp_tls=true, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_port'] = ENV.fetch('SMTP_PORT', '465').to_i
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_tls'] = true
              fix: Require STARTTLS (smtp_enable_starttls=true, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_enable_starttls'] = true
        "#]],
    );
    check(
        "settings.py",
        "import os\nEMAIL_HOST = 'smtp.gmail.com'\nEMAIL_PORT = 587\nEMAIL_HOST_USER = os.getenv('EMAIL_USER', '')\nEMAIL_HOST_PASSWORD = os.environ.get('EMAIL_PASS', '')\nEMAIL_USE_TLS = False\n",
        expect![[r#"
            6:17 error MP004 SMTP connection to smtp.gmail.com without TLS (EMAIL_USE_TLS=False): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (EMAIL_USE_SSL=true)
                | EMAIL_PORT = 465
                | EMAIL_USE_SSL = True
              fix: Require STARTTLS (EMAIL_USE_TLS=True)
                | EMAIL_USE_TLS = True
        "#]],
    );
    // Stays silent: a literal empty user name is no credential (a relay without login).
    check(
        "settings.py",
        "EMAIL_HOST = 'smtp.example.com'\nEMAIL_PORT = 587\nEMAIL_HOST_USER = ''\nEMAIL_HOST_PASSWORD = ''\nEMAIL_USE_TLS = True\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// nodemailer merges the service a variable names last: host, port and TLS mode are unknown (no
/// MP005 from the defaults), but switching certificate checks off is still MP008.
#[test]
fn nodemailer_service_from_a_variable() {
    check(
        "mailer.js",
        r#"const nodemailer = require('nodemailer');
module.exports = function send(mailParams) {
  const transporter = nodemailer.createTransport({
    service: mailParams.service,
    auth: { user: mailParams.user, pass: mailParams.pass },
    tls: { rejectUnauthorized: false }
  });
  return transporter;
};
"#,
        expect![[r#"
            6:32 warning MP008 certificate checking is switched off (tls.rejectUnauthorized=false) for ${mailParams.service}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "mailer.js",
        r#"const nodemailer = require('nodemailer');
const transporter = nodemailer.createTransport({
  service: process.env.MAIL_SERVICE,
  auth: { user: process.env.MAIL_USER, pass: process.env.MAIL_PASS },
});
"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn a_host_written_with_a_tls_scheme_says_the_mode() {
    // CodeIgniter hands `smtp_host` to fsockopen(): `ssl://` is TLS from the first byte, so 587
    // is wrong; the STARTTLS fix must drop the scheme as well as set smtp_crypto.
    check(
        "config/email.php",
        r#"<?php
$config['protocol'] = 'smtp';
$config['smtp_host'] = 'ssl://smtp.gmail.com';
$config['smtp_port'] = 587;
$config['smtp_user'] = 'app@gmail.com';
$config['smtp_pass'] = 'app-password';
"#,
        expect![[r#"
            4:24 error MP003 port 587 expects a plaintext greeting and STARTTLS, but smtp_host=ssl://smtp.gmail.com starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | $config['smtp_port'] = 465;
              fix: Require STARTTLS (no ssl:// before the host, smtp_crypto=tls)
                | $config['smtp_host'] = 'smtp.gmail.com';
                | $config['smtp_crypto'] = "tls";
        "#]],
    );
    // On 465 it is right, with `tls://` too (a PHP socket transport, not STARTTLS).
    check(
        "config/email.php",
        r#"<?php
$config['protocol'] = "smtp";
$config['smtp_host'] = "ssl://smtp.googlemail.com";
$config['smtp_port'] = "465";
$config['smtp_user'] = "app@gmail.com";
$config['smtp_pass'] = "app-password";
$other['smtp_host'] = 'tls://smtp.gmail.com';
$other['smtp_port'] = 465;
$other['smtp_user'] = 'app@gmail.com';
"#,
        expect![[r#"
            clean
        "#]],
    );
    // PHPMailer reads `tls://` as STARTTLS, required: right on 587; `ssl://` on 587 is not, and
    // its fixes rewrite the scheme.
    check(
        "mailer.php",
        r#"<?php
$mail = new PHPMailer\PHPMailer\PHPMailer();
$mail->isSMTP();
$mail->Host = 'tls://smtp.example.com';
$mail->Port = 587;
$mail->SMTPAuth = true;
$mail->Username = 'app@example.com';
$mail->Password = getenv('SMTP_PASSWORD');

$backup = new PHPMailer\PHPMailer\PHPMailer();
$backup->Host = 'ssl://smtp.example.net';
$backup->Port = 587;
$backup->SMTPAuth = true;
"#,
        expect![[r#"
            12:17 error MP003 port 587 expects a plaintext greeting and STARTTLS, but Host=ssl://smtp.example.net starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | $backup->Port = 465;
              fix: Require STARTTLS (tls://)
                | $backup->Host = 'tls://smtp.example.net';
        "#]],
    );
}

#[test]
fn php_expressions_leave_the_mode_to_the_program() {
    // A mode chosen at run time is not PHPMailer's default; the constant's fallback idiom reads
    // its literal default, as `getenv('X') ?: 'ssl'` does.
    check(
        "smtp-mailer.php",
        r#"<?php
function setup_phpmailer($phpmailer) {
    $phpmailer->Mailer = 'smtp';
    $phpmailer->Host = SMTP_HOST;
    $phpmailer->Port = SMTP_PORT;
    $phpmailer->SMTPAuth = true;
    $phpmailer->Username = SMTP_USER;
    $phpmailer->SMTPSecure = $debug ? '' : SMTP_ENCRYPTION;
}
"#,
        expect![[r#"
            clean
        "#]],
    );
    check(
        "smtp-mailer.php",
        r#"<?php
function setup_phpmailer($phpmailer) {
    $phpmailer->Mailer = 'smtp';
    $phpmailer->Host = 'smtp.example.com';
    $phpmailer->Port = 587;
    $phpmailer->SMTPAuth = true;
    $phpmailer->Username = SMTP_USER;
    $phpmailer->SMTPSecure = defined('SMTP_ENCRYPTION') ? (string) SMTP_ENCRYPTION : 'ssl';
}
"#,
        expect![[r#"
            5:24 error MP003 port 587 expects a plaintext greeting and STARTTLS, but SMTPSecure=ssl starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |     $phpmailer->Port = 465;
              fix: Require STARTTLS (SMTPSecure=tls)
                |     $phpmailer->SMTPSecure = defined('SMTP_ENCRYPTION') ? (string) SMTP_ENCRYPTION : 'tls';
        "#]],
    );
}

#[test]
fn a_template_security_value_is_a_placeholder() {
    // Every value of this sample is what goes there; 'security' is no mode CodeIgniter reads.
    check(
        "application/config/email.php",
        r#"<?php defined('BASEPATH') OR exit('No direct script access allowed');
$config = array(
    'protocol' => 'smtp',
    'smtp_host' => 'your_host',
    'smtp_port' => your_port,
    'smtp_user' => 'your_email',
    'smtp_pass' => 'your_password',
    'smtp_crypto' => 'security', //can be 'ssl' or 'tls'
);
"#,
        expect![[r#"
            clean
        "#]],
    );
    // A value CodeIgniter does not know is no placeholder: it sends in clear.
    check(
        "application/config/email.php",
        r#"<?php
$config = array(
    'protocol' => 'smtp',
    'smtp_host' => 'smtp.example.com',
    'smtp_port' => 587,
    'smtp_user' => 'app@example.com',
    'smtp_pass' => 'secret',
    'smtp_crypto' => 'starttls',
);
"#,
        expect![[r#"
            8:23 error MP004 SMTP connection to smtp.example.com without TLS (smtp_crypto=starttls): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (smtp_crypto=ssl)
                |     'smtp_port' => 465,
                |     'smtp_crypto' => 'ssl',
              fix: Require STARTTLS (smtp_crypto=tls)
                |     'smtp_crypto' => 'tls',
        "#]],
    );
}

#[test]
fn python_expressions_leave_the_mode_to_the_program() {
    // Flask-Mail's switch computed from the environment: not its default (no TLS), so silent.
    check(
        "config.py",
        r#"import os

class Config:
    MAIL_SERVER = os.environ.get('MAIL_SERVER', 'smtp.googlemail.com')
    MAIL_PORT = int(os.environ.get('MAIL_PORT', '587'))
    MAIL_USE_TLS = os.environ.get('MAIL_USE_TLS', 'true').lower() in \
        ['true', 'on', '1']
    MAIL_USERNAME = os.environ.get('MAIL_USERNAME')
    MAIL_PASSWORD = os.environ.get('MAIL_PASSWORD')
"#,
        expect![[r#"
            clean
        "#]],
    );
    // Without the switch Flask-Mail's default decides: in clear.
    check(
        "config.py",
        r#"import os

class Config:
    MAIL_SERVER = os.environ.get('MAIL_SERVER', 'smtp.googlemail.com')
    MAIL_PORT = int(os.environ.get('MAIL_PORT', '587'))
    MAIL_USERNAME = os.environ.get('MAIL_USERNAME')
    MAIL_PASSWORD = os.environ.get('MAIL_PASSWORD')
"#,
        expect![[r#"
            5:50 error MP004 SMTP connection to smtp.googlemail.com without TLS (Flask-Mail's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (MAIL_USE_SSL=true)
                |     MAIL_PORT = int(os.environ.get('MAIL_PORT', '465'))
                |     MAIL_USE_SSL = True
              fix: Require STARTTLS (MAIL_USE_TLS=true)
                |     MAIL_USE_TLS = True
        "#]],
    );
}

#[test]
fn laravel_symfony_mailer_reads_verify_peer_from_the_mailer() {
    // Laravel 9+ hands the mailer array to Symfony's EsmtpTransportFactory as DSN options.
    check(
        "config/mail.php",
        r#"<?php

return [
    'default' => env('MAIL_MAILER', 'smtp'),
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'host' => env('MAIL_HOST', 'smtp.mailgun.org'),
            'port' => env('MAIL_PORT', 465),
            'encryption' => env('MAIL_ENCRYPTION', 'tls'),
            'username' => env('MAIL_USERNAME'),
            'password' => env('MAIL_PASSWORD'),
            'timeout' => null,
            'local_domain' => env('MAIL_EHLO_DOMAIN'),
            'verify_peer' => false,
        ],
    ],
];
"#,
        expect![[r#"
            15:30 warning MP008 certificate checking is switched off (verify_peer=false) for smtp.mailgun.org: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

#[test]
fn envsubst_placeholders_in_ruby_are_values_set_elsewhere() {
    // A gitlab.rb template filled in by envsubst or Terraform: `${smtp_tls}` is no Ruby, but what
    // it stands for is set elsewhere — not absent, so GitLab's default does not decide.
    check(
        "gitlab.rb.tpl",
        r#"gitlab_rails['smtp_enable'] = ${smtp_enable}
gitlab_rails['smtp_address'] = "${smtp_address}"
gitlab_rails['smtp_port'] = ${smtp_port}
gitlab_rails['smtp_user_name'] = "${smtp_user_name}"
gitlab_rails['smtp_password'] = "${smtp_password}"
gitlab_rails['smtp_enable_starttls_auto'] = ${smtp_enable_starttls_auto}
gitlab_rails['smtp_tls'] = ${smtp_tls}
"#,
        expect![[r#"
            clean
        "#]],
    );
    // With the TLS keys written out, the template's literal mode is read.
    check(
        "gitlab.rb",
        r#"gitlab_rails['smtp_enable'] = true
gitlab_rails['smtp_address'] = "${smtp_address}"
gitlab_rails['smtp_port'] = ${smtp_port}
gitlab_rails['smtp_user_name'] = "${smtp_user_name}"
gitlab_rails['smtp_password'] = "${smtp_password}"
gitlab_rails['smtp_enable_starttls_auto'] = true
gitlab_rails['smtp_tls'] = false
"#,
        expect![[r#"
            6:45 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (smtp_enable_starttls_auto=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtp_tls=true, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_port'] = 465
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_tls'] = true
              fix: Use port 587 with STARTTLS (smtp_enable_starttls=true, smtp_enable_starttls_auto=false)
                | gitlab_rails['smtp_port'] = 587
                | gitlab_rails['smtp_enable_starttls_auto'] = false
                | gitlab_rails['smtp_enable_starttls'] = true
        "#]],
    );
}

#[test]
fn nodemailer_service_secure_leaves_ignore_tls_nothing_to_skip() {
    // The service is merged last: Gmail's `secure: true` wins, and a TLS socket from the start
    // has no STARTTLS for `ignoreTLS` to skip (a NestJS MailerModule transport).
    check(
        "mail.module.ts",
        r#"import { MailerModule } from '@nestjs-modules/mailer';
export const mail = MailerModule.forRoot({
  transport: {
    service: 'gmail',
    host: process.env.MAIL_HOST,
    port: Number(process.env.MAIL_PORT),
    auth: { user: process.env.MAIL_USER, pass: process.env.MAIL_PASS },
    ignoreTLS: true,
  },
});
"#,
        expect![[r#"
            5:11 hint MP012 host=${MAIL_HOST} has no effect: Nodemailer uses the well-known service's smtp.gmail.com:465 instead (merged last).
            6:11 hint MP012 port=${MAIL_PORT} has no effect: Nodemailer uses the well-known service's smtp.gmail.com:465 instead (merged last).
        "#]],
    );
    // Without a service, `ignoreTLS` on a port that is not 465 still means no TLS at all.
    check(
        "mail.module.ts",
        r#"import { MailerModule } from '@nestjs-modules/mailer';
export const mail = MailerModule.forRoot({
  transport: {
    host: 'smtp.example.com',
    port: 587,
    auth: { user: process.env.MAIL_USER, pass: process.env.MAIL_PASS },
    ignoreTLS: true,
  },
});
"#,
        expect![[r#"
            7:16 error MP004 SMTP connection to smtp.example.com without TLS (ignoreTLS=true): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (secure=true)
                |     port: 465,
                |     secure: true,
              fix: Require STARTTLS (secure=false, requireTLS=true, ignoreTLS=false)
                |     ignoreTLS: false,
                |     secure: false,
                |     requireTLS: true,
        "#]],
    );
}

/// Jakarta Mail set up in Java: Spring's `JavaMailSenderImpl` setters and the session's `mail.`
/// properties are read as a `.properties` file's; a fix changes a value where it is written, or
/// adds a `put` after the method's last one. A sender on `smtps` never reads `mail.smtp.*`, and
/// `setPort` on anything but a mail sender is not read.
/// Jakarta Mail authenticates with what `Transport.connect(host, user, password)` or
/// `Transport.send(message, user, password)` hands over, whatever the properties say: a session
/// whose `mail.smtp.user` is blank still sends a password over opportunistic STARTTLS.
#[test]
fn javamail_credentials_handed_to_connect() {
    let text = r#"public class App {
    public static void main(String[] args) throws Exception {
        Properties prop = new Properties();
        prop.put("mail.smtp.auth", "true");
        prop.put("mail.smtp.starttls.enable", "true");
        prop.put("mail.smtp.host", "smtp.gmail.com");
        prop.put("mail.smtp.port", "587");
        prop.put("mail.smtp.user", "");
        Session session = Session.getDefaultInstance(prop);
        Transport transport = session.getTransport("smtp");
        transport.connect("smtp.gmail.com", "from", "pass");
    }
}
"#;
    check(
        "App.java",
        text,
        expect![[r#"
            5:48 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (starttls.enable=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (ssl.enable=true, starttls.enable=false)
                |         prop.put("mail.smtp.starttls.enable", "false");
                |         prop.put("mail.smtp.port", "465");
                |         prop.put("mail.smtp.ssl.enable", "true");
              fix: Require STARTTLS (starttls.required=true)
                |         prop.put("mail.smtp.starttls.required", "true");
        "#]],
    );
    check(
        "App.java",
        &text.replace(
            "transport.connect(\"smtp.gmail.com\", \"from\", \"pass\");",
            "Transport.send(message, user, password);",
        ),
        expect![[r#"
            5:48 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (starttls.enable=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (ssl.enable=true, starttls.enable=false)
                |         prop.put("mail.smtp.starttls.enable", "false");
                |         prop.put("mail.smtp.port", "465");
                |         prop.put("mail.smtp.ssl.enable", "true");
              fix: Require STARTTLS (starttls.required=true)
                |         prop.put("mail.smtp.starttls.required", "true");
        "#]],
    );
    // No credentials handed over, or a `connect` of something else: nothing is sent.
    for silent in [
        text.replace(
            "transport.connect(\"smtp.gmail.com\", \"from\", \"pass\");",
            "transport.connect();",
        ),
        text.replace("transport.connect(", "socket.connect("),
    ] {
        check(
            "App.java",
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

/// The branches of an `if` are configurations of their own, each over the settings around the
/// statement: two branches never meet in one endpoint (no conflict between them), a branch keeps
/// its own findings, and the settings outside are no configuration of their own where every
/// branch of an `if … else` completes them.
#[test]
fn branches_of_an_if_are_alternatives() {
    check(
        "settings.py",
        "EMAIL_HOST_USER = 'app'\nEMAIL_HOST_PASSWORD = os.environ['P']\nif DEBUG:\n    EMAIL_HOST = 'smtp.example.com'\n    EMAIL_PORT = 465\n    EMAIL_USE_SSL = True\nelse:\n    EMAIL_HOST = 'smtp.example.com'\n    EMAIL_PORT = 587\n    EMAIL_USE_TLS = True\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "settings.py",
        "EMAIL_HOST = 'smtp.example.com'\nEMAIL_HOST_USER = 'app'\nEMAIL_HOST_PASSWORD = os.environ['P']\nif PROD:\n    EMAIL_PORT = 465\n    EMAIL_USE_SSL = True\nelif STAGING:\n    EMAIL_PORT = 587\n    EMAIL_USE_SSL = True\nelse:\n    EMAIL_PORT = 465\n    EMAIL_USE_SSL = True\n",
        expect![[r#"
            8:18 error MP003 port 587 expects a plaintext greeting and STARTTLS, but EMAIL_USE_SSL=True starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
              fix: Require STARTTLS (EMAIL_USE_TLS=true, EMAIL_USE_SSL=False)
                |     EMAIL_USE_SSL = False
                |     EMAIL_USE_TLS = True
        "#]],
    );
    // Around a branch that may not run, the settings outside are a configuration too; in it,
    // they hold with the branch's.
    check(
        "settings.py",
        "EMAIL_HOST = 'smtp.example.com'\nEMAIL_PORT = 587\nEMAIL_USE_TLS = True\nEMAIL_HOST_PASSWORD = 'secret'\nif IMPLICIT:\n    EMAIL_PORT = 465\n    EMAIL_USE_SSL = True\n",
        expect![[r#"
            7:21 error MP010 EMAIL_USE_SSL=True and EMAIL_USE_TLS=True ask for two TLS modes at once (implicit TLS and STARTTLS); Django refuses or picks one silently. Keep one: implicit TLS on 465, or STARTTLS on 587.
              fix*: Use implicit TLS (EMAIL_USE_TLS=false)
                |     EMAIL_USE_TLS = False
              fix: Use port 587 with STARTTLS (EMAIL_USE_TLS=true, EMAIL_USE_SSL=False)
                |     EMAIL_PORT = 587
                |     EMAIL_USE_SSL = False
                |     EMAIL_USE_TLS = True
        "#]],
    );
    check(
        "action_mailer.rb",
        "if ENV['SENDGRID_PASSWORD']\n  ActionMailer::Base.smtp_settings = {\n    address: 'smtp.sendgrid.net',\n    port: 587,\n    user_name: 'apikey',\n    password: ENV.fetch('SENDGRID_PASSWORD')\n  }\nelsif ENV['SES_PASSWORD']\n  ActionMailer::Base.smtp_settings = {\n    address: 'email-smtp.eu-west-1.amazonaws.com',\n    port: 465,\n    tls: true,\n    user_name: ENV.fetch('SES_USER'),\n    password: ENV.fetch('SES_PASSWORD')\n  }\nend\n",
        expect![[r#"
            4:11 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Rails ActionMailer's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (tls=true)
                |     password: ENV.fetch('SENDGRID_PASSWORD'),
                |     tls: true
              fix: Require STARTTLS (enable_starttls=true)
                |     password: ENV.fetch('SENDGRID_PASSWORD'),
                |     enable_starttls: true
        "#]],
    );
}

/// Jakarta Mail's `mail.host` serves SMTP when `mail.smtp.host` is not set (`Service.connect`);
/// a `MailSSLSocketFactory` that trusts all hosts, put as the session's SSL socket factory,
/// accepts any certificate.
#[test]
fn javamail_general_host_and_a_factory_trusting_all_hosts() {
    let general_host = r#"public class Test {
    public static void main(String[] args) throws MessagingException {
        Properties props = new Properties();
        props.setProperty("mail.smtp.auth", "true");
        props.setProperty("mail.host", "smtp.163.com");
        props.setProperty("mail.transport.protocol", "smtp");
        Session session = Session.getInstance(props);
        Transport transport = session.getTransport();
        transport.connect("user@163.com", "secret");
    }
}
"#;
    check(
        "Test.java",
        general_host,
        expect![[r#"
            5:41 error MP004 SMTP connection to smtp.163.com without TLS (Jakarta Mail properties's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (ssl.enable=true)
                |         props.setProperty("mail.smtp.port", "465");
                |         props.setProperty("mail.smtp.ssl.enable", "true");
              fix: Use port 587 with STARTTLS (starttls.enable=true, starttls.required=true)
                |         props.setProperty("mail.smtp.port", "587");
                |         props.setProperty("mail.smtp.starttls.enable", "true");
                |         props.setProperty("mail.smtp.starttls.required", "true");
            5:41 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (ssl.enable=true)
                |         props.setProperty("mail.smtp.port", "465");
                |         props.setProperty("mail.smtp.ssl.enable", "true");
              fix: Use port 587 with STARTTLS (starttls.enable=true, starttls.required=true)
                |         props.setProperty("mail.smtp.port", "587");
                |         props.setProperty("mail.smtp.starttls.enable", "true");
                |         props.setProperty("mail.smtp.starttls.required", "true");
        "#]],
    );
    // `mail.smtp.host` wins over `mail.host`.
    check(
        "Test.java",
        &general_host.replace(
            "props.setProperty(\"mail.transport.protocol\", \"smtp\");",
            "props.setProperty(\"mail.smtp.host\", \"localhost\");",
        ),
        expect![[r#"
            clean
        "#]],
    );
    let trust_all = r#"public class SendMail {
    public static void main(String[] args) throws Exception {
        Properties prop = new Properties();
        prop.setProperty("mail.host", "smtp.qq.com");
        prop.setProperty("mail.transport.protocol", "smtp");
        prop.setProperty("mail.smtp.auth", "true");
        MailSSLSocketFactory sf = new MailSSLSocketFactory();
        sf.setTrustAllHosts(true);
        prop.put("mail.smtp.ssl.enable", "true");
        prop.put("mail.smtp.ssl.socketFactory", sf);
        Transport.send(message, "me@qq.com", "secret");
    }
}
"#;
    check(
        "SendMail.java",
        trust_all,
        expect![[r#"
            8:29 warning MP008 certificate checking is switched off (ssl.socketFactory.trustAllHosts=true) for smtp.qq.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // A factory that trusts only the default CAs, or one that is not the session's.
    for silent in [
        trust_all.replace("sf.setTrustAllHosts(true);", "sf.setTrustAllHosts(false);"),
        trust_all.replace(
            "prop.put(\"mail.smtp.ssl.socketFactory\", sf);",
            "other.setTrustAllHosts(true);",
        ),
    ] {
        check(
            "SendMail.java",
            &silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}

/// A port or a TLS mode the program sets under an `if` is chosen at run time: no alternative is
/// read with the application's default in its place (no MP006 for the port 25 a null port would
/// leave, no MP004 for the plaintext a false SSL flag would), while what a branch itself sets
/// still counts. Jakarta Mail's IMAP store reads the same keys as its transport.
#[test]
fn javamail_settings_chosen_at_run_time() {
    check(
        "MailSender.java",
        r#"public class MailSender {
    public void send(Mailbox mailbox) throws Exception {
        Properties property = new Properties();
        property.setProperty("mail.smtp.auth", "true");
        property.setProperty("mail.smtp.host", mailbox.getSmtpHost());
        property.setProperty("mail.imap.host", mailbox.getImapHost());
        if (mailbox.getSmtpPort() != null) {
            property.setProperty("mail.smtp.port", mailbox.getSmtpPort().toString());
        }
        if ("1".equals(mailbox.getSmtpSsl())) {
            MailSSLSocketFactory sf = new MailSSLSocketFactory();
            sf.setTrustAllHosts(true);
            property.put("mail.smtp.ssl.enable", "true");
            property.put("mail.smtp.ssl.socketFactory", sf);
        }
        if ("1".equals(mailbox.getImapSsl())) {
            MailSSLSocketFactory msf = new MailSSLSocketFactory();
            msf.setTrustAllHosts(true);
            property.put("mail.imap.ssl.enable", "true");
            property.put("mail.imap.ssl.socketFactory", msf);
        }
    }
}
"#,
        expect![[r#"
            12:33 warning MP008 certificate checking is switched off (ssl.socketFactory.trustAllHosts=true) for ${mailbox.getSmtpHost()}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            18:34 warning MP008 certificate checking is switched off (ssl.socketFactory.trustAllHosts=true) for ${mailbox.getImapHost()}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

#[test]
fn javamail_in_java_code() {
    check(
        "MailConfig.java",
        r#"@Configuration
public class MailConfig {
    @Bean
    public JavaMailSender javaMailSender() {
        JavaMailSenderImpl mailSender = new JavaMailSenderImpl();
        mailSender.setHost("smtp.office365.com");
        mailSender.setPort(587);
        mailSender.setUsername("noreply@example.org");
        mailSender.setPassword(password);
        Properties props = mailSender.getJavaMailProperties();
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        return mailSender;
    }
}
"#,
        expect![[r#"
            12:49 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (starttls.enable=true): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Require STARTTLS (starttls.required=true)
                |         props.put("mail.smtp.starttls.required", "true");
        "#]],
    );
    check(
        "MailConfig.java",
        r#"public class MailConfig {
    public JavaMailSender sender() {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("smtp.example.org");
        sender.setPort(587);
        sender.setUsername("app@example.org");
        sender.setPassword("secret");
        sender.getJavaMailProperties().put("mail.smtp.ssl.enable", "true");
        return sender;
    }
}
"#,
        expect![[r#"
            5:24 error MP003 port 587 expects a plaintext greeting and STARTTLS, but ssl.enable=true starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |         sender.setPort(465);
              fix: Require STARTTLS (starttls.enable=true, starttls.required=true, ssl.enable=false)
                |         sender.getJavaMailProperties().put("mail.smtp.ssl.enable", "false");
                |         sender.getJavaMailProperties().put("mail.smtp.starttls.enable", "true");
                |         sender.getJavaMailProperties().put("mail.smtp.starttls.required", "true");
        "#]],
    );
    for silent in [
        "class Mail {\n    JavaMailSender sender() {\n        JavaMailSenderImpl s = new JavaMailSenderImpl();\n        s.setHost(\"smtp.yandex.ru\");\n        s.setPort(465);\n        Properties p = s.getJavaMailProperties();\n        p.put(\"mail.transport.protocol\", \"smtps\");\n        p.put(\"mail.smtp.auth\", \"true\");\n        p.put(\"mail.smtp.starttls.enable\", \"true\");\n        return s;\n    }\n}\n",
        "class Mail {\n    Session session() {\n        Properties p = new Properties();\n        p.put(\"mail.smtp.host\", \"smtp.example.org\");\n        p.put(\"mail.smtp.port\", \"587\");\n        p.put(\"mail.smtp.auth\", \"true\");\n        p.put(\"mail.smtp.starttls.enable\", \"true\");\n        p.put(\"mail.smtp.starttls.required\", \"true\");\n        return Session.getInstance(p);\n    }\n}\n",
        "class Db {\n    // the SMTP settings (mail.smtp.host) are in application.properties\n    void pool(Pool pool) {\n        pool.setHost(\"db.example.org\");\n        pool.setPort(5432);\n    }\n}\n",
    ] {
        check(
            "Mail.java",
            silent,
            expect![[r#"
                clean
            "#]],
        );
    }
}
