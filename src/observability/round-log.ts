// The life of each round at info, for the console: opened (with its closing time and seed
// hash), closed, voided. Settlement has its own info line from the settle worker ("round
// settled"); the per-bet lines are at debug. Read from the live events the scheduler publishes,
// so the scheduler itself stays free of console concerns.
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Logger } from './logger.ts';

export function logRoundLifecycle(events: EventHub, logger: Logger): () => void {
  return events.subscribe((e: LiveEvent) => {
    if (e.type !== 'round') return;
    // The scheduler's OPEN carries the seed hash; the many OPEN "totals changed" hints do not.
    if (e.status === 'OPEN' && e.serverSeedHash !== undefined) {
      logger.info(
        { roundId: e.roundId, closesAt: e.closesAt, serverSeedHash: e.serverSeedHash },
        `round ${e.roundId} open for bets`,
      );
    } else if (e.status === 'CLOSED') {
      logger.info({ roundId: e.roundId }, `round ${e.roundId} closed: final matching, then settlement`);
    } else if (e.status === 'VOID') {
      logger.info({ roundId: e.roundId }, `round ${e.roundId} voided: every stake refunded`);
    }
  });
}
