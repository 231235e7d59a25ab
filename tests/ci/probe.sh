#!/usr/bin/env bash
# Probe slice: the cargo tests (tests/probe_real.rs) start real Postfix + Dovecot themselves
# through tests/mailservers.sh. This script installs the servers ahead of them (idempotent: only
# what is missing), then checks the script itself: start, exactly the 8 loopback listeners,
# stop, nothing left listening. Needs root (CI runs as root on Debian 12).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
script=$here/mailservers.sh
dir=$(mktemp -d /tmp/mailport-ci-mailservers.XXXXXX)
trap 'bash "$script" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

bash "$script" install
bash "$script" start "$dir"
bash "$script" status "$dir"

ports="20025 20587 20465 20026 20143 20993 20110 20995"
for port in $ports; do
    ss -Hltn "sport = :$port" | grep -q "127.0.0.1:$port" ||
        { echo "tests/ci/probe.sh: nothing on 127.0.0.1:$port" >&2; exit 1; }
done
# Loopback only: no listener of ours on a wildcard or external address.
if ss -Hltn | awk '{print $4}' | grep -E ':(20025|20587|20465|20026|20143|20993|20110|20995)$' | grep -v '^127\.0\.0\.1:'; then
    echo "tests/ci/probe.sh: a test server listens beyond loopback" >&2
    exit 1
fi
# The CA made at start validates the server certificate for 127.0.0.1 and localhost.
openssl verify -CAfile "$dir/tls/ca.crt" "$dir/tls/server.crt"

bash "$script" stop "$dir"
for port in $ports; do
    if ss -Hltn "sport = :$port" | grep -q .; then
        echo "tests/ci/probe.sh: port $port still open after stop" >&2
        exit 1
    fi
done
bash "$script" stop "$dir"   # a second stop is a no-op
echo "tests/ci/probe.sh: mailservers.sh start/status/stop ok"
