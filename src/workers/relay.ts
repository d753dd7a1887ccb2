// Relay worker: outbox -> Redis Streams, plus pruning of old relayed rows. While Redis is
// down each step fails fast and the loop backs off; the outbox keeps every event.
import type { StreamBus } from '../bus/streams.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { pruneRelayed, relayBatch } from '../outbox/relay.ts';
import { startLoop, type Worker } from './loop.ts';

export function startRelay(deps: { pool: Pool; bus: StreamBus; metrics: Metrics; logger: Logger }): Worker[] {
  const relay = startLoop(
    'relay',
    async () => {
      const n = await relayBatch(deps.pool, deps.bus);
      deps.metrics.relayed.inc(n);
      return n > 0;
    },
    { idleMs: 20, maxBackoffMs: 2000, logger: deps.logger },
  );
  const pruner = startLoop('relay-prune', async () => (await pruneRelayed(deps.pool)) > 0, {
    idleMs: 10_000,
    logger: deps.logger,
  });
  return [relay, pruner];
}
