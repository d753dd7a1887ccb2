// Settle worker: claims a SETTLING round (SKIP LOCKED) and settles it in one transaction.
// A crash rolls the whole round back to SETTLING for the next worker; unique keys make a
// second settlement of the same (round, player) impossible.
import { claimNextSettlingRound, recordSettlementFailure } from '../betting/quarantine.ts';
import { settleRoundInDb, type SettledRound } from '../betting/settle.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { describeError } from '../observability/describe-error.ts';
import { isConnectionLost, startLoop, type Worker } from './loop.ts';

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

// Deadlocks and serialization failures left after the retries, lock timeouts, too many
// connections, a pool that could not connect: the database's state, not the round's.
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '53300', '57P01', '57P03']);
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_SQLSTATES.has(code)) return true;
  return (
    isConnectionLost(err) || /timeout exceeded when trying to connect/i.test(String((err as Error)?.message))
  );
}

/** Counts a failed settlement against its round; at the threshold the round is quarantined. */
async function recordFailure(deps: SettleDeps, roundId: bigint, err: unknown): Promise<void> {
  const error = describeError(err);
  const r = await recordSettlementFailure(deps.pool, roundId, error);
  deps.metrics.settlementFailures.inc();
  const fields = { roundId: roundId.toString(), failures: r.failures, error };
  if (r.quarantined) deps.logger.error(fields, 'round quarantined: its settlement keeps failing');
  else deps.logger.warn(fields, 'round settlement failed; later rounds go first');
}

export async function settleNext(deps: SettleDeps): Promise<SettledRound | undefined> {
  const started = process.hrtime.bigint();
  let attempted: bigint | undefined;
  let settled: SettledRound | undefined;
  try {
    settled = await withTransaction(deps.pool, async (client) => {
      attempted = undefined; // a retry that fails before it claims must not charge the last round
      attempted = await claimNextSettlingRound(client);
      return attempted === undefined ? undefined : settleRoundInDb(client, attempted);
    });
  } catch (err) {
    // A lost or busy database is nobody's round's fault: the loop backs off and tries again.
    if (attempted === undefined || isTransient(err)) throw err;
    await recordFailure(deps, attempted, err);
    throw err;
  }
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
