#!/bin/bash
# extract-snap.sh LVMREPAIR FIXTURES - --extract of old-style snapshots of
# fixtures/snap (metadata loaded by real LVM2, COW exception stores written
# by fixtures/make-snap.py following dm-snap-persistent.c, independently of
# lvmrescue): each snapshot, named as lvs shows it (its COW LV) or by its
# hidden snapshotN LV, must equal the origin with the copied chunks put
# back; the fill is reported; an invalid snapshot and damaged stores are
# refused with nothing written. No root needed; python3 makes the patterns.
set -u
BIN=$1
FIX=$2/snap
MK=$2/make-snap.py
. "$(dirname "$0")/extract-lib.sh"

for lv in data snap1 snap3; do
    python3 "$MK" pattern "$lv" >"$T/want"
    run 0 "$lv" "$FIX/pv0.img.gz" && { cmp -s "$T/out" "$T/want" || fail "$lv: extracted data differs"; }
done
grep -q "snap3: snapshot of data (snapshot2, COW LV snap3, chunk 8 sectors): 300 chunks copied; COW 303 of 320 chunks used (94.7%)" "$T/stderr" ||
    fail "snap3: fill not reported: $(cat "$T/stderr")"
python3 "$MK" pattern snap1 >"$T/want"
run 0 snapshot0 "$FIX/pv0.img.gz" && { cmp -s "$T/out" "$T/want" || fail "snapshot0 differs from snap1"; }

run 1 snap2 "$FIX/pv0.img.gz" && {
    grep -q "snapshot1 (COW LV snap2) is marked invalid" "$T/stderr" || fail "snap2: $(cat "$T/stderr")"
    [ -e "$T/out" ] && fail "snap2: output written"
}

# damaged stores, on a copy: snap1's COW starts at extent 32 (1 MiB + 32 * 64 KiB)
gzip -dc "$FIX/pv0.img.gz" >"$T/pv0.img"
cow=$((1048576 + 32 * 65536))
cp "$T/pv0.img" "$T/bad.img"
# first exception of area 0 (chunk 1): new_chunk far outside the COW LV
printf '\x9f\x86\x01\x00\x00\x00\x00\x00' | dd of="$T/bad.img" bs=1 seek=$((cow + 4096 + 8)) conv=notrunc status=none
run 2 snap1 "$T/bad.img" && {
    grep -q "points outside the COW LV" "$T/stderr" || fail "bad exception: $(cat "$T/stderr")"
    [ -e "$T/out" ] && fail "bad exception: output written"
}
cp "$T/pv0.img" "$T/bad.img"
dd if=/dev/zero of="$T/bad.img" bs=512 count=1 seek=$((cow / 512)) conv=notrunc status=none
run 2 snap1 "$T/bad.img" && { grep -q "snap1.*no snapshot header" "$T/stderr" ||
    fail "zeroed header: $(cat "$T/stderr")"; }

finish
