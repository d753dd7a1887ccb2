import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError } from './describe-error.ts';

test('describeError names the class and message of anything thrown, never "undefined" or [object Object]', () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /^an undefined value was thrown/],
    [null, /^null was thrown/],
    ['', /^an empty string was thrown$/],
    ['plain words', /^plain words$/],
    [{}, /^a Object with no message was thrown$/],
    [{ message: 'from an object' }, /^Object: from an object$/],
    [{ status: 3 }, /^Object was thrown: \{"status":3\}$/],
    [new Error(''), /^Error: \(no message\)$/],
    [new TypeError('bad type'), /^TypeError: bad type$/],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), /^Error \[ECONNREFUSED\]: refused$/],
    [
      Object.assign(new Error('round 5 cannot go from SETTLED to OPEN'), {
        code: '23514',
        constraint: 'round_status_transition',
      }),
      /^Error \[23514 round_status_transition\]: round 5 cannot go from SETTLED to OPEN$/,
    ],
    [new Error('outer', { cause: new RangeError('inner') }), /^Error: outer; caused by RangeError: inner$/],
    [42, /^number was thrown: 42$/],
  ];
  for (const [value, expected] of cases) {
    const text = describeError(value);
    assert.match(text, expected, `for ${String(value)}`);
    assert.doesNotMatch(text, /\[object Object\]/);
    assert.notEqual(text.trim(), '');
  }
});

test('describeError keeps driver objects riding on an error out of the line', () => {
  class DatabaseError extends Error {
    override name = 'error';
    client = { socket: { buffer: 'x'.repeat(100_000) } };
    code = '57P01';
  }
  const text = describeError(new DatabaseError('terminating connection due to administrator command'));
  assert.equal(text, 'DatabaseError [57P01]: terminating connection due to administrator command');
});

test('a cycle of causes ends', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.ok(describeError(a).length < 400);
});
