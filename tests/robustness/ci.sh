#!/usr/bin/env bash
# The quick black-box robustness check that tests/all.sh runs: 300 mutated inputs (a fixed seed,
# so every CI run tries the same ones) and every worst-case shape once, at most 64 KB each, against
# the given binary (tests/all.sh passes the debug build). It fails on any crash, timeout, memory
# blow-up or invalid JSON report; on slowness only far above the promised limit (20 s of CPU for
# 64 KB with a debug build, where the promise is 2 s for 1 MiB with a release build), so a slow
# build or a busy machine never makes it flake. The full runs: docs/robustness.md.
set -uo pipefail
binary=${1:?usage: tests/robustness/ci.sh path/to/mailport}
here=$(dirname "$0")
out=${ROBUSTNESS_OUT:-$(mktemp -d)}
limits=(--workers 2 --max-bytes 65536 --timeout 20 --slow 20)
status=0
python3 "$here/mutate.py" --binary "$binary" --seed ci --runs 300 "${limits[@]}" \
    --out "$out/mutate" 2>/dev/null || status=1
python3 "$here/worst_cases.py" --binary "$binary" --largest-only "${limits[@]}" \
    --out "$out/worst" > "$out/worst.txt"
[ $? -eq 0 ] || status=1
grep -E "CRASH|SLOW|MEMORY|^worst_cases:" "$out/worst.txt"
if [ "$status" -ne 0 ]; then
    echo "robustness: FAILED; the inputs (with replay.sh) are under $out"
else
    echo "robustness: ok"
fi
exit "$status"
