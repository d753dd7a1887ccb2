-- Why: every future server seed of a chain sat in plaintext in round_seeds (with its hash, which
-- is the seed of the round before), so anyone who could read the database knew every result for
-- days ahead (issue 11). From here on the database holds only a chain's public part: its first
-- round, length, commitment and a random nonce. Each process derives the seeds from the nonce and
-- a key the database never holds (src/betting/seed-chains.ts), and a round's hash is written only
-- as the round opens. What the database can still check, it does: a round publishes exactly the
-- hash its chain commits it to (the commitment for the chain's first round, else the seed the
-- round before revealed, since seed n-1 = sha256(seed n)); a reveal must hash to it and give the
-- result (rounds_guard, as before). So consecutive reveals are linked by the triggers alone.
--
-- Existing databases: the stored seeds are dropped, except those of rounds open right now (kept in
-- legacy_round_seeds so they close normally; their seeds are revealed within one round anyway).
-- The chains they came from cannot go on without their seeds: the next round starts a new chain.

ALTER TABLE seed_chains ADD COLUMN nonce text CHECK (nonce ~ '^[0-9a-f]{64}$');
-- Chains made before this migration have no nonce (their seeds were stored): every new one has.
ALTER TABLE seed_chains ADD CONSTRAINT seed_chains_derived CHECK (nonce IS NOT NULL) NOT VALID;

CREATE TABLE legacy_round_seeds (
  round_id bigint PRIMARY KEY,
  seed     text NOT NULL CHECK (seed ~ '^[0-9a-f]{64}$')
);
INSERT INTO legacy_round_seeds (round_id, seed)
  SELECT s.round_id, s.seed FROM round_seeds s JOIN rounds r ON r.id = s.round_id WHERE r.server_seed IS NULL;
CREATE TRIGGER legacy_round_seeds_immutable BEFORE INSERT OR UPDATE OR DELETE ON legacy_round_seeds
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
GRANT SELECT ON legacy_round_seeds TO colorbet_service;
DROP TABLE round_seeds;

-- A chain starts at a round that has not opened yet (nothing already committed is re-committed),
-- and it cuts the chain before it short only when that one cannot go on: made before this
-- migration, or its last round was voided (which is what a lost key leads to: the open round
-- cannot reveal, so it is voided and refunded). A void is public, so every early end is visible.
CREATE FUNCTION seed_chains_start() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  earlier seed_chains%ROWTYPE;
BEGIN
  IF EXISTS (SELECT 1 FROM rounds WHERE id >= NEW.first_round_id) THEN
    RAISE EXCEPTION 'a seed chain must start at a round not opened yet, not %', NEW.first_round_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'seed_chain_start';
  END IF;
  SELECT * INTO earlier FROM seed_chains WHERE first_round_id < NEW.first_round_id
    ORDER BY first_round_id DESC LIMIT 1;
  IF FOUND AND NEW.first_round_id < earlier.first_round_id + earlier.length AND earlier.nonce IS NOT NULL
     AND EXISTS (SELECT 1 FROM rounds WHERE id = NEW.first_round_id - 1 AND status <> 'VOID') THEN
    RAISE EXCEPTION 'chain % still commits round %: a chain ends early only after a voided round',
      earlier.id, NEW.first_round_id USING ERRCODE = 'check_violation', CONSTRAINT = 'seed_chain_start';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER seed_chains_start BEFORE INSERT ON seed_chains
  FOR EACH ROW EXECUTE FUNCTION seed_chains_start();

-- As in 0003, but the committed hash now comes from the chain: the commitment for its first round,
-- else the seed the round before revealed (a round of a chain opens only after that reveal).
CREATE OR REPLACE FUNCTION rounds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chain seed_chains%ROWTYPE;
  committed text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rounds are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'OPEN' OR NEW.server_seed IS NOT NULL OR NEW.result IS NOT NULL THEN
      RAISE EXCEPTION 'a round starts OPEN with its seed hidden and no result' USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO chain FROM seed_chains WHERE first_round_id <= NEW.id ORDER BY first_round_id DESC LIMIT 1;
    IF NOT FOUND OR NEW.id >= chain.first_round_id + chain.length THEN
      RAISE EXCEPTION 'round % is in no seed chain', NEW.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'round_committed_hash';
    END IF;
    IF NEW.id = chain.first_round_id THEN
      committed := chain.commitment;
    ELSE
      SELECT server_seed INTO committed FROM rounds WHERE id = NEW.id - 1;
    END IF;
    IF committed IS NULL OR committed <> NEW.server_seed_hash THEN
      RAISE EXCEPTION 'round % must publish the hash chain % commits it to', NEW.id, chain.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'round_committed_hash';
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
