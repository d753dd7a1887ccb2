// The game's rules at the API and in the database: what a bet request may be, cancelling,
// idempotent replays, who may read a bet, operator void (and void racing settlement), the
// database refusing any result but the committed seed's, and the public fairness check.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { closeRound } from '../src/betting/rounds.ts';
import { createPool, type Pool } from '../src/db/pool.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { settleNext } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import {
  assertError,
  deleteBet,
  fundedPlayer,
  placedBet,
  postBet,
  readBet,
  type Player,
} from './helpers/bets.ts';
import { drainRounds, workerDeps } from './helpers/game.ts';
import { assertAudit, escrowBalance, ledgerBalance } from './helpers/ledger.ts';
import { countRows, expectedSettlement, freshRound, roundStatus } from './helpers/rounds.ts';
import { requestVoid } from './helpers/staff.ts';
import { sleep } from './helpers/util.ts';

const MIN_BET = 10;
const MAX_BET = 5000;
const FUNDS = 20_000;

let t: TestApp;
let racePool: Pool;

before(async () => {
  t = await startTestApp({ MIN_BET: String(MIN_BET), MAX_BET: String(MAX_BET), RAKE_BPS: '200' });
  racePool = createPool(t.db.url, { max: 4, applicationName: 'colorbet-test-race' });
});
after(async () => {
  await racePool.end();
  await t.close();
});

const deps = (pool?: Pool) => workerDeps(t, pool);

const close = (roundId: bigint) => withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds));
const count = (sql: string, params: unknown[]) => countRows(t.db.pool, sql, params);
const betsOf = (p: Player) => count('SELECT count(*) AS n FROM bets WHERE user_id = $1', [p.userId]);
const balance = async (p: Player) => Number(await ledgerBalance(t.db.pool, p.userId));
const escrow = (roundId: bigint) => escrowBalance(t.db.pool, roundId);

test('a bet on a round that is not OPEN is refused with 409 ROUND_NOT_OPEN and moves nothing', async () => {
  const p = await fundedPlayer(t, FUNDS);
  const closed = await freshRound(t.db.pool, t.deps.seeds);
  assert.equal(await close(closed), true);
  assertError(
    await postBet(t, p, { roundId: Number(closed), side: 'red', amount: 100 }),
    409,
    'ROUND_NOT_OPEN',
  );
  await drainRounds(t);
  assert.equal(await roundStatus(t.db.pool, closed), 'SETTLED');
  assertError(
    await postBet(t, p, { roundId: Number(closed), side: 'red', amount: 100 }),
    409,
    'ROUND_NOT_OPEN',
  );
  assertError(await postBet(t, p, { roundId: 999_999, side: 'red', amount: 100 }), 404, 'NOT_FOUND');
  assert.equal(await betsOf(p), 0);
  assert.equal(await balance(p), FUNDS);
});

test('insufficient funds: 422 INSUFFICIENT_FUNDS, no bet, wallet untouched', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const poor = await fundedPlayer(t, 100);
  assertError(
    await postBet(t, poor, { roundId: Number(roundId), side: 'red', amount: 101 }),
    422,
    'INSUFFICIENT_FUNDS',
  );
  const broke = await fundedPlayer(t, 0);
  assertError(
    await postBet(t, broke, { roundId: Number(roundId), side: 'green', amount: 10 }),
    422,
    'INSUFFICIENT_FUNDS',
  );
  assert.equal(await betsOf(poor), 0);
  assert.equal(await betsOf(broke), 0);
  assert.equal(await balance(poor), 100);
  // Exactly the whole wallet is fine.
  await placedBet(t, poor, roundId, 'red', 100);
  assert.equal(await balance(poor), 0);
});

test('an unknown side is 400 INVALID_SIDE', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const p = await fundedPlayer(t, FUNDS);
  assertError(
    await postBet(t, p, { roundId: Number(roundId), side: 'blue', amount: 100 }),
    400,
    'INVALID_SIDE',
  );
  assertError(
    await postBet(t, p, { roundId: Number(roundId), side: 'RED', amount: 100 }),
    400,
    'INVALID_SIDE',
  );
  assertError(await postBet(t, p, { roundId: Number(roundId), side: '', amount: 100 }), 400);
  assert.equal(await betsOf(p), 0);
  assert.equal(await balance(p), FUNDS);
});

test('amounts outside MIN_BET..MAX_BET are 422 LIMIT_EXCEEDED; the limits themselves are accepted', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const p = await fundedPlayer(t, FUNDS);
  for (const amount of [1, MIN_BET - 1, MAX_BET + 1, 1_000_000_000]) {
    const res = await postBet(t, p, { roundId: Number(roundId), side: 'red', amount });
    assertError(res, 422, 'LIMIT_EXCEEDED');
  }
  assert.equal(await betsOf(p), 0);
  await placedBet(t, p, roundId, 'red', MIN_BET);
  await placedBet(t, p, roundId, 'green', MAX_BET);
  assert.equal(await balance(p), FUNDS - MIN_BET - MAX_BET);
});

test('amounts that are strings, fractions, zero or negative, and malformed bodies, are 400', async () => {
  const roundId = Number(await freshRound(t.db.pool, t.deps.seeds));
  const p = await fundedPlayer(t, FUNDS);
  for (const body of [
    { roundId, side: 'red', amount: '100' },
    { roundId, side: 'red', amount: 100.5 },
    { roundId, side: 'red', amount: 1e-3 },
    { roundId, side: 'red', amount: 0 },
    { roundId, side: 'red', amount: -100 },
    { roundId, side: 'red', amount: null },
    { roundId, side: 'red' },
    { roundId: String(roundId), side: 'red', amount: 100 },
    { roundId, side: 'red', amount: 100, extra: true },
  ]) {
    const res = await postBet(t, p, body);
    assertError(res, 400);
    assert.match(String(res.body.error.code), /^(VALIDATION|INVALID_AMOUNT)$/, JSON.stringify(body));
  }
  assertError(await postBet(t, p, '{"roundId": 1, "side": "red", "amount": 1' as never), 400);
  assert.equal(await betsOf(p), 0);
  assert.equal(await balance(p), FUNDS);
});

test('a bet without Idempotency-Key is 400 IDEMPOTENCY_KEY_REQUIRED and places nothing', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const p = await fundedPlayer(t, FUNDS);
  assertError(
    await postBet(t, p, { roundId: Number(roundId), side: 'red', amount: 100 }, null),
    400,
    'IDEMPOTENCY_KEY_REQUIRED',
  );
  assert.equal(await betsOf(p), 0);
  assert.equal(await balance(p), FUNDS);
});

test('cancel while OPEN refunds at once exactly the unmatched part; matched parts stay', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b, c] = [
    await fundedPlayer(t, FUNDS),
    await fundedPlayer(t, FUNDS),
    await fundedPlayer(t, FUNDS),
  ];
  const aBet = await placedBet(t, a, roundId, 'red', 1000);
  const bBet = await placedBet(t, b, roundId, 'green', 400);
  assert.equal(await consumeBetEvents(deps()), true);
  const before = await readBet(t, a, aBet);
  assert.equal(before.body.status, 'PARTIALLY_MATCHED');
  assert.equal(before.body.matchedAmount, 400);

  const res = await deleteBet(t, a, aBet);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.cancelledAmount, 600);
  assert.equal(res.body.matchedAmount, 400);
  assert.equal(res.body.unmatchedAmount, 0);
  assert.equal(res.body.status, 'MATCHED');
  // Refunded in the same transaction: the ledger already shows it.
  assert.equal(await balance(a), FUNDS - 400);
  const refunds = await t.db.pool.query<{ amount: bigint }>(
    `SELECT amount FROM transfers WHERE kind = 'cancel_refund' AND bet_id = $1`,
    [aBet],
  );
  assert.deepEqual(
    refunds.rows.map((r) => r.amount),
    [600n],
  );
  assertError(await deleteBet(t, a, aBet), 409, 'BET_NOT_CANCELLABLE');
  assert.equal(await balance(a), FUNDS - 400);

  // The cancelled part is gone from the book: a later green bet finds nothing to match.
  const cBet = await placedBet(t, c, roundId, 'green', 500);
  await consumeBetEvents(deps());
  assert.equal((await readBet(t, c, cBet)).body.matchedAmount, 0);

  // A cancel books the book first: what the bet matched on arrival stays matched.
  const d = await fundedPlayer(t, FUNDS);
  const dBet = await placedBet(t, d, roundId, 'red', 800);
  const dCancel = await deleteBet(t, d, dBet);
  assert.equal(dCancel.status, 200, JSON.stringify(dCancel.body));
  assert.equal(dCancel.body.matchedAmount, 500, 'd matched c (resting green 500) on arrival');
  assert.equal(dCancel.body.cancelledAmount, 300);
  assert.equal(await balance(d), FUNDS - 500);

  // A bet with nothing matched is cancelled in full.
  const e = await fundedPlayer(t, FUNDS);
  const eBet = await placedBet(t, e, roundId, 'red', 250);
  const eCancel = await deleteBet(t, e, eBet);
  assert.equal(eCancel.status, 200);
  assert.equal(eCancel.body.status, 'CANCELLED');
  assert.equal(eCancel.body.cancelledAmount, 250);
  assert.equal(await balance(e), FUNDS);
  assertError(await deleteBet(t, e, eBet), 409, 'BET_NOT_CANCELLABLE');

  // B's bet is fully matched: nothing to cancel.
  assertError(await deleteBet(t, b, bBet), 409, 'BET_NOT_CANCELLABLE');
  assert.equal(await balance(b), FUNDS - 400);
  await assertAudit(t.db.pool);
});

test("cancelling someone else's bet is 403; cancelling after close is 409", async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b] = [await fundedPlayer(t, FUNDS), await fundedPlayer(t, FUNDS)];
  const aBet = await placedBet(t, a, roundId, 'red', 300);
  assertError(await deleteBet(t, b, aBet), 403, 'FORBIDDEN');
  assertError(await t.request({ method: 'DELETE', url: `/v1/bets/${aBet}`, token: t.operatorToken }), 403);
  assertError(await t.request({ method: 'DELETE', url: `/v1/bets/${aBet}` }), 401);
  assertError(await deleteBet(t, a, 99_999_999), 404);
  assert.equal(await balance(a), FUNDS - 300);
  assert.equal(await close(roundId), true);
  assertError(await deleteBet(t, a, aBet), 409, 'ROUND_NOT_OPEN');
  assert.equal(await balance(a), FUNDS - 300);
  await drainRounds(t);
  assert.equal((await readBet(t, a, aBet)).body.refund, 300);
  assert.equal(await balance(a), FUNDS);
  await assertAudit(t.db.pool);
});

test('a replayed bet answers the same betId and charges once; another body under the key is 409', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const p = await fundedPlayer(t, FUNDS);
  const body = { roundId: Number(roundId), side: 'red', amount: 700 };
  const first = await postBet(t, p, body, 'same-key');
  assert.equal(first.status, 202);
  const again = await postBet(t, p, body, 'same-key');
  assert.equal(again.status, 202);
  assert.equal(again.body.betId, first.body.betId);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  // Concurrent replays too.
  const burst = await Promise.all(Array.from({ length: 10 }, () => postBet(t, p, body, 'same-key')));
  for (const r of burst) {
    assert.ok(r.status === 202 || r.body?.error?.code === 'IDEMPOTENCY_IN_PROGRESS', JSON.stringify(r.body));
    if (r.status === 202) assert.equal(r.body.betId, first.body.betId);
  }
  assertError(await postBet(t, p, { ...body, amount: 701 }, 'same-key'), 409, 'IDEMPOTENCY_CONFLICT');
  assertError(await postBet(t, p, { ...body, side: 'green' }, 'same-key'), 409, 'IDEMPOTENCY_CONFLICT');
  assert.equal(await betsOf(p), 1);
  assert.equal(await balance(p), FUNDS - 700);
  assert.equal(
    await count(`SELECT count(*) AS n FROM transfers WHERE kind = 'stake' AND user_id = $1`, [p.userId]),
    1,
  );
  // The key is per player: another player's identical key is a different request.
  const q = await fundedPlayer(t, FUNDS);
  const other = await postBet(t, q, body, 'same-key');
  assert.equal(other.status, 202);
  assert.notEqual(other.body.betId, first.body.betId);
});

test('GET /v1/bets/:id is for its owner (and operators) only', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b] = [await fundedPlayer(t, FUNDS), await fundedPlayer(t, FUNDS)];
  const aBet = await placedBet(t, a, roundId, 'green', 120);
  const mine = await readBet(t, a, aBet);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.amount, 120);
  assert.equal(mine.body.status, 'PENDING');
  assertError(await readBet(t, b, aBet), 403, 'FORBIDDEN');
  assertError(await t.request({ method: 'GET', url: `/v1/bets/${aBet}` }), 401);
  assert.equal(
    (await t.request({ method: 'GET', url: `/v1/bets/${aBet}`, token: t.operatorToken })).status,
    200,
  );
  assertError(await readBet(t, a, 99_999_999), 404);
  const list = await t.request({ method: 'GET', url: '/v1/bets', token: b.token });
  assert.equal(list.status, 200);
  assert.ok(!list.body.bets.some((x: { betId: number }) => x.betId === aBet));
});

test('operator void of an OPEN round with matched bets refunds every stake in full, escrow 0, bets VOID', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b, c] = [
    await fundedPlayer(t, FUNDS),
    await fundedPlayer(t, FUNDS),
    await fundedPlayer(t, FUNDS),
  ];
  const aBet = await placedBet(t, a, roundId, 'red', 1000);
  const bBet = await placedBet(t, b, roundId, 'green', 600);
  await consumeBetEvents(deps());
  const cBet = await placedBet(t, c, roundId, 'green', 700);
  await consumeBetEvents(deps());
  assert.equal((await deleteBet(t, c, cBet)).body.cancelledAmount, 300);
  const unbooked = await placedBet(t, b, roundId, 'red', 50); // never reaches the matcher
  assert.equal((await readBet(t, a, aBet)).body.status, 'MATCHED');
  assert.ok((await escrow(roundId)) > 0n);

  assertError(await requestVoid(t, roundId, a.token), 403);
  const res = await requestVoid(t, roundId);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'VOID');
  assert.equal(res.body.refunded, 1000 + 600 + 400 + 50);

  assert.equal(await roundStatus(t.db.pool, roundId), 'VOID');
  assert.equal(await escrow(roundId), 0n);
  for (const p of [a, b, c]) assert.equal(await balance(p), FUNDS, `player ${p.userId} made whole`);
  for (const [p, id, refund] of [
    [a, aBet, 1000],
    [b, bBet, 600],
    [c, cBet, 400],
    [b, unbooked, 50],
  ] as const) {
    const got = (await readBet(t, p, id)).body;
    assert.deepEqual([got.status, got.payout, got.refund], ['VOID', 0, refund], `bet ${id}`);
  }
  assert.equal(
    await count(`SELECT count(*) AS n FROM transfers WHERE kind = 'commission' AND round_id = $1`, [roundId]),
    0,
  );
  assert.equal(
    await count(`SELECT count(*) AS n FROM round_settlements WHERE round_id = $1 AND outcome = 'VOID'`, [
      roundId,
    ]),
    3,
  );
  // The seed is revealed so the commitment can still be checked.
  const fair = await t.request({ method: 'GET', url: `/v1/fairness/verify?roundId=${roundId}` });
  assert.equal(fair.status, 200);
  assert.equal(fair.body.hashMatches, true);

  assertError(await requestVoid(t, roundId), 409, 'ROUND_NOT_VOIDABLE');
  assertError(
    await postBet(t, a, { roundId: Number(roundId), side: 'red', amount: 100 }),
    409,
    'ROUND_NOT_OPEN',
  );
  assert.equal(await balance(a), FUNDS);
  await assertAudit(t.db.pool);
});

test('void of a SETTLED round is 409 and moves nothing', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b] = [await fundedPlayer(t, FUNDS), await fundedPlayer(t, FUNDS)];
  await placedBet(t, a, roundId, 'red', 500);
  await placedBet(t, b, roundId, 'green', 500);
  await consumeBetEvents(deps());
  await close(roundId);
  await drainRounds(t);
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLED');
  const balances = [await balance(a), await balance(b)];
  assertError(await requestVoid(t, roundId), 409, 'ROUND_NOT_VOIDABLE');
  assertError(await requestVoid(t, 999_999n), 404);
  assert.deepEqual([await balance(a), await balance(b)], balances);
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLED');
  await assertAudit(t.db.pool);
});

test('void racing settlement: exactly one wins, every time, and the money agrees with the winner', async (ctx) => {
  await drainRounds(t);
  const outcomes = { voided: 0, settled: 0 };
  const [a, b, c] = [
    await fundedPlayer(t, FUNDS),
    await fundedPlayer(t, FUNDS),
    await fundedPlayer(t, FUNDS),
  ];
  for (let i = 0; i < 16; i++) {
    const roundId = await freshRound(t.db.pool, t.deps.seeds);
    const before = new Map<number, bigint>();
    for (const p of [a, b, c]) before.set(p.userId, await ledgerBalance(t.db.pool, p.userId));
    await placedBet(t, a, roundId, 'red', 300);
    await placedBet(t, b, roundId, 'green', 500);
    await placedBet(t, c, roundId, 'red', 400);
    await consumeBetEvents(deps());
    await close(roundId);
    // Half the races start at SETTLING, half at CLOSED (the settle side then runs the final pass).
    if (i % 2 === 0) assert.equal(await finalPass(deps()), true);
    const settleSide = async () => {
      if (i % 2 === 1) await finalPass(deps(racePool));
      return settleNext(deps(racePool));
    };
    const voidSide = () => requestVoid(t, roundId);
    const [settled, voided] =
      i % 4 < 2
        ? await Promise.all([settleSide(), voidSide()])
        : await Promise.all([voidSide(), settleSide()]).then(([v, s]) => [s, v] as const);

    const status = await roundStatus(t.db.pool, roundId);
    if (voided.status === 200) {
      outcomes.voided++;
      assert.equal(settled, undefined, `round ${roundId}: void won but settlement also ran`);
      assert.equal(status, 'VOID');
      for (const p of [a, b, c]) assert.equal(await ledgerBalance(t.db.pool, p.userId), before.get(p.userId));
    } else {
      outcomes.settled++;
      assertError(voided, 409, 'ROUND_NOT_VOIDABLE');
      assert.equal(settled?.roundId, roundId);
      assert.equal(status, 'SETTLED');
      const expected = await expectedSettlement(t.db.pool, roundId);
      for (const p of expected.players) {
        const was = before.get(Number(p.playerId))!;
        assert.equal(await ledgerBalance(t.db.pool, BigInt(p.playerId)), was + p.change);
      }
    }
    assert.equal(await escrow(roundId), 0n);
    assert.equal(
      await count('SELECT count(*) AS n FROM round_settlements WHERE round_id = $1', [roundId]),
      3,
      'each player settled or voided exactly once',
    );
  }
  await drainRounds(t);
  await assertAudit(t.db.pool);
  assert.equal(outcomes.voided + outcomes.settled, 16);
  ctx.diagnostic(`void/settle race outcomes: ${JSON.stringify(outcomes)}`);
});

test('void racing bet placement: every accepted bet is voided and refunded, every other one refused', async (ctx) => {
  const players = await Promise.all(Array.from({ length: 6 }, () => fundedPlayer(t, FUNDS)));
  for (let i = 0; i < 3; i++) {
    const roundId = await freshRound(t.db.pool, t.deps.seeds);
    const before = await Promise.all(players.map((p) => ledgerBalance(t.db.pool, p.userId)));
    // A stream of bets, one every 3 ms, with the void sent in the middle of it.
    const at = [6, 15, 24][i]!;
    const later = <T>(ms: number, fn: () => Promise<T>) => sleep(ms).then(fn);
    const requests: Promise<{ status: number; body: any }>[] = [];
    for (let j = 0; j < 30; j++) {
      if (j === at) requests.push(later(j * 3, () => requestVoid(t, roundId)));
      const p = players[j % players.length]!;
      const body = { roundId: Number(roundId), side: j % 3 ? 'red' : 'green', amount: 100 + j };
      requests.push(later(j * 3, () => postBet(t, p, body)));
    }
    const all = await Promise.all(requests);
    const voided = all[at]!;
    const answers = all.filter((_, k) => k !== at);
    assert.equal(voided.status, 200, JSON.stringify(voided.body));
    let accepted = 0;
    for (const res of answers) {
      if (res.status === 202) {
        accepted++;
        const got = await t.request({
          method: 'GET',
          url: `/v1/bets/${res.body.betId}`,
          token: t.operatorToken,
        });
        assert.deepEqual([got.body.status, got.body.refund], ['VOID', got.body.amount]);
      } else {
        assertError(res, 409, 'ROUND_NOT_OPEN');
      }
    }
    assert.equal(accepted, await count('SELECT count(*) AS n FROM bets WHERE round_id = $1', [roundId]));
    assert.equal(voided.body.bets, accepted);
    ctx.diagnostic(`void raced 30 bets: ${accepted} placed before it, ${30 - accepted} refused`);
    for (const [j, p] of players.entries()) {
      assert.equal(await ledgerBalance(t.db.pool, p.userId), before[j], `player ${p.userId} made whole`);
    }
    assert.equal(await escrow(roundId), 0n);
  }
  await assertAudit(t.db.pool);
});

test("the database refuses any result but the seed's, and any change to the committed hash or seed", async () => {
  const su = await t.db.pool.query<{ rolsuper: boolean }>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
  );
  assert.equal(su.rows[0]!.rolsuper, true, 'these updates run as a superuser');
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const { rows } = await t.db.pool.query<{ sides: string[]; hash: string }>(
    'SELECT sides, server_seed_hash AS hash FROM rounds WHERE id = $1',
    [roundId],
  );
  const { sides, hash } = rows[0]!;
  const otherSeed = createHash('sha256').update('not the committed seed').digest('hex');
  const refused = (sql: string, params: unknown[]) =>
    assert.rejects(
      t.db.pool.query(sql, params),
      (err: { code?: string }) => {
        assert.ok(err.code === '23514' || err.code === '42501', `refused with SQLSTATE ${err.code}`);
        return true;
      },
      sql,
    );

  // While OPEN: no result at all, no other seed, no other hash. (The seed itself is nowhere in
  // the database before its reveal: test/fairness-chain.test.ts.)
  await refused('UPDATE rounds SET result = $2 WHERE id = $1', [roundId, sides[0]]);
  await refused('UPDATE rounds SET server_seed = $2 WHERE id = $1', [roundId, otherSeed]);
  await refused('UPDATE rounds SET server_seed_hash = $2 WHERE id = $1', [
    roundId,
    createHash('sha256').update(Buffer.from(otherSeed, 'hex')).digest('hex'),
  ]);
  await refused(`UPDATE seed_chains SET commitment = $1`, [hash]);
  await refused('DELETE FROM seed_chains', []);
  await refused('DELETE FROM rounds WHERE id = $1', [roundId]);
  await refused(
    `INSERT INTO rounds (id, status, sides, rake_bps, server_seed_hash, opens_at, closes_at)
     VALUES ($1, 'OPEN', '{red,green}', 200, $2, now(), now() + interval '1 minute')`,
    [roundId + 500_000n, hash],
  );

  // Closed (result fixed): it cannot be changed, cleared, or re-seeded.
  assert.equal(await close(roundId), true);
  const closed = await t.request({ method: 'GET', url: `/v1/rounds/${roundId}` });
  const seed = closed.body.serverSeed as string;
  const mac = createHmac('sha256', Buffer.from(seed, 'hex')).update(roundId.toString()).digest();
  const right = sides[mac.readUInt32BE(0) % 2]!;
  const wrong = sides.find((s) => s !== right)!;
  assert.equal(closed.body.result, right);
  assert.equal(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'), hash);
  await refused('UPDATE rounds SET result = $2 WHERE id = $1', [roundId, wrong]);
  await refused('UPDATE rounds SET result = NULL WHERE id = $1', [roundId]);
  await refused('UPDATE rounds SET server_seed = $2 WHERE id = $1', [roundId, otherSeed]);
  await refused('UPDATE rounds SET server_seed_hash = $2 WHERE id = $1', [roundId, '0'.repeat(64)]);
  await refused(`UPDATE rounds SET status = 'OPEN' WHERE id = $1`, [roundId]);
  await refused(`UPDATE rounds SET sides = '{green,red}' WHERE id = $1`, [roundId]);
  await drainRounds(t);
  await refused('UPDATE rounds SET result = $2 WHERE id = $1', [roundId, wrong]);
  const final = await t.db.pool.query<{ result: string; status: string; server_seed_hash: string }>(
    'SELECT result, status, server_seed_hash FROM rounds WHERE id = $1',
    [roundId],
  );
  assert.deepEqual(final.rows[0], { result: right, status: 'SETTLED', server_seed_hash: hash });
});

test('GET /v1/fairness/verify: ok and independently recomputable for a settled round, 409 while OPEN', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const openRes = await t.request({ method: 'GET', url: `/v1/fairness/verify?roundId=${roundId}` });
  assertError(openRes, 409, 'ROUND_NOT_REVEALED');
  const view = await t.request({ method: 'GET', url: `/v1/rounds/${roundId}` });
  assert.equal(view.body.serverSeed, null, 'the seed is secret while OPEN');
  assert.equal(view.body.result, null);
  const published = view.body.serverSeedHash as string;

  const [a, b] = [await fundedPlayer(t, FUNDS), await fundedPlayer(t, FUNDS)];
  await placedBet(t, a, roundId, 'red', 200);
  await placedBet(t, b, roundId, 'green', 200);
  await consumeBetEvents(deps());
  await close(roundId);
  await drainRounds(t);

  const res = await t.request({ method: 'GET', url: `/v1/fairness/verify?roundId=${roundId}` });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, true);
  const seed = res.body.serverSeed as string;
  assert.match(seed, /^[0-9a-f]{64}$/);
  // Recomputed here with node:crypto only, not the service's code.
  const hash = createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex');
  const mac = createHmac('sha256', Buffer.from(seed, 'hex')).update(String(roundId), 'utf8').digest();
  const result = ['red', 'green'][mac.readUInt32BE(0) % 2];
  assert.equal(hash, published, 'revealed seed hashes to the hash published while OPEN');
  assert.equal(res.body.serverSeedHash, published);
  assert.equal(res.body.computedHash, hash);
  assert.equal(res.body.hmacSha256, mac.toString('hex'));
  assert.equal(res.body.uint32, mac.readUInt32BE(0));
  assert.equal(res.body.result, result);
  assert.equal(res.body.computedResult, result);
  const settledView = await t.request({ method: 'GET', url: `/v1/rounds/${roundId}` });
  assert.equal(settledView.body.result, result);
  assert.equal(settledView.body.serverSeed, seed);
  // The chain: sha256 applied (position + 1) times gives the commitment published for the chain.
  assert.ok(res.body.chain, 'round seeds come from a hash chain');
  let h: Buffer = Buffer.from(seed, 'hex');
  for (let id = BigInt(res.body.chain.firstRoundId); id <= roundId; id++)
    h = createHash('sha256').update(h).digest();
  assert.equal(h.toString('hex'), res.body.chain.commitment);
  const chainRow = await t.db.pool.query<{ commitment: string }>(
    'SELECT commitment FROM seed_chains WHERE first_round_id = $1',
    [res.body.chain.firstRoundId],
  );
  assert.equal(chainRow.rows[0]!.commitment, res.body.chain.commitment);
  assert.equal(res.body.chain.ok, true);

  assertError(await t.request({ method: 'GET', url: '/v1/fairness/verify?roundId=999999' }), 404);
  assertError(await t.request({ method: 'GET', url: '/v1/fairness/verify?roundId=abc' }), 400);
});

test('a fully cancelled bet ends CANCELLED (docs/invariants.md), also after its round settles', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const [a, b] = [await fundedPlayer(t, FUNDS), await fundedPlayer(t, FUNDS)];
  await placedBet(t, a, roundId, 'red', 300);
  await placedBet(t, b, roundId, 'green', 300);
  const gone = await placedBet(t, a, roundId, 'green', 100);
  await consumeBetEvents(deps());
  const res = await deleteBet(t, a, gone);
  assert.equal(res.body.status, 'CANCELLED');
  await close(roundId);
  await drainRounds(t);
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLED');
  const after = (await readBet(t, a, gone)).body;
  assert.equal(after.cancelledAmount, 100);
  assert.equal(
    after.status,
    'CANCELLED',
    `a fully cancelled bet shows ${after.status} once its round settled`,
  );
});
