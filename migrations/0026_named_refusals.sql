-- Why: a trigger that refused a write said only check_violation (23514) or
-- insufficient_privilege (42501), with no constraint name, so an error, a log line or a test
-- could not say which guard fired (issue 15). Each trigger function that raised without a name
-- is redefined here with the same logic, taken from its latest definition, and every RAISE now
-- carries CONSTRAINT = '<guard>'. SQLSTATEs are unchanged; src/errors.ts (guardOf) and the logs
-- report the name. The triggers themselves are not touched, so verify still finds them by name.
--
-- Guard names, by function (the latest definition it replaces):
--   ledger_refuse_change (0001)        the trigger's own name: transfers_append_only,
--                                      transfers_no_truncate, accounts_append_only,
--                                      matches_immutable, round_settlements_immutable (a
--                                      partition's cloned trigger keeps its parent's name)
--   wallet_guard_created_empty (0001)  wallet_guard_starts_empty
--   withdrawals_decide_once (0002)     withdrawal_decided_once
--   rounds_escrow_empty (0003)         round_escrow_empty_when_final
--   settlement_chunks_guard (0007)     settlement_chunk_never_deleted, settlement_chunk_fixed
--   rounds_guard (0016)                round_never_deleted, round_starts_open,
--                                      round_committed_hash (already named), round_terms_fixed,
--                                      round_status_transition, round_seed_reveal,
--                                      round_result_from_seed
--   wallet_guard_only_by_transfer (0024) wallet_guard_never_deleted, wallet_guard_only_by_transfer
-- Functions of 0016 and 0018-0021 already named every refusal and are not repeated here;
-- bets_guard (0005) is replaced by 0027's statement triggers, which name theirs
-- (bets_never_deleted, bets_guard).

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege', CONSTRAINT = TG_NAME;
END $$;

CREATE OR REPLACE FUNCTION wallet_guard_created_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.balance <> 0 THEN
    RAISE EXCEPTION 'a wallet guard starts at 0; money only arrives by transfer'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'wallet_guard_starts_empty';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION withdrawals_decide_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'REQUESTED' OR NEW.amount <> OLD.amount OR NEW.user_id <> OLD.user_id THEN
    RAISE EXCEPTION 'withdrawal % is already %', OLD.id, OLD.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'withdrawal_decided_once';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rounds_escrow_empty() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  escrow bigint;
  left_over bigint;
BEGIN
  SELECT id INTO escrow FROM accounts WHERE kind = 'escrow' AND round_id = NEW.id;
  IF escrow IS NULL THEN RETURN NULL; END IF;
  SELECT coalesce((SELECT sum(amount) FROM transfers WHERE credit_account_id = escrow), 0)
       - coalesce((SELECT sum(amount) FROM transfers WHERE debit_account_id = escrow), 0) INTO left_over;
  IF left_over <> 0 THEN
    RAISE EXCEPTION 'round % is % but its escrow holds %', NEW.id, NEW.status, left_over
      USING ERRCODE = 'check_violation', CONSTRAINT = 'round_escrow_empty_when_final';
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION settlement_chunks_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'settlement chunks are never deleted'
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'settlement_chunk_never_deleted';
  END IF;
  IF NEW.round_id <> OLD.round_id OR NEW.chunk <> OLD.chunk OR NEW.first_user_id <> OLD.first_user_id
     OR NEW.last_user_id <> OLD.last_user_id OR NEW.players <> OLD.players OR NEW.planned_at <> OLD.planned_at
     OR OLD.settled_at IS NOT NULL THEN
    RAISE EXCEPTION 'settlement chunk %/% is fixed once planned and once settled', OLD.round_id, OLD.chunk
      USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_chunk_fixed';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rounds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chain seed_chains%ROWTYPE;
  committed text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rounds are never deleted'
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'round_never_deleted';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'OPEN' OR NEW.server_seed IS NOT NULL OR NEW.result IS NOT NULL THEN
      RAISE EXCEPTION 'a round starts OPEN with its seed hidden and no result'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'round_starts_open';
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
    RAISE EXCEPTION 'a round''s terms never change'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'round_terms_fixed';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'OPEN' AND NEW.status IN ('CLOSED', 'VOID')) OR
       (OLD.status = 'CLOSED' AND NEW.status IN ('SETTLING', 'VOID')) OR
       (OLD.status = 'SETTLING' AND NEW.status IN ('SETTLED', 'VOID'))) THEN
    RAISE EXCEPTION 'round % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'round_status_transition';
  END IF;
  IF NEW.server_seed IS DISTINCT FROM OLD.server_seed THEN
    IF OLD.server_seed IS NOT NULL OR NEW.server_seed IS NULL
       OR encode(sha256(decode(NEW.server_seed, 'hex')), 'hex') <> NEW.server_seed_hash THEN
      RAISE EXCEPTION 'round % can only reveal the seed it committed to', NEW.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'round_seed_reveal';
    END IF;
  END IF;
  IF NEW.result IS DISTINCT FROM OLD.result THEN
    IF OLD.result IS NOT NULL OR NEW.server_seed IS NULL
       OR NEW.result <> colorbet_round_result(NEW.server_seed, NEW.id, NEW.sides) THEN
      RAISE EXCEPTION 'round % result must be the one its seed gives', NEW.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'round_result_from_seed';
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION wallet_guard_only_by_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'wallet guard rows are never deleted'
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'wallet_guard_never_deleted';
  END IF;
  -- Depth 1 is this trigger fired by a client's statement; 2 is the transfer trigger's UPDATE,
  -- which never changes account_id.
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'wallet guard rows change only through transfers'
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'wallet_guard_only_by_transfer';
  END IF;
  RETURN NULL;
END $$;
