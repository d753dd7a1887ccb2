// The access matrix (issue 11): a player reaches only their own wallet, entries, bets and live
// events; no player reaches an operator route; anonymous callers reach only the public ones.
// Every refusal is a 4xx with a stable code and moves no money.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createUser } from '../src/auth/users.ts';
import { listenOnLoopback, startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { guardSum } from './helpers/ledger.ts';
import { freshRound } from './helpers/rounds.ts';
import { staffAccount } from './helpers/staff.ts';

let t: TestApp;
let base: string;
before(async () => {
  t = await startTestApp();
  base = `127.0.0.1:${await listenOnLoopback(t.app)}`;
});
after(async () => t.close());

test("a player cannot read or act on another player's bets, wallet or entries", async () => {
  const [alice, mallory] = [await t.registerPlayer(), await t.registerPlayer()];
  await t.deposit(alice.userId, 10_000);
  await t.deposit(mallory.userId, 10_000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const bet = await t.request({
    method: 'POST',
    url: '/v1/bets',
    token: alice.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { roundId: Number(roundId), side: 'red', amount: 500 },
  });
  assert.equal(bet.status, 202);
  const before = await guardSum(t.db.pool);

  const read = await t.request({ method: 'GET', url: `/v1/bets/${bet.body.betId}`, token: mallory.token });
  assert.equal(read.status, 403);
  assert.equal(read.body.error.code, 'FORBIDDEN');
  const cancel = await t.request({
    method: 'DELETE',
    url: `/v1/bets/${bet.body.betId}`,
    token: mallory.token,
  });
  assert.ok([403, 404, 409].includes(cancel.status), JSON.stringify(cancel.body));
  assert.equal(typeof cancel.body.error.code, 'string');
  const mine = await t.request({ method: 'GET', url: '/v1/bets', token: mallory.token });
  assert.ok(
    !JSON.stringify(mine.body).includes(`"betId":${bet.body.betId}`),
    "not in the other player's list",
  );
  // Wallet routes take no user id: each answers for the caller only.
  const wallet = await t.request({ method: 'GET', url: '/v1/wallet', token: mallory.token });
  assert.equal(wallet.status, 200);
  assert.ok(Number(wallet.body.balance) <= 10_000, "never more than the caller's own money");
  const entries = await t.request({
    method: 'GET',
    url: `/v1/wallet/entries?userId=${alice.userId}`,
    token: mallory.token,
  });
  assert.ok(entries.status === 400 || !JSON.stringify(entries.body).includes(`"betId":${bet.body.betId}`));
  // Alice's bet is untouched and no money moved.
  const still = await t.request({ method: 'GET', url: `/v1/bets/${bet.body.betId}`, token: alice.token });
  assert.equal(still.body.cancelledAmount ?? 0, 0);
  assert.equal(await guardSum(t.db.pool), before);
});

test('players and anonymous callers reach no operator route; anonymous callers no player route', async () => {
  const p = await t.registerPlayer();
  const operatorRoutes: [string, string][] = [
    ['GET', '/v1/admin/withdrawals'],
    ['GET', '/v1/admin/audit'],
    ['GET', '/v1/admin/rounds'],
    ['GET', '/v1/admin/rounds/quarantined'],
    ['POST', '/v1/admin/deposits'],
    ['POST', '/v1/admin/withdrawals/1/approve'],
    ['POST', '/v1/admin/rounds/1/void'],
    ['POST', '/v1/admin/rounds/1/retry-settlement'],
    ['GET', '/v1/admin/config'],
    ['POST', '/v1/admin/config'],
    ['GET', '/v1/admin/players/1/protection'],
  ];
  for (const [method, url] of operatorRoutes) {
    const asPlayer = await t.request({
      method: method as 'GET',
      url,
      token: p.token,
      body: method === 'POST' ? {} : undefined,
    });
    assert.ok([403, 404].includes(asPlayer.status), `${method} ${url} as a player: ${asPlayer.status}`);
    const anonymous = await t.request({
      method: method as 'GET',
      url,
      body: method === 'POST' ? {} : undefined,
    });
    assert.ok([401, 404].includes(anonymous.status), `${method} ${url} anonymous: ${anonymous.status}`);
  }
  for (const [method, url] of [
    ['GET', '/v1/wallet'],
    ['GET', '/v1/wallet/entries'],
    ['GET', '/v1/bets'],
    ['POST', '/v1/wallet/withdrawals'],
    ['GET', '/v1/wallet/withdrawals'],
    ['GET', '/v1/wallet/deposits'],
    ['POST', '/v1/wallet/deposits'],
    ['POST', '/v1/wallet/demo-funds'],
    ['POST', '/v1/bets'],
    ['GET', '/v1/me/limits'],
    ['PUT', '/v1/me/limits'],
    ['POST', '/v1/me/timeout'],
    ['POST', '/v1/me/self-exclusion'],
    ['GET', '/v1/me/activity'],
  ] as const) {
    const res = await t.request({ method, url, body: method === 'POST' ? {} : undefined });
    assert.equal(res.status, 401, `${method} ${url} anonymous`);
    assert.equal(res.body.error.code, 'UNAUTHORIZED');
  }
});

test("a player's live stream carries only their own balance and bet events", async () => {
  const [alice, mallory] = [await t.registerPlayer(), await t.registerPlayer()];
  const messages: { type: string; userId?: number }[] = [];
  const ws = new WebSocket(`ws://${base}/v1/stream?token=${mallory.token}`);
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve) => ws.once('open', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  await t.deposit(alice.userId, 7_777);
  await t.deposit(mallory.userId, 1_111);
  await new Promise((resolve) => setTimeout(resolve, 500));
  ws.close();
  const balances = messages.filter((m) => m.type === 'balance') as { balance?: number }[];
  assert.ok(
    balances.some((b) => b.balance === 1_111),
    JSON.stringify(messages),
  );
  assert.ok(!JSON.stringify(messages).includes('7777'), 'nothing of the other player');
});

test('reports and back-office reads: each role reaches exactly its own (issue 12 roles)', async () => {
  const p = await t.registerPlayer();
  const staff = async (role: 'support' | 'auditor') =>
    t.deps.tokens.issue(await createUser(t.db.pool, uniqueName(role.slice(0, 3)), 'staff-password-1', role));
  const tokens = {
    player: p.token,
    support: await staff('support'),
    auditor: await staff('auditor'),
    operator: t.operatorToken,
  };
  const reports = ['auditor', 'operator'];
  const playerData = ['support', 'operator'];
  const rounds = ['operator', 'support', 'auditor'];
  const matrix: [string, string[]][] = [
    ['/v1/admin/reports/turnover', reports],
    ['/v1/admin/reports/liabilities', reports],
    ['/v1/admin/reports/balances?format=csv', reports],
    ['/v1/admin/reports/reconciliation', reports],
    ['/v1/admin/reports/commission', reports],
    ['/v1/admin/players', playerData],
    [`/v1/admin/players/${p.userId}`, playerData],
    [`/v1/admin/players/${p.userId}/entries`, playerData],
    ['/v1/admin/integrity', playerData],
    ['/v1/admin/rounds/1/bets', rounds],
    ['/v1/admin/rounds/1/settlements', rounds],
  ];
  for (const [url, allowed] of matrix) {
    assert.equal((await t.request({ method: 'GET', url })).status, 401, `${url} anonymous`);
    for (const [role, token] of Object.entries(tokens)) {
      const res = await t.request({ method: 'GET', url, token });
      assert.equal(
        res.status,
        allowed.includes(role) ? 200 : 403,
        `${url} as ${role}: ${JSON.stringify(res.body)}`,
      );
    }
  }
});

// The back-office roles (issue 12): operator (money and rounds), support (player data,
// suspension), auditor (read only: audit log, reports, configuration history), and an account
// whose role was revoked ('none'). Each route lets in exactly its roles: the others get 403.
test('each back-office role reaches exactly the routes of its role', async () => {
  const staffRoutes: [string, string, string[]][] = [
    ['POST', '/v1/admin/deposits', ['operator']],
    ['POST', '/v1/admin/withdrawals/1/approve', ['operator']],
    ['POST', '/v1/admin/withdrawals/1/reject', ['operator']],
    ['POST', '/v1/admin/rounds/1/void', ['operator']],
    ['GET', '/v1/admin/rounds', ['operator']],
    ['POST', '/v1/admin/rounds/1/retry-settlement', ['operator']],
    ['GET', '/v1/admin/approvals', ['operator']],
    ['POST', '/v1/admin/approvals/1', ['operator']],
    ['POST', '/v1/admin/approvals/1/reject', ['operator']],
    ['GET', '/v1/admin/staff', ['operator']],
    ['POST', '/v1/admin/staff/1/role', ['operator']],
    ['GET', '/v1/admin/withdrawals', ['operator', 'support']],
    ['GET', '/v1/admin/suspensions', ['operator', 'support']],
    ['GET', '/v1/admin/players/1/suspension', ['operator', 'support']],
    ['POST', '/v1/admin/players/1/suspend', ['operator', 'support']],
    ['POST', '/v1/admin/players/1/reinstate', ['operator', 'support']],
    ['GET', '/v1/admin/audit', ['operator', 'auditor']],
    ['GET', '/v1/admin/audit-log', ['operator', 'auditor']],
    ['GET', '/v1/admin/config', ['operator', 'auditor']],
    ['POST', '/v1/admin/config', ['operator']],
  ];
  const none = await staffAccount(t, 'support');
  await t.db.pool.query(`UPDATE users SET role = 'none' WHERE id = $1`, [none.userId]);
  const callers: [string, string][] = [
    ['operator', t.operatorToken],
    ['support', (await staffAccount(t, 'support')).token],
    ['auditor', (await staffAccount(t, 'auditor')).token],
    ['none', none.token],
    ['player', (await t.registerPlayer()).token],
  ];
  const before = await guardSum(t.db.pool);
  for (const [method, url, roles] of staffRoutes) {
    for (const [role, token] of callers) {
      const res = await t.request({
        method: method as 'GET',
        url,
        token,
        body: method === 'POST' ? {} : undefined,
      });
      if (roles.includes(role)) {
        assert.ok(
          ![401, 403].includes(res.status),
          `${method} ${url} as ${role}: ${JSON.stringify(res.body)}`,
        );
      } else {
        assert.equal(res.status, 403, `${method} ${url} as ${role}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'FORBIDDEN');
      }
      assert.ok(res.status < 500, `${method} ${url} as ${role}: ${res.status}`);
    }
  }
  assert.equal(await guardSum(t.db.pool), before, 'no request of the matrix moved money');
});
