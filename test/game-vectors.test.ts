// Every reference scenario of the settlement vectors (test/fixtures/vectors/settlement.json, or
// the shared copy beside the project when present: docs/testing.md), played through the real
// database path: bets placed one by one through POST /v1/bets, each booked by the match
// worker's step before the next one arrives, the round closed (seed revealed), the final
// pass, then the settle worker. The result comes from the committed seed and cannot be chosen
// or seen before its reveal, so the test plays the bets into rounds until one reveals the
// scenario's result, voiding the others (tests reach seeds only through the public reveal).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { settleNext } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { readRawScenarios } from '../src/betting/vectors.test-helper.ts';
import { workerDeps } from './helpers/game.ts';
import { accountBalance, assertAudit, ledgerBalance, projectAll } from './helpers/ledger.ts';
import { voidWithFourEyes } from './helpers/staff.ts';

const scenarios = readRawScenarios();

const SIDES = ['red', 'green'] as const;
const FUNDS = 10_000;

let t: TestApp;
const deps = () => workerDeps(t);

before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

async function balanceWhere(where: string, params: unknown[]): Promise<bigint> {
  const balance = await accountBalance(t.db.pool, where, params);
  assert.ok(balance !== undefined, `no account where ${where}`);
  return balance;
}

const houseBalance = () => balanceWhere(`a.kind = 'house'`, []);
const escrowBalance = (roundId: bigint) => balanceWhere(`a.kind = 'escrow' AND a.round_id = $1`, [roundId]);

type Scenario = (typeof scenarios)[number];
type Player = { userId: number; token: string };

/**
 * Plays the scenario's bets into a fresh round, closes it, and reads the result from the public
 * reveal. Nobody can choose or know a result before its reveal, so a round with the other result
 * is voided (every stake back in full) and the bets are played again in the next round: about
 * two rounds per scenario. Returns the round and the bet ids; the round is CLOSED.
 */
async function playUntilResult(
  index: number,
  scenario: Scenario,
  players: Map<string, Player>,
): Promise<{ roundId: bigint; betIds: Map<string, number> }> {
  const terms = { sides: SIDES, rakeBps: BigInt(scenario.rakeBps), roundSeconds: 3600 };
  for (let attempt = 0; attempt < 64; attempt++) {
    const round = await withTransaction(t.db.pool, (c) => openRound(c, terms, t.deps.seeds));
    assert.equal(round.status, 'OPEN');
    assert.equal(round.rake_bps, BigInt(scenario.rakeBps));
    // Placement order is the vector's order: each bet is committed and booked before the next.
    const betIds = new Map<string, number>();
    for (const [i, bet] of scenario.bets.entries()) {
      const res = await t.request({
        method: 'POST',
        url: '/v1/bets',
        token: players.get(bet.player)!.token,
        body: { roundId: Number(round.id), side: bet.side, amount: bet.amount },
        headers: { 'idempotency-key': `vector-${index}-${attempt}-${bet.id}` },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.status, 'PENDING');
      assert.equal(res.body.amount, bet.amount);
      betIds.set(bet.id, res.body.betId);
      assert.equal(await consumeBetEvents(deps()), true, `bet ${bet.id} was not consumed`);
      const booked = await t.db.pool.query<{ seq: bigint | null }>('SELECT seq FROM bets WHERE id = $1', [
        res.body.betId,
      ]);
      assert.equal(booked.rows[0]!.seq, BigInt(i + 1), `bet ${bet.id} is booked in arrival order`);
    }
    assert.equal(await withTransaction(t.db.pool, (c) => closeRound(c, round.id, t.deps.seeds)), true);
    const revealed = await t.request({ method: 'GET', url: `/v1/rounds/${round.id}` });
    assert.equal(revealed.status, 200);
    if (revealed.body.result === scenario.result) return { roundId: round.id, betIds };
    // After the reveal a void needs a reason and a second operator (test/helpers/staff.ts).
    const voided = await voidWithFourEyes(t, round.id, 'not the result this vector needs');
    assert.equal(voided.status, 200, JSON.stringify(voided.body));
  }
  throw new Error(`no round with result ${scenario.result} in 64 attempts`);
}

for (const [index, scenario] of scenarios.entries()) {
  test(`vector: ${scenario.name}`, async () => {
    const players = new Map<string, { userId: number; token: string }>();
    for (const name of new Set(scenario.bets.map((b) => b.player))) {
      const p = await t.registerPlayer();
      await t.deposit(p.userId, FUNDS);
      players.set(name, p);
    }
    const houseBefore = await houseBalance();
    const { roundId, betIds } = await playUntilResult(index, scenario, players);
    const vectorId = new Map([...betIds].map(([id, betId]) => [String(betId), id]));

    assert.equal(await finalPass(deps()), true);
    const settled = await settleNext(deps());
    assert.equal(settled?.roundId, roundId);

    const round = await t.db.pool.query<{ status: string; result: string }>(
      'SELECT status, result FROM rounds WHERE id = $1',
      [roundId],
    );
    assert.equal(round.rows[0]!.status, 'SETTLED');
    assert.equal(round.rows[0]!.result, scenario.result);

    const matches = await t.db.pool.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
      'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id',
      [roundId],
    );
    assert.deepEqual(
      matches.rows.map((m) => ({
        bet: vectorId.get(m.bet_id.toString()),
        against: vectorId.get(m.against_bet_id.toString()),
        amount: Number(m.amount),
      })),
      scenario.expected.matches,
      'matches',
    );

    for (const expected of scenario.expected.bets) {
      const bet = scenario.bets.find((b) => b.id === expected.id)!;
      const res = await t.request({
        method: 'GET',
        url: `/v1/bets/${betIds.get(expected.id)}`,
        token: players.get(bet.player)!.token,
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        {
          id: expected.id,
          status: res.body.status,
          matched: res.body.matchedAmount,
          payout: res.body.payout,
          refund: res.body.refund,
        },
        { ...expected, status: 'SETTLED' },
        `bet ${expected.id}`,
      );
    }

    for (const [name, expected] of Object.entries(scenario.expected.players)) {
      const userId = players.get(name)!.userId;
      const moved = await t.db.pool.query<{ kind: string; total: bigint }>(
        `SELECT kind, sum(amount)::bigint AS total FROM transfers WHERE round_id = $1 AND user_id = $2 GROUP BY kind`,
        [roundId, userId],
      );
      const byKind = Object.fromEntries(moved.rows.map((r) => [r.kind, Number(r.total)]));
      const row = await t.db.pool.query<{
        staked: bigint;
        net: bigint;
        commission: bigint;
        received: bigint;
      }>(
        'SELECT staked, net, commission, received FROM round_settlements WHERE round_id = $1 AND user_id = $2',
        [roundId, userId],
      );
      assert.equal(row.rowCount, 1, `one settlement row for ${name}`);
      const s = row.rows[0]!;
      assert.deepEqual(
        {
          player: name,
          staked: byKind.stake ?? 0,
          commission: byKind.commission ?? 0,
          received: byKind.settlement ?? 0,
          change: Number((await ledgerBalance(t.db.pool, userId)) - BigInt(FUNDS)),
          net: Number(s.net),
        },
        { player: name, ...expected },
        `player ${name} from the ledger`,
      );
      assert.deepEqual(
        [s.staked, s.commission, s.received].map(Number),
        [expected.staked, expected.commission, expected.received],
        `player ${name} settlement row`,
      );
    }

    assert.equal(Number((await houseBalance()) - houseBefore), scenario.expected.houseCommission, 'house');
    assert.equal(await escrowBalance(roundId), 0n, 'escrow is empty');

    await projectAll(t.db.pool);
    for (const [name, expected] of Object.entries(scenario.expected.players)) {
      const wallet = await t.request({ method: 'GET', url: '/v1/wallet', token: players.get(name)!.token });
      assert.equal(wallet.body.balance, FUNDS + expected.change, `wallet of ${name}`);
    }
    await assertAudit(t.db.pool);
  });
}
