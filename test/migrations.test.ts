// Migrations on an empty database: five processes starting at once apply every file exactly
// once (advisory lock + schema_migrations), a second run applies nothing, and a database that a
// newer build migrated is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  listMigrations,
  migrate,
  MIGRATIONS_DIR,
  UnknownMigrationsError,
  type MigrationResult,
} from '../src/db/migrate.ts';
import { createPool, type Pool } from '../src/db/pool.ts';
import { withDatabase } from './helpers/env.ts';
import { cliEnv, runCli } from './helpers/process.ts';

const adminUrl = process.env.COLORBET_TEST_ADMIN_URL;
const name = `cbt_migrate_${randomBytes(4).toString('hex')}`;
let pools: Pool[] = [];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

before(async () => {
  assert.ok(adminUrl, 'run through test/run.ts, which sets COLORBET_TEST_ADMIN_URL');
  await admin(`CREATE DATABASE ${name}`);
  pools = Array.from({ length: 5 }, (_, i) =>
    createPool(withDatabase(adminUrl, name), { max: 2, applicationName: `migrate-${i}` }),
  );
});
after(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

test('five concurrent migrate() calls on an empty database apply each file exactly once', async () => {
  const files = await listMigrations();
  assert.ok(files.length >= 2, `migrations found: ${files.join(', ')}`);
  const empty = await pools[0]!.query(
    `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
  );
  assert.equal(empty.rows[0].n, 0, 'the database starts empty');

  const results: MigrationResult[] = await Promise.all(pools.map((p) => migrate(p)));
  const applied = results.flatMap((r) => r.applied);
  assert.deepEqual([...applied].sort(), files, 'every file applied once in total');
  assert.equal(results.filter((r) => r.applied.length > 0).length, 1, 'one runner did all the work');
  for (const r of results) {
    if (r.applied.length === 0) assert.equal(r.alreadyApplied, files.length);
    else assert.deepEqual(r.applied, files, 'applied in file order');
  }

  const recorded = await pools[1]!.query<{ name: string }>(
    'SELECT name FROM schema_migrations ORDER BY name',
  );
  assert.deepEqual(
    recorded.rows.map((r) => r.name),
    files,
  );
  // The seed rows of 0001 exist once: its SQL really ran once.
  const singletons = await pools[2]!.query<{ kind: string; n: bigint }>(
    `SELECT kind, count(*) AS n FROM accounts WHERE kind IN ('cash', 'house', 'withdrawal_hold')
     GROUP BY kind ORDER BY kind`,
  );
  assert.deepEqual(
    singletons.rows.map((r) => [r.kind, r.n]),
    [
      ['cash', 1n],
      ['house', 1n],
      ['withdrawal_hold', 1n],
    ],
  );
  const state = await pools[3]!.query(`SELECT count(*)::int AS n FROM projection_state`);
  assert.equal(state.rows[0].n, 1);
});

test('a second run applies nothing and changes nothing', async () => {
  const files = await listMigrations();
  const before = await pools[0]!.query('SELECT name, applied_at FROM schema_migrations ORDER BY name');
  const again = await Promise.all(pools.map((p) => migrate(p)));
  for (const r of again) {
    assert.deepEqual(r.applied, []);
    assert.equal(r.alreadyApplied, files.length);
  }
  const after = await pools[0]!.query('SELECT name, applied_at FROM schema_migrations ORDER BY name');
  assert.deepEqual(after.rows, before.rows);
});

test('the advisory lock is released: another session can take it at once', async () => {
  assert.equal(await takeAndGiveBackMigrationLock(), true);
});

/** Takes the migration lock on one session and gives it back (else the next migrate() waits for it). */
async function takeAndGiveBackMigrationLock(): Promise<boolean> {
  const client = await pools[4]!.connect();
  try {
    const lock = 0x636f6c6f72626574n.toString();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      lock,
    ]);
    if (rows[0]?.ok) await client.query('SELECT pg_advisory_unlock($1::bigint)', [lock]);
    return rows[0]?.ok === true;
  } finally {
    client.release();
  }
}

test('migrate refuses a database that has applied migrations this build does not know, naming them', async () => {
  const files = await listMigrations();
  const future = ['9998_from_a_newer_build.sql', '9999_also_newer.sql'];
  await pools[0]!.query('INSERT INTO schema_migrations (name) SELECT unnest($1::text[])', [future]);
  const before = await pools[0]!.query('SELECT name, applied_at FROM schema_migrations ORDER BY name');
  try {
    await assert.rejects(migrate(pools[1]!), (err: unknown) => {
      assert.ok(err instanceof UnknownMigrationsError, String(err));
      assert.deepEqual(err.unknown, future);
      assert.match(
        err.message,
        /2 migration\(s\) this build does not know: 9998_from_a_newer_build\.sql, 9999_also_newer\.sql/,
      );
      return true;
    });
    // The refusal comes before anything runs; an older folder (a build that lacks the newest
    // file) is refused the same way, naming what it lacks.
    const older = files.slice(0, -1);
    await assert.rejects(migrate(pools[2]!, `${await olderFolder(older)}/`), (err: unknown) => {
      assert.ok(err instanceof UnknownMigrationsError);
      assert.deepEqual(err.unknown, [files.at(-1), ...future]);
      return true;
    });
    // The command says the same and exits 1.
    const cli = await runCli(['migrate'], cliEnv({ DATABASE_URL: withDatabase(adminUrl!, name) }));
    assert.equal(cli.code, 1, cli.stdout + cli.stderr);
    assert.match(cli.stderr, /this build does not know: 9998_from_a_newer_build\.sql, 9999_also_newer\.sql/);
    const after = await pools[0]!.query('SELECT name, applied_at FROM schema_migrations ORDER BY name');
    assert.deepEqual(after.rows, before.rows, 'nothing applied, nothing recorded');
  } finally {
    await pools[0]!.query('DELETE FROM schema_migrations WHERE name = ANY($1)', [future]);
  }
  assert.equal(await takeAndGiveBackMigrationLock(), true, 'the refusal released the migration lock');
});

/** A temporary migrations folder holding copies of `names` (a build that lacks the others). */
async function olderFolder(names: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cbt-migrations-'));
  after(() => rm(dir, { recursive: true, force: true }));
  for (const name of names) await copyFile(path.join(MIGRATIONS_DIR, name), path.join(dir, name));
  return dir;
}
