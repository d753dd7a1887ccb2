// docs/schema.sql: the schema the migrations produce, dumped by pg_dump and normalised so that
// two fresh databases give the same text. Used by `npm run schema:snapshot` (writes the file)
// and test/schema-snapshot.test.ts (compares). pg_dump must be of the server's major version:
// another major prints the same schema differently.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { listMigrations, migrate, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';

const run = promisify(execFile);

export const SCHEMA_FILE = fileURLToPath(new URL('../../docs/schema.sql', import.meta.url));

export type PgDumpFound = { path: string; major: number } | { missing: string };

async function majorOf(binary: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 10_000 });
    const m = /\(PostgreSQL\) (\d+)/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A pg_dump of the server's major version: PG_BIN's, else the one beside the server's own
 * program (a server on this machine, read from /proc), else /usr/lib/postgresql/<major>/bin's,
 * else the one on PATH. Says what it tried when none fits.
 */
export async function findPgDump(url: string): Promise<PgDumpFound> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let major: number;
  let backend: number;
  try {
    const { rows } = await client.query<{ v: string; pid: number }>(
      `SELECT current_setting('server_version_num') AS v, pg_backend_pid() AS pid`,
    );
    major = Math.floor(Number(rows[0]?.v) / 10_000);
    backend = rows[0]?.pid ?? 0;
  } finally {
    await client.end();
  }
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(path.join(process.env.PG_BIN, 'pg_dump'));
  const serverProgram = await readlink(`/proc/${backend}/exe`).catch(() => undefined);
  if (serverProgram) candidates.push(path.join(path.dirname(serverProgram), 'pg_dump'));
  candidates.push(`/usr/lib/postgresql/${major}/bin/pg_dump`, 'pg_dump');
  return pickPgDump(major, candidates);
}

/** The first of `candidates` (paths, or a bare name looked up on PATH) that is pg_dump `major`. */
export async function pickPgDump(major: number, candidates: string[]): Promise<PgDumpFound> {
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (candidate.includes('/') && !existsSync(candidate)) continue;
    const found = await majorOf(candidate);
    if (found === major) return { path: candidate, major };
    tried.push(`${candidate} (${found === undefined ? 'does not run' : `version ${found}`})`);
  }
  return {
    missing:
      `no pg_dump of PostgreSQL ${major} (the server's version); tried ${tried.join(', ') || 'nothing found'}; ` +
      `install postgresql-client-${major} or set PG_BIN`,
  };
}

/**
 * The partitions colorbet_add_partition makes (`<parent>_p<k>`): which exist depends on the
 * current round, ids and day, so the snapshot leaves them out. Partitions a migration makes itself
 * (transfer_keys_ledger) stay.
 */
async function madePartitions(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relispartition AND c.relname ~ ('^' || p.relname || '_p[0-9]+$')
       ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** What varies from run to run or from one minor version to the next, and pg_dump's session SETs. */
const VARYING = [
  /^-- Dumped (from database|by pg_dump) version /,
  /^\\(un)?restrict /,
  /^SET /,
  /^SELECT pg_catalog\.set_config\('search_path'/,
];

export function normalise(dump: string): string {
  const kept = dump.split('\n').filter((line) => !VARYING.some((re) => re.test(line)));
  return `${kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

async function header(major: number, excluded: number, migrations: string): Promise<string> {
  const files = await listMigrations(migrations);
  return `-- docs/schema.sql: the schema as migrations/${files[0]} .. ${files.at(-1)} (${files.length} files)
-- leave a fresh database, to read instead of replaying every migration in your head. Never applied.
-- Regenerate with \`npm run schema:snapshot\`; test/schema-snapshot.test.ts fails when the
-- migrations produce anything else.
--
-- How it is made: pg_dump ${major} --schema-only --no-owner --no-privileges of a database migrated
-- by src/db/migrate.ts, normalised: pg_dump's version lines, its SET lines and its \\restrict
-- lines (which vary run to run) are removed, and runs of blank lines are squeezed.
-- Left out: the ${excluded} partitions that colorbet_add_partition creates, named <parent>_p<k>
-- (transfers_p0, bets_p1, idempotency_keys_p<day>, ...). Which exist depends on the current
-- round, ids and day, so they vary; each is CREATE TABLE ... (LIKE <parent> INCLUDING DEFAULTS
-- INCLUDING CONSTRAINTS) with a <child>_bounds check, attached to its parent, and inherits the
-- parent's indexes and triggers; partition_schemes (0015) gives each parent's key and span.
-- Partitions a migration creates itself (transfer_keys_ledger) are kept. Privileges are left
-- out: the service role's grants are in migrations 0014, 0015 and later (docs/security.md).

`;
}

/** pg_dump of the database at `url`, normalised, with the explanatory header. */
export async function dumpSchema(
  url: string,
  pgDump: { path: string; major: number },
  migrations = MIGRATIONS_DIR,
): Promise<string> {
  const excluded = await madePartitions(url);
  const { stdout } = await run(
    pgDump.path,
    [
      '--schema-only',
      '--no-owner',
      '--no-privileges',
      ...excluded.map((name) => `--exclude-table=${name}`),
      `--dbname=${url}`,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  return (await header(pgDump.major, excluded.length, migrations)) + normalise(stdout);
}

/** Creates an empty database `name` beside `adminUrl`, migrates it with the project's code, and dumps it. */
export async function snapshotOfFreshDatabase(
  adminUrl: string,
  name: string,
  pgDump: { path: string; major: number },
  migrations = MIGRATIONS_DIR,
): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const pool = createPool(url.toString(), { max: 1 });
      try {
        await migrate(pool, migrations);
      } finally {
        await pool.end();
      }
      return await dumpSchema(url.toString(), pgDump, migrations);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * Where two texts differ, readably: the common beginning and end are cut, and what is left of
 * each side is shown with its line numbers (at most `limit` lines each).
 */
export function describeDifference(expected: string, actual: string, limit = 40): string | undefined {
  if (expected === actual) return undefined;
  const a = expected.split('\n');
  const b = actual.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const side = (lines: string[], from: number, to: number, mark: string) => {
    const shown = lines
      .slice(from, Math.min(to, from + limit))
      .map((l, i) => `${mark} ${from + i + 1}: ${l}`);
    if (to - from > limit) shown.push(`${mark} ... ${to - from - limit} more line(s)`);
    return shown.length ? shown.join('\n') : `${mark} (nothing)`;
  };
  const context = start > 0 ? `  ${start}: ${a[start - 1]}\n` : '';
  return (
    `first difference at line ${start + 1}\n${context}` +
    `--- docs/schema.sql (committed)\n${side(a, start, endA, '-')}\n` +
    `+++ what the migrations produce\n${side(b, start, endB, '+')}`
  );
}
