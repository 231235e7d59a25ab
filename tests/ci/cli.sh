#!/usr/bin/env bash
# CLI slice: the SARIF test validates `mailport check --format sarif` against the official schema
# with Python's jsonschema; in CI (CI=true) that test fails rather than skips when the package is
# missing, so install it here. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq python3 python3-pip >/dev/null
fi
if ! python3 -c "import jsonschema" >/dev/null 2>&1; then
    # Debian 12 marks the system Python as externally managed; the packaged module is enough.
    if command -v apt-get >/dev/null 2>&1 && apt-get install -y -qq python3-jsonschema >/dev/null 2>&1; then
        :
    else
        python3 -m pip install --quiet jsonschema || python3 -m pip install --quiet --break-system-packages jsonschema
    fi
fi
python3 -c "import jsonschema" || { echo "cli.sh: python3 jsonschema is still missing" >&2; exit 1; }

cargo test --test cli --test examples
