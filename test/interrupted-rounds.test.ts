// Interrupted rounds follow the published rule (issue 12, item 7; AGCO 4.20). A round whose
// settlement is cut off by a crash resumes from the database and settles, each player once;
// a round that could not settle within INTERRUPTED_ROUND_VOID_SECONDS of its close, and had
// paid nothing yet, is voided and every stake refunded; a round already paying past the
// deadline is finished by settlement, never half-voided. The rules page says both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claimNextChunk } from '../src/betting/quarantine.ts';
import { settleChunkInDb } from '../src/betting/settlement-chunks.ts';
import { loadConfig } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import { interruptedStep } from '../src/workers/interrupted.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { settleNext, settleStep } from '../src/workers/settle.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { workerDeps } from './helpers/game.ts';
import { assertAudit, escrowBalance, guardBalance, ledgerBalance } from './helpers/ledger.ts';
import { closedRoundWithBets, countRows, expectedSettlement, roundStatus } from './helpers/rounds.ts';
import { sleep } from './helpers/util.ts';

const FUNDS = 10_000;
let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const deps = (chunkPlayers = 1) => ({ ...workerDeps(t), chunkPlayers });
const interrupted = (voidSeconds: number) =>
  interruptedStep({ ...workerDeps(t), seeds: t.deps.seeds, voidSeconds });

/** A closed round of 1-second terms with matched, partly matched and unmatched bets of 3 players. */
async function closedRound(): Promise<{ roundId: bigint; users: number[] }> {
  const { roundId, players } = await closedRoundWithBets(t, 3, FUNDS);
  return { roundId, users: players.map((p) => p.userId) };
}

/** Plans the round in chunks of one player and pays the first chunk only. */
async function payFirstChunk(roundId: bigint): Promise<void> {
  while (await finalPass(workerDeps(t)));
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLING');
  assert.equal((await settleStep(deps()))?.kind, 'planned');
  assert.equal((await settleStep(deps()))?.kind, 'chunk');
}

/** A settle step that dies mid-chunk: its transfers are written, then its connection is killed. */
async function crashMidChunk(): Promise<void> {
  const pool = createPool(t.db.url, { max: 1, applicationName: 'crashing-settler' });
  const client = await pool.connect();
  client.on('error', () => undefined);
  try {
    await client.query('BEGIN');
    const chunk = await claimNextChunk(client);
    assert.ok(chunk, 'a chunk to settle');
    assert.ok(await settleChunkInDb(client, chunk), 'the chunk wrote its payments');
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await t.db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await assert.rejects(client.query('COMMIT'));
  } finally {
    client.release(true);
    await pool.end();
  }
}

async function assertSettledOnce(roundId: bigint, users: number[]): Promise<void> {
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLED');
  const expected = await expectedSettlement(t.db.pool, roundId);
  for (const p of expected.players) {
    assert.equal(await ledgerBalance(t.db.pool, BigInt(p.playerId)), BigInt(FUNDS) + p.change);
  }
  const rows = await countRows(t.db.pool, 'SELECT count(*) AS n FROM round_settlements WHERE round_id = $1', [
    roundId,
  ]);
  assert.equal(rows, users.length, 'each player settled once');
  assert.equal(await escrowBalance(t.db.pool, roundId), 0n);
}

test('a round cut off mid-settlement by a crash resumes from the database and settles once', async () => {
  const { roundId, users } = await closedRound();
  await payFirstChunk(roundId);
  await crashMidChunk();
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLING');
  // After the restart: within the deadline nothing is voided, and settlement finishes the round.
  assert.equal(await interrupted(3600), false);
  const settled = await settleNext(deps());
  assert.equal(settled?.roundId, roundId);
  await assertSettledOnce(roundId, users);
  await assertAudit(t.db.pool);
});

test('a round that could not settle in time is voided and every stake refunded', async () => {
  // One round left CLOSED (its final pass never ran), one SETTLING with nothing paid yet.
  const planned = await closedRound();
  while (await finalPass(workerDeps(t)));
  assert.equal((await settleStep(deps()))?.kind, 'planned');
  const closed = await closedRound();
  assert.equal(await roundStatus(t.db.pool, closed.roundId), 'CLOSED');
  assert.equal(await roundStatus(t.db.pool, planned.roundId), 'SETTLING');
  assert.equal(await interrupted(60), false, 'not before the deadline');
  await sleep(2200); // past closes_at (1 s rounds) + 1 s
  assert.equal(await interrupted(1), true);
  // Counted apart from operator voids, for the ColorbetRoundInterrupted alert.
  const counted = await t.deps.metrics.registry.getSingleMetricAsString('colorbet_rounds_settled_total');
  assert.match(counted, /outcome="interrupted"[^\n]*} 2$/m);
  for (const { roundId, users } of [closed, planned]) {
    const round = await t.request({ method: 'GET', url: `/v1/rounds/${roundId}` });
    assert.equal(round.body.status, 'VOID');
    assert.equal(round.body.voidReason, 'interrupted');
    for (const u of users) {
      assert.equal(await ledgerBalance(t.db.pool, u), BigInt(FUNDS), `user ${u} has every stake back`);
      assert.equal(await guardBalance(t.db.pool, u), BigInt(FUNDS));
    }
    const charged = await countRows(
      t.db.pool,
      `SELECT count(*) AS n FROM transfers WHERE round_id = $1 AND kind IN ('commission', 'settlement')`,
      [roundId],
    );
    assert.equal(charged, 0, 'no payout and no commission');
    assert.equal(await escrowBalance(t.db.pool, roundId), 0n);
  }
  assert.equal(await interrupted(1), false, 'voided once');
  await assertAudit(t.db.pool);
});

test('past the deadline, a round already paying is finished by settlement, never half-voided', async () => {
  const { roundId, users } = await closedRound();
  await payFirstChunk(roundId);
  await sleep(2200);
  assert.equal(await interrupted(1), false);
  assert.equal(await roundStatus(t.db.pool, roundId), 'SETTLING');
  await settleNext(deps());
  await assertSettledOnce(roundId, users);
  await assertAudit(t.db.pool);
});

test('the deadline is configured, validated at start, and published in the rules', async () => {
  assert.equal(loadConfig({}).interruptedRoundVoidSeconds, 900);
  assert.equal(loadConfig({ INTERRUPTED_ROUND_VOID_SECONDS: '120' }).interruptedRoundVoidSeconds, 120);
  for (const bad of ['0', '-5', 'soon', '1.5', String(8 * 86_400)]) {
    assert.throws(
      () => loadConfig({ INTERRUPTED_ROUND_VOID_SECONDS: bad }),
      /INTERRUPTED_ROUND_VOID_SECONDS/,
    );
  }
  const rules = await t.request({ method: 'GET', url: '/v1/rules' });
  assert.equal(rules.status, 200);
  assert.equal(rules.body.interruptedRoundVoidSeconds, t.deps.config.interruptedRoundVoidSeconds);
  const section = rules.body.sections.find((s: { id: string }) => s.id === 'interruption');
  const text = section.text.join(' ');
  assert.match(text, /resumes from the database/);
  assert.match(
    text,
    new RegExp(`${t.deps.config.interruptedRoundVoidSeconds} seconds after its scheduled close`),
  );
  assert.match(text, /voided and every stake refunded/);
});
