// The relay: moves outbox events to the bus in batches. Rows are claimed with SKIP LOCKED
// (any number of relays can run), appended to Redis, and marked relayed in the same
// transaction only after Redis acknowledged them. A crash between the two sends an event
// twice, never zero times; consumers are idempotent.
import type { StreamBus } from '../bus/streams.ts';
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';

export async function relayBatch(pool: Pool, bus: StreamBus, batchSize = 500): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      id: bigint;
      partition_key: bigint;
      payload: unknown;
      request_id: string | null;
    }>(
      `SELECT id, partition_key, payload, request_id FROM outbox WHERE relayed_at IS NULL
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (!rows.length) return 0;
    await bus.append(
      rows.map((r) => ({
        roundId: r.partition_key,
        payload: JSON.stringify({
          ...(r.payload as object),
          outboxId: r.id.toString(),
          requestId: r.request_id,
        }),
      })),
    );
    await client.query('UPDATE outbox SET relayed_at = now() WHERE id = ANY($1::bigint[])', [
      rows.map((r) => r.id),
    ]);
    return rows.length;
  });
}

/** Relayed events are kept a while for inspection, then removed. */
export async function pruneRelayed(pool: Pool, olderThanSeconds = 600): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox WHERE relayed_at < now() - make_interval(secs => $1) LIMIT 5000)`,
    [olderThanSeconds],
  );
  return rowCount ?? 0;
}
