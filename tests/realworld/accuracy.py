#!/usr/bin/env python3
"""Recall and precision of `mailport check` on the judged real-world corpus, per format.

usage: accuracy.py MAILPORT_BINARY [--corpus tests/realworld/corpus.json] [--files tests/realworld/files]
                   [--markdown]

The corpus record (corpus.json) names each file by repository, path and commit, with the findings a
correct linter reports there (`judgment`: code and line, or any of `related_lines`) and those it may
report (`borderline`). The files themselves are other people's: they are gathered into the
git-ignored folder given by --files (see README.md), never committed. Files missing there are
counted and skipped. A report of MP001-MP010 that matches no judgment or borderline is a false
positive. Prints a table per application or format (from each entry's `kind`) and every miss and
false positive; exits 0 (information, not a gate)."""
import collections
import hashlib
import json
import os
import subprocess
import sys

SCORED = {f"MP00{i}" for i in range(1, 10)} | {"MP010"}

# The application or format a judged file belongs to, from the words of its `kind`: first match.
FAMILIES = [
    ("docker-compose", "compose"), ("helm", "kubernetes/helm"), ("kubernetes", "kubernetes/helm"),
    ("externalsecret", "kubernetes/helm"), ("dotenv", ".env"), (".env", ".env"), ("spring", "spring"),
    ("django", "django"), ("flask", "flask"), ("laravel", "laravel"), ("lumen", "laravel"),
    ("phpmailer", "phpmailer"), ("wordpress", "wordpress"), ("wp-config", "wordpress"),
    ("nextcloud", "nextcloud"), ("gitlab", "gitlab.rb"), ("rails", "rails"), ("strapi", "strapi"),
    ("ghost", "ghost"), ("nodemailer", "nodemailer"), ("keycloak", "keycloak"),
    ("msmtp", "msmtprc"), ("mbsync", "mbsyncrc"), ("mutt", "muttrc"), ("fetchmail", "fetchmailrc"),
    ("postfix", "postfix"), ("mailx", "mailrc"), ("mailrc", "mailrc"), ("aerc", "aerc"),
    ("himalaya", "himalaya"), ("offlineimap", "offlineimap"), ("gitea", "gitea"),
    ("forgejo", "gitea"), ("grafana", "grafana"), ("alertmanager", "alertmanager"),
    ("autoconfig", "autoconfig xml"), ("thunderbird", "autoconfig xml"), ("nix", "nix"),
]


def family(kind):
    lowered = kind.lower()
    return next((name for word, name in FAMILIES if word in lowered), "other")


def main(args):
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))

    def opt(name, default):
        return args[args.index(name) + 1] if name in args else default

    binary = os.path.abspath(args[0])
    corpus = json.load(open(opt("--corpus", os.path.join(here, "corpus.json"))))
    files = os.path.abspath(opt("--files", os.path.join(here, "files")))
    present, missing = [], 0
    for entry in corpus:
        path = os.path.join(files, entry["local_file"])
        if not os.path.isfile(path):
            missing += 1
            continue
        data = open(path, "rb").read()
        if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            print(f"CHANGED {entry['id']}: the gathered file is not the judged one; skipped")
            missing += 1
            continue
        present.append(entry)
    if not present:
        print(f"real-world corpus: no gathered files under {files} ({missing} missing)")
        return
    proc = subprocess.run(
        [binary, "check", "--format", "json", "--fail-on", "never", *[e["local_file"] for e in present]],
        cwd=files, capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stdout)
    got = collections.defaultdict(list)
    # Every report can meet a judgment (a judged MP011 hint too); precision counts MP001-MP010 only.
    for d in report.get("diagnostics", []):
        got[os.path.normpath(d.get("path", ""))].append(d)

    rows = collections.defaultdict(lambda: [0, 0, 0, 0, 0])  # files, hits, misses, good, false
    lines_out = []
    for e in present:
        key = os.path.normpath(e["local_file"])
        fmt = family(e.get("kind", ""))
        row = rows[fmt]
        row[0] += 1
        reports = got.get(key, [])
        used = set()

        def matches(d, j):
            return d["code"] == j["code"] and d.get("line") in {j["line"], *j.get("related_lines", [])}

        for j in e["judgment"]:
            ok = [i for i, d in enumerate(reports) if matches(d, j)]
            if ok:
                row[1] += 1
                used.update(ok)
            else:
                row[2] += 1
                lines_out.append(f"MISS {e['id']} ({fmt}): {j['code']} line {j['line']}: {j['why'][:110]}")
        for i, d in enumerate(reports):
            if d.get("code") not in SCORED:
                continue
            if i in used or any(matches(d, j) for j in e["judgment"] + e.get("borderline", [])):
                row[3] += 1
            else:
                row[4] += 1
                lines_out.append(f"FALSE {e['id']} ({fmt}) line {d.get('line')}: {d['code']} {d.get('message', '')[:110]}")

    def ratio(a, b):
        return f"{a / b:.2f}" if b else "—"

    total = [sum(r[i] for r in rows.values()) for i in range(5)]
    print("| application / format | files | findings judged | recall | precision | false positives |")
    print("|---|---|---|---|---|---|")
    for fmt in sorted(rows):
        f, hit, miss, good, false = rows[fmt]
        print(f"| {fmt} | {f} | {hit + miss} | {ratio(hit, hit + miss)} | {ratio(good, good + false)} | {false} |")
    f, hit, miss, good, false = total
    print(f"| **all** | {f} | {hit + miss} | {ratio(hit, hit + miss)} | {ratio(good, good + false)} | {false} |")
    print()
    for line in lines_out:
        print(line)
    print(f"real-world corpus: recall {ratio(hit, hit + miss)} ({hit}/{hit + miss}), precision "
          f"{ratio(good, good + false)} ({false} false positives), {f} files ({missing} not gathered)")


if __name__ == "__main__":
    main(sys.argv[1:])
