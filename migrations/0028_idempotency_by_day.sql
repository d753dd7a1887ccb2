-- Why: idempotency_keys was one table (two writes per bet) pruned by DELETE in batches of
-- 10,000 (0010). At the seed's scale that is about 10^9 rows a day to delete one by one, with
-- the vacuum debt that follows (issue 10). Keys now live in one partition per UTC day and leave
-- by DROP of a whole day once every key in it is older than IDEMPOTENCY_RETENTION_HOURS, so a
-- key is kept at least that long and at most one day more (docs/partitioning.md).
--
-- A key's uniqueness (I8) still holds across days: the primary key (day, scope, key) holds
-- within a day, and the statement trigger idempotency_keys_once refuses a key that another day
-- already holds. It takes one transaction-level advisory lock per key, in one order, before it
-- looks, so two transactions claiming one key on both sides of midnight are serialised and the
-- second sees the first (src/ledger/idempotency.ts takes the same locks first, then looks up the
-- keys, then inserts only the new ones).

-- Days since 1970-01-01 UTC: the partition key.
CREATE FUNCTION colorbet_day(ts timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT floor(extract(epoch FROM ts) / 86400)::integer $$;

-- The lock one key's claimers share (the two-key form: a space of its own, apart from the
-- rounds' and the scheduler's bigint locks).
CREATE FUNCTION colorbet_idempotency_lock(scope text, key text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT hashtext(scope || E'\n' || key) $$;

ALTER TABLE idempotency_keys RENAME TO idempotency_keys_unpartitioned;
ALTER INDEX idempotency_keys_pkey RENAME TO idempotency_keys_unpartitioned_pkey;
ALTER INDEX idempotency_keys_by_age RENAME TO idempotency_keys_unpartitioned_by_age;
CREATE TABLE idempotency_keys (
  day          integer NOT NULL DEFAULT colorbet_day(now()),
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status_code  integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, scope, key)
) PARTITION BY RANGE (day);
-- The look-up across days (the claim and the trigger below); within a day the key is unique.
CREATE INDEX idempotency_keys_by_key ON idempotency_keys (scope, key);
-- verify's I9 reads the keys written since its last run (as 0010's index did).
CREATE INDEX idempotency_keys_by_age ON idempotency_keys USING brin (created_at);

ALTER TABLE partition_schemes DROP CONSTRAINT partition_schemes_key_kind_check;
ALTER TABLE partition_schemes ADD CONSTRAINT partition_schemes_key_kind_check
  CHECK (key_kind IN ('id', 'round', 'day'));
INSERT INTO partition_schemes (parent, key_kind, key_col, span, ahead, options)
VALUES ('idempotency_keys', 'day', 'day', 1, 2, '');

-- The day schemes are kept from today on; 'day' partitions are named idempotency_keys_p<day>.
CREATE OR REPLACE FUNCTION colorbet_ensure_partitions() RETURNS integer
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
    ELSIF s.key_kind = 'day' THEN
      at_key := colorbet_day(now());
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

-- The keys kept so far, each in the partition of the day it was written.
DO $$
DECLARE
  d integer;
BEGIN
  FOR d IN SELECT DISTINCT colorbet_day(created_at) FROM idempotency_keys_unpartitioned LOOP
    PERFORM colorbet_add_partition('idempotency_keys', d);
  END LOOP;
END $$;
SELECT colorbet_ensure_partitions();
INSERT INTO idempotency_keys (day, scope, key, request_hash, status_code, response, created_at)
SELECT colorbet_day(created_at), scope, key, request_hash, status_code, response, created_at
FROM idempotency_keys_unpartitioned;
DROP TABLE idempotency_keys_unpartitioned;

CREATE FUNCTION idempotency_keys_once() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  taken record;
BEGIN
  PERFORM pg_advisory_xact_lock(1768842355, l)
  FROM (SELECT DISTINCT colorbet_idempotency_lock(scope, key) AS l FROM new_keys ORDER BY 1) locks;
  SELECT n.scope, n.key INTO taken FROM new_keys n
  WHERE EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.scope = n.scope AND k.key = n.key AND k.day <> n.day)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'idempotency key % of % is held by another day', taken.key, taken.scope
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'idempotency_keys_once';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER idempotency_keys_once AFTER INSERT ON idempotency_keys
  REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION idempotency_keys_once();

-- Drops the days whose every key is older than keep_hours; returns the keys it dropped (the
-- planner's estimate: counting a day of 10^9 rows would take minutes). Owner's rights: the
-- service role drops nothing itself. The day in use and later ones are never dropped.
CREATE FUNCTION colorbet_drop_idempotency_days(keep_hours integer) RETURNS TABLE (day integer, keys bigint)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  p record;
  last_day integer := colorbet_day(now() - make_interval(hours => keep_hours)) - 1;
BEGIN
  IF keep_hours < 1 THEN
    RAISE EXCEPTION 'keep_hours must be at least 1, got %', keep_hours
      USING ERRCODE = 'invalid_parameter_value', CONSTRAINT = 'idempotency_retention_positive';
  END IF;
  PERFORM set_config('lock_timeout', '1000', true);
  FOR p IN
    SELECT c.relname, substring(c.relname FROM '_p([0-9]+)$')::integer AS d, greatest(c.reltuples, 0)::bigint AS n
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'idempotency_keys'::regclass
    ORDER BY 2
  LOOP
    EXIT WHEN p.d > last_day OR p.d >= colorbet_day(now());
    EXECUTE format('ALTER TABLE idempotency_keys DETACH PARTITION %I', p.relname);
    EXECUTE format('DROP TABLE %I', p.relname);
    day := p.d;
    keys := p.n;
    RETURN NEXT;
  END LOOP;
END $$;
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION colorbet_ensure_partitions() SET search_path = %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION colorbet_drop_idempotency_days(integer) SET search_path = %I, pg_temp',
    current_schema());
END $$;
REVOKE ALL ON FUNCTION colorbet_drop_idempotency_days(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colorbet_drop_idempotency_days(integer) TO colorbet_service;

GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO colorbet_service;
