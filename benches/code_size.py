#!/usr/bin/env python3
"""The size of mailport's production code, issue #11's measure of "smaller".

usage: python3 benches/code_size.py [REV ...]

Counts, for the working tree and for each git revision given: the non-blank lines of `src/**/*.rs`
that are not comments, leaving out test code (a `#[cfg(test)] mod …` and everything after it in a
file, and files under a `tests/` folder or named `tests.rs`), and beside them every line of `.rs`
and the lines of the application profiles (`src/**/*.toml`, data). Run from the repository root.
"""
import os
import re
import subprocess
import sys
import tempfile

TEST_MODULE = re.compile(r"\s*mod \w+")


def production_lines(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    end = len(lines)
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "#[cfg(test)]" and TEST_MODULE.match(lines[i + 1]):
            end = i
            break
    if f"{os.sep}tests{os.sep}" in path or path.endswith("tests.rs"):
        end = 0
    code = sum(1 for line in lines[:end] if line.strip() and not line.strip().startswith("//"))
    return code, len(lines)


def measure(root):
    code = rust = toml = 0
    for folder, _, names in os.walk(os.path.join(root, "src")):
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith(".rs"):
                c, all_lines = production_lines(path)
                code, rust = code + c, rust + all_lines
            elif name.endswith(".toml"):
                toml += len(open(path, encoding="utf-8").read().split("\n"))
    return code, rust, toml


def main():
    rows = [("working tree", measure("."))]
    for rev in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "archive", rev, "src"], capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            rows.append((rev, measure(tmp)))
    print("| code | production lines | all .rs lines | profile TOML lines |")
    print("|---|---|---|---|")
    for name, (code, rust, toml) in rows:
        print(f"| {name} | {code:,} | {rust:,} | {toml:,} |")


if __name__ == "__main__":
    main()
