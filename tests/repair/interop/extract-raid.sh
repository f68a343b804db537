#!/bin/bash
# extract-raid.sh LVMREPAIR FIXTURES - --extract of every raid level and
# layout of fixtures/raid (metadata loaded by real LVM2, data and parity
# written by fixtures/make-raid.py, independently of lvmrescue) must equal
# each LV's known pattern: with every image, and degraded with one image
# (raid4/5/raid10) or two (raid6) left out, which must be rebuilt and said
# so; too many missing must be refused naming the segment type. No root
# needed (committed images); python3 makes the patterns.
set -u
BIN=$1
FIX=$2/raid
MK=$2/make-raid.py
. "$(dirname "$0")/extract-lib.sh"
img() { local i; for i in "$@"; do echo "$FIX/pv$i.img.gz"; done; }

python3 "$MK" lvs >"$T/lvs"
while read -r lv type n; do python3 "$MK" pattern "$lv" >"$T/$lv.want"; done <"$T/lvs"

# extract LV EXPECTED-STATUS PV-INDEXES...
extract() {
    local lv=$1 want=$2
    shift 2
    run "$want" "$lv" $(img "$@")
}

while read -r lv type n; do
    all=$(seq 0 $((n - 1)))
    if [ "$lv" = r5e ]; then
        # image 1 is an "error" segment: degraded even with every PV given,
        # and one more image lost is too many
        extract r5e 0 $all && { cmp -s "$T/out" "$T/$lv.want" || fail "r5e: rebuilt data differs"; }
        grep -q "degraded: rebuilt from parity; missing: r5e_rimage_1$" "$T/stderr" ||
            fail "r5e: not reported degraded: $(cat "$T/stderr")"
        extract r5e 1 1 2 && { grep -q "2 of 3 images of this raid5_ls segment" "$T/stderr" ||
            fail "r5e: refusal: $(cat "$T/stderr")"; }
        continue
    fi
    # whole
    if extract "$lv" 0 $all; then
        cmp -s "$T/out" "$T/$lv.want" || fail "$lv ($type): extracted data differs from the pattern"
        grep -q "degraded" "$T/stderr" && fail "$lv: whole array reported degraded"
    fi
    [ "$type" = raid1 ] || ! grep -q "legs" "$T/stderr" || fail "$lv: legs compared: $(cat "$T/stderr")"
    case $type in
    raid1)
        # a split brain: image 1 differs in bytes 8192-12287
        grep -q "the legs differ in 4096 bytes .*ranges: 8192-12287$" "$T/stderr" ||
            fail "$lv: differing legs not reported: $(cat "$T/stderr")"
        grep -q "LV r1: the array was not fully synced (up to sector 16, says r1_rmeta_0)" "$T/stderr" ||
            fail "$lv: the superblock's resync offset is not reported: $(cat "$T/stderr")"
        extract "$lv" 0 0 && { grep -q "leg r1_rimage_1 could not be read" "$T/stderr" ||
            fail "$lv: the unread leg is not named: $(cat "$T/stderr")"; }
        continue ;;
    raid0*) parity=0 ;;
    raid6*) parity=2 ;;
    *) parity=1 ;;
    esac
    # one image left out, each in turn
    for gone in $all; do
        rest=$(echo $all | tr ' ' '\n' | grep -vx "$gone")
        if [ $parity = 0 ]; then
            extract "$lv" 1 $rest && { grep -q "$type" "$T/stderr" ||
                fail "$lv: refusal does not name $type: $(cat "$T/stderr")"; }
            continue
        fi
        if extract "$lv" 0 $rest; then
            cmp -s "$T/out" "$T/$lv.want" || fail "$lv ($type) without pv$gone: rebuilt data differs"
            grep -q "degraded: rebuilt from parity\|degraded: read from another copy" "$T/stderr" ||
                fail "$lv without pv$gone: not reported degraded: $(cat "$T/stderr")"
        fi
    done
    # two images left out: raid6 rebuilds every pair; raid4/5 must refuse
    if [ $parity -ge 1 ] && [ "$type" != raid10 ]; then
        for a in $all; do for b in $all; do
            [ "$a" -lt "$b" ] || continue
            rest=$(echo $all | tr ' ' '\n' | grep -vx "$a" | grep -vx "$b")
            if [ $parity = 2 ]; then
                if extract "$lv" 0 $rest; then
                    cmp -s "$T/out" "$T/$lv.want" ||
                        fail "$lv ($type) without pv$a and pv$b: rebuilt data differs"
                fi
            else
                extract "$lv" 1 $rest &&
                    { grep -q "$type" "$T/stderr" && grep -q "pv$a" "$T/stderr" ||
                        fail "$lv: refusal does not name the type and PVs: $(cat "$T/stderr")"; }
                [ -e "$T/out" ] && fail "$lv: output written despite the refusal"
            fi
        done; done
    fi
done <"$T/lvs"

# raid10 near, 4 images, 2 copies: images 0+1 hold the same chunks; losing
# both loses data
extract r10 1 2 3 4 5 && { grep -q "raid10" "$T/stderr" || fail "r10 refusal: $(cat "$T/stderr")"; }
# the _rmeta superblocks: r5la's say image 2 failed
extract r5la 0 0 1 2 3 5 && { grep -q "r5la_rimage_2.*failed" "$T/stderr" ||
    fail "r5la: the failed image of the _rmeta superblock is not reported: $(cat "$T/stderr")"; }

finish
