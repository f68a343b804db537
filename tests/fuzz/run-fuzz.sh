#!/bin/sh
# Runs the libFuzzer targets for a given time each and reports executions and
# coverage.
#
#   tests/fuzz/run-fuzz.sh SECONDS [TARGET...]      (default: every target built)
#
# Environment:
#   LR_FUZZ_BUILD   build directory (default: build-fuzz at the top of the tree);
#                   configured and built with clang, ASan + UBSan, when it has
#                   no fuzz targets yet
#   LR_FUZZ_JOBS    with N > 1, libFuzzer's fork mode with N workers which also
#                   keeps going after a crash (default 1: stop at the first)
#   LR_FUZZ_ARGS    extra libFuzzer arguments
#
# Each TARGET runs as build/fuzz/fuzz_TARGET on a working corpus kept in
# build/fuzz-corpus/TARGET (grown across runs), started from the seed corpus
# (tests/fuzz/make-seeds.py over fixtures/, into build/fuzz-seeds/TARGET) and
# the committed regression inputs. A crash, leak, timeout or out-of-memory
# input is saved into tests/fuzz/regressions/TARGET/ (commit it: the replay
# tests of the normal build run it). Logs: build/fuzz-logs/TARGET.log.
#
# Prints one line per target: executions, exec/s, coverage (cov: and ft: of
# libFuzzer's final stats; cov as covered/instrumented edges of the target),
# corpus size and new crash inputs. Exit status 0
# when no target found anything, 1 when one did, 2 on usage or build errors.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${LR_FUZZ_BUILD:-$top/build-fuzz}
jobs=${LR_FUZZ_JOBS:-1}

if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
    echo "usage: run-fuzz.sh SECONDS [TARGET...]" >&2
    exit 2
fi
secs=$1
shift

if [ ! -f "$build/fuzz/targets" ]; then
    command -v clang >/dev/null 2>&1 || { echo "run-fuzz.sh: clang not found (apt-get install -y clang libclang-rt-14-dev)" >&2; exit 2; }
    echo "run-fuzz.sh: configuring $build (clang, LR_FUZZ, ASan + UBSan)"
    mkdir -p "$build"
    CC=clang cmake -S "$top" -B "$build" -DLR_FUZZ=ON -DLR_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/fuzz-configure.log" 2>&1 ||
        { cat "$build/fuzz-configure.log" >&2; exit 2; }
fi
# (re-)configure so targets added since (e.g. the planner) are known
cmake "$build" >"$build/fuzz-configure.log" 2>&1 || { tail -40 "$build/fuzz-configure.log" >&2; exit 2; }
[ -f "$build/fuzz/targets" ] || { echo "run-fuzz.sh: $build has no fuzz targets (configure with -DLR_FUZZ=ON)" >&2; exit 2; }
if [ $# -eq 0 ]; then
    # shellcheck disable=SC2046
    set -- $(cat "$build/fuzz/targets")
fi
for t in "$@"; do
    grep -qw "$t" "$build/fuzz/targets" || { echo "run-fuzz.sh: no fuzz target '$t' (have: $(cat "$build/fuzz/targets"))" >&2; exit 2; }
done
# build only the fuzz targets asked for (and what they link)
tgts=""
for t in "$@"; do tgts="$tgts --target fuzz_$t"; done
# shellcheck disable=SC2086
if ! cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" $tgts >"$build/fuzz-build.log" 2>&1; then
    tail -40 "$build/fuzz-build.log" >&2
    echo "run-fuzz.sh: build failed (log: $build/fuzz-build.log)" >&2
    exit 2
fi

seeds="$build/fuzz-seeds"
python3 "$here/make-seeds.py" "$top/fixtures" "$seeds" >/dev/null || { echo "run-fuzz.sh: make-seeds.py failed" >&2; exit 2; }
mkdir -p "$build/fuzz-logs" "$build/fuzz-work"

max_len() {
    case "$1" in
    label) echo 1024 ;;
    mda) echo 131072 ;;
    text) echo 131072 ;;
    scan|plan) echo 131072 ;;
    *) echo 262144 ;;
    esac
}

# UBSan reports are fatal in this build (-fno-sanitize-recover=all); ask for
# stacks. Leaks count as crashes.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# the libraries' own leaks the sanitizer suite also suppresses (libewf's
# chunk buffers for an incomplete E01 set: tests/support/lsan.supp)
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/../support/lsan.supp}"

found=0
summary=""
for t in "$@"; do
    corpus="$build/fuzz-corpus/$t"
    regress="$here/regressions/$t"
    log="$build/fuzz-logs/$t.log"
    mkdir -p "$corpus" "$regress"
    before=$(ls "$regress" | wc -l)
    set -- -max_total_time="$secs" -print_final_stats=1 -timeout=25 -rss_limit_mb=4096 \
        -max_len="$(max_len "$t")" -dict="$here/lvm.dict" -artifact_prefix="$regress/"
    if [ "$jobs" -gt 1 ]; then
        set -- "$@" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
    fi
    echo "== fuzz_$t for ${secs}s (log $log)"
    # run in a scratch directory: libFuzzer may drop files into the cwd
    # shellcheck disable=SC2086
    (cd "$build/fuzz-work" && "$build/fuzz/fuzz_$t" "$@" ${LR_FUZZ_ARGS:-} \
        "$corpus" "$seeds/$t" "$regress") >"$log" 2>&1
    rc=$?
    after=$(ls "$regress" | wc -l)
    new=$((after - before))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then
        # fork mode or a crash: the last status line "#N ..." counts executions
        execs=$(sed -n 's/^#\([0-9][0-9]*\)[: \t].*/\1/p' "$log" | tail -1)
    fi
    stat=$(grep -E '(^#[0-9]+|cov: [0-9]+)' "$log" | grep 'cov: ' | tail -1)
    cov=$(echo "$stat" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$stat" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$stat" | sed -n 's/.*corp: \([0-9]*\(\/[0-9]*[a-zA-Z]*\)\{0,1\}\).*/\1/p')
    # edges instrumented in the target ("Loaded 1 modules (N inline 8-bit counters)")
    edges=$(sed -n 's/.*Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)
    line=$(printf '%-6s %4ss  execs %-10s exec/s %-7s cov %-11s ft %-7s corpus %-12s new crash inputs %s' \
        "$t" "$secs" "${execs:-?}" "${rate:-?}" "${cov:-?}/${edges:-?}" "${ft:-?}" "${corp:-?}" "$new")
    echo "$line"
    summary="$summary$line
"
    if [ "$new" -gt 0 ] || { [ $rc -ne 0 ] && [ "$jobs" -le 1 ]; }; then
        found=1
        echo "   fuzz_$t exit $rc; new inputs in $regress:"
        ls -t "$regress" | head -"$((new > 0 ? new : 1))" | sed 's/^/     /'
        grep -E 'ERROR|SUMMARY|fuzz check failed|runtime error' "$log" | head -5 | sed 's/^/   /'
    fi
done
echo
echo "summary (${secs}s per target, build $build):"
printf '%s' "$summary"
exit $found
