#!/usr/bin/env bash
# The job of issue 4 in the sqlite3 shell, as an analyst would write it:
# `.import` into a table with a rowid (delivery order), the last delivery of each
# (gemeente_code, periode, aanbieder_type) by a window, then yearly sums per
# gemeente. Writes "jaar,gemeente,nieuwe_vragen,clienten_bereikt" lines to OUT.
#
#   sqlite_job.sh GEBRUIK_CSV OUT
set -eu
[ $# -eq 2 ] || { echo "usage: sqlite_job.sh GEBRUIK_CSV OUT" >&2; exit 2; }
case "$1$2" in *'"'*|*"'"*) echo "sqlite_job.sh: quotes in a path" >&2; exit 2 ;; esac
exec sqlite3 -batch -bail :memory: <<SQL
.mode csv
.separator ";"
CREATE TABLE g(gemeente_code TEXT, periode TEXT, aanbieder_type TEXT,
               nieuwe_vragen INTEGER, lopende_trajecten INTEGER, clienten_bereikt INTEGER);
.import --skip 1 "$1" g
.separator ","
.headers off
.output "$2"
WITH last AS (
    SELECT gemeente_code, periode, nieuwe_vragen, clienten_bereikt,
           row_number() OVER (PARTITION BY gemeente_code, periode, aanbieder_type
                              ORDER BY rowid DESC) AS nr
    FROM g)
SELECT substr(periode, 1, 4) AS jaar, gemeente_code,
       sum(nullif(nieuwe_vragen, '')), sum(nullif(clienten_bereikt, ''))
FROM last WHERE nr = 1
GROUP BY jaar, gemeente_code ORDER BY jaar, gemeente_code;
SQL
