// Exactly-once settlement under crashes and races. Rounds settle in chunks of players. A real
// settle worker process is killed (SIGKILL) after its first chunk committed, while its second
// chunk's transaction has written the transfers but not committed: the first chunk's players
// are paid, nobody else is, and the next worker resumes and settles every player once. Two
// settlers racing on one round, or on one chunk, must settle it once.
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, test } from 'node:test';
import { closeRound } from '../src/betting/rounds.ts';
import { settleChunkById } from '../src/betting/settlement-chunks.ts';
import { createPool, type Pool } from '../src/db/pool.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { settleNext, settleStep } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { fundedPlayers, workerDeps } from './helpers/game.ts';
import { assertAudit, escrowBalance, ledgerBalance } from './helpers/ledger.ts';
import { assertNoErrors, cliEnv, freePort, kill9, startCli, stopChild } from './helpers/process.ts';
import { countRows, expectedSettlement, freshRound, roundStatus as roundStatusOf } from './helpers/rounds.ts';
import { waitFor } from './helpers/util.ts';

const FUNDS = 10_000;
const AUTH_SECRET = 'settle-crash-test-secret-0123456789abcdef';

let t: TestApp;
const pools: Pool[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

before(async () => {
  t = await startTestApp({ AUTH_SECRET });
  for (let i = 0; i < 2; i++) pools.push(createPool(t.db.url, { max: 2, applicationName: `settler-${i}` }));
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map((c) => stopChild(c, 1000)));
  await Promise.all(pools.map((p) => p.end()));
  await t.close();
});

const deps = (pool?: Pool) => workerDeps(t, pool);

/** `colorbet start --roles settle` against the test database; its output is collected. */
async function startSettler(extraEnv: Record<string, string> = {}) {
  const proc = startCli(
    ['start', '--roles', 'settle'],
    cliEnv({
      DATABASE_URL: t.db.url,
      LOG_LEVEL: 'warn',
      AUTH_SECRET,
      PORT: String(await freePort()),
      ...extraEnv,
    }),
  );
  children.push(proc.child);
  return proc;
}

interface Setup {
  roundId: bigint;
  users: number[];
}

/** A round with matched, partly matched and unmatched bets, brought to SETTLING. */
async function settlingRound(): Promise<Setup> {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const plan: [number, string, number][] = [
    [0, 'red', 1000],
    [1, 'green', 600],
    [2, 'green', 700],
    [3, 'red', 250],
    [1, 'red', 120],
  ];
  const players = await fundedPlayers(t, 4, FUNDS);
  const users = players.map((p) => p.userId);
  for (const [i, [who, side, amount]] of plan.entries()) {
    const res = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: players[who]!.token,
      body: { roundId: Number(roundId), side, amount },
      headers: { 'idempotency-key': `crash-${roundId}-${i}` },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await consumeBetEvents(deps());
  }
  assert.equal(await withTransaction(t.db.pool, (c) => closeRound(c, roundId, t.deps.seeds)), true);
  while (await finalPass(deps()));
  assert.equal(await roundStatus(roundId), 'SETTLING');
  return { roundId, users };
}

const roundStatus = (roundId: bigint) => roundStatusOf(t.db.pool, roundId);
const count = (sql: string, params: unknown[]) => countRows(t.db.pool, sql, params);

/** Settled once: one row and at most one payout and one commission per player, money as the rule says. */
async function assertSettledOnce({ roundId, users }: Setup): Promise<void> {
  assert.equal(await roundStatus(roundId), 'SETTLED');
  const expected = await expectedSettlement(t.db.pool, roundId);
  assert.equal(expected.players.length, users.length);
  for (const p of expected.players) {
    const paid = await t.db.pool.query<{ kind: string; n: bigint; total: bigint }>(
      `SELECT kind, count(*) AS n, sum(amount)::bigint AS total FROM transfers
       WHERE round_id = $1 AND user_id = $2 AND kind IN ('settlement', 'commission', 'void_refund') GROUP BY kind`,
      [roundId, p.playerId],
    );
    const byKind = new Map(paid.rows.map((r) => [r.kind, r]));
    assert.equal(byKind.get('void_refund'), undefined);
    assert.deepEqual(
      [Number(byKind.get('settlement')?.n ?? 0n), byKind.get('settlement')?.total ?? 0n],
      [p.received > 0n ? 1 : 0, p.received],
      `player ${p.playerId} paid once`,
    );
    assert.deepEqual(
      [Number(byKind.get('commission')?.n ?? 0n), byKind.get('commission')?.total ?? 0n],
      [p.commission > 0n ? 1 : 0, p.commission],
      `player ${p.playerId} charged commission once`,
    );
    assert.equal(await ledgerBalance(t.db.pool, BigInt(p.playerId)), BigInt(FUNDS) + p.change);
  }
  assert.equal(
    await count('SELECT count(*) AS n FROM round_settlements WHERE round_id = $1', [roundId]),
    users.length,
  );
  assert.equal(
    await count(`SELECT count(*) AS n FROM bets WHERE round_id = $1 AND status <> 'SETTLED'`, [roundId]),
    0,
  );
  assert.equal(await escrowBalance(t.db.pool, roundId), 0n, 'escrow is empty');
  await assertAudit(t.db.pool);
}

test('SIGKILL of a settle worker between chunks: the chunk in hand pays nothing, the next worker resumes and settles each player once', async () => {
  const setup = await settlingRound();
  const { roundId } = setup;
  // One player per chunk: chunk 0 is the lowest user id.
  const paused = await startSettler({ COLORBET_FAULT_PAUSE_SETTLE_MS: '5000', SETTLE_CHUNK_PLAYERS: '1' });
  await waitFor(
    'the fault pause line of the second chunk',
    async () =>
      new RegExp(`fault: paused settling round ${roundId} chunk 1\\b`).test(paused.output.stdout)
        ? true
        : undefined,
    30_000,
  );
  // Chunk 0 committed; chunk 1's transfers are written inside its open transaction.
  await kill9(paused.child);
  assert.equal(paused.child.signalCode, 'SIGKILL');

  assert.equal(await roundStatus(roundId), 'SETTLING', 'the round is still SETTLING');
  const [first, ...rest] = [...setup.users].sort((a, b) => a - b);
  assert.deepEqual(
    (
      await t.db.pool.query<{ user_id: bigint }>(
        'SELECT user_id FROM round_settlements WHERE round_id = $1',
        [roundId],
      )
    ).rows.map((r) => Number(r.user_id)),
    [first],
    'only the first chunk is settled',
  );
  assert.equal(
    await count(
      `SELECT count(*) AS n FROM transfers WHERE round_id = $1 AND kind IN ('settlement', 'commission', 'void_refund')
         AND user_id <> $2`,
      [roundId, first],
    ),
    0,
    'no settlement transfers beyond the first chunk',
  );
  for (const userId of rest) {
    const staked = await count(
      `SELECT coalesce(sum(amount), 0) AS n FROM transfers WHERE kind = 'stake' AND user_id = $1`,
      [userId],
    );
    assert.equal(await ledgerBalance(t.db.pool, userId), BigInt(FUNDS - staked), `player ${userId} not paid`);
  }
  // PostgreSQL notices the dead client and rolls its transaction back, releasing the chunk.
  await waitFor('the killed worker session to end', async () =>
    (await count(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      [],
    )) === 0
      ? true
      : undefined,
  );

  const normal = await startSettler({ SETTLE_CHUNK_PLAYERS: '1' });
  await waitFor(
    `round ${roundId} to be settled by the restarted worker`,
    async () => ((await roundStatus(roundId)) === 'SETTLED' ? true : undefined),
    30_000,
  );
  await stopChild(normal.child);
  assertNoErrors(normal.output);
  await assertSettledOnce(setup);
});

test('settleNext run twice at once on the same round: exactly one settles it', async () => {
  for (let i = 0; i < 5; i++) {
    const setup = await settlingRound();
    const results = await Promise.all(pools.map((pool) => settleNext(deps(pool))));
    const winners = results.filter((r) => r !== undefined);
    assert.equal(winners.length, 1, `round ${setup.roundId}: ${winners.length} settlers won`);
    assert.equal(winners[0]!.roundId, setup.roundId);
    await assertSettledOnce(setup);
  }
});

test('two settlements of the same chunk without SKIP LOCKED: the second waits, then finds it settled', async () => {
  for (let i = 0; i < 5; i++) {
    const setup = await settlingRound();
    assert.equal((await settleStep(deps()))?.kind, 'planned');
    const results = await Promise.all(
      pools.map((pool) => withTransaction(pool, (client) => settleChunkById(client, setup.roundId, 0))),
    );
    assert.equal(results.filter((r) => r !== undefined).length, 1, `round ${setup.roundId}`);
    assert.equal((await settleNext(deps()))?.roundId, setup.roundId);
    await assertSettledOnce(setup);
    // And once SETTLED, another attempt does nothing.
    assert.equal(await withTransaction(t.db.pool, (c) => settleChunkById(c, setup.roundId, 0)), undefined);
    assert.equal(await settleNext(deps()), undefined);
    await assertSettledOnce(setup);
  }
});
