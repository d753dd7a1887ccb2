// Many match workers on one round: bets arrive concurrently through the API while several
// consumeBetEvents loops, each on its own pool (as separate processes would be), book and
// match them. No amount may be matched twice, and the matches must be exactly those the pure
// rule gives for the bets in the order they were booked (seq).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BetRow } from '../src/betting/bets.ts';
import { matchBets } from '../src/betting/matching.ts';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { settleRound } from '../src/betting/settlement-rule.ts';
import { createPool, type Pool } from '../src/db/pool.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { settleNext } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { assertAudit } from './helpers/ledger.ts';
import { fundedPlayers, workerDeps } from './helpers/game.ts';
import { incomingBet, matchFill } from './helpers/rounds.ts';
import { mulberry32, sleep } from './helpers/util.ts';

const WORKERS = 4;
const PLAYERS = 12;
const BETS = 400;
const WAVE = 16;
const MIN_BET = 10;
const MAX_BET = 1000;

let t: TestApp;
const pools: Pool[] = [];

before(async () => {
  t = await startTestApp({ MIN_BET: String(MIN_BET), MAX_BET: String(MAX_BET) });
  for (let i = 0; i < WORKERS; i++)
    pools.push(createPool(t.db.url, { max: 2, applicationName: `match-${i}` }));
});
after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await t.close();
});

const deps = (pool: Pool) => workerDeps(t, pool);

test(`${BETS} concurrent bets, ${WORKERS} concurrent match workers: every amount matched once, as the pure rule says`, async (ctx) => {
  const roundId = await withTransaction(t.db.pool, async (c) => {
    const round = await openRound(
      c,
      { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 3600 },
      t.deps.seeds,
    );
    return round.id;
  });
  const players = await fundedPlayers(t, PLAYERS, MAX_BET * BETS);

  let placing = true;
  const passes = new Array<number>(WORKERS).fill(0);
  const workers = pools.map(async (pool, w) => {
    for (;;) {
      const did = await consumeBetEvents(deps(pool));
      if (did) passes[w]!++;
      else if (!placing) return;
      else await sleep(Math.random() * 3);
    }
  });

  const seed = Number(process.env.TEST_SEED ?? 20240601);
  ctx.diagnostic(`bets from seed ${seed}`);
  const random = mulberry32(seed);
  const wanted = Array.from({ length: BETS }, (_, i) => ({
    player: players[Math.floor(random() * PLAYERS)]!,
    side: random() < 0.5 ? 'red' : 'green',
    amount: MIN_BET + Math.floor(random() ** 2 * (MAX_BET - MIN_BET + 1)),
    key: `mw-${i}`,
  }));
  // In waves of concurrent requests, so the workers' passes interleave with placements.
  const t0 = Date.now();
  const answers = [];
  for (let wave = 0; wave < BETS; wave += WAVE) {
    answers.push(
      ...(await Promise.all(
        wanted.slice(wave, wave + WAVE).map((b) =>
          t.request({
            method: 'POST',
            url: '/v1/bets',
            token: b.player.token,
            body: { roundId: Number(roundId), side: b.side, amount: b.amount },
            headers: { 'idempotency-key': b.key },
          }),
        ),
      )),
    );
  }
  placing = false;
  ctx.diagnostic(`placed in ${Date.now() - t0} ms`);
  await Promise.all(workers);
  for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
  ctx.diagnostic(`passes per worker: ${passes.join(', ')}`);
  assert.ok(passes.filter((n) => n > 0).length >= 2, `more than one worker did passes: ${passes}`);

  const { rows: bets } = await t.db.pool.query<BetRow>(
    'SELECT * FROM bets WHERE round_id = $1 ORDER BY seq',
    [roundId],
  );
  assert.equal(bets.length, BETS);
  assert.deepEqual(
    bets.map((b) => b.seq),
    bets.map((_, i) => BigInt(i + 1)),
    'every bet booked once, seq 1..N',
  );
  const { rows: matches } = await t.db.pool.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
    'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id',
    [roundId],
  );
  const byId = new Map(bets.map((b) => [b.id, b]));
  const matchedSum = new Map<bigint, bigint>();
  for (const m of matches) {
    const [x, y] = [byId.get(m.bet_id)!, byId.get(m.against_bet_id)!];
    assert.notEqual(
      x.user_id,
      y.user_id,
      `match ${m.bet_id}/${m.against_bet_id} pairs a player with themselves`,
    );
    assert.notEqual(x.side, y.side);
    matchedSum.set(m.bet_id, (matchedSum.get(m.bet_id) ?? 0n) + m.amount);
    matchedSum.set(m.against_bet_id, (matchedSum.get(m.against_bet_id) ?? 0n) + m.amount);
  }
  for (const b of bets) {
    const sum = matchedSum.get(b.id) ?? 0n;
    assert.equal(sum, b.matched_amount, `bet ${b.id}: matches sum to matched_amount`);
    assert.ok(b.matched_amount <= b.amount, `bet ${b.id} matched ${b.matched_amount} of ${b.amount}`);
    const expectedStatus =
      b.matched_amount === 0n ? 'PENDING' : b.matched_amount === b.amount ? 'MATCHED' : 'PARTIALLY_MATCHED';
    assert.equal(b.status, expectedStatus, `bet ${b.id} status`);
  }

  const reference = matchBets([], bets.map(incomingBet));
  assert.deepEqual(
    matches.map(matchFill),
    reference.fills,
    'the matches are the pure rule over the bets in seq order',
  );
  assert.ok(matches.length > BETS / 4, `a busy book: ${matches.length} matches`);

  // Then the round settles exactly as the pure settlement says.
  assert.equal(await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds)), true);
  assert.equal(await finalPass(deps(t.db.pool)), true);
  assert.equal((await settleNext(deps(t.db.pool)))?.roundId, roundId);
  const { rows: round } = await t.db.pool.query<{ result: string }>(
    'SELECT result FROM rounds WHERE id = $1',
    [roundId],
  );
  const expected = settleRound({
    result: round[0]!.result,
    rakeBps: 200n,
    bets: bets.map((b) => ({ ...incomingBet(b), cancelled: 0n })),
    matches: reference.fills,
  });
  const { rows: settled } = await t.db.pool.query<BetRow>('SELECT * FROM bets WHERE round_id = $1', [
    roundId,
  ]);
  const settledById = new Map(settled.map((b) => [b.id.toString(), b]));
  for (const e of expected.bets) {
    const b = settledById.get(e.betId)!;
    assert.deepEqual([b.status, b.payout, b.refund], ['SETTLED', e.payout, e.refund], `bet ${e.betId}`);
  }
  const { rows: perPlayer } = await t.db.pool.query<{
    user_id: bigint;
    commission: bigint;
    received: bigint;
  }>('SELECT user_id, commission, received FROM round_settlements WHERE round_id = $1 ORDER BY user_id', [
    roundId,
  ]);
  assert.deepEqual(
    perPlayer.map((p) => [p.user_id.toString(), p.commission, p.received]).sort(),
    expected.players.map((p) => [p.playerId, p.commission, p.received]).sort(),
  );
  await assertAudit(t.db.pool);
});
