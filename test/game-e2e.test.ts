// End to end: 50 players, 3 rounds on the real clock (short ROUND_SECONDS), bets and cancels
// fired concurrently through the API, while a scheduler, two match workers and two settle
// workers run at the same time (each worker on its own pool, as separate processes would).
// Afterwards every bet is final and every amount in the database is what the pure rules give
// for the bets in the order the matcher booked them (seq), cancels included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BetRow } from '../src/betting/bets.ts';
import { matchBets, type Fill } from '../src/betting/matching.ts';
import { settleRound } from '../src/betting/settlement-rule.ts';
import { createPool, type Pool } from '../src/db/pool.ts';
import { createLogger } from '../src/observability/logger.ts';
import type { Worker } from '../src/workers/loop.ts';
import { startMatchWorker } from '../src/workers/match.ts';
import { startScheduler, type Scheduler } from '../src/workers/scheduler.ts';
import { startSettleWorker } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { workerDeps } from './helpers/game.ts';
import { assertAudit, ledgerBalance, projectAll } from './helpers/ledger.ts';
import { incomingBet, matchFill } from './helpers/rounds.ts';
import { mulberry32, waitFor } from './helpers/util.ts';

const PLAYERS = 50;
const ROUNDS = 3;
const BETS_PER_PHASE = 60;
const CANCELS_PER_ROUND = 10;
const ROUND_SECONDS = 4;
const MIN_BET = 10;
const MAX_BET = 2000;
const FUNDS = 100_000;

let t: TestApp;
const pools: Pool[] = [];
const workers: Worker[] = [];
let scheduler: Scheduler | undefined;

before(async () => {
  t = await startTestApp({
    MIN_BET: String(MIN_BET),
    MAX_BET: String(MAX_BET),
    ROUND_SECONDS: String(ROUND_SECONDS),
  });
});
after(async () => {
  await scheduler?.stop();
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(pools.map((p) => p.end()));
  await t.close();
});

function ownPoolDeps(name: string) {
  const pool = createPool(t.db.url, { max: 3, applicationName: name });
  pools.push(pool);
  return workerDeps(t, pool);
}

interface PlayedRound {
  roundId: bigint;
  /** Bets placed before the cancels (all booked before the first cancel was sent). */
  phaseOne: Set<string>;
  cancelled: Set<string>;
}

test(`${PLAYERS} players, ${ROUNDS} rounds, 2 match + 2 settle workers + scheduler: the database agrees with the pure rules`, async (ctx) => {
  const started = Date.now();
  const players = await Promise.all(
    Array.from({ length: PLAYERS }, async () => {
      const p = await t.registerPlayer();
      await t.deposit(p.userId, FUNDS);
      return p;
    }),
  );
  ctx.diagnostic(`players ready after ${Date.now() - started} ms`);
  for (const name of ['match-a', 'match-b']) workers.push(startMatchWorker(ownPoolDeps(name)));
  for (const name of ['settle-a', 'settle-b']) workers.push(startSettleWorker(ownPoolDeps(name)));
  scheduler = startScheduler({
    databaseUrl: t.db.url,
    terms: { sides: t.deps.config.sides, rakeBps: t.deps.config.rakeBps, roundSeconds: ROUND_SECONDS },
    seeds: t.deps.seeds,
    logger: createLogger('silent'),
    events: t.deps.events,
    tickMs: 50,
  });

  const seed = Number(process.env.TEST_SEED ?? 777);
  ctx.diagnostic(`random bets from seed ${seed}`);
  const random = mulberry32(seed);
  let keyNo = 0;
  const statuses = new Map<number, number>();
  const placeMany = async (roundId: bigint): Promise<{ betId: number; token: string }[]> => {
    const answers = await Promise.all(
      Array.from({ length: BETS_PER_PHASE }, () => {
        const p = players[Math.floor(random() * PLAYERS)]!;
        const body = {
          roundId: Number(roundId),
          side: random() < 0.5 ? 'red' : 'green',
          amount: MIN_BET + Math.floor(random() ** 2 * (MAX_BET - MIN_BET + 1)),
        };
        return t
          .request({
            method: 'POST',
            url: '/v1/bets',
            token: p.token,
            body,
            headers: { 'idempotency-key': `e2e-${++keyNo}` },
          })
          .then((res) => ({ res, token: p.token }));
      }),
    );
    const placed = [];
    for (const { res, token } of answers) {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 202) placed.push({ betId: res.body.betId as number, token });
      else assert.equal(res.body.error.code, 'ROUND_NOT_OPEN', JSON.stringify(res.body));
    }
    return placed;
  };

  const played: PlayedRound[] = [];
  let last = 0n;
  for (let r = 0; r < ROUNDS; r++) {
    // A round with most of its time left, so the phases below usually fit inside it.
    const roundId = await waitFor('a fresh OPEN round', async () => {
      const { rows } = await t.db.pool.query<{ id: bigint }>(
        `SELECT id FROM rounds WHERE status = 'OPEN' AND id > $1 AND closes_at > now() + interval '2.5 seconds'`,
        [last],
      );
      return rows[0]?.id;
    });
    last = roundId;
    const phaseOne = await placeMany(roundId);
    await waitFor('phase one to be booked', async () => {
      const { rows } = await t.db.pool.query<{ n: bigint }>(
        'SELECT count(*) AS n FROM bets WHERE round_id = $1 AND seq IS NULL',
        [roundId],
      );
      return rows[0]!.n === 0n ? true : undefined;
    });
    const victims = phaseOne.filter(() => random() < CANCELS_PER_ROUND / BETS_PER_PHASE);
    const cancels = await Promise.all(
      victims.map((v) => t.request({ method: 'DELETE', url: `/v1/bets/${v.betId}`, token: v.token })),
    );
    const cancelled = new Set<string>();
    for (const [i, res] of cancels.entries()) {
      if (res.status === 200) cancelled.add(String(victims[i]!.betId));
      else
        assert.match(res.body.error.code, /^(BET_NOT_CANCELLABLE|ROUND_NOT_OPEN)$/, JSON.stringify(res.body));
    }
    await placeMany(roundId);
    played.push({ roundId, phaseOne: new Set(phaseOne.map((b) => String(b.betId))), cancelled });
    ctx.diagnostic(
      `round ${roundId} at ${Date.now() - started} ms: ${phaseOne.length} bets, ${cancelled.size}/${victims.length} cancelled, more bets`,
    );
  }
  ctx.diagnostic(`bet answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);

  // Let the last played round close on the clock, then stop opening rounds.
  await waitFor('the last round to close', async () => {
    const { rows } = await t.db.pool.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [
      last,
    ]);
    return rows[0]!.status !== 'OPEN' ? true : undefined;
  });
  await scheduler.stop();
  scheduler = undefined;
  await waitFor(
    'every played round to settle',
    async () => {
      const { rows } = await t.db.pool.query<{ n: bigint }>(
        `SELECT count(*) AS n FROM rounds WHERE id = ANY($1::bigint[]) AND status = 'SETTLED'`,
        [played.map((p) => p.roundId)],
      );
      return Number(rows[0]!.n) === ROUNDS ? true : undefined;
    },
    30_000,
  );

  const expectedChange = new Map<string, bigint>();
  let totalBets = 0;
  for (const round of played) {
    const { rows: bets } = await t.db.pool.query<BetRow>(
      'SELECT * FROM bets WHERE round_id = $1 ORDER BY seq',
      [round.roundId],
    );
    totalBets += bets.length;
    assert.ok(bets.length >= 10, `round ${round.roundId} has bets`);
    for (const b of bets) {
      assert.notEqual(b.seq, null, `bet ${b.id} booked`);
      assert.ok(['SETTLED', 'CANCELLED', 'VOID'].includes(b.status), `bet ${b.id} is final: ${b.status}`);
      assert.equal(b.status === 'VOID', false, 'nothing was voided');
      assert.equal(b.cancelled_amount > 0n, round.cancelled.has(b.id.toString()), `bet ${b.id} cancel`);
    }
    const first = bets.filter((b) => round.phaseOne.has(b.id.toString()));
    const second = bets.filter((b) => !round.phaseOne.has(b.id.toString()));
    assert.equal(first.length, round.phaseOne.size);
    if (first.length && second.length) {
      assert.ok(first[first.length - 1]!.seq! < second[0]!.seq!, 'phase one was booked before phase two');
    }

    // The pure reference: phase one in seq order, then the cancels (each took exactly what was
    // still resting of its bet), then phase two against the remaining book.
    const one = matchBets([], first.map(incomingBet));
    for (const b of first.filter((x) => x.cancelled_amount > 0n)) {
      const resting = one.book.find((x) => x.id === b.id.toString());
      assert.equal(resting?.remaining, b.cancelled_amount, `bet ${b.id}: cancelled exactly its resting part`);
    }
    const book = one.book.filter((x) => !round.cancelled.has(x.id));
    const two = matchBets(book, second.map(incomingBet));
    const fills: Fill[] = [...one.fills, ...two.fills];

    const { rows: matches } = await t.db.pool.query<{
      bet_id: bigint;
      against_bet_id: bigint;
      amount: bigint;
    }>('SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id', [round.roundId]);
    assert.deepEqual(matches.map(matchFill), fills, `round ${round.roundId}: matches are the pure rule's`);

    const { rows: r } = await t.db.pool.query<{ result: string; rake_bps: bigint }>(
      'SELECT result, rake_bps FROM rounds WHERE id = $1',
      [round.roundId],
    );
    const expected = settleRound({
      result: r[0]!.result,
      rakeBps: r[0]!.rake_bps,
      bets: bets.map((b) => ({ ...incomingBet(b), cancelled: b.cancelled_amount })),
      matches: fills,
    });
    const byId = new Map(bets.map((b) => [b.id.toString(), b]));
    for (const e of expected.bets) {
      const b = byId.get(e.betId)!;
      // A fully cancelled bet stays CANCELLED: its money came back at cancel time, so the
      // settlement gives it no payout or refund of its own.
      const cancelled = b.status === 'CANCELLED';
      if (cancelled)
        assert.deepEqual([e.matched, e.payout, e.refund], [0n, 0n, 0n], `bet ${e.betId} reference`);
      assert.deepEqual(
        [b.matched_amount, b.payout, b.refund],
        cancelled ? [0n, null, null] : [e.matched, e.payout, e.refund],
        `bet ${e.betId} matched/payout/refund`,
      );
    }
    const { rows: settled } = await t.db.pool.query<{
      user_id: bigint;
      staked: bigint;
      net: bigint;
      commission: bigint;
      received: bigint;
    }>('SELECT user_id, staked, net, commission, received FROM round_settlements WHERE round_id = $1', [
      round.roundId,
    ]);
    assert.deepEqual(
      settled.map((s) => [s.user_id.toString(), s.staked, s.net, s.commission, s.received]).sort(),
      expected.players.map((p) => [p.playerId, p.staked, p.net, p.commission, p.received]).sort(),
      `round ${round.roundId}: per-player settlement`,
    );
    const { rows: ledger } = await t.db.pool.query<{ kind: string; total: bigint }>(
      `SELECT kind, sum(amount)::bigint AS total FROM transfers WHERE round_id = $1 GROUP BY kind`,
      [round.roundId],
    );
    const total = (kind: string) => ledger.find((l) => l.kind === kind)?.total ?? 0n;
    assert.equal(total('commission'), expected.houseCommission, 'house commission');
    assert.equal(
      total('settlement'),
      expected.players.reduce((s, p) => s + p.received, 0n),
    );
    assert.equal(
      total('stake') - total('cancel_refund') - total('settlement') - total('commission'),
      0n,
      'escrow is empty',
    );
    for (const p of expected.players) {
      expectedChange.set(p.playerId, (expectedChange.get(p.playerId) ?? 0n) + p.change);
    }
  }
  ctx.diagnostic(
    `${totalBets} bets in ${ROUNDS} rounds, all settled and checked at ${Date.now() - started} ms`,
  );

  // Every wallet ends where the rules say, in the ledger and in the projection.
  await projectAll(t.db.pool);
  for (const p of players) {
    const want = BigInt(FUNDS) + (expectedChange.get(String(p.userId)) ?? 0n);
    assert.equal(await ledgerBalance(t.db.pool, p.userId), want, `player ${p.userId} ledger`);
    const wallet = await t.request({ method: 'GET', url: '/v1/wallet', token: p.token });
    assert.equal(BigInt(wallet.body.balance), want, `player ${p.userId} wallet`);
  }
  const { rows: selfMatches } = await t.db.pool.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM matches m JOIN bets a ON a.id = m.bet_id JOIN bets b ON b.id = m.against_bet_id
     WHERE a.user_id = b.user_id`,
  );
  assert.equal(selfMatches[0]!.n, 0n, 'no player matched against themselves');
  const { rows: unfinished } = await t.db.pool.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM bets WHERE round_id = ANY($1::bigint[]) AND status NOT IN ('SETTLED', 'CANCELLED', 'VOID')`,
    [played.map((p) => p.roundId)],
  );
  assert.equal(unfinished[0]!.n, 0n);
  await assertAudit(t.db.pool);
});
