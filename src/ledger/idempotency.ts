// I8: a money-moving request carries an Idempotency-Key, scoped per caller. The key row is
// inserted in the same transaction as the money movement, so a concurrent replay waits on
// the unique key and then sees the stored response; a replay with another body is refused.
import { createHash } from 'node:crypto';
import { dayOfKey } from '../db/partitions.ts';
import type { Queryable } from '../db/pool.ts';
import { AppError, appError } from '../errors.ts';

export interface IdempotencyClaim {
  scope: string;
  key: string;
  requestHash: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** A stable hash of what the request asks for, so a replay with different content is caught. */
export function requestFingerprint(parts: unknown): string {
  return createHash('sha256').update(stableJson(parts, 0)).digest('hex');
}

const MAX_DEPTH = 32;

function stableJson(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH)
    throw appError('VALIDATION', `The request body is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(typeof value === 'bigint' ? value.toString() : value) ?? 'null';
}

/** One key's identity across callers' scopes, for telling two uses of a key apart in memory. */
export const claimId = (c: { scope: string; key: string }): string => `${c.scope}\u0000${c.key}`;

/** What a claim found: the key is this transaction's now, or a stored answer, or a refusal. */
export type ClaimResult =
  { claimed: true } | { claimed: false; stored: StoredResponse } | { claimed: false; error: AppError };

/**
 * The clock of claims: a claim's day is the UTC day of this clock when it is made. Tests set it
 * (setIdempotencyClock) to claim on either side of midnight; production uses the system clock.
 */
let clock: () => number = () => Date.now();

/** For tests: claims made from now on read this clock (milliseconds since the epoch). */
export function setIdempotencyClock(now: (() => number) | undefined): void {
  clock = now ?? (() => Date.now());
}

const DAY_MS = 86_400_000;

/** A day as PostgreSQL's date text, `days` after the UTC day of `ms` (the partitions' day key). */
const dayOf = (ms: number, days = 0): string => dayOfKey(BigInt(Math.floor(ms / DAY_MS) + days));

let retentionHours = 24;

/**
 * IDEMPOTENCY_RETENTION_HOURS, for claims: past 24 hours a claim also looks for its key in the
 * days before yesterday (the shadow in today's partition covers yesterday's keys only).
 */
export function setIdempotencyRetentionHours(hours: number): void {
  retentionHours = hours;
}

/** Claims near the end of their UTC day also look for a claim already made on the next day. */
const NEAR_MIDNIGHT_MS = 3_600_000;

/** The day a batch claimed its keys in: storeResponses answers them in that day's partition. */
export type ClaimDay = string;

// One statement. The real rows go into the claim's day $4 (a key already there, as a real row
// or as yesterday's shadow, is someone's); the shadows into $4 + 1, only for keys whose real row
// went in. A key already claimed on a day of $5 (days before yesterday when the retention is
// longer than a day; tomorrow near midnight) is not inserted. Rows go in key order, so two
// batches claiming the same keys wait on each other in one order and cannot deadlock.
const CLAIM_KEYS = `
  WITH c AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS c(scope, key, request_hash)),
  claimed AS (
    INSERT INTO idempotency_keys (day, scope, key, request_hash)
    SELECT $4::date, scope, key, request_hash FROM c
    WHERE cardinality($5::date[]) = 0 OR NOT EXISTS (
      SELECT 1 FROM idempotency_keys o
      WHERE o.day = ANY ($5::date[]) AND o.scope = c.scope AND o.key = c.key AND NOT o.shadow)
    ORDER BY scope, key
    ON CONFLICT (day, scope, key) DO NOTHING
    RETURNING scope, key, request_hash),
  shadowed AS (
    INSERT INTO idempotency_keys (day, scope, key, shadow, request_hash)
    SELECT $4::date + 1, scope, key, true, request_hash FROM claimed
    ORDER BY scope, key
    ON CONFLICT (day, scope, key) DO NOTHING
    RETURNING scope, key)
  SELECT scope, key FROM claimed`;

/**
 * Claims many keys in two statements at most (migration 0028: one partition per UTC day, each
 * key written as a real row in the claim's day and a shadow in the next). The claims must be
 * distinct (scope, key) pairs. Keys someone holds are read in a second statement, whose fresh
 * snapshot sees a concurrent claimer's answer once it has committed: the real row, of today,
 * of yesterday behind today's shadow, of tomorrow (a claimer past midnight) or of older days.
 * A claim whose shadow collides with a claim made on the next day fails the statement (the
 * trigger idempotency_keys_shadowed, SQLSTATE 23505); the batch is retried operation by
 * operation, and the retry, near midnight, finds that claim and answers from it.
 */
export async function claimKeys(
  db: Queryable,
  claims: readonly IdempotencyClaim[],
): Promise<{ day: ClaimDay; results: ClaimResult[] }> {
  const now = clock();
  const day = dayOf(now);
  if (claims.length === 0) return { day, results: [] };
  const olderDays = Array.from({ length: Math.max(0, Math.ceil(retentionHours / 24) - 1) }, (_, i) =>
    dayOf(now, -2 - i),
  );
  const nearMidnight = DAY_MS - (now % DAY_MS) <= NEAR_MIDNIGHT_MS;
  const elsewhere = nearMidnight ? [dayOf(now, 1), ...olderDays] : olderDays;
  // Unnamed, so planned with each call's values and the day partition's current size (see
  // storeResponses for what a cached generic plan did).
  const inserted = await db.query<{ scope: string; key: string }>({
    text: CLAIM_KEYS,
    values: [
      claims.map((c) => c.scope),
      claims.map((c) => c.key),
      claims.map((c) => c.requestHash),
      day,
      elsewhere,
    ],
  });
  const mine = new Set(inserted.rows.map(claimId));
  const others = claims.filter((c) => !mine.has(claimId(c)));
  const found = new Map<string, { request_hash: string; status_code: number | null; response: unknown }>();
  if (others.length) {
    // The latest real row of each key among the days a claim can meet it in.
    const days = [dayOf(now, 1), day, dayOf(now, -1), ...olderDays];
    const { rows } = await db.query<{
      scope: string;
      key: string;
      request_hash: string;
      status_code: number | null;
      response: unknown;
    }>(
      `SELECT DISTINCT ON (k.scope, k.key) k.scope, k.key, k.request_hash, k.status_code, k.response
       FROM idempotency_keys k JOIN unnest($1::text[], $2::text[]) AS c(scope, key) USING (scope, key)
       WHERE k.day = ANY ($3::date[]) AND NOT k.shadow
       ORDER BY k.scope, k.key, k.day DESC`,
      [others.map((c) => c.scope), others.map((c) => c.key), days],
    );
    for (const r of rows) found.set(claimId(r), r);
  }
  const results = claims.map((c): ClaimResult => {
    if (mine.has(claimId(c))) return { claimed: true };
    const row = found.get(claimId(c));
    if (!row) return { claimed: false, error: appError('IDEMPOTENCY_IN_PROGRESS') };
    if (row.request_hash !== c.requestHash)
      return { claimed: false, error: appError('IDEMPOTENCY_CONFLICT') };
    if (row.status_code === null) return { claimed: false, error: appError('IDEMPOTENCY_IN_PROGRESS') };
    return { claimed: false, stored: { status: row.status_code, body: row.response } };
  });
  return { day, results };
}

/**
 * Records the answers on keys this transaction claimed on `day`, in one statement; none may be
 * missing. The UPDATE stays on the primary key of that day's partition.
 */
export async function storeResponses(
  db: Queryable,
  day: ClaimDay,
  answers: readonly { claim: IdempotencyClaim; response: StoredResponse }[],
): Promise<void> {
  if (answers.length === 0) return;
  // Unnamed, so planned with each call's values. As a named statement its generic plan was
  // made while the day's partition was nearly empty and kept for the connection's life: a
  // bitmap scan of the whole day filtered by status_code, 310,000 rows read to answer 500
  // (auto_explain), 350 us a key at a million bets instead of about 50.
  const { rowCount } = await db.query({
    text: `UPDATE idempotency_keys k SET status_code = a.status, response = a.response
     FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[]) AS a(scope, key, status, response)
     WHERE k.day = $5::date AND k.scope = a.scope AND k.key = a.key AND NOT k.shadow AND k.status_code IS NULL`,
    values: [
      answers.map((a) => a.claim.scope),
      answers.map((a) => a.claim.key),
      answers.map((a) => a.response.status),
      answers.map((a) => JSON.stringify(a.response.body)),
      day,
    ],
  });
  if (rowCount !== answers.length) {
    throw new Error(
      `stored ${rowCount} of ${answers.length} idempotency answers: a key was not claimed by this transaction`,
    );
  }
}

/**
 * Drops the day partitions of keys past `retentionHours` (migration 0028), oldest first, and
 * returns which days and the planner's estimate of their rows (real and shadow), or `busy` when
 * the DETACH could not get its lock within half a second (the next sweep tries again). A key is
 * kept at least `retentionHours` and at least a day, and at most a day more. A retry after that
 * long is a new request: callers are told the retention (README).
 */
export async function dropExpiredIdempotencyDays(
  db: Queryable,
  retentionHours: number,
): Promise<{ days: string[]; rows: number; busy: boolean }> {
  try {
    const { rows } = await db.query<{ day: string; row_estimate: bigint }>(
      `SELECT day::text AS day, row_estimate FROM colorbet_drop_idempotency_days($1)`,
      [retentionHours],
    );
    return {
      days: rows.map((r) => r.day),
      rows: rows.reduce((n, r) => n + Number(r.row_estimate), 0),
      busy: false,
    };
  } catch (err) {
    // The DETACH did not get its lock within lock_timeout (the table is busy): next sweep.
    if ((err as { code?: string }).code === '55P03') return { days: [], rows: 0, busy: true };
    throw err;
  }
}
