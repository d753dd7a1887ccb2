// The match worker's book in memory (issue 10, migration 0025): a pass reuses the book the
// worker's last pass left only while match_books still names that pass's transaction. Another
// worker's pass, a cancel, or a rolled-back pass make the next pass read the book from bets,
// and the matches are always those of the pure rule over the bets in booking order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { MatchBooks } from '../src/betting/match-book.ts';
import { matchBets, type IncomingBet } from '../src/betting/matching.ts';
import { withTransaction } from '../src/db/transaction.ts';
import type { MoneyOperation } from '../src/money.ts';
import type { Submission } from '../src/ledger/transaction-service.ts';
import { matchRound } from '../src/workers/match-rounds.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { freshRound } from './helpers/rounds.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

async function players(n: number, roundId: bigint): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await createUser(t.db.pool, uniqueName('mb'), 'password-123', 'player')).userId);
  await t.deps.money.submit(
    ids.map((userId, i) => ({
      op: { type: 'deposit', userId, amount: 1_000_000n, reference: `mb-${roundId}-${i}` },
    })),
  );
  return ids;
}

async function place(roundId: bigint, bets: [bigint, string, bigint][]): Promise<bigint[]> {
  const answers = await t.deps.money.submit(
    bets.map(([userId, side, amount]): Submission<MoneyOperation> => ({
      op: { type: 'placeBet', userId, roundId, side, amount },
    })),
  );
  return answers.map((a) => {
    if (!a.ok) assert.fail(`bet refused: ${a.error.code}`);
    return BigInt((a.body as { betId: string }).betId);
  });
}

const pass = (roundId: bigint, books?: MatchBooks) =>
  withTransaction(t.db.pool, (c) => matchRound(c, roundId, books));

/** The round's matches as the pure rule makes them from every booked bet in booking order. */
async function assertMatchesFollowTheRule(roundId: bigint): Promise<void> {
  const { rows: bets } = await t.db.pool.query<{
    id: bigint;
    user_id: bigint;
    side: string;
    amount: bigint;
    cancelled: bigint;
  }>(
    `SELECT id, user_id, side, amount, cancelled_amount AS cancelled FROM bets WHERE round_id = $1 AND seq IS NOT NULL ORDER BY seq`,
    [roundId],
  );
  const { rows: stored } = await t.db.pool.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
    'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id',
    [roundId],
  );
  // No bet here is cancelled before it is booked, so each arrives with its full amount.
  const incoming: IncomingBet[] = bets.map((b) => ({
    id: b.id.toString(),
    playerId: b.user_id.toString(),
    side: b.side,
    amount: b.amount,
  }));
  const expected = matchBets([], incoming).fills;
  const key = (f: { betId: string; againstId: string; amount: bigint }) =>
    `${f.betId}>${f.againstId}:${f.amount}`;
  assert.deepEqual(
    stored
      .map((m) =>
        key({ betId: m.bet_id.toString(), againstId: m.against_bet_id.toString(), amount: m.amount }),
      )
      .sort(),
    expected.map(key).sort(),
  );
}

test('a worker reuses its book between its own passes, and matches exactly as the rule does', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b, c] = await players(3, roundId);
  const books = new MatchBooks();
  await place(roundId, [
    [a!, 'red', 300n],
    [b!, 'red', 200n],
  ]);
  const first = await pass(roundId, books);
  assert.equal(first.bookReused, false, 'nothing to remember yet');
  await place(roundId, [
    [c!, 'green', 250n],
    [a!, 'green', 100n],
  ]);
  const second = await pass(roundId, books);
  assert.equal(second.bookReused, true);
  assert.equal(second.fills.length, 2, 'c against a, then a against b (never against itself)');
  await place(roundId, [[c!, 'green', 400n]]);
  assert.equal((await pass(roundId, books)).bookReused, true);
  await assertMatchesFollowTheRule(roundId);
});

test("another writer's pass, a cancel, or a rolled-back pass make the next pass read the book again", async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b, c] = await players(3, roundId);
  const books = new MatchBooks();
  const [resting] = await place(roundId, [[a!, 'red', 500n]]);
  await pass(roundId, books);

  // Another worker (no memory of this one's book) books a bet: this worker's copy is stale.
  await place(roundId, [[b!, 'red', 100n]]);
  assert.equal((await pass(roundId)).bookReused, false);
  await place(roundId, [[c!, 'green', 50n]]);
  const afterOther = await pass(roundId, books);
  assert.equal(afterOther.bookReused, false);
  assert.deepEqual(
    afterOther.fills.map((f) => f.againstId),
    [resting!.toString()],
  );

  // A cancel of the resting bet changes the book: the next pass must not match against it.
  const cancelled = await t.deps.money.submit([{ op: { type: 'cancelBet', userId: a!, betId: resting! } }]);
  assert.ok(cancelled[0]?.ok, 'the cancel is accepted');
  const [green] = await place(roundId, [[c!, 'green', 80n]]);
  const afterCancel = await pass(roundId, books);
  assert.equal(afterCancel.bookReused, false);
  assert.deepEqual(
    afterCancel.fills.map((f) => [f.betId, f.againstId, f.amount]),
    [[green!.toString(), (await betOf(b!, roundId)).toString(), 80n]],
  );

  // A pass that rolls back leaves nothing to reuse, and the retry matches the same bets once.
  await place(roundId, [[c!, 'green', 10n]]);
  await assert.rejects(
    withTransaction(t.db.pool, async (client) => {
      await matchRound(client, roundId, books);
      throw new Error('rolled back on purpose');
    }),
    /on purpose/,
  );
  const retry = await pass(roundId, books);
  assert.equal(retry.bookReused, false);
  assert.equal(
    retry.fills.reduce((s, f) => s + f.amount, 0n),
    10n,
  );
  const { rows } = await t.db.pool.query<{ matched: bigint }>(
    'SELECT coalesce(sum(amount), 0)::bigint AS matched FROM matches WHERE round_id = $1',
    [roundId],
  );
  assert.equal(rows[0]!.matched, 50n + 80n + 10n);
});

async function betOf(userId: bigint, roundId: bigint): Promise<bigint> {
  const { rows } = await t.db.pool.query<{ id: bigint }>(
    'SELECT id FROM bets WHERE round_id = $1 AND user_id = $2 ORDER BY id LIMIT 1',
    [roundId, userId],
  );
  return rows[0]!.id;
}
