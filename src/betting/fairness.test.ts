import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import {
  buildSeedChain,
  chainCommitment,
  isSeedHex,
  newTerminalSeed,
  roundOutcome,
  seedHash,
  verifyRound,
} from './fairness.ts';
import { loadFairnessVectors } from './vectors.test-helper.ts';

const vectors = loadFairnessVectors();

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const arbitrarySeed = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const arbitraryRoundId = fc.bigInt({ min: 0n, max: 2n ** 64n });

/**
 * The same rule written a second way: WebCrypto instead of node's createHmac, a DataView
 * instead of readUInt32BE, and bigint modulo instead of number modulo. A shared mistake in
 * byte order or message encoding would have to be made twice to go unnoticed.
 */
async function independentOutcome(seedHex: string, roundId: bigint, sides: readonly string[]) {
  const subtle = webcrypto.subtle;
  const keyBytes = Uint8Array.from(seedHex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
  const key = await subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await subtle.sign('HMAC', key, new TextEncoder().encode(`${roundId}`)));
  const uint32 = new DataView(mac.buffer, mac.byteOffset, 4).getUint32(0, false);
  const result = sides[Number(BigInt(uint32) % BigInt(sides.length))];
  const hash = toHex(new Uint8Array(await subtle.digest('SHA-256', keyBytes)));
  return { hmacSha256: toHex(mac), uint32, result, hash };
}

void describe('fairness reference vectors', () => {
  for (const c of vectors.cases) {
    void test(`round ${c.roundId} with seed ${c.serverSeed.slice(0, 8)}…`, () => {
      assert.equal(seedHash(c.serverSeed), c.serverSeedHash);
      assert.deepEqual(roundOutcome(c.serverSeed, c.roundId, c.sides), {
        hmacSha256: c.hmacSha256,
        uint32: c.uint32,
        result: c.result,
      });
      assert.deepEqual(verifyRound({ ...c }), {
        ok: true,
        computedHash: c.serverSeedHash,
        computedResult: c.result,
        hashMatches: true,
        resultMatches: true,
      });
    });
  }

  void test('chain: commitment, links and results', () => {
    const { commitment, rounds } = vectors.chain;
    const seeds = rounds.map((r) => r.serverSeed);
    assert.equal(chainCommitment(seeds), commitment);
    assert.equal(rounds[0]?.serverSeedHash, commitment);
    rounds.forEach((round, i) => {
      assert.equal(seedHash(round.serverSeed), round.serverSeedHash, `hash of round ${round.roundId}`);
      // Revealing round j+1's seed proves it hashes to round j's, already revealed.
      if (i > 0) assert.equal(round.serverSeedHash, rounds[i - 1]?.serverSeed, `link into ${round.roundId}`);
      const outcome = roundOutcome(round.serverSeed, round.roundId, round.sides);
      assert.equal(outcome.hmacSha256, round.hmacSha256);
      assert.equal(outcome.uint32, round.uint32);
      assert.equal(outcome.result, round.result);
    });
    const terminal = seeds[seeds.length - 1] as string;
    assert.deepEqual(buildSeedChain(terminal, seeds.length), seeds);
  });

  void test('the vectors agree with the independent derivation', async () => {
    for (const c of [...vectors.cases, ...vectors.chain.rounds]) {
      const other = await independentOutcome(c.serverSeed, c.roundId, c.sides);
      assert.deepEqual(other, {
        hmacSha256: c.hmacSha256,
        uint32: c.uint32,
        result: c.result,
        hash: c.serverSeedHash,
      });
    }
  });
});

void describe('fairness properties', () => {
  void test('roundOutcome and seedHash equal the independent derivation', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitrarySeed,
        arbitraryRoundId,
        fc.constantFrom(['red', 'green'], ['a', 'b', 'c'], ['1', '2', '3', '4', '5', '6', '7']),
        async (seed, roundId, sides) => {
          const other = await independentOutcome(seed, roundId, sides);
          const outcome = roundOutcome(seed, roundId, sides);
          assert.deepEqual({ ...outcome, hash: seedHash(seed) }, other);
        },
      ),
      { numRuns: 300 },
    );
  });

  void test('a chain links every seed to the next and ends with the terminal seed', () => {
    fc.assert(
      fc.property(
        arbitrarySeed,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10 }),
        (t, n, k) => {
          const seeds = buildSeedChain(t, n);
          assert.equal(seeds.length, n);
          assert.equal(seeds[n - 1], t);
          assert.ok(seeds.every(isSeedHex));
          for (let i = 0; i + 1 < n; i++) assert.equal(seedHash(seeds[i + 1] as string), seeds[i]);
          assert.equal(chainCommitment(seeds), seedHash(seeds[0] as string));
          // Extending the chain only adds rounds in front; later rounds keep their seeds.
          assert.deepEqual(buildSeedChain(t, n + k).slice(k), seeds);
        },
      ),
      { numRuns: 100 },
    );
  });

  void test('verifyRound flags a wrong hash or a wrong result, and ignores a missing result', () => {
    fc.assert(
      fc.property(arbitrarySeed, arbitrarySeed, arbitraryRoundId, (seed, other, roundId) => {
        fc.pre(seed !== other);
        const sides = ['red', 'green'];
        const { result } = roundOutcome(seed, roundId, sides);
        const wrong = result === 'red' ? 'green' : 'red';
        const base = { serverSeed: seed, serverSeedHash: seedHash(seed), roundId, sides };
        assert.equal(verifyRound({ ...base, result }).ok, true);
        assert.equal(verifyRound({ ...base, result: null }).resultMatches, null);
        assert.equal(verifyRound(base).ok, true);
        const wrongResult = verifyRound({ ...base, result: wrong });
        assert.deepEqual(
          [wrongResult.ok, wrongResult.hashMatches, wrongResult.resultMatches],
          [false, true, false],
        );
        const wrongHash = verifyRound({ ...base, serverSeedHash: seedHash(other), result });
        assert.deepEqual(
          [wrongHash.ok, wrongHash.hashMatches, wrongHash.resultMatches],
          [false, false, true],
        );
      }),
      { numRuns: 100 },
    );
  });
});

void describe('fairness input checks', () => {
  const seed = '00'.repeat(32);

  void test('isSeedHex accepts exactly 64 lowercase hex characters', () => {
    assert.equal(isSeedHex(seed), true);
    assert.equal(isSeedHex(newTerminalSeed()), true);
    for (const bad of [
      '',
      'AB'.repeat(32),
      '0'.repeat(63),
      '0'.repeat(65),
      `${'0'.repeat(63)}g`,
      ` ${seed}`,
    ]) {
      assert.equal(isSeedHex(bad), false, JSON.stringify(bad));
    }
  });

  void test('newTerminalSeed is fresh each time', () => {
    assert.notEqual(newTerminalSeed(), newTerminalSeed());
  });

  void test('bad seeds, sides, round ids and chain lengths are RangeErrors', () => {
    const sides = ['red', 'green'];
    assert.throws(() => seedHash('xyz'), RangeError);
    assert.throws(() => seedHash(seed.toUpperCase().replace(/0/g, 'A')), RangeError);
    assert.throws(() => roundOutcome('nothex', 1n, sides), RangeError);
    assert.throws(() => roundOutcome(seed, -1n, sides), /must not be negative/);
    assert.throws(() => roundOutcome(seed, 1n, ['red']), /at least 2 sides/);
    assert.throws(() => roundOutcome(seed, 1n, []), RangeError);
    assert.throws(() => roundOutcome(seed, 1n, ['red', 'red']), /distinct/);
    assert.throws(() => buildSeedChain(seed, 0), RangeError);
    assert.throws(() => buildSeedChain(seed, 1.5), RangeError);
    assert.throws(() => buildSeedChain('short', 3), RangeError);
    assert.throws(() => chainCommitment([]), RangeError);
    assert.throws(
      () => verifyRound({ serverSeed: 'bad', serverSeedHash: seedHash(seed), roundId: 1n, sides }),
      RangeError,
    );
  });
});
