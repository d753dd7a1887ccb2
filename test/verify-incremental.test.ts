// The audit proves what is new since its checkpoint (migrations/0017, src/verify-run.ts): after a
// full run an incremental one reads nothing old; new corruption is caught and old corruption
// only by `full`; a failing run never moves the checkpoint; a transfer that commits after a
// later one is not skipped (the projection's (txid, id) order below pg_snapshot_xmin); and the
// service role can run it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { runAudit, allChecks, type AuditReport } from '../src/verify-run.ts';
import { lastFullRun } from '../src/verify-checkpoint.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import {
  allFinal,
  fundedPlayers,
  openRoundId,
  placeAll,
  startGameWorkers,
  waitUntil,
} from './helpers/game.ts';
import { projectAll } from './helpers/ledger.ts';

let t: TestApp;
let settled: number;
before(async () => {
  t = await startTestApp({ ROUND_SECONDS: '2', MIN_BET: '10', MAX_BET: '5000' });
  const game = startGameWorkers(t);
  try {
    const [a, b] = await fundedPlayers(t, 2, 10_000);
    settled = await openRoundId(t, 800);
    await placeAll(t, settled, [
      { token: a!.token, side: 'red', amount: 300 },
      { token: b!.token, side: 'green', amount: 200 },
    ]);
    await waitUntil('the round is final', () => allFinal(t, [settled]), 30_000);
  } finally {
    await game.stop();
  }
  await projectAll(t.db.pool);
});
after(async () => t.close());

const failing = (r: AuditReport) =>
  [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.invariant))].sort();

/**
 * Waits until every transfer so far is below every running transaction of the cluster (other
 * suites share it): only then can a run checkpoint all of them.
 */
async function ledgerQuiet(): Promise<void> {
  await waitUntil('every transfer below pg_snapshot_xmin', async () => {
    const { rows } = await t.db.pool.query<{ quiet: boolean }>(
      `SELECT coalesce((SELECT max(txid) FROM transfers) < pg_snapshot_xmin(pg_current_snapshot()), true) AS quiet`,
    );
    return rows[0]!.quiet;
  });
}

/** An account with this id (an escrow of no round), so that rows naming it become valid. */
async function createAccount(id: number): Promise<void> {
  await t.db.pool.query(`INSERT INTO accounts (id, kind, round_id) VALUES ($1, 'escrow', -$1::bigint)`, [id]);
}

async function checkpointRow() {
  const { rows } = await t.db.pool.query<{ last_txid: string; last_id: bigint; proved_at: Date }>(
    `SELECT last_txid::text, last_id, proved_at FROM verify_checkpoints WHERE name = 'double-entry'`,
  );
  return rows[0];
}

test('a full run proves everything and leaves a checkpoint; the next run proves nothing old', async () => {
  await ledgerQuiet();
  const full = await runAudit(t.db.pool, { full: true });
  assert.ok(full.ok, JSON.stringify(full.checks.filter((c) => !c.ok)));
  assert.equal(full.mode, 'full');
  assert.equal(full.checkpoint.advanced, true);
  const { rows } = await t.db.pool.query<{ n: bigint }>('SELECT count(*) AS n FROM transfers');
  assert.equal(full.proved.transfers, Number(rows[0]!.n));
  assert.ok(
    BigInt(full.checkpoint.roundId!) >= BigInt(settled),
    'the settled round is behind the checkpoint',
  );
  assert.ok((await lastFullRun(t.db.pool, allChecks)) !== null);

  const next = await runAudit(t.db.pool);
  assert.ok(next.ok);
  assert.equal(next.mode, 'incremental');
  assert.equal(next.proved.transfers, 0, 'no transfer is read twice');
  assert.equal(next.checkpoint.advanced, true);
  assert.equal(next.checkpoint.id, full.checkpoint.id);
  // Only rounds still in play (the scheduler left one OPEN) are in scope, not the settled one.
  const inPlay = await t.db.pool.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM rounds WHERE status IN ('OPEN', 'CLOSED', 'SETTLING')`,
  );
  assert.equal(next.proved.rounds, Number(inPlay.rows[0]!.n));
});

test('old corruption is found only by a full run, which does not move the checkpoint', async () => {
  await ledgerQuiet();
  assert.ok((await runAudit(t.db.pool)).ok);
  // A settlement row of the settled round changed behind the checkpoint (as the owner).
  const received = (delta: number) =>
    t.db.pool.query(
      `ALTER TABLE round_settlements DISABLE TRIGGER USER;
       UPDATE round_settlements SET received = received + ${delta}
       WHERE round_id = ${settled} AND user_id = (SELECT min(user_id) FROM round_settlements WHERE round_id = ${settled});
       ALTER TABLE round_settlements ENABLE TRIGGER USER`,
    );
  await received(1);
  try {
    const incremental = await runAudit(t.db.pool);
    assert.ok(incremental.ok, 'by design: a proved round is not re-read');
    const before = await checkpointRow();
    const full = await runAudit(t.db.pool, { full: true });
    assert.deepEqual(failing(full), ['I5']);
    assert.match(JSON.stringify(full.checks), new RegExp(`round ${settled} player \\d+ received`));
    assert.equal(full.checkpoint.advanced, false);
    assert.deepEqual(await checkpointRow(), before, 'a failing run leaves the checkpoint where it was');
  } finally {
    await received(-1);
  }
  assert.ok((await runAudit(t.db.pool, { full: true })).ok);
});

test('new corruption is found by the incremental run and stops the checkpoint', async () => {
  await ledgerQuiet();
  assert.ok((await runAudit(t.db.pool)).ok);
  const before = await checkpointRow();
  const house = `(SELECT id FROM accounts WHERE kind = 'house')`;
  const { rows } = await t.db.pool.query<{ id: bigint }>(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, user_id)
     VALUES (${house}, 987654321, 5, 'commission', 1, 987654321) RETURNING id`,
  );
  await ledgerQuiet();
  const report = await runAudit(t.db.pool);
  assert.equal(report.mode, 'incremental');
  assert.equal(report.proved.transfers, 1);
  assert.deepEqual(failing(report), ['I3']);
  assert.match(JSON.stringify(report.checks), new RegExp(`"id":"${rows[0]!.id}"`));
  assert.equal(report.checkpoint.advanced, false);
  assert.deepEqual(await checkpointRow(), before);
  // Put right by a transfer back (the ledger is append-only): the account then sums to zero, but
  // the forged row is still after the checkpoint and still names a missing account.
  await t.db.pool.query(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, user_id)
     VALUES (987654321, ${house}, 5, 'commission', 1, 987654320)`,
  );
  assert.deepEqual(failing(await runAudit(t.db.pool)), ['I3']);
  // Only creating the account makes both rows valid; then the checkpoint moves past them.
  await createAccount(987654321);
  await ledgerQuiet();
  const fixed = await runAudit(t.db.pool);
  assert.ok(fixed.ok, JSON.stringify(fixed.checks.filter((c) => !c.ok)));
  assert.equal(fixed.proved.transfers, 2);
  assert.equal(fixed.checkpoint.advanced, true);
  assert.ok(BigInt(fixed.checkpoint.id!) > before!.last_id);
});

test('a transfer that commits after a later one is proved, never skipped', async () => {
  await ledgerQuiet();
  assert.ok((await runAudit(t.db.pool)).ok);
  const house = `(SELECT id FROM accounts WHERE kind = 'house')`;
  // The slow writer takes a transfer id (and transaction id) first and commits last.
  const slow = new pg.Client({ connectionString: t.db.url });
  await slow.connect();
  try {
    await slow.query('BEGIN');
    const early = await slow.query<{ id: string }>(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, user_id)
       VALUES (${house}, 987654322, 7, 'commission', 1, 987654322) RETURNING id::text`,
    );
    const later = await t.db.pool.query<{ id: bigint }>(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, user_id)
       VALUES (${house}, (SELECT id FROM accounts WHERE kind = 'cash'), 3, 'commission', 1, 987654323) RETURNING id`,
    );
    assert.ok(later.rows[0]!.id > BigInt(early.rows[0]!.id));
    // The committed later row is proved (house -> cash is valid), but the checkpoint stays below
    // the slow transaction, which is still running.
    const during = await runAudit(t.db.pool);
    assert.ok(during.ok, JSON.stringify(during.checks.filter((c) => !c.ok)));
    assert.ok(during.proved.transfers >= 1);
    assert.equal(during.checkpoint.advanced, true);
    assert.ok(BigInt(during.checkpoint.id!) < BigInt(early.rows[0]!.id), 'not past the running writer');
    // The report names what holds it back (the oldest writer of the server: this one, or one of
    // another suite that began earlier).
    assert.match(during.checkpoint.heldBackBy ?? '', /^(pid \d+ \(.*\) in a transaction since|prepared)/);
    const slowPid = (await slow.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const oldest = await t.db.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY age(backend_xid) DESC LIMIT 1`,
    );
    if (oldest.rows[0]?.pid === slowPid)
      assert.match(during.checkpoint.heldBackBy!, new RegExp(`^pid ${slowPid} `));
    await slow.query('COMMIT');
  } finally {
    await slow.end();
  }
  // The forged early row, committed late, is still ahead of the checkpoint: found.
  await ledgerQuiet();
  const report = await runAudit(t.db.pool);
  assert.deepEqual(failing(report), ['I3']);
  assert.match(JSON.stringify(report.checks), /987654322/);
  await createAccount(987654322);
  await ledgerQuiet();
  assert.ok((await runAudit(t.db.pool)).ok);
});

test('the service role runs the audit and moves the checkpoint', async () => {
  const fresh = await startTestApp();
  const service = createPool(fresh.db.url, { max: 3, role: 'colorbet_service' });
  try {
    const p = await fresh.registerPlayer();
    await fresh.deposit(p.userId, 1000);
    await projectAll(fresh.db.pool);
    const first = await runAudit(service);
    assert.ok(first.ok, JSON.stringify(first.checks.filter((c) => !c.ok)));
    assert.equal(first.mode, 'full', 'no checkpoint yet: the first run proves everything');
    assert.equal(first.checkpoint.advanced, true);
    const second = await runAudit(service);
    assert.equal(second.mode, 'incremental');
    assert.ok(second.ok);
  } finally {
    await service.end();
    await fresh.close();
  }
});

test('AUDIT_FULL_EVERY_SECONDS: 0 or at least AUDIT_EVERY_SECONDS, else start stops naming it', () => {
  assert.equal(loadConfig({}).auditFullEverySeconds, 86_400);
  assert.equal(loadConfig({ AUDIT_FULL_EVERY_SECONDS: '0' }).auditFullEverySeconds, 0);
  for (const bad of ['60', 'daily', '-1', '99999999999']) {
    assert.throws(
      () => loadConfig({ AUDIT_FULL_EVERY_SECONDS: bad }),
      (err: unknown) => err instanceof ConfigError && /AUDIT_FULL_EVERY_SECONDS/.test(err.message),
      bad,
    );
  }
  assert.equal(
    loadConfig({ AUDIT_EVERY_SECONDS: '30', AUDIT_FULL_EVERY_SECONDS: '60' }).auditFullEverySeconds,
    60,
  );
});
