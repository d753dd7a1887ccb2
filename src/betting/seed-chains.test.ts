import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { buildSeedChain, chainCommitment, seedHash } from './fairness.ts';
import { SeedChains, seedChainsFor, type SeedChainRow } from './seed-chains.ts';

const SECRET = 'seed-chains-unit-test-secret-0123456789';

function chainRow(seeds: SeedChains, length: number, first = 1n): SeedChainRow {
  const { nonce, commitment } = seeds.newChain(length);
  return { id: 1n, first_round_id: first, length, commitment, nonce };
}

void describe('seed chains derived from a key', () => {
  void test('every seed hashes to the one before it, and the first to the commitment', () => {
    const seeds = new SeedChains(SECRET);
    for (const length of [1, 2, 99, 100, 101, 250]) {
      const chain = chainRow(seeds, length, 7n);
      const all = Array.from({ length }, (_, i) => seeds.seedFor(chain, 7n + BigInt(i))!);
      assert.equal(seedHash(all[0]!), chain.commitment, `length ${length}`);
      for (let i = 1; i < length; i++)
        assert.equal(seedHash(all[i]!), all[i - 1], `length ${length} at ${i}`);
      // The same chain the published rule builds from its last seed (fairness.ts).
      assert.deepEqual(buildSeedChain(all[length - 1]!, length), all);
      assert.equal(chainCommitment(all), chain.commitment);
    }
  });

  void test('the last seed is HMAC-SHA256(HMAC-SHA256(secret, domain), label + nonce)', () => {
    const seeds = new SeedChains(SECRET);
    const chain = chainRow(seeds, 5);
    const key = createHmac('sha256', SECRET).update('colorbet fairness key v1').digest();
    const last = createHmac('sha256', key).update(`colorbet seed chain ${chain.nonce}`).digest('hex');
    assert.equal(seeds.seedFor(chain, 5n), last);
  });

  void test('lookups in any order give the same seeds (the checkpoint cache)', () => {
    const seeds = new SeedChains(SECRET);
    const chain = chainRow(seeds, 1000);
    const fresh = new SeedChains(SECRET);
    for (const round of [1000n, 1n, 500n, 999n, 101n, 100n, 1n]) {
      assert.equal(seeds.seedFor(chain, round), fresh.seedFor(chain, round), `round ${round}`);
    }
  });

  void test('another key, a chain from before 0016, or a round outside the chain give no seed', () => {
    const seeds = new SeedChains(SECRET);
    const chain = chainRow(seeds, 20);
    assert.equal(new SeedChains(`${SECRET}-rotated`).seedFor(chain, 3n), null);
    assert.equal(seeds.seedFor({ ...chain, nonce: null }, 3n), null);
    assert.equal(seeds.seedFor({ ...chain, commitment: '0'.repeat(64) }, 3n), null);
    assert.throws(() => seeds.seedFor(chain, 0n), RangeError);
    assert.throws(() => seeds.seedFor(chain, 21n), RangeError);
  });

  void test('fresh nonces give unrelated chains; the nonce and commitment reveal no seed', () => {
    const seeds = new SeedChains(SECRET);
    const a = chainRow(seeds, 3);
    const b = chainRow(seeds, 3);
    assert.notEqual(a.nonce, b.nonce);
    assert.notEqual(a.commitment, b.commitment);
    const first = seeds.seedFor(a, 1n)!;
    assert.equal(createHash('sha256').update(Buffer.from(first, 'hex')).digest('hex'), a.commitment);
  });

  void test('FAIRNESS_SECRET when set, else the auth secret; both keyed apart from the token key', () => {
    const auth = 'the-auth-secret-of-this-service-0123456789';
    const chain = chainRow(seedChainsFor(undefined, auth), 4);
    assert.equal(seedChainsFor(undefined, auth).source, 'AUTH_SECRET');
    assert.notEqual(seedChainsFor(undefined, auth).seedFor(chain, 2n), null);
    // Setting FAIRNESS_SECRET to the old AUTH_SECRET keeps the chains when AUTH_SECRET rotates.
    assert.notEqual(seedChainsFor(auth, 'a-new-auth-secret-after-rotation-0123').seedFor(chain, 2n), null);
    assert.equal(seedChainsFor(SECRET, auth).seedFor(chain, 2n), null);
    assert.equal(seedChainsFor(SECRET, auth).source, 'FAIRNESS_SECRET');
    assert.throws(() => new SeedChains('short'), RangeError);
  });
});
