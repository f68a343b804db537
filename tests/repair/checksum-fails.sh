#!/usr/bin/env bash
# A compressed image one byte of which changed on its way (a flipped bit in
# storage or a copy). gzip: every byte decompresses, but the member holding
# the change does not give the CRC-32 its trailer records, and gzip -t says
# so.
# Which byte is wrong the checksum cannot say, so nothing read from that
# member is known to be right. fixtures/history/disk.img (real lvm2; 4 MiB
# extents from byte 1 MiB; truth/segs.json: lv1 on PE 0 and 2, lv4 on PE 4)
# gets seeded random data in its extents, so that deflate stores it and a
# flipped byte in the stored data changes one decompressed byte.
#   - gzip, one member: lvmscan exits 2 with that error, not a cut
#     ("TRUNCATED"), and names bytes 0 to the end as unsure; --extract lv4
#     writes the LV but exits 1 with a warning that all of its bytes came
#     from there; --export of seqno 15 (every copy there, none vouched
#     for by a slot's checksum) exits 1 warning so, of the committed seqno
#     16 exits 0, a --diff of both warns of 15 alone; --restore --output
#     exits 2 saying why and writes nothing.
#   - bgzip (BGZF: a member per 64 KiB), the flip inside lv1's PE 2: the
#     scan names that member's bytes alone (its place and size found by
#     walking the members' BSIZE and ISIZE fields here); --extract lv1 exits
#     1 warning of that many bytes in that range, and its copy differs from
#     the image's own extents (read with dd) in one byte only, so every
#     member after the bad one was read; --extract lv4 exits 0, equal to dd.
#   - xz -T1 (one block, xz's default here): liblzma decodes the stored
#     data on to the block's check, which fails: all of it decoded but is
#     unsure (were the damage noticed sooner, the rest of the block would
#     be unreadable; until 2026-12-07 none of it read): lvmscan says so;
#     --extract lv4 exits 1 warning that its bytes came from the unsure
#     range, and differs from dd in one byte at most.
#   - zstd from a pipe (one frame, its size not recorded): the image ends
#     where the frame broke off, and what it made before is unsure:
#     --extract lv4 exits 1 with that warning.
# Each tool missing: SKIPPED by name.
#
# usage: checksum-fails.sh PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline checksum_fails "$1" "$2"
T=$LR_TMP
R=$LR_BIN
S=$(dirname "$R")/lvmscan
[ -x "$S" ] || lr_fail "lvmscan not built beside $R"
FX=$LR_FIX/history
MIB=1048576
D=$T/disk.img
gzip -dc "$FX/disk.img.gz" > "$D" || lr_fail "cannot decompress $FX/disk.img.gz"
grep -q '"lv_name":"lv1".*"seg_pe_ranges":"disk:2-2"' "$FX/truth/segs.json" &&
    grep -q '"lv_name":"lv4".*"seg_pe_ranges":"disk:4-4"' "$FX/truth/segs.json" ||
    lr_fail "truth/segs.json: lv1 is not on PE 2 or lv4 not on PE 4"
python3 - "$D" <<'EOF' || lr_fail "cannot fill the extents"
import random, sys
r = random.Random(15)
with open(sys.argv[1], "r+b") as f:
    f.seek(1 << 20)
    f.write(r.randbytes(7 * (4 << 20)))
EOF
dd if="$D" of="$T/lv4.dd" bs=$MIB skip=17 count=4 status=none
{ dd if="$D" bs=$MIB skip=1 count=4 status=none; dd if="$D" bs=$MIB skip=9 count=4 status=none; } \
    > "$T/lv1.dd"

# flip FILE OFFSET: changes one bit of FILE at OFFSET
flip() {
    python3 - "$1" "$2" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)
    f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x10]))
EOF
}

# crc_error FILE: gzip's own view is a CRC error, not a format error
crc_error() {
    local out
    out=$(gzip -t "$1" 2>&1) && lr_fail "gzip -t finds no damage in $1"
    echo "$out" | grep -q "crc error" || lr_fail "gzip -t does not say crc error for $1: $out"
}

# scan_unsure TAG IMG START END: lvmscan exits 2 with the checksum error,
# names bytes START to END as unsure, and does not call the image cut
scan_unsure() {
    "$S" "$2" > "$T/out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] || lr_fail "$1: lvmscan exited $rc, not 2"
    grep -q "ERROR: .*$(basename "$2"): .*a member's bytes do not give the CRC-32 of its trailer" \
        "$T/out" || lr_fail "$1: lvmscan does not give the checksum error ($(head -12 "$T/out"))"
    grep -q "WARNING: bytes $3 to $4 decompress but do not give the CRC-32" "$T/out" ||
        lr_fail "$1: lvmscan does not name bytes $3 to $4 as unsure ($(head -12 "$T/out"))"
    grep -q "TRUNCATED" "$T/out" && lr_fail "$1: lvmscan calls the image truncated"
}

# extract_unsure TAG IMG LV N START END: --extract LV exits 1 warning that N
# of its bytes came from bytes START-END of IMG; the copy is $T/LV.TAG
extract_unsure() {
    "$R" --extract "$3" -o "$T/$3.$1" "$2" > /dev/null 2> "$T/err"
    local rc=$?
    [ $rc -eq 1 ] || lr_fail "$1: --extract $3 exited $rc, not 1 ($(cat "$T/err"))"
    grep -q "WARNING: LV $3: $4 of the bytes written were read from bytes $5-$6 of .*$(basename "$2")" \
        "$T/err" || lr_fail "$1: --extract $3 does not warn of the unsure bytes ($(cat "$T/err"))"
}

ran=0
# ---- one member -------------------------------------------------------------
if ! command -v gzip > /dev/null 2>&1; then
    echo "SKIPPED: checksum_fails gzip (not installed)"
else
    ran=1
    img=$T/one.img.gz
    gzip -1 -c "$D" > "$img" || lr_fail "gzip failed"
    flip "$img" $(($(stat -c %s "$img") / 2))
    crc_error "$img"
    scan_unsure gzip "$img" 0 33554431
    extract_unsure one "$img" lv4 4194304 0 33554431
    cmp -s "$T/lv4.one" "$T/lv4.dd" || lr_fail "gzip: lv4's copy is not the image's PE 4"
    # seqno 15's copies are all in those bytes, no slot vouching for them;
    # seqno 16 is the committed one, its slot's checksum matches
    "$R" --export seqno=15 -o "$T/e15.vg" "$img" > /dev/null 2> "$T/err"
    rc=$?
    [ $rc -eq 1 ] && grep -q "WARNING: every copy of seqno 15 was read from bytes its image decoded but cannot vouch for" "$T/err" ||
        lr_fail "gzip: --export seqno=15 exited $rc without the warning ($(cat "$T/err"))"
    "$R" --export seqno=16 -o "$T/e16.vg" "$img" > /dev/null 2> "$T/err" ||
        lr_fail "gzip: --export of the committed seqno 16 exited $? ($(cat "$T/err"))"
    # a diff shows what the texts say, warning of the one not vouched for
    "$R" --diff seqno=15 seqno=16 "$img" > "$T/out" 2> "$T/err" ||
        lr_fail "gzip: --diff exited $? ($(cat "$T/err"))"
    grep -q "WARNING: every copy of seqno 15 was read from bytes its image decoded but cannot vouch for" "$T/err" &&
        ! grep -q "copy of seqno 16" "$T/err" ||
        lr_fail "gzip: --diff does not warn of seqno 15 alone ($(cat "$T/err"))"

    mkdir "$T/copy"
    "$R" --restore seqno=15 --output "$T/copy" --yes "$img" > /dev/null 2> "$T/err"
    rc=$?
    [ $rc -eq 2 ] || lr_fail "gzip: --restore exited $rc, not 2"
    grep -q "some bytes of this one are not known to be right" "$T/err" ||
        lr_fail "gzip: --restore does not say why it refuses ($(cat "$T/err"))"
    [ -z "$(ls -A "$T/copy")" ] || lr_fail "gzip: --restore wrote into --output: $(ls "$T/copy")"
fi

# ---- BGZF: a member per 64 KiB ---------------------------------------------
if ! command -v bgzip > /dev/null 2>&1 || ! command -v gzip > /dev/null 2>&1; then
    echo "SKIPPED: checksum_fails bgzip (not installed)"
else
    ran=1
    img=$T/bgzf.img.gz
    bgzip -c "$D" > "$img" || lr_fail "bgzip failed"
    # the member holding decompressed byte 11 MiB (lv1's PE 2): its
    # compressed offset, decompressed range, and a byte well inside its
    # stored data (header 18 bytes, stored block header 5)
    read -r at start size < <(python3 - "$img" $((11 * MIB)) <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
want, pos, out = int(sys.argv[2]), 0, 0
while pos < len(data):
    assert data[pos:pos + 4] == b"\x1f\x8b\x08\x04", pos
    bsize = struct.unpack_from("<H", data, pos + 16)[0] + 1
    isize = struct.unpack_from("<I", data, pos + bsize - 4)[0]
    if out <= want < out + isize:
        print(pos, out, isize)
        break
    pos, out = pos + bsize, out + isize
EOF
)
    [ -n "${size:-}" ] && [ "$size" -gt 2000 ] || lr_fail "bgzip: no member found at 11 MiB"
    flip "$img" $((at + 23 + 1000))
    crc_error "$img"
    scan_unsure bgzip "$img" "$start" $((start + size - 1))
    extract_unsure bgzf "$img" lv1 "$size" "$start" $((start + size - 1))
    n=$(cmp -l "$T/lv1.bgzf" "$T/lv1.dd" | wc -l)
    [ "$n" -eq 1 ] || lr_fail "bgzip: lv1's copy differs from the image's extents in $n bytes, not 1"
    "$R" --extract lv4 -o "$T/lv4.bgzf" "$img" > /dev/null 2> "$T/err" ||
        lr_fail "bgzip: --extract lv4 exited $? ($(cat "$T/err"))"
    cmp -s "$T/lv4.bgzf" "$T/lv4.dd" || lr_fail "bgzip: lv4's copy is not the image's PE 4"
fi
# ---- xz, one block ----------------------------------------------------------
if ! command -v xz > /dev/null 2>&1; then
    echo "SKIPPED: checksum_fails xz (not installed)"
else
    ran=1
    img=$T/one.img.xz
    xz -T1 -1 -c "$D" > "$img" || lr_fail "xz failed"
    flip "$img" $(($(stat -c %s "$img") / 2))
    xz -t "$img" 2> /dev/null && lr_fail "xz -t finds no damage in $img"
    "$S" "$img" > "$T/out" 2>&1
    rc=$?
    [ $rc -eq 2 ] || lr_fail "xz: lvmscan exited $rc, not 2"
    # the block's check fails at its end (stored data decodes on), or
    # liblzma notices sooner: then the rest of the block is unreadable
    whole="one.img.xz: at byte [0-9]*: corrupt xz data in the block at compressed offset 12 (.*): its decompressed bytes 0 to 33554431 decoded, but are not known to be right"
    ok_re="one.img.xz: at byte [0-9]*: corrupt xz data in the block at compressed offset 12 (.*): its decompressed bytes \\([0-9]*\\) to 33554431 are unreadable (its bytes 0 to \\([0-9]*\\) before them decoded, not known to be right)"
    if grep -q "$whole" "$T/out"; then
        last=33554431
    else
        grep -q "$ok_re" "$T/out" || lr_fail "xz: lvmscan does not name the unsure and unreadable bytes ($(head -12 "$T/out"))"
        from=$(sed -n "s/.*$ok_re.*/\\1/p" "$T/out" | head -1)
        last=$(sed -n "s/.*$ok_re.*/\\2/p" "$T/out" | head -1)
        [ "$last" -eq $((from - 1)) ] && [ "$from" -gt $((21 * MIB)) ] ||
            lr_fail "xz: unsure 0-$last, unreadable from $from: lv4 (to 21 MiB) not all unsure"
    fi
    extract_unsure xz "$img" lv4 4194304 0 "$last"
    n=$(cmp -l "$T/lv4.xz" "$T/lv4.dd" | wc -l)
    [ "$n" -le 1 ] || lr_fail "xz: lv4's copy differs from the image's PE 4 in $n bytes"
fi
# ---- zstd from a pipe: one frame that records no size ------------------------
if ! command -v zstd > /dev/null 2>&1; then
    echo "SKIPPED: checksum_fails zstd (not installed)"
else
    ran=1
    img=$T/pipe.img.zst
    zstd -q -c < "$D" > "$img" || lr_fail "zstd failed"
    flip "$img" $(($(stat -c %s "$img") * 9 / 10))
    zstd -t -q "$img" 2> /dev/null && lr_fail "zstd -t finds no damage in $img"
    "$S" "$img" > "$T/out" 2>&1
    rc=$?
    [ $rc -eq 2 ] || lr_fail "zstd: lvmscan exited $rc, not 2"
    end=$(sed -n 's/.*pipe.img.zst: at byte [0-9]*: corrupt zstd data in the frame at compressed offset 0 (.*): the image ends there (\([0-9]*\) bytes decompressed).*/\1/p' "$T/out" | head -1)
    [ -n "$end" ] && [ "$end" -gt $((21 * MIB)) ] ||
        lr_fail "zstd: the image does not end at the damage past lv4 ($(head -12 "$T/out"))"
    # the frame's checksum could not vouch for what it made before it broke
    # off: until 2026-12-07 that was read as fact (extract exit 0, wrong byte)
    extract_unsure zst "$img" lv4 4194304 0 $((end - 1))
    n=$(cmp -l "$T/lv4.zst" "$T/lv4.dd" | wc -l)
    [ "$n" -le 1 ] || lr_fail "zstd: lv4's copy differs from the image's PE 4 in $n bytes"
fi
[ $ran -eq 1 ] || lr_skip "none of gzip, bgzip, xz and zstd installed"
echo "PASSED: checksum_fails"
