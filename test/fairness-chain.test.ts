// The chain commitment is published before the chain's first round opens, and the seed that
// round later reveals hashes to it; the next round's published hash is the revealed seed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const terms = { sides: ['red', 'green'] as const, rakeBps: 200n, roundSeconds: 60 };

test('GET /v1/fairness/chains publishes the commitment that the first revealed seed hashes to', async () => {
  const first = await withTransaction(t.db.pool, (c) => openRound(c, terms));
  const chains = await t.request({ method: 'GET', url: '/v1/fairness/chains' });
  assert.equal(chains.status, 200);
  const chain = chains.body.chains.find((c: any) => c.firstRoundId === Number(first.id));
  assert.ok(chain, JSON.stringify(chains.body));
  assert.equal(chain.lastRoundId - chain.firstRoundId + 1, 10_000);
  assert.match(chain.commitment, /^[0-9a-f]{64}$/);
  assert.equal(first.server_seed_hash, chain.commitment, 'the first round publishes the commitment itself');

  await withTransaction(t.db.pool, (c) => closeRound(c, first.id));
  const second = await withTransaction(t.db.pool, (c) => openRound(c, terms));
  const revealed = await t.request({ method: 'GET', url: `/v1/rounds/${first.id}` });
  const seed = revealed.body.serverSeed as string;
  assert.equal(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'), chain.commitment);
  assert.equal(second.server_seed_hash, seed, "the next round's hash is this round's seed");
});
