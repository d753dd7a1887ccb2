// Settlement in chunks of players (migration 0007): a plan cuts a SETTLING round's players into
// user-id ranges, each chunk is one transaction that pays the players of its range
// (settlement-set.ts, one statement) and marks the chunk settled in the same commit, and a last
// transaction sets the round SETTLED after asserting paid + commission == staked - cancelled,
// which the escrow trigger checks again at commit (I6, docs/invariants.md). Chunks hold the round
// row FOR SHARE, so a void (FOR UPDATE) is strictly before or after each of them.
import type { Queryable } from '../db/pool.ts';
import { faultPause } from '../faults.ts';
import type { ChunkRange } from './quarantine.ts';
import { markSettled } from './round-lifecycle.ts';
import { assertSettlementBalances } from './settlement-rule.ts';
import { settleChunkSet } from './settlement-set.ts';
import type { SettledRound } from './settlement-writes.ts';

/** Players per settlement chunk unless SETTLE_CHUNK_PLAYERS says otherwise. */
export const DEFAULT_CHUNK_PLAYERS = 2000;

// Players cut into ranges of at most $2 by user id; the primary key makes a second plan a no-op.
// The players are numbered in user-id order in one pass (rn), and only the first and last of
// each range (and the round's last player) are grouped: grouping all of them by chunk sorted a
// million rows on disk (2.9 s at a million players, against 1.6 s now). The distinct players
// come from sorting, not hashing: a hash of a million ids spilled to disk in 85 batches.
const PLAN = `
  WITH u AS (
    SELECT user_id, row_number() OVER w - 1 AS rn, lead(user_id) OVER w IS NULL AS final
    FROM (SELECT DISTINCT user_id FROM bets WHERE round_id = $1) d
    WINDOW w AS (ORDER BY user_id)),
  edges AS (SELECT user_id, rn FROM u WHERE rn % $2 = 0 OR rn % $2 = $2 - 1 OR final)
  INSERT INTO settlement_chunks (round_id, chunk, first_user_id, last_user_id, players)
  SELECT $1, rn / $2, min(user_id), max(user_id), max(rn) - min(rn) + 1 FROM edges GROUP BY rn / $2
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
    await db.query('SET LOCAL enable_hashagg = off');
    const planned = await db.query(PLAN, [roundId, chunkPlayers]);
    await db.query('RESET enable_hashagg');
    // A round nobody bet on has no chunks and nothing in escrow: it is finished at once.
    if ((planned.rowCount ?? 0) > 0) return { kind: 'planned', roundId, chunks: planned.rowCount ?? 0 };
  }
  await markSettled(db, roundId);
  const totals = await db.query<{
    players: number;
    bets: number;
    commission: bigint;
    paid: bigint;
    staked: bigint;
    cancelled: bigint;
  }>(
    `SELECT count(*)::int AS players, coalesce(sum(commission), 0)::bigint AS commission,
       coalesce(sum(received), 0)::bigint AS paid, b.bets, b.staked, b.cancelled
     FROM round_settlements,
       (SELECT count(*)::int AS bets, coalesce(sum(amount), 0)::bigint AS staked,
          coalesce(sum(cancelled_amount), 0)::bigint AS cancelled
        FROM bets WHERE round_id = $1) b
     WHERE round_id = $1 GROUP BY b.bets, b.staked, b.cancelled`,
    [roundId],
  );
  const t = totals.rows[0] ?? { players: 0, bets: 0, commission: 0n, paid: 0n, staked: 0n, cancelled: 0n };
  // Every chunk together pays out exactly the escrow (the escrow trigger checks it again at commit).
  assertSettlementBalances(`round ${roundId}`, t);
  const { staked: _staked, cancelled: _cancelled, ...counts } = t;
  return {
    kind: 'final',
    seconds: plan.seconds,
    settled: { roundId, outcome: 'SETTLED', ...counts, userIds: [], betResults: [] },
  };
}

/**
 * Settles one chunk of a SETTLING round: its players' rows and transfers, its bets' results,
 * and the chunk marked settled, in the caller's transaction. The caller holds the chunk's row
 * lock. Undefined when the round is no longer SETTLING (voided first).
 */
export async function settleChunkInDb(
  db: Queryable,
  c: ChunkRange,
  withBets = false,
): Promise<SettledRound | undefined> {
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
  const settled = await settleChunkSet(db, {
    roundId: c.roundId,
    firstUserId: c.firstUserId,
    lastUserId: c.lastUserId,
    result: round.result,
    rakeBps: round.rake_bps,
    withBets,
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
