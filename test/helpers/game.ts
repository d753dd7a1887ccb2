// The game's workers in-process for a test app: scheduler, match (from the outbox or a
// stream bus), settle, projection, and the relay when a bus is given.
import type { StreamBus } from '../../src/bus/streams.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Worker } from '../../src/workers/loop.ts';
import { startMatchWorker } from '../../src/workers/match.ts';
import { startProjectionWorker } from '../../src/workers/project.ts';
import { startRelay } from '../../src/workers/relay.ts';
import { startScheduler } from '../../src/workers/scheduler.ts';
import { startSettleWorker } from '../../src/workers/settle.ts';
import type { TestApp } from './app.ts';

export function startGameWorkers(
  t: TestApp,
  opts: { bus?: StreamBus; matchWorkers?: number } = {},
): { stop(): Promise<void> } {
  const logger = createLogger('silent');
  const { pool } = t.db;
  const base = {
    pool,
    metrics: t.deps.metrics,
    logger,
    events: t.deps.events,
    ...(opts.bus ? { bus: opts.bus } : {}),
  };
  const c = t.deps.config;
  const workers: Worker[] = [
    startScheduler({
      databaseUrl: t.db.url,
      terms: { sides: c.sides, rakeBps: c.rakeBps, roundSeconds: c.roundSeconds },
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

export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
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
