// A round whose close-out keeps failing (its final matching pass or a settlement step) must not
// block the rounds after it. Each such failure is counted against the round
// (src/betting/quarantine.ts); rounds are taken up fewest failures first, and at
// QUARANTINE_AFTER the round is set aside for an operator. A busy or lost database is nobody's
// round's fault and is not counted.
import { recordSettlementFailure } from '../betting/quarantine.ts';
import type { Pool, PoolClient } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { describeError } from '../observability/describe-error.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { isConnectionLost } from './loop.ts';

// Deadlocks and serialization failures left after the retries, lock timeouts, too many
// connections, a server shutting down or starting: the database's state, not the round's.
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '53300', '57P01', '57P03']);

export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_SQLSTATES.has(code)) return true;
  return (
    isConnectionLost(err) || /timeout exceeded when trying to connect/i.test(String((err as Error)?.message))
  );
}

export interface RoundFailureDeps {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
}

/** Counts a failed step against its round; at the threshold the round is quarantined. */
async function recordFailure(deps: RoundFailureDeps, roundId: bigint, step: string, err: unknown) {
  const error = describeError(err);
  const r = await recordSettlementFailure(deps.pool, roundId, `${step}: ${error}`);
  deps.metrics.settlementFailures.inc();
  const fields = { roundId: roundId.toString(), step, failures: r.failures, error };
  if (r.quarantined) deps.logger.error(fields, `round quarantined: its ${step} keeps failing`);
  else deps.logger.warn(fields, `round ${step} failed; later rounds go first`);
}

/**
 * One transaction on behalf of a round: `work` names the round it takes up, and a failure
 * after that, unless the database itself was the trouble, is counted against that round.
 */
export async function onBehalfOfRound<T>(
  deps: RoundFailureDeps,
  step: string,
  work: (client: PoolClient, takeUp: (roundId: bigint) => void) => Promise<T>,
): Promise<T> {
  let attempted: bigint | undefined;
  try {
    return await withTransaction(deps.pool, (client) => {
      attempted = undefined; // a retry that fails before it claims must not charge the last round
      return work(client, (roundId) => (attempted = roundId));
    });
  } catch (err) {
    if (attempted !== undefined && !isTransient(err)) await recordFailure(deps, attempted, step, err);
    throw err;
  }
}
