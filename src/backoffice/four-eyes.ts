// The four-eyes threshold, read in one place: the current game configuration version
// (migration 0020, betting/game-config.ts), else FOUR_EYES_ABOVE from the environment.
// A deposit or void strictly above it waits for a second operator.
import { currentGameConfig } from '../betting/game-config.ts';
import type { Queryable } from '../db/pool.ts';

export async function fourEyesAbove(db: Queryable, fallback: bigint): Promise<bigint> {
  return (await currentGameConfig(db))?.fourEyesAbove ?? fallback;
}

/** What a void would refund: the round's stakes less cancellations (its escrow before settlement). */
export async function roundStakes(
  db: Queryable,
  roundId: bigint,
): Promise<{ status: string; staked: bigint } | undefined> {
  const { rows } = await db.query<{ status: string; staked: bigint }>(
    `SELECT r.status, COALESCE((SELECT sum(b.amount - b.cancelled_amount) FROM bets b WHERE b.round_id = r.id), 0)::bigint AS staked
       FROM rounds r WHERE r.id = $1`,
    [roundId],
  );
  return rows[0];
}
