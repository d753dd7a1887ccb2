// PostgreSQL and Redis for the fleet and chaos scripts: the given ones (DATABASE_URL,
// REDIS_URL), else an embedded PostgreSQL and a private redis-server on a free port.
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

export interface Infra {
  databaseUrl: string;
  redisUrl: string;
  redis?: RedisServer;
  stop(): Promise<void>;
}

export async function provideInfra(dataDir: string): Promise<Infra> {
  let stopPg = async () => undefined as void;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(path.resolve(dataDir));
    databaseUrl = pg.url;
    if (pg.owned) stopPg = pg.stop;
  }
  const redis = process.env.REDIS_URL ? undefined : await startRedisServer();
  return {
    databaseUrl,
    redisUrl: process.env.REDIS_URL ?? redis!.url,
    ...(redis ? { redis } : {}),
    stop: async () => {
      await redis?.stop();
      await stopPg();
    },
  };
}
