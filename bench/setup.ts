// Shared setup for benchmarks: a fresh database (DATABASE_URL's server, else the local one,
// else embedded), a real service, and funded players.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import pg from 'pg';
import { execSync } from 'node:child_process';
import { localHub } from '../src/bus/events.ts';
import { buildDeps, type Runtime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createPool, type Pool } from '../src/db/pool.ts';

export interface BenchDb {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** The server the benches make their databases on: DATABASE_URL's, else the local one. */
export const benchAdminUrl = () => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database, migrated; or, with `template`, a copy of that database as it stands
 * (a snapshot saved by `bench --large`'s LARGE_SNAPSHOT_TO), not migrated.
 */
export async function benchDatabase(options: { template?: string } = {}): Promise<BenchDb> {
  const admin = benchAdminUrl();
  const name = `cb_bench_${randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(
    options.template
      ? `CREATE DATABASE ${name} TEMPLATE ${options.template} STRATEGY FILE_COPY`
      : `CREATE DATABASE ${name}`,
  );
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = createPool(url, { max: 40 });
  if (!options.template) await migrate(pool);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

/** The service's dependencies on a bench database, in this process, logging nothing. */
export async function benchDeps(db: { url: string; pool: Pool }, env: Record<string, string>) {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: db.url, ...env });
  const logger = createLogger('silent');
  const events = localHub();
  const rt: Runtime = { config, logger, pool: db.pool, databaseUrl: db.url, close: async () => undefined };
  return { config, logger, events, deps: await buildDeps(rt, events) };
}

export function machine(): string {
  const pgVersion = (() => {
    try {
      return execSync('psql --version', { encoding: 'utf8' }).trim();
    } catch {
      return 'psql not found';
    }
  })();
  return `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${pgVersion}`;
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** A positive number from the environment (an integer when `integer`), else `fallback`; bad values stop the bench. */
export function positiveEnv(name: string, fallback: number, options: { integer?: boolean } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (options.integer && !Number.isInteger(v))) {
    throw new Error(
      `${name} must be a positive ${options.integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`,
    );
  }
  return v;
}

/**
 * Rewrites only what lies between `<!-- <name>:start -->` and `<!-- <name>:end -->` in a docs
 * file, adding `heading` and the markers at the end the first time.
 */
export function writeDocsSection(file: string, name: string, heading: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const section = `${start}\n${body}\n${end}`;
  const s = doc.indexOf(start);
  const e = doc.indexOf(end);
  if (s >= 0 && e > s) doc = doc.slice(0, s) + section + doc.slice(e + end.length);
  else doc = `${doc.trimEnd()}\n\n${heading}\n\n${section}\n`;
  writeFileSync(file, doc);
}
