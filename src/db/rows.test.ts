import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingRowError, oneRow } from './rows.ts';

test('oneRow gives the first row, or a MissingRowError that names what was missing', () => {
  assert.deepEqual(oneRow({ rows: [{ id: 1n }, { id: 2n }] }, 'a user'), { id: 1n });
  assert.deepEqual(oneRow([{ n: 0n }], 'a count'), { n: 0n });
  assert.throws(
    () => oneRow({ rows: [] }, 'the escrow account of round 7'),
    (err: Error) =>
      err instanceof MissingRowError &&
      err.name === 'MissingRowError' &&
      err.message === 'expected the escrow account of round 7, but the query returned no row',
  );
});
