// docs/schema.sql is the schema the migrations produce: a fresh database, migrated by the
// project's own migrate code and dumped the same way, gives the committed text exactly.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  describeDifference,
  findPgDump,
  normalise,
  pickPgDump,
  SCHEMA_FILE,
  snapshotOfFreshDatabase,
} from '../scripts/lib/schema-snapshot.ts';
import { requireDependency } from './helpers/env.ts';

const adminUrl = process.env.COLORBET_TEST_ADMIN_URL;
assert.ok(adminUrl, 'run through test/run.ts, which sets COLORBET_TEST_ADMIN_URL');

const pgDump = await findPgDump(adminUrl);
const committed = await readFile(SCHEMA_FILE, 'utf8');
const committedMajor = Number(/pg_dump (\d+) --schema-only/.exec(committed)?.[1]);
// Another major version of PostgreSQL prints the same schema differently (the embedded fallback
// server is one): the comparison needs the server the snapshot was made on.
const skip =
  'missing' in pgDump
    ? requireDependency(pgDump.missing, false)
    : requireDependency(
        `PostgreSQL ${committedMajor}, the version docs/schema.sql was dumped from (the test server is ${pgDump.major})`,
        pgDump.major === committedMajor,
      );

test(
  'docs/schema.sql is what the migrations produce (else run `npm run schema:snapshot`)',
  { skip },
  async () => {
    if ('missing' in pgDump) return;
    const actual = await snapshotOfFreshDatabase(
      adminUrl,
      `cbt_schema_${randomBytes(4).toString('hex')}`,
      pgDump,
    );
    const difference = describeDifference(committed, actual);
    if (difference) {
      assert.fail(
        'docs/schema.sql differs from the schema the migrations produce: run `npm run schema:snapshot` ' +
          `and commit docs/schema.sql with the migration.\n${difference}`,
      );
    }
  },
);

test('the normalisation removes what varies run to run and nothing else', () => {
  const dump = [
    '--',
    '-- PostgreSQL database dump',
    '--',
    '',
    '\\restrict AbC123',
    '',
    '-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)',
    '-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)',
    '',
    'SET statement_timeout = 0;',
    "SELECT pg_catalog.set_config('search_path', '', false);",
    '',
    '',
    'CREATE TABLE public.t (',
    '    id bigint NOT NULL',
    ');',
    '',
    '\\unrestrict AbC123',
    '',
  ].join('\n');
  assert.equal(
    normalise(dump),
    '--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.t (\n    id bigint NOT NULL\n);\n',
  );
});

test('a difference is reported with line numbers and both sides', () => {
  const before = 'a\nb\nc\nd\n';
  assert.equal(describeDifference(before, before), undefined);
  const report = describeDifference(before, 'a\nb\nX\nY\nd\n');
  assert.equal(
    report,
    'first difference at line 3\n  2: b\n--- docs/schema.sql (committed)\n- 3: c\n' +
      '+++ what the migrations produce\n+ 3: X\n+ 4: Y',
  );
});

test('only a pg_dump of the server major version is taken; otherwise the reason names what was tried', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cbt-pg-dump-'));
  try {
    const fake = async (name: string, version: string) => {
      const file = path.join(dir, name);
      await writeFile(file, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`);
      await chmod(file, 0o755);
      return file;
    };
    const v14 = await fake('pg_dump14', '14.11');
    const v15 = await fake('pg_dump15', '15.20 (Debian 15.20-0+deb12u1)');
    const absent = path.join(dir, 'absent', 'pg_dump');
    assert.deepEqual(await pickPgDump(15, [absent, v14, v15]), { path: v15, major: 15 });
    const none = await pickPgDump(15, [absent, v14]);
    assert.ok('missing' in none);
    assert.match(none.missing, /no pg_dump of PostgreSQL 15/);
    assert.ok(none.missing.includes(`tried ${v14} (version 14)`), none.missing);
    assert.match(none.missing, /install postgresql-client-15 or set PG_BIN/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
