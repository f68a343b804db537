#!/usr/bin/env bash
# lvmscan as a program: every fixture gives valid JSON with the documented
# keys and exit 0; damaged, garbage, truncated and hostile images never crash
# it and still give valid JSON; exit codes 0/1/2 as documented; an image that
# cannot be opened or read whole is reported while the others are scanned;
# messages and wording; an uncommitted newest copy is flagged; -q, --help,
# --version; scanning never changes the image.
# usage: test-cli.sh LVMSCAN FIXTURES_DIR
set -u
LVMSCAN=$1
FIX=$2
if ! command -v python3 >/dev/null; then
    echo "SKIPPED: lvmscan-cli needs python3 to validate JSON"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

valid_json() { python3 -c 'import json,sys; json.load(sys.stdin)' < "$1"; }

# runs lvmscan "$@" > $T/out 2> $T/err and checks the exit code
expect() {
    local want=$1
    shift
    "$LVMSCAN" "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    if [ "$rc" -ge 128 ]; then
        bad "lvmscan $* died with signal $((rc - 128))"
    elif [ "$rc" != "$want" ]; then
        bad "lvmscan $*: exit $rc, want $want ($(head -c 300 "$T/err"))"
    else
        ok
    fi
}

json_ok() {
    if valid_json "$T/out"; then ok; else bad "invalid JSON from: $*"; fi
}

# the keys the issue requires, on every object
KEYS_PY='
import json, sys
j = json.load(open(sys.argv[1]))
need = {
    "images": ["path", "size"],
    "labels": ["image", "offset", "pv_start", "pv_uuid", "crc_ok", "device_size",
               "data_areas", "metadata_areas"],
    "metadata_areas": ["image", "offset", "pv_start", "size", "header_ok", "committed", "source"],
    "copies": ["image", "offset", "length", "crc", "committed", "crc_ok", "wrapped", "partial",
               "parse_ok", "vg_name", "vg_id", "seqno", "creation_time", "creation_host",
               "description"],
    "vgs": ["name", "id", "latest_seqno", "seqnos", "status", "pvs"],
}
for sec, keys in need.items():
    for o in j[sec]:
        miss = [k for k in keys if k not in o]
        assert not miss, (sec, miss)
for v in j["vgs"]:
    for p in v["pvs"]:
        for k in ["id", "name", "image", "pv_start", "latest_seqno"]:
            assert k in p, ("pvs", k)
for c in j["copies"]:
    assert c["crc"].startswith("0x") and len(c["crc"]) == 10
'

# ---- every fixture ---------------------------------------------------------
for d in "$FIX"/*/; do
    name=$(basename "$d")
    [ -f "$d/truth/devices" ] || continue
    imgs=("$d"*.img.gz)
    [ -e "${imgs[0]}" ] || continue
    expect 0 --json "${imgs[@]}"
    json_ok "$name"
    if python3 -c "$KEYS_PY" "$T/out"; then ok; else bad "$name: JSON lacks documented keys"; fi
    expect 0 "${imgs[@]}"
    grep -q "Volume groups" "$T/out" && ok || bad "$name: no readable report"
done

# stale-pv reported as one VG with a stale PV
expect 0 --json "$FIX"/stale-pv/pv1.img.gz "$FIX"/stale-pv/pv2.img.gz "$FIX"/stale-pv/pv3.img.gz
python3 - "$T/out" <<'EOF' && ok || bad "stale-pv: not one VG with a stale PV"
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["vgs"]) == 1
v = j["vgs"][0]
assert "stale_pvs" in v["status"], v["status"]
assert v["latest_seqno"] == 9
assert sorted(p["latest_seqno"] for p in v["pvs"]) == [4, 9, 9]
EOF

# ---- exit codes and options -------------------------------------------------
head -c 1048576 /dev/zero > "$T/zero.img"
expect 1 --json "$T/zero.img"
json_ok zero
expect 1 "$T/zero.img"
# nothing found is said, not left to an empty list; an empty file says so
grep -q "^Nothing of LVM2 was found" "$T/out" && ok || bad "nothing found is not said: $(cat "$T/out")"
grep -q "EMPTY" "$T/out" && bad "a 1 MiB image is said empty" || ok
: > "$T/empty.img"
expect 1 "$T/empty.img"
grep -q "^    EMPTY: it holds no byte" "$T/out" && ok || bad "an empty image is not said empty: $(cat "$T/out")"
expect 0 "$FIX/backup/disk.img.gz"
grep -q "Nothing of LVM2\|EMPTY" "$T/out" && bad "a scan that found a VG says it found nothing" || ok
expect 2 "$T/does-not-exist.img"
grep -q "does-not-exist.img" "$T/err" && ok || bad "missing file not named in the error"
expect 2 --json "$T/does-not-exist.img"
[ -s "$T/out" ] && bad "output on stdout for an unopenable image" || ok
expect 2
expect 2 --no-such-option "$T/zero.img"
expect 2 "$T"
expect 0 --help
grep -q "Usage" "$T/out" && ok || bad "--help prints no usage"
expect 0 --version
grep -q "lvmscan" "$T/out" && ok || bad "--version prints no name"
expect 0 -q "$FIX"/history/disk.img.gz
[ -s "$T/out" ] && bad "-q printed a report" || ok
[ -s "$T/err" ] && bad "-q printed on stderr (no tty)" || ok

# ---- damaged and hostile input ---------------------------------------------
zcat "$FIX"/history/disk.img.gz > "$T/history.img"
for n in 0 1 511 513 4100 5000 9000 20000 1048575; do
    head -c "$n" "$T/history.img" > "$T/trunc.img"
    "$LVMSCAN" --json "$T/trunc.img" > "$T/out" 2> "$T/err"
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 1 ] && ok || bad "truncated at $n: exit $rc"
    json_ok "truncated at $n"
done
head -c 4194304 /dev/urandom > "$T/random.img"
"$LVMSCAN" --json "$T/random.img" > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] && ok || bad "random image: exit $rc"
json_ok random

# random garbage sprayed over the metadata area of a real PV
cp "$T/history.img" "$T/sprayed.img"
for off in 512 4096 4608 6000 9728 20000; do
    head -c 700 /dev/urandom | dd of="$T/sprayed.img" bs=1 seek="$off" conv=notrunc status=none
done
expect 0 --json "$T/sprayed.img"
json_ok sprayed

# text whose strings hold control bytes, quotes, backslashes and bad UTF-8
{
    head -c 4608 /dev/zero
    printf 'vgz {\nid = "abcdef-ghij-klmn-opqr-stuv-wxyz-012345"\nseqno = 3\nformat = "lvm2"\n'
    printf 'status = ["READ"]\nextent_size = 8192\nmax_lv = 0\nmax_pv = 0\n'
    printf 'physical_volumes {\n}\n}\n# pad pad pad pad pad pad pad pad pad pad pad pad pad\n'
    printf 'contents = "Text Format Volume Group"\nversion = 1\n'
    printf 'description = "q\\" b\\\\ \001\002\033[31m \377\376 \303\050 ok \342\202\254 \177"\n'
    printf 'creation_host = "h\tx\xc0\xaf"\ncreation_time = 1700000000\n\n\0'
    head -c 8192 /dev/zero
} > "$T/strings.img"
expect 0 --json "$T/strings.img"
json_ok strings
python3 - "$T/out" <<'EOF' && ok || bad "hostile strings not kept as JSON strings"
import json, sys
j = json.load(open(sys.argv[1]))
c = [c for c in j["copies"] if c["vg_name"] == "vgz"]
assert c, "copy not found"
assert isinstance(c[0]["description"], str) and "ok" in c[0]["description"], c[0]["description"]
assert "\u20ac" in c[0]["description"]
EOF
expect 0 "$T/strings.img"

# ---- the damaged-image corpus (fixtures/damaged/MANIFEST) --------------------
# EXPECT any: exit 0/1 with valid JSON, or 2 with a message naming the file;
# EXPECT 2: exit 2 and a message naming the file. With exit 2 the JSON of what
# could be scanned is still printed, the failed image carrying its error.
if [ -f "$FIX/damaged/MANIFEST" ]; then
    while IFS=$'\t' read -r cname files want _; do
        case $cname in '#'* | '') continue ;; esac
        args=()
        IFS=, read -ra parts <<< "$files"
        for p in "${parts[@]}"; do args+=("$FIX/damaged/$p"); done
        timeout 120 "$LVMSCAN" --json "${args[@]}" > "$T/out" 2> "$T/err"
        rc=$?
        if [ "$rc" = 124 ] || [ "$rc" -ge 128 ]; then
            bad "damaged/$cname: lvmscan hung or died (exit $rc)"
            continue
        fi
        if [ "$rc" = 2 ]; then
            named=0
            for p in "${parts[@]}"; do grep -qF "$p" "$T/err" && named=1; done
            [ $named = 1 ] && ok || bad "damaged/$cname: exit 2 without naming the file: $(head -c 200 "$T/err")"
            # what could be scanned is still reported, with the image's error
            if python3 - "$T/out" <<'EOF'; then ok; else bad "damaged/$cname: exit 2 without a JSON report naming the failed image"; fi
import json, sys
j = json.load(open(sys.argv[1]))
bad = [i for i in j["images"] if i["error"]]
assert bad and all(isinstance(i["error"], str) and i["path"] in i["error"] for i in bad), j["images"]
assert j["failed_images"] == len(bad)
EOF
        elif [ "$want" = 2 ]; then
            bad "damaged/$cname: exit $rc, must be refused with 2"
        elif [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
            json_ok "damaged/$cname"
        else
            bad "damaged/$cname: exit $rc"
        fi
    done < "$FIX/damaged/MANIFEST"
fi

# ---- images that cannot be opened or read whole -------------------------------
# every image that can be opened is scanned; the others are named on stderr and
# in the report; exit 2; what was found is still printed
expect 2 "$FIX"/history/disk.img.gz "$T/missing.img"
grep -q "missing.img" "$T/err" && ok || bad "good+missing: missing image not named on stderr"
grep -q "^lvmscan: .*missing.img: cannot open" "$T/err" && ok || bad "good+missing: stderr: $(cat "$T/err")"
grep -q "VG vg0" "$T/out" && ok || bad "good+missing: no report of the good image"
grep -q "missing.img  NOT SCANNED: .*No such file" "$T/out" && ok || bad "good+missing: report does not show the missing image"
expect 2 --json "$T/missing.img" "$FIX"/history/disk.img.gz
python3 - "$T/out" <<'EOF' && ok || bad "missing+good --json: images[].error / the good image's VG"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["failed_images"] == 1
m, g = j["images"]
assert m["path"].endswith("missing.img") and "No such file" in m["error"], m
assert m["size"] == 0 and m["scanned"] == 0 and m["truncated"] is False
assert g["error"] is None and g["truncated"] is False and g["scanned"] == g["size"] == 33554432
assert [v["name"] for v in j["vgs"]] == ["vg0"] and j["vgs"][0]["latest_seqno"] == 16
assert all(c["image"] == 1 for c in j["copies"])
EOF
expect 2 -q "$FIX"/history/disk.img.gz "$T/missing.img"
[ -s "$T/out" ] && bad "-q printed a report" || ok

# a gzip image cut in half: scanned as far as it decompresses, flagged
expect 2 --json "$FIX"/damaged/gz-truncated.img.gz
grep -q "gz-truncated.img.gz: .*truncated gzip image" "$T/err" && ok || bad "gz-truncated: stderr: $(cat "$T/err")"
python3 - "$T/out" <<'EOF' && ok || bad "gz-truncated --json: not scanned as far as it decompresses"
import json, sys
j = json.load(open(sys.argv[1]))
im = j["images"][0]
assert im["truncated"] is True and im["gzip"] is True, im
assert "truncated gzip image" in im["error"] and "%d bytes decompressed" % im["size"] in im["error"], im
assert im["scanned"] == im["size"] > 32768
assert len(j["labels"]) == 1 and j["labels"][0]["offset"] == 512
assert [v["latest_seqno"] for v in j["vgs"]] == [16], j["vgs"]
EOF
expect 2 "$FIX"/damaged/gz-truncated.img.gz
grep -q "TRUNCATED: scanned the [0-9]* bytes that decompress" "$T/out" && ok || bad "gz-truncated: report does not flag it"
grep -q "ERROR: .*truncated gzip image" "$T/out" && ok || bad "gz-truncated: report lacks the error"

# ---- messages and wording ----------------------------------------------------
for args in "--no-such-option" "-Z" "--json=1" "--no"; do
    expect 2 $args "$T/zero.img"
    first=$(head -n 1 "$T/err")
    case $first in
    "lvmscan: "*) ok ;;
    *) bad "lvmscan $args: message not named lvmscan: '$first'" ;;
    esac
    grep -qF "$LVMSCAN:" "$T/err" && bad "lvmscan $args: message uses the program's path: '$first'" || ok
done
"$LVMSCAN" --no-such-option x 2>&1 | grep -q "^lvmscan: unrecognized option '--no-such-option'" && ok || bad "no unrecognized-option message"
"$LVMSCAN" -Z x 2>&1 | grep -q "^lvmscan: invalid option -- 'Z'" && ok || bad "no invalid-option message"
"$LVMSCAN" --no x 2>&1 | grep -q "^lvmscan: option '--no' is ambiguous" && ok || bad "no ambiguity message"
expect 0 "$FIX"/label-header-zeroed/disk.img.gz
grep -q "found by inference from orphan text" "$T/out" && ok || bad "inferred area not worded 'inference from orphan text'"
grep -q "found by inferred" "$T/out" && bad "report says 'found by inferred'" || ok
expect 0 "$FIX"/history/disk.img.gz
grep -q "found by label, header magic" "$T/out" && ok || bad "area sources not listed as 'label, header magic'"

# ---- a copy written but never committed ----------------------------------------
# history with seqno 17 written after the committed copy (16), header not updated
python3 - "$T/history.img" "$T/uncommitted.img" <<'EOF'
import sys
img = bytearray(open(sys.argv[1], "rb").read())
at, size = 32256, 1785
t = bytes(img[at:at + size]).replace(b"seqno = 16\n", b"seqno = 17\n").replace(
    b"lvremove -f vg0/lv3", b"lvcreate -n zz vg")
nxt = (at + size + 511) // 512 * 512
img[nxt:nxt + size] = t
open(sys.argv[2], "wb").write(img)
EOF
expect 0 "$T/uncommitted.img"
grep -E "^ +17 .*lvcreate -n zz vg .*\(not committed\)" "$T/out" >/dev/null && ok || bad "uncommitted seqno 17 not flagged 'not committed'"
grep -E "^ +16 .*\(not committed\)" "$T/out" >/dev/null && bad "committed seqno 16 flagged 'not committed'" || ok
grep -q "note: seqno 17 (the latest) is not committed in any metadata area.*newest committed version is seqno 16" "$T/out" && ok || bad "no note that the latest is not committed"
expect 0 --json "$T/uncommitted.img"
python3 - "$T/out" <<'EOF' && ok || bad "uncommitted --json"
import json, sys
j = json.load(open(sys.argv[1]))
v = j["vgs"][0]
assert v["latest_seqno"] == 17 and v["committed_seqno"] == 16 and v["max_seqno"] == 17, v
assert v["versions"][0]["seqno"] == 17 and v["versions"][0]["committed"] is False
assert v["versions"][1]["seqno"] == 16 and v["versions"][1]["committed"] is True
EOF
expect 0 "$FIX"/history/disk.img.gz
grep -q "not committed" "$T/out" && bad "history: a committed latest reported as not committed" || ok

# ---- a PV given twice -------------------------------------------------------
# The same file twice, or a copy of the disk: the second label carries the
# first one's PV UUID; LVM2 would see duplicate PVs and use only one.
expect 0 "$T/history.img"
grep -q "DUPLICATE" "$T/out" && bad "one image: a label reported as a duplicate" || ok
expect 0 "$T/history.img" "$T/history.img"
grep -q "^    DUPLICATE: the PV UUID of history.img PV at 0 (the same file given twice); LVM2 uses only one of them" "$T/out" &&
    ok || bad "the same file twice: no DUPLICATE line"
cp "$T/history.img" "$T/clone.img"
expect 0 --json "$T/history.img" "$T/clone.img"
python3 - "$T/out" <<'EOF' && ok || bad "a copy of the disk: duplicate_of"
import json, sys
j = json.load(open(sys.argv[1]))
assert [l["duplicate_of"] for l in j["labels"]] == [None, 0], j["labels"]
EOF
expect 0 "$T/history.img" "$T/clone.img"
grep -q "DUPLICATE: the PV UUID of history.img PV at 0 (a copy of the same disk?)" "$T/out" &&
    ok || bad "a copy of the disk: no DUPLICATE line"
rm -f "$T/clone.img"

# ---- never writes -----------------------------------------------------------
before=$(sha256sum < "$T/history.img")
"$LVMSCAN" "$T/history.img" > /dev/null 2>&1
"$LVMSCAN" --json "$T/history.img" > /dev/null 2>&1
after=$(sha256sum < "$T/history.img")
[ "$before" = "$after" ] && ok || bad "the image changed while scanning"

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
