// Short-lived access tokens (issue 11): with a 5-second TOKEN_TTL_SECONDS, an expired access
// token answers 401 TOKEN_EXPIRED (not UNAUTHORIZED, so clients renew instead of logging out);
// the API client renews ahead of expiry and once on TOKEN_EXPIRED; and the simulator, whose
// players bet through several token lifetimes, finishes with every bet accepted or refused for
// a money reason, never for an expired token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { ApiClient } from '../src/sim/client.ts';
import { runSimulation } from '../src/sim/simulate.ts';
import { listenOnLoopback, startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { startGameWorkers } from './helpers/game.ts';
import { sleep } from './helpers/util.ts';

const TTL_SECONDS = 5;
let t: TestApp;
let base = '';
let game: { stop(): Promise<void> };
before(async () => {
  t = await startTestApp({ TOKEN_TTL_SECONDS: String(TTL_SECONDS), ROUND_SECONDS: '3' });
  base = `http://127.0.0.1:${await listenOnLoopback(t.app)}`;
  game = startGameWorkers(t);
});
after(async () => {
  await game.stop();
  await t.close();
});

const refreshCalls = async () => {
  const text = await t.deps.metrics.registry.getSingleMetricAsString(
    'colorbet_http_request_duration_seconds',
  );
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('colorbet_http_request_duration_seconds_count') &&
        l.includes('/v1/auth/refresh') &&
        l.includes('status="200"'),
    );
  return Number(line?.split(' ').pop() ?? 0);
};

test('the access token lifetime is validated: short by default, shorter than the refresh token', () => {
  assert.equal(loadConfig({}).tokenTtlSeconds, 900);
  assert.throws(() => loadConfig({ TOKEN_TTL_SECONDS: '4' }), ConfigError);
  assert.throws(
    () => loadConfig({ TOKEN_TTL_SECONDS: '3600', REFRESH_TOKEN_TTL_SECONDS: '3600' }),
    (err: ConfigError) => err.variable === 'REFRESH_TOKEN_TTL_SECONDS',
  );
});

test('an expired access token is 401 TOKEN_EXPIRED; its refresh token renews the session', async () => {
  const p = await t.registerPlayer();
  const login = await t.request({
    method: 'POST',
    url: '/v1/auth/login',
    body: { username: p.username, password: 'password-123' },
  });
  assert.equal(login.body.expiresIn, TTL_SECONDS);
  assert.equal((await t.request({ method: 'GET', url: '/v1/wallet', token: login.body.token })).status, 200);
  await sleep(TTL_SECONDS * 1000 + 1100);
  const expired = await t.request({ method: 'GET', url: '/v1/wallet', token: login.body.token });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.error.code, 'TOKEN_EXPIRED');
  const renewed = await t.request({
    method: 'POST',
    url: '/v1/auth/refresh',
    body: { refreshToken: login.body.refreshToken },
  });
  assert.equal(renewed.status, 200);
  assert.equal(
    (await t.request({ method: 'GET', url: '/v1/wallet', token: renewed.body.token })).status,
    200,
  );
});

test('the API client renews once on TOKEN_EXPIRED and repeats the call', async () => {
  const p = await t.registerPlayer();
  const login = await new ApiClient(base).login(p.username, 'password-123');
  assert.ok(login.ok);
  // No expiresIn: the client cannot renew ahead, so only the 401 tells it.
  const client = new ApiClient(base).withToken({
    token: login.body.token,
    refreshToken: login.body.refreshToken!,
  });
  assert.equal((await client.wallet()).ok, true);
  const before = await refreshCalls();
  await sleep(TTL_SECONDS * 1000 + 1100);
  const after = await client.wallet();
  assert.equal(after.ok, true, JSON.stringify(after));
  assert.equal((await refreshCalls()) - before, 1);
  // Without a refresh token an expired token stays expired.
  const bare = new ApiClient(base).withToken(login.body.token);
  const refused = await bare.wallet();
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'TOKEN_EXPIRED');
});

test(
  'the simulator bets through several token lifetimes without an authentication failure',
  { timeout: 120_000 },
  async () => {
    // The operator only funds the players at the start: a fresh token of its own is enough.
    const operator = await createUser(t.db.pool, uniqueName('op'), 'operator-password', 'operator');
    const before = await refreshCalls();
    const started = Date.now();
    const summary = await runSimulation({
      url: base,
      players: 6,
      rounds: 4,
      betsPerPlayer: 2,
      operatorToken: await t.deps.tokens.issue(operator),
      minBet: 10,
      maxBet: 1000,
      concurrency: 6,
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds > 2 * TTL_SECONDS, `the run outlived two token lifetimes (${seconds.toFixed(1)} s)`);
    assert.equal(summary.rounds.length, 4);
    assert.equal(summary.betsAccepted, 6 * 4 * 2, JSON.stringify(summary.betsRejected));
    assert.ok((await refreshCalls()) - before >= 6, 'every player renewed its token at least once');
  },
);
