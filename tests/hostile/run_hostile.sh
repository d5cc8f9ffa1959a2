#!/usr/bin/env bash
# Hostile-input corpus: each directory NN-name under HOSTILE_DIR is one case,
#   inbox/        the delivered files (bad ones, plus the good ones the case needs)
#   expected.csv  bestand,regel,kolom,code: the rows rejects.csv must hold, in order
#   expect        key=value lines (below)
# For each case one real night runs (scripts/kpm run) on a copy of the inbox in a
# fresh state directory; then the night must have exited 0 within max_seconds, each
# stage's peak RSS must be below max_rss_mib, rejects.csv must equal expected.csv on
# its first four columns with a sentence in every melding, the quarantine and the
# archive must hold what the case says, no text cell of rejects.csv or
# open_antwoorden.csv may start with = + - @ TAB or CR, no canary (personal data)
# may be in the outputs, logs or state outside the quarantine, the inbox must be
# empty (no file silently skipped), and the logs must hold no error lines but the
# allowed ones. Adding a case is adding files; see docs/INPUT-RULES.md
# ("Hostile input") for what each case proves.
#
# expect keys (repeatable unless marked once):
#   quarantine=NAME        NAME (printf %b escapes) is in STATE/quarantine with a .reason;
#                          files not listed must not be there
#   archived=N             (once) files in STATE/archive; default 0
#   max_seconds=N          (once) wall time of the night; default 30
#   max_rss_mib=N          (once) peak RSS (VmHWM) of every stage; default 200
#   rows=FILE:N            out/FILE has N data records
#   line=FILE:TEXT         out/FILE has the physical line TEXT
#   log_allow=REGEX        error lines of the logs matching REGEX are expected
#   rename=FROM TO         rename an inbox file before the night (TO: %b escapes)
#   copy=PATH NAME         copy PATH (a file of this machine) into the inbox as NAME
#   fill=NAME BYTES        replace every @@FILL@@ in NAME by BYTES letters 'x'
#   append_rows=N NAME ROW append N lines ROW to NAME (large files are made, not kept)
#   append_reject=NAME KOLOM CODE
#                          expected reject for every line appended to NAME (the first
#                          1000, then one TOO_MANY_REJECTS row)
#
# usage: run_hostile.sh BUILD_DIR HOSTILE_DIR [CASE-PREFIX...]
set -u
BUILD=$(cd "$1" && pwd)
HOSTILE=$(cd "$2" && pwd)
shift 2
ROOT=$(cd "$HOSTILE/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-hostile.XXXXXX")
# HOSTILE_KEEP=1 keeps each case's inbox, state and outputs under $TMP for a look.
if [ -n "${HOSTILE_KEEP:-}" ]; then echo "work in $TMP"; else trap 'rm -rf "$TMP"' EXIT; fi
CANARIES=(-e CANARY-NAAM-7f3a9 -e CANARY-TEL-0612345678 -e canary-7f3a9@example.nl)

FAILED_CASES=()
CASE_FAILS=0
N_CASES=0

fail() { echo "  FAIL $*"; CASE_FAILS=$((CASE_FAILS + 1)); }

# RFC 4180 reader for the checks. Prints one line per record: the fields joined
# by TAB, with LF, CR and TAB inside a field written as <LF>, <CR>, <TAB>.
# mode=count prints only the number of records after the header.
CSV_AWK='
function flush(rec,   n, i, c, fld, q, out, L) {
    delete F
    if (index(rec, "\"") == 0) {
        n = split(rec, F, ",")
    } else {
        n = 0; fld = ""; q = 0; L = length(rec)
        for (i = 1; i <= L; i++) {
            c = substr(rec, i, 1)
            if (q) {
                if (c == "\"") {
                    if (substr(rec, i + 1, 1) == "\"") { fld = fld "\""; i++ } else q = 0
                } else fld = fld c
            } else if (c == "\"") q = 1
            else if (c == ",") { F[++n] = fld; fld = "" }
            else fld = fld c
        }
        F[++n] = fld
    }
    nrec++
    if (mode == "count") return
    out = ""
    for (i = 1; i <= n; i++) {
        fld = F[i]
        gsub(/\n/, "<LF>", fld); gsub(/\r/, "<CR>", fld); gsub(/\t/, "<TAB>", fld)
        out = out (i > 1 ? "\t" : "") fld
    }
    print out
}
{
    line = $0
    if (pending) { buf = buf "\n" line } else { buf = line }
    t = buf; qn = gsub(/"/, "", t)
    if (qn % 2) { pending = 1; next }
    pending = 0
    flush(buf)
}
END {
    if (pending) flush(buf)
    if (mode == "count") print nrec - 1
}'

csv_fields() { awk -v mode=fields "$CSV_AWK" "$1"; }
csv_count() { awk -v mode=count "$CSV_AWK" "$1"; }

# Every key=value of the case's expect file with that key, one per line.
expect_all() { [ -f "$EXPECT" ] && sed -n "s/^$1=//p" "$EXPECT"; }
expect_one() { local v; v=$(expect_all "$1" | tail -n 1); echo "${v:-$2}"; }

prepare_inbox() { # inbox expected_file
    local inbox=$1 exp=$2 spec name from to n row bytes path first kolom code
    while IFS= read -r spec; do
        from=${spec%% *}; to=${spec#* }
        mv -- "$inbox/$from" "$inbox/$(printf '%b' "$to")" || fail "rename $from"
    done < <(expect_all rename)
    while IFS= read -r spec; do
        path=${spec%% *}; name=${spec#* }
        cp -- "$path" "$inbox/$name" || fail "copy $path"
    done < <(expect_all copy)
    while IFS= read -r spec; do
        name=${spec%% *}; bytes=${spec#* }
        awk -v n="$bytes" '
            BEGIN { chunk = "x"; while (length(chunk) < 65536) chunk = chunk chunk }
            function fill(   left) {
                for (left = n; left >= 65536; left -= 65536) printf "%s", chunk
                printf "%s", substr(chunk, 1, left)
            }
            { line = $0
              while ((i = index(line, "@@FILL@@")) > 0) {
                  printf "%s", substr(line, 1, i - 1); fill(); line = substr(line, i + 8)
              }
              print line }' "$inbox/$name" >"$inbox/$name.fill" && mv -- "$inbox/$name.fill" "$inbox/$name"
    done < <(expect_all fill)
    while IFS= read -r spec; do
        n=${spec%% *}; spec=${spec#* }
        name=${spec%% *}; row=${spec#* }
        first=$(($(wc -l <"$inbox/$name") + 1))
        awk -v n="$n" -v row="$row" 'BEGIN { for (i = 0; i < n; i++) print row }' >>"$inbox/$name"
        while IFS= read -r spec2; do
            [ "${spec2%% *}" = "$name" ] || continue
            spec2=${spec2#* }; kolom=${spec2%% *}; code=${spec2#* }
            # ingest lists the first 1000 rejects of a file one by one and the rest
            # as one TOO_MANY_REJECTS row per code (docs/INPUT-RULES.md).
            awk -v n="$n" -v f="$name" -v first="$first" -v k="$kolom" -v c="$code" -v cap=1000 \
                'BEGIN { for (i = 0; i < n && i < cap; i++) print f "," first + i "," k "," c
                         if (n > cap) print f "," first + cap ",,TOO_MANY_REJECTS" }' >>"$exp"
        done < <(expect_all append_reject)
    done < <(expect_all append_rows)
}

# Runs the night in the background and records each stage's peak RSS (kB).
run_night() { # inbox out state log -> sets NIGHT_RC NIGHT_SECONDS PEAK_KB[stage]
    local inbox=$1 out=$2 state=$3 log=$4 s pid k v t0 t1 pidfile
    declare -gA PEAK_KB=([ingest]=0 [aggregate]=0 [report]=0)
    t0=$EPOCHREALTIME
    KPM_BUILD_DIR=$BUILD "$ROOT/scripts/kpm" run --inbox "$inbox" --out "$out" --state "$state" \
        --timeout 120 >"$log" 2>&1 &
    local kpm=$!
    while kill -0 "$kpm" 2>/dev/null; do
        for s in ingest aggregate report; do
            pidfile=$state/run/$s.pid
            [ -r "$pidfile" ] || continue
            pid=""; read -r pid <"$pidfile" 2>/dev/null
            [ -n "$pid" ] && [ -r "/proc/$pid/status" ] || continue
            while read -r k v _; do
                [ "$k" = VmHWM: ] && [ "$v" -gt "${PEAK_KB[$s]}" ] && PEAK_KB[$s]=$v
            done <"/proc/$pid/status" 2>/dev/null
        done
        sleep 0.05
    done
    wait "$kpm"
    NIGHT_RC=$?
    t1=$EPOCHREALTIME
    NIGHT_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}

check_rejects() { # out expected
    local out=$1 exp=$2 got=$TMP/got.tsv want=$TMP/want.tsv
    if [ ! -f "$out/rejects.csv" ]; then fail "no rejects.csv"; return; fi
    csv_fields "$out/rejects.csv" >"$TMP/rej.tsv"
    [ "$(head -n 1 "$TMP/rej.tsv")" = "$(printf 'bestand\tregel\tkolom\tcode\tmelding')" ] ||
        fail "rejects.csv header: $(head -n 1 "$TMP/rej.tsv")"
    tail -n +2 "$TMP/rej.tsv" | cut -f 1-4 >"$got"
    csv_fields "$exp" | tail -n +2 >"$want"
    if ! cmp -s "$got" "$want"; then
        fail "rejects.csv differs from expected.csv (- expected, + got):"
        diff "$want" "$got" | grep -a '^[<>]' | sed 's/^</  -/; s/^>/  +/' | cut -c 1-200 | head -n 12
    fi
    # A sentence: a capital (or a quote), at least three words, a full stop.
    local bad
    bad=$(tail -n +2 "$TMP/rej.tsv" | awk -F '\t' '
        { m = $5 }
        m !~ /^[A-Z'\'']/ || m !~ /\.$/ || split(m, w, " ") < 3 { print NR + 1 ": " m; if (++n == 3) exit }')
    [ -z "$bad" ] || fail "melding is not a sentence on row(s): $bad"
}

# No text cell may start with a character a spreadsheet runs as a formula.
check_neutralised() { # csv [its csv_fields output]
    local f=$1 bad
    [ -f "$f" ] || return 0
    bad=$( { if [ -n "${2:-}" ]; then cat "$2"; else csv_fields "$f"; fi; } | tail -n +2 | awk -F '\t' '
        { for (i = 1; i <= NF; i++) if ($i ~ /^([=+@-]|<TAB>|<CR>)/) { print NR + 1 ": " $i; if (++n == 3) exit } }')
    [ -z "$bad" ] || fail "$(basename "$f"): cell starts a formula: $bad"
}

check_disposition() { # state
    local state=$1 want name got n
    want=$(expect_all quarantine | while IFS= read -r name; do printf '%b\0' "$name"; done |
        sort -z | tr '\0' '/')
    got=$(find "$state/quarantine" -mindepth 2 -maxdepth 2 -type f ! -name '*.reason' \
        -printf '%f\0' 2>/dev/null | sort -z | tr '\0' '/')
    [ "$want" = "$got" ] || fail "quarantine holds '${got//$'\n'/\\n}', expected '${want//$'\n'/\\n}'"
    while IFS= read -r -d '' name; do
        [ -s "$name.reason" ] || fail "no .reason beside quarantined $(basename "$name")"
        cmp -s "$name" "$DELIVERED/$(basename "$name")" ||
            fail "quarantined $(basename "$name") is not the file as delivered"
    done < <(find "$state/quarantine" -mindepth 2 -maxdepth 2 -type f ! -name '*.reason' -print0 2>/dev/null)
    n=$(find "$state/archive" -mindepth 2 -maxdepth 2 -type f 2>/dev/null | wc -l)
    [ "$n" = "$(expect_one archived 0)" ] || fail "archive holds $n files, expected $(expect_one archived 0)"
}

check_logs() { # state kpm_log
    local state=$1 log=$2 allow lines
    lines=$(grep -haE 'ERROR|error:|level=error' "$state"/log/*.log "$log" 2>/dev/null)
    while IFS= read -r allow; do
        [ -n "$allow" ] && lines=$(printf '%s\n' "$lines" | grep -vE -- "$allow")
    done < <(expect_all log_allow)
    lines=$(printf '%s\n' "$lines" | sed '/^$/d')
    [ -z "$lines" ] || fail "error lines in the logs: $(printf '%s\n' "$lines" | head -n 3)"
}

check_canary() { # out state kpm_log
    local hits
    hits=$( { find "$1" -type f -print0
              find "$2" -type f ! -path "$2/quarantine/*" -print0
              printf '%s\0' "$3"; } | xargs -0 grep -laF "${CANARIES[@]}" 2>/dev/null)
    [ -z "$hits" ] || fail "canary (personal data) in: $hits"
}

check_tables() { # out
    local out=$1 spec file n text
    while IFS= read -r spec; do
        file=${spec%%:*}; n=${spec#*:}
        [ -f "$out/$file" ] || { fail "no $file"; continue; }
        [ "$(csv_count "$out/$file")" = "$n" ] ||
            fail "$file has $(csv_count "$out/$file") rows, expected $n"
    done < <(expect_all rows)
    while IFS= read -r spec; do
        file=${spec%%:*}; text=${spec#*:}
        grep -qxF -- "$text" "$out/$file" 2>/dev/null || fail "$file lacks the line: $text"
    done < <(expect_all line)
}

run_case() { # case_dir
    local dir=$1 name work
    name=$(basename "$dir")
    work=$TMP/$name
    EXPECT=$dir/expect
    CASE_FAILS=0
    mkdir -p "$work/inbox"
    cp -a "$dir/inbox/." "$work/inbox/"
    rm -f "$work/inbox/.gitkeep"
    cp "$dir/expected.csv" "$work/expected.csv"
    prepare_inbox "$work/inbox" "$work/expected.csv"
    cp -al "$work/inbox" "$work/delivered" # same inodes: a quarantined file must be one of them
    run_night "$work/inbox" "$work/out" "$work/state" "$work/kpm.log"
    [ "$NIGHT_RC" = 0 ] || fail "kpm run exited $NIGHT_RC: $(tail -n 4 "$work/kpm.log" | tr '\n' ' ')"
    awk -v s="$NIGHT_SECONDS" -v m="$(expect_one max_seconds 30)" 'BEGIN { exit !(s <= m) }' ||
        fail "the night took ${NIGHT_SECONDS}s (max $(expect_one max_seconds 30)s)"
    local s max_kb=$(($(expect_one max_rss_mib 200) * 1024))
    for s in ingest aggregate report; do
        [ "${PEAK_KB[$s]}" -lt "$max_kb" ] ||
            fail "$s peaked at $((PEAK_KB[$s] / 1024)) MiB (max $((max_kb / 1024)) MiB)"
    done
    if [ "$NIGHT_RC" = 0 ]; then
        for f in "$work"/out/*.csv "$work"/out/*.json "$work"/out/*.md; do
            iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || fail "$(basename "$f") is not valid UTF-8"
        done
        check_rejects "$work/out" "$work/expected.csv"
        check_neutralised "$work/out/rejects.csv" "$TMP/rej.tsv"
        check_neutralised "$work/out/open_antwoorden.csv"
        check_tables "$work/out"
    fi
    DELIVERED=$work/delivered
    check_disposition "$work/state"
    [ -z "$(ls -A "$work/inbox")" ] ||
        fail "files left in the inbox (skipped): $(ls -A "$work/inbox" | head -c 200)"
    check_canary "$work/out" "$work/state" "$work/kpm.log"
    check_logs "$work/state" "$work/kpm.log"
    N_CASES=$((N_CASES + 1))
    if [ "$CASE_FAILS" = 0 ]; then
        printf 'ok   %-32s %5ss  rss ingest/aggregate/report %d/%d/%d MiB\n' "$name" "$NIGHT_SECONDS" \
            $((PEAK_KB[ingest] / 1024)) $((PEAK_KB[aggregate] / 1024)) $((PEAK_KB[report] / 1024))
    else
        echo "FAIL $name (${NIGHT_SECONDS}s)"
        FAILED_CASES+=("$name")
    fi
    [ -n "${HOSTILE_KEEP:-}" ] || rm -rf "$work"
}

T0=$EPOCHREALTIME
for dir in "$HOSTILE"/[0-9]*/; do
    dir=${dir%/}
    if [ $# -gt 0 ]; then
        want=0
        for c in "$@"; do [[ "$(basename "$dir")" == $c* ]] && want=1; done
        [ "$want" = 1 ] || continue
    fi
    run_case "$dir"
done
echo "$((N_CASES - ${#FAILED_CASES[@]})) of $N_CASES cases passed in" \
    "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')s"
[ ${#FAILED_CASES[@]} = 0 ] || { echo "failed: ${FAILED_CASES[*]}"; exit 1; }
