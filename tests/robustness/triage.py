#!/usr/bin/env python3
"""Where a saved failure goes wrong: for a crash, the innermost frames and the mailport function
that recurses (gdb); for a slow input, the functions the time goes to (perf).

    python3 tests/robustness/triage.py OUT/failures/crash-7 OUT/failures/timeout-71 ...

Needs gdb and perf on PATH; a release binary built with symbols (the default) names functions.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def crash_frames(binary, folder, name):
    cmd = (f"run check --stdin --stdin-filename {_shell_quote(name)} --format json "
           f"< {_shell_quote(os.path.join(folder, 'input'))} > /dev/null 2>&1")
    proc = subprocess.run(["bash", "-c", "ulimit -s 8192; ulimit -t 60; exec gdb -batch -ex "
                           + _shell_quote(cmd) + " -ex 'bt 60' " + _shell_quote(binary)],
                          capture_output=True, text=True, errors="replace", timeout=300)
    frames = []
    for line in proc.stdout.splitlines():
        m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\S+)", line)
        if m:
            frames.append(re.sub(r"::h[0-9a-f]{16}$", "", m.group(1)))
    if not frames:
        return "no backtrace (did it crash under gdb?)"
    ours = [f for f in frames if "mailport::" in f]
    counts = collections.Counter(ours)
    recursing = [f for f, c in counts.most_common(3) if c > 3]
    inner = " <- ".join(dict.fromkeys(frames[:6]))
    return (f"innermost: {inner}" + (f"; recursion in {', '.join(recursing)}" if recursing
                                      else f"; first mailport frame {ours[0] if ours else '-'}"))


def hot_functions(binary, folder, name, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        subprocess.run(["bash", "-c", f"ulimit -t {seconds}; exec perf record -q -F 499 -g -o "
                        f"{data} -- {_shell_quote(binary)} check --stdin --stdin-filename "
                        f"{_shell_quote(name)} --format json < "
                        f"{_shell_quote(os.path.join(folder, 'input'))} > /dev/null 2>&1"],
                       capture_output=True, timeout=seconds * 10 + 60)
        report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                                 "-g", "none", "--percent-limit", "3"],
                                capture_output=True, text=True, errors="replace")
        rows = []
        for line in report.stdout.splitlines():
            m = re.match(r"\s+([\d.]+)%\s+\S+\s+\S+\s+\[\.\]\s+(.*)", line)
            if m:
                rows.append(f"{m.group(1)}% {re.sub(r'::h[0-9a-f]{16}$', '', m.group(2))[:90]}")
    return "self: " + "; ".join(rows[:5]) + " | stack: " + sample_stack(binary, folder, name)


def sample_stack(binary, folder, name, after=1.5):
    """The call stack of a slow run, caught in the act: start it, attach gdb, print, kill it."""
    with open(os.path.join(folder, "input"), "rb") as stdin:
        proc = subprocess.Popen([binary, "check", "--stdin", "--stdin-filename", name, "--format",
                                 "json"], stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=after)
            return "finished before it could be sampled"
        except subprocess.TimeoutExpired:
            pass
        try:
            bt = subprocess.run(["gdb", "-batch", "-p", str(proc.pid), "-ex", "bt 40"],
                                capture_output=True, text=True, errors="replace", timeout=120)
        finally:
            proc.kill()
            proc.wait()
    frames = []
    for line in bt.stdout.splitlines():
        m = re.match(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\S+)", line)
        if m:
            frames.append(re.sub(r"::h[0-9a-f]{16}$", "", m.group(1)))
    ours = list(dict.fromkeys(f for f in frames if "mailport::" in f))
    inner = list(dict.fromkeys(frames))[:3]
    return " <- ".join(inner + ["…"] + ours[:4])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--binary", default=harness.default_binary())
    ap.add_argument("--seconds", type=int, default=8, help="CPU seconds to profile a slow input")
    args = ap.parse_args()
    for folder in args.folders:
        with open(os.path.join(folder, "name")) as f:
            name = f.read().strip()
        with open(os.path.join(folder, "info.json")) as f:
            info = json.load(f)
        cls = info.get("class", "")
        size = os.path.getsize(os.path.join(folder, "input"))
        if cls == "crash":
            what = crash_frames(args.binary, folder, name)
        else:
            what = hot_functions(args.binary, folder, name, args.seconds)
        print(f"{folder}: {cls} {name} {size / 1024:.0f} KB {info.get('detail', '')}\n  {what}",
              flush=True)


if __name__ == "__main__":
    main()
