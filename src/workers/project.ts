// Projection worker: keeps account_balance caught up with the ledger and exports its lag.
import type { Pool } from '../db/pool.ts';
import { projectBatch, projectionLag } from '../ledger/projection.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';

export function startProjectionWorker(pool: Pool, metrics: Metrics, logger: Logger): Worker[] {
  const projector = startLoop('project', async () => (await projectBatch(pool)).applied > 0, {
    idleMs: 50,
    logger,
  });
  const lagMeter = startLoop(
    'project-lag',
    async () => {
      const lag = await projectionLag(pool);
      metrics.projectionLagEntries.set(lag.entries);
      metrics.projectionLagSeconds.set(lag.seconds);
      return false;
    },
    { idleMs: 2000, logger },
  );
  return [projector, lagMeter];
}
