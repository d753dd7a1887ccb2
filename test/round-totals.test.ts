// Round totals as a read model (issue 10): GET /v1/rounds/:id sums a few delta rows of
// round_totals, kept by statement triggers on bets, instead of summing the round's bets. The
// totals must equal the sums over the bets after concurrent placement from several connections,
// cancels, matching passes and settlement; `colorbet verify` (check R) must notice when they
// do not.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runAudit } from '../src/verify-run.ts';
import { closeRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { settleNext } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { fundedPlayers, workerDeps } from './helpers/game.ts';
import { assertAudit } from './helpers/ledger.ts';
import { freshRound, roundStatus } from './helpers/rounds.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

interface SideView {
  matched: number;
  unmatched: number;
  bets: number;
}

/** The totals as the bets give them, computed the slow way. */
async function fromBets(roundId: bigint): Promise<Record<string, SideView>> {
  const { rows } = await t.db.pool.query<{ side: string; matched: bigint; unmatched: bigint; bets: bigint }>(
    `SELECT side, sum(matched_amount)::bigint AS matched,
            sum(amount - matched_amount - cancelled_amount)::bigint AS unmatched, count(*) AS bets
     FROM bets WHERE round_id = $1 GROUP BY side`,
    [roundId],
  );
  const out: Record<string, SideView> = {
    red: { matched: 0, unmatched: 0, bets: 0 },
    green: { matched: 0, unmatched: 0, bets: 0 },
  };
  for (const r of rows)
    out[r.side] = { matched: Number(r.matched), unmatched: Number(r.unmatched), bets: Number(r.bets) };
  return out;
}

async function viewed(roundId: bigint): Promise<Record<string, SideView>> {
  const res = await t.request({ method: 'GET', url: `/v1/rounds/${roundId}` });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.totals;
}

test('round totals follow placement from many connections, cancels, matching and settlement', async () => {
  const players = await fundedPlayers(t, 6, 100_000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  // Bets in parallel requests: group commit spreads them over batches and connections, each
  // appending its own delta rows.
  const placed = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      t.request({
        method: 'POST',
        url: '/v1/bets',
        token: players[i % players.length]!.token,
        headers: { 'idempotency-key': randomUUID() },
        body: { roundId: Number(roundId), side: i % 3 === 0 ? 'green' : 'red', amount: 10 + i * 7 },
      }),
    ),
  );
  for (const p of placed) assert.equal(p.status, 202, JSON.stringify(p.body));
  assert.deepEqual(await viewed(roundId), await fromBets(roundId), 'after placement');
  const deltas = await t.db.pool.query('SELECT 1 FROM round_totals WHERE round_id = $1', [roundId]);
  assert.ok(deltas.rowCount! >= 2, 'one delta row per placement statement and side');

  await consumeBetEvents(workerDeps(t));
  const afterMatching = await fromBets(roundId);
  assert.ok(afterMatching.red!.matched > 0, 'something matched');
  assert.deepEqual(await viewed(roundId), afterMatching, 'after matching');

  // Cancel the unmatched part of a few red bets.
  let cancelled = 0;
  for (const [i, p] of placed.entries()) {
    if (i % 3 === 0 || cancelled >= 5) continue;
    const res = await t.request({
      method: 'DELETE',
      url: `/v1/bets/${p.body.betId}`,
      token: players[i % players.length]!.token,
    });
    if (res.status === 200) cancelled++;
  }
  assert.ok(cancelled > 0, 'some bets were cancelled');
  assert.deepEqual(await viewed(roundId), await fromBets(roundId), 'after cancels');

  await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds));
  while ((await roundStatus(t.db.pool, roundId)) === 'CLOSED') await finalPass(workerDeps(t));
  assert.equal((await settleNext(workerDeps(t)))?.roundId, roundId);
  assert.deepEqual(await viewed(roundId), await fromBets(roundId), 'after settlement');
  const folded = await t.db.pool.query('SELECT side FROM round_totals WHERE round_id = $1', [roundId]);
  assert.equal(folded.rowCount, 2, 'a SETTLED round keeps one totals row per side');
  await assertAudit(t.db.pool);
});

test('colorbet verify (check R) names a round whose totals disagree with its bets', async () => {
  const players = await fundedPlayers(t, 2, 10_000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  for (const [i, p] of players.entries()) {
    const res = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: p.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { roundId: Number(roundId), side: i ? 'green' : 'red', amount: 100 },
    });
    assert.equal(res.status, 202);
  }
  const [row] = (
    await t.db.pool.query<{ id: bigint }>(
      `SELECT id FROM round_totals WHERE round_id = $1 AND side = 'red' LIMIT 1`,
      [roundId],
    )
  ).rows;
  await t.db.pool.query('UPDATE round_totals SET bets = bets + 1 WHERE id = $1', [row!.id]);
  const report = await runAudit(t.db.pool);
  const failed = report.checks.filter((c) => !c.ok);
  assert.deepEqual(
    failed.map((c) => c.invariant),
    ['R'],
  );
  assert.match(JSON.stringify(failed[0]!.violations), new RegExp(`"round_id":"${roundId}"`));
  await t.db.pool.query('UPDATE round_totals SET bets = bets - 1 WHERE id = $1', [row!.id]);
  assert.equal((await runAudit(t.db.pool)).ok, true);
});
