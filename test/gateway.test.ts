// The WebSocket gateway against a real listening service and real PostgreSQL: who receives
// which event, authentication, enrichment of round results, coalesced totals, and the two
// ways the gateway protects itself (heartbeat, slow-client cut-off).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { guards } from '../src/http/auth.ts';
import { buildGatewayApp } from '../src/http/gateway-app.ts';
import { streamRoutesWith } from '../src/http/routes/stream.ts';
import { TokenService } from '../src/auth/tokens.ts';
import { listenOnLoopback, startTestApp, type TestApp } from './helpers/app.ts';
import { sleep } from './helpers/util.ts';

let t: TestApp;
let base: string;
let roundId: bigint;

interface Conn {
  ws: WebSocket;
  messages: any[];
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  closed: Promise<number>;
}

function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<Conn> {
  const ws = new WebSocket(url, options);
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const w of waiters) w();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const next = (pred: (m: any) => boolean, timeoutMs = 3000) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const found = messages.find(pred);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next, closed }));
    ws.once('error', reject);
  });
}

before(async () => {
  t = await startTestApp();
  base = `ws://127.0.0.1:${await listenOnLoopback(t.app)}`;
  const round = await openRound(
    t.db.pool,
    { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 60 },
    t.deps.seeds,
  );
  roundId = round.id;
});
after(async () => t.close());

test('hello carries the current round; public events reach everyone, wake events nobody', async () => {
  const anon = await connect(`${base}/v1/stream`);
  const hello = await anon.next((m) => m.type === 'hello');
  assert.equal(hello.round.roundId, Number(roundId));
  assert.equal(hello.round.status, 'OPEN');
  assert.equal(hello.user, null);
  assert.ok(Date.parse(hello.serverTime) > 0);
  t.deps.events.publish([
    { type: 'wake', worker: 'match' },
    { type: 'bet', userId: '424242', betId: '1', roundId: String(roundId), change: 'matched' },
    { type: 'round', roundId: String(roundId), status: 'OPEN', change: 'opened-again' },
  ]);
  const round = await anon.next((m) => m.type === 'round' && m.change === 'opened-again');
  assert.equal(round.roundId, Number(roundId));
  assert.equal(typeof round.closesAt, 'string');
  assert.ok(!anon.messages.some((m) => m.type === 'wake' || m.type === 'bet'));
  anon.ws.close();
});

test('per-player events reach only that player, with the committed balance', async () => {
  const alice = await t.registerPlayer();
  const bob = await t.registerPlayer();
  const a = await connect(`${base}/v1/stream?token=${alice.token}`);
  const b = await connect(`${base}/v1/stream`);
  b.ws.send(JSON.stringify({ type: 'auth', token: bob.token }));
  assert.equal((await a.next((m) => m.type === 'hello')).user.userId, alice.userId);
  assert.equal((await b.next((m) => m.type === 'auth')).user.userId, bob.userId);
  await t.deposit(alice.userId, 5000);
  // Published after commit by the money service's hook; the balance is read from the ledger.
  const balance = await a.next((m) => m.type === 'balance');
  assert.equal(balance.balance, 5000);
  const bet = await t.request({
    method: 'POST',
    url: '/v1/bets',
    token: alice.token,
    headers: { 'idempotency-key': `k-${Date.now()}` },
    body: { roundId: Number(roundId), side: 'red', amount: 700 },
  });
  assert.equal(bet.status, 202);
  const placed = await a.next((m) => m.type === 'bet' && m.change === 'placed');
  assert.equal(placed.betId, bet.body.betId);
  assert.equal((await a.next((m) => m.type === 'balance' && m.reason === 'placed')).balance, 4300);
  // Coalesced totals for everyone, read from the database.
  const totals = await b.next((m) => m.type === 'round' && m.change === 'totals');
  assert.equal(totals.totals.red.unmatched, 700);
  await sleep(200);
  assert.ok(!b.messages.some((m) => m.type === 'bet' || m.type === 'balance'), 'bob saw alice events');
  a.ws.close();
  b.ws.close();
});

test('an invalid token is refused with close code 4401', async () => {
  const c = await connect(`${base}/v1/stream?token=not-a-token`);
  assert.equal(await c.closed, 4401);
  assert.equal(c.messages[0]?.code, 'UNAUTHORIZED');
  const d = await connect(`${base}/v1/stream`);
  await d.next((m) => m.type === 'hello');
  d.ws.send(JSON.stringify({ type: 'auth', token: 'nope' }));
  assert.equal(await d.closed, 4401);
});

test('a closed round is sent with its revealed seed and result; totals hints are coalesced', async () => {
  const c = await connect(`${base}/v1/stream`);
  await c.next((m) => m.type === 'hello');
  const hints = Array.from({ length: 50 }, () => ({
    type: 'round' as const,
    roundId: String(roundId),
    status: 'OPEN',
    change: 'totals',
  }));
  t.deps.events.publish(hints);
  await sleep(1200);
  const totals = c.messages.filter((m) => m.change === 'totals');
  assert.ok(totals.length >= 1 && totals.length <= 2, `expected 1-2 totals messages, got ${totals.length}`);
  await closeRound(t.db.pool, roundId, t.deps.seeds);
  t.deps.events.publish([{ type: 'round', roundId: String(roundId), status: 'CLOSED' }]);
  const closed = await c.next((m) => m.type === 'round' && m.status === 'CLOSED');
  assert.match(closed.serverSeed, /^[0-9a-f]{64}$/);
  assert.ok(['red', 'green'].includes(closed.result));
  c.ws.close();
});

test('ping gets pong; junk gets an error', async () => {
  const c = await connect(`${base}/v1/stream`);
  c.ws.send(JSON.stringify({ type: 'ping' }));
  await c.next((m) => m.type === 'pong');
  c.ws.send('{nope');
  assert.equal((await c.next((m) => m.type === 'error')).code, 'VALIDATION');
  c.ws.close();
});

test('plain GET on the stream is a 400, not a 500', async () => {
  const res = await t.request({ method: 'GET', url: '/v1/stream' });
  assert.equal(res.status, 400);
});

async function smallGateway(options: Parameters<typeof streamRoutesWith>[0]) {
  const small: FastifyInstance = Fastify();
  streamRoutesWith(options)(small, t.deps, guards(t.deps.tokens));
  return { small, url: `ws://127.0.0.1:${await listenOnLoopback(small)}/v1/stream` };
}

async function disconnects(reason: string): Promise<number> {
  const text = await t.deps.metrics.registry.getSingleMetricAsString('colorbet_websocket_disconnects_total');
  return Number(new RegExp(`reason="${reason}"[^\\n]* (\\d+)`).exec(text)?.[1] ?? 0);
}

test('heartbeat drops silent sockets', async () => {
  const { small, url } = await smallGateway({ heartbeatMs: 100 });
  try {
    const before = await disconnects('heartbeat');
    const silent = await connect(url, { autoPong: false });
    const healthy = await connect(url);
    assert.equal(await silent.closed, 1006);
    await sleep(300);
    assert.equal(healthy.ws.readyState, WebSocket.OPEN, 'a client that answers pings stays');
    assert.ok((await disconnects('heartbeat')) > before);
    healthy.ws.close();
  } finally {
    await small.close();
  }
});

test('a client that stops reading is cut off; one that reads keeps up', async () => {
  // A long heartbeat, so that only the slow-client bound can drop the stalled reader here.
  const { small, url } = await smallGateway({ heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024 });
  try {
    const before = await disconnects('slow');
    const healthy = await connect(url);
    const slow = await connect(url);
    await slow.next((m) => m.type === 'hello');
    // Stop reading: the kernel buffers fill, then the gateway's own buffer would grow.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const pad = 'x'.repeat(100_000);
    // Paced like real traffic, so a client that does read keeps up and stays under the bound.
    for (let i = 0; i < 200; i++) {
      t.deps.events.publish([{ type: 'round', roundId: '999999', status: 'CLOSED', pad, i }]);
      if (i % 4 === 3) await sleep(5);
    }
    await healthy.next((m) => m.i === 199, 10_000);
    assert.equal(healthy.ws.readyState, WebSocket.OPEN, 'a reading client keeps its connection');
    assert.ok((await disconnects('slow')) > before, 'the stalled reader was cut off');
    healthy.ws.close();
    slow.ws.terminate();
  } finally {
    await small.close();
  }
});

test('a socket is closed with 4401 TOKEN_EXPIRED once the token it authenticated with expires', async () => {
  const { small, url } = await smallGateway({ heartbeatMs: 100 });
  try {
    const p = await t.registerPlayer();
    const shortLived = await new TokenService('test-secret-that-is-long-enough-0123456789', 2).issue({
      userId: BigInt(p.userId),
      role: 'player',
      username: p.username,
    });
    const expiring = await connect(`${url}?token=${shortLived}`);
    const lasting = await connect(`${url}?token=${p.token}`);
    await expiring.next((m) => m.type === 'hello' && m.user?.userId === p.userId);
    assert.equal((await expiring.next((m) => m.type === 'error', 5000)).code, 'TOKEN_EXPIRED');
    assert.equal(await expiring.closed, 4401, 'closed after its token expired');
    assert.equal(lasting.ws.readyState, WebSocket.OPEN, 'a socket with a valid token stays');
    lasting.ws.close();
  } finally {
    await small.close();
  }
});

test('a gateway-only process (buildGatewayApp) serves the stream and /metrics', async () => {
  const gatewayOnly = await buildGatewayApp(t.deps);
  const port = await listenOnLoopback(gatewayOnly);
  try {
    const c = await connect(`ws://127.0.0.1:${port}/v1/stream`);
    assert.equal((await c.next((m) => m.type === 'hello')).type, 'hello');
    t.deps.events.publish([{ type: 'round', roundId: String(roundId), status: 'CLOSED', change: 'again' }]);
    await c.next((m) => m.change === 'again');
    const metrics = await gatewayOnly.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /colorbet_websocket_clients/);
    c.ws.close();
  } finally {
    await gatewayOnly.close();
  }
});

test("logout closes the session's open streams at once (not another device's); the old token no longer authenticates one", async () => {
  const carol = await t.registerPlayer();
  const login = await t.request({
    method: 'POST',
    url: '/v1/auth/login',
    body: { username: carol.username, password: 'password-123' },
  });
  const s = await connect(`${base}/v1/stream?token=${carol.token}`);
  const otherDevice = await connect(`${base}/v1/stream?token=${login.body.token}`);
  assert.equal((await s.next((m) => m.type === 'hello')).user.userId, carol.userId);
  await otherDevice.next((m) => m.type === 'hello');
  const out = await t.request({ method: 'POST', url: '/v1/auth/logout', token: carol.token });
  assert.equal(out.status, 204);
  const error = await s.next((m) => m.type === 'error');
  assert.equal(error.code, 'UNAUTHORIZED');
  assert.equal(await s.closed, 4401);
  const again = await connect(`${base}/v1/stream?token=${carol.token}`);
  assert.equal((await again.next((m) => m.type === 'error')).code, 'UNAUTHORIZED');
  otherDevice.ws.send(JSON.stringify({ type: 'ping' }));
  await otherDevice.next((m) => m.type === 'pong');
  assert.equal(otherDevice.ws.readyState, WebSocket.OPEN, "the other session's stream stays");
  // Logging out everywhere ends it too.
  const all = await t.request({
    method: 'POST',
    url: '/v1/auth/logout',
    token: login.body.token,
    body: { all: true },
  });
  assert.equal(all.status, 204);
  assert.equal(await otherDevice.closed, 4401);
});
