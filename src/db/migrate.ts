// Forward-only numbered .sql migrations, each in its own transaction, all under one advisory
// lock so that two processes starting at once apply each migration exactly once. A database that
// has applied a migration this build lacks (a newer colorbet ran) is refused before anything runs.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Pool } from './pool.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
// Any constant shared by every colorbet process: "colorbet" in ASCII.
const MIGRATION_LOCK = 0x636f6c6f72626574n;

/**
 * The database has applied migrations that this build's migrations/ folder lacks: it was migrated
 * by a newer colorbet. Running older code against a newer schema is refused, not attempted.
 */
export class UnknownMigrationsError extends Error {
  readonly unknown: string[];
  constructor(unknown: string[]) {
    super(
      `the database has applied ${unknown.length} migration(s) this build does not know: ${unknown.join(', ')}; ` +
        'a newer colorbet migrated it: run that version (or newer) against this database',
    );
    this.name = 'UnknownMigrationsError';
    this.unknown = unknown;
  }
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files;
}

export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set(
        (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
      );
      const files = await listMigrations(dir);
      const known = new Set(files);
      const unknown = [...done].filter((name) => !known.has(name)).sort();
      if (unknown.length) throw new UnknownMigrationsError(unknown);
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = await readFile(new URL(file, `file://${dir}`), 'utf8');
        await client.query('BEGIN');
        try {
          // The row first: a second runner without the lock would collide on the key.
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          await client.query(sql);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(file);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
