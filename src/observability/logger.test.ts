// The console's two faces: pretty lines for a person at a terminal, JSON lines for machines;
// LOG_FORMAT chooses or leaves it to the terminal, and a bad value names the variable.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.ts';
import { loggerOptions, prettyLogs, prettyStream } from './logger.ts';

test('auto is pretty on a terminal and JSON elsewhere; json and pretty force it', () => {
  assert.equal(prettyLogs('auto', true), true);
  assert.equal(prettyLogs('auto', false), false);
  assert.equal(prettyLogs('json', true), false);
  assert.equal(prettyLogs('pretty', false), true);
});

test('LOG_FORMAT is validated at start and names the variable', () => {
  assert.equal(loadConfig({}).logFormat, 'auto');
  assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
  assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  assert.throws(
    () => loadConfig({ LOG_FORMAT: 'yaml' }),
    (err: unknown) =>
      err instanceof ConfigError && /LOG_FORMAT/.test(err.message) && /yaml/.test(err.message),
  );
});

test('a pretty line is one readable line, with the level and the message, and secrets redacted', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const logger = pino(loggerOptions('info'), prettyStream(out, false));
  logger.info({ roundId: '7', password: 'hunter2-secret' }, 'round 7 open for bets');
  logger.debug('not at info');
  await new Promise((r) => setImmediate(r));
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, text);
  assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: round 7 open for bets \{.*"roundId":"7"/);
  assert.ok(!text.startsWith('{'), 'a JSON line on a terminal');
  assert.ok(!text.includes('hunter2-secret'), 'a password reached the pretty output');
  assert.ok(!/"service"|"pid"|"hostname"/.test(text), text);
});

test('money operations and access lines are said in words, amounts in major units', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const logger = pino(loggerOptions('debug'), prettyStream(out, false));
  logger.info(
    {
      reqId: 'r1',
      money: { type: 'placeBet', userId: '13', roundId: '7', side: 'red', amount: '355' },
      outcome: 'ok',
      status: 202,
      replayed: false,
      idempotencyKey: 'k1',
      result: { betId: 41, status: 'PENDING' },
    },
    'money operation',
  );
  logger.info(
    {
      money: { type: 'deposit', userId: '4', amount: '5000000', reference: 'ref-1' },
      outcome: 'INSUFFICIENT_FUNDS',
      status: 422,
      replayed: true,
    },
    'money operation',
  );
  logger.debug({ reqId: 'r2', method: 'POST', path: '/v1/bets', status: 202, ms: 3.1 }, 'request');
  await new Promise((r) => setImmediate(r));
  const lines = text.trim().split('\n');
  assert.match(lines[0]!, /INFO: placeBet user 13 round 7 red 3\.55: ok 202$/);
  assert.match(
    lines[1]!,
    /INFO: deposit user 4 50,000\.00 reference ref-1: INSUFFICIENT_FUNDS 422, a replay$/,
  );
  assert.match(lines[2]!, /DEBUG: POST \/v1\/bets 202 3\.1 ms$/);
});
