// Logs are JSON lines on stdout; one bet's life (HTTP request, money movement, match,
// settlement) can be followed by its request id; operator actions are audit events; secrets
// never appear.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { TokenService } from '../src/auth/tokens.ts';
import { freePort, httpOk, waitFor } from '../scripts/lib/ports.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

const SECRET = 'log-test-secret-0123456789-abcdefghij';
let db: TestDatabase;
let child: ChildProcess;
let base = '';
let raw = '';
/** Every complete JSON line printed so far. */
function lines(): Record<string, unknown>[] {
  return raw
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

before(async () => {
  db = await createTestDatabase(4);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['bin/colorbet.js', 'start'], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      PORT: String(port),
      LOG_LEVEL: 'debug', // per-bet settlement lines are debug (one info line per chunk)
      AUTH_SECRET: SECRET,
      ROUND_SECONDS: '2',
      DEMO_PLAYERS: '0',
      REDIS_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    raw += chunk.toString();
  });
  await waitFor('service', () => httpOk(`${base}/healthz`), 60_000);
});
after(async () => {
  child.kill('SIGKILL');
  await db.drop();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any, requestId: res.headers.get('x-request-id') };
}

test(
  'a bet can be followed by its request id; operator actions are audited; no secrets',
  { timeout: 90_000 },
  async () => {
    const password = `pw-${randomUUID()}`;
    const a = await call('POST', '/v1/auth/register', { username: `la_${Date.now()}`, password });
    const b = await call('POST', '/v1/auth/register', { username: `lb_${Date.now()}`, password });
    assert.equal(a.status, 201);
    const op = await createUser(db.pool, `lop_${Date.now()}`, 'operator-pass-123', 'operator');
    const opToken = await new TokenService(SECRET, 600).issue(op);
    for (const p of [a, b]) {
      const d = await call(
        'POST',
        '/v1/admin/deposits',
        { userId: p.body.userId, amount: 5000, reference: randomUUID() },
        { authorization: `Bearer ${opToken}`, 'idempotency-key': `dep-${p.body.userId}` },
      );
      assert.equal(d.status, 201);
    }
    let round = await call('GET', '/v1/rounds/current');
    await waitFor('a fresh open round', async () => {
      round = await call('GET', '/v1/rounds/current');
      return (
        round.body.status === 'OPEN' &&
        Date.parse(round.body.closesAt) - Date.parse(round.body.serverTime) > 800
      );
    });
    // The client's own id is logged beside ours; ours (the answer's x-request-id) follows the bet.
    const clientTrace = `trace-${randomUUID().slice(0, 8)}`;
    const betA = await call(
      'POST',
      '/v1/bets',
      { roundId: round.body.roundId, side: 'red', amount: 500 },
      { authorization: `Bearer ${a.body.token}`, 'idempotency-key': 'k1', 'x-request-id': clientTrace },
    );
    const betB = await call(
      'POST',
      '/v1/bets',
      { roundId: round.body.roundId, side: 'green', amount: 500 },
      { authorization: `Bearer ${b.body.token}`, 'idempotency-key': 'k1' },
    );
    assert.equal(betA.status, 202);
    const traceA = betA.requestId!;
    assert.notEqual(traceA, clientTrace, 'the server chooses the request id');
    assert.ok(
      lines().some((l) => l.reqId === traceA && l.clientRequestId === clientTrace),
      'the client id is logged as clientRequestId',
    );
    assert.equal(betB.status, 202);
    await waitFor(
      'bet settled line',
      async () => lines().some((l) => l.requestId === traceA && l.msg === 'bet settled'),
      30_000,
    );

    const trail = lines()
      .filter((l) => l.reqId === traceA || l.requestId === traceA)
      .map((l) => l.msg);
    // One line per money operation, none per plain request (issue 9: a lean per-bet path).
    for (const step of ['money operation', 'bet matched', 'bet settled']) {
      assert.ok(
        trail.includes(step) && !trail.includes('incoming request'),
        `missing "${step}" in the trail of ${traceA}: ${JSON.stringify(trail)}`,
      );
    }
    const audit = lines().filter((l) => l.audit === 'deposit');
    assert.equal(audit.length, 2, 'each operator deposit is an audit event');
    assert.ok(
      audit.every((l) => l.actor === op.username && l.idempotencyKey && l.time),
      JSON.stringify(audit[0]),
    );

    // The access log: one line per request, at debug, with the path but never its query.
    const access = lines().filter((l) => l.reqId === traceA && l.msg === 'request');
    assert.equal(access.length, 1, JSON.stringify(access));
    assert.deepEqual(
      {
        level: access[0]!.level,
        method: access[0]!.method,
        path: access[0]!.path,
        status: access[0]!.status,
      },
      { level: 20, method: 'POST', path: '/v1/bets', status: 202 },
    );
    // Money at info; a match moves no money and is at debug.
    const levelOf = (msg: string) => lines().find((l) => l.requestId === traceA && l.msg === msg)?.level;
    assert.equal(lines().find((l) => l.reqId === traceA && l.msg === 'money operation')?.level, 30);
    assert.equal(levelOf('bet matched'), 20);
    // The round's life at info, and the start banner's facts on one JSON line.
    const roundId = String(round.body.roundId);
    for (const msg of [
      `round ${roundId} open for bets`,
      `round ${roundId} closed: final matching, then settlement`,
    ]) {
      assert.ok(
        lines().some((l) => l.level === 30 && l.msg === msg),
        `no info line "${msg}"`,
      );
    }
    const banner = lines().find((l) => String(l.msg).startsWith('colorbet listening on'));
    assert.equal(banner?.player, `${base}/`);
    assert.equal(banner?.operator, `${base}/admin`);
    assert.equal(banner?.docs, `${base}/docs`);
    assert.match(String(banner?.createOperator), /colorbet operator create/);
    assert.match(String(banner?.data), /DATABASE_URL/);
    assert.ok(
      !String(banner?.data).includes(new URL(db.url).password || '\u0000'),
      'a password in the banner',
    );
    assert.ok(!raw.includes('----'), 'the text banner is for a terminal, not for a JSON log');

    assert.ok(!raw.includes(password), 'a password reached the logs');
    assert.ok(!raw.includes(a.body.token) && !raw.includes(opToken), 'a token reached the logs');
    assert.ok(!raw.includes(SECRET), 'the signing secret reached the logs');
  },
);
