// Loops have a bound (issue 15): catchUp() applies at most `maxBatches` batches per call, so
// writers that keep up a full batch cannot keep one caller projecting forever; the rest is
// applied by the next call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catchUp, projectionLag } from '../src/ledger/projection.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { projectAll } from './helpers/ledger.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('catchUp stops after maxBatches batches and a later call applies the rest', async () => {
  const p = await t.registerPlayer();
  await projectAll(t.db.pool);
  for (let i = 0; i < 8; i++) await t.deposit(p.userId, 10);
  assert.equal((await projectionLag(t.db.pool)).entries, 8);
  // Batches of one entry, at most three of them; fewer only if another test's transaction
  // holds the cluster's snapshot horizon back.
  const applied = await catchUp(t.db.pool, 1, 3);
  assert.ok(applied <= 3, `applied ${applied} entries in at most 3 batches of 1`);
  assert.equal((await projectionLag(t.db.pool)).entries, 8 - applied);
  await projectAll(t.db.pool);
  assert.equal((await projectionLag(t.db.pool)).entries, 0);
});
