//! The pages of the probe's codes (MP100–MP103), next to the probe that reports them
//! (`verdict.rs`). They are observations of a live server, not rules over a document, so they
//! have no check of their own here; `docs/rules/` and `mailport rule` include them.

use crate::vocab::{RuleCode, RuleDoc};

pub const DOCS: &[RuleDoc] = &[
    PROBE_FAILED,
    PROBE_CONTRADICTS_CONFIG,
    PROBE_TLS_PROBLEM,
    PROBE_OK,
];

const PROBE_FAILED: RuleDoc = RuleDoc {
    code: RuleCode::Mp100,
    summary: "The live probe could not connect (DNS, refused, timeout).",
    body: r#"
## What it does

Reported by the live probe ("Test connection" in the editor, `mailport probe` in a shell) when it
could not reach a mail server on the configured host and port: the name does not resolve, the
connection is refused, nothing answers before the deadline, or what answers is cut off.

## Why is this bad?

The application will not reach the server either. Typical causes: a typo in the host, a firewall
or a cloud that blocks the port (outbound 25 is often blocked), a server that listens elsewhere.

## Example

```console
$ mailport probe smtp.example.invalid:587
```

## Fix

None is offered: check the host name, the port and the network path (try the provider's other
documented port, or `mailport probe --discover` to test the usual ports of the protocol).
"#,
};

const PROBE_CONTRADICTS_CONFIG: RuleDoc = RuleDoc {
    code: RuleCode::Mp101,
    summary: "The server speaks another mode or protocol on that port than the document says.",
    body: r#"
## What it does

Reported by the live probe when the server answers, but not as the configuration expects: it
greets in plaintext where the configuration starts TLS at once, it starts TLS where the
configuration waits for a greeting, it offers no STARTTLS where the configuration requires it, it
speaks another mail protocol (IMAP on the SMTP port), or it is not a mail server at all.

## Why is this bad?

This is MP003 or MP002 observed on the real server: the connection fails (*wrong version number*,
*greeting never received*) or, where a STARTTLS client would fall back to plaintext, the password
crosses the network in clear.

## Example

```console
$ mailport probe smtp.example.com:587 --security implicit-tls
```

## Fix

Where the server's mode is clear, the probe names the mode that works on that port (for example
STARTTLS on 587; `fix` in `mailport probe --format json`): set it in the document.
"#,
};

const PROBE_TLS_PROBLEM: RuleDoc = RuleDoc {
    code: RuleCode::Mp102,
    summary: "The live probe found a TLS problem: certificate invalid, expired, wrong host, or TLS below 1.2.",
    body: r#"
## What it does

Reported by the live probe when TLS on the server is not safe to use: the certificate is not
trusted, has expired or does not name the host; the server negotiates a TLS version below 1.2;
the handshake fails; the server sends bytes between its STARTTLS reply and the handshake (response
injection); or there is no TLS on the port at all.

## Why is this bad?

A client that checks certificates refuses the connection; one that does not check them talks to
whoever is on the path. TLS below 1.2 is deprecated (RFC 8996, RFC 8997).

## Example

```console
$ mailport probe smtps://mail.example.com:465
```

## Fix

None in the document: the server's administrator renews or corrects the certificate and allows
TLS 1.2 and 1.3. For a server with a private CA, give the probe the CA (`--ca-file PEM`) rather than
switching certificate checks off (MP008).
"#,
};

const PROBE_OK: RuleDoc = RuleDoc {
    code: RuleCode::Mp103,
    summary: "The live probe connected in the configured mode.",
    body: r#"
## What it does

Reported by the live probe (as information) when the server speaks the configured protocol in the
configured mode, with TLS 1.2 or later and a certificate that is trusted and valid for the host.

## Why is this bad?

It is not: the connection works as configured. The message names the mode and the TLS version.

## Example

```console
$ mailport probe smtps://smtp.gmail.com:465
```

## Fix

Nothing to do.
"#,
};
