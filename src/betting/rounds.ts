// Round life cycle in the database: open (seed committed first), close (seed revealed, result
// fixed by the HMAC rule, re-checked by a trigger), and reads for the API.
import type { Queryable } from '../db/pool.ts';
import { roundEscrowId } from '../ledger/accounts.ts';
import { buildSeedChain, chainCommitment, newTerminalSeed, roundOutcome, seedHash } from './fairness.ts';
import { roundStateLock } from './locks.ts';

/** Rounds committed to at once by one hash chain (about 3.5 days of 30-second rounds). */
export const CHAIN_LENGTH = 10_000;

export type RoundStatus = 'OPEN' | 'CLOSED' | 'SETTLING' | 'SETTLED' | 'VOID';

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
}

export interface RoundTerms {
  sides: readonly [string, string];
  rakeBps: bigint;
  roundSeconds: number;
}

/** The seed hash for a round, making a new hash chain (and its public commitment) when the last one is used up. */
export async function committedSeedHash(db: Queryable, roundId: bigint): Promise<string> {
  const found = await db.query<{ seed_hash: string }>(
    'SELECT seed_hash FROM round_seeds WHERE round_id = $1',
    [roundId],
  );
  if (found.rows[0]) return found.rows[0].seed_hash;
  const seeds = buildSeedChain(newTerminalSeed(), CHAIN_LENGTH);
  const chain = await db.query<{ id: bigint }>(
    'INSERT INTO seed_chains (first_round_id, length, commitment) VALUES ($1, $2, $3) RETURNING id',
    [roundId, CHAIN_LENGTH, chainCommitment(seeds)],
  );
  await db.query(
    `INSERT INTO round_seeds (round_id, chain_id, seed, seed_hash)
     SELECT $1::bigint + i - 1, $2, s.seed, s.hash FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS s(seed, hash, i)`,
    [roundId, chain.rows[0]!.id, seeds, seeds.map(seedHash)],
  );
  return seedHash(seeds[0]!);
}

export async function openRound(db: Queryable, terms: RoundTerms): Promise<RoundRow> {
  const next = await db.query<{ id: bigint }>('SELECT coalesce(max(id), 0) + 1 AS id FROM rounds');
  const id = next.rows[0]!.id;
  const hash = await committedSeedHash(db, id);
  const { rows } = await db.query<RoundRow>(
    `INSERT INTO rounds (id, status, sides, rake_bps, server_seed_hash, opens_at, closes_at)
     VALUES ($1, 'OPEN', $2, $3, $4, now(), now() + make_interval(secs => $5)) RETURNING *`,
    [id, terms.sides, terms.rakeBps, hash, terms.roundSeconds],
  );
  await roundEscrowId(db, id);
  return rows[0]!;
}

/**
 * Closes an OPEN round: waits for bets in flight (exclusive state lock), reveals the seed and
 * fixes the result it gives. Returns false when the round was not OPEN.
 */
export async function closeRound(db: Queryable, roundId: bigint): Promise<boolean> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [roundStateLock(roundId)]);
  const { rows } = await db.query<{ seed: string; sides: string[] }>(
    `SELECT s.seed, r.sides FROM rounds r JOIN round_seeds s ON s.round_id = r.id WHERE r.id = $1 AND r.status = 'OPEN'`,
    [roundId],
  );
  const round = rows[0];
  if (!round) return false;
  const { result } = roundOutcome(round.seed, roundId, round.sides);
  await db.query(
    `UPDATE rounds SET status = 'CLOSED', closed_at = now(), server_seed = $2, result = $3 WHERE id = $1`,
    [roundId, round.seed, result],
  );
  return true;
}

export async function getRound(db: Queryable, roundId: bigint): Promise<RoundRow | undefined> {
  const { rows } = await db.query<RoundRow>('SELECT * FROM rounds WHERE id = $1', [roundId]);
  return rows[0];
}

/** The OPEN round, else the newest one. */
export async function currentRound(db: Queryable): Promise<RoundRow | undefined> {
  const { rows } = await db.query<RoundRow>(
    `SELECT * FROM rounds ORDER BY (status = 'OPEN') DESC, id DESC LIMIT 1`,
  );
  return rows[0];
}

export async function listRounds(
  db: Queryable,
  before: bigint | undefined,
  limit: number,
): Promise<RoundRow[]> {
  const { rows } = await db.query<RoundRow>('SELECT * FROM rounds WHERE id < $1 ORDER BY id DESC LIMIT $2', [
    before ?? BigInt(Number.MAX_SAFE_INTEGER),
    limit,
  ]);
  return rows;
}

export interface SideTotals {
  matched: bigint;
  unmatched: bigint;
  bets: bigint;
}

export async function roundTotals(
  db: Queryable,
  roundId: bigint,
  sides: readonly string[],
): Promise<Record<string, SideTotals>> {
  // The round's delta rows of round_totals (migration 0008): one per placement batch and
  // matching pass while it runs, one per side once it is final; never the bets themselves.
  const { rows } = await db.query<{ side: string; matched: bigint; unmatched: bigint; bets: bigint }>(
    `SELECT side, sum(matched)::bigint AS matched, sum(staked - matched - cancelled)::bigint AS unmatched,
            sum(bets)::bigint AS bets
     FROM round_totals WHERE round_id = $1 GROUP BY side`,
    [roundId],
  );
  const totals: Record<string, SideTotals> = {};
  for (const side of sides) totals[side] = { matched: 0n, unmatched: 0n, bets: 0n };
  for (const r of rows) totals[r.side] = { matched: r.matched, unmatched: r.unmatched, bets: r.bets };
  return totals;
}
