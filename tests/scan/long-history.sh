#!/usr/bin/env bash
# A long history of one VG, as LVM2 archive files of years leave in an
# image: 40 versions of tests/data/many-lvs.backup (a real vgcfgbackup of 60
# LVs), version i holding LVs lv(i)..lv(i+59), each on extent k mod 63, so
# that every write removes one LV and creates one. lvmscan finds all 40
# versions, recommends the version before the first removal and, of the 38
# later writes a restore of it undoes, lists the first 12 changes and
# counts the rest (a line of every later change grew with the square of
# the versions: 168 MB of JSON for 3000); the JSON is valid and holds the
# 40 versions; the summary names the first 5 of its 38 alternatives and
# counts the rest (--brief marks each, --json gives each one's reason); the
# report lists under each older version only the LV whose line differs from
# the newer version's and names the other 59 on one line, and an LV whose
# size changed by less than the report's rounding is listed. The images
# are made by tests/support/make_history.py.
# usage: long-history.sh LVMSCAN
set -u
LVMSCAN=$1
DATA=$(cd "$(dirname "$0")/../data" && pwd)
SUPPORT=$(cd "$(dirname "$0")/../support" && pwd)
command -v python3 >/dev/null || { echo "SKIPPED: long-history needs python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 "$SUPPORT/make_history.py" "$DATA/many-lvs.backup" 40 "$T/h.img" churn || bad "could not make the image"

"$LVMSCAN" "$T/h.img" > "$T/out" 2> "$T/err"
grep -q "latest seqno 40 (40 versions)" "$T/out" || bad "not all 40 versions: $(head -3 "$T/out")"
rec=$(grep -m1 "recommended:" "$T/out")
case $rec in
*"seqno 1, the last version before -lv0 (seqno 2); restoring it also undoes 3–40 (-lv1, +lv61 4 MiB, "*) ;;
*) bad "recommended line: $rec" ;;
esac
case $rec in
*"-lv12, +lv72 4 MiB; and 26 later writes)"*) ;;
*) bad "not the first 12 changes and 26 more: $rec" ;;
esac
case $rec in
*"lv73"*) bad "a 13th change listed: $rec" ;;
esac
# the summary names 5 of the 38 alternatives and lists the seqnos of 12 more
sed -n '/^Summary/,/^$/p' "$T/out" > "$T/summary"
[ "$(grep -c '^    alternative: ' "$T/summary")" = 5 ] || bad "not 5 alternatives in the summary: $(cat "$T/summary")"
grep -q '^    alternative: seqno 6, the last version before -lv5 ' "$T/summary" || bad "seqno 6 not the 5th alternative"
grep -q '^    and 33 more alternatives, ranked lower: seqno 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 and 21 others (--brief marks each ALTERNATIVE; --json gives each one.s reason)$' "$T/summary" ||
    bad "the line counting the rest: $(grep 'more alternatives' "$T/summary")"
"$LVMSCAN" --brief "$T/h.img" > "$T/brief" 2> /dev/null
[ "$(grep -c '  ALTERNATIVE' "$T/brief")" = 38 ] || bad "--brief does not mark 38 alternatives: $(cat "$T/brief")"
"$LVMSCAN" --json "$T/h.img" > "$T/json" 2> /dev/null
# the 26th-from-last event lists exactly 12 and one more; the last ones fewer, none counted
python3 - "$T/json" <<'PY' || bad "JSON: not valid, not 40 versions and 38 alternatives, or an alternative's reason"
import json, re, sys
g = json.load(open(sys.argv[1]))["vgs"][0]
assert len(g["versions"]) == 40
alts = {a["seqno"]: a["reason"] for a in g["alternatives"]}
assert sorted(alts) == list(range(2, 40)), sorted(alts)
r = alts[26]
assert re.match(r"the last version before -lv25 \(seqno 27\); restoring it also undoes 28–40 \(.*-lv37, \+lv97 4 MiB; and 1 later write\)", r), r
r = alts[27]
assert re.match(r"the last version before -lv26 \(seqno 28\); restoring it also undoes 29–40 \(.*-lv38, \+lv98 4 MiB\); ", r), r
PY

# the report lists under each older version only the LVs whose line differs
# from the version above (here the one LV each write removed) and names the
# rest on one line: 60 LV lines for seqno 40, then one for each of 39
# versions, not 60 each; the JSON keeps every version's 60 LVs
python3 - "$T/out" "$T/json" "$SUPPORT" <<'PY' || bad "the report's LV lines of older versions"
import json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[3])
from report_blocks import version_blocks
blocks = dict(version_blocks(open(sys.argv[1]).read()))
assert sorted(blocks) == list(range(1, 41)), sorted(blocks)
lvs = lambda b: [l for l in b if l.startswith("LV ")]
assert len(lvs(blocks[40])) == 60 and not [l for l in blocks[40] if l.startswith("as in")], blocks[40]
for i in range(1, 40):
    assert [l.split()[1] for l in lvs(blocks[i])] == ["lv%d" % (i - 1)], (i, blocks[i])
    same = [l for l in blocks[i] if l.startswith("as in seqno")]
    want = "as in seqno %d: %s and 47 more LVs" % (i + 1, ", ".join("LV lv%d" % k for k in range(i, i + 12)))
    assert same == [want], (i, same, want)
g = json.load(open(sys.argv[2]))["vgs"][0]
assert all(len(v["logical_volumes"]) == 60 for v in g["versions"]), "JSON: not 60 LVs each"
PY

# an LV whose size changed is listed although the report rounds both sizes
# alike (2560 and 2561 extents of 4 MiB: "10.0 GiB")
python3 "$SUPPORT/make_history.py" "$DATA/many-lvs.backup" 4 "$T/g.img" grow || bad "could not make the grow image"
"$LVMSCAN" "$T/g.img" > "$T/gout" 2> /dev/null
python3 - "$T/gout" "$SUPPORT" <<'PY' || bad "an LV of another size named as in the version above"
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from report_blocks import version_blocks
blocks = dict(version_blocks(open(sys.argv[1]).read()))
assert sorted(blocks) == [1, 2, 3, 4], sorted(blocks)
for i in (1, 2, 3):
    lv1 = [l for l in blocks[i] if l.startswith("LV lv1 ")]
    assert len(lv1) == 1 and "10.0 GiB" in lv1[0], (i, blocks[i])
    same = [l for l in blocks[i] if l.startswith("as in seqno")]
    assert same == ["as in seqno %d: %s and 47 more LVs" % (i + 1, ", ".join("LV lv%d" % k for k in range(2, 14)))], (i, same)
PY

if [ "$fails" -gt 0 ]; then
    echo "$fails failed"
    exit 1
fi
echo "long history: 40 versions, the undone writes listed 12 and counted"
