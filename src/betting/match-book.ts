// A round's resting book: read from bets, or reused from the worker's memory while it is still
// the book in the database (migration 0025). Every transaction that changes a book writes its
// own transaction id to match_books under the round's match lock; a remembered book is reused
// only when that row still names the transaction that computed it.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';
import type { RestingBet } from './matching.ts';

interface Remembered {
  /** The transaction that wrote this book (match_books.writer), as text. */
  writer: string;
  book: readonly RestingBet[];
}

/** Rounds whose books one worker keeps at most; the least recently used is dropped first. */
const MAX_ROUNDS = 64;

/** Books kept by one match worker, one per round it matches; dropped when the round ends. */
export class MatchBooks {
  private readonly books = new Map<bigint, Remembered>();

  /**
   * Takes the remembered book out: a pass that fails before its commit then leaves nothing
   * behind to reuse, whatever state the failure left the book in.
   */
  take(roundId: bigint): Remembered | undefined {
    const found = this.books.get(roundId);
    this.books.delete(roundId);
    return found;
  }

  keep(roundId: bigint, writer: string, book: readonly RestingBet[]): void {
    this.books.delete(roundId);
    this.books.set(roundId, { writer, book });
    // A Map iterates in insertion order: the first key is the round used least recently.
    for (const stale of this.books.keys()) {
      if (this.books.size <= MAX_ROUNDS) break;
      this.books.delete(stale);
    }
  }

  forget(roundId: bigint): void {
    this.books.delete(roundId);
  }
}

/** The round's resting book from bets, oldest booking first. */
export async function readBook(db: Queryable, roundId: bigint): Promise<RestingBet[]> {
  const { rows } = await db.query<{ id: bigint; user_id: bigint; side: string; remaining: bigint }>(
    `SELECT id, user_id, side, amount - matched_amount - cancelled_amount AS remaining FROM bets
     WHERE round_id = $1 AND seq IS NOT NULL AND matched_amount + cancelled_amount < amount AND status <> 'CANCELLED'
     ORDER BY seq`,
    [roundId],
  );
  return rows.map((r) => ({
    id: r.id.toString(),
    playerId: r.user_id.toString(),
    side: r.side,
    remaining: r.remaining,
  }));
}

/** The transaction that last changed the round's book, if any did. Call under the match lock. */
export async function bookWriter(db: Queryable, roundId: bigint): Promise<string | undefined> {
  const { rows } = await db.query<{ writer: string }>(
    'SELECT writer::text AS writer FROM match_books WHERE round_id = $1',
    [roundId],
  );
  return rows[0]?.writer;
}

/**
 * Records that this transaction changed the round's book (a pass, a cancel); returns its id.
 * Call under the match lock, in the transaction that changes the book.
 */
export async function markBookChanged(db: Queryable, roundId: bigint): Promise<string> {
  const result = await db.query<{ writer: string }>(
    `INSERT INTO match_books (round_id, writer) VALUES ($1, pg_current_xact_id())
     ON CONFLICT (round_id) DO UPDATE SET writer = excluded.writer
     RETURNING writer::text AS writer`,
    [roundId],
  );
  return oneRow(result, `the match_books row of round ${roundId}`).writer;
}
