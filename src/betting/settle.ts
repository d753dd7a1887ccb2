// Settlement and void in the database. Each runs as one transaction holding the round row
// lock, so a void racing a settlement sees either the settled round (and refuses) or wins
// outright. Each (round, player) gets one round_settlements row and at most one payout and
// one commission transfer, all under unique keys (I5); at commit a trigger checks that the
// round's escrow is empty (I6).
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { faultPause } from '../faults.ts';
import { roundEscrowId, systemAccountId } from '../ledger/accounts.ts';
import { roundStateLock } from './locks.ts';
import { settleRound, voidRound, type RoundSettlement, type SettleBet } from './settlement.ts';

export interface SettledRound {
  roundId: bigint;
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

type LoadedBet = SettleBet & { requestId: string | null };

async function loadBets(db: Queryable, roundId: bigint): Promise<LoadedBet[]> {
  const { rows } = await db.query<{
    id: bigint;
    user_id: bigint;
    side: string;
    amount: bigint;
    cancelled_amount: bigint;
    request_id: string | null;
  }>(
    'SELECT id, user_id, side, amount, cancelled_amount, request_id FROM bets WHERE round_id = $1 ORDER BY id',
    [roundId],
  );
  return rows.map((b) => ({
    id: b.id.toString(),
    playerId: b.user_id.toString(),
    side: b.side,
    amount: b.amount,
    cancelled: b.cancelled_amount,
    requestId: b.request_id,
  }));
}

/** Writes a computed settlement: per-player rows and transfers, per-bet results. */
async function record(
  db: Queryable,
  roundId: bigint,
  outcome: 'SETTLED' | 'VOID',
  s: RoundSettlement,
  actorId: bigint | null,
  loaded: LoadedBet[],
): Promise<SettledRound> {
  const players = s.players;
  const userIds = players.map((p) => p.playerId);
  await db.query(
    `INSERT INTO round_settlements (round_id, user_id, outcome, staked, net, commission, received)
     SELECT $1, u, $2, st, n, c, r FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
       AS p(u, st, n, c, r)`,
    [
      roundId,
      outcome,
      userIds,
      players.map((p) => p.staked),
      players.map((p) => p.net),
      players.map((p) => p.commission),
      players.map((p) => p.received),
    ],
  );
  const escrow = await roundEscrowId(db, roundId);
  const house = await systemAccountId(db, 'house');
  // Wallets in account order, so two settlements touching the same players lock them alike.
  await db.query(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, actor_id)
     SELECT $1, a.id, p.r, $2, p.u, $3, $4
     FROM unnest($5::bigint[], $6::bigint[]) AS p(u, r) JOIN accounts a ON a.kind = 'player' AND a.user_id = p.u
     WHERE p.r > 0 ORDER BY a.id`,
    [
      escrow,
      outcome === 'SETTLED' ? 'settlement' : 'void_refund',
      roundId,
      actorId,
      userIds,
      players.map((p) => p.received),
    ],
  );
  if (outcome === 'SETTLED') {
    await db.query(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id)
       SELECT $1, $2, c, 'commission', u, $3 FROM unnest($4::bigint[], $5::bigint[]) AS p(u, c) WHERE c > 0`,
      [escrow, house, roundId, userIds, players.map((p) => p.commission)],
    );
  }
  await db.query(
    `UPDATE bets b SET status = $2, payout = x.payout, refund = x.refund, settled_at = now()
     FROM unnest($3::bigint[], $4::bigint[], $5::bigint[]) AS x(id, payout, refund)
     WHERE b.id = x.id AND b.round_id = $1 AND b.status <> 'CANCELLED'`,
    [roundId, outcome, s.bets.map((b) => b.betId), s.bets.map((b) => b.payout), s.bets.map((b) => b.refund)],
  );
  return {
    roundId,
    outcome,
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

/** Settles a round in status SETTLING. Returns undefined when it is not (someone else did it, or it was voided). */
export async function settleRoundInDb(db: Queryable, roundId: bigint): Promise<SettledRound | undefined> {
  const { rows } = await db.query<{ status: string; result: string | null; rake_bps: bigint }>(
    'SELECT status, result, rake_bps FROM rounds WHERE id = $1 FOR UPDATE',
    [roundId],
  );
  const round = rows[0];
  if (!round || round.status !== 'SETTLING' || round.result === null) return undefined;
  const bets = await loadBets(db, roundId);
  const matches = await db.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
    'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id',
    [roundId],
  );
  const s = settleRound({
    result: round.result,
    rakeBps: round.rake_bps,
    bets,
    matches: matches.rows.map((m) => ({
      betId: m.bet_id.toString(),
      againstId: m.against_bet_id.toString(),
      amount: m.amount,
    })),
  });
  const settled = await record(db, roundId, 'SETTLED', s, null, bets);
  await faultPause('settle', () =>
    process.stdout.write(`fault: paused settling round ${roundId} with transfers written\n`),
  );
  await db.query(`UPDATE rounds SET status = 'SETTLED', settled_at = now() WHERE id = $1`, [roundId]);
  return settled;
}

/** Voids a round not yet settled: every stake back in full, no commission. */
export async function voidRoundInDb(
  db: Queryable,
  roundId: bigint,
  actorId: bigint | null,
): Promise<SettledRound> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [roundStateLock(roundId)]);
  const { rows } = await db.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1 FOR UPDATE', [
    roundId,
  ]);
  const round = rows[0];
  if (!round) throw appError('NOT_FOUND', `No round ${roundId}`);
  if (round.status === 'SETTLED' || round.status === 'VOID') {
    throw appError('ROUND_NOT_VOIDABLE', `Round ${roundId} is already ${round.status}`);
  }
  const bets = await loadBets(db, roundId);
  const voided = await record(db, roundId, 'VOID', voidRound(bets), actorId, bets);
  // The seed is revealed too, so anyone can still check the commitment.
  await db.query(
    `UPDATE rounds r SET status = 'VOID', voided_at = now(), voided_by = $2,
       server_seed = coalesce(r.server_seed, (SELECT seed FROM round_seeds WHERE round_id = r.id))
     WHERE id = $1`,
    [roundId, actorId],
  );
  return voided;
}
