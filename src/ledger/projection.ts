// The balance projection (I7): account_balance is brought up to date from the ledger in
// batches. Transfers are read in (txid, id) order and only from transactions older than
// every transaction still running, so a transfer that commits late is never skipped; the
// watermark moves in the same transaction as the balances, so nothing is added twice.
import type { Pool, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { oneRow } from '../db/rows.ts';

export interface ProjectionStep {
  applied: number;
  lastEntryId: bigint;
}

export async function projectBatch(pool: Pool, batchSize = 5000): Promise<ProjectionStep> {
  return withTransaction(pool, async (client) => {
    // One projector at a time; others skip rather than queue behind it.
    const state = await client.query<{ last_txid: string; last_id: bigint }>(
      `SELECT last_txid::text, last_id FROM projection_state WHERE name = 'wallet_balance' FOR UPDATE SKIP LOCKED`,
    );
    const from = state.rows[0];
    if (!from) return { applied: 0, lastEntryId: 0n };
    const { rows } = await client.query<{
      applied: bigint;
      last_txid: string | null;
      last_id: bigint | null;
    }>(
      `WITH batch AS (
         SELECT id, txid, debit_account_id, credit_account_id, amount FROM transfers
         WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY txid, id LIMIT $3
       ), deltas AS (
         SELECT account_id, sum(delta)::bigint AS delta, max(id) AS last_id FROM (
           SELECT debit_account_id AS account_id, -amount AS delta, id FROM batch
           UNION ALL
           SELECT credit_account_id, amount, id FROM batch
         ) moves GROUP BY account_id
       ), upserted AS (
         INSERT INTO account_balance AS ab (account_id, balance, last_entry_id, updated_at)
         SELECT account_id, delta, last_id, now() FROM deltas ORDER BY account_id
         ON CONFLICT (account_id) DO UPDATE
           SET balance = ab.balance + EXCLUDED.balance,
               last_entry_id = greatest(ab.last_entry_id, EXCLUDED.last_entry_id),
               updated_at = now()
         RETURNING 1
       ), last AS (SELECT txid, id FROM batch ORDER BY txid DESC, id DESC LIMIT 1)
       SELECT (SELECT count(*) FROM batch) AS applied, (SELECT txid::text FROM last) AS last_txid,
              (SELECT id FROM last) AS last_id, (SELECT count(*) FROM upserted) AS touched`,
      [from.last_txid, from.last_id, batchSize],
    );
    const result = oneRow(rows, 'the projection batch summary');
    if (result.applied === 0n || result.last_txid === null || result.last_id === null) {
      return { applied: 0, lastEntryId: from.last_id };
    }
    await client.query(
      `UPDATE projection_state SET last_txid = $1::xid8, last_id = $2, updated_at = now() WHERE name = 'wallet_balance'`,
      [result.last_txid, result.last_id],
    );
    return { applied: Number(result.applied), lastEntryId: result.last_id };
  });
}

/**
 * Projects until nothing is left that can be projected now, or `maxBatches` batches have been
 * applied (writers that keep up a full batch per call would otherwise keep it going forever);
 * returns the entries applied. The projection worker carries on from where it stopped.
 */
export async function catchUp(pool: Pool, batchSize = 5000, maxBatches = 10_000): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const step = await projectBatch(pool, batchSize);
    total += step.applied;
    if (step.applied < batchSize) break;
  }
  return total;
}

export interface ProjectionLag {
  entries: number;
  seconds: number;
}

/**
 * Entries counted one by one; past this many the lag is estimated from entry ids instead.
 * Counting every unapplied entry cost O(lag) per call (1.7 s at a few hundred thousand entries
 * behind, every second or two, in the million-bet bench) and slowed the very workers it measured.
 */
export const LAG_EXACT_UP_TO = 1000;

/**
 * How far the projection is behind the ledger: entries not yet applied and the age of the
 * oldest. The count is exact up to LAG_EXACT_UP_TO (so "caught up" is exact); above it, it is the
 * number of entry ids past the last one applied, which transfers committing out of id order make
 * approximate. Each part is an index look-up on (txid, id) or the primary key.
 */
export async function projectionLag(db: Queryable): Promise<ProjectionLag> {
  const { rows } = await db.query<{ entries: bigint; oldest: Date | null }>(
    `SELECT CASE WHEN b.counted < $1 THEN b.counted
                 ELSE greatest(b.counted, (SELECT max(id) FROM transfers) - s.last_id) END AS entries,
       (SELECT t.created_at FROM transfers t WHERE (t.txid, t.id) > (s.last_txid, s.last_id)
        ORDER BY t.txid, t.id LIMIT 1) AS oldest
     FROM projection_state s,
       LATERAL (SELECT count(*) AS counted FROM (
         SELECT 1 FROM transfers t WHERE (t.txid, t.id) > (s.last_txid, s.last_id)
         ORDER BY t.txid, t.id LIMIT $1) behind) b
     WHERE s.name = 'wallet_balance'`,
    [LAG_EXACT_UP_TO],
  );
  const row = oneRow(rows, 'the projection lag');
  return {
    entries: Number(row.entries),
    seconds: row.oldest ? Math.max(0, (Date.now() - row.oldest.getTime()) / 1000) : 0,
  };
}
