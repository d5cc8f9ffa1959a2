#!/usr/bin/env bash
# The state lock: two `kpm run` started at once on one state (exactly one runs the
# night, the other exits 75 at once saying so), and two `kpm restart aggregate`
# at once during a night (they take turns: one aggregate process afterwards, the
# night completes with the same outputs). 20 trials each; no stage is left.
# usage: run_overlap.sh BUILD_DIR E2E_DIR [TRIALS]
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
TRIALS=${3:-20}
. "$E2E/lib.sh"
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-overlap.XXXXXX")
trap 'for d in "$TMP"/*/state; do "$KPM" stop --state "$d" >/dev/null 2>&1; done; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/inbox" "$TMP/big"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"

# The stage processes of a state directory (by their command lines).
stages_of() { pgrep -f -- "--state $1( |$)" | grep -v "^$$\$" || true; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

new_night_dir base
check "a clean night (baseline) exits 0" kpm_night "$TMP/base/inbox" "$TMP/base/out" "$TMP/base/state"

# Each of the two runs records its status and how long it took.
timed_run() { # dir tag
    local t0=$(ms)
    "$KPM" run --inbox "$1/inbox" --out "$1/out" --state "$1/state" --timeout 60 >"$1/$2.log" 2>&1
    echo "$? $(( $(ms) - t0 ))" >"$1/$2.rc"
}
bad=0 slow=0 msg=0 diff=0 left=0
for t in $(seq 1 "$TRIALS"); do
    d="$TMP/runs-$t"
    new_night_dir "runs-$t"
    timed_run "$d" a &
    timed_run "$d" b &
    wait
    read -r rca msa <"$d/a.rc"
    read -r rcb msb <"$d/b.rc"
    case "$rca:$rcb" in
        0:75) loser=b lms=$msb wms=$msa ;;
        75:0) loser=a lms=$msa wms=$msb ;;
        *) echo "  trial $t: exit statuses $rca and $rcb"; bad=$((bad + 1)); continue ;;
    esac
    # At once: before the night it did not run is over (and within 2 s at all).
    [ "$lms" -lt "$wms" ] && [ "$lms" -lt 2000 ] ||
        { echo "  trial $t: the second run gave up after $lms ms, the night took $wms ms"; slow=$((slow + 1)); }
    grep -q "a night is running in $d/state (pid [0-9]*); see kpm status --state $d/state" "$d/$loser.log" ||
        { echo "  trial $t: $(cat "$d/$loser.log")"; msg=$((msg + 1)); }
    outputs_equal "$TMP/base/out" "$d/out" >/dev/null || { echo "  trial $t: outputs differ"; diff=$((diff + 1)); }
    [ -z "$(stages_of "$d/state")" ] || { echo "  trial $t: left: $(stages_of "$d/state")"; left=$((left + 1)); }
    rm -rf "$d"
done
check "two kpm run at once, $TRIALS trials: one exits 0, the other 75" test "$bad" = 0
check "... the other gives up at once (before the night ends, < 2 s)" test "$slow" = 0
check "... saying which pid runs the night and how to see it" test "$msg" = 0
check "... the night's outputs equal a clean run's" test "$diff" = 0
check "... no stage process is left" test "$left" = 0

# Two restarts of aggregate at once while a night runs: a night long enough for
# the restarts to land in it.
cp "$E2E"/survey/inbox/* "$TMP/big/"
"$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 300000 "$TMP/big/gebruik_2021.csv" 5
mkdir -p "$TMP/bigbase/inbox"
cp "$TMP"/big/* "$TMP/bigbase/inbox/"
check "a clean night of the larger inbox exits 0" kpm_night "$TMP/bigbase/inbox" "$TMP/bigbase/out" "$TMP/bigbase/state"
bad=0 count=0 diff=0 left=0 late=0
for t in $(seq 1 "$TRIALS"); do
    d="$TMP/restart-$t"
    mkdir -p "$d/inbox"
    cp "$TMP"/big/* "$d/inbox/"
    "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout 120 --grace 30 >"$d/kpm.log" 2>&1 &
    runner=$!
    stage_pid "$d/state" aggregate >/dev/null
    "$KPM" restart aggregate --state "$d/state" >"$d/r1.log" 2>&1 &
    r1=$!
    "$KPM" restart aggregate --state "$d/state" >"$d/r2.log" 2>&1 &
    r2=$!
    wait $r1; rc1=$?
    wait $r2; rc2=$?
    n=$(pgrep -f -- "kpm-aggregate --state $d/state " | wc -l)
    kill -0 $runner 2>/dev/null || late=$((late + 1))
    [ "$rc1:$rc2" = 0:0 ] || { echo "  trial $t: restarts exited $rc1 and $rc2: $(cat "$d"/r?.log)"; bad=$((bad + 1)); }
    # (0 when the restarted aggregate already finished the night)
    [ "$n" -le 1 ] || { echo "  trial $t: $n aggregate processes"; count=$((count + 1)); }
    wait $runner
    night_done "$d" $? || bad=$((bad + 1))
    outputs_equal "$TMP/bigbase/out" "$d/out" || { echo "  trial $t: outputs differ"; diff=$((diff + 1)); }
    [ -z "$(stages_of "$d/state")" ] || { echo "  trial $t: left: $(stages_of "$d/state")"; left=$((left + 1)); }
    rm -rf "$d"
done
echo "     ($late of $TRIALS nights had ended before both restarts returned)"
check "two kpm restart aggregate at once, $TRIALS trials: both exit 0, the night completes" test "$bad" = 0
check "... never two aggregate processes afterwards" test "$count" = 0
check "... the outputs equal a clean night's" test "$diff" = 0
check "... no stage process is left" test "$left" = 0
check "... the restarts landed in running nights (at least half)" test "$late" -le $((TRIALS / 2))

e2e_finish
