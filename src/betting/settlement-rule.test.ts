import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matchBets } from './matching.ts';
import {
  assertSettlementBalances,
  SettlementImbalanceError,
  settleBooked,
  settleRound,
  voidRound,
  type BookedBet,
  type RoundSettlement,
  type SettleBet,
  type SettleMatch,
} from './settlement-rule.ts';
import { arbitraryBets, loadSettlementScenarios, SIDES } from './vectors.test-helper.ts';

const sum = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);

/** Each bet with the sum of its matches, as the book records it on the bet row. */
function booked(bets: readonly SettleBet[], matches: readonly SettleMatch[]): BookedBet[] {
  const matched = new Map<string, bigint>();
  for (const m of matches) {
    for (const id of [m.betId, m.againstId]) matched.set(id, (matched.get(id) ?? 0n) + m.amount);
  }
  return bets.map((bet) => ({ ...bet, matched: matched.get(bet.id) ?? 0n }));
}

void describe('settlement reference scenarios', () => {
  for (const scenario of loadSettlementScenarios()) {
    void test(scenario.name, () => {
      const bets: SettleBet[] = scenario.bets.map((bet) => ({ ...bet, cancelled: 0n }));
      const { fills } = matchBets([], scenario.bets);
      const settled = settleRound({
        result: scenario.result,
        rakeBps: scenario.rakeBps,
        bets,
        matches: fills,
      });
      assert.deepEqual(
        settled.bets.map(({ betId, matched, payout, refund }) => ({ betId, matched, payout, refund })),
        scenario.expected.bets,
      );
      assert.deepEqual(
        settled.bets.map((bet) => bet.playerId),
        scenario.bets.map((bet) => bet.playerId),
      );
      const expectedPlayers = [...scenario.expected.players]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([playerId, p]) => ({ playerId, ...p }));
      assert.deepEqual(
        settled.players.map(({ playerId, staked, commission, received, change, net }) => ({
          playerId,
          staked,
          commission,
          received,
          change,
          net,
        })),
        expectedPlayers,
      );
      assert.equal(settled.houseCommission, scenario.expected.houseCommission);
      // The chunked settlement's rule (from matched amounts) gives the same answer.
      const fromBook = settleBooked({
        result: scenario.result,
        rakeBps: scenario.rakeBps,
        bets: booked(bets, fills),
      });
      assert.deepEqual(fromBook, settled);
    });
  }
});

/** A matched round with random partial cancellations of what was still unmatched. */
const arbitraryRound = fc
  .record({
    bets: arbitraryBets(40),
    result: fc.constantFrom(...SIDES),
    rakeBps: fc.oneof(fc.constant(200n), fc.bigInt({ min: 0n, max: 10_000n })),
    cancelShares: fc.array(fc.nat({ max: 100 }), { minLength: 40, maxLength: 40 }),
  })
  .map(({ bets, result, rakeBps, cancelShares }) => {
    const { fills } = matchBets([], bets);
    const matched = new Map<string, bigint>();
    for (const f of fills) {
      for (const id of [f.betId, f.againstId]) matched.set(id, (matched.get(id) ?? 0n) + f.amount);
    }
    const settleBets = bets.map((bet, i): SettleBet => {
      const unmatched = bet.amount - (matched.get(bet.id) ?? 0n);
      return { ...bet, cancelled: (unmatched * BigInt(cancelShares[i] ?? 0)) / 100n };
    });
    return { result, rakeBps, bets: settleBets, matches: fills };
  });

function assertBalanced(bets: readonly SettleBet[], settled: RoundSettlement): void {
  const staked = sum(bets.map((bet) => bet.amount - bet.cancelled));
  assert.equal(sum(settled.players.map((p) => p.staked)), staked);
  // Gross payouts and refunds empty the escrow exactly; commission is carved out of them.
  assert.equal(sum(settled.bets.map((b) => b.payout + b.refund)), staked);
  assert.equal(sum(settled.players.map((p) => p.received)) + settled.houseCommission, staked);
  assert.equal(sum(settled.players.map((p) => p.change)), -settled.houseCommission);
  assert.equal(sum(settled.players.map((p) => p.commission)), settled.houseCommission);
}

void describe('settlement properties', () => {
  void test('settling players in chunks gives each player and bet what settling the whole round gives', () => {
    fc.assert(
      fc.property(arbitraryRound, fc.integer({ min: 1, max: 7 }), (round, chunkPlayers) => {
        const whole = settleRound(round);
        const all = booked(round.bets, round.matches);
        const players = [...new Set(all.map((b) => b.playerId))].sort();
        const parts: RoundSettlement[] = [];
        for (let i = 0; i < players.length; i += chunkPlayers) {
          const chunk = new Set(players.slice(i, i + chunkPlayers));
          const bets = all.filter((b) => chunk.has(b.playerId));
          parts.push(settleBooked({ result: round.result, rakeBps: round.rakeBps, bets }));
        }
        const byBet = (s: readonly { betId: string }[]) =>
          [...s].sort((a, b) => (a.betId < b.betId ? -1 : 1));
        assert.deepEqual(byBet(parts.flatMap((p) => p.bets)), byBet(whole.bets));
        assert.deepEqual(
          parts.flatMap((p) => p.players),
          whole.players,
        );
        assert.equal(sum(parts.map((p) => p.houseCommission)), whole.houseCommission);
      }),
    );
  });

  void test('escrow ends at exactly zero: payouts + refunds = received + commission = staked', () => {
    fc.assert(
      fc.property(arbitraryRound, (round) => assertBalanced(round.bets, settleRound(round))),
      { numRuns: 500 },
    );
  });

  void test('each bet is matched at most its open amount; commission is the floored rake on net', () => {
    fc.assert(
      fc.property(arbitraryRound, (round) => {
        const settled = settleRound(round);
        assert.equal(sum(settled.players.map((p) => p.net)), 0n);
        settled.bets.forEach((b, i) => {
          const bet = round.bets[i] as SettleBet;
          assert.equal(b.betId, bet.id);
          assert.ok(b.matched >= 0n && b.matched <= bet.amount - bet.cancelled);
          assert.ok(b.refund >= 0n && b.payout >= 0n);
        });
        for (const p of settled.players) {
          const gross = p.net > 0n ? p.net * round.rakeBps : 0n;
          assert.ok(p.commission * 10_000n <= gross && gross < (p.commission + 1n) * 10_000n);
          assert.ok(p.received >= 0n);
        }
        const ids = settled.players.map((p) => p.playerId);
        assert.deepEqual(ids, [...new Set(ids)].sort());
      }),
    );
  });

  void test('is deterministic, ignores the order of matches and leaves its input untouched', () => {
    fc.assert(
      fc.property(
        arbitraryRound.chain((round) =>
          fc
            .shuffledSubarray(round.matches, { minLength: round.matches.length })
            .map((shuffled) => ({ round, shuffled })),
        ),
        ({ round, shuffled }) => {
          const copy = structuredClone(round);
          const first = settleRound(round);
          assert.deepEqual(settleRound(round), first);
          assert.deepEqual(settleRound({ ...round, matches: shuffled }), first);
          assert.deepEqual(round, copy);
        },
      ),
    );
  });

  void test('void refunds every open stake and charges nothing', () => {
    fc.assert(
      fc.property(arbitraryRound, (round) => {
        const voided = voidRound(round.bets);
        assertBalanced(round.bets, voided);
        assert.equal(voided.houseCommission, 0n);
        voided.bets.forEach((b, i) => {
          const bet = round.bets[i] as SettleBet;
          assert.deepEqual([b.payout, b.refund, b.matched], [0n, bet.amount - bet.cancelled, 0n]);
        });
        for (const p of voided.players) {
          assert.deepEqual([p.received, p.change, p.commission, p.net], [p.staked, 0n, 0n, 0n]);
        }
      }),
    );
  });
});

void describe('settlement input checks', () => {
  const bets: SettleBet[] = [
    { id: 'a1', playerId: 'A', side: 'red', amount: 100n, cancelled: 0n },
    { id: 'b1', playerId: 'B', side: 'green', amount: 100n, cancelled: 20n },
    { id: 'a2', playerId: 'A', side: 'green', amount: 50n, cancelled: 0n },
  ];
  const settle = (matches: { betId: string; againstId: string; amount: bigint }[], overrides = {}) =>
    settleRound({ result: 'red', rakeBps: 200n, bets, matches, ...overrides });

  void test('a consistent round settles', () => {
    const settled = settle([{ betId: 'b1', againstId: 'a1', amount: 80n }]);
    assert.deepEqual(
      settled.bets.map((b) => [b.betId, b.matched, b.payout, b.refund]),
      [
        ['a1', 80n, 160n, 20n],
        ['b1', 80n, 0n, 0n],
        ['a2', 0n, 0n, 50n],
      ],
    );
    assertBalanced(bets, settled);
  });

  void test('inconsistent rounds are RangeErrors', () => {
    assert.throws(() => settle([{ betId: 'zz', againstId: 'a1', amount: 1n }]), /unknown bet zz/);
    assert.throws(() => settle([{ betId: 'b1', againstId: 'a1', amount: 81n }]), /more than its open 80/);
    assert.throws(
      () =>
        settle([
          { betId: 'b1', againstId: 'a1', amount: 60n },
          { betId: 'a2', againstId: 'a1', amount: 41n },
        ]),
      RangeError,
    );
    assert.throws(() => settle([{ betId: 'a2', againstId: 'a1', amount: 10n }]), /player A on both sides/);
    assert.throws(() => settle([{ betId: 'b1', againstId: 'a2', amount: 10n }]), /both bets on green/);
    assert.throws(() => settle([{ betId: 'b1', againstId: 'a1', amount: -1n }]), /must not be negative/);
    assert.throws(() => settle([{ betId: 'b1', againstId: 'a1', amount: 0n }]), /amount 0/);
    assert.throws(
      () => settle([{ betId: 'b1', againstId: 'a1', amount: 1n }], { result: 'blue' }),
      /neither side/,
    );
    assert.throws(() => settle([], { rakeBps: -1n }), RangeError);
    assert.throws(() => settle([], { rakeBps: 10_001n }), RangeError);
    const negative = [{ id: 'n', playerId: 'N', side: 'red', amount: -5n, cancelled: 0n }];
    assert.throws(() => settleRound({ result: 'red', rakeBps: 0n, bets: negative, matches: [] }), RangeError);
    assert.throws(() => voidRound(negative), RangeError);
    const overCancelled = [{ id: 'o', playerId: 'O', side: 'red', amount: 5n, cancelled: 6n }];
    assert.throws(() => voidRound(overCancelled), /cancelled 6/);
    assert.throws(() => voidRound([bets[0] as SettleBet, bets[0] as SettleBet]), /more than once/);
  });
});

void describe('the settlement postcondition (docs/invariants.md, I6)', () => {
  void test('holds for a balanced round: paid + commission == staked - cancelled', () => {
    assert.doesNotThrow(() =>
      assertSettlementBalances('round 1', { staked: 1000n, cancelled: 100n, paid: 890n, commission: 10n }),
    );
  });

  void test('a round paying one unit too much or too little fails with a named error and its sums', () => {
    for (const paid of [891n, 889n]) {
      assert.throws(
        () => assertSettlementBalances('round 7', { staked: 1000n, cancelled: 100n, paid, commission: 10n }),
        (err: unknown) =>
          err instanceof SettlementImbalanceError &&
          err.name === 'SettlementImbalanceError' &&
          err.message.includes(`round 7: paid ${paid} + commission 10 != staked 1000 - cancelled 100`),
      );
    }
  });
});
