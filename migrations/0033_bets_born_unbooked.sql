-- Why: booking order (SPEC section 2) and the matches rest on every bet entering the round
-- unbooked and unmatched: seqs are given only by an UPDATE that bets_guard checks (distinct, after
-- the round's book), matched and cancelled amounts only grow from 0 under that guard, and a result
-- is written only by settlement or void. Nothing refused an INSERT that started a bet further on
-- (a seq, a matched or cancelled amount, a final status or a payout), which would skip those
-- checks. A new bet is now refused unless it is PENDING with nothing booked, matched, cancelled
-- or paid. Every insert of the code (place-bets.ts) already uses those defaults.
CREATE OR REPLACE FUNCTION round_totals_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad bigint;
BEGIN
  SELECT min(id) INTO bad FROM new_bets
  WHERE status <> 'PENDING' OR seq IS NOT NULL OR matched_amount <> 0 OR cancelled_amount <> 0
     OR payout IS NOT NULL OR refund IS NOT NULL OR settled_at IS NOT NULL;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'bet % must start pending, unbooked and unmatched', bad
      USING ERRCODE = 'check_violation', CONSTRAINT = 'bets_born_unbooked';
  END IF;
  INSERT INTO round_totals (round_id, side, bets, staked, matched, cancelled)
  SELECT round_id, side, count(*), sum(amount), sum(matched_amount), sum(cancelled_amount)
  FROM new_bets GROUP BY round_id, side;
  RETURN NULL;
END $$;
