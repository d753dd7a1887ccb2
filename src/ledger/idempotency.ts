// I8: a money-moving request carries an Idempotency-Key, scoped per caller. The key row is
// inserted in the same transaction as the money movement, so a concurrent replay waits on
// the unique key and then sees the stored response; a replay with another body is refused.
import { createHash } from 'node:crypto';
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

/** The advisory-lock space of idempotency keys (migration 0028's trigger takes the same locks). */
const KEY_LOCKS = 1768842355;

// Each key's lock, in one order (so two batches claiming the same keys cannot deadlock).
const LOCK_KEYS = `
  SELECT pg_advisory_xact_lock(${KEY_LOCKS}, l)
  FROM (SELECT DISTINCT colorbet_idempotency_lock(scope, key) AS l
        FROM unnest($1::text[], $2::text[]) AS c(scope, key) ORDER BY 1) locks`;

// Under the keys' locks, in one snapshot taken after them: the keys some day already holds, and
// the others inserted into today's partition.
const CLAIM_KEYS = `
  WITH c AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS c(scope, key, request_hash)),
  found AS (
    SELECT k.scope, k.key, k.request_hash, k.status_code, k.response
    FROM idempotency_keys k JOIN c USING (scope, key)),
  claimed AS (
    INSERT INTO idempotency_keys (scope, key, request_hash)
    SELECT scope, key, request_hash FROM c
    WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.scope = c.scope AND f.key = c.key)
    ORDER BY scope, key
    ON CONFLICT (day, scope, key) DO NOTHING
    RETURNING scope, key)
  SELECT true AS mine, scope, key, NULL::text AS request_hash, NULL::integer AS status_code, NULL::jsonb AS response
  FROM claimed
  UNION ALL
  SELECT false, scope, key, request_hash, status_code, response FROM found`;

/**
 * Claims many keys in two statements. The claims must be distinct (scope, key) pairs. Keys are
 * kept in one partition per day (migration 0028), so the key's uniqueness across days rests on
 * its advisory lock: the first statement takes the locks of every key in one order (a concurrent
 * claimer of one of them waits until the other commits or rolls back), and the second, whose
 * snapshot is taken after the locks, reads the keys already held and inserts the others.
 */
export async function claimKeys(db: Queryable, claims: readonly IdempotencyClaim[]): Promise<ClaimResult[]> {
  if (claims.length === 0) return [];
  const scopes = claims.map((c) => c.scope);
  const keys = claims.map((c) => c.key);
  await db.query({ name: 'idempotency-lock', text: LOCK_KEYS, values: [scopes, keys] });
  const { rows } = await db.query<{
    mine: boolean;
    scope: string;
    key: string;
    request_hash: string | null;
    status_code: number | null;
    response: unknown;
  }>({
    name: 'idempotency-claim',
    text: CLAIM_KEYS,
    values: [scopes, keys, claims.map((c) => c.requestHash)],
  });
  const mine = new Set(rows.filter((r) => r.mine).map(claimId));
  const found = new Map(rows.filter((r) => !r.mine).map((r) => [claimId(r), r]));
  return claims.map((c): ClaimResult => {
    if (mine.has(claimId(c))) return { claimed: true };
    const row = found.get(claimId(c));
    if (!row) return { claimed: false, error: appError('IDEMPOTENCY_IN_PROGRESS') };
    if (row.request_hash !== c.requestHash)
      return { claimed: false, error: appError('IDEMPOTENCY_CONFLICT') };
    if (row.status_code === null) return { claimed: false, error: appError('IDEMPOTENCY_IN_PROGRESS') };
    return { claimed: false, stored: { status: row.status_code, body: row.response } };
  });
}

/** Records the answers on keys this transaction claimed, in one statement; none may be missing. */
export async function storeResponses(
  db: Queryable,
  answers: readonly { claim: IdempotencyClaim; response: StoredResponse }[],
): Promise<void> {
  if (answers.length === 0) return;
  const { rowCount } = await db.query({
    name: 'idempotency-answers',
    text: `UPDATE idempotency_keys k SET status_code = a.status, response = a.response
     FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[]) AS a(scope, key, status, response)
     WHERE k.day = colorbet_day(now()) AND k.scope = a.scope AND k.key = a.key AND k.status_code IS NULL`,
    values: [
      answers.map((a) => a.claim.scope),
      answers.map((a) => a.claim.key),
      answers.map((a) => a.response.status),
      answers.map((a) => JSON.stringify(a.response.body)),
    ],
  });
  if (rowCount !== answers.length) {
    throw new Error(
      `stored ${rowCount} of ${answers.length} idempotency answers: a key was not claimed by this transaction`,
    );
  }
}

/**
 * Drops the days of keys whose every key is older than `retentionHours` (migration 0028: one
 * partition per UTC day), and returns how many days and (estimated) keys left. A retry after
 * that long is a new request: callers are told the retention (README). A key is kept at least
 * `retentionHours` and at most a day more.
 */
export async function dropExpiredIdempotencyDays(
  db: Queryable,
  retentionHours: number,
): Promise<{ days: number; keys: number }> {
  const { rows } = await db.query<{ day: number; keys: string }>(
    'SELECT day, keys FROM colorbet_drop_idempotency_days($1)',
    [retentionHours],
  );
  return { days: rows.length, keys: rows.reduce((n, r) => n + Number(r.keys), 0) };
}
