// Wiring shared by every command: config, logger, the database (given or embedded),
// migrations, and the services built on them.
import { runAudit } from '../verify-run.ts';
import { SessionTokens } from '../auth/sessions.ts';
import { TokenService } from '../auth/tokens.ts';
import { resolveAuthSecret } from '../auth/secret.ts';
import { seedChainsFor } from '../betting/seed-chains.ts';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import type { PostmasterExit } from '../db/postmaster.ts';
import { describeError } from '../observability/describe-error.ts';
import { databaseUnreachable, requireEmbeddedDatabase } from './errors.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { routeReads } from '../db/read-pool.ts';
import type { AppDeps } from '../http/deps.ts';
import { createMoneyService } from '../money.ts';
import { setIdempotencyRetentionHours } from '../ledger/idempotency.ts';
import type { Logger } from '../observability/logger.ts';
import type { EventHub } from '../bus/events.ts';
import type { RedisClient } from '../bus/redis.ts';
import { readiness } from './readiness.ts';
import { afterMoneyCommit } from './money-effects.ts';
import { createMetrics } from '../observability/metrics.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  pool: Pool;
  /** The streaming replica (DATABASE_READ_URL) for reads that may lag; absent without one. */
  replicaPool?: Pool;
  databaseUrl: string;
  /** With the embedded default, when this process owns the server: settles when it stops. */
  databaseExited?: Promise<PostmasterExit>;
  close(): Promise<void>;
}

/**
 * A stopping server drops every pooled connection at once: one line for the first, and the next
 * line (at most one per window) says how many more went the same way.
 */
function onceEvery(ms: number, log: (err: unknown, repeated: number) => void): (err: unknown) => void {
  let last = 0;
  let repeated = 0;
  return (err) => {
    if (Date.now() - last < ms) {
      repeated++;
      return;
    }
    last = Date.now();
    log(err, repeated);
    repeated = 0;
  };
}

export async function openRuntime(
  config: Config,
  logger: Logger,
  /** existingOnly: refuse a DATA_DIR with no database instead of creating one (one-shot commands). */
  options: { poolSize?: number; applicationName?: string; existingOnly?: boolean } = {},
): Promise<Runtime> {
  let databaseUrl = config.databaseUrl;
  let stopEmbedded = async () => undefined as void;
  let databaseExited: Promise<PostmasterExit> | undefined;
  if (!databaseUrl) {
    if (options.existingOnly) requireEmbeddedDatabase(config.dataDir);
    const server = await startEmbeddedPostgres(
      config.dataDir,
      (m) => logger.debug({ component: 'postgres' }, m),
      { startTimeoutMs: config.embeddedStartTimeoutSeconds * 1000 },
    );
    databaseUrl = server.url;
    if (server.owned) stopEmbedded = server.stop;
    databaseExited = server.exited;
    logger.info({ dataDir: config.dataDir, owned: server.owned }, 'using embedded PostgreSQL');
  }
  // Migrations as the login (owner) role, on their own short-lived pool; the service's pool
  // then works as DATABASE_SET_ROLE, which owns nothing and cannot change the ledger's history.
  if (config.migrateOnStart) {
    const owner = createPool(databaseUrl, {
      max: 1,
      applicationName: `${options.applicationName ?? 'colorbet'}-migrate`,
    });
    try {
      const result = await migrate(owner);
      if (result.applied.length) logger.info({ applied: result.applied }, 'migrations applied');
    } catch (err) {
      await stopEmbedded();
      throw databaseUnreachable(databaseUrl, !!config.databaseUrl, err);
    } finally {
      await owner.end().catch(() => undefined);
    }
  }
  const pool = createPool(databaseUrl, {
    max: options.poolSize ?? 20,
    applicationName: options.applicationName,
    ...(config.databaseSetRole ? { role: config.databaseSetRole } : {}),
    onConnectionLost: onceEvery(5000, (err, repeated) =>
      logger.warn(
        { component: 'postgres', ...(repeated ? { alsoLost: repeated } : {}) },
        `database connection lost: ${describeError(err)}`,
      ),
    ),
  });
  // Connects lazily: a replica that is down at start costs nothing until a read tries it, and
  // then only a short wait before that read goes to the primary (db/read-pool.ts).
  const replicaPool = config.databaseReadUrl
    ? createPool(config.databaseReadUrl, {
        max: options.poolSize ?? 20,
        applicationName: `${options.applicationName ?? 'colorbet'}-read`,
        connectTimeoutMs: 2000,
        // The replica has the same roles (it is a copy of the cluster): reads as the service too.
        ...(config.databaseSetRole ? { role: config.databaseSetRole } : {}),
        onConnectionLost: (err) =>
          logger.warn({ component: 'replica' }, `replica connection lost: ${describeError(err)}`),
      })
    : undefined;
  if (replicaPool) logger.info('reads that may lag go to the replica (DATABASE_READ_URL)');
  return {
    config,
    logger,
    pool,
    ...(replicaPool ? { replicaPool } : {}),
    databaseUrl,
    ...(databaseExited ? { databaseExited } : {}),
    close: async () => {
      await replicaPool?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await stopEmbedded();
    },
  };
}

export const groupCommitOptions = (config: Config) => ({
  windowMs: config.batchWindowMs,
  maxBatch: config.batchMax,
  maxQueue: config.batchQueueMax,
  maxInFlight: config.batchInFlight,
});

export async function buildDeps(
  rt: Runtime,
  events: EventHub,
  role = 'all',
  redis?: RedisClient,
): Promise<AppDeps> {
  const metrics = createMetrics(role);
  // Claims look for keys as far back as the retention reaches (migration 0028).
  setIdempotencyRetentionHours(rt.config.idempotencyRetentionHours);
  const secret = await resolveAuthSecret(rt.config, rt.pool);
  const tokens = new TokenService(secret, rt.config.tokenTtlSeconds);
  const seeds = seedChainsFor(rt.config.fairnessSecret, secret);
  const readPool = rt.replicaPool
    ? routeReads(rt.pool, rt.replicaPool, {
        onFallback: (reason) => metrics.replicaFallbacks.inc({ reason }),
      })
    : rt.pool;
  return {
    config: rt.config,
    pool: rt.pool,
    readPool,
    money: createMoneyService(
      rt.pool,
      { ...rt.config, groupCommit: groupCommitOptions(rt.config) },
      seeds,
      metrics,
      { onCommitted: afterMoneyCommit({ metrics, logger: rt.logger, events }) },
    ),
    events,
    tokens,
    seeds,
    sessions: new SessionTokens(
      tokens,
      rt.pool,
      {
        checkSeconds: rt.config.sessionCheckSeconds,
        refreshTtlSeconds: rt.config.refreshTokenTtlSeconds,
        accessTtlSeconds: rt.config.tokenTtlSeconds,
      },
      events,
    ),
    metrics,
    audit: (options) => runAudit(rt.pool, options),
    readiness: () => readiness(rt.pool, redis, rt.replicaPool),
    ...(redis ? { redis } : {}),
  };
}
