#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine with the Rust toolchain (run as root, or with
# the packages below already installed):
#   - the prerequisites of each area (tests/ci/*-setup.sh style scripts, idempotent);
#   - every cargo test: analysis snapshots, the in-process language server, `mailport check`
#     end to end, and the probe against real Postfix and Dovecot on loopback (the probe tests start
#     them with tests/mailservers.sh, which installs them with apt-get when missing);
#   - a quick black-box robustness run of the binary (tests/robustness/ci.sh: no crash, no hang);
#   - the editor integrations (VS Code extension, Neovim and Emacs end to end) when present;
#   - the real-world corpus score, for information, when ../shared/corpus is beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# In CI the build is cold and thrown away: incremental state would only double the disk it takes.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

echo "== prerequisites"
for part in cli probe; do
    [ -f "tests/ci/$part.sh" ] && bash "tests/ci/$part.sh"
done

echo "== cargo test"
# The benchmark must still build; it runs with `cargo bench`, not here.
cargo build --locked --benches 2>&1
cargo test --locked 2>&1 | tee "$log"

echo "== robustness (black-box, quick: docs/robustness.md)"
cargo build --locked 2>&1
bash tests/robustness/ci.sh "${CARGO_TARGET_DIR:-$PWD/target}/debug/mailport"

if [ -f tests/ci/editors.sh ]; then
    echo "== editors"
    cargo build --locked 2>&1
    MAILPORT_BIN="$PWD/target/debug/mailport" bash tests/ci/editors.sh 2>&1 | tee -a "$log"
fi

corpus=../shared/corpus/realworld
if [ -f "$corpus/score.py" ]; then
    echo "== real-world corpus (information)"
    cargo build --locked 2>&1
    python3 "$corpus/score.py" target/debug/mailport || true
fi
# The project's own judged corpus, when its files are gathered (tests/realworld/README.md).
if [ -d tests/realworld/files ]; then
    echo "== real-world corpus record (information)"
    python3 tests/realworld/accuracy.py target/debug/mailport | tail -n 1 || true
fi
# One closing line for the whole suite: every cargo test plus the editor suites.
awk '/^test result: ok\./ { p += $4; f += $6 } /^editors: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "mailport: %d passed, %d failed\n", p, f }' "$log"
