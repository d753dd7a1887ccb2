// `npm test`: finds a PostgreSQL (DATABASE_URL, else the local server, else an embedded one),
// makes a migrated template database for this run, then runs node's test runner on every
// test file with that template. Each test file clones its own database from the template.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { probeRedis, withDatabase } from './helpers/env.ts';

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function findPostgres(): Promise<{ adminUrl: string; embedded?: EmbeddedServer }> {
  if (process.env.DATABASE_URL) return { adminUrl: withDatabase(process.env.DATABASE_URL, 'postgres') };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await canConnect(local)) return { adminUrl: local };
  console.log(
    '# no DATABASE_URL and no PostgreSQL on 127.0.0.1:5432: starting the embedded one for the tests',
  );
  const embedded = await startEmbeddedPostgres(path.resolve('.colorbet/test'));
  return { adminUrl: withDatabase(embedded.url, 'postgres'), embedded };
}

async function testFiles(args: string[]): Promise<string[]> {
  if (args.length) return args;
  const found: string[] = [];
  for (const root of ['src', 'test']) {
    for (const entry of await readdir(root, { recursive: true })) {
      if (entry.endsWith('.test.ts')) found.push(path.join(root, entry));
    }
  }
  return found.sort();
}

const { adminUrl, embedded } = await findPostgres();
const template = `cbt_tpl_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${template}`);
const pool = createPool(withDatabase(adminUrl, template), { max: 1 });
await migrate(pool);
await pool.end();

const redisUrl = await probeRedis();
console.log(
  `# postgres: ${new URL(adminUrl).host} template ${template}; redis: ${redisUrl ?? 'none (Redis suites skip)'}`,
);

const files = await testFiles(process.argv.slice(2));
const child = spawn(
  process.execPath,
  // harness.ts in every test process: failed files keep their database; a leaked worker fails the file.
  [
    '--import',
    'tsx',
    '--import',
    new URL('./helpers/harness.ts', import.meta.url).href,
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    ...files,
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      COLORBET_TEST_ADMIN_URL: adminUrl,
      COLORBET_TEST_TEMPLATE: template,
      ...(redisUrl ? { COLORBET_TEST_REDIS_URL: redisUrl } : {}),
    },
  },
);
const code: number = await new Promise((resolve) =>
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))),
);

const leftovers = await admin.query<{ datname: string }>(
  `SELECT datname FROM pg_database WHERE datname LIKE $1`,
  [`cbt_${template.slice(8)}_%`],
);
await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
if (leftovers.rowCount) {
  console.log(
    `# kept ${leftovers.rowCount} database(s) for inspection (failed test files, or KEEP_TEST_DB=1): ${leftovers.rows.map((r) => r.datname).join(', ')}`,
  );
}
await admin.end();
await embedded?.stop();
process.exit(code);
