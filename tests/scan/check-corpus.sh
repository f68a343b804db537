#!/bin/sh
# Runs lvmscan (and lvmrepair --dry-run when it is built) on every case of the
# damaged-image corpus (fixtures/damaged/MANIFEST, made by
# fixtures/make-damaged.sh).
#
#   check-corpus.sh LVMSCAN CORPUS_DIR [CASE...]
#
# For each case, `lvmscan --json FILES` must finish within $LR_DAMAGED_TIMEOUT
# seconds (default 10) and either
#   - exit 0 or 1 with one valid JSON document on stdout (python3 json.load)
#     holding images, labels, metadata_areas, copies and vgs, exit 0 exactly
#     when a label or a copy was found; or
#   - exit 2 with a message on stderr naming the file;
# cases marked "2" in the manifest (corrupt gzip) must exit 2. A signal, a
# timeout or any other exit status fails the case.
#
# If lvmrepair sits next to lvmscan, each case is then also run through
# `lvmrepair --restore seqno=N --vg ID --dry-run`, and again with --force
# (N, ID: the newest seqno lvmscan reported and its VG, else seqno=1), on
# decompressed copies of the images: it must finish in time with exit 0, 1
# or 2 (plan shown, or refused with a message) and leave the images
# byte-identical, creating no file next to them. Without lvmrepair that step is skipped and the output says so.
set -u

if [ $# -lt 2 ]; then
    echo "usage: check-corpus.sh LVMSCAN CORPUS_DIR [CASE...]" >&2
    exit 2
fi
lvmscan=$1
corpus=$2
shift 2
limit=${LR_DAMAGED_TIMEOUT:-10}
manifest="$corpus/MANIFEST"
lvmrepair="$(dirname "$lvmscan")/lvmrepair"

[ -x "$lvmscan" ] || { echo "check-corpus.sh: $lvmscan is not executable" >&2; exit 2; }
[ -r "$manifest" ] || { echo "check-corpus.sh: no manifest $manifest" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "check-corpus.sh: python3 not found" >&2; exit 2; }
command -v timeout >/dev/null 2>&1 || { echo "check-corpus.sh: timeout (coreutils) not found" >&2; exit 2; }

if [ -x "$lvmrepair" ]; then
    repair=1
    echo "lvmrepair: $lvmrepair (the --dry-run step runs)"
else
    repair=0
    echo "lvmrepair: not built ($lvmrepair missing): the lvmrepair --dry-run step is SKIPPED"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Validates lvmscan's JSON: check_json FILE EXIT_STATUS -> prints the newest
# seqno and VG id ("SEQNO ID", or "none") on success, a reason on failure.
cat >"$tmp/check.py" <<'EOF'
import json, sys
path, status = sys.argv[1], int(sys.argv[2])
try:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
except Exception as e:  # noqa: BLE001 - any failure is the verdict
    print("invalid JSON: %s" % e)
    sys.exit(1)
if not isinstance(doc, dict):
    print("JSON top level is not an object")
    sys.exit(1)
for key in ("images", "labels", "metadata_areas", "copies", "vgs"):
    if not isinstance(doc.get(key), list):
        print("JSON has no list '%s'" % key)
        sys.exit(1)
found = bool(doc["labels"]) or bool(doc["copies"])
if found != (status == 0):
    print("exit %d but %d labels and %d copies reported (exit 0 means something was found)"
          % (status, len(doc["labels"]), len(doc["copies"])))
    sys.exit(1)
best = None
for vg in doc["vgs"]:
    s = vg.get("latest_seqno") if isinstance(vg, dict) else None
    if isinstance(s, int) and (best is None or s > best[0]):
        best = (s, vg.get("id") or vg.get("name") or "")
print("%d %s" % best if best else "none")
EOF

pass=0
fail=0
skipped_repair=0
failures=""

note_fail() {
    fail=$((fail + 1))
    failures="$failures $1"
    echo "FAIL $1: $2"
}

# One case: name files expect
run_case() {
    name=$1 files=$2 expect=$3
    set --
    for f in $(echo "$files" | tr ',' ' '); do
        set -- "$@" "$corpus/$f"
    done
    start=$(date +%s)
    timeout -k 2 "$limit" "$lvmscan" --json "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
    secs=$(($(date +%s) - start))
    if [ $st -eq 124 ] || [ $st -eq 137 ]; then
        note_fail "$name" "lvmscan did not finish within ${limit}s"
        return
    fi
    if [ $st -gt 128 ]; then
        note_fail "$name" "lvmscan killed by signal $((st - 128)); stderr: $(head -c 600 "$tmp/err")"
        return
    fi
    if [ "$expect" = 2 ] && [ $st -ne 2 ]; then
        note_fail "$name" "expected exit 2 (refused), got $st"
        return
    fi
    seq=none
    case $st in
    0|1)
        if ! seq=$(python3 "$tmp/check.py" "$tmp/out" "$st"); then
            note_fail "$name" "exit $st: $seq"
            return
        fi
        ;;
    2)
        if [ ! -s "$tmp/err" ]; then
            note_fail "$name" "exit 2 without a message on stderr"
            return
        fi
        named=0
        for f in "$@"; do
            if grep -qF "$(basename "$f")" "$tmp/err"; then named=1; fi
        done
        if [ $named = 0 ]; then
            note_fail "$name" "exit 2 but the message does not name the file: $(head -c 300 "$tmp/err")"
            return
        fi
        ;;
    *)
        note_fail "$name" "lvmscan exit status $st; stderr: $(head -c 600 "$tmp/err")"
        return
        ;;
    esac
    msg="lvmscan exit $st in ${secs}s"

    if [ $repair = 1 ] && [ $st -ne 2 ]; then
        rm -rf "$tmp/img"
        mkdir "$tmp/img"
        set --
        for f in $(echo "$files" | tr ',' ' '); do
            case "$f" in
            *.gz) gzip -dc "$corpus/$f" >"$tmp/img/${f%.gz}" ;;
            *) cp "$corpus/$f" "$tmp/img/$f" ;;
            esac
            set -- "$@" "$tmp/img/${f%.gz}"
        done
        sum_before=$(cat "$tmp"/img/* | cksum)
        if [ "$seq" = none ]; then
            set -- --restore seqno=1 "$@"
        else
            set -- --restore "seqno=${seq%% *}" --vg "${seq#* }" "$@"
        fi
        # once as a user would, once with --force so the planner gets past
        # the safety refusals (a cut image is shorter than its PV)
        rmsg=""
        for force in "" --force; do
            timeout -k 2 "$limit" "$lvmrepair" --dry-run $force "$@" </dev/null >"$tmp/rout" 2>"$tmp/rerr"
            rst=$?
            what="lvmrepair --dry-run${force:+ $force}"
            if [ $rst -eq 124 ] || [ $rst -eq 137 ]; then
                note_fail "$name" "$what did not finish within ${limit}s"
                return
            fi
            if [ $rst -gt 128 ]; then
                note_fail "$name" "$what killed by signal $((rst - 128)); stderr: $(head -c 600 "$tmp/rerr")"
                return
            fi
            if [ $rst -gt 2 ]; then
                note_fail "$name" "$what exit status $rst; stderr: $(head -c 600 "$tmp/rerr")"
                return
            fi
            if [ $rst -ne 0 ] && [ ! -s "$tmp/rerr" ]; then
                note_fail "$name" "$what exit $rst without a message on stderr"
                return
            fi
            sum_after=$(cat "$tmp"/img/* | cksum)
            if [ "$sum_before" != "$sum_after" ]; then
                note_fail "$name" "$what changed the image or created a file next to it"
                return
            fi
            rmsg="$rmsg, ${force:-plain} $rst"
        done
        msg="$msg; lvmrepair --dry-run exit${rmsg#,}"
    elif [ $repair = 0 ]; then
        skipped_repair=$((skipped_repair + 1))
    fi
    pass=$((pass + 1))
    echo "ok   $name: $msg"
}

tab=$(printf '\t')
while IFS="$tab" read -r name files expect what; do
    case "$name" in ''|\#*) continue ;; esac
    if [ $# -gt 0 ]; then
        want=0
        for c in "$@"; do [ "$c" = "$name" ] && want=1; done
        [ $want = 1 ] || continue
    fi
    run_case "$name" "$files" "$expect"
done <"$manifest"

total=$((pass + fail))
echo "damaged corpus: $pass of $total cases passed"
if [ $repair = 0 ]; then
    echo "lvmrepair --dry-run step SKIPPED for $skipped_repair cases: lvmrepair is not built"
fi
if [ $total -eq 0 ]; then
    echo "check-corpus.sh: no cases run" >&2
    exit 1
fi
if [ $fail -gt 0 ]; then
    echo "failed:$failures"
    exit 1
fi
exit 0
