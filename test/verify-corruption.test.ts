// `colorbet verify` must notice when the money invariants are broken. Each case starts from a
// healthy ledger in its own database, breaks one invariant on purpose as the superuser
// (going around the guards), and checks that runAudit names exactly the broken invariants;
// then the real CLI exits 1 on a corrupted database and 0 on a healthy one. The first audit
// leaves a checkpoint, so the second is incremental: it must still catch every corruption of
// new rows and of current state (guards, projection, catalog). A row changed behind the
// checkpoint is, by design, caught only by a full run (`verify --full`); those cases say so.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runAudit, type AuditReport } from '../src/verify-run.ts';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { SeedChains } from '../src/betting/seed-chains.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { openPlayerWallet } from '../src/ledger/accounts.ts';
import { TransactionService } from '../src/ledger/transaction-service.ts';
import { walletHandlers, type WalletOperation } from '../src/ledger/wallet-ops.ts';
import { uniqueName } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { projectAll } from './helpers/ledger.ts';
import { cliEnv, runCli } from './helpers/process.ts';

const databases: TestDatabase[] = [];
after(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

interface Seeded {
  db: TestDatabase;
  /** Wallet account of the first player (holds money, has a pending withdrawal). */
  wallet: bigint;
  userId: bigint;
}

/**
 * Two players with deposits, an approved, a rejected and a pending withdrawal. `project`
 * brings the balance projection up to date (only the I7 cases need it).
 */
async function healthy(project = false): Promise<Seeded> {
  const db = await createTestDatabase(4);
  databases.push(db);
  const money = new TransactionService<WalletOperation>(db.pool, walletHandlers);
  const run = async (op: WalletOperation) => {
    const outcome = await money.run({ op });
    if (!outcome.ok) throw outcome.error;
    return outcome.body as { withdrawalId?: number };
  };
  // Players straight in SQL (no password hashing needed here), wallet opened as registration does.
  const users: { userId: bigint }[] = [];
  for (const _ of [1, 2]) {
    const { rows } = await db.pool.query<{ id: bigint }>(
      `INSERT INTO users (username, password_hash, role) VALUES ($1, 'unused', 'player') RETURNING id`,
      [uniqueName('v')],
    );
    await openPlayerWallet(db.pool, rows[0]!.id);
    users.push({ userId: rows[0]!.id });
  }
  for (const u of users) {
    await run({ type: 'deposit', userId: u.userId, amount: 1000n, reference: uniqueName('ref') });
    const a = await run({ type: 'requestWithdrawal', userId: u.userId, amount: 100n });
    const b = await run({ type: 'requestWithdrawal', userId: u.userId, amount: 200n });
    await run({ type: 'requestWithdrawal', userId: u.userId, amount: 50n });
    await run({ type: 'decideWithdrawal', withdrawalId: BigInt(a.withdrawalId!), approve: true });
    await run({ type: 'decideWithdrawal', withdrawalId: BigInt(b.withdrawalId!), approve: false });
  }
  if (project) await projectAll(db.pool);
  const first = users[0]!;
  const { rows } = await db.pool.query<{ id: bigint }>(
    `SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1`,
    [first.userId],
  );
  return { db, wallet: rows[0]!.id, userId: first.userId };
}

const failing = (report: AuditReport) =>
  [...new Set(report.checks.filter((c) => !c.ok).map((c) => c.invariant))].sort();

/**
 * `broken`: what the audit after the corruption names. With `incremental` (a row changed behind
 * the checkpoint), the incremental run names only those, and a full run names `broken`.
 */
async function expectBroken(
  corrupt: (s: Seeded) => Promise<void>,
  broken: string[],
  opts: { incremental?: string[]; fullOnly?: boolean } = {},
): Promise<void> {
  const seeded = await healthy(broken.includes('I7'));
  const before = await runAudit(seeded.db.pool);
  assert.ok(before.ok, `healthy before corruption: ${JSON.stringify(before.checks.filter((c) => !c.ok))}`);
  assert.equal(before.checkpoint.advanced, true);
  await corrupt(seeded);
  if (opts.incremental) {
    const missed = await runAudit(seeded.db.pool);
    assert.equal(missed.mode, 'incremental');
    assert.deepEqual(failing(missed), opts.incremental, 'the incremental run sees only new rows and state');
  }
  const full = opts.incremental !== undefined || opts.fullOnly === true;
  const report = await runAudit(seeded.db.pool, { full });
  assert.equal(report.mode, full ? 'full' : 'incremental');
  assert.equal(report.ok, false);
  assert.equal(report.checkpoint.advanced, false, 'a failing run never advances the checkpoint');
  assert.deepEqual(failing(report), broken, JSON.stringify(report.checks.filter((c) => !c.ok)));
  for (const c of report.checks.filter((x) => !x.ok)) {
    assert.ok(c.violations && c.violations.length > 0, `${c.invariant} names what is wrong`);
  }
}

test('I1: a money column that is not BIGINT', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query('ALTER TABLE withdrawals ALTER COLUMN amount TYPE numeric');
    },
    ['I1'],
  );
});

test('I1: a ledger amount stored as floating point', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query('ALTER TABLE wallet_guard ALTER COLUMN balance TYPE double precision');
    },
    ['I1'],
  );
});

test('I2: the append-only trigger dropped', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query('DROP TRIGGER transfers_append_only ON transfers');
    },
    ['I2'],
  );
});

test('I2: the append-only trigger still there but made harmless', async () => {
  // The trigger exists and is enabled, but lets the change through: only trying an UPDATE shows it.
  await expectBroken(
    async ({ db }) => {
      await db.pool
        .query(`CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RETURN NEW; END $$`);
    },
    ['I2'],
  );
});

test('I3: a transfer into an account that does not exist', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query(
        `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, user_id)
       VALUES ((SELECT id FROM accounts WHERE kind = 'house'), 999999, 5, 'commission', 1, 999999)`,
      );
    },
    ['I3'],
  );
});

test('I3: a transfer from an account to itself', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query('ALTER TABLE transfers DROP CONSTRAINT transfer_between_two_accounts');
      await db.pool.query(
        `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, user_id)
       SELECT id, id, 5, 'commission', 1, 999998 FROM accounts WHERE kind = 'house'`,
      );
    },
    ['I3'],
  );
});

test('I4 and I7: an amount changed behind the guard (triggers disabled, then re-enabled)', async () => {
  await expectBroken(
    async ({ db, wallet }) => {
      await db.pool.query('ALTER TABLE transfers DISABLE TRIGGER USER');
      const upd = await db.pool.query(
        `UPDATE transfers SET amount = amount + 7 WHERE id = (SELECT min(id) FROM transfers WHERE credit_account_id = $1)`,
        [wallet],
      );
      assert.equal(upd.rowCount, 1);
      await db.pool.query('ALTER TABLE transfers ENABLE TRIGGER USER');
    },
    ['I4', 'I7'],
    { incremental: [] },
  );
});

test('I2, I4 and I7: an amount changed with the triggers left disabled', async () => {
  await expectBroken(
    async ({ db, wallet }) => {
      await db.pool.query('ALTER TABLE transfers DISABLE TRIGGER USER');
      await db.pool.query(
        `UPDATE transfers SET amount = amount + 7 WHERE id = (SELECT min(id) FROM transfers WHERE credit_account_id = $1)`,
        [wallet],
      );
    },
    // K: DISABLE TRIGGER USER also turns off the trigger that writes the exactly-once keys.
    ['I2', 'I4', 'I7', 'K'],
    { incremental: ['I2', 'I4', 'K'] }, // I4 and K: their triggers are off (catalog), not the old row
  );
});

test('I4: the overdraft guard out of step with the ledger', async () => {
  await expectBroken(
    async ({ db, wallet }) => {
      await db.pool.query('ALTER TABLE wallet_guard DISABLE TRIGGER wallet_guard_only_by_transfer');
      await db.pool.query('UPDATE wallet_guard SET balance = balance + 1 WHERE account_id = $1', [wallet]);
    },
    ['I4'],
  );
});

test('I4: a wallet taken below zero with the guard constraint dropped', async () => {
  await expectBroken(
    async ({ db, wallet, userId }) => {
      await db.pool.query('ALTER TABLE wallet_guard DROP CONSTRAINT wallet_never_negative');
      await db.pool.query(
        `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, withdrawal_id)
       VALUES ($1, (SELECT id FROM accounts WHERE kind = 'cash'), 100000, 'withdrawal_post', $2, 999997)`,
        [wallet, userId],
      );
    },
    ['I4'],
  );
});

test('I7: a projected balance that differs from the ledger', async () => {
  await expectBroken(
    async ({ db, wallet }) => {
      await db.pool.query('UPDATE account_balance SET balance = balance - 3 WHERE account_id = $1', [wallet]);
    },
    ['I7'],
  );
});

test('I5 and I8: the exactly-once keys (transfer_keys) lose their primary key', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query('ALTER TABLE transfer_keys DROP CONSTRAINT transfer_keys_pkey');
    },
    ['I5', 'I8'],
  );
});

test('K: a transfer written without its exactly-once key', async () => {
  await expectBroken(
    async ({ db, wallet }) => {
      // The key trigger off for one deposit, then on again: only the missing key row is wrong.
      await db.pool.query('ALTER TABLE transfers DISABLE TRIGGER transfers_claim_keys');
      await db.pool.query(
        `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, reference)
         VALUES ((SELECT id FROM accounts WHERE kind = 'cash'), $1, 5, 'deposit', 'keyless-deposit')`,
        [wallet],
      );
      await db.pool.query('ALTER TABLE transfers ENABLE TRIGGER transfers_claim_keys');
    },
    ['K'],
  );
});

test('K: a key row deleted behind the checkpoint is found by a full run', async () => {
  await expectBroken(
    async ({ db }) => {
      await db.pool.query('ALTER TABLE transfer_keys DISABLE TRIGGER transfer_keys_append_only');
      await db.pool.query(`DELETE FROM transfer_keys WHERE scope = 'deposit'`);
    },
    ['K'],
    // Whether the incremental run still sees these deposits as new depends on transactions
    // elsewhere in the cluster holding its cursor back; only the full run is asserted.
    { fullOnly: true },
  );
});

test('F: a result and a published hash changed behind the rounds trigger', async () => {
  await expectBroken(
    async ({ db }) => {
      const seeds = new SeedChains('verify-corruption-fairness-secret-0123456789');
      const terms = { sides: ['red', 'green'] as const, rakeBps: 200n, roundSeconds: 60 };
      const round = await withTransaction(db.pool, (c) => openRound(c, terms, seeds));
      assert.equal(await withTransaction(db.pool, (c) => closeRound(c, round.id, seeds)), true);
      await db.pool.query('ALTER TABLE rounds DISABLE TRIGGER rounds_guard');
      await db.pool.query(
        `UPDATE rounds SET result = CASE result WHEN 'red' THEN 'green' ELSE 'red' END WHERE id = $1`,
        [round.id],
      );
      await db.pool.query(
        `INSERT INTO rounds (id, status, sides, rake_bps, server_seed_hash, opens_at, closes_at)
       VALUES ($1, 'OPEN', '{red,green}', 200, repeat('ab', 32), now(), now() + interval '1 minute')`,
        [round.id + 1n],
      );
      await db.pool.query('ALTER TABLE rounds ENABLE TRIGGER rounds_guard');
    },
    ['F'],
  );
});

test('colorbet verify: exit 0 and ok JSON on a healthy database, exit 1 on a corrupted one', async () => {
  const good = await healthy();
  const bad = await healthy();
  await bad.db.pool.query('ALTER TABLE wallet_guard DISABLE TRIGGER wallet_guard_only_by_transfer');
  await bad.db.pool.query('UPDATE wallet_guard SET balance = balance + 1 WHERE account_id = $1', [
    bad.wallet,
  ]);

  const [okJson, badText, badJson] = await Promise.all([
    runCli(['verify', '--json'], cliEnv({ DATABASE_URL: good.db.url, LOG_LEVEL: 'warn' })),
    runCli(['verify'], cliEnv({ DATABASE_URL: bad.db.url, LOG_LEVEL: 'warn' })),
    runCli(['verify', '--json'], cliEnv({ DATABASE_URL: bad.db.url, LOG_LEVEL: 'warn' })),
  ]);

  assert.equal(okJson.code, 0, okJson.stderr);
  const okReport = JSON.parse(okJson.stdout) as AuditReport;
  assert.equal(okReport.ok, true);
  assert.ok(okReport.checks.length >= 6);

  assert.equal(badText.code, 1, badText.stderr + badText.stdout);
  assert.match(badText.stdout, /FAIL\s+I4/);
  assert.match(badText.stdout, /INVARIANTS VIOLATED/);
  assert.equal(badJson.code, 1, badJson.stderr);
  const badReport = JSON.parse(badJson.stdout) as AuditReport;
  assert.equal(badReport.ok, false);
  assert.deepEqual(failing(badReport), ['I4']);
});
