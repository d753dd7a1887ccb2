import type { SessionTokens } from '../auth/sessions.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { SeedChains } from '../betting/seed-chains.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import type { ReadPool } from '../db/read-pool.ts';
import type { MoneyService } from '../money.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AuditReport } from '../verify-run.ts';
import type { EventHub } from '../bus/events.ts';
import type { RedisClient } from '../bus/redis.ts';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface AppDeps {
  config: Config;
  /** The primary: every write and every read a money decision depends on. */
  pool: Pool;
  /** Reads that may lag (history, lists, reports): the replica when configured, else `pool`. */
  readPool: ReadPool;
  money: MoneyService;
  tokens: TokenService;
  /** Derives round seeds from the fairness key (reveal on void; the scheduler's open and close). */
  seeds: SeedChains;
  /** Token verification with revocation and the current role; issuing, refresh, logout. */
  sessions: SessionTokens;
  events: EventHub;
  metrics: Metrics;
  /** Incremental from the checkpoint unless `full` (src/verify-run.ts). */
  audit: (options?: { full?: boolean }) => Promise<AuditReport>;
  readiness: () => Promise<ReadinessCheck[]>;
  /** With REDIS_URL: shared rate-limit counters. */
  redis?: RedisClient;
}
