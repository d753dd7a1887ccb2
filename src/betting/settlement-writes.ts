// Voiding a round in the database (the pure rule that computes it is settlement-rule.ts), and the
// shape of a settled or voided result. Each (round, player) gets one round_settlements row and at
// most one payout and one commission transfer, all under unique keys (I5), whichever worker,
// chunk or void writes them. Settlement's chunks are written by settlement-set.ts (one statement
// each) and driven by settlement-chunks.ts; a void (round row FOR UPDATE) either
// goes before the chunks, which then find the round VOID, or finds settlement begun and refuses.
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { ensureRoundEscrow } from '../ledger/accounts.ts';
import { roundStateLock } from './locks.ts';
import { markVoid, type VoidReason } from './round-lifecycle.ts';
import { unrevealedSeed } from './rounds.ts';
import type { SeedChains } from './seed-chains.ts';
import { voidRound, type RoundSettlement, type SettleBet } from './settlement-rule.ts';

export interface SettledRound {
  roundId: bigint;
  /** The chunk this result pays, for a chunk; absent for a whole round (void, or the final step). */
  chunk?: number;
  outcome: 'SETTLED' | 'VOID';
  players: number;
  bets: number;
  commission: bigint;
  paid: bigint;
  /** Players whose money moved, for balance events. */
  userIds: bigint[];
  /** Each bet's result, with the request id that placed it (for the audit trail in the logs). */
  betResults: { betId: string; userId: string; requestId: string | null; payout: bigint; refund: bigint }[];
}

export type LoadedBet = SettleBet & { matched: bigint; requestId: string | null };

const BET_COLUMNS = 'id, user_id, side, amount, cancelled_amount, matched_amount, request_id';

async function loadBets(db: Queryable, sql: string, params: unknown[]): Promise<LoadedBet[]> {
  const { rows } = await db.query<{
    id: bigint;
    user_id: bigint;
    side: string;
    amount: bigint;
    cancelled_amount: bigint;
    matched_amount: bigint;
    request_id: string | null;
  }>(sql, params);
  return rows.map((b) => ({
    id: b.id.toString(),
    playerId: b.user_id.toString(),
    side: b.side,
    amount: b.amount,
    cancelled: b.cancelled_amount,
    matched: b.matched_amount,
    requestId: b.request_id,
  }));
}

const roundBets = (db: Queryable, roundId: bigint) =>
  loadBets(db, `SELECT ${BET_COLUMNS} FROM bets WHERE round_id = $1 ORDER BY id`, [roundId]);

/**
 * Writes a void computed by the rule (voidRound): per-player rows, the refund transfers and the
 * bets' results, for the whole round. Settlement's chunks are written by settlement-set.ts.
 */
async function recordVoid(
  db: Queryable,
  roundId: bigint,
  s: RoundSettlement,
  actorId: bigint | null,
  loaded: LoadedBet[],
): Promise<SettledRound> {
  const players = s.players;
  const userIds = players.map((p) => p.playerId);
  await db.query(
    `INSERT INTO round_settlements (round_id, user_id, outcome, staked, net, commission, received)
     SELECT $1, u, 'VOID', st, n, c, r FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
       AS p(u, st, n, c, r)`,
    [
      roundId,
      userIds,
      players.map((p) => p.staked),
      players.map((p) => p.net),
      players.map((p) => p.commission),
      players.map((p) => p.received),
    ],
  );
  const escrow = await ensureRoundEscrow(db, roundId);
  // One statement, so the ledger's statement triggers run once. Wallets in account order, so two
  // statements touching the same players lock them alike. Each wallet is looked up by its index
  // (a scalar subquery is never hashed): a join lets the planner hash every wallet when its
  // statistics lag a sudden million players. A void charges no commission.
  await db.query(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, actor_id)
     SELECT $1::bigint, w.wallet, w.r, 'void_refund', w.u, $2::bigint, $3::bigint FROM (
       SELECT p.u, p.r, (SELECT a.id FROM accounts a WHERE a.kind = 'player' AND a.user_id = p.u) AS wallet
       FROM unnest($4::bigint[], $5::bigint[]) AS p(u, r) WHERE p.r > 0) w
     ORDER BY w.wallet`,
    [escrow, roundId, actorId, userIds, players.map((p) => p.received)],
  );
  await db.query(
    `UPDATE bets b SET status = 'VOID', payout = x.payout, refund = x.refund, settled_at = now()
     FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS x(id, payout, refund)
     WHERE b.id = x.id AND b.round_id = $1 AND b.status <> 'CANCELLED'`,
    [roundId, s.bets.map((b) => b.betId), s.bets.map((b) => b.payout), s.bets.map((b) => b.refund)],
  );
  return {
    roundId,
    outcome: 'VOID',
    players: players.length,
    bets: s.bets.length,
    commission: s.houseCommission,
    paid: players.reduce((sum, p) => sum + p.received, 0n),
    userIds: players.map((p) => BigInt(p.playerId)),
    betResults: s.bets.map((b, i) => ({
      betId: b.betId,
      userId: b.playerId,
      requestId: loaded[i]?.requestId ?? null,
      payout: b.payout,
      refund: b.refund,
    })),
  };
}

/**
 * Voids a round not yet settled: every stake back in full, no commission. `reason` says why
 * when no operator asked for it (the interruption rule, a lost fairness key).
 */
export async function voidRoundInDb(
  db: Queryable,
  roundId: bigint,
  actorId: bigint | null,
  seeds: SeedChains,
  reason?: VoidReason,
): Promise<SettledRound> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [roundStateLock(roundId)]);
  const { rows } = await db.query<{ status: string; server_seed: string | null }>(
    'SELECT status, server_seed FROM rounds WHERE id = $1 FOR UPDATE',
    [roundId],
  );
  const round = rows[0];
  if (!round) throw appError('NOT_FOUND', `No round ${roundId}`);
  if (round.status === 'SETTLED' || round.status === 'VOID') {
    throw appError('ROUND_NOT_VOIDABLE', `Round ${roundId} is already ${round.status}`);
  }
  // Chunks already paid cannot be unwound by a void: the round's settlement is finished instead.
  const begun = await db.query<{ settled: number; chunks: number }>(
    `SELECT count(*) FILTER (WHERE settled_at IS NOT NULL)::int AS settled, count(*)::int AS chunks
     FROM settlement_chunks WHERE round_id = $1`,
    [roundId],
  );
  const plan = begun.rows[0];
  if (plan && plan.settled > 0) {
    throw appError(
      'ROUND_NOT_VOIDABLE',
      `Round ${roundId} is being settled (${plan.settled} of ${plan.chunks} chunks paid); retry its settlement instead`,
    );
  }
  const bets = await roundBets(db, roundId);
  const voided = await recordVoid(db, roundId, voidRound(bets), actorId, bets);
  // The seed is revealed too, so anyone can still check the commitment; a seed this process
  // cannot derive (the key is lost) stays unrevealed, and the next round starts a new chain.
  const seed = round.server_seed ?? (await unrevealedSeed(db, roundId, seeds)).seed;
  await markVoid(db, roundId, { actorId, seed, reason });
  return voided;
}
