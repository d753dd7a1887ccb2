// Bet placement and cancellation for the transaction service. Placement is one short
// transaction: stake wallet -> round escrow, the bet row, and its outbox event. It takes the
// round's state lock shared (bets never wait for each other) and the player's wallet guard
// row; never a lock on the escrow or house account.
import type { PoolClient } from '../db/pool.ts';
import { AppError, appError } from '../errors.ts';
import { playerWalletId, roundEscrowId } from '../ledger/accounts.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import { postTransfer } from '../ledger/transfers.ts';
import { EVENT_VERSION } from '../outbox/outbox.ts';
import { betJson, getBet, type BetRow } from './bets.ts';
import { roundStateLock } from './locks.ts';
import { runMatchPass } from './match-pass.ts';

export interface BetLimits {
  minBet: bigint;
  maxBet: bigint;
}

interface PlacementChecks {
  round_status: string | null;
  round_sides: string[] | null;
  wallet_id: bigint | null;
}

const PLACE_BET = `
  WITH round AS (SELECT status, sides FROM rounds WHERE id = $1),
  wallet AS (SELECT id FROM accounts WHERE kind = 'player' AND user_id = $2),
  escrow AS (SELECT id FROM accounts WHERE kind = 'escrow' AND round_id = $1),
  bet AS (
    INSERT INTO bets (round_id, user_id, side, amount, request_id)
    SELECT $1, $2, $3, $4, $5 FROM round, wallet, escrow WHERE round.status = 'OPEN' AND $3 = ANY (round.sides)
    RETURNING *),
  stake AS (
    INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, bet_id, request_id)
    SELECT wallet.id, escrow.id, bet.amount, 'stake', bet.user_id, bet.round_id, bet.id, bet.request_id
    FROM bet, wallet, escrow RETURNING id),
  event AS (
    INSERT INTO outbox (topic, partition_key, payload, request_id)
    SELECT 'bet', bet.round_id,
           jsonb_build_object('v', $6::int, 'type', 'bet.placed', 'betId', bet.id::text, 'roundId', bet.round_id::text,
                              'userId', bet.user_id::text),
           bet.request_id
    FROM bet RETURNING id)
  SELECT (SELECT status FROM round) AS round_status, (SELECT sides FROM round) AS round_sides,
         (SELECT id FROM wallet) AS wallet_id, bet.*
  FROM (SELECT 1) AS one LEFT JOIN bet ON true`;

function placementRefusal(checks: PlacementChecks, roundId: bigint, side: string): AppError {
  if (checks.round_status === null) return appError('NOT_FOUND', `No round ${roundId}`);
  if (checks.round_status !== 'OPEN')
    return appError('ROUND_NOT_OPEN', `Round ${roundId} is ${checks.round_status}`);
  if (checks.wallet_id === null) return appError('FORBIDDEN', 'Only players with a wallet can bet');
  const sides = checks.round_sides ?? [];
  if (!sides.includes(side)) return appError('INVALID_SIDE', `Side must be one of ${sides.join(', ')}`);
  return appError('ROUND_NOT_OPEN', `Round ${roundId} has no escrow account`);
}

export type BetOperation =
  | { type: 'placeBet'; userId: bigint; roundId: bigint; side: string; amount: bigint }
  | { type: 'cancelBet'; userId: bigint; betId: bigint };

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
    await lockRoundShared(client, op.roundId);
    // One statement (so one round trip) after the lock: it sees any close that committed
    // while we waited, and writes the bet, its stake (the wallet guard trigger refuses an
    // overdraft) and its outbox event, or nothing when a check fails.
    const { rows } = await client.query<BetRow & PlacementChecks>(PLACE_BET, [
      op.roundId,
      op.userId,
      op.side,
      op.amount,
      ctx.requestId ?? null,
      EVENT_VERSION,
    ]);
    const row = rows[0]!;
    if (row.id === null) throw placementRefusal(row, op.roundId, op.side);
    const bet: BetRow = row;
    return { status: 202, body: betJson(bet) };
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
      debitAccountId: await roundEscrowId(client, bet.round_id),
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
