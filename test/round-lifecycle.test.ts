// The round life cycle's writes (src/betting/round-lifecycle.ts): each must find its round, the
// database refuses a transition out of order by name, and a void's reason is written with it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { markSettled, markSettling, markVoid } from '../src/betting/round-lifecycle.ts';
import { MissingRowError } from '../src/db/rows.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { freshRound, roundStatus } from './helpers/rounds.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({}, undefined, { contract: false });
});
after(async () => t.close());

test('a transition of a round that does not exist is a named assertion, not a silent no-op', async () => {
  await assert.rejects(
    withTransaction(t.db.pool, (c) => markSettling(c, 987_654n)),
    (err: unknown) => err instanceof MissingRowError && /round 987654 to move to SETTLING/.test(err.message),
  );
});

test('a transition out of order is refused by round_status_transition and changes nothing', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  for (const step of [markSettling, markSettled]) {
    await assert.rejects(
      withTransaction(t.db.pool, (c) => step(c, roundId)),
      (err: { constraint?: string }) => err.constraint === 'round_status_transition',
    );
  }
  assert.equal(await roundStatus(t.db.pool, roundId), 'OPEN');
});

test('a void writes its reason with the status', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  await withTransaction(t.db.pool, (c) =>
    markVoid(c, roundId, { actorId: null, seed: null, reason: 'interrupted' }),
  );
  const { rows } = await t.db.pool.query<{ status: string; void_reason: string | null }>(
    'SELECT status, void_reason FROM rounds WHERE id = $1',
    [roundId],
  );
  assert.deepEqual(rows, [{ status: 'VOID', void_reason: 'interrupted' }]);
});
