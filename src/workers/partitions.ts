// Partition upkeep (migration 0015): the scheduler leader creates the partitions each table will
// need next, well before any insert could find none, and exports how far ahead each table is
// ready (alert ColorbetPartitionsRunningOut). Once a minute: at the seed's peak the ledger fills a
// ten-million-id span in about eight minutes and three spans are kept ready.
import { ensurePartitions, partitionHeadroom } from '../db/partitions.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';

export function startPartitionKeeper(deps: {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  isLeader: () => boolean;
  everyMs?: number;
}): Worker {
  return startLoop(
    'partitions',
    async () => {
      if (!deps.isLeader()) return false;
      const created = await ensurePartitions(deps.pool);
      if (created > 0) {
        deps.metrics.partitionsCreated.inc(created);
        deps.logger.info({ created }, 'partitions created ahead of need');
      }
      for (const h of await partitionHeadroom(deps.pool))
        deps.metrics.partitionSpansAhead.set({ table: h.parent }, h.spansAhead);
      return false;
    },
    { idleMs: deps.everyMs ?? 60_000, logger: deps.logger },
  );
}
