// The job of issue 4 in DuckDB (npm's @duckdb/node-api), as an analyst would
// write it: read_csv, row_number() OVER () for the delivery order, QUALIFY to keep
// the last delivery of each (gemeente_code, periode, aanbieder_type), then yearly
// sums per gemeente. Writes "jaar,gemeente,nieuwe_vragen,clienten_bereikt" lines
// to OUT and the query's own time to stderr.
//
//   node duckdb_job.mjs NPM_PREFIX GEBRUIK_CSV OUT [THREADS]
//
// NPM_PREFIX is the directory where `npm install --prefix` put @duckdb/node-api.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [prefix, input, output, threads = '2'] = process.argv.slice(2);
if (!output) {
  console.error('usage: node duckdb_job.mjs NPM_PREFIX GEBRUIK_CSV OUT [THREADS]');
  process.exit(2);
}
const { DuckDBInstance } = createRequire(join(prefix, 'package.json'))('@duckdb/node-api');
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

const sql = `
COPY (
  WITH delivered AS (
    SELECT *, row_number() OVER () AS nr
    FROM read_csv(${lit(input)}, delim = ';', header = true, columns = {
      'gemeente_code': 'VARCHAR', 'periode': 'VARCHAR', 'aanbieder_type': 'VARCHAR',
      'nieuwe_vragen': 'BIGINT', 'lopende_trajecten': 'BIGINT', 'clienten_bereikt': 'BIGINT'})
  ), last AS (
    SELECT * FROM delivered
    QUALIFY row_number() OVER (PARTITION BY gemeente_code, periode, aanbieder_type
                               ORDER BY nr DESC) = 1
  )
  SELECT substr(periode, 1, 4) AS jaar, gemeente_code,
         sum(nieuwe_vragen), sum(clienten_bereikt)
  FROM last GROUP BY jaar, gemeente_code ORDER BY jaar, gemeente_code
) TO ${lit(output)} (FORMAT csv, HEADER false, DELIMITER ',')`;

const t0 = process.hrtime.bigint();
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
await connection.run(sql);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
connection.closeSync();
instance.closeSync();
console.error(`duckdb: ${seconds.toFixed(3)} s in the query (threads=${threads})`);
