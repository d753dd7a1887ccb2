// Live events (round changes, bet updates, balance changes) for the WebSocket gateway and
// for waking workers early. They are notifications, not the source of truth: a consumer
// that misses one catches up from the database. In-process they go through an emitter;
// across processes through PostgreSQL NOTIFY (Redis pub/sub when REDIS_URL is set).
import { EventEmitter } from 'node:events';
import pg from 'pg';

export type LiveEvent =
  | { type: 'round'; roundId: string; status: string; [k: string]: unknown }
  | { type: 'bet'; userId: string; betId: string; roundId: string; status?: string; [k: string]: unknown }
  | { type: 'balance'; userId: string; [k: string]: unknown }
  | { type: 'wake'; worker: 'match' | 'settle' | 'project'; roundId?: string }
  // A logout revoked one session of the user (sessionId), or every token of the user: processes
  // drop their cached check, the gateway closes the sockets concerned.
  | { type: 'revoked'; userId: string; sessionId?: string };

export interface EventHub {
  publish(events: LiveEvent[]): void;
  subscribe(handler: (e: LiveEvent) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'colorbet_events';
// NOTIFY payloads are limited to 8000 bytes; batch below that.
const MAX_PAYLOAD = 7000;

export function localHub(): EventHub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (events) => events.forEach((e) => emitter.emit('event', e)),
    subscribe: (handler) => {
      emitter.on('event', handler);
      return () => emitter.off('event', handler);
    },
    close: async () => void emitter.removeAllListeners(),
  };
}

/** Fan-out between processes over PostgreSQL LISTEN/NOTIFY (the embedded default). */
export async function postgresHub(databaseUrl: string, onError: (err: unknown) => void): Promise<EventHub> {
  const local = localHub();
  const publisher = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    application_name: 'colorbet-events',
  });
  publisher.on('error', onError);
  // As in db/pool.ts: a pooled connection that breaks while checked out has a listener too.
  publisher.on('connect', (client) => client.on('error', () => undefined));
  let listener: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  // Every connection has an 'error' listener (an unlistened one ends the process) and errors
  // reach onError, which logs one line: never the client object riding on them.
  const connect = async (): Promise<void> => {
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'colorbet-events-listen',
    });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        local.publish(JSON.parse(msg.payload) as LiveEvent[]);
      } catch (err) {
        onError(err);
      }
    });
    let lost = false;
    client.on('error', (err) => {
      if (lost) return;
      lost = true;
      if (!closed) onError(err);
      reconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    listener = client;
    failures = 0;
  };
  // The listener is a hint channel: after a lost connection try again, with a bounded backoff,
  // until the hub is closed (a shutdown never starts a new connection).
  const reconnect = () => {
    if (closed || retry) return;
    const delay = Math.min(1000 * 2 ** Math.min(failures++, 4), 15_000);
    retry = setTimeout(() => {
      retry = undefined;
      if (closed) return;
      connect().catch((err: unknown) => {
        if (!closed) onError(err);
        reconnect();
      });
    }, delay);
    retry.unref();
  };
  await connect();
  return {
    publish: (events) => {
      if (closed) return;
      let batch: LiveEvent[] = [];
      let size = 2;
      const flush = () => {
        if (!batch.length) return;
        publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(batch)]).catch(onError);
        batch = [];
        size = 2;
      };
      for (const e of events) {
        const len = JSON.stringify(e).length + 1;
        if (size + len > MAX_PAYLOAD) flush();
        batch.push(e);
        size += len;
      }
      flush();
    },
    subscribe: local.subscribe,
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await listener?.end().catch(() => undefined);
      await publisher.end().catch(() => undefined);
      await local.close();
    },
  };
}
