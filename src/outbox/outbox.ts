// The outbox: an event is written in the same transaction (here: the same statement, see
// PLACE_BET in betting/bet-ops.ts) as the change it announces, so an event exists exactly
// when its change committed. The relay or the consumers take it from there.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';

export const EVENT_VERSION = 1;

export interface OutboxBacklog {
  events: number;
  oldestSeconds: number;
}

export async function outboxBacklog(db: Queryable): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ events: bigint; oldest: Date | null }>(
    'SELECT count(*) AS events, min(created_at) AS oldest FROM outbox WHERE relayed_at IS NULL',
  );
  const row = oneRow(rows, 'the outbox backlog');
  return {
    events: Number(row.events),
    oldestSeconds: row.oldest ? Math.max(0, (Date.now() - row.oldest.getTime()) / 1000) : 0,
  };
}
