#!/usr/bin/env bash
# Builds the fuzz seed corpora in fuzz/seeds/ (git-ignored) from the config files the project
# already has:
#   examples/                       the shipped examples
#   tests/realworld/files/          the real-world corpus files, when they have been gathered
#   tests/*.rs                      documents written inline in the tests (`check("name", r#"…"#`)
#   fuzz/regressions/               inputs kept from earlier findings
#   ../shared/corpus/{realworld,ispdb}  real-world files, when that folder sits beside the checkout
#                                   (or SHARED_CORPUS=/path/to/corpus); skipped when absent.
#
# Layout (what each target reads, see fuzz/src/checks.rs):
#   seeds/text/<target>/  the bare documents, by the syntax_* target their name points to
#                         (seeds/text/other/: names that point to none)
#   seeds/named/        "NAME\n" + document (analysis)
#   seeds/edits/        "NAME\n" + document + a few edits (incremental_edits)
#   seeds/stress/{text/<target>,named,edits}/  the same for generated worst cases (opt-in)
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
out="$fuzz_dir/seeds"
shared=${SHARED_CORPUS:-$root/../shared/corpus}

rm -rf "$out"
mkdir -p "$out/text/other" "$out/named" "$out/edits"

count=0
# The syntax target a file name points to, by the name alone (close to, not the same as,
# mailport's detection: content never decides here).
target_of() {
    local base
    base=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
    case "$base" in
        *.php) echo syntax_php ;;
        *.rb | gemfile | rakefile) echo syntax_ruby ;;
        *.js | *.mjs | *.cjs | *.jsx | *.ts | *.mts | *.cts | *.tsx) echo syntax_javascript ;;
        *.java) echo syntax_java ;;
        *.py) echo syntax_python ;;
        *.nix) echo syntax_nix ;;
        *.yml | *.yaml) echo syntax_yaml ;;
        *.toml) echo syntax_toml ;;
        *.json | *.jsonc | *.json5) echo syntax_json ;;
        ssmtp.conf) echo syntax_env ;;
        pine.conf) echo syntax_pinerc ;;
        *.ini | *.conf | *.cfg | *rc.ini | getmailrc) echo syntax_ini ;;
        *.properties) echo syntax_properties ;;
        *.xml) echo syntax_xml ;;
        *msmtp*) echo syntax_msmtp ;;
        *mbsyncrc* | *isyncrc*) echo syntax_mbsync ;;
        *muttrc*) echo syntax_muttrc ;;
        *fetchmailrc*) echo syntax_fetchmail ;;
        main.cf) echo syntax_postfix_main ;;
        master.cf) echo syntax_postfix_master ;;
        *mailrc* | *nailrc* | nail.rc | s-nail.rc | mail.rc | *.mailrc.sh) echo syntax_mailrc ;;
        remotes) echo syntax_nullmailer ;;
        *esmtprc) echo syntax_esmtp ;;
        dockerfile | dockerfile.* | *.dockerfile | containerfile) echo syntax_dockerfile ;;
        accountrc) echo syntax_claws ;;
        *pinerc) echo syntax_pinerc ;;
        *.el | .emacs | _emacs | .gnus) echo syntax_elisp ;;
        *.hjson) echo syntax_hjson ;;
        .env* | *.env | *.env.*) echo syntax_env ;;
        *) echo other ;;
    esac
}
# add NAME FILE: one document under the file name NAME.
add() {
    local name=$1 file=$2 id sum
    [ -s "$file" ] || return 0
    # Large files make slow seeds; the fuzzer caps inputs at 64 KiB anyway.
    [ "$(wc -c <"$file")" -le 65536 ] || return 0
    sum=$(cksum <"$file" | cut -d' ' -f1)
    id=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')-$sum
    # The bare text, for the syntax target of the format its name says (a Ruby target fed XML
    # spends its time in error recovery).
    mkdir -p "$out/text/$(target_of "$name")"
    cp "$file" "$out/text/$(target_of "$name")/$sum"
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
# The real-world corpus record's files, once gathered (git-ignored; see tests/realworld/).
[ -d "$root/tests/realworld/files" ] && add_tree "$root/tests/realworld/files"
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

# Worst cases no example has: deep nesting (balanced and not), deep indentation, one very long
# line, many lines of words, a broken line repeated (each under every name whose format could
# choke on it; under 64 KiB, the fuzz input cap). tests/fuzz_replay.rs (worst_cases) generates
# the same ones: keep the two lists alike.
repeat() { # repeat TEXT COUNT
    local i
    for ((i = 0; i < $2; i++)); do printf '%s' "$1"; done
}
stress="$tmp/stress"
mkdir -p "$stress"
{ printf 'x = '; repeat '[' 30000; repeat ']' 30000; printf '\n'; } >"$stress/nested-brackets"
{ printf 'x = '; repeat '(' 30000; repeat ')' 30000; printf '\n'; } >"$stress/nested-parens"
{ printf 'x = '; repeat '{a:' 10000; printf '1'; repeat '}' 10000; printf '\n'; } >"$stress/nested-maps"
{ printf 'x = '; repeat '{a = ' 8000; printf '1;'; repeat '};' 8000; printf '\n'; } >"$stress/nested-sets"
repeat '[' 10000 >"$stress/open-brackets"
repeat '{' 10000 >"$stress/open-braces"
repeat 'a,' 25000 >"$stress/commas"
repeat 'word ' 8000 | fold -w 60 >"$stress/words"
repeat 'port = 587 465 "x\n' 2000 >"$stress/broken-lines"
for ((i = 0; i < 300; i++)); do printf '%*sk%d:\n' "$i" '' "$i"; done >"$stress/indent"
# They go to seeds/stress/ (fuzz/run.sh adds it with FUZZ_STRESS=1): each takes 10-100 ms, and a
# corpus that keeps them runs a hundred times slower.
main_out=$out
out=$out/stress
mkdir -p "$out/text/other" "$out/named" "$out/edits"
for name in x.php x.rb x.js x.py x.nix x.yml x.toml x.json x.ini app.properties \
    config-v1.1.xml .env .msmtprc .muttrc main.cf master.cf .fetchmailrc .mbsyncrc .mailrc; do
    for file in "$stress"/*; do
        add "$name" "$file"
    done
done
out=$main_out

# Kept findings: each target's inputs go back to the targets that read the same layout.
for dir in "$fuzz_dir"/regressions/*/; do
    [ -d "$dir" ] || continue
    target=$(basename "$dir")
    case "$target" in
        syntax_*) dest=text/$target ;;
        analysis) dest=named ;;
        incremental_edits) dest=edits ;;
        *) continue ;;
    esac
    mkdir -p "$out/$dest"
    cp "$dir"/* "$out/$dest/" 2>/dev/null || true
done

echo "seed.sh: $count documents → $out/{text,named,edits}"
