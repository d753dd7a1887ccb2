// Each test file gets its own database, cloned from the run's migrated template. drop() at the
// end of the file removes it, unless a test of the file failed (or KEEP_TEST_DB=1): then the
// database is kept for inspection and its name printed, here and again at the end of the run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { withDatabase } from './env.ts';
import { testsFailedHere } from './harness.ts';
import { sleep } from './util.ts';

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  adminUrl: string;
  /** Ends the pool and drops the database, or keeps it (and prints its name) when a test of this file failed. */
  drop(): Promise<void>;
}

function settings() {
  const adminUrl = process.env.COLORBET_TEST_ADMIN_URL;
  const template = process.env.COLORBET_TEST_TEMPLATE;
  if (!adminUrl || !template) {
    throw new Error(
      'run the tests with `npm test` (or `npx tsx test/run.ts <file>`), which prepares the database',
    );
  }
  return { adminUrl, template };
}

export async function createTestDatabase(poolSize = 20): Promise<TestDatabase> {
  const { adminUrl, template } = settings();
  const name = `cbt_${template.slice(8)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        break;
      } catch (err) {
        // Two clones of one template at the same instant: PostgreSQL refuses one; try again.
        if (attempt > 20 || (err as { code?: string }).code !== '55006') throw err;
        await sleep(50 + Math.random() * 200);
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = createPool(url, { max: poolSize, applicationName: 'colorbet-test' });
  return {
    name,
    url,
    pool,
    adminUrl,
    drop: async () => {
      await pool.end().catch(() => undefined);
      const why = testsFailedHere()
        ? 'a test of this file failed'
        : process.env.KEEP_TEST_DB === '1' && 'KEEP_TEST_DB=1';
      if (why) {
        console.log(`# kept database ${name} for inspection (${why}): psql ${withDatabase(adminUrl, name)}`);
        return;
      }
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
