// I8: every money-moving request is idempotent under its Idempotency-Key (scoped per caller),
// and deposits are idempotent on their reference.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runAudit } from '../src/verify-run.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { guardBalance } from './helpers/ledger.ts';
import { sleep } from './helpers/util.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const withdraw = (token: string, amount: unknown, key?: string) =>
  t.request({
    method: 'POST',
    url: '/v1/wallet/withdrawals',
    token,
    body: { amount },
    ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }),
  });

const deposit = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/v1/admin/deposits', token: t.operatorToken, body, headers });

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: bigint }>(sql, params);
  return Number(rows[0]!.n);
}

const withdrawalsOf = (userId: number) =>
  count('SELECT count(*) AS n FROM withdrawals WHERE user_id = $1', [userId]);

test('a replayed withdrawal answers the first response and moves money once', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const first = await withdraw(p.token, 300, 'w-1');
  assert.equal(first.status, 202);
  assert.equal(first.headers['idempotent-replayed'], undefined);
  const again = await withdraw(p.token, 300, 'w-1');
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(await guardBalance(t.db.pool, p.userId), 700n);
  assert.equal(await withdrawalsOf(p.userId), 1);
});

test('the same key with a different body is refused with 409 and moves nothing', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  assert.equal((await withdraw(p.token, 100, 'k')).status, 202);
  const other = await withdraw(p.token, 101, 'k');
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'IDEMPOTENCY_CONFLICT');
  assert.equal(await guardBalance(t.db.pool, p.userId), 900n);
  // The conflict is not an answer: the original request still replays as before.
  const replay = await withdraw(p.token, 100, 'k');
  assert.equal(replay.status, 202);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
});

test('keys are scoped per caller: two players may use the same key', async () => {
  const a = await t.registerPlayer();
  const b = await t.registerPlayer();
  await t.deposit(a.userId, 500);
  await t.deposit(b.userId, 500);
  const ra = await withdraw(a.token, 200, 'shared-key');
  const rb = await withdraw(b.token, 50, 'shared-key');
  assert.equal(ra.status, 202);
  assert.equal(rb.status, 202);
  assert.equal(rb.headers['idempotent-replayed'], undefined);
  assert.notEqual(ra.body.withdrawalId, rb.body.withdrawalId);
  assert.equal(rb.body.userId, b.userId);
  assert.equal(await guardBalance(t.db.pool, a.userId), 300n);
  assert.equal(await guardBalance(t.db.pool, b.userId), 450n);
});

test('20 concurrent identical requests with one key: money moves once, one answer', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const answers = await Promise.all(Array.from({ length: 20 }, () => withdraw(p.token, 250, 'same')));
  for (const a of answers) {
    assert.equal(a.status, 202, JSON.stringify(a.body));
    assert.deepEqual(a.body, answers[0]!.body);
  }
  assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 19);
  assert.equal(await guardBalance(t.db.pool, p.userId), 750n);
  assert.equal(await withdrawalsOf(p.userId), 1);
});

test('a refusal is the answer: a 422 replays as 422 even after the wallet is funded', async () => {
  const p = await t.registerPlayer();
  const first = await withdraw(p.token, 100, 'too-early');
  assert.equal(first.status, 422);
  assert.equal(first.body.error.code, 'INSUFFICIENT_FUNDS');
  await t.deposit(p.userId, 1000);
  const again = await withdraw(p.token, 100, 'too-early');
  assert.equal(again.status, 422);
  assert.deepEqual(again.body, first.body);
  assert.equal(await guardBalance(t.db.pool, p.userId), 1000n);
  assert.equal(await withdrawalsOf(p.userId), 0);
  // A new key is a new request.
  assert.equal((await withdraw(p.token, 100, 'later')).status, 202);
});

test('withdrawals need an Idempotency-Key; a malformed key is 400', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const missing = await withdraw(p.token, 100);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.code, 'IDEMPOTENCY_KEY_REQUIRED');
  const tooLong = await withdraw(p.token, 100, 'k'.repeat(201));
  assert.equal(tooLong.status, 400);
  assert.equal(await guardBalance(t.db.pool, p.userId), 1000n);
});

test('deposits are idempotent on reference; other content under it is 409', async () => {
  const a = await t.registerPlayer();
  const b = await t.registerPlayer();
  const reference = uniqueName('ref');
  const first = await deposit({ userId: a.userId, amount: 400, reference });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await deposit({ userId: a.userId, amount: 400, reference });
  assert.equal(again.status, 201);
  assert.equal(again.body.depositId, first.body.depositId);
  const concurrent = await Promise.all(
    Array.from({ length: 10 }, () => deposit({ userId: a.userId, amount: 400, reference })),
  );
  for (const c of concurrent) assert.equal(c.body.depositId, first.body.depositId);

  const otherAmount = await deposit({ userId: a.userId, amount: 401, reference });
  assert.equal(otherAmount.status, 409);
  assert.equal(otherAmount.body.error.code, 'DEPOSIT_REFERENCE_CONFLICT');
  const otherUser = await deposit({ userId: b.userId, amount: 400, reference });
  assert.equal(otherUser.status, 409);
  assert.equal(otherUser.body.error.code, 'DEPOSIT_REFERENCE_CONFLICT');

  assert.equal(await guardBalance(t.db.pool, a.userId), 400n);
  assert.equal(await guardBalance(t.db.pool, b.userId), 0n);
  assert.equal(
    await count(`SELECT count(*) AS n FROM transfers WHERE kind = 'deposit' AND reference = $1`, [reference]),
    1,
  );
});

test('a deposit with an Idempotency-Key replays and refuses other content under the key', async () => {
  const p = await t.registerPlayer();
  const body = { userId: p.userId, amount: 250, reference: uniqueName('ref') };
  const first = await deposit(body, { 'idempotency-key': 'dep-key' });
  assert.equal(first.status, 201);
  const again = await deposit(body, { 'idempotency-key': 'dep-key' });
  assert.equal(again.status, 201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.body, first.body);
  const other = await deposit({ ...body, reference: uniqueName('ref') }, { 'idempotency-key': 'dep-key' });
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'IDEMPOTENCY_CONFLICT');
  assert.equal(await guardBalance(t.db.pool, p.userId), 250n);
});

test('approving a withdrawal: a replay under its key answers the same; a new decision is 409', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const w = await withdraw(p.token, 600, 'to-approve');
  const id = w.body.withdrawalId as number;
  const approve = (key?: string, action = 'approve') =>
    t.request({
      method: 'POST',
      url: `/v1/admin/withdrawals/${id}/${action}`,
      token: t.operatorToken,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    });
  const first = await approve('decide-1');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.status, 'APPROVED');
  const replay = await approve('decide-1');
  assert.equal(replay.status, 200);
  assert.deepEqual(replay.body, first.body);
  const reject = await approve('decide-2', 'reject');
  assert.equal(reject.status, 409);
  assert.equal(reject.body.error.code, 'WITHDRAWAL_DECIDED');
  assert.equal(
    await count(`SELECT count(*) AS n FROM transfers WHERE withdrawal_id = $1 AND kind = 'withdrawal_post'`, [
      id,
    ]),
    1,
  );
  assert.equal(await guardBalance(t.db.pool, p.userId), 400n);
  const report = await runAudit(t.db.pool);
  assert.ok(report.ok, JSON.stringify(report));
});

/** Waits until `n` backends of this database are blocked on a lock. */
async function waitForLockWaiters(n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const waiting = await count(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      [],
    );
    if (waiting >= n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} lock waiters, saw ${waiting}`);
    await sleep(10);
  }
}

test('a refusal racing a replay of the same key: both answers and the stored answer agree', async () => {
  // R1 is refused for lack of funds while R2 (same key, same body) waits on R1's key; money
  // arrives between R1's refusal and R2's turn. Whatever happens, one key has one answer.
  // Row locks on the player's users row (which the withdrawals foreign key must share) set
  // the order: R1 waits on holder1, R2 waits on R1's key, holder2 queues behind R1.
  const p = await t.registerPlayer();
  const { rows } = await t.db.pool.query<{ wallet: bigint; cash: bigint }>(
    `SELECT (SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1) AS wallet,
            (SELECT id FROM accounts WHERE kind = 'cash') AS cash`,
    [p.userId],
  );
  const { wallet, cash } = rows[0]!;
  const holder1 = await t.db.pool.connect();
  const holder2 = await t.db.pool.connect();
  const lockUser = 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE';
  try {
    await holder1.query('BEGIN');
    await holder1.query(lockUser, [p.userId]);
    const r1 = withdraw(p.token, 100, 'race');
    await waitForLockWaiters(1);
    const r2 = withdraw(p.token, 100, 'race');
    await waitForLockWaiters(2);
    await holder2.query('BEGIN');
    const locked2 = holder2.query(lockUser, [p.userId]);
    await waitForLockWaiters(3);
    await holder1.query('COMMIT');
    // R1 runs and is refused (the wallet is empty); then holder2 gets the row and deposits.
    await locked2;
    await holder2.query(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, reference)
       VALUES ($1, $2, 100, 'deposit', $3, $4)`,
      [cash, wallet, p.userId, uniqueName('race')],
    );
    await holder2.query('COMMIT');
    const [a1, a2] = await Promise.all([r1, r2]);
    const replay = await withdraw(p.token, 100, 'race');
    const moved = await withdrawalsOf(p.userId);
    const answers = `R1 ${a1.status} ${a1.body.error?.code ?? ''}; R2 ${a2.status} ${a2.body.error?.code ?? ''}; replay ${replay.status}; withdrawal rows ${moved}`;
    assert.equal(a1.status, 422, answers);
    assert.equal(a2.status, a1.status, answers);
    assert.equal(replay.status, a1.status, answers);
    assert.equal(moved, 0, answers);
  } finally {
    await holder1.query('ROLLBACK').catch(() => undefined);
    await holder2.query('ROLLBACK').catch(() => undefined);
    holder1.release();
    holder2.release();
  }
});
