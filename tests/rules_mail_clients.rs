//! Rules over mail-client rc files, Postfix and Thunderbird autoconfig: where each fires and where
//! it must stay silent, with the fixes written in each file's own syntax.

mod support;

use expect_test::{expect, Expect};
use mailport::config::Config;
use mailport::vocab::Format;

fn check(name: &str, text: &str, expect: Expect) {
    expect.assert_eq(&support::render(name, text, &Config::default()));
}

#[test]
fn msmtp_implicit_tls_on_587_and_inherited_starttls_on_465() {
    check(
        ".msmtprc",
        r#"# Set default values for all following accounts.
defaults
auth           on
tls            on
tls_trust_file /etc/ssl/certs/ca-certificates.crt
logfile        ~/.msmtp.log

# Work: 465 needs implicit TLS, but tls_starttls is on by default
account        work
host           smtp.example.com
port           465
from           me@example.com
user           me@example.com
passwordeval   "pass show mail/work"

# Home: implicit TLS on the submission port
account        home
host           mail.example.org
port           587
tls_starttls   off
user           me@example.org
password       secret

account default : work
"#,
        expect![[r#"
            11:16 error MP003 port 465 starts with TLS (implicit TLS), but tls=on means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (tls_starttls=off)
                | tls_starttls off
              fix: Use port 587 (STARTTLS)
            19:16 error MP003 port 587 expects a plaintext greeting and STARTTLS, but tls=on with tls_starttls=off starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
              fix: Require STARTTLS (tls_starttls=on)
                | tls_starttls   on
        "#]],
    );
}

#[test]
fn msmtp_clean_and_cleartext() {
    check(
        ".msmtprc",
        r#"defaults
auth on
tls on
tls_trust_file /etc/ssl/certs/ca-certificates.crt

account gmail
host smtp.gmail.com
port 587
from me@gmail.com
user me@gmail.com
passwordeval "gpg -q --decrypt ~/.msmtp-gmail.gpg"

account relay
host relay.example.net
port 587
tls off
user alerts
password hunter2

account local
host localhost
port 25
tls off
auth off

account default : gmail
"#,
        expect![[r#"
            16:5 error MP004 SMTP connection to relay.example.net without TLS (tls=off): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (tls=on, tls_starttls=off)
                | port 465
                | tls_starttls off
              fix: Require STARTTLS (tls=on)
        "#]],
    );
}

#[test]
fn msmtp_certificate_checks_off() {
    check(
        "msmtprc",
        "account default\nhost smtp.gmail.com\nport 587\nuser omaeno\npassword PASSWORD\ntls on\ntls_starttls on\ntls_certcheck off\nauth on\n",
        expect![[r#"
            8:15 warning MP008 certificate checking is switched off (tls_certcheck=off) for smtp.gmail.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

/// msmtp 1.2's flag `tls_nocertcheck` still switches checks off, in its own account only.
#[test]
fn msmtp_old_nocertcheck_flag() {
    check(
        "msmtprc",
        "account work\nhost smtp.example.com\nport 587\nauth on\nuser me\npasswordeval pass mail\ntls on\ntls_nocertcheck\n\naccount home\nhost smtp.example.net\nport 587\nauth on\nuser me\npasswordeval pass home\ntls on\ntls_certcheck on\n",
        expect![[r#"
            8:1 warning MP008 certificate checking is switched off (tls_nocertcheck) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

/// An account that inherits its port from a parent gets a fix of its own: the fix writes `port`
/// into the inheriting account instead of rewriting the parent's line, which would change the
/// parent (and every other account inheriting it) and leave half the fix in the child.
#[test]
fn msmtp_fix_of_an_inherited_port_stays_in_the_account() {
    check(
        "msmtprc",
        "account work\nhost smtp.example.com\nport 25\nauth on\nuser me\npasswordeval pass work\ntls on\n\naccount default : work\nsyslog on\n",
        expect![[r#"
            3:6 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (tls_starttls=off)
                | port 465
                | tls_starttls off
              fix: Use port 587 (STARTTLS)
                | port 587
            3:6 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (tls_starttls=off)
                | port 465
                | tls_starttls off
              fix: Use port 587 (STARTTLS)
                | port 587
        "#]],
    );
}

/// Where the inheriting account's fix writes: in its own block, and the parent is untouched.
#[test]
fn msmtp_inherited_port_fix_writes_into_the_inheriting_account() {
    let parent = "account work\nhost smtp.example.com\nport 25\nauth on\nuser me\npasswordeval pass work\ntls on\n\n";
    let text = format!("{parent}account default : work\nsyslog on\n");
    let analysis = mailport::analysis::analyze(&text, Format::Msmtp, &Config::default());
    let fixed: Vec<String> = analysis
        .findings
        .iter()
        .filter_map(|f| f.fixes.first()?.apply(&text))
        .collect();
    assert_eq!(
        fixed,
        [
            "account work\nhost smtp.example.com\nport 465\nauth on\nuser me\npasswordeval pass work\ntls on\ntls_starttls off\n\naccount default : work\nsyslog on\n".to_string(),
            format!("{parent}account default : work\nsyslog on\nport 465\ntls_starttls off\n"),
        ]
    );
}

/// sSMTP: no TLS unless `UseTLS` / `UseSTARTTLS` says so (keys ignore case), port 25 unless
/// `mailhub` names one, and a later `mailhub` replaces an earlier one.
#[test]
fn ssmtp_defaults_and_keys() {
    check(
        "ssmtp.conf",
        "root=postmaster\nmailhub=mail\nhostname=box.example.com\nmailhub=smtp.example.com:587\nAuthUser=me@example.com\nAuthPass=secret\n",
        expect![[r#"
            2:9 hint MP012 mailhub=mail has no effect: sSMTP runs its settings in order, and a later line sets mailhub again.
            4:26 error MP004 SMTP connection to smtp.example.com without TLS (sSMTP's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (UseTLS=YES)
                | mailhub=smtp.example.com:465
                | UseTLS=YES
              fix: Require STARTTLS (UseSTARTTLS=YES)
                | UseSTARTTLS=YES
        "#]],
    );
    check(
        "ssmtp.conf",
        "mailhub=smtp.example.com:587\nAuthUser=me@example.com\nAuthPass=secret # an app password\nuseSTARTTLS=YES\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        "ssmtp.conf",
        "mailhub=smtp.example.com:587\nUseTLS=YES\nAuthUser=me\nAuthPass=secret\n",
        expect![[r#"
            1:26 error MP003 port 587 expects a plaintext greeting and STARTTLS, but UseTLS=YES starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | mailhub=smtp.example.com:465
              fix: Require STARTTLS (UseSTARTTLS=YES)
                | UseSTARTTLS=YES
        "#]],
    );
    check(
        "ssmtp.conf",
        "mailhub=localhost\nFromLineOverride=YES\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// nullmailer `remotes`: no TLS without `--ssl` or `--starttls`, 25 (465 with `--ssl`) unless
/// `--port` says otherwise, and `--insecure` skips certificate checks.
#[test]
fn nullmailer_remotes() {
    check(
        "remotes",
        "smtp.example.com smtp --port=587 --auth-login --user=me@example.com --pass=secret\nrelay.example.net smtp --user=me --pass=secret\n",
        expect![[r#"
            1:30 error MP004 SMTP connection to smtp.example.com without TLS (nullmailer's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (ssl)
                | smtp.example.com smtp --port=465 --auth-login --user=me@example.com --pass=secret --ssl
              fix: Require STARTTLS (starttls)
                | smtp.example.com smtp --port=587 --auth-login --user=me@example.com --pass=secret --starttls
            2:1 error MP004 SMTP connection to relay.example.net without TLS (nullmailer's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (ssl)
                | relay.example.net smtp --user=me --pass=secret --port=465 --ssl
              fix: Use port 587 with STARTTLS (starttls)
                | relay.example.net smtp --user=me --pass=secret --port=587 --starttls
            2:1 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (ssl)
                | relay.example.net smtp --user=me --pass=secret --port=465 --ssl
              fix: Use port 587 with STARTTLS (starttls)
                | relay.example.net smtp --user=me --pass=secret --port=587 --starttls
        "#]],
    );
    check(
        "remotes",
        "smtp.example.com smtp --port=465 --ssl --insecure --user=me --pass=secret\nsmtp.example.org smtp --starttls --port=587 --user=me --pass=secret\nbackup.example.net smtp --ssl --user=me --pass=secret\n",
        expect![[r#"
            1:42 warning MP008 certificate checking is switched off (insecure) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "remotes",
        "localhost smtp --port=1025\nrelay.example.net qmqp\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// esmtp: `starttls enabled` is STARTTLS if offered, `required` is required, `disabled` (the
/// default) none; the port is 587 unless `hostname` names one; esmtp has no implicit TLS, so no fix
/// offers it.
#[test]
fn esmtp_identities() {
    check(
        ".esmtprc",
        "identity me@example.com\nhostname=smtp.example.com:25\nusername=\"me\"\npassword=\"secret\"\nstarttls enabled\ndefault\n\nidentity other@example.org\nhostname mail.example.org\nusername other\npassword secret\n",
        expect![[r#"
            2:27 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses opportunistic STARTTLS.
              fix*: Use port 587 with STARTTLS (starttls=required)
                | hostname=smtp.example.com:587
                | starttls required
            5:10 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (starttls=enabled): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 587 with STARTTLS (starttls=required)
                | hostname=smtp.example.com:587
                | starttls required
            9:10 error MP004 SMTP connection to mail.example.org without TLS (esmtp's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 587 with STARTTLS (starttls=required)
                | starttls=required
        "#]],
    );
    check(
        ".esmtprc",
        "identity \"me@example.com\"\nhostname smtp.example.com:587\nusername \"me@example.com\"\nstarttls required \n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn mbsync_accounts() {
    check(
        ".mbsyncrc",
        r#"IMAPAccount work
Host imap.example.com
Port 993
User me@example.com
PassCmd "pass show mail/work"
TLSType STARTTLS
TLSVersions +1.1 +1.2

IMAPAccount personal
Host imaps:imap.gmail.com
User me@gmail.com
PassCmd "pass show gmail"

IMAPAccount bridge
Host 127.0.0.1
Port 1143
User me
TLSType None

IMAPAccount legacy
Host mail.example.org
Port 143
User me
Pass secret
SSLType None

IMAPAccount isync-1-1
Host imap.gmail.com
Port 993
UseIMAPS yes

IMAPAccount isync-1-1-starttls
Host mail.example.net
Port 993
UseIMAPS no

MaildirStore work-local
Path ~/Mail/work/
Inbox ~/Mail/work/INBOX
"#,
        expect![[r#"
            3:6 error MP003 port 993 starts with TLS (implicit TLS), but TLSType=STARTTLS means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 993, or port 143 for STARTTLS.
              fix*: Use implicit TLS (SSLType=IMAPS, TLSType=IMAPS)
                | TLSType IMAPS
                | SSLType IMAPS
              fix: Use port 143 (STARTTLS)
            7:13 warning MP009 TLSVersions=+1.1 +1.2 allows TLS below 1.2, which is deprecated for mail (RFC 8996, RFC 8997). Allow TLS 1.2 and 1.3 only.
            25:9 error MP004 IMAP connection to mail.example.org without TLS (SSLType=None): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
              fix*: Use port 993 with implicit TLS (SSLType=IMAPS)
                | SSLType IMAPS
              fix: Require STARTTLS (SSLType=STARTTLS)
                | SSLType STARTTLS
            34:6 error MP003 port 993 starts with TLS (implicit TLS), but UseIMAPS=no means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 993, or port 143 for STARTTLS.
              fix*: Use implicit TLS (UseIMAPS=yes)
              fix: Use port 143 (STARTTLS)
        "#]],
    );
}

#[test]
fn mutt_urls() {
    check(
        ".muttrc",
        r#"set realname = "Jane Doe"
set from = "jane@example.com"
set imap_user = "jane@example.com"
set imap_pass = "`pass show mail`"
set folder = "imaps://imap.example.com:993/"
set spoolfile = "+INBOX"
set smtp_url = "smtps://jane@example.com@smtp.example.com:587/"
set ssl_starttls = yes
set header_cache = ~/.cache/mutt
"#,
        expect![[r#"
            7:59 error MP003 port 587 expects a plaintext greeting and STARTTLS, but the smtps:// scheme starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | set smtp_url = "smtps://jane@example.com@smtp.example.com:465/"
        "#]],
    );
    check(
        "neomuttrc",
        r#"set imap_user = "jane@example.com"
set folder = "imap://imap.example.com/"
set smtp_url = "smtp://jane@smtp.example.com:587/"
set ssl_starttls = yes
set ssl_force_tls = yes
"#,
        expect![[r#"
            clean
        "#]],
    );
    // `ssl_force_tls` is set by default (mutt 2.0, NeoMutt) and supersedes `ssl_starttls`: a
    // plain URL with nothing else said is STARTTLS, required.
    check(
        "muttrc",
        r#"set folder = "imap://imap.example.com:143/"
set imap_user = "jane"
set ssl_starttls = no
"#,
        expect![[r#"
            clean
        "#]],
    );
    // Unset, `ssl_starttls` decides: no TLS at all.
    check(
        "muttrc",
        r#"set folder = "imap://imap.example.com:143/"
set imap_user = "jane"
unset ssl_force_tls
set ssl_starttls = no
"#,
        expect![[r#"
            3:20 error MP004 IMAP connection to imap.example.com without TLS (ssl_force_tls=no with ssl_starttls=no): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
              fix*: Use port 993 with implicit TLS (imaps://)
                | set folder = "imaps://imap.example.com:993/"
        "#]],
    );
}

#[test]
fn fetchmail_polls() {
    check(
        ".fetchmailrc",
        r#"set daemon 300
set logfile ~/.fetchmail.log
poll imap.example.com with proto IMAP port 993
    user "me@example.com" there with password "secret" is me here
    options ssl sslcertck
poll pop.example.org proto POP3 port 995
    user "legacy" with pass "x" is legacy here options fetchall
poll mail.example.net proto IMAP
    user "other" with pass "y" is other here options ssl no sslcertck
"#,
        expect![[r#"
            6:38 error MP003 port 995 starts with TLS (implicit TLS), but fetchmail's default means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 995, or port 110 for STARTTLS.
              fix*: Use implicit TLS (ssl)
                |     user "legacy" with pass "x" ssl is legacy here options fetchall
              fix: Use port 110 (STARTTLS)
                | poll pop.example.org proto POP3 port 110
            9:61 warning MP008 certificate checking is switched off (sslcertck=no) for mail.example.net: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
}

#[test]
fn postfix_relay_on_465_without_wrappermode() {
    check(
        "main.cf",
        r#"# See /usr/share/postfix/main.cf.dist for a commented, more complete version
smtpd_banner = $myhostname ESMTP $mail_name
biff = no
myhostname = host.example.com
mydestination = $myhostname, localhost.localdomain,
    localhost
relayhost = [smtp.example.com]:465
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_tls_security_level = encrypt
smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt
inet_interfaces = loopback-only
"#,
        expect![[r#"
            7:32 error MP003 port 465 starts with TLS (implicit TLS), but smtp_tls_security_level=encrypt means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (smtp_tls_wrappermode=yes)
                | smtp_tls_wrappermode = yes
              fix: Use port 587 (STARTTLS)
                | relayhost = [smtp.example.com]:587
        "#]],
    );
}

#[test]
fn postfix_relay_opportunistic_and_clean() {
    check(
        "main.cf",
        "relayhost = [smtp.example.com]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_tls_security_level = may\nsmtp_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1\n",
        expect![[r#"
            4:27 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (smtp_tls_security_level=may): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtp_tls_wrappermode=yes, smtp_tls_security_level=encrypt)
                | relayhost = [smtp.example.com]:465
                | smtp_tls_security_level = encrypt
                | smtp_tls_wrappermode = yes
              fix: Require STARTTLS (smtp_tls_security_level=encrypt)
                | smtp_tls_security_level = encrypt
        "#]],
    );
    check(
        "main.cf",
        "relayhost = [smtp.example.com]:465\nsmtp_sasl_auth_enable = yes\nsmtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt\n",
        expect![[r#"
            clean
        "#]],
    );
    // A mail server without a relayhost: MX delivery, nothing to check.
    check(
        "main.cf",
        "myhostname = mx.example.com\nsmtp_tls_security_level = may\nsmtpd_tls_security_level = may\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn mailx_heredoc_and_rc() {
    check(
        "setup-mail.sh",
        r#"#!/bin/sh
# Configure mailx for the backup job.
cat > "$HOME/.mailrc" <<'EOF'
set smtp=smtp://smtp.example.com
set smtp-use-starttls
set smtp-auth=login
set smtp-auth-user=backup@example.com
set smtp-auth-password="s3cret"
set ssl-verify=ignore
EOF
chmod 600 "$HOME/.mailrc"
"#,
        expect![[r#"
            4:10 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (smtps://)
                | set smtp=smtps://smtp.example.com:465
              fix: Use port 587 (STARTTLS)
                | set smtp=smtp://smtp.example.com:587
            9:16 warning MP008 certificate checking is switched off (ssl-verify=ignore) for smtp.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        ".mailrc",
        "set v15-compat\nset mta=smtps://backup%40example.com:s3cret@smtp.example.com:465\nset ssl-verify=strict\n",
        expect![[r#"
            clean
        "#]],
    );
    check(
        ".mailrc",
        "set smtp=smtp://smtp.example.com:587\nset smtp-auth-user=backup@example.com\nset smtp-auth-password=s3cret\n",
        expect![[r#"
            1:34 error MP004 SMTP connection to smtp.example.com without TLS (the smtp:// scheme): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (smtps://)
                | set smtp=smtps://smtp.example.com:465
        "#]],
    );
}

#[test]
fn heirloom_mailx_host_port() {
    check(
        ".mailrc",
        "set smtp=smtp.gmail.com:587\nset smtp-use-starttls\nset smtp-auth=login\nset smtp-auth-user=me@gmail.com\nset smtp-auth-password=secret\nset ssl-verify=ignore\n",
        expect![[r#"
            6:16 warning MP008 certificate checking is switched off (ssl-verify=ignore) for smtp.gmail.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        ".mailrc",
        "set smtp=mail.example.net\nset smtp-auth-user=me\nset smtp-auth-password=secret\n",
        expect![[r#"
            1:10 error MP004 SMTP connection to mail.example.net without TLS (mailx / s-nail's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
            1:10 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
        "#]],
    );
}

#[test]
fn autoconfig_mistakes() {
    check(
        "config-v1.1.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.net">
    <domain>example.net</domain>
    <incomingServer type="imap">
      <hostname>imap.example.net</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.net</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.net</hostname>
      <port>587</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.net</hostname>
      <port>25</port>
      <socketType>plain</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"#,
        expect![[r#"
            14:13 error MP002 port 993 is the IMAP port (imaps), but this is a POP3 connection: it will reach the wrong service. POP3 uses 995 (implicit TLS) or 110 (STARTTLS).
              fix*: Use port 995 (implicit TLS)
                |       <port>995</port>
            20:13 error MP003 port 587 expects a plaintext greeting and STARTTLS, but socketType=SSL starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       <port>465</port>
              fix: Require STARTTLS (socketType=STARTTLS)
                |       <socketType>STARTTLS</socketType>
            28:19 error MP004 SMTP connection to smtp.example.net without TLS (socketType=plain): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (socketType=SSL)
                |       <port>465</port>
              fix: Use port 587 with STARTTLS (socketType=STARTTLS)
                |       <socketType>STARTTLS</socketType>
        "#]],
    );
}

#[test]
fn autoconfig_clean() {
    check(
        "example.org.xml",
        r#"<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <incomingServer type="imap">
      <hostname>imap.example.org</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>25</port>
      <socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// Thunderbird reads autoconfig with a strict XML parser: a broken tag rejects the whole file.
/// MP000 points at the tag (tree-sitter's recovery alone would point at the root's end tag), and
/// the servers before it are still checked.
#[test]
fn autoconfig_that_is_not_well_formed() {
    check(
        "config-v1.1.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example &amp; Co</displayName>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>587</port>
      <socketType>SSL</socketType>
    </outgoingServer>
    <incomingServer type="imap">
      <hostname>imap.example.org</hostname>
      <port><993/port>
      <socketType>SSL</socketType>
    </incomingServer>
  </emailProvider>
</clientConfig>
"#,
        expect![[r#"
            8:13 error MP003 port 587 expects a plaintext greeting and STARTTLS, but socketType=SSL starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                |       <port>465</port>
              fix: Require STARTTLS (socketType=STARTTLS)
                |       <socketType>STARTTLS</socketType>
            13:13 error MP000 the document could not be fully parsed (not well-formed XML at line 13: after `<` a name must start with a letter, `_` or `:`, not `9`); mail settings after this point may be missed
        "#]],
    );
}

/// Application defaults: msmtp logs in only with `auth`; fetchmail insists on STARTTLS while
/// `sslcertck` is on (the default since 6.4) and only `no sslcertck` leaves it opportunistic.
#[test]
fn defaults_decide_credentials_and_starttls() {
    check(
        ".msmtprc",
        "account relay\nhost mail.example.com\nport 25\nuser backup\npassword secret\nfrom backup@example.com\naccount default : relay\n",
        expect![[r#"
            3:6 warning MP004 SMTP connection to mail.example.com without TLS (msmtp's default): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (tls=on, tls_starttls=off)
                | port 465
                | tls on
                | tls_starttls off
              fix: Use port 587 with STARTTLS (tls=on)
                | port 587
                | tls on
        "#]],
    );
    check(
        ".msmtprc",
        "account relay\nhost mail.example.com\nport 25\nauth login\nuser backup\npassword secret\ntls on\nfrom backup@example.com\n",
        expect![[r#"
            3:6 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (tls_starttls=off)
                | port 465
                | tls_starttls off
              fix: Use port 587 (STARTTLS)
                | port 587
        "#]],
    );
    check(
        ".fetchmailrc",
        "poll imap.example.org proto IMAP\n  user \"me\" there with password \"secret\" is me here\npoll pop.example.net proto POP3\n  user \"me\" there with password \"secret\" is me here options no sslcertck\n",
        expect![[r#"
            4:64 warning MP008 certificate checking is switched off (sslcertck=no) for pop.example.net: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            4:73 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (sslcertck=no): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 995.
              fix*: Use port 995 with implicit TLS (ssl)
                |   user "me" there with password "secret" is me here options no sslcertck port 995 ssl
        "#]],
    );
}

#[test]
fn msmtp_port_follows_the_tls_mode_when_absent() {
    // No port: 25 in clear with a password (MP004, MP006); 465 with `tls_starttls off` (clean).
    check(
        ".msmtprc",
        "account qq\nhost smtp.qq.com\nauth login\nuser me@qq.com\npassword secret\n\naccount implicit\nhost smtp.example.com\ntls on\ntls_starttls off\nauth on\nuser me\npassword secret\n",
        expect![[r#"
            2:6 error MP004 SMTP connection to smtp.qq.com without TLS (msmtp's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (tls=on, tls_starttls=off)
                | port 465
              fix: Use port 587 with STARTTLS (tls=on)
                | port 587
            2:6 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 465 with implicit TLS (tls=on, tls_starttls=off)
                | port 465
              fix: Use port 587 with STARTTLS (tls=on)
                | port 587
        "#]],
    );
    // Stays silent: an account without host (msmtp stops with "host not set").
    check(
        ".msmtprc",
        "account default\nprotocol smtp\nauth on\ntls on\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn mutt_credentials_belong_to_their_protocol() {
    // `imap_user` is sent to the IMAP server only: the SMTP URL carries no credentials, so
    // opportunistic STARTTLS on it risks no password (no MP005).
    let text = "set imap_user = \"me@posteo.de\"\nset folder = \"imaps://posteo.de\"\nset smtp_url = \"smtp://posteo.de:587/\"\nunset ssl_force_tls\nset ssl_starttls = yes\n";
    check(
        ".muttrc",
        text,
        expect![[r#"
        clean
    "#]],
    );
    // With `smtp_pass` it does.
    let with_pass = format!("{text}set smtp_pass = \"secret\"\n");
    check(
        ".muttrc",
        &with_pass,
        expect![[r#"
            4:20 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (ssl_force_tls=no): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtps://)
                | set smtp_url = "smtps://posteo.de:465/"
        "#]],
    );
}

/// s-nail's `submission://` goes to 587 (RFC 6409); what it does there without
/// `smtp-use-starttls` is not taken from its plain `smtp://` (no TLS): undecided, where
/// `smtp://` without a port is 25 and plaintext.
#[test]
fn snail_submission_scheme() {
    let rc = "set v15-compat\naccount work {\n  set mta=submission://smtp.office365.com smtp-auth=login\n}\n";
    check(
        ".mailrc",
        rc,
        expect![[r#"
            clean
        "#]],
    );
    check(
        ".mailrc",
        &rc.replace("submission://", "smtp://"),
        expect![[r#"
            3:11 warning MP004 SMTP connection to smtp.office365.com without TLS (the smtp:// scheme): mail crosses the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
            3:11 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
              fix*: Use port 587
                |   set mta=smtp://smtp.office365.com:587 smtp-auth=login
        "#]],
    );
}

#[test]
fn mailx_later_set_replaces_the_earlier() {
    // mailx runs `set` lines in order: the plaintext `smtp=` line is dead (MP012 hint only).
    let dead_plain = "set smtp=smtp.qq.com\nset smtp-auth=login\nset smtp-auth-user=me@qq.com\nset smtp-auth-password=secret\nset smtp=smtps://smtp.qq.com:465\n";
    check(
        ".mailrc",
        dead_plain,
        expect![[r#"
        1:10 hint MP012 smtp=smtp.qq.com has no effect: mailx / s-nail runs its settings in order, and a later line sets smtp again.
    "#]],
    );
    // The other order: the plaintext line wins (MP004, MP006) and the smtps line is dead.
    let live_plain = "set smtp=smtps://smtp.qq.com:465\nset smtp-auth=login\nset smtp-auth-user=me@qq.com\nset smtp-auth-password=secret\nset smtp=smtp.qq.com\n";
    check(
        ".mailrc",
        live_plain,
        expect![[r#"
        1:10 hint MP012 smtp=smtps://smtp.qq.com:465 has no effect: mailx / s-nail runs its settings in order, and a later line sets smtp again.
        5:10 error MP004 SMTP connection to smtp.qq.com without TLS (mailx / s-nail's default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
        5:10 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
    "#]],
    );
}

/// An empty relayhost delivers to MX hosts; with SASL client authentication the passwords go to
/// hosts set elsewhere (`smtp_sasl_password_maps`, a relayhost a script writes in).
#[test]
fn postfix_sasl_without_a_relayhost() {
    let sasl = "relayhost =\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\nsmtp_sasl_security_options = noanonymous\n";
    check(
        "main.cf",
        &format!("{sasl}smtp_use_tls = yes\n"),
        expect![[r#"
        5:16 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (smtp_use_tls=yes): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
    "#]],
    );
    // Stays silent: TLS required, or no client authentication.
    check(
        "main.cf",
        &format!("{sasl}smtp_tls_security_level = encrypt\n"),
        expect![[r#"
            clean
        "#]],
    );
    check(
        "main.cf",
        "relayhost =\nsmtp_tls_security_level = may\nsmtpd_sasl_auth_enable = yes\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn claws_accounts_send_and_receive() {
    check(
        "home/.claws-mail/accountrc",
        "[Account: 1]\naccount_name=Outlook\nprotocol=1\nreceive_server=imap-mail.outlook.com\nsmtp_server=smtp-mail.outlook.com\nuser_id=me@outlook.com\nset_imapport=1\nimap_port=993\nssl_imap=1\nuse_smtp_auth=1\nset_smtpport=1\nsmtp_port=587\nssl_smtp=1\n\n[Account: 2]\nprotocol=0\nreceive_server=imap.gmail.com\nsmtp_server=smtp.gmail.com\nuser_id=me@gmail.com\nset_popport=1\npop_port=993\nssl_pop=1\nuse_smtp_auth=1\nset_smtpport=0\nsmtp_port=587\nssl_smtp=2\n\n[Account: 3]\nprotocol=0\nreceive_server=pop.example.org\nuser_id=me\nssl_pop=0\nsmtp_server=smtp.example.org\nset_smtpport=0\nsmtp_port=465\n",
        expect![[r#"
            12:11 error MP003 port 587 expects a plaintext greeting and STARTTLS, but ssl_smtp=1 starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Require STARTTLS (ssl_smtp=2)
            17:16 error MP007 imap.gmail.com is Gmail / Google Workspace's IMAP server, but this is a POP3 connection. Use Gmail / Google Workspace's POP3 host.
            18:13 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (ssl_smtp=1)
              fix: Use port 587 (STARTTLS)
            21:10 error MP002 port 993 is the IMAP port (imaps), but this is a POP3 connection: it will reach the wrong service. POP3 uses 995 (implicit TLS) or 110 (STARTTLS).
              fix*: Use port 995 (implicit TLS)
                | pop_port=995
            32:9 error MP004 POP3 connection to pop.example.org without TLS (ssl_pop=0): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 995, or require STARTTLS.
              fix*: Use port 995 with implicit TLS (ssl_pop=1)
                | pop_port=995
              fix: Use port 110 with STARTTLS (ssl_pop=2)
                | ssl_pop=2
                | pop_port=110
        "#]],
    );
    // Defaults: POP3, implicit TLS on 995 and 465; the stored ports are not read without their
    // switches; STARTTLS on 587 and 143 is required.
    check(
        "home/.claws-mail/accountrc",
        "[Account: 1]\nreceive_server=pop.example.com\nsmtp_server=smtp.example.com\nuser_id=me\nuse_smtp_auth=1\nset_popport=0\npop_port=110\nset_smtpport=0\nsmtp_port=25\n\n[Account: 2]\nprotocol=1\nreceive_server=imap.example.com\nuser_id=me\nset_imapport=1\nimap_port=143\nssl_imap=2\nsmtp_server=smtp.example.com\nuse_smtp_auth=1\nset_smtpport=1\nsmtp_port=587\nssl_smtp=2\n\n[Account: 3]\nprotocol=2\nreceive_server=news.example.com\nnntp_port=119\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn alpine_servers_and_folders() {
    check(
        "home/.pinerc",
        "# Alpine\nsmtp-server=smtp.example.com:587/ssl/user=me\ninbox-path={imap.example.com/novalidate-cert/user=me}INBOX\ndefault-fcc={imap.example.com/novalidate-cert/user=me}sent\nfolder-collections=Mail {mail.example.org:993/user=me}[]\n",
        expect![[r#"
            2:30 error MP003 port 587 expects a plaintext greeting and STARTTLS, but ssl starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | smtp-server=smtp.example.com:465/ssl/user=me
            3:13 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Alpine (IMAP)'s default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 993.
              fix*: Use port 993 with implicit TLS (ssl)
                | inbox-path={imap.example.com/novalidate-cert/user=me/ssl}INBOX
              fix: Use port 143 with STARTTLS (tls)
                | inbox-path={imap.example.com/novalidate-cert/user=me/tls}INBOX
            3:30 warning MP008 certificate checking is switched off (novalidate-cert) for imap.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            4:14 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Alpine (IMAP)'s default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 993.
              fix*: Use port 993 with implicit TLS (ssl)
                | default-fcc={imap.example.com/novalidate-cert/user=me/ssl}sent
              fix: Use port 143 with STARTTLS (tls)
                | default-fcc={imap.example.com/novalidate-cert/user=me/tls}sent
            4:31 warning MP008 certificate checking is switched off (novalidate-cert) for imap.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            5:43 error MP003 port 993 starts with TLS (implicit TLS), but Alpine (IMAP)'s default means opportunistic STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 993, or port 143 for STARTTLS.
              fix*: Use implicit TLS (ssl)
                | folder-collections=Mail {mail.example.org:993/user=me/ssl}[]
              fix: Use port 143 with STARTTLS (tls)
                | folder-collections=Mail {mail.example.org:143/user=me/tls}[]
        "#]],
    );
    check(
        "home/.pinerc",
        "smtp-server=smtp.example.com/submit/tls/user=me,\n\tsmtp.example.com/ssl/user=me\ninbox-path={imap.example.com/ssl/user=me}INBOX\nfolder-collections=Local mail/[], Work #pop{pop.example.com/ssl/user=me}inbox\nnntp-server=news.example.com\n# smtp-server=old.example.com:25/user=me\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn goimapnotify_accounts() {
    check(
        "home/.config/goimapnotify/goimapnotify.yaml",
        "configurations:\n  - host: imap.example.com\n    port: 993\n    tls: true\n    tlsOptions:\n      rejectUnauthorized: false\n    username: me\n    passwordCmd: pass mail\n    boxes:\n      - mailbox: INBOX\n        onNewMail: mbsync -a\n  - host: mail.example.org\n    port: 143\n    tls: false\n    username: me\n    password: secret\n    onNewMail: mbsync work\n",
        expect![[r#"
            6:27 warning MP008 certificate checking is switched off (tlsOptions.rejectUnauthorized=false) for imap.example.com: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
            14:10 error MP004 IMAP connection to mail.example.org without TLS (tls=false): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
              fix*: Use port 993 with implicit TLS (tls=true)
        "#]],
    );
    check(
        "imapnotify.json",
        r#"{"host": "imap.example.com", "port": 143, "tls": true, "tlsOption": {"starttls": true, "reject_unauthorized": true}, "username": "me", "passwordCmd": "pass mail", "onNewMail": "mbsync -a", "boxes": ["INBOX"]}"#,
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn getmail_retrievers() {
    check(
        "home/.getmail/getmailrc",
        "[retriever]\ntype = SimpleIMAPRetriever\nserver = imap.example.com\nusername = me\npassword_command = (\"pass\", \"mail\")\n\n[destination]\ntype = Maildir\npath = ~/Mail/\n",
        expect![[r#"
            2:8 error MP004 IMAP connection to imap.example.com without TLS (type=SimpleIMAPRetriever): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
        "#]],
    );
    check(
        "home/.getmail/getmailrc",
        "[retriever]\ntype = SimplePOP3SSLRetriever\nserver = pop.example.com\nport = 995\nusername = me\n\n[options]\ntype = x\nverbose = 1\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn node_imapnotify_module() {
    // A CommonJS config module: `exports.KEY = value` statements. `tls: true` is implicit TLS
    // (993 matches); `rejectUnauthorized: false` accepts any certificate (MP008).
    check(
        "config.js",
        r#"var child_process = require('child_process');
exports.host = "imap.example.org";
exports.port = 993;
exports.tls = true;
exports.tlsOptions = { "rejectUnauthorized": false };
exports.username = "me@example.org";
exports.password = child_process.execSync("pass mail").toString().trim();
exports.onNotify = "mbsync example";
exports.boxes = [ "INBOX" ];
"#,
        expect![[r#"
            5:46 warning MP008 certificate checking is switched off (tlsOptions.rejectUnauthorized=false) for imap.example.org: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // Without `tls` node-imap connects in clear; the fix adds `exports.tls = true;` and moves
    // to 993. Stays silent: a module that is not imapnotify's (no onNotify), on 3000.
    check(
        "imapnotify.js",
        r#"exports.host = "imap.example.org";
exports.port = 143;
exports.username = "me";
exports.password = "secret";
exports.onNotify = "mbsync example";
"#,
        expect![[r#"
            2:16 error MP004 IMAP connection to imap.example.org without TLS (imapnotify (node)'s default): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
              fix*: Use port 993 with implicit TLS (tls=true)
                | exports.port = 993;
                | exports.tls = true;
        "#]],
    );
    check(
        "server.js",
        "exports.host = \"0.0.0.0\";\nexports.port = 3000;\nexports.password = \"x\";\n",
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn mutt_old_ssl_versions_switched_on() {
    // `ssl_use_sslv3=yes` lets mutt offer SSLv3 (MP009); `ssl_use_tlsv1_2` is no old version,
    // and an old version switched off says nothing.
    check(
        ".muttrc",
        r#"set folder = "imaps://imap.example.org/"
set imap_user = "me"
set ssl_use_sslv3 = yes
set ssl_use_tlsv1 = no
set ssl_use_tlsv1_2 = yes
"#,
        expect![[r#"
            3:21 warning MP009 ssl_use_sslv3=yes allows TLS below 1.2, which is deprecated for mail (RFC 8996, RFC 8997). Allow TLS 1.2 and 1.3 only.
        "#]],
    );
}

#[test]
fn m4_template_values_are_left_alone() {
    // A config kept as an m4 template: the macro call is filled in later, it is no bad port.
    check(
        ".msmtprc",
        r#"account work
host ifdef(`WORK_SMTP_HOST', `WORK_SMTP_HOST', `smtp.example.com')
port ifdef(`WORK_SMTP_PORT', `WORK_SMTP_PORT', `465')
tls on
tls_starttls off
user me
passwordeval `pass work`
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// A mutt URL without a port goes to its scheme's port (smtp:// 25): Outlook.com takes
/// submissions on 587 only. smtps:// is 465.
#[test]
fn mutt_url_without_a_port() {
    check(
        "muttrc",
        "set smtp_url = \"smtp://me@example.com@smtp-mail.outlook.com\"\nset smtp_pass = \"secret\"\n",
        expect![[r#"
            1:39 error MP007 Outlook.com / Hotmail (Microsoft consumer) does not offer SMTP on smtp-mail.outlook.com:25: it documents only 587 (STARTTLS).
              fix*: Use port 587 (STARTTLS)
                | set smtp_url = "smtp://me@example.com@smtp-mail.outlook.com:587"
        "#]],
    );
    check(
        "muttrc",
        "set smtp_url = \"smtps://me@gmail.com@smtp.gmail.com\"\nset smtp_pass = \"secret\"\nset folder = \"imaps://me@gmail.com@imap.gmail.com\"\n",
        expect![[r#"
            clean
        "#]],
    );
}

/// MP007 (a provider's host of another protocol) comes alone when the port is right for the
/// connection's protocol; a port of the other protocol is MP002 as well, with its own fix.
#[test]
fn provider_host_of_another_protocol_with_and_without_a_wrong_port() {
    let account = "account gmail\nhost imap.gmail.com\ntls on\ntls_starttls off\nauth on\nuser me@gmail.com\npassword secret\n";
    check(
        ".msmtprc",
        &format!("{account}port 465\n"),
        expect![[r#"
            2:6 error MP007 imap.gmail.com is Gmail / Google Workspace's IMAP server, but this is an SMTP connection. Use Gmail / Google Workspace's SMTP host.
              fix*: Use smtp.gmail.com
                | host smtp.gmail.com
        "#]],
    );
    check(
        ".msmtprc",
        &format!("{account}port 993\n"),
        expect![[r#"
            2:6 error MP007 imap.gmail.com is Gmail / Google Workspace's IMAP server, but this is an SMTP connection. Use Gmail / Google Workspace's SMTP host.
            8:6 error MP002 port 993 is the IMAP port (imaps), but this is an SMTP connection: it will reach the wrong service. SMTP uses 465 (implicit TLS) or 587 (STARTTLS).
              fix*: Use port 465 (implicit TLS)
                | port 465
        "#]],
    );
}

/// Emacs smtpmail: without `smtpmail-stream-type` STARTTLS is used only if the server offers it
/// (MP005 once a user is set); `'starttls` on 587 and `'ssl` on 465 are right. The fix writes a
/// quoted symbol in code, a bare one inside a quoted alist.
#[test]
fn emacs_smtpmail_stream_type_in_setq_and_in_mu4e_alists() {
    check(
        "init.el",
        r#";;; mail
(setq send-mail-function 'smtpmail-send-it
      smtpmail-smtp-server "smtp.example.com"
      smtpmail-smtp-service 587
      smtpmail-smtp-user "me@example.com")

(setq mu4e-contexts
      (list (make-mu4e-context
             :name "Work"
             :vars '((smtpmail-smtp-server . "mail.work.example")
                     (smtpmail-smtp-service . 587)
                     (smtpmail-stream-type . nil)))))
"#,
        expect![[r#"
            4:29 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (Emacs smtpmail's default): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtpmail-stream-type='ssl)
                |       smtpmail-smtp-service 465
                |       smtpmail-smtp-user "me@example.com"
                |       smtpmail-stream-type 'ssl)
              fix: Require STARTTLS (smtpmail-stream-type='starttls)
                |       smtpmail-smtp-user "me@example.com"
                |       smtpmail-stream-type 'starttls)
            12:46 warning MP005 the password is sent over STARTTLS that is only used if the server offers it (smtpmail-stream-type=nil): an attacker who strips STARTTLS gets it (RFC 3207 §6). Require STARTTLS, or use implicit TLS on 465.
              fix*: Use port 465 with implicit TLS (smtpmail-stream-type='ssl)
                |                      (smtpmail-smtp-service . 465)
                |                      (smtpmail-stream-type . ssl)))))
              fix: Require STARTTLS (smtpmail-stream-type='starttls)
                |                      (smtpmail-stream-type . starttls)))))
        "#]],
    );
}

#[test]
fn emacs_smtpmail_stays_silent_when_tls_is_required_or_local() {
    check(
        ".emacs",
        r#"(custom-set-variables
 '(smtpmail-smtp-server "smtp.fastmail.com")
 '(smtpmail-smtp-service 465)
 '(smtpmail-stream-type 'ssl)
 '(smtpmail-smtp-user "me@fastmail.com"))

(defun my/send-through-work ()
  (interactive)
  (setq smtpmail-smtp-server "smtp.work.example"
        smtpmail-smtp-service 587
        smtpmail-stream-type 'starttls))

(defun my/send-through-bridge ()
  "Proton Mail Bridge listens on loopback without TLS."
  (interactive)
  (setq smtpmail-smtp-server "127.0.0.1"
        smtpmail-smtp-service 1025
        smtpmail-stream-type 'plain))

(use-package smtpmail
  :custom
  (smtpmail-queue-mail nil)
  (smtpmail-debug-info t))
"#,
        expect![[r#"
            clean
        "#]],
    );
}

/// A mutt account file sets its account inside hooks (`folder-hook PATTERN "set …"`, continued
/// over lines); mutt runs the hook's command over the top level's settings. A hook that sets only
/// its folder keeps the top level's `smtp_url`: that endpoint is reported once, at top level.
#[test]
fn mutt_hooks_are_accounts_over_the_top_level() {
    let text = "set ssl_force_tls = yes\nset smtp_url = \"smtps://me@smtp.example.org\"\nset smtp_pass = \"secret\"\n\nfolder-hook imaps://imap.example.net \"\\\n  set folder = imaps://imap.example.net \\\n      smtp_url = smtp://me@smtp.example.net \\\n      smtp_pass = $my_pass \\\n  \"\nfolder-hook 'imaps://imap.example.org' 'set folder=imaps://imap.example.org'\n";
    check(
        "c3.example.net",
        text,
        expect![[r#"
            7:18 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses STARTTLS.
              fix*: Use port 465 with implicit TLS (smtps://)
                |       smtp_url = smtps://me@smtp.example.net:465 \
              fix: Use port 587 (STARTTLS)
                |       smtp_url = smtp://me@smtp.example.net:587 \
        "#]],
    );
    check(
        "c3.example.net",
        &text.replace("smtp://me@smtp.example.net", "smtps://me@smtp.example.net"),
        expect![[r#"
            clean
        "#]],
    );
}

/// Home Manager writes `programs.aerc.extraAccounts.NAME` as the `[NAME]` section of aerc's
/// accounts.conf, keys verbatim: `source`/`outgoing` URLs mean what they mean there.
/// A chezmoi source file (`private_accounts.conf.tmpl`) is aerc's `accounts.conf`; its template
/// action lines are comments to the rendered file, not a broken document.
#[test]
fn aerc_accounts_in_a_chezmoi_template() {
    check(
        "dot_config/aerc/private_accounts.conf.tmpl",
        "{{- if eq .chezmoi.hostname \"work\" -}}\n[Work]\nsource   = imaps://me%40example.org@imap.example.org\noutgoing = smtps://me%40example.org@smtp.example.org:587\n{{- end }}\n",
        expect![[r#"
            4:54 error MP003 port 587 expects a plaintext greeting and STARTTLS, but the smtps:// scheme starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | outgoing = smtps://me%40example.org@smtp.example.org:465
              fix: Require STARTTLS (smtp://)
                | outgoing = smtp://me%40example.org@smtp.example.org:587
        "#]],
    );
}

#[test]
fn aerc_accounts_in_home_manager() {
    let text = "{ config, pkgs, ... }:\n{\n  programs.aerc.enable = true;\n  programs.aerc.extraAccounts = {\n    work = {\n      source = \"imaps://me%40example.org@imap.example.org\";\n      outgoing = \"smtp+insecure://me%40example.org@smtp.example.org:25\";\n      outgoing-cred-cmd = \"pass show work\";\n      from = \"Me <me@example.org>\";\n    };\n  };\n}\n";
    check(
        "home.nix",
        text,
        expect![[r#"
        7:69 error MP004 SMTP connection to smtp.example.org without TLS (the smtp+insecure:// scheme): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
          fix*: Use port 465 with implicit TLS (smtps://)
            |       outgoing = "smtps://me%40example.org@smtp.example.org:465";
          fix: Use port 587 with STARTTLS (smtp://)
            |       outgoing = "smtp://me%40example.org@smtp.example.org:587";
        7:69 warning MP006 authenticated submission on port 25: 25 is for server-to-server relay and is blocked or throttled outbound by many ISPs and clouds (AWS, GCP, Azure). Use 465 (implicit TLS) or 587 (STARTTLS); this connection uses no TLS.
          fix*: Use port 465 with implicit TLS (smtps://)
            |       outgoing = "smtps://me%40example.org@smtp.example.org:465";
          fix: Use port 587 with STARTTLS (smtp://)
            |       outgoing = "smtp://me%40example.org@smtp.example.org:587";
    "#]],
    );
    check(
        "home.nix",
        &text
            .replace("smtp+insecure://", "smtps://")
            .replace(":25", ""),
        expect![[r#"
            clean
        "#]],
    );
}

/// The per-account form, `accounts.email.accounts.NAME.aerc.extraAccounts`, merged over the
/// section Home Manager writes for that account; a URL built with `${…}` is still read around
/// them (the scheme and the port are written), a host from a variable is not known to be local.
#[test]
fn aerc_account_extras_in_home_manager() {
    let text = "{ pkgs, ... }:\n{\n  accounts.email.accounts.bridge = let\n    host = \"192.0.2.7\";\n  in {\n    address = \"me@example.org\";\n    aerc = {\n      enable = true;\n      extraAccounts = {\n        source = \"imap+insecure://me:${pw}@${host}:143\";\n        outgoing = \"smtps://me@smtp.example.org:465\";\n      };\n    };\n  };\n}\n";
    check(
        "home.nix",
        text,
        expect![[r#"
            10:52 error MP004 IMAP connection to ${host} without TLS (the imap+insecure:// scheme): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 993, or require STARTTLS.
              fix*: Use port 993 with implicit TLS (imaps://)
                |         source = "imaps://me:${pw}@${host}:993";
              fix: Require STARTTLS (imap://)
                |         source = "imap://me:${pw}@${host}:143";
        "#]],
    );
    check(
        "home.nix",
        &text
            .replace("imap+insecure://", "imaps://")
            .replace(":143", ":993"),
        expect![[r#"
            clean
        "#]],
    );
}

#[test]
fn a_mailrc_command_goes_on_after_a_backslash() {
    // s-nail joins a line that ends in `\` with the next: `smtp-use-starttls` is the second
    // variable of the account's `set` command, so the connection upgrades (no MP004).
    check(
        ".mailrc",
        r#"set ssl-verify=strict
account work {
  set mta=smtp://me@mail.example.org:587 \
  smtp-use-starttls
  set from='Me <me@example.org>'
}
"#,
        expect![[r#"
            clean
        "#]],
    );
    // Without the continuation the next line is a command of its own (not `set`): in clear.
    check(
        ".mailrc",
        r#"set ssl-verify=strict
account work {
  set mta=smtp://me@mail.example.org:587
  smtp-use-starttls
}
"#,
        expect![[r#"
            3:38 error MP004 SMTP connection to mail.example.org without TLS (the smtp:// scheme): mail and the password cross the network in clear (RFC 8314). Use implicit TLS on 465, or require STARTTLS.
              fix*: Use port 465 with implicit TLS (smtps://)
                |   set mta=smtps://me@mail.example.org:465
        "#]],
    );
}

#[test]
fn msmtp_written_by_an_entrypoint_script() {
    // The heredoc that writes /etc/msmtprc is the file; its literal defaults are what msmtp gets
    // when the variables are unset (the shell expands an unquoted heredoc).
    check(
        "entrypoint.sh",
        r#"#!/bin/sh
set -e
export PORT=8080
cat > /etc/msmtprc <<EOF
defaults
tls ${SMTP_TLS:-on}
tls_starttls off
account default
host ${SMTP_SERVER}
port ${SMTP_PORT:-587}
auth on
user ${SMTP_USER}
password ${SMTP_PASSWORD}
tls_certcheck off
EOF
exec "$@"
"#,
        expect![[r#"
            10:19 error MP003 port 587 expects a plaintext greeting and STARTTLS, but tls=on with tls_starttls=off starts TLS at once: the client fails with 'wrong version number'. Use 465 for implicit TLS, or switch to STARTTLS on 587.
              fix*: Use port 465 (implicit TLS)
                | port ${SMTP_PORT:-465}
              fix: Require STARTTLS (tls_starttls=on)
                | tls_starttls on
            14:15 warning MP008 certificate checking is switched off (tls_certcheck=off) for ${SMTP_SERVER}: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    // A script named after msmtp that prints the file.
    check(
        "generate-msmtp.conf.sh",
        "#! /bin/bash\ncat <<EOF\nhost ${SMTP_SERVER}\nport ${SMTP_PORT:-465}\ntls ${SMTP_USE_TLS:-on}\ntls_starttls on\nEOF\n",
        expect![[r#"
            4:19 error MP003 port 465 starts with TLS (implicit TLS), but tls=on means STARTTLS: the client waits for a greeting that never comes ('greeting never received', a timeout). Use implicit TLS on 465, or port 587 for STARTTLS.
              fix*: Use implicit TLS (tls_starttls=off)
                | tls_starttls off
              fix: Use port 587 (STARTTLS)
                | port ${SMTP_PORT:-587}
        "#]],
    );
}

#[test]
fn msmtp_written_by_a_script_stays_silent_when_right() {
    check(
        "msmtprc.sh",
        r#"#!/bin/sh
cat >/etc/msmtprc << EOF
defaults
auth             on
tls              on
tls_starttls     on
tls_trust_file   /etc/ssl/certs/ca-certificates.crt

account relay
host ${MAIL_RELAY_HOST}
port ${MAIL_PORT}
user ${MAIL_USER}
password ${MAIL_PASSWORD}
account default : relay
EOF
"#,
        expect![[r#"
            clean
        "#]],
    );
    // A quoted terminator writes `${SMTP_PORT:-25}` as it stands: msmtp gets no number from
    // the script, so nothing is read from the default.
    check(
        "setup.sh",
        "#!/bin/sh\ncat > ~/.msmtprc <<'EOF'\nhost smtp.example.com\nport ${SMTP_PORT:-25}\ntls on\ntls_starttls off\nauth on\nuser me\nEOF\n",
        expect![[r#"
            clean
        "#]],
    );
    // A shell script that only sends mail through msmtp is not its configuration.
    let notify = "#!/bin/sh\nmsmtp -a default ops@example.com <<EOF\nSubject: backup done\n\nport 25 is open\nEOF\n";
    assert_eq!(
        mailport::analysis::syntax::detect_format("notify.sh", None, notify),
        None
    );
}

#[test]
fn node_imapnotify_with_its_new_mail_commands() {
    // a-sk/node-imapnotify names its commands `onNewMail`/`onNewMailPost`.
    check(
        "work.js",
        r#"exports.host = "imap.example.org";
exports.port = 993;
exports.tls = true;
exports.tlsOptions = { "rejectUnauthorized": false };
exports.username = "me@example.org";
exports.onNewMail = "mbsync work";
exports.onNewMailPost = "notmuch new";
"#,
        expect![[r#"
            4:46 warning MP008 certificate checking is switched off (tlsOptions.rejectUnauthorized=false) for imap.example.org: anyone on the path can impersonate the server and read the password (RFC 8314 §5). Remove it, or trust the server's CA instead.
        "#]],
    );
    check(
        "work.js",
        "exports.host = \"imap.example.org\";\nexports.port = 993;\nexports.tls = true;\nexports.username = \"me@example.org\";\nexports.onNewMail = \"mbsync work\";\n",
        expect![[r#"
            clean
        "#]],
    );
}
