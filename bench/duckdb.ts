import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * The baseline a power user would write by hand: DuckDB reading the same month and anti-joining
 * acquirer against POS on (merchant, reference) both ways, grouped by merchant. DuckDB reads no
 * GBK here (its encodings extension cannot be installed offline, DESIGN.md section 11), so both
 * files are first transcoded to UTF-8, two `iconv` processes in parallel, and that time counts.
 *
 * `node dist/bench/duckdb.js ACQUIRER POS WORKDIR` prints the timings and the anti-join counts as JSON.
 */

/** glibc iconv, the fastest transcoder at hand (≈ 350 MB/s); TextDecoder when there is none. */
function transcode(from: string, to: string): Promise<void> {
  const iconv = ['/usr/bin/iconv', '/bin/iconv'].find((p) => existsSync(p));
  if (!iconv) {
    const decoder = new TextDecoder('gb18030');
    const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
    const input = openSync(from, 'r');
    const output = openSync(to, 'w');
    for (let n = readSync(input, buf, 0, buf.length, null); n > 0; n = readSync(input, buf, 0, buf.length, null)) {
      writeSync(output, decoder.decode(buf.subarray(0, n), { stream: true }));
    }
    writeSync(output, decoder.decode());
    closeSync(input);
    closeSync(output);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const child = spawn(iconv, ['-f', 'GB18030', '-t', 'UTF-8', '-o', to, from], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`iconv exited with ${code} on ${from}`))));
  });
}

const SQL = `
WITH a AS (SELECT * FROM read_csv(?, header = true, all_varchar = true)),
     p AS (SELECT * FROM read_csv(?, header = true, all_varchar = true)),
     charged AS (
       SELECT a."商户编号" AS merchant, count(*) AS n, sum(CAST(a."交易金额" AS DECIMAL(18, 2))) AS amount
       FROM a ANTI JOIN p ON a."商户编号" = p."商户号" AND a."参考号" = p."参考号"
       WHERE a."商户编号" <> '合计'
       GROUP BY 1),
     unsettled AS (
       SELECT p."商户号" AS merchant, count(*) AS n, sum(TRY_CAST(p."金额" AS DECIMAL(18, 2))) AS amount
       FROM p ANTI JOIN a ON a."商户编号" = p."商户号" AND a."参考号" = p."参考号"
       WHERE p."状态" = '成功'
       GROUP BY 1)
SELECT 'charged-without-sale' AS kind, merchant, n, amount FROM charged
UNION ALL
SELECT 'sale-not-settled', merchant, n, amount FROM unsettled
ORDER BY 1, 2`;

async function main(): Promise<void> {
  const [acquirer, pos, work] = process.argv.slice(2);
  if (!acquirer || !pos || !work) throw new Error('usage: duckdb.js ACQUIRER POS WORKDIR');
  const t0 = performance.now();
  const utf8 = [path.join(work, 'acquirer.utf8.csv'), path.join(work, 'pos.utf8.csv')] as const;
  await Promise.all([transcode(acquirer, utf8[0]), transcode(pos, utf8[1])]);
  const t1 = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const threads = (await connection.runAndReadAll(`SELECT current_setting('threads')`)).getRows()[0]?.[0];
  const prepared = await connection.prepare(SQL);
  prepared.bindVarchar(1, utf8[0]);
  prepared.bindVarchar(2, utf8[1]);
  const rows = (await prepared.runAndReadAll()).getRows();
  const t2 = performance.now();
  const count = (kind: string) => {
    const own = rows.filter((r) => r[0] === kind);
    return { merchants: own.length, rows: own.reduce((s, r) => s + Number(r[2]), 0) };
  };
  process.stdout.write(
    `${JSON.stringify({
      transcodeSeconds: (t1 - t0) / 1000,
      querySeconds: (t2 - t1) / 1000,
      threads: Number(threads),
      chargedWithoutSale: count('charged-without-sale'),
      saleNotSettled: count('sale-not-settled'),
    })}\n`,
  );
}

await main();
