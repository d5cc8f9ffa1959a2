#!/usr/bin/env bash
# Sharded aggregate (docs/SCALING.md): the same inbox through 1, 2 and 3
# aggregate workers gives byte-identical outputs; one worker killed (SIGKILL) at
# seeded random moments and restarted with `kpm restart aggregate.K` loses and
# duplicates nothing while the others go on; a night started with N workers is
# not resumed with another N.
# usage: run_workers.sh BUILD_DIR E2E_DIR [ROUNDS] [SEED]
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
ROUNDS=${3:-3}
SEED=${4:-20261126}
. "$E2E/lib.sh"
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-workers.XXXXXX")
trap 'for d in "$TMP"/*/state; do "$KPM" stop --state "$d" >/dev/null 2>&1; done; [ -n "${KPM_KEEP:-}" ] || rm -rf "$TMP"' EXIT
RANDOM=$SEED

# Every kind of the sample inbox, and a large usage file so that kills land in
# the middle of the streams.
mkdir -p "$TMP/inbox"
cp "$ROOT"/samples/inbox/* "$TMP/inbox/"
"$BUILD/bench/gen_gebruik" "$ROOT/config/gemeenten_2021.csv" 400000 "$TMP/inbox/gebruik_2022.csv" 11

# The database holds the same tables; only its night log (kpm_nacht: the
# night's id and load time) differs between nights.
same_db() { # db_a db_b
    cmp -s <(sqlite3 "$1" .dump | grep -v '^INSERT INTO kpm_nacht ') \
        <(sqlite3 "$2" .dump | grep -v '^INSERT INTO kpm_nacht ')
}

new_night_dir one
start=$(date +%s%N)
check "one worker: the night exits 0" kpm_night "$TMP/one/inbox" "$TMP/one/out" "$TMP/one/state"
base_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "     (one worker: ${base_ms} ms)"

for n in 2 3; do
    new_night_dir "n$n"
    check "$n workers: the night exits 0" kpm_night "$TMP/n$n/inbox" "$TMP/n$n/out" "$TMP/n$n/state" --workers "$n"
    check "$n workers: outputs identical to one worker's" outputs_equal "$TMP/one/out" "$TMP/n$n/out"
    check "$n workers: kpm.sqlite holds the same rows" same_db "$TMP/one/out/kpm.sqlite" "$TMP/n$n/out/kpm.sqlite"
    check "$n workers: each worker has its own state and pid file" \
        test -f "$TMP/n$n/state/aggregate.$((n - 1))/checkpoint" -a -f "$TMP/n$n/state/run/aggregate.$((n - 1)).status"
    # Usage is spread: every worker received usage records.
    spread=1
    for k in $(seq 0 $((n - 1))); do
        recs=$(sed -n 's/.*batch .*: in=\([0-9]*\) .*/\1/p' "$TMP/n$n/state/log/aggregate.$k.log" | tail -n 1)
        [ "${recs:-0}" -gt 50000 ] || spread=0
    done
    check "$n workers: every worker took a share of the usage rows" test $spread = 1
done
check "kpm status lists the workers" bash -c "'$KPM' status --state '$TMP/n3/state' | grep -q '^aggregate.2 '"

# One worker of two killed at random moments and restarted; the other goes on.
for round in $(seq 1 "$ROUNDS"); do
    d="$TMP/kill-$round"
    new_night_dir "kill-$round"
    victim="aggregate.$((round % 2))"
    other="aggregate.$(( ${victim#aggregate.} == 0 ? 1 : 0 ))"
    "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --workers 2 --timeout 120 --grace 60 \
        >"$d/kpm.log" 2>&1 &
    runner=$!
    other_pid=$(stage_pid "$d/state" "$other")
    kills=$((1 + RANDOM % 2))
    for k in $(seq 1 $kills); do
        sleep "0.$(printf '%03d' $((RANDOM % (base_ms < 900 ? base_ms + 100 : 1000))))"
        pid=$(stage_pid "$d/state" "$victim") || break
        kill -KILL "$pid" 2>/dev/null
        sleep "0.0$((RANDOM % 10))"
        "$KPM" restart "$victim" --state "$d/state" >>"$d/kpm.log" 2>&1
    done
    wait $runner
    rc=$?
    check "$victim killed $kills time(s) (round $round): the night completes" night_done "$d" $rc
    check "$victim killed (round $round): outputs identical to one worker's" outputs_equal "$TMP/one/out" "$d/out"
    # The other worker went on: its one process saw the night through, without errors.
    check "$victim killed (round $round): $other ran once, to the end, without errors" \
        test -n "$other_pid" -a "$(grep -c ' level=info .*msg="batch ' "$d/state/log/$other.log")" = 1 \
        -a "$(grep -c ' level=error ' "$d/state/log/$other.log")" = 0
    # (a victim killed after its part was delivered only confirms it: no batch line)
    check "$victim killed (round $round): the victim was restarted and finished" \
        grep -q '^phase=done' "$d/state/run/$victim.status"
    check "$victim killed (round $round): the inbox is empty" test -z "$(ls -A "$d/inbox")"
done

# A night started with two workers is not resumed with three.
d="$TMP/mismatch"
new_night_dir mismatch
"$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --workers 2 --timeout 120 >"$d/kpm.log" 2>&1 &
runner=$!
pid=$(stage_pid "$d/state" ingest) && sleep 0.2
"$KPM" stop --state "$d/state" >/dev/null 2>&1
wait $runner
if [ -n "$(ls -A "$d/inbox")" ]; then
    "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --workers 3 --timeout 30 >"$d/kpm3.log" 2>&1
    check "a night of 2 workers resumed with 3: refused" test $? != 0
    check "a night of 2 workers resumed with 3: the log says why" \
        grep -q "was started with 2 aggregate worker(s), not 3" "$d/state/log/ingest.log"
    check "a night of 2 workers resumed with 2 again: completes" \
        kpm_night "$d/inbox" "$d/out" "$d/state" --workers 2
    check "... with outputs identical to one worker's" outputs_equal "$TMP/one/out" "$d/out"
else
    echo "     (the night finished before it was stopped: mismatch case not reached)"
fi

# The compose file for N workers (no Docker engine in the tests: its wiring is
# checked instead): the committed example is what the generator makes, and each
# worker's endpoints meet report's and ingest's.
check "deploy/compose-workers 2 gives the committed deploy/docker-compose.workers-2.yml" \
    cmp -s <("$ROOT/deploy/compose-workers" 2) "$ROOT/deploy/docker-compose.workers-2.yml"
compose_wired() { # N
    local f k out ack
    f=$("$ROOT/deploy/compose-workers" "$1") || return 1
    for k in $(seq 0 $(($1 - 1))); do
        out=$(grep -A12 "^  aggregate-$k:" <<<"$f" | grep -o '"--out", "tcp://report:[0-9]*"' | grep -o '[0-9]*"$')
        ack=$(grep -A12 "^  aggregate-$k:" <<<"$f" | grep -o '"--in-ack", "tcp://ingest:[0-9]*"' | grep -o '[0-9]*"$')
        grep -q "\"--in\", \"tcp://\*:${out%\"}\", \"--in-ack\", \"tcp://aggregate-$k:5554\"" <<<"$f" || return 1
        grep -q "\"--out\", \"tcp://aggregate-$k:5551\", \"--ack\", \"tcp://\*:${ack%\"}\"" <<<"$f" || return 1
        grep -q "\"--worker\", \"$k\", \"--workers\", \"$1\"" <<<"$f" || return 1
    done
}
check "compose file for 3 workers: each worker wired to report and ingest" compose_wired 3
# Closed by default (docs/OPERATIONS.md, "Containers"): in docker-compose.yml and
# in a generated file, a keygen service makes the keys into the named volume,
# every stage waits for it to complete, mounts the volume and passes --keys, and
# no stage talks tcp without them. Read with a YAML parser when python3-yaml is
# there, else by the text.
compose_closed() { # file
    if python3 -c 'import yaml' 2>/dev/null; then
        python3 - "$1" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
sv = d["services"]
bad = []
kg = sv.get("keygen")
if not kg or "kpm-keygen /keys" not in " ".join(kg["command"]) or "keys:/keys" not in kg["volumes"]:
    bad.append("no keygen service writing /keys")
if "keys" not in d.get("volumes", {}):
    bad.append("no named volume 'keys'")
for name, s in sv.items():
    if name == "keygen":
        continue
    cmd = s["command"]
    dep = s.get("depends_on", {})
    if not isinstance(dep, dict) or dep.get("keygen", {}).get("condition") != "service_completed_successfully":
        bad.append(name + ": does not wait for keygen to complete")
    if "--keys" not in cmd or cmd[cmd.index("--keys") + 1] != "/keys":
        bad.append(name + ": no --keys /keys")
    if "--insecure-plaintext" in cmd:
        bad.append(name + ": --insecure-plaintext")
    if not any(v.startswith("keys:/keys") for v in s["volumes"]):
        bad.append(name + ": keys volume not mounted")
if bad:
    print("  " + "; ".join(bad))
    sys.exit(1)
PY
    else
        local n_stage n_keys
        n_stage=$(grep -c '"kpm-\(ingest\|aggregate\|report\)"' "$1")
        n_keys=$(grep '"kpm-\(ingest\|aggregate\|report\)"' "$1" | grep -c '"--keys", "/keys"')
        [ "$n_stage" -gt 0 ] && [ "$n_stage" = "$n_keys" ] && grep -q 'kpm-keygen /keys' "$1" &&
            [ "$(grep -c 'condition: service_completed_successfully' "$1")" = "$n_stage" ] &&
            ! grep -q -- '--insecure-plaintext' "$1"
    fi
}
check "docker-compose.yml: keys made by a keygen service, every stage uses --keys" \
    compose_closed "$ROOT/docker-compose.yml"
"$ROOT/deploy/compose-workers" 3 >"$TMP/compose-3.yml"
check "compose file for 3 workers: keys made by a keygen service, every stage uses --keys" \
    compose_closed "$TMP/compose-3.yml"
check "compose file for 1 worker is refused (docker-compose.yml is that)" \
    bash -c "! '$ROOT/deploy/compose-workers' 1 >/dev/null 2>&1"

e2e_finish
