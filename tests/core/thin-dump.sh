#!/bin/bash
# The committed truth of fixtures/thin is still what thin-provisioning-tools
# say: cut the pool metadata LV out of the image (2 MiB at extent 0 and 2 MiB
# at extent 40, pe_start 1 MiB) and compare thin_dump's output with
# truth/thin_dump.xml, and thin_check's verdicts with truth/thin_check.txt.
set -euo pipefail
SRC=$1
FX=$SRC/fixtures/thin
for c in thin_dump thin_check; do
    if ! command -v $c >/dev/null 2>&1; then
        echo "SKIPPED: thin-dump: $c not installed (thin-provisioning-tools)"
        exit 77
    fi
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for img in disk damaged; do
    gzip -dc "$FX/$img.img.gz" > "$T/$img.img"
    dd if="$T/$img.img" of="$T/$img.meta" bs=1M skip=1 count=2 status=none
    dd if="$T/$img.img" of="$T/$img.meta" bs=1M skip=41 count=2 seek=2 status=none
done
thin_dump "$T/disk.meta" > "$T/dump.xml"
cmp "$T/dump.xml" "$FX/truth/thin_dump.xml"
{ thin_check "$T/disk.meta" 2>&1; echo "--- damaged ---"; thin_check "$T/damaged.meta" 2>&1 || true; } > "$T/check.txt"
diff "$T/check.txt" "$FX/truth/thin_check.txt"
echo "thin-dump: thin_dump and thin_check agree with the committed truth"
