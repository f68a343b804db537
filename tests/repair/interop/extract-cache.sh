#!/bin/bash
# extract-cache.sh LVMREPAIR FIXTURES - --extract of cache LVs of
# fixtures/cache (LVM2 metadata loaded by real LVM2, dm-cache metadata
# written by cache_restore, data by fixtures/make-cache.py): the origin with
# the dirty blocks merged from the cache data LV must equal the known
# content; the mapped and dirty counts must be cache_dump's (truth/); a
# damaged superblock or tree is refused naming the block, nothing written.
set -u
BIN=$1
FIX=$2/cache
MK=$2/make-cache.py
. "$(dirname "$0")/extract-lib.sh"

for lv in data data2; do
    python3 "$MK" pattern "$lv" >"$T/want"
    run 0 "$lv" "$FIX/pv0.img.gz" || continue
    cmp -s "$T/out" "$T/want" || fail "$lv: extracted data differs"
    mapped=$(grep -c "<mapping " "$FIX/truth/cache_dump-$lv.xml")
    dirty=$(grep -c 'dirty="true"' "$FIX/truth/cache_dump-$lv.xml")
    grep -q "$mapped of 8 cache blocks in use, $dirty dirty merged from ${lv}_cpool_cdata" "$T/stderr" ||
        fail "$lv: counts differ from cache_dump ($mapped mapped, $dirty dirty): $(cat "$T/stderr")"
done

# writecache: the committed fixture's cachevol holds no dm-writecache
# superblock (zeros): what it held is unknown, so it is refused naming the
# cachevol, nothing written
run 2 wc "$FIX/pv0.img.gz" && {
    grep -q "fast_cvol: no dm-writecache superblock (zeroed" "$T/stderr" ||
        fail "wc: $(cat "$T/stderr")"
    [ -e "$T/out" ] && fail "wc: output written"
}
# with dm-writecache metadata written by writecache.py after the kernel's
# layout (committed, superseded, uncommitted and free entries): the origin
# with the newest committed block of each origin block merged, the expected
# LV computed by the script from the image bytes
gzip -dc "$FIX/pv0.img.gz" >"$T/wc.img"
if counts=$(python3 "$(dirname "$0")/writecache.py" "$T/wc.img" "$T/want"); then
    read -r committed merged nblocks <<<"$counts"
    if run 0 wc "$T/wc.img"; then
        cmp -s "$T/out" "$T/want" || fail "wc: extracted data differs from the expected merge"
        grep -q "writecache (block 4096 bytes, seq_count 10): $committed of $nblocks cache blocks not yet written back, $merged origin blocks merged from fast_cvol" "$T/stderr" ||
            fail "wc: counts ($committed committed, $merged merged): $(cat "$T/stderr")"
    fi
    # a damaged superblock (another magic): named, nothing written
    printf 'X' | dd of="$T/wc.img" bs=1 seek=$((1048576 + 48 * 65536)) conv=notrunc status=none
    run 2 wc "$T/wc.img" && { grep -q "fast_cvol: no dm-writecache superblock (magic" "$T/stderr" ||
        fail "wc bad magic: $(cat "$T/stderr")"; [ -e "$T/out" ] && fail "wc bad magic: output written"; }
else
    fail "writecache.py"
fi

# version 2 dirty bits (cache_restore 0.9 writes none): set in data2's
# dirty bitset by cache-v2-dirty.py following the kernel's layout, with new
# bytes in every mapped cache block; exactly the dirty ones must be merged
# (the expected LV computed by the script from the image bytes); cache_check
# must accept the changed metadata (the script's checksums)
for dirty in "2 5" "0"; do
    gzip -dc "$FIX/pv0.img.gz" >"$T/v2.img"
    python3 "$(dirname "$0")/cache-v2-dirty.py" "$T/v2.img" "$T/want" $dirty >/dev/null ||
        { fail "cache-v2-dirty.py $dirty"; continue; }
    if command -v cache_check >/dev/null; then
        dd if="$T/v2.img" of="$T/cmeta" bs=65536 skip=$((16 + 42)) count=2 status=none
        cache_check "$T/cmeta" >/dev/null 2>&1 || fail "v2 dirty $dirty: cache_check rejects the metadata"
    fi
    run 0 data2 "$T/v2.img" || continue
    cmp -s "$T/out" "$T/want" || fail "data2 with cache blocks $dirty dirty: extracted data differs"
    n=$(echo $dirty | wc -w)
    grep -q "3 of 8 cache blocks in use, $n dirty merged from data2_cpool_cdata" "$T/stderr" ||
        fail "data2 with cache blocks $dirty dirty: $(cat "$T/stderr")"
done

# damage, on copies: data's metadata LV starts at extent 20 (1 MiB + 20 * 64 KiB)
gzip -dc "$FIX/pv0.img.gz" >"$T/pv0.img"
meta=$((1048576 + 20 * 65536))
cp "$T/pv0.img" "$T/bad.img"
printf 'X' | dd of="$T/bad.img" bs=1 seek=$((meta + 300)) conv=notrunc status=none
run 2 data "$T/bad.img" && {
    grep -q "data_cpool_cmeta.*superblock: checksum mismatch" "$T/stderr" || fail "bad sb: $(cat "$T/stderr")"
    [ -e "$T/out" ] && fail "bad superblock: output written"
}
cp "$T/pv0.img" "$T/bad.img"
for b in $(seq 1 31); do
    printf 'X' | dd of="$T/bad.img" bs=1 seek=$((meta + b * 4096 + 100)) conv=notrunc status=none
done
run 2 data "$T/bad.img" && {
    grep -q "data_cpool_cmeta.*\(btree node\|array block\) [0-9]*: checksum mismatch" "$T/stderr" ||
        fail "bad tree: $(cat "$T/stderr")"
}

finish
