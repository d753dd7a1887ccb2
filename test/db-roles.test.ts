// Least privilege (issue 11): the service works as colorbet_service, which owns nothing. Each
// statement that could rewrite the ledger's history or switch off its guards is refused by
// PostgreSQL's privileges (42501), whatever the triggers say, while the service's own work
// goes through. The tables the service reads all grant it SELECT (a migration that adds a table
// and forgets its grants fails here).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPool, type Pool } from '../src/db/pool.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
let service: Pool;
before(async () => {
  t = await startTestApp();
  service = createPool(t.db.url, { max: 2, role: 'colorbet_service' });
});
after(async () => {
  await service.end();
  await t.close();
});

const FORBIDDEN = [
  'UPDATE transfers SET amount = amount + 1',
  'DELETE FROM transfers',
  'TRUNCATE transfers',
  'ALTER TABLE transfers DISABLE TRIGGER transfers_append_only',
  'DROP TRIGGER transfers_append_only ON transfers',
  'ALTER TABLE transfers ADD COLUMN note text',
  'UPDATE matches SET amount = 1',
  'DELETE FROM matches',
  'UPDATE round_settlements SET received = 0',
  'DELETE FROM round_settlements',
  'UPDATE seed_chains SET commitment = commitment',
  'DELETE FROM seed_chains',
  "INSERT INTO legacy_round_seeds (round_id, seed) VALUES (1, repeat('0', 64))",
  'ALTER TABLE rounds DISABLE TRIGGER rounds_guard',
  'DELETE FROM bets',
  'DELETE FROM rounds',
  'UPDATE accounts SET kind = kind',
  'ALTER TABLE wallet_guard DROP CONSTRAINT wallet_never_negative',
  'CREATE TABLE scratch (x int)',
  'DROP TABLE login_throttle',
];

test('as the service role, every statement that could rewrite history or drop a guard is refused', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  for (const sql of FORBIDDEN) {
    await assert.rejects(
      service.query(sql),
      (err: { code?: string }) => err.code === '42501',
      `${sql} must be refused by privileges`,
    );
  }
  const { rows } = await service.query<{ current_user: string }>('SELECT current_user');
  assert.equal(rows[0]!.current_user, 'colorbet_service');
});

test('the service role reads every table and the app works as it', async () => {
  const { rows } = await t.db.pool.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables
     WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'
       AND NOT has_table_privilege('colorbet_service', format('%I.%I', schemaname, tablename), 'SELECT')`,
  );
  assert.deepEqual(rows, [], 'tables the service cannot read');
  const app = await t.deps.pool.query<{ current_user: string }>('SELECT current_user');
  assert.equal(app.rows[0]!.current_user, 'colorbet_service');
});
