// Bet events from the outbox table (the embedded default, without Redis): claimed with
// SKIP LOCKED, so any number of match workers share them, and deleted in the transaction that
// runs their rounds' passes, so a pass that rolls back leaves its events for the next claim.
import { matchRounds, type MatchDeps } from './match-rounds.ts';

const CLAIM = 2000;

/** Consumes pending bet events from the outbox; returns whether there was any. */
export async function consumeBetEvents(deps: MatchDeps): Promise<boolean> {
  const rounds = await matchRounds(deps, [], async (client) => {
    const { rows } = await client.query<{ round_id: bigint }>(
      `WITH claimed AS (
         DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE topic = 'bet' AND relayed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING partition_key)
       SELECT DISTINCT partition_key AS round_id FROM claimed`,
      [CLAIM],
    );
    return rows.map((r) => r.round_id);
  });
  return rounds > 0;
}
