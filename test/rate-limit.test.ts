// 429 RATE_LIMITED with the standard error body once a caller exceeds its budget; other
// callers and the health endpoints are unaffected.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });
});
after(async () => t.close());

test('a caller over its budget gets 429 RATE_LIMITED; others and /healthz do not', async () => {
  const answers = [];
  for (let i = 0; i < 7; i++)
    answers.push(await t.request({ method: 'GET', url: '/v1/wallet', token: t.operatorToken }));
  assert.deepEqual(
    answers.map((a) => a.status),
    [403, 403, 403, 403, 403, 429, 429],
  );
  const limited = answers[5]!;
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  assert.match(limited.body.error.message, /Too many requests/);
  assert.ok(Number(limited.headers['retry-after']) > 0);
  // Another caller (no token: keyed by address) has its own budget; health checks have none.
  assert.equal((await t.request({ method: 'GET', url: '/v1/rounds' })).status, 200);
  for (let i = 0; i < 10; i++)
    assert.equal((await t.request({ method: 'GET', url: '/healthz' })).status, 200);
});
