// Deposit intents (migration 0023): a player's "I want to pay in this much", recorded before the
// player is sent to the provider. The provider's signed callback names the intent; the credit is
// an ordinary deposit with the reference `payment:<id>`, so the deposit key credits it once.
// Whether an intent was credited is read from the ledger (its deposit transfer), never stored twice.
import type { Queryable } from '../db/pool.ts';
import { amountJson, idJson } from '../ledger/json.ts';
import { oneRow } from '../db/rows.ts';

export interface DepositIntent {
  id: bigint;
  user_id: bigint;
  amount: bigint;
  provider: string;
  created_at: Date;
  credited_at: Date | null;
}

export const paymentReference = (intentId: bigint): string => `payment:${intentId}`;

/** Demo funds: at most one credit per player per window, by the deposit key on this reference. */
export const demoReference = (userId: bigint, window: number): string => `demo:${userId}:${window}`;

/** References only the service itself writes; an operator's deposit may not use them. */
export const isReservedReference = (reference: string): boolean => /^(demo|payment):/.test(reference);

export async function createDepositIntent(
  db: Queryable,
  userId: bigint,
  amount: bigint,
  provider: string,
): Promise<DepositIntent> {
  const { rows } = await db.query<DepositIntent>(
    `INSERT INTO deposit_intents (user_id, amount, provider) VALUES ($1, $2, $3)
     RETURNING *, NULL::timestamptz AS credited_at`,
    [userId, amount, provider],
  );
  return oneRow(rows, 'the deposit intent just inserted');
}

const WITH_CREDIT = `SELECT i.*, t.created_at AS credited_at FROM deposit_intents i
  LEFT JOIN transfer_keys k ON k.round_id = 0 AND k.scope = 'deposit' AND k.key = 'payment:' || i.id
  LEFT JOIN transfers t ON t.id = k.transfer_id`;

export async function getDepositIntent(db: Queryable, id: bigint): Promise<DepositIntent | undefined> {
  const { rows } = await db.query<DepositIntent>(`${WITH_CREDIT} WHERE i.id = $1`, [id]);
  return rows[0];
}

/** A player's intents, newest first, `limit` of them before `cursor`. */
export async function listDepositIntents(
  db: Queryable,
  userId: bigint,
  cursor: bigint | undefined,
  limit: number,
): Promise<DepositIntent[]> {
  const { rows } = await db.query<DepositIntent>(
    `${WITH_CREDIT} WHERE i.user_id = $1 AND i.id < $2 ORDER BY i.id DESC LIMIT $3`,
    [userId, cursor ?? BigInt(Number.MAX_SAFE_INTEGER), limit],
  );
  return rows;
}

export function depositIntentJson(i: DepositIntent, payUrl: string | null) {
  return {
    depositId: idJson(i.id),
    amount: amountJson(i.amount),
    provider: i.provider,
    status: i.credited_at ? 'CREDITED' : 'STARTED',
    createdAt: i.created_at.toISOString(),
    creditedAt: i.credited_at ? i.credited_at.toISOString() : null,
    payUrl,
  };
}
