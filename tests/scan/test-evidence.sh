#!/bin/bash
# Evidence (lr/evidence.h) through lvmscan, against the truth of the real
# tools (fixtures/make-evidence.sh: blkid -p, dumpe2fs, xfs_db, btrfs
# inspect-internal, mkswap, cryptsetup luksUUID): every LV of every
# version (LUKS2 in an LV, ext4 and btrfs on striped LVs), its content type,
# label, UUID and filesystem size; extent reuse; change summaries; the
# recommendation on the lvremove + lvcreate scenario and on the
# re-initialised PV; bad input (extents past the image end, a PV not given,
# a damaged superblock, two signatures) reported as such.
#
# Usage: test-evidence.sh LVMSCAN FIXTURES [LVMREPAIR]
set -u
LVMSCAN=$1
FIX=$2
LVMREPAIR=${3:-}
EV=$FIX/evidence
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

command -v python3 >/dev/null || { echo "SKIPPED: evidence (no python3)"; exit 77; }

# content and fs sizes against the truth files
check_truth() { # TRUTHNAME MIN_LVS IMAGE...
    local name=$1 min=$2
    shift 2
    "$LVMSCAN" --json "$@" >"$T/j.json" || { bad "lvmscan --json $* failed"; return; }
    python3 - "$T/j.json" "$EV/truth/$name.content" "$EV/truth/$name.fssize" "$min" <<'EOF' >"$T/py.out"
import json, sys
d = json.load(open(sys.argv[1]))
# versions a later VG overwrote in the ring are not in the scan: skipped
def lv(vg, seq, name):
    for g in d["vgs"]:
        if g["name"] != vg:
            continue
        for v in g["versions"]:
            if v["seqno"] == seq:
                for l in v["logical_volumes"]:
                    if l["name"] == name:
                        return l
                return None
    return "gone"
fails = 0; n = 0
for line in open(sys.argv[2]):
    w = line.split()
    vg, seq, name, size = w[0], int(w[1]), w[2], int(w[3])
    f = dict(x.split("=", 1) for x in w[4:])
    l = lv(vg, seq, name)
    if l == "gone":
        continue
    n += 1
    if l is None:
        print("FAIL: %s/%s seqno %d missing" % (vg, name, seq)); fails += 1; continue
    if l["size_bytes"] != size:
        print("FAIL: %s/%s %d size %s != %d" % (vg, name, seq, l["size_bytes"], size)); fails += 1
    c = l["content"]
    if "TYPE" not in f:
        if c is not None:
            print("FAIL: %s/%s %d content %s, blkid found none" % (vg, name, seq, c)); fails += 1
        continue
    want = {"type": f.get("TYPE"), "label": f.get("LABEL"), "uuid": f.get("UUID")}
    if c != want:
        print("FAIL: %s/%s %d content %s != blkid %s" % (vg, name, seq, c, want)); fails += 1
for line in open(sys.argv[3]):
    vg, seq, name, size = line.split()
    l = lv(vg, int(seq), name)
    if l == "gone":
        continue
    if l is None or l["fs_size_bytes"] != int(size):
        print("FAIL: %s/%s %s fs size %s != %s" % (vg, name, seq, l and l["fs_size_bytes"], size)); fails += 1
print("checked %d LVs, %d failures" % (n, fails))
if n < int(sys.argv[4]):
    print("FAIL: only %d LVs checked" % n); fails += 1
sys.exit(1 if fails else 0)
EOF
    if [ $? = 0 ]; then ok; else bad "$name: $(cat "$T/py.out")"; fi
}

check_truth disk 8 "$EV/disk.img.gz"
check_truth reinit 8 "$EV/reinit.img.gz"
check_truth luks 3 "$EV/luks.img.gz"
check_truth striped 2 "$EV/striped-pv0.img.gz" "$EV/striped-pv1.img.gz"

# LUKS2 in an LV (cryptsetup luksFormat through a loop device over its
# extents): crypto_LUKS with the UUID `cryptsetup luksUUID` gave
"$LVMSCAN" --json "$EV/luks.img.gz" >"$T/l.json"
python3 - "$T/l.json" "$EV/truth/luks.luksuuid" <<'EOF' >"$T/py.out" && ok || bad "LUKS: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "hevluks"][0]
vs = {v["seqno"]: v for v in g["versions"]}
n = 0
for line in open(sys.argv[2]):
    vg, seq, lv, uuid = line.split()
    l = [l for l in vs[int(seq)]["logical_volumes"] if l["name"] == lv][0]
    assert l["content"] == {"type": "crypto_LUKS", "label": "LUKSDATA", "uuid": uuid}, l
    assert l["probe"]["usage"] == "crypto" and l["probe"]["version"] == "2", l
    assert l["fs_size_bytes"] is None, l  # a LUKS header claims no filesystem size
    n += 1
assert n == 2, n
print("ok")
EOF

# filesystems on striped LVs (lvcreate -i2 -I64k; laid out by
# fixtures/lay-stripes.py): both PVs give the plain files' blkid view (the
# btrfs superblock at 64 KiB is in the second chunk, on the second PV);
# one PV alone is a missing PV, never a guess
"$LVMSCAN" --json "$EV/striped-pv0.img.gz" "$EV/striped-pv1.img.gz" >"$T/st.json"
"$LVMSCAN" --json "$EV/striped-pv1.img.gz" >"$T/st1.json"
python3 - "$T/st.json" "$T/st1.json" <<'EOF' >"$T/py.out" && ok || bad "striped: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "hevstr"][0]
newest = max(g["versions"], key=lambda v: v["seqno"])
lvs = {l["name"]: l for l in newest["logical_volumes"]}
assert lvs["str"]["segtype"] == "striped" and lvs["bstr"]["segtype"] == "striped", lvs
assert lvs["str"]["content"]["type"] == "ext4" and lvs["bstr"]["content"]["type"] == "btrfs", lvs
d1 = json.load(open(sys.argv[2]))
for g in d1["vgs"]:
    for v in g["versions"]:
        for l in v["logical_volumes"]:
            assert l["content"] is None and l["probe"]["state"] == "missing_pv", l
print("ok")
EOF
# the whole striped LVs, as lvmrepair --extract maps them, are the plain
# files' bytes (sha256 taken by make-evidence.sh before laying them out)
if [ -n "${LVMREPAIR:-}" ]; then
    while read -r vg seq lv sum; do
        rm -f "$T/x.out"
        "$LVMREPAIR" --extract "$lv" --seqno "$seq" -o "$T/x.out" "$EV/striped-pv0.img.gz" \
            "$EV/striped-pv1.img.gz" >/dev/null 2>&1
        [ "$(sha256sum <"$T/x.out" | cut -d' ' -f1)" = "$sum" ] && ok ||
            bad "striped $lv: extracted bytes differ from the plain file"
    done <"$EV/truth/striped.sha256"
fi

# the lvremove + lvcreate + lvreduce scenario: recommendation, reuse, changes
"$LVMSCAN" --json "$EV/disk.img.gz" >"$T/d.json"
python3 - "$T/d.json" <<'EOF' >"$T/py.out" && ok || bad "evid0 scenario: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "evid0"][0]
vs = {v["seqno"]: v for v in g["versions"]}
# two recoverable events: lvremove root (seqno 7) and lvreduce home (seqno 9).
# By age alone seqno 6 comes first; the content ranks seqno 8 above it:
# root's start now holds scratch's ext4 (overwritten), home's own ext4 is
# still at its start (docs/evidence.md, "Recommendation")
assert g["recommended"]["seqno"] == 8, g["recommended"]
assert g["recommended"]["evidence"] == "own_signature", g["recommended"]
r = g["recommended"]["reason"]
assert "lvreduce -f -y -L 4M evid0/home" in r and "--config" not in r, r
assert "12 of home's 12 cut extents are untouched" in r, r
assert "home's own ext4 is still at its start" in r, r
assert "content evidence ranks it above the earlier seqno 6" in r, r
assert [a["seqno"] for a in g["alternatives"]] == [6], g["alternatives"]
a = g["alternatives"][0]
assert a["evidence"] == "against", a
r = a["reason"]
assert "lvremove -y evid0/root" in r and "--config" not in r, r
assert "scratch" in r and "now hold its ext4" in r and "4 of root's 8" in r, r
assert "ranked lower: root's start now holds scratch's ext4" in r, r
assert vs[7]["change"] == "-root", vs[7]["change"]
assert vs[8]["change"] == "+scratch 4 MiB", vs[8]["change"]
assert vs[9]["change"] == "home 16→4 MiB", vs[9]["change"]
assert vs[10]["change"] == "+tag site_a", vs[10]["change"]
assert vs[1]["change"] is None
root = [l for l in vs[6]["logical_volumes"] if l["name"] == "root"][0]
assert root["reused_by"] == [{"seqno": 8, "vg": "evid0", "lv": "scratch", "pv": "pv0",
                              "extents": [[0, 3]], "taker_content": "ext4"}], root["reused_by"]
home = [l for l in vs[6]["logical_volumes"] if l["name"] == "home"][0]
assert home["reused_by"] == [], home
# the filesystem outgrew the LV at seqno 9
home9 = [l for l in vs[9]["logical_volumes"] if l["name"] == "home"][0]
assert home9["fs_size_bytes"] > home9["size_bytes"], home9
for k in ("seqno", "crc", "complete", "description", "copies", "lvs"):
    assert k in vs[6], k
print("ok")
EOF

# the re-initialised PV: evidold lost old2 then old1 (a version with no LVs
# left), then evidnew took old1's first extents and put a swap area there
"$LVMSCAN" --json "$EV/reinit.img.gz" >"$T/r.json"
python3 - "$T/r.json" <<'EOF' >"$T/py.out" && ok || bad "reinit scenario: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "evidold"][0]
vs = {v["seqno"]: v for v in g["versions"]}
newest = max(vs)
assert vs[newest]["logical_volumes"] == [] and vs[newest]["change"] == "-old1", vs[newest]
# never the 0-LV version: the last one before the first removal
assert g["recommended"]["seqno"] == newest - 2, g["recommended"]
assert "lvremove -y evidold/old2" in g["recommended"]["reason"], g["recommended"]
assert "old2's own swap is still at its start" in g["recommended"]["reason"], g["recommended"]
assert g["recommended"]["evidence"] == "own_signature", g["recommended"]
assert [a["seqno"] for a in g["alternatives"]] == [newest - 1], g["alternatives"]
r = g["alternatives"][0]["reason"]
assert "evidnew/new1" in r and "now hold its swap" in r and "4 of old1's 8" in r, r
assert "ranked lower: old1's start now holds evidnew/new1's swap" in r, r
assert g["alternatives"][0]["evidence"] == "against", g["alternatives"][0]
v = vs[newest - 2]
old1 = [l for l in v["logical_volumes"] if l["name"] == "old1"][0]
assert old1["reused_by"] == [{"seqno": 2, "vg": "evidnew", "lv": "new1", "pv": "pv0",
                              "extents": [[0, 3]], "taker_content": "swap"}], old1
old2 = [l for l in v["logical_volumes"] if l["name"] == "old2"][0]
assert old2["reused_by"] == [], old2
print("ok")
EOF

# the same history with the content taken away: both ext4 magics (0xEF53
# at byte 1080) wiped at root's old start (now scratch's) and at home's.
# Without content evidence the age decides: seqno 6 first again. Proves
# the order above came from the content, not from the events.
zcat "$EV/disk.img.gz" >"$T/wiped.img"
for lv in root home; do
    OFF=$(awk -v lv=$lv '$3==lv {print $4; exit}' "$EV/truth/disk.layout")
    printf '\0\0' | dd of="$T/wiped.img" bs=1 seek=$((OFF + 1080)) conv=notrunc status=none
done
"$LVMSCAN" --json "$T/wiped.img" >"$T/w.json"
python3 - "$T/w.json" <<'EOF' >"$T/py.out" && ok || bad "wiped signatures: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "evid0"][0]
assert g["recommended"]["seqno"] == 6, g["recommended"]
assert g["recommended"]["evidence"] == "no_signature", g["recommended"]
assert "no signature found at the start of root" in g["recommended"]["reason"], g["recommended"]
assert "ranks it above" not in g["recommended"]["reason"], g["recommended"]
assert [(a["seqno"], a["evidence"]) for a in g["alternatives"]] == [(8, "no_signature")], g
print("ok")
EOF

# human report: the summary with the recommendation within the first 20 lines
"$LVMSCAN" "$EV/disk.img.gz" >"$T/h.txt"
head -n 20 "$T/h.txt" | grep -q "recommended: seqno 8, the last version before \`lvreduce -f -y -L 4M evid0/home" &&
    ok || bad "no recommendation in the first 20 lines: $(head -n 5 "$T/h.txt")"
grep -q -- "--config" "$T/h.txt" && bad "report still shows --config noise" || ok
# the alternative removes scratch: the hint names the LV its event lost
grep -qF "to keep scratch, bring back only the lost LVs: lvmrepair --restore-lv root --from seqno=6" "$T/h.txt" &&
    ok || bad "no --restore-lv hint naming root: $(grep 'to keep' "$T/h.txt")"
"$LVMSCAN" --brief "$EV/disk.img.gz" >"$T/b.txt"
grep -qE "^ +8 +[0-9-]+ [0-9:]+ +\+scratch 4 MiB +RECOMMENDED" "$T/b.txt" && ok ||
    bad "--brief: $(cat "$T/b.txt")"
grep -qE "^ +6 +[0-9-]+ [0-9:]+ +\+bdata 16 MiB +ALTERNATIVE" "$T/b.txt" && ok ||
    bad "--brief: $(cat "$T/b.txt")"
[ "$(grep -c '^ ' "$T/b.txt")" = 10 ] && ok || bad "--brief: not one line per version"

# bad input 1: extents past the end of the image
zcat "$EV/disk.img.gz" | head -c $((40 * 1024 * 1024)) >"$T/cut.img"
"$LVMSCAN" --json "$T/cut.img" >"$T/c.json"
python3 - "$T/c.json" <<'EOF' >"$T/py.out" && ok || bad "extents past the end: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "evid0"][0]
v = [v for v in g["versions"] if v["seqno"] == 10][0]
b = [l for l in v["logical_volumes"] if l["name"] == "bdata"][0]
assert b["content"] is None and b["probe"]["state"] == "unreadable", b
assert "past the end" in b["probe"]["detail"], b
print("ok")
EOF

# bad input 2: a PV not given (one of three-pv's images)
"$LVMSCAN" --json "$FIX/three-pv/pv1.img.gz" >"$T/p.json"
python3 - "$T/p.json" <<'EOF' >"$T/py.out" && ok || bad "missing PV: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
states = {l["probe"]["state"] for g in d["vgs"] for v in g["versions"] for l in v["logical_volumes"]}
assert "missing_pv" in states, states
print("ok")
EOF

# bad input 3: a damaged superblock (home's s_log_block_size set to 200)
zcat "$EV/disk.img.gz" >"$T/dmg.img"
HOME_OFF=$(awk '$2==10 && $3=="home" {print $4}' "$EV/truth/disk.layout")
printf '\310' | dd of="$T/dmg.img" bs=1 seek=$((HOME_OFF + 1024 + 24)) conv=notrunc status=none
"$LVMSCAN" --json "$T/dmg.img" >"$T/s.json"
python3 - "$T/s.json" <<'EOF' >"$T/py.out" && ok || bad "damaged superblock: $(cat "$T/py.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "evid0"][0]
v = [v for v in g["versions"] if v["seqno"] == 10][0]
h = [l for l in v["logical_volumes"] if l["name"] == "home"][0]
assert h["fs_size_bytes"] is None, h
# libblkid may or may not still call it ext4; never a size from bad fields
assert h["content"] is None or "damaged" in (h["probe"]["detail"] or ""), h
print("ok")
EOF

# bad input 4: two signatures (xdata's XFS superblock copied over the unused
# first 512 bytes of home's ext4): blkid -p itself calls that ambivalent
zcat "$EV/disk.img.gz" >"$T/amb.img"
X_OFF=$(awk '$2==10 && $3=="xdata" {print $4}' "$EV/truth/disk.layout")
dd if="$T/amb.img" of="$T/amb.img" bs=512 count=1 skip=$((X_OFF / 512)) seek=$((HOME_OFF / 512)) \
    conv=notrunc status=none
dd if="$T/amb.img" of="$T/home.img" bs=1M count=4 skip=$((HOME_OFF / 1048576)) status=none
blkid -p "$T/home.img" >"$T/blkid.out" 2>&1
BRC=$?
"$LVMSCAN" --json "$T/amb.img" >"$T/a.json"
python3 - "$T/a.json" "$BRC" <<'EOF' >"$T/py.out" && ok || bad "ambivalent: $(cat "$T/py.out") blkid: $(cat "$T/blkid.out")"
import json, sys
d = json.load(open(sys.argv[1]))
g = [g for g in d["vgs"] if g["name"] == "evid0"][0]
v = [v for v in g["versions"] if v["seqno"] == 10][0]
h = [l for l in v["logical_volumes"] if l["name"] == "home"][0]
brc = int(sys.argv[2])
if brc == 8:  # blkid -p: ambivalent result
    assert h["content"] is None and h["probe"]["state"] == "ambivalent", h
    assert set(h["probe"]["candidates"].split(",")) == {"ext4", "xfs"}, h
else:
    assert h["probe"]["state"] == "found", (brc, h)
print("ok")
EOF

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
