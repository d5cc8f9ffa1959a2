#!/usr/bin/env bash
# run-manifest.json as docs/OUTPUTS.md describes it: the night, its start (from
# the night id), report's start and end, and what each stage passed on: ingest's
# files and rejects, each aggregate worker's records by kind, tables and rows,
# and report's; with one worker and with two.
# usage: run_manifest.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-manifest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

val() { # file key -> the first number or string value of "key"
    sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}]\{0,1\}.*/\1/p" "$1" | head -n 1
}
json_ok() { # file: valid JSON (when python3 is there to say so)
    command -v python3 >/dev/null || return 0
    python3 -m json.tool "$1" >/dev/null
}

for workers in 1 2; do
    d=$TMP/w$workers
    mkdir -p "$d/inbox" && cp "$ROOT"/samples/inbox/* "$d/inbox/"
    n_files=$(ls "$d/inbox" | wc -l)
    (cd "$d/inbox" && sha256sum -- *) >"$d/delivered.sha256"
    check "[$workers worker(s)] a night on the sample inbox exits 0" \
        kpm_night "$d/inbox" "$d/out" "$d/state" --workers $workers
    M=$d/out/run-manifest.json
    check "[$workers] run-manifest.json is valid JSON" json_ok "$M"
    check "[$workers] schema_version 2" test "$(val "$M" schema_version)" = 2
    night=$(val "$M" nacht)
    check "[$workers] nacht is the night of STATE/archive" test -d "$d/state/archive/$night"
    want_start=$(sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z.*/\1-\2-\3T\4:\5:\6Z/' <<<"$night")
    check "[$workers] gestart_op is the night id's time ($want_start)" test "$(val "$M" gestart_op)" = "$want_start"
    for k in report_gestart_op geschreven_op; do
        check "[$workers] $k is a UTC time" grep -qE "\"$k\": \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\"" "$M"
    done
    check "[$workers] the night starts before report writes" \
        bash -c "[[ '$want_start' < '$(val "$M" geschreven_op)' || '$want_start' == '$(val "$M" geschreven_op)' ]]"
    check "[$workers] ingest: bestanden = every delivered file ($n_files)" test "$(val "$M" bestanden)" = "$n_files"
    # rejects.csv after a first night, but for the rows aggregate adds itself.
    rejects=$(tail -n +2 "$d/out/rejects.csv" | grep -vcE ',(UNKNOWN_KOPLOPER|SUPERSEDED),')
    check "[$workers] ingest: afwijzingen = ingest's rows of rejects.csv ($rejects)" \
        test "$(val "$M" afwijzingen)" = "$rejects"
    check "[$workers] one aggregate entry per worker" test "$(grep -c '"worker": ' "$M")" = "$workers"
    check "[$workers] aggregate: every worker got every file_end ($n_files)" \
        test "$(grep -o '"file_end": [0-9]*' "$M" | sort -u)" = "\"file_end\": $n_files"
    resp=$(grep -o '"response": [0-9]*' "$M" | awk '{s += $2} END {print s}')
    # ingest's log: "file uitvraag_...: N rows, A accepted, R rejected, K records".
    accepted=$(sed -n 's/.*msg="file uitvraag_[^:]*: [0-9]* rows, \([0-9]*\) accepted.*/\1/p' \
        "$d/state/log/ingest.log" | awk '{s += $1} END {print s + 0}')
    check "[$workers] aggregate: response records = ingest's accepted uitvraag rows ($accepted)" \
        test "$resp" = "$accepted"
    if [ "$workers" = 1 ]; then
        sent=$(sed -n 's/.*msg="file [^"]* \([0-9]*\) records;.*/\1/p' "$d/state/log/ingest.log" |
            awk '{s += $1} END {print s + 0}')
        check "[1] aggregate: records_in_totaal = the records ingest logged ($sent)" \
            test "$(val "$M" records_in_totaal)" = "$sent"
    fi
    check "[$workers] bestanden lists every delivered file once" \
        test "$(grep -c '^    {"bestand": ' "$M")" = "$n_files"
    check "[$workers] each file's sha256 is that of the file as delivered (sha256sum)" \
        bash -c "while read -r sum name; do
                     grep -qF \"{\\\"bestand\\\": \\\"\$name\\\", \" '$M' &&
                     grep -F \"{\\\"bestand\\\": \\\"\$name\\\", \" '$M' | grep -qF \"\\\"sha256\\\": \\\"\$sum\\\"}\" || { echo \"  \$name\"; exit 1; }
                 done <'$d/delivered.sha256'"
    check "[$workers] a file's regels, geaccepteerd and afgewezen are ingest's (koplopers_2021.csv)" \
        grep -qF "$(sed -n 's/.*msg="file koplopers_2021.csv: \([0-9]*\) rows, \([0-9]*\) accepted, \([0-9]*\) rejected.*/{"bestand": "koplopers_2021.csv", "regels": \1, "geaccepteerd": \2, "afgewezen": \3, /p' "$d/state/log/ingest.log")" "$M"
    tables=$(val "$M" tabellen)
    check "[$workers] report: tabellen > 0 and as in the report section" \
        bash -c "test '$tables' -gt 0 && grep -q '\"report\": {\"records_in\": [0-9]*, \"tabellen\": $tables, ' '$M'"
done

# The night's files survive a restart of aggregate: killed (SIGKILL) once it has
# applied the night and waits for report, it reloads them from its checkpoint.
d=$TMP/restart S=$TMP/restart/state B=$BUILD
mkdir -p "$d/inbox" "$S/log" && cp "$ROOT"/samples/inbox/* "$d/inbox/"
(cd "$d/inbox" && sha256sum -- *) >"$d/delivered.sha256"
night=$("$B/ingest/kpm-ingest" --state "$S" --inbox "$d/inbox" --prepare 2>>"$S/log/ingest.log")
"$B/aggregate/kpm-aggregate" --state "$S" --night "$night" 2>>"$S/log/aggregate.log" & apid=$!
"$B/ingest/kpm-ingest" --state "$S" --inbox "$d/inbox" --night "$night" 2>>"$S/log/ingest.log" & ipid=$!
sending() { grep -q '^phase=sending' "$S/run/aggregate.status" 2>/dev/null; }
for _ in $(seq 1 600); do sending && break; sleep 0.1; done
check "aggregate applied the night and waits for report" sending
kill -KILL $apid 2>/dev/null; wait $apid 2>/dev/null
"$B/aggregate/kpm-aggregate" --state "$S" --night "$night" 2>>"$S/log/aggregate.log" & apid=$!
"$B/report/kpm-report" --state "$S" --out "$d/out" --night "$night" 2>>"$S/log/report.log" & rpid=$!
check "after the restart the night completes" wait_for $rpid 60
wait $ipid $apid 2>/dev/null
M=$d/out/run-manifest.json
check "after the restart bestanden still lists every file" \
    test "$(grep -c '^    {"bestand": ' "$M")" = "$(wc -l <"$d/delivered.sha256")"
check "after the restart each file keeps its sha256" \
    bash -c "while read -r sum name; do grep -qF \"\$sum\" '$M' || exit 1; done <'$d/delivered.sha256'"
kill $ipid $apid $rpid 2>/dev/null

e2e_finish
