#!/usr/bin/env bash
# A .zst whose later frame needs a larger window than its first (frames
# made with different options and concatenated, as `cat` of .zst files
# does), made at test time by the zstd tool from fixtures/history/disk.img.gz:
# the raw image compressed plainly (a 2 MiB window), then 128 MiB of zeros
# compressed with --long=27 (a 128 MiB window, the content size recorded:
# --stream-size), then 1 MiB of zeros compressed plainly. The reader checks
# every frame's window before decoding it, not only the first one's:
#  - read as it is: lvmscan --json finds what it finds in the raw bytes
#    (the image followed by 129 MiB of zeros), exit 0, and
#    images[].warnings names the second frame's 128 MiB; lr_cat (the pass at
#    open, and lazy) gives the raw bytes;
#  - under ulimit -v 200 MiB (half: 100 MiB) the second frame is not
#    decoded: its bytes are unreadable (images[].unreadable, exit 2), the
#    message names the memory, not corrupt data, and the scan finds the
#    rest as in the raw bytes; lr_cat skip reads the other bytes as they
#    are and says which are unreadable;
#  - the same frame made from a pipe without --stream-size (no content
#    size: where the frames after it start is not known): the image ends
#    there, truncated, exit 2, the message naming the memory.
# usage: zstd-later-window.sh LVMSCAN LR_CAT FIXTURES_DIR
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
LR_CAT=$2
FIX=$3
lr_init_offline zstd-later-window "$LVMSCAN" "$FIX" # skips without python3
lr_need zstd
T=$LR_TMP
# every check is run and counted; the failures are listed at the end
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

D=$T/disk.img
gzip -dc "$FIX/history/disk.img.gz" > "$D"
zstd -q -c "$D" > "$T/later.zst"
at=$(stat -c %s "$T/later.zst") # where the second frame starts
head -c 134217728 /dev/zero | zstd -q --long=27 --stream-size=134217728 -c > "$T/big.zst"
cat "$T/big.zst" >> "$T/later.zst"
head -c 1048576 /dev/zero | zstd -q -c >> "$T/later.zst"
if ! zstd -lv "$T/big.zst" 2>&1 | grep -q "Window Size: 128 MiB"; then
    echo "SKIPPED: zstd-later-window: this zstd does not make a 128 MiB window with --long=27"
    exit 77
fi
cp "$D" "$T/raw.img"
truncate -s +129M "$T/raw.img"
"$LVMSCAN" --json "$T/raw.img" > "$T/raw.json" || { echo "FAIL: lvmscan of the raw bytes"; exit 1; }
img_size=$(stat -c %s "$D")
window_end=$((img_size + 134217728))

# same.py RAW GOT RC WANT_RC NOTE UNREADABLE TRUNCATED: the findings (every
# key but "images" and "failed_images") are the raw bytes', the exit status
# WANT_RC, a warning matches NOTE ("-": none), images[0].unreadable and
# .truncated as given
cat > "$T/same.py" << 'PY'
import json, re, sys
raw, got, rc, want_rc, note, unreadable, truncated = sys.argv[1:]
msgs = []
r = json.load(open(raw))
g = json.load(open(got))
im = g["images"][0]
if rc != want_rc:
    msgs.append("exit %s, want %s" % (rc, want_rc))
warns = im.get("warnings", [])
if note == "-" and warns:
    msgs.append("unexpected warnings %s" % warns)
if note != "-" and not any(re.search(note, w) for w in warns):
    msgs.append("no warning matches %r: %s" % (note, warns))
if im.get("unreadable") != int(unreadable):
    msgs.append("unreadable %s, want %s" % (im.get("unreadable"), unreadable))
if str(im.get("truncated")).lower() != truncated:
    msgs.append("truncated %s, want %s" % (im.get("truncated"), truncated))
for k in r:
    if k not in ("images", "failed_images") and r[k] != g.get(k):
        msgs.append("key %s differs from the raw bytes'" % k)
print("; ".join(msgs) if msgs else "ok")
PY
# check NAME RC NOTE UNREADABLE TRUNCATED: same.py on $T/NAME.json
check() {
    local out
    out=$(python3 "$T/same.py" "$T/raw.json" "$T/$1.json" "$2" "$3" "$4" "$5" "$6")
    [ "$out" = ok ] && ok || bad "$1: $out"
}

# ---- read as it is: the second frame's window is noted -----------------------------
"$LVMSCAN" --json "$T/later.zst" > "$T/later.json" 2> "$T/err"
check later $? 0 "^the zstd frame at compressed offset $at needs up to 128 MiB of memory to decode \(a window made by zstd's long mode or ultra levels\): read with it" 0 false
grep -q "WARNING: later.zst: the zstd frame at compressed offset $at needs up to 128 MiB" <(sed "s|$T/||" "$T/err") &&
    ok || bad "later.zst: no WARNING on stderr: $(cat "$T/err")"
for mode in "" lazy; do
    if "$LR_CAT" "$T/later.zst" "$T/out.raw" $mode > /dev/null 2> "$T/err" &&
        cmp -s "$T/out.raw" "$T/raw.img"; then
        ok
    else
        bad "later.zst: lr_cat ${mode:-at open} does not give the raw bytes ($(cat "$T/err"))"
    fi
done

# ---- under ulimit -v: the second frame is not decoded, and the error says why ------
LIMIT=204800 # KiB: 200 MiB, half of it 100 MiB < 128 MiB
# (grep's basic regular expressions: the parentheses are literal)
why="the zstd frame at compressed offset $at needs up to 128 MiB of memory to decode (a window made by zstd's long mode or ultra levels), more than half of the 200 MiB this process may use: decompress the image first (zstd -d, allowing its window)"
# says_memory NAME TEXT: lvmscan's stderr names NAME, the frame's offset and
# TEXT (a regular expression), never corrupt data
says_memory() {
    if grep -q "$1: at byte $at: $2" "$T/err" && ! grep -q corrupt "$T/err"; then
        ok
    else
        bad "$1 under ulimit -v: $(cat "$T/err")"
    fi
}
if ! (ulimit -v $LIMIT && "$LVMSCAN" --json "$D" > /dev/null 2>&1); then
    echo "SKIPPED: zstd-later-window under ulimit -v: lvmscan does not run in 200 MiB of address space (a sanitizer build)"
else
    (ulimit -v $LIMIT && "$LVMSCAN" --json "$T/later.zst" > "$T/limited.json" 2> "$T/err")
    check limited $? 2 - 134217728 false
    says_memory later.zst "$why; its decompressed bytes $img_size to $((window_end - 1)) are unreadable"
    # the pass at open skips it too; the other bytes are the raw ones
    (ulimit -v $LIMIT && "$LR_CAT" "$T/later.zst" "$T/out.raw" skip > "$T/out" 2> "$T/err")
    rc=$?
    if [ $rc = 0 ] && grep -q "^unreadable $img_size $window_end$" "$T/out" &&
        cmp -s <(head -c "$img_size" "$T/out.raw") "$D" &&
        cmp -s <(tail -c +$((window_end + 1)) "$T/out.raw") <(head -c 1048576 /dev/zero); then
        ok
    else
        bad "later.zst: lr_cat skip under ulimit -v: exit $rc, $(cat "$T/out" "$T/err")"
    fi
    # no content size: the image ends at the frame (the lazy first pass)
    zstd -q -c "$D" > "$T/pipe.zst"
    head -c 1048576 /dev/zero | zstd -q --long=27 -c >> "$T/pipe.zst"
    (ulimit -v $LIMIT && "$LVMSCAN" --json "$T/pipe.zst" > "$T/pipe.json" 2> "$T/err")
    check pipe $? 2 - 0 true
    says_memory pipe.zst "$why; the frame records no decompressed size .*: the image ends there ($img_size bytes decompressed)"
fi

echo "zstd-later-window: $passes passed, $fails failed"
[ $fails = 0 ]
