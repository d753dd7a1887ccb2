// /readyz: PostgreSQL must answer (it is the source of truth). Redis being down does not make
// the API unready, since bets still go to the outbox; it is reported with the backlog. Nor does
// a read replica that is down: the reads meant for it fall back to the primary (db/read-pool.ts).
import { pingRedis, type RedisClient } from '../bus/redis.ts';
import type { Pool } from '../db/pool.ts';
import type { ReadinessCheck } from '../http/deps.ts';
import { outboxBacklog } from '../outbox/outbox.ts';
import { replicaStatus } from '../db/replica-lag.ts';

export async function readiness(pool: Pool, redis?: RedisClient, replica?: Pool): Promise<ReadinessCheck[]> {
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
  if (replica) checks.push(await replicaCheck(replica));
  return checks;
}

/** A replica that does not answer within this must not make /readyz itself slow. */
const REPLICA_PROBE_MS = 1000;

async function replicaCheck(replica: Pool): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const probe = replicaStatus(replica);
  void probe.catch(() => undefined);
  try {
    const s = await Promise.race([
      probe,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${REPLICA_PROBE_MS} ms`)),
          REPLICA_PROBE_MS,
        );
      }),
    ]);
    const detail = !s.inRecovery
      ? 'up, but not a standby (not in recovery)'
      : s.receiving
        ? `up, ${s.lagSeconds.toFixed(1)}s behind`
        : 'up, but receiving no WAL from the primary (cut off): its data grows old';
    return { name: 'replica', ok: true, detail };
  } catch (err) {
    return {
      name: 'replica',
      ok: true,
      detail: `DOWN: reads meant for it use the primary until it returns (${(err as Error).message})`,
    };
  } finally {
    clearTimeout(timer);
  }
}
