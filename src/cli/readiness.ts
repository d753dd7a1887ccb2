// /readyz: PostgreSQL must answer (it is the source of truth). Redis being down does not make
// the API unready, since bets still go to the outbox; it is reported with the backlog.
import { pingRedis, type RedisClient } from '../bus/redis.ts';
import type { Pool } from '../db/pool.ts';
import type { ReadinessCheck } from '../http/deps.ts';
import { outboxBacklog } from '../outbox/outbox.ts';

export async function readiness(pool: Pool, redis?: RedisClient): Promise<ReadinessCheck[]> {
  const checks: ReadinessCheck[] = [];
  try {
    const backlog = await outboxBacklog(pool);
    checks.push({ name: 'postgres', ok: true });
    checks.push({
      name: 'outbox',
      ok: true,
      detail: `${backlog.events} event(s) waiting, oldest ${backlog.oldestSeconds.toFixed(1)}s`,
    });
  } catch (err) {
    checks.push({ name: 'postgres', ok: false, detail: (err as Error).message });
  }
  if (redis) {
    const up = await pingRedis(redis);
    checks.push({
      name: 'redis',
      ok: true,
      detail: up ? 'up' : 'DOWN: bets are kept in the outbox until it returns',
    });
  }
  return checks;
}
