#!/usr/bin/env bash
# Benchmark lvmscan on container and compressed images against each
# format's own fastest reader writing the raw bytes to /dev/null.
#
# Builds an image (SIZE MiB, default 512): the first half random bytes, the
# second half zeros (so compression matters and sparse formats have holes),
# with the real fixture PV (fixtures/history) planted at an odd sector one
# third in; converts it to each format with its own tool; warms the page
# cache; then, for each format, times the reference reader and
# `lvmscan --json` (RUNS each, alternately; the median of each, which a
# machine loaded by other work disturbs less than the best), takes lvmscan's peak
# RSS from /usr/bin/time -v, and checks that the planted PV's label is found
# at its offset. Prints one Markdown table row per format.
#
# References: qcow2/vmdk/vhdx/vpc: `qemu-img convert -O raw IMG /dev/null`
# is refused by qemu-img (it cannot grow /dev/null), so qemu's own reader
# `qemu-io -r -c "read -q OFF 16M"` over the whole image, one process; E01: `ewfexport -u -q -f raw -t -` to
# /dev/null; xz: `xz -dc`; zstd: `zstd -dc`; split: `cat` of the segments;
# gz: `gzip -dc`.
#
# usage: [LVMSCAN_ARGS=--no-evidence] scan/bench/bench-formats.sh [-s SIZE_MIB] [-r RUNS] [-b BUILD_DIR] [-f "FORMATS"]
#   FORMATS: a subset of "qcow2 vmdk vhdx vpc ewf xz xz-single zstd zstd-multi split gz ova"
#   (gz, not in the default list: `gzip -1`, read between the gzip reader's
#   access points; its reference is `gzip -dc`; ova, not in the default
#   list either: a stream-optimized VMDK in a tar archive, as a virtual
#   machine's export holds it, read where it lies; its reference is
#   qemu-io reading the same VMDK file outside the archive)
# Needs qemu-utils, ewf-tools, xz-utils, zstd, GNU time, openssl (for speed).
set -euo pipefail

SIZE_MIB=512
RUNS=3
BUILD=build
FORMATS="qcow2 vmdk vhdx vpc ewf xz xz-single zstd zstd-multi split"
while getopts "s:r:b:f:" o; do
    case $o in
    s) SIZE_MIB=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    f) FORMATS=$OPTARG ;;
    *) echo "usage: $0 [-s SIZE_MIB] [-r RUNS] [-b BUILD_DIR] [-f FORMATS]" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
LVMSCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
LVMSCAN_ARGS=${LVMSCAN_ARGS:-} # e.g. --no-evidence: the scan without the evidence reads
FIXTURE=$ROOT/fixtures/history/disk.img.gz
[ -x "$LVMSCAN" ] || { echo "no lvmscan at $LVMSCAN (build first)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-formats.XXXXXX")
trap 'rm -rf "$W"' EXIT
IMG=$W/disk.img
HALF=$(( SIZE_MIB / 2 ))
PLANT_SECTOR=$(( (SIZE_MIB * 2048) / 3 | 1 ))
PLANT=$(( PLANT_SECTOR * 512 ))
echo "building $IMG: $HALF MiB random + $(( SIZE_MIB - HALF )) MiB zeros, PV at sector $PLANT_SECTOR" >&2
if command -v openssl >/dev/null; then
    head -c $(( HALF << 20 )) < <(openssl enc -aes-128-ctr -nosalt -pass pass:lvmscan \
        -in /dev/zero 2>/dev/null) > "$IMG"
else
    dd if=/dev/urandom of="$IMG" bs=1M count="$HALF" status=none
fi
truncate -s $(( SIZE_MIB << 20 )) "$IMG"
zcat "$FIXTURE" | dd of="$IMG" bs=512 seek="$PLANT_SECTOR" conv=notrunc status=none

# format -> the file lvmscan scans; ref_FORMAT runs the reference reader
make_format() {
    case $1 in
    qcow2 | vmdk | vhdx | vpc) qemu-img convert -f raw -O "$1" "$IMG" "$W/img.$1"; echo "$W/img.$1" ;;
    ewf)
        ewfacquire -u -q -c fast -t "$W/img" -C b -D b -e b -E b -N b "$IMG" > /dev/null 2>&1
        echo "$W/img.E01" ;;
    xz) xz -T0 -1 -c "$IMG" > "$W/img.xz"; echo "$W/img.xz" ;;
    xz-single) xz -T1 -1 -c "$IMG" > "$W/single.xz"; echo "$W/single.xz" ;;
    zstd) zstd -q -1 -c "$IMG" > "$W/img.zst"; echo "$W/img.zst" ;;
    zstd-multi) split -b 16M --filter='zstd -q -1 -c' "$IMG" > "$W/multi.zst"; echo "$W/multi.zst" ;;
    split) split -d -a 3 --numeric-suffixes=1 -b 100M "$IMG" "$W/split."; echo "$W/split.001" ;;
    gz) gzip -1 -c "$IMG" > "$W/img.gz"; echo "$W/img.gz" ;;
    ova)
        qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$IMG" "$W/img.stream.vmdk"
        echo '<Envelope/>' > "$W/img.ovf"
        tar -C "$W" -cf "$W/img.ova" img.ovf img.stream.vmdk
        echo "$W/img.ova" ;;
    esac
}
reference() { # FORMAT FILE
    case $1 in
    qcow2 | vmdk | vhdx | vpc)
        local args=() o
        for ((o = 0; o < SIZE_MIB; o += 16)); do args+=(-c "read -q ${o}M 16M"); done
        qemu-io -r -f "$1" "${args[@]}" "$2" ;;
    ova)
        local args=() o
        for ((o = 0; o < SIZE_MIB; o += 16)); do args+=(-c "read -q ${o}M 16M"); done
        qemu-io -r -f vmdk "${args[@]}" "${2%.ova}.stream.vmdk" ;;
    ewf) ewfexport -u -q -f raw -t - "$2" > /dev/null 2>&1 ;;
    xz | xz-single) xz -dc "$2" > /dev/null ;;
    zstd | zstd-multi) zstd -q -dc "$2" > /dev/null ;;
    split) cat "${2%.001}".??? > /dev/null ;;
    gz) gzip -dc "$2" > /dev/null ;;
    esac
}
now() { date +%s.%N; }
seconds() { # wall time of "$@"
    local t0 t1
    t0=$(now)
    "$@"
    t1=$(now)
    echo "$t1 - $t0" | bc
}
median() { # the middle of the values (the lower middle of an even count)
    printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"
}
ref_name() {
    case $1 in
    qcow2 | vmdk | vhdx | vpc) echo "qemu-io read" ;;
    ova) echo "qemu-io read of its VMDK" ;;
    ewf) echo "ewfexport" ;;
    xz*) echo "xz -dc" ;;
    zstd*) echo "zstd -dc" ;;
    split) echo "cat" ;;
    gz) echo "gzip -dc" ;;
    esac
}

echo "| format | file size | reference | reference (median) | lvmscan (median) | ratio | peak RSS | PV found |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for f in $FORMATS; do
    file=$(make_format "$f")
    cat "$W"/* > /dev/null 2>&1 || true
    rs=() ls=() rss=0
    for _ in $(seq "$RUNS"); do
        rs+=("$(seconds reference "$f" "$file")")
        l=$( { /usr/bin/time -f "%e %M" "$LVMSCAN" --json --quiet $LVMSCAN_ARGS "$file" > "$W/out.json"; } 2>&1 | tail -1)
        ls+=("${l% *}")
        [ "${l#* }" -gt "$rss" ] && rss=${l#* }
    done
    rb=$(median "${rs[@]}")
    lb=$(median "${ls[@]}")
    found=$(python3 -c "
import json,sys
d=json.load(open('$W/out.json'))
print('yes' if any(l['offset']==$PLANT+512 for l in d['labels']) else 'NO')")
    ratio=$(echo "scale=2; $lb / $rb" | bc)
    size=$(du -b --apparent-size "$file" | cut -f1)
    printf '| %s | %s MiB | %s | %.2f s | %.2f s | %s× | %s MiB | %s |\n' "$f" \
        $(( size >> 20 )) "$(ref_name "$f")" "$rb" "$lb" "$ratio" $(( rss / 1024 )) "$found"
    rm -f "$W"/img.* "$W"/single.xz "$W"/multi.zst "$W"/split.*
done
