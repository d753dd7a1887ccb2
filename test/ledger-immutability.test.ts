// I2-I4 enforced by the database itself: ledger rows cannot be changed or removed, even by
// the superuser that owns the table; amounts are positive; no transfer overdraws a wallet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppError } from '../src/errors.ts';
import { postTransfer } from '../src/ledger/transfers.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { guardBalance, refusalOf } from './helpers/ledger.ts';

let t: TestApp;
let wallet: bigint;
let userId: number;
let cash: bigint;
let house: bigint;

before(async () => {
  t = await startTestApp();
  const p = await t.registerPlayer();
  userId = p.userId;
  await t.deposit(userId, 1000);
  const { rows } = await t.db.pool.query<{ wallet: bigint; cash: bigint; house: bigint }>(
    `SELECT (SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1) AS wallet,
            (SELECT id FROM accounts WHERE kind = 'cash') AS cash,
            (SELECT id FROM accounts WHERE kind = 'house') AS house`,
    [userId],
  );
  ({ wallet, cash, house } = rows[0]!);
});
after(async () => t.close());

const refused = (sql: string, params: unknown[] = []) => refusalOf(t.db.pool, sql, params);

async function snapshot() {
  const { rows } = await t.db.pool.query('SELECT * FROM transfers ORDER BY id');
  return rows;
}

test('the test connection is a superuser and owns the ledger', async () => {
  const { rows } = await t.db.pool.query<{ su: boolean; owner: string; me: string }>(
    `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su,
            (SELECT tableowner FROM pg_tables WHERE tablename = 'transfers' AND schemaname = current_schema()) AS owner,
            current_user AS me`,
  );
  assert.equal(rows[0]!.su, true);
  assert.equal(rows[0]!.owner, rows[0]!.me);
});

test('UPDATE, DELETE and TRUNCATE on transfers are refused', async () => {
  const before = await snapshot();
  assert.ok(before.length > 0);
  for (const sql of [
    'UPDATE transfers SET amount = amount + 1',
    'UPDATE transfers SET amount = amount WHERE id = (SELECT min(id) FROM transfers)',
    'UPDATE transfers SET credit_account_id = debit_account_id + 0, debit_account_id = credit_account_id',
    'DELETE FROM transfers',
    'DELETE FROM transfers WHERE id = (SELECT max(id) FROM transfers)',
    'TRUNCATE transfers',
    'TRUNCATE transfers CASCADE',
  ]) {
    const err = await refused(sql);
    assert.equal(err.code, '42501', `${sql}: ${err.message}`);
    assert.match(err.message, /append-only/);
  }
  assert.deepEqual(await snapshot(), before);
});

test('UPDATE and DELETE on accounts are refused', async () => {
  assert.equal((await refused('UPDATE accounts SET user_id = user_id')).code, '42501');
  assert.equal((await refused('DELETE FROM accounts WHERE id = $1', [wallet])).code, '42501');
});

// Each carries a fresh deposit reference and withdrawal id, so its exactly-once key
// (transfer_has_its_key, transfer_keys) is never what refuses it.
let nextKey = 1_000_000;
const insertTransfer = (debit: bigint, credit: bigint, amount: string | number, kind = 'deposit') =>
  refused(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, reference, withdrawal_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [debit, credit, amount, kind, userId, `immutability-${++nextKey}`, nextKey],
  );

test('a transfer of zero or a negative amount is refused', async () => {
  for (const amount of [0, -1, '-9223372036854775808']) {
    const err = await insertTransfer(cash, wallet, amount);
    assert.equal(err.code, '23514', String(amount));
    assert.equal(err.constraint, 'transfer_amount_positive');
  }
  for (const amount of [0n, -5n]) {
    await assert.rejects(
      postTransfer(t.db.pool, { debitAccountId: cash, creditAccountId: wallet, amount, kind: 'deposit' }),
      RangeError,
    );
  }
  const same = await insertTransfer(house, house, 5, 'commission');
  assert.equal(same.constraint, 'transfer_between_two_accounts');
  assert.equal(await guardBalance(t.db.pool, userId), 1000n);
});

test('a transfer that would take a wallet below zero is refused by wallet_never_negative', async () => {
  const err = await insertTransfer(wallet, cash, 1001, 'withdrawal_post');
  assert.equal(err.code, '23514');
  assert.equal(err.constraint, 'wallet_never_negative');
  await assert.rejects(
    postTransfer(t.db.pool, {
      debitAccountId: wallet,
      creditAccountId: cash,
      amount: 1001n,
      kind: 'withdrawal_post',
      withdrawalId: 424242n,
    }),
    (e: unknown) => e instanceof AppError && e.code === 'INSUFFICIENT_FUNDS',
  );
  // Exactly the balance is fine (and is undone here to keep the wallet for other tests).
  const client = await t.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, withdrawal_id)
       VALUES ($1, $2, 1000, 'withdrawal_post', $3, 424243)`,
      [wallet, cash, userId],
    );
    const { rows } = await client.query<{ balance: bigint }>(
      'SELECT balance FROM wallet_guard WHERE account_id = $1',
      [wallet],
    );
    assert.equal(rows[0]!.balance, 0n);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  assert.equal(await guardBalance(t.db.pool, userId), 1000n);
});

test('the overdraft guard changes only through transfers, and never below zero', async () => {
  const direct = await refused('UPDATE wallet_guard SET balance = 5 WHERE account_id = $1', [wallet]);
  assert.match(direct.message, /only through transfers/);
  assert.match(
    (await refused('DELETE FROM wallet_guard WHERE account_id = $1', [wallet])).message,
    /never deleted/,
  );
  // With the transfer-only trigger out of the way (superuser), the CHECK still holds.
  const client = await t.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE wallet_guard DISABLE TRIGGER wallet_guard_only_by_transfer');
    const err = await client
      .query('UPDATE wallet_guard SET balance = -1 WHERE account_id = $1', [wallet])
      .then(
        () => undefined,
        (e: { constraint?: string }) => e,
      );
    assert.equal(err?.constraint, 'wallet_never_negative');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('a wallet guard row cannot be created with a nonzero balance', async () => {
  const { rows } = await t.db.pool.query<{ id: bigint }>(
    `INSERT INTO accounts (kind) VALUES ('house') ON CONFLICT DO NOTHING RETURNING id`,
  );
  assert.equal(rows.length, 0, 'house is a singleton');
  const fresh = await t.registerPlayer();
  const { rows: acct } = await t.db.pool.query<{ id: bigint }>(
    `SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1`,
    [fresh.userId],
  );
  const id = acct[0]!.id;
  await t.db.pool.query('ALTER TABLE wallet_guard DISABLE TRIGGER wallet_guard_only_by_transfer');
  await t.db.pool.query('DELETE FROM wallet_guard WHERE account_id = $1', [id]);
  await t.db.pool.query('ALTER TABLE wallet_guard ENABLE TRIGGER wallet_guard_only_by_transfer');
  for (const balance of [500, -500]) {
    const err = await refused('INSERT INTO wallet_guard (account_id, balance) VALUES ($1, $2)', [
      id,
      balance,
    ]);
    assert.equal(err.code, '23514', err.message);
  }
  await t.db.pool.query('INSERT INTO wallet_guard (account_id, balance) VALUES ($1, 0)', [id]);
  assert.equal(await guardBalance(t.db.pool, fresh.userId), 0n);
});
