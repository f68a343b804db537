# Sourced by the bench scripts: times two images alternately.
#
# bench_ab SCAN RUNS NAME_A IMG_A NAME_B IMG_B: runs SCAN on each image,
# alternately, RUNS times; prints each one's median time (and every run)
# and its last peak RSS; sets AB_MEDIAN_A and AB_MEDIAN_B (seconds).
bench_median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bench_ab() {
    local scan=$1 runs=$2 i k out m
    local -A img=([a]=$4 [b]=$6) name=([a]=$3 [b]=$5) t=() rss=()
    for i in $(seq "$runs"); do
        for k in a b; do
            out=$( { /usr/bin/time -f "%e %M" "$scan" "${img[$k]}" > /dev/null; } 2>&1 | tail -1)
            t[$k]="${t[$k]:-} ${out% *}"
            rss[$k]=${out#* }
        done
    done
    for k in a b; do
        m=$(tr ' ' '\n' <<<"${t[$k]}" | grep . | bench_median)
        echo "  ${name[$k]}: median ${m} s (runs:${t[$k]}), peak RSS ${rss[$k]} KiB"
        if [ $k = a ]; then AB_MEDIAN_A=$m; else AB_MEDIAN_B=$m; fi
    done
}
