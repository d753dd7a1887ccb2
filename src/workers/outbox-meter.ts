// Exports the outbox backlog (size and oldest age) from every process that has workers.
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { outboxBacklog } from '../outbox/outbox.ts';
import { startLoop, type Worker } from './loop.ts';

export function startOutboxMeter(pool: Pool, metrics: Metrics, logger: Logger): Worker {
  return startLoop(
    'outbox-meter',
    async () => {
      const backlog = await outboxBacklog(pool);
      metrics.outboxBacklog.set(backlog.events);
      metrics.outboxOldestSeconds.set(backlog.oldestSeconds);
      return false;
    },
    { idleMs: 2000, logger },
  );
}
