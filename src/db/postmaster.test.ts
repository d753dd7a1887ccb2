import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddedPostgresError, significantLines } from './postmaster.ts';

test("PostgreSQL's own refusal lines are kept, its routine LOG lines are not", () => {
  const lines = [
    '2026-11-29 06:00:00.000 UTC [2460] LOG:  starting PostgreSQL 17.4',
    '2026-11-29 06:00:00.001 UTC [2461] FATAL:  lock file "postmaster.pid" already exists',
    '2026-11-29 06:00:00.001 UTC [2461] HINT:  Is another postmaster (PID 2460) running in data directory "/x/pg"?',
  ];
  assert.deepEqual(significantLines(lines), [
    'FATAL: lock file "postmaster.pid" already exists',
    'HINT: Is another postmaster (PID 2460) running in data directory "/x/pg"?',
  ]);
});

test('an EmbeddedPostgresError knows when PostgreSQL refused over postmaster.pid', () => {
  const lines = significantLines([
    '... [2461] FATAL:  lock file "postmaster.pid" already exists',
    '... [2461] HINT:  Is another postmaster (PID 2460) running in data directory "/x/pg"?',
  ]);
  assert.equal(new EmbeddedPostgresError('x', '/x/pg', lines).lockHeld, true);
  assert.equal(new EmbeddedPostgresError('x', '/x/pg', ['FATAL: could not bind']).lockHeld, false);
});
