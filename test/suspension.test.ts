// Suspension and the per-round exposure cap (issue 12 item 5): a suspended player's bets and
// withdrawals are refused with 403 SUSPENDED and their funds stay; the database refuses the
// stake even when the application's check is bypassed; reinstating is audited. A player's
// stakes in one round stop at MAX_EXPOSURE_PER_ROUND with EXPOSURE_CAP.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ensureRoundEscrow, playerWalletId } from '../src/ledger/accounts.ts';
import { postTransfer } from '../src/ledger/transfers.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { guardBalance, guardSum } from './helpers/ledger.ts';
import { freshRound } from './helpers/rounds.ts';
import { staffAccount } from './helpers/staff.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ MAX_EXPOSURE_PER_ROUND: '1000' });
});
after(async () => t.close());

const bet = (token: string, roundId: bigint, amount: number, side = 'red') =>
  t.request({
    method: 'POST',
    url: '/v1/bets',
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { roundId: Number(roundId), side, amount },
  });
const withdraw = (token: string, amount: number) =>
  t.request({
    method: 'POST',
    url: '/v1/wallet/withdrawals',
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { amount },
  });

test('support suspends a player: bets and withdrawals are refused, funds kept; reinstating is audited', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 5000);
  const support = await staffAccount(t, 'support');
  const auditor = await staffAccount(t, 'auditor');
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  assert.equal((await bet(p.token, roundId, 300)).status, 202);

  const url = `/v1/admin/players/${p.userId}`;
  const noReason = await t.request({ method: 'POST', url: `${url}/suspend`, token: support.token });
  assert.equal(noReason.body.error.code, 'REASON_REQUIRED');
  const byAuditor = await t.request({
    method: 'POST',
    url: `${url}/suspend`,
    token: auditor.token,
    body: { reason: 'x' },
  });
  assert.equal(byAuditor.status, 403);
  const suspended = await t.request({
    method: 'POST',
    url: `${url}/suspend`,
    token: support.token,
    body: { reason: 'chargeback under review' },
  });
  assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
  assert.equal(suspended.body.suspended, true);
  const held = await guardBalance(t.db.pool, p.userId);
  const total = await guardSum(t.db.pool);

  for (const res of [await bet(p.token, roundId, 100), await withdraw(p.token, 100)]) {
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'SUSPENDED');
  }
  // The database refuses a stake from the wallet even when no application check runs.
  const wallet = await playerWalletId(t.db.pool, BigInt(p.userId));
  const escrow = await ensureRoundEscrow(t.db.pool, roundId);
  const raw = await t.db.pool.query<{ id: bigint }>(
    `INSERT INTO bets (round_id, user_id, side, amount) VALUES ($1, $2, 'red', 10) RETURNING id`,
    [roundId, p.userId],
  );
  await assert.rejects(
    postTransfer(t.db.pool, {
      debitAccountId: wallet!,
      creditAccountId: escrow,
      amount: 10n,
      kind: 'stake',
      userId: BigInt(p.userId),
      roundId,
      betId: raw.rows[0]!.id,
    }),
    (err: { code?: string }) => err.code === 'SUSPENDED',
  );
  // Funds are kept, and deposits still arrive.
  assert.equal(await guardBalance(t.db.pool, p.userId), held);
  assert.equal(await guardSum(t.db.pool), total);
  await t.deposit(p.userId, 100);
  const list = await t.request({ method: 'GET', url: '/v1/admin/suspensions', token: t.operatorToken });
  assert.ok(list.body.suspensions.some((s: { userId: number }) => s.userId === p.userId));

  const reinstated = await t.request({
    method: 'POST',
    url: `${url}/reinstate`,
    token: support.token,
    body: { reason: 'chargeback withdrawn' },
  });
  assert.equal(reinstated.body.suspended, false);
  assert.equal((await bet(p.token, roundId, 100)).status, 202);
  assert.equal((await withdraw(p.token, 100)).status, 202);
  const { rows } = await t.db.pool.query<{ action: string; reason: string }>(
    'SELECT action, reason FROM audit_log WHERE subject_user_id = $1 ORDER BY id',
    [p.userId],
  );
  assert.deepEqual(rows, [
    { action: 'player.suspend', reason: 'chargeback under review' },
    { action: 'player.reinstate', reason: 'chargeback withdrawn' },
  ]);
});

test('a suspended player in a batch of bets is refused alone; the others are placed', async () => {
  const [s, ok] = [await t.registerPlayer(), await t.registerPlayer()];
  await t.deposit(s.userId, 1000);
  await t.deposit(ok.userId, 1000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  await t.request({
    method: 'POST',
    url: `/v1/admin/players/${s.userId}/suspend`,
    token: t.operatorToken,
    body: { reason: 'batch test' },
  });
  const outcomes = await t.deps.money.submit(
    [s, ok].map((p) => ({
      op: { type: 'placeBet', userId: BigInt(p.userId), roundId, side: 'red', amount: 100n } as const,
    })),
  );
  assert.deepEqual(
    outcomes.map((o) => (o.ok ? o.status : o.error.code)),
    ['SUSPENDED', 202],
  );
});

test("a player's stakes in one round stop at MAX_EXPOSURE_PER_ROUND; cancelled stakes free room", async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 5000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const first = await bet(p.token, roundId, 600);
  assert.equal(first.status, 202);
  assert.equal((await bet(p.token, roundId, 300, 'green')).status, 202);
  const over = await bet(p.token, roundId, 200);
  assert.equal(over.status, 422, JSON.stringify(over.body));
  assert.equal(over.body.error.code, 'EXPOSURE_CAP');
  assert.equal(over.body.error.details.staked, 900);
  assert.equal((await bet(p.token, roundId, 100)).status, 202, 'exactly at the cap');
  // A cancelled (unmatched) stake no longer counts.
  const cancel = await t.request({ method: 'DELETE', url: `/v1/bets/${first.body.betId}`, token: p.token });
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
  assert.equal((await bet(p.token, roundId, 500)).status, 202);
  // The cap is per round: the next round starts from nothing.
  const next = await freshRound(t.db.pool, t.deps.seeds);
  assert.equal((await bet(p.token, next, 1000)).status, 202);
  // Within one batch the player's earlier bets count too.
  const third = await freshRound(t.db.pool, t.deps.seeds);
  const outcomes = await t.deps.money.submit(
    [700n, 400n, 300n].map((amount) => ({
      op: { type: 'placeBet', userId: BigInt(p.userId), roundId: third, side: 'red', amount } as const,
    })),
  );
  assert.deepEqual(
    outcomes.map((o) => (o.ok ? o.status : o.error.code)),
    [202, 'EXPOSURE_CAP', 202],
  );
});
