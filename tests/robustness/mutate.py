#!/usr/bin/env python3
"""Black-box mutation runs of `mailport check --stdin --stdin-filename NAME --format json`.

Takes real config files (examples/, the tests' fixtures, ../shared/corpus/realworld and
../shared/corpus/ispdb) or files mailport has never seen (--seeds unseen: files found on this
machine and generated documents), applies 1-4 random mutations to each (generic: bytes flipped,
spans deleted or repeated, NUL, invalid UTF-8, other line endings, BOM, truncation; format-aware:
deep nesting, a line repeated 20,000 times, one 300,000-character token, huge numbers,
unterminated strings/comments/heredocs, garbage and repeated settings), picks a file name that
selects a format (every format mailport reads), runs mailport with a timeout and classifies:

  crash       killed by a signal, "panicked", "overflowed its stack", an internal error, or an
              exit status other than 0/1 (2 only for input that is not UTF-8 or over 10 MB)
  timeout     still running after --timeout seconds
  slow        more than --slow seconds of CPU for an input of at most 1 MiB
  memory      more than 1 GiB peak memory for an input of at most 1 MiB
  bad-output  exit 0/1 without the JSON report docs/output.md describes

Every failure is saved under OUT/failures/CLASS-RUN/ (input, name, replay.sh, info.json) and every
run is a line of OUT/runs.jsonl. Run i of seed S is the same input on every machine:
`mutate.py --seed S --only i` replays it.

    python3 tests/robustness/mutate.py --runs 20000 --workers 2 --seed 1 --out /tmp/robustness
"""

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FAMILIES, SIZE_LIMIT  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Seeds


class Seed:
    def __init__(self, name, data, origin):
        self.name = name
        self.data = data
        self.origin = origin
        self.family = harness.family_of(name)


def folder_seeds(folder, skip=(), base=None):
    """Every file of a folder (at most 1 MiB), named by its own file name."""
    seeds = []
    for dirpath, dirnames, files in os.walk(folder):
        dirnames.sort()
        for file in sorted(files):
            if file in skip:
                continue
            path = os.path.join(dirpath, file)
            with open(path, "rb") as f:
                data = f.read()
            if len(data) <= SIZE_LIMIT:
                seeds.append(Seed(file, data, os.path.relpath(path, base) if base else path))
    return seeds


def project_seeds():
    """examples/, the fixtures of the Rust tests and editor tests, the gathered real-world files
    (tests/realworld/files) and ../shared/corpus when present."""
    seeds = []
    root = harness.PROJECT

    def add_tree(folder, skip=()):
        seeds.extend(folder_seeds(folder, skip, os.path.dirname(root)))

    add_tree(os.path.join(root, "examples"), skip={"README.md"})
    for editor in sorted(os.listdir(os.path.join(root, "editors"))):
        fixtures = os.path.join(root, "editors", editor, "test", "fixtures")
        if os.path.isdir(fixtures):
            add_tree(fixtures)
    # Documents written inline in the Rust tests: `"NAME",\n r#"TEXT"#`.
    fixture = re.compile(r'"([^"\n]{1,80})",\s*r(#+)"(.*?)"\2', re.S)
    tests = os.path.join(root, "tests")
    for file in sorted(os.listdir(tests)):
        if not file.endswith(".rs"):
            continue
        with open(os.path.join(tests, file), encoding="utf-8") as f:
            source = f.read()
        for m in fixture.finditer(source):
            name, text = m.group(1), m.group(3)
            if harness.family_of(name) or name in harness.SNIFFED_NAMES:
                seeds.append(Seed(os.path.basename(name), text.encode(), f"tests/{file}"))
        if file == "rules_env.rs":
            # `check(r#"TEXT"#, …)`: the document is a `.env`.
            for m in re.finditer(r'check\(\s*r(#+)"(.*?)"\1', source, re.S):
                seeds.append(Seed(".env", m.group(2).encode(), f"tests/{file}"))
            for m in re.finditer(r'check\(\s*"((?:[^"\\]|\\.)*)",', source, re.S):
                escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\"}
                text = re.sub(r"\\(.)", lambda e: escapes.get(e.group(1), e.group(1)), m.group(1))
                seeds.append(Seed(".env", text.encode(), f"tests/{file}"))
    if os.path.isdir(os.path.join(root, "tests", "realworld", "files")):
        add_tree(os.path.join(root, "tests", "realworld", "files"))
    corpus = os.path.join(os.path.dirname(root), "shared", "corpus")
    if os.path.isdir(os.path.join(corpus, "realworld")):
        add_tree(os.path.join(corpus, "realworld"),
                 skip={"score.py", "README.md", "corpus.json"})
    if os.path.isdir(os.path.join(corpus, "ispdb")):
        add_tree(os.path.join(corpus, "ispdb"), skip={"README.md"})
    return seeds


UNSEEN_DIRS = ["/usr/lib/python3", "/usr/lib/python3.11", "/usr/lib/google-cloud-sdk",
               "/usr/lib/node_modules", "/usr/share", "/etc", os.path.expanduser("~/.cargo/registry/src")]


def unseen_seeds(dirs, per_family=150, rng_seed=0):
    """Files on this machine that mailport's authors never looked at, by family (a sample of at
    most `per_family` each), plus generated documents of every family."""
    by_family = {}
    for top in dirs:
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, files in os.walk(top):
            dirnames.sort()
            if "/proc" in dirpath or "/.git" in dirpath:
                continue
            for file in sorted(files):
                family = harness.family_of(file)
                if family is None:
                    # Other configuration files become rc-style documents.
                    if file.endswith((".conf", ".cfg", "rc")):
                        family = "rc"
                    else:
                        continue
                by_family.setdefault(family, []).append(os.path.join(dirpath, file))
    rng = random.Random(rng_seed)
    seeds = []
    for family, paths in sorted(by_family.items()):
        rng.shuffle(paths)
        taken = 0
        for path in paths:
            if taken >= per_family:
                break
            try:
                if not os.path.isfile(path) or os.path.getsize(path) > SIZE_LIMIT:
                    continue
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            base = os.path.basename(path)
            name = base if family != "rc" else rng.choice(
                FAMILIES[rng.choice(["msmtp", "mbsync", "muttrc", "fetchmail", "mailrc",
                                     "postfix-main", "postfix-master"])].names)
            seeds.append(Seed(name, data, path))
            taken += 1
    for family in sorted(FAMILIES):
        for i in range(20):
            g = random.Random(f"generated:{family}:{i}")
            seeds.append(Seed(g.choice(FAMILIES[family].names), generate(g, family),
                              f"generated:{family}:{i}"))
    return seeds


# ---------------------------------------------------------------------------------------------
# Generated documents (never seen by anyone): random settings in each family's syntax.

WORDS = ["smtp", "imap", "pop3", "mail", "host", "port", "user", "password", "tls", "ssl",
         "starttls", "secure", "encryption", "from", "server", "relay", "auth", "db", "cache",
         "redis", "timeout", "name", "url", "debug", "log", "level", "backend", "transport",
         "äöü", "名前", "😀", "a-b", "x_y", "A.B"]


def _word(g):
    return g.choice(WORDS) + (str(g.randrange(100)) if g.random() < 0.3 else "")


def _value(g, depth=0):
    r = g.random()
    if r < 0.25:
        return str(g.choice([25, 465, 587, 993, 995, 143, 110, 2525, 0, 65535, 65536, -1,
                             g.randrange(10 ** g.randrange(1, 25))]))
    if r < 0.4:
        return g.choice(["true", "false", "yes", "no", "on", "off", "null", "None", "nil"])
    if r < 0.7:
        scheme = g.choice(["smtp", "smtps", "imap", "imaps", "pop3s", "smtp+starttls", "http"])
        return '"%s://%s@%s.example.com:%d"' % (scheme, _word(g), _word(g),
                                                g.choice([25, 465, 587, 993, 143, 99999]))
    if r < 0.85 or depth > 4:
        return '"%s"' % _word(g).replace('"', "")
    return "LIST"


def generate(g, family):
    """A random document of this family, 5-200 settings, a little nesting."""
    lines = []
    n = g.randrange(5, 200)
    f = FAMILIES[family]

    def kv(sep, depth=0):
        v = _value(g, depth)
        if v == "LIST":
            v = "[" + ", ".join(_value(g, 5) for _ in range(g.randrange(4))) + "]"
        return f"{_word(g)}{sep}{v}"

    if family == "env":
        for _ in range(n):
            lines.append(g.choice(["", "export "]) + _word(g).upper() + "=" +
                         _value(g, 5).strip('"') if g.random() < 0.9 else "# " + _word(g))
    elif family == "yaml":
        indent = 0
        for _ in range(n):
            r = g.random()
            if r < 0.2 and indent < 20:
                lines.append("  " * indent + _word(g) + ":")
                indent += 1
            elif r < 0.3 and indent:
                indent = g.randrange(indent)
            elif r < 0.4:
                lines.append("  " * indent + "- " + kv(": ", 5))
            else:
                lines.append("  " * indent + kv(": "))
    elif family in ("json",):
        def obj(depth):
            items = []
            for _ in range(g.randrange(1, 6)):
                v = obj(depth + 1) if depth < 5 and g.random() < 0.3 else _value(g, 5)
                items.append('"%s": %s' % (_word(g), v))
            return "{" + ", ".join(items) + "}"
        lines = [obj(0)]
        if g.random() < 0.5:
            try:
                lines = [json.dumps(json.loads(lines[0]), indent=2, ensure_ascii=False)]
            except ValueError:
                pass  # `yes`, `None` …: not JSON, which is a fine input too
    elif family == "toml":
        for _ in range(n):
            r = g.random()
            lines.append(("[" + ".".join(_word(g) for _ in range(g.randrange(1, 4))) + "]")
                         if r < 0.15 else kv(" = "))
    elif family == "ini":
        for _ in range(n):
            lines.append("[" + _word(g) + "]" if g.random() < 0.15 else kv(" = ", 5))
    elif family == "properties":
        for _ in range(n):
            lines.append(".".join(_word(g) for _ in range(g.randrange(1, 5))) +
                         g.choice(["=", ": ", " "]) + _value(g, 5).strip('"'))
    elif family == "xml":
        lines.append('<?xml version="1.0"?>\n<clientConfig version="1.1"><emailProvider id="x">')
        for _ in range(n // 10 + 1):
            kind = g.choice(["incomingServer", "outgoingServer"])
            lines.append('<%s type="%s"><hostname>%s.example.com</hostname><port>%s</port>'
                         "<socketType>%s</socketType></%s>"
                         % (kind, g.choice(["imap", "pop3", "smtp"]), _word(g),
                            g.choice(["25", "465", "587", "993", "x", "99999999999"]),
                            g.choice(["SSL", "STARTTLS", "plain", ""]), kind))
        lines.append("</emailProvider></clientConfig>")
    elif family == "python":
        lines.append("# smtp settings")
        for _ in range(n):
            lines.append(_word(g).upper() + " = " + _value(g, 5).replace("true", "True"))
    elif family == "php":
        lines.append("<?php\nreturn [")
        for _ in range(n):
            lines.append("    '%s' => %s," % (_word(g), _value(g, 5)))
        lines.append("];")
    elif family == "ruby":
        for _ in range(n):
            lines.append("gitlab_rails['%s_%s'] = %s" % (g.choice(["smtp", "imap"]), _word(g),
                                                         _value(g, 5)))
    elif family == "javascript":
        lines.append("const t = nodemailer.createTransport({")
        for _ in range(n):
            lines.append("  %s: %s," % (_word(g).replace("-", "_"), _value(g, 5)))
        lines.append("});")
    elif family == "nix":
        lines.append("{ accounts.email.accounts.a = {")
        for _ in range(n):
            lines.append("  %s.%s = %s;" % (g.choice(["smtp", "imap"]), _word(g), _value(g, 5)))
        lines.append("}; }")
    else:
        for _ in range(n):
            lines.append(g.choice(f.settings) if g.random() < 0.5 else
                         g.choice(f.settings).split()[0] + " " + _value(g, 5).strip('"'))
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------------------------------------
# Mutations: each takes (rng, data, family) and returns new bytes.


def _pos(g, data):
    return g.randrange(len(data) + 1)


def _line_start(g, data):
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data[:SIZE_LIMIT])]
    return g.choice(starts)


def _char_boundary(data, i):
    while 0 < i < len(data) and (data[i] & 0xC0) == 0x80:
        i -= 1
    return i


def _budget(data, limit=SIZE_LIMIT):
    return max(0, limit - len(data))


def m_flip_bytes(g, data, fam):
    b = bytearray(data)
    interesting = b'{}[]()<>"\'=:,;#\\\n\t -|&*!%$`'
    for _ in range(g.randrange(1, 17)):
        if not b:
            break
        i = g.randrange(len(b))
        b[i] = g.choice(interesting) if g.random() < 0.7 else g.randrange(32, 127)
    return bytes(b)


def m_delete_span(g, data, fam):
    if not data:
        return data
    i = _char_boundary(data, g.randrange(len(data)))
    n = min(len(data) - i, int(g.expovariate(1 / 40)) + 1)
    return data[:i] + data[_char_boundary(data, i + n):]


def m_repeat_span(g, data, fam):
    if not data:
        return data
    i = _char_boundary(data, g.randrange(len(data)))
    j = _char_boundary(data, min(len(data), i + g.randrange(1, 200)))
    span = data[i:j] or data[i:i + 1]
    times = g.choice([2, 10, 100, 1000, 5000])
    times = max(1, min(times, _budget(data) // max(1, len(span))))
    return data[:j] + span * times + data[j:]


def m_insert_nesting(g, data, fam):
    """Deep nesting: brackets and braces, XML elements, `- ` sequences, ever deeper indentation."""
    f = FAMILIES.get(fam)
    pairs = (f.nest if f and f.nest else []) + harness.GENERIC_NEST
    at = _line_start(g, data)
    room = _budget(data)
    if g.random() < 0.3 and (f is None or f.indent_block or g.random() < 0.5):
        # One level per line, each indented one step further.
        step = g.choice([" ", "  ", "    ", "\t"])
        block = f.indent_block if f and f.indent_block else (lambda i: g.choice(["a:", "a {", "- a:", "(", "[", "{"]))
        depth = g.choice([100, 300, 1000, 1400])
        lines = []
        size = 0
        for i in range(depth):
            line = step * i + block(i) + "\n"
            size += len(line)
            if size > room:
                break
            lines.append(line)
        text = "".join(lines)
        if fam == "yaml":
            text += step * len(lines) + "smtp_port: 465\n"
        return data[:at] + text.encode() + data[at:]
    open_, close = g.choice(pairs)
    depth = g.choice([64, 256, 1000, 3000, 10000, 50000, 100000])
    depth = max(1, min(depth, room // max(1, len(open_) + len(close))))
    inner = g.choice(["1", "465", '"smtp"', "", "a", "port: 465", "x = 1"])
    closes = g.choice([depth, 0, depth // 2, depth + 1])
    text = open_ * depth + inner + close * closes
    if fam in ("toml", "nix", "python", "ruby", "php", "javascript") and g.random() < 0.5:
        text = g.choice(["smtp_port = ", "a = ", "$x = ", "port: ", "x = "]) + text
    return data[:at] + text.encode() + b"\n" + data[at:]


def m_repeat_line(g, data, fam):
    lines = data.split(b"\n")
    i = g.randrange(len(lines))
    line = lines[i] + b"\n"
    times = g.choice([100, 1000, 20000])
    times = max(1, min(times, _budget(data) // max(1, len(line))))
    return b"\n".join(lines[:i]) + (b"\n" if i else b"") + line * times + b"\n".join(lines[i:])


def m_long_token(g, data, fam):
    length = g.choice([10_000, 100_000, 300_000])
    length = max(1, min(length, _budget(data) - 16))
    kind = g.random()
    if fam == "xml" and kind < 0.4:
        token = "<a " + "x" * length + '="1"/>'
    elif kind < 0.5:
        token = g.choice(["a", "x", "9", ",", "'", '"', " ", "\\", "=", ".", "-", "/", "é", "#",
                          "$", "{", ":", "_", "<"]) * length
    elif kind < 0.7:
        token = "".join(g.choice("ab,=:;. \"'") for _ in range(length))
    else:
        token = ", ".join(["1"] * (length // 3))
    at = _char_boundary(data, _pos(g, data)) if g.random() < 0.5 else _line_start(g, data)
    return data[:at] + token.encode() + data[at:]


HUGE_NUMBERS = [b"9" * 400, b"99999999999999999999", b"1e400", b"-1", b"-0", b"0x" + b"f" * 40,
                b"1_000", b"4.65e2", b"NaN", b"Infinity", b"-9223372036854775809",
                "٤٦٥".encode(), "４６５".encode(), b"0465", b"465.0000000000000001", b"+465",
                b"18446744073709551616", b"0b111010001", b"1" + b"0" * 1000]


def m_huge_number(g, data, fam):
    numbers = list(re.finditer(rb"\d+", data[:SIZE_LIMIT]))
    replacement = g.choice(HUGE_NUMBERS)
    if numbers and g.random() < 0.8:
        m = g.choice(numbers)
        return data[:m.start()] + replacement + data[m.end():]
    at = _line_start(g, data)
    f = FAMILIES.get(fam)
    setting = (g.choice(f.settings) if f else "port = 465").encode()
    return data[:at] + re.sub(rb"\d+", replacement, setting, count=1) + b"\n" + data[at:]


def m_unterminated(g, data, fam):
    f = FAMILIES.get(fam)
    openers = (f.openers if f else []) + ['"', "'", "/*", "<!--", "<<EOF\n", "'''", '"""', "${",
                                          "\\"]
    opener = g.choice(openers).encode()
    if g.random() < 0.5:
        # At the end, after a truncation: nothing ever closes it.
        cut = _char_boundary(data, g.randrange(len(data) + 1))
        return data[:cut] + opener
    at = _char_boundary(data, _pos(g, data))
    return data[:at] + opener + data[at:]


def m_line_endings(g, data, fam):
    kind = g.choice(["cr", "crlf", "mixed", "u2028", "vt", "ff", "nel", "none"])
    if kind == "mixed":
        return re.sub(rb"\n", lambda m: g.choice([b"\n", b"\r", b"\r\n", b"\n\r"]), data)
    new = {"cr": b"\r", "crlf": b"\r\n", "u2028": "\u2028".encode(), "vt": b"\x0b",
           "ff": b"\x0c", "nel": "\u0085".encode(), "none": b""}[kind]
    return data.replace(b"\r\n", b"\n").replace(b"\n", new)


def m_bom(g, data, fam):
    bom = b"\xef\xbb\xbf"
    r = g.random()
    if r < 0.6:
        return bom + data
    if r < 0.8:
        return bom * 3 + data
    at = _line_start(g, data)
    return data[:at] + bom + data[at:]


def m_nul(g, data, fam):
    b = bytearray(data)
    for _ in range(g.randrange(1, 8)):
        at = _char_boundary(bytes(b), g.randrange(len(b) + 1))
        b[at:at] = b"\x00" * g.choice([1, 1, 2, 100])
    return bytes(b)


def m_invalid_utf8(g, data, fam):
    bad = g.choice([b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xe9", b"\xf8\x88\x80\x80\x80",
                    b"\xf4\x90\x80\x80"])
    at = _pos(g, data)
    return data[:at] + bad + data[at:]


def m_truncate(g, data, fam):
    """Cut at a boundary of some kind: anywhere, after a quote, `=`, bracket, backslash …"""
    if not data:
        return data
    kind = g.random()
    if kind < 0.3:
        cut = g.randrange(len(data))
    elif kind < 0.8:
        marks = [m.end() for m in re.finditer(rb"[\"'=:{}\[\]()<>\\$,;#/\n-]", data[:SIZE_LIMIT])]
        cut = g.choice(marks) if marks else g.randrange(len(data))
    elif kind < 0.9:
        cut = len(data) - 1
    else:
        cut = data.find(b"\n") + 1 or len(data)
    return data[:_char_boundary(data, cut)]


def m_splice(g, data, fam, pool=None):
    """Text of another format (or a generated document) pasted in: not TOML in a .toml file."""
    other = g.choice(pool).data if pool else generate(g, g.choice(sorted(FAMILIES)))
    i = _char_boundary(other, g.randrange(len(other) + 1))
    j = _char_boundary(other, min(len(other), i + g.randrange(1, 4000)))
    at = _line_start(g, data)
    if g.random() < 0.2:
        return other
    return data[:at] + other[i:j] + data[at:]


def m_garbage_lines(g, data, fam):
    n = g.choice([100, 1000, 3000, 10000])
    words = ["foo", "bar", "smtp", "port", "=", ":", "465", "-", "[", "{", "#", "\"", "x",
             "the", "log", "ERROR", "at", "main.py", "'", "(", ")", "<a>"]
    lines = []
    room = _budget(data)
    size = 0
    for _ in range(n):
        line = " ".join(g.choice(words) for _ in range(g.randrange(1, 12))) + "\n"
        size += len(line)
        if size > room:
            break
        lines.append(line)
    at = _line_start(g, data)
    return data[:at] + "".join(lines).encode() + data[at:]


def m_repeat_settings(g, data, fam):
    f = FAMILIES.get(fam)
    candidates = [l for l in data.split(b"\n") if re.search(rb"[=:]", l)][:1000]
    line = g.choice(candidates) if candidates and g.random() < 0.6 else \
        (g.choice(f.settings) if f else "port = 465").encode()
    line += b"\n"
    times = g.choice([1000, 10000, 30000])
    times = max(1, min(times, _budget(data) // len(line)))
    at = _line_start(g, data)
    return data[:at] + line * times + data[at:]


def m_whitespace(g, data, fam):
    at = _line_start(g, data)
    n = min(g.choice([1000, 100_000, 500_000]), _budget(data))
    return data[:at] + g.choice([b" ", b"\t", b" \t"]) * (n // 2) + data[at:]


UNICODE_BITS = ["\u0301" * 1000, "😀" * 100, "\u202e", "\u200b" * 50, "\ufeff", "\ufffd",
                "名前=値", "𝟜𝟞𝟝", "\U0010ffff", "e\u0301", "\u2028", "\u00a0" * 10]


def m_unicode(g, data, fam):
    at = _char_boundary(data, _pos(g, data))
    return data[:at] + g.choice(UNICODE_BITS).encode() + data[at:]


MUTATIONS = [
    (m_flip_bytes, 10), (m_delete_span, 8), (m_repeat_span, 6), (m_insert_nesting, 10),
    (m_repeat_line, 5), (m_long_token, 6), (m_huge_number, 5), (m_unterminated, 8),
    (m_line_endings, 5), (m_bom, 3), (m_nul, 4), (m_invalid_utf8, 2), (m_truncate, 8),
    (m_splice, 5), (m_garbage_lines, 4), (m_repeat_settings, 4), (m_whitespace, 3),
    (m_unicode, 4),
]


def make_input(run_seed, seeds, max_mutations=4):
    """(name, data, description) of run `run_seed`: the same on every machine for the same seeds."""
    g = random.Random(run_seed)
    family = g.choice(sorted(FAMILIES) + ["sniffed"])
    rc_files = ("msmtp", "mbsync", "muttrc", "fetchmail", "mailrc")
    own = [s for s in seeds
           if s.family == family or (family == "sniffed" and s.family in rc_files)]
    seed = g.choice(own) if own and g.random() < 0.75 else g.choice(seeds)
    # The name: the seed's own when it selects the family, else one of the family's names.
    if family == "sniffed":
        name = g.choice(harness.SNIFFED_NAMES)
    elif seed.family == family and g.random() < 0.5:
        name = seed.name
    else:
        name = g.choice(FAMILIES[family].names)
    data = seed.data
    if g.random() < 0.9:
        data = harness.make_readable_for_name(name, data)
    mutations = []
    functions, weights = zip(*MUTATIONS)
    for _ in range(g.randint(1, max_mutations)):
        fn = g.choices(functions, weights)[0]
        if fn is m_splice:
            data = m_splice(g, data, family, seeds)
        else:
            data = fn(g, data, family)
        mutations.append(fn.__name__[2:])
    if len(data) > SIZE_LIMIT:
        data = data[:_char_boundary(data, SIZE_LIMIT)]
        mutations.append("cut-to-1MiB")
    return name, data, {"family": family, "seed": seed.origin, "mutations": mutations}


# ---------------------------------------------------------------------------------------------
# Running


_STATE = {}


def _init_worker(state):
    _STATE.update(state)


def run_index(i):
    s = _STATE
    name, data, desc = make_input(f"{s['seed']}:{i}", s["seeds"], s["max_mutations"])
    workdir = os.path.join(s["tmp"], str(os.getpid()))
    outcome = harness.run_mailport(s["binary"], name, data, s["timeout"], workdir)
    cls, detail = harness.classify(outcome, data, s["slow"])
    result = {
        "run": i, "name": name, "size": len(data), "class": cls, "detail": detail,
        "code": outcome.code, "cpu": round(outcome.cpu, 3), "wall": round(outcome.wall, 3),
        "rss_mb": round(outcome.rss_kb / 1024, 1), "read": harness.was_read(outcome), **desc,
    }
    if cls not in ("ok", "rejected"):
        folder = os.path.join(s["out"], "failures", f"{cls}-{i}")
        info = dict(result, stderr=outcome.stderr.decode("utf-8", "replace")[-4000:],
                    command=harness.command(s["binary"], name),
                    replay=f"python3 tests/robustness/mutate.py --seed {s['seed']} --only {i}")
        harness.save_case(folder, name, data, info, s["binary"])
        result["saved"] = folder
    return result


def signature(r):
    """What makes two failures the same fault, roughly."""
    detail = re.sub(r"[\d.]+ (s|KB|MB)", "N", r["detail"])
    if r["class"] in ("slow", "timeout", "memory"):
        return f"{r['class']} {r['family']}"
    return f"{r['class']} {r['family']}: {detail}"


def main():
    global SIZE_LIMIT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=harness.default_binary())
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--seeds", choices=["project", "unseen", "all"], default="project",
                    help="project: examples/, test fixtures, ../shared/corpus; unseen: files on "
                         "this machine and generated documents")
    ap.add_argument("--seed-dir", action="append", default=[],
                    help="also take every file of this folder as a seed (repeatable)")
    ap.add_argument("--unseen-dir", action="append", default=None,
                    help="folders to take unseen seeds from (repeatable)")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--slow", type=float, default=harness.SLOW_SECONDS,
                    help="CPU seconds above which an input of at most 1 MiB is slow")
    ap.add_argument("--max-mutations", type=int, default=4)
    ap.add_argument("--max-bytes", type=int, default=SIZE_LIMIT,
                    help="cap on each input (smaller for a quick run with a debug binary)")
    ap.add_argument("--out", default=None, help="folder for failures and runs.jsonl")
    ap.add_argument("--only", type=int, action="append", help="run just these run numbers")
    ap.add_argument("--findings", default=None,
                    help="append each new distinct failure to this markdown file as it is found")
    ap.add_argument("--replay", metavar="FAILURES", nargs="+",
                    help="run saved failures again (folders with input and name, or folders of "
                         "them) and say what each does now")
    ap.add_argument("--report", metavar="OUT",
                    help="only summarize the runs.jsonl of an earlier (or interrupted) run")
    args = ap.parse_args()
    if args.replay:
        return replay(args.replay, args.binary, args.timeout, args.slow)
    if args.report:
        with open(os.path.join(args.report, "runs.jsonl")) as f:
            results = [json.loads(line) for line in f if line.strip()]
        return summarize(results, f"from {args.report}", args.slow)

    if args.max_bytes < SIZE_LIMIT:
        SIZE_LIMIT = args.max_bytes
    seeds = []
    if args.seeds in ("project", "all"):
        seeds += project_seeds()
    if args.seeds in ("unseen", "all"):
        seeds += unseen_seeds(args.unseen_dir or UNSEEN_DIRS)
    for folder in args.seed_dir:
        seeds += folder_seeds(folder)
    if not seeds:
        sys.exit("no seeds found")
    out = args.out or tempfile.mkdtemp(prefix="mailport-robustness-")
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="mailport-runs-")
    binary = os.path.abspath(args.binary) if os.sep in args.binary else args.binary
    state = {"seed": args.seed, "seeds": seeds, "binary": binary, "timeout": args.timeout,
             "slow": args.slow, "out": out, "tmp": tmp, "max_mutations": args.max_mutations}
    indices = args.only or range(args.runs)
    families = {}
    for s in seeds:
        families[s.family] = families.get(s.family, 0) + 1
    print(f"mutate: {len(seeds)} seeds ({args.seeds}; by family: "
          + ", ".join(f"{k}={v}" for k, v in sorted(families.items(), key=lambda kv: str(kv[0])))
          + f"), binary {binary}, out {out}", file=sys.stderr)

    counts = {}
    distinct = {}
    results = []
    read_by_family = {}
    start = time.monotonic()
    with open(os.path.join(out, "runs.jsonl"), "a") as log, \
            multiprocessing.Pool(args.workers, _init_worker, (state,)) as pool:
        for n, r in enumerate(pool.imap_unordered(run_index, indices, chunksize=1), 1):
            log.write(json.dumps(r) + "\n")
            results.append(r)
            counts[r["class"]] = counts.get(r["class"], 0) + 1
            fam = read_by_family.setdefault(r["family"], [0, 0])
            fam[0] += 1
            fam[1] += r["read"]
            if r["class"] not in ("ok", "rejected"):
                key = signature(r)
                if key not in distinct:
                    distinct[key] = [r, 0]
                    print(f"  NEW {r['class']}: {r['name']} {r['size'] / 1024:.0f} KB "
                          f"{r['cpu']:.2f} s {r['detail']} -> {r['saved']}", file=sys.stderr)
                    if args.findings:
                        with open(args.findings, "a") as f:
                            f.write(f"- **{r['class']}** `{r['family']}` `{r['name']}` "
                                    f"{r['size'] / 1024:.0f} KB, {r['cpu']:.2f} s CPU: "
                                    f"{r['detail']} (mutations {', '.join(r['mutations'])}; "
                                    f"seed {r['seed']}) — `{r['saved']}`\n")
                distinct[key][1] += 1
            if n % 500 == 0:
                log.flush()
                print(f"  {n} runs, {time.monotonic() - start:.0f} s: "
                      + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)

    return summarize(results, f"seed {args.seed}, seeds {args.seeds}", args.slow,
                     time.monotonic() - start)


def replay(folders, binary, timeout, slow):
    """Saved failures, run again: after a fix, which still fail. 1 if any does."""
    cases = []
    for folder in folders:
        if os.path.exists(os.path.join(folder, "input")):
            cases.append(folder)
        elif os.path.isdir(folder):
            cases += sorted(os.path.join(folder, d) for d in os.listdir(folder)
                            if os.path.exists(os.path.join(folder, d, "input")))
    tmp = tempfile.mkdtemp(prefix="mailport-replay-")
    still = 0
    for case in cases:
        with open(os.path.join(case, "name")) as f:
            name = f.read().strip()
        with open(os.path.join(case, "input"), "rb") as f:
            data = f.read()
        outcome = harness.run_mailport(binary, name, data, timeout, tmp)
        cls, detail = harness.classify(outcome, data, slow)
        still += cls not in ("ok", "rejected")
        print(f"{cls:10} {outcome.cpu:6.2f} s  {len(data) / 1024:6.0f} KB  {name:24} {case}"
              + (f"  {detail}" if detail else ""), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"replay: {len(cases)} saved failures, {still} still failing")
    return 1 if still else 0


def summarize(results, what, slow, seconds=None):
    """The closing report of a run (also of an interrupted one: --report OUT). 1 on any failure."""
    counts = {}
    distinct = {}
    read_by_family = {}
    for r in results:
        counts[r["class"]] = counts.get(r["class"], 0) + 1
        fam = read_by_family.setdefault(r["family"], [0, 0])
        fam[0] += 1
        fam[1] += r["read"]
        if r["class"] not in ("ok", "rejected"):
            entry = distinct.setdefault(signature(r), [r, 0])
            entry[1] += 1
            if r["size"] < entry[0]["size"]:
                entry[0] = r
    print("\nformats (runs / read):", ", ".join(f"{k} {v[0]}/{v[1]}"
                                               for k, v in sorted(read_by_family.items())))
    if distinct:
        print("distinct failures (the smallest input of each):")
        for key, (r, count) in sorted(distinct.items()):
            print(f"  {count:5}x {key}  e.g. {r['name']} {r['size'] / 1024:.0f} KB "
                  f"{r['cpu']:.2f} s -> {r.get('saved', '')}")
    slowest = sorted(results, key=lambda r: -r["cpu"])[:10]
    print("slowest (CPU s, KB, ms/KB, name, family, mutations):")
    for r in slowest:
        kb = max(r["size"] / 1024, 0.001)
        print(f"  {r['cpu']:7.2f} {kb:7.0f} {1000 * r['cpu'] / kb:8.3f}  {r['name']} "
              f"[{r['family']}] {','.join(r['mutations'])}  run {r['run']}")
    top = slowest[0] if slowest else None
    failures = sum(v for k, v in counts.items() if k not in ("ok", "rejected"))
    print(f"mutate: {len(results)} runs ({what}), {counts.get('crash', 0)} crashes, "
          f"{counts.get('timeout', 0)} timeouts, {counts.get('slow', 0)} slow "
          f"(> {slow:g} s), {counts.get('memory', 0)} memory, "
          f"{counts.get('bad-output', 0)} bad output; {counts.get('rejected', 0)} rejected as "
          f"not UTF-8, {sum(1 for r in results if r['read'])} read; max "
          + (f"{top['cpu']:.2f} s CPU ({top['name']}, {top['size'] / 1024:.0f} KB)" if top else "-")
          + f"; {len(distinct)} distinct failures"
          + (f"; in {seconds:.0f} s" if seconds is not None else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
