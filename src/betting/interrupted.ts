// The published interruption rule (issue 12, item 7). A round interrupted by a crash resumes
// from the database: the scheduler closes it, the final pass books what is left, settlement
// goes on from its first unsettled chunk. A round that still is not settled
// INTERRUPTED_ROUND_VOID_SECONDS after its scheduled close is voided and every stake refunded,
// unless its settlement has begun paying: a paid chunk cannot be unwound, so such a round is
// always finished by settlement (voidRoundInDb refuses it; it is reported, never half-voided).
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { AppError } from '../errors.ts';
import type { SeedChains } from './seed-chains.ts';
import { voidRoundInDb, type SettledRound } from './settlement-writes.ts';

// Unfinished rounds past the deadline whose settlement has paid nothing yet, oldest first.
const OVERDUE = `
  SELECT r.id FROM rounds r
  WHERE r.status IN ('OPEN', 'CLOSED', 'SETTLING')
    AND r.closes_at <= now() - make_interval(secs => $1::int)
    AND NOT EXISTS (SELECT 1 FROM settlement_chunks c WHERE c.round_id = r.id AND c.settled_at IS NOT NULL)
  ORDER BY r.id
  LIMIT $2`;

export interface InterruptedOutcome {
  voided: SettledRound[];
  /** Rounds past the deadline that had begun paying: settlement must finish them. */
  refused: { roundId: bigint; reason: string }[];
}

/**
 * Voids up to `limit` rounds that could not settle within `voidSeconds` of their close, each in
 * its own transaction (the void takes the round's state lock and row, so it and a settlement
 * chunk are strictly ordered: whichever comes first decides, and nothing is paid twice).
 */
export async function voidInterruptedRounds(
  pool: Pool,
  seeds: SeedChains,
  voidSeconds: number,
  limit = 10,
): Promise<InterruptedOutcome> {
  const { rows } = await pool.query<{ id: bigint }>(OVERDUE, [voidSeconds, limit]);
  const outcome: InterruptedOutcome = { voided: [], refused: [] };
  for (const { id } of rows) {
    try {
      const voided = await withTransaction(pool, (client) =>
        voidRoundInDb(client, id, null, seeds, 'interrupted'),
      );
      outcome.voided.push(voided);
    } catch (err) {
      // A chunk was paid, or the round became final, between the query and the void.
      if (!(err instanceof AppError) || err.code !== 'ROUND_NOT_VOIDABLE') throw err;
      outcome.refused.push({ roundId: id, reason: err.message });
    }
  }
  return outcome;
}
