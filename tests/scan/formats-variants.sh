#!/usr/bin/env bash
# The variants of each container format that real tools write, made at
# test time by the tools on this machine (qemu-img, qemu-io, gdb, ewfacquire,
# ewfacquirestream, split) from fixtures/history/disk.img.gz with patterned
# data (random, repeated, zero and text 64 KiB runs) written over 12-28 MiB:
#  - each is read through lr_io as its own tool reads it back (qemu-img
#    convert -O raw, ewfexport, cat) and lvmscan --json finds in it what it
#    finds in that raw image (every key but "images");
#  - qcow2 chains (backing files named relative, absolute, raw with -F raw,
#    in another directory, three deep, zero and discarded clusters in the
#    overlay, an overlay larger than its base, 512-byte over 2 MiB
#    clusters) are read in forward and in reverse odd-sized reads: libqcow
#    reads these wrongly, our cluster map (core/src/io_qcow.c) must not;
#  - a VHDX whose 1 MiB log wrapped, left unreplayed by qemu-io killed
#    under gdb mid-write, reads as qemu reads it once it replayed the log;
#  - an EWF set missing a middle segment, or with one cut in half, is read
#    up to it (the PV found), the rest unreadable and named (for the cut
#    one, exactly the sectors ewfexport reports as read errors), exit 2;
#  - an E01 whose compressed chunk 0 was damaged since is read (as zeros
#    there, as libewf gives it) with a warning naming its bytes, as
#    ewfverify names its sectors;
#  - what libqcow cannot read (zstd clusters, extended L2, an external data
#    file, the corrupt bit, LUKS, qemu-img's qcow version 1 overlays), a VMDK sparse extent given instead of its
#    descriptor, a split set missing a
#    middle segment or given by its second are refused by name, exit 2.
# A tool that is missing SKIPs its group by name (the test still runs the
# others; it reports SKIPPED when none could run).
# usage: formats-variants.sh LVMSCAN LR_CAT FIXTURES_DIR
set -u
LVMSCAN=$1
LR_CAT=$2
FIX=$3
if ! command -v python3 > /dev/null; then
    echo "SKIPPED: image-formats-variants needs python3"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ran=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
have() { # TOOL...: 0 when all exist, else SKIPPED names the group
    local t
    for t in "$@"; do
        command -v "$t" > /dev/null || {
            echo "SKIPPED: $GROUP (no $t)"
            return 1
        }
    done
    ran=$((ran + 1))
}

gzip -dc "$FIX/history/disk.img.gz" > "$T/disk.img"
python3 - "$T/disk.img" << 'PY'
import random, sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
r = random.Random(15)
for off in range(12 << 20, 28 << 20, 65536):
    k = (off >> 16) % 4
    if k == 0:
        blk = bytes(r.getrandbits(8) for _ in range(65536))
    elif k == 1:
        blk = bytes([(off >> 16) & 255]) * 65536
    elif k == 2:
        blk = bytes(65536)
    else:
        blk = ((b"LVMRESCUE-%08x" % off) * 3641)[:65536]
    d[off:off + 65536] = blk
open(p, "wb").write(d)
PY

# same(IMAGE TRUTH NAME [reverse]): our bytes of IMAGE are TRUTH's (the
# tool's own raw reading), and lvmscan finds in IMAGE what it finds in TRUTH
same() {
    local img=$1 truth=$2 name=$3 order
    for order in forward ${4:-}; do
        local arg=
        [ "$order" = reverse ] && arg=reverse
        if ! "$LR_CAT" "$img" "$T/out.raw" $arg > /dev/null 2> "$T/err"; then
            bad "$name ($order): lr_cat failed: $(cat "$T/err")"
            return
        fi
        cmp -s "$T/out.raw" "$truth" && ok ||
            bad "$name ($order): our bytes differ from the tool's ($(cmp "$T/out.raw" "$truth" 2>&1 | head -1))"
    done
    scan_same "$img" "$truth" "$name"
}

# scan_same(IMAGE RAW NAME): lvmscan finds in IMAGE what it finds in RAW
scan_same() {
    local img=$1 truth=$2 name=$3
    "$LVMSCAN" --json "$truth" > "$T/want.json" 2> /dev/null
    "$LVMSCAN" --json "$img" > "$T/got.json" 2> "$T/err" || {
        bad "$name: lvmscan failed: $(cat "$T/err")"
        return
    }
    python3 - "$T/want.json" "$T/got.json" << 'PY' && ok || bad "$name: lvmscan finds other things than in the tool's raw image"
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert im["error"] is None and im["scanned"] == im["size"], im
want.pop("images"), got.pop("images")
assert want == got, [k for k in want if want[k] != got.get(k)]
assert len(got["vgs"]) == 1
PY
}

# refused(IMAGE PATTERN NAME): lvmscan exits 2 naming IMAGE and PATTERN
refused() {
    "$LVMSCAN" --json "$1" > /dev/null 2> "$T/err"
    local rc=$?
    [ $rc = 2 ] && ok || bad "$3: exit $rc, want 2 ($(cat "$T/err"))"
    grep -q -- "$1: .*$2" "$T/err" && ok || bad "$3: stderr lacks '$2': $(cat "$T/err")"
}

qraw() { qemu-img convert -f "$1" -O raw "$2" "$3"; }

# ---- qcow2 as qemu-img writes it --------------------------------------------------
GROUP="qcow2"
if have qemu-img qemu-io; then
    mkdir "$T/q"
    for v in "v2:-o compat=0.10" "v3:-o compat=1.1" "c512:-o cluster_size=512" "c2m:-o cluster_size=2M" \
        "zlib:-c" "v2zlib:-c -o compat=0.10" "c2mzlib:-c -o cluster_size=2M" "lazy:-o lazy_refcounts=on" \
        "pmeta:-o preallocation=metadata" "pfull:-o preallocation=full"; do
        name=${v%%:*}
        # shellcheck disable=SC2086 # the options are words
        qemu-img convert -f raw -O qcow2 ${v#*:} "$T/disk.img" "$T/q/$name.qcow2"
        same "$T/q/$name.qcow2" "$T/disk.img" "qcow2 $name"
    done
    qemu-img convert -f raw -O qcow "$T/disk.img" "$T/q/v1.qcow"
    same "$T/q/v1.qcow" "$T/disk.img" "qcow version 1"
    # a dirty image (lazy refcounts, qemu-io killed after a write)
    qemu-img convert -f raw -O qcow2 -o lazy_refcounts=on "$T/disk.img" "$T/q/dirty.qcow2"
    (qemu-io -c 'write -P 0xab 30M 64k' -c abort "$T/q/dirty.qcow2" > /dev/null 2>&1; true) 2> /dev/null
    qraw qcow2 "$T/q/dirty.qcow2" "$T/q/dirty.raw"
    cmp -s "$T/q/dirty.raw" "$T/disk.img" && bad "qcow2 dirty: qemu-io's write was lost"
    same "$T/q/dirty.qcow2" "$T/q/dirty.raw" "qcow2 dirty"

    # chains: overlays written by qemu-io, read forward and backwards
    C=$T/q/chain
    mkdir -p "$C/sub"
    cp "$T/disk.img" "$C/base.raw"
    qemu-img convert -f raw -O qcow2 -o cluster_size=2M "$T/disk.img" "$C/base.qcow2"
    overlay() { # NAME BACKING FMT QEMU-IO-COMMANDS... (more qemu-img options in OPTS)
        local n=$1 b=$2 f=$3
        shift 3
        # shellcheck disable=SC2086
        qemu-img create -q -f qcow2 -b "$b" -F "$f" ${OPTS:-} "$C/$n.qcow2" ${SIZE:-} &&
            for c in "$@"; do qemu-io -f qcow2 -c "$c" "$C/$n.qcow2" > /dev/null || return 1; done
    }
    overlay rel base.qcow2 qcow2 'write -P 0x5a 20M 1M' 'write -P 0x11 4096 512'
    overlay abs "$C/base.qcow2" qcow2 'write -P 0x5b 21M 1M'
    overlay rawb base.raw raw 'write -P 0x5c 22M 1M' 'write -P 0x12 4608 512'
    overlay sub/rawrel ../base.raw raw 'write -P 0x5d 23M 4k'
    OPTS="-o cluster_size=512" overlay small rel.qcow2 qcow2 'write -P 0x77 25M 3k'
    OPTS="-o compat=0.10" overlay v2 base.qcow2 qcow2 'write -P 0x78 26M 8k'
    overlay zeros base.qcow2 qcow2 'write -z 12M 128k' 'write -P 0x33 13M 64k' 'discard 13172736 64k'
    SIZE=48M overlay big base.qcow2 qcow2 'write -P 0x79 40M 8k'
    for n in rel abs rawb sub/rawrel small v2 zeros big; do
        qraw qcow2 "$C/$n.qcow2" "$C/$n.raw"
        cmp -s "$C/$n.raw" "$T/disk.img" && bad "qcow2 chain $n: qemu-io wrote nothing"
        same "$C/$n.qcow2" "$C/$n.raw" "qcow2 chain $n" reverse
    done
    # a chain moved elsewhere: the absolute name is looked for beside it
    mkdir "$T/q/moved"
    cp "$C/abs.qcow2" "$C/base.qcow2" "$T/q/moved/"
    mv "$C/base.qcow2" "$C/base.qcow2.away"
    same "$T/q/moved/abs.qcow2" "$C/abs.raw" "qcow2 chain moved"
    refused "$C/rel.qcow2" "its backing file base.qcow2 is missing" "qcow2 chain without its base"
    mv "$C/base.qcow2.away" "$C/base.qcow2"
    # a backing file recorded raw that holds a qcow image: qemu reads it raw
    qemu-img create -q -f qcow2 -b base.qcow2 -F raw "$C/lies.qcow2"
    refused "$C/lies.qcow2" "is recorded as a raw image but holds a qcow image" "qcow2 -F raw over qcow2"

    # qemu-img's qcow (version 1) overlays have L2 tables larger than a
    # cluster, which libqcow misreads
    qemu-img create -q -f qcow -b base.qcow2 -F qcow2 "$C/v1.qcow"
    refused "$C/v1.qcow" "has L2 tables of 2^12 entries in clusters of 2^9 bytes, which libqcow misreads" \
        "qcow version 1 overlay"
    # what libqcow cannot read, refused by name
    qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd "$T/disk.img" "$T/q/zstd.qcow2" 2> /dev/null &&
        refused "$T/q/zstd.qcow2" "libqcow cannot read: its clusters are compressed with zstd" "qcow2 zstd"
    qemu-img create -q -f qcow2 -b zstd.qcow2 -F qcow2 "$T/q/over-zstd.qcow2" &&
        refused "$T/q/over-zstd.qcow2" "its backing file .*zstd.qcow2 is a qcow2 image that libqcow cannot read: its clusters are compressed with zstd" \
            "qcow2 over a zstd base"
    qemu-img convert -f raw -O qcow2 -o extended_l2=on "$T/disk.img" "$T/q/ext.qcow2" &&
        refused "$T/q/ext.qcow2" "libqcow cannot read: it has extended L2 entries" "qcow2 extended_l2"
    qemu-img convert -f raw -O qcow2 -o data_file="$T/q/ext.data" "$T/disk.img" "$T/q/df.qcow2"
    refused "$T/q/df.qcow2" "libqcow cannot read: its data is in an external data file" "qcow2 data_file"
    cp "$T/q/v3.qcow2" "$T/q/corrupt.qcow2" # qemu sets bit 1 when it finds damage
    printf '\x02' | dd of="$T/q/corrupt.qcow2" bs=1 seek=79 conv=notrunc 2> /dev/null
    qemu-img info "$T/q/corrupt.qcow2" | grep -q 'corrupt: true' && ok || bad "qcow2 corrupt bit not set"
    refused "$T/q/corrupt.qcow2" "libqcow cannot read: it is marked corrupt" "qcow2 corrupt"
    qemu-img convert -f raw -O qcow2 --object secret,id=s0,data=pw -o encrypt.format=luks,encrypt.key-secret=s0 \
        "$T/disk.img" "$T/q/luks.qcow2" &&
        refused "$T/q/luks.qcow2" "an encrypted qcow2 image: not supported" "qcow2 luks"
fi

# ---- VMDK, VHD and VHDX as qemu-img writes them -----------------------------------
GROUP="vmdk-vhd"
if have qemu-img; then
    mkdir "$T/v"
    for v in "vmdk:sparse:-o subformat=monolithicSparse" "vmdk:flat:-o subformat=monolithicFlat" \
        "vmdk:s2g:-o subformat=twoGbMaxExtentSparse" "vmdk:f2g:-o subformat=twoGbMaxExtentFlat" \
        "vmdk:stream:-o subformat=streamOptimized" "vmdk:ide:-o adapter_type=ide,hwversion=6" \
        "vmdk:zg:-o zeroed_grain=on" "vmdk:c6:-o compat6" \
        "vpc:dyn:-o subformat=dynamic" "vpc:fix:-o subformat=fixed" "vpc:dynfs:-o subformat=dynamic,force_size=on" \
        "vpc:fixfs:-o subformat=fixed,force_size=on" "vhdx:dyn:-o subformat=dynamic" \
        "vhdx:fix:-o subformat=fixed" "vhdx:b1:-o block_size=1M" "vhdx:b256:-o block_size=256M" \
        "vhdx:log:-o log_size=8M,block_state_zero=off"; do
        IFS=: read -r fmt name opts <<< "$v"
        mkdir "$T/v/$fmt-$name"
        img=$T/v/$fmt-$name/d.$fmt
        # shellcheck disable=SC2086
        qemu-img convert -f raw -O "$fmt" $opts "$T/disk.img" "$img"
        qraw "$fmt" "$img" "$T/v/$fmt-$name.raw"
        # VHD geometry rounds the size up: the tool's bytes past ours are zeros
        truncate -s "$(stat -c %s "$T/disk.img")" "$T/v/$fmt-$name.raw"
        "$LR_CAT" "$img" "$T/whole.raw" > /dev/null 2>&1
        [ -z "$(tail -c +$(($(stat -c %s "$T/disk.img") + 1)) "$T/whole.raw" | tr -d '\0' | head -c 1)" ] &&
            ok || bad "$fmt $name: bytes past the raw image are not zeros"
        truncate -s "$(stat -c %s "$T/disk.img")" "$T/whole.raw"
        cmp -s "$T/whole.raw" "$T/v/$fmt-$name.raw" && ok || bad "$fmt $name: our bytes differ from qemu-img's"
        cmp -s "$T/disk.img" "$T/v/$fmt-$name.raw" && ok || bad "$fmt $name: qemu-img's bytes are not the image's"
        scan_same "$img" "$T/disk.img" "$fmt $name"
    done
    # one extent of a split sparse set, given instead of its descriptor
    refused "$T/v/vmdk-s2g/d-s001.vmdk" "a sparse extent of a split VMDK (it holds no descriptor)" "vmdk extent"
fi

# ---- a VHDX whose log wrapped, left unreplayed (qemu-io killed) --------------------
# A 160 MiB dynamic VHDX (1 MiB blocks, the smallest log: 1 MiB): qemu-io
# writes 128 MiB of patterns at 32 MiB (128 block allocations, each a log
# entry of 8 KiB: the log wraps), then the image over the first 32 MiB;
# gdb kills it as it enters the BAT sector's pwrite64 of that first block,
# so block 0 (the PV label and ring) is allocated only in the log's last
# entry, past the wrap (and blocks 1-31 are never written). Our bytes must be qemu's after qemu-img check -r
# all replayed the log (on a copy), lvmscan's findings those of that raw
# image, with the warning; the file must not change.
GROUP="vhdx-log"
if have qemu-img qemu-io gdb; then
    mkdir "$T/x"
    python3 -c "
import sys
with open(sys.argv[1], 'wb') as f:
    for i in range(128):
        f.write(bytes([i % 251 + 1]) * (1 << 20))
" "$T/x/pattern.raw"
    qemu-img create -q -f vhdx -o subformat=dynamic,block_size=1M,log_size=1M "$T/x/w.vhdx" 160M
    bat=$(python3 -c "
import struct, sys, uuid
f = open(sys.argv[1], 'rb').read()
g = uuid.UUID('2DC27766-F623-4200-9D64-115E9BFD4A08').bytes_le
rt = f[192 << 10:(192 << 10) + 65536]
print([struct.unpack_from('<Q', rt, 32 * i + 32)[0] for i in range(struct.unpack_from('<I', rt, 8)[0])
       if rt[16 + 32 * i:32 + 32 * i] == g][0])
" "$T/x/w.vhdx")
    # a syscall catchpoint stops at each call and return: 128 calls skipped
    timeout 300 gdb -q -batch -ex 'set pagination off' -ex 'catch syscall pwrite64' \
        -ex "condition 1 \$r10 == $bat" -ex 'ignore 1 256' -ex run -ex kill \
        --args qemu-io -c "write -s $T/x/pattern.raw 32M 128M" -c "write -s $T/disk.img 0 32M" \
        "$T/x/w.vhdx" > "$T/x/gdb.log" 2>&1
    cp "$T/x/w.vhdx" "$T/x/replayed.vhdx"
    qemu-img check -q -r all "$T/x/replayed.vhdx" > /dev/null 2>&1
    if ! grep -q "Catchpoint 1" "$T/x/gdb.log" || ! qemu-img convert -O raw "$T/x/replayed.vhdx" "$T/x/want.raw"; then
        bad "vhdx-log: qemu-io was not stopped at the BAT write, or qemu cannot replay ($(tail -2 "$T/x/gdb.log"))"
    else
        # block 0 (written, then the kill: blocks 1-31 never were) is the
        # image's first MiB once replayed, and only the log says so
        cmp -s <(head -c 1M "$T/x/want.raw") <(head -c 1M "$T/disk.img") && ok ||
            bad "vhdx-log: qemu's replay does not give block 0 back: not the case under test"
        qemu-img convert -O raw "$T/x/w.vhdx" "$T/x/ro.raw" 2> "$T/err" &&
            bad "vhdx-log: qemu-img read the file without replaying its log"
        before=$(sha256sum < "$T/x/w.vhdx")
        same "$T/x/w.vhdx" "$T/x/want.raw" "vhdx wrapped log" reverse
        "$LVMSCAN" "$T/x/w.vhdx" 2>&1 > /dev/null | grep -q "log holds 1 metadata write not yet applied" &&
            ok || bad "vhdx-log: no warning that the log was replayed"
        [ "$(sha256sum < "$T/x/w.vhdx")" = "$before" ] && ok || bad "vhdx-log: the file was written"
    fi
fi

# ---- EWF as ewfacquire writes it ----------------------------------------------------
GROUP="ewf"
if have ewfacquire ewfexport; then
    mkdir "$T/e"
    for v in "ewf:-f ewf -c fast" "smart:-f smart -c fast" "ftk:-f ftk -c best" "encase2:-f encase2 -c fast" \
        "encase5:-f encase5 -c fast" "encase6:-f encase6 -c none" "encase7:-f encase7 -c best" \
        "linen5:-f linen5 -c fast" "linen7:-f linen7 -c fast" "ewfx:-f ewfx -c fast" \
        "empty:-c empty-block" "b16:-b 16 -c fast" "b32k:-b 32768 -c best" "segs:-S 1M -c none"; do
        name=${v%%:*}
        mkdir "$T/e/$name"
        # shellcheck disable=SC2086
        ewfacquire -u -q -t "$T/e/$name/d" ${v#*:} "$T/disk.img" > /dev/null 2>&1 ||
            { bad "ewfacquire $name failed"; continue; }
        first=$(find "$T/e/$name" -name 'd.[EesL]01' | head -1)
        ewfexport -u -q -f raw -t "$T/e/$name.out" "$first" > /dev/null 2>&1
        cmp -s "$T/e/$name.out.raw" "$T/disk.img" && ok || bad "ewf $name: ewfexport's bytes are not the image's"
        same "$first" "$T/e/$name.out.raw" "ewf $name"
    done
    # a set with its 10th segment cut in half (a copy cut short): the
    # chunks libewf cannot read are those ewfexport reports as read errors
    # (libewf loses the later segments' chunks too), and only those
    cp -r "$T/e/segs" "$T/e/cut"
    truncate -s "$(($(stat -c %s "$T/e/cut/d.E10") / 2))" "$T/e/cut/d.E10"
    "$LVMSCAN" --json "$T/e/cut/d.E01" > "$T/got.json" 2> /dev/null
    ewfexport -u -q -f raw -t "$T/e/cut.out" "$T/e/cut/d.E01" > "$T/e/cut.log" 2>&1
    want=$(awk '/Read errors during export/ { on = 1 } on && /at sector\(s\):/ { print $3 * 512, ($5 + 1) * 512; exit }' "$T/e/cut.log")
    python3 - "$T/got.json" $want << 'PY' && ok || bad "ewf cut segment: not the chunks ewfexport cannot read ($want)"
import json, re, sys
d = json.load(open(sys.argv[1]))
start, end = int(sys.argv[2]), int(sys.argv[3])
im = d["images"][0]
m = re.search(r"bytes (\d+)-(\d+) are unreadable", im["error"] or "")
assert m and (int(m.group(1)), int(m.group(2)) + 1) == (start, end), (im["error"], start, end)
assert im["unreadable"] == end - start and im["scanned"] == im["size"], im
assert len(d["labels"]) == 1 and len(d["vgs"]) == 1, d["labels"]
PY
    # a set missing a middle segment: read up to it (the PV, in the first
    # MiB, is found), the rest unreadable, named, exit 2
    rm "$T/e/segs/d.E07"
    refused "$T/e/segs/d.E01" "corrupted or incomplete (6 found; the next one, .*/d.E07, does not exist)" \
        "ewf missing segment"
    "$LVMSCAN" --json "$T/e/segs/d.E01" > "$T/got.json" 2> /dev/null
    python3 - "$T/got.json" << 'PY' && ok || bad "ewf missing segment: not read up to the missing segment"
import json, sys
d = json.load(open(sys.argv[1]))
im = d["images"][0]
assert im["error"] and "are unreadable" in im["error"], im
assert 0 < im["unreadable"] < im["size"] - 5 * 2**20 and im["scanned"] == im["size"], im
assert len(d["labels"]) == 1 and len(d["vgs"]) == 1, d["labels"]
PY
    # a compressed chunk damaged since (one byte of chunk 0's deflate data
    # flipped, made by hand): it no longer decompresses and reads as zeros,
    # and lvmscan says which bytes, as ewfverify names the sectors
    cp "$T/e/encase7/d.E01" "$T/e/flipped.E01"
    python3 - "$T/e/flipped.E01" << 'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[d.find(b"\x78\xda") + 30] ^= 0x55  # chunk 0: the first deflate stream (-c best)
open(sys.argv[1], "wb").write(d)
PY
    "$LVMSCAN" "$T/e/flipped.E01" > /dev/null 2> "$T/err"
    grep -q "bytes 0-32767 (sectors 0-63) fail their chunk's checksum" "$T/err" && ok ||
        bad "ewf flipped: no warning naming chunk 0 ($(cat "$T/err"))"
    if command -v ewfverify > /dev/null; then
        ewfverify -q "$T/e/flipped.E01" 2>&1 | grep -q "at sector(s): 0 - 63 " && ok ||
            bad "ewf flipped: ewfverify does not name sectors 0-63"
    fi
    if command -v ewfacquirestream > /dev/null; then
        mkdir "$T/e/stream"
        ewfacquirestream -q -t "$T/e/stream/d" -c fast -S 1M < "$T/disk.img" > /dev/null 2>&1
        same "$T/e/stream/d.E01" "$T/disk.img" "ewfacquirestream"
    fi
fi

# ---- split raw sets ---------------------------------------------------------------
GROUP="split"
if have split; then
    mkdir "$T/s"
    for v in "alpha:disk.img.aa:-b 5M" "d2:disk.img.00:-d -b 5M" "d3from1:disk.img.001:-d -a 3 --numeric-suffixes=1 -b 5000000" \
        "d3from0:disk.000:-d -a 3 -b 4M" "d4odd:disk.0001:-d -a 4 --numeric-suffixes=1 -b 3333333" \
        "n7:disk.raw.001:-n 7 -d -a 3 --numeric-suffixes=1"; do
        IFS=: read -r name first opts <<< "$v"
        mkdir "$T/s/$name"
        # shellcheck disable=SC2086
        split $opts "$T/disk.img" "$T/s/$name/${first%.*}."
        same "$T/s/$name/$first" "$T/disk.img" "split $name"
    done
    rm "$T/s/d3from1/disk.img.004"
    refused "$T/s/d3from1/disk.img.001" "segment .*/disk.img.004 of the split set is missing (.*disk.img.005 follows it)" \
        "split missing segment"
    refused "$T/s/d3from0/disk.001" ".*/disk.000 is beside it: the split set starts there" "split second segment"
fi

echo "image-formats-variants: $passes passed, $fails failed"
if [ $ran = 0 ]; then
    echo "SKIPPED: image-formats-variants (no tool to make the variants)"
    exit 77
fi
[ $fails = 0 ]
