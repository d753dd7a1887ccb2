// I8: a money-moving request carries an Idempotency-Key, scoped per caller. The key row is
// inserted in the same transaction as the money movement, so a concurrent replay waits on
// the unique key and then sees the stored response; a replay with another body is refused.
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';

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

/**
 * Claims the key for this transaction. Returns the stored response when the key was already
 * used for the same request, throws IDEMPOTENCY_CONFLICT when it was used for another.
 */
export async function claimKey(db: Queryable, claim: IdempotencyClaim): Promise<StoredResponse | undefined> {
  const inserted = await db.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (scope, key) DO NOTHING`,
    [claim.scope, claim.key, claim.requestHash],
  );
  if (inserted.rowCount === 1) return undefined;
  const { rows } = await db.query<{ request_hash: string; status_code: number | null; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
    [claim.scope, claim.key],
  );
  const row = rows[0];
  if (!row) throw appError('IDEMPOTENCY_IN_PROGRESS');
  if (row.request_hash !== claim.requestHash) throw appError('IDEMPOTENCY_CONFLICT');
  if (row.status_code === null) throw appError('IDEMPOTENCY_IN_PROGRESS');
  return { status: row.status_code, body: row.response };
}

/** Records the answer on the key row this transaction claimed; an answer, once stored, never changes. */
export async function storeResponse(
  db: Queryable,
  claim: IdempotencyClaim,
  response: StoredResponse,
): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE idempotency_keys SET status_code = $3, response = $4
     WHERE scope = $1 AND key = $2 AND status_code IS NULL`,
    [claim.scope, claim.key, response.status, JSON.stringify(response.body)],
  );
  if (rowCount !== 1) throw new Error(`idempotency key ${claim.key} was not claimed by this transaction`);
}
