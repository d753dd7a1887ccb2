// Settlement ends by asserting its postcondition (docs/invariants.md, I6): what the round's
// settlement rows pay plus the commission equals what was staked less what was cancelled. A
// round whose rows do not add up is refused with SettlementImbalanceError before it becomes
// SETTLED, and stays SETTLING; a round whose rows add up settles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { planOrFinish } from '../src/betting/settlement-chunks.ts';
import { SettlementImbalanceError } from '../src/betting/settlement-rule.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { settleStep } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { workerDeps } from './helpers/game.ts';
import { escrowBalance } from './helpers/ledger.ts';
import { closedRoundWithBets, roundStatus } from './helpers/rounds.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

/** A SETTLING round with matched, partly matched and unmatched bets of 3 players, every chunk paid. */
async function paidRound(): Promise<{ roundId: bigint; bystander: number }> {
  const { roundId, players } = await closedRoundWithBets(t, 4, 10_000);
  while (await finalPass(workerDeps(t)));
  const deps = { ...workerDeps(t), chunkPlayers: 2 };
  assert.equal((await settleStep(deps))?.kind, 'planned');
  assert.equal((await settleStep(deps))?.kind, 'chunk');
  assert.equal((await settleStep(deps))?.kind, 'chunk');
  return { roundId, bystander: players[3]!.userId };
}

test('a round whose rows add up passes the postcondition and settles with an empty escrow', async () => {
  const { roundId } = await paidRound();
  const step = await withTransaction(t.db.pool, (c) => planOrFinish(c, roundId, 2));
  assert.equal(step?.kind, 'final');
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLED');
  assert.equal(await escrowBalance(t.db.pool, roundId), 0n);
});

// Last: the tampered round stays SETTLING for good and would hold up the settle steps of any later round.
test('a round whose settlement rows pay one unit more than its escrow is refused, named, and stays SETTLING', async () => {
  const { roundId, bystander } = await paidRound();
  // Tampering as the owner: a settlement row for a player who never bet, receiving 1 (inserts
  // are allowed; the row's transfer is missing, as a bug in record() could leave it).
  await t.db.pool.query(
    `INSERT INTO round_settlements (round_id, user_id, outcome, staked, net, commission, received)
     VALUES ($1, $2, 'SETTLED', 0, 0, 0, 1)`,
    [roundId, bystander],
  );
  await assert.rejects(
    withTransaction(t.db.pool, (c) => planOrFinish(c, roundId, 2)),
    (err: unknown) => {
      assert.ok(err instanceof SettlementImbalanceError, String(err));
      assert.match(
        err.message,
        new RegExp(`round ${roundId}: paid \\d+ \\+ commission \\d+ != staked 2300 - cancelled 0`),
      );
      return true;
    },
  );
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLING', 'the SETTLED update was rolled back');
});
