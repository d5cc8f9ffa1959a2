#!/usr/bin/env bash
# Inbox edges (issue 13): entries that are no regular file, links to files
# outside the inbox, a file that cannot be read or that vanishes after the night
# was prepared, a 255-byte name, an inbox on another file system, a file that
# grows during the night, an output directory that is full. One real night per
# case with `kpm run`; each case checks that the night completes (or fails as
# specified), that nothing outside the inbox changed (mode, size, time, owner and
# sha256), the case's rows in rejects.csv (file, line, column, code), that no
# stage process is left, that the next night takes a new file, and that the
# outputs equal those of clean nights with the same readable files.
# Cases that need root (mounts; EACCES for root) say why when they are skipped.
# usage: run_edges.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"
KPM="$ROOT/scripts/kpm"
export KPM_BUILD_DIR=$BUILD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-edges.XXXXXX")
MOUNTS=()
cleanup() {
    local m d
    for d in "$TMP"/*/state; do "$KPM" stop --state "$d" >/dev/null 2>&1; done
    for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do umount "$m" 2>/dev/null; done
    [ -n "${KPM_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
SKIPPED=()

# The inbox of every case: the survey fixture. The next night's new file: a
# small usage file. The file that grows: another usage file, two halves.
mkdir -p "$TMP/inbox" "$TMP/files"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
head -n 201 "$ROOT/samples/inbox/gebruik_2021.csv" >"$TMP/files/gebruik_2021.csv"
head -n 101 "$ROOT/samples/inbox/gebruik_2020.csv" >"$TMP/files/groei_1.csv"
sed -n '102,201p' "$ROOT/samples/inbox/gebruik_2020.csv" >"$TMP/files/groei_2.csv"
cat "$TMP/files/groei_1.csv" "$TMP/files/groei_2.csv" >"$TMP/files/groei_full.csv"

# One night of `kpm run` for case directory d, as $WRAP (empty, or a command
# that runs it without root's right to read any file). Sets RC and SECS.
night() { # d [kpm run options]
    local d=$1 start
    shift
    start=$(date +%s%N)
    ${WRAP:-} "$KPM" run --inbox "$d/inbox" --out "$d/out" --state "$d/state" --timeout 60 \
        --grace 5 "$@" >"$d/kpm.log" 2>&1
    RC=$?
    SECS=$(( ($(date +%s%N) - start) / 1000000 ))
}

# Clean nights: the base inbox (out1), then the new file (out); with a file
# delivered besides, as NAME, on the first and on the second night.
clean_nights() { # dir [first-night file] [second-night file] [NAME]
    local d="$TMP/$1"
    mkdir -p "$d/inbox"
    cp "$TMP"/inbox/* "$d/inbox/"
    [ -n "${2:-}" ] && cp "$2" "$d/inbox/$4"
    night "$d"
    night_done "$d" $RC || { echo "clean night $1 failed"; exit 1; }
    cp -r "$d/out" "$d/out1"
    cp "$TMP/files/gebruik_2021.csv" "$d/inbox/"
    [ -n "${3:-}" ] && cp "$3" "$d/inbox/$4"
    night "$d"
    night_done "$d" $RC || { echo "clean night 2 of $1 failed"; exit 1; }
}
clean_nights clean
# the growing file: its first half read on the first night, whole on the second
clean_nights clean-grown "$TMP/files/groei_1.csv" "$TMP/files/groei_full.csv" gebruik_groei.csv

new_case() { # name: $TMP/name with the base inbox and a directory outside it
    D="$TMP/$1"
    mkdir -p "$D/inbox" "$D/outside"
    cp "$TMP"/inbox/* "$D/inbox/"
    echo "geheim;1" >"$D/outside/secret.csv"
    chmod 0644 "$D/outside/secret.csv"
}

# Mode, size, modification time, owner and sha256 of everything under dir.
snapshot() { # dir
    (cd "$1" && find . -printf '%p %y %m %s %T@ %U\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

outside_unchanged() { # d
    snapshot "$1/outside" >"$1/outside.after"
    same_file "$1/outside.before" "$1/outside.after"
}

no_stage_left() { # d
    local left
    left=$(pgrep -f -- "--state $1/state" || true)
    [ -z "$left" ] || { echo "  still running: $left"; return 1; }
}

# rejects.csv holds a row "file,line,column,code,".
has_reject() { # d file line column code
    grep -qF -- "$2,$3,$4,$5," "$1/out/rejects.csv" || {
        echo "  no reject row '$2,$3,$4,$5' in $1/out/rejects.csv:"
        grep -F -- "$2" "$1/out/rejects.csv" | head -3 | sed 's/^/    /'
        return 1
    }
}

# The output CSVs equal a clean run's; rejects.csv too, once the case's own
# rows (naming the files given) are taken out.
same_as_clean() { # d clean_out [file names with rows of their own]
    local d=$1 clean=$2 f ok=0
    shift 2
    for f in "$clean"/*.csv; do
        [ "$(basename "$f")" = rejects.csv ] && continue
        cmp -s "$f" "$d/out/$(basename "$f")" || { echo "  differs: $(basename "$f")"; ok=1; }
    done
    [ -f "$clean/rejects.csv" ] || return $ok
    local pat=() n
    for n in "$@"; do pat+=(-e "$n"); done
    if [ ${#pat[@]} -gt 0 ]; then
        cmp -s <(grep -vF "${pat[@]}" "$clean/rejects.csv") <(grep -vF "${pat[@]}" "$d/out/rejects.csv")
    else
        cmp -s "$clean/rejects.csv" "$d/out/rejects.csv"
    fi || { echo "  differs: rejects.csv"; ok=1; }
    return $ok
}

# The checks every case ends with: nothing outside changed, the case's reject
# rows, no stage left, outputs as clean; then a second night with a new file.
finish_case() { # label clean_dir "reject rows (file|line|column|code ...)" [names]
    local label=$1 clean=$2 rows=$3 row
    shift 3
    check "$label: files outside the inbox unchanged" outside_unchanged "$D"
    for row in $rows; do
        IFS='|' read -r rf rl rc_ rcode <<<"$row"
        check "$label: reject $rcode for $rf" has_reject "$D" "$rf" "$rl" "$rc_" "$rcode"
    done
    check "$label: no stage process left" no_stage_left "$D"
    check "$label: outputs equal a clean night's" same_as_clean "$D" "$clean/out1" "$@"
    cp "$TMP/files/gebruik_2021.csv" "$D/inbox/"
    night "$D"
    check "$label: the next night completes" night_done "$D" $RC
    check "$label: the next night takes the new file" \
        test -n "$(find "$D/state/archive" -name gebruik_2021.csv)"
    check "$label: the next night's outputs equal a clean night's" same_as_clean "$D" "$clean/out" "$@"
    check "$label: files outside the inbox still unchanged" outside_unchanged "$D"
    check "$label: no stage process left after the next night" no_stage_left "$D"
}

# --- a symlink to a file outside the inbox
new_case symlink
ln -s "$D/outside/secret.csv" "$D/inbox/gebruik_link.csv"
snapshot "$D/outside" >"$D/outside.before"
night "$D"
check "symlink: the night completes" night_done "$D" $RC
check "symlink: the link itself is quarantined" test -L "$(echo "$D"/state/quarantine/*/gebruik_link.csv)"
check "symlink: nothing of the target is archived" test -z "$(grep -rl geheim "$D/state/archive" 2>/dev/null)"
finish_case symlink "$TMP/clean" "gebruik_link.csv|||NOT_A_FILE" gebruik_link.csv

# --- a hard link to a file outside the inbox (a base file, so the outputs are the clean ones)
new_case hardlink
mv "$D/inbox/deelnemers_2021.csv" "$D/outside/deelnemers_2021.csv"
chmod 0644 "$D/outside/deelnemers_2021.csv"
ln "$D/outside/deelnemers_2021.csv" "$D/inbox/deelnemers_2021.csv"
snapshot "$D/outside" >"$D/outside.before"
night "$D"
check "hardlink: the night completes" night_done "$D" $RC
a=$(find "$D/state/archive" -name deelnemers_2021.csv)
check "hardlink: archived as a copy of its own (one link, mode 0640)" \
    test -n "$a" -a "$(stat -c '%h %a' "$a" 2>/dev/null)" = "1 640"
finish_case hardlink "$TMP/clean" ""

# --- a FIFO
new_case fifo
mkfifo "$D/inbox/gebruik_fifo.csv"
snapshot "$D/outside" >"$D/outside.before"
night "$D"
check "fifo: the night completes" night_done "$D" $RC
check "fifo: the FIFO is quarantined" test -p "$(echo "$D"/state/quarantine/*/gebruik_fifo.csv)"
finish_case fifo "$TMP/clean" "gebruik_fifo.csv|||NOT_A_FILE" gebruik_fifo.csv

# --- a directory named like a file
new_case directory
mkdir "$D/inbox/gebruik_x.csv"
echo "x" >"$D/inbox/gebruik_x.csv/inside.csv"
snapshot "$D/outside" >"$D/outside.before"
night "$D"
check "directory: the night completes" night_done "$D" $RC
check "directory: the directory is quarantined whole" \
    test -f "$(echo "$D"/state/quarantine/*/gebruik_x.csv)/inside.csv"
finish_case directory "$TMP/clean" "gebruik_x.csv|||NOT_A_FILE" gebruik_x.csv

# --- a dangling symlink
new_case dangling
ln -s "$D/outside/not-there.csv" "$D/inbox/gebruik_weg.csv"
snapshot "$D/outside" >"$D/outside.before"
night "$D"
check "dangling: the night completes" night_done "$D" $RC
check "dangling: the link is quarantined" test -L "$(echo "$D"/state/quarantine/*/gebruik_weg.csv)"
check "dangling: the link's target was not created" test ! -e "$D/outside/not-there.csv"
finish_case dangling "$TMP/clean" "gebruik_weg.csv|||NOT_A_FILE" gebruik_weg.csv

# --- a file that cannot be read (EACCES): as root, the night runs without the
# capabilities that let root read any file (setpriv), as an operator's user would.
new_case unreadable
cp "$TMP/files/gebruik_2021.csv" "$D/inbox/gebruik_geheim.csv"
chmod 000 "$D/inbox/gebruik_geheim.csv"
snapshot "$D/outside" >"$D/outside.before"
WRAP=
if [ $IS_ROOT = 1 ]; then
    if command -v setpriv >/dev/null; then
        WRAP="setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-dac_override,-dac_read_search --"
    else
        WRAP=skip
    fi
fi
if [ "$WRAP" = skip ]; then
    SKIPPED+=("unreadable: root without setpriv cannot make open() fail with EACCES")
    WRAP=
else
    night "$D"
    check "unreadable: the night completes" night_done "$D" $RC
    check "unreadable: the file is quarantined" \
        test -f "$(echo "$D"/state/quarantine/*/gebruik_geheim.csv)"
    check "unreadable: the log says why" grep -q "Permission denied\|geen leesrecht" "$D/state/log/ingest.log"
    finish_case unreadable "$TMP/clean" "gebruik_geheim.csv|||FILE_UNREADABLE" gebruik_geheim.csv
    WRAP=
fi

# --- a file of another user (an SFTP drop): it cannot be re-moded, so it is
# archived as a copy of our own (root: without the capability to re-mode any file)
new_case foreign
if [ $IS_ROOT = 1 ] && command -v setpriv >/dev/null; then
    WRAP="setpriv --bounding-set=-fowner --inh-caps=-fowner --"
    chown 65534 "$D/inbox/deelnemers_2021.csv"
    chmod 0644 "$D/inbox/deelnemers_2021.csv"
    snapshot "$D/outside" >"$D/outside.before"
    night "$D"
    WRAP=
    check "foreign: the night completes" night_done "$D" $RC
    a=$(find "$D/state/archive" -name deelnemers_2021.csv)
    check "foreign: archived as our own copy, mode 0640" \
        test -n "$a" -a "$(stat -c '%u %a' "$a" 2>/dev/null)" = "0 640"
    check "foreign: gone from the inbox" test ! -e "$D/inbox/deelnemers_2021.csv"
    finish_case foreign "$TMP/clean" ""
else
    SKIPPED+=("foreign: a file of another user needs root to make")
fi

# --- a file removed after the night was prepared (listed, then gone)
new_case vanished
cp "$TMP/files/gebruik_2021.csv" "$D/inbox/gebruik_weg.csv"
snapshot "$D/outside" >"$D/outside.before"
mkdir -p "$D/state"
"$BUILD/ingest/kpm-ingest" --inbox "$D/inbox" --state "$D/state" --prepare >/dev/null 2>"$D/prepare.log"
check "vanished: the night was prepared with the file" grep -q gebruik_weg.csv "$D/state/ingest/night.state"
rm "$D/inbox/gebruik_weg.csv"
night "$D"
check "vanished: the night completes" night_done "$D" $RC
finish_case vanished "$TMP/clean" "gebruik_weg.csv|||FILE_GONE" gebruik_weg.csv

# --- a 255-byte file name (quarantined: its .reason name would be too long)
new_case longname
long="gebruik_$(printf 'a%.0s' $(seq 1 243)).csv"
printf 'x;y\n1;2\n' >"$D/inbox/$long"
snapshot "$D/outside" >"$D/outside.before"
night "$D"
check "longname: the name has 255 bytes" test ${#long} = 255
check "longname: the night completes" night_done "$D" $RC
q=$(ls "$D"/state/quarantine/*/lange-naam-*.reason 2>/dev/null | head -1)
check "longname: quarantined under a generated name" test -f "${q%.reason}"
check "longname: the .reason names the original" grep -qF "$long" "${q:-/nonexistent}"
finish_case longname "$TMP/clean" "$long|1|gemeente_code|MISSING_COLUMN" "$long"

# --- the inbox on another file system (a tmpfs): moves by copy
new_case crossfs
if [ $IS_ROOT = 1 ] && mount -t tmpfs -o size=16m tmpfs "$D/inbox" 2>/dev/null; then
    MOUNTS+=("$D/inbox")
    cp "$TMP"/inbox/* "$D/inbox/"
    ln -s "$D/outside/secret.csv" "$D/inbox/gebruik_link.csv"
    snapshot "$D/outside" >"$D/outside.before"
    night "$D"
    check "crossfs: the night completes" night_done "$D" $RC
    check "crossfs: the files are archived" test "$(ls "$D"/state/archive/*/ | wc -l)" -ge 4
    check "crossfs: only the link stays in the inbox" test "$(ls -A "$D/inbox")" = gebruik_link.csv
    check "crossfs: no Invalid cross-device link" test -z "$(grep -l 'cross-device' "$D"/state/log/*.log)"
    finish_case crossfs "$TMP/clean" "gebruik_link.csv|||NOT_A_FILE" gebruik_link.csv
else
    SKIPPED+=("crossfs: mounting a tmpfs needs root")
fi

# --- a file that grows while the night runs: aggregate is held (SIGSTOP) until
# ingest has read the file, rows are appended, then aggregate goes on. When
# aggregate had already made the file durable before it was held (the night is
# fast), the case is tried again in a fresh directory (at most 5 times).
for attempt in 1 2 3 4 5; do
    new_case "growing-$attempt"
    cp "$TMP/files/groei_1.csv" "$D/inbox/gebruik_groei.csv"
    snapshot "$D/outside" >"$D/outside.before"
    ( night "$D"; echo $RC >"$D/rc" ) &
    runner=$!
    apid=$(stage_pid "$D/state" aggregate)
    [ -n "$apid" ] && kill -STOP "$apid"
    for i in $(seq 1 300); do
        grep -q "file gebruik_groei.csv:" "$D/state/log/ingest.log" 2>/dev/null && break
        sleep 0.01
    done
    held=0
    [ -z "$(find "$D/state/archive" -name gebruik_groei.csv 2>/dev/null)" ] && held=1
    [ $held = 1 ] && cat "$TMP/files/groei_2.csv" >>"$D/inbox/gebruik_groei.csv"
    [ -n "$apid" ] && kill -CONT "$apid"
    wait $runner
    [ $held = 1 ] && break
    echo "     (growing: the file was archived before aggregate was held; again)"
done
check "growing: the night completes" night_done "$D" "$(cat "$D/rc")"
check "growing: the grown file stays in the inbox" cmp -s "$D/inbox/gebruik_groei.csv" "$TMP/files/groei_full.csv"
check "growing: the log says it changed" grep -q "gebruik_groei.csv changed" "$D/state/log/ingest.log"
check "growing: not archived" test -z "$(find "$D/state/archive" -name gebruik_groei.csv)"
# the next night takes it whole (with a FILE_CHANGED notice) and the new file
D_growing=$D
finish_case growing "$TMP/clean-grown" "" gebruik_groei.csv
check "growing: the next night gives the FILE_CHANGED notice" \
    has_reject "$D_growing" gebruik_groei.csv "" "" FILE_CHANGED
check "growing: archived whole the next night" \
    cmp -s "$(find "$D_growing/state/archive" -name gebruik_groei.csv | head -1)" "$TMP/files/groei_full.csv"

# --- report's output directory full (ENOSPC), then a night with space again
new_case outfull
if [ $IS_ROOT = 1 ] && mkdir -p "$D/out" && mount -t tmpfs -o size=4m tmpfs "$D/out" 2>/dev/null; then
    MOUNTS+=("$D/out")
    dd if=/dev/zero of="$D/out/fill" bs=64k 2>/dev/null
    snapshot "$D/outside" >"$D/outside.before"
    night "$D"
    check "outfull: the night fails" test $RC != 0
    check "outfull: it says the disk is full" grep -q "No space left on device\|disk is full" "$D/kpm.log"
    check "outfull: report's status names the cause" \
        grep -q "^last_error=.*\(No space left on device\|disk is full\)" "$D/state/run/report.status"
    check "outfull: no stage process left" no_stage_left "$D"
    rm -f "$D/out/fill"
    cp "$TMP/files/gebruik_2021.csv" "$D/inbox/"
    night "$D"
    check "outfull: the next night completes" night_done "$D" $RC
    check "outfull: ... within seconds (${SECS} ms)" test "$SECS" -lt 10000
    check "outfull: the outputs equal a clean night's" same_as_clean "$D" "$TMP/clean/out"
    check "outfull: files outside unchanged" outside_unchanged "$D"
    check "outfull: no stage process left after the next night" no_stage_left "$D"
else
    SKIPPED+=("outfull: mounting a small tmpfs needs root")
fi

# --- the state cannot be written (archive not writable): the night fails with
# the cause in the status file, and the next run after the repair finishes.
new_case noarchive
if [ $IS_ROOT = 1 ] && ! command -v setpriv >/dev/null; then
    SKIPPED+=("noarchive: root without setpriv ignores directory permissions")
else
    [ $IS_ROOT = 1 ] && WRAP="setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-dac_override,-dac_read_search --"
    mkdir -p "$D/state/archive"
    chmod 0555 "$D/state/archive"
    snapshot "$D/outside" >"$D/outside.before"
    night "$D"
    check "noarchive: the night fails" test $RC != 0
    "$KPM" status --state "$D/state" >"$D/status.txt" 2>&1
    check "noarchive: status names the cause and the path" \
        grep -q "Permission denied.*\|archive.*Permission denied" "$D/status.txt"
    check "noarchive: ingest's status is failed" grep -q "phase=failed" "$D/state/run/ingest.status"
    check "noarchive: the log names the cause" grep -q "archive.*Permission denied" "$D/state/log/ingest.log"
    check "noarchive: no stage process left" no_stage_left "$D"
    chmod 0755 "$D/state/archive"
    night "$D"
    check "noarchive: after the repair the night completes" night_done "$D" $RC
    check "noarchive: ... within seconds (${SECS} ms)" test "$SECS" -lt 10000
    check "noarchive: the outputs equal a clean night's" same_as_clean "$D" "$TMP/clean/out1"
    WRAP=
fi

# --- ingest fails while setting up after --prepare (its endpoint cannot be
# bound): its status file says failed, with the cause.
new_case setupfail
mkdir -p "$D/state"
"$BUILD/ingest/kpm-ingest" --inbox "$D/inbox" --state "$D/state" --prepare >/dev/null 2>&1
"$BUILD/ingest/kpm-ingest" --inbox "$D/inbox" --state "$D/state" \
    --ack "ipc://$D/no-such-dir/ingest.ack" >/dev/null 2>"$D/ingest.err"
rc=$?
check "setupfail: ingest exits 1" test $rc = 1
check "setupfail: its status says failed" grep -q "^phase=failed" "$D/state/run/ingest.status"
check "setupfail: ... with the cause" grep -q "^last_error=.*No such file or directory" "$D/state/run/ingest.status"
night "$D"
check "setupfail: the next run completes the night" night_done "$D" $RC
check "setupfail: the outputs equal a clean night's" same_as_clean "$D" "$TMP/clean/out1"

for s in ${SKIPPED[@]+"${SKIPPED[@]}"}; do echo "skip $s"; done
echo "$E2E_CHECKS checks, $E2E_FAILS failed"
[ "$E2E_FAILS" = 0 ] || exit 1

exit 0
