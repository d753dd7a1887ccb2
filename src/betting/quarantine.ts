// Rounds whose close-out keeps failing (migration 0006): each failed final pass or settlement step is counted
// against its round, the settle worker takes the round with the fewest failures first, and a
// round that failed QUARANTINE_AFTER times is set aside until an operator retries or voids it.
// Every query about quarantine lives here, so the worker, the meter and the admin routes agree.
import type { Queryable } from '../db/pool.ts';

/** Failed settlements after which a round is set aside for an operator. */
export const QUARANTINE_AFTER = 5;

/** The SETTLING rounds that are set aside (as a FROM clause, for lists and counts). */
export const QUARANTINED_ROUNDS = `settlement_failures f JOIN rounds r ON r.id = f.round_id
  WHERE f.quarantined_at IS NOT NULL AND r.status IN ('CLOSED', 'SETTLING')`;

// The next CLOSED round for its final matching pass, in the same order as settlement.
const NEXT_CLOSED = `
  SELECT r.id FROM rounds r LEFT JOIN settlement_failures f ON f.round_id = r.id
  WHERE r.status = 'CLOSED' AND f.quarantined_at IS NULL
  ORDER BY coalesce(f.failures, 0), r.id
  LIMIT 1 FOR UPDATE OF r SKIP LOCKED`;

// Rounds settle in chunks of players (migration 0007). The next chunk to settle: of a round
// not quarantined, the fewest failures first, then the oldest round and its first chunk, so a
// round that keeps failing goes to the back of the line instead of blocking it. SKIP LOCKED
// lets several workers share one round's chunks.
const NEXT_CHUNK = `
  SELECT c.round_id, c.chunk, c.first_user_id, c.last_user_id
  FROM settlement_chunks c JOIN rounds r ON r.id = c.round_id
  LEFT JOIN settlement_failures f ON f.round_id = c.round_id
  WHERE c.settled_at IS NULL AND r.status = 'SETTLING' AND f.quarantined_at IS NULL
  ORDER BY coalesce(f.failures, 0), c.round_id, c.chunk
  LIMIT 1 FOR UPDATE OF c SKIP LOCKED`;

// The next round to plan (no chunks yet) or to finish (every chunk settled), in the same order.
// A round with a chunk still unsettled, or being settled by another worker, is not one of them.
const NEXT_ROUND = `
  SELECT r.id FROM rounds r LEFT JOIN settlement_failures f ON f.round_id = r.id
  WHERE r.status = 'SETTLING' AND f.quarantined_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM settlement_chunks c WHERE c.round_id = r.id AND c.settled_at IS NULL)
  ORDER BY coalesce(f.failures, 0), r.id
  LIMIT 1 FOR UPDATE OF r SKIP LOCKED`;

const RECORD_FAILURE = `
  INSERT INTO settlement_failures AS f (round_id, failures, last_error)
  VALUES ($1, 1, $2)
  ON CONFLICT (round_id) DO UPDATE SET
    failures = f.failures + 1, last_error = $2, last_failed_at = now(),
    quarantined_at = CASE WHEN f.failures + 1 >= $3 THEN now() END
  RETURNING failures, quarantined_at IS NOT NULL AS quarantined`;

export interface ChunkRange {
  roundId: bigint;
  chunk: number;
  firstUserId: bigint;
  lastUserId: bigint;
}

/** Locks and returns the next unsettled chunk of a round in line (SKIP LOCKED), or undefined. */
export async function claimNextChunk(db: Queryable): Promise<ChunkRange | undefined> {
  const { rows } = await db.query<{
    round_id: bigint;
    chunk: number;
    first_user_id: bigint;
    last_user_id: bigint;
  }>(NEXT_CHUNK);
  const c = rows[0];
  return (
    c && { roundId: c.round_id, chunk: c.chunk, firstUserId: c.first_user_id, lastUserId: c.last_user_id }
  );
}

/** Whether a SETTLING round not set aside is left (claimable now or held by another transaction). */
export async function roundsLeftToSettle(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ left: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM rounds r LEFT JOIN settlement_failures f ON f.round_id = r.id
                    WHERE r.status = 'SETTLING' AND f.quarantined_at IS NULL) AS left`,
  );
  return rows[0]?.left === true;
}

/** Locks and returns the next CLOSED round for its final pass (SKIP LOCKED), or undefined. */
export async function claimNextClosedRound(db: Queryable): Promise<bigint | undefined> {
  const { rows } = await db.query<{ id: bigint }>(NEXT_CLOSED);
  return rows[0]?.id;
}

/** Locks and returns the next round to plan or finish (SKIP LOCKED), or undefined. */
export async function claimNextSettlingRound(db: Queryable): Promise<bigint | undefined> {
  const { rows } = await db.query<{ id: bigint }>(NEXT_ROUND);
  return rows[0]?.id;
}

/**
 * A step of the round succeeded: its count of failures starts again, so scattered transient
 * failures over a round of hundreds of chunks never add up to a quarantine. A quarantined
 * round stays quarantined until an operator retries it.
 */
export async function forgetFailures(db: Queryable, roundId: bigint): Promise<void> {
  await db.query('DELETE FROM settlement_failures WHERE round_id = $1 AND quarantined_at IS NULL', [roundId]);
}

/** Counts a failed settlement of the round; quarantines it at QUARANTINE_AFTER. */
export async function recordSettlementFailure(
  db: Queryable,
  roundId: bigint,
  error: string,
): Promise<{ failures: number; quarantined: boolean }> {
  const { rows } = await db.query<{ failures: number; quarantined: boolean }>(RECORD_FAILURE, [
    roundId,
    error,
    QUARANTINE_AFTER,
  ]);
  const row = rows[0];
  if (!row) throw new Error(`recording a settlement failure of round ${roundId} returned no row`);
  return row;
}

export interface QuarantinedRound {
  roundId: bigint;
  failures: number;
  lastError: string;
  lastFailedAt: Date;
  quarantinedAt: Date;
}

export async function listQuarantined(db: Queryable): Promise<QuarantinedRound[]> {
  const { rows } = await db.query<{
    round_id: bigint;
    failures: number;
    last_error: string;
    last_failed_at: Date;
    quarantined_at: Date;
  }>(
    `SELECT f.round_id, f.failures, f.last_error, f.last_failed_at, f.quarantined_at
     FROM ${QUARANTINED_ROUNDS} ORDER BY f.round_id`,
  );
  return rows.map((r) => ({
    roundId: r.round_id,
    failures: r.failures,
    lastError: r.last_error,
    lastFailedAt: r.last_failed_at,
    quarantinedAt: r.quarantined_at,
  }));
}

/** Puts a quarantined CLOSED or SETTLING round back in line (its failure count starts again); false if it was not quarantined. */
export async function releaseQuarantined(db: Queryable, roundId: bigint): Promise<boolean> {
  const { rowCount } = await db.query(
    `DELETE FROM settlement_failures f USING rounds r
     WHERE f.round_id = $1 AND r.id = f.round_id AND r.status IN ('CLOSED', 'SETTLING')
       AND f.quarantined_at IS NOT NULL`,
    [roundId],
  );
  return rowCount === 1;
}
