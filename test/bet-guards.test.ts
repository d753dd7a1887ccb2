// The rules on bets and matches that migration 0027 checks once per statement: a bet changes
// only the ways its life allows, is never deleted, and a match joins two bets of its own round.
// Each refusal names its guard.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { refusalOf } from './helpers/ledger.ts';
import { freshRound } from './helpers/rounds.ts';

let t: TestApp;
let roundId: bigint;
let otherRound: bigint;
const bets: bigint[] = [];

before(async () => {
  t = await startTestApp();
  roundId = await freshRound(t.db.pool, t.deps.seeds);
  for (const side of ['red', 'green']) {
    const { userId } = await createUser(t.db.pool, uniqueName('guard'), 'password-123', 'player');
    await t.deps.money.submit([
      { op: { type: 'deposit', userId, amount: 1000n, reference: uniqueName('g') } },
    ]);
    const [placed] = await t.deps.money.submit([
      { op: { type: 'placeBet', userId, roundId, side, amount: 100n } },
    ]);
    if (!placed?.ok) assert.fail('bet refused');
    bets.push(BigInt((placed.body as { betId: string }).betId));
  }
  otherRound = roundId + 1000n;
});
after(async () => t.close());

const refusal = (sql: string, params: unknown[] = []) => refusalOf(t.db.pool, sql, params);

test('a bet cannot change side, amount or round, nor lose what it matched', async () => {
  await t.db.pool.query('UPDATE bets SET matched_amount = 40 WHERE id = ANY ($1)', [bets]);
  for (const [sql, params] of [
    ["UPDATE bets SET side = 'green' WHERE id = $1", [bets[0]]],
    ['UPDATE bets SET amount = amount + 1 WHERE id = $1', [bets[0]]],
    ['UPDATE bets SET round_id = $2 WHERE id = $1', [bets[0], otherRound]],
    ['UPDATE bets SET matched_amount = 30 WHERE id = ANY ($1)', [bets]],
  ] as const) {
    const err = await refusal(sql, [...params]);
    assert.equal(err.constraint, 'bets_guard', sql);
    assert.match(err.message, /cannot change that way/);
  }
  // One bad row among good ones fails the whole statement.
  const err = await refusal(
    `UPDATE bets SET matched_amount = CASE WHEN id = $1 THEN 50 ELSE 30 END WHERE id = ANY ($2)`,
    [bets[0], bets],
  );
  assert.equal(err.constraint, 'bets_guard');
  const { rows } = await t.db.pool.query<{ m: bigint }>(
    'SELECT sum(matched_amount)::bigint AS m FROM bets WHERE id = ANY ($1)',
    [bets],
  );
  assert.equal(rows[0]!.m, 80n, 'nothing of the refused statements applied');
});

test('a settled bet keeps its status and payout', async () => {
  await t.db.pool.query(
    `UPDATE bets SET status = 'SETTLED', payout = 0, refund = 60, settled_at = now() WHERE id = $1`,
    [bets[1]],
  );
  for (const sql of [
    `UPDATE bets SET status = 'VOID' WHERE id = $1`,
    'UPDATE bets SET refund = 61 WHERE id = $1',
  ]) {
    assert.equal((await refusal(sql, [bets[1]])).constraint, 'bets_guard', sql);
  }
});

test('bets are never deleted or truncated', async () => {
  for (const sql of ['DELETE FROM bets WHERE id = $1', 'TRUNCATE bets']) {
    const err = await refusal(sql, sql.includes('$1') ? [bets[0]] : []);
    assert.equal(err.constraint, 'bets_never_deleted', sql);
  }
});

test('a match joins two bets of its own round', async () => {
  const err = await refusal(
    'INSERT INTO matches (round_id, bet_id, against_bet_id, amount) VALUES ($1, $2, $3, 1)',
    [otherRound, bets[0], bets[1]],
  );
  assert.equal(err.constraint, 'matches_of_round_bets');
  const unknown = await refusal(
    'INSERT INTO matches (round_id, bet_id, against_bet_id, amount) VALUES ($1, $2, $3, 1)',
    [roundId, bets[0], -1n],
  );
  assert.equal(unknown.constraint, 'matches_of_round_bets');
  await t.db.pool.query(
    'INSERT INTO matches (round_id, bet_id, against_bet_id, amount) VALUES ($1, $2, $3, 1)',
    [roundId, bets[0], bets[1]],
  );
});
