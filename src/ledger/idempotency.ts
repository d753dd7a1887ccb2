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

/**
 * Claims many keys in two statements at most. The claims must be distinct (scope, key) pairs.
 * They are inserted in key order, so two batches claiming the same keys wait on each other in
 * one order and cannot deadlock. Keys already present are read in a second statement, whose
 * fresh snapshot sees a concurrent claimer's answer once it has committed.
 */
export async function claimKeys(db: Queryable, claims: readonly IdempotencyClaim[]): Promise<ClaimResult[]> {
  if (claims.length === 0) return [];
  const inserted = await db.query<{ scope: string; key: string }>({
    name: 'idempotency-claim',
    text: `INSERT INTO idempotency_keys (scope, key, request_hash)
     SELECT scope, key, request_hash FROM unnest($1::text[], $2::text[], $3::text[]) AS c(scope, key, request_hash)
     ORDER BY scope, key
     ON CONFLICT (scope, key) DO NOTHING
     RETURNING scope, key`,
    values: [claims.map((c) => c.scope), claims.map((c) => c.key), claims.map((c) => c.requestHash)],
  });
  const mine = new Set(inserted.rows.map(claimId));
  const others = claims.filter((c) => !mine.has(claimId(c)));
  const found = new Map<string, { request_hash: string; status_code: number | null; response: unknown }>();
  if (others.length) {
    const { rows } = await db.query<{
      scope: string;
      key: string;
      request_hash: string;
      status_code: number | null;
      response: unknown;
    }>(
      `SELECT k.scope, k.key, k.request_hash, k.status_code, k.response
       FROM idempotency_keys k JOIN unnest($1::text[], $2::text[]) AS c(scope, key) USING (scope, key)`,
      [others.map((c) => c.scope), others.map((c) => c.key)],
    );
    for (const r of rows) found.set(claimId(r), r);
  }
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
     WHERE k.scope = a.scope AND k.key = a.key AND k.status_code IS NULL`,
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
 * Deletes at most `limit` keys older than `retentionHours` and returns how many it deleted.
 * A retry after that long is a new request: callers are told the retention (README).
 */
export async function pruneIdempotencyKeys(
  db: Queryable,
  retentionHours: number,
  limit: number,
): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2))`,
    [retentionHours, limit],
  );
  return rowCount ?? 0;
}
