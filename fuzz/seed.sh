#!/usr/bin/env bash
# Builds the fuzz seed corpora in fuzz/seeds/ (git-ignored) from the config files the project
# already has:
#   examples/                       the shipped examples
#   tests/*.rs                      documents written inline in the tests (`check("name", r#"…"#`)
#   fuzz/regressions/               inputs kept from earlier findings
#   ../shared/corpus/{realworld,ispdb}  real-world files, when that folder sits beside the checkout
#                                   (or SHARED_CORPUS=/path/to/corpus); skipped when absent.
#
# Layout (what each target reads, see fuzz/src/checks.rs):
#   seeds/text/         the bare documents (every syntax_* target)
#   seeds/named/        "NAME\n" + document (analysis)
#   seeds/edits/        "NAME\n" + document + a few edits (incremental_edits)
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
out="$fuzz_dir/seeds"
shared=${SHARED_CORPUS:-$root/../shared/corpus}

rm -rf "$out"
mkdir -p "$out/text" "$out/named" "$out/edits"

count=0
# add NAME FILE: one document under the file name NAME.
add() {
    local name=$1 file=$2 id
    [ -s "$file" ] || return 0
    # Large files make slow seeds; the fuzzer caps inputs at 64 KiB anyway.
    [ "$(wc -c <"$file")" -le 65536 ] || return 0
    id=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')-$(cksum <"$file" | cut -d' ' -f1)
    cp "$file" "$out/text/$id"
    { printf '%s\n' "$name"; cat "$file"; } >"$out/named/$id"
    # Edits: 0xFF, position (u16 little endian, a fraction of the length), bytes removed, text.
    {
        printf '%s\n' "$name"
        cat "$file"
        printf '\377\000\200\003465'            # middle: replace 3 bytes with a port
        printf '\377\000\100\000\n'             # a quarter in: a line break
        printf '\377\000\300\001'               # three quarters in: delete a byte
        printf '\377\377\377\000\nport: 25\n'   # the end: a new line
        printf '\377\000\200\001'               # undo-ish: delete again
    } >"$out/edits/$id"
    count=$((count + 1))
}

# Every file under a folder, named by its base name (the format detection only looks at that).
add_tree() {
    local dir=$1 file
    [ -d "$dir" ] || { echo "seed.sh: $dir not found, skipped" >&2; return 0; }
    while IFS= read -r -d '' file; do
        case "$file" in
            *.md | *.json.license | */corpus.json | *.py.orig | */score.py) continue ;;
        esac
        add "$(basename "$file")" "$file"
    done < <(find "$dir" -type f -print0 | sort -z)
}

add_tree "$root/examples"
add_tree "$shared/realworld"
add_tree "$shared/ispdb"

# Inline test documents: `check("name", r#"…"#` (tests/rules_env.rs passes only the text: .env).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for test in "$root"/tests/*.rs; do
    TMP="$tmp" perl -0777 -ne '
        my $n = 0;
        while (/check\(\s*(?:"([^"\n]*)",\s*)?r#"(.*?)"#/sg) {
            my ($name, $text) = ($1 // ".env", $2);
            $n++;
            open(my $f, ">", "$ENV{TMP}/$n") or die;
            print $f $text;
            close $f;
            open(my $m, ">", "$ENV{TMP}/$n.name") or die;
            print $m $name;
            close $m;
        }' "$test"
    for name_file in "$tmp"/*.name; do
        [ -e "$name_file" ] || continue
        add "$(cat "$name_file")" "${name_file%.name}"
    done
    rm -f "$tmp"/*
done

# Kept findings: each target's inputs go back to the targets that read the same layout.
for dir in "$fuzz_dir"/regressions/*/; do
    [ -d "$dir" ] || continue
    target=$(basename "$dir")
    case "$target" in
        syntax_*) dest=text ;;
        analysis) dest=named ;;
        incremental_edits) dest=edits ;;
        *) continue ;;
    esac
    cp "$dir"/* "$out/$dest/" 2>/dev/null || true
done

echo "seed.sh: $count documents → $out/{text,named,edits}"
