-- Why: after 0024 the largest per-row costs left on the round's hot path were two (issue 10,
-- docs/benchmarks.md): every matching pass inserted its fills into matches through two foreign
-- keys to the partitioned bets, each one a query and a row lock (FOR KEY SHARE) per fill, and
-- every update of bets (booking, fills, cancels, and settlement's one update per bet) ran the
-- plpgsql row trigger bets_guard once per bet. Both rules stay in the database, checked once
-- per statement over the rows it wrote:
--
-- 1. A match joins two bets of its own round. The foreign keys become one statement trigger
--    that looks both bets up by bets' primary key. A bet can never be deleted (refused below,
--    before any row goes), so a bet that exists when its match is written exists for as long as
--    the match does, which is what the keys' row locks were for. Detaching a range of rounds
--    (src/db/partitions.ts) moves a range's matches and bets together.
-- 2. The changes a bet may go through (0003, 0005) are checked after the statement, over its
--    old and new rows, in the same trigger that keeps round_totals (0008); any row changed
--    another way fails the whole statement. Deleting bets is refused before the statement runs.

-- 1. matches: both bets are of the match's round.
ALTER TABLE matches DROP CONSTRAINT matches_bet_fkey;
ALTER TABLE matches DROP CONSTRAINT matches_against_bet_fkey;
CREATE FUNCTION matches_of_round_bets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT m.round_id, m.bet_id, m.against_bet_id INTO bad FROM new_matches m
  WHERE NOT EXISTS (SELECT 1 FROM bets b WHERE b.round_id = m.round_id AND b.id = m.bet_id)
     OR NOT EXISTS (SELECT 1 FROM bets b WHERE b.round_id = m.round_id AND b.id = m.against_bet_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'match of bets % and % is not between two bets of round %', bad.bet_id, bad.against_bet_id,
      bad.round_id USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'matches_of_round_bets';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER matches_of_round_bets AFTER INSERT ON matches
  REFERENCING NEW TABLE AS new_matches FOR EACH STATEMENT EXECUTE FUNCTION matches_of_round_bets();

-- 2. bets: never deleted; changed only the ways a bet's life allows; round totals kept.
DROP TRIGGER bets_guard ON bets;
DROP TRIGGER bets_round_totals_update ON bets;
DROP FUNCTION bets_guard();
DROP FUNCTION round_totals_on_update();

CREATE FUNCTION bets_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bets are never deleted' USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'bets_never_deleted';
END $$;
CREATE TRIGGER bets_never_deleted BEFORE DELETE OR TRUNCATE ON bets
  FOR EACH STATEMENT EXECUTE FUNCTION bets_never_deleted();

CREATE FUNCTION bets_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad bigint;
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
  INSERT INTO round_totals (round_id, side, matched, cancelled)
  SELECT n.round_id, n.side, sum(n.matched_amount - o.matched_amount), sum(n.cancelled_amount - o.cancelled_amount)
  FROM new_bets n JOIN old_bets o ON o.id = n.id
  GROUP BY n.round_id, n.side
  HAVING sum(n.matched_amount - o.matched_amount) <> 0 OR sum(n.cancelled_amount - o.cancelled_amount) <> 0;
  RETURN NULL;
END $$;
CREATE TRIGGER bets_guard AFTER UPDATE ON bets
  REFERENCING OLD TABLE AS old_bets NEW TABLE AS new_bets FOR EACH STATEMENT EXECUTE FUNCTION bets_on_update();
