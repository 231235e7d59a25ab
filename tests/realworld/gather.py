#!/usr/bin/env python3
"""Writes the judged files of a corpus record, byte for byte, from local git mirrors.

usage: gather.py MIRRORS_DIR [--corpus tests/realworld/corpus.json ...] [--files tests/realworld/files]
       gather.py --repos [--corpus ...]      print the repositories still missing, one a line

MIRRORS_DIR holds one bare repository per source repository, at `owner+name/repo` or `owner+name/repo/.git` (the search
tool's `fetch` makes them so, under /work/.mirror). Each entry's file is `git show COMMIT:PATH`,
written to FILES/<local_file> when its SHA-256 matches the record; a mismatch or a missing
commit is reported and nothing is written. Files already present and matching are left as they
are. Exits 0; prints how many were written, present, missing."""
import hashlib
import json
import os
import subprocess
import sys


def entries(corpora):
    for path in corpora:
        data = json.load(open(path))
        yield from data["files"] if isinstance(data, dict) else data


def matches(path, sha256):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest() == sha256
    except OSError:
        return False


def main(args):
    here = os.path.dirname(os.path.abspath(__file__))
    corpora = [args[i + 1] for i, a in enumerate(args) if a == "--corpus"] or [
        os.path.join(here, "corpus.json")
    ]
    files = args[args.index("--files") + 1] if "--files" in args else os.path.join(here, "files")
    if "--repos" in args:
        wanted = sorted({e["repo"] for e in entries(corpora)
                         if not matches(os.path.join(files, e["local_file"]), e["sha256"])})
        print("\n".join(wanted))
        return
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    mirrors = args[0]
    counts = {"written": 0, "present": 0, "no mirror": 0, "failed": 0}
    for e in entries(corpora):
        out = os.path.join(files, e["local_file"])
        if matches(out, e["sha256"]):
            counts["present"] += 1
            continue
        mirror = os.path.join(mirrors, e["repo"].replace("/", "+"), "repo")
        if os.path.isdir(os.path.join(mirror, ".git")):  # some snapshots come with a work tree
            mirror = os.path.join(mirror, ".git")
        if not os.path.isdir(mirror):
            counts["no mirror"] += 1
            continue
        shown = subprocess.run(["git", "--git-dir", mirror, "show", f"{e['commit']}:{e['path']}"],
                               capture_output=True)
        if shown.returncode != 0 or hashlib.sha256(shown.stdout).hexdigest() != e["sha256"]:
            why = shown.stderr.decode(errors="replace").strip() or "SHA-256 differs"
            print(f"{e['id']}: {e['repo']} {e['path']}: {why}", file=sys.stderr)
            counts["failed"] += 1
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(shown.stdout)
        counts["written"] += 1
    print(", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
