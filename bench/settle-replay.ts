// Profiling aid: times close -> SETTLED again and again from one placed round.
//   LARGE_AUTH_SECRET=s LARGE_SNAPSHOT_TO=cb_snap npm run bench -- --large   (once: places, saves)
//   LARGE_AUTH_SECRET=s npx tsx bench/settle-replay.ts cb_snap               (each replay)
// Each replay copies the snapshot to a fresh database, starts the match and projection workers
// and REPLAY_SETTLE_WORKERS settle workers (as `bench --large` does), closes the round and
// prints the time to the end of the final pass and to SETTLED, and the statements that took
// the most PostgreSQL time (pg_stat_statements, reset at close). The copy is dropped after.
import { readFileSync } from 'node:fs';
import { closeRound } from '../src/betting/rounds.ts';
import { createPool } from '../src/db/pool.ts';
import { withTransaction } from '../src/db/transaction.ts';
import type { Worker } from '../src/workers/loop.ts';
import { startMatchWorker } from '../src/workers/match.ts';
import { startProjectionWorker } from '../src/workers/project.ts';
import { startSettleWorker } from '../src/workers/settle.ts';
import { benchAdminUrl, benchDatabase, benchDeps, positiveEnv } from './setup.ts';

const snapshot = process.argv[2];
const secret = process.env.LARGE_AUTH_SECRET;
if (!snapshot || !secret)
  throw new Error('usage: LARGE_AUTH_SECRET=... tsx bench/settle-replay.ts <snapshot db>');
const SETTLE_WORKERS = positiveEnv('REPLAY_SETTLE_WORKERS', 2, { integer: true });
const db = await benchDatabase({ template: snapshot });
const { pool, url } = db;
const name = new URL(url).pathname.slice(1);
const { config, logger, events, deps } = await benchDeps(db, {
  AUTH_SECRET: secret,
  MAX_BET: '1000000',
  ...(process.env.SETTLE_CHUNK_PLAYERS ? { SETTLE_CHUNK_PLAYERS: process.env.SETTLE_CHUNK_PLAYERS } : {}),
});
const adminPool = createPool(benchAdminUrl(), { max: 1 });
const round = (
  await pool.query<{ id: bigint }>(`SELECT id FROM rounds WHERE status = 'OPEN' ORDER BY id LIMIT 1`)
).rows[0]!.id;
const workerDeps = { pool, metrics: deps.metrics, logger, events };
const settlePool = createPool(url, { max: SETTLE_WORKERS + 1, applicationName: 'replay-settle' });
const workers: Worker[] = [
  startMatchWorker(workerDeps),
  ...(process.env.REPLAY_NO_PROJECTION ? [] : startProjectionWorker(pool, deps.metrics, logger)),
];
await new Promise((r) => setTimeout(r, 2000)); // the match worker takes the round's book up
for (let i = 0; i < (process.env.REPLAY_STOP_AT_SETTLING ? 0 : SETTLE_WORKERS); i++) {
  workers.push(
    startSettleWorker({ ...workerDeps, pool: settlePool, chunkPlayers: config.settleChunkPlayers }),
  );
}
const unbooked = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM unbooked_bets')).rows[0]!.n;
await adminPool.query('SELECT pg_stat_statements_reset()');
const cpuStat = () => {
  // Busy jiffies of the whole machine (user + nice + system + irq + softirq), in seconds.
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (f[0]! + f[1]! + f[2]! + f[5]! + f[6]!) / 100, iowait: f[4]! / 100 };
};
const machineBefore = cpuStat();
const nodeBefore = process.cpuUsage();
const closedAt = performance.now();
await withTransaction(pool, (c) => closeRound(c, round, deps.seeds));
events.publish([{ type: 'wake', worker: 'match' }]);
let finalPass = 0;
for (;;) {
  const status = (await pool.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [round]))
    .rows[0]!.status;
  if (status !== 'CLOSED' && !finalPass) finalPass = (performance.now() - closedAt) / 1000;
  if (status === 'SETTLED' || (status === 'SETTLING' && process.env.REPLAY_STOP_AT_SETTLING)) break;
  await new Promise((r) => setTimeout(r, 50));
}
const total = (performance.now() - closedAt) / 1000;
const nodeCpu = (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(nodeBefore));
const machineAfter = cpuStat();
const machineCpu = machineAfter.busy - machineBefore.busy;
const iowait = machineAfter.iowait - machineBefore.iowait;
await Promise.all(workers.map((w) => w.stop()));
const top = await adminPool.query<{ ms: number; calls: number; q: string }>(
  `SELECT round(total_exec_time)::float8 AS ms, calls::int, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS q
   FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
   ORDER BY total_exec_time DESC LIMIT 14`,
  [name],
);
process.stdout.write(
  `round ${round}: ${unbooked} unbooked at close; final pass ${finalPass.toFixed(1)} s; close -> SETTLED ${total.toFixed(1)} s ` +
    `(settle workers ${SETTLE_WORKERS}, chunk ${config.settleChunkPlayers}); CPU: machine ${machineCpu.toFixed(1)} s, ` +
    `iowait ${iowait.toFixed(1)} s, this Node process ${nodeCpu.toFixed(1)} s\n`,
);
for (const r of top.rows)
  process.stdout.write(`${String(r.ms).padStart(8)} ms ${String(r.calls).padStart(7)}  ${r.q}\n`);
await settlePool.end();
await adminPool.end();
if (process.env.REPLAY_KEEP || process.env.REPLAY_STOP_AT_SETTLING) {
  process.stdout.write(`kept database ${name}\n`);
  await pool.end();
} else await db.drop();
