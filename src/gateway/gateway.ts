// The WebSocket gateway of one process: it subscribes to the event hub once and fans each
// event out to the sockets connected here. Across processes the hub itself carries events
// (PostgreSQL NOTIFY today, Redis pub/sub behind the same interface), so any number of
// gateway processes behind a load balancer see every event; no gateway holds state that
// another needs, and a reconnecting client catches up from its hello and the REST API.
import client from 'prom-client';
import type { WebSocket } from 'ws';
import type { Principal, TokenCheck } from '../auth/tokens.ts';
import type { EventHub } from '../bus/events.ts';
import type { Queryable } from '../db/pool.ts';
import type { Metrics } from '../observability/metrics.ts';
import { Connections, type Client, type DropReason } from './connections.ts';
import { createDispatcher } from './dispatcher.ts';
import { startHeartbeat } from './heartbeat.ts';
import { CLOSE, encode, parseClientMessage } from './protocol.ts';
import { roundViews } from './round-views.ts';

export interface GatewayDeps {
  events: EventHub;
  tokens: { check(token: string): Promise<TokenCheck> };
  db: Queryable;
  metrics: Metrics;
  onError: (err: unknown, what: string) => void;
}

export interface GatewayOptions {
  /** Ping interval; a socket that misses one pong is terminated at the next beat. */
  heartbeatMs?: number;
  /** Unsent bytes a socket may hold before it is terminated as too slow. */
  maxBufferedBytes?: number;
  /** Coalescing window for "totals changed" hints. */
  totalsIntervalMs?: number;
  /** Client messages allowed per heartbeat interval before the socket is closed. */
  maxMessagesPerBeat?: number;
  /** How long one current-round read serves the hellos of new sockets. */
  snapshotTtlMs?: number;
}

export const GATEWAY_DEFAULTS: Required<GatewayOptions> = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  totalsIntervalMs: 500,
  maxMessagesPerBeat: 60,
  snapshotTtlMs: 500,
};

export interface Gateway {
  accept(socket: WebSocket, token: string | undefined): void;
  readonly connected: number;
  close(): void;
}

function counters(metrics: Metrics) {
  // Registered once per registry: a second app on the same metrics must not collide.
  const existing = (name: string) => metrics.registry.getSingleMetric(name);
  const drops =
    (existing('colorbet_websocket_disconnects_total') as client.Counter<'reason'> | undefined) ??
    new client.Counter({
      name: 'colorbet_websocket_disconnects_total',
      help: 'WebSocket clients disconnected by the gateway, by reason',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
  const sent =
    (existing('colorbet_websocket_messages_sent_total') as client.Counter | undefined) ??
    new client.Counter({
      name: 'colorbet_websocket_messages_sent_total',
      help: 'Messages written to WebSocket clients',
      registers: [metrics.registry],
    });
  return { drops, sent };
}

export function createGateway(deps: GatewayDeps, options: GatewayOptions = {}): Gateway {
  const opts = { ...GATEWAY_DEFAULTS, ...options };
  const { drops, sent } = counters(deps.metrics);
  const conns = new Connections({
    maxBufferedBytes: opts.maxBufferedBytes,
    onCount: (n) => deps.metrics.wsClients.set(n),
    onDrop: (reason: DropReason) => drops.inc({ reason }),
    onSent: (n) => n && sent.inc(n),
  });
  const rounds = roundViews(deps.db, opts.snapshotTtlMs);
  const dispatcher = createDispatcher({
    db: deps.db,
    conns,
    rounds,
    onError: deps.onError,
    totalsIntervalMs: opts.totalsIntervalMs,
  });
  const unsubscribe = deps.events.subscribe((e) => {
    // A logout revoked the session (or every token) of the user: those streams end now.
    if (e.type === 'revoked') {
      for (const c of conns.clientsOf(e.userId))
        if (e.sessionId === undefined || c.sessionId === e.sessionId) refuse(c, 'Token was revoked');
    } else dispatcher.push(e);
  });
  // A socket whose token ran out is closed with 4401 and TOKEN_EXPIRED: the client refreshes
  // its token and reconnects (or re-authenticates before expiry and is never closed).
  const stopHeartbeat = startHeartbeat(conns, opts.heartbeatMs, opts.maxMessagesPerBeat, (c) =>
    refuse(c, 'Token expired', 'TOKEN_EXPIRED'),
  );

  function refuse(
    c: Client,
    message = 'Token is invalid or revoked',
    code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED' = 'UNAUTHORIZED',
  ): void {
    conns.remove(c);
    drops.inc({ reason: 'unauthorized' });
    // Written directly: a refused client gets no hello, so nothing is queued before this.
    c.socket.send(encode({ type: 'error', code, message }));
    c.socket.close(CLOSE.unauthorized, 'unauthorized');
  }

  /** The caller of a token, or undefined after refusing the socket (4401). */
  async function authenticate(c: Client, token: string): Promise<Principal | undefined> {
    const principal = await deps.tokens.check(token);
    if (principal === 'expired') return void refuse(c, 'Token expired', 'TOKEN_EXPIRED');
    if (!principal) return void refuse(c);
    conns.identify(c, principal.userId.toString(), principal.role, principal.expiresAt, principal.sessionId);
    return principal;
  }

  async function greet(c: Client, token: string | undefined): Promise<void> {
    let principal: Principal | undefined;
    if (token !== undefined) {
      principal = await authenticate(c, token);
      if (!principal) return;
    }
    let round = null;
    try {
      round = await rounds.current();
    } catch (err) {
      // The client still gets its hello; it reads the round from the API when it can.
      deps.onError(err, 'hello snapshot');
    }
    const user = principal ? { userId: Number(principal.userId), role: principal.role } : null;
    conns.ready(c, encode({ type: 'hello', round, user, heartbeatMs: opts.heartbeatMs }));
  }

  async function onMessage(
    c: Client,
    data: Buffer | ArrayBuffer | Buffer[],
    isBinary: boolean,
  ): Promise<void> {
    c.received++;
    const msg = parseClientMessage(data, isBinary);
    if (msg.type === 'ping') return conns.send(c, encode({ type: 'pong' }));
    if (msg.type === 'invalid') {
      return conns.send(c, encode({ type: 'error', code: 'VALIDATION', message: msg.reason }));
    }
    const principal = await authenticate(c, msg.token);
    if (!principal) return;
    conns.send(c, encode({ type: 'auth', user: { userId: Number(principal.userId), role: principal.role } }));
  }

  return {
    accept(socket, token) {
      const c = conns.add(socket);
      // Listeners are attached before any await, so no early message is lost.
      socket.on('pong', () => {
        c.alive = true;
      });
      socket.on('message', (data, isBinary) => {
        onMessage(c, data, isBinary).catch((err: unknown) => deps.onError(err, 'client message'));
      });
      socket.once('close', () => conns.remove(c));
      greet(c, token).catch((err: unknown) => deps.onError(err, 'hello'));
    },
    get connected() {
      return conns.size;
    },
    close() {
      unsubscribe();
      stopHeartbeat();
      dispatcher.close();
      for (const c of conns) {
        conns.remove(c);
        c.socket.close(CLOSE.goingAway, 'server shutting down');
      }
    },
  };
}
