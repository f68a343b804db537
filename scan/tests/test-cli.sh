#!/usr/bin/env bash
# lvmscan as a program: every fixture gives valid JSON with the documented
# keys and exit 0; damaged, garbage, truncated and hostile images never crash
# it and still give valid JSON; exit codes 0/1/2 as documented; -q, --help,
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
# EXPECT 2: refused with exit 2 and a message naming the file.
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
            [ -s "$T/out" ] && bad "damaged/$cname: output on stdout with exit 2" || ok
        elif [ "$want" = 2 ]; then
            bad "damaged/$cname: exit $rc, must be refused with 2"
        elif [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
            json_ok "damaged/$cname"
        else
            bad "damaged/$cname: exit $rc"
        fi
    done < "$FIX/damaged/MANIFEST"
fi

# ---- never writes -----------------------------------------------------------
before=$(sha256sum < "$T/history.img")
"$LVMSCAN" "$T/history.img" > /dev/null 2>&1
"$LVMSCAN" --json "$T/history.img" > /dev/null 2>&1
after=$(sha256sum < "$T/history.img")
[ "$before" = "$after" ] && ok || bad "the image changed while scanning"

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
