#!/usr/bin/env bash
# workers.sh - how the wall time of one night changes with the number of
# aggregate workers (docs/SCALING.md, "Capacity"). A benchmark: prints figures,
# tests nothing.
#
#   bench/workers.sh [ROWS] [REPEAT] [MAX_WORKERS]   (defaults 2000000 3 3)
#
# Runs `scripts/kpm run --workers N` for N = 1 .. MAX_WORKERS, alternating, on
# one generated gebruik file (bench/gen_gebruik, as scripts/bench), with the
# Release build of scripts/bench (build-bench/, KPM_BENCH_BUILD_DIR), and prints
# the median wall time and each stage's own seconds (from its batch log line;
# for workers the slowest one). All stages run on this one machine.
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KPM_BENCH_BUILD_DIR:-$ROOT/build-bench}
ROWS=${1:-2000000} REPEAT=${2:-3} MAX=${3:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kpm-bench-workers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKPM_BUILD_TESTS=OFF >/dev/null &&
    cmake --build "$BUILD" -j2 --target kpm-ingest kpm-aggregate kpm-report gen_gebruik >/dev/null ||
    { echo "workers.sh: build failed" >&2; exit 1; }
"$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" "$ROWS" "$WORK/gebruik_bench.csv" 1 ||
    exit 1

stage_secs() { # log...: the largest "seconds=" of the last batch line of each
    for f in "$@"; do sed -n 's/.* batch .*seconds=\([0-9.]*\).*/\1/p' "$f" | tail -n 1; done |
        sort -g | tail -n 1
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for r in $(seq 1 "$REPEAT"); do
    for n in $(seq 1 "$MAX"); do
        d="$WORK/n$n"
        rm -rf "$d" && mkdir -p "$d/inbox" && ln "$WORK/gebruik_bench.csv" "$d/inbox/"
        t0=$(date +%s.%N)
        KPM_BUILD_DIR=$BUILD "$ROOT/scripts/kpm" run --inbox "$d/inbox" --out "$d/out" \
            --state "$d/state" --workers "$n" >"$d/kpm.log" 2>&1 || { cat "$d/kpm.log"; exit 1; }
        t1=$(date +%s.%N)
        echo "$n $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(stage_secs "$d/state/log/ingest.log") \
$(stage_secs "$d"/state/log/aggregate*.log) $(stage_secs "$d/state/log/report.log")" >>"$WORK/times"
    done
done
echo "rows: $ROWS, repeats: $REPEAT, machine: $(nproc) cores, $(uname -m)"
printf '%-8s %10s %10s %10s %10s %12s\n' workers wall_s ingest_s aggregate_s report_s rows_per_s
for n in $(seq 1 "$MAX"); do
    w=$(awk -v n="$n" '$1 == n { print $2 }' "$WORK/times" | median)
    i=$(awk -v n="$n" '$1 == n { print $3 }' "$WORK/times" | median)
    a=$(awk -v n="$n" '$1 == n { print $4 }' "$WORK/times" | median)
    p=$(awk -v n="$n" '$1 == n { print $5 }' "$WORK/times" | median)
    printf '%-8s %10.3f %10.3f %10.3f %10.3f %12.0f\n' "$n" "$w" "$i" "$a" "$p" "$(awk -v r="$ROWS" -v w="$w" 'BEGIN { print r / w }')"
done
