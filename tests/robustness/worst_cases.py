#!/usr/bin/env python3
"""Generated worst cases for every format mailport reads, at growing sizes.

For each format (chosen by file name, as `mailport check --stdin --stdin-filename NAME` does) and
each shape — deep nesting (the format's own brackets, braces, elements, `- ` sequences, ever
deeper indentation), one very long line, many lines of garbage, many repeated settings, a broken
line repeated — it runs mailport at growing sizes (e.g. 1k, 3k, 10k, 30k lines or levels; never
more than 1 MiB) and prints the CPU time of each. It flags:

  CRASH        a signal, panic, stack overflow or unexpected exit status
  SLOW         more than --slow seconds of CPU (for at most 1 MiB)
  MEMORY       more than 1 GiB peak memory
  SUPERLINEAR  time growing much faster than size: between two sizes, (time ratio) > --growth x
               (size ratio), once the larger run takes more than --floor seconds

A shape stops growing once one size crashes or passes --timeout. Exit status 1 when anything is
flagged CRASH or SLOW (SUPERLINEAR too with --fail-on-growth).

    python3 tests/robustness/worst_cases.py                    # the full table, release binary
    python3 tests/robustness/worst_cases.py --only toml,yaml   # some formats
"""

import argparse
import multiprocessing
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FAMILIES, SIZE_LIMIT  # noqa: E402

WORDS = ["foo", "bar", "smtp", "port", "=", ":", "465", "-", "[", "{", "#", '"', "x", "the",
         "log", "ERROR", "at", "main.py", "'", "(", ")", "<a>", "é", "a.b", "--", ";"]


def shapes(family):
    """(shape, sizes, build) for one family: build(n) returns the document's text."""
    f = FAMILIES[family]
    out = []
    # Nesting with this format's own pairs plus plain braces/brackets, on one line.
    pairs = []
    for pair in f.nest + [("{", "}"), ("[", "]"), ("(", ")")]:
        if pair not in pairs:
            pairs.append(pair)
    prefix = {"toml": "smtp_port = ", "nix": "smtp = ", "python": "SMTP = ", "ruby": "smtp = ",
              "php": "<?php $smtp = ", "javascript": "const smtp = ", "env": "SMTP_PORT=",
              "ini": "smtp_port = ", "properties": "smtp.port=", "yaml": "smtp: ",
              "postfix-main": "relayhost = ", "muttrc": "set smtp_url=",
              "msmtp": "port ", "mbsync": "Port ", "fetchmail": "poll ",
              "postfix-master": "smtp inet n - n - - smtpd ", "mailrc": "set smtp=",
              "json": '{"smtp": ', "xml": '<clientConfig version="1.1">'}.get(family, "")
    for open_, close in pairs[:4]:
        label = "nest " + (open_ + close).replace("\n", "\\n")
        out.append((label + " closed", [1000, 3000, 10000, 30000, 100000],
                    lambda n, o=open_, c=close: prefix + o * n + "465" + c * n + "\n"))
        out.append((label + " open", [1000, 3000, 10000, 30000, 100000],
                    lambda n, o=open_: prefix + o * n + "465\n"))
    # Ever deeper indentation, one level a line (n levels take about n*n/2 bytes).
    block = f.indent_block or (lambda i: "a:")
    out.append(("indent", [100, 300, 1000, 1400],
                lambda n: "".join(" " * i + block(i) + "\n" for i in range(n))
                + " " * n + "smtp_port: 465\n"))
    # The same, then a string left open: external scanners keep both stacks in 1 KB of state.
    opener = f.openers[0] if f.openers else '"'
    out.append(("indent + string", [100, 300, 600, 1000],
                lambda n: "".join(" " * i + block(i) + "\n" for i in range(n))
                + " " * n + opener + "\n"))
    if family == "yaml":
        out.append(("sequence - - -", [1000, 3000, 10000, 30000, 100000],
                    lambda n: "smtp:\n  " + "- " * n + "465\n"))
        out.append(("indented sequences", [100, 300, 1000, 1400],
                    lambda n: "".join(" " * i + "-\n" for i in range(n)) + " " * n + "x: 1\n"))
    if family == "xml":
        out.append(("attribute name", [10_000, 30_000, 100_000, 300_000, 1_000_000],
                    lambda n: '<clientConfig version="1.1"><a ' + "x" * n + '="1"/>'
                    "</clientConfig>\n"))
        # Thousands of servers with findings on one line, a suppression comment above: each
        # finding once scanned its whole line for the comment, and each port-25 finding every
        # server for a 465/587 alternative (a 1 MB file with `\v` for line breaks took 2.2 s).
        out.append(("servers on one line", [1000, 2500, 5000],
                    lambda n: '<!-- mailport: ignore MP002 -->\n<clientConfig version="1.1">'
                    '<emailProvider id="x">' + "".join(
                        f'<outgoingServer type="smtp"><hostname>h{i % 97}.example.com</hostname>'
                        f'<port>{(25, 465, 143)[i % 3]}</port><socketType>plain</socketType>'
                        '<authentication>password-cleartext</authentication></outgoingServer>'
                        for i in range(n)) + "</emailProvider></clientConfig>\n"))
        out.append(("elements", [1000, 3000, 10000, 30000],
                    lambda n: '<clientConfig version="1.1">' + "<a>" * n + "</a>" * n
                    + "</clientConfig>\n"))
    # A parent with a very long name above many settings (each setting's path repeats it).
    parent = {"yaml": ("{}:\n", "  port{}: 25\n"), "ini": ("[{}]\n", "smtp_port{} = 25\n"),
              "toml": ("[{}]\n", "port{} = 25\n"), "msmtp": ("account {}\n", "port {}\n"),
              "postfix-master": ("{} inet n - n - - smtpd\n", "  -o smtpd_tls_security_level{}=may\n"),
              "json": None}.get(family)
    if parent:
        out.append(("long parent name", [1000, 10000, 40000],
                    lambda n, p=parent: p[0].format("k" * 300_000)
                    + "".join(p[1].format(i) for i in range(n))))
    # One long line.
    setting = f.settings[0]
    out.append(("long line commas", [10_000, 30_000, 100_000, 300_000, 1_000_000],
                lambda n: prefix + "[" + "," * n + "]\n" + setting + "\n"))
    out.append(("long line list", [10_000, 30_000, 100_000, 300_000],
                lambda n: prefix + "1, " * n + "\n"))
    out.append(("long line word", [10_000, 30_000, 100_000, 300_000, 1_000_000],
                lambda n: setting + " " + "x" * n + "\n"))
    out.append(("long line settings", [1000, 3000, 10000, 30000],
                lambda n: "; ".join([setting] * n) + "\n"))

    # Many lines: garbage, repeated settings, one broken line repeated.
    def garbage(n):
        g = random.Random(n)
        return "".join(" ".join(g.choice(WORDS) for _ in range(g.randrange(1, 12))) + "\n"
                       for _ in range(n))

    out.append(("garbage lines", [1000, 3000, 10000, 30000, 100000], garbage))
    # The same on one line: other line breaks (U+2028) that mailport does not count as lines.
    out.append(("garbage one line u2028", [1000, 3000, 10000, 30000, 100000],
                lambda n: garbage(n).replace("\n", "\u2028")))
    out.append(("repeated settings", [1000, 3000, 10000, 30000, 100000],
                lambda n: "".join(f.settings[i % len(f.settings)] + "\n" for i in range(n))))
    # The same with `\r` line endings: one line of up to a megabyte for whatever counts lines by
    # `\n` (a line's start, looked up for every setting, once made a 1 MB JavaScript file take 2.4 s).
    out.append(("repeated settings cr", [1000, 3000, 10000, 30000, 100000],
                lambda n: "".join(f.settings[i % len(f.settings)] + "\r" for i in range(n))))
    if family == "yaml":
        # Nested entries broken by lone `\r` (YAML breaks lines there): every entry's indentation
        # was once measured from the text's start, a string as long as the text per entry (a
        # 343 KB compose file took 2.5 GB and 4 s).
        out.append(("nested settings cr", [1000, 3000, 10000, 30000],
                    lambda n: "services:\r  app:\r    environment:\r"
                    + "".join(f"      SMTP_{i}: \"x\"\r" for i in range(n))))
        # Template `if` blocks nested as deep as the file is long, the innermost past its first
        # branch, then settings: whether a line is in another rendering's branch is asked per
        # line and must not cost the nesting depth.
        out.append(("nested template else", [1000, 3000, 10000, 30000],
                    lambda n: "{% if a %}\n" * n + "{% else %}\n"
                    + "".join(f"smtp_{i}: x\n" for i in range(n))))
    # A call opening an object literal, never closed, line after line (a truncated handler
    # pasted many times): the reader once asked tree-sitter for each object's parent, which
    # walks every sibling (20,000 lines took 6 s of CPU).
    open_call = {"javascript": "res.status(500).json({", "ruby": "render(json: {",
                 "python": "return jsonify({", "php": "$res->status(500)->json(["}.get(family)
    if open_call:
        lead = "<?php\n" if family == "php" else ""
        out.append(("open call repeated", [1000, 3000, 10000, 30000],
                    lambda n, c=open_call, l=lead: l + (c + "\n") * n))
    # A block that many groups inherit (Emacs Lisp top-level settings read by every alist,
    # Alertmanager's `global` by every receiver, Spring's base document by every profile
    # document), written n times, then n groups: each group once copied the whole block (an
    # init.el of 352 KB took 2.5 s and 241 MB).
    inherited = {
        "elisp": lambda n: "(setq smtpmail-smtp-service 465)\n" * n
        + " '(a (smtpmail-stream-type 'starttls))\n" * n,
        "yaml": lambda n: "global:\n" + "  smtp_smarthost: 'smtp.example.com:465'\n" * n
        + "receivers:\n" + "- email_configs:\n  - require_tls: true\n" * n,
    }.get(family)
    if inherited:
        out.append(("inherited block", [1000, 3000, 10000], inherited))
    if family == "yaml":
        out.append(("profile documents", [1000, 3000, 10000],
                    lambda n: "spring.mail.port: 465\n" * n
                    + "---\nspring.config.activate.on-profile: p\nspring.mail.host: h\n" * n))
    # Branches of program source (`syntax/branches.rs`): a long `else if` chain (each link a
    # statement that asks whether the chain ends in `else`), many `if`s setting the same keys
    # (each a configuration over the settings around it), ifs nested deep.
    chain = {
        "javascript": lambda n: "".join(
            f"if (a == {i}) {{ t = createTransport({{ host: 'smtp.example.com', port: 587 }}) }} else "
            for i in range(n)) + "{ t = createTransport({ host: 'smtp.example.com', port: 465 }) }\n",
        "ruby": lambda n: "if a == 0\n  config.action_mailer.smtp_settings = { port: 587 }\n"
        + "".join(f"elsif a == {i}\n  config.action_mailer.smtp_settings = {{ port: 25 }}\n"
                  for i in range(1, n)) + "else\n  config.action_mailer.smtp_settings = { port: 465 }\nend\n",
    }.get(family)
    if chain:
        out.append(("else if chain", [1000, 3000, 10000], chain))
    if family == "python":
        out.append(("many ifs same keys", [1000, 3000, 10000],
                    lambda n: "EMAIL_HOST = 'smtp.example.com'\nEMAIL_HOST_PASSWORD = 'x'\n"
                    + "".join(f"if A == {i}:\n    EMAIL_PORT = 587\n    EMAIL_USE_SSL = True\n"
                              f"else:\n    EMAIL_PORT = 465\n" for i in range(n))))
        # Connections of smtplib, each upgraded on its own name: a call belongs to the connection
        # of its name made before it (`syntax/python.rs`), asked per connection.
        out.append(("smtplib connections", [1000, 3000, 10000],
                    lambda n: "import smtplib\n" + "".join(
                        f"s = smtplib.SMTP('smtp{i % 7}.example.com', 587)\ns.starttls()\n"
                        f"t{i}.login(u, p)\n" for i in range(n))))
        out.append(("nested ifs", [100, 300, 1000, 1400],
                    lambda n: "EMAIL_HOST = 'smtp.example.com'\n"
                    + "".join(" " * (4 * i) + f"if A == {i}:\n" for i in range(n))
                    + " " * (4 * n) + "EMAIL_PORT = 587\n" + " " * (4 * n) + "EMAIL_USE_SSL = True\n"))
    broken = setting + (f.openers[0] if f.openers else "{")
    out.append(("broken line repeated", [1000, 3000, 10000, 30000, 100000],
                lambda n: (broken + "\n") * n))
    return out


def with_marker(name, text):
    data = harness.make_readable_for_name(name, text.encode())
    return data


def run_shape(task):
    family, shape, sizes, binary, timeout, tmp, largest_only = task
    build = dict((s, b) for s, _, b in shapes(family))[shape]
    name = FAMILIES[family].names[0]
    rows = []
    if largest_only:
        # The largest size that fits, alone (a quick run: crashes and gross slowness, no growth).
        fitting = [n for n in sizes if len(with_marker(name, build(n))) <= SIZE_LIMIT]
        sizes = fitting[-1:] or sizes[:1]
    for n in sizes:
        data = with_marker(name, build(n))
        if len(data) > SIZE_LIMIT and not largest_only:
            break
        outcome = harness.run_mailport(binary, name, data, timeout,
                                       os.path.join(tmp, str(os.getpid())))
        cls, detail = harness.classify(outcome, data, slow_seconds=float("inf"))
        rows.append({"family": family, "shape": shape, "name": name, "n": n, "size": len(data),
                     "cpu": outcome.cpu, "class": cls, "detail": detail, "data": data})
        if cls in ("crash", "timeout"):
            break
    return rows


def main():
    global SIZE_LIMIT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=harness.default_binary())
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated families (default: all)")
    ap.add_argument("--shape", default="", help="comma-separated parts of shape names (default: all)")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--slow", type=float, default=harness.SLOW_SECONDS)
    ap.add_argument("--growth", type=float, default=3.0,
                    help="flag when time grows more than this many times faster than size")
    ap.add_argument("--floor", type=float, default=0.25,
                    help="seconds below which growth is noise")
    ap.add_argument("--max-bytes", type=int, default=SIZE_LIMIT)
    ap.add_argument("--fail-on-growth", action="store_true")
    ap.add_argument("--largest-only", action="store_true",
                    help="each shape once, at its largest size within --max-bytes (quick)")
    ap.add_argument("--out", default=None, help="save flagged inputs here")
    args = ap.parse_args()

    SIZE_LIMIT = min(SIZE_LIMIT, args.max_bytes)
    binary = os.path.abspath(args.binary) if os.sep in args.binary else args.binary
    families = [f for f in FAMILIES if not args.only or f in args.only.split(",")]
    wanted = lambda shape: not args.shape or any(w in shape for w in args.shape.split(","))
    tmp = tempfile.mkdtemp(prefix="mailport-worst-")
    tasks = [(fam, shape, sizes, binary, args.timeout, tmp, args.largest_only)
             for fam in families for shape, sizes, _ in shapes(fam) if wanted(shape)]
    flagged = {"CRASH": 0, "SLOW": 0, "MEMORY": 0, "SUPERLINEAR": 0}
    worst = None
    runs = 0
    print(f"{'format':15} {'shape':28} {'n':>8} {'KB':>6} {'CPU s':>7} {'ms/KB':>7}  flags")
    with multiprocessing.Pool(args.workers) as pool:
        for rows in pool.imap(run_shape, tasks):
            previous = None
            runs += len(rows)
            for r in rows:
                flags = []
                if r["class"] in ("crash", "timeout", "memory"):
                    flags.append({"crash": "CRASH", "timeout": "SLOW", "memory": "MEMORY"}
                                 [r["class"]])
                if r["class"] != "timeout" and r["cpu"] > args.slow:
                    flags.append("SLOW")
                if previous and r["cpu"] > args.floor:
                    size_ratio = r["size"] / previous["size"]
                    time_ratio = r["cpu"] / max(previous["cpu"], 0.005)
                    if time_ratio > args.growth * size_ratio:
                        flags.append(f"SUPERLINEAR x{time_ratio:.0f} for x{size_ratio:.1f}")
                for flag in flags:
                    flagged[flag.split()[0]] += 1
                if worst is None or r["cpu"] > worst["cpu"]:
                    worst = r
                kb = r["size"] / 1024
                detail = f" {r['detail']}" if r["class"] not in ("ok",) else ""
                print(f"{r['family']:15} {r['shape'][:28]:28} {r['n']:8} {kb:6.0f} "
                      f"{r['cpu']:7.2f} {1000 * r['cpu'] / kb:7.3f}  {' '.join(flags)}{detail}",
                      flush=True)
                if flags and args.out:
                    folder = os.path.join(args.out, f"{r['family']}-{r['shape']}-{r['n']}"
                                          .replace(" ", "_").replace("/", "_"))
                    info = {k: v for k, v in r.items() if k != "data"}
                    harness.save_case(folder, r["name"], r["data"], info, binary)
                previous = r
    print(f"worst_cases: {runs} runs over {len(tasks)} shapes "
          f"in {len(families)} formats; {flagged['CRASH']} crashes, {flagged['SLOW']} slow "
          f"(> {args.slow:g} s or > {args.timeout:g} s timeout), {flagged['MEMORY']} over 1 GiB, "
          f"{flagged['SUPERLINEAR']} "
          f"super-linear; max {worst['cpu']:.2f} s ({worst['family']} {worst['shape']} "
          f"n={worst['n']}, {worst['size'] / 1024:.0f} KB)" if worst else "no runs")
    failed = flagged["CRASH"] or flagged["SLOW"] or flagged["MEMORY"] or (args.fail_on_growth and flagged["SUPERLINEAR"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
