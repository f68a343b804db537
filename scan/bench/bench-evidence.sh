#!/usr/bin/env bash
# Benchmark the evidence (lr/evidence.h) on a VG of 1,000 LVs x 10 versions.
#
# Real LVM2 on a loop device (activation off) writes the versions: a PV with
# a 16 MiB metadata area, VG with 4 MiB extents, then vgcfgrestore of ten
# metadata texts made from the VG's own backup: version k has 1,000 LVs of
# one extent each, LV i on extent i, except that every version removes the
# LVs numbered 100*k .. 100*k+4 and the next one puts new LVs (other UUIDs)
# there: ten layouts of which most are shared across versions, and reuse
# to find. Each LV starts with the first 64 KiB of a real mkfs.ext4
# filesystem (4 MiB), so libblkid finds ext4 everywhere.
#
# Times `lvmscan --json --no-evidence IMAGE` and `lvmscan --json IMAGE`
# (alternately, best of RUNS each) on the page-cached image, and their peak
# RSS; the difference is what the evidence adds. Needs root, losetup, lvm2,
# mkfs.ext4, python3, /usr/bin/time.
#
# usage: scan/bench/bench-evidence.sh [-r RUNS] [-b BUILD_DIR] [-k]
set -euo pipefail
RUNS=3
BUILD=build
KEEP=0
while getopts "r:b:k" o; do
    case $o in
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    k) KEEP=1 ;;
    *) exit 2 ;;
    esac
done
LVMSCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
[ -x "$LVMSCAN" ] || { echo "no $LVMSCAN: build first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (loop devices, lvm2)" >&2; exit 2; }
export LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-evidence.XXXXXX")
IMG=$W/ev.img
L=
cleanup() {
    [ -n "$L" ] && losetup -d "$L" 2>/dev/null || true
    [ "$KEEP" = 1 ] && echo "kept $IMG" || rm -rf "$W"
}
trap cleanup EXIT
CFG='global{activation=0} backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0}'
VG=benchev$$

truncate -s 4040M "$IMG"
L=$(losetup -f --show "$IMG")
pvcreate --config "$CFG" --devices "$L" -y --metadatasize 16m "$L" >/dev/null
vgcreate --config "$CFG" --devices "$L" -s 4m "$VG" "$L" >/dev/null
vgcfgbackup --config "$CFG" --devices "$L" -f "$W/base.vg" "$VG" >/dev/null
PE_START=$(pvs --config "$CFG" --devices "$L" --noheadings --units b --nosuffix -o pe_start "$L" | tr -d ' ')
for k in $(seq 0 9); do
    seq_now=$(vgs --config "$CFG" --devices "$L" --noheadings -o vg_seqno "$VG" | tr -d ' ')
    python3 - "$W/base.vg" "$k" "$seq_now" >"$W/v$k.vg" <<'EOF'
import random, sys
base, k, seqno = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
A = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
def uuid(seed):
    r = random.Random("%d-%d" % seed)
    s = "".join(r.choice(A) for _ in range(32))
    return "-".join([s[0:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:32]])
lvs = []
for i in range(1000):
    gen = 0
    # LVs 100*j..100*j+4 were removed at version j and re-created at j+1
    j = i // 100
    if i % 100 < 5 and j <= k:
        if j == k:
            continue  # removed in this version
        gen = 1       # re-created: another LV on the same extent
    name = "lv%04d" % i if gen == 0 else "new%04d" % i
    lvs.append("""%s {
id = "%s"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
segment_count = 1
segment1 {
start_extent = 0
extent_count = 1
type = "striped"
stripe_count = 1
stripes = ["pv0", %d]
}
}
""" % (name, uuid((i, gen)), i))
import re
text = re.sub(r"seqno = \d+", "seqno = %d" % seqno, base, count=1)
end = text.rstrip().rfind("}")
text = text[:end] + "logical_volumes {\n" + "".join(lvs) + "}\n" + text[end:]
print(text)
EOF
    vgcfgrestore --config "$CFG" --devices "$L" -f "$W/v$k.vg" "$VG" >/dev/null
done
losetup -d "$L"
L=
# a real ext4 head at every LV's start
truncate -s 4M "$W/fs.img"
mkfs.ext4 -q -F "$W/fs.img"
python3 - "$IMG" "$W/fs.img" "$PE_START" <<'EOF'
import sys
img, fs, pe = sys.argv[1], sys.argv[2], int(sys.argv[3])
head = open(fs, "rb").read(65536)
with open(img, "r+b") as f:
    for i in range(1000):
        f.seek(pe + i * 4 * 1024 * 1024)
        f.write(head)
EOF
cat "$IMG" >/dev/null
cat "$IMG" >/dev/null

# CPU time (user + sys) is compared: wall time on a shared machine
# measures the other processes too.
best() { # command... -> "cpu wall" seconds (best of RUNS)
    local b=999 bw=999 t i
    for i in $(seq "$RUNS"); do
        t=$( { /usr/bin/time -f "%e %U %S %M" "$@" >/dev/null; } 2>&1 | tail -1)
        read -r wall user sys rss <<<"$t"
        echo "  run $i: $* -> ${wall} s wall, ${user} s user, ${sys} s sys, ${rss} KiB peak RSS" >&2
        b=$(python3 -c "print(round(min($b, $user + $sys), 2))")
        bw=$(python3 -c "print(min($bw, $wall))")
    done
    echo "$b $bw"
}
echo "image: 4040 MiB, VG $VG: 1000 LVs x 10 versions (seqnos 2..11)"
NO=$(best "$LVMSCAN" --json --no-evidence "$IMG")
YES=$(best "$LVMSCAN" --json "$IMG")
"$LVMSCAN" --json "$IMG" >"$W/out.json"
python3 - "$W/out.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
g = d["vgs"][0]
n = sum(len(v["logical_volumes"]) for v in g["versions"])
found = sum(1 for v in g["versions"] for l in v["logical_volumes"] if l["content"] and l["content"]["type"] == "ext4")
reused = sum(1 for v in g["versions"] for l in v["logical_volumes"] if l["reused_by"])
print("versions %d, LV entries %d, ext4 found %d, LVs with reuse %d" % (len(g["versions"]), n, found, reused))
print("recommended:", g["recommended"] and g["recommended"]["seqno"], "alternatives:", [a["seqno"] for a in g["alternatives"]])
EOF
echo "lvmscan --json --no-evidence: CPU ${NO% *} s, wall ${NO#* } s (best of $RUNS)"
echo "lvmscan --json:               CPU ${YES% *} s, wall ${YES#* } s (best of $RUNS)"
python3 -c "print('evidence adds: %.2f s CPU' % (${YES% *} - ${NO% *}))"
