// Round life cycle: the only statements that write a round's status. The database allows
//
//   OPEN -> CLOSED -> SETTLING -> SETTLED,   and VOID from OPEN, CLOSED or SETTLING
//
// (rounds_guard refuses anything else as round_status_transition, docs/invariants.md). Each
// transition below is the write alone; its caller decides when it is due and holds its locks
// (lock order in docs/architecture.md):
//   open      rounds.ts openRound                  scheduler, under the scheduler session lock
//   close     rounds.ts closeRound                 exclusive round state lock (waits for bets in flight)
//   settling  workers/final-pass.ts                rounds row FOR UPDATE SKIP LOCKED, round match lock
//   settled   settlement-chunks.ts planOrFinish    rounds row FOR UPDATE, every chunk settled
//   void      settlement-writes.ts voidRoundInDb   exclusive round state lock, rounds row FOR UPDATE
// A final round (SETTLED or VOID) has its round_totals deltas folded in the same transaction.
// Every write must find its round (the caller holds its row or its state lock): none found is a
// MissingRowError naming the transition, never a silent no-op.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';

export type RoundStatus = 'OPEN' | 'CLOSED' | 'SETTLING' | 'SETTLED' | 'VOID';

/** Why a round was voided without an operator (migration 0020); null for an operator's void. */
export type VoidReason = 'interrupted' | 'seed_unavailable';

export interface RoundRow {
  id: bigint;
  status: RoundStatus;
  sides: string[];
  rake_bps: bigint;
  server_seed_hash: string;
  server_seed: string | null;
  result: string | null;
  opens_at: Date;
  closes_at: Date;
  closed_at: Date | null;
  settled_at: Date | null;
  voided_at: Date | null;
  /** The game configuration version it opened under (migration 0020); null before it. */
  config_version: number | null;
  void_reason: VoidReason | null;
}

export interface OpeningRound {
  id: bigint;
  sides: readonly string[];
  rakeBps: bigint;
  /** The hash it publishes (the database checks it is the one its chain commits it to). */
  hash: string;
  roundSeconds: number;
  configVersion: number | null;
}

/** OPEN: the round row, its seed hidden and its hash published. */
export async function insertOpenRound(db: Queryable, r: OpeningRound): Promise<RoundRow> {
  const { rows } = await db.query<RoundRow>(
    `INSERT INTO rounds (id, status, sides, rake_bps, server_seed_hash, opens_at, closes_at, config_version)
     VALUES ($1, 'OPEN', $2, $3, $4, now(), now() + make_interval(secs => $5), $6) RETURNING *`,
    [r.id, r.sides, r.rakeBps, r.hash, r.roundSeconds, r.configVersion],
  );
  return oneRow(rows, `round ${r.id} just opened`);
}

/** OPEN -> CLOSED: the seed revealed and the result it gives (rounds_guard checks both). */
export async function markClosed(
  db: Queryable,
  roundId: bigint,
  seed: string,
  result: string,
): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `UPDATE rounds SET status = 'CLOSED', closed_at = now(), server_seed = $2, result = $3 WHERE id = $1
     RETURNING id`,
    [roundId, seed, result],
  );
  oneRow(rows, `round ${roundId} to close`);
}

/** CLOSED -> SETTLING: the book is complete; settlement may plan its chunks. */
export async function markSettling(db: Queryable, roundId: bigint): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `UPDATE rounds SET status = 'SETTLING' WHERE id = $1 RETURNING id`,
    [roundId],
  );
  oneRow(rows, `round ${roundId} to move to SETTLING`);
}

/** SETTLING -> SETTLED, and the round's totals folded to one row per side. */
export async function markSettled(db: Queryable, roundId: bigint): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `UPDATE rounds SET status = 'SETTLED', settled_at = now() WHERE id = $1 RETURNING id`,
    [roundId],
  );
  oneRow(rows, `round ${roundId} to settle`);
  await db.query('SELECT round_totals_fold($1)', [roundId]);
}

/**
 * OPEN, CLOSED or SETTLING -> VOID, revealing `seed` when known (null keeps it hidden: the key
 * is lost), and the round's totals folded to one row per side.
 */
export async function markVoid(
  db: Queryable,
  roundId: bigint,
  v: { actorId: bigint | null; seed: string | null; reason?: VoidReason | undefined },
): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `UPDATE rounds SET status = 'VOID', voided_at = now(), voided_by = $2, server_seed = $3, void_reason = $4
     WHERE id = $1 RETURNING id`,
    [roundId, v.actorId, v.seed, v.reason ?? null],
  );
  oneRow(rows, `round ${roundId} to void`);
  await db.query('SELECT round_totals_fold($1)', [roundId]);
  // A voided round books nothing more: its bets leave the matcher's queue.
  await db.query('DELETE FROM unbooked_bets WHERE round_id = $1', [roundId]);
}
