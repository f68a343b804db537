# extract-lib.sh - sourced by the extract-*.sh tests: a scratch directory,
# failure counting, and `run WANT-STATUS LV IMAGE...` (lvmrepair --extract
# to $T/out, stderr in $T/stderr). Needs BIN set.
command -v python3 >/dev/null || { echo "SKIPPED: ${0##*/} needs python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

run() {
    local want=$1 lv=$2
    shift 2
    rm -f "$T/out"
    "$BIN" --extract "$lv" -o "$T/out" "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$?
    [ "$rc" = "$want" ] || { fail "--extract $lv exited $rc, expected $want: $(cat "$T/stderr")"; return 1; }
}

finish() {
    [ $fails = 0 ] || { echo "${0##*/}: $fails failures"; exit 1; }
    echo "ok: ${0##*/}"
}
