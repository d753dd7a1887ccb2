// /docs you can use (issue 13): every operation has a summary and a description (later routes
// too: this fails until they have them), headers are declared as the routes treat them, an
// empty query parameter is absent, and "Try it out" in a real browser places a bet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApiDocument, type OpenApiDocument } from '../scripts/lib/api-contract.ts';
import { openApiPath } from '../src/http/document-route.ts';
import { ROUTE_DOCS } from '../src/http/route-docs.ts';
import { listenOnLoopback, startTestApp, type TestApp } from './helpers/app.ts';
import { browserSkip, launchChromium, shot, until } from './helpers/browser.ts';
import { freshRound } from './helpers/rounds.ts';

type Operation = {
  summary?: string;
  description?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
};
let doc: OpenApiDocument;
let t: TestApp;

before(async () => {
  doc = await openApiDocument();
  t = await startTestApp({ AUTH_SECRET: 'api-docs-test-secret-0123456789-abcdef' });
});
after(async () => t.close());

function operations(): [string, Operation][] {
  return Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${p}`, op] as [string, Operation]),
  );
}

const header = (op: Operation | undefined, name: string) =>
  op?.parameters?.find((p) => p.in === 'header' && p.name === name);

test('every operation has a summary and a description', () => {
  const ops = operations();
  assert.ok(ops.length > 30, `only ${ops.length} operations in the document`);
  const missing = ops
    .filter(([, op]) => !op.summary?.trim() || !op.description?.trim())
    .map(([name, op]) => `${name} (${op.summary ? '' : 'summary '}${op.description ? '' : 'description'})`);
  assert.deepEqual(
    missing,
    [],
    'add them to the route schema or to src/http/route-docs.ts (who may call it, what it does)',
  );
});

test('every entry of route-docs.ts documents a route that exists', () => {
  const names = new Set(operations().map(([name]) => name));
  const stale = Object.keys(ROUTE_DOCS).filter((k) => !names.has(openApiPath(k)));
  assert.deepEqual(stale, [], 'entries in src/http/route-docs.ts that name no operation');
});

test('Idempotency-Key is declared with its true requiredness', () => {
  const op = (name: string) => operations().find(([n]) => n === name)?.[1];
  for (const required of ['POST /v1/bets', 'POST /v1/wallet/withdrawals']) {
    assert.equal(header(op(required), 'idempotency-key')?.required, true, required);
  }
  for (const optional of ['DELETE /v1/bets/{id}', 'POST /v1/admin/deposits']) {
    const h = header(op(optional), 'idempotency-key');
    assert.ok(h, `${optional} does not declare Idempotency-Key`);
    assert.notEqual(h.required, true, optional);
  }
});

test('a required Idempotency-Key keeps its own error code; an empty query parameter is absent', async () => {
  const player = await t.registerPlayer();
  for (const url of ['/v1/bets', '/v1/wallet/withdrawals']) {
    const res = await t.request({
      method: 'POST',
      url,
      token: player.token,
      body: { amount: 100, ...(url === '/v1/bets' ? { roundId: 1, side: 'red' } : {}) },
    });
    assert.equal(res.status, 400, url);
    assert.equal(res.body.error.code, 'IDEMPOTENCY_KEY_REQUIRED', url);
  }
  const first = await t.request({ method: 'GET', url: '/v1/rounds' });
  const empty = await t.request({ method: 'GET', url: '/v1/rounds?cursor=' });
  assert.equal(empty.status, 200, JSON.stringify(empty.body));
  assert.deepEqual(empty.body, first.body);
  for (const url of ['/v1/bets?cursor=', '/v1/wallet/entries?cursor=']) {
    const res = await t.request({ method: 'GET', url, token: player.token });
    assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  }
  // A bad value is still refused; only emptiness means "absent".
  const bad = await t.request({ method: 'GET', url: '/v1/rounds?cursor=abc' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'VALIDATION');
});

test('"Try it out" in /docs places a bet', { skip: browserSkip(), timeout: 120_000 }, async () => {
  const player = await t.registerPlayer();
  await t.deposit(player.userId, 10_000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const base = `http://127.0.0.1:${await listenOnLoopback(t.app)}`;
  const chromium = await launchChromium();
  // Playwright's own page: its default 30 s timeout, errors collected below.
  const page = await chromium.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  try {
    await page.goto(`${base}/docs`);
    // Authorize with the player's token, as the document's introduction says.
    await page.click('button.authorize');
    await page.fill('.auth-container input[type=text]', player.token);
    await page.click('.auth-container button.authorize');
    await page.click('button.btn-done');
    // POST /v1/bets: Try it out, the header and the body, Execute.
    const block = page.locator('.opblock-post', { has: page.locator('[data-path="/v1/bets"]') });
    await block.locator('.opblock-summary').first().click();
    assert.match(await block.locator('.opblock-description-wrapper').first().innerText(), /Idempotency-Key/);
    await block.locator('button.try-out__btn').click();
    await block.locator('tr[data-param-name="idempotency-key"] input').fill(`docs-${Date.now()}`);
    await block
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ roundId: Number(roundId), side: 'red', amount: 250 }));
    await block.locator('button.execute').click();
    const status = await until(
      'the live response of POST /v1/bets',
      () => block.locator('.live-responses-table tr.response .response-col_status').first().innerText(),
      (text) => /\d{3}/.test(text),
    );
    await shot(page, 'docs-try-it-out.png');
    const body = await block
      .locator('.live-responses-table tr.response .response-col_description pre')
      .first()
      .innerText();
    assert.equal(status.trim(), '202', body);
    assert.match(body, /"status": "PENDING"/);
    const { rows } = await t.db.pool.query<{ amount: bigint }>('SELECT amount FROM bets WHERE user_id = $1', [
      player.userId,
    ]);
    assert.deepEqual(
      rows.map((r) => r.amount),
      [250n],
    );
    assert.deepEqual(errors, [], 'errors in the page');
  } finally {
    await chromium.close();
  }
});
