// Applies the published interruption rule once a second (betting/interrupted.ts): a round not
// settled INTERRUPTED_ROUND_VOID_SECONDS after its close is voided and every stake refunded.
// Runs with the scheduler role, on the leader only, so one process decides.
import { voidInterruptedRounds } from '../betting/interrupted.ts';
import type { SeedChains } from '../betting/seed-chains.ts';
import type { EventHub } from '../bus/events.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';
import { logSettledBets, settledEvents } from './settle.ts';

export interface InterruptedDeps {
  pool: Pool;
  seeds: SeedChains;
  metrics: Metrics;
  logger: Logger;
  events: EventHub;
  voidSeconds: number;
  isLeader: () => boolean;
  tickMs?: number;
}

/** One pass: void what is overdue, report what must be settled instead. True when it voided. */
export async function interruptedStep(deps: Omit<InterruptedDeps, 'isLeader'>): Promise<boolean> {
  const { voided, refused } = await voidInterruptedRounds(deps.pool, deps.seeds, deps.voidSeconds);
  for (const r of voided) {
    deps.metrics.settlements.inc({ outcome: 'interrupted' });
    logSettledBets(deps.logger, r);
    deps.logger.error(
      {
        roundId: r.roundId.toString(),
        code: 'ROUND_INTERRUPTED',
        players: r.players,
        refunded: r.paid.toString(),
        voidSeconds: deps.voidSeconds,
      },
      'round not settled in time after an interruption: voided, every stake refunded',
    );
    deps.events.publish([...settledEvents(r), { type: 'wake', worker: 'project' }]);
  }
  for (const r of refused) {
    deps.logger.warn(
      { roundId: r.roundId.toString(), code: 'ROUND_INTERRUPTED' },
      `overdue round is being paid, so settlement must finish it: ${r.reason}`,
    );
  }
  return voided.length > 0;
}

export function startInterruptedRounds(deps: InterruptedDeps): Worker {
  return startLoop('interrupted-rounds', async () => deps.isLeader() && (await interruptedStep(deps)), {
    idleMs: deps.tickMs ?? 1000,
    logger: deps.logger,
  });
}
