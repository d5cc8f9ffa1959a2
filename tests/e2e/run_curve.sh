#!/usr/bin/env bash
# The three stages over tcp:// on loopback with CurveZMQ, started by hand the way
# separate hosts would run them: the outputs equal those of an ipc:// night, and a
# report whose keys aggregate does not know gets nothing.
# usage: run_curve.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-curve.XXXXXX")
PIDS=()
trap 'kill ${PIDS[@]+"${PIDS[@]}"} 2>/dev/null; rm -rf "$TMP"' EXIT
# Below Linux's ephemeral range (32768-60999), so no outgoing connection can hold
# one of these ports; skip past any that a listener already holds.
BASE=$((20000 + $$ % 12000))
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while port_busy $BASE || port_busy $((BASE + 1)) || port_busy $((BASE + 2)) || port_busy $((BASE + 3)); do
    BASE=$((BASE + 4))
done
FIX=$E2E/survey

# Reference: the usual ipc night.
mkdir -p "$TMP/ref/inbox" && cp "$FIX"/inbox/* "$TMP/ref/inbox/"
check "reference night over ipc exits 0" kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"

# Keys as three hosts would hold them: each its own pair and the peers' public keys.
stage_keys "$TMP"
check "secret keys are readable by their owner only" \
    test "$(stat -c %a "$TMP/ingest/keys/ingest.key")" = 600

run_night() { # dir report_keys_dir -> starts the three stages over tcp
    local d=$1 rkeys=$2
    mkdir -p "$d/inbox" && cp "$FIX"/inbox/* "$d/inbox/"
    "$BUILD/report/kpm-report" --state "$d/report" --out "$d/out" --keys "$rkeys" \
        --in "tcp://127.0.0.1:$((BASE + 2))" --in-ack "tcp://127.0.0.1:$((BASE + 3))" \
        2>"$d/report.log" &
    PIDS+=($!); RPID=$!
    "$BUILD/aggregate/kpm-aggregate" --state "$d/aggregate" --keys "$TMP/aggregate/keys" \
        --in "tcp://127.0.0.1:$BASE" --in-ack "tcp://127.0.0.1:$((BASE + 1))" \
        --out "tcp://127.0.0.1:$((BASE + 2))" --out-ack "tcp://127.0.0.1:$((BASE + 3))" \
        2>"$d/aggregate.log" &
    PIDS+=($!); APID=$!
    "$BUILD/ingest/kpm-ingest" --state "$d/ingest" --inbox "$d/inbox" --keys "$TMP/ingest/keys" \
        --out "tcp://127.0.0.1:$BASE" --ack "tcp://127.0.0.1:$((BASE + 1))" \
        2>"$d/ingest.log" &
    PIDS+=($!); IPID=$!
}

run_night "$TMP/good" "$TMP/report/keys"
check "over tcp with CURVE: ingest finishes" wait_for $IPID 60
check "over tcp with CURVE: aggregate finishes" wait_for $APID 60
check "over tcp with CURVE: report finishes" wait_for $RPID 60
for t in respons likert keuze besteding open_antwoorden rejects; do
    check "over tcp with CURVE: $t.csv equals the ipc night's" same_file "$TMP/good/out/$t.csv" "$TMP/ref/out/$t.csv"
done

# A report with keys of its own that aggregate was never given: refused.
BASE=$((BASE + 10))
"$BUILD/tools/kpm-keygen" "$TMP/rogue" report >/dev/null
cp "$TMP/keys/aggregate.pub" "$TMP/rogue/"
run_night "$TMP/bad" "$TMP/rogue"
sleep 4
check "a report with an unknown key is refused by aggregate" grep -q "refused a peer" "$TMP/bad/aggregate.log"
check "the refused report wrote no outputs" test ! -e "$TMP/bad/out/respons.csv"
check "aggregate is still waiting for an allowed report" kill -0 $APID
kill $IPID $APID $RPID 2>/dev/null

e2e_finish
