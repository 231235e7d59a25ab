#!/usr/bin/env bash
# CLI slice: tests/cli.rs validates `mailport check --format sarif` against the official SARIF
# 2.1.0 schema, and tests/output_schema.rs `--format json` against docs/output.schema.json, both
# with Python's jsonschema; in CI (CI=true) they fail rather than skip when the package is missing. This script makes sure it is there (idempotent: installs only what is
# missing). The tests themselves run with the other cargo tests.
set -euo pipefail

have_jsonschema() { python3 -c "import jsonschema" >/dev/null 2>&1; }

if have_jsonschema; then
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
if python3 -m pip --version >/dev/null 2>&1; then
    # Debian 12's Python is "externally managed": plain pip refuses, so fall back to the flag.
    python3 -m pip install --quiet jsonschema ||
        python3 -m pip install --quiet --break-system-packages jsonschema || true
fi
if ! have_jsonschema; then
    apt-get update -qq && apt-get install -y -qq python3-jsonschema >/dev/null
fi
have_jsonschema || { echo "tests/ci/cli.sh: python3 jsonschema is still missing" >&2; exit 1; }
echo "tests/ci/cli.sh: python3 jsonschema available"
