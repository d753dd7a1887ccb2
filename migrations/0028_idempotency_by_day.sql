-- Why: idempotency_keys was one table (two writes per bet) pruned by DELETE in batches of
-- 10,000 (0010): at the seed's scale about 10^9 rows a day deleted one by one, and the vacuum
-- debt that follows (issue 10). Keys now live in one partition per UTC day and leave by DROP of
-- a whole day once it is past IDEMPOTENCY_RETENTION_HOURS (docs/partitioning.md).
--
-- I8 across days, without locks (the advisory-lock version exhausted the shared lock table and
-- was taken back): each claim writes its key twice under the primary key (day, scope, key), the
-- real row in its day D and a shadow row (shadow = true, never an answer) in D + 1. A claim of
-- the same key on D + 1 collides with that shadow in D + 1's unique index, and one on D with the
-- real row: the unique index refuses every second claim of a key within a day of the first. The
-- statement trigger idempotency_keys_shadowed refuses a real row whose shadow the same statement
-- did not write (so a claim whose shadow collides with another claim's real row in D + 1, a
-- claimer on the other side of midnight, fails instead of making the key claimed twice).

-- The UTC day of a moment: the day of a key's claim (src/ledger/idempotency.ts computes it in
-- Node from a clock the tests can set; the database uses this for its own decisions).
CREATE FUNCTION colorbet_utc_day(ts timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (ts AT TIME ZONE 'UTC')::date $$;

ALTER TABLE idempotency_keys RENAME TO idempotency_keys_unpartitioned;
ALTER INDEX idempotency_keys_pkey RENAME TO idempotency_keys_unpartitioned_pkey;
ALTER INDEX idempotency_keys_by_age RENAME TO idempotency_keys_unpartitioned_by_age;
CREATE TABLE idempotency_keys (
  day          date NOT NULL,
  scope        text NOT NULL,
  key          text NOT NULL,
  -- A shadow holds its key in the day after the claim's, for the unique index only.
  shadow       boolean NOT NULL DEFAULT false,
  request_hash text NOT NULL,
  status_code  integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, scope, key),
  CONSTRAINT idempotency_shadow_has_no_answer CHECK (NOT shadow OR status_code IS NULL)
) PARTITION BY RANGE (day);
-- verify's I9 reads the keys written since its last run (as 0010's index did).
CREATE INDEX idempotency_keys_by_age ON idempotency_keys USING brin (created_at);

-- 'day' schemes: partition k holds the day 1970-01-01 + k, named <parent>_p<YYYYMMDD>.
ALTER TABLE partition_schemes DROP CONSTRAINT partition_schemes_key_kind_check;
ALTER TABLE partition_schemes ADD CONSTRAINT partition_schemes_key_kind_check
  CHECK (key_kind IN ('id', 'round', 'day'));
INSERT INTO partition_schemes (parent, key_kind, key_col, span, ahead, options)
VALUES ('idempotency_keys', 'day', 'day', 1, 3, '');

CREATE OR REPLACE FUNCTION colorbet_add_partition(p_parent text, k bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  s partition_schemes;
  child text;
  lo text;
  hi text;
BEGIN
  SELECT * INTO STRICT s FROM partition_schemes WHERE parent = p_parent;
  IF s.key_kind = 'day' THEN
    child := p_parent || '_p' || to_char(date '1970-01-01' + k::integer, 'YYYYMMDD');
    lo := quote_literal(date '1970-01-01' + k::integer);
    hi := quote_literal(date '1970-01-01' + k::integer + 1);
  ELSE
    child := colorbet_partition_name(p_parent, k);
    lo := greatest(k * s.span, 1)::text;
    hi := ((k + 1) * s.span)::text;
  END IF;
  IF to_regclass(quote_ident(child)) IS NOT NULL THEN RETURN false; END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)%s', child, p_parent,
    CASE WHEN s.options = '' THEN '' ELSE format(' WITH (%s)', s.options) END);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I >= %s AND %I < %s)',
    child, child || '_bounds', s.key_col, lo, s.key_col, hi);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', p_parent, child, lo, hi);
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION colorbet_add_partition(text, bigint) FROM PUBLIC;

-- As 0015, plus the 'day' schemes: from today (UTC) on.
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
      at_key := colorbet_utc_day(now()) - date '1970-01-01';
    ELSE
      SELECT coalesce(max(id), 1) INTO at_key FROM rounds;
    END IF;
    -- From the partition in use on: older ranges exist already, or were archived (a key of an
    -- archived round must find no partition, so a payout for it is refused) or dropped.
    FOR k IN (at_key / s.span) .. (at_key / s.span) + s.ahead LOOP
      IF colorbet_add_partition(s.parent, k) THEN created := created + 1; END IF;
    END LOOP;
  END LOOP;
  RETURN created;
END $$;

-- The keys kept so far: each in the day it was written, with its shadow in the next day.
DO $$
DECLARE
  d date;
BEGIN
  FOR d IN SELECT DISTINCT colorbet_utc_day(created_at) FROM idempotency_keys_unpartitioned
           UNION SELECT DISTINCT colorbet_utc_day(created_at) + 1 FROM idempotency_keys_unpartitioned LOOP
    PERFORM colorbet_add_partition('idempotency_keys', d - date '1970-01-01');
  END LOOP;
END $$;
SELECT colorbet_ensure_partitions();
INSERT INTO idempotency_keys (day, scope, key, shadow, request_hash, status_code, response, created_at)
SELECT colorbet_utc_day(created_at), scope, key, false, request_hash, status_code, response, created_at
FROM idempotency_keys_unpartitioned
UNION ALL
SELECT colorbet_utc_day(created_at) + 1, scope, key, true, request_hash, NULL, NULL, created_at
FROM idempotency_keys_unpartitioned;
DROP TABLE idempotency_keys_unpartitioned;

-- Every real row has its shadow, written by the same statement (the claim writes both). One
-- pass over the statement's own rows, grouped by key: no index probe, no lock. (Not an
-- anti-join of the transition table with itself: the planner guesses 1,000 rows for it, and a
-- hash join sized for that went quadratic at 80,000 keys in one statement.)
CREATE FUNCTION idempotency_keys_shadowed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lone record;
BEGIN
  SELECT scope, key INTO lone FROM new_keys
  GROUP BY scope, key
  HAVING NOT coalesce(array_agg(day + 1) FILTER (WHERE NOT shadow), '{}')
           <@ coalesce(array_agg(day) FILTER (WHERE shadow), '{}')
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'idempotency key % of % claimed without its shadow on the next day (another claim holds it there)',
      lone.key, lone.scope
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'idempotency_keys_shadowed';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER idempotency_keys_shadowed AFTER INSERT ON idempotency_keys
  REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION idempotency_keys_shadowed();

-- Drops, oldest first, the day partitions that are past retention: day X holds real rows
-- claimed until X + 1 and the shadows of X - 1's, and a claim on X + 1 reads the real rows of X
-- behind the shadows there, so X leaves once X + 1 day + greatest(keep_hours, 24 hours) has
-- passed. Never today's partition or later. Returns each day with the planner's row estimate
-- (counting a day of 10^9 rows would take minutes). Owner's rights: the service role drops
-- nothing itself.
CREATE FUNCTION colorbet_drop_idempotency_days(keep_hours integer) RETURNS TABLE (day date, row_estimate bigint)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  p record;
BEGIN
  IF keep_hours < 1 THEN
    RAISE EXCEPTION 'keep_hours must be at least 1, got %', keep_hours
      USING ERRCODE = 'invalid_parameter_value', CONSTRAINT = 'idempotency_retention_positive';
  END IF;
  -- DETACH takes the parent's ACCESS EXCLUSIVE lock: claims queue behind it while it waits, so
  -- it waits at most 500 ms (transactions holding the table finish first) and otherwise tries
  -- again a minute later.
  PERFORM set_config('lock_timeout', '500', true);
  FOR p IN
    SELECT c.relname, to_date(substring(c.relname FROM '_p([0-9]{8})$'), 'YYYYMMDD') AS d,
           greatest(c.reltuples, 0)::bigint AS n
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'idempotency_keys'::regclass AND c.relname ~ '_p[0-9]{8}$'
    ORDER BY 2
    LIMIT 400
  LOOP
    EXIT WHEN p.d >= colorbet_utc_day(now())
      OR (p.d + 1)::timestamp + make_interval(hours => greatest(keep_hours, 24)) > (now() AT TIME ZONE 'UTC');
    EXECUTE format('ALTER TABLE idempotency_keys DETACH PARTITION %I', p.relname);
    EXECUTE format('DROP TABLE %I', p.relname);
    day := p.d;
    row_estimate := p.n;
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

-- The service role claims and answers keys; it no longer deletes them (whole days are dropped).
GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO colorbet_service;

ANALYZE idempotency_keys;
