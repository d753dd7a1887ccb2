// One after-commit path (issue 15, item 5): a void's refunds reach players through the
// transaction service's onCommitted hook alone, whether an operator voids an open round directly
// or a second operator approves the void of a revealed one; a refused void publishes nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { closeRound } from '../src/betting/rounds.ts';
import type { LiveEvent } from '../src/bus/events.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { freshRound } from './helpers/rounds.ts';
import { staffAccount } from './helpers/staff.ts';

let t: TestApp;
let seen: LiveEvent[] = [];
before(async () => {
  t = await startTestApp({ FOUR_EYES_ABOVE: '5000' });
  t.deps.events.subscribe((e) => seen.push(e));
});
after(async () => t.close());

const post = (url: string, token: string, body: unknown = {}) =>
  t.request({ method: 'POST', url, token, body });

const voidedCount = async (): Promise<number> =>
  (await t.deps.metrics.settlements.get()).values.find((v) => v.labels.outcome === 'voided')?.value ?? 0;

async function roundWithBets(): Promise<{ roundId: bigint; userIds: string[] }> {
  const players = [await t.registerPlayer(), await t.registerPlayer()];
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  for (const [i, p] of players.entries()) {
    await t.deposit(p.userId, 1000);
    const bet = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: p.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { roundId: Number(roundId), side: i ? 'green' : 'red', amount: 100 },
    });
    assert.equal(bet.status, 202, JSON.stringify(bet.body));
  }
  return { roundId, userIds: players.map((p) => String(p.userId)) };
}

/** The void's own events: the round VOID, then a balance and a bet event per player. */
function assertVoidPublished(roundId: bigint, userIds: string[]): void {
  const id = roundId.toString();
  const round = seen.findIndex((e) => e.type === 'round' && e.roundId === id && e.status === 'VOID');
  assert.ok(round >= 0, `round ${id} VOID published: ${JSON.stringify(seen)}`);
  for (const userId of userIds) {
    assert.ok(
      seen.some((e) => e.type === 'balance' && e.userId === userId && e.roundId === id),
      `balance of ${userId} published`,
    );
    assert.ok(
      seen.some((e) => e.type === 'bet' && e.userId === userId && e.roundId === id && e.status === 'VOID'),
      `bets of ${userId} published as VOID`,
    );
  }
}

test('a direct void is counted and published once, after commit, by onCommitted', async () => {
  const { roundId, userIds } = await roundWithBets();
  const before = await voidedCount();
  seen = [];
  const voided = await post(`/v1/admin/rounds/${roundId}/void`, t.operatorToken, { reason: 'outage' });
  assert.equal(voided.status, 200, JSON.stringify(voided.body));
  assertVoidPublished(roundId, userIds);
  assert.equal(seen.filter((e) => e.type === 'round' && e.status === 'VOID').length, 1, 'published once');
  assert.equal(await voidedCount(), before + 1);

  // Voiding it again is refused: nothing is counted or published.
  seen = [];
  const again = await post(`/v1/admin/rounds/${roundId}/void`, t.operatorToken, { reason: 'outage' });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  assert.deepEqual(seen, []);
  assert.equal(await voidedCount(), before + 1);
});

test('an approved void of a revealed round goes the same path as a direct one', async () => {
  const { roundId, userIds } = await roundWithBets();
  await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds));
  const asked = await post(`/v1/admin/rounds/${roundId}/void`, t.operatorToken, { reason: 'dealer error' });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const before = await voidedCount();
  seen = [];
  const second = await staffAccount(t, 'operator');
  const done = await post(`/v1/admin/approvals/${asked.body.approvalId}`, second.token, { reason: 'ok' });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assertVoidPublished(roundId, userIds);
  assert.equal(await voidedCount(), before + 1);
});
