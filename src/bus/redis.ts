// Redis connections. A URL that points at a node of a Redis Cluster gives a Cluster client
// (detected with INFO), otherwise a plain client. Commands fail fast while Redis is down
// (no offline queue): callers back off, and PostgreSQL keeps everything meanwhile.
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

const base: RedisOptions = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  connectTimeout: 2000,
  lazyConnect: true,
  retryStrategy: (times) => Math.min(100 * times, 2000),
};

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
}

/** Whether the server at url runs in cluster mode (asked once, at start). */
export async function isCluster(url: string): Promise<boolean> {
  const probe = new Redis(url, { ...base, retryStrategy: () => null });
  // Without a listener ioredis prints "Unhandled error event" with the whole error object.
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const info = await probe.info('cluster');
    return /cluster_enabled:1/.test(info);
  } finally {
    probe.disconnect();
  }
}

export async function connectRedis(url: string, cluster: boolean, name: string): Promise<RedisClient> {
  if (cluster) {
    const client = new Cluster([hostPort(url)], {
      enableOfflineQueue: false,
      lazyConnect: true,
      clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
      redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000, connectionName: name },
    });
    client.on('error', () => undefined);
    await client.connect().catch(() => undefined);
    return client;
  }
  const client = new Redis(url, { ...base, connectionName: name });
  client.on('error', () => undefined);
  await client.connect().catch(() => undefined);
  return client;
}

export async function pingRedis(client: RedisClient): Promise<boolean> {
  try {
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  }
}
