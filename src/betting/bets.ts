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
  /** With the player's round settlement joined (BET_VIEW): null until the round settled for them. */
  pr_bets?: bigint | null;
  pr_staked?: bigint | null;
  pr_commission?: bigint | null;
  pr_received?: bigint | null;
}

// A bet with its player's settlement of the round (round_settlements: one row per round and
// player, as the ledger paid it), so a page can show gross, commission and net that add up to
// the wallet's entries. Commission is per player per round, not per bet.
const BET_VIEW = `SELECT b.*, s.commission AS pr_commission, s.received AS pr_received, s.staked AS pr_staked,
    CASE WHEN s.round_id IS NULL THEN NULL ELSE
      (SELECT count(*) FROM bets o WHERE o.round_id = b.round_id AND o.user_id = b.user_id) END AS pr_bets
  FROM bets b LEFT JOIN round_settlements s ON s.round_id = b.round_id AND s.user_id = b.user_id`;

function playerRoundJson(b: BetRow) {
  if (b.pr_received === undefined) return {};
  if (b.pr_received === null) return { playerRound: null };
  return {
    playerRound: {
      bets: amountJson(b.pr_bets ?? 1n),
      staked: amountJson(b.pr_staked ?? 0n),
      commission: amountJson(b.pr_commission ?? 0n),
      received: amountJson(b.pr_received),
    },
  };
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
    ...playerRoundJson(b),
  };
}

export async function getBet(db: Queryable, betId: bigint): Promise<BetRow | undefined> {
  const { rows } = await db.query<BetRow>('SELECT * FROM bets WHERE id = $1', [betId]);
  return rows[0];
}

/** A bet with its player's round settlement (for GET /v1/bets/:id). */
export async function getBetView(db: Queryable, betId: bigint): Promise<BetRow | undefined> {
  const { rows } = await db.query<BetRow>(`${BET_VIEW} WHERE b.id = $1`, [betId]);
  return rows[0];
}

export async function listBets(
  db: Queryable,
  userId: bigint,
  before: bigint | undefined,
  limit: number,
): Promise<BetRow[]> {
  const { rows } = await db.query<BetRow>(
    `${BET_VIEW} WHERE b.user_id = $1 AND b.id < $2 ORDER BY b.id DESC LIMIT $3`,
    [userId, before ?? BigInt(Number.MAX_SAFE_INTEGER), limit],
  );
  return rows;
}
