// Least privilege (issue 11): the service works as colorbet_service, which owns nothing. Each
// statement that could rewrite the ledger's history or switch off its guards is refused by
// PostgreSQL's privileges (42501), whatever the triggers say, while the service's own work
// goes through. The tables the service reads all grant it SELECT (a migration that adds a table
// and forgets its grants fails here).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createPool, type Pool } from '../src/db/pool.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { freePort } from './helpers/process.ts';
import { startService, waitReady } from './helpers/service.ts';
import { sleep } from './helpers/util.ts';

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
  // The exactly-once keys are written by the transfers trigger alone (it runs as the owner).
  "INSERT INTO transfer_keys (round_id, scope, key, transfer_id) VALUES (1, 'payout', '1', 1)",
  'DELETE FROM transfer_keys',
  'UPDATE partition_schemes SET span = 1',
  'ALTER TABLE transfers DETACH PARTITION transfers_p0',
  // Partitions are reached through their parent only.
  'SELECT * FROM transfers_p0',
  "SELECT colorbet_add_partition('bets', 99)",
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
    `SELECT c.relname AS tablename FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND c.relname <> 'schema_migrations' AND NOT has_table_privilege('colorbet_service', c.oid, 'SELECT')`,
  );
  assert.deepEqual(rows, [], 'tables the service cannot read');
  const app = await t.deps.pool.query<{ current_user: string }>('SELECT current_user');
  assert.equal(app.rows[0]!.current_user, 'colorbet_service');
});

// The strict form (docs/security.md): the service logs in as a role of its own that is only a
// member of colorbet_service, after the owner migrated (MIGRATE_ON_START=0). It serves bets,
// every connection it opens is that login, and even a `RESET ROLE` (which undoes the default
// setup's SET ROLE) leaves it without the owner's privileges.
test(
  'a separate login that is only a member of colorbet_service runs the service and cannot reach the owner',
  { timeout: 120_000 },
  async () => {
    const login = `cb_login_${randomBytes(4).toString('hex')}`;
    await t.db.pool.query(`CREATE ROLE ${login} LOGIN NOINHERIT`);
    await t.db.pool.query(`GRANT colorbet_service TO ${login}`);
    const url = new URL(t.db.url);
    url.username = login;
    url.password = '';
    const port = await freePort();
    const service = startService(
      {
        DATABASE_URL: url.toString(),
        AUTH_SECRET: 'test-secret-that-is-long-enough-0123456789',
        MIGRATE_ON_START: '0',
        PORT: String(port),
        HOST: '127.0.0.1',
        ROUND_SECONDS: '3',
        DEMO_PLAYERS: '0',
        LOG_LEVEL: 'warn',
      },
      'direct',
    );
    const base = `http://127.0.0.1:${port}`;
    const owner = new pg.Client({ connectionString: url.toString() });
    try {
      await waitReady(service, base);
      const call = async (method: string, path: string, token?: string, body?: unknown, key?: string) => {
        const res = await fetch(base + path, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...(key ? { 'idempotency-key': key } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const player = await call('POST', '/v1/auth/register', undefined, {
        username: `strict_${randomBytes(3).toString('hex')}`,
        password: 'password-123',
      });
      assert.equal(player.status, 201);
      const deposit = await call('POST', '/v1/admin/deposits', t.operatorToken, {
        userId: player.body.userId,
        amount: 1000,
        reference: `strict-${login}`,
      });
      assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
      let bet: { status: number; body: any } | undefined;
      for (let i = 0; i < 100 && bet?.status !== 202; i++) {
        const round = await call('GET', '/v1/rounds/current');
        if (round.status === 200 && round.body.status === 'OPEN') {
          bet = await call(
            'POST',
            '/v1/bets',
            player.body.token,
            { roundId: round.body.roundId, side: 'red', amount: 100 },
            `strict-bet-${i}`,
          );
        } else await sleep(100);
      }
      assert.equal(bet?.status, 202, JSON.stringify(bet?.body));
      const { rows: sessions } = await t.db.pool.query<{ usename: string }>(
        `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename <> current_user`,
      );
      assert.deepEqual(
        sessions.map((r) => r.usename),
        [login],
        'every connection of the service is its own login',
      );

      // What a compromised process could try on the same login.
      await owner.connect();
      await owner.query('RESET ROLE');
      const who = await owner.query<{ current_user: string; owner: boolean }>(
        `SELECT current_user, pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'transfers' AND schemaname = current_schema()), 'MEMBER') AS owner`,
      );
      assert.deepEqual(who.rows[0], { current_user: login, owner: false });
      for (const sql of [
        'SET ROLE postgres',
        'ALTER TABLE transfers DISABLE TRIGGER transfers_append_only',
        'UPDATE transfers SET amount = amount + 1',
        'DELETE FROM revoked_sessions',
        'SELECT count(*) FROM transfers',
      ]) {
        await assert.rejects(
          owner.query(sql),
          (err: { code?: string }) => err.code === '42501',
          `${sql} must be refused`,
        );
      }
      // NOINHERIT: its privileges are colorbet_service's, and only after SET ROLE to it.
      await owner.query('SET ROLE colorbet_service');
      await owner.query('SELECT count(*) FROM transfers');
    } finally {
      await owner.end().catch(() => undefined);
      service.signalGroup('SIGTERM');
      await service.exited;
      await t.db.pool.query(`DROP ROLE ${login}`);
    }
  },
);
