-- Why: the game's terms (sides, round length, bet limits, commission, the four-eyes threshold)
-- came from environment variables read at start, so a restart with other values changed the
-- game with no record of who, when or why, and nothing said which terms a past round ran under.
-- They now live in versioned, append-only rows: the environment only seeds version 1, an
-- operator writes each later version with a reason, and every round records the version it
-- opened under (rounds.config_version). The database holds the link: a round's sides, rake
-- and length must be those of its version, and a round's version never changes, so a new
-- version applies from the next round that opens and never to a round in progress.
-- Rounds opened before this migration keep config_version NULL (their terms are on the row).

CREATE TABLE game_config (
  version         integer PRIMARY KEY CHECK (version > 0),
  sides           text[] NOT NULL CHECK (array_length(sides, 1) = 2 AND sides[1] <> sides[2]),
  round_seconds   integer NOT NULL CHECK (round_seconds BETWEEN 1 AND 86400),
  min_bet         bigint NOT NULL CHECK (min_bet >= 1),
  max_bet         bigint NOT NULL,
  rake_bps        bigint NOT NULL CHECK (rake_bps BETWEEN 0 AND 10000),
  four_eyes_above bigint NOT NULL CHECK (four_eyes_above >= 0),
  reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  -- NULL only for a version seeded from the environment at start.
  created_by      bigint REFERENCES users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT game_config_bet_range CHECK (max_bet >= min_bet)
);

-- Versions are consecutive (1, 2, 3, ...), so "the history" has no gaps to explain.
CREATE FUNCTION game_config_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  top integer;
BEGIN
  SELECT max(version) INTO top FROM game_config;
  IF NEW.version <> coalesce(top, 0) + 1 THEN
    RAISE EXCEPTION 'game_config version % must follow %', NEW.version, coalesce(top, 0)
      USING ERRCODE = 'check_violation', CONSTRAINT = 'game_config_consecutive';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER game_config_next_version BEFORE INSERT ON game_config
  FOR EACH ROW EXECUTE FUNCTION game_config_next_version();
-- History is evidence: never changed, never deleted.
CREATE TRIGGER game_config_immutable BEFORE UPDATE OR DELETE ON game_config
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

ALTER TABLE rounds ADD COLUMN config_version integer REFERENCES game_config (version);
-- Why a round was voided without an operator: 'interrupted' (it could not settle in time after
-- a crash) or 'seed_unavailable' (the fairness key was lost); NULL for an operator's void.
ALTER TABLE rounds ADD COLUMN void_reason text
  CHECK (void_reason IS NULL OR void_reason IN ('interrupted', 'seed_unavailable'));

-- A round opens under the terms of its version, and keeps that version for good.
CREATE FUNCTION rounds_config_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cfg game_config;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.config_version IS DISTINCT FROM OLD.config_version THEN
      RAISE EXCEPTION 'round % keeps the configuration version it opened under', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'round_config_fixed';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.config_version IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT * INTO cfg FROM game_config WHERE version = NEW.config_version;
  IF NOT FOUND OR NEW.sides <> cfg.sides OR NEW.rake_bps <> cfg.rake_bps
     OR NEW.closes_at - NEW.opens_at <> make_interval(secs => cfg.round_seconds) THEN
    RAISE EXCEPTION 'round % must open with the terms of configuration version %', NEW.id, NEW.config_version
      USING ERRCODE = 'check_violation', CONSTRAINT = 'round_config_terms';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER rounds_config_guard BEFORE INSERT OR UPDATE ON rounds
  FOR EACH ROW EXECUTE FUNCTION rounds_config_guard();

CREATE INDEX rounds_config_version ON rounds (config_version, id);

GRANT SELECT, INSERT ON game_config TO colorbet_service;
