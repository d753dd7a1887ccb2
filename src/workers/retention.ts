// Retention, by the scheduler leader only: the day partitions of idempotency keys past
// IDEMPOTENCY_RETENTION_HOURS are dropped whole (migration 0028; no row-by-row DELETE), and
// session revocations past their expiry are deleted in batches of PRUNE_BATCH, each its own
// short statement. A minute's idle between sweeps; back to back while a sweep finds full
// batches (a backlog after downtime).
import { pruneRevokedSessions } from '../auth/sessions.ts';
import { dropExpiredIdempotencyDays } from '../ledger/idempotency.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';

const PRUNE_BATCH = 10_000;

export function startRetention(deps: {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  retentionHours: number;
  isLeader: () => boolean;
}): Worker {
  return startLoop(
    'retention',
    async () => {
      if (!deps.isLeader()) return false;
      const dropped = await dropExpiredIdempotencyDays(deps.pool, deps.retentionHours);
      deps.metrics.idempotencyKeysPruned.inc(dropped.rows);
      deps.metrics.idempotencyDaysDropped.inc(dropped.days.length);
      if (dropped.days.length > 0)
        deps.logger.info({ ...dropped, retentionHours: deps.retentionHours }, 'idempotency key days dropped');
      if (dropped.busy) deps.logger.info('idempotency key days: the table was busy, next sweep');
      const sessions = await pruneRevokedSessions(deps.pool, PRUNE_BATCH);
      return sessions === PRUNE_BATCH;
    },
    { idleMs: 60_000, logger: deps.logger },
  );
}
