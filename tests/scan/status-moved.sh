#!/usr/bin/env bash
# "superseded" for a VG whose PV moved to another VG (issue 14), against
# real LVM2 made at run time: VG A on pv1+pv2, B on pv3; vgsplit A C pv2,
# vgrename C D, vgmerge B D. D's only PV (pv2) keeps its label and UUID, but
# its metadata area now commits B's version, which lists pv2: D is
# "superseded" by B since B's first version with a copy on pv2 (the merge,
# seqno 3 here, as `vgs` reports B now), not a live "consistent" VG; B and A
# stay "consistent". After the vgsplit alone, A (whose old versions still
# list pv2) and C are both "consistent".
#
# usage: status-moved.sh LVMSCAN
# Needs root, losetup, lvm2 and python3; otherwise prints
# "SKIPPED: status_moved (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init status_moved "$LVMSCAN" "$(dirname "$0")"
lr_need python3
lr_moved_need

A=hsu$$a B=hsu$$b C=hsu$$c D=hsu$$d

lr_make_moved "$LR_TMP/split" "$A" "$B" "$C" "$D"
"$LVMSCAN" --json "$LR_TMP"/split/*.img >"$LR_TMP/split.json" || lr_fail "lvmscan (split) exited $?"
python3 - "$LR_TMP/split.json" "$A" "$C" <<'PY' || lr_fail "after vgsplit alone"
import json, sys
v = {x["name"]: x for x in json.load(open(sys.argv[1]))["vgs"]}
for n in sys.argv[2:]:
    assert v[n]["status"] == ["consistent"] and v[n]["superseded_by"] is None, (n, v[n]["status"])
print("ok: after vgsplit alone, %s and %s are consistent" % tuple(sys.argv[2:]))
PY

lr_make_moved "$LR_TMP/merge" "$A" "$B" "$C" "$D" merge
[ -n "$LR_MOVED_SEQNO" ] || lr_fail "vgs gave no seqno for $B"
"$LVMSCAN" --json "$LR_TMP"/merge/*.img >"$LR_TMP/merge.json" || lr_fail "lvmscan (merge) exited $?"
"$LVMSCAN" "$LR_TMP"/merge/*.img >"$LR_TMP/merge.txt" || lr_fail "lvmscan (merge, words) exited $?"
python3 - "$LR_TMP/merge.json" "$LR_TMP/merge.txt" "$A" "$B" "$D" "$LR_MOVED_SEQNO" <<'PY' || lr_fail "after vgmerge"
import json, sys
d = json.load(open(sys.argv[1]))
words = open(sys.argv[2]).read()
a, b, dn, bseq = sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
v = {x["name"]: x for x in d["vgs"]}
for n in (a, b):
    assert v[n]["status"] == ["consistent"] and v[n]["superseded_by"] is None, (n, v[n]["status"])
assert v[b]["latest_seqno"] == bseq, (v[b]["latest_seqno"], bseq)
s = v[dn]
assert s["status"] == ["superseded"], s["status"]
by = s["superseded_by"]
assert by["vg"] == b and by["id"] == v[b]["id"] and by["how"] == "moved", by
# B's versions before the merge (1, 2) lived on pv3 only; the merge wrote B's
# seqno bseq (the one vgs reports) to pv2 first.
assert by["since_seqno"] == bseq, (by, bseq)
since = [x for x in v[b]["versions"] if x["seqno"] == bseq][0]
assert by["since"] == since["creation_time"], (by, since)
assert by["pv"] == s["pvs"][0]["name"] and len(s["pvs"]) == 1, (by, s["pvs"])
assert s["recommended"] is None and b in s["no_recommendation"], s
want = "VG %s: superseded;" % dn
assert want in words, words
want = "now belongs to VG %s (id %s) (since seqno %d" % (b, v[b]["id"], bseq)
assert want in words and "re-initialised" not in words, words
print("ok: %s superseded by %s since seqno %d (moved); %s and %s consistent" % (dn, b, bseq, a, b))
PY
echo "PASSED: status_moved"
