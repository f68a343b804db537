#!/bin/sh
# Source-level coverage the fuzz corpora reach: builds the replay programs
# with clang's source-based coverage, replays each target's working corpus
# (build-fuzz/fuzz-corpus/TARGET, grown by run-fuzz.sh) plus its seeds, and
# prints llvm-cov's line, region and branch coverage of the files that
# target is for.
#
#   tests/fuzz/coverage.sh [TARGET...]
#
# Environment: LR_FUZZ_BUILD (default build-fuzz) holds the corpora; the
# coverage build goes to LR_FUZZ_BUILD/coverage. Needs clang, llvm-profdata
# and llvm-cov (package llvm). Exit status 2 on build or tool errors.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fuzz=${LR_FUZZ_BUILD:-$top/build-fuzz}
build="$fuzz/coverage"
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14 || true)
llvmcov=$(command -v llvm-cov || command -v llvm-cov-14 || true)
if [ -z "$profdata" ] || [ -z "$llvmcov" ] || ! command -v clang >/dev/null 2>&1; then
    echo "coverage.sh: needs clang, llvm-profdata and llvm-cov (apt-get install -y clang llvm)" >&2
    exit 2
fi
[ $# -gt 0 ] || set -- label mda text scan plan

files_of() {
    case "$1" in
    label) echo core/src/label.c core/src/uuid.c ;;
    mda) echo core/src/mda.c ;;
    text) echo core/src/config.c core/src/meta.c ;;
    scan) echo scan/src/*.c ;;
    plan) echo repair/src/plan.c repair/src/pvs.c repair/src/writes.c repair/src/summary.c repair/src/render.c ;;
    esac
}

mkdir -p "$build"
if ! { CC=clang cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
        -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" &&
      for t in "$@"; do cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target "lr_fuzz_replay_$t" || exit 1; done; } \
        >"$build/coverage-build.log" 2>&1; then
    tail -30 "$build/coverage-build.log" >&2
    exit 2
fi
python3 "$here/make-seeds.py" "$top/fixtures" "$fuzz/fuzz-seeds" >/dev/null || exit 2

for t in "$@"; do
    raw="$build/$t.profraw"
    rm -f "$raw"
    n=$(LLVM_PROFILE_FILE="$raw" "$build/tests/lr_fuzz_replay_$t" --min 0 \
        "$fuzz/fuzz-corpus/$t" "$fuzz/fuzz-seeds/$t" "$here/regressions/$t" 2>/dev/null | tail -1)
    "$profdata" merge -o "$build/$t.profdata" "$raw" || exit 2
    echo "== $t ($n)"
    # shellcheck disable=SC2046
    (cd "$top" && "$llvmcov" report "$build/tests/lr_fuzz_replay_$t" \
        -instr-profile="$build/$t.profdata" $(files_of "$t")) |
        awk 'NR > 2 && $1 !~ /^-/ { sub(".*/", "", $1);
             printf "  %-12s lines %7s of %5s   regions %7s   branches %7s\n", $1, $10, $8, $4, $13 }'
done
