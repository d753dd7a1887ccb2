// How a player gets money in: demo funds (marked demo in the ledger, once per window, off unless
// demo mode) and deposits through a payment provider, credited by its signed callback exactly
// once however often the callback comes; the local test provider signs the same way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { signCallback, SIGNATURE_HEADER } from '../src/payments/signature.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { createTestDatabase } from './helpers/db.ts';
import { ledgerBalance } from './helpers/ledger.ts';

const SECRET = 'provider-shared-secret-0123456789abcdef';
let t: TestApp;

before(async () => {
  t = await startTestApp({
    DEMO_FUNDS: '1',
    DEMO_FUNDS_AMOUNT: '5000',
    DEMO_FUNDS_EVERY_SECONDS: '3600',
    PAYMENT_CALLBACK_SECRET: SECRET,
    PAYMENT_TEST_PROVIDER: '1',
  });
});
after(async () => t.close());

// The ledger's own sum (GET /v1/wallet reads the asynchronous projection, not run here).
const balance = async (p: { userId: number }) => Number(await ledgerBalance(t.db.pool, p.userId));
const deposits = async (userId: number) =>
  (
    await t.db.pool.query<{ reference: string; amount: bigint }>(
      `SELECT reference, amount FROM transfers WHERE kind = 'deposit' AND user_id = $1 ORDER BY id`,
      [userId],
    )
  ).rows;

function callback(body: object, signature?: string) {
  const payload = JSON.stringify(body);
  return t.app.inject({
    method: 'POST',
    url: '/v1/payments/callback',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signature ?? signCallback(SECRET, payload),
    },
    payload,
  });
}

test('demo funds: credited once per window, marked demo in the ledger', async () => {
  const p = await t.registerPlayer();
  const funding = await t.request({ method: 'GET', url: '/v1/funding' });
  assert.deepEqual(funding.body, {
    demoFunds: { amount: 5000, everySeconds: 3600 },
    deposits: true,
    maxDeposit: 1_000_000_000_000,
  });
  const first = await t.request({ method: 'POST', url: '/v1/wallet/demo-funds', token: p.token });
  assert.equal(first.status, 201);
  assert.equal(first.body.amount, 5000);
  assert.match(first.body.reference, new RegExp(`^demo:${p.userId}:\\d+$`));
  // Two more at once: both refused or answered with the first deposit, never a second credit.
  const again = await Promise.all(
    [1, 2].map(() => t.request({ method: 'POST', url: '/v1/wallet/demo-funds', token: p.token })),
  );
  for (const r of again) {
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, 'DEMO_FUNDS_TOO_SOON');
    assert.ok(r.body.error.details.retryAfterSeconds > 0);
  }
  assert.equal(await balance(p), 5000);
  assert.deepEqual(
    (await deposits(p.userId)).map((d) => d.reference),
    [first.body.reference],
  );
  // An operator may not write a deposit that looks like demo or provider money.
  const forged = await t.request({
    method: 'POST',
    url: '/v1/admin/deposits',
    token: t.operatorToken,
    body: { userId: p.userId, amount: 100, reference: `demo:${p.userId}:1` },
  });
  assert.equal(forged.status, 400);
  assert.equal((await deposits(p.userId)).length, 1);
});

test('demo funds are off outside demo mode, and so are deposits without a provider', async () => {
  const off = await startTestApp({}, await createTestDatabase());
  try {
    const p = await off.registerPlayer();
    const demo = await off.request({ method: 'POST', url: '/v1/wallet/demo-funds', token: p.token });
    assert.equal(demo.status, 403);
    assert.equal(demo.body.error.code, 'DEMO_FUNDS_OFF');
    const dep = await off.request({
      method: 'POST',
      url: '/v1/wallet/deposits',
      token: p.token,
      body: { amount: 100 },
    });
    assert.equal(dep.body.error.code, 'PAYMENTS_OFF');
    const cb = await off.app.inject({
      method: 'POST',
      url: '/v1/payments/callback',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: 'sha256=' + '0'.repeat(64) },
      payload: '{"depositId":1,"amount":1,"status":"succeeded"}',
    });
    assert.equal(cb.statusCode, 403);
    assert.equal((await off.request({ method: 'GET', url: '/v1/funding' })).body.demoFunds, null);
  } finally {
    await off.close();
  }
});

test('a provider deposit: bad signatures refused, a replayed callback credits once', async () => {
  const p = await t.registerPlayer();
  const started = await t.request({
    method: 'POST',
    url: '/v1/wallet/deposits',
    token: p.token,
    body: { amount: 2500 },
  });
  assert.equal(started.status, 201);
  assert.equal(started.body.status, 'STARTED');
  const id = started.body.depositId as number;
  assert.equal(started.body.payUrl, `/test-provider?depositId=${id}&amount=2500`);
  const body = { depositId: id, amount: 2500, status: 'succeeded', providerReference: 'psp-1' };

  for (const bad of [
    'sha256=' + '0'.repeat(64),
    signCallback('another-secret-0123456789abcdef0123', JSON.stringify(body)),
    'garbage',
  ]) {
    const res = await callback(body, bad);
    assert.equal(res.statusCode, 401, bad);
    assert.equal(res.json().error.code, 'PAYMENT_SIGNATURE_INVALID');
  }
  const noHeader = await t.app.inject({
    method: 'POST',
    url: '/v1/payments/callback',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  assert.equal(noHeader.statusCode, 401);
  // Signed, but for another amount than the player started: refused.
  const wrong = await callback({ ...body, amount: 99_999 });
  assert.equal(wrong.statusCode, 409);
  assert.equal(wrong.json().error.code, 'PAYMENT_MISMATCH');
  assert.equal(await balance(p), 0);

  // The real one, replayed: sequentially and at once.
  const first = await callback(body);
  assert.equal(first.statusCode, 200);
  assert.equal(first.json().status, 'CREDITED');
  const replays = await Promise.all([callback(body), callback(body), callback(body)]);
  for (const r of replays) assert.equal(r.statusCode, 200);
  assert.equal(await balance(p), 2500);
  assert.deepEqual(
    (await deposits(p.userId)).map((d) => [d.reference, d.amount]),
    [[`payment:${id}`, 2500n]],
  );
  const listed = await t.request({ method: 'GET', url: '/v1/wallet/deposits', token: p.token });
  assert.equal(listed.body.deposits[0].status, 'CREDITED');
  assert.equal(listed.body.deposits[0].payUrl, null);
  // Another player cannot see it; an unknown deposit is 404.
  assert.equal((await callback({ ...body, depositId: id + 1000 })).statusCode, 404);
});

test('the local test provider signs the callback the same way', async () => {
  const p = await t.registerPlayer();
  const started = await t.request({
    method: 'POST',
    url: '/v1/wallet/deposits',
    token: p.token,
    body: { amount: 1234 },
  });
  const pay = { depositId: started.body.depositId, amount: 1234, status: 'succeeded' };
  const res = await t.request({ method: 'POST', url: '/test-provider/pay', body: pay });
  assert.equal(res.status, 200);
  assert.equal(res.body.callbackStatus, 200);
  assert.equal(res.body.callbackBody.status, 'CREDITED');
  await t.request({ method: 'POST', url: '/test-provider/pay', body: pay });
  assert.equal(await balance(p), 1234);
  const page = await t.app.inject({ method: 'GET', url: '/test-provider?depositId=1&amount=5' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /test payment provider/i);
});

test('registration says what a username and a password must be, in words', async () => {
  const short = await t.request({
    method: 'POST',
    url: '/v1/auth/register',
    body: { username: 'a b', password: 'password-123' },
  });
  assert.equal(short.status, 400);
  assert.match(short.body.error.message, /^A username is 3 to 32 characters/);
  assert.doesNotMatch(short.body.error.message, /pattern|body\.|\^/);
  const pw = await t.request({
    method: 'POST',
    url: '/v1/auth/register',
    body: { username: uniqueName(), password: 'x' },
  });
  assert.equal(pw.body.error.message, 'A password is 8 to 200 characters.');
});

test('funding configuration is checked at start and names the variable', () => {
  const bad = (env: Record<string, string>, variable: string) =>
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && err.variable === variable,
    );
  bad({ PAYMENT_CALLBACK_SECRET: 'short' }, 'PAYMENT_CALLBACK_SECRET');
  bad({ PAYMENT_TEST_PROVIDER: '1' }, 'PAYMENT_CALLBACK_SECRET');
  bad({ PAYMENT_CALLBACK_SECRET: SECRET }, 'PAYMENT_PROVIDER_URL');
  bad({ PAYMENT_CALLBACK_SECRET: SECRET, PAYMENT_PROVIDER_URL: 'ftp://x' }, 'PAYMENT_PROVIDER_URL');
  bad({ DEMO_FUNDS: 'yes' }, 'DEMO_FUNDS');
  bad({ DEMO_FUNDS_AMOUNT: '5', MAX_DEPOSIT: '4' }, 'DEMO_FUNDS_AMOUNT');
  bad({ REVEAL_SECONDS: '-1' }, 'REVEAL_SECONDS');
  assert.equal(loadConfig({}).funding.demoFunds, true, 'on for the embedded default');
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://x/y' }).funding.demoFunds, false);
});
