#!/usr/bin/env bash
# Backup files read on from their first block (real tools at run time):
# LVM2 writes its archive and backup files into an ext4 without a journal,
# mounted from an LV of the VG it changes, 40 rounds of lvcreate, lvrename
# and lvremove over a metadata area so small that the ring keeps only the
# last few versions. /etc/lvm/backup's file is written anew at each change:
# its old copies are deleted files no inode or journal record describes,
# read on from their first block. Their later blocks were often given to
# the next file since, and such a text can still parse: it passed for a
# second version of its seqno (the VG "conflicts", a version LVM2 never
# wrote, restorable) until 2026-12-08. Now a text read on so that differs
# from a copy of its seqno the image vouches for (the ring's, a live file
# read by its inode) after its first block is partial and joins that
# version. Checked against the archive files LVM2 wrote (copied out
# before the filesystem was unmounted): every seqno they hold is one
# version, with their LVs; no VG conflicts.
# Whether the kernel gives a deleted file's blocks to the next one varies
# from run to run, so two such texts are also laid by hand into free
# blocks of the filesystem, as a deleted file's lie: seqno A's archive
# text whose later blocks name an LV otherwise (partial, joins A's
# version), and seqno B's whose first block does (a conflict its own
# bytes show: B conflicts, the VG with it).
#
# usage: read-on.sh LVMSCAN
# Needs root, losetup, lvm2, mkfs.ext4, a kernel that mounts ext4 and
# python3; otherwise prints "SKIPPED: lvmscan_read_on (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_read_on "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate lvcreate lvrename lvremove pvs lvs mkfs.ext4 mount umount python3; do
    command -v $t > /dev/null 2>&1 || lr_skip "no $t"
done
T=$LR_TMP
VG=hro$$
lr_new_images 256M 1
lr_must pvcreate -y --dataalignment 64k --metadatasize 32k "${LR_NEW[0]}"
lr_must vgcreate -s 1m "$VG" "${LR_NEW[0]}"
lr_must lvcreate -an -Zn -y -L 64M -n fs "$VG"
lr_must pvs --noheadings --units b --nosuffix -o pe_start "${LR_NEW[0]}"
pe=$(echo $LR_OUT | tr -dc 0-9)
lr_must lvs --noheadings -o seg_pe_ranges "$VG/fs"
first=$(echo "$LR_OUT" | sed -n 's/.*:\([0-9]*\)-.*/\1/p' | head -1)
[ -n "$pe" ] && [ -n "$first" ] || lr_fail "no place for the LV fs ($pe, $LR_OUT)"
fs=$(losetup -f --show -o $((pe + first * 1048576)) --sizelimit 64M "$T/pv1.img" 2> /dev/null) ||
    lr_skip "losetup -o could not attach"
LR_LOOPS+=("$fs")
lr_make_cfg
mkfs.ext4 -q -O ^has_journal -b 4096 "$fs" > /dev/null 2>&1 || lr_skip "mkfs.ext4 failed"
mkdir -p "$T/mnt"
mount "$fs" "$T/mnt" 2> /dev/null || lr_skip "cannot mount an ext4"
lr_backups_on "$T/mnt/lvm"
for i in $(seq 1 40); do
    lr_lvm lvcreate -an -Zn -y -L 4M -n "t$i" "$VG" &&
        lr_lvm lvrename "$VG" "t$i" "r$i" &&
        { [ $((i % 3)) != 0 ] || lr_lvm lvremove -y "$VG/r$i"; } ||
        { umount "$T/mnt"; lr_fail "round $i: $LR_OUT"; }
done
cp -a "$T/mnt/lvm" "$T/truth"
sync
umount "$T/mnt" || lr_fail "umount"
free=$(dumpe2fs "$fs" 2> /dev/null | sed -n 's/^  Free blocks: //p' | tr ',' '\n' | tr -d ' ')
lr_detach_all
"$LVMSCAN" --json "$T/pv1.img" > "$T/scan.json" 2> "$T/err" || lr_fail "lvmscan exited $? ($(cat "$T/err"))"
# the texts laid by hand: archive files of seqnos A and B, an LV's name
# changed (same length) past the first 4 KiB block, or within it
cp "$T/pv1.img" "$T/laid.img"
python3 - "$T/laid.img" $((pe + first * 1048576)) "$T/truth" "$free" > "$T/laid" << 'PY' ||
import glob, re, sys
img, base, truth, free = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split()
runs = []
for r in free:
    a, _, b = r.partition("-")
    a, b = int(a), int(b or a)
    if b - a + 1 >= 8:
        runs.append(a)
assert len(runs) >= 2, free
texts = {}
for f in glob.glob(truth + "/archive/*.vg"):
    t = open(f, "rb").read()
    texts[int(re.search(rb"^\tseqno = (\d+)$", t, re.M).group(1))] = t
out = open(img, "r+b")
for n, (seqno, t) in enumerate(sorted((s, t) for s, t in texts.items() if 8192 < len(t) < 28000)[-2:]):
    names = [m for m in re.finditer(rb"^\t\t([rt]\d+) \{$", t, re.M)]
    pick = [m for m in names if (m.start(1) > 4096) == (n == 0)][0]
    name = pick.group(1)
    t = t[:pick.start(1)] + b"x" + name[1:] + t[pick.end(1):]
    out.seek(base + runs[n] * 4096)
    out.write(t + b"\0" * (4096 - len(t) % 4096))
    print(seqno, base + runs[n] * 4096, name.decode())
PY
    lr_fail "cannot lay the texts"
read -r sa offa _ < <(sed -n 1p "$T/laid")
read -r sb offb _ < <(sed -n 2p "$T/laid")
"$LVMSCAN" --json "$T/laid.img" > "$T/laid.json" 2> "$T/err" || lr_fail "lvmscan (laid) exited $? ($(cat "$T/err"))"
python3 - "$T/laid.json" "$sa" "$offa" "$sb" "$offb" << 'PY' || lr_fail "the texts laid by hand are not told apart"
import json, sys
d = json.load(open(sys.argv[1]))
vg = d["vgs"][0]
sa, offa, sb, offb = (int(x) for x in sys.argv[2:6])
ca = [i for i, c in enumerate(d["copies"]) if c["offset"] == offa]
cb = [i for i, c in enumerate(d["copies"]) if c["offset"] == offb]
assert len(ca) == 1 and len(cb) == 1, (ca, cb)
a, b = d["copies"][ca[0]], d["copies"][cb[0]]
assert a["partial"] and "its first block agrees with seqno %d's copy" % sa in a["parse_error"], a
va = [v for v in vg["versions"] if v["seqno"] == sa]
assert len(va) == 1 and va[0]["complete"] and ca[0] in va[0]["copies"], va
assert not b["partial"] and b["seqno"] == sb, b
vb = [v for v in vg["versions"] if v["seqno"] == sb]
assert len(vb) == 2 and all(v["conflict"] for v in vb), vb
assert vg["status"] == ["conflicts"], vg["status"]
PY
python3 - "$T/scan.json" "$T/truth" << 'PY' || lr_fail "the history is not LVM2's"
import glob, json, re, sys
d = json.load(open(sys.argv[1]))
vg = d["vgs"][0]
truth = {}
for f in glob.glob(sys.argv[2] + "/archive/*.vg") + glob.glob(sys.argv[2] + "/backup/*"):
    t = open(f).read()
    seqno = int(re.search(r"^\tseqno = (\d+)$", t, re.M).group(1))
    lvs = t[t.index("\tlogical_volumes {"):]
    truth[seqno] = set(re.findall(r"^\t\t(\w+) \{$", lvs, re.M))
assert vg["status"] == ["consistent"], vg["status"]
for seqno, lvs in sorted(truth.items()):
    v = [v for v in vg["versions"] if v["seqno"] == seqno]
    assert len(v) == 1 and v[0]["complete"] and not v[0]["conflict"], (seqno, v)
    got = set(l["name"] for l in v[0]["logical_volumes"])
    assert got == lvs, (seqno, got ^ lvs)
assert len(truth) > 80, len(truth)
read_on = [c for c in d["copies"] if c["parse_error"] and "its first block agrees" in c["parse_error"]]
assert all(c["partial"] for c in read_on), read_on
print("%d seqnos as LVM2 wrote them; %d texts read on past their first block joined as partial"
      % (len(truth), len(read_on)))
PY
echo "PASSED: lvmscan_read_on"
