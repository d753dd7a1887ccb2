-- Why: rounds, bets, matches and settlements, with the game's money rules held by the
-- database: a round's result can only be the one its committed seed gives (the HMAC rule is
-- recomputed here), a round's escrow must be empty when it is settled or voided (I6), each
-- (round, player) settles once (I5), and bets, matches and seeds never change behind our back.

CREATE FUNCTION colorbet_hmac_sha256(key bytea, msg bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  k bytea := key;
  ipad bytea;
  opad bytea;
BEGIN
  IF length(k) > 64 THEN k := sha256(k); END IF;
  k := k || decode(repeat('00', 64 - length(k)), 'hex');
  ipad := k;
  opad := k;
  FOR i IN 0..63 LOOP
    ipad := set_byte(ipad, i, get_byte(k, i) # 54);
    opad := set_byte(opad, i, get_byte(k, i) # 92);
  END LOOP;
  RETURN sha256(opad || sha256(ipad || msg));
END $$;

-- result = sides[uint32_be(HMAC_SHA256(seed bytes, decimal round id)[0..4]) mod #sides]
CREATE FUNCTION colorbet_round_result(seed_hex text, round_id bigint, sides text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT sides[1 + ((('x' || lpad(encode(substring(
           colorbet_hmac_sha256(decode(seed_hex, 'hex'), convert_to(round_id::text, 'UTF8')) FROM 1 FOR 4), 'hex'),
           16, '0'))::bit(64)::bigint) % array_length(sides, 1))::int]
$$;

CREATE TABLE seed_chains (
  id             bigserial PRIMARY KEY,
  first_round_id bigint NOT NULL UNIQUE,
  length         integer NOT NULL CHECK (length > 0),
  -- sha256 of the first round's seed, published before that round opens.
  commitment     text NOT NULL CHECK (commitment ~ '^[0-9a-f]{64}$'),
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- seed of round n = sha256(seed of round n+1): fixing the chain fixes every future result.
CREATE TABLE round_seeds (
  round_id  bigint PRIMARY KEY,
  chain_id  bigint NOT NULL REFERENCES seed_chains (id),
  seed      text NOT NULL CHECK (seed ~ '^[0-9a-f]{64}$'),
  seed_hash text NOT NULL CHECK (seed_hash = encode(sha256(decode(seed, 'hex')), 'hex'))
);

CREATE TRIGGER seed_chains_immutable BEFORE UPDATE OR DELETE ON seed_chains
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER round_seeds_immutable BEFORE UPDATE OR DELETE ON round_seeds
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TABLE rounds (
  id               bigint PRIMARY KEY CHECK (id > 0),
  status           text NOT NULL CHECK (status IN ('OPEN', 'CLOSED', 'SETTLING', 'SETTLED', 'VOID')),
  sides            text[] NOT NULL CHECK (array_length(sides, 1) = 2),
  rake_bps         bigint NOT NULL CHECK (rake_bps BETWEEN 0 AND 10000),
  server_seed_hash text NOT NULL CHECK (server_seed_hash ~ '^[0-9a-f]{64}$'),
  server_seed      text,
  result           text,
  opens_at         timestamptz NOT NULL,
  closes_at        timestamptz NOT NULL,
  closed_at        timestamptz,
  settled_at       timestamptz,
  voided_at        timestamptz,
  voided_by        bigint,
  CHECK (closes_at > opens_at),
  CHECK (status <> 'SETTLED' OR result IS NOT NULL),
  CHECK (result IS NULL OR result = ANY (sides))
);
CREATE UNIQUE INDEX rounds_one_open ON rounds ((true)) WHERE status = 'OPEN';
CREATE INDEX rounds_unfinished ON rounds (status, id) WHERE status IN ('OPEN', 'CLOSED', 'SETTLING');

CREATE FUNCTION rounds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  committed text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rounds are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'OPEN' OR NEW.server_seed IS NOT NULL OR NEW.result IS NOT NULL THEN
      RAISE EXCEPTION 'a round starts OPEN with its seed hidden and no result' USING ERRCODE = 'check_violation';
    END IF;
    SELECT seed_hash INTO committed FROM round_seeds WHERE round_id = NEW.id;
    IF committed IS NULL OR committed <> NEW.server_seed_hash THEN
      RAISE EXCEPTION 'round % must publish the hash of its committed seed', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.id <> OLD.id OR NEW.sides <> OLD.sides OR NEW.server_seed_hash <> OLD.server_seed_hash
     OR NEW.rake_bps <> OLD.rake_bps OR NEW.opens_at <> OLD.opens_at OR NEW.closes_at <> OLD.closes_at THEN
    RAISE EXCEPTION 'a round''s terms never change' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'OPEN' AND NEW.status IN ('CLOSED', 'VOID')) OR
       (OLD.status = 'CLOSED' AND NEW.status IN ('SETTLING', 'VOID')) OR
       (OLD.status = 'SETTLING' AND NEW.status IN ('SETTLED', 'VOID'))) THEN
    RAISE EXCEPTION 'round % cannot go from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.server_seed IS DISTINCT FROM OLD.server_seed THEN
    IF OLD.server_seed IS NOT NULL OR NEW.server_seed IS NULL
       OR encode(sha256(decode(NEW.server_seed, 'hex')), 'hex') <> NEW.server_seed_hash THEN
      RAISE EXCEPTION 'round % can only reveal the seed it committed to', NEW.id USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF NEW.result IS DISTINCT FROM OLD.result THEN
    IF OLD.result IS NOT NULL OR NEW.server_seed IS NULL
       OR NEW.result <> colorbet_round_result(NEW.server_seed, NEW.id, NEW.sides) THEN
      RAISE EXCEPTION 'round % result must be the one its seed gives', NEW.id USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER rounds_guard BEFORE INSERT OR UPDATE OR DELETE ON rounds
  FOR EACH ROW EXECUTE FUNCTION rounds_guard();

-- No foreign key to rounds: its KEY SHARE lock would make every bet touch the hot round row.
CREATE TABLE bets (
  id               bigserial PRIMARY KEY,
  round_id         bigint NOT NULL,
  user_id          bigint NOT NULL,
  side             text NOT NULL,
  amount           bigint NOT NULL CHECK (amount > 0),
  matched_amount   bigint NOT NULL DEFAULT 0,
  cancelled_amount bigint NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'PENDING'
                   CHECK (status IN ('PENDING', 'PARTIALLY_MATCHED', 'MATCHED', 'SETTLED', 'CANCELLED', 'VOID')),
  -- Place in the round's book, given by the matcher in the order bets reach it.
  seq              bigint,
  payout           bigint CHECK (payout >= 0),
  refund           bigint CHECK (refund >= 0),
  placed_at        timestamptz NOT NULL DEFAULT now(),
  settled_at       timestamptz,
  request_id       text,
  CONSTRAINT bet_amounts_consistent CHECK (
    matched_amount >= 0 AND cancelled_amount >= 0 AND matched_amount + cancelled_amount <= amount),
  CONSTRAINT bet_final_has_money CHECK ((status IN ('SETTLED', 'VOID')) = (payout IS NOT NULL AND refund IS NOT NULL))
);
CREATE INDEX bets_unbooked ON bets (round_id, id) WHERE seq IS NULL;
CREATE UNIQUE INDEX bets_book_order ON bets (round_id, seq);
CREATE INDEX bets_by_user ON bets (user_id, id);
CREATE INDEX bets_by_round_user ON bets (round_id, user_id);

CREATE FUNCTION bets_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'bets are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.round_id <> OLD.round_id OR NEW.user_id <> OLD.user_id OR NEW.side <> OLD.side OR NEW.amount <> OLD.amount
     OR NEW.matched_amount < OLD.matched_amount OR NEW.cancelled_amount < OLD.cancelled_amount
     OR (OLD.seq IS NOT NULL AND NEW.seq IS DISTINCT FROM OLD.seq)
     OR (OLD.payout IS NOT NULL AND (NEW.payout <> OLD.payout OR NEW.refund <> OLD.refund))
     OR OLD.status IN ('SETTLED', 'VOID') AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'bet % cannot change that way', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER bets_guard BEFORE UPDATE OR DELETE ON bets FOR EACH ROW EXECUTE FUNCTION bets_guard();

CREATE TABLE matches (
  id             bigserial PRIMARY KEY,
  round_id       bigint NOT NULL,
  bet_id         bigint NOT NULL REFERENCES bets (id),
  against_bet_id bigint NOT NULL REFERENCES bets (id),
  amount         bigint NOT NULL CHECK (amount > 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bet_id, against_bet_id),
  CHECK (bet_id <> against_bet_id)
);
CREATE INDEX matches_by_round ON matches (round_id);
CREATE INDEX matches_by_against ON matches (against_bet_id);
CREATE TRIGGER matches_immutable BEFORE UPDATE OR DELETE ON matches
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- One row per (round, player): settled or voided exactly once (I5).
CREATE TABLE round_settlements (
  round_id   bigint NOT NULL,
  user_id    bigint NOT NULL,
  outcome    text NOT NULL CHECK (outcome IN ('SETTLED', 'VOID')),
  staked     bigint NOT NULL,
  net        bigint NOT NULL,
  commission bigint NOT NULL CHECK (commission >= 0),
  received   bigint NOT NULL CHECK (received >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (round_id, user_id)
);
CREATE TRIGGER round_settlements_immutable BEFORE UPDATE OR DELETE ON round_settlements
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- I6: when a round becomes SETTLED or VOID its escrow must be empty at commit.
CREATE FUNCTION rounds_escrow_empty() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  escrow bigint;
  left_over bigint;
BEGIN
  SELECT id INTO escrow FROM accounts WHERE kind = 'escrow' AND round_id = NEW.id;
  IF escrow IS NULL THEN RETURN NULL; END IF;
  SELECT coalesce((SELECT sum(amount) FROM transfers WHERE credit_account_id = escrow), 0)
       - coalesce((SELECT sum(amount) FROM transfers WHERE debit_account_id = escrow), 0) INTO left_over;
  IF left_over <> 0 THEN
    RAISE EXCEPTION 'round % is % but its escrow holds %', NEW.id, NEW.status, left_over USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER rounds_escrow_empty_when_final AFTER UPDATE ON rounds
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status IN ('SETTLED', 'VOID'))
  EXECUTE FUNCTION rounds_escrow_empty();

-- The outbox: events written in the same transaction as the change they announce.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  txid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
  topic         text NOT NULL,
  partition_key bigint NOT NULL,
  payload       jsonb NOT NULL,
  request_id    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  relayed_at    timestamptz
);
CREATE INDEX outbox_pending ON outbox (topic, id) WHERE relayed_at IS NULL;
