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
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
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

export async function storeResponse(
  db: Queryable,
  claim: IdempotencyClaim,
  response: StoredResponse,
): Promise<void> {
  await db.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (scope, key) DO UPDATE SET status_code = EXCLUDED.status_code, response = EXCLUDED.response
     WHERE idempotency_keys.request_hash = EXCLUDED.request_hash`,
    [claim.scope, claim.key, claim.requestHash, response.status, JSON.stringify(response.body)],
  );
}
