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
#  - qcow2 that libqcow refuses to open (zstd clusters, extended L2
#    entries, an external data file), also as qemu-io's overlays, read by
#    us as qemu reads them; a missing data file;
#  - a qcow2 with internal snapshots reads its current state, with a
#    warning naming them; --snapshot reads one in place as qemu-img
#    snapshot -a reverts to it (the PV found there), and is refused by
#    name for a snapshot the image lacks or an image of another format;
#  - a damaged compressed cluster (zlib, zstd) is lost alone, named, and the
#    scan goes on past it (qemu-img fails on it);
#  - a VHDX and a dynamic VHD cut at half their size (qemu-img refuses
#    both) read but for the bytes their own block tables place past the
#    cut, which are named unreadable, the scan going on; a differencing VHD
#    cut short is refused, saying so;
#  - what libqcow cannot read (the corrupt bit, LUKS, qemu-img's qcow
#    version 1 overlays), a VMDK sparse extent given instead of its
#    descriptor, a split set missing a
#    middle segment or given by its second are refused by name, exit 2;
#  - formats no library here reads (qemu-img's VDI, QED, Parallels and
#    LUKS images, a gzip'd VDI) are refused by name, exit 2.
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
refused() { # IMAGE PATTERN WHAT [OPTION...]
    "$LVMSCAN" --json "${@:4}" "$1" > /dev/null 2> "$T/err"
    local rc=$?
    [ $rc = 2 ] && ok || bad "$3: exit $rc, want 2 ($(cat "$T/err"))"
    grep -q -- "$1: .*$2" "$T/err" && ok || bad "$3: stderr lacks '$2': $(cat "$T/err")"
}

qraw() { qemu-img convert -f "$1" -O raw "$2" "$3"; }

# luks(OUT [OPTIONS]): a LUKS-encrypted qcow2 of the image. qemu-img times
# its key derivation and fails on a loaded machine ("Unable to get accurate
# CPU usage"): tried three times, then SKIPPED by name
luks() {
    local i why
    for i in 1 2 3; do
        why=$(qemu-img convert -f raw -O qcow2 --object secret,id=s0,data=pw \
            -o encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10${2:+,$2} \
            "$T/disk.img" "$1" 2>&1) && return 0
    done
    echo "SKIPPED: $(basename "$1") (qemu-img could not make it: $(tail -1 <<< "$why"))"
    return 1
}

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
    # an overlay that records no backing format (qemu before 6.1 made them;
    # 7.x refuses to, so the header extension of one made with -F is
    # blanked): qemu probes the backing file. A VMDK or VHD base was read as
    # raw, its container's bytes taken for the disk's (a PV at byte 2560 of
    # a VHD, wrong LV data, exit 0): refused naming it; a raw base is read
    for f in vmdk:VMDK vpc:VHD raw:-; do
        fmt=${f%%:*}
        qemu-img convert -f raw -O "$fmt" "$T/disk.img" "$C/nb-base.$fmt"
        qemu-img create -q -f qcow2 -b "nb-base.$fmt" -F "$fmt" "$C/nb-$fmt.qcow2"
        python3 - "$C/nb-$fmt.qcow2" <<'PY' || bad "cannot blank the backing format of nb-$fmt.qcow2"
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(struct.pack(">I", 0xE2792ACA))  # the backing file format extension
assert 0 < i < 4096
d[i:i + 4] = b"\x0b\xad\xf0\x0d"  # an unknown extension: qemu passes over it
open(sys.argv[1], "wb").write(d)
PY
        qemu-img info "$C/nb-$fmt.qcow2" | grep -q "backing file format" &&
            bad "nb-$fmt.qcow2 still records its backing format"
        qraw qcow2 "$C/nb-$fmt.qcow2" "$C/nb-$fmt.raw"
        cmp -s <(head -c "$(stat -c %s "$T/disk.img")" "$C/nb-$fmt.raw") "$T/disk.img" ||
            bad "qemu does not read nb-$fmt.qcow2 as the disk"
        if [ "${f#*:}" = - ]; then
            same "$C/nb-$fmt.qcow2" "$T/disk.img" "qcow2 over raw, no format recorded"
        else
            refused "$C/nb-$fmt.qcow2" "its backing file .*nb-base.$fmt, whose format it does not record, holds an\? ${f#*:} image" \
                "qcow2 over $fmt, no format recorded"
        fi
    done

    # qemu-img's qcow (version 1) overlays have L2 tables larger than a
    # cluster, which libqcow misreads
    qemu-img create -q -f qcow -b base.qcow2 -F qcow2 "$C/v1.qcow"
    refused "$C/v1.qcow" "has L2 tables of 2^12 entries in clusters of 2^9 bytes, which libqcow misreads" \
        "qcow version 1 overlay"
    # what libqcow refuses and we read ourselves (io_qcow.c): zstd clusters,
    # extended L2 entries (subclusters), an external data file
    Q=$T/q/own
    mkdir -p "$Q/away"
    qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd "$T/disk.img" "$Q/zstd.qcow2"
    qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd,cluster_size=2M "$T/disk.img" "$Q/zstd2m.qcow2"
    qemu-img convert -f raw -O qcow2 -o extended_l2=on "$T/disk.img" "$Q/ext.qcow2"
    qemu-img convert -f raw -O qcow2 -c -o extended_l2=on,cluster_size=16k "$T/disk.img" "$Q/extz.qcow2"
    (cd "$Q" && qemu-img convert -f raw -O qcow2 -o data_file=df.data "$T/disk.img" df.qcow2)
    for n in zstd zstd2m ext extz df; do
        qemu-img info "$Q/$n.qcow2" | grep -q 'compression type: zstd\|extended l2: true\|data file: df' &&
            ok || bad "qcow2 $n: qemu-img did not make the variant"
        same "$Q/$n.qcow2" "$T/disk.img" "qcow2 $n" reverse
    done
    # overlays written by qemu-io: compressed zstd writes over a zstd base;
    # subclusters allocated, zeroed and left to a raw base; a data file
    # written in place (data_file_raw), each read from another directory
    (cd "$Q" && qemu-img create -q -f qcow2 -b zstd.qcow2 -F qcow2 -o compression_type=zstd over-zstd.qcow2 &&
        qemu-io -c 'write -c -P 0x42 2M 128k' -c 'write -P 0x43 5M 4k' over-zstd.qcow2 > /dev/null &&
        qemu-img create -q -f qcow2 -b "$T/disk.img" -F raw -o extended_l2=on,cluster_size=128k sub.qcow2 &&
        qemu-io -c 'write -P 0xab 4k 4k' -c 'write -z 64k 8k' -c 'write -P 0xcd 1000k 12k' \
            -c 'write -P 0x44 13M 2k' -c 'write -z 13M 4k' -c 'write -P 0x45 17M 6k' sub.qcow2 > /dev/null &&
        qemu-img convert -f raw -O qcow2 -o data_file=dfraw.data,data_file_raw=on "$T/disk.img" dfraw.qcow2 &&
        qemu-io -c 'write -P 0x66 20M 1M' -c 'write -z 21M 64k' dfraw.qcow2 > /dev/null) ||
        bad "qcow2 own overlays: qemu-img or qemu-io failed"
    for n in over-zstd sub dfraw; do
        (cd "$Q" && qraw qcow2 "$n.qcow2" "$n.raw")
        cmp -s "$Q/$n.raw" "$T/disk.img" && bad "qcow2 $n: qemu-io wrote nothing"
        cd "$Q/away" && same "$Q/$n.qcow2" "$Q/$n.raw" "qcow2 $n" reverse
        cd "$T" || exit 1
    done
    # a relative data file name is also looked for from the working
    # directory, as qemu opens it; missing, the image is refused naming it
    mv "$Q/df.data" "$Q/away/"
    cd "$Q/away" && same "$Q/df.qcow2" "$T/disk.img" "qcow2 data file in the working directory"
    cd "$T" && refused "$Q/df.qcow2" "its data file df.data is missing" "qcow2 data file missing"
    cd "$T" || exit 1
    luks "$Q/luksext.qcow2" extended_l2=on &&
        refused "$Q/luksext.qcow2" "an encrypted qcow2 image: not supported" "qcow2 luks extended_l2"
    # internal snapshots (qemu-img snapshot -c): older states of the disk.
    # The current state is read as qemu reads it, a warning names each
    # snapshot and a line says how to scan one; --snapshot ID|NAME reads
    # one in place, as qemu-img snapshot -a reverts to it (its own disk
    # size: the image was grown since), found by id or by name
    cp "$T/disk.img" "$Q/snap.raw"
    qemu-img convert -f raw -O qcow2 "$T/disk.img" "$Q/snap.qcow2" &&
        qemu-img snapshot -c before-wipe "$Q/snap.qcow2" &&
        qemu-io -f qcow2 -c 'write -P 0x11 0 1M' "$Q/snap.qcow2" > /dev/null &&
        qemu-img snapshot -c 'after "wipe"' "$Q/snap.qcow2" &&
        qemu-img resize -q "$Q/snap.qcow2" +3M &&
        qemu-io -f qcow2 -c 'write -P 0x22 2M 1M' "$Q/snap.qcow2" > /dev/null || bad "qcow2 snapshots: qemu-img failed"
    qraw qcow2 "$Q/snap.qcow2" "$Q/snap-now.raw"
    "$LR_CAT" "$Q/snap.qcow2" "$T/out.raw" reverse > /dev/null 2> "$T/err" &&
        cmp -s "$T/out.raw" "$Q/snap-now.raw" && ok || bad "qcow2 snapshots: the current state differs from qemu's"
    for sn in before-wipe:1 'after "wipe":after "wipe"'; do
        cp "$Q/snap.qcow2" "$Q/reverted.qcow2"
        qemu-img snapshot -a "${sn%%:*}" "$Q/reverted.qcow2" && qraw qcow2 "$Q/reverted.qcow2" "$Q/snap-then.raw" ||
            bad "qcow2 snapshot ${sn%%:*}: qemu-img could not revert to it"
        LR_CAT_SNAPSHOT="${sn#*:}" "$LR_CAT" "$Q/snap.qcow2" "$T/out.raw" reverse > /dev/null 2> "$T/err" &&
            cmp -s "$T/out.raw" "$Q/snap-then.raw" && ok ||
            bad "qcow2 snapshot ${sn#*:}: read in place, differs from qemu-img snapshot -a's ($(cat "$T/err"))"
        [ "${sn#*:}" = 1 ] && cp "$Q/snap-then.raw" "$Q/snap-before.raw"
    done
    cmp -s "$Q/snap-then.raw" "$Q/snap-now.raw" && bad "qcow2 snapshots: the states do not differ"
    "$LVMSCAN" --json "$Q/snap.qcow2" > "$T/got.json" 2> "$T/err"
    python3 - "$T/got.json" << 'PY' && ok || bad "qcow2 snapshots: no warning naming them"
import json, sys
im = json.load(open(sys.argv[1]))["images"][0]
w = im["warnings"]
assert len(w) == 1, w
assert "holds 2 internal snapshots" in w[0] and '1 "before-wipe" (' in w[0], w
assert '2 "after ?wipe?" (' in w[0], w
assert im["snapshots"] == 2 and im["snapshot"] is None, im
PY
    grep -q "snap.qcow2: to scan one of its snapshots in place of its current state: lvmscan --snapshot ID|NAME .*snap.qcow2" "$T/err" &&
        ok || bad "qcow2 snapshots: no line saying how to scan one: $(cat "$T/err")"
    # the PV's label is only in before-wipe: found there as in the raw image
    "$LVMSCAN" --json "$T/disk.img" > "$T/want.json" 2> /dev/null
    "$LVMSCAN" --json --snapshot before-wipe "$Q/snap.qcow2" > "$T/got.json" 2> "$T/err"
    [ $? = 0 ] && ok || bad "qcow2 --snapshot before-wipe: exit not 0 ($(cat "$T/err"))"
    python3 - "$T/want.json" "$T/got.json" << 'PY' && ok || bad "qcow2 --snapshot before-wipe: not what the raw image holds"
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert im["snapshot"] == "before-wipe" and im["snapshots"] == 2, im
assert im["size"] == 32 << 20, im["size"]  # its own size, not the grown one
assert len(im["warnings"]) == 1 and "reading the internal snapshot 1 \"before-wipe\" (" in im["warnings"][0], im
wv, gv = want["vgs"], got["vgs"]
assert len(wv) == len(gv) == 1 and wv[0]["name"] == gv[0]["name"]
assert [(v["seqno"], v["crc"]) for v in wv[0]["versions"]] == \
    [(v["seqno"], v["crc"]) for v in gv[0]["versions"]]
assert wv[0]["recommended"]["seqno"] == gv[0]["recommended"]["seqno"]
PY
    "$LVMSCAN" --json "$Q/snap.qcow2" > "$T/got.json" 2> /dev/null
    python3 - "$T/got.json" << 'PY' && ok || bad "qcow2 snapshots: the current state still shows the wiped PV's label"
import json, sys
assert not any(l["offset"] == 512 for l in json.load(open(sys.argv[1])).get("labels", [])), "label"
PY
    # lvmrepair reads it too: an LV extracted from it is the raw image's;
    # a restore into a copy (--output) copies the snapshot, and once its
    # undo file is put back the copy is what qemu-img snapshot -a gives
    LVMREPAIR=${LVMSCAN%/*}/lvmrepair
    "$LVMREPAIR" --extract lv1 -o "$T/lv-want" "$T/disk.img" 2> /dev/null &&
        "$LVMREPAIR" --extract lv1 --snapshot before-wipe -o "$T/lv-got" "$Q/snap.qcow2" 2> "$T/err" &&
        cmp -s "$T/lv-want" "$T/lv-got" && ok || bad "lvmrepair --extract --snapshot: not the raw image's LV ($(cat "$T/err"))"
    "$LVMREPAIR" --extract lv1 -o "$T/lv-now" "$Q/snap.qcow2" > /dev/null 2> "$T/err"
    [ $? = 1 ] && grep -q "to read one of its snapshots in place of its current state: --snapshot ID|NAME" "$T/err" &&
        ok || bad "lvmrepair on the current state: want exit 1 and a line naming --snapshot ($(cat "$T/err"))"
    mkdir -p "$Q/out"
    "$LVMREPAIR" --restore seqno=15 --snapshot before-wipe --output "$Q/out" --yes \
        --undo "$Q/out/undo" "$Q/snap.qcow2" > /dev/null 2> "$T/err" &&
        ! cmp -s "$Q/out/snap.img" "$Q/snap-before.raw" &&
        "$LVMREPAIR" --apply-undo "$Q/out/undo" --yes "$Q/out/snap.img" > /dev/null 2>> "$T/err" &&
        cmp -s "$Q/out/snap.img" "$Q/snap-before.raw" && ok ||
        bad "lvmrepair --restore --snapshot --output: the copy is not the snapshot's state ($(cat "$T/err"))"
    # a snapshot whose L1 table lies beyond the file (its offset in the
    # table damaged): reading it is refused naming it; the current state
    # and the other snapshot still read
    cp "$Q/snap.qcow2" "$Q/badsnap.qcow2"
    python3 - "$Q/badsnap.qcow2" << 'PY' || bad "qcow2 damaged snapshot table: cannot damage it"
import struct, sys
f = open(sys.argv[1], "r+b")
d = f.read(72)
at = struct.unpack(">Q", d[64:72])[0]  # the snapshot table; entry 1 first
f.seek(at)
f.write(struct.pack(">Q", 1 << 50))
PY
    refused "$Q/badsnap.qcow2" "the qcow file .*badsnap.qcow2 has its snapshot 1 \"before-wipe\" (.*)'s L1 table (.* entries at byte 1125899906842624 for 33554432 bytes) beyond its end or misplaced" \
        "qcow2 damaged snapshot L1 offset" --snapshot before-wipe
    LR_CAT_SNAPSHOT=2 "$LR_CAT" "$Q/badsnap.qcow2" "$T/out.raw" > /dev/null 2> "$T/err" &&
        "$LR_CAT" "$Q/badsnap.qcow2" "$T/out2.raw" > /dev/null 2>> "$T/err" &&
        cmp -s "$T/out2.raw" "$Q/snap-now.raw" && ok || bad "qcow2 damaged snapshot 1: the others no longer read ($(cat "$T/err"))"
    refused "$Q/snap.qcow2" 'has no internal snapshot with the id or name "nope" (it has: 1 "before-wipe" (' \
        "qcow2 --snapshot nope" --snapshot nope
    refused "$T/disk.img" 'a raw image, not a qcow2 image: it holds no internal snapshots, so the snapshot "1" cannot be read from it' \
        "raw --snapshot 1" --snapshot 1
    # a qcow2 cut short inside a data cluster (a copy that stopped): qemu
    # allocates whole clusters, so the bytes its map places past the file's
    # end were lost with the cut. qemu reads them as zeros (its file driver
    # fills short reads); we read what the file still holds and leave the
    # rest unreadable, named (until 2026-12-08 read as zeros with a warning,
    # exit 0: an --extract wrote them as the LV's data). The lost ranges are
    # worked out from the file's own L1/L2 tables here, not by our reader.
    # (libqcow read such a cluster out of bounds of its own buffer:
    # fuzz_image, regressions/image/crash-c91f7b2a...)
    qemu-img convert -f raw -O qcow2 "$T/disk.img" "$Q/cut.qcow2" &&
        truncate -s $(($(stat -c %s "$Q/cut.qcow2") - 70000)) "$Q/cut.qcow2" &&
        qraw qcow2 "$Q/cut.qcow2" "$Q/cut.raw" || bad "qcow2 cut short: qemu-img failed"
    cmp -s "$Q/cut.raw" "$T/disk.img" && bad "qcow2 cut short: qemu reads it whole (cut elsewhere)"
    python3 - "$Q/cut.qcow2" > "$T/lost" << 'PY' || bad "qcow2 cut short: cannot read its tables"
import struct, sys
d = open(sys.argv[1], "rb").read()
bits = struct.unpack(">I", d[20:24])[0]
cs, size = 1 << bits, struct.unpack(">Q", d[24:32])[0]
l1_n, l1_at = struct.unpack(">I", d[36:40])[0], struct.unpack(">Q", d[40:48])[0]
per, lost = cs // 8, []
for i in range(l1_n):
    l2 = struct.unpack(">Q", d[l1_at + 8 * i:l1_at + 8 * i + 8])[0] & 0x00FFFFFFFFFFFE00
    for j in range(per if l2 else 0):
        e = struct.unpack(">Q", d[l2 + 8 * j:l2 + 8 * j + 8])[0]
        host, guest = e & 0x00FFFFFFFFFFFE00, (i * per + j) * cs
        if e >> 62 & 1 or not host or guest >= size or host + cs <= len(d):
            continue
        a = guest + max(0, len(d) - host)
        if lost and lost[-1][1] == a:
            lost[-1][1] = min(guest + cs, size)
        else:
            lost.append([a, min(guest + cs, size)])
assert lost, "the cut lost no data cluster"
for a, b in lost:
    print("unreadable %d %d" % (a, b))
PY
    "$LR_CAT" "$Q/cut.qcow2" "$T/out.raw" skip > "$T/out" 2> "$T/err" || bad "qcow2 cut short: lr_cat skip failed: $(cat "$T/err")"
    diff <(grep unreadable "$T/out") "$T/lost" > /dev/null && ok ||
        bad "qcow2 cut short: unreadable $(grep unreadable "$T/out" | head -3), want $(head -3 "$T/lost")"
    python3 - "$T/out.raw" "$T/disk.img" "$T/lost" << 'PY' && ok || bad "qcow2 cut short: the bytes it still holds do not read as the raw image's"
import sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
lost = [tuple(map(int, l.split()[1:])) for l in open(sys.argv[3])]
at = 0
for a, b in lost + [(len(want), len(want))]:
    assert got[at:a] == want[at:a], (at, a)
    at = b
PY
    "$LVMSCAN" --json "$Q/cut.qcow2" > "$T/got.json" 2> "$T/err"
    [ $? = 2 ] && ok || bad "qcow2 cut short: exit not 2 ($(cat "$T/err"))"
    python3 - "$T/got.json" "$(stat -c %s "$Q/cut.qcow2")" "$T/lost" << 'PY' && ok || bad "qcow2 cut short: not said as it is"
import json, sys
im = json.load(open(sys.argv[1]))["images"][0]
lost = [tuple(map(int, l.split()[1:])) for l in open(sys.argv[3])]
assert im["unreadable"] == sum(b - a for a, b in lost) and im["scanned"] == im["size"], im
assert "cut.qcow2 ends (at byte %s) before the end of the data its map places at bytes " % \
    sys.argv[2] in im["error"], im["error"]
assert "it was cut short" in im["error"] and "at byte %d:" % lost[0][0] in im["error"], im["error"]
assert not im["warnings"], im["warnings"]
PY
    # a damaged compressed cluster (zlib, zstd; its byte 4 or 20 flipped):
    # qemu-img fails on it; we lose that cluster alone, named, and the scan
    # goes on past it to find what the raw image holds (exit 2). libqcow
    # gave wrong bytes for the zlib cluster damaged at byte 20, no error:
    # compressed clusters are decoded by us, with qemu's check
    at=$(((13 << 20) + 65536)) # a 64 KiB run of one byte: compressed
    qemu-img convert -f raw -O qcow2 -c "$T/disk.img" "$Q/zlib.qcow2"
    for nb in zlib:4 zlib:20 zstd:4; do
        n=${nb%:*}
        cp "$Q/$n.qcow2" "$Q/bad-$n.qcow2"
        python3 - "$Q/bad-$n.qcow2" $at "${nb#*:}" << 'PY' || bad "qcow2 damaged $nb: cannot damage it"
import struct, sys
f = open(sys.argv[1], "r+b")
d = f.read()
g = int(sys.argv[2])
bits = struct.unpack(">I", d[20:24])[0]
per = 1 << (bits - 3)
k = g >> bits
l1 = struct.unpack(">Q", d[40:48])[0] + 8 * (k // per)
l2 = struct.unpack(">Q", d[l1:l1 + 8])[0] & 0x00FFFFFFFFFFFE00
e = struct.unpack(">Q", d[l2 + 8 * (k % per):l2 + 8 * (k % per) + 8])[0]
assert e >> 62 & 1, "the cluster is not compressed"
c = (e & ((1 << (62 - (bits - 8))) - 1)) + int(sys.argv[3])
f.seek(c)
f.write(bytes([d[c] ^ 0xFF]))
PY
        n=bad-$n
        qraw qcow2 "$Q/$n.qcow2" "$Q/bad.raw" 2> /dev/null && bad "qcow2 damaged $nb: qemu-img read it"
        "$LR_CAT" "$Q/$n.qcow2" "$Q/bad.raw" skip > "$T/out" 2> "$T/err" || bad "qcow2 damaged $nb: lr_cat skip failed: $(cat "$T/err")"
        grep -qx "unreadable $at $((at + 65536))" "$T/out" && ok ||
            bad "qcow2 damaged $nb: unreadable $(grep unreadable "$T/out"), want the cluster at $at"
        cmp -s <(head -c $at "$Q/bad.raw"; tail -c +$((at + 65537)) "$Q/bad.raw") \
            <(head -c $at "$T/disk.img"; tail -c +$((at + 65537)) "$T/disk.img") && ok ||
            bad "qcow2 damaged $nb: the other bytes differ from the raw image's"
        "$LVMSCAN" --json "$Q/$n.qcow2" > "$T/got.json" 2> "$T/err"
        [ $? = 2 ] && ok || bad "qcow2 damaged $nb: exit not 2 ($(cat "$T/err"))"
        "$LVMSCAN" --json "$T/disk.img" > "$T/want.json" 2> /dev/null
        python3 - "$T/want.json" "$T/got.json" $at "${nb%:*}" << 'PY' && ok || bad "qcow2 damaged $nb: lvmscan did not go on past the cluster"
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
at = int(sys.argv[3])
im = got["images"][0]
lost = "bytes %d-%d (a cluster) are unreadable" % (at, at + 65535)
assert im["unreadable"] == 65536 and im["scanned"] == im["size"], im
assert lost in im["error"], im
# says what failed and that damage is one cause of it, not the only one
why = "does not decompress as %s data (damaged, or not written as qemu writes it)" % \
    {"zlib": "deflate", "zstd": "zstd"}[sys.argv[4]]
assert why in im["error"], im["error"]
assert got["failed_images"] == 1, got["failed_images"]
# the same versions and recommendation; an LV whose probe read the lost
# cluster says its start is not known, naming the cluster, where the raw
# image's probe saw its content
wv, gv = want["vgs"], got["vgs"]
assert len(wv) == len(gv) == 1
assert [(v["seqno"], v["crc"]) for v in wv[0]["versions"]] == \
    [(v["seqno"], v["crc"]) for v in gv[0]["versions"]]
assert wv[0]["recommended"]["seqno"] == gv[0]["recommended"]["seqno"]
for a, b in zip(wv[0]["versions"], gv[0]["versions"]):
    for la, lb in zip(a["logical_volumes"], b["logical_volumes"]):
        if la["probe"] != lb["probe"]:
            assert lb["probe"]["state"] == "unreadable" and lost in lb["probe"]["detail"], lb
for k in ("images", "failed_images", "vgs"):
    want.pop(k), got.pop(k)
assert want == got, [k for k in want if want[k] != got.get(k)]
PY
    done
    # what libqcow cannot read, refused by name
    cp "$T/q/v3.qcow2" "$T/q/corrupt.qcow2" # qemu sets bit 1 when it finds damage
    printf '\x02' | dd of="$T/q/corrupt.qcow2" bs=1 seek=79 conv=notrunc 2> /dev/null
    qemu-img info "$T/q/corrupt.qcow2" | grep -q 'corrupt: true' && ok || bad "qcow2 corrupt bit not set"
    refused "$T/q/corrupt.qcow2" "libqcow cannot read: it is marked corrupt" "qcow2 corrupt"
    if luks "$T/q/luks.qcow2"; then
        refused "$T/q/luks.qcow2" "an encrypted qcow2 image: not supported" "qcow2 luks"
        # --json says what the image refused is (until 2026-12-08 "raw")
        "$LVMSCAN" --json "$T/q/luks.qcow2" "$T/disk.img" 2> /dev/null |
            python3 -c 'import json, sys; i = json.load(sys.stdin)["images"][0]; assert i["format"] == "qcow2" and i["error"], i' &&
            ok || bad "qcow2 luks: --json does not say it is a qcow2"
    fi
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
    # zeros written to an image made with zeroed_grain=on (qemu-io write
    # -z), and one made empty with it, then filled (qemu-img convert -n:
    # its zero grains marked so): grain table entries of 1, which libvmdk
    # read as the file's own bytes from sector 1 (its descriptor) where
    # qemu reads zeros -- LV data wrong, phantom metadata fragments: refused
    # naming the extent and the first such grain's place
    if have qemu-io; then
        cp "$T/v/vmdk-zg/d.vmdk" "$T/v/zgw.vmdk"
        qemu-io -c "write -z 1M 64k" "$T/v/zgw.vmdk" > /dev/null
        qemu-img create -q -f vmdk -o zeroed_grain=on "$T/v/zgn.vmdk" "$(stat -c %s "$T/disk.img")"
        qemu-img convert -n -f raw -O vmdk "$T/disk.img" "$T/v/zgn.vmdk"
        qraw vmdk "$T/v/zgn.vmdk" "$T/v/zgn.raw"
        cmp -s "$T/v/zgn.raw" "$T/disk.img" || bad "qemu does not read zgn.vmdk as the disk"
        refused "$T/v/zgw.vmdk" "the VMDK extent .*zgw.vmdk marks grains zeroed (grain table entry 1.*the first at byte 1048576 of the disk)" \
            "vmdk zero write to zeroed_grain"
        refused "$T/v/zgn.vmdk" "the VMDK extent .*zgn.vmdk marks grains zeroed" "vmdk zeroed_grain filled"
    fi
    # one extent of a split sparse set, given instead of its descriptor
    refused "$T/v/vmdk-s2g/d-s001.vmdk" "a sparse extent of a split VMDK (it holds no descriptor)" "vmdk extent"

    # A flat VMDK whose extent file was cut short (a copy that stopped):
    # libvmdk opens none of it ("unable to read grain table"); qemu reads
    # the bytes the file holds. Those read, as qemu reads them, the rest of
    # the extent is unreadable, named, and the scan goes on (exit 2). Two
    # descriptors: qemu-img's monolithicFlat, cut inside a sector; and one
    # written here with two extents (the first 1 MiB into its file, the
    # second cut 3 MiB short), read by qemu too.
    sz=$(stat -c %s "$T/disk.img")
    mkdir "$T/v/fcut" "$T/v/fcut3"
    cp "$T/v/vmdk-flat/d.vmdk" "$T/v/vmdk-flat/d-flat.vmdk" "$T/v/fcut/"
    truncate -s $((sz / 2 + 1000)) "$T/v/fcut/d-flat.vmdk"
    half=$((sz / 2 / 512))
    { head -c 1M /dev/urandom; head -c $((half * 512)) "$T/disk.img"; } > "$T/v/fcut3/a.bin"
    tail -c +$((half * 512 + 1)) "$T/disk.img" | head -c $((sz - half * 512 - 3145728)) > "$T/v/fcut3/b.bin"
    # (laid out as qemu-img writes it: libvmdk finds the extents by the
    # comment heading them)
    printf '# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\n# Extent description\nRW %d FLAT "a.bin" 2048\nRW %d FLAT "b.bin" 0\n\n# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = "4"\nddb.adapterType = "ide"\n' \
        $half $((sz / 512 - half)) > "$T/v/fcut3/d.vmdk"
    # the same descriptor over whole files: libvmdk 20200926 took the first
    # extent's offset (2048 sectors) as bytes and read it wrongly, without
    # an error; a flat VMDK's extents are read by us
    mkdir "$T/v/fofs"
    cp "$T/v/fcut3/d.vmdk" "$T/v/fcut3/a.bin" "$T/v/fofs/"
    tail -c +$((half * 512 + 1)) "$T/disk.img" > "$T/v/fofs/b.bin"
    qraw vmdk "$T/v/fofs/d.vmdk" "$T/v/fofs.raw" && cmp -s "$T/v/fofs.raw" "$T/disk.img" ||
        bad "vmdk fofs: qemu-img does not read it as the disk"
    "$LR_CAT" "$T/v/fofs/d.vmdk" "$T/out.raw" > /dev/null 2> "$T/err" && cmp -s "$T/out.raw" "$T/disk.img" &&
        ok || bad "vmdk fofs: not read as the disk ($(cat "$T/err"))"
    scan_same "$T/v/fofs/d.vmdk" "$T/disk.img" "vmdk fofs"
    # a delta VMDK over a flat base (a snapshot of a flat disk): the base
    # is read by libvmdk through the delta's handle, so it is not taken
    # over by our flat reader (a flat parent read by us broke every read
    # of the chain, 2026-12-08)
    mkdir "$T/v/fdelta"
    qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat "$T/disk.img" "$T/v/fdelta/base.vmdk" &&
        qemu-img create -q -f vmdk -o backing_file=base.vmdk,backing_fmt=vmdk "$T/v/fdelta/top.vmdk" &&
        qemu-io -c "write -P 0x77 1M 64k" "$T/v/fdelta/top.vmdk" > /dev/null &&
        qraw vmdk "$T/v/fdelta/top.vmdk" "$T/v/fdelta.raw" || bad "vmdk fdelta: qemu-img failed"
    "$LR_CAT" "$T/v/fdelta/top.vmdk" "$T/out.raw" > /dev/null 2> "$T/err" && cmp -s "$T/out.raw" "$T/v/fdelta.raw" &&
        ok || bad "vmdk fdelta: not read as qemu-img reads it ($(cat "$T/err"))"
    for c in "fcut:$((sz / 2 + 1000)):$sz" "fcut3:$((sz - 3145728)):$sz"; do
        IFS=: read -r d from to <<< "$c"
        img=$T/v/$d/d.vmdk
        qraw vmdk "$img" "$T/v/$d.raw" 2> /dev/null || bad "vmdk $d: qemu-img cannot read it"
        "$LR_CAT" "$img" "$T/out.raw" skip > "$T/out" 2> "$T/err"
        [ "$(grep unreadable "$T/out")" = "unreadable $from $to" ] && ok ||
            bad "vmdk $d: unreadable $(grep unreadable "$T/out"), want $from $to ($(cat "$T/err"))"
        cmp -s <(head -c "$from" "$T/out.raw") <(head -c "$from" "$T/v/$d.raw") && ok ||
            bad "vmdk $d: the bytes the extents hold differ from qemu-img's"
        cmp -s <(head -c "$from" "$T/out.raw") <(head -c "$from" "$T/disk.img") && ok ||
            bad "vmdk $d: the bytes it holds differ from the raw image's"
        "$LVMSCAN" --json "$img" > "$T/got.json" 2> "$T/err"
        [ $? = 2 ] && ok || bad "vmdk $d: exit not 2 ($(cat "$T/err"))"
        python3 - "$T/got.json" $from $to << 'PY' && ok || bad "vmdk $d: not said as it is ($(cat "$T/err"))"
import json, sys
d = json.load(open(sys.argv[1]))
im = d["images"][0]
a, b = int(sys.argv[2]), int(sys.argv[3])
assert im["unreadable"] == b - a and im["scanned"] == im["size"] == b, im
assert "bytes %d-%d are unreadable: the extent file " % (a, b - 1) in im["error"], im["error"]
assert "it was cut short" in im["error"] and ("at byte %d:" % a) in im["error"], im["error"]
assert d["labels"], "the PV at the start was not found"
PY
    done

    # A VHDX (1 MiB blocks) and a dynamic VHD cut at half their size (a copy
    # that stopped; the VHD loses its footer at the end, libvhdi does not
    # open it and qemu-img refuses both): the blocks the file still holds
    # read as qemu-img read the whole file, the MiBs whose data lies past
    # its end are unreadable, named, and the scan goes on after them (exit
    # 2, the PV at the start found). Which MiBs those are comes from the
    # file's own block table (read below from the whole file: MS-VHDX 2.6's
    # region table, metadata and BAT; the VHD specification's footer,
    # dynamic header and BAT).
    for v in "vhdx:-o subformat=dynamic,block_size=1M" "vpc:-o subformat=dynamic"; do
        fmt=${v%%:*} opts=${v#*:}
        whole=$T/v/whole.$fmt img=$T/v/cut.$fmt
        # shellcheck disable=SC2086
        qemu-img convert -f raw -O "$fmt" $opts "$T/disk.img" "$whole"
        cut=$(($(stat -c %s "$whole") / 2 / 512 * 512))
        head -c "$cut" "$whole" > "$img"
        qemu-img convert -f "$fmt" -O raw "$img" "$T/q.raw" 2> /dev/null &&
            bad "cut $fmt: qemu-img reads it: not the case under test"
        "$LR_CAT" "$img" "$T/out.raw" skip > "$T/cat.out" 2> "$T/err" ||
            bad "cut $fmt: lr_cat skip failed: $(cat "$T/err")"
        python3 - "$whole" "$cut" "$T/cat.out" "$T/out.raw" "$T/disk.img" "$fmt" << 'PY' && ok ||
import struct, sys, uuid
whole, cut, cat, out, raw, fmt = sys.argv[1:]
f, cut = open(whole, "rb").read(), int(cut)
MIB = 1 << 20
size = len(open(raw, "rb").read())
lost = []  # media byte ranges whose data lies past the cut
if fmt == "vhdx":
    rt = f[192 << 10:256 << 10]
    assert rt[:4] == b"regi", rt[:4]
    reg = {}
    for i in range(struct.unpack_from("<I", rt, 8)[0]):
        e = rt[16 + 32 * i:48 + 32 * i]
        reg[str(uuid.UUID(bytes_le=e[:16])).upper()] = struct.unpack_from("<QI", e, 16)
    bat, meta = reg["2DC27766-F623-4200-9D64-115E9BFD4A08"], reg["8B7CA206-4790-4B9A-B8FE-575F050F886E"]
    m = f[meta[0]:meta[0] + meta[1]]
    assert m[:8] == b"metadata"
    item = {}
    for i in range(struct.unpack_from("<H", m, 10)[0]):
        e = m[32 + 32 * i:64 + 32 * i]
        o, l = struct.unpack_from("<II", e, 16)
        item[str(uuid.UUID(bytes_le=e[:16])).upper()] = m[o:o + l]
    bs = struct.unpack_from("<I", item["CAA16737-FA36-4D43-B3B6-33F0AA44E76B"])[0]
    vsize = struct.unpack_from("<Q", item["2FA54224-CD1B-4876-B211-5DBED83BF4B8"])[0]
    lss = struct.unpack_from("<I", item["8141BF1D-A96F-4709-BA47-F233A8FAAB5F"])[0]
    assert bs == MIB, bs
    ratio = (1 << 23) * lss // bs
    for b in range((vsize + bs - 1) // bs):
        ent = struct.unpack_from("<Q", f, bat[0] + 8 * (b + b // ratio))[0]
        fo = (ent >> 20) << 20
        if ent & 7 in (6, 7) and fo + bs > cut:
            lost.append((b * bs + max(0, cut - fo), (b + 1) * bs))
else:
    assert f[:8] == b"conectix" and struct.unpack_from(">I", f, 60)[0] == 3
    vsize = struct.unpack_from(">Q", f, 48)[0]
    hdr = struct.unpack_from(">Q", f, 16)[0]
    table, n, bs = struct.unpack_from(">Q", f, hdr + 16)[0], *struct.unpack_from(">II", f, hdr + 28)
    bitmap = (bs // 512 // 8 + 511) // 512 * 512
    for b in range(n):
        ent = struct.unpack_from(">I", f, table + 4 * b)[0]
        if ent == 0xFFFFFFFF:
            continue
        data = ent * 512 + bitmap
        if data > cut:  # its bitmap is read first: the block is lost whole
            lost.append((b * bs, (b + 1) * bs))
        elif data + bs > cut:
            lost.append((b * bs + cut - data, (b + 1) * bs))
merged = []
for a, e in sorted(lost):
    if merged and merged[-1][1] == a:
        merged[-1] = (merged[-1][0], e)
    else:
        merged.append((a, e))
said = [tuple(int(x) for x in l.split()[1:]) for l in open(cat) if l.startswith("unreadable ")]
assert said == merged, (said[:4], merged[:4])
assert merged and sum(e - a for a, e in merged) < size, merged
o, r = open(out, "rb").read(), open(raw, "rb").read()
bad = bytearray(size)
for a, e in merged:
    bad[a:min(e, size)] = b"\x01" * (min(e, size) - a)
for u in range(0, size, MIB):
    if not any(bad[u:u + MIB]):
        assert o[u:u + MIB] == r[u:u + MIB], u
    else:  # a MiB the cut runs through: its bytes before the cut read
        k = bad.index(1, u)
        assert o[u:k] == r[u:k], u
lost = sum(e - a for a, e in merged) // MIB
print("cut %s: %d MiB past its end unreadable, the rest read" % (fmt, lost))
PY
            bad "cut $fmt: not read as its block table says"
        "$LVMSCAN" --json "$img" > "$T/got.json" 2> "$T/err"
        rc=$?
        [ $rc = 2 ] && grep -q "unreadable: the blocks that hold them do not read" "$T/err" && ok ||
            bad "cut $fmt: exit $rc, want 2 naming the lost bytes ($(cat "$T/err"))"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["labels"] and d["images"][0]["unreadable"] > 0, d["images"]' \
            "$T/got.json" && ok || bad "cut $fmt: the PV at its start not found, or nothing said unreadable"
    done
fi
# a differencing VHD cut short (fixtures/formats/vhd-chain's top.vhd, made
# by Xen Orchestra's vhd-lib): its parent is checked through libvhdi, which
# does not open it: refused, saying the file is cut short
mkdir "$T/vc"
tar -xzf "$FIX/formats/vhd-chain.tar.gz" -C "$T/vc"
head -c $(($(stat -c %s "$T/vc/top.vhd") / 2)) "$T/vc/top.vhd" > "$T/vc/cut.vhd"
refused "$T/vc/cut.vhd" "does not end with the footer: it was cut short" "cut differencing vhd"

# ---- formats qemu-img writes that no library here reads ------------------------------
# A VDI, a QED and a Parallels image hold the disk's bytes at the
# container's offsets (a VDI's PV was found at byte 1024 of the file, its
# data mapped wrongly past an unallocated block), a LUKS image ciphertext:
# each is refused by name with what to do first, also gzip'd, exit 2
GROUP="unread-formats"
if have qemu-img gzip; then
    mkdir "$T/o"
    for v in "vdi:a VirtualBox VDI image" "qed:a QED image" "parallels:a Parallels image"; do
        fmt=${v%%:*}
        qemu-img convert -f raw -O "$fmt" "$T/disk.img" "$T/o/d.$fmt" || bad "qemu-img -O $fmt failed"
        refused "$T/o/d.$fmt" "${v#*:}: lvmrescue does not read it as a disk, its bytes are not the disk's; convert it to raw first (qemu-img convert -O raw $T/o/d.$fmt $T/o/d.$fmt.raw)" "$fmt"
    done
    gzip -c "$T/o/d.vdi" > "$T/o/d.vdi.gz"
    refused "$T/o/d.vdi.gz" "a gzip-compressed file whose content is a VirtualBox VDI image, not a disk: decompress it (gunzip -k .*d.vdi.gz), then convert it to raw first (qemu-img convert -O raw $T/o/d.vdi $T/o/d.vdi.raw)" "vdi gzip'd"
    # in a tar archive beside a descriptor (an OVA of VirtualBox's with a
    # VDI disk): refused naming it (it was read as the archive's bytes and a
    # VG shown at the tar's offsets), plain and xz'd
    echo '<Envelope/>' > "$T/o/vm.ovf"
    tar -C "$T/o" -cf "$T/o/vdi.tar" vm.ovf d.vdi
    refused "$T/o/vdi.tar" "a tar archive holding disk images in files of their own.*d.vdi (a VirtualBox VDI image, which lvmrescue does not read: convert it to raw first" "vdi in a tar"
    if have xz; then
        xz -0 -c "$T/o/vdi.tar" > "$T/o/vdi.tar.xz"
        refused "$T/o/vdi.tar.xz" "an xz-compressed tar archive holding disk images.*d.vdi (a VirtualBox VDI image" "vdi in a tar.xz"
    fi
    for i in 1 2 3; do
        qemu-img convert -f raw -O luks --object secret,id=s0,data=pw -o key-secret=s0,iter-time=10 \
            "$T/disk.img" "$T/o/d.luks" 2> /dev/null && break
        rm -f "$T/o/d.luks"
    done
    if [ -f "$T/o/d.luks" ]; then
        refused "$T/o/d.luks" "a LUKS-encrypted device's image (its bytes are ciphertext): lvmrescue does not read it as a disk, its bytes are not the disk's; unlock it first, read-only (cryptsetup open -r $T/o/d.luks NAME)" "luks"
    else
        echo "SKIPPED: d.luks (qemu-img could not make it)"
    fi
    # the same on a block device (an encrypted partition, a qcow2 on an
    # LV): read as a raw disk, but said, so that "no LVM found" is not the
    # whole story (it was, with no word, until 2026-12-07)
    qemu-img convert -f raw -O qcow2 "$T/disk.img" "$T/o/d.qcow2"
    for f in d.luks:"its first bytes are those of a LUKS-encrypted device's image (its bytes are ciphertext); it is read as a raw disk: unlock it first, read-only (cryptsetup open -r DEV NAME)" \
        d.qcow2:"its first bytes are those of a qcow2 image (as of a qcow2 on an LV); a device is read as a raw disk: to read the image, give a file holding it (dd if=DEV of=FILE)"; do
        [ -f "$T/o/${f%%:*}" ] || continue
        if [ "$(id -u)" != 0 ] || ! dev=$(losetup -f --show -r "$T/o/${f%%:*}" 2> /dev/null); then
            echo "SKIPPED: ${f%%:*} on a loop device (needs root and a free loop device)"
            continue
        fi
        want=${f#*:}
        "$LVMSCAN" --json "$dev" > "$T/got.json" 2> "$T/err"
        losetup -d "$dev"
        python3 - "$T/got.json" "${want//DEV/$dev}" <<'PY' && ok || bad "${f%%:*} on a loop device: no warning of what it holds ($(cat "$T/err"))"
import json, sys
i = json.load(open(sys.argv[1]))["images"][0]
assert i["format"] == "raw" and any(sys.argv[2] in w for w in i["warnings"]), i
PY
    done
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
    # a one-segment set renamed (no extension, another one): libewf_glob
    # refuses the names, the file is read alone; the first of several
    # segments renamed is refused, saying how they are found
    cp "$T/e/b16/d.E01" "$T/e/evidence" && cp "$T/e/b16/d.E01" "$T/e/ev.bin" && cp "$T/e/segs/d.E01" "$T/e/first.bin"
    same "$T/e/evidence" "$T/disk.img" "ewf renamed (no extension)"
    same "$T/e/ev.bin" "$T/disk.img" "ewf renamed (.bin)"
    refused "$T/e/first.bin" "cannot find the EWF segment files: .* (the first of several segment files, which are found only by a set's names" \
        "ewf first of several renamed"
    # SMART (.s01) segments end in a "next" section pointing past it, not
    # at itself: a cut one is named as such, not the first
    mkdir "$T/e/smartcut"
    if ewfacquire -u -q -f smart -S 1M -c none -t "$T/e/smartcut/d" "$T/disk.img" > /dev/null 2>&1; then
        truncate -s 500000 "$T/e/smartcut/d.s05"
        refused "$T/e/smartcut/d.s01" "corrupted or incomplete ([0-9]* found; .*/d.s05 is cut short: its sections run on past its end (byte 500000))" \
            "ewf smart cut segment"
    else
        bad "ewfacquire -f smart failed"
    fi
    # past 99 segments libewf names them .EAA, .EAB ...: one missing there
    # is named too (the message said only how many were found until
    # 2026-12-07), and the later ones beside it said unread
    mkdir "$T/e/many"
    truncate -s 128M "$T/e/many.img" && dd if="$T/disk.img" of="$T/e/many.img" conv=notrunc status=none
    if ewfacquire -u -q -c none -S 1M -t "$T/e/many/d" "$T/e/many.img" > /dev/null 2>&1 && [ -f "$T/e/many/d.EAD" ]; then
        rm "$T/e/many/d.EAC"
        refused "$T/e/many/d.E01" "101 found; the next one, .*/d.EAC, does not exist, and .*/d.EAD lies beside it" \
            "ewf segment 103 (.EAC) missing"
    else
        bad "ewfacquire -S 1M of 128 MiB made no .EAD segment"
    fi
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
# the cause named: the segment cut, not a next one that never existed
assert re.search(r"corrupted or incomplete \(\d+ found; \S*/d\.E10 is cut short: its sections run on past its end \(byte \d+\)\)", im["error"]), im["error"]
assert im["unreadable"] == end - start and im["scanned"] == im["size"], im
assert len(d["labels"]) == 1 and len(d["vgs"]) == 1, d["labels"]
PY
    # a middle segment cut before its chunk table (50 bytes: inside its
    # first section): libewf places the later segments' chunks at its
    # place (ewfexport too); all from its first chunk on is unreadable,
    # never read as the disk's
    cp -r "$T/e/segs" "$T/e/cut50"
    truncate -s 50 "$T/e/cut50/d.E10"
    "$LVMSCAN" --json "$T/e/cut50/d.E01" > "$T/got.json" 2> /dev/null
    python3 - "$T/got.json" $want << 'PY' && ok || bad "ewf segment cut before its table: not unreadable from its first chunk on"
import json, re, sys
im = json.load(open(sys.argv[1]))["images"][0]
m = re.search(r"bytes (\d+)-(\d+) are unreadable", im["error"] or "")
assert m and int(m.group(2)) + 1 == im["size"] and "d.E10 is cut short" in im["error"], im["error"]
# where ewfexport's errors begin when the same segment is cut in half
# (its table lost, its chunks all unreadable): its first chunk
assert int(m.group(1)) == int(sys.argv[2]) and im["unreadable"] == im["size"] - int(sys.argv[2]), (im, sys.argv[2])
PY
    # the last segment cut by its last byte (its "done" section): every
    # chunk is held; the warning names the cut, the report says no byte
    # was unreadable, the scan is clean (exit 0, the raw image's bytes)
    cp -r "$T/e/segs" "$T/e/cut1"
    last=$(ls "$T/e/cut1"/d.E* | sort | tail -1)
    truncate -s -1 "$last"
    "$LVMSCAN" --json "$T/e/cut1/d.E01" > "$T/got.json" 2> /dev/null && ok || bad "ewf last byte cut: exit $?"
    "$LVMSCAN" "$T/e/cut1/d.E01" > "$T/got.txt" 2> /dev/null
    grep -q "WARNING: .*corrupted or incomplete .*is cut short" "$T/got.txt" &&
        grep -q "^    read whole: no byte of it was unreadable$" "$T/got.txt" && ok ||
        bad "ewf last byte cut: the report does not say the cut and that no byte was unreadable: $(grep -A1 WARNING "$T/got.txt")"
    python3 - "$T/got.json" << 'PY' && ok || bad "ewf last byte cut: not read whole"
import json, sys
im = json.load(open(sys.argv[1]))["images"][0]
assert im["error"] is None and im["unreadable"] == 0 and im["scanned"] == im["size"], im
assert any("is cut short" in w for w in im["warnings"]), im["warnings"]
PY
    same "$T/e/cut1/d.E01" "$T/disk.img" "ewf last byte cut"
    # a set missing a middle segment: read up to it (the PV, in the first
    # MiB, is found), the rest unreadable, named, exit 2; the later
    # segments beside it are said unread (not mentioned until 2026-12-07)
    rm "$T/e/segs/d.E07"
    refused "$T/e/segs/d.E01" "corrupted or incomplete (6 found; the next one, .*/d.E07, does not exist, and .*/d.E08 lies beside it: the segments from there on are not read)" \
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
    # not a set: a first "segment" smaller than the next, LVM2's text
    # files numbered .001 .002 (each read alone, as given)
    mkdir "$T/s/notset" && echo hello > "$T/s/notset/foo.001" && cp "$T/disk.img" "$T/s/notset/foo.002"
    scan_same "$T/s/notset/foo.002" "$T/disk.img" "split: foo.002 beside a smaller foo.001"
    "$LVMSCAN" --json "$T/s/notset/foo.001" > "$T/got.json" 2> /dev/null
    python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["images"][0]; assert i["format"] == "raw" and i["size"] == 6, i' "$T/got.json" &&
        ok || bad "split: foo.001 (6 bytes) read as a set with foo.002"
    # split -C (whole lines: segments of unequal sizes, the second larger
    # than the first): not taken for a set, and said (it was read alone
    # with no word, the VG's LVs "past the end", until 2026-12-07)
    mkdir "$T/s/lines" && split -C 5M -d -a 3 --numeric-suffixes=1 "$T/disk.img" "$T/s/lines/disk."
    if [ "$(stat -c %s "$T/s/lines/disk.002")" -gt "$(stat -c %s "$T/s/lines/disk.001")" ]; then
        "$LVMSCAN" --json "$T/s/lines/disk.001" > "$T/got.json" 2> "$T/err"
        python3 - "$T/got.json" "$(stat -c %s "$T/s/lines/disk.002")" <<'PY' && ok || bad "split -C: no warning that disk.002 is not read ($(cat "$T/err"))"
import json, sys
i = json.load(open(sys.argv[1]))["images"][0]
assert i["format"] == "raw" and any("disk.002 lies beside it, larger (%s bytes) than it" % sys.argv[2] in w and "read alone, not as a split set" in w for w in i["warnings"]), i
PY
    else
        echo "SKIPPED: split -C (its second segment is not larger here)"
    fi
    mapfile -t arch < <(ls "$FIX/backup/truth/archive/"*.vg | head -2)
    cp "${arch[1]}" "$T/s/notset/bk.001" && cp "${arch[0]}" "$T/s/notset/bk.002"
    "$LVMSCAN" --json "$T/s/notset/bk.001" "$T/s/notset/bk.002" > "$T/got.json" 2> "$T/err"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [(i["format"], i["text_file"]) for i in d["images"]] == [("raw", True)] * 2, d["images"]' "$T/got.json" &&
        ok || bad "split: LVM2 archive files bk.001 bk.002 not read each as given: $(cat "$T/err")"
    # a later segment alone reads as a raw disk with no LVM on it: refused
    for later in d3from1/disk.img.003 d3from0/disk.002 alpha/disk.img.ab d2/disk.img.02 d4odd/disk.0002; do
        first=$(ls "$T/s/${later%%/*}" | sort | head -1)
        refused "$T/s/$later" "a later segment of a split raw set whose first segment .*/$first is beside it: give that one" \
            "split later segment $later"
    done
fi

echo "image-formats-variants: $passes passed, $fails failed"
if [ $ran = 0 ]; then
    echo "SKIPPED: image-formats-variants (no tool to make the variants)"
    exit 77
fi
[ $fails = 0 ]
