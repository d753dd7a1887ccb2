// The demo crowd (issue 11): it only ever uses accounts it created itself, marked demo in the
// database. A player who registers a demo name first is skipped, never bet for or funded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../src/observability/logger.ts';
import { prepareDemoAccounts } from '../src/sim/demo.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('a squatted demo name is skipped; the demo creates, marks and reuses only its own accounts', async () => {
  const squatter = await t.request({
    method: 'POST',
    url: '/v1/auth/register',
    body: { username: 'Demo_1', password: 'password-123' },
  });
  assert.equal(squatter.status, 201);
  const logger = createLogger('silent');
  const first = await prepareDemoAccounts(t.db.pool, t.deps.sessions, 3, logger);
  assert.ok(first);
  const ids = first.players.map((p) => p.userId);
  assert.equal(ids.length, 2, 'demo_1 belongs to someone else');
  assert.ok(!ids.includes(squatter.body.userId));
  const { rows } = await t.db.pool.query<{ username: string; demo: boolean }>(
    `SELECT username, demo FROM users WHERE lower(username) LIKE 'demo\\_%' ORDER BY id`,
  );
  assert.deepEqual(
    rows.map((r) => [r.username, r.demo]),
    [
      ['Demo_1', false],
      ['demo_operator', true],
      ['demo_2', true],
      ['demo_3', true],
    ],
  );
  // A second start finds the same accounts.
  const again = await prepareDemoAccounts(t.db.pool, t.deps.sessions, 3, logger);
  assert.deepEqual(
    again?.players.map((p) => p.userId),
    ids,
  );
  assert.equal(again?.operator.userId, first.operator.userId);
  // Registration cannot set the mark.
  const sneaky = await t.request({
    method: 'POST',
    url: '/v1/auth/register',
    body: { username: 'demo_9', password: 'password-123', demo: true },
  });
  assert.equal(sneaky.status, 400);
});
