#!/usr/bin/env bash
# End-to-end test of ingest's progress line: kpm-ingest runs with the real
# aggregate and report, once on a pseudo-terminal (script(1)), where it must draw
# one updating line per file that ends with a newline, and once each on a pipe
# and with CI=true on the terminal, where it must draw nothing. Then kpm run's
# own line (file, rows, %, rows/s, ETA) on a terminal, and none on a pipe.
# Exit 77 (skipped) when script(1) is missing or no pseudo-terminal can be had.
# usage: run_progress.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"

command -v script >/dev/null || { echo "SKIP: script(1) is not installed (bsdutils)"; exit 77; }
script -qec true /dev/null </dev/null >/dev/null 2>&1 || { echo "SKIP: no pseudo-terminal here"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-progress.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT
STATE=$TMP/state
mkdir -p "$TMP/inbox" "$STATE"

# One night with ingest in the foreground: $1 = how ingest runs ("tty",
# "tty-ci" or "pipe"); what its terminal or pipe showed goes to $TMP/$1.out.
night_with() {
    local how=$1 night ingest
    cp "$E2E/survey/inbox/koplopers_2021.csv" "$TMP/inbox/"
    "$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 1000000 "$TMP/inbox/gebruik_2021.csv" 3
    night=$("$BUILD/ingest/kpm-ingest" --state "$STATE" --inbox "$TMP/inbox" --prepare) || return 1
    "$BUILD/report/kpm-report" --state "$STATE" --out "$TMP/out" --night "$night" >>"$TMP/report.log" 2>&1 &
    "$BUILD/aggregate/kpm-aggregate" --state "$STATE" --night "$night" >>"$TMP/aggregate.log" 2>&1 &
    ingest="$BUILD/ingest/kpm-ingest --state $STATE --inbox $TMP/inbox --night $night"
    local t0=$(date +%s%N)
    case $how in
        tty) env -u CI script -qec "$ingest" /dev/null </dev/null >"$TMP/$how.out" 2>&1 ;;
        tty-ci) CI=true script -qec "$ingest" /dev/null </dev/null >"$TMP/$how.out" 2>&1 ;;
        pipe) env -u CI $ingest 2>&1 </dev/null | cat >"$TMP/$how.out" ;;
    esac
    local rc=$?
    echo $((($(date +%s%N) - t0) / 1000000)) >"$TMP/$how.ms"
    wait
    return $rc
}

check "a night with ingest on a terminal exits 0" night_with tty
LINE=$(tr '\r' '\n' <"$TMP/tty.out" | grep -a '^gebruik_2021.csv: ' | tail -n 1)
echo "last progress line: $LINE"
check "the terminal shows the file's line with rows, rows/s and 100% at the end" \
    bash -c "printf '%s' '$LINE' | grep -Eq '^gebruik_2021.csv: 1000000 rows, [0-9]+ rows/s, 100%'"
# A line ends with "erase to the end of the line" and the newline (the
# terminal turns it into CR LF).
line_ends() { grep -a $'\r'"$1" "$TMP/tty.out" | tail -n 1 | grep -q $'\033\[K\r$'; }
check "each file's line ends with a newline (koplopers, gebruik)" \
    bash -c "$(declare -f line_ends); TMP='$TMP'; line_ends 'koplopers_2021.csv: 11 rows' && line_ends 'gebruik_2021.csv: 1000000 rows'"
DRAWS=$(tr '\r' '\n' <"$TMP/tty.out" | grep -ac '^gebruik_2021.csv: ')
echo "gebruik_2021.csv: $DRAWS drawings in a night of $(cat "$TMP/tty.ms") ms"
check "the line is redrawn at most ten times a second" \
    test "$DRAWS" -le $(($(cat "$TMP/tty.ms") / 100 + 2))
check "a night with CI=true on a terminal exits 0" night_with tty-ci
drawn() { tr '\r' '\n' <"$1" | grep -aq -e '^gebruik_2021.csv: ' -e $'\033\[K'; }
check "with CI=true nothing is drawn" bash -c "$(declare -f drawn); ! drawn '$TMP/tty-ci.out'"
check "a night with ingest's output on a pipe exits 0" night_with pipe
check "on a pipe nothing is drawn" bash -c "$(declare -f drawn); ! drawn '$TMP/pipe.out'"
check "the terminal's output holds ingest's log lines too" grep -aq 'level=info stage=ingest .*msg="file gebruik_2021.csv' "$TMP/tty.out"

# kpm run's own line: on a terminal one updating line with the file, its rows,
# the % of its bytes, rows/s and ETA; off a terminal only the start and end lines.
kpm_with() { # tty|pipe
    local d=$TMP/kpm-$1 run
    mkdir -p "$d/inbox"
    cp "$E2E/survey/inbox/koplopers_2021.csv" "$d/inbox/"
    # 3M rows: a night long enough (~2 s) for kpm's line to get two samples of
    # ingest's progress (rows/s and ETA need both); 1M rows passed in under a second.
    "$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 3000000 "$d/inbox/gebruik_2021.csv" 3
    run="$ROOT/scripts/kpm run --inbox $d/inbox --out $d/out --state $d/state --timeout 120"
    case $1 in
        tty) env -u CI KPM_BUILD_DIR="$BUILD" script -qec "$run" /dev/null </dev/null >"$TMP/kpm-$1.out" 2>&1 ;;
        pipe) env -u CI KPM_BUILD_DIR="$BUILD" $run 2>&1 </dev/null | cat >"$TMP/kpm-$1.out" ;;
    esac
}
check "kpm run on a terminal exits 0" kpm_with tty
KLINE=$(tr '\r' '\n' <"$TMP/kpm-tty.out" | grep -aE '^kpm: gebruik_2021.csv: [0-9]+ rows, [0-9]+%, [0-9]+ rows/s, ETA [0-9]+s' | tail -n 1)
echo "kpm run's last full progress line: $KLINE"
check "kpm run's line shows file, rows, %, rows/s and ETA" test -n "$KLINE"
check "... redrawn in place (carriage returns, erase to the end of the line)" \
    bash -c "grep -ac $'\r''kpm: gebruik_2021.csv' '$TMP/kpm-tty.out' | grep -qv '^0$' && grep -aq $'\033\[K' '$TMP/kpm-tty.out'"
check "kpm run on a pipe exits 0" kpm_with pipe
check "on a pipe kpm run prints only its start and end lines" \
    bash -c "test \$(wc -l <'$TMP/kpm-pipe.out') = 2 && grep -q 'started' '$TMP/kpm-pipe.out' && grep -q 'complete' '$TMP/kpm-pipe.out' && ! grep -aq $'\r' '$TMP/kpm-pipe.out'"

e2e_finish
