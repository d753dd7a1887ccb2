-- Why: booking a bet (giving it its place `seq` in the round's book, SPEC section 2) was an
-- update of an indexed column: bets_book_order (round_id, seq) and the partial index
-- bets_unbooked (... WHERE seq IS NULL) both name seq, so no booking could be HOT and each one
-- wrote the bet again into all five indexes of bets. In the million-bet bench the booking UPDATE
-- cost about 140 us a bet (pg_stat_statements) and the matcher fell behind placement.
--
-- Now seq is in no index, so booking is a HOT update of the bet's own page:
-- 1. The bets still to book are rows of unbooked_bets, written in the placement statement and
--    deleted by the matching pass that books them (under the round's match lock). It holds only
--    the backlog, so finding a round's next bets (and the sweep) reads a small table.
-- 2. The book order stays unique per round, enforced by the database without an index: the bets
--    guard (statement trigger) checks that the seqs a statement gives are distinct and all above
--    match_books.last_seq of their round, and moves last_seq to the highest, on the row it
--    locks, so two bookings of one round are strictly one after the other.
-- 3. A void removes the round's unbooked rows (a voided round books nothing more).

CREATE TABLE unbooked_bets (
  round_id  bigint NOT NULL,
  bet_id    bigint NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (round_id, bet_id)
);
GRANT SELECT, INSERT, DELETE ON unbooked_bets TO colorbet_service;

INSERT INTO unbooked_bets (round_id, bet_id, placed_at)
SELECT b.round_id, b.id, b.placed_at FROM bets b JOIN rounds r ON r.id = b.round_id
WHERE b.seq IS NULL AND r.status IN ('OPEN', 'CLOSED');

ALTER TABLE match_books ADD COLUMN last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0);
INSERT INTO match_books AS m (round_id, writer, last_seq)
SELECT b.round_id, pg_current_xact_id(), max(b.seq) FROM bets b JOIN rounds r ON r.id = b.round_id
WHERE b.seq IS NOT NULL AND r.status IN ('OPEN', 'CLOSED')
GROUP BY b.round_id
ON CONFLICT (round_id) DO UPDATE SET last_seq = excluded.last_seq, writer = excluded.writer;

DROP INDEX bets_unbooked;
DROP INDEX bets_book_order;

CREATE OR REPLACE FUNCTION bets_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad bigint;
  booking record;
  moved integer;
BEGIN
  -- Bet ids are unique (one sequence), and a bet that tried to change round is caught here.
  -- An aggregate, not LIMIT 1: with LIMIT the planner expects an early hit and joins the two
  -- transition tables by nested loop, O(rows^2) when every row is fine (a 10,000-bet pass).
  SELECT min(o.id) INTO bad FROM old_bets o JOIN new_bets n ON n.id = o.id
  WHERE n.round_id <> o.round_id OR n.user_id <> o.user_id OR n.side <> o.side OR n.amount <> o.amount
     OR n.matched_amount < o.matched_amount OR n.cancelled_amount < o.cancelled_amount
     OR (o.seq IS NOT NULL AND n.seq IS DISTINCT FROM o.seq)
     OR (o.payout IS NOT NULL AND (n.payout <> o.payout OR n.refund <> o.refund))
     OR (o.status IN ('SETTLED', 'VOID', 'CANCELLED') AND n.status <> o.status);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'bet % cannot change that way', bad USING ERRCODE = 'check_violation', CONSTRAINT = 'bets_guard';
  END IF;
  -- Booking: the seqs given by this statement, per round, are distinct and above every seq the
  -- round had; the round's last_seq moves to the highest (the row lock orders two bookings).
  FOR booking IN
    SELECT n.round_id, count(*) AS bets, count(DISTINCT n.seq) AS seqs, min(n.seq) AS lo, max(n.seq) AS hi
    FROM old_bets o JOIN new_bets n ON n.id = o.id
    WHERE o.seq IS NULL AND n.seq IS NOT NULL
    GROUP BY n.round_id ORDER BY n.round_id
  LOOP
    moved := 0;
    IF booking.seqs = booking.bets AND booking.lo > 0 THEN
      INSERT INTO match_books AS m (round_id, writer, last_seq)
      VALUES (booking.round_id, pg_current_xact_id(), booking.hi)
      ON CONFLICT (round_id) DO UPDATE SET last_seq = excluded.last_seq WHERE m.last_seq < booking.lo;
      GET DIAGNOSTICS moved = ROW_COUNT;
    END IF;
    IF moved = 0 THEN
      RAISE EXCEPTION 'round % booked seqs % .. % that repeat or are not after its book', booking.round_id,
        booking.lo, booking.hi USING ERRCODE = 'unique_violation', CONSTRAINT = 'bets_book_order';
    END IF;
  END LOOP;
  INSERT INTO round_totals (round_id, side, matched, cancelled)
  SELECT n.round_id, n.side, sum(n.matched_amount - o.matched_amount), sum(n.cancelled_amount - o.cancelled_amount)
  FROM new_bets n JOIN old_bets o ON o.id = n.id
  GROUP BY n.round_id, n.side
  HAVING sum(n.matched_amount - o.matched_amount) <> 0 OR sum(n.cancelled_amount - o.cancelled_amount) <> 0;
  RETURN NULL;
END $$;
