// The one way money moves: a transfer row that debits one account and credits another.
// The database refuses overdrafts on player wallets (wallet_guard), duplicates of natural
// keys, and any later change to the row.
import type { Queryable } from '../db/pool.ts';
import { AppError, fromPgError } from '../errors.ts';
import { oneRow } from '../db/rows.ts';

export type TransferKind =
  | 'deposit'
  | 'withdrawal_hold'
  | 'withdrawal_post'
  | 'withdrawal_release'
  | 'stake'
  | 'cancel_refund'
  | 'settlement'
  | 'commission'
  | 'void_refund';

export interface Transfer {
  debitAccountId: bigint;
  creditAccountId: bigint;
  amount: bigint;
  kind: TransferKind;
  userId?: bigint | null;
  roundId?: bigint | null;
  betId?: bigint | null;
  withdrawalId?: bigint | null;
  reference?: string | null;
  actorId?: bigint | null;
  requestId?: string | null;
}

export interface PostedTransfer {
  id: bigint;
  createdAt: Date;
}

export async function postTransfer(db: Queryable, t: Transfer): Promise<PostedTransfer> {
  if (t.amount <= 0n) throw new RangeError(`transfer amount must be positive, got ${t.amount}`);
  try {
    const { rows } = await db.query<{ id: bigint; created_at: Date }>(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, bet_id,
                              withdrawal_id, reference, actor_id, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, created_at`,
      [
        t.debitAccountId,
        t.creditAccountId,
        t.amount,
        t.kind,
        t.userId ?? null,
        t.roundId ?? null,
        t.betId ?? null,
        t.withdrawalId ?? null,
        t.reference ?? null,
        t.actorId ?? null,
        t.requestId ?? null,
      ],
    );
    const row = oneRow(rows, 'the transfer just inserted');
    return { id: row.id, createdAt: row.created_at };
  } catch (err) {
    const mapped = fromPgError(err);
    if (mapped instanceof AppError) throw mapped;
    throw err;
  }
}
