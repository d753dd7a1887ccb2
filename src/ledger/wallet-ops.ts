// Wallet operations for the transaction service: deposits, and withdrawals as two-phase
// holds (wallet -> withdrawal_hold on request; hold -> cash on approval, hold -> wallet on
// rejection). Each runs inside the caller's transaction. A deposit is refused while the player
// is self-excluded or timed out, or past a deposit limit (ledger/protection.ts); a withdrawal
// never is: a protected player can always take their balance out.
import type { PoolClient } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { playerWalletId, systemAccountId } from './accounts.ts';
import { checkDeposit } from './protection.ts';
import { amountJson, idJson } from './json.ts';
import type { OperationContext, OperationResult } from './transaction-service.ts';
import { postTransfer } from './transfers.ts';
import { oneRow } from '../db/rows.ts';

export type WalletOperation =
  | { type: 'deposit'; userId: bigint; amount: bigint; reference: string }
  | { type: 'requestWithdrawal'; userId: bigint; amount: bigint }
  | { type: 'decideWithdrawal'; withdrawalId: bigint; approve: boolean };

async function walletOf(client: PoolClient, userId: bigint): Promise<bigint> {
  const wallet = await playerWalletId(client, userId);
  if (wallet === undefined) throw appError('NOT_FOUND', `No player wallet for user ${userId}`);
  return wallet;
}

/** The deposit a reference names, found through its key (one index probe, one partition). */
async function depositByReference(client: PoolClient, reference: string) {
  const { rows } = await client.query<{ id: bigint; created_at: Date; user_id: bigint; amount: bigint }>(
    `SELECT t.id, t.created_at, t.user_id, t.amount FROM transfer_keys k JOIN transfers t ON t.id = k.transfer_id
     WHERE k.round_id = 0 AND k.scope = 'deposit' AND k.key = $1`,
    [reference],
  );
  return rows[0];
}

export async function deposit(
  client: PoolClient,
  op: Extract<WalletOperation, { type: 'deposit' }>,
  ctx: OperationContext,
): Promise<OperationResult> {
  const wallet = await walletOf(client, op.userId);
  const cash = await systemAccountId(client, 'cash');
  // The reference is the deposit's natural key (transfer_keys, I5): a repeat with the same
  // content is answered with the first deposit, a repeat with other content is refused. A
  // concurrent first deposit with the same reference makes the INSERT wait on the key and then
  // fail; the savepoint keeps the rest of the batch, and the key's owner is read afterwards.
  let row = await depositByReference(client, op.reference);
  if (!row) {
    // Only a new deposit: a repeat of a deposit already made is answered as before.
    await checkDeposit(client, op.userId, wallet, op.amount);
    await client.query('SAVEPOINT deposit_key');
    try {
      const { rows } = await client.query<{ id: bigint; created_at: Date }>(
        `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, reference, actor_id, request_id)
         VALUES ($1, $2, $3, 'deposit', $4, $5, $6, $7) RETURNING id, created_at`,
        [cash, wallet, op.amount, op.userId, op.reference, ctx.actorId ?? null, ctx.requestId ?? null],
      );
      await client.query('RELEASE SAVEPOINT deposit_key');
      row = { ...oneRow(rows, 'the deposit transfer just inserted'), user_id: op.userId, amount: op.amount };
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await client.query('ROLLBACK TO SAVEPOINT deposit_key');
      row = await depositByReference(client, op.reference);
      if (!row) throw err;
    }
  }
  if (row.user_id !== op.userId || row.amount !== op.amount) throw appError('DEPOSIT_REFERENCE_CONFLICT');
  return {
    status: 201,
    body: {
      depositId: idJson(row.id),
      userId: idJson(op.userId),
      amount: amountJson(op.amount),
      reference: op.reference,
      createdAt: row.created_at.toISOString(),
    },
  };
}

export async function requestWithdrawal(
  client: PoolClient,
  op: Extract<WalletOperation, { type: 'requestWithdrawal' }>,
  ctx: OperationContext,
): Promise<OperationResult> {
  const wallet = await walletOf(client, op.userId);
  const hold = await systemAccountId(client, 'withdrawal_hold');
  const { rows } = await client.query<{ id: bigint; requested_at: Date }>(
    'INSERT INTO withdrawals (user_id, amount) VALUES ($1, $2) RETURNING id, requested_at',
    [op.userId, op.amount],
  );
  const w = oneRow(rows, 'the withdrawal just inserted');
  // The hold leaves the wallet now, so the overdraft guard counts it.
  await postTransfer(client, {
    debitAccountId: wallet,
    creditAccountId: hold,
    amount: op.amount,
    kind: 'withdrawal_hold',
    userId: op.userId,
    withdrawalId: w.id,
    requestId: ctx.requestId ?? null,
  });
  return { status: 202, body: withdrawalJson(w.id, op.userId, op.amount, 'REQUESTED', w.requested_at, null) };
}

export async function decideWithdrawal(
  client: PoolClient,
  op: Extract<WalletOperation, { type: 'decideWithdrawal' }>,
  ctx: OperationContext,
): Promise<OperationResult> {
  const status = op.approve ? 'APPROVED' : 'REJECTED';
  const { rows } = await client.query<{
    user_id: bigint;
    amount: bigint;
    requested_at: Date;
    decided_at: Date;
  }>(
    `UPDATE withdrawals SET status = $2, decided_at = now(), decided_by = $3
     WHERE id = $1 AND status = 'REQUESTED' RETURNING user_id, amount, requested_at, decided_at`,
    [op.withdrawalId, status, ctx.actorId ?? null],
  );
  const w = rows[0];
  if (!w) {
    const exists = await client.query('SELECT 1 FROM withdrawals WHERE id = $1', [op.withdrawalId]);
    throw exists.rowCount ? appError('WITHDRAWAL_DECIDED') : appError('NOT_FOUND', 'No such withdrawal');
  }
  const hold = await systemAccountId(client, 'withdrawal_hold');
  await postTransfer(client, {
    debitAccountId: hold,
    creditAccountId: op.approve ? await systemAccountId(client, 'cash') : await walletOf(client, w.user_id),
    amount: w.amount,
    kind: op.approve ? 'withdrawal_post' : 'withdrawal_release',
    userId: w.user_id,
    withdrawalId: op.withdrawalId,
    actorId: ctx.actorId ?? null,
    requestId: ctx.requestId ?? null,
  });
  return {
    status: 200,
    body: withdrawalJson(op.withdrawalId, w.user_id, w.amount, status, w.requested_at, w.decided_at),
  };
}

export function withdrawalJson(
  id: bigint,
  userId: bigint,
  amount: bigint,
  status: string,
  requestedAt: Date,
  decidedAt: Date | null,
) {
  return {
    withdrawalId: idJson(id),
    userId: idJson(userId),
    amount: amountJson(amount),
    status,
    requestedAt: requestedAt.toISOString(),
    decidedAt: decidedAt ? decidedAt.toISOString() : null,
  };
}

export const walletHandlers = { deposit, requestWithdrawal, decideWithdrawal };
