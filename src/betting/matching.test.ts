import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matchBets, type Fill, type IncomingBet, type RestingBet } from './matching.ts';
import { arbitraryBets, loadSettlementScenarios, SIDES } from './vectors.test-helper.ts';

/**
 * The rule read literally (docs/invariants.md, "The game's rules"): a linear scan of the whole
 * book for every bet.
 */
function referenceMatch(book: readonly RestingBet[], incoming: readonly IncomingBet[]) {
  const resting = book.filter((bet) => bet.remaining > 0n).map((bet) => ({ ...bet }));
  const fills: Fill[] = [];
  for (const bet of incoming) {
    let unmatched = bet.amount;
    for (const against of resting) {
      if (unmatched === 0n) break;
      if (against.remaining === 0n || against.side === bet.side || against.playerId === bet.playerId)
        continue;
      const amount = unmatched < against.remaining ? unmatched : against.remaining;
      fills.push({ betId: bet.id, againstId: against.id, amount });
      unmatched -= amount;
      against.remaining -= amount;
    }
    if (unmatched > 0n)
      resting.push({ id: bet.id, playerId: bet.playerId, side: bet.side, remaining: unmatched });
  }
  return { fills, book: resting.filter((bet) => bet.remaining > 0n) };
}

/** Splits bets into a book built by earlier matching and a batch still to arrive. */
const bookAndBatch = fc.tuple(arbitraryBets(60), fc.nat()).map(([bets, cut]) => {
  const at = bets.length === 0 ? 0 : cut % (bets.length + 1);
  return { book: matchBets([], bets.slice(0, at)).book, incoming: bets.slice(at) };
});

/** Any book at all, including ones matching never produces (e.g. crossable resting bets). */
const arbitraryBook = fc
  .array(
    fc.record({
      playerId: fc.constantFrom('A', 'B', 'C'),
      side: fc.constantFrom(...SIDES),
      remaining: fc.bigInt({ min: 0n, max: 50n }),
    }),
    { maxLength: 20 },
  )
  .map((rows) => rows.map((row, i): RestingBet => ({ id: `old-${i}`, ...row })));

function sideOf(bets: readonly { id: string; side: string; playerId: string }[]) {
  return new Map(bets.map((bet) => [bet.id, bet]));
}

void describe('matching reference scenarios', () => {
  for (const scenario of loadSettlementScenarios()) {
    void test(scenario.name, () => {
      const { fills, book } = matchBets([], scenario.bets);
      assert.deepEqual(fills, scenario.expected.matches);
      // Whatever did not match rests, in placement order, ready to lapse at close.
      const matched = new Map<string, bigint>();
      for (const fill of fills) {
        matched.set(fill.betId, (matched.get(fill.betId) ?? 0n) + fill.amount);
        matched.set(fill.againstId, (matched.get(fill.againstId) ?? 0n) + fill.amount);
      }
      const expectedBook = scenario.bets
        .map((bet) => ({ ...bet, remaining: bet.amount - (matched.get(bet.id) ?? 0n) }))
        .filter((bet) => bet.remaining > 0n)
        .map(({ id, playerId, side, remaining }) => ({ id, playerId, side, remaining }));
      assert.deepEqual(book, expectedBook);
    });
  }
});

void describe('matching properties', () => {
  void test('equals the literal reference rule, on built and on arbitrary books', () => {
    fc.assert(
      fc.property(bookAndBatch, ({ book, incoming }) => {
        assert.deepEqual(matchBets(book, incoming), referenceMatch(book, incoming));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(arbitraryBook, arbitraryBets(30), (book, incoming) => {
        assert.deepEqual(matchBets(book, incoming), referenceMatch(book, incoming));
      }),
      { numRuns: 300 },
    );
  });

  void test('never matches a player with themselves, nor a side with itself', () => {
    fc.assert(
      fc.property(bookAndBatch, ({ book, incoming }) => {
        const bets = sideOf([...book, ...incoming]);
        for (const fill of matchBets(book, incoming).fills) {
          const bet = bets.get(fill.betId);
          const against = bets.get(fill.againstId);
          assert.ok(bet && against && fill.amount > 0n);
          assert.notEqual(bet.playerId, against.playerId);
          assert.notEqual(bet.side, against.side);
        }
      }),
    );
  });

  void test('every unit of every bet is either matched or still resting, never both', () => {
    fc.assert(
      fc.property(bookAndBatch, ({ book, incoming }) => {
        const { fills, book: after } = matchBets(book, incoming);
        const open = new Map<string, bigint>([
          ...book.map((bet): [string, bigint] => [bet.id, bet.remaining]),
          ...incoming.map((bet): [string, bigint] => [bet.id, bet.amount]),
        ]);
        const used = new Map<string, bigint>();
        for (const fill of fills) {
          for (const id of [fill.betId, fill.againstId]) used.set(id, (used.get(id) ?? 0n) + fill.amount);
        }
        const resting = new Map(after.map((bet) => [bet.id, bet.remaining]));
        for (const [id, amount] of open) {
          assert.equal((used.get(id) ?? 0n) + (resting.get(id) ?? 0n), amount, `bet ${id}`);
        }
      }),
    );
  });

  void test('the resulting book holds no two bets that could still match', () => {
    fc.assert(
      fc.property(bookAndBatch, ({ book, incoming }) => {
        const after = matchBets(book, incoming).book;
        for (const a of after) {
          for (const b of after) assert.ok(a.side === b.side || a.playerId === b.playerId);
        }
      }),
    );
  });

  void test('one call equals one bet at a time, and any split into batches', () => {
    fc.assert(
      fc.property(
        bookAndBatch,
        fc.array(fc.nat({ max: 8 }), { maxLength: 10 }),
        ({ book, incoming }, cuts) => {
          const whole = matchBets(book, incoming);
          let oneByOne: { fills: Fill[]; book: RestingBet[] } = { fills: [], book };
          for (const bet of incoming) {
            const step = matchBets(oneByOne.book, [bet]);
            oneByOne = { fills: [...oneByOne.fills, ...step.fills], book: step.book };
          }
          assert.deepEqual(oneByOne, whole);
          let batched: { fills: Fill[]; book: RestingBet[] } = { fills: [], book };
          let from = 0;
          for (const size of [...cuts, incoming.length]) {
            const step = matchBets(batched.book, incoming.slice(from, from + size));
            batched = { fills: [...batched.fills, ...step.fills], book: step.book };
            from += size;
          }
          assert.deepEqual(batched, whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  void test('is deterministic and leaves its inputs untouched', () => {
    fc.assert(
      fc.property(bookAndBatch, ({ book, incoming }) => {
        const bookCopy = structuredClone(book);
        const incomingCopy = structuredClone(incoming);
        const first = matchBets(book, incoming);
        assert.deepEqual(matchBets(book, incoming), first);
        assert.deepEqual(book, bookCopy);
        assert.deepEqual(incoming, incomingCopy);
      }),
    );
  });
});

void describe('matching input checks and scale', () => {
  const bet = (id: string, playerId: string, side: string, amount: bigint): IncomingBet => ({
    id,
    playerId,
    side,
    amount,
  });

  void test('refuses negative amounts and repeated ids; zero amounts neither match nor rest', () => {
    assert.throws(() => matchBets([], [bet('x', 'A', 'red', -1n)]), RangeError);
    assert.throws(() => matchBets([{ id: 'x', playerId: 'A', side: 'red', remaining: -5n }], []), RangeError);
    assert.throws(
      () => matchBets([], [bet('x', 'A', 'red', 1n), bet('x', 'B', 'green', 1n)]),
      /more than once/,
    );
    const resting: RestingBet = { id: 'x', playerId: 'A', side: 'red', remaining: 5n };
    assert.throws(() => matchBets([resting], [bet('x', 'A', 'red', 1n)]), /more than once/);
    const emptyBook = [{ ...resting, id: 'z', remaining: 0n }];
    assert.deepEqual(matchBets(emptyBook, [bet('y', 'B', 'green', 0n)]), { fills: [], book: [] });
  });

  void test('100k resting bets against 100k arriving bets (speed is measured by npm run bench)', () => {
    const book: RestingBet[] = [];
    const incoming: IncomingBet[] = [];
    for (let i = 0; i < 100_000; i++) {
      book.push({ id: `r${i}`, playerId: `p${i % 5000}`, side: 'red', remaining: BigInt(1 + (i % 97)) });
      incoming.push(bet(`g${i}`, `p${(i * 7) % 5000}`, i % 10 === 0 ? 'red' : 'green', BigInt(1 + (i % 89))));
    }
    const result = matchBets(book, incoming);
    assert.ok(result.fills.length > 100_000);
  });

  void test('a player with 50k bets at the head of a side are skipped, not matched', () => {
    const book: RestingBet[] = [];
    const incoming: IncomingBet[] = [];
    for (let i = 0; i < 50_000; i++)
      book.push({ id: `wr${i}`, playerId: 'whale', side: 'red', remaining: 10n });
    for (let i = 0; i < 20_000; i++)
      book.push({ id: `r${i}`, playerId: `p${i}`, side: 'red', remaining: 10n });
    // Each of the whale's green bets skips all 50k of its own red bets to reach the others'.
    for (let i = 0; i < 50_000; i++) incoming.push(bet(`wg${i}`, 'whale', 'green', 10n));
    for (let i = 0; i < 50_000; i++) incoming.push(bet(`g${i}`, `q${i}`, 'green', 1n));
    const result = matchBets(book, incoming);
    const { fills, book: after } = result;
    assert.deepEqual(fills[0], { betId: 'wg0', againstId: 'r0', amount: 10n });
    assert.deepEqual(fills[20_000], { betId: 'g0', againstId: 'wr0', amount: 1n });
    assert.equal(fills.length, 20_000 + 50_000);
    // Left: the whale's red bets less 50k units, and its 30k green bets that found no one.
    assert.equal(after.length, 50_000 - 5_000 + 30_000);
  });
});
