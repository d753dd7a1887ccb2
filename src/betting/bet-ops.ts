// Bet placement and cancellation for the transaction service. Placement is one short
// transaction: stake wallet -> round escrow, the bet row, and its outbox event. It takes the
// round's state lock shared (bets never wait for each other) and the player's wallet guard
// row; never a lock on the escrow or house account.
import type { PoolClient } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { playerWalletId, roundEscrowId } from '../ledger/accounts.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import { postTransfer } from '../ledger/transfers.ts';
import { writeEvent } from '../outbox/outbox.ts';
import { betJson, getBet, type BetRow } from './bets.ts';
import { roundStateLock } from './locks.ts';
import { runMatchPass } from './match-pass.ts';

export interface BetLimits {
  minBet: bigint;
  maxBet: bigint;
}

export type BetOperation =
  | { type: 'placeBet'; userId: bigint; roundId: bigint; side: string; amount: bigint }
  | { type: 'cancelBet'; userId: bigint; betId: bigint };

const escrowIds = new Map<bigint, bigint>();

async function escrowOf(client: PoolClient, roundId: bigint): Promise<bigint> {
  let id = escrowIds.get(roundId);
  if (id === undefined) {
    id = await roundEscrowId(client, roundId);
    if (escrowIds.size > 1000) escrowIds.clear();
    escrowIds.set(roundId, id);
  }
  return id;
}

async function openRoundSides(client: PoolClient, roundId: bigint): Promise<string[]> {
  await client.query('SELECT pg_advisory_xact_lock_shared($1)', [roundStateLock(roundId)]);
  const { rows } = await client.query<{ status: string; sides: string[] }>(
    'SELECT status, sides FROM rounds WHERE id = $1',
    [roundId],
  );
  const round = rows[0];
  if (!round) throw appError('NOT_FOUND', `No round ${roundId}`);
  if (round.status !== 'OPEN') throw appError('ROUND_NOT_OPEN', `Round ${roundId} is ${round.status}`);
  return round.sides;
}

export function betHandlers(limits: BetLimits, onBetPlaced?: (roundId: bigint) => void) {
  async function placeBet(
    client: PoolClient,
    op: Extract<BetOperation, { type: 'placeBet' }>,
    ctx: OperationContext,
  ): Promise<OperationResult> {
    if (op.amount < limits.minBet || op.amount > limits.maxBet) {
      throw appError('LIMIT_EXCEEDED', `A bet is between ${limits.minBet} and ${limits.maxBet}`, {
        minBet: Number(limits.minBet),
        maxBet: Number(limits.maxBet),
      });
    }
    const sides = await openRoundSides(client, op.roundId);
    if (!sides.includes(op.side)) throw appError('INVALID_SIDE', `Side must be one of ${sides.join(', ')}`);
    const wallet = await playerWalletId(client, op.userId);
    if (wallet === undefined) throw appError('FORBIDDEN', 'Only players with a wallet can bet');
    const { rows } = await client.query<BetRow>(
      `INSERT INTO bets (round_id, user_id, side, amount, request_id) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [op.roundId, op.userId, op.side, op.amount, ctx.requestId ?? null],
    );
    const bet = rows[0]!;
    await postTransfer(client, {
      debitAccountId: wallet,
      creditAccountId: await escrowOf(client, op.roundId),
      amount: op.amount,
      kind: 'stake',
      userId: op.userId,
      roundId: op.roundId,
      betId: bet.id,
      requestId: ctx.requestId ?? null,
    });
    await writeEvent(client, {
      topic: 'bet',
      partitionKey: op.roundId,
      payload: {
        type: 'bet.placed',
        betId: bet.id.toString(),
        roundId: op.roundId.toString(),
        userId: op.userId.toString(),
      },
      requestId: ctx.requestId,
    });
    return { status: 202, body: betJson(bet), afterCommit: () => onBetPlaced?.(op.roundId) };
  }

  async function cancelBet(
    client: PoolClient,
    op: Extract<BetOperation, { type: 'cancelBet' }>,
    ctx: OperationContext,
  ): Promise<OperationResult> {
    const found = await getBet(client, op.betId);
    if (!found) throw appError('NOT_FOUND', `No bet ${op.betId}`);
    if (found.user_id !== op.userId) throw appError('FORBIDDEN', 'Not your bet');
    await openRoundSides(client, found.round_id);
    // Bring the book up to date first: the cancel comes after the bet's arrival, so whatever
    // the bet would have matched on arrival stays matched.
    await runMatchPass(client, found.round_id);
    const { rows } = await client.query<BetRow>('SELECT * FROM bets WHERE id = $1 FOR UPDATE', [op.betId]);
    const bet = rows[0]!;
    const unmatched = bet.amount - bet.matched_amount - bet.cancelled_amount;
    if (unmatched <= 0n)
      throw appError('BET_NOT_CANCELLABLE', 'The bet is fully matched or already cancelled');
    const updated = await client.query<BetRow>(
      `UPDATE bets SET cancelled_amount = cancelled_amount + $2,
         status = CASE WHEN matched_amount = 0 THEN 'CANCELLED' ELSE 'MATCHED' END
       WHERE id = $1 RETURNING *`,
      [op.betId, unmatched],
    );
    const wallet = await playerWalletId(client, op.userId);
    await postTransfer(client, {
      debitAccountId: await escrowOf(client, bet.round_id),
      creditAccountId: wallet!,
      amount: unmatched,
      kind: 'cancel_refund',
      userId: op.userId,
      roundId: bet.round_id,
      betId: bet.id,
      requestId: ctx.requestId ?? null,
    });
    return { status: 200, body: betJson(updated.rows[0]!) };
  }

  return { placeBet, cancelBet };
}
