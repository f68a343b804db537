#!/usr/bin/env bash
# A VG restored with vgcfgrestore and then changed again (fixtures/
# restore-again, real LVM2): seqnos 4-6 were written twice. LVM2's view is
# the truth: truth/steps lists, after each command in the order LVM2 ran
# them, the committed seqno, the committed copy's checksum and the LVs.
# lvmscan must
# - give each version's change against the version written just before it
#   (the previous step), not against the other text of the previous seqno
#   (seqno 7 read "+b, -c, +d, +e" instead of "-a");
# - recommend the version before the last lvremove, named by its crc too
#   (seqno 6 alone names two texts), not the abandoned seqno 4 whose loss
#   of a the vgcfgrestore had already undone;
# - in the report, name the version above by its crc too where an older
#   version's LVs read "as in" it and its seqno was written twice.
# And fixtures/restored (vgcfgrestore of seqno 4 committed as 5 above the
# abandoned 6 and 7): LVM2's lvs lists lv2 now, so no recommendation may
# call lv2 lost (the restore brought it back; one said "seqno 4, before
# lvremove lv2"), and seqno 5's change is against 7, the write before it.
# Runs without root.
#
# usage: restore-again.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1
FX=$2/restore-again
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: lvmscan-restore-again (no python3)"; exit 77; }
out=$("$LVMSCAN" --json "$FX/disk.img.gz") ||
    { echo "FAILED: restore-again: lvmscan exited $?" >&2; exit 1; }
txt=$("$LVMSCAN" "$FX/disk.img.gz") ||
    { echo "FAILED: restore-again: lvmscan (report) exited $?" >&2; exit 1; }
rst=$("$LVMSCAN" --json "$2/restored/disk.img.gz") ||
    { echo "FAILED: restore-again: lvmscan on fixtures/restored exited $?" >&2; exit 1; }
python3 - "$FX/truth" "$out" "$2/restored/truth" "$rst" "$txt" "$(cd "$(dirname "$0")/../support" && pwd)" <<'PY' || { echo "FAILED: lvmscan-restore-again" >&2; exit 1; }
import json, re, sys
t, d = sys.argv[1], json.loads(sys.argv[2])
# the report's "as in seqno N" names the version listed just above, by its
# crc too when its seqno was written twice
vs = d["vgs"][0]["versions"]
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[6])
from report_blocks import version_blocks
blocks = [b for _, b in version_blocks(sys.argv[5])]
assert len(blocks) == len(vs), (len(blocks), len(vs))
named = 0
for i, b in enumerate(blocks):
    for l in b:
        m = re.match(r"as in seqno (\d+)( \(crc=(0x[0-9a-f]{8})\))?: LV ", l)
        if not m:
            continue
        up = vs[i - 1]
        assert i > 0 and int(m.group(1)) == up["seqno"], (i, l, up["seqno"])
        assert (m.group(3) is not None) == up["conflict"], (i, l, up["conflict"])
        assert not up["conflict"] or int(m.group(3), 16) == int(up["crc"], 16), (i, l, up["crc"])
        named += bool(up["conflict"])
assert named >= 2, "no version above a seqno written twice named by its crc"
steps = []
for line in open(t + "/steps"):
    seq, crc, lvs = line.split()
    steps.append((int(seq), int(crc, 16), set() if lvs == "-" else set(lvs.split(","))))
seqs = [s for s, _, _ in steps]
assert len(seqs) != len(set(seqs)), "the fixture must write seqnos twice"
g = d["vgs"][0]
assert g["latest_seqno"] == int(json.load(open(t + "/vgs.json"))["report"][0]["vg"][0]["vg_seqno"])
ver = {(v["seqno"], int(v["crc"], 16)): v for v in g["versions"]}
for (ps, pc, pl), (cs, cc, cl) in zip(steps, steps[1:]):
    v = ver[(cs, cc)]
    got = {tok.split()[0] for tok in (v["change"] or "").split(", ") if tok[:1] in "+-"}
    want = {"+" + n for n in cl - pl} | {"-" + n for n in pl - cl}
    assert got == want, (cs, hex(cc), v["change"], want)
r = g["recommended"]
want_seq, want_crc, _ = steps[-2]
assert r and r["seqno"] == want_seq and int(r["crc"], 16) == want_crc, (r, steps[-2])
rt, rd = sys.argv[3], json.loads(sys.argv[4])
now = {l["lv_name"] for l in json.load(open(rt + "/lvs.json"))["report"][0]["lv"]}
assert "lv2" in now, now
rg = rd["vgs"][0]
for c in [rg["recommended"]] + rg["alternatives"]:
    assert c is None or "lv2's" not in c["reason"], c
com = [v for v in rg["versions"] if v["committed"]]
assert len(com) == 1 and com[0]["seqno"] == rg["committed_seqno"], com
assert "-lv4" in com[0]["change"] and "+lv2" in com[0]["change"], com[0]["change"]
print("restored: lv2 not called lost; seqno %d's change %s" % (com[0]["seqno"], com[0]["change"]))
print("restore-again: changes follow the write order; recommended %d crc %#x" % (want_seq, want_crc))
PY
