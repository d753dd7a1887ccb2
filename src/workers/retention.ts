// Retention: idempotency keys older than IDEMPOTENCY_RETENTION_HOURS, and session revocations
// past their expiry, are deleted in batches of PRUNE_BATCH, each its own short statement, by
// the scheduler leader only. A minute's idle between sweeps; back to back while a sweep finds
// full batches (a backlog after downtime).
import { pruneRevokedSessions } from '../auth/sessions.ts';
import { pruneIdempotencyKeys } from '../ledger/idempotency.ts';
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
      const deleted = await pruneIdempotencyKeys(deps.pool, deps.retentionHours, PRUNE_BATCH);
      deps.metrics.idempotencyKeysPruned.inc(deleted);
      if (deleted > 0)
        deps.logger.info({ deleted, retentionHours: deps.retentionHours }, 'idempotency keys pruned');
      const sessions = await pruneRevokedSessions(deps.pool, PRUNE_BATCH);
      return deleted === PRUNE_BATCH || sessions === PRUNE_BATCH;
    },
    { idleMs: 60_000, logger: deps.logger },
  );
}
