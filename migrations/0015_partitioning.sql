-- Why: at the seed's scale the ledger passes 10^8 rows in weeks. Old rounds must leave the hot
-- database without a DELETE of hundreds of millions of rows, vacuum must work on bounded
-- pieces, and the active indexes must stay in memory. The growing tables are now declaratively
-- partitioned (docs/partitioning.md):
--   transfers, outbox           by id range (ids grow with time), TRANSFERS_SPAN/OUTBOX_SPAN ids each
--   bets, matches, round_settlements, transfer_keys
--                               by round id range, 100,000 rounds each (about a month)
--
-- I5 across partitions. PostgreSQL enforces a unique index on a partitioned table only if it
-- contains the partition key, and the exactly-once keys of transfers (stake once per bet,
-- payout once per round and player, ...) do not contain the transfer id. They move to
-- transfer_keys, whose primary key (round_id, scope, key) contains its partition key: a
-- statement trigger on transfers writes one key row per keyed transfer in the same statement,
-- so a second payout for a (round, player) fails on transfer_keys' primary key whichever
-- transfers partition it would have landed in. Keys that belong to no round (deposit
-- references, withdrawals) live in the round-0 partition, which is never detached.
--
-- New partitions are created ahead of need by colorbet_ensure_partitions(), called by the
-- scheduler leader (the service role owns nothing, so the function runs as the owner). Each is
-- made as a plain table and then attached, which takes only a SHARE UPDATE EXCLUSIVE lock on
-- the parent: inserts never wait for it.

CREATE TABLE partition_schemes (
  parent    text PRIMARY KEY,
  -- 'id': the table's own id sequence; 'round': the round id.
  key_kind  text NOT NULL CHECK (key_kind IN ('id', 'round')),
  key_col   text NOT NULL,
  span      bigint NOT NULL CHECK (span > 0),
  -- Partitions kept ready beyond the one in use.
  ahead     integer NOT NULL CHECK (ahead BETWEEN 1 AND 100),
  options   text NOT NULL DEFAULT ''
);
INSERT INTO partition_schemes (parent, key_kind, key_col, span, ahead, options) VALUES
  ('transfers', 'id', 'id', 10000000, 3, ''),
  ('outbox', 'id', 'id', 10000000, 3, ''),
  ('transfer_keys', 'round', 'round_id', 100000, 2, ''),
  ('bets', 'round', 'round_id', 100000, 2, 'fillfactor = 75'),
  ('matches', 'round', 'round_id', 100000, 2, ''),
  ('round_settlements', 'round', 'round_id', 100000, 2, '');

-- Partition k of a scheme covers [k * span, (k + 1) * span), except that partition 0 starts at
-- 1 (ids and round ids start at 1; round 0 is transfer_keys' partition for keys of no round).
CREATE FUNCTION colorbet_partition_name(p_parent text, k bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT p_parent || '_p' || k $$;

CREATE FUNCTION colorbet_add_partition(p_parent text, k bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  s partition_schemes;
  child text := colorbet_partition_name(p_parent, k);
  lo bigint;
  hi bigint;
BEGIN
  SELECT * INTO STRICT s FROM partition_schemes WHERE parent = p_parent;
  IF to_regclass(quote_ident(child)) IS NOT NULL THEN RETURN false; END IF;
  lo := greatest(k * s.span, 1);
  hi := (k + 1) * s.span;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s', child, p_parent,
    CASE WHEN s.options = '' THEN '' ELSE format(' WITH (%s)', s.options) END);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %s AND %I < %s)',
    child, child || '_bounds', s.key_col, lo, s.key_col, hi);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', p_parent, child, lo, hi);
  RETURN true;
END $$;

-- Where an id sequence stands (its last value handed out, or 1 before the first).
CREATE FUNCTION colorbet_sequence_position(p_table text, p_col text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v bigint;
BEGIN
  EXECUTE format('SELECT last_value FROM %s', pg_get_serial_sequence(p_table, p_col)) INTO v;
  RETURN v;
END $$;

-- Round ranges whose partitions have left the live database (colorbet partitions detach): kept
-- for the auditor, and so that `colorbet verify` does not look for the keys of archived rounds.
CREATE TABLE archived_round_ranges (
  from_round  bigint NOT NULL,
  to_round    bigint NOT NULL,
  partitions  text[] NOT NULL,
  dropped     boolean NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (from_round),
  CHECK (from_round < to_round)
);
CREATE TRIGGER archived_round_ranges_append_only BEFORE UPDATE OR DELETE ON archived_round_ranges
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
GRANT SELECT ON archived_round_ranges TO colorbet_service;

-- Creates the partition each scheme is writing now and `ahead` more; returns how many it created.
-- A lock it cannot get within a second is left for the next call (the partitions in use still
-- have room for `ahead` spans).
CREATE FUNCTION colorbet_ensure_partitions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  s partition_schemes;
  at_key bigint;
  created integer := 0;
BEGIN
  PERFORM set_config('lock_timeout', '1000', true);
  FOR s IN SELECT * FROM partition_schemes ORDER BY parent LOOP
    IF s.key_kind = 'id' THEN
      at_key := colorbet_sequence_position(s.parent, s.key_col);
    ELSE
      SELECT coalesce(max(id), 1) INTO at_key FROM rounds;
    END IF;
    -- From the partition in use on: older ranges exist already, or were archived (a key of an
    -- archived round must find no partition, so a payout for it is refused).
    FOR k IN (at_key / s.span) .. (at_key / s.span) + s.ahead LOOP
      IF colorbet_add_partition(s.parent, k) THEN created := created + 1; END IF;
    END LOOP;
  END LOOP;
  RETURN created;
END $$;
-- Pinned to this schema: a SECURITY DEFINER function must not follow the caller's search_path.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION colorbet_ensure_partitions() SET search_path = %I, pg_temp', current_schema());
END $$;
REVOKE ALL ON FUNCTION colorbet_ensure_partitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colorbet_ensure_partitions() TO colorbet_service;
GRANT SELECT ON partition_schemes TO colorbet_service;

REVOKE ALL ON FUNCTION colorbet_add_partition(text, bigint) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- The conversion: each table is renamed away, recreated partitioned with the same columns,
-- defaults and checks, filled, and its old copy dropped. Indexes, keys and triggers are built
-- after the copy, so the copy neither moves the overdraft guard again nor counts round totals
-- twice.
LOCK TABLE transfers, bets, matches, round_settlements, outbox IN ACCESS EXCLUSIVE MODE;

CREATE FUNCTION pg_temp.repartition(p_table text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s partition_schemes;
  old text := p_table || '_unpartitioned';
  seq text;
  idx text;
  top bigint;
BEGIN
  SELECT * INTO STRICT s FROM partition_schemes WHERE parent = p_table;
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = p_table::regclass AND attname = 'id') THEN
    seq := pg_get_serial_sequence(p_table, 'id');
  END IF;
  EXECUTE format('ALTER TABLE %I RENAME TO %I', p_table, old);
  FOR idx IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = old::regclass LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', idx, idx || '_unpartitioned');
  END LOOP;
  IF seq IS NOT NULL THEN EXECUTE format('ALTER SEQUENCE %s OWNED BY NONE', seq); END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (%I)',
    p_table, old, s.key_col);
  EXECUTE format('SELECT coalesce(max(%I), 1) FROM %I', s.key_col, old) INTO top;
  IF s.key_kind = 'round' THEN SELECT greatest(top, coalesce(max(id), 1)) INTO top FROM rounds; END IF;
  FOR k IN 0 .. (top / s.span) + s.ahead LOOP
    PERFORM colorbet_add_partition(p_table, k);
  END LOOP;
  EXECUTE format('INSERT INTO %I SELECT * FROM %I', p_table, old);
END $$;

SELECT pg_temp.repartition(t) FROM unnest(ARRAY['transfers', 'outbox', 'bets', 'matches', 'round_settlements']) t;
DROP TABLE matches_unpartitioned, bets_unpartitioned, transfers_unpartitioned, outbox_unpartitioned,
  round_settlements_unpartitioned;
ALTER SEQUENCE transfers_id_seq OWNED BY transfers.id;
ALTER SEQUENCE outbox_id_seq OWNED BY outbox.id;
ALTER SEQUENCE bets_id_seq OWNED BY bets.id;
ALTER SEQUENCE matches_id_seq OWNED BY matches.id;

-- transfers: the old indexes, less the exactly-once ones (now in transfer_keys).
ALTER TABLE transfers ADD PRIMARY KEY (id);
CREATE INDEX transfers_by_debit ON transfers (debit_account_id, id);
CREATE INDEX transfers_by_credit ON transfers (credit_account_id, id);
CREATE INDEX transfers_by_txid ON transfers (txid, id);
-- Every keyed kind carries its key, so no transfer escapes transfer_keys.
ALTER TABLE transfers ADD CONSTRAINT transfer_has_its_key CHECK (CASE kind
  WHEN 'deposit' THEN reference IS NOT NULL
  WHEN 'withdrawal_hold' THEN withdrawal_id IS NOT NULL
  WHEN 'withdrawal_post' THEN withdrawal_id IS NOT NULL
  WHEN 'withdrawal_release' THEN withdrawal_id IS NOT NULL
  WHEN 'stake' THEN bet_id IS NOT NULL AND round_id IS NOT NULL
  WHEN 'cancel_refund' THEN bet_id IS NOT NULL AND round_id IS NOT NULL
  ELSE round_id IS NOT NULL AND user_id IS NOT NULL END);

CREATE TABLE transfer_keys (
  round_id    bigint NOT NULL CHECK (round_id >= 0),
  scope       text NOT NULL CHECK (scope IN (
                'deposit', 'withdrawal_hold', 'withdrawal_outcome', 'stake', 'cancel', 'payout', 'commission')),
  key         text NOT NULL,
  transfer_id bigint NOT NULL,
  PRIMARY KEY (round_id, scope, key)
) PARTITION BY RANGE (round_id);
CREATE TABLE transfer_keys_ledger PARTITION OF transfer_keys FOR VALUES FROM (0) TO (1);
DO $$
DECLARE
  top bigint;
BEGIN
  SELECT coalesce(max(id), 1) INTO top FROM rounds;
  FOR k IN 0 .. (top / 100000) + 2 LOOP
    PERFORM colorbet_add_partition('transfer_keys', k);
  END LOOP;
END $$;

-- The key each kind of transfer claims: the one definition, used by the trigger and by verify.
-- Deposits and withdrawals belong to no round (round 0).
CREATE FUNCTION colorbet_transfer_key(kind text, round_id bigint, bet_id bigint, user_id bigint,
  withdrawal_id bigint, reference text, OUT key_round bigint, OUT scope text, OUT key text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN kind IN ('deposit', 'withdrawal_hold', 'withdrawal_post', 'withdrawal_release') THEN 0
              ELSE round_id END,
         CASE kind WHEN 'deposit' THEN 'deposit' WHEN 'withdrawal_hold' THEN 'withdrawal_hold'
              WHEN 'withdrawal_post' THEN 'withdrawal_outcome' WHEN 'withdrawal_release' THEN 'withdrawal_outcome'
              WHEN 'stake' THEN 'stake' WHEN 'cancel_refund' THEN 'cancel'
              WHEN 'settlement' THEN 'payout' WHEN 'void_refund' THEN 'payout' WHEN 'commission' THEN 'commission' END,
         CASE WHEN kind = 'deposit' THEN reference
              WHEN kind IN ('withdrawal_hold', 'withdrawal_post', 'withdrawal_release') THEN withdrawal_id::text
              WHEN kind IN ('stake', 'cancel_refund') THEN bet_id::text
              ELSE user_id::text END
$$;

INSERT INTO transfer_keys (round_id, scope, key, transfer_id)
SELECT k.key_round, k.scope, k.key, t.id
FROM transfers t, colorbet_transfer_key(t.kind, t.round_id, t.bet_id, t.user_id, t.withdrawal_id, t.reference) k;

-- One statement writes the keys of every transfer its INSERT wrote. It runs as the owner: the
-- service role cannot write transfer_keys itself (a forged key row would block a payout).
CREATE FUNCTION transfers_claim_keys() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO transfer_keys (round_id, scope, key, transfer_id)
  SELECT k.key_round, k.scope, k.key, n.id
  FROM new_transfers n, colorbet_transfer_key(n.kind, n.round_id, n.bet_id, n.user_id, n.withdrawal_id, n.reference) k;
  RETURN NULL;
END $$;
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION transfers_claim_keys() SET search_path = %I, pg_temp', current_schema());
END $$;
CREATE TRIGGER transfers_claim_keys AFTER INSERT ON transfers
  REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION transfers_claim_keys();
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER transfers_guard_wallets AFTER INSERT ON transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_guard_wallets();
CREATE TRIGGER transfer_keys_append_only BEFORE UPDATE OR DELETE ON transfer_keys
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER transfer_keys_no_truncate BEFORE TRUNCATE ON transfer_keys
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- outbox
ALTER TABLE outbox ADD PRIMARY KEY (id);
CREATE INDEX outbox_pending ON outbox (topic, id) WHERE relayed_at IS NULL;

-- bets: the round leads every key; a bet is still found by its id alone through bets_by_id
-- (one probe per partition).
ALTER TABLE bets ADD PRIMARY KEY (round_id, id);
CREATE INDEX bets_by_id ON bets (id);
CREATE INDEX bets_unbooked ON bets (round_id, id) WHERE seq IS NULL;
CREATE UNIQUE INDEX bets_book_order ON bets (round_id, seq);
CREATE INDEX bets_by_user ON bets (user_id, id);
CREATE INDEX bets_by_round_user ON bets (round_id, user_id);
CREATE TRIGGER bets_guard BEFORE UPDATE OR DELETE ON bets FOR EACH ROW EXECUTE FUNCTION bets_guard();
CREATE TRIGGER bets_round_totals_insert AFTER INSERT ON bets
  REFERENCING NEW TABLE AS new_bets FOR EACH STATEMENT EXECUTE FUNCTION round_totals_on_insert();
CREATE TRIGGER bets_round_totals_update AFTER UPDATE ON bets
  REFERENCING OLD TABLE AS old_bets NEW TABLE AS new_bets FOR EACH STATEMENT
  EXECUTE FUNCTION round_totals_on_update();

-- matches: both bets are of the match's round.
ALTER TABLE matches ADD PRIMARY KEY (round_id, id);
ALTER TABLE matches ADD CONSTRAINT matches_once UNIQUE (round_id, bet_id, against_bet_id);
ALTER TABLE matches ADD CONSTRAINT matches_bet_fkey FOREIGN KEY (round_id, bet_id) REFERENCES bets (round_id, id);
ALTER TABLE matches ADD CONSTRAINT matches_against_bet_fkey
  FOREIGN KEY (round_id, against_bet_id) REFERENCES bets (round_id, id);
CREATE INDEX matches_by_against ON matches (round_id, against_bet_id);
CREATE TRIGGER matches_immutable BEFORE UPDATE OR DELETE ON matches
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- round_settlements: one row per (round, player), as before (I5).
ALTER TABLE round_settlements ADD PRIMARY KEY (round_id, user_id);
CREATE TRIGGER round_settlements_immutable BEFORE UPDATE OR DELETE ON round_settlements
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- The service role's rights, as in 0014, on the new tables.
GRANT SELECT, INSERT ON transfers, matches, round_settlements TO colorbet_service;
GRANT SELECT, INSERT, UPDATE ON bets TO colorbet_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO colorbet_service;
GRANT SELECT ON transfer_keys TO colorbet_service;

ANALYZE transfers, transfer_keys, bets, matches, round_settlements, outbox;
