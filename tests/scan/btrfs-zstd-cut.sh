#!/usr/bin/env bash
# A backup file btrfs compressed with zstd whose frame starts just before
# one of the scan's 1 MiB buffer boundaries. zstd gives no byte before its
# whole first block, so when the frame's compressed bytes ran past what was
# left of the buffer its first bytes did not decode, and the file (and a
# version only it held) was missed with nothing said (until 2026-12-07).
# Real tools at run time: LVM2 writes the backup file of a VG whose LVs
# carry random tags (so that it compresses to more than the 4 KiB the
# buffers overlap by, under the 16 KiB zstd frames decoded by default),
# the kernel writes it into a btrfs mounted with compress=zstd. The image
# is padded with zeros in front so that the frame starts 8192, 4096, 1024
# and 512 bytes before a MiB boundary: lvmscan must find the same copies,
# at the same places in the filesystem, as in the image unpadded, and the
# copy must be the file LVM2 wrote.
#
# usage: btrfs-zstd-cut.sh LVMSCAN
# Needs root, losetup, lvm2, mkfs.btrfs, a kernel that mounts btrfs and
# python3; otherwise prints "SKIPPED: lvmscan_btrfs_zstd_cut (...)" and
# exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_btrfs_zstd_cut "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate lvcreate mkfs.btrfs mount umount python3 base64; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
T=$LR_TMP
D=$T/etc
mkdir -p "$T/mnt"
VG=hzc$$
lr_new_images 16M 1
lr_backups_on "$D"
lr_must pvcreate -y "${LR_NEW[0]}"
lr_must vgcreate -s 1m "$VG" "${LR_NEW[0]}"
for k in 1 2 3 4 5 6 7 8; do
    tags=()
    for j in 1 2 3 4 5 6 7 8 9 10; do
        tags+=(--addtag "t${k}_${j}_$(head -c 96 /dev/urandom | base64 -w0 | tr -dc a-zA-Z0-9 | head -c 80)")
    done
    lr_must lvcreate -an -Zn -y -l 1 -n "lv$k" "${tags[@]}" "$VG"
done
lr_detach_all
F=$D/backup/$VG
size=$(stat -c %s "$F")
[ "$size" -gt 8192 ] && [ "$size" -le 16384 ] || lr_fail "the backup file is $size bytes, not 8..16 KiB"
truncate -s 16M "$T/fs.img"
mkfs.btrfs -q -f -M "$T/fs.img" > /dev/null 2>&1 || lr_skip "mkfs.btrfs failed"
lr_attach "$T/fs.img"
mount -o compress=zstd "$LR_LAST_LOOP" "$T/mnt" 2> /dev/null || lr_skip "cannot mount a btrfs with compress=zstd"
cp "$F" "$T/mnt/$VG.vg" && sync
umount "$T/mnt" || lr_fail "umount"
lr_detach_all
x=$(python3 - "$T/fs.img" <<'EOF2'
import sys
d = open(sys.argv[1], "rb").read()
f = [o for o in range(0, len(d), 4096) if d[o:o + 4] == b"\x28\xb5\x2f\xfd"]
print(f[0] if len(f) == 1 else "")
EOF2
)
[ -n "$x" ] || lr_fail "not one zstd frame in the btrfs (the file was not compressed as one frame)"
"$LVMSCAN" --json "$T/fs.img" > "$T/plain.json" 2> /dev/null
python3 - "$T/plain.json" "$x" "$F" <<'EOF2' || lr_fail "the file is not found in the image unpadded"
import json, sys
d, x = json.load(open(sys.argv[1])), int(sys.argv[2])
text = open(sys.argv[3], "rb").read() + b"\0"
c = [c for c in d["copies"] if c["offset"] == x]
assert len(c) == 1 and not c[0]["partial"] and c[0]["length"] == len(text) - 1, c
assert c[0]["stored_length"] > 4096 + 1024, ("the frame is too small to cross a boundary", c[0])
EOF2
for before in 8192 4096 1024 512; do
    pad=$(( ((1048576 - before - x % 1048576) % 1048576 + 1048576) % 1048576 ))
    { head -c "$pad" /dev/zero; cat "$T/fs.img"; } > "$T/padded.img"
    "$LVMSCAN" --json "$T/padded.img" > "$T/padded.json" 2> /dev/null
    python3 - "$T/plain.json" "$T/padded.json" "$pad" <<'EOF2' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
pad = int(sys.argv[3])
key = lambda c, d: (c["seqno"], c["offset"] - d, c["length"], c["crc"], c["partial"])
want = sorted(key(c, 0) for c in a["copies"])
got = sorted(key(c, pad) for c in b["copies"])
assert want and got == want, ("missing", sorted(set(want) - set(got)), "extra", sorted(set(got) - set(want)))
EOF2
        lr_fail "the frame $before bytes before a MiB boundary: not the copies of the image unpadded"
done
echo "PASSED: lvmscan_btrfs_zstd_cut (a $size-byte backup file's zstd frame at 4 places before a MiB boundary)"
