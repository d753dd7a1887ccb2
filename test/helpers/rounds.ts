// Rounds and bets in the database for the game suites: a fresh round, its status, counts, and
// the settlement the pure rule gives for what the database holds.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Fill, IncomingBet } from '../../src/betting/matching.ts';
import { closeRound, openRound } from '../../src/betting/rounds.ts';
import type { SeedChains } from '../../src/betting/seed-chains.ts';
import { settleRound, type RoundSettlement } from '../../src/betting/settlement-rule.ts';
import type { Pool } from '../../src/db/pool.ts';
import { withTransaction } from '../../src/db/transaction.ts';
import { consumeBetEvents } from '../../src/workers/match-outbox.ts';
import type { TestApp } from './app.ts';
import { fundedPlayers, workerDeps } from './game.ts';

/** Closes whatever round is open and opens a new one (for suites without a scheduler). */
export async function freshRound(pool: Pool, seeds: SeedChains): Promise<bigint> {
  return withTransaction(pool, async (c) => {
    const open = await c.query<{ id: bigint }>(`SELECT id FROM rounds WHERE status = 'OPEN'`);
    for (const r of open.rows) await closeRound(c, r.id, seeds);
    return (await openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 3600 }, seeds)).id;
  });
}

export async function roundStatus(pool: Pool, roundId: bigint): Promise<string> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [roundId]);
  return rows[0]!.status;
}

/** The number a `SELECT ... AS n` query gives. */
export async function countRows(pool: Pool, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: bigint }>(sql, params);
  return Number(rows[0]!.n);
}

/** A bets row as the pure rules take it. */
export const incomingBet = (b: {
  id: bigint;
  user_id: bigint;
  side: string;
  amount: bigint;
}): IncomingBet => ({
  id: b.id.toString(),
  playerId: b.user_id.toString(),
  side: b.side,
  amount: b.amount,
});

/** A matches row as the pure rules give it (a fill). */
export const matchFill = (m: { bet_id: bigint; against_bet_id: bigint; amount: bigint }): Fill => ({
  betId: m.bet_id.toString(),
  againstId: m.against_bet_id.toString(),
  amount: m.amount,
});

/** The round's settlement as the pure rule computes it from the database's bets and matches. */
export async function expectedSettlement(pool: Pool, roundId: bigint): Promise<RoundSettlement> {
  const round = await pool.query<{ result: string; rake_bps: bigint }>(
    'SELECT result, rake_bps FROM rounds WHERE id = $1',
    [roundId],
  );
  const bets = await pool.query<{
    id: bigint;
    user_id: bigint;
    side: string;
    amount: bigint;
    cancelled_amount: bigint;
  }>('SELECT id, user_id, side, amount, cancelled_amount FROM bets WHERE round_id = $1 ORDER BY id', [
    roundId,
  ]);
  const matches = await pool.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
    'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1 ORDER BY id',
    [roundId],
  );
  return settleRound({
    result: round.rows[0]!.result,
    rakeBps: round.rows[0]!.rake_bps,
    bets: bets.rows.map((b) => ({ ...incomingBet(b), cancelled: b.cancelled_amount })),
    matches: matches.rows.map(matchFill),
  });
}

/**
 * A closed round of 1-second terms with matched, partly matched and unmatched bets: of `count`
 * players funded with `funds`, the first three bet red 1000, green 600 and green 700, one after
 * another (so the booking order, and with it the matches, is fixed), and the match step has run.
 */
export async function closedRoundWithBets(
  t: TestApp,
  count = 3,
  funds = 10_000,
): Promise<{ roundId: bigint; players: Awaited<ReturnType<typeof fundedPlayers>> }> {
  const round = await withTransaction(t.db.pool, (c) =>
    openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 1 }, t.deps.seeds),
  );
  const players = await fundedPlayers(t, count, funds);
  for (const [who, side, amount] of [
    [0, 'red', 1000],
    [1, 'green', 600],
    [2, 'green', 700],
  ] as const) {
    const res = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: players[who]!.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { roundId: Number(round.id), side, amount },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }
  await consumeBetEvents(workerDeps(t));
  assert.equal(await withTransaction(t.db.pool, (c) => closeRound(c, round.id, t.deps.seeds)), true);
  return { roundId: round.id, players };
}
