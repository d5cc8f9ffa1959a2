#!/usr/bin/env bash
# An attacker on the network (tests/forge.c: the protocol, no keys) against the
# three stages over tcp:// on loopback, started by hand as on separate hosts,
# without keys and with CurveZMQ keys. Four attacks, each on its own night:
#   ack      forged acknowledgements to ingest's ack endpoint (without a stream
#            id, of other streams, beyond what was sent) before aggregate is up:
#            they once made ingest archive the whole night unsent;
#   night    a whole stream of another night to aggregate's --in before ingest
#            connects (and to report's): it once replaced the register (46
#            koplopers -> 2);
#   big      frames of 64 MiB to aggregate's and report's inputs and to
#            ingest's ack endpoint: they once took aggregate to 268 MB (its
#            peak memory must not grow by half a frame);
#   unknown  messages of a stream nobody started, and forged acknowledgements
#            to aggregate, during the night.
# In each case: nothing is archived before it was delivered, the night
# completes, and every output equals that of a clean night.
# usage: run_forged.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-forged.XXXXXX")
PIDS=()
trap 'kill ${PIDS[@]+"${PIDS[@]}"} 2>/dev/null; rm -rf "$TMP"' EXIT
FORGE=$BUILD/tests/kpm-forge
FIX=$E2E/survey
N_FILES=$(ls "$FIX/inbox" | wc -l)
FORGED_NIGHT=20990101T000000Z-1
# Stages over tcp without keys need the flag that says so, where the build has it.
PLAIN=()
"$BUILD/ingest/kpm-ingest" --help 2>&1 | grep -q insecure-plaintext && PLAIN=(--insecure-plaintext)
# Ports 22000-22099 (this test's range), four per night; skip any a listener holds.
PORT=22000
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_ports() {
    BASE=$PORT
    while port_busy $BASE || port_busy $((BASE + 1)) || port_busy $((BASE + 2)) ||
        port_busy $((BASE + 3)); do
        BASE=$((BASE + 4))
    done
    PORT=$((BASE + 4))
    [ $PORT -le 22100 ] || { echo "no free ports left in 22000-22099"; exit 1; }
}
ep() { echo "tcp://127.0.0.1:$((BASE + $1))"; } # 0 aggregate.in, 1 ingest.ack, 2 report.in, 3 aggregate.ack

# Reference: a clean night over ipc.
mkdir -p "$TMP/ref/inbox" && cp "$FIX"/inbox/* "$TMP/ref/inbox/"
check "reference night over ipc exits 0" kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"

stage_keys "$TMP"

security() { # stage -> its options for the mode
    if [ "$MODE" = curve ]; then echo "--keys $TMP/$1/keys"; else echo "${PLAIN[*]}"; fi
}

new_night() { # attack -> D, NIGHT; the night's inbox and its id (ingest --prepare)
    D=$TMP/$MODE-$1
    mkdir -p "$D/inbox" && cp "$FIX"/inbox/* "$D/inbox/"
    NIGHT=$("$BUILD/ingest/kpm-ingest" --state "$D/ingest" --inbox "$D/inbox" --prepare 2>"$D/prepare.log")
    next_ports
}

start_report() {
    # shellcheck disable=SC2046
    "$BUILD/report/kpm-report" --state "$D/report" --out "$D/out" --night "$NIGHT" \
        $(security report) --in "$(ep 2)" --in-ack "$(ep 3)" 2>"$D/report.log" &
    PIDS+=($!); RPID=$!
}

start_aggregate() {
    # shellcheck disable=SC2046
    "$BUILD/aggregate/kpm-aggregate" --state "$D/aggregate" --night "$NIGHT" \
        $(security aggregate) --in "$(ep 0)" --in-ack "$(ep 1)" --out "$(ep 2)" \
        --out-ack "$(ep 3)" 2>"$D/aggregate.log" &
    PIDS+=($!); APID=$!
}

start_ingest() {
    # shellcheck disable=SC2046
    "$BUILD/ingest/kpm-ingest" --state "$D/ingest" --inbox "$D/inbox" --night "$NIGHT" \
        $(security ingest) --out "$(ep 0)" --ack "$(ep 1)" 2>"$D/ingest.log" &
    PIDS+=($!); IPID=$!
}

forge() { "$FORGE" "$@" >>"$D/forge.log" 2>&1; }

# Files moved out of the inbox: archived, or quarantined (beside a .reason).
taken_files() {
    find "$D/ingest/archive/$NIGHT" "$D/ingest/quarantine/$NIGHT" -type f ! -name '*.reason' \
        2>/dev/null | wc -l
}

# Nothing archived yet, every file still in the inbox, ingest still waiting.
nothing_archived() {
    local n
    n=$(taken_files)
    [ "$n" = 0 ] && [ "$(ls "$D/inbox" | wc -l)" = "$N_FILES" ] && kill -0 "$IPID" 2>/dev/null ||
        { echo "  $n files archived, $(ls "$D/inbox" | wc -l) in the inbox"; return 1; }
}

# Peak resident memory of a running process, in MiB.
peak_mib() { awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$1/status" 2>/dev/null || echo 0; }
grew_less_than() { # pid peak_before mib: a frame taken whole would add 64 MiB
    local got
    got=$(peak_mib "$1")
    [ -n "$got" ] && [ "$got" -lt $(($2 + $3)) ] ||
        { echo "  peak ${got:-?} MiB, ${2} MiB before the frames"; return 1; }
}

# The night completes, everything is archived after delivery, and the outputs
# are a clean night's.
night_complete() { # attack
    local what="$MODE, forged $1"
    check "$what: ingest finishes" wait_for "$IPID" 60
    check "$what: aggregate finishes" wait_for "$APID" 60
    check "$what: report finishes" wait_for "$RPID" 60
    check "$what: every file is archived or quarantined, none left in the inbox" \
        test "$(taken_files)" = "$N_FILES" -a -z "$(ls "$D/inbox")"
    check "$what: every output equals the clean night's" outputs_equal "$D/out" "$TMP/ref/out"
    check "$what: report wrote this night" grep -q "\"$NIGHT\"" "$D/out/run-manifest.json"
}

for MODE in plain curve; do
    # 1. Forged acknowledgements to ingest while aggregate is not up.
    new_night ack
    start_ingest
    sleep 0.3
    forge ack "$(ep 1)" "$NIGHT"
    check "$MODE, forged ack: nothing archived, ingest still waits" nothing_archived
    if [ "$MODE" = plain ]; then
        check "plain, forged ack: refusals are logged" \
            grep -q "without a stream id ignored" "$D/ingest.log"
        # 280 forged messages in 2 s: at most one line per 5 s and kind of end
        check "plain, forged ack: the log is rate-limited" \
            test "$(grep -c "link .*\(ignored\|refused\)" "$D/ingest.log")" -le 2
    fi
    start_aggregate
    start_report
    night_complete ack

    # 2. Another night's stream to aggregate before ingest connects.
    new_night night
    start_report
    start_aggregate
    sleep 0.3
    forge night "$(ep 0)" "$FORGED_NIGHT"
    forge night "$(ep 2)" "$FORGED_NIGHT" # report, started for its night, too
    sleep 0.5
    check "$MODE, forged night: aggregate still waits for its night" kill -0 "$APID"
    check "$MODE, forged night: report still waits for its night" kill -0 "$RPID"
    if [ "$MODE" = plain ]; then
        check "plain, forged night: aggregate logs the refusal" \
            grep -q "of night $FORGED_NIGHT refused" "$D/aggregate.log"
        check "plain, forged night: report logs the refusal" \
            grep -q "of night $FORGED_NIGHT refused" "$D/report.log"
    fi
    start_ingest
    night_complete night

    # 3. Oversized frames to every receiving socket.
    new_night big
    start_report
    start_aggregate
    sleep 0.3
    apeak=$(peak_mib "$APID") rpeak=$(peak_mib "$RPID")
    forge big "$(ep 0)" 64 3 &
    f1=$!
    forge big "$(ep 2)" 64 3 &
    f2=$!
    wait $f1 $f2
    sleep 0.5
    check "$MODE, forged big: aggregate's memory grows by less than 32 MiB" \
        grew_less_than "$APID" "$apeak" 32
    check "$MODE, forged big: report's memory grows by less than 32 MiB" \
        grew_less_than "$RPID" "$rpeak" 32
    start_ingest
    sleep 0.2
    forge big "$(ep 1)" 64 3
    night_complete big

    # 4. An unknown stream and forged acknowledgements during the night.
    new_night unknown
    start_report
    start_aggregate
    forge unknown "$(ep 0)" &
    f1=$!
    forge unknown "$(ep 2)" &
    f2=$!
    forge ack "$(ep 3)" "$NIGHT" &
    f3=$!
    start_ingest
    forge ack "$(ep 1)" "$NIGHT"
    wait $f1 $f2 $f3
    night_complete unknown
done

e2e_finish
