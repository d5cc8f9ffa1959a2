#!/usr/bin/env bash
# profile.sh - one kpm night over a generated `gebruik` inbox with each of the
# three stages started by hand under a profiler; writes each stage's report.
#
#   bench/profile.sh BUILD_DIR ROWS OUT_DIR perf|callgrind|time
#
# BUILD_DIR: a build with symbols, e.g.
#   cmake -S . -B /tmp/kpm-prof -DCMAKE_BUILD_TYPE=Release -DKPM_BUILD_TESTS=OFF \
#         -DCMAKE_C_FLAGS='-g -fno-omit-frame-pointer'
#   cmake --build /tmp/kpm-prof --target kpm-ingest kpm-aggregate kpm-report gen_gebruik
# perf: cpu-clock sampling at full speed (works without hardware counters); writes
#   OUT_DIR/<stage>.self.txt (self time per function) and <stage>.children.txt.
# time: each stage under /usr/bin/time (Debian package `time`): its CPU seconds
#   (user + system), wall seconds and peak RSS, printed (any build).
# callgrind: instruction counts, ~50x slower; writes OUT_DIR/<stage>.inclusive.txt
#   and <stage>.exclusive.txt (callgrind_annotate). aggregate gets --checkpoint-ms
#   100000 (its 2 s wall-clock interval times the slowdown), so that it writes as
#   many checkpoints as in a night at full speed (one, at the END), not one
#   every 2 s.
# See docs/PERFORMANCE.md.
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 4 ] || { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
B=$(cd "$1" && pwd) ROWS=$2 OUT=$3 TOOL=$4
case "$TOOL" in perf|callgrind|time) ;; *) echo "profile.sh: perf, callgrind or time" >&2; exit 2 ;; esac
die() { echo "profile.sh: $*" >&2; exit 1; }
[ "$TOOL" != time ] || [ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"

rm -rf "$OUT/inbox" "$OUT/state" "$OUT/out" && mkdir -p "$OUT/inbox" "$OUT/state" || die "cannot prepare $OUT"
OUT=$(cd "$OUT" && pwd)
"$B/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" "$ROWS" "$OUT/inbox/gebruik_bench.csv" 1 ||
    die "gen_gebruik failed"
night=$("$B/ingest/kpm-ingest" --state "$OUT/state" --inbox "$OUT/inbox" --prepare) ||
    die "ingest --prepare failed"

under() { # stage command...
    local s=$1
    shift
    if [ "$TOOL" = perf ]; then
        perf record -q -e cpu-clock -F 1999 -g -o "$OUT/perf.$s" -- "$@"
    elif [ "$TOOL" = time ]; then
        /usr/bin/time -f "$s: cpu %U+%S s, wall %e s, peak RSS %M KiB" -o "$OUT/time.$s" "$@"
    else
        valgrind -q --tool=callgrind --callgrind-out-file="$OUT/callgrind.$s" "$@"
    fi
}

declare -A pid=()
t0=${EPOCHREALTIME/,/.}
under report "$B/report/kpm-report" --state "$OUT/state" --out "$OUT/out" --night "$night" \
    2>"$OUT/report.log" &
pid[report]=$!
slow=()
[ "$TOOL" = callgrind ] && slow=(--checkpoint-ms 100000)
under aggregate "$B/aggregate/kpm-aggregate" --state "$OUT/state" --night "$night" "${slow[@]}" \
    2>"$OUT/aggregate.log" &
pid[aggregate]=$!
under ingest "$B/ingest/kpm-ingest" --state "$OUT/state" --inbox "$OUT/inbox" --night "$night" \
    2>"$OUT/ingest.log" &
pid[ingest]=$!
rc=0
for s in ingest aggregate report; do
    wait "${pid[$s]}" || { echo "profile.sh: $s failed (see $OUT/$s.log)" >&2; rc=1; }
done
echo "profile.sh: night $night over $ROWS rows under $TOOL: $(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }') s"
[ "$rc" = 0 ] || exit 1

for s in ingest aggregate report; do
    if [ "$TOOL" = time ]; then
        cat "$OUT/time.$s"
    elif [ "$TOOL" = perf ]; then
        perf report -i "$OUT/perf.$s" --stdio --no-children --sort sym 2>/dev/null |
            grep -E '^ +[0-9.]+%' >"$OUT/$s.self.txt"
        perf report -i "$OUT/perf.$s" --stdio --children --sort sym -g none 2>/dev/null |
            grep -E '^ +[0-9.]+%' >"$OUT/$s.children.txt"
        echo "== $s: self time (cpu-clock samples), top 15"
        head -n 15 "$OUT/$s.self.txt"
    else
        callgrind_annotate --inclusive=yes "$OUT/callgrind.$s" >"$OUT/$s.inclusive.txt" 2>/dev/null
        callgrind_annotate "$OUT/callgrind.$s" >"$OUT/$s.exclusive.txt" 2>/dev/null
        echo "== $s: inclusive instructions, top 25"
        grep -E '^ *[0-9,]+ \(' "$OUT/$s.inclusive.txt" | head -n 26
    fi
done
rm -rf "$OUT/inbox" "$OUT/state/archive"
