// Bet placement for many bets at once, inside the caller's transaction, in three statements
// whatever the number of bets. Each bet gets its own answer; a refused bet writes nothing and
// never fails its neighbours, because every check is decided before anything is written.
//
//   1. LOCK_ROUNDS   the rounds' state locks, shared (a close or void waits; bets do not).
//   2. READ_STATE    the rounds (status, sides, escrow) and the players' wallet guards, the
//                    guards locked FOR UPDATE in account order, so two runs of bets always
//                    lock wallets in one order. Other operations in a batch (deposits,
//                    withdrawals, cancels, voids) lock wallets in arrival order, so mixed
//                    batches can still deadlock: PostgreSQL detects it and withTransaction
//                    retries the batch (40P01); nothing is applied twice.
//   3. decide        in arrival order, per bet, refusals in this order of precedence:
//                    LIMIT_EXCEEDED (amount outside the round's minBet..maxBet: those of the
//                    configuration version it opened under, else MIN_BET..MAX_BET), NOT_FOUND (no round),
//                    ROUND_NOT_OPEN, FORBIDDEN (no player wallet), INVALID_SIDE,
//                    ROUND_NOT_OPEN (no escrow), SELF_EXCLUDED, TIMED_OUT, LIMIT_REACHED (player
//                    protection, read after the guards are locked, only when a player of the batch
//                    has a protection row: ledger/protection.ts), SUSPENDED, EXPOSURE_CAP
//                    (bet-restrictions.ts), INSUFFICIENT_FUNDS (against the
//                    guard less the stakes of this player's earlier bets in the batch).
//   4. INSERT_BETS   bets, their stake transfers and their unbooked_bets rows (the matcher's
//                    queue, migration 0030) for the accepted bets, ids in arrival order, and
//                    one outbox event per round of the batch naming its bets (the match worker
//                    needs only the round; one event per bet cost a row written at placement
//                    and a row deleted by the matcher for every bet). The wallet guard trigger
//                    still checks every stake: it cannot refuse here, and if it ever did the
//                    whole batch would roll back.
//
// Statement 2 runs after statement 1 returns, so it sees any close that committed while the
// lock was awaited (READ COMMITTED takes a new snapshot per statement).
import type { PoolClient } from '../db/pool.ts';
import { AppError, appError } from '../errors.ts';
import { protectionRefusal, readProtectionRoom } from '../ledger/protection.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import { EVENT_VERSION } from '../outbox/outbox.ts';
import { betRestrictions } from './bet-restrictions.ts';
import { betJson, type BetRow } from './bets.ts';
import { roundStateLock } from './locks.ts';

export interface BetLimits {
  minBet: bigint;
  maxBet: bigint;
  /** MAX_EXPOSURE_PER_ROUND: a player's stakes in one round, at most (0 or absent: no cap). */
  maxExposurePerRound?: bigint;
}

export interface PlaceBet {
  type: 'placeBet';
  userId: bigint;
  roundId: bigint;
  side: string;
  amount: bigint;
}

const LOCK_ROUNDS = `SELECT pg_advisory_xact_lock_shared(k) FROM unnest($1::bigint[]) AS k ORDER BY k`;

const READ_STATE = `
  WITH guards AS (
    SELECT a.user_id, a.id AS wallet_id, g.balance
    FROM accounts a JOIN wallet_guard g ON g.account_id = a.id
    WHERE a.kind = 'player' AND a.user_id = ANY ($2::bigint[])
    ORDER BY a.id
    FOR UPDATE OF g)
  SELECT 'round' AS kind, r.id, r.status, r.sides, e.id AS account_id, NULL::bigint AS balance,
         g.min_bet, g.max_bet, NULL::boolean AS protected, NULL::boolean AS suspended
  FROM rounds r LEFT JOIN accounts e ON e.kind = 'escrow' AND e.round_id = r.id
  LEFT JOIN game_config g ON g.version = r.config_version
  WHERE r.id = ANY ($1::bigint[])
  UNION ALL
  SELECT 'wallet', user_id, NULL, NULL, wallet_id, balance, NULL, NULL,
         EXISTS (SELECT 1 FROM player_protection p WHERE p.user_id = guards.user_id),
         EXISTS (SELECT 1 FROM account_suspensions s WHERE s.user_id = guards.user_id)
  FROM guards`;

const INSERT_BETS = `
  WITH input AS (
    SELECT nextval(pg_get_serial_sequence('bets', 'id')) AS id, s.*
    FROM (SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[],
                               $7::bigint[], $8::bigint[])
            AS u(ord, round_id, user_id, side, amount, request_id, wallet_id, escrow_id)
          ORDER BY ord) AS s),
  bet AS (
    INSERT INTO bets (id, round_id, user_id, side, amount, request_id)
    SELECT id, round_id, user_id, side, amount, request_id FROM input ORDER BY ord
    RETURNING *),
  stake AS (
    INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, bet_id, request_id)
    SELECT wallet_id, escrow_id, amount, 'stake', user_id, round_id, id, request_id FROM input ORDER BY ord),
  unbooked AS (
    INSERT INTO unbooked_bets (round_id, bet_id) SELECT round_id, id FROM input),
  event AS (
    INSERT INTO outbox (topic, partition_key, payload, request_id)
    SELECT 'bet', round_id,
           jsonb_build_object('v', $9::int, 'type', 'bets.placed', 'roundId', round_id::text,
                              'betIds', jsonb_agg(id::text ORDER BY id)),
           CASE WHEN count(*) = 1 THEN min(request_id) END
    FROM input GROUP BY round_id ORDER BY round_id)
  SELECT input.ord, bet.* FROM bet JOIN input USING (id)`;

interface RoundState {
  status: string;
  sides: string[];
  escrowId: bigint | null;
  /** The limits of the round's configuration version (migration 0020); absent for older rounds. */
  limits: BetLimits | undefined;
}

export interface BetItem {
  op: PlaceBet;
  ctx: OperationContext;
}

function refusal(
  item: PlaceBet,
  fallback: BetLimits,
  round: RoundState | undefined,
  walletId: bigint | undefined,
): AppError | undefined {
  // A round's own version decides, never a newer one; the environment only for older rounds.
  const limits = round?.limits ?? fallback;
  if (item.amount < limits.minBet || item.amount > limits.maxBet) {
    return appError('LIMIT_EXCEEDED', `A bet is between ${limits.minBet} and ${limits.maxBet}`, {
      minBet: Number(limits.minBet),
      maxBet: Number(limits.maxBet),
    });
  }
  if (!round) return appError('NOT_FOUND', `No round ${item.roundId}`);
  if (round.status !== 'OPEN') return appError('ROUND_NOT_OPEN', `Round ${item.roundId} is ${round.status}`);
  if (walletId === undefined) return appError('FORBIDDEN', 'Only players with a wallet can bet');
  if (!round.sides.includes(item.side))
    return appError('INVALID_SIDE', `Side must be one of ${round.sides.join(', ')}`);
  if (round.escrowId === null)
    return appError('ROUND_NOT_OPEN', `Round ${item.roundId} has no escrow account`);
  return undefined;
}

/** Places the bets in arrival order; one answer (a 202 result or a refusal) per bet. */
export async function placeBets(
  client: PoolClient,
  items: readonly BetItem[],
  limits: BetLimits,
): Promise<(OperationResult | AppError)[]> {
  const roundIds = [...new Set(items.map((i) => i.op.roundId))];
  const userIds = [...new Set(items.map((i) => i.op.userId))];
  // Named statements: PostgreSQL parses and plans each once per connection, not once per batch.
  await client.query({ name: 'bets-lock-rounds', text: LOCK_ROUNDS, values: [roundIds.map(roundStateLock)] });
  const state = await client.query<{
    kind: 'round' | 'wallet';
    id: bigint;
    status: string | null;
    sides: string[] | null;
    account_id: bigint | null;
    balance: bigint | null;
    min_bet: bigint | null;
    max_bet: bigint | null;
    protected: boolean | null;
    suspended: boolean | null;
  }>({ name: 'bets-read-state', text: READ_STATE, values: [roundIds, userIds] });
  const rounds = new Map<bigint, RoundState>();
  const wallets = new Map<bigint, { walletId: bigint; available: bigint; staked: bigint }>();
  const protectedUsers: bigint[] = [];
  const suspendedUsers = new Set<bigint>();
  for (const r of state.rows) {
    if (r.kind === 'round') {
      rounds.set(r.id, {
        status: r.status ?? '',
        sides: r.sides ?? [],
        escrowId: r.account_id,
        limits:
          r.min_bet !== null && r.max_bet !== null ? { minBet: r.min_bet, maxBet: r.max_bet } : undefined,
      });
    } else if (r.account_id !== null && r.balance !== null) {
      wallets.set(r.id, { walletId: r.account_id, available: r.balance, staked: 0n });
      if (r.protected) protectedUsers.push(r.id);
      if (r.suspended) suspendedUsers.add(r.id);
    }
  }

  // A second statement, so it sees every stake that committed while the guards were awaited.
  const protection = protectedUsers.length ? await readProtectionRoom(client, protectedUsers) : undefined;
  const restrictions = await betRestrictions(
    client,
    suspendedUsers,
    userIds,
    roundIds,
    limits.maxExposurePerRound,
  );
  const answers: (OperationResult | AppError | undefined)[] = [];
  const accepted: { ord: number; item: BetItem; walletId: bigint; escrowId: bigint }[] = [];
  for (const [ord, item] of items.entries()) {
    const round = rounds.get(item.op.roundId);
    const wallet = wallets.get(item.op.userId);
    const refused =
      refusal(item.op, limits, round, wallet?.walletId) ??
      protectionRefusal(protection?.get(item.op.userId), 'bet', item.op.amount, wallet?.staked) ??
      restrictions.check(item.op);
    if (refused || !wallet || !round?.escrowId) {
      answers.push(refused ?? appError('INTERNAL'));
    } else if (wallet.available < item.op.amount) {
      answers.push(appError('INSUFFICIENT_FUNDS'));
    } else {
      wallet.available -= item.op.amount;
      wallet.staked += item.op.amount;
      restrictions.accept(item.op);
      accepted.push({ ord, item, walletId: wallet.walletId, escrowId: round.escrowId });
      answers.push(undefined);
    }
  }
  if (accepted.length) {
    const { rows } = await client.query<BetRow & { ord: number }>({
      name: 'bets-insert',
      text: INSERT_BETS,
      values: [
        accepted.map((a) => a.ord),
        accepted.map((a) => a.item.op.roundId),
        accepted.map((a) => a.item.op.userId),
        accepted.map((a) => a.item.op.side),
        accepted.map((a) => a.item.op.amount),
        accepted.map((a) => a.item.ctx.requestId ?? null),
        accepted.map((a) => a.walletId),
        accepted.map((a) => a.escrowId),
        EVENT_VERSION,
      ],
    });
    if (rows.length !== accepted.length) {
      throw new Error(`placed ${rows.length} of ${accepted.length} accepted bets`);
    }
    for (const row of rows) answers[row.ord] = { status: 202, body: betJson(row) };
  }
  return answers.map((a, ord) => {
    if (a === undefined) throw new Error(`accepted bet ${ord} of the batch has no row`);
    return a;
  });
}
