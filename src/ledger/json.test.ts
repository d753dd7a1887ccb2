import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amountJson, idJson } from './json.ts';

test('amounts and ids are exact JSON integers, and a bad one is reported as what it is', () => {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  assert.equal(amountJson(-5n), -5);
  assert.equal(amountJson(max), Number.MAX_SAFE_INTEGER);
  assert.throws(() => amountJson(max + 1n), /^RangeError: amount \d+ is outside/);
  assert.equal(idJson(0n), 0);
  assert.equal(idJson(max), Number.MAX_SAFE_INTEGER);
  assert.throws(() => idJson(max + 1n), /^RangeError: id \d+ is not an exact JSON integer id/);
  assert.throws(() => idJson(-1n), /^RangeError: id -1 is not/);
});
