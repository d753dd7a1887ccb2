// Read side of the ledger: the wallet as the projection sees it, and a player's own entries.
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { playerWalletId } from './accounts.ts';
import { amountJson, idJson } from './json.ts';
import { withdrawalJson } from './wallet-ops.ts';
import { oneRow } from '../db/rows.ts';

export async function getWallet(db: Queryable, userId: bigint) {
  const wallet = await playerWalletId(db, userId);
  if (wallet === undefined) throw appError('NOT_FOUND', 'This user has no wallet');
  const { rows } = await db.query<{ balance: bigint | null; last_entry_id: bigint | null; pending: bigint }>(
    `SELECT b.balance, b.last_entry_id,
            (SELECT coalesce(sum(amount), 0)::bigint FROM withdrawals WHERE user_id = $2 AND status = 'REQUESTED') AS pending
     FROM (SELECT 1) one LEFT JOIN account_balance b ON b.account_id = $1`,
    [wallet, userId],
  );
  const row = oneRow(rows, `the wallet balance of user ${userId}`);
  return {
    balance: amountJson(row.balance ?? 0n),
    pendingWithdrawals: amountJson(row.pending),
    asOfEntryId: row.last_entry_id === null ? null : idJson(row.last_entry_id),
  };
}

const PAGE = 50;

export async function listEntries(db: Queryable, userId: bigint, cursor: bigint | undefined, limit = PAGE) {
  const wallet = await playerWalletId(db, userId);
  if (wallet === undefined) throw appError('NOT_FOUND', 'This user has no wallet');
  const before = cursor ?? BigInt(Number.MAX_SAFE_INTEGER);
  const { rows } = await db.query<{
    id: bigint;
    kind: string;
    amount: bigint;
    debit_account_id: bigint;
    round_id: bigint | null;
    bet_id: bigint | null;
    withdrawal_id: bigint | null;
    reference: string | null;
    created_at: Date;
  }>(
    `SELECT * FROM (
       (SELECT * FROM transfers WHERE debit_account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3)
       UNION ALL
       (SELECT * FROM transfers WHERE credit_account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3)
     ) t ORDER BY id DESC LIMIT $3`,
    [wallet, before, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    entries: page.map((r) => ({
      entryId: idJson(r.id),
      kind: r.kind,
      // Signed from the wallet's point of view: credits add, debits take away.
      amount: amountJson(r.debit_account_id === wallet ? -r.amount : r.amount),
      roundId: r.round_id === null ? null : idJson(r.round_id),
      betId: r.bet_id === null ? null : idJson(r.bet_id),
      withdrawalId: r.withdrawal_id === null ? null : idJson(r.withdrawal_id),
      reference: r.reference,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
  };
}

export async function listWithdrawals(db: Queryable, status: string | undefined, cursor: bigint | undefined) {
  const { rows } = await db.query<{
    id: bigint;
    user_id: bigint;
    amount: bigint;
    status: string;
    requested_at: Date;
    decided_at: Date | null;
  }>(
    `SELECT * FROM withdrawals WHERE ($1::text IS NULL OR status = $1) AND id < $2 ORDER BY id DESC LIMIT ${PAGE + 1}`,
    [status ?? null, cursor ?? BigInt(Number.MAX_SAFE_INTEGER)],
  );
  const page = rows.slice(0, PAGE);
  return {
    withdrawals: page.map((w) =>
      withdrawalJson(w.id, w.user_id, w.amount, w.status, w.requested_at, w.decided_at),
    ),
    nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
  };
}
