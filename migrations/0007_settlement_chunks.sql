-- Why: a round settled in one transaction that loaded every bet. A round of a million
-- players cannot: the transaction outlives the statement timeout, holds its locks and the
-- projection's snapshot for minutes, and a failure throws all of it away. Settlement now runs
-- in chunks of players, each its own transaction.
--
-- The plan: when a SETTLING round is first taken up, its players (by user id) are cut into
-- ranges of at most SETTLE_CHUNK_PLAYERS and written here, once (the primary key makes a
-- second plan a no-op). A chunk transaction locks its row (SKIP LOCKED, so workers share a
-- round), settles the players in its range and sets settled_at in the same commit, so a crash
-- leaves each chunk either wholly settled or untouched, and the next worker resumes at the
-- first unsettled chunk. Exactly once still rests on the unique keys (round_settlements'
-- primary key, transfers_once_round_payout, transfers_once_commission), not on this table.
-- The round becomes SETTLED only after every chunk is, and the escrow trigger (I6) still
-- refuses that commit unless the escrow is empty.
CREATE TABLE settlement_chunks (
  round_id      bigint NOT NULL REFERENCES rounds (id),
  chunk         integer NOT NULL CHECK (chunk >= 0),
  first_user_id bigint NOT NULL,
  last_user_id  bigint NOT NULL,
  players       integer NOT NULL CHECK (players > 0),
  planned_at    timestamptz NOT NULL DEFAULT now(),
  settled_at    timestamptz,
  PRIMARY KEY (round_id, chunk),
  CHECK (first_user_id <= last_user_id)
);
CREATE INDEX settlement_chunks_pending ON settlement_chunks (round_id, chunk) WHERE settled_at IS NULL;

-- A plan is fixed once written, and a settled chunk stays settled.
CREATE FUNCTION settlement_chunks_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'settlement chunks are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.round_id <> OLD.round_id OR NEW.chunk <> OLD.chunk OR NEW.first_user_id <> OLD.first_user_id
     OR NEW.last_user_id <> OLD.last_user_id OR NEW.players <> OLD.players OR NEW.planned_at <> OLD.planned_at
     OR OLD.settled_at IS NOT NULL THEN
    RAISE EXCEPTION 'settlement chunk %/% is fixed once planned and once settled', OLD.round_id, OLD.chunk
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER settlement_chunks_guard BEFORE UPDATE OR DELETE ON settlement_chunks
  FOR EACH ROW EXECUTE FUNCTION settlement_chunks_guard();
