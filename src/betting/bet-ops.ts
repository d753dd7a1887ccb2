// Bet placement and cancellation for the transaction service. Placement (place-bets.ts) moves
// the stake wallet -> round escrow and writes the bet row and its outbox event, for a whole
// batch of bets at once. It takes the rounds' state locks shared (bets never wait for each
// other) and the players' wallet guard rows; never a lock on the escrow or house account.
import type { PoolClient } from '../db/pool.ts';
import { AppError, appError } from '../errors.ts';
import { ensureRoundEscrow, playerWalletId } from '../ledger/accounts.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import { postTransfer } from '../ledger/transfers.ts';
import { betJson, getBet, type BetRow } from './bets.ts';
import { roundStateLock } from './locks.ts';
import { markBookChanged } from './match-book.ts';
import { runMatchPass } from './match-pass.ts';
import { placeBets, type BetLimits, type PlaceBet } from './place-bets.ts';
import { oneRow } from '../db/rows.ts';

export type { BetLimits } from './place-bets.ts';

export type BetOperation = PlaceBet | { type: 'cancelBet'; userId: bigint; betId: bigint };

/** Shared: bets and cancels never wait for each other, only for a close or void in progress. */
async function lockRoundShared(client: PoolClient, roundId: bigint): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock_shared($1)', [roundStateLock(roundId)]);
}

async function requireOpenRound(client: PoolClient, roundId: bigint): Promise<void> {
  await lockRoundShared(client, roundId);
  const { rows } = await client.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [
    roundId,
  ]);
  const round = rows[0];
  if (!round) throw appError('NOT_FOUND', `No round ${roundId}`);
  if (round.status !== 'OPEN') throw appError('ROUND_NOT_OPEN', `Round ${roundId} is ${round.status}`);
}

export function betHandlers(limits: BetLimits) {
  async function placeBet(client: PoolClient, op: PlaceBet, ctx: OperationContext): Promise<OperationResult> {
    const [answer] = await placeBets(client, [{ op, ctx }], limits);
    if (answer === undefined) throw new Error('placeBets gave no answer');
    if (answer instanceof AppError) throw answer;
    return answer;
  }

  async function cancelBet(
    client: PoolClient,
    op: Extract<BetOperation, { type: 'cancelBet' }>,
    ctx: OperationContext,
  ): Promise<OperationResult> {
    const found = await getBet(client, op.betId);
    if (!found) throw appError('NOT_FOUND', `No bet ${op.betId}`);
    if (found.user_id !== op.userId) throw appError('FORBIDDEN', 'Not your bet');
    await requireOpenRound(client, found.round_id);
    // Bring the book up to date first: the cancel comes after the bet's arrival, so whatever
    // the bet would have matched on arrival stays matched.
    await runMatchPass(client, found.round_id);
    // With the round too: bets are partitioned by round, so the lock touches one partition.
    const { rows } = await client.query<BetRow>(
      'SELECT * FROM bets WHERE id = $1 AND round_id = $2 FOR UPDATE',
      [op.betId, found.round_id],
    );
    const bet = oneRow(rows, `bet ${op.betId}, found a moment ago in this transaction`);
    const unmatched = bet.amount - bet.matched_amount - bet.cancelled_amount;
    if (unmatched <= 0n)
      throw appError('BET_NOT_CANCELLABLE', 'The bet is fully matched or already cancelled');
    const updated = await client.query<BetRow>(
      `UPDATE bets SET cancelled_amount = cancelled_amount + $2,
         status = CASE WHEN matched_amount = 0 THEN 'CANCELLED' ELSE 'MATCHED' END
       WHERE id = $1 AND round_id = $3 RETURNING *`,
      [op.betId, unmatched, found.round_id],
    );
    // The book changed under the match lock the pass above took: no worker reuses its copy.
    await markBookChanged(client, found.round_id);
    const wallet = await playerWalletId(client, op.userId);
    await postTransfer(client, {
      debitAccountId: await ensureRoundEscrow(client, bet.round_id),
      creditAccountId: wallet!,
      amount: unmatched,
      kind: 'cancel_refund',
      userId: op.userId,
      roundId: bet.round_id,
      betId: bet.id,
      requestId: ctx.requestId ?? null,
    });
    return { status: 200, body: betJson(oneRow(updated, `bet ${bet.id} just cancelled`)) };
  }

  return { placeBet, cancelBet };
}

/** Set-based placement for a batch (see place-bets.ts); the transaction service calls it per run of bets. */
export const betBatchHandlers = (limits: BetLimits) => ({
  placeBet: (client: PoolClient, items: readonly { op: PlaceBet; ctx: OperationContext }[]) =>
    placeBets(client, items, limits),
});
