// Bet rows as the API shows them.
import type { Queryable } from '../db/pool.ts';
import { amountJson, idJson } from '../ledger/json.ts';

export interface BetRow {
  id: bigint;
  round_id: bigint;
  user_id: bigint;
  side: string;
  amount: bigint;
  matched_amount: bigint;
  cancelled_amount: bigint;
  status: string;
  seq: bigint | null;
  payout: bigint | null;
  refund: bigint | null;
  placed_at: Date;
  settled_at: Date | null;
}

export function betJson(b: BetRow) {
  return {
    betId: idJson(b.id),
    roundId: idJson(b.round_id),
    side: b.side,
    amount: amountJson(b.amount),
    matchedAmount: amountJson(b.matched_amount),
    cancelledAmount: amountJson(b.cancelled_amount),
    unmatchedAmount: amountJson(b.amount - b.matched_amount - b.cancelled_amount),
    status: b.status,
    payout: b.payout === null ? null : amountJson(b.payout),
    refund: b.refund === null ? null : amountJson(b.refund),
    placedAt: b.placed_at.toISOString(),
    settledAt: b.settled_at ? b.settled_at.toISOString() : null,
  };
}

export async function getBet(db: Queryable, betId: bigint): Promise<BetRow | undefined> {
  const { rows } = await db.query<BetRow>('SELECT * FROM bets WHERE id = $1', [betId]);
  return rows[0];
}

export async function listBets(
  db: Queryable,
  userId: bigint,
  before: bigint | undefined,
  limit: number,
): Promise<BetRow[]> {
  const { rows } = await db.query<BetRow>(
    'SELECT * FROM bets WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
    [userId, before ?? BigInt(Number.MAX_SAFE_INTEGER), limit],
  );
  return rows;
}
