#!/usr/bin/env bash
# End-to-end test of the PostgreSQL feed against a real server: starts a
# throwaway cluster of Debian's postgresql on 127.0.0.1, runs nights with
# `kpm run --pg`, and checks that the database holds what kpm.sqlite holds (the
# same tables, columns, types and rows, and the same views with the same rows:
# one schema, docs/DATABASE.md), that a night with nothing new changes no table,
# that an unreachable server fails the night but writes the files, and that the
# next run loads what was missed; that a password in --pg is refused, and one from
# a passfile or PGPASSWORD is in no command line and nowhere in STATE
# (docs/SECURITY.md). Then runs test_report_pg (one-transaction semantics, reload,
# layout change).
# Exit 77 (skipped) only when the PostgreSQL server is not installed.
# usage: run_pg.sh BUILD_DIR E2E_DIR
BUILD=$(cd "$1" && pwd)
E2E=$(cd "$2" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
. "$E2E/lib.sh"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || ! command -v psql >/dev/null; then
    echo "SKIP: PostgreSQL server not installed (scripts/install-deps installs postgresql)"
    exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kpm-pg.XXXXXX")
chmod 755 "$TMP"
PGDATA=$TMP/pgdata
SOCK=$TMP/sock
mkdir -p "$SOCK" "$PGDATA"
chmod 700 "$PGDATA"
AS=()
if [ "$(id -u)" = 0 ]; then # initdb refuses root: the cluster runs as postgres
    id postgres >/dev/null 2>&1 || { echo "FAIL: no postgres user to run the server"; exit 1; }
    chown postgres "$SOCK" "$PGDATA"
    AS=(runuser -u postgres --)
fi
stop_pg() {
    [ -f "$PGDATA/postmaster.pid" ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$TMP"
}
trap stop_pg EXIT

PORT=54329
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
if ! "${AS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U kpm --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$TMP/initdb.log" 2>&1; then
    echo "FAIL: initdb"; cat "$TMP/initdb.log"; exit 1
fi
if ! "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$SOCK/server.log" -w -t 60 \
        -o "-k $SOCK -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
        start >/dev/null; then
    echo "FAIL: the PostgreSQL server did not start"; cat "$SOCK/server.log"; exit 1
fi
BASE="host=127.0.0.1 port=$PORT user=kpm"
PG="$BASE dbname=kpm"
psql "$BASE dbname=postgres" -qAt -c "CREATE DATABASE kpm" -c "CREATE DATABASE kpmunit" >/dev/null

# The CSV dialect of report_out, in SQL: quote when needed, the formula guard.
psql "$PG" -qAt >/dev/null <<'SQL'
CREATE SCHEMA kpmtest;
CREATE FUNCTION kpmtest.csv(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN ''
    ELSE (CASE WHEN v ~ '[,"\r\n]' THEN '"' ELSE '' END)
      || (CASE WHEN v ~ '^[=+@\t\r-]' THEN '''' ELSE '' END)
      || replace(v, '"', '""')
      || (CASE WHEN v ~ '[,"\r\n]' THEN '"' ELSE '' END) END $$;
SQL

# The ORDER BY of a table or view: kpm_rij, or else every column (NULL first).
# Input columns (src.): PostgreSQL would sort a bare name by the text it prints.
row_order() {
    sqlite3 "$TMP/out/kpm.sqlite" "SELECT CASE WHEN max(name = 'kpm_rij') THEN 'ORDER BY src.kpm_rij'
        ELSE 'ORDER BY ' || group_concat('src.\"' || name || '\" NULLS FIRST', ', ') END
        FROM pragma_table_info('$1')"
}

# Prints table or view $1 of PostgreSQL as rows of text: numbers as float8
# (83.3, 50), booleans as 0/1, NULL as "", in kpm_rij order when it has one.
pg_rows() {
    local t=$1 expr="" c type order
    while read -r c type; do
        [ -n "$expr" ] && expr="$expr, "
        case $type in
        numeric | bigint | integer) expr="${expr}\"$c\"::float8::text" ;;
        boolean) expr="${expr}\"$c\"::int::text" ;;
        *) expr="${expr}\"$c\"::text" ;;
        esac
    done < <(psql "$PG" -qAt -F ' ' -c "SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = '$t' ORDER BY ordinal_position")
    [ -n "$expr" ] || return 1
    order=$(row_order "$t")
    psql "$PG" -qAt -c "SELECT $expr FROM \"$t\" AS src $order"
}

# The same of kpm.sqlite (reals with up to 15 digits, as float8 prints them).
sqlite_rows() {
    local t=$1 expr order
    expr=$(sqlite3 "$TMP/out/kpm.sqlite" "SELECT group_concat(printf('CASE typeof(\"%w\") WHEN ''real''
        THEN printf(''%%.15g'', \"%w\") ELSE \"%w\" END', name, name, name), ', ')
        FROM pragma_table_info('$t')")
    order=$(row_order "$t")
    sqlite3 "$TMP/out/kpm.sqlite" "SELECT $expr FROM \"$t\" AS src $order"
}

# Every table and view of kpm.sqlite (but kpm_nacht, a history of its own) is
# in PostgreSQL with the same rows.
db_equals_sqlite() {
    local t bad=0
    for t in $(sqlite3 "$TMP/out/kpm.sqlite" "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
               AND name <> 'kpm_nacht' ORDER BY name"); do
        pg_rows "$t" >"$TMP/$t.pg" 2>&1 || { echo "  $t: not in the database"; bad=1; continue; }
        sqlite_rows "$t" >"$TMP/$t.sq"
        [ -s "$TMP/$t.sq" ] || { echo "  $t: no rows in kpm.sqlite"; bad=1; }
        cmp -s "$TMP/$t.sq" "$TMP/$t.pg" || { echo "  $t differs:"; diff "$TMP/$t.sq" "$TMP/$t.pg" | head -5; bad=1; }
    done
    return $bad
}

# Row counts of the night in kpm_nacht equal the tables' rows.
night_counts_ok() {
    local night=$1 t want got bad=0
    for t in $(psql "$PG" -qAt -c "SELECT tabel FROM kpm_nacht WHERE nacht = '$night'"); do
        want=$(($(psql "$PG" -qAt -c "SELECT count(*) FROM \"$t\"") + 0))
        got=$(psql "$PG" -qAt -c "SELECT rijen FROM kpm_nacht WHERE nacht = '$night' AND tabel = '$t'")
        [ "$got" = "$want" ] || { echo "  $t: kpm_nacht says '$got', the table has $want"; bad=1; }
    done
    return $bad
}

dump_tables() { # every kpm table but kpm_nacht
    local t
    for t in $(psql "$PG" -qAt -c "SELECT table_name FROM information_schema.tables WHERE
               table_schema = 'public' AND table_name <> 'kpm_nacht' ORDER BY 1"); do pg_rows "$t"; done
}

pg_type() { # table column
    psql "$PG" -qAt -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
        WHERE attrelid = '$1'::regclass AND attname = '$2'"
}

last_night() { sed -n 's/^night=//p' "$TMP/state/run/report.status"; }

# Night 1: the survey round and a month of monitoring data (without the
# monitoring fixture's own register, so that the survey's register holds).
mkdir -p "$TMP/inbox"
cp "$E2E"/survey/inbox/* "$TMP/inbox/"
find "$E2E/monitoring/night1" -maxdepth 1 -type f ! -name 'koplopers_*' -exec cp {} "$TMP/inbox/" \;
check "night 1 with --pg exits 0" kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state" --pg "$PG"
N1=$(last_night)
check "every table and view of kpm.sqlite is in PostgreSQL with the same rows" \
    db_equals_sqlite
NT=$(sqlite3 "$TMP/out/kpm.sqlite" "SELECT count(*) FROM sqlite_master WHERE type = 'table'")
NV=$(sqlite3 "$TMP/out/kpm.sqlite" "SELECT count(*) FROM sqlite_master WHERE type = 'view'")
check "the database holds the $NT tables (kpm_nacht and kpm_schema included) and $NV views of kpm.sqlite" \
    test "$(psql "$PG" -qAt -c "SELECT count(*) FILTER (WHERE table_type = 'BASE TABLE') || '|' ||
        count(*) FILTER (WHERE table_type = 'VIEW') FROM information_schema.tables
        WHERE table_schema = 'public'")" = "$NT|$NV"
check "respons_tranche has its columns, typed (tranche a number), and kpm_rij" \
    test "$(psql "$PG" -qAt -c "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod),
        ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'respons_tranche'::regclass AND attnum > 0")" \
        = "meting bigint, tranche bigint, uitgenodigd bigint, respons bigint, respons_pct numeric(30,1), kpm_rij bigint"
for spec in likert.gemiddelde="numeric(30,2)" likert.onderdrukt=boolean gebruik.periode=date \
    gebruik.jaar=bigint gebruik.maand=bigint voordrachten.geschikt=boolean gemeente.koploper=boolean \
    gemeente_inwoners.jaar=bigint gemeente.inwoners_jaar=bigint kpm_schema.versie=integer; do
    tc=${spec%=*}
    check "$tc is ${spec#*=} in PostgreSQL" test "$(pg_type "${tc%.*}" "${tc#*.}")" = "${spec#*=}"
done
check "no table mixes grains: neither respons nor gebruik_jaar is loaded" \
    test "$(psql "$PG" -qAt -c "SELECT count(*) FROM information_schema.tables
        WHERE table_name IN ('respons', 'gebruik_jaar')")" = 0
check "a value: 2021 tranche 1 responded 83.3%" \
    test "$(psql "$PG" -qAt -c "SELECT respons_pct FROM respons_tranche WHERE meting = 2021 AND tranche = 1")" = 83.3
check "every view returns rows in PostgreSQL" \
    bash -c "for v in \$(psql '$PG' -qAt -c \"SELECT table_name FROM information_schema.views
             WHERE table_schema = 'public'\"); do
             [ \"\$(psql '$PG' -qAt -c \"SELECT count(*) > 0 FROM \$v\")\" = t ] || { echo \"  \$v\"; exit 1; }; done"
check "kpm_nacht: night 1's row counts equal the tables'" night_counts_ok "$N1"
check "kpm.sqlite: the same row counts as PostgreSQL" \
    test "$(sqlite3 "$TMP/out/kpm.sqlite" "SELECT group_concat(tabel || '=' || rijen, ' ') FROM
        (SELECT * FROM kpm_nacht ORDER BY tabel)")" = \
        "$(psql "$PG" -qAt -c "SELECT string_agg(tabel || '=' || rijen, ' ' ORDER BY tabel) FROM kpm_nacht")"

# Night 2, nothing new: no table changes; kpm_nacht gains the night.
dump_tables >"$TMP/night1.dump"
check "night 2 (empty inbox) exits 0" kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state" --pg "$PG"
N2=$(last_night)
dump_tables >"$TMP/night2.dump"
check "night 2 changed no table" same_file "$TMP/night1.dump" "$TMP/night2.dump"
check "kpm_nacht has both nights with the same counts" \
    test "$(psql "$PG" -qAt -c "SELECT count(DISTINCT nacht), count(DISTINCT (tabel, rijen)) FROM kpm_nacht")" = "2|$((NT - 2))"

# Night 3 with new usage data while the server cannot be reached: kpm run
# fails with the reason, the files are written, the database keeps night 2.
find "$E2E/monitoring/night2" -maxdepth 1 -type f -exec cp {} "$TMP/inbox/" \;
cp "$TMP/out/gebruik.csv" "$TMP/gebruik.night2.csv"
pg_rows gebruik >"$TMP/night2.gebruik"
kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state" --pg "host=127.0.0.1 port=1 user=kpm dbname=kpm"
check "night 3 with an unreachable server exits 1" test $? = 1
check "the failure names PostgreSQL in kpm's output" \
    grep -q "PostgreSQL load failed: report: PostgreSQL: cannot connect" "$TMP/state.kpm.log"
check "the files of night 3 are written" bash -c "! cmp -s '$TMP/out/gebruik.csv' '$TMP/gebruik.night2.csv'"
check "the database still holds night 2's tables" \
    bash -c "$(declare -f pg_rows row_order); PG='$PG'; TMP='$TMP'; pg_rows gebruik | cmp -s - '$TMP/night2.gebruik'"
check "kpm_nacht has no row of night 3" \
    test "$(psql "$PG" -qAt -c "SELECT count(DISTINCT nacht) FROM kpm_nacht")" = 2

# The next run (server back) loads every table again: the database catches up.
check "the next run exits 0" kpm_night "$TMP/inbox" "$TMP/out" "$TMP/state" --pg "$PG"
check "after the next run the database equals kpm.sqlite again" db_equals_sqlite
check "kpm_nacht has nights 1, 2 and 4" \
    test "$(psql "$PG" -qAt -c "SELECT count(DISTINCT nacht) FROM kpm_nacht")" = 3

# The password stays out of the state and the process list (docs/SECURITY.md):
# a role that must give a password (scram-sha-256), a passfile for it, and
# --pg without the password.
PW="kpm-pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
psql "$BASE dbname=postgres" -qAt -c "CREATE ROLE kpmpw LOGIN PASSWORD '$PW'" \
    -c "CREATE DATABASE kpmpw OWNER kpmpw" >/dev/null
"${AS[@]}" sed -i "1i host all kpmpw 127.0.0.1/32 scram-sha-256" "$PGDATA/pg_hba.conf"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" reload >/dev/null
sleep 0.5
SEC="host=127.0.0.1 port=$PORT user=kpmpw dbname=kpmpw"
printf '127.0.0.1:%s:kpmpw:kpmpw:%s\n' "$PORT" "$PW" >"$TMP/pgpass"
chmod 600 "$TMP/pgpass"
SECI=$TMP/sec/inbox SECS=$TMP/sec/state SECO=$TMP/sec/out
mkdir -p "$SECI"
no_password() { ! grep -rqaF -e "$PW" "$@" 2>/dev/null; }
refused() { "$@" >"$TMP/refused.log" 2>&1; [ $? = 2 ] && grep -q passfile "$TMP/refused.log"; }
check "kpm run --pg with password= is refused with exit 2, pointing to a passfile" \
    refused "$ROOT/scripts/kpm" run --inbox "$SECI" --out "$SECO" --state "$SECS" --pg "$SEC password=$PW"
check "kpm-report --pg with a URI user:password@ is refused with exit 2" \
    refused "$BUILD/report/kpm-report" --state "$SECS" --out "$SECO" \
    --pg "postgresql://kpmpw:$PW@127.0.0.1:$PORT/kpmpw"
check "kpm-report --pg with ?password= is refused with exit 2" \
    refused "$BUILD/report/kpm-report" --state "$SECS" --out "$SECO" \
    --pg "postgresql://kpmpw@127.0.0.1:$PORT/kpmpw?password=$PW"
chmod 640 "$TMP/pgpass"
check "a passfile that group may read is refused with exit 2" \
    bash -c "'$BUILD/report/kpm-report' --state '$SECS' --out '$SECO' --pg '$SEC' --pg-passfile '$TMP/pgpass' 2>&1 | grep -q 'chmod 600'; [ \${PIPESTATUS[0]} = 2 ]"
chmod 600 "$TMP/pgpass"
check "nothing of the refused runs holds the password" no_password "$TMP/sec"
cp "$E2E"/survey/inbox/* "$SECI/"
kpm_night "$SECI" "$SECO" "$SECS" --pg "$SEC" </dev/null
check "without the passfile the role cannot log in (the night fails: a password is needed)" test $? = 1
# With the passfile: watch every process's command line while the night runs.
KPM_BUILD_DIR=$BUILD "$ROOT/scripts/kpm" run --inbox "$SECI" --out "$SECO" --state "$SECS" \
    --timeout 120 --pg "$SEC" --pg-passfile "$TMP/pgpass" >"$TMP/sec.kpm.log" 2>&1 &
night=$!
seen=0 leaked=0
while kill -0 "$night" 2>/dev/null; do
    for f in /proc/[0-9]*/cmdline; do
        mapfile -d '' -t argv <"$f" 2>/dev/null || continue # no fork: quick looks
        c="${argv[*]}"
        case $c in *kpm-report*--pg*) seen=$((seen + 1)) ;; esac
        case $c in *"$PW"*) leaked=1 ;; esac
    done
done
wait "$night"
check "with --pg-passfile the night exits 0" test $? = 0
check "the tables are in the password-protected database" \
    test "$(PGPASSFILE=$TMP/pgpass psql "$SEC" -qAt -c "SELECT count(DISTINCT tabel) > 0 FROM kpm_nacht")" = t
check "kpm-report's command line was seen while it ran ($seen looks)" test "$seen" -gt 0
check "the password was in no process's command line meanwhile" test "$leaked" = 0
check "the password is nowhere in STATE or the outputs (grep -r)" no_password "$SECS" "$SECO"
check "STATE/run/report.args names the passfile, not the password" \
    grep -qaF "$TMP/pgpass" "$SECS/run/report.args"
cp "$E2E"/survey/inbox/* "$SECI/"
PGPASSWORD=$PW kpm_night "$SECI" "$SECO" "$SECS" --pg "$SEC"
check "with PGPASSWORD (environment, not the command line) the night exits 0" test $? = 0
check "still no password in STATE or the outputs" no_password "$SECS" "$SECO"

# One transaction per night, reload, layout change, reader's view (C, libpq).
echo "--- test_report_pg"
KPM_TEST_PG="$BASE dbname=kpmunit" "$BUILD/tests/test_report_pg" 2>&1
rc=$?
check "test_report_pg passes (transaction semantics against this server)" test $rc = 0

e2e_finish
