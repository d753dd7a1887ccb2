// The game's workers in-process for a test app: scheduler, match (from the outbox or a
// stream bus), settle, projection, and the relay when a bus is given; and the players, bets
// and waits the game suites drive them with.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectRedis } from '../../src/bus/redis.ts';
import { StreamBus } from '../../src/bus/streams.ts';
import type { Pool } from '../../src/db/pool.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Worker } from '../../src/workers/loop.ts';
import { closeRound } from '../../src/betting/rounds.ts';
import { withTransaction } from '../../src/db/transaction.ts';
import { finalPass } from '../../src/workers/final-pass.ts';
import { startMatchWorker } from '../../src/workers/match.ts';
import { startProjectionWorker } from '../../src/workers/project.ts';
import { startRelay } from '../../src/workers/relay.ts';
import { startScheduler } from '../../src/workers/scheduler.ts';
import { settleNext, startSettleWorker } from '../../src/workers/settle.ts';
import { startTestApp, type TestApp } from './app.ts';
import { waitFor } from './util.ts';

/** The parts of a test app the workers use (a test that builds its own service has them too). */
type GameApp = Pick<TestApp, 'db' | 'deps'>;

/** What a worker needs from the test app, on `pool` (the app's own unless given). */
export function workerDeps(t: GameApp, pool: Pool = t.db.pool) {
  return { pool, metrics: t.deps.metrics, logger: createLogger('silent'), events: t.deps.events };
}

export function startGameWorkers(
  t: GameApp,
  opts: { bus?: StreamBus; matchWorkers?: number; revealSeconds?: number } = {},
): { stop(): Promise<void> } {
  const logger = createLogger('silent');
  const { pool } = t.db;
  const base = { ...workerDeps(t), ...(opts.bus ? { bus: opts.bus } : {}) };
  const c = t.deps.config;
  const workers: Worker[] = [
    startScheduler({
      databaseUrl: t.db.url,
      terms: { sides: c.sides, rakeBps: c.rakeBps, roundSeconds: c.roundSeconds },
      // Suites see the next round at once unless they ask for the reveal pause.
      revealSeconds: opts.revealSeconds ?? 0,
      seeds: t.deps.seeds,
      logger,
      events: t.deps.events,
      tickMs: 100,
    }),
    startSettleWorker(base),
    ...startProjectionWorker(pool, t.deps.metrics, logger),
  ];
  for (let i = 0; i < (opts.matchWorkers ?? 1); i++) workers.push(startMatchWorker(base));
  if (opts.bus) workers.push(...startRelay({ pool, bus: opts.bus, metrics: t.deps.metrics, logger }));
  return { stop: async () => void (await Promise.all(workers.map((w) => w.stop()))) };
}

/** A test app whose game workers (two match workers) talk over a stream bus on the Redis at `redisUrl`. */
export async function startBusGame(
  redisUrl: string,
  opts: { cluster: boolean; roundSeconds: number; prefix: string; partitions: number },
) {
  const client = await connectRedis(redisUrl, opts.cluster, 'test');
  const t = await startTestApp({ ROUND_SECONDS: String(opts.roundSeconds) });
  const game = startGameWorkers(t, {
    bus: new StreamBus(client, opts.prefix, opts.partitions),
    matchWorkers: 2,
  });
  return {
    t,
    client,
    stop: async () => {
      await game.stop();
      client.disconnect();
      await t.close();
    },
  };
}

/** Polls the yes/no `probe` every 100 ms until it says yes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(what, async () => ((await probe()) ? true : undefined), timeoutMs, 100);
}

/** `count` new players, registered and funded one after another. */
export async function fundedPlayers(t: TestApp, count: number, funds: number) {
  const players = [];
  for (let i = 0; i < count; i++) {
    const p = await t.registerPlayer();
    await t.deposit(p.userId, funds);
    players.push(p);
  }
  return players;
}

/** Places the bets at once in the round (each must be accepted) and returns their ids. */
export async function placeAll(
  t: TestApp,
  roundId: number,
  bets: { token: string; side: string; amount: number }[],
): Promise<number[]> {
  const answers = await Promise.all(
    bets.map((b) =>
      t.request({
        method: 'POST',
        url: '/v1/bets',
        token: b.token,
        headers: { 'idempotency-key': randomUUID() },
        body: { roundId, side: b.side, amount: b.amount },
      }),
    ),
  );
  for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
  return answers.map((a) => a.body.betId as number);
}

/** Closes an OPEN round and drives it to SETTLED in this process: final passes, then chunks. */
export async function closeAndSettle(t: GameApp, roundId: bigint): Promise<void> {
  const deps = workerDeps(t);
  await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds));
  const status = async () =>
    (await t.db.pool.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [roundId])).rows[0]!
      .status;
  while ((await status()) === 'CLOSED') await finalPass(deps);
  while ((await status()) !== 'SETTLED') await settleNext(deps);
}

/**
 * Final passes, then settlements, until nothing CLOSED or SETTLING is left (no scheduler needed).
 * Each loop stops after `maxSteps` steps, so a round that never finishes fails the test by name.
 */
export async function drainRounds(t: GameApp, pool?: Pool, maxSteps = 1000): Promise<void> {
  const deps = workerDeps(t, pool);
  let steps = 0;
  while (await finalPass(deps))
    if (++steps > maxSteps) throw new Error(`final passes still due after ${maxSteps}`);
  steps = 0;
  while (await settleNext(deps))
    if (++steps > maxSteps) throw new Error(`settlements still due after ${maxSteps}`);
}

/** Waits for an OPEN round with at least minMs left and returns its id. */
export async function openRoundId(t: TestApp, minMs = 1500, after = 0): Promise<number> {
  let id = 0;
  await waitUntil('an open round', async () => {
    const r = await t.request({ method: 'GET', url: '/v1/rounds/current' });
    if (r.status !== 200 || r.body.status !== 'OPEN' || r.body.roundId <= after) return false;
    if (Date.parse(r.body.closesAt) - Date.parse(r.body.serverTime) < minMs) return false;
    id = r.body.roundId;
    return true;
  });
  return id;
}

export async function allFinal(t: TestApp, roundIds: number[]): Promise<boolean> {
  const { rows } = await t.db.pool.query(
    `SELECT count(*)::int AS n FROM rounds WHERE id = ANY($1::bigint[]) AND status IN ('SETTLED', 'VOID')`,
    [roundIds],
  );
  return rows[0].n === new Set(roundIds).size;
}
