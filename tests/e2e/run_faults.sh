#!/usr/bin/env bash
# Fault injection: each stage is killed (SIGKILL) at seeded random moments of a
# night, several times, and restarted with `kpm restart`; the night's outputs must
# be byte-identical to those of an uninterrupted night. Also: report down while
# aggregate works, aggregate restarted after report has finished the night,
# SIGTERM, and the same inbox twice.
# usage: run_faults.sh BUILD_DIR E2E_DIR [ROUNDS_PER_STAGE] [SEED]
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
ROUNDS=${3:-4}
SEED=${4:-20261126}
. "$E2E/lib.sh"
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-faults.XXXXXX")
trap 'for d in "$TMP"/*/state; do "$KPM" stop --state "$d" >/dev/null 2>&1; done; [ -n "${KPM_KEEP:-}" ] || rm -rf "$TMP"' EXIT
RANDOM=$SEED

# The inbox: the survey fixture and a large usage file, so that kills land in the
# middle of the streams.
mkdir -p "$TMP/inbox"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
"$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 600000 "$TMP/inbox/gebruik_2021.csv" 7

# Baseline: one uninterrupted night.
new_night_dir base
start=$(date +%s%N)
check "uninterrupted night exits 0" kpm_night "$TMP/base/inbox" "$TMP/base/out" "$TMP/base/state"
base_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "     (uninterrupted night: ${base_ms} ms)"

# Kills at random moments, one to three per night, restarting each time.
for stage in ingest aggregate report; do
    for round in $(seq 1 "$ROUNDS"); do
        d="$TMP/$stage-$round"
        new_night_dir "$stage-$round"
        "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout ${FAULT_TIMEOUT:-120} --grace 60 \
            >"$d/kpm.log" 2>&1 &
        runner=$!
        kills=$((1 + RANDOM % 3))
        for k in $(seq 1 $kills); do
            sleep "0.$(printf '%03d' $((RANDOM % (base_ms < 900 ? base_ms + 100 : 1000))))"
            pid=$(stage_pid "$d/state" "$stage") || break
            kill -KILL "$pid" 2>/dev/null
            sleep "0.0$((RANDOM % 10))"
            "$KPM" restart "$stage" --state "$d/state" >>"$d/kpm.log" 2>&1
        done
        wait $runner
        rc=$?
        check "$stage killed $kills time(s) (round $round): the night completes" night_done "$d" $rc
        check "$stage killed $kills time(s) (round $round): outputs identical" \
            outputs_equal "$TMP/base/out" "$d/out"
        check "$stage killed (round $round): the inbox is empty" test -z "$(ls -A "$d/inbox")"
    done
done

# Report down while aggregate works: ingest and aggregate finish their parts,
# then report is started and the night completes with the same outputs.
d="$TMP/report-down"
new_night_dir report-down
"$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout ${FAULT_TIMEOUT:-120} --grace 60 \
    >"$d/kpm.log" 2>&1 &
runner=$!
pid=$(stage_pid "$d/state" report) && kill -KILL "$pid"
for i in $(seq 1 300); do
    grep -q '^phase=done' "$d/state/run/ingest.status" 2>/dev/null && break
    sleep 0.05
done
check "with report down, ingest still delivers the whole night to aggregate" \
    grep -q '^phase=done' "$d/state/run/ingest.status"
check "with report down, aggregate waits for it (phase sending)" \
    grep -q '^phase=sending' "$d/state/run/aggregate.status"
"$KPM" restart report --state "$d/state" >>"$d/kpm.log" 2>&1
wait $runner
check "report started late: the night completes" night_done "$d" $?
check "report started late: outputs identical" outputs_equal "$TMP/base/out" "$d/out"

# aggregate never hears report's acknowledgement: it is stopped (SIGSTOP) once
# report has every table, so report writes the night, waits 3 s for a BYE that
# does not come and exits; then aggregate is killed and restarted, and delivers
# the night again to a report that is gone. kpm run starts report again, which
# finds the night written and confirms it.
d="$TMP/lost-ack"
new_night_dir lost-ack
KPM_LOG_LEVEL=debug "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" \
    --timeout ${FAULT_TIMEOUT:-120} --grace 60 >"$d/kpm.log" 2>&1 &
runner=$!
for i in $(seq 1 3000); do
    grep -q 'END [0-9]* of aggregate' "$d/state/log/report.log" 2>/dev/null && break
    sleep 0.01
done
apid=$(stage_pid "$d/state" aggregate)
kill -STOP "$apid"
report_alive() {
    local p
    p=$(cat "$d/state/run/report.pid" 2>/dev/null)
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}
gone=0
for i in $(seq 1 100); do
    report_alive || { gone=1; break; }
    sleep 0.1
done
check "aggregate stopped after sending its tables: report writes the night and leaves" \
    test "$gone" = 1 -a -s "$d/state/report/last-night"
check "aggregate had not heard it (its delivery is not recorded)" \
    test ! -e "$d/state/aggregate/delivered"
kill -KILL "$apid"
kill -CONT "$apid" 2>/dev/null
"$KPM" restart aggregate --state "$d/state" >>"$d/kpm.log" 2>&1
wait $runner
check "aggregate restarted to a finished report: the night completes" night_done "$d" $?
check "kpm run started report again to confirm the night" \
    grep -q 'report started again to confirm it' "$d/kpm.log"
check "aggregate restarted to a finished report: outputs identical" \
    outputs_equal "$TMP/base/out" "$d/out"

# SIGTERM: the stage saves its state and exits 0 within 5 s; a restart finishes.
d="$TMP/sigterm"
new_night_dir sigterm
"$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout ${FAULT_TIMEOUT:-120} --grace 60 \
    >"$d/kpm.log" 2>&1 &
runner=$!
sleep 0.3
pid=$(stage_pid "$d/state" aggregate)
t0=$(date +%s%N)
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 6000 ]; do sleep 0.02; done
term_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM: aggregate exits within 5 s (${term_ms} ms)" test "$term_ms" -lt 5000
check "SIGTERM: aggregate says it stopped" grep -qE '^phase=(stopped|done)' "$d/state/run/aggregate.status"
"$KPM" restart aggregate --state "$d/state" >>"$d/kpm.log" 2>&1
wait $runner
check "SIGTERM then restart: the night completes" night_done "$d" $?
check "SIGTERM then restart: outputs identical" outputs_equal "$TMP/base/out" "$d/out"

# The same inbox twice (a re-delivery of every file) changes nothing.
cp "$TMP"/inbox/* "$TMP/base/inbox/"
cp -r "$TMP/base/out" "$TMP/base/out.1"
check "the same inbox a second time exits 0" kpm_night "$TMP/base/inbox" "$TMP/base/out" "$TMP/base/state"
check "the same inbox a second time: outputs identical" outputs_equal "$TMP/base/out.1" "$TMP/base/out"

e2e_finish
