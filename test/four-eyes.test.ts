// Named back-office roles and four eyes (issue 12 item 1, issue 13 item 3): a deposit or void
// above FOUR_EYES_ABOVE, or a void after the reveal, moves nothing until a second, different
// operator approves it, exactly once; a void needs a reason; every step is in the audit log.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { gameConfigSeed, seedGameConfig } from '../src/betting/game-config.ts';
import { closeRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { escrowBalance, guardSum, ledgerBalance } from './helpers/ledger.ts';
import { freshRound, roundStatus } from './helpers/rounds.ts';
import { staffAccount } from './helpers/staff.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ FOUR_EYES_ABOVE: '5000' });
});
after(async () => t.close());

const post = (url: string, token: string, body: unknown = {}) =>
  t.request({ method: 'POST', url, token, body });
const auditActions = async (approvalId: number) =>
  (
    await t.db.pool.query<{ action: string }>(
      'SELECT action FROM audit_log WHERE approval_id = $1 ORDER BY id',
      [approvalId],
    )
  ).rows.map((r) => r.action);

test('a deposit above the threshold waits; the requester cannot approve it; a second operator can, once', async () => {
  const p = await t.registerPlayer();
  const second = await staffAccount(t, 'operator');
  const third = await staffAccount(t, 'operator');
  const reference = uniqueName('big');
  const before = await guardSum(t.db.pool);

  const asked = await post('/v1/admin/deposits', t.operatorToken, {
    userId: p.userId,
    amount: 7000,
    reference,
  });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.equal(asked.body.status, 'WAITING');
  const approvalId = asked.body.approvalId as number;
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 0n, 'nothing moved');
  // Asking again for the same reference answers the same approval; another amount is refused.
  const again = await post('/v1/admin/deposits', t.operatorToken, {
    userId: p.userId,
    amount: 7000,
    reference,
  });
  assert.equal(again.body.approvalId, approvalId);
  const other = await post('/v1/admin/deposits', t.operatorToken, {
    userId: p.userId,
    amount: 8000,
    reference,
  });
  assert.equal(other.body.error.code, 'DEPOSIT_REFERENCE_CONFLICT');

  const waiting = await t.request({ method: 'GET', url: '/v1/admin/approvals', token: second.token });
  assert.ok(waiting.body.approvals.some((a: { approvalId: number }) => a.approvalId === approvalId));

  const own = await post(`/v1/admin/approvals/${approvalId}`, t.operatorToken);
  assert.equal(own.status, 403);
  assert.equal(own.body.error.code, 'FOUR_EYES_OWN_REQUEST');
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 0n);

  // Two approvals at once by two other operators: the money moves exactly once.
  const [a, b] = await Promise.all([
    post(`/v1/admin/approvals/${approvalId}`, second.token),
    post(`/v1/admin/approvals/${approvalId}`, third.token),
  ]);
  for (const r of [a, b]) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'APPROVED');
    assert.equal(r.body.result.amount, 7000);
  }
  assert.equal(a.body.result.depositId, b.body.result.depositId);
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 7000n);
  const replay = await post(`/v1/admin/approvals/${approvalId}`, second.token);
  assert.equal(replay.body.result.depositId, a.body.result.depositId);
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 7000n, 'still once');
  assert.equal(await guardSum(t.db.pool), before + 7000n);
  assert.deepEqual(await auditActions(approvalId), ['approval.request', 'approval.approve']);
  // The database itself refuses a decision by the requester.
  await assert.rejects(
    t.db.pool.query(
      `UPDATE approvals SET status = 'WAITING', decided_by = NULL, decided_at = NULL WHERE id = $1`,
      [approvalId],
    ),
    /approvals_decide_once|decided/,
  );
  // A deposit at or below the threshold is carried out at once.
  const small = await post('/v1/admin/deposits', t.operatorToken, {
    userId: p.userId,
    amount: 5000,
    reference: uniqueName('small'),
  });
  assert.equal(small.status, 201);
});

test('the database refuses an approval decided by its requester', async () => {
  const { rows } = await t.db.pool.query<{ id: bigint; requested_by: bigint }>(
    `INSERT INTO approvals (kind, requested_by, round_id, amount, reason)
     SELECT 'void', id, 999999, 0, 'x' FROM users WHERE role = 'operator' LIMIT 1 RETURNING id, requested_by`,
  );
  await assert.rejects(
    t.db.pool.query(
      `UPDATE approvals SET status = 'APPROVED', decided_by = $2, decided_at = now() WHERE id = $1`,
      [rows[0]!.id, rows[0]!.requested_by],
    ),
    (err: { constraint?: string }) => err.constraint === 'approval_second_operator',
  );
});

test('a void needs a reason; an open round below the threshold is voided at once and audited', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const bet = await t.request({
    method: 'POST',
    url: '/v1/bets',
    token: p.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { roundId: Number(roundId), side: 'red', amount: 400 },
  });
  assert.equal(bet.status, 202);
  for (const body of [undefined, {}, { reason: '   ' }]) {
    const res = await t.request({
      method: 'POST',
      url: `/v1/admin/rounds/${roundId}/void`,
      token: t.operatorToken,
      ...(body === undefined ? {} : { body }),
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'REASON_REQUIRED');
  }
  assert.equal(await roundStatus(t.db.pool, roundId), 'OPEN');
  const voided = await post(`/v1/admin/rounds/${roundId}/void`, t.operatorToken, { reason: 'stream outage' });
  assert.equal(voided.status, 200, JSON.stringify(voided.body));
  assert.equal(voided.body.refunded, 400);
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 1000n);
  const { rows } = await t.db.pool.query<{ reason: string }>(
    `SELECT reason FROM audit_log WHERE action = 'round.void' AND round_id = $1`,
    [roundId],
  );
  assert.deepEqual(rows, [{ reason: 'stream outage' }]);
});

test('after the reveal a void always needs a second operator, whatever its size', async () => {
  const [p, q] = [await t.registerPlayer(), await t.registerPlayer()];
  await t.deposit(p.userId, 1000);
  await t.deposit(q.userId, 1000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  for (const [player, side] of [
    [p, 'red'],
    [q, 'green'],
  ] as const) {
    const res = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: player.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { roundId: Number(roundId), side, amount: 100 },
    });
    assert.equal(res.status, 202);
  }
  await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds));
  assert.equal(await roundStatus(t.db.pool, roundId), 'CLOSED');

  const asked = await post(`/v1/admin/rounds/${roundId}/void`, t.operatorToken, { reason: 'dealer error' });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.equal(asked.body.kind, 'void');
  assert.equal(await roundStatus(t.db.pool, roundId), 'CLOSED', 'nothing voided yet');
  assert.equal(await escrowBalance(t.db.pool, roundId), 200n);
  // The money operation itself refuses a direct void of a revealed round (the route's check raced).
  const direct = await t.deps.money.run({
    op: { type: 'voidRound', roundId, reason: 'bypass' },
    ctx: { actorId: 1n },
  });
  assert.equal(direct.ok, false);
  assert.equal(!direct.ok && direct.error.code, 'APPROVAL_REQUIRED');

  const own = await post(`/v1/admin/approvals/${asked.body.approvalId}`, t.operatorToken);
  assert.equal(own.body.error.code, 'FOUR_EYES_OWN_REQUEST');
  const support = await staffAccount(t, 'support');
  assert.equal((await post(`/v1/admin/approvals/${asked.body.approvalId}`, support.token)).status, 403);
  const second = await staffAccount(t, 'operator');
  const done = await post(`/v1/admin/approvals/${asked.body.approvalId}`, second.token, {
    reason: 'checked',
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.result.status, 'VOID');
  assert.equal(await roundStatus(t.db.pool, roundId), 'VOID');
  assert.equal(await escrowBalance(t.db.pool, roundId), 0n);
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 1000n);
  assert.deepEqual(await auditActions(asked.body.approvalId), [
    'approval.request',
    'round.void',
    'approval.approve',
  ]);
  const log = await t.request({ method: 'GET', url: '/v1/admin/audit-log', token: second.token });
  assert.equal(log.status, 200);
  assert.ok(log.body.entries.some((e: { action: string; roundId: number }) => e.action === 'round.void'));
});

test('an open round whose stakes are above the threshold waits for a second operator too', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 5000);
  const q = await t.registerPlayer();
  await t.deposit(q.userId, 5000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  for (const player of [p, q]) {
    await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: player.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { roundId: Number(roundId), side: 'red', amount: 3000 },
    });
  }
  const asked = await post(`/v1/admin/rounds/${roundId}/void`, t.operatorToken, { reason: 'suspected fix' });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const second = await staffAccount(t, 'operator');
  const rejected = await post(`/v1/admin/approvals/${asked.body.approvalId}/reject`, second.token, {
    reason: 'no evidence',
  });
  assert.equal(rejected.body.status, 'REJECTED');
  assert.equal(await roundStatus(t.db.pool, roundId), 'OPEN');
  const late = await post(`/v1/admin/approvals/${asked.body.approvalId}`, second.token);
  assert.equal(late.body.error.code, 'APPROVAL_DECIDED');
});

test('operators grant and revoke roles through the API, audited; a revoked account is signed out', async () => {
  const target = await staffAccount(t, 'support');
  const player = await t.registerPlayer();
  const noReason = await post(`/v1/admin/staff/${target.userId}/role`, t.operatorToken, { role: 'auditor' });
  assert.equal(noReason.body.error.code, 'REASON_REQUIRED');
  const supportCannot = await post(`/v1/admin/staff/${target.userId}/role`, target.token, {
    role: 'operator',
    reason: 'self-promotion',
  });
  assert.equal(supportCannot.status, 403);
  const toPlayer = await post(`/v1/admin/staff/${player.userId}/role`, t.operatorToken, {
    role: 'operator',
    reason: 'x',
  });
  assert.equal(toPlayer.body.error.code, 'ROLE_CHANGE_REFUSED');

  const granted = await post(`/v1/admin/staff/${target.userId}/role`, t.operatorToken, {
    role: 'auditor',
    reason: 'moved to compliance',
  });
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  assert.deepEqual([granted.body.account.role, granted.body.changed], ['auditor', true]);
  // Signed out everywhere: the old token no longer works.
  const old = await t.request({ method: 'GET', url: '/v1/admin/audit-log', token: target.token });
  assert.equal(old.status, 401);
  const staff = await t.request({ method: 'GET', url: '/v1/admin/staff', token: t.operatorToken });
  assert.ok(
    staff.body.staff.some(
      (s: { userId: number; role: string }) => s.userId === target.userId && s.role === 'auditor',
    ),
  );

  const revoked = await post(`/v1/admin/staff/${target.userId}/role`, t.operatorToken, {
    role: 'none',
    reason: 'left the company',
  });
  assert.equal(revoked.body.account.role, 'none');
  const { rows } = await t.db.pool.query<{ action: string; reason: string }>(
    'SELECT action, reason FROM audit_log WHERE subject_user_id = $1 ORDER BY id',
    [target.userId],
  );
  assert.deepEqual(rows, [
    { action: 'role.grant', reason: 'moved to compliance' },
    { action: 'role.revoke', reason: 'left the company' },
  ]);
  // The audit log is append-only.
  await assert.rejects(t.db.pool.query('DELETE FROM audit_log'), /append-only/);
});

// Last: it seeds the game configuration, whose threshold then applies to the whole database.
test('the threshold comes from the current game configuration version once one exists', async () => {
  await seedGameConfig(t.db.pool, { ...gameConfigSeed(t.deps.config), fourEyesAbove: 100n });
  const p = await t.registerPlayer();
  const res = await post('/v1/admin/deposits', t.operatorToken, {
    userId: p.userId,
    amount: 200,
    reference: uniqueName('cfg'),
  });
  assert.equal(res.status, 202, 'above the version threshold (100), far below FOUR_EYES_ABOVE (5000)');
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 0n);
});
