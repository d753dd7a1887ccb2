// Live events between nodes over Redis pub/sub (when REDIS_URL is set). Like the PostgreSQL
// hub these are notifications only: while Redis is down they are dropped, and clients and
// workers catch up from the database.
import { localHub, type EventHub, type LiveEvent } from './events.ts';
import { connectRedis, type RedisClient } from './redis.ts';

export async function redisHub(
  url: string,
  cluster: boolean,
  prefix: string,
  onError: (err: unknown) => void,
): Promise<EventHub> {
  const channel = `${prefix}:events`;
  const local = localHub();
  const publisher: RedisClient = await connectRedis(url, cluster, 'colorbet-events-pub');
  const subscriber: RedisClient = await connectRedis(url, cluster, 'colorbet-events-sub');
  // Subscriptions are re-made by ioredis after a reconnect (autoResubscribe).
  await subscriber.subscribe(channel).catch(onError);
  subscriber.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    try {
      local.publish(JSON.parse(message) as LiveEvent[]);
    } catch (err) {
      onError(err);
    }
  });
  return {
    publish: (events) => {
      if (!events.length) return;
      publisher.publish(channel, JSON.stringify(events)).catch(() => {
        // Redis down: deliver to this process at least, so its own workers still wake.
        local.publish(events);
      });
    },
    subscribe: local.subscribe,
    close: async () => {
      publisher.disconnect();
      subscriber.disconnect();
      await local.close();
    },
  };
}
