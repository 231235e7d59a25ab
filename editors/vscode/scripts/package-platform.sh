#!/usr/bin/env bash
# Builds a platform-specific .vsix that carries the mailport server in server/.
#   usage: scripts/package-platform.sh TARGET      (a VS Code platform: linux-x64, darwin-arm64, win32-x64 …)
#   env:   MAILPORT_BIN  the server binary built for TARGET (default: <repo>/target/release/mailport[.exe])
# Run `npm ci` first. The binary is not built here: `cargo build --release` (or with --target) does that.
set -euo pipefail

target="${1:-}"
case "$target" in
  win32-x64 | win32-arm64 | linux-x64 | linux-arm64 | linux-armhf | alpine-x64 | alpine-arm64 | darwin-x64 | darwin-arm64) ;;
  *)
    echo "usage: $0 TARGET   (win32-x64 win32-arm64 linux-x64 linux-arm64 linux-armhf alpine-x64 alpine-arm64 darwin-x64 darwin-arm64)" >&2
    exit 2
    ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
exe=mailport
[[ "$target" == win32-* ]] && exe=mailport.exe
bin="${MAILPORT_BIN:-$repo/target/release/$exe}"
if [[ ! -f "$bin" ]]; then
  echo "error: no server binary at $bin (build it with 'cargo build --release', or set MAILPORT_BIN)" >&2
  exit 1
fi

cd "$here"
version="$(node -p 'require("./package.json").version')"
out="mailport-$target-$version.vsix"
rm -rf server
mkdir -p server
trap 'rm -rf "$here/server"' EXIT
cp "$bin" "server/$exe"
chmod 755 "server/$exe"
npx vsce package --target "$target" --out "$out"
echo "$here/$out"
