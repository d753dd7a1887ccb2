CREATE FUNCTION colorbet_utc_day(ts timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (ts AT TIME ZONE 'UTC')::date $$;
CREATE TABLE idempotency_keys (day date NOT NULL, scope text NOT NULL, key text NOT NULL, shadow boolean NOT NULL DEFAULT false, request_hash text NOT NULL, status_code integer, response jsonb, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (day, scope, key), CONSTRAINT idempotency_shadow_has_no_answer CHECK (NOT shadow OR status_code IS NULL)) PARTITION BY RANGE (day);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys USING brin (created_at);
DO $$ BEGIN FOR d IN -2 .. 3 LOOP
  EXECUTE format('CREATE TABLE %I PARTITION OF idempotency_keys FOR VALUES FROM (%L) TO (%L)', 'ik_' || (d + 2), current_date + d, current_date + d + 1);
END LOOP; END $$;
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
-- the same 1,000,000 keys kept, as claims of yesterday (real rows) with shadows today
INSERT INTO idempotency_keys (day, scope, key, shadow, request_hash, status_code, response) SELECT current_date - 1, 'user:' || (i % 1000), 'pre-' || i, false, md5(i::text), 202, '{"betId":1}'::jsonb FROM generate_series(1, 1000000) i
UNION ALL SELECT current_date, 'user:' || (i % 1000), 'pre-' || i, true, md5(i::text), NULL, NULL FROM generate_series(1, 1000000) i;
VACUUM ANALYZE idempotency_keys;
