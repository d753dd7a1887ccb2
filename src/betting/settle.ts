// Settlement and void in the database. A round settles in chunks of players (migration 0007):
// a plan cuts its players into user-id ranges, each chunk is one transaction that pays the
// players of its range and marks the chunk settled in the same commit, and a last transaction
// sets the round SETTLED, which the escrow trigger refuses unless the escrow is empty (I6).
// Each (round, player) gets one round_settlements row and at most one payout and one
// commission transfer, all under unique keys (I5), whichever worker or chunk writes them.
// Chunks hold the round row FOR SHARE, so a void (FOR UPDATE) either goes first, and the
// chunks then find the round VOID, or waits and finds settlement begun and refuses.
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { faultPause } from '../faults.ts';
import { roundEscrowId, systemAccountId } from '../ledger/accounts.ts';
import { roundStateLock } from './locks.ts';
import type { ChunkRange } from './quarantine.ts';
import { settleBooked, voidRound, type RoundSettlement, type SettleBet } from './settlement.ts';

/** Players per settlement chunk unless SETTLE_CHUNK_PLAYERS says otherwise. */
export const DEFAULT_CHUNK_PLAYERS = 2000;

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

type LoadedBet = SettleBet & { matched: bigint; requestId: string | null };

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

// The players of a chunk's range, through bets_by_round_user.
const chunkBets = (db: Queryable, c: ChunkRange) =>
  loadBets(
    db,
    `SELECT ${BET_COLUMNS} FROM bets WHERE round_id = $1 AND user_id BETWEEN $2 AND $3 ORDER BY user_id, id`,
    [c.roundId, c.firstUserId, c.lastUserId],
  );

const ALL_USERS = { first: 0n, last: 9_223_372_036_854_775_807n };

/** Writes a computed settlement: per-player rows and transfers, per-bet results. */
async function record(
  db: Queryable,
  roundId: bigint,
  outcome: 'SETTLED' | 'VOID',
  s: RoundSettlement,
  actorId: bigint | null,
  loaded: LoadedBet[],
  users: { first: bigint; last: bigint },
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
  // Each wallet is looked up by its index (a scalar subquery is never hashed): a join lets the
  // planner hash every wallet when its statistics lag a sudden million players.
  await db.query(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, actor_id)
     SELECT $1, w.wallet, w.r, $2, w.u, $3, $4 FROM (
       SELECT p.u, p.r, (SELECT a.id FROM accounts a WHERE a.kind = 'player' AND a.user_id = p.u) AS wallet
       FROM unnest($5::bigint[], $6::bigint[]) AS p(u, r) WHERE p.r > 0) w
     ORDER BY w.wallet`,
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
  // Bounded by the chunk's user range too: whatever plan the statistics suggest, it reads no
  // more than the chunk's bets (a hash join over the whole round made each chunk O(round)).
  await db.query(
    `UPDATE bets b SET status = $2, payout = x.payout, refund = x.refund, settled_at = now()
     FROM unnest($3::bigint[], $4::bigint[], $5::bigint[]) AS x(id, payout, refund)
     WHERE b.id = x.id AND b.round_id = $1 AND b.user_id BETWEEN $6 AND $7 AND b.status <> 'CANCELLED'`,
    [
      roundId,
      outcome,
      s.bets.map((b) => b.betId),
      s.bets.map((b) => b.payout),
      s.bets.map((b) => b.refund),
      users.first,
      users.last,
    ],
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

// Players cut into ranges of at most $2 by user id; the primary key makes a second plan a no-op.
const PLAN = `
  INSERT INTO settlement_chunks (round_id, chunk, first_user_id, last_user_id, players)
  SELECT $1, chunk, min(user_id), max(user_id), count(*)
  FROM (SELECT user_id, (row_number() OVER (ORDER BY user_id) - 1) / $2 AS chunk
        FROM (SELECT DISTINCT user_id FROM bets WHERE round_id = $1) u) p
  GROUP BY chunk
  ON CONFLICT DO NOTHING`;

export type RoundStep =
  | { kind: 'planned'; roundId: bigint; chunks: number }
  | { kind: 'final'; settled: SettledRound; seconds: number };

/**
 * The step of a SETTLING round with no chunk left to settle, under its row lock (FOR UPDATE):
 * plans its chunks when it has none yet, else sets it SETTLED. Undefined when the round is not
 * SETTLING (someone else finished it, or it was voided) or a chunk is still unsettled.
 */
export async function planOrFinish(
  db: Queryable,
  roundId: bigint,
  chunkPlayers: number,
): Promise<RoundStep | undefined> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1 FOR UPDATE', [
    roundId,
  ]);
  if (rows[0]?.status !== 'SETTLING') return undefined;
  const chunks = await db.query<{ chunks: number; pending: number; seconds: number }>(
    `SELECT count(*)::int AS chunks, count(*) FILTER (WHERE settled_at IS NULL)::int AS pending,
       coalesce(extract(epoch FROM now() - min(planned_at)), 0)::float8 AS seconds
     FROM settlement_chunks WHERE round_id = $1`,
    [roundId],
  );
  const plan = chunks.rows[0] ?? { chunks: 0, pending: 0, seconds: 0 };
  if (plan.pending > 0) return undefined;
  if (plan.chunks === 0) {
    const planned = await db.query(PLAN, [roundId, chunkPlayers]);
    // A round nobody bet on has no chunks and nothing in escrow: it is finished at once.
    if ((planned.rowCount ?? 0) > 0) return { kind: 'planned', roundId, chunks: planned.rowCount ?? 0 };
  }
  await db.query(`UPDATE rounds SET status = 'SETTLED', settled_at = now() WHERE id = $1`, [roundId]);
  await db.query('SELECT round_totals_fold($1)', [roundId]);
  const totals = await db.query<{ players: number; bets: number; commission: bigint; paid: bigint }>(
    `SELECT count(*)::int AS players, coalesce(sum(commission), 0)::bigint AS commission,
       coalesce(sum(received), 0)::bigint AS paid,
       (SELECT count(*)::int FROM bets WHERE round_id = $1) AS bets
     FROM round_settlements WHERE round_id = $1`,
    [roundId],
  );
  const t = totals.rows[0] ?? { players: 0, bets: 0, commission: 0n, paid: 0n };
  return {
    kind: 'final',
    seconds: plan.seconds,
    settled: { roundId, outcome: 'SETTLED', ...t, userIds: [], betResults: [] },
  };
}

/**
 * Settles one chunk of a SETTLING round: its players' rows and transfers, its bets' results,
 * and the chunk marked settled, in the caller's transaction. The caller holds the chunk's row
 * lock. Undefined when the round is no longer SETTLING (voided first).
 */
export async function settleChunkInDb(db: Queryable, c: ChunkRange): Promise<SettledRound | undefined> {
  // No wait for the WAL flush at this commit. A chunk lost to a crash after committing is
  // simply settled again (same plan, same unique keys), and WAL is flushed in order, so
  // anything made durable later (a stake spending the payout, the round's SETTLED) makes this
  // chunk durable first. The hundreds of chunk commits of a big round then wait for no fsync.
  await db.query('SET LOCAL synchronous_commit = off');
  const { rows } = await db.query<{ status: string; result: string | null; rake_bps: bigint }>(
    'SELECT status, result, rake_bps FROM rounds WHERE id = $1 FOR SHARE',
    [c.roundId],
  );
  const round = rows[0];
  if (!round || round.status !== 'SETTLING' || round.result === null) return undefined;
  const bets = await chunkBets(db, c);
  const s = settleBooked({ result: round.result, rakeBps: round.rake_bps, bets });
  const settled = await record(db, c.roundId, 'SETTLED', s, null, bets, {
    first: c.firstUserId,
    last: c.lastUserId,
  });
  await faultPause('settle', () =>
    process.stdout.write(
      `fault: paused settling round ${c.roundId} chunk ${c.chunk} with transfers written\n`,
    ),
  );
  await db.query('UPDATE settlement_chunks SET settled_at = now() WHERE round_id = $1 AND chunk = $2', [
    c.roundId,
    c.chunk,
  ]);
  return { ...settled, chunk: c.chunk };
}

/**
 * Settles chunk `chunk` of a round, waiting for its row lock (no SKIP LOCKED): a second caller
 * waits for the first and then finds the chunk settled (undefined).
 */
export async function settleChunkById(
  db: Queryable,
  roundId: bigint,
  chunk: number,
): Promise<SettledRound | undefined> {
  const { rows } = await db.query<{ first_user_id: bigint; last_user_id: bigint }>(
    `SELECT first_user_id, last_user_id FROM settlement_chunks
     WHERE round_id = $1 AND chunk = $2 AND settled_at IS NULL FOR UPDATE`,
    [roundId, chunk],
  );
  const c = rows[0];
  if (!c) return undefined;
  return settleChunkInDb(db, { roundId, chunk, firstUserId: c.first_user_id, lastUserId: c.last_user_id });
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
  const voided = await record(db, roundId, 'VOID', voidRound(bets), actorId, bets, ALL_USERS);
  // The seed is revealed too, so anyone can still check the commitment.
  await db.query(
    `UPDATE rounds r SET status = 'VOID', voided_at = now(), voided_by = $2,
       server_seed = coalesce(r.server_seed, (SELECT seed FROM round_seeds WHERE round_id = r.id))
     WHERE id = $1`,
    [roundId, actorId],
  );
  await db.query('SELECT round_totals_fold($1)', [roundId]);
  return voided;
}
