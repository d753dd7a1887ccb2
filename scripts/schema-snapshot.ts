// `npm run schema:snapshot`: writes docs/schema.sql, the schema a fresh database has after
// src/db/migrate.ts ran every migration. It needs a PostgreSQL server whose major version
// matches a pg_dump on this machine: DATABASE_URL's server, else the one on 127.0.0.1:5432
// (user postgres). It creates a scratch database there and drops it afterwards.
// Run it after adding a migration; test/schema-snapshot.test.ts fails until you do.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findPgDump, SCHEMA_FILE, snapshotOfFreshDatabase } from './lib/schema-snapshot.ts';

function adminUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
}

const admin = adminUrl();
const pgDump = await findPgDump(admin).catch((err: Error) => {
  console.error(`schema:snapshot: cannot reach PostgreSQL at ${new URL(admin).host}: ${err.message}`);
  console.error('set DATABASE_URL to a PostgreSQL server (its major version decides the pg_dump used)');
  process.exit(1);
});
if ('missing' in pgDump) {
  console.error(`schema:snapshot: ${pgDump.missing}`);
  process.exit(1);
}
const text = await snapshotOfFreshDatabase(admin, `cb_schema_${randomBytes(4).toString('hex')}`, pgDump);
await writeFile(SCHEMA_FILE, text);
console.log(
  `wrote ${path.relative(process.cwd(), SCHEMA_FILE)} (${text.split('\n').length} lines, pg_dump ${pgDump.major} at ${pgDump.path})`,
);
