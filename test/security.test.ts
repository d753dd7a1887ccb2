// Safe in front of the public (issue 11, first part): rate limits keyed on the verified caller
// or the real client address, stricter limits and per-username backoff on login, usernames
// unique regardless of case, server-chosen request ids, security headers, closed CORS, metrics
// and readiness detail behind a token, and error bodies without validator internals.
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildOpsApp } from '../src/http/app.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { freePort } from './helpers/process.ts';
import { startService, waitReady } from './helpers/service.ts';
import { staffAccount } from './helpers/staff.ts';

const apps: TestApp[] = [];
after(async () => Promise.all(apps.map((a) => a.close())));
const app = async (env: Record<string, string>) => {
  const t = await startTestApp(env);
  apps.push(t);
  return t;
};

void describe('rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await app({
      RATE_LIMIT_MAX: '5',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      AUTH_RATE_LIMIT_MAX: '3',
      TRUST_PROXY: '127.0.0.1',
    });
  });

  test('made-up tokens share the address budget instead of getting one each', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.request({
        method: 'GET',
        url: '/v1/rounds',
        token: `junk-${i}`,
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(5), [429, 429]);
  });

  test('a player has one budget whichever of its tokens it uses; another address is not affected', async () => {
    const p = await t.registerPlayer();
    const second = (
      await t.request({
        method: 'POST',
        url: '/v1/auth/login',
        body: { username: p.username, password: 'password-123' },
      })
    ).body.token as string | undefined;
    const tokens = [p.token, second ?? p.token];
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (
          await t.request({
            method: 'GET',
            url: '/v1/wallet',
            token: tokens[i % 2]!,
            headers: { 'x-forwarded-for': `198.51.100.${i}` },
          })
        ).status,
      );
    }
    assert.deepEqual(statuses.slice(5), [429, 429], JSON.stringify(statuses));
    const other = await t.request({
      method: 'GET',
      url: '/v1/rounds',
      headers: { 'x-forwarded-for': '192.0.2.99' },
    });
    assert.equal(other.status, 200);
  });

  test('login and register have their own stricter budget per client address', async () => {
    const attempt = (ip: string) =>
      t.request({
        method: 'POST',
        url: '/v1/auth/login',
        body: { username: uniqueName('nobody'), password: 'wrong-password' },
        headers: { 'x-forwarded-for': ip },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt('203.0.113.50')).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    // Behind the trusted proxy, another client address has its own budget.
    assert.equal((await attempt('203.0.113.51')).status, 401);
  });
});

void describe('login', () => {
  let t: TestApp;
  before(async () => {
    t = await app({ AUTH_RATE_LIMIT_MAX: '0' });
  });

  const login = (username: string, password: string) =>
    t.request({ method: 'POST', url: '/v1/auth/login', body: { username, password } });

  test('after 5 failures a username waits, whether it exists or not, and the answers are alike', async () => {
    const p = await t.registerPlayer();
    const ghost = uniqueName('ghost');
    for (const name of [p.username, ghost]) {
      for (let i = 0; i < 5; i++) assert.equal((await login(name, 'wrong-password')).status, 401);
    }
    const real = await login(p.username, 'password-123');
    const fake = await login(ghost, 'password-123');
    for (const res of [real, fake]) {
      assert.equal(res.status, 429);
      assert.equal(res.body.error.code, 'LOGIN_THROTTLED');
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
    assert.deepEqual(Object.keys(real.body.error).sort(), Object.keys(fake.body.error).sort());
    // Once the wait is over, the right password gets in and the count starts again.
    await t.db.pool.query(`UPDATE login_throttle SET blocked_until = now() - interval '1 second'`);
    assert.equal((await login(p.username, 'password-123')).status, 200);
    const { rows } = await t.db.pool.query('SELECT 1 FROM login_throttle WHERE username = lower($1)', [
      p.username,
    ]);
    assert.equal(rows.length, 0);
  });

  test('an old scrypt hash still logs in and is replaced by argon2id at that login', async () => {
    const name = uniqueName('legacy');
    const salt = randomBytes(16);
    const key = scryptSync('password-123', salt, 32, { N: 16384, r: 8, p: 1 });
    const legacy = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    await t.db.pool.query(`INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'operator')`, [
      name,
      legacy,
    ]);
    assert.equal((await login(name, 'password-123')).status, 200);
    const { rows } = await t.db.pool.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE username = $1',
      [name],
    );
    assert.match(rows[0]!.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal((await login(name, 'password-123')).status, 200);
    assert.equal((await login(name, 'wrong-password')).status, 401);
  });

  test('usernames are unique regardless of case, and login ignores case', async () => {
    const name = `Case_${uniqueName('u')}`;
    const first = await t.request({
      method: 'POST',
      url: '/v1/auth/register',
      body: { username: name, password: 'password-123' },
    });
    assert.equal(first.status, 201);
    const lookAlike = await t.request({
      method: 'POST',
      url: '/v1/auth/register',
      body: { username: name.toLowerCase(), password: 'password-123' },
    });
    assert.equal(lookAlike.status, 409);
    assert.equal(lookAlike.body.error.code, 'USERNAME_TAKEN');
    const res = await login(name.toUpperCase(), 'password-123');
    assert.equal(res.status, 200);
    assert.equal(res.body.userId, first.body.userId);
  });
});

void describe('sessions', () => {
  let t: TestApp;
  before(async () => {
    // No cache of the user's epoch and role: a change shows on the next request.
    t = await app({ SESSION_CHECK_SECONDS: '0' });
  });

  const login = (username: string) =>
    t.request({ method: 'POST', url: '/v1/auth/login', body: { username, password: 'password-123' } });

  const wallet = async (token: string) =>
    (await t.request({ method: 'GET', url: '/v1/wallet', token })).status;
  const refresh = async (refreshToken: string) =>
    (await t.request({ method: 'POST', url: '/v1/auth/refresh', body: { refreshToken } })).status;

  test('logout revokes its own session (access and refresh tokens, also refreshed ones) and no other', async () => {
    const p = await t.registerPlayer();
    const phone = (await login(p.username)).body;
    const laptop = (await login(p.username)).body;
    const renewed = (
      await t.request({ method: 'POST', url: '/v1/auth/refresh', body: { refreshToken: phone.refreshToken } })
    ).body;
    assert.equal(await wallet(renewed.token), 200);
    assert.equal(
      (await t.request({ method: 'POST', url: '/v1/auth/logout', token: phone.token })).status,
      204,
    );
    for (const token of [phone.token, renewed.token]) {
      const res = await t.request({ method: 'GET', url: '/v1/wallet', token });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'UNAUTHORIZED');
    }
    assert.equal(await refresh(phone.refreshToken), 401, "the session's refresh token is revoked");
    assert.equal(await refresh(renewed.refreshToken), 401, 'and so is the one a refresh gave');
    // The laptop and the registration's session carry on.
    assert.equal(await wallet(laptop.token), 200);
    assert.equal(await wallet(p.token), 200);
    assert.equal(await refresh(laptop.refreshToken), 200);
    // Revocations are rows the service cannot take back while they matter.
    await assert.rejects(
      t.deps.pool.query('DELETE FROM revoked_sessions'),
      (err: { code?: string }) => err.code === '42501',
    );
    await assert.rejects(
      t.deps.pool.query(`UPDATE revoked_sessions SET expires_at = now() + interval '1 second'`),
      (err: { code?: string }) => err.code === '42501',
    );
  });

  test('logout with {"all": true} revokes the access and refresh tokens of every device; a new login works', async () => {
    const p = await t.registerPlayer();
    const phone = (await login(p.username)).body;
    const laptop = (await login(p.username)).body;
    assert.equal((await t.request({ method: 'GET', url: '/v1/wallet', token: phone.token })).status, 200);
    assert.equal(
      (await t.request({ method: 'POST', url: '/v1/auth/logout', token: phone.token, body: { all: true } }))
        .status,
      204,
    );
    for (const token of [phone.token, laptop.token, p.token]) {
      const res = await t.request({ method: 'GET', url: '/v1/wallet', token });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'UNAUTHORIZED');
    }
    const refreshed = await t.request({
      method: 'POST',
      url: '/v1/auth/refresh',
      body: { refreshToken: laptop.refreshToken },
    });
    assert.equal(refreshed.status, 401);
    const fresh = (await login(p.username)).body;
    assert.equal((await t.request({ method: 'GET', url: '/v1/wallet', token: fresh.token })).status, 200);
  });

  test('refresh gives a working access token; access and refresh tokens do not stand in for each other', async () => {
    const p = await t.registerPlayer();
    const first = (await login(p.username)).body;
    assert.ok(first.refreshToken && first.expiresIn > 0);
    const next = await t.request({
      method: 'POST',
      url: '/v1/auth/refresh',
      body: { refreshToken: first.refreshToken },
    });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.userId, p.userId);
    assert.equal((await t.request({ method: 'GET', url: '/v1/wallet', token: next.body.token })).status, 200);
    assert.equal(
      (await t.request({ method: 'GET', url: '/v1/wallet', token: first.refreshToken })).status,
      401,
    );
    const wrongKind = await t.request({
      method: 'POST',
      url: '/v1/auth/refresh',
      body: { refreshToken: first.token },
    });
    assert.equal(wrongKind.status, 401);
  });

  test('a role change takes effect on the next request, whatever role the token says', async () => {
    // Staff roles change among themselves (a player never becomes staff: migration 0019).
    const s = await staffAccount(t, 'auditor');
    const status = async (url: string) => (await t.request({ method: 'GET', url, token: s.token })).status;
    assert.equal(await status('/v1/admin/withdrawals'), 403);
    assert.equal(await status('/v1/admin/audit-log'), 200);
    await t.db.pool.query(`UPDATE users SET role = 'support' WHERE id = $1`, [s.userId]);
    assert.equal(await status('/v1/admin/withdrawals'), 200);
    assert.equal(await status('/v1/admin/audit-log'), 403);
  });
});

void describe('exposure', () => {
  let t: TestApp;
  const TOKEN = 'scrape-token-0123456789abcdef';
  before(async () => {
    t = await app({ METRICS_TOKEN: TOKEN, CORS_ORIGINS: 'https://play.example.com' });
  });

  test('security headers on API answers; CORS only for the configured origin', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/rounds',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.ok(res.headers['strict-transport-security']);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    const allowed = await t.request({
      method: 'GET',
      url: '/v1/rounds',
      headers: { origin: 'https://play.example.com' },
    });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://play.example.com');
  });

  test('the server chooses the request id; a client cannot put its own into the ledger', async () => {
    const p = await t.registerPlayer();
    await t.deposit(p.userId, 1000);
    const res = await t.request({
      method: 'POST',
      url: '/v1/wallet/withdrawals',
      token: p.token,
      body: { amount: 10 },
      headers: { 'idempotency-key': 'rid-1', 'x-request-id': 'spoofed-audit-id' },
    });
    assert.equal(res.status, 202);
    assert.notEqual(res.headers['x-request-id'], 'spoofed-audit-id');
    const { rows } = await t.db.pool.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM transfers WHERE request_id = 'spoofed-audit-id'`,
    );
    assert.equal(rows[0]!.n, 0n);
  });

  test('metrics and readiness detail need the scrape token; plain readiness says only up or down', async () => {
    assert.equal((await t.request({ method: 'GET', url: '/metrics' })).status, 401);
    const scraped = await t.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(scraped.status, 200);
    const plain = await t.request({ method: 'GET', url: '/readyz' });
    assert.equal(plain.status, 200);
    for (const c of plain.body.checks) assert.deepEqual(Object.keys(c).sort(), ['name', 'ok']);
    const detailed = await t.request({
      method: 'GET',
      url: '/readyz',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.ok(detailed.body.checks.some((c: { detail?: string }) => typeof c.detail === 'string'));
  });

  test('a validation error names the field in our words, without the validator internals', async () => {
    const p = await t.registerPlayer();
    const res = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: p.token,
      body: { roundId: 1, side: 'red', amount: 'lots' },
      headers: { 'idempotency-key': 'v-1' },
    });
    assert.equal(res.status, 400);
    const text = JSON.stringify(res.body);
    assert.doesNotMatch(text, /schemaPath|instancePath|keyword/);
    const junk = await t.request({
      method: 'POST',
      url: '/v1/auth/login',
      body: '{"username": "x", "password": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(junk.status, 400);
    assert.equal(junk.body.error.message, 'The request body is not valid JSON');
  });
});

void describe('internal metrics listener (METRICS_PORT)', () => {
  test('with METRICS_PORT the public port has no /metrics and a bare /readyz; the internal listener has both', async () => {
    const t = await app({ METRICS_PORT: '0' });
    const publicMetrics = await t.request({ method: 'GET', url: '/metrics' });
    assert.equal(publicMetrics.status, 404);
    const ready = await t.request({ method: 'GET', url: '/readyz' });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ok: true, checks: [] });
    const internal = await buildOpsApp(t.deps);
    try {
      const metrics = await internal.inject({ method: 'GET', url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /colorbet_/);
      const detailed = JSON.parse((await internal.inject({ method: 'GET', url: '/readyz' })).body);
      assert.ok(detailed.checks.some((c: { detail?: string }) => typeof c.detail === 'string'));
    } finally {
      await internal.close();
    }
  });

  test(
    'colorbet start --roles api with METRICS_PORT serves the internals on METRICS_HOST only',
    { timeout: 90_000 },
    async () => {
      const t = await app({});
      const [port, metricsPort] = [await freePort(), await freePort()];
      const service = startService(
        {
          DATABASE_URL: t.db.url,
          AUTH_SECRET: 'test-secret-that-is-long-enough-0123456789',
          MIGRATE_ON_START: '0',
          PORT: String(port),
          HOST: '127.0.0.1',
          METRICS_PORT: String(metricsPort),
          DEMO_PLAYERS: '0',
          LOG_LEVEL: 'warn',
        },
        'direct',
      );
      try {
        await waitReady(service, `http://127.0.0.1:${port}`);
        const get = async (url: string) => {
          const res = await fetch(url);
          return { status: res.status, text: await res.text() };
        };
        assert.equal((await get(`http://127.0.0.1:${port}/metrics`)).status, 404);
        assert.deepEqual(JSON.parse((await get(`http://127.0.0.1:${port}/readyz`)).text), {
          ok: true,
          checks: [],
        });
        const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
        assert.equal(metrics.status, 200);
        assert.match(metrics.text, /^colorbet_http_request_duration_seconds_count\{[^\n]*route="\/readyz"/m);
        const detailed = JSON.parse((await get(`http://127.0.0.1:${metricsPort}/readyz`)).text);
        assert.ok(
          detailed.checks.some((c: { name: string; detail?: string }) => c.name === 'outbox' && c.detail),
        );
      } finally {
        service.signalGroup('SIGTERM');
        await service.exited;
      }
    },
  );
});
