// One matching pass over a round: the bets not yet in the book, in the order they reached
// the matcher, are matched by the pure rule against the book, and the fills, book positions
// and bet states are written back in a few set-based statements. The exclusive match lock
// makes passes on one round strictly one after another, whichever worker runs them. A match
// worker passes its MatchBooks and so reuses the book it left at its last pass while no one
// else has changed it (match-book.ts); without them the book is read from bets.
import type { Queryable } from '../db/pool.ts';
import { roundMatchLock } from './locks.ts';
import { bookWriter, markBookChanged, readBook, type MatchBooks } from './match-book.ts';
import { matchBets, type Fill, type IncomingBet } from './matching.ts';

/** Most bets one pass books: one pass is one short transaction (about a second at most). */
export const PASS_LIMIT = 10_000;

export interface PassResult {
  booked: number;
  fills: Fill[];
  /** Bets whose matched amount changed, with their owners (for events). */
  touched: { betId: bigint; userId: bigint; requestId: string | null; matched: bigint }[];
  /** The pass matched against the book remembered from the worker's last pass (no read of bets). */
  bookReused?: boolean;
}

export async function runMatchPass(db: Queryable, roundId: bigint, books?: MatchBooks): Promise<PassResult> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [roundMatchLock(roundId)]);
  // Taken out now: a pass that fails leaves no remembered book behind.
  const remembered = books?.take(roundId);
  const round = await db.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [roundId]);
  const status = round.rows[0]?.status;
  // Only OPEN rounds and the final pass of a CLOSED round match; later bets simply lapse.
  if (status !== 'OPEN' && status !== 'CLOSED') return { booked: 0, fills: [], touched: [] };

  // The round's next bets to book, oldest id first, taken off unbooked_bets (migration 0030) in
  // the transaction that books them: a pass that rolls back leaves them there. The oldest are
  // read in the order of the queue's primary key, never by reading the whole backlog and
  // sorting it (what the planner chose while the queue had no statistics: 0031); so this
  // statement sorts nothing, and the bets are put in id order here.
  await db.query('SET LOCAL enable_sort = off');
  const taken = await db.query<{ id: bigint; user_id: bigint; side: string; unmatched: bigint }>(
    `WITH taken AS (
       DELETE FROM unbooked_bets WHERE round_id = $1 AND bet_id IN (
         SELECT bet_id FROM unbooked_bets WHERE round_id = $1 ORDER BY bet_id LIMIT $2)
       RETURNING bet_id)
     SELECT id, user_id, side, amount - cancelled_amount AS unmatched FROM bets
     WHERE round_id = $1 AND id = ANY (ARRAY(SELECT bet_id FROM taken))`,
    [roundId, PASS_LIMIT],
  );
  await db.query('RESET enable_sort');
  const incoming = taken.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (incoming.length === 0) {
    // Nothing changed: the remembered book is still the round's.
    if (remembered) books?.keep(roundId, remembered.writer, remembered.book);
    return { booked: 0, fills: [], touched: [] };
  }
  const reuse = remembered !== undefined && remembered.writer === (await bookWriter(db, roundId));
  const book = reuse ? remembered.book : await readBook(db, roundId);
  const arriving: IncomingBet[] = incoming.map((r) => ({
    id: r.id.toString(),
    playerId: r.user_id.toString(),
    side: r.side,
    amount: r.unmatched,
  }));
  const outcome = matchBets(book, arriving);
  const { fills } = outcome;

  const matchedBy = new Map<string, bigint>();
  for (const f of fills) {
    matchedBy.set(f.betId, (matchedBy.get(f.betId) ?? 0n) + f.amount);
    matchedBy.set(f.againstId, (matchedBy.get(f.againstId) ?? 0n) + f.amount);
  }
  if (fills.length) {
    await db.query(
      `INSERT INTO matches (round_id, bet_id, against_bet_id, amount)
       SELECT $1, b, a, m FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS f(b, a, m)`,
      [roundId, fills.map((f) => f.betId), fills.map((f) => f.againstId), fills.map((f) => f.amount)],
    );
  }
  // Book positions continue after the round's last one (match_books.last_seq, which the bets
  // guard moves as it checks them: migration 0030), in arrival order. The bets are found by
  // the primary key (= ANY over the pass's ids) and joined to their new values by hash, never by
  // nested loop. Joined by id alone, the planner read every bet of the round on each pass (1.3 s
  // at a million bets), so a pass cost O(round) and the matcher fell behind as a round grew; and
  // a nested loop that repeats the = ANY in each inner probe costs O(pass^2) (41 s for 8,000).
  const ids = incoming.map((r) => r.id.toString());
  const changed = [...matchedBy.keys()];
  await db.query('SET LOCAL enable_nestloop = off');
  const { rows } = await db.query<{ id: bigint; user_id: bigint; request_id: string | null; m: bigint }>(
    `WITH base AS (SELECT coalesce((SELECT last_seq FROM match_books WHERE round_id = $1), 0) AS seq),
     booked AS (SELECT id, base.seq + ord AS seq FROM unnest($2::bigint[]) WITH ORDINALITY AS u(id, ord), base),
     delta AS (SELECT id, m FROM unnest($3::bigint[], $4::bigint[]) AS d(id, m)),
     targets AS MATERIALIZED (
       SELECT coalesce(booked.id, delta.id) AS id, booked.seq, coalesce(delta.m, 0) AS m
       FROM booked FULL JOIN delta ON delta.id = booked.id)
     UPDATE bets b SET
       seq = coalesce(b.seq, t.seq),
       matched_amount = b.matched_amount + t.m,
       status = CASE
         WHEN b.matched_amount + t.m = 0 THEN b.status
         WHEN b.matched_amount + t.m + b.cancelled_amount = b.amount THEN 'MATCHED'
         ELSE 'PARTIALLY_MATCHED' END
     FROM targets t WHERE b.id = t.id AND b.round_id = $1 AND b.id = ANY (ARRAY(SELECT id FROM targets))
     RETURNING b.id, b.user_id, b.request_id, t.m`,
    [roundId, ids, changed, changed.map((id) => matchedBy.get(id)!)],
  );
  await db.query('RESET enable_nestloop');
  const touched = rows
    .filter((r) => matchedBy.has(r.id.toString()))
    .map((r) => ({ betId: r.id, userId: r.user_id, requestId: r.request_id, matched: r.m }));
  const writer = await markBookChanged(db, roundId);
  books?.keep(roundId, writer, outcome.book);
  return { booked: ids.length, fills, touched, bookReused: reuse };
}
