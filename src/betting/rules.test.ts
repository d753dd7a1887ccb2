import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { commissionExample, rulesDocument } from './rules.ts';
import type { GameConfigValues } from './game-config.ts';

const config = fc
  .record({
    minBet: fc.bigInt({ min: 1n, max: 1_000_000n }),
    spread: fc.bigInt({ min: 0n, max: 100_000_000n }),
    rakeBps: fc.bigInt({ min: 0n, max: 10_000n }),
    roundSeconds: fc.integer({ min: 1, max: 86_400 }),
  })
  .map(({ minBet, spread, rakeBps, roundSeconds }): GameConfigValues => ({
    sides: ['red', 'green'],
    roundSeconds,
    minBet,
    maxBet: minBet + spread,
    rakeBps,
    fourEyesAbove: 0n,
  }));

test('the worked example is what settlement pays: commission on net, escrow emptied', () => {
  fc.assert(
    fc.property(config, (v) => {
      const ex = commissionExample(v);
      for (const p of ex.players) {
        assert.equal(p.commission, Math.floor((Math.max(0, p.net) * Number(v.rakeBps)) / 10_000));
      }
      const staked = ex.bets.reduce((s, b) => s + b.amount, 0);
      const paid = ex.players.reduce((s, p) => s + p.received + p.commission, 0);
      assert.equal(paid, staked, 'everything staked is paid out or taken as commission');
      // Alice is never matched against herself: her bets are 1 and 3.
      assert.ok(ex.matches.every((m) => !([1, 3].includes(m.bet) && [1, 3].includes(m.against))));
      assert.ok(ex.explanation.includes(`= ${ex.players.find((p) => p.player === 'alice')!.received}.`));
    }),
  );
});

test('the example keeps within the limits whenever they leave room for it', () => {
  fc.assert(
    fc.property(config, (v) => {
      const ex = commissionExample(v);
      const amounts = ex.bets.map((b) => BigInt(b.amount));
      const smallest = amounts.reduce((a, b) => (a < b ? a : b));
      const largest = amounts.reduce((a, b) => (a > b ? a : b));
      // Stakes of 3 and 10 units fit when maxBet >= 10 units with 3 units >= minBet.
      if (v.maxBet / 10n >= (v.minBet + 2n) / 3n) {
        assert.ok(smallest >= v.minBet, `${smallest} >= ${v.minBet}`);
        assert.ok(largest <= v.maxBet, `${largest} <= ${v.maxBet}`);
      }
    }),
  );
});

test('the document states the version, the limits and the deadline it was made from', () => {
  const doc = rulesDocument({
    sides: ['red', 'green'],
    roundSeconds: 30,
    minBet: 10n,
    maxBet: 1_000_000n,
    rakeBps: 250n,
    fourEyesAbove: 0n,
    version: 4,
    appliesFromRound: 77n,
    interruptedRoundVoidSeconds: 600,
  });
  assert.equal(doc.version, 4);
  assert.equal(doc.appliesFromRound, 77);
  assert.equal(doc.commissionPercent, 2.5);
  const text = (id: string) => doc.sections.find((s) => s.id === id)!.text.join(' ');
  assert.match(text('commission'), /2\.50% \(250 basis points\)/);
  assert.match(text('limits'), /between 0\.10 and 10000\.00 \(10 and 1000000 minor units\)/);
  assert.match(text('interruption'), /600 seconds after its scheduled close/);
  assert.match(text('round'), /30 seconds/);
});
