// The matching rule (docs/invariants.md, "The game's rules" and M) as a pure function.
//
// Bets are taken in placement order; each, as it arrives, is matched at even odds against
// the oldest unmatched bets of OTHER players on the other side, partial fills allowed,
// until it is filled or nothing is left; any remainder rests in the book behind older bets.
// A player's own bets are skipped, never matched and never a reason to stop.
//
// The match worker hands over many bets at once, so the result must not depend on batching:
// matching [a, b] in one call equals matching [a], then [b] against the returned book.
//
// Each side of the book is a FIFO of "runs": maximal stretches of consecutive resting bets
// by one player. Adjacent runs belong to different players, so the oldest bet NOT owned by
// the arriving player is always in the first or the second run. Skipping a player's own
// bets is then O(1) however many of them sit at the front, and the whole pass is linear
// in bets plus fills, even when one player holds thousands of bets at the head of a side.

export interface RestingBet {
  id: string;
  playerId: string;
  side: string;
  remaining: bigint;
}

export interface IncomingBet {
  id: string;
  playerId: string;
  side: string;
  amount: bigint;
}

/** betId is the arriving bet, againstId the resting one it was matched against. */
export interface Fill {
  betId: string;
  againstId: string;
  amount: bigint;
}

export interface MatchOutcome {
  fills: Fill[];
  /** The resulting book, oldest first, only bets with remaining > 0. */
  book: RestingBet[];
}

interface Resting extends RestingBet {
  /** Position in placement order across the whole book: smaller is older. */
  readonly age: number;
  /** The next younger resting bet of the same run. */
  next: Resting | undefined;
}

/** Consecutive resting bets of one player on one side, oldest first, linked for O(1) merging. */
interface Run {
  readonly playerId: string;
  oldest: Resting;
  youngest: Resting;
}

/** One side of the book: its runs, oldest first, from `head` on. */
class SideQueue {
  private readonly runs: (Run | undefined)[] = [];
  private head = 0;
  /** Which run (0 = first, 1 = second) the last oldestExcluding answer came from. */
  private picked = 0;

  rest(bet: Resting): void {
    const last = this.runs[this.runs.length - 1];
    if (last !== undefined && last.playerId === bet.playerId) {
      last.youngest.next = bet;
      last.youngest = bet;
    } else {
      this.runs.push({ playerId: bet.playerId, oldest: bet, youngest: bet });
    }
  }

  /** This side's oldest resting bet not owned by `playerId`, if any. */
  oldestExcluding(playerId: string): Resting | undefined {
    const first = this.runs[this.head];
    if (first === undefined) return undefined;
    this.picked = first.playerId === playerId ? 1 : 0;
    return this.runs[this.head + this.picked]?.oldest;
  }

  /** The bet last returned by oldestExcluding was fully matched: take it off the book. */
  consumeOldest(): void {
    const runs = this.runs;
    const run = runs[this.head + this.picked];
    if (run === undefined) return;
    const next = run.oldest.next;
    run.oldest.next = undefined;
    if (next !== undefined) {
      run.oldest = next;
      return;
    }
    if (this.picked === 0) {
      runs[this.head++] = undefined;
      return;
    }
    // The second run emptied: the first and third may now be the same player's, and
    // must merge to keep "the oldest other player's bet is in run 0 or 1" true.
    const first = runs[this.head] as Run;
    const third = runs[this.head + 2];
    runs[this.head] = undefined;
    if (third !== undefined && third.playerId === first.playerId) {
      first.youngest.next = third.oldest;
      third.oldest = first.oldest;
      runs[this.head + 1] = undefined;
      this.head += 2;
    } else {
      runs[++this.head] = first;
    }
  }
}

/** The whole book: one SideQueue per side name, plus every resting bet in age order. */
class Book {
  private readonly sides = new Map<string, SideQueue>();
  private readonly opposingBySide = new Map<string, SideQueue[]>();
  private readonly inAgeOrder: Resting[] = [];
  private readonly ids = new Set<string>();

  claimId(id: string): void {
    if (typeof id !== 'string' || id.length === 0) throw new RangeError('bet id must be a non-empty string');
    // A bet seen twice would be matched twice: refuse rather than double-count money.
    if (this.ids.has(id)) throw new RangeError(`bet ${id} appears more than once`);
    this.ids.add(id);
  }

  rest(id: string, playerId: string, side: string, remaining: bigint): void {
    const bet: Resting = { id, playerId, side, remaining, age: this.inAgeOrder.length, next: undefined };
    this.inAgeOrder.push(bet);
    this.sideQueue(side).rest(bet);
  }

  /** Matches an arriving bet against opposing bets, oldest first; returns what is left unmatched. */
  fill(bet: IncomingBet, fills: Fill[]): bigint {
    const opposing = this.opposing(bet.side);
    let unmatched = bet.amount;
    while (unmatched > 0n) {
      // Two sides make this a single look-up; more sides pick the oldest across them.
      let oldest: Resting | undefined;
      let oldestSide: SideQueue | undefined;
      for (const side of opposing) {
        const candidate = side.oldestExcluding(bet.playerId);
        if (candidate !== undefined && (oldest === undefined || candidate.age < oldest.age)) {
          oldest = candidate;
          oldestSide = side;
        }
      }
      if (oldest === undefined || oldestSide === undefined) break;
      const amount = unmatched < oldest.remaining ? unmatched : oldest.remaining;
      // The loop's bound: each turn fills the arrival or uses up one resting bet, never neither.
      if (amount <= 0n) throw new Error(`resting bet ${oldest.id} has nothing left but is still in the book`);
      fills.push({ betId: bet.id, againstId: oldest.id, amount });
      unmatched -= amount;
      oldest.remaining -= amount;
      if (oldest.remaining === 0n) oldestSide.consumeOldest();
    }
    return unmatched;
  }

  resting(): RestingBet[] {
    const book: RestingBet[] = [];
    for (const { id, playerId, side, remaining } of this.inAgeOrder) {
      if (remaining > 0n) book.push({ id, playerId, side, remaining });
    }
    return book;
  }

  private sideQueue(side: string): SideQueue {
    let queue = this.sides.get(side);
    if (queue === undefined) {
      queue = new SideQueue();
      this.sides.set(side, queue);
      this.opposingBySide.clear();
    }
    return queue;
  }

  private opposing(side: string): SideQueue[] {
    let queues = this.opposingBySide.get(side);
    if (queues === undefined) {
      queues = [...this.sides].filter(([name]) => name !== side).map(([, queue]) => queue);
      this.opposingBySide.set(side, queues);
    }
    return queues;
  }
}

function assertAmount(amount: bigint, what: string, id: string): void {
  if (typeof amount !== 'bigint') throw new RangeError(`${what} of bet ${id} must be a bigint`);
  if (amount < 0n) throw new RangeError(`${what} of bet ${id} must not be negative, got ${amount}`);
}

/**
 * Matches `incoming` (placement order) against `book` (oldest first). Inputs are not mutated.
 * Zero amounts match nothing and do not rest; negative amounts and repeated ids are refused.
 */
export function matchBets(book: readonly RestingBet[], incoming: readonly IncomingBet[]): MatchOutcome {
  const state = new Book();
  for (const bet of book) {
    state.claimId(bet.id);
    assertAmount(bet.remaining, 'remaining', bet.id);
    if (bet.remaining > 0n) state.rest(bet.id, bet.playerId, bet.side, bet.remaining);
  }
  const fills: Fill[] = [];
  for (const bet of incoming) {
    state.claimId(bet.id);
    assertAmount(bet.amount, 'amount', bet.id);
    const unmatched = state.fill(bet, fills);
    if (unmatched > 0n) state.rest(bet.id, bet.playerId, bet.side, unmatched);
  }
  return { fills, book: state.resting() };
}
