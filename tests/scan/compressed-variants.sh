#!/usr/bin/env bash
# Compressed images as real tools make them, made at test time from
# fixtures/history/disk.img.gz by the tools themselves (each variant
# SKIPPED by name when its tool is missing): gzip (--rsyncable, pigz, pigz
# -i, bgzip's BGZF, members concatenated), xz (-T2 and --block-size blocks,
# -9's 64 MiB dictionary, -e, every --check, streams concatenated with
# stream padding, pixz, a truncated file, a corrupt index, the legacy .lzma
# of `xz --format=lzma`), zstd (--long=27, --long=31 and --ultra -22 from
# standard input, -19, -T0, --rsyncable, pzstd, --no-check,
# --no-content-size, standard input, skippable frames before, between and
# after frames, the seekable format's seek table, frames concatenated, a
# truncated file). For each:
#  - lvmscan --json finds what it finds in the raw image (every key but
#    "images"), exit 0, images[].format named, and a peak RSS under 32 MiB;
#  - unless the decoder needs a window or dictionary above the reader's
#    budget: then the image is read all the same and images[].warnings says
#    how much memory it takes (never silently), or, past half the memory
#    the process may use (ulimit -v here), refused naming the memory and
#    the command that decompresses it;
#  - a truncated .xz or .zst is read up to its cut, as `xz -dc` / `zstd -dc`
#    read it (lr_cat lazy: a prefix of the raw image at least as long as
#    the tool's output), exit 2 naming the cut, "truncated" in the JSON;
#  - a corrupt frame among frames that record their content size (zstd of
#    files, concatenated): the scan goes past it and finds the PV after it
#    as in the raw bytes, the frame's range unreadable and named, every
#    other byte zstd -dc's (lr_cat skip and lazy); where the size is not
#    recorded (pzstd, a pipe) the image ends at the frame, saying why;
#  - an image that ends at damage (zstd, pzstd, an xz without its footer)
#    was scanned at least as far as `zstd -dc` / `xz -dc` decode it;
#  - zstd -D (a dictionary), bzip2, lz4, lzip, lzop: refused by name,
#    never scanned as a raw image;
#  - the handles read without LR_IO_LAZY (lr_cat) read the variants
#    (.lzma too, decoded once at open) as the raw image's bytes, backwards,
#    and refuse a truncated .xz naming the cut (no LR_IO_PARTIAL).
# usage: compressed-variants.sh LVMSCAN LR_CAT FIXTURES_DIR [rss|no-rss]
# (no-rss: a sanitizer build, whose shadow memory makes peak RSS meaningless)
set -u
LVMSCAN=$1
LR_CAT=$2
FIX=$3
RSS=${4:-rss}
command -v python3 > /dev/null || { echo "SKIPPED: image-compressed-variants needs python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
skips=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIPPED: $*"; skips=$((skips + 1)); }
have() { command -v "$1" > /dev/null; }

D=$T/disk.img
gzip -dc "$FIX/history/disk.img.gz" > "$D"
"$LVMSCAN" --json "$D" > "$T/raw.json" || { echo "FAIL: lvmscan of the raw image"; exit 1; }

# scan.py RAW FILE FORMAT WANT_RC NOTE ERR: runs lvmscan --json FILE and
# checks the exit status, images[0].format (FORMAT "-": refused at open,
# JSON optional), the findings (exit 0 only), the
# warnings (NOTE: a regex one of them matches; "-": none at all), stderr
# (ERR: a regex it matches, or "-") and, without a note, peak RSS < 32 MiB.
cat > "$T/scan.py" << 'PY'
import json, re, resource, subprocess, sys
lvmscan, raw, path, fmt, want_rc, note, err, check_rss = sys.argv[1:]
p = subprocess.run([lvmscan, "--json", path], capture_output=True, text=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
msgs = []
try:
    got = json.loads(p.stdout)
except ValueError:
    got = None
    if fmt != "-":  # "-": refused at open, with no image read there may be no JSON
        msgs.append("no JSON")
if p.returncode != int(want_rc):
    msgs.append("exit %d, want %s (%s)" % (p.returncode, want_rc, p.stderr.strip()[:300]))
if got:
    im = got["images"][0]
    if fmt != "-" and im["format"] != fmt:
        msgs.append("format %s, want %s" % (im["format"], fmt))
    warns = im.get("warnings", [])
    if note == "-" and warns:
        msgs.append("unexpected warnings %s" % warns)
    if note != "-" and not any(re.search(note, w) for w in warns):
        msgs.append("no warning matches %r: %s" % (note, warns))
    if want_rc == "0":
        want = json.load(open(raw))
        for k in ("images",):
            want.pop(k)
            got.pop(k)
        for k in want:
            if want[k] != got.get(k):
                msgs.append("key %s differs from the raw image's" % k)
    elif want_rc == "2" and "truncat" in err and not im.get("truncated"):
        msgs.append("images[0].truncated is not set")
if err != "-" and not re.search(err, p.stderr):
    msgs.append("stderr does not match %r: %s" % (err, p.stderr.strip()[:300]))
if check_rss == "rss" and note == "-" and rss >= 32 << 10:
    msgs.append("peak RSS %d KiB, want < 32 MiB" % rss)
print("; ".join(msgs) if msgs else "ok rss=%dKiB" % rss)
PY

# check NAME FORMAT RC NOTE ERR: scan.py on $T/v/NAME
check() {
    local out
    out=$(python3 "$T/scan.py" "$LVMSCAN" "$T/raw.json" "$T/v/$1" "$2" "$3" "$4" "$5" "$RSS")
    case $out in
    ok*) ok ;;
    *) bad "$1: $out" ;;
    esac
}

# same_bytes NAME: lr_cat (no LR_IO_LAZY, reading backwards) gives the raw bytes
same_bytes() {
    if "$LR_CAT" "$T/v/$1" "$T/out.raw" reverse > /dev/null 2> "$T/err" && cmp -s "$T/out.raw" "$D"; then
        ok
    else
        bad "$1: lr_cat reverse does not give the raw image's bytes ($(cat "$T/err"))"
    fi
}

# make NAME TOOL COMMAND...: $T/v/NAME from the command's standard output
# (its standard input is the raw image); false (SKIPPED) without TOOL
make() {
    local name=$1 tool=$2
    shift 2
    if ! have "$tool"; then
        skip "$name: no $tool"
        return 1
    fi
    "$@" < "$D" > "$T/v/$name" 2> "$T/err" || { bad "$name: $* failed: $(cat "$T/err")"; return 1; }
}
# scanned_vs_tool NAME TOOL: the image ended at damage; lvmscan's "the first
# N bytes were scanned" is at least what `TOOL -dc` writes before its error,
# and lr_cat lazy's bytes begin with the tool's
scanned_vs_tool() {
    local n tn
    "$LVMSCAN" "$T/v/$1" > /dev/null 2> "$T/err"
    n=$(sed -n 's/.*; the first \([0-9]*\) bytes were scanned$/\1/p' "$T/err")
    tn=$("$2" -dc "$T/v/$1" 2> /dev/null | wc -c)
    "$LR_CAT" "$T/v/$1" "$T/out.raw" lazy > /dev/null 2> /dev/null
    if [ -n "$n" ] && [ "$tn" -gt 0 ] && [ "$n" -ge "$tn" ] &&
        cmp -s <(head -c "$tn" "$T/out.raw") <("$2" -dc "$T/v/$1" 2> /dev/null); then
        ok
    else
        bad "$1: ${n:-no} bytes scanned, $2 -dc gets $tn ($(cat "$T/err"))"
    fi
}
mkdir -p "$T/v"
[ "$RSS" = rss ] || skip "peak RSS checks: a sanitizer build"
NO_NOTE=-
NO_ERR=-

# ---- gzip ------------------------------------------------------------------------
make g-rsyncable.gz gzip gzip --rsyncable -c && check g-rsyncable.gz gzip 0 $NO_NOTE $NO_ERR
make g-pigz.gz pigz pigz -p 2 -c && check g-pigz.gz gzip 0 $NO_NOTE $NO_ERR
make g-pigz-i.gz pigz pigz -p 2 -i -c && check g-pigz-i.gz gzip 0 $NO_NOTE $NO_ERR
make g-bgzf.gz bgzip bgzip -c && check g-bgzf.gz gzip 0 $NO_NOTE $NO_ERR
if have gzip; then
    head -c 10000000 "$D" | gzip -c > "$T/v/g-cat.gz"
    tail -c +10000001 "$D" | gzip -c >> "$T/v/g-cat.gz"
    check g-cat.gz gzip 0 $NO_NOTE $NO_ERR
fi

# ---- xz --------------------------------------------------------------------------
if have xz; then
    make x-T2.xz xz xz -T2 -c && check x-T2.xz xz 0 $NO_NOTE $NO_ERR && same_bytes x-T2.xz
    make x-bs.xz xz xz --block-size=1MiB -c && check x-bs.xz xz 0 $NO_NOTE $NO_ERR
    make x-e.xz xz xz -e -c && check x-e.xz xz 0 $NO_NOTE $NO_ERR
    # 64 MiB dictionary: read, and said so
    make x-9.xz xz xz -9 -c &&
        check x-9.xz xz 0 "xz block at compressed offset 12 needs up to 65 MiB of memory" $NO_ERR
    for c in none crc32 crc64 sha256; do
        make x-check-$c.xz xz xz --check=$c --block-size=4MiB -c &&
            check x-check-$c.xz xz 0 $NO_NOTE $NO_ERR
    done
    # two streams with stream padding between and after them
    head -c 10000000 "$D" | xz -c > "$T/v/x-cat.xz"
    head -c 8 /dev/zero >> "$T/v/x-cat.xz"
    tail -c +10000001 "$D" | xz -c >> "$T/v/x-cat.xz"
    head -c 12 /dev/zero >> "$T/v/x-cat.xz"
    check x-cat.xz xz 0 $NO_NOTE $NO_ERR && same_bytes x-cat.xz
    # legacy .lzma: read in order (the scan's lazy open, and decoded once at
    # other opens, then read backwards)
    make x.lzma xz xz --format=lzma -c && check x.lzma lzma 0 $NO_NOTE $NO_ERR
    make x-9.lzma xz xz --format=lzma -9 -c &&
        check x-9.lzma lzma 0 "lzma stream at compressed offset 0 needs up to 64 MiB" $NO_ERR
    if "$LR_CAT" "$T/v/x.lzma" "$T/out.raw" lazy > /dev/null 2> "$T/err" && cmp -s "$T/out.raw" "$D"; then
        ok
    else
        bad "x.lzma: lr_cat lazy does not give the raw bytes ($(cat "$T/err"))"
    fi
    same_bytes x.lzma
    # truncated: read up to the cut, as xz -dc reads it
    xz -c "$D" > "$T/full.xz"
    head -c $(($(stat -c %s "$T/full.xz") / 2)) "$T/full.xz" > "$T/v/x-cut.xz"
    check x-cut.xz xz 2 "no xz stream footer at the end of the file" \
        "x-cut.xz: .*the file ends inside the stream: truncated"
    xz -dc "$T/v/x-cut.xz" 2> /dev/null | cat > "$T/tool.raw" # a pipe: no sparse file cut short
    if "$LR_CAT" "$T/v/x-cut.xz" "$T/out.raw" lazy > "$T/out" 2> "$T/err" && grep -q truncated "$T/out" &&
        cmp -s "$T/out.raw" "$T/tool.raw"; then
        ok
    else
        bad "x-cut.xz: lr_cat lazy does not give xz -dc's bytes ($(cat "$T/out" "$T/err"))"
    fi
    if ! "$LR_CAT" "$T/v/x-cut.xz" "$T/out.raw" > /dev/null 2> "$T/err" &&
        grep -q "the file ends inside the stream: truncated" "$T/err"; then
        ok
    else
        bad "x-cut.xz: not refused by name without LR_IO_LAZY | LR_IO_PARTIAL: $(cat "$T/err")"
    fi
    # read in order across streams, as xz -dc reads them: two streams with
    # padding, cut in the second; one stream with bytes after it; an .lzma
    # with bytes after it (the same bytes as xz -dc, the image ending at
    # the damage, named)
    cat "$T/v/x-cat.xz" > "$T/v/x-cat-cut.xz"
    truncate -s -40 "$T/v/x-cat-cut.xz"
    cp "$T/full.xz" "$T/v/x-junk.xz"
    echo "some bytes after the stream" >> "$T/v/x-junk.xz"
    cp "$T/v/x.lzma" "$T/v/x-junk.lzma"
    echo "some bytes after the stream" >> "$T/v/x-junk.lzma"
    for e in "x-cat-cut.xz:the file ends inside the stream: truncated" \
        "x-junk.xz:not an xz or lzma stream" "x-junk.lzma:bytes after the end of the lzma stream"; do
        f=${e%%:*}
        xz -dc "$T/v/$f" 2> /dev/null | cat > "$T/tool.raw" # a pipe: no sparse file cut short
        if timeout 60 "$LR_CAT" "$T/v/$f" "$T/out.raw" lazy > "$T/out" 2> "$T/err" &&
            grep -q "damaged: .*(${e#*:})" "$T/out" && cmp -s "$T/out.raw" "$T/tool.raw"; then
            ok
        else
            bad "$f: lr_cat lazy: $(stat -c %s "$T/out.raw") bytes, xz -dc $(stat -c %s "$T/tool.raw") ($(cat "$T/out" "$T/err"))"
        fi
    done
    # a byte flipped in the block of a file without its footer (read in
    # order): the scan saw at least the bytes xz -dc writes before its error
    cp "$T/full.xz" "$T/v/x-bad-cut.xz"
    printf '\x55' | dd of="$T/v/x-bad-cut.xz" bs=1 seek=$(($(stat -c %s "$T/full.xz") / 2)) \
        conv=notrunc status=none
    truncate -s -12 "$T/v/x-bad-cut.xz"
    check x-bad-cut.xz xz 2 "no xz stream footer" "x-bad-cut.xz: .*corrupt xz data in the stream at compressed offset 0 \(.*\): the image ends there"
    scanned_vs_tool x-bad-cut.xz xz
    # a byte flipped in the one block of a whole .xz: the image is
    # unreadable from where liblzma noticed, and what it made before that
    # reads but is unsure (the block's check, at its end, could not be
    # made; until 2026-12-07 none of it read): the label as in the raw
    # image, each copy there either vouched for by its slot's checksum or
    # listed UNSURE, and any reaching past it unreadable
    cp "$T/full.xz" "$T/v/x-bad-one.xz"
    printf '\x55' | dd of="$T/v/x-bad-one.xz" bs=1 seek=$(($(stat -c %s "$T/full.xz") / 2)) \
        conv=notrunc status=none
    "$LVMSCAN" --json "$T/v/x-bad-one.xz" > "$T/out" 2> "$T/err"
    rc=$?
    if out=$(python3 - "$T/out" "$T/raw.json" << 'PY'
import json, re, sys
got, raw = (json.load(open(f)) for f in sys.argv[1:3])
msgs = []
im = got["images"][0]
if not re.search(r"are unreadable \(its bytes 0 to \d+ before them decoded, not known to be right\)",
                 im.get("error") or ""):
    msgs.append("images[0].error %r" % im.get("error"))
if [l["pv_uuid"] for l in got["labels"]] != [l["pv_uuid"] for l in raw["labels"]]:
    msgs.append("labels differ from the raw image's")
cps = got["copies"]
if not [c for c in cps if c["unsure"] and c["parse_ok"]]:
    msgs.append("no copy read as unsure")
for c in cps:
    if c["unreadable"]:
        if not c["partial"] or c["crc_ok"] is not None or c["parse_ok"] or \
                not c["parse_error"].startswith("its text could not be read: "):
            msgs.append("unreadable copy at %d: %r" % (c["offset"], c))
    elif c["unsure"] == (c["crc_ok"] is True):
        msgs.append("copy at %d: unsure %s crc_ok %s" % (c["offset"], c["unsure"], c["crc_ok"]))
print("; ".join(msgs[:5]))
PY
    ) && [ -z "$out" ] && [ "$rc" = 2 ]; then
        ok
    else
        bad "x-bad-one.xz: exit $rc: $out ($(head -c 300 "$T/err"))"
    fi
    # a corrupt index (a byte of the index's record of the block): the data
    # read in order up to the index, where the image ends, said so
    cp "$T/full.xz" "$T/v/x-badindex.xz"
    printf '\x55' | dd of="$T/v/x-badindex.xz" bs=1 seek=$(($(stat -c %s "$T/full.xz") - 20)) \
        conv=notrunc status=none
    check x-badindex.xz xz 2 "the xz file's index is unreadable" "x-badindex.xz: "
else
    skip "xz variants: no xz"
fi
make x-pixz.xz pixz pixz -p 2 && check x-pixz.xz xz 0 $NO_NOTE $NO_ERR && same_bytes x-pixz.xz

# ---- zstd ------------------------------------------------------------------------
if have zstd; then
    make z-19.zst zstd zstd -q -19 -c && check z-19.zst zstd 0 $NO_NOTE $NO_ERR
    # windows above the budget: read, and said so (--long=31 from standard
    # input has a 2 GiB window that libzstd refuses by default)
    make z-long27.zst zstd zstd -q --long=27 -c &&
        check z-long27.zst zstd 0 "zstd frame at compressed offset 0 needs up to 128 MiB of memory" $NO_ERR
    # from a file the frame records its size, which bounds the window used
    zstd -q --long=27 "$D" -o "$T/v/z-long27-file.zst" &&
        check z-long27-file.zst zstd 0 "needs up to 32 MiB of memory to decode" $NO_ERR
    # a 2 GiB window: read where it fits in half the memory, refused by
    # name where not (here: under an address-space limit of 1.5 GiB)
    if make z-long31.zst zstd zstd -q --long=31 -c; then
        mem_kib=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)
        if [ "$mem_kib" -gt $((4 << 20)) ]; then
            check z-long31.zst zstd 0 "needs up to 2048 MiB of memory to decode" $NO_ERR
        else
            check z-long31.zst zstd 2 - "needs up to 2048 MiB .*more than half of the"
        fi
        if ! (ulimit -v 1572864 && "$LVMSCAN" --json "$D" > /dev/null 2>&1); then
            skip "z-long31.zst under ulimit -v: lvmscan does not run in 1.5 GiB of address space (a sanitizer build)"
        elif (ulimit -v 1572864 && "$LVMSCAN" --json "$T/v/z-long31.zst" > /dev/null 2> "$T/err"); then
            bad "z-long31.zst: read under ulimit -v 1.5 GiB"
        elif grep -q "z-long31.zst: at byte 0: the zstd frame at compressed offset 0 needs up to 2048 MiB of memory to decode (a window made by zstd's long mode or ultra levels), more than half of the 1536 MiB this process may use: decompress the image first (zstd -d, allowing its window)" "$T/err"; then
            ok
        else
            bad "z-long31.zst under ulimit -v: $(cat "$T/err")"
        fi
    fi
    make z-ultra22.zst zstd zstd -q --ultra -22 -c &&
        check z-ultra22.zst zstd 0 "needs up to 128 MiB of memory to decode" $NO_ERR
    make z-T0.zst zstd zstd -q -T0 -c && check z-T0.zst zstd 0 $NO_NOTE $NO_ERR
    make z-rsyncable.zst zstd zstd -q --rsyncable -c && check z-rsyncable.zst zstd 0 $NO_NOTE $NO_ERR
    make z-nocheck.zst zstd zstd -q --no-check -c && check z-nocheck.zst zstd 0 $NO_NOTE $NO_ERR
    zstd -q --no-content-size "$D" -o "$T/v/z-nosize.zst" && check z-nosize.zst zstd 0 $NO_NOTE $NO_ERR
    make z-stdin.zst zstd zstd -q -c && check z-stdin.zst zstd 0 $NO_NOTE $NO_ERR
    # frames concatenated, skippable frames before, between and after them,
    # and the seekable format (frames of 4 MiB and its seek table)
    head -c 10000000 "$D" | zstd -q -c > "$T/a.zst"
    tail -c +10000001 "$D" | zstd -q -c > "$T/b.zst"
    cat "$T/a.zst" "$T/b.zst" > "$T/v/z-cat.zst"
    check z-cat.zst zstd 0 $NO_NOTE $NO_ERR && same_bytes z-cat.zst
    python3 - "$T" << 'PY'
import struct, subprocess, sys
t = sys.argv[1]
a, b = open(t + "/a.zst", "rb").read(), open(t + "/b.zst", "rb").read()
skip = lambda n, m=0: struct.pack("<II", 0x184D2A50 + m, n) + b"\x07" * n
open(t + "/v/z-skip.zst", "wb").write(skip(16) + a + skip(100, 5) + b + skip(8, 15))
raw = open(t + "/disk.img", "rb").read()
frames, table = [], b""
for k in range(0, len(raw), 4 << 20):
    chunk = raw[k:k + (4 << 20)]
    c = subprocess.run(["zstd", "-q", "-c", "--no-check"], input=chunk, capture_output=True,
                       check=True).stdout
    frames.append(c)
    table += struct.pack("<II", len(c), len(chunk))
table += struct.pack("<IBI", len(frames), 0, 0x8F92EAB1)
seek = struct.pack("<II", 0x184D2A5E, len(table)) + table
open(t + "/v/z-seekable.zst", "wb").write(b"".join(frames) + seek)
PY
    check z-skip.zst zstd 0 $NO_NOTE $NO_ERR && same_bytes z-skip.zst
    check z-seekable.zst zstd 0 $NO_NOTE $NO_ERR && same_bytes z-seekable.zst
    # truncated: read up to the cut, zstd -dc's bytes and the raw image's
    zstd -q -c "$D" > "$T/full.zst"
    head -c $(($(stat -c %s "$T/full.zst") * 95 / 100)) "$T/full.zst" > "$T/v/z-cut.zst"
    check z-cut.zst zstd 2 - "z-cut.zst: .*the file ends inside the frame: truncated"
    zstd -dc "$T/v/z-cut.zst" 2> /dev/null | cat > "$T/tool.raw" # a pipe: no sparse file cut short
    "$LR_CAT" "$T/v/z-cut.zst" "$T/out.raw" lazy > "$T/out" 2> "$T/err"
    n=$(stat -c %s "$T/out.raw")
    tn=$(stat -c %s "$T/tool.raw")
    # zstd -dc writes only whole buffers before it stops: ours may be longer
    if grep -q truncated "$T/out" && [ "$n" -ge "$tn" ] && [ "$tn" -gt 0 ] &&
        cmp -s "$T/out.raw" <(head -c "$n" "$D") && cmp -s "$T/tool.raw" <(head -c "$tn" "$D"); then
        ok
    else
        bad "z-cut.zst: lr_cat lazy gives $n bytes, zstd -dc $tn ($(cat "$T/out" "$T/err"))"
    fi
    # a corrupt frame among many: 8 MiB of text (no LVM in it) then the
    # raw image, cut in 4 MiB chunks each compressed by zstd from a file
    # (so each frame records its content size), a byte of the second
    # frame's block data flipped. The scan goes past the frame and finds
    # the PV that lies after it (8 MiB in) as in the raw bytes; the frame's
    # bytes from where the damage showed are unreadable and named, those
    # its blocks made before that unsure; every other byte is zstd -dc's.
    mkdir -p "$T/fr"
    python3 -c "import base64, random, sys; r = random.Random(1)
sys.stdout.buffer.write(base64.encodebytes(r.randbytes(6 << 20))[:8 << 20])" > "$T/fr/filler"
    cat "$T/fr/filler" "$D" > "$T/fr/R.img"
    (cd "$T/fr" && split -b 4M -a 2 R.img c && for c in c??; do zstd -q "$c" || exit 1; done)
    cat "$T"/fr/c??.zst > "$T/v/z-frames-bad.zst"
    s0=$(stat -c %s "$T/fr/caa.zst")
    printf '\x55' | dd of="$T/v/z-frames-bad.zst" bs=1 seek=$((s0 + $(stat -c %s "$T/fr/cab.zst") / 2)) \
        conv=notrunc status=none
    for c in "$T"/fr/c??.zst; do # zstd -dc of each good frame; the bad one a hole
        if [ "$c" = "$T/fr/cab.zst" ]; then head -c 4194304 /dev/zero; else zstd -dc "$c"; fi
    done > "$T/fr/want.raw"
    "$LVMSCAN" --json "$T/fr/R.img" > "$T/fr/R.json" || bad "z-frames-bad.zst: lvmscan of its raw bytes"
    "$LVMSCAN" --json "$T/v/z-frames-bad.zst" > "$T/out.json" 2> "$T/err"
    rc=$?
    [ $rc = 2 ] && ok || bad "z-frames-bad.zst: lvmscan exit $rc, want 2 ($(cat "$T/err"))"
    grep -q "z-frames-bad.zst: at byte [0-9]*: corrupt zstd data in the frame at compressed offset $s0 (.*): its decompressed bytes [0-9]* to 8388607 are unreadable\( (its bytes 4194304 to [0-9]* before them decoded, not known to be right)\)\?; [0-9]* unreadable bytes were skipped, the other [0-9]* scanned" "$T/err" &&
        ok || bad "z-frames-bad.zst: lvmscan's error: $(cat "$T/err")"
    python3 - "$T/fr/R.json" "$T/out.json" << 'PY' && ok || bad "z-frames-bad.zst: the scan past the bad frame differs from the raw scan"
import json, sys
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert im["error"] and not im["truncated"] and 0 < im["unreadable"] <= 4 << 20, im
assert "to 8388607 are unreadable" in im["error"], im
assert im["scanned"] == im["size"] == raw["images"][0]["size"] == 40 << 20, im
assert [l["offset"] for l in got["labels"]] == [(8 << 20) + 512], got["labels"]
for k in raw:
    if k not in ("images", "failed_images"):
        assert raw[k] == got.get(k), k
assert len(got["vgs"]) == 1 and len(got["copies"]) > 1
PY
    for mode in skip lazy; do # read at open (the frames listed) and as the scan reads
        if "$LR_CAT" "$T/v/z-frames-bad.zst" "$T/out.raw" $mode > "$T/out" 2> "$T/err" &&
            from=$(sed -n 's/^unreadable \([0-9]*\) 8388608$/\1/p' "$T/out") && [ -n "$from" ] &&
            { [ "$from" = 4194304 ] || grep -qx "unsure 4194304 $from" "$T/out"; } &&
            cmp -s <(head -c 4194304 "$T/out.raw") <(head -c 4194304 "$T/fr/want.raw") &&
            cmp -s <(tail -c +8388609 "$T/out.raw") <(tail -c +8388609 "$T/fr/want.raw"); then
            ok
        else
            bad "z-frames-bad.zst: lr_cat $mode: not zstd -dc's bytes around the bad frame ($(cat "$T/out" "$T/err"))"
        fi
    done
    # the committed slot made longer (header resealed) so that the bytes it
    # covers run from the copy's text, read whole, into a corrupt frame:
    # whether its checksum matches is not known, and it is not called bad
    # (it was "committed(BAD-CRC)", crc_ok false, before)
    mkdir -p "$T/sl"
    python3 - "$D" "$T/raw.json" "$T/sl" << 'PY' || bad "z-slot-bad.zst: could not make it"
import json, struct, subprocess, sys, zlib
img, raw, out = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
b = bytearray(open(img, "rb").read())
cp = next(c for c in raw["copies"] if c["committed"] and c["image"] == 0)
h = 4096  # the first PV's area header (the fixture's)
assert b[h + 4:h + 20] == b"\x20LVM2\x20x[5A%r0N*>", b[h + 4:h + 20]
area = struct.unpack_from("<Q", b, h + 24)[0]
off, size = struct.unpack_from("<QQ", b, h + 40)
assert area + off == cp["offset"] and size == cp["length"], (area, off, size, cp)
end = cp["offset"] + cp["length"]
cut = (end + 4095) // 4096 * 4096 + 4096  # the frame [cut, cut + 4096) goes bad
struct.pack_into("<Q", b, h + 48, cut + 1000 - cp["offset"])
init = 0xf597a6cf
struct.pack_into("<I", b, h, (~zlib.crc32(bytes(b[h + 4:h + 512]), ~init & 0xffffffff)) & 0xffffffff)
parts = [b[:cut], b[cut:cut + 4096], b[cut + 4096:]]
frames = []
for i, p in enumerate(parts):
    open("%s/p%d" % (out, i), "wb").write(p)
    subprocess.run(["zstd", "-q", "-f", "%s/p%d" % (out, i)], check=True)
    frames.append(open("%s/p%d.zst" % (out, i), "rb").read())
bad = bytearray(frames[1])
bad[len(bad) // 2] ^= 0x55
open("%s/z-slot-bad.zst" % out, "wb").write(frames[0] + bad + frames[2])
print(cp["offset"])
PY
    at=$(python3 -c "import json; print(next(c['offset'] for c in json.load(open('$T/raw.json'))['copies'] if c['committed'] and c['image'] == 0))")
    "$LVMSCAN" --json "$T/sl/z-slot-bad.zst" > "$T/out.json" 2> /dev/null
    "$LVMSCAN" "$T/sl/z-slot-bad.zst" > "$T/out.txt" 2> /dev/null
    python3 - "$T/out.json" "$at" << 'PY' && ok || bad "z-slot-bad.zst: the copy's checksum is not shown as not known"
import json, sys
d, at = json.load(open(sys.argv[1])), int(sys.argv[2])
c = next(c for c in d["copies"] if c["image"] == 0 and c["offset"] == at)
assert c["committed"] and c["crc_ok"] is None and not c["unreadable"] and c["parse_ok"], c
assert d["images"][0]["unreadable"] == 4096, d["images"][0]
PY
    grep -q "committed(checksum not known)" "$T/out.txt" && ! grep -q "BAD-CRC" "$T/out.txt" && ok ||
        bad "z-slot-bad.zst: lvmscan's report: $(grep -n "committed" "$T/out.txt" | head -3)"
    # pzstd records no content size: the image ends at a corrupt frame, and
    # the message says why; the scan saw at least the bytes zstd -dc gets
    # before its error (the call that fails reports nothing it made)
    if have pzstd; then
        pzstd -q -p 2 -c < "$T/fr/R.img" > "$T/v/z-pzstd-bad.zst"
        printf '\x55' | dd of="$T/v/z-pzstd-bad.zst" bs=1 seek=1500000 conv=notrunc status=none
        check z-pzstd-bad.zst zstd 2 - "z-pzstd-bad.zst: at byte [0-9]*: corrupt zstd data in the frame at compressed offset 12 \(.*; the frame records no decompressed size \(pzstd, or zstd reading a pipe\), so the frames after it cannot be placed in the image\): the image ends there \([0-9]* bytes decompressed\)"
        scanned_vs_tool z-pzstd-bad.zst zstd
    else
        skip "z-pzstd-bad.zst: no pzstd"
    fi
    # one frame from a pipe, a byte flipped early: libzstd notices at the
    # frame's checksum, zstd -dc has written all but the last block
    zstd -q -c < "$T/fr/R.img" > "$T/v/z-pipe-bad.zst"
    printf '\x55' | dd of="$T/v/z-pipe-bad.zst" bs=1 seek=1500000 conv=notrunc status=none
    check z-pipe-bad.zst zstd 2 - "z-pipe-bad.zst: .*corrupt zstd data in the frame at compressed offset 0 \(.*\): the image ends there"
    scanned_vs_tool z-pipe-bad.zst zstd
    # the same frame made from the file (its size recorded): the checksum
    # fails at the frame's end as well, but where it ends is known, so its
    # bytes from there are unreadable, as an xz block's are, what decoded
    # before the checksum failed is unsure (read, but never taken for the
    # image's as fact: a copy read from it is UNSURE unless its slot's
    # checksum vouches for it), and the image is the size the frame
    # announces (not cut where the checksum failed)
    zstd -q -c "$T/fr/R.img" > "$T/v/z-sized-bad.zst"
    printf '\x55' | dd of="$T/v/z-sized-bad.zst" bs=1 seek=1500000 conv=notrunc status=none
    check z-sized-bad.zst zstd 2 - "z-sized-bad.zst: .*corrupt zstd data in the frame at compressed offset 0 \(.*checksum.*\): its decompressed bytes [0-9]* to $(($(stat -c %s "$T/fr/R.img") - 1)) are unreadable \(its bytes 0 to [0-9]* before them decoded, not known to be right\)"
    "$LVMSCAN" --json "$T/v/z-sized-bad.zst" > "$T/out.json" 2> /dev/null
    python3 - "$T/out.json" "$(stat -c %s "$T/fr/R.img")" << 'PY' && ok || bad "z-sized-bad.zst: what decoded before the checksum failed not read as unsure, or the image cut short"
import json, sys
d, size = json.load(open(sys.argv[1])), int(sys.argv[2])
im = d["images"][0]
assert im["size"] == size and 0 < im["unreadable"] < size, im
read = [c for c in d["copies"] if c["image"] == 0 and not c["unreadable"]]
assert read, "no copy read from what the frame decoded"
assert all(c["unsure"] != (c["crc_ok"] is True) for c in read), "a copy read as fact"
PY
    # its one frame ends the image: the report says it ends there as far
    # as it decompresses, not "scanned N of N" (until 2026-12-08)
    "$LVMSCAN" "$T/v/z-sized-bad.zst" > "$T/out" 2> /dev/null
    grep -q "TRUNCATED: the image ends at byte $(stat -c %s "$T/fr/R.img") as far as it decompresses" "$T/out" &&
        ok || bad "z-sized-bad.zst: $(grep TRUNCATED "$T/out")"
    # made with a dictionary (zstd -D): refused naming it, not "corrupt"
    mkdir -p "$T/samples"
    (cd "$T/samples" && split -b 64k "$D" s)
    if zstd -q --train "$T"/samples/* -o "$T/dict" 2> /dev/null; then
        zstd -q -D "$T/dict" -c "$D" > "$T/v/z-dict.zst"
        check z-dict.zst - 2 - "z-dict.zst: .*was made with dictionary [0-9]+ \(zstd -D\): it cannot be decoded without that dictionary"
    else
        skip "z-dict.zst: zstd --train made no dictionary"
    fi
else
    skip "zstd variants: no zstd"
fi
make z-pzstd.zst pzstd pzstd -q -p 2 -c && check z-pzstd.zst zstd 0 $NO_NOTE $NO_ERR &&
    same_bytes z-pzstd.zst

# ---- compressors we do not read: refused by name, never scanned as raw -------------
# foreign NAME TOOL MESSAGE COMMAND...
foreign() {
    local name=$1 tool=$2 msg=$3
    shift 3
    make "$name" "$tool" "$@" || return
    # the command names the file given (it said IMAGE until 2026-12-07)
    check "$name" - 2 - "$name: $msg-compressed image: lvmrescue reads gzip, xz, lzma and zstd images, not this one; decompress it first \\([^)]*/v/$name"
}
foreign b.bz2 bzip2 "a bzip2" bzip2 -c
foreign l.lz4 lz4 "an lz4" lz4 -c
foreign l.lz lzip "an lzip" lzip -c
foreign l.lzo lzop "an lzop" lzop -c
if ! have bzip2 && python3 -c "import bz2" 2> /dev/null; then # libbz2 through python
    python3 -c "import bz2, sys; sys.stdout.buffer.write(bz2.compress(open(sys.argv[1], 'rb').read()))" \
        "$D" > "$T/v/b-py.bz2"
    check b-py.bz2 - 2 - "b-py.bz2: a bzip2-compressed image: lvmrescue reads gzip, xz, lzma and zstd images"
fi

echo "image-compressed-variants: $passes passed, $fails failed, $skips skipped"
[ $fails = 0 ]
