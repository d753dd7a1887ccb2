-- Why: GET /v1/rounds/:id (public, the page every player watches) and the live round view
-- summed every bet of the round on each request: a million-bet round made each view a scan of
-- a million rows. The round's totals are now kept as the bets change, by statement triggers on
-- bets, so every path that writes a bet (placement, matching, cancel, settlement, a hand-written
-- statement) keeps them, and a view sums a few rows.
--
-- The triggers only append delta rows (one per statement and side): no writer ever waits for
-- another on a totals row, and no new lock enters the bet path (an upserted "hot" row would be
-- held from a batch's first bet to its commit and could deadlock with wallet locks). A round
-- has one delta row per placement batch and matching pass (about 2,000 for a million bets);
-- when it is SETTLED or VOID its rows are folded into one per side. `colorbet verify` checks
-- the sums against the bets (check R).
CREATE TABLE round_totals (
  id        bigserial PRIMARY KEY,
  round_id  bigint NOT NULL,
  side      text NOT NULL,
  bets      bigint NOT NULL DEFAULT 0,
  staked    bigint NOT NULL DEFAULT 0,
  matched   bigint NOT NULL DEFAULT 0,
  cancelled bigint NOT NULL DEFAULT 0
);
CREATE INDEX round_totals_by_round ON round_totals (round_id);

-- No bet may change between the backfill's snapshot and the triggers taking over.
LOCK TABLE bets IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO round_totals (round_id, side, bets, staked, matched, cancelled)
SELECT round_id, side, count(*), sum(amount), sum(matched_amount), sum(cancelled_amount)
FROM bets GROUP BY round_id, side;

CREATE FUNCTION round_totals_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO round_totals (round_id, side, bets, staked, matched, cancelled)
  SELECT round_id, side, count(*), sum(amount), sum(matched_amount), sum(cancelled_amount)
  FROM new_bets GROUP BY round_id, side;
  RETURN NULL;
END $$;
CREATE TRIGGER bets_round_totals_insert AFTER INSERT ON bets
  REFERENCING NEW TABLE AS new_bets FOR EACH STATEMENT EXECUTE FUNCTION round_totals_on_insert();

-- Bets never move between rounds or sides (bets_guard): only matched and cancelled change.
CREATE FUNCTION round_totals_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO round_totals (round_id, side, matched, cancelled)
  SELECT n.round_id, n.side, sum(n.matched_amount - o.matched_amount), sum(n.cancelled_amount - o.cancelled_amount)
  FROM new_bets n JOIN old_bets o ON o.id = n.id
  GROUP BY n.round_id, n.side
  HAVING sum(n.matched_amount - o.matched_amount) <> 0 OR sum(n.cancelled_amount - o.cancelled_amount) <> 0;
  RETURN NULL;
END $$;
CREATE TRIGGER bets_round_totals_update AFTER UPDATE ON bets
  REFERENCING OLD TABLE AS old_bets NEW TABLE AS new_bets FOR EACH STATEMENT
  EXECUTE FUNCTION round_totals_on_update();

-- Folds a final round's delta rows into one row per side (called when it becomes SETTLED or VOID).
CREATE FUNCTION round_totals_fold(p_round bigint) RETURNS void LANGUAGE sql AS $$
  WITH gone AS (DELETE FROM round_totals WHERE round_id = p_round RETURNING *)
  INSERT INTO round_totals (round_id, side, bets, staked, matched, cancelled)
  SELECT round_id, side, sum(bets), sum(staked), sum(matched), sum(cancelled) FROM gone GROUP BY round_id, side;
$$;
