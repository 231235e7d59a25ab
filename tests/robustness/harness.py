"""Shared parts of the black-box robustness harness (mutate.py, worst_cases.py).

Python 3 standard library only. mailport is run from outside, as a user would:
`mailport check --stdin --stdin-filename NAME --format json`, one fresh process per input.
"""

import json
import math
import os
import re
import resource
import signal
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))

# The limits mailport promises (docs/robustness.md): inputs up to this size are checked within
# SLOW_SECONDS of CPU time by a release build.
SIZE_LIMIT = 1024 * 1024
SLOW_SECONDS = 2.0
# What the harness gives each run: the stack an editor's child process usually gets (so a deep
# recursion overflows here as it would there) and a memory ceiling that keeps the machine alive.
STACK_BYTES = 8 * 1024 * 1024
MEMORY_BYTES = 4 * 1024 * 1024 * 1024


class Family:
    """One format mailport reads, as the harness sees it from outside: file names that select it
    (detect.rs), how to comment, nest and leave things open in it, and typical setting lines."""

    def __init__(self, key, names, settings, nest=(), openers=(), comment="# ", marker=None,
                 indent_block=None):
        self.key = key
        self.names = names
        self.settings = settings
        # (open, close) pairs that nest in this syntax.
        self.nest = list(nest)
        # Things that open a string, comment, heredoc … which a truncation may leave open.
        self.openers = list(openers)
        self.comment = comment
        # Text that makes mailport read a file of this family at all (program source and XML are
        # read only when they mention mail settings).
        self.marker = marker
        # One level of an indentation-nested block: format(i) -> line (without indentation).
        self.indent_block = indent_block


GENERIC_NEST = [("(", ")"), ("[", "]"), ("{", "}"), ("<a>", "</a>"), ('"', '"')]

FAMILIES = {
    f.key: f
    for f in [
        Family("env", [".env", ".env.production", "mail.env", ".env.example"],
               ["MAIL_PORT=587", "MAIL_HOST=smtp.example.com", "MAIL_ENCRYPTION=ssl",
                'export SMTP_PORT="465"', "EMAIL_URL=smtp+tls://u:p@smtp.example.com:465"],
               nest=[("${", "}"), ('"', '"')], openers=['"', "'", "${", "`", "\\", "$("]),
        Family("yaml", ["docker-compose.yml", "application.yaml", "alertmanager.yml",
                        "config.yaml"],
               ["smtp_port: 465", "  MAIL_PORT: \"587\"", "- SMTP_HOST=smtp.example.com",
                "smtp_smarthost: 'smtp.example.com:587'", "port: 25"],
               nest=[("- ", ""), ("[", "]"), ("{", "}"), ("{a: ", "}"), ("? ", ""),
                     ("- a:\n", "")],
               openers=['"', "'", "|\n", ">-\n", "&a ", "*a", "!!str ", "{", "[", "---\n",
                        "%YAML 1.2\n"],
               indent_block=lambda i: f"k{i}:"),
        Family("json", ["config.production.json", "settings.jsonc", "realm-export.json"],
               ['"port": 465,', '"smtpPort": "587",', '"secure": true,',
                '"host": "smtp.example.com",'],
               nest=[("[", "]"), ('{"a":', "}"), ('{"mail": ', "}")],
               openers=['"', "/*", "{", "[", "//", '"\\u'], comment="// "),
        Family("toml", ["config.toml", "himalaya.toml", "settings.toml"],
               ["port = 465", 'backend.host = "imap.example.com"', "smtp.port = 587",
                "[accounts.a]", 'encryption = "tls"'],
               nest=[("a = [", "]"), ("a = {b = ", "}"), ("[", "]"), ("{", "}")],
               openers=['"', "'", '"""', "'''", "[", "[[", "{", "a = "]),
        Family("ini", ["app.ini", "grafana.ini", ".offlineimaprc", "accounts.conf",
                       "offlineimaprc"],
               ["smtp_port = 465", "PORT = 587", "remoteport = 993", "[mailer]",
                "outgoing = smtps://u@smtp.example.com:465", "ssl = yes"],
               nest=[("[", "]")], openers=["[", '"', "'", ";", "\\"], comment="; "),
        Family("properties", ["application.properties", "mail.properties"],
               ["spring.mail.port=465", "spring.mail.properties.mail.smtp.starttls.enable=true",
                "mail.smtp.port : 25", "spring.mail.host smtp.example.com"],
               nest=[], openers=["\\\n", "\\u", "\\", "${"]),
        Family("xml", ["config-v1.1.xml", "example.com.xml"],
               ["<port>465</port>", "<socketType>STARTTLS</socketType>",
                '<outgoingServer type="smtp"><hostname>smtp.example.com</hostname>'
                "<port>587</port><socketType>SSL</socketType></outgoingServer>"],
               nest=[("<a>", "</a>"), ('<incomingServer type="imap">', "</incomingServer>"),
                     ("<![CDATA[", "]]>"), ("<!--", "-->")],
               openers=["<!--", "<![CDATA[", "<?", "<!DOCTYPE a [", '"', "&", '<a b="', "<"],
               comment=None, marker='<clientConfig version="1.1">'),
        Family("python", ["settings.py", "mail.py", "app.py"],
               ["EMAIL_PORT = 465", "EMAIL_USE_TLS = True", 'app.config["MAIL_PORT"] = 587',
                'EMAIL_HOST = "smtp.example.com"'],
               nest=[("(", ")"), ("[", "]"), ("{", "}"), ('{"a": ', "}"), ("f(", ")"),
                     ("lambda: ", "")],
               openers=['"', "'", '"""', "'''", 'f"{', "(", "\\", "#"],
               marker="# smtp", indent_block=lambda i: "if x:"),
        Family("php", ["config.php", "mail.php", "wp-config.php"],
               ["'port' => 465,", "define('SMTP_PORT', 465);",
                "$CONFIG['mail_smtpport'] = '587';", "'encryption' => 'tls',"],
               nest=[("(", ")"), ("[", "]"), ("array(", ")"), ("{", "}"), ("['a' => ", "]"),
                     ("f(", ")")],
               openers=['"', "'", "/*", "<<<EOT\n", "<<<'EOT'\n", "?>", "<?php ", "#[", "${",
                        "`"],
               comment="// ", marker="// smtp"),
        Family("ruby", ["gitlab.rb", "production.rb", "smtp.rb"],
               ["gitlab_rails['smtp_port'] = 465", "config.action_mailer.smtp_settings = { port: 587 }",
                "  enable_starttls_auto: true,", "gitlab_rails['smtp_tls'] = false"],
               nest=[("(", ")"), ("[", "]"), ("{", "}"), ("{a: ", "}"), ("begin\n", "\nend"),
                     ("[1, ", "]"), ("f(", ")")],
               openers=['"', "'", "<<~EOS\n", "<<-EOS\n", "=begin\n", "%w(", "%q{", '"#{', "/",
                        "`", ":"],
               marker="# smtp", indent_block=lambda i: "if x"),
        Family("javascript", ["mailer.js", "mailer.ts", "mail.mjs", "config.cjs", "Mail.tsx",
                              "plugins.js"],
               ["port: 465,", "secure: false,", "host: 'smtp.example.com',",
                "nodemailer.createTransport({ port: 587, secure: true });"],
               nest=[("(", ")"), ("[", "]"), ("{", "}"), ("{a: ", "}"), ("(() => {", "})"),
                     ("`${", "}`"), ("<div>", "</div>"), ("f(", ")")],
               openers=['"', "'", "`", "/*", "${", "/", "<", "//", "`${"],
               comment="// ", marker="// smtp"),
        Family("nix", ["configuration.nix", "default.nix", "home.nix"],
               ["port = 465;", "smtp.tls.useStartTls = true;",
                "accounts.email.accounts.a.smtp.port = 587;", 'host = "smtp.example.com";'],
               nest=[("{", "}"), ("[", "]"), ("(", ")"), ("{ a = ", "; }"), ("let a = 1; in ", ""),
                     ("a: ", ""), ("[ (", ") ]")],
               openers=['"', "''", "${", "/*", "{", "[", "#", 'a = "${'],
               marker="# smtp"),
        Family("msmtp", [".msmtprc", "msmtprc", "work.msmtprc"],
               ["port 465", "tls_starttls on", "host smtp.example.com", "account a", "tls on"],
               openers=['"', "#", "\\"]),
        Family("mbsync", [".mbsyncrc", "mbsyncrc", ".isyncrc"],
               ["Port 993", "SSLType IMAPS", "Host imap.example.com", "IMAPAccount a",
                "TLSType STARTTLS"],
               openers=['"', "\\"]),
        Family("muttrc", ["muttrc", ".muttrc", ".neomuttrc", "work.muttrc"],
               ['set smtp_url="smtps://u@smtp.example.com:587"', "set ssl_force_tls = yes",
                "set folder=imaps://imap.example.com:143", "set ssl_starttls=no"],
               openers=['"', "'", "`", "\\", "source "]),
        Family("fetchmail", [".fetchmailrc", "fetchmailrc"],
               ["poll imap.example.com proto imap port 993 ssl",
                'user "a" there with password "b" is c here', "  sslproto TLS1.2+",
                "poll pop.example.com protocol pop3 port 110 sslcertck"],
               openers=['"', "'"]),
        Family("postfix-main", ["main.cf"],
               ["relayhost = [smtp.example.com]:587", "smtp_tls_security_level = encrypt",
                "smtp_tls_wrappermode = yes", "  continued"],
               nest=[("[", "]"), ("{", "}"), ("$(", ")"), ("${", "}")],
               openers=["{", "[", "$", "${"]),
        Family("postfix-master", ["master.cf"],
               ["submission inet n - n - - smtpd", "  -o smtpd_tls_security_level=encrypt",
                "smtps     inet  n       -       y       -       -       smtpd",
                "  -o smtpd_tls_wrappermode=yes"],
               nest=[("{", "}")], openers=["{", "-o "]),
        Family("mailrc", [".mailrc", "mailrc", "nail.rc", "s-nail.rc", "mail.rc", "setup.sh"],
               ["set smtp=smtps://smtp.example.com:465", "set smtp-use-starttls",
                "set mta=smtp://u@smtp.example.com:587", "account a {"],
               nest=[("account a {\n", "\n}")], openers=['"', "'", "<<EOF\n", "\\"]),
        Family("elisp", ["init.el", ".emacs", "mail.el", ".gnus.el"],
               ["(setq smtpmail-smtp-service 465)", "      smtpmail-stream-type 'ssl",
                '(smtpmail-smtp-server . "smtp.example.com")', " '(smtpmail-smtp-service 587)",
                "(use-package smtpmail :custom (smtpmail-stream-type 'starttls))"],
               nest=[("(", ")"), ("'(", ")"), ("[", "]"), ("`(,(", "))"), ("(defun f () ", ")")],
               openers=['"', ";", "?\\", "'", "`", ",", "#'"],
               comment=";; ", marker=";; smtpmail"),
        Family("hjson", ["lemmy.hjson", "config.hjson"],
               ['smtp_server: "smtp.example.com:587"', "tls_type: starttls", "email: {",
                "smtp_login: lemmy@example.com", "tls_type: none # a comment"],
               nest=[("{", "}"), ("[", "]"), ("a: {\n", "\n}"), ("[\n", "\n]")],
               openers=['"', "'", "'''", "/*", "#", "//"]),
    ]
}

# Names with no telling extension: the first statement decides (detect.rs sniff_rc_file).
SNIFFED_NAMES = ["mailconfig", "mail.conf", "mutt.rc", "accountrc"]

PROGRAM_SOURCE = {"python", "php", "ruby", "javascript", "nix", "elisp"}


def family_of(name):
    """The family a file name selects (a mirror of detect.rs; None when the content decides or
    mailport does not read the name)."""
    base = re.split(r"[/\\]", name)[-1].lower()
    exact = {
        "config-v1.1.xml": "xml", ".msmtprc": "msmtp", "msmtprc": "msmtp",
        ".mbsyncrc": "mbsync", "mbsyncrc": "mbsync", ".isyncrc": "mbsync", "isyncrc": "mbsync",
        ".muttrc": "muttrc", "muttrc": "muttrc", ".neomuttrc": "muttrc", "neomuttrc": "muttrc",
        ".fetchmailrc": "fetchmail", "fetchmailrc": "fetchmail", "main.cf": "postfix-main",
        "master.cf": "postfix-master", ".mailrc": "mailrc", "mailrc": "mailrc",
        ".nailrc": "mailrc", "nail.rc": "mailrc", "s-nail.rc": "mailrc", "mail.rc": "mailrc",
        ".env": "env", ".offlineimaprc": "ini", "offlineimaprc": "ini", "accounts.conf": "ini",
        ".emacs": "elisp", ".gnus.el": "elisp",
    }
    if base in exact:
        return exact[base]
    if base.endswith(".msmtprc"):
        return "msmtp"
    if base.endswith(".muttrc") or base.endswith(".neomuttrc"):
        return "muttrc"
    stem, dot, ext = base.rpartition(".")
    if dot and stem:
        by_ext = {
            "xml": "xml", "py": "python", "php": "php", "rb": "ruby", "nix": "nix",
            "sh": "mailrc", "bash": "mailrc", "el": "elisp", "hjson": "hjson",
        }
        if ext in by_ext:
            return by_ext[ext]
        if ext in ("js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"):
            return "javascript"
    if base.startswith(".env.") or (base.endswith(".env") and len(base) > 4):
        return "env"
    for suffix, family in ((".yml", "yaml"), (".yaml", "yaml"), (".json", "json"),
                           (".jsonc", "json"), (".toml", "toml"), (".ini", "ini"),
                           (".properties", "properties")):
        if base.endswith(suffix) and len(base) > len(suffix):
            return family
    return None


def make_readable(family, data):
    """Adds what makes mailport read a file of this family (a mail word in program source, a
    `<clientConfig` in XML, a heredoc writing .mailrc in a shell script), when it is missing."""
    fam = FAMILIES.get(family)
    if fam is None:
        return data
    if family in PROGRAM_SOURCE:
        lower = data.lower()
        if any(m in lower for m in (b"smtp", b"imap", b"pop3", b"mailer", b"mail_host")):
            return data
        if family == "php" and not data.lstrip().startswith(b"<?"):
            return b"<?php\n" + fam.marker.encode() + b"\n" + data
        return fam.marker.encode() + b"\n" + data
    if family == "xml" and b"<clientConfig" not in data:
        return fam.marker.encode() + b"\n" + data
    return data


def make_readable_for_name(name, data):
    family = family_of(name)
    if family == "mailrc" and name.endswith((".sh", ".bash")) and b"mailrc" not in data:
        return b"cat > ~/.mailrc <<EOF\n" + data
    return make_readable(family, data) if family else data


def command(binary, name):
    return [binary, "check", "--stdin", "--stdin-filename", name, "--format", "json"]


def _limits(cpu_seconds):
    def apply():
        resource.setrlimit(resource.RLIMIT_STACK, (STACK_BYTES, STACK_BYTES))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # CPU time, not wall time, ends a run: the machine is shared, a busy neighbour must not
        # turn a fast input into a timeout. SIGXCPU at the soft limit.
        seconds = max(1, math.ceil(cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 2))

    return apply


class Outcome:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def run_mailport(binary, name, data, timeout, workdir):
    """Runs one check and measures it: exit status (negative = signal), CPU and wall seconds,
    peak memory, stdout and stderr. `timeout` is CPU seconds (wall time gets a wide margin on
    top). `workdir` must hold no .mailport.toml up its ancestors."""
    os.makedirs(workdir, exist_ok=True)
    inp = os.path.join(workdir, "input")
    out = os.path.join(workdir, "stdout")
    err = os.path.join(workdir, "stderr")
    with open(inp, "wb") as f:
        f.write(data)
    timed_out = threading.Event()
    with open(inp, "rb") as fin, open(out, "wb") as fout, open(err, "wb") as ferr:
        start = time.monotonic()
        proc = subprocess.Popen(command(binary, name), stdin=fin, stdout=fout, stderr=ferr,
                                cwd=workdir, preexec_fn=_limits(timeout))

        def kill():
            timed_out.set()
            try:
                proc.kill()
            except OSError:
                pass

        # The CPU limit ends a busy run; this ends one that waits (generous: a loaded machine
        # stretches wall time far beyond CPU time).
        timer = threading.Timer(max(120.0, timeout * 20), kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out, "rb") as f:
        stdout = f.read()
    with open(err, "rb") as f:
        stderr = f.read()
    cpu = usage.ru_utime + usage.ru_stime
    # SIGXCPU comes only from the CPU limit above (SIGKILL at its hard limit).
    over_cpu = proc.returncode == -signal.SIGXCPU or (proc.returncode == -signal.SIGKILL
                                                      and cpu >= timeout)
    return Outcome(code=proc.returncode, cpu=cpu, wall=wall, rss_kb=usage.ru_maxrss,
                   stdout=stdout, stderr=stderr, timed_out=timed_out.is_set() or over_cpu)


def _valid_report(stdout):
    """The JSON report docs/output.md describes, with 1-based positions."""
    try:
        report = json.loads(stdout)
    except (ValueError, UnicodeDecodeError) as e:
        return f"not JSON: {e}"
    if not isinstance(report, dict) or report.get("version") != 1:
        return "not a version 1 report"
    if not isinstance(report.get("files_checked"), int):
        return "no files_checked"
    diagnostics = report.get("diagnostics")
    if not isinstance(diagnostics, list):
        return "no diagnostics list"
    for d in diagnostics:
        for field in ("line", "column", "end_line", "end_column"):
            if not isinstance(d.get(field), int) or d[field] < 1:
                return f"diagnostic with {field}={d.get(field)!r}"
        if (d["end_line"], d["end_column"]) < (d["line"], d["column"]):
            return "diagnostic ending before it starts"
        if not isinstance(d.get("code"), str) or not isinstance(d.get("message"), str):
            return "diagnostic without code or message"
    return None


def crash_signature(stderr):
    """A short line that says what went wrong, stable across inputs hitting the same fault."""
    text = stderr.decode("utf-8", "replace")
    for pattern in (r"has overflowed its stack", r"Assertion [`'][^'`]*['`] failed",
                    r"panicked at [^\n]*", r"internal error while checking [^:]*: [^\n]*",
                    r"memory allocation of \d+ bytes failed"):
        m = re.search(pattern, text)
        if m:
            line = m.group(0)
            line = re.sub(r"internal error while checking [^:]*:", "internal error:", line)
            return re.sub(r"\d+ bytes", "N bytes", line)[:160]
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1][:160] if lines else ""


def classify(outcome, data, slow_seconds, size_limit=SIZE_LIMIT):
    """(class, detail). Classes: ok, rejected (not UTF-8 / too large: exit 2 with the reason the
    spec asks for), crash, timeout, slow, memory, bad-output."""
    err = outcome.stderr.decode("utf-8", "replace")
    if outcome.timed_out:
        return "timeout", f"stopped after {outcome.cpu:.1f} s CPU ({outcome.wall:.1f} s wall)"
    if outcome.code < 0:
        return "crash", f"signal {-outcome.code}: {crash_signature(outcome.stderr)}"
    if "panicked" in err or "overflowed its stack" in err or "internal error" in err:
        return "crash", crash_signature(outcome.stderr)
    if outcome.code == 2:
        try:
            data.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        if (not valid and "not UTF-8" in err) or "larger than" in err:
            return "rejected", err.strip()[:120]
        return "crash", f"exit 2: {crash_signature(outcome.stderr)}"
    if outcome.code not in (0, 1):
        return "crash", f"exit {outcome.code}: {crash_signature(outcome.stderr)}"
    problem = _valid_report(outcome.stdout)
    if problem:
        return "bad-output", problem
    if outcome.cpu > slow_seconds and len(data) <= size_limit:
        return "slow", f"{outcome.cpu:.2f} s CPU for {len(data) / 1024:.0f} KB"
    if outcome.rss_kb > 1024 * 1024 and len(data) <= size_limit:
        return "memory", f"{outcome.rss_kb / 1024:.0f} MB peak for {len(data) / 1024:.0f} KB"
    return "ok", ""


def was_read(outcome):
    """Did mailport read the document (as opposed to skipping a name it does not read)?"""
    try:
        return json.loads(outcome.stdout).get("files_checked") == 1
    except (ValueError, AttributeError):
        return False


def save_case(folder, name, data, info, binary):
    """Everything needed to replay one input: the bytes, the name, the command, what happened."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "input"), "wb") as f:
        f.write(data)
    with open(os.path.join(folder, "name"), "w") as f:
        f.write(name + "\n")
    quoted = "'" + name.replace("'", "'\\''") + "'"
    with open(os.path.join(folder, "replay.sh"), "w") as f:
        f.write("#!/bin/sh\n# Replays this input: MAILPORT=path/to/mailport sh replay.sh\n"
                f'exec "${{MAILPORT:-{binary}}}" check --stdin --stdin-filename {quoted} '
                '--format json < "$(dirname "$0")/input"\n')
    os.chmod(os.path.join(folder, "replay.sh"), 0o755)
    with open(os.path.join(folder, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


def default_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(PROJECT, "target"))
    for profile in ("release", "debug"):
        path = os.path.join(target, profile, "mailport")
        if os.path.exists(path):
            return path
    return "mailport"
