// Every reference scenario of ../shared/vectors/settlement.json, played through the real
// database path: bets placed one by one through POST /v1/bets, each booked by the match
// worker's step before the next one arrives, the round closed (seed revealed), the final
// pass, then the settle worker. The result comes from the committed seed and cannot be chosen,
// so the test opens rounds (voiding the empty, unsuitable ones) until the seed gives the
// scenario's result.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { roundOutcome } from '../src/betting/fairness.ts';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { consumeBetEvents, finalPass } from '../src/workers/match.ts';
import { settleNext } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { readRawScenarios } from '../src/betting/vectors.test-helper.ts';
import { workerDeps } from './helpers/game.ts';
import { accountBalance, assertAudit, ledgerBalance, projectAll } from './helpers/ledger.ts';

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

/** Opens rounds with these terms until one's committed seed gives `wanted`; voids the others (empty). */
async function openRoundWithResult(rakeBps: number, wanted: string): Promise<bigint> {
  const terms = { sides: SIDES, rakeBps: BigInt(rakeBps), roundSeconds: 3600 };
  for (let attempt = 0; attempt < 64; attempt++) {
    const round = await withTransaction(t.db.pool, (c) => openRound(c, terms));
    assert.equal(round.status, 'OPEN');
    assert.equal(round.rake_bps, BigInt(rakeBps));
    const { rows } = await t.db.pool.query<{ seed: string }>(
      'SELECT seed FROM round_seeds WHERE round_id = $1',
      [round.id],
    );
    if (roundOutcome(rows[0]!.seed, round.id, round.sides).result === wanted) return round.id;
    const voided = await t.request({
      method: 'POST',
      url: `/v1/admin/rounds/${round.id}/void`,
      token: t.operatorToken,
    });
    assert.equal(voided.status, 200, JSON.stringify(voided.body));
  }
  throw new Error(`no round with result ${wanted} in 64 attempts`);
}

for (const [index, scenario] of scenarios.entries()) {
  test(`vector: ${scenario.name}`, async () => {
    const roundId = await openRoundWithResult(scenario.rakeBps, scenario.result);

    const players = new Map<string, { userId: number; token: string }>();
    for (const name of new Set(scenario.bets.map((b) => b.player))) {
      const p = await t.registerPlayer();
      await t.deposit(p.userId, FUNDS);
      players.set(name, p);
    }
    const houseBefore = await houseBalance();

    // Placement order is the vector's order: each bet is committed and booked before the next.
    const betIds = new Map<string, number>();
    for (const [i, bet] of scenario.bets.entries()) {
      const player = players.get(bet.player)!;
      const res = await t.request({
        method: 'POST',
        url: '/v1/bets',
        token: player.token,
        body: { roundId: Number(roundId), side: bet.side, amount: bet.amount },
        headers: { 'idempotency-key': `vector-${index}-${bet.id}` },
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
    const vectorId = new Map([...betIds].map(([id, betId]) => [String(betId), id]));

    assert.equal(await withTransaction(t.db.pool, (c) => closeRound(c, roundId)), true);
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
