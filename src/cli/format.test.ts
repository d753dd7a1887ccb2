import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCounts, formatMajor } from './format.ts';

test('minor units print as major units with two places and thousands separators', () => {
  const cases: [bigint | number, string][] = [
    [0n, '0.00'],
    [5, '0.05'],
    [99n, '0.99'],
    [100n, '1.00'],
    [123456n, '1,234.56'],
    [-250n, '-2.50'],
    [100000000000n, '1,000,000,000.00'],
    [9007199254740993n, '90,071,992,547,409.93'],
  ];
  for (const [minor, text] of cases) assert.equal(formatMajor(minor), text, String(minor));
});

test('refusal counts in words, most frequent first; none when there were none', () => {
  assert.equal(formatCounts({}), 'none');
  assert.equal(
    formatCounts({ ROUND_NOT_OPEN: 1, INSUFFICIENT_FUNDS: 3 }),
    '4 (INSUFFICIENT_FUNDS 3, ROUND_NOT_OPEN 1)',
  );
});
