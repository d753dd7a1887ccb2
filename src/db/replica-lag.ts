// How far the read replica is behind its primary, measured on the replica itself.
//
// Seconds, not bytes: an alert and a runbook speak about how old a player's history may look.
// When the replica has replayed everything it received, it is current (0), however long ago the
// primary last committed; otherwise the lag is the age of the last transaction it replayed. This
// needs no privilege and no query on the primary. A replica that receives nothing (no WAL
// receiver: cut off from the primary) would look current by that measure, so `receiving` says
// so and the meter counts such a replica as falling behind (see workers/replica-meter.ts).
import type { Queryable } from './pool.ts';

export interface ReplicaStatus {
  /** False when the server is not a standby (promoted, or DATABASE_READ_URL names a primary). */
  inRecovery: boolean;
  /** A WAL receiver process is running (the replica streams from its primary). */
  receiving: boolean;
  /** Seconds behind, as above; 0 when not in recovery or nothing has been replayed yet. */
  lagSeconds: number;
}

export async function replicaStatus(replica: Queryable): Promise<ReplicaStatus> {
  const { rows } = await replica.query<{ in_recovery: boolean; receiving: boolean; lag: number | null }>(
    `SELECT pg_is_in_recovery() AS in_recovery,
            EXISTS (SELECT 1 FROM pg_stat_wal_receiver) AS receiving,
            CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
            END::float8 AS lag`,
  );
  const row = rows[0];
  if (!row) throw new Error('replica status: the query returned no row');
  return {
    inRecovery: row.in_recovery,
    receiving: row.receiving,
    lagSeconds: row.in_recovery ? Math.max(0, row.lag ?? 0) : 0,
  };
}
