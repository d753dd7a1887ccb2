// The player page's fairness check (web/assets/fairness.js, WebCrypto) against the shared
// reference vectors, run in Node's own WebCrypto: the browser must reach the same verdicts as
// the server and the CLI, and must say "not fair" when a seed, hash or result is altered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadFairnessVectors } from '../src/betting/vectors.test-helper.ts';

interface Report {
  ok: boolean;
  computedHash: string;
  hmacSha256: string;
  uint32: number;
  computedResult: string;
  hashMatches: boolean;
  resultMatches: boolean | null;
  chainMatches: boolean | null;
}
type VerifyRound = (
  round: {
    roundId: number;
    sides: string[];
    serverSeed: string;
    serverSeedHash: string;
    result: string | null;
  },
  nextSeed?: string,
) => Promise<Report>;

// A browser module (plain JS): loaded by URL so the type checker does not need declarations.
const { verifyRound } = (await import(new URL('../web/assets/fairness.js', import.meta.url).href)) as {
  verifyRound: VerifyRound;
};
const vectors = loadFairnessVectors();
const asPage = (c: (typeof vectors.cases)[number]) => ({ ...c, roundId: Number(c.roundId) });

test('every reference case verifies with the same HMAC, uint32 and result', async () => {
  for (const c of vectors.cases) {
    const report = await verifyRound(asPage(c));
    assert.equal(report.computedHash, c.serverSeedHash);
    assert.equal(report.hmacSha256, c.hmacSha256);
    assert.equal(report.uint32, c.uint32);
    assert.equal(report.computedResult, c.result);
    assert.equal(report.ok, true);
  }
});

test('a wrong result, a wrong hash or a swapped seed is reported as not fair', async () => {
  const c = asPage(vectors.cases[0]!);
  const other = c.sides.find((s) => s !== c.result)!;
  assert.equal((await verifyRound({ ...c, result: other })).ok, false);
  assert.equal((await verifyRound({ ...c, serverSeedHash: '0'.repeat(64) })).ok, false);
  const swapped = { ...c, serverSeed: asPage(vectors.cases[1]!).serverSeed };
  assert.equal((await verifyRound(swapped)).hashMatches, false);
});

test('the hash chain link is checked when the next seed is known', async () => {
  const rounds = vectors.chain.rounds.map(asPage);
  for (let i = 0; i + 1 < rounds.length; i++) {
    const report = await verifyRound(rounds[i]!, rounds[i + 1]!.serverSeed);
    assert.equal(report.chainMatches, true, `round ${rounds[i]!.roundId}`);
  }
  assert.equal((await verifyRound(rounds[0]!, rounds[0]!.serverSeed)).chainMatches, false);
});
