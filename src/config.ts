// Environment -> typed, frozen config, read once at start. A bad value stops the program
// with a message that names the variable.
import path from 'node:path';
import {
  addressList,
  ConfigError,
  flag,
  integer,
  originList,
  roleName,
  secretToken,
  url,
  type Env,
} from './config-values.ts';
import { LOG_FORMATS, type LogFormat } from './observability/logger.ts';
import { loadFundingConfig, type FundingConfig } from './payments/config.ts';

export { ConfigError } from './config-values.ts';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  /** A streaming replica of DATABASE_URL for reads that may lag (history, lists, reports). */
  readonly databaseReadUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  /** Embedded default: how long start waits for a crashed server's processes to leave DATA_DIR. */
  readonly embeddedStartTimeoutSeconds: number;
  readonly roundSeconds: number;
  /** REVEAL_SECONDS: the pause between a round's close (its result shown) and the next round's open. */
  readonly revealSeconds: number;
  /** How players get money in: demo funds and/or a payment provider (src/payments/config.ts). */
  readonly funding: FundingConfig;
  readonly sides: readonly [string, string];
  readonly rakeBps: bigint;
  readonly minBet: bigint;
  readonly maxBet: bigint;
  readonly maxDeposit: bigint;
  /** Seeds version 1 of the game configuration: a deposit or void above it needs a second operator. */
  readonly fourEyesAbove: bigint;
  /** MAX_EXPOSURE_PER_ROUND: one player's stakes in one round, at most (0 = no cap). */
  readonly maxExposurePerRound: bigint;
  /** A round still not settled this long after its close is voided and refunded (INTERRUPTED_ROUND_VOID_SECONDS). */
  readonly interruptedRoundVoidSeconds: number;
  readonly authSecret: string | undefined;
  /** The key round seeds are derived from (FAIRNESS_SECRET); undefined = derived from the auth secret. */
  readonly fairnessSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly logLevel: string;
  /** LOG_FORMAT: pretty lines on a terminal, JSON otherwise (auto), or forced either way. */
  readonly logFormat: LogFormat;
  readonly demoPlayers: number;
  readonly busPartitions: number;
  readonly redisPrefix: string;
  readonly auditEverySeconds: number;
  /** How often the periodic audit re-proves everything instead of what is new (AUDIT_FULL_EVERY_SECONDS; 0 = never). */
  readonly auditFullEverySeconds: number;
  /**
   * The internal listener (METRICS_PORT): /metrics and detailed /readyz. For API and gateway
   * processes it moves them off the public port; worker-only processes serve only this.
   */
  readonly metricsPort: number | undefined;
  /** Where the internal listener binds (METRICS_HOST, default loopback). */
  readonly metricsHost: string;
  readonly rateLimitMax: number;
  readonly rateLimitWindowSeconds: number;
  /** Group commit: how long the transaction service gathers operations (0 = one transaction per request). */
  readonly batchWindowMs: number;
  /** Group commit: most operations in one transaction. */
  readonly batchMax: number;
  /** Group commit: most operations waiting; beyond it requests answer 503 with Retry-After. */
  readonly batchQueueMax: number;
  /** Group commit: most batches in flight at once per process. */
  readonly batchInFlight: number;
  /** Serves POST /v1/bench/noop-bet (validation and auth, no database) for the benchmark. */
  readonly benchRoutes: boolean;
  /** Players settled per chunk transaction (SETTLE_CHUNK_PLAYERS). */
  readonly settleChunkPlayers: number;
  /** How long an idempotency key is kept (IDEMPOTENCY_RETENTION_HOURS). */
  readonly idempotencyRetentionHours: number;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY): addresses or CIDRs; empty = none. */
  readonly trustProxy: readonly string[];
  /** Register and login attempts per client address per minute (AUTH_RATE_LIMIT_MAX; 0 = off). */
  readonly authRateLimitMax: number;
  /** Bearer token that /metrics and detailed /readyz require when set (METRICS_TOKEN). */
  readonly metricsToken: string | undefined;
  /** Browser origins allowed by CORS (CORS_ORIGINS); empty = no cross-origin access. */
  readonly corsOrigins: readonly string[];
  /** Apply migrations when a process starts (MIGRATE_ON_START); off when the login cannot own the schema. */
  readonly migrateOnStart: boolean;
  /** The role the service works as after connecting (DATABASE_SET_ROLE); undefined = the login role. */
  readonly databaseSetRole: string | undefined;
  /** Refresh token lifetime (REFRESH_TOKEN_TTL_SECONDS). */
  readonly refreshTokenTtlSeconds: number;
  /** How long a process trusts its cached token epoch and role of a user (SESSION_CHECK_SECONDS). */
  readonly sessionCheckSeconds: number;
}

function redisPrefix(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'colorbet';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw))
    throw new ConfigError('REDIS_PREFIX', 'must be 1-64 of A-Z a-z 0-9 _ . : -');
  return raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
// Safe for JSON numbers end to end.
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A full audit at most as often as the audit itself runs; 0 turns periodic full runs off. */
function auditFullEvery(env: Env, auditEverySeconds: number): number {
  const value = integer(env, 'AUDIT_FULL_EVERY_SECONDS', 86_400, 0, 366 * 86_400);
  if (value !== 0 && value < auditEverySeconds) {
    throw new ConfigError(
      'AUDIT_FULL_EVERY_SECONDS',
      `must be 0 (never) or at least AUDIT_EVERY_SECONDS (${auditEverySeconds}), got ${value}`,
    );
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const sidesRaw = env.SIDES ?? 'red,green';
  const sides = sidesRaw.split(',').map((s) => s.trim());
  if (sides.length !== 2 || sides.some((s) => !/^[a-z][a-z0-9_-]{0,15}$/.test(s)) || sides[0] === sides[1]) {
    throw new ConfigError(
      'SIDES',
      'must be two different lowercase names separated by a comma, e.g. red,green',
    );
  }
  const minBet = integer(env, 'MIN_BET', 10, 1, MAX_SAFE);
  const maxBet = integer(env, 'MAX_BET', 1_000_000, 1, MAX_SAFE);
  if (maxBet < minBet) throw new ConfigError('MAX_BET', `must be at least MIN_BET (${minBet})`);
  const authSecret = env.AUTH_SECRET === '' ? undefined : env.AUTH_SECRET;
  if (authSecret !== undefined && authSecret.length < 32) {
    throw new ConfigError('AUTH_SECRET', 'must be at least 32 characters');
  }
  const fairnessSecret = env.FAIRNESS_SECRET === '' ? undefined : env.FAIRNESS_SECRET;
  if (fairnessSecret !== undefined && fairnessSecret.length < 32) {
    throw new ConfigError('FAIRNESS_SECRET', 'must be at least 32 characters');
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (env.LOG_FORMAT || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat))
    throw new ConfigError(
      'LOG_FORMAT',
      `must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(env.LOG_FORMAT)}`,
    );
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseReadUrl = url(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']);
  if (databaseReadUrl !== undefined && databaseUrl === undefined) {
    // The embedded server has no replication set up: a replica of it is not a supported setup.
    throw new ConfigError('DATABASE_READ_URL', 'needs DATABASE_URL (the primary it replicates)');
  }
  const auditEverySeconds = integer(env, 'AUDIT_EVERY_SECONDS', 300, 10, 86_400);
  const host = env.HOST ?? '127.0.0.1';
  if (host.trim() === '') throw new ConfigError('HOST', 'must not be empty');
  const metricsHost =
    env.METRICS_HOST === undefined || env.METRICS_HOST === '' ? '127.0.0.1' : env.METRICS_HOST;
  if (metricsHost.trim() !== metricsHost) throw new ConfigError('METRICS_HOST', 'must not contain spaces');
  // Access tokens are short-lived (clients refresh them); a refresh token must outlive one.
  const tokenTtlSeconds = integer(env, 'TOKEN_TTL_SECONDS', 900, 5, 31_536_000);
  const refreshTokenTtlSeconds = integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 366 * 86_400);
  if (refreshTokenTtlSeconds <= tokenTtlSeconds) {
    throw new ConfigError(
      'REFRESH_TOKEN_TTL_SECONDS',
      `must be longer than TOKEN_TTL_SECONDS (${tokenTtlSeconds}), got ${refreshTokenTtlSeconds}`,
    );
  }
  const maxDeposit = BigInt(integer(env, 'MAX_DEPOSIT', 1_000_000_000_000, 1, MAX_SAFE));
  const maxExposurePerRound = integer(env, 'MAX_EXPOSURE_PER_ROUND', 0, 0, MAX_SAFE);
  if (maxExposurePerRound > 0 && maxExposurePerRound < minBet) {
    throw new ConfigError('MAX_EXPOSURE_PER_ROUND', `must be 0 (no cap) or at least MIN_BET (${minBet})`);
  }
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65535),
    host,
    databaseUrl,
    databaseReadUrl,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    dataDir: path.resolve(env.DATA_DIR && env.DATA_DIR !== '' ? env.DATA_DIR : '.colorbet'),
    embeddedStartTimeoutSeconds: integer(env, 'EMBEDDED_START_TIMEOUT_SECONDS', 30, 1, 3600),
    roundSeconds: integer(env, 'ROUND_SECONDS', 30, 1, 86_400),
    revealSeconds: integer(env, 'REVEAL_SECONDS', 5, 0, 300),
    funding: loadFundingConfig(env, maxDeposit),
    sides: [sides[0] as string, sides[1] as string] as const,
    rakeBps: BigInt(integer(env, 'RAKE_BPS', 200, 0, 10_000)),
    minBet: BigInt(minBet),
    maxBet: BigInt(maxBet),
    maxDeposit,
    fourEyesAbove: BigInt(integer(env, 'FOUR_EYES_ABOVE', 10_000_000, 0, MAX_SAFE)),
    maxExposurePerRound: BigInt(maxExposurePerRound),
    // The published interruption rule: resume and settle from the database, else void in time.
    interruptedRoundVoidSeconds: integer(env, 'INTERRUPTED_ROUND_VOID_SECONDS', 900, 1, 7 * 86_400),
    authSecret,
    fairnessSecret,
    tokenTtlSeconds,
    logLevel,
    logFormat,
    // The demo crowd is for the embedded default; with a given database it is opt-in.
    demoPlayers: integer(env, 'DEMO_PLAYERS', env.DATABASE_URL ? 0 : 20, 0, 10_000),
    busPartitions: integer(env, 'BUS_PARTITIONS', 8, 1, 1024),
    redisPrefix: redisPrefix(env.REDIS_PREFIX),
    auditEverySeconds,
    auditFullEverySeconds: auditFullEvery(env, auditEverySeconds),
    // Requests per caller per window, per API process (0 turns the limit off).
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 1000, 0, 10_000_000),
    rateLimitWindowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 10, 1, 3600),
    // /metrics and detailed /readyz on their own listener (0 = any free port). Unset: API and
    // gateway processes serve them on PORT, worker-only processes on a free port.
    metricsPort: env.METRICS_PORT ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined,
    metricsHost,
    batchWindowMs: integer(env, 'BATCH_WINDOW_MS', 2, 0, 1000),
    batchMax: integer(env, 'BATCH_MAX', 500, 1, 10_000),
    batchQueueMax: integer(env, 'BATCH_QUEUE_MAX', 20_000, 1, 10_000_000),
    batchInFlight: integer(env, 'BATCH_IN_FLIGHT', 3, 1, 64),
    benchRoutes: flag(env, 'BENCH_ROUTES'),
    // Players settled per transaction: bounded work and locks per step of a huge round.
    settleChunkPlayers: integer(env, 'SETTLE_CHUNK_PLAYERS', 2000, 1, 100_000),
    idempotencyRetentionHours: integer(env, 'IDEMPOTENCY_RETENTION_HOURS', 24, 1, 24 * 366),
    trustProxy: addressList(env, 'TRUST_PROXY'),
    authRateLimitMax: integer(env, 'AUTH_RATE_LIMIT_MAX', 20, 0, 1_000_000),
    metricsToken: secretToken(env, 'METRICS_TOKEN'),
    corsOrigins: originList(env, 'CORS_ORIGINS'),
    databaseSetRole: roleName(env, 'DATABASE_SET_ROLE', 'colorbet_service'),
    migrateOnStart: flag(env, 'MIGRATE_ON_START', true),
    refreshTokenTtlSeconds,
    sessionCheckSeconds: integer(env, 'SESSION_CHECK_SECONDS', 10, 0, 3600),
  });
}
