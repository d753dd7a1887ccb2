// The round's own SQL: opening and closing a round, and reading rounds. Its status writes are in
// round-lifecycle.ts; this computes what goes with them: the hash a round publishes as it opens,
// the seed it reveals as it closes (result fixed by the HMAC rule, re-checked by a trigger), and
// the plain reads (getRound, currentRound, listRounds, roundTotals). Seeds are derived in process
// (seed-chains.ts); the database holds none before its reveal.
import type { Queryable } from '../db/pool.ts';
import { ensureRoundEscrow } from '../ledger/accounts.ts';
import { roundOutcome, seedHash } from './fairness.ts';
import type { SeedChainRow, SeedChains } from './seed-chains.ts';
import { roundStateLock } from './locks.ts';
import { oneRow } from '../db/rows.ts';
import { insertOpenRound, markClosed, type RoundRow, type RoundStatus } from './round-lifecycle.ts';

/** Rounds committed to at once by one hash chain (about 3.5 days of 30-second rounds). */
export const CHAIN_LENGTH = 10_000;

export interface RoundTerms {
  sides: readonly [string, string];
  rakeBps: bigint;
  roundSeconds: number;
  /** The game configuration version these terms are (the database checks they match). */
  configVersion?: number;
}

/** A round's seed cannot be derived by this process (see SeedChains.seedFor). */
export class SeedUnavailableError extends Error {
  constructor(
    readonly roundId: bigint,
    message: string,
  ) {
    super(message);
    this.name = 'SeedUnavailableError';
  }
}

/** The chain a round belongs to: the newest one starting at or before it, if the round is within it. */
export async function chainOfRound(db: Queryable, roundId: bigint): Promise<SeedChainRow | undefined> {
  const { rows } = await db.query<SeedChainRow>(
    `SELECT id, first_round_id, length, commitment, nonce FROM seed_chains
     WHERE first_round_id <= $1 ORDER BY first_round_id DESC LIMIT 1`,
    [roundId],
  );
  const chain = rows[0];
  return chain && roundId < chain.first_round_id + BigInt(chain.length) ? chain : undefined;
}

const keyProblem = (seeds: SeedChains, chain: SeedChainRow): string =>
  chain.nonce === null
    ? `chain ${chain.id} was made before migration 0016 and its seeds for later rounds were deleted`
    : `chain ${chain.id} (from round ${chain.first_round_id}) was not made with this process's fairness key (${seeds.source})`;

/**
 * The seed of a round not revealed yet: kept by migration 0016 for a round open then, else
 * derived from its chain. Null when neither is possible (the key is lost or wrong).
 */
export async function unrevealedSeed(
  db: Queryable,
  roundId: bigint,
  seeds: SeedChains,
): Promise<{ seed: string | null; problem: string }> {
  const kept = await db.query<{ seed: string }>('SELECT seed FROM legacy_round_seeds WHERE round_id = $1', [
    roundId,
  ]);
  if (kept.rows[0]) return { seed: kept.rows[0].seed, problem: '' };
  const chain = await chainOfRound(db, roundId);
  if (!chain) return { seed: null, problem: `no seed chain covers round ${roundId}` };
  const seed = seeds.seedFor(chain, roundId);
  return { seed, problem: seed === null ? keyProblem(seeds, chain) : '' };
}

/**
 * The hash a round publishes as it opens. Within a chain it is sha256 of the round's derived
 * seed, which is the seed the previous round revealed (the database checks that). A new chain
 * (and its public commitment) starts when there is none, the last is used up, or the last can no
 * longer continue: made before 0016, or its previous round was voided without revealing its seed
 * (the key was lost). Otherwise a process whose key did not make the chain is refused.
 */
export async function openingHash(db: Queryable, roundId: bigint, seeds: SeedChains): Promise<string> {
  const chain = await chainOfRound(db, roundId);
  if (chain) {
    const seed = seeds.seedFor(chain, roundId);
    const previous = await db.query<{ status: RoundStatus; server_seed: string | null }>(
      'SELECT status, server_seed FROM rounds WHERE id = $1',
      [roundId - 1n],
    );
    const prior = previous.rows[0];
    if (seed !== null && (roundId === chain.first_round_id || prior?.server_seed)) return seedHash(seed);
    if (roundId === chain.first_round_id) {
      throw new SeedUnavailableError(roundId, `round ${roundId} cannot open: ${keyProblem(seeds, chain)}`);
    }
    // The database lets a chain end early only then too (seed_chains_start in 0016).
    const mayEnd = chain.nonce === null || !prior || prior.status === 'VOID';
    if (!mayEnd) {
      throw new SeedUnavailableError(
        roundId,
        `round ${roundId} cannot open: ${keyProblem(seeds, chain)}, and round ${roundId - 1n} is ${prior.status}, so the chain cannot end early: restore ${seeds.source}`,
      );
    }
  }
  const fresh = seeds.newChain(CHAIN_LENGTH);
  await db.query(
    'INSERT INTO seed_chains (first_round_id, length, commitment, nonce) VALUES ($1, $2, $3, $4)',
    [roundId, CHAIN_LENGTH, fresh.commitment, fresh.nonce],
  );
  return fresh.commitment;
}

/**
 * Why this process's key cannot go on with the newest chain, or null when it can (or the chain
 * predates 0016 and simply ends at the next round): said once at start, before rounds are voided.
 */
export async function fairnessKeyProblem(db: Queryable, seeds: SeedChains): Promise<string | null> {
  const { rows } = await db.query<SeedChainRow>(
    'SELECT id, first_round_id, length, commitment, nonce FROM seed_chains ORDER BY first_round_id DESC LIMIT 1',
  );
  const chain = rows[0];
  if (!chain || chain.nonce === null || seeds.seedFor(chain, chain.first_round_id) !== null) return null;
  return `${keyProblem(seeds, chain)}: its open round will be voided at close and a new chain started`;
}

export async function openRound(db: Queryable, terms: RoundTerms, seeds: SeedChains): Promise<RoundRow> {
  const next = await db.query<{ id: bigint }>('SELECT coalesce(max(id), 0) + 1 AS id FROM rounds');
  const id = oneRow(next, 'the next round id').id;
  const hash = await openingHash(db, id, seeds);
  const round = await insertOpenRound(db, {
    id,
    sides: terms.sides,
    rakeBps: terms.rakeBps,
    hash,
    roundSeconds: terms.roundSeconds,
    configVersion: terms.configVersion ?? null,
  });
  await ensureRoundEscrow(db, id);
  return round;
}

/**
 * Closes an OPEN round: waits for bets in flight (exclusive state lock), reveals the seed and
 * fixes the result it gives. Returns false when the round was not OPEN; throws
 * SeedUnavailableError when this process cannot derive the seed (the round can only be voided).
 */
export async function closeRound(db: Queryable, roundId: bigint, seeds: SeedChains): Promise<boolean> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [roundStateLock(roundId)]);
  const { rows } = await db.query<{ sides: string[] }>(
    `SELECT sides FROM rounds WHERE id = $1 AND status = 'OPEN'`,
    [roundId],
  );
  const round = rows[0];
  if (!round) return false;
  const { seed, problem } = await unrevealedSeed(db, roundId, seeds);
  if (seed === null) {
    throw new SeedUnavailableError(roundId, `round ${roundId} cannot reveal its seed: ${problem}`);
  }
  const { result } = roundOutcome(seed, roundId, round.sides);
  await markClosed(db, roundId, seed, result);
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
