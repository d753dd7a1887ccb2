-- Why: GET /v1/rounds/:id (public, the page every player watches) and the live round view
-- summed every bet of the round on each request: a million-bet round made each view a scan of
-- a million rows. The round's totals are now kept as the bets change, by statement triggers on
-- bets, so every path that writes a bet (placement, matching, cancel, settlement, a hand-written
-- statement) keeps them, and a view reads a handful of rows.
--
-- Each writing backend adds to its own shard row (pg_backend_pid() % 16): concurrent placement
-- batches on different connections do not queue on one hot row. A round's totals per side are
-- the sum of its shard rows. `colorbet verify` checks them against the bets (check R).
CREATE TABLE round_totals (
  round_id  bigint NOT NULL,
  side      text NOT NULL,
  shard     smallint NOT NULL,
  bets      bigint NOT NULL DEFAULT 0,
  staked    bigint NOT NULL DEFAULT 0,
  matched   bigint NOT NULL DEFAULT 0,
  cancelled bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (round_id, side, shard)
);

INSERT INTO round_totals (round_id, side, shard, bets, staked, matched, cancelled)
SELECT round_id, side, 0, count(*), sum(amount), sum(matched_amount), sum(cancelled_amount)
FROM bets GROUP BY round_id, side;

CREATE FUNCTION round_totals_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO round_totals AS t (round_id, side, shard, bets, staked, matched, cancelled)
  SELECT round_id, side, pg_backend_pid() % 16, count(*), sum(amount), sum(matched_amount), sum(cancelled_amount)
  FROM new_bets GROUP BY round_id, side
  ON CONFLICT (round_id, side, shard) DO UPDATE SET
    bets = t.bets + excluded.bets, staked = t.staked + excluded.staked,
    matched = t.matched + excluded.matched, cancelled = t.cancelled + excluded.cancelled;
  RETURN NULL;
END $$;
CREATE TRIGGER bets_round_totals_insert AFTER INSERT ON bets
  REFERENCING NEW TABLE AS new_bets FOR EACH STATEMENT EXECUTE FUNCTION round_totals_on_insert();

-- Bets never move between rounds or sides (bets_guard): only matched and cancelled change.
CREATE FUNCTION round_totals_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO round_totals AS t (round_id, side, shard, matched, cancelled)
  SELECT n.round_id, n.side, pg_backend_pid() % 16,
         sum(n.matched_amount - o.matched_amount), sum(n.cancelled_amount - o.cancelled_amount)
  FROM new_bets n JOIN old_bets o ON o.id = n.id
  GROUP BY n.round_id, n.side
  HAVING sum(n.matched_amount - o.matched_amount) <> 0 OR sum(n.cancelled_amount - o.cancelled_amount) <> 0
  ON CONFLICT (round_id, side, shard) DO UPDATE SET
    matched = t.matched + excluded.matched, cancelled = t.cancelled + excluded.cancelled;
  RETURN NULL;
END $$;
CREATE TRIGGER bets_round_totals_update AFTER UPDATE ON bets
  REFERENCING OLD TABLE AS old_bets NEW TABLE AS new_bets FOR EACH STATEMENT
  EXECUTE FUNCTION round_totals_on_update();
