// The API contract (issue 11): the OpenAPI document at /docs/json is valid OpenAPI 3; every
// route declares each status it answers with its body (and the one error envelope for 4xx and
// 5xx); every route is driven here through its success and main error statuses, and each
// answer is checked against the document by the test app's recorder (test/helpers/contract.ts),
// which also fails on a field a handler produces that the schema would drop; the generated
// client types (src/sim/api-types.ts) are what the document gives today.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { API_TYPES_FILE, apiTypesSource, openApiDocument } from '../scripts/lib/api-contract.ts';
import { gameConfigSeed, seedGameConfig } from '../src/betting/game-config.ts';
import { recordSettlementFailure } from '../src/betting/quarantine.ts';
import { SIGNATURE_HEADER, signCallback } from '../src/payments/signature.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { freshRound } from './helpers/rounds.ts';
import { secondOperator } from './helpers/staff.ts';

interface Response {
  content?: Record<string, { schema?: object }>;
}
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, Response> }>>;
};

let t: TestApp;
let doc: Doc;
// Demo funds and a payment provider on, so their routes answer with success too (the provider's
// URL, not the local test provider, whose route the generated document does not have).
const PAYMENT_SECRET = 'contract-provider-secret-0123456789abcdef';
before(async () => {
  t = await startTestApp({
    DEMO_FUNDS: '1',
    PAYMENT_CALLBACK_SECRET: PAYMENT_SECRET,
    PAYMENT_PROVIDER_URL: 'https://pay.example.test/checkout',
  });
  doc = (await t.request({ method: 'GET', url: '/docs/json' })).body as Doc;
});
after(async () => t.close());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
const successStatuses = (op: { responses?: Record<string, Response> }) =>
  Object.keys(op.responses ?? {}).filter((s) => /^[12]\d\d$/.test(s));

test('the document is valid OpenAPI 3 (@readme/openapi-parser), and a broken copy is not', async () => {
  assert.match(doc.openapi, /^3\.0\.\d+$/);
  const result = await validate(structuredClone(doc) as never);
  assert.ok(result.valid, JSON.stringify(result));
  // The validator has teeth: a JSON Schema 2020 null type is not OpenAPI 3.0.
  const broken = structuredClone(doc) as any;
  broken.components.schemas.Bet.properties.payout.type = ['integer', 'null'];
  assert.equal((await validate(broken)).valid, false);
});

test('every route declares its success statuses with their bodies, and the error envelope', () => {
  let routes = 0;
  let complete = 0;
  for (const { path, method, op } of operations()) {
    routes++;
    const where = `${method} ${path}`;
    for (const range of ['4XX', '5XX']) {
      const schema = op.responses?.[range]?.content?.['application/json']?.schema;
      assert.deepEqual(schema, { $ref: '#/components/schemas/Error' }, `${where} declares ${range}`);
    }
    const success = successStatuses(op);
    assert.ok(success.length, `${where} declares no success status`);
    // A body for each, or none where the status has none (204, and 101 for the WebSocket).
    const declared = success.every((s) =>
      ['204', '101'].includes(s)
        ? op.responses![s]!.content === undefined
        : op.responses![s]!.content?.['application/json']?.schema !== undefined,
    );
    if (declared) complete++;
    else console.log(`# ${where}: a success status without its body`);
  }
  console.log(`# contract: ${complete} of ${routes} routes declare every success status with its body`);
  assert.ok(routes >= 28, `routes in the document: ${routes}`);
  assert.equal(complete, routes);
});

test('src/sim/api-types.ts is generated from the document the service serves, and up to date', async () => {
  // The generator builds the app without a database: it must see what the service serves.
  const generatedFrom = await openApiDocument();
  assert.deepEqual(generatedFrom, doc);
  const committed = await readFile(API_TYPES_FILE, 'utf8');
  assert.ok(
    committed === (await apiTypesSource(doc)),
    'src/sim/api-types.ts is stale: run npm run api:types',
  );
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function expect(
  status: number,
  method: Method,
  url: string,
  opts: { token?: string; body?: unknown; key?: boolean; headers?: Record<string, string> } = {},
): Promise<any> {
  const res = await t.request({
    method,
    url,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    headers: { ...(opts.key ? { 'idempotency-key': `k-${Math.random()}` } : {}), ...opts.headers },
  });
  assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`);
  return res.body;
}

test('every route answers its declared statuses, each checked against the document', async () => {
  const op = t.operatorToken;
  await expect(404, 'GET', '/v1/rounds/current'); // no round yet
  await expect(200, 'GET', '/healthz');
  await expect(200, 'GET', '/readyz');
  const readiness = t.deps.readiness;
  t.deps.readiness = async () => [{ name: 'postgres', ok: false, detail: 'down for the test' }];
  await expect(503, 'GET', '/readyz');
  t.deps.readiness = readiness;

  // auth
  const a = await t.registerPlayer();
  const b = await t.registerPlayer();
  const credentials = { username: a.username, password: 'password-123' };
  await expect(409, 'POST', '/v1/auth/register', { body: credentials });
  await expect(400, 'POST', '/v1/auth/register', { body: { username: 'x' } });
  const login = await expect(200, 'POST', '/v1/auth/login', { body: credentials });
  await expect(401, 'POST', '/v1/auth/login', { body: { ...credentials, password: 'wrong-password' } });
  await expect(200, 'POST', '/v1/auth/refresh', { body: { refreshToken: login.refreshToken } });
  await expect(401, 'POST', '/v1/auth/refresh', { body: { refreshToken: 'junk' } });

  // money in, a round, bets
  await t.deposit(a.userId, 10_000);
  await t.deposit(b.userId, 10_000);
  const deposit = { userId: a.userId, amount: 1, reference: 'contract-forbidden' };
  await expect(403, 'POST', '/v1/admin/deposits', { token: a.token, body: deposit });
  const r1 = Number(await freshRound(t.db.pool, t.deps.seeds));
  await expect(200, 'GET', '/v1/rounds/current');
  await expect(200, 'GET', `/v1/rounds/${r1}`);
  await expect(404, 'GET', '/v1/rounds/999999');
  await expect(200, 'GET', '/v1/rounds');
  await expect(400, 'GET', '/v1/rounds?cursor=x');
  const bet = { roundId: r1, side: 'red', amount: 500 };
  const placed = await expect(202, 'POST', '/v1/bets', { token: a.token, body: bet, key: true });
  await expect(400, 'POST', '/v1/bets', { token: a.token, body: bet });
  await expect(202, 'POST', '/v1/bets', {
    token: b.token,
    body: { ...bet, side: 'green', amount: 300 },
    key: true,
  });
  await expect(200, 'GET', `/v1/bets/${placed.betId}`, { token: a.token });
  await expect(403, 'GET', `/v1/bets/${placed.betId}`, { token: b.token });
  await expect(200, 'GET', '/v1/bets', { token: a.token });
  await expect(401, 'GET', '/v1/bets');
  await expect(200, 'DELETE', `/v1/bets/${placed.betId}`, { token: a.token });
  await expect(409, 'DELETE', `/v1/bets/${placed.betId}`, { token: a.token });

  // wallet and withdrawals
  await expect(200, 'GET', '/v1/wallet', { token: a.token });
  await expect(403, 'GET', '/v1/wallet', { token: op });
  await expect(200, 'GET', '/v1/wallet/entries', { token: a.token });
  await expect(401, 'GET', '/v1/wallet/entries');
  const w1 = await expect(202, 'POST', '/v1/wallet/withdrawals', {
    token: a.token,
    body: { amount: 100 },
    key: true,
  });
  const w2 = await expect(202, 'POST', '/v1/wallet/withdrawals', {
    token: a.token,
    body: { amount: 200 },
    key: true,
  });
  await expect(400, 'POST', '/v1/wallet/withdrawals', { token: a.token, body: { amount: 100 } });
  await expect(200, 'GET', '/v1/admin/withdrawals?status=REQUESTED', { token: op });
  await expect(403, 'GET', '/v1/admin/withdrawals', { token: a.token });
  await expect(200, 'POST', `/v1/admin/withdrawals/${w1.withdrawalId}/approve`, { token: op });
  await expect(409, 'POST', `/v1/admin/withdrawals/${w1.withdrawalId}/approve`, { token: op });
  await expect(200, 'POST', `/v1/admin/withdrawals/${w2.withdrawalId}/reject`, { token: op });
  await expect(404, 'POST', '/v1/admin/withdrawals/999999/reject', { token: op });
  await expect(200, 'GET', '/v1/wallet/withdrawals', { token: a.token });
  await expect(400, 'GET', '/v1/wallet/withdrawals?cursor=x', { token: a.token });

  // funding: demo funds once per window, a deposit through the provider and its signed callback
  await expect(200, 'GET', '/v1/funding');
  await expect(201, 'POST', '/v1/wallet/demo-funds', { token: a.token });
  await expect(429, 'POST', '/v1/wallet/demo-funds', { token: a.token });
  const intent = await expect(201, 'POST', '/v1/wallet/deposits', {
    token: a.token,
    body: { amount: 1_000 },
  });
  await expect(400, 'POST', '/v1/wallet/deposits', { token: a.token, body: {} });
  const paid = JSON.stringify({ depositId: intent.depositId, amount: 1_000, status: 'succeeded' });
  const signed = (payload: string) => ({ [SIGNATURE_HEADER]: signCallback(PAYMENT_SECRET, payload) });
  const credited = await expect(200, 'POST', '/v1/payments/callback', { body: paid, headers: signed(paid) });
  assert.equal(credited.status, 'CREDITED');
  await expect(401, 'POST', '/v1/payments/callback', {
    body: paid,
    headers: { [SIGNATURE_HEADER]: `sha256=${'0'.repeat(64)}` },
  });
  await expect(200, 'GET', '/v1/wallet/deposits', { token: a.token });
  await expect(400, 'GET', '/v1/wallet/deposits?cursor=x', { token: a.token });

  // player protection; a time-out and a self-exclusion on throwaway players, so a and b play on
  await expect(200, 'GET', '/v1/me/limits', { token: a.token });
  await expect(401, 'GET', '/v1/me/limits');
  await expect(200, 'PUT', '/v1/me/limits', { token: a.token, body: { realityCheckMinutes: 60 } });
  await expect(400, 'PUT', '/v1/me/limits', { token: a.token, body: {} });
  const paused = await t.registerPlayer();
  await expect(200, 'POST', '/v1/me/timeout', { token: paused.token, body: { hours: 24 } });
  await expect(400, 'POST', '/v1/me/timeout', { token: paused.token, body: { hours: 1 } });
  const excluded = await t.registerPlayer();
  await expect(200, 'POST', '/v1/me/self-exclusion', { token: excluded.token, body: { days: 183 } });
  await expect(400, 'POST', '/v1/me/self-exclusion', { token: excluded.token, body: { days: 1 } });
  await expect(200, 'GET', '/v1/me/activity', { token: a.token });
  await expect(400, 'GET', '/v1/me/activity?since=never', { token: a.token });
  await expect(200, 'GET', `/v1/admin/players/${paused.userId}/protection`, { token: op });
  await expect(404, 'GET', '/v1/admin/players/999999/protection', { token: op });

  // the round closes (its seed revealed) as the next opens
  const r2 = Number(await freshRound(t.db.pool, t.deps.seeds));
  const proof = await expect(200, 'GET', `/v1/fairness/verify?roundId=${r1}`);
  assert.equal(proof.ok, true);
  await expect(409, 'GET', `/v1/fairness/verify?roundId=${r2}`);
  await expect(200, 'GET', '/v1/fairness/chains');

  // game configuration and the published rules (issue 12)
  await expect(409, 'POST', '/v1/admin/config', { token: op, body: { minBet: 20, reason: 'not seeded' } });
  await seedGameConfig(t.db.pool, gameConfigSeed(t.deps.config));
  await expect(200, 'GET', '/v1/admin/config', { token: op });
  await expect(403, 'GET', '/v1/admin/config', { token: a.token });
  await expect(201, 'POST', '/v1/admin/config', { token: op, body: { minBet: 20, reason: 'contract' } });
  await expect(400, 'POST', '/v1/admin/config', { token: op, body: { reason: 'nothing to change' } });
  await expect(200, 'GET', '/v1/rules');
  await expect(200, 'GET', '/v1/rules?version=2');
  await expect(404, 'GET', '/v1/rules?version=99');
  await expect(200, 'GET', '/v1/admin/rounds', { token: op });
  await expect(403, 'GET', '/v1/admin/rounds', { token: a.token });

  // operators: a quarantined round, a void, the audit
  for (let i = 0; i < 5; i++) await recordSettlementFailure(t.db.pool, BigInt(r1), 'contract test');
  const quarantined = await expect(200, 'GET', '/v1/admin/rounds/quarantined', { token: op });
  assert.equal(quarantined.rounds[0]?.roundId, r1);
  await expect(403, 'GET', '/v1/admin/rounds/quarantined', { token: a.token });
  await expect(200, 'POST', `/v1/admin/rounds/${r1}/retry-settlement`, { token: op });
  await expect(404, 'POST', `/v1/admin/rounds/${r1}/retry-settlement`, { token: op });
  // A quarantined round has revealed its result: its void waits for a second operator.
  await expect(400, 'POST', `/v1/admin/rounds/${r1}/void`, { token: op });
  const asked = await expect(202, 'POST', `/v1/admin/rounds/${r1}/void`, {
    token: op,
    body: { reason: 'stuck' },
  });
  await expect(200, 'GET', '/v1/admin/approvals', { token: op });
  await expect(403, 'POST', `/v1/admin/approvals/${asked.approvalId}`, { token: op });
  const second = (await secondOperator(t)).token;
  await expect(200, 'POST', `/v1/admin/approvals/${asked.approvalId}`, { token: second });
  await expect(409, 'POST', `/v1/admin/rounds/${r1}/void`, { token: op, body: { reason: 'again' } });
  // back office (issue 12): four eyes, roles, audit log, suspension
  const big = { userId: b.userId, amount: 10_000_001, reference: 'contract-four-eyes', reason: 'whale' };
  const bigAsk = await expect(202, 'POST', '/v1/admin/deposits', { token: op, body: big });
  await expect(403, 'GET', '/v1/admin/approvals', { token: a.token });
  await expect(200, 'POST', `/v1/admin/approvals/${bigAsk.approvalId}/reject`, { token: second });
  await expect(409, 'POST', `/v1/admin/approvals/${bigAsk.approvalId}/reject`, { token: second });
  const r3 = Number(await freshRound(t.db.pool, t.deps.seeds));
  await expect(200, 'POST', `/v1/admin/rounds/${r3}/void`, { token: op, body: { reason: 'contract' } });
  const staff = await expect(200, 'GET', '/v1/admin/staff', { token: op });
  await expect(403, 'GET', '/v1/admin/staff', { token: a.token });
  const other = staff.staff.find((s: { userId: number }) => s.userId !== staff.staff[0].userId);
  const role = `/v1/admin/staff/${other.userId}/role`;
  await expect(200, 'POST', role, { token: op, body: { role: 'operator', reason: 'contract' } });
  await expect(400, 'POST', role, { token: op, body: { role: 'auditor' } });
  await expect(200, 'GET', '/v1/admin/audit-log', { token: op });
  await expect(403, 'GET', '/v1/admin/audit-log', { token: a.token });
  await expect(200, 'POST', `/v1/admin/players/${b.userId}/suspend`, {
    token: op,
    body: { reason: 'contract' },
  });
  await expect(400, 'POST', `/v1/admin/players/${b.userId}/suspend`, { token: op, body: {} });
  await expect(200, 'GET', `/v1/admin/players/${b.userId}/suspension`, { token: op });
  await expect(404, 'GET', `/v1/admin/players/999999/suspension`, { token: op });
  await expect(200, 'GET', '/v1/admin/suspensions', { token: op });
  await expect(403, 'GET', '/v1/admin/suspensions', { token: a.token });
  await expect(200, 'POST', `/v1/admin/players/${b.userId}/reinstate`, { token: op, body: { reason: 'ok' } });
  await expect(403, 'POST', `/v1/admin/players/${b.userId}/reinstate`, {
    token: a.token,
    body: { reason: 'x' },
  });
  const audit = await expect(200, 'GET', '/v1/admin/audit', { token: op });
  assert.equal(audit.ok, true, JSON.stringify(audit));
  await expect(403, 'GET', '/v1/admin/audit', { token: a.token });

  // reports (JSON and CSV) and the back office's reads
  for (const report of ['turnover', 'liabilities', 'reconciliation', 'balances', 'commission']) {
    await expect(200, 'GET', `/v1/admin/reports/${report}`, { token: op });
    await expect(200, 'GET', `/v1/admin/reports/${report}?format=csv`, { token: op });
    await expect(403, 'GET', `/v1/admin/reports/${report}`, { token: a.token });
  }
  await expect(400, 'GET', '/v1/admin/reports/balances?at=never', { token: op });
  await expect(200, 'GET', `/v1/admin/players?q=${a.username}`, { token: op });
  await expect(403, 'GET', '/v1/admin/players', { token: a.token });
  await expect(200, 'GET', `/v1/admin/players/${a.userId}`, { token: op });
  await expect(404, 'GET', '/v1/admin/players/999999', { token: op });
  await expect(200, 'GET', `/v1/admin/players/${a.userId}/entries`, { token: op });
  await expect(403, 'GET', `/v1/admin/players/${a.userId}/entries`, { token: a.token });
  await expect(200, 'GET', `/v1/admin/rounds/${r1}/bets`, { token: op });
  await expect(403, 'GET', `/v1/admin/rounds/${r1}/bets`, { token: a.token });
  await expect(200, 'GET', `/v1/admin/rounds/${r1}/settlements`, { token: op });
  await expect(403, 'GET', `/v1/admin/rounds/${r1}/settlements`, { token: a.token });
  await expect(200, 'GET', '/v1/admin/integrity', { token: op });
  await expect(403, 'GET', '/v1/admin/integrity', { token: a.token });

  // the stream is a WebSocket (its upgrade is tested in test/gateway.test.ts); unknown URLs
  await expect(400, 'GET', '/v1/stream');
  await expect(404, 'GET', '/v1/nothing-here');

  // logout last: its token is dead afterwards
  await expect(204, 'POST', '/v1/auth/logout', { token: a.token });
  await expect(401, 'GET', '/v1/wallet', { token: a.token });
  await expect(401, 'POST', '/v1/auth/logout');

  const report = t.contract!;
  assert.deepEqual(report.violations, []);
  // Every declared success status was answered and checked; so was an error of every route
  // that has a client error to give.
  const noClientError = new Set([
    'GET /healthz',
    'GET /readyz',
    'GET /v1/fairness/chains',
    'GET /v1/funding',
  ]);
  const missing: string[] = [];
  for (const { path, method, op: operation } of operations()) {
    for (const s of successStatuses(operation)) {
      if (s !== '101' && !report.seen.has(`${method} ${path} ${s}`)) missing.push(`${method} ${path} ${s}`);
    }
    if (!noClientError.has(`${method} ${path}`) && !report.seen.has(`${method} ${path} 4XX`)) {
      missing.push(`${method} ${path} 4XX`);
    }
  }
  assert.deepEqual(missing, []);
  console.log(`# contract: ${report.checked} answers checked, ${report.seen.size} route statuses seen`);
});

test('an error answer carries exactly the envelope: code, message and optional details', async () => {
  const res = await t.request({ method: 'GET', url: '/v1/bets/1' });
  assert.equal(res.status, 401);
  assert.deepEqual(Object.keys(res.body), ['error']);
  for (const key of Object.keys(res.body.error)) assert.ok(['code', 'message', 'details'].includes(key), key);
});
