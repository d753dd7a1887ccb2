// Exports how far the read replica (DATABASE_READ_URL) is behind the primary, from every process
// that has one configured. The gauge answers "how old may a lag-tolerant read be": while the
// replica streams, its own measure (db/replica-lag.ts); while it is cut off from the primary (no
// WAL receiver) or cannot be reached, the time since it was last known current, so that the
// ColorbetReplicaLagging alert fires for a replica that silently stopped following too.
import type { Pool } from '../db/pool.ts';
import { replicaStatus } from '../db/replica-lag.ts';
import { describeError } from '../observability/describe-error.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';

export function startReplicaMeter(
  replica: Pool,
  metrics: Metrics,
  logger: Logger,
  options: { everyMs?: number } = {},
): Worker {
  // When the replica's data was last known to be current (start counts as current).
  let currentAt = Date.now();
  let lastProblem: string | undefined;
  const report = (problem: string | undefined) => {
    if (problem !== lastProblem) {
      if (problem) logger.warn({ component: 'replica' }, `read replica: ${problem}`);
      else logger.info({ component: 'replica' }, 'read replica: streaming again');
    }
    lastProblem = problem;
  };
  return startLoop(
    'replica-meter',
    async () => {
      const now = Date.now();
      try {
        const s = await replicaStatus(replica);
        if (!s.inRecovery || s.receiving) currentAt = now - s.lagSeconds * 1000;
        report(
          !s.inRecovery
            ? 'DATABASE_READ_URL is not a standby (not in recovery); reads there are not lagging'
            : s.receiving
              ? undefined
              : 'no WAL receiver: the replica is cut off from the primary',
        );
      } catch (err) {
        report(`unreachable (${describeError(err)}); lag-tolerant reads use the primary`);
      }
      metrics.replicaLagSeconds.set(Math.max(0, now - currentAt) / 1000);
      return false;
    },
    { idleMs: options.everyMs ?? 2000, logger },
  );
}
