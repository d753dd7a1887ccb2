// `npm run bench -- --large [--json]` (`colorbet bench --large`): one round of a million bets
// from a million players, end to end, and the ledger at ten million rows.
// 1. A fresh database; LARGE_BETS players created and funded in bulk SQL (setup, not measured).
// 2. Bets placed through the transaction service with group commit (the HTTP route's own path
//    minus HTTP, whose cost is measured by `npm run bench`), open loop at LARGE_RATE bets/s,
//    while a match worker books them and the projection worker follows the ledger. Projection
//    lag is sampled every second.
// 3. The round is closed; the time from close to SETTLED is measured with the real workers
//    (final pass, then LARGE_SETTLE_WORKERS settle workers sharing the round's chunks).
// 4. The money invariants: `verify` incremental from a checkpoint taken before the round (it
//    proves the round's rows only), again with nothing new, then `verify --full` over everything.
// 5. The ledger is grown to LARGE_PRELOAD_ROWS transfers (more deposits to the same players),
//    and bet placement and the hot queries are measured before and after.
// Results go to stdout, docs/benchmarks.md (between its large-bench markers) and, with --json,
// one JSON object as the last stdout line. Progress goes to stderr.
import { randomBytes } from 'node:crypto';
import { runAudit, formatAudit } from '../src/verify-run.ts';
import { openRound, closeRound } from '../src/betting/rounds.ts';
import { createPool } from '../src/db/pool.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { projectionLag } from '../src/ledger/projection.ts';
import type { Worker } from '../src/workers/loop.ts';
import { startMatchWorker } from '../src/workers/match.ts';
import { startProjectionWorker } from '../src/workers/project.ts';
import { startSettleWorker } from '../src/workers/settle.ts';
import { explain, hotQueries, onIndex, type QueryPlan } from './hot-queries.ts';
import { benchDatabase, benchDeps, machine, percentile, positiveEnv, writeDocsSection } from './setup.ts';

const BETS = positiveEnv('LARGE_BETS', 1_000_000, { integer: true });
const CONCURRENCY = positiveEnv('LARGE_CONCURRENCY', 3000, { integer: true });
// Offered rate, open loop: bet i is due at start + i / RATE and its latency counts from then.
// 6,000/s is one API process's measured HTTP peak on this box (`npm run bench`); at 10,000/s
// placement, matching and projection together saturate the two cores (p50 latency 0.5 s) and
// the match worker falls behind.
const RATE = positiveEnv('LARGE_RATE', 6_000, { integer: true });
const SETTLE_WORKERS = positiveEnv('LARGE_SETTLE_WORKERS', 2, { integer: true });
const PRELOAD_ROWS = positiveEnv('LARGE_PRELOAD_ROWS', 10_000_000, { integer: true });
const SAMPLE_BETS = positiveEnv('LARGE_SAMPLE_BETS', 50_000, { integer: true });
// The before/after sample is offered at more than the box can take: it measures capacity.
const SAMPLE_RATE = positiveEnv('LARGE_SAMPLE_RATE', 40_000, { integer: true });
const JSON_OUT = process.argv.includes('--json');
// LARGE_AUTH_SECRET fixes the secret (and so the seed chains) for a snapshot to be replayed.
const AUTH_SECRET = process.env.LARGE_AUTH_SECRET ?? randomBytes(24).toString('hex');
const DOCS = 'docs/benchmarks.md';

const progress = (line: string) =>
  process.stderr.write(`[large ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;

const db = await benchDatabase();
const { config, logger, events, deps } = await benchDeps(db, {
  AUTH_SECRET,
  MAX_BET: '1000000',
  ...(process.env.SETTLE_CHUNK_PLAYERS ? { SETTLE_CHUNK_PLAYERS: process.env.SETTLE_CHUNK_PLAYERS } : {}),
});
const count = async (sql: string, params: unknown[] = []) =>
  Number((await db.pool.query<{ n: bigint | number }>(sql, params)).rows[0]?.n ?? 0);

/** Players lp_1..lp_n with wallets and one deposit each, in bulk statements of 100k. */
async function createPlayers(n: number): Promise<bigint[]> {
  const started = performance.now();
  for (let from = 1; from <= n; from += 100_000) {
    const to = Math.min(n, from + 99_999);
    await withTransaction(db.pool, async (c) => {
      await c.query(
        `WITH u AS (
           INSERT INTO users (username, password_hash, role)
           SELECT 'lp_' || g, 'bench: no login', 'player' FROM generate_series($1::int, $2::int) g RETURNING id),
         a AS (INSERT INTO accounts (kind, user_id) SELECT 'player', id FROM u RETURNING id)
         INSERT INTO wallet_guard (account_id) SELECT id FROM a`,
        [from, to],
      );
    });
    progress(`players ${to}/${n}`);
  }
  await depositRound(1);
  progress(`${n} players created and funded in ${seconds(started).toFixed(0)} s`);
  const { rows } = await db.pool.query<{ id: bigint }>(
    `SELECT id FROM users WHERE username LIKE 'lp\\_%' ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

/** One more deposit to every bench player (reference large-<round>-<user>): ledger rows. */
async function depositRound(round: number): Promise<void> {
  const { rows } = await db.pool.query<{ lo: bigint; hi: bigint }>(
    `SELECT min(id) AS lo, max(id) AS hi FROM accounts WHERE kind = 'player'`,
  );
  const lo = Number(rows[0]!.lo);
  const hi = Number(rows[0]!.hi);
  for (let from = lo; from <= hi; from += 100_000) {
    await db.pool.query(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, reference)
       SELECT (SELECT id FROM accounts WHERE kind = 'cash'), a.id, 1000000, 'deposit', a.user_id,
              'large-' || $3::int || '-' || a.user_id
       FROM accounts a WHERE a.kind = 'player' AND a.id BETWEEN $1 AND $2`,
      [from, Math.min(hi, from + 99_999), round],
    );
  }
}

interface Placement {
  bets: number;
  offeredPerSecond: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  rejected: Record<string, number>;
}

/**
 * Places one bet per player in `users` (sides alternate, amounts 10..1000) into the round, open
 * loop at `rate` bets/s: latency is measured from each bet's scheduled time, so a slow answer
 * cannot hide the bets queued behind it.
 */
async function placeBets(roundId: bigint, users: bigint[], label: string, rate: number): Promise<Placement> {
  const rejected: Record<string, number> = {};
  const latencies = new Float64Array(users.length);
  let next = 0;
  let done = 0;
  const started = performance.now();
  const ticker = setInterval(() => progress(`${label}: ${done}/${users.length} placed`), 10_000);
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, users.length) }, async () => {
      while (next < users.length) {
        const i = next++;
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const userId = users[i]!;
        try {
          const r = await deps.money.run({
            op: {
              type: 'placeBet',
              userId,
              roundId,
              side: i % 2 ? 'red' : 'green',
              amount: BigInt(10 + ((i * 7919) % 991)),
            },
            idempotency: { scope: `user:${userId}`, key: `${label}-${i}`, requestHash: 'large' },
          });
          const refused = !r.ok ? r.error.code : r.status === 202 ? undefined : String(r.status);
          if (refused) rejected[refused] = (rejected[refused] ?? 0) + 1;
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'ERROR';
          rejected[code] = (rejected[code] ?? 0) + 1;
        }
        latencies[i] = performance.now() - due;
        done++;
      }
    }),
  );
  clearInterval(ticker);
  const s = seconds(started);
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    bets: users.length,
    offeredPerSecond: rate,
    seconds: s,
    perSecond: users.length / s,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    rejected,
  };
}

/** Samples projection lag every second while `until` is pending; returns the peak. */
function sampleLag() {
  let peak = { seconds: 0, entries: 0 };
  let running = true;
  const done = (async () => {
    while (running) {
      const lag = await projectionLag(db.pool).catch(() => undefined);
      if (lag && lag.seconds > peak.seconds) peak = { seconds: lag.seconds, entries: lag.entries };
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return peak;
    },
  };
}

interface LargeReport {
  machine: string;
  command: string;
  date: string;
  players: number;
  placement: Placement;
  projectionLagAtPeak: { seconds: number; entries: number };
  closeToSettledSeconds: number;
  settleSeconds: number;
  settledRows: number;
  settledRowsPerSecond: number;
  chunks: number;
  auditSeconds: number;
  auditOk: boolean;
  /** `verify` from the checkpoint taken before the round: the round's transfers and the round. */
  verifyIncremental: { seconds: number; transfers: number; rounds: number };
  /** `verify` right after it: nothing new. */
  verifyNoopSeconds: number;
  /** After the preload: `verify` from a checkpoint taken before the second sample, and `--full`. */
  verifyAtScale: { ledgerRows: number; transfers: number; incrementalSeconds: number; fullSeconds: number };
  ledgerRows: { before: number; after: number };
  sampleBefore: Placement;
  sampleAfter: Placement;
  queriesBefore: QueryPlan[];
  queriesAfter: QueryPlan[];
}

function markdown(r: LargeReport): string {
  const f = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows = r.queriesBefore.map((b, i) => {
    const a = r.queriesAfter[i]!;
    return `| ${b.name} | ${f(b.ms, 3)} | ${f(a.ms, 3)} | ${onIndex(a)} | \`${a.plan}\` |`;
  });
  return [
    `Machine: ${r.machine}. Command: \`${r.command}\`. Run ${r.date}.`,
    '',
    `| figure | value |`,
    `|---|---|`,
    `| bets in the round (one per player) | ${f(r.placement.bets)} |`,
    `| placement (transaction service, group commit, open loop at ${f(r.placement.offeredPerSecond)}/s, match + projection workers running) | ${f(r.placement.perSecond)} bets/s over ${f(r.placement.seconds)} s, p50 ${f(r.placement.p50Ms, 1)} ms, p99 ${f(r.placement.p99Ms, 1)} ms; refused: ${JSON.stringify(r.placement.rejected)} |`,
    `| projection lag at peak (sampled each second during placement and settlement) | ${f(r.projectionLagAtPeak.seconds, 1)} s (${f(r.projectionLagAtPeak.entries)} entries) |`,
    `| **close -> SETTLED** (final pass + ${r.chunks} chunks, ${SETTLE_WORKERS} settle workers) | **${f(r.closeToSettledSeconds, 1)} s** |`,
    `| settlement alone (plan -> SETTLED) | ${f(r.settleSeconds, 1)} s |`,
    `| rows written by settlement (settlement rows, payout and commission transfers, bet results) | ${f(r.settledRows)} (${f(r.settledRowsPerSecond)} rows/s over close -> SETTLED) |`,
    `| \`verify\` (incremental) from a checkpoint taken before the round: its ${f(r.verifyIncremental.transfers)} transfers and ${f(r.verifyIncremental.rounds)} round(s) | ${f(r.verifyIncremental.seconds, 1)} s |`,
    `| \`verify\` (incremental) again, nothing new | ${f(r.verifyNoopSeconds, 2)} s |`,
    `| \`verify --full\` (every invariant over everything) | ${r.auditOk ? 'all hold' : '**FAILED**'} in ${f(r.auditSeconds, 1)} s |`,
    `| ledger rows (transfers) before / after the preload | ${f(r.ledgerRows.before)} / ${f(r.ledgerRows.after)} |`,
    `| at ${f(r.verifyAtScale.ledgerRows)} ledger rows: \`verify\` (incremental) over the second sample's ${f(r.verifyAtScale.transfers)} new transfers / \`verify --full\` | ${f(r.verifyAtScale.incrementalSeconds, 1)} s / ${f(r.verifyAtScale.fullSeconds, 1)} s |`,
    `| bet placement capacity (${f(r.sampleBefore.bets)} bets offered at ${f(r.sampleBefore.offeredPerSecond)}/s) before / after the preload | ${f(r.sampleBefore.perSecond)} / ${f(r.sampleAfter.perSecond)} bets/s, p50 ${f(r.sampleBefore.p50Ms, 0)} / ${f(r.sampleAfter.p50Ms, 0)} ms |`,
    '',
    `Hot queries, \`EXPLAIN ANALYZE\` (warm), before and after the preload:`,
    '',
    `| query | ms before | ms after | on an index (no Seq Scan of a table with rows) | first scan node after |`,
    `|---|---|---|---|---|`,
    ...rows,
  ].join('\n');
}

function writeDocs(r: LargeReport): void {
  writeDocsSection(
    DOCS,
    'large-bench',
    '## A round of a million bets (`npm run bench -- --large`)',
    markdown(r),
  );
}

/**
 * Profiling aid (LARGE_SNAPSHOT_TO=name): the database as it stands at close, workers stopped,
 * copied to a template database `name`, so `bench/settle-replay.ts` can time close -> SETTLED
 * again and again from the same placed round. The bench ends there, and drops its own database.
 */
async function snapshotAndExit(name: string): Promise<never> {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await db.pool.end();
  const admin = new URL(db.url);
  const source = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const c = createPool(admin.toString(), { max: 1 });
  await c.query(`CREATE DATABASE ${name} TEMPLATE ${source}`);
  await c.query(`DROP DATABASE ${source}`);
  await c.end();
  progress(`snapshot of ${source} at close saved as database ${name}`);
  process.exit(0);
}

const workers: Worker[] = [];
try {
  const users = await createPlayers(BETS);
  const round = await withTransaction(db.pool, (c) =>
    openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 86400 }, deps.seeds),
  );
  const workerDeps = { pool: db.pool, metrics: deps.metrics, logger, events };
  workers.push(
    startMatchWorker(workerDeps),
    ...(process.env.LARGE_NO_PROJECTION ? [] : startProjectionWorker(db.pool, deps.metrics, logger)),
  );
  // The checkpoint the incremental verify after the round starts from (not measured).
  const checkpoint = await runAudit(db.pool);
  if (!checkpoint.ok) throw new Error(formatAudit(checkpoint));
  const lag = sampleLag();
  progress(`placing ${BETS} bets into round ${round.id}`);
  const placement = await placeBets(round.id, users, 'big', RATE);
  progress(`placed at ${placement.perSecond.toFixed(0)} bets/s; closing round ${round.id}`);
  if (process.env.LARGE_SNAPSHOT_TO) await snapshotAndExit(process.env.LARGE_SNAPSHOT_TO);

  // Settle workers on their own pool, as their own processes would be.
  const settlePool = createPool(db.url, { max: SETTLE_WORKERS + 1, applicationName: 'large-settle' });
  for (let i = 0; i < SETTLE_WORKERS; i++) {
    workers.push(
      startSettleWorker({ ...workerDeps, pool: settlePool, chunkPlayers: config.settleChunkPlayers }),
    );
  }
  const closedAt = performance.now();
  await withTransaction(db.pool, (c) => closeRound(c, round.id, deps.seeds));
  events.publish([{ type: 'wake', worker: 'match' }]);
  for (;;) {
    const status = (
      await db.pool.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [round.id])
    ).rows[0]!.status;
    if (status === 'SETTLED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const closeToSettledSeconds = seconds(closedAt);
  progress(`round ${round.id} SETTLED ${closeToSettledSeconds.toFixed(1)} s after close`);
  const projectionLagAtPeak = await lag.stop();
  const settle = (
    await db.pool.query<{ seconds: number; chunks: number }>(
      `SELECT extract(epoch FROM r.settled_at - min(c.planned_at))::float8 AS seconds, count(*)::int AS chunks
       FROM settlement_chunks c JOIN rounds r ON r.id = c.round_id WHERE c.round_id = $1 GROUP BY r.settled_at`,
      [round.id],
    )
  ).rows[0]!;
  const settledRows =
    (await count('SELECT count(*) AS n FROM round_settlements WHERE round_id = $1', [round.id])) +
    (await count(
      `SELECT count(*) AS n FROM transfers WHERE round_id = $1 AND kind IN ('settlement', 'commission')`,
      [round.id],
    )) +
    (await count(`SELECT count(*) AS n FROM bets WHERE round_id = $1 AND status = 'SETTLED'`, [round.id]));
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await settlePool.end();

  progress('verify: incremental, incremental with nothing new, full');
  let auditStarted = performance.now();
  const incremental = await runAudit(db.pool);
  const verifyIncremental = {
    seconds: seconds(auditStarted),
    transfers: incremental.proved.transfers,
    rounds: incremental.proved.rounds,
  };
  auditStarted = performance.now();
  const noop = await runAudit(db.pool);
  const verifyNoopSeconds = seconds(auditStarted);
  auditStarted = performance.now();
  const audit = await runAudit(db.pool, { full: true });
  const auditSeconds = seconds(auditStarted);
  for (const r of [incremental, noop, audit]) {
    if (!r.ok) console.error(formatAudit(r));
    const perCheck = r.checks.map((c) => `${c.invariant} ${c.ms}`).join(', ');
    progress(
      `verify ${r.mode}: ${r.proved.transfers} transfers, ${r.proved.rounds} rounds, ${r.proved.seconds} s (ms: ${perCheck})` +
        (r.checkpoint.heldBackBy ? `; checkpoint held back by ${r.checkpoint.heldBackBy}` : ''),
    );
  }

  // Before and after ten million ledger rows: the same sample of bets, the same hot queries.
  const sample = users.slice(0, SAMPLE_BETS);
  const probeUser = users[Math.floor(users.length / 2)]!;
  const probeAccount = (
    await db.pool.query<{ id: bigint }>(`SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1`, [
      probeUser,
    ])
  ).rows[0]!.id;
  await db.pool.query('ANALYZE');
  const ledgerBefore = await count('SELECT count(*) AS n FROM transfers');
  const sampleRound1 = await withTransaction(db.pool, (c) =>
    openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 86400 }, deps.seeds),
  );
  const sampleBefore = await placeBets(sampleRound1.id, sample, 'sample-before', SAMPLE_RATE);
  const queriesBefore = await explain(db.pool, hotQueries(round.id, probeUser, probeAccount));
  let deposits = 2;
  while ((await count('SELECT count(*) AS n FROM transfers')) < PRELOAD_ROWS) {
    auditStarted = performance.now();
    await depositRound(deposits++);
    progress(
      `preload: ${await count('SELECT count(*) AS n FROM transfers')} ledger rows (${seconds(auditStarted).toFixed(0)} s per ${users.length})`,
    );
  }
  await db.pool.query('ANALYZE');
  const ledgerAfter = await count('SELECT count(*) AS n FROM transfers');
  progress('verify: the checkpoint catches up with the preload (not measured)');
  const caughtUp = await runAudit(db.pool);
  if (!caughtUp.ok) console.error(formatAudit(caughtUp));
  const sampleRound2 = await withTransaction(db.pool, (c) =>
    openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 86400 }, deps.seeds),
  ).catch(async () => {
    // One round is OPEN at a time: close the first sample round.
    await withTransaction(db.pool, (c) => closeRound(c, sampleRound1.id, deps.seeds));
    return withTransaction(db.pool, (c) =>
      openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 86400 }, deps.seeds),
    );
  });
  const sampleAfter = await placeBets(sampleRound2.id, sample, 'sample-after', SAMPLE_RATE);
  const queriesAfter = await explain(db.pool, hotQueries(round.id, probeUser, probeAccount));
  progress('verify at scale: incremental over the second sample, then full');
  auditStarted = performance.now();
  const atScale = await runAudit(db.pool);
  const atScaleSeconds = seconds(auditStarted);
  auditStarted = performance.now();
  const atScaleFull = await runAudit(db.pool, { full: true });
  const verifyAtScale = {
    ledgerRows: await count('SELECT count(*) AS n FROM transfers'),
    transfers: atScale.proved.transfers,
    incrementalSeconds: atScaleSeconds,
    fullSeconds: seconds(auditStarted),
  };
  for (const r of [atScale, atScaleFull]) if (!r.ok) console.error(formatAudit(r));

  const report: LargeReport = {
    machine: machine(),
    command: [
      'LARGE_BETS',
      'LARGE_PRELOAD_ROWS',
      'LARGE_SETTLE_WORKERS',
      'LARGE_CONCURRENCY',
      'SETTLE_CHUNK_PLAYERS',
    ]
      .filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]}`)
      .concat(['npm run bench -- --large'])
      .join(' '),
    date: new Date().toISOString(),
    players: users.length,
    placement,
    projectionLagAtPeak,
    closeToSettledSeconds,
    settleSeconds: settle.seconds,
    settledRows,
    settledRowsPerSecond: settledRows / closeToSettledSeconds,
    chunks: settle.chunks,
    auditSeconds,
    auditOk: audit.ok && incremental.ok && noop.ok && caughtUp.ok && atScale.ok && atScaleFull.ok,
    verifyIncremental,
    verifyNoopSeconds,
    verifyAtScale,
    ledgerRows: { before: ledgerBefore, after: ledgerAfter },
    sampleBefore,
    sampleAfter,
    queriesBefore,
    queriesAfter,
  };
  console.log(markdown(report));
  // A reduced run (LARGE_NO_DOCS=1) leaves the million-bet figures in docs/benchmarks.md alone.
  if (!process.env.LARGE_NO_DOCS) writeDocs(report);
  if (JSON_OUT) {
    console.log(
      JSON.stringify({
        large: {
          closeToSettledSeconds: report.closeToSettledSeconds,
          bets: report.placement.bets,
          settledRowsPerSecond: report.settledRowsPerSecond,
          settleSeconds: report.settleSeconds,
          placementPerSecond: report.placement.perSecond,
          projectionLagSecondsAtPeak: report.projectionLagAtPeak.seconds,
          ledgerRows: report.ledgerRows.after,
          auditOk: report.auditOk,
          verifyIncrementalSeconds: report.verifyIncremental.seconds,
          verifyFullSeconds: report.auditSeconds,
          verifyAtScale: report.verifyAtScale,
        },
      }),
    );
  }
  if (!report.auditOk) process.exitCode = 1;
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  if (process.env.LARGE_KEEP_DATABASE) progress(`kept ${db.url}`);
  else await db.drop();
  // The group commit and token caches keep timers; the run is over.
  process.exit();
}
