#!/usr/bin/env bash
# The stages as separate hosts (docs/SCALING.md): ingest, two aggregate workers
# and report each in a Linux network namespace of its own, joined by veth
# pairs, talking tcp:// with CurveZMQ. One worker is killed (SIGKILL) in the
# middle of the night and started again; the outputs must equal those of a
# one-process-per-stage night over ipc. Needs root and iproute2; exits 77
# (skipped) with the reason when namespaces cannot be made.
#
#   ingest 10.77.1.1 ---- 10.77.1.2 aggregate.0 10.77.3.1 ---- 10.77.3.2 report
#          10.77.2.1 ---- 10.77.2.2 aggregate.1 10.77.4.1 ---- 10.77.4.2
#
# usage: run_netns.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "needs iproute2 (ip)"
NS="kpm$$"
HOSTS=(ingest agg0 agg1 report)
ip netns add "$NS-probe" 2>/dev/null || skip "cannot create a network namespace (ip netns add failed)"
ip netns del "$NS-probe"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-netns.XXXXXX")
PIDS=()
cleanup() {
    kill -KILL ${PIDS[@]+"${PIDS[@]}"} 2>/dev/null
    for h in "${HOSTS[@]}"; do ip netns del "$NS-$h" 2>/dev/null; done
    [ -n "${KPM_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

for h in "${HOSTS[@]}"; do
    ip netns add "$NS-$h" || skip "cannot create namespace $NS-$h"
    ip -n "$NS-$h" link set lo up
done
# link A B NET: a veth pair between namespaces A (NET.1) and B (NET.2)
link() {
    local a=$1 b=$2 net=$3
    local ea="to-$b" eb="to-$a" # names live in their own namespaces
    ip link add "$ea" netns "$NS-$a" type veth peer name "$eb" netns "$NS-$b" || return 1
    ip -n "$NS-$a" addr add "$net.1/24" dev "$ea" && ip -n "$NS-$a" link set "$ea" up &&
        ip -n "$NS-$b" addr add "$net.2/24" dev "$eb" && ip -n "$NS-$b" link set "$eb" up
}
link ingest agg0 10.77.1 && link ingest agg1 10.77.2 && link agg0 report 10.77.3 &&
    link agg1 report 10.77.4 || skip "cannot create veth pairs between the namespaces"
check "ingest has a route to each worker over its veth pair" \
    bash -c "ip -n '$NS-ingest' route get 10.77.1.2 | grep -q to-agg0 && ip -n '$NS-ingest' route get 10.77.2.2 | grep -q to-agg1"
check "report has no route to ingest (the hosts are apart)" \
    bash -c "! ip -n '$NS-report' route get 10.77.1.1 >/dev/null 2>&1"

# The inbox: every kind of the sample inbox and a large usage file.
mkdir -p "$TMP/inbox"
cp "$ROOT"/samples/inbox/* "$TMP/inbox/"
"$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 1500000 "$TMP/inbox/gebruik_2022.csv" 5

# Reference: one process per stage over ipc, on one host.
mkdir -p "$TMP/ref/inbox" && cp "$TMP"/inbox/* "$TMP/ref/inbox/"
check "reference night (one aggregate, ipc) exits 0" kpm_night "$TMP/ref/inbox" "$TMP/ref/out" "$TMP/ref/state"

# Keys as hosts hold them: each its own secret key and the peers' public keys;
# the two workers share the aggregate key pair.
"$BUILD/tools/kpm-keygen" "$TMP/keys" ingest aggregate report >/dev/null
for s in ingest aggregate report; do
    mkdir -p "$TMP/$s-keys"
    cp "$TMP/keys/$s.key" "$TMP/keys/"*.pub "$TMP/$s-keys/"
done

H=$TMP/hosts
mkdir -p "$H"/{ingest/inbox,agg0,agg1,report}
cp "$TMP"/inbox/* "$H/ingest/inbox/"
start_report() {
    ip netns exec "$NS-report" "$BUILD/report/kpm-report" --state "$H/report/state" \
        --out "$H/report/out" --keys "$TMP/report-keys" \
        --in tcp://10.77.3.2:7003 --in-ack tcp://10.77.3.1:7004 \
        --in tcp://10.77.4.2:7003 --in-ack tcp://10.77.4.1:7004 2>>"$H/report/log" &
    PIDS+=($!); RPID=$!
}
start_worker() { # K
    local k=$1
    ip netns exec "$NS-agg$k" "$BUILD/aggregate/kpm-aggregate" --state "$H/agg$k/state" \
        --keys "$TMP/aggregate-keys" --worker "$k" --workers 2 --checkpoint-ms 100 \
        --in "tcp://10.77.$((k + 1)).2:7001" --in-ack "tcp://10.77.$((k + 1)).1:7002" \
        --out "tcp://10.77.$((k + 3)).2:7003" --out-ack "tcp://10.77.$((k + 3)).1:7004" \
        2>>"$H/agg$k/log" &
    PIDS+=($!); APID[$k]=$!
}
start_ingest() {
    ip netns exec "$NS-ingest" "$BUILD/ingest/kpm-ingest" --state "$H/ingest/state" \
        --inbox "$H/ingest/inbox" --keys "$TMP/ingest-keys" --batch 512 \
        --out tcp://10.77.1.2:7001 --ack tcp://10.77.1.1:7002 \
        --out tcp://10.77.2.2:7001 --ack tcp://10.77.2.1:7002 2>>"$H/ingest/log" &
    PIDS+=($!); IPID=$!
}
declare -a APID
start_report
start_worker 0
start_worker 1
start_ingest
# Kill worker 1 once it has checkpointed part of the night, before the night ends:
# its status says "receiving" with records only after a checkpoint was saved (a
# fixed sleep after the night's start was too short when the link waited for its
# handshake under load).
ST1=$H/agg1/state/run/aggregate.1.status
for i in $(seq 1 500); do
    grep -q '^phase=receiving' "$ST1" 2>/dev/null && grep -q '^records_in=[1-9]' "$ST1" && break
    sleep 0.01
done
killed=0
if kill -KILL "${APID[1]}" 2>/dev/null; then killed=1; fi
check "aggregate worker 1 was killed while the night ran" test $killed = 1
wait "${APID[1]}" 2>/dev/null
check "while worker 1 is down, ingest and worker 0 keep running" \
    bash -c "kill -0 $IPID && kill -0 ${APID[0]}"
sleep 0.5
start_worker 1
check "ingest finishes" wait_for $IPID 120
check "aggregate worker 0 finishes (never restarted)" wait_for "${APID[0]}" 60
check "aggregate worker 1 finishes after its restart" wait_for "${APID[1]}" 60
check "report finishes" wait_for $RPID 60
check "the restarted worker resumed from its checkpoint" \
    grep -q "state loaded: night .* at seq [1-9]" "$H/agg1/log"
for f in "$TMP"/ref/out/*.csv "$TMP"/ref/out/dashboard/*.json "$TMP/ref/out/rapport.md" \
    "$TMP/ref/out/rapport.html"; do
    check "over namespaces with CURVE: ${f#"$TMP"/ref/out/} equals the one-process night's" \
        same_file "$f" "$H/report/out/${f#"$TMP"/ref/out/}"
done
check "over namespaces with CURVE: dashboard.json equals the one-process night's (but its night)" \
    feed_index_equal "$TMP/ref/out" "$H/report/out"
check "the inbox was emptied (every file archived)" test -z "$(ls -A "$H/ingest/inbox")"
check "no stage logged a refused CURVE peer" \
    bash -c "! grep -h 'refused a peer' '$H'/*/log"

e2e_finish
