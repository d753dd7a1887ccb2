// Property: the database's set-based chunk settlement (src/betting/settlement-set.ts) pays
// exactly what the pure rule (settleRound in src/betting/settlement-rule.ts, the one the shared
// vectors check) computes from the stored bets and matches. Random rounds of a few players on
// both sides, some bets cancelled in part or in whole, random commission rates, settled in
// chunks of two players so every round takes several chunks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { settleRound } from '../src/betting/settlement-rule.ts';
import { arbitraryBets } from '../src/betting/vectors.test-helper.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { settleNext } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { workerDeps } from './helpers/game.ts';
import { assertAudit } from './helpers/ledger.ts';

let t: TestApp;
const players = new Map<string, { userId: number; token: string }>();

before(async () => {
  t = await startTestApp({ MIN_BET: '1', MAX_BET: '1000000', FOUR_EYES_ABOVE: '1000000000' });
  for (const name of ['A', 'B', 'C', 'D', 'E']) {
    const p = await t.registerPlayer();
    await t.deposit(p.userId, 100_000_000);
    players.set(name, p);
  }
});
after(async () => t.close());

let round = 0;

test('chunked settlement in SQL equals the settlement rule on random rounds', async () => {
  await fc.assert(
    fc.asyncProperty(
      arbitraryBets(12),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      fc.constantFrom(0n, 1n, 200n, 250n, 10_000n),
      async (bets, cancels, rakeBps) => {
        const terms = { sides: ['red', 'green'] as const, rakeBps, roundSeconds: 3600 };
        const opened = await withTransaction(t.db.pool, (c) => openRound(c, terms, t.deps.seeds));
        round++;
        const ids: number[] = [];
        for (const [i, bet] of bets.entries()) {
          const res = await t.request({
            method: 'POST',
            url: '/v1/bets',
            token: players.get(bet.playerId)!.token,
            body: { roundId: Number(opened.id), side: bet.side, amount: Number(bet.amount) },
            headers: { 'idempotency-key': `set-${round}-${i}` },
          });
          assert.equal(res.status, 202, JSON.stringify(res.body));
          ids.push(res.body.betId);
          await consumeBetEvents(workerDeps(t));
        }
        // Cancel what is still unmatched of some bets (the whole bet when nothing matched).
        for (const [i, id] of ids.entries()) {
          if (!cancels[i]) continue;
          const res = await t.request({
            method: 'DELETE',
            url: `/v1/bets/${id}`,
            token: players.get(bets[i]!.playerId)!.token,
          });
          assert.ok([200, 409].includes(res.status), JSON.stringify(res.body));
        }
        await withTransaction(t.db.pool, (c) => closeRound(c, opened.id, t.deps.seeds));
        for (let steps = 0; await finalPass(workerDeps(t)); steps++)
          assert.ok(steps < 100, 'final passes stop');
        const settled = await settleNext({ ...workerDeps(t), chunkPlayers: 2 });
        assert.equal(settled?.roundId, opened.id);

        const r = await t.db.pool.query<{ result: string; status: string }>(
          'SELECT result, status FROM rounds WHERE id = $1',
          [opened.id],
        );
        assert.equal(r.rows[0]!.status, 'SETTLED');
        const stored = await t.db.pool.query<{
          id: bigint;
          user_id: bigint;
          side: string;
          amount: bigint;
          cancelled_amount: bigint;
          status: string;
          payout: bigint | null;
          refund: bigint | null;
        }>('SELECT * FROM bets WHERE round_id = $1 ORDER BY id', [opened.id]);
        const matches = await t.db.pool.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
          'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id',
          [opened.id],
        );
        const expected = settleRound({
          result: r.rows[0]!.result,
          rakeBps,
          bets: stored.rows.map((b) => ({
            id: b.id.toString(),
            playerId: b.user_id.toString(),
            side: b.side,
            amount: b.amount,
            cancelled: b.cancelled_amount,
          })),
          matches: matches.rows.map((m) => ({
            betId: m.bet_id.toString(),
            againstId: m.against_bet_id.toString(),
            amount: m.amount,
          })),
        });
        for (const [i, b] of stored.rows.entries()) {
          const want = expected.bets[i]!;
          if (b.status === 'CANCELLED') {
            assert.equal(b.payout, null, `cancelled bet ${b.id} has no payout`);
            continue;
          }
          assert.equal(b.status, 'SETTLED');
          assert.equal(b.payout, want.payout, `payout of bet ${b.id}`);
          assert.equal(b.refund, want.refund, `refund of bet ${b.id}`);
        }
        const rows = await t.db.pool.query<{
          user_id: bigint;
          staked: bigint;
          net: bigint;
          commission: bigint;
          received: bigint;
        }>(
          'SELECT user_id, staked, net, commission, received FROM round_settlements WHERE round_id = $1 ORDER BY user_id',
          [opened.id],
        );
        assert.deepEqual(
          rows.rows.map((p) => [p.user_id.toString(), p.staked, p.net, p.commission, p.received]),
          expected.players
            .map((p) => [p.playerId, p.staked, p.net, p.commission, p.received])
            .sort((a, b) => Number(BigInt(a[0] as string) - BigInt(b[0] as string))),
        );
        const transfers = await t.db.pool.query<{ kind: string; user_id: bigint; amount: bigint }>(
          `SELECT kind, user_id, amount FROM transfers WHERE round_id = $1 AND kind IN ('settlement', 'commission')`,
          [opened.id],
        );
        for (const p of expected.players) {
          const of = (kind: string) =>
            transfers.rows.find((x) => x.kind === kind && x.user_id.toString() === p.playerId)?.amount ?? 0n;
          assert.equal(of('settlement'), p.received, `payout transfer of player ${p.playerId}`);
          assert.equal(of('commission'), p.commission, `commission transfer of player ${p.playerId}`);
        }
      },
    ),
    { numRuns: 25 },
  );
  await assertAudit(t.db.pool);
});
