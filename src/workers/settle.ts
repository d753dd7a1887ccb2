// Settle worker: claims a SETTLING round (SKIP LOCKED) and settles it in one transaction.
// A crash rolls the whole round back to SETTLING for the next worker; unique keys make a
// second settlement of the same (round, player) impossible.
import { settleRoundInDb, type SettledRound } from '../betting/settle.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';

export interface SettleDeps {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  events: EventHub;
}

export function settledEvents(s: SettledRound): LiveEvent[] {
  return [
    { type: 'round', roundId: s.roundId.toString(), status: s.outcome },
    ...s.userIds.map((u): LiveEvent => ({
      type: 'balance',
      userId: u.toString(),
      roundId: s.roundId.toString(),
    })),
    ...s.userIds.map((u): LiveEvent => ({
      type: 'bet',
      userId: u.toString(),
      betId: '*',
      roundId: s.roundId.toString(),
      status: s.outcome,
    })),
  ];
}

/** One line per settled bet, with the request id that placed it. */
export function logSettledBets(logger: Logger, s: SettledRound): void {
  for (const b of s.betResults) {
    logger.info(
      {
        requestId: b.requestId,
        betId: b.betId,
        roundId: s.roundId.toString(),
        userId: b.userId,
        outcome: s.outcome,
        payout: b.payout.toString(),
        refund: b.refund.toString(),
      },
      `bet ${s.outcome === 'VOID' ? 'voided' : 'settled'}`,
    );
  }
}

export async function settleNext(deps: SettleDeps): Promise<SettledRound | undefined> {
  const started = process.hrtime.bigint();
  const settled = await withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ id: bigint }>(
      `SELECT id FROM rounds WHERE status = 'SETTLING' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    const roundId = rows[0]?.id;
    return roundId === undefined ? undefined : settleRoundInDb(client, roundId);
  });
  if (!settled) return undefined;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deps.metrics.settlements.inc({ outcome: 'settled' });
  deps.metrics.settlementDuration.observe(seconds);
  deps.metrics.commission.inc(Number(settled.commission));
  logSettledBets(deps.logger, settled);
  deps.logger.info(
    {
      roundId: settled.roundId.toString(),
      players: settled.players,
      bets: settled.bets,
      commission: settled.commission.toString(),
      paid: settled.paid.toString(),
      seconds,
    },
    'round settled',
  );
  deps.events.publish([...settledEvents(settled), { type: 'wake', worker: 'project' }]);
  return settled;
}

export function startSettleWorker(deps: SettleDeps): Worker {
  const worker = startLoop('settle', async () => (await settleNext(deps)) !== undefined, {
    idleMs: 100,
    logger: deps.logger,
  });
  const unsubscribe = deps.events.subscribe((e) => {
    if (e.type === 'wake' && e.worker === 'settle') worker.nudge();
  });
  return { ...worker, stop: async () => (unsubscribe(), worker.stop()) };
}
