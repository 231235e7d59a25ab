#!/usr/bin/env bash
# Runs one fuzz target with the project's settings: its corpus in fuzz/corpus/<target>, the seeds
# fuzz/seed.sh built, 64 KiB inputs at most (16 KiB for incremental_edits), 2 s per input (a slower one is a finding), 2 GB RSS.
# Findings go to fuzz/artifacts/<target>/ and the run goes on (fork mode, one worker).
#
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags…]
#   FUZZ_STRESS=1 fuzz/run.sh TARGET …   also start from the generated worst cases
#
# Needs nightly and cargo-fuzz (see docs/fuzzing.md). Builds without a sanitizer: the grammars'
# C code is not instrumented either way, and the run is about twice as fast.
set -euo pipefail

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))

max_len=65536
case "$target" in
    syntax_*) seeds=text/$target ;;
    analysis | completion) seeds=named ;;
    # Each edit is followed by three reads and three analyses: smaller documents, more edits.
    incremental_edits) seeds=edits max_len=16384 ;;
    *) echo "run.sh: unknown target $target (cargo fuzz list)" >&2; exit 2 ;;
esac
[ -d "$fuzz_dir/seeds" ] || "$fuzz_dir/seed.sh"
# A format no seed was named for starts from every document no name placed.
[ -d "$fuzz_dir/seeds/$seeds" ] || seeds=text/other
mkdir -p "$fuzz_dir/corpus/$target" "$fuzz_dir/artifacts/$target"

# FUZZ_STRESS=1: also the generated worst cases (deep nesting, long lines; slow, see seed.sh).
stress=()
if [ "${FUZZ_STRESS:-0}" = 1 ]; then
    stress=("seeds/stress/$seeds")
    [ -d "$fuzz_dir/${stress[0]}" ] || stress=("seeds/stress/text/other")
fi

cd "$fuzz_dir"
exec cargo +nightly fuzz run -O -a -s none "$target" \
    "corpus/$target" "seeds/$seeds" "${stress[@]}" -- \
    -max_len=$max_len -timeout=2 -rss_limit_mb=2048 -max_total_time="$seconds" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="artifacts/$target/" -print_final_stats=1 "$@"
