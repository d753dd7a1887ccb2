// Player protection (issue 12, item 4; migration 0021): deposit, stake and loss limits in the
// bet and deposit transactions, the 24 h cooling-off of a rise (time moved by writing the
// pending change's time into the past, never by sleeping), time-out and self-exclusion (bets and
// deposits refused, withdrawals allowed, no early end), and support's view. Every refusal is a
// 403 with a stable code and moves no money.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { uniqueName, startTestApp, type TestApp } from './helpers/app.ts';
import { closeAndSettle } from './helpers/game.ts';
import { guardBalance } from './helpers/ledger.ts';
import { freshRound } from './helpers/rounds.ts';

let t: TestApp;
let roundId: number;
before(async () => {
  t = await startTestApp();
  roundId = Number(await freshRound(t.db.pool, t.deps.seeds));
});
after(async () => t.close());

type Player = { userId: number; token: string };

async function player(funds: number): Promise<Player> {
  const p = await t.registerPlayer();
  if (funds) await t.deposit(p.userId, funds);
  return p;
}

const bet = (p: Player, amount: number, side = 'red', round = roundId) =>
  t.request({
    method: 'POST',
    url: '/v1/bets',
    token: p.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { roundId: round, side, amount },
  });

const deposit = (p: Player, amount: number) =>
  t.request({
    method: 'POST',
    url: '/v1/admin/deposits',
    token: t.operatorToken,
    body: { userId: p.userId, amount, reference: uniqueName('dep') },
  });

const putLimits = (p: Player, body: object) =>
  t.request({ method: 'PUT', url: '/v1/me/limits', token: p.token, body });

const limitOf = (view: { limits: { kind: string; period: string }[] }, kind: string, period: string) =>
  view.limits.find((l) => l.kind === kind && l.period === period) as unknown as {
    limit: number | null;
    used: number;
    remaining: number | null;
    pending: { limit: number | null; effectiveAt: string } | null;
  };

/** A refusal that moved nothing: 403 with the code, and the player's guard balance unchanged. */
async function refused(p: Player, res: { status: number; body: any }, code: string, balance: bigint) {
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  assert.equal(await guardBalance(t.db.pool, p.userId), balance, 'a refusal moves no money');
}

/** Moves a pending rise's time into the past, as if the cooling-off had passed (triggers off: only a test may). */
async function passCoolingOff(p: Player) {
  const c = await t.db.pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query(
      `UPDATE player_limits SET pending_at = now() - interval '1 minute' WHERE user_id = $1 AND pending_at IS NOT NULL`,
      [p.userId],
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

test('a stake limit refuses the bet that would pass it, in a single request and within one batch', async () => {
  const p = await player(10_000);
  assert.equal((await putLimits(p, { stake: { '24h': 1_000 } })).status, 200);
  assert.equal((await bet(p, 600)).status, 202);
  await refused(p, await bet(p, 500), 'LIMIT_REACHED', 9_400n);
  assert.equal((await bet(p, 400)).status, 202, 'exactly up to the limit');
  await refused(p, await bet(p, 10), 'LIMIT_REACHED', 9_000n);
  const view = (await t.request({ method: 'GET', url: '/v1/me/limits', token: p.token })).body;
  assert.deepEqual(
    { ...limitOf(view, 'stake', '24h') },
    { kind: 'stake', period: '24h', limit: 1_000, used: 1_000, remaining: 0, pending: null },
  );

  // Three bets of one player in one transaction (the set-based batch path): the third is refused.
  const q = await player(10_000);
  await putLimits(q, { stake: { '7d': 1_000 } });
  const op = (amount: number) => ({
    op: {
      type: 'placeBet' as const,
      userId: BigInt(q.userId),
      roundId: BigInt(roundId),
      side: 'red',
      amount: BigInt(amount),
    },
  });
  const outcomes = await t.deps.money.submit([op(400), op(400), op(400)]);
  assert.deepEqual(
    outcomes.map((o) => (o.ok ? o.status : o.error.code)),
    [202, 202, 'LIMIT_REACHED'],
  );
  assert.equal(await guardBalance(t.db.pool, q.userId), 9_200n);
});

test('a deposit limit counts deposits made before it was set, and refuses the one that would pass it', async () => {
  const p = await player(3_000);
  await putLimits(p, { deposit: { '7d': 5_000 } });
  await refused(p, await deposit(p, 2_500), 'LIMIT_REACHED', 3_000n);
  assert.equal((await deposit(p, 2_000)).status, 201);
  await refused(p, await deposit(p, 1), 'LIMIT_REACHED', 5_000n);
});

test('a loss limit counts open stakes as lost until their round pays back, then the settled result', async () => {
  const roundOfTwo = Number(await freshRound(t.db.pool, t.deps.seeds));
  const [a, b] = [await player(10_000), await player(10_000)];
  await putLimits(a, { loss: { '24h': 1_000 } });
  assert.equal((await bet(a, 800, 'red', roundOfTwo)).status, 202);
  assert.equal((await bet(b, 800, 'green', roundOfTwo)).status, 202);
  await refused(a, await bet(a, 300, 'red', roundOfTwo), 'LIMIT_REACHED', 9_200n);
  await closeAndSettle(t, BigInt(roundOfTwo));
  roundId = Number(await freshRound(t.db.pool, t.deps.seeds));
  // Independently from the ledger: the loss is what was staked less what the round gave back.
  const { rows } = await t.db.pool.query<{ staked: bigint; received: bigint }>(
    'SELECT staked, received FROM round_settlements WHERE round_id = $1 AND user_id = $2',
    [roundOfTwo, a.userId],
  );
  const loss = Number(rows[0]!.staked - rows[0]!.received);
  const view = (await t.request({ method: 'GET', url: '/v1/me/limits', token: a.token })).body;
  assert.equal(limitOf(view, 'loss', '24h').used, loss);
  const room = 1_000 - loss;
  await refused(a, await bet(a, room + 1), 'LIMIT_REACHED', BigInt(10_000 - loss));
  assert.equal((await bet(a, room)).status, 202, 'exactly up to the limit');
});

test('a lower limit applies at once; a higher one only after the 24 h cooling-off', async () => {
  const p = await player(10_000);
  await putLimits(p, { stake: { '24h': 1_000 } });
  assert.equal((await bet(p, 1_000)).status, 202);
  const raised = await putLimits(p, { stake: { '24h': 5_000 } });
  const pending = limitOf(raised.body, 'stake', '24h');
  assert.equal(pending.limit, 1_000, 'still the old limit');
  assert.equal(pending.pending?.limit, 5_000);
  const hours = (Date.parse(pending.pending!.effectiveAt) - Date.now()) / 3_600_000;
  assert.ok(hours > 23.9 && hours <= 24, `effective in 24 h, not ${hours}`);
  await refused(p, await bet(p, 100), 'LIMIT_REACHED', 9_000n);
  // The service itself cannot skip the cooling-off: the database refuses a rise in force.
  await assert.rejects(
    t.deps.pool.query(`UPDATE player_limits SET amount = 5000 WHERE user_id = $1 AND kind = 'stake'`, [
      p.userId,
    ]),
    (err: { constraint?: string }) => err.constraint === 'player_limit_cooling_off',
  );

  await passCoolingOff(p);
  assert.equal((await bet(p, 100)).status, 202, 'the rise is in force once its time has come');
  const now = (await t.request({ method: 'GET', url: '/v1/me/limits', token: p.token })).body;
  assert.equal(limitOf(now, 'stake', '24h').limit, 5_000);
  assert.equal(limitOf(now, 'stake', '24h').pending, null);

  // A decrease is at once, and drops a pending rise.
  await putLimits(p, { stake: { '24h': 8_000 } });
  const lowered = await putLimits(p, { stake: { '24h': 1_100 } });
  assert.equal(limitOf(lowered.body, 'stake', '24h').limit, 1_100);
  assert.equal(limitOf(lowered.body, 'stake', '24h').pending, null);
  await refused(p, await bet(p, 100), 'LIMIT_REACHED', 8_900n);
  // Removing a limit is a rise too.
  const removed = await putLimits(p, { stake: { '24h': null } });
  assert.deepEqual(limitOf(removed.body, 'stake', '24h').pending?.limit, null);
  assert.equal(limitOf(removed.body, 'stake', '24h').limit, 1_100);
});

test('a time-out refuses bets and deposits, allows a withdrawal, and cannot be shortened', async () => {
  const p = await player(5_000);
  for (const hours of [23, 24 * 42 + 1]) {
    const bad = await t.request({ method: 'POST', url: '/v1/me/timeout', token: p.token, body: { hours } });
    assert.equal(bad.status, 400, `${hours} h`);
  }
  const res = await t.request({ method: 'POST', url: '/v1/me/timeout', token: p.token, body: { hours: 48 } });
  assert.equal(res.status, 200);
  const until = Date.parse(res.body.timeoutUntil);
  await refused(p, await bet(p, 100), 'TIMED_OUT', 5_000n);
  await refused(p, await deposit(p, 100), 'TIMED_OUT', 5_000n);
  const shorter = await t.request({
    method: 'POST',
    url: '/v1/me/timeout',
    token: p.token,
    body: { hours: 24 },
  });
  assert.equal(Date.parse(shorter.body.timeoutUntil), until, 'a shorter time-out leaves the longer one');
  const out = await t.request({
    method: 'POST',
    url: '/v1/wallet/withdrawals',
    token: p.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { amount: 5_000 },
  });
  assert.equal(out.status, 202, 'the balance can always be taken out');
});

test('self-exclusion refuses bets and deposits, allows a withdrawal, and cannot be undone early', async () => {
  const p = await player(5_000);
  const short = await t.request({
    method: 'POST',
    url: '/v1/me/self-exclusion',
    token: p.token,
    body: { days: 182 },
  });
  assert.equal(short.status, 400);
  const res = await t.request({
    method: 'POST',
    url: '/v1/me/self-exclusion',
    token: p.token,
    body: { days: 183 },
  });
  assert.equal(res.status, 200);
  const days = (Date.parse(res.body.excludedUntil) - Date.now()) / 86_400_000;
  assert.ok(days > 182.9 && days <= 183, `183 days, not ${days}`);
  await refused(p, await bet(p, 100), 'SELF_EXCLUDED', 5_000n);
  await refused(p, await deposit(p, 100), 'SELF_EXCLUDED', 5_000n);
  // Not early, not by the service, and not even by the schema's owner through an UPDATE.
  for (const pool of [t.deps.pool, t.db.pool]) {
    await assert.rejects(
      pool.query('UPDATE player_protection SET excluded_until = now() WHERE user_id = $1', [p.userId]),
      (err: { constraint?: string }) => err.constraint === 'self_exclusion_not_undone_early',
    );
  }
  await assert.rejects(t.deps.pool.query('DELETE FROM player_protection WHERE user_id = $1', [p.userId]));
  // The database refuses a stake or deposit that skips the application's check (the backstop).
  await assert.rejects(
    t.db.pool.query(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, reference)
       SELECT (SELECT id FROM accounts WHERE kind = 'cash'), a.id, 1, 'deposit', a.user_id, $2
       FROM accounts a WHERE a.kind = 'player' AND a.user_id = $1`,
      [p.userId, uniqueName('direct')],
    ),
    (err: { constraint?: string }) => err.constraint === 'player_self_excluded',
  );
  const out = await t.request({
    method: 'POST',
    url: '/v1/wallet/withdrawals',
    token: p.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { amount: 5_000 },
  });
  assert.equal(out.status, 202, 'the balance can always be taken out');
});

test('support sees a player protection and its history; a player cannot; activity shows play since login', async () => {
  const since = new Date(Date.now() - 1_000).toISOString();
  const p = await player(5_000);
  await putLimits(p, { loss: { '30d': 4_000 }, realityCheckMinutes: 30 });
  await t.request({ method: 'POST', url: '/v1/me/timeout', token: p.token, body: { hours: 24 } });
  const url = `/v1/admin/players/${p.userId}/protection`;
  const seen = await t.request({ method: 'GET', url, token: t.operatorToken });
  assert.equal(seen.status, 200, JSON.stringify(seen.body));
  assert.equal(seen.body.userId, p.userId);
  assert.equal(limitOf(seen.body, 'loss', '30d').limit, 4_000);
  assert.ok(seen.body.timeoutUntil);
  assert.deepEqual(
    seen.body.log.map((l: { action: string }) => l.action),
    ['timeout', 'reality_check', 'limits'],
  );
  const other = await player(0);
  assert.equal((await t.request({ method: 'GET', url, token: other.token })).status, 403);
  // Support reads it; the auditor's read-only role is for the audit log and reports, not player data.
  for (const [role, status] of [
    ['support', 200],
    ['auditor', 403],
  ] as const) {
    const staff = await createUser(t.db.pool, uniqueName(role.slice(0, 3)), 'staff-password-1', role);
    const token = await t.deps.tokens.issue(staff);
    assert.equal((await t.request({ method: 'GET', url, token })).status, status, role);
  }
  assert.equal(
    (await t.request({ method: 'GET', url: '/v1/admin/players/999999/protection', token: t.operatorToken }))
      .status,
    404,
  );

  const q = await player(5_000);
  assert.equal((await bet(q, 700)).status, 202);
  const act = await t.request({ method: 'GET', url: `/v1/me/activity?since=${since}`, token: q.token });
  assert.equal(act.status, 200, JSON.stringify(act.body));
  assert.equal(act.body.staked, 700);
  assert.equal(act.body.net, -700);
  assert.equal(act.body.bets, 1);
  const bad = await t.request({ method: 'GET', url: '/v1/me/activity?since=yesterday', token: q.token });
  assert.equal(bad.status, 400);
});
