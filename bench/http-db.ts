// Database side of `npm run bench:http`: the funded players and the open round the API is
// loaded with, and what the same PostgreSQL does on its own (single-row commits/s, batched
// rows/s): the ceiling the HTTP figures are compared with.
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { localHub } from '../src/bus/events.ts';
import { loadConfig } from '../src/config.ts';
import { buildDeps, type Runtime } from '../src/cli/runtime.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createUser } from '../src/auth/users.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { openRound } from '../src/betting/rounds.ts';
import type { BenchDb } from './setup.ts';

/** Runs fn(0..n-1) with at most `concurrency` calls in flight. */
async function pooled(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

export interface Prepared {
  roundId: number;
  tokens: string[];
}

export async function preparePlayers(db: BenchDb, players: number, authSecret: string): Promise<Prepared> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    AUTH_SECRET: authSecret,
    MAX_BET: '1000000',
  });
  const logger = createLogger('silent');
  const rt: Runtime = { config, logger, pool: db.pool, databaseUrl: db.url, close: async () => undefined };
  const deps = await buildDeps(rt, localHub());
  const tokens: string[] = [];
  // Real users (scrypt hash, wallet opened in the same transaction): 4 at a time, the size of
  // libuv's thread pool that runs scrypt.
  await pooled(players, 4, async (i) => {
    const p = await createUser(db.pool, `bench_h${i}`, 'bench-password', 'player');
    // A day's lifetime: a ladder outlasts the default 15-minute access token, and a benchmark
    // client does not renew.
    tokens[i] = await deps.tokens.issue(p, 'access', 86_400);
    await deps.money.run({
      op: { type: 'deposit', userId: p.userId, amount: 10n ** 12n, reference: `bench-http-${i}` },
    });
  });
  // One round open for a day: every step of every mode bets into it, nothing closes it.
  const round = await withTransaction(db.pool, (c) =>
    openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 86400 }, deps.seeds),
  );
  return { roundId: Number(round.id), tokens };
}

export interface DbLimit {
  singleInsertTps: number;
  singleInsertTool: string;
  batchedInsertRowsPerSec: number;
  /** The durability settings the figures were taken under (they change them by 10x). */
  synchronousCommit: string;
  fsync: string;
}

const run = promisify(execFile);

/** Single-row INSERT commits/s: pgbench when installed, else 16 autocommit pg clients. */
async function singleInserts(url: string, seconds: number): Promise<{ tps: number; tool: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-pgbench-'));
  try {
    const script = path.join(dir, 'insert.sql');
    writeFileSync(script, 'INSERT INTO bench_t(v) VALUES (random());\n');
    const args = ['-n', '-c', '8', '-j', '2', '-T', String(seconds), '-f', script, url];
    const { stdout } = await run('pgbench', args, { timeout: (seconds + 30) * 1000 });
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return { tps: Number(tps[1]), tool: `pgbench -n -c 8 -j 2 -T ${seconds}` };
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    const count = await clientLoop(url, 16, seconds, (c) =>
      c.query('INSERT INTO bench_t(v) VALUES (random())').then(() => 1),
    );
    return { tps: count / seconds, tool: `node, 16 clients, ${seconds} s` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `clients` connections each running `op` back to back for `seconds`; the sum of what op returns. */
async function clientLoop(
  url: string,
  clients: number,
  seconds: number,
  op: (c: pg.Client) => Promise<number>,
): Promise<number> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  let total = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    conns.map(async (c) => {
      while (Date.now() < end) total += await op(c);
    }),
  );
  await Promise.all(conns.map((c) => c.end()));
  return total;
}

export async function dbLimit(db: BenchDb, seconds: number): Promise<DbLimit> {
  // Scratch tables with a bigserial key: one index, like the narrowest ledger row.
  await db.pool.query(`CREATE TABLE bench_t (id bigserial PRIMARY KEY, v double precision)`);
  await db.pool.query(`CREATE TABLE bench_b (id bigserial PRIMARY KEY, v bigint)`);
  const single = await singleInserts(db.url, seconds);
  const rows = Array.from({ length: 500 }, (_, i) => String(i));
  const batched = await clientLoop(db.url, 4, seconds, async (c) => {
    const r = await c.query('INSERT INTO bench_b(v) SELECT unnest($1::bigint[])', [rows]);
    return r.rowCount ?? 0;
  });
  const setting = async (name: string) =>
    (await db.pool.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
  return {
    singleInsertTps: single.tps,
    singleInsertTool: single.tool,
    batchedInsertRowsPerSec: batched / seconds,
    synchronousCommit: await setting('synchronous_commit'),
    fsync: await setting('fsync'),
  };
}
