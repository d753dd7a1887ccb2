// A pass of 200,000 fills (issue 10): 200,000 resting bets of 10 on one side, then two bets of
// 1,000,000 from other players. The old worker collected fills with a spread push and threw
// RangeError on such a pass, rolled back, and retried forever while every later round waited.
// Now each pass books a bounded number of bets in its own transaction, and the round matches
// exactly and settles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { PASS_LIMIT } from '../src/betting/match-pass.ts';
import type { MoneyOperation } from '../src/money.ts';
import type { Submission } from '../src/ledger/transaction-service.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { matchRound } from '../src/workers/match-rounds.ts';
import { settleNext } from '../src/workers/settle.ts';
import { createUser } from '../src/auth/users.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { workerDeps } from './helpers/game.ts';
import { assertAudit, escrowBalance } from './helpers/ledger.ts';
import { countRows, freshRound, roundStatus } from './helpers/rounds.ts';

const RESTING = 200_000;
const PLAYERS = 2_000;
let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test(
  `a pass with ${RESTING.toLocaleString('en')} fills matches in bounded transactions and the round settles`,
  {
    timeout: 600_000,
  },
  async () => {
    const roundId = await freshRound(t.db.pool, t.deps.seeds);
    const players: bigint[] = [];
    for (let i = 0; i < PLAYERS + 2; i++) {
      const u = await createUser(t.db.pool, uniqueName('big'), 'password-123', 'player');
      players.push(u.userId);
    }
    await t.deps.money.submit(
      players.map((userId, i) => ({
        op: { type: 'deposit', userId, amount: 2_000_000n, reference: `big-${roundId}-${i}` },
      })),
    );
    const bet = (userId: bigint, side: string, amount: bigint): Submission<MoneyOperation> => ({
      op: { type: 'placeBet', userId, roundId, side, amount },
    });
    for (let from = 0; from < RESTING; from += 5_000) {
      const batch = Array.from({ length: 5_000 }, (_, i) => bet(players[(from + i) % PLAYERS]!, 'red', 10n));
      const answers = await t.deps.money.submit(batch);
      assert.ok(answers.every((a) => a.ok));
    }
    // Book the resting side first, in bounded passes.
    const passes = async () => {
      let biggest = 0;
      for (let more = true, n = 0; more && n < 100; n++) {
        const pass = await withTransaction(t.db.pool, (c) => matchRound(c, roundId));
        assert.ok(pass.booked <= PASS_LIMIT);
        biggest = Math.max(biggest, pass.fills.length);
        more = pass.more;
      }
      return biggest;
    };
    await passes();
    const big = await t.deps.money.submit([
      bet(players[PLAYERS]!, 'green', 1_000_000n),
      bet(players[PLAYERS + 1]!, 'green', 1_000_000n),
    ]);
    assert.ok(big.every((a) => a.ok));
    const fills = await passes();
    assert.equal(fills, RESTING, 'both big bets matched every resting bet in one pass');
    assert.equal(
      await countRows(t.db.pool, 'SELECT count(*) AS n FROM matches WHERE round_id = $1', [roundId]),
      RESTING,
    );

    await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds));
    const deps = workerDeps(t);
    for (let n = 0; n < 100 && (await roundStatus(t.db.pool, roundId)) === 'CLOSED'; n++)
      await finalPass(deps);
    assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLING');
    const settled = await settleNext(deps);
    assert.equal(settled?.roundId, roundId);
    assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLED');
    assert.equal(await escrowBalance(t.db.pool, roundId), 0n);
    await assertAudit(t.db.pool);
  },
);
