// `colorbet start [--roles ...]`: every role in one process by default, or only those named.
import type { FastifyInstance } from 'fastify';
import { postgresHub } from '../bus/events.ts';
import { connectRedis, isCluster } from '../bus/redis.ts';
import { redisHub } from '../bus/redis-hub.ts';
import { StreamBus } from '../bus/streams.ts';
import { startRelay } from '../workers/relay.ts';
import { buildApp, buildOpsApp } from '../http/app.ts';
import { buildGatewayApp } from '../http/gateway-app.ts';
import { startRoundMeter } from '../workers/round-meter.ts';
import type { Worker } from '../workers/loop.ts';
import { startMatchWorker } from '../workers/match.ts';
import { startProjectionWorker } from '../workers/project.ts';
import { startScheduler } from '../workers/scheduler.ts';
import { startSettleWorker } from '../workers/settle.ts';
import { startPartitionKeeper } from '../workers/partitions.ts';
import { startRetention } from '../workers/retention.ts';
import { startOutboxMeter } from '../workers/outbox-meter.ts';
import { startReplicaMeter } from '../workers/replica-meter.ts';
import { startInterruptedRounds } from '../workers/interrupted.ts';
import { gameConfigSeed, seedDifferences, seedGameConfig } from '../betting/game-config.ts';
import { buildDeps, type Runtime } from './runtime.ts';
import { describeError } from '../observability/describe-error.ts';
import { logRoundLifecycle } from '../observability/round-log.ts';
import { prepareDemoAccounts, startDemoCrowd } from '../sim/demo.ts';

async function openRedis(url: string, logger: Runtime['logger']) {
  let cluster = process.env.REDIS_CLUSTER === '1';
  if (!cluster) {
    try {
      cluster = await isCluster(url);
    } catch (err) {
      // Redis is not a single point of failure: start anyway, PostgreSQL holds everything.
      logger.warn(
        `Redis unreachable at start (${describeError(err)}); assuming a single node (set REDIS_CLUSTER=1 for a cluster)`,
      );
    }
  }
  const client = await connectRedis(url, cluster, 'colorbet');
  logger.info({ cluster }, 'Redis bus enabled');
  return { client, cluster };
}

export const ROLES = ['api', 'gateway', 'relay', 'match', 'settle', 'project', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

export function parseRoles(raw: string | undefined): Set<Role> {
  if (!raw || raw === 'all') return new Set(ROLES);
  const roles = raw.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new Error(`--roles: unknown role "${r}"; choose from ${ROLES.join(', ')}`);
    }
  }
  return new Set(roles as Role[]);
}

export interface Started {
  app?: FastifyInstance;
  workers: Worker[];
  stop(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/** Business metrics and dependency errors reachable from other machines with no token asked. */
function warnIfMetricsPublic(config: Runtime['config'], publicApp: boolean, logger: Runtime['logger']): void {
  if (config.metricsToken) return;
  const host = config.metricsPort === undefined && publicApp ? config.host : config.metricsHost;
  if (LOOPBACK.includes(host)) return;
  logger.warn(
    { host },
    config.metricsPort === undefined && publicApp
      ? 'METRICS_TOKEN is not set: /metrics and the detail of /readyz are public on this address (set METRICS_PORT to serve them on an internal listener)'
      : 'METRICS_TOKEN is not set: /metrics and the detail of /readyz are open on METRICS_HOST',
  );
}

export async function startRoles(rt: Runtime, roles: Set<Role>): Promise<Started> {
  const { logger, pool, config } = rt;
  const onHubError = (err: unknown) => logger.warn(`event hub: ${describeError(err)}`);
  const redis = config.redisUrl ? await openRedis(config.redisUrl, logger) : undefined;
  const events = redis
    ? await redisHub(config.redisUrl!, redis.cluster, config.redisPrefix, onHubError)
    : await postgresHub(rt.databaseUrl, onHubError);
  const bus = redis ? new StreamBus(redis.client, config.redisPrefix, config.busPartitions) : undefined;
  const deps = await buildDeps(rt, events, [...roles].join('+'), redis?.client);
  // The environment seeds version 1 of the game configuration, once; later versions are the API's.
  const seed = gameConfigSeed(config);
  const game = await seedGameConfig(pool, seed);
  const ignored = seedDifferences(game, seed);
  if (ignored.length) {
    logger.warn(
      { configVersion: game.version, ignored },
      `${ignored.join(', ')} differ from game configuration version ${game.version}, which stays in force: the environment only seeds version 1; change the game with POST /v1/admin/config`,
    );
  } else logger.info({ configVersion: game.version }, 'game configuration');
  const workerDeps = { pool, metrics: deps.metrics, logger, events, ...(bus ? { bus } : {}) };
  const workers: Worker[] = [];
  let scheduler: ReturnType<typeof startScheduler> | undefined;
  if (roles.has('scheduler')) {
    scheduler = startScheduler({
      databaseUrl: rt.databaseUrl,
      ...(config.databaseSetRole ? { role: config.databaseSetRole } : {}),
      terms: { sides: config.sides, rakeBps: config.rakeBps, roundSeconds: config.roundSeconds },
      revealSeconds: config.revealSeconds,
      seeds: deps.seeds,
      logger,
      events,
    });
    workers.push(scheduler);
  }
  // The round's life at info, once per deployment: from the process that runs the scheduler.
  if (roles.has('scheduler')) logRoundLifecycle(events, logger);
  if (roles.has('relay')) {
    if (bus) workers.push(...startRelay({ pool, bus, metrics: deps.metrics, logger }));
    else if (roles.size < ROLES.length)
      logger.warn('relay role without REDIS_URL: nothing to relay (the outbox is the queue)');
  }
  if (roles.has('scheduler')) {
    workers.push(
      ...startRoundMeter({
        pool,
        metrics: deps.metrics,
        logger,
        audit: deps.audit,
        auditEverySeconds: config.auditEverySeconds,
        auditFullEverySeconds: config.auditFullEverySeconds,
        isLeader: () => scheduler?.isLeader() ?? false,
      }),
      startRetention({
        pool,
        metrics: deps.metrics,
        logger,
        retentionHours: config.idempotencyRetentionHours,
        isLeader: () => scheduler?.isLeader() ?? false,
      }),
      startPartitionKeeper({
        pool,
        metrics: deps.metrics,
        logger,
        isLeader: () => scheduler?.isLeader() ?? false,
      }),
      startInterruptedRounds({
        pool,
        seeds: deps.seeds,
        metrics: deps.metrics,
        logger,
        events,
        voidSeconds: config.interruptedRoundVoidSeconds,
        isLeader: () => scheduler?.isLeader() ?? false,
      }),
    );
  }
  if (roles.has('match')) workers.push(startMatchWorker(workerDeps));
  if (roles.has('settle'))
    workers.push(startSettleWorker({ ...workerDeps, chunkPlayers: config.settleChunkPlayers }));
  if (roles.has('project')) workers.push(...startProjectionWorker(pool, deps.metrics, logger));
  workers.push(startOutboxMeter(pool, deps.metrics, logger));
  if (rt.replicaPool) workers.push(startReplicaMeter(rt.replicaPool, deps.metrics, logger));
  let app: FastifyInstance | undefined;
  if (roles.has('api')) {
    app = await buildApp(deps);
    // The demo's accounts exist before anyone can register their names.
    const demo =
      config.demoPlayers > 0
        ? await prepareDemoAccounts(pool, deps.sessions, config.demoPlayers, logger)
        : undefined;
    await app.listen({ port: config.port, host: config.host });
    if (demo) {
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      workers.push(
        await startDemoCrowd({
          accounts: demo,
          baseUrl: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
          minBet: config.minBet,
          maxBet: config.maxBet,
          logger,
        }),
      );
    }
  }
  let metricsServer: FastifyInstance | undefined;
  if (!app && roles.has('gateway')) {
    // A gateway-only process serves the stream (and /metrics) on PORT, like an API process.
    app = await buildGatewayApp(deps);
    await app.listen({ port: config.port, host: config.host });
  }
  if (!app || config.metricsPort !== undefined) {
    // The internal listener: /metrics, /healthz and detailed /readyz. Worker-only processes
    // have nothing else; with METRICS_PORT, API and gateway processes move them here and their
    // public port answers /metrics with 404 and /readyz with ready or not.
    metricsServer = await buildOpsApp(deps);
    await metricsServer.listen({ port: config.metricsPort ?? 0, host: config.metricsHost });
    logger.info({ address: metricsServer.server.address() }, 'metrics listening');
  }
  warnIfMetricsPublic(config, app !== undefined, logger);
  logger.info({ roles: [...roles] }, 'colorbet started');
  return {
    app,
    workers,
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await app?.close();
      await metricsServer?.close();
      await events.close();
      redis?.client.disconnect();
    },
  };
}
