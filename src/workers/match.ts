// Match worker: takes bet events from the outbox (SKIP LOCKED, so any number of workers
// share them), runs the matching pass of each round they name, and runs the final pass of
// rounds that closed. The per-round match lock keeps passes on one round one at a time.
import { runMatchPass, type PassResult } from '../betting/match-pass.ts';
import type { Pool, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';

const CLAIM = 2000;

export interface MatchDeps {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  events: EventHub;
}

/** Runs passes until the round has no unbooked bets left. */
export async function matchRound(db: Queryable, roundId: bigint): Promise<PassResult> {
  const total: PassResult = { booked: 0, fills: [], touched: [] };
  for (;;) {
    const pass = await runMatchPass(db, roundId);
    total.booked += pass.booked;
    total.fills.push(...pass.fills);
    total.touched.push(...pass.touched);
    if (pass.booked === 0) return total;
  }
}

function report(deps: MatchDeps, roundId: bigint, pass: PassResult): void {
  if (!pass.fills.length) return;
  deps.metrics.matches.inc(pass.fills.length);
  deps.metrics.matchedVolume.inc(Number(pass.fills.reduce((s, f) => s + f.amount, 0n)));
  const events: LiveEvent[] = pass.touched.map((t) => ({
    type: 'bet',
    userId: t.userId.toString(),
    betId: t.betId.toString(),
    roundId: roundId.toString(),
    change: 'matched',
  }));
  events.push({ type: 'round', roundId: roundId.toString(), status: 'OPEN', change: 'totals' });
  deps.events.publish(events);
}

/** Consumes pending bet events; returns whether there was any. */
export async function consumeBetEvents(deps: MatchDeps): Promise<boolean> {
  const results = await withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ round_id: bigint }>(
      `WITH claimed AS (
         DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE topic = 'bet' AND relayed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING partition_key)
       SELECT DISTINCT partition_key AS round_id FROM claimed ORDER BY 1`,
      [CLAIM],
    );
    const passes: [bigint, PassResult][] = [];
    for (const r of rows) passes.push([r.round_id, await matchRound(client, r.round_id)]);
    return passes;
  });
  for (const [roundId, pass] of results) report(deps, roundId, pass);
  return results.length > 0;
}

/** The final pass of one CLOSED round, which then moves to SETTLING. */
export async function finalPass(deps: MatchDeps): Promise<boolean> {
  const done = await withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ id: bigint }>(
      `SELECT id FROM rounds WHERE status = 'CLOSED' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    const roundId = rows[0]?.id;
    if (roundId === undefined) return undefined;
    const pass = await matchRound(client, roundId);
    await client.query(`UPDATE rounds SET status = 'SETTLING' WHERE id = $1`, [roundId]);
    return [roundId, pass] as const;
  });
  if (!done) return false;
  report(deps, done[0], done[1]);
  deps.events.publish([
    { type: 'round', roundId: done[0].toString(), status: 'SETTLING' },
    { type: 'wake', worker: 'settle' },
  ]);
  return true;
}

export function startMatchWorker(deps: MatchDeps): Worker {
  const worker = startLoop(
    'match',
    async () => {
      const consumed = await consumeBetEvents(deps);
      const finished = await finalPass(deps);
      return consumed || finished;
    },
    { idleMs: 25, logger: deps.logger },
  );
  const unsubscribe = deps.events.subscribe((e) => {
    if (e.type === 'wake' && e.worker === 'match') worker.nudge();
  });
  return { ...worker, stop: async () => (unsubscribe(), worker.stop()) };
}
