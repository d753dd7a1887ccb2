-- docs/schema.sql: the schema as migrations/0001_ledger.sql .. 0033_bets_born_unbooked.sql (33 files)
-- leave a fresh database, to read instead of replaying every migration in your head. Never applied.
-- Regenerate with `npm run schema:snapshot`; test/schema-snapshot.test.ts fails when the
-- migrations produce anything else.
--
-- How it is made: pg_dump 15 --schema-only --no-owner --no-privileges of a database migrated
-- by src/db/migrate.ts, normalised: pg_dump's version lines, its SET lines and its \restrict
-- lines (which vary run to run) are removed, and runs of blank lines are squeezed.
-- Left out: the 24 partitions that colorbet_add_partition creates, named <parent>_p<k>
-- (transfers_p0, bets_p1, idempotency_keys_p<day>, ...). Which exist depends on the current
-- round, ids and day, so they vary; each is CREATE TABLE ... (LIKE <parent> INCLUDING DEFAULTS
-- INCLUDING CONSTRAINTS) with a <child>_bounds check, attached to its parent, and inherits the
-- parent's indexes and triggers; partition_schemes (0015) gives each parent's key and span.
-- Partitions a migration creates itself (transfer_keys_ledger) are kept. Privileges are left
-- out: the service role's grants are in migrations 0014, 0015 and later (docs/security.md).

--
-- PostgreSQL database dump
--

--
-- Name: approvals_decide_once(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.approvals_decide_once() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.status <> 'WAITING'
     OR (NEW.kind, NEW.requested_by, NEW.requested_at, NEW.reason, NEW.user_id, NEW.round_id, NEW.amount,
         NEW.reference) IS DISTINCT FROM
        (OLD.kind, OLD.requested_by, OLD.requested_at, OLD.reason, OLD.user_id, OLD.round_id, OLD.amount,
         OLD.reference) THEN
    RAISE EXCEPTION 'approval % is decided or its request cannot change', OLD.id
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'approvals_decide_once';
  END IF;
  RETURN NEW;
END $$;

--
-- Name: bets_never_deleted(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bets_never_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'bets are never deleted' USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'bets_never_deleted';
END $$;

--
-- Name: bets_on_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bets_on_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  bad bigint;
  booking record;
  moved integer;
BEGIN
  -- Bet ids are unique (one sequence), and a bet that tried to change round is caught here.
  -- An aggregate, not LIMIT 1: with LIMIT the planner expects an early hit and joins the two
  -- transition tables by nested loop, O(rows^2) when every row is fine (a 10,000-bet pass).
  SELECT min(o.id) INTO bad FROM old_bets o JOIN new_bets n ON n.id = o.id
  WHERE n.round_id <> o.round_id OR n.user_id <> o.user_id OR n.side <> o.side OR n.amount <> o.amount
     OR n.matched_amount < o.matched_amount OR n.cancelled_amount < o.cancelled_amount
     OR (o.seq IS NOT NULL AND n.seq IS DISTINCT FROM o.seq)
     OR (o.payout IS NOT NULL AND (n.payout <> o.payout OR n.refund <> o.refund))
     OR (o.status IN ('SETTLED', 'VOID', 'CANCELLED') AND n.status <> o.status);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'bet % cannot change that way', bad USING ERRCODE = 'check_violation', CONSTRAINT = 'bets_guard';
  END IF;
  -- Booking: the seqs given by this statement, per round, are distinct and above every seq the
  -- round had; the round's last_seq moves to the highest (the row lock orders two bookings).
  FOR booking IN
    SELECT n.round_id, count(*) AS bets, count(DISTINCT n.seq) AS seqs, min(n.seq) AS lo, max(n.seq) AS hi
    FROM old_bets o JOIN new_bets n ON n.id = o.id
    WHERE o.seq IS NULL AND n.seq IS NOT NULL
    GROUP BY n.round_id ORDER BY n.round_id
  LOOP
    moved := 0;
    IF booking.seqs = booking.bets AND booking.lo > 0 THEN
      INSERT INTO match_books AS m (round_id, writer, last_seq)
      VALUES (booking.round_id, pg_current_xact_id(), booking.hi)
      ON CONFLICT (round_id) DO UPDATE SET last_seq = excluded.last_seq WHERE m.last_seq < booking.lo;
      GET DIAGNOSTICS moved = ROW_COUNT;
    END IF;
    IF moved = 0 THEN
      RAISE EXCEPTION 'round % booked seqs % .. % that repeat or are not after its book', booking.round_id,
        booking.lo, booking.hi USING ERRCODE = 'unique_violation', CONSTRAINT = 'bets_book_order';
    END IF;
  END LOOP;
  INSERT INTO round_totals (round_id, side, matched, cancelled)
  SELECT n.round_id, n.side, sum(n.matched_amount - o.matched_amount), sum(n.cancelled_amount - o.cancelled_amount)
  FROM new_bets n JOIN old_bets o ON o.id = n.id
  GROUP BY n.round_id, n.side
  HAVING sum(n.matched_amount - o.matched_amount) <> 0 OR sum(n.cancelled_amount - o.cancelled_amount) <> 0;
  RETURN NULL;
END $$;

--
-- Name: colorbet_add_partition(text, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_add_partition(p_parent text, k bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: colorbet_drop_idempotency_days(integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_drop_idempotency_days(keep_hours integer) RETURNS TABLE(day date, row_estimate bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
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
END $_$;

--
-- Name: colorbet_ensure_partitions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_ensure_partitions() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

--
-- Name: colorbet_hmac_sha256(bytea, bytea); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_hmac_sha256(key bytea, msg bytea) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $$
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

--
-- Name: colorbet_partition_name(text, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_partition_name(p_parent text, k bigint) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT p_parent || '_p' || k $$;

--
-- Name: colorbet_protection_room(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_protection_room(p_users bigint[]) RETURNS TABLE(user_id bigint, excluded_until timestamp with time zone, timeout_until timestamp with time zone, deposit_room bigint, bet_room bigint)
    LANGUAGE sql STABLE
    AS $$
  SELECT p.user_id, p.excluded_until, p.timeout_until,
         min(l.in_force - u.used) FILTER (WHERE l.kind = 'deposit'),
         min(l.in_force - u.used) FILTER (WHERE l.kind IN ('stake', 'loss'))
  FROM player_protection p
  LEFT JOIN (SELECT l.user_id, l.kind, l.period,
                    CASE WHEN l.pending_at <= now() THEN l.pending_amount ELSE l.amount END AS in_force
             FROM player_limits l WHERE l.user_id = ANY (p_users)) l
    ON l.user_id = p.user_id AND l.in_force IS NOT NULL
  LEFT JOIN colorbet_protection_usage(p_users) u
    ON u.user_id = l.user_id AND u.kind = l.kind AND u.period = l.period
  WHERE p.user_id = ANY (p_users)
  GROUP BY p.user_id, p.excluded_until, p.timeout_until
$$;

--
-- Name: colorbet_protection_usage(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_protection_usage(p_users bigint[]) RETURNS TABLE(user_id bigint, kind text, period text, used bigint)
    LANGUAGE sql STABLE
    AS $$
  WITH sums AS (
    SELECT p.user_id, w.period,
           coalesce(sum(u.deposited), 0) AS deposited,
           coalesce(sum(u.staked - u.refunded), 0) AS staked,
           coalesce(sum(u.staked - u.refunded - u.paid), 0) AS lost
    FROM player_protection p
    CROSS JOIN (VALUES ('24h', interval '24 hours'), ('7d', interval '7 days'), ('30d', interval '30 days'))
      AS w (period, span)
    LEFT JOIN protection_usage u ON u.user_id = p.user_id AND u.hour >= date_trunc('hour', now()) - w.span
    WHERE p.user_id = ANY (p_users)
    GROUP BY p.user_id, w.period)
  SELECT s.user_id, k.kind, s.period,
         (CASE k.kind WHEN 'deposit' THEN s.deposited WHEN 'stake' THEN s.staked ELSE s.lost END)::bigint
  FROM sums s CROSS JOIN (VALUES ('deposit'), ('stake'), ('loss')) AS k (kind)
$$;

--
-- Name: colorbet_round_result(text, bigint, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_round_result(seed_hex text, round_id bigint, sides text[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $$
  SELECT sides[1 + ((('x' || lpad(encode(substring(
           colorbet_hmac_sha256(decode(seed_hex, 'hex'), convert_to(round_id::text, 'UTF8')) FROM 1 FOR 4), 'hex'),
           16, '0'))::bit(64)::bigint) % array_length(sides, 1))::int]
$$;

--
-- Name: colorbet_sequence_position(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_sequence_position(p_table text, p_col text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
  v bigint;
BEGIN
  EXECUTE format('SELECT last_value FROM %s', pg_get_serial_sequence(p_table, p_col)) INTO v;
  RETURN v;
END $$;

--
-- Name: colorbet_transfer_key(text, bigint, bigint, bigint, bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_transfer_key(kind text, round_id bigint, bet_id bigint, user_id bigint, withdrawal_id bigint, reference text) RETURNS TABLE(key_round bigint, scope text, key text)
    LANGUAGE sql IMMUTABLE ROWS 1
    AS $$
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

--
-- Name: colorbet_utc_day(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.colorbet_utc_day(ts timestamp with time zone) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (ts AT TIME ZONE 'UTC')::date $$;

--
-- Name: game_config_next_version(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.game_config_next_version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: idempotency_keys_shadowed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.idempotency_keys_shadowed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: ledger_guard_wallets(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_guard_wallets() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  -- Driven by the accounts in ascending order, so two statements lock shared wallets alike.
  UPDATE wallet_guard g SET balance = g.balance + d.delta
  FROM (SELECT account_id, sum(delta) AS delta
        FROM (SELECT credit_account_id AS account_id, amount AS delta FROM new_transfers
              UNION ALL
              SELECT debit_account_id, -amount FROM new_transfers) moves
        GROUP BY account_id
        ORDER BY account_id) d
  WHERE g.account_id = d.account_id AND d.delta <> 0;
  RETURN NULL;
END $$;

--
-- Name: ledger_refuse_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege', CONSTRAINT = TG_NAME;
END $$;

--
-- Name: matches_of_round_bets(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.matches_of_round_bets() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
DECLARE
  bad record;
BEGIN
  EXECUTE $q$
    SELECT m.round_id, m.bet_id, m.against_bet_id FROM new_matches m
    WHERE NOT EXISTS (SELECT 1 FROM bets b WHERE b.round_id = m.round_id AND b.id = m.bet_id)
       OR NOT EXISTS (SELECT 1 FROM bets b WHERE b.round_id = m.round_id AND b.id = m.against_bet_id)
    LIMIT 1 $q$ INTO bad;
  IF bad.bet_id IS NOT NULL THEN
    RAISE EXCEPTION 'match of bets % and % is not between two bets of round %', bad.bet_id, bad.against_bet_id,
      bad.round_id USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'matches_of_round_bets';
  END IF;
  RETURN NULL;
END $_$;

--
-- Name: player_limits_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.player_limits_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  in_force bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'player limits are never deleted' USING ERRCODE = '42501', CONSTRAINT = 'player_limit_kept';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.pending_at IS NOT NULL THEN
      RAISE EXCEPTION 'a first limit applies at once' USING ERRCODE = '23514', CONSTRAINT = 'player_limit_cooling_off';
    END IF;
    RETURN NEW;
  END IF;
  in_force := CASE WHEN OLD.pending_at <= now() THEN OLD.pending_amount ELSE OLD.amount END;
  IF in_force IS NOT NULL AND (NEW.amount IS NULL OR NEW.amount > in_force)
     OR NEW.pending_at IS DISTINCT FROM OLD.pending_at AND NEW.pending_at < now() + interval '24 hours' THEN
    RAISE EXCEPTION 'a higher % limit of user % applies only after 24 hours', OLD.kind, OLD.user_id
      USING ERRCODE = '23514', CONSTRAINT = 'player_limit_cooling_off';
  END IF;
  RETURN NEW;
END $$;

--
-- Name: player_protection_backfill(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.player_protection_backfill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
  wallet bigint;
BEGIN
  SELECT id INTO wallet FROM accounts WHERE kind = 'player' AND user_id = NEW.user_id;
  IF wallet IS NULL THEN RETURN NULL; END IF;
  PERFORM 1 FROM wallet_guard WHERE account_id = wallet FOR UPDATE;
  INSERT INTO protection_usage (user_id, hour, deposited, staked, refunded, paid)
  SELECT NEW.user_id, date_trunc('hour', t.created_at),
         coalesce(sum(t.amount) FILTER (WHERE t.kind = 'deposit'), 0),
         coalesce(sum(t.amount) FILTER (WHERE t.kind = 'stake'), 0),
         coalesce(sum(t.amount) FILTER (WHERE t.kind IN ('cancel_refund', 'void_refund')), 0),
         coalesce(sum(t.amount) FILTER (WHERE t.kind = 'settlement'), 0)
  FROM transfers t
  WHERE (t.debit_account_id = wallet OR t.credit_account_id = wallet)
    AND t.kind IN ('deposit', 'stake', 'cancel_refund', 'void_refund', 'settlement')
    AND t.created_at >= date_trunc('hour', now()) - interval '31 days'
  GROUP BY 2;
  RETURN NULL;
END $$;

--
-- Name: player_protection_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.player_protection_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'player protection rows are never deleted' USING ERRCODE = '42501',
      CONSTRAINT = 'player_protection_kept';
  END IF;
  IF OLD.excluded_until > now() AND (NEW.excluded_until IS NULL OR NEW.excluded_until < OLD.excluded_until) THEN
    RAISE EXCEPTION 'self-exclusion of user % runs until % and cannot end early', OLD.user_id, OLD.excluded_until
      USING ERRCODE = '42501', CONSTRAINT = 'self_exclusion_not_undone_early';
  END IF;
  IF OLD.timeout_until > now() AND (NEW.timeout_until IS NULL OR NEW.timeout_until < OLD.timeout_until) THEN
    RAISE EXCEPTION 'time-out of user % runs until % and cannot end early', OLD.user_id, OLD.timeout_until
      USING ERRCODE = '42501', CONSTRAINT = 'timeout_not_undone_early';
  END IF;
  RETURN NEW;
END $$;

--
-- Name: revoked_sessions_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.revoked_sessions_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'revoked_sessions rows cannot be changed' USING ERRCODE = '42501',
      CONSTRAINT = 'revoked_sessions_append_only';
  END IF;
  IF OLD.expires_at > now() THEN
    RAISE EXCEPTION 'revoked session % is still live until %', OLD.session_id, OLD.expires_at
      USING ERRCODE = '42501', CONSTRAINT = 'revoked_sessions_kept_until_expiry';
  END IF;
  RETURN OLD;
END $$;

--
-- Name: round_totals_fold(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.round_totals_fold(p_round bigint) RETURNS void
    LANGUAGE sql
    AS $$
  WITH gone AS (DELETE FROM round_totals WHERE round_id = p_round RETURNING *)
  INSERT INTO round_totals (round_id, side, bets, staked, matched, cancelled)
  SELECT round_id, side, sum(bets), sum(staked), sum(matched), sum(cancelled) FROM gone GROUP BY round_id, side;
$$;

--
-- Name: round_totals_on_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.round_totals_on_insert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  bad bigint;
BEGIN
  SELECT min(id) INTO bad FROM new_bets
  WHERE status <> 'PENDING' OR seq IS NOT NULL OR matched_amount <> 0 OR cancelled_amount <> 0
     OR payout IS NOT NULL OR refund IS NOT NULL OR settled_at IS NOT NULL;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'bet % must start pending, unbooked and unmatched', bad
      USING ERRCODE = 'check_violation', CONSTRAINT = 'bets_born_unbooked';
  END IF;
  INSERT INTO round_totals (round_id, side, bets, staked, matched, cancelled)
  SELECT round_id, side, count(*), sum(amount), sum(matched_amount), sum(cancelled_amount)
  FROM new_bets GROUP BY round_id, side;
  RETURN NULL;
END $$;

--
-- Name: rounds_config_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rounds_config_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rounds_escrow_empty(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rounds_escrow_empty() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: rounds_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rounds_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: seed_chains_start(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.seed_chains_start() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: settlement_chunks_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.settlement_chunks_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: transfers_claim_keys(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.transfers_claim_keys() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
  INSERT INTO transfer_keys (round_id, scope, key, transfer_id)
  SELECT k.key_round, k.scope, k.key, n.id
  FROM new_transfers n, colorbet_transfer_key(n.kind, n.round_id, n.bet_id, n.user_id, n.withdrawal_id, n.reference) k;
  RETURN NULL;
END $$;

--
-- Name: transfers_refuse_suspended(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.transfers_refuse_suspended() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  who bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM account_suspensions) THEN
    RETURN NULL;
  END IF;
  SELECT t.user_id INTO who FROM new_transfers t JOIN account_suspensions s ON s.user_id = t.user_id
   WHERE t.kind IN ('stake', 'withdrawal_hold') LIMIT 1;
  IF who IS NOT NULL THEN
    RAISE EXCEPTION 'account % is suspended: no stakes or withdrawals', who
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'account_suspended';
  END IF;
  RETURN NULL;
END $$;

--
-- Name: transfers_track_protection(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.transfers_track_protection() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
  bad record;
BEGIN
  INSERT INTO protection_usage AS u (user_id, hour, deposited, staked, refunded, paid)
  SELECT n.user_id, date_trunc('hour', n.created_at),
         coalesce(sum(n.amount) FILTER (WHERE n.kind = 'deposit'), 0),
         coalesce(sum(n.amount) FILTER (WHERE n.kind = 'stake'), 0),
         coalesce(sum(n.amount) FILTER (WHERE n.kind IN ('cancel_refund', 'void_refund')), 0),
         coalesce(sum(n.amount) FILTER (WHERE n.kind = 'settlement'), 0)
  FROM new_transfers n JOIN player_protection p ON p.user_id = n.user_id
  WHERE n.kind IN ('deposit', 'stake', 'cancel_refund', 'void_refund', 'settlement')
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (user_id, hour) DO UPDATE SET deposited = u.deposited + EXCLUDED.deposited,
    staked = u.staked + EXCLUDED.staked, refunded = u.refunded + EXCLUDED.refunded, paid = u.paid + EXCLUDED.paid;
  IF NOT FOUND THEN RETURN NULL; END IF;  -- no protected player in this statement
  SELECT r.user_id, r.excluded_until, r.timeout_until, m.deposit AND r.deposit_room < 0 AS over_deposit
  INTO bad
  FROM (SELECT n.user_id, bool_or(n.kind = 'deposit') AS deposit, bool_or(n.kind = 'stake') AS stake
        FROM new_transfers n JOIN player_protection p ON p.user_id = n.user_id
        WHERE n.kind IN ('deposit', 'stake') GROUP BY n.user_id) m
  JOIN colorbet_protection_room(ARRAY[m.user_id]) r ON true
  WHERE r.excluded_until > now() OR r.timeout_until > now()
     OR (m.deposit AND r.deposit_room < 0) OR (m.stake AND r.bet_room < 0)
  LIMIT 1;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF bad.excluded_until > now() THEN
    RAISE EXCEPTION 'user % is self-excluded until %', bad.user_id, bad.excluded_until
      USING ERRCODE = '23514', CONSTRAINT = 'player_self_excluded';
  ELSIF bad.timeout_until > now() THEN
    RAISE EXCEPTION 'user % is timed out until %', bad.user_id, bad.timeout_until
      USING ERRCODE = '23514', CONSTRAINT = 'player_timed_out';
  END IF;
  RAISE EXCEPTION 'user % is over a % limit', bad.user_id,
    CASE WHEN bad.over_deposit THEN 'deposit' ELSE 'stake or loss' END
    USING ERRCODE = '23514', CONSTRAINT = 'player_limit_reached';
  RETURN NULL;
END $$;

--
-- Name: users_role_side(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.users_role_side() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF (OLD.role = 'player') <> (NEW.role = 'player') THEN
    RAISE EXCEPTION 'user % cannot change role from % to %', OLD.id, OLD.role, NEW.role
      USING ERRCODE = 'check_violation', CONSTRAINT = 'users_role_side';
  END IF;
  RETURN NEW;
END $$;

--
-- Name: wallet_guard_created_empty(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.wallet_guard_created_empty() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NEW.balance <> 0 THEN
    RAISE EXCEPTION 'a wallet guard starts at 0; money only arrives by transfer'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'wallet_guard_starts_empty';
  END IF;
  RETURN NEW;
END $$;

--
-- Name: wallet_guard_only_by_transfer(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.wallet_guard_only_by_transfer() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

--
-- Name: withdrawals_decide_once(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.withdrawals_decide_once() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF OLD.status <> 'REQUESTED' OR NEW.amount <> OLD.amount OR NEW.user_id <> OLD.user_id THEN
    RAISE EXCEPTION 'withdrawal % is already %', OLD.id, OLD.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'withdrawal_decided_once';
  END IF;
  RETURN NEW;
END $$;

--
-- Name: account_balance; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_balance (
    account_id bigint NOT NULL,
    balance bigint NOT NULL,
    last_entry_id bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
)
WITH (fillfactor='50');

--
-- Name: account_suspensions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_suspensions (
    user_id bigint NOT NULL,
    suspended_by bigint NOT NULL,
    suspended_at timestamp with time zone DEFAULT now() NOT NULL,
    reason text NOT NULL,
    CONSTRAINT account_suspensions_reason_check CHECK (((length(reason) >= 1) AND (length(reason) <= 500)))
);

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id bigint NOT NULL,
    kind text NOT NULL,
    user_id bigint,
    round_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT accounts_check CHECK (((kind = 'player'::text) = (user_id IS NOT NULL))),
    CONSTRAINT accounts_check1 CHECK (((kind = 'escrow'::text) = (round_id IS NOT NULL))),
    CONSTRAINT accounts_kind_check CHECK ((kind = ANY (ARRAY['player'::text, 'escrow'::text, 'house'::text, 'cash'::text, 'withdrawal_hold'::text])))
);

--
-- Name: accounts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.accounts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: accounts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.accounts_id_seq OWNED BY public.accounts.id;

--
-- Name: approvals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.approvals (
    id bigint NOT NULL,
    kind text NOT NULL,
    status text DEFAULT 'WAITING'::text NOT NULL,
    requested_by bigint NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    reason text,
    user_id bigint,
    round_id bigint,
    amount bigint NOT NULL,
    reference text,
    decided_by bigint,
    decided_at timestamp with time zone,
    result jsonb,
    CONSTRAINT approval_decided CHECK (((status = 'WAITING'::text) = ((decided_by IS NULL) AND (decided_at IS NULL)))),
    CONSTRAINT approval_deposit_fields CHECK (((kind = 'deposit'::text) = ((user_id IS NOT NULL) AND (reference IS NOT NULL)))),
    CONSTRAINT approval_second_operator CHECK (((decided_by IS NULL) OR (decided_by <> requested_by))),
    CONSTRAINT approval_void_fields CHECK (((kind = 'void'::text) = ((round_id IS NOT NULL) AND (reason IS NOT NULL)))),
    CONSTRAINT approvals_amount_check CHECK ((amount >= 0)),
    CONSTRAINT approvals_kind_check CHECK ((kind = ANY (ARRAY['deposit'::text, 'void'::text]))),
    CONSTRAINT approvals_reason_check CHECK (((reason IS NULL) OR ((length(reason) >= 1) AND (length(reason) <= 500)))),
    CONSTRAINT approvals_status_check CHECK ((status = ANY (ARRAY['WAITING'::text, 'APPROVED'::text, 'REJECTED'::text])))
);

--
-- Name: approvals_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.approvals_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: approvals_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.approvals_id_seq OWNED BY public.approvals.id;

--
-- Name: archived_round_ranges; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archived_round_ranges (
    from_round bigint NOT NULL,
    to_round bigint NOT NULL,
    partitions text[] NOT NULL,
    dropped boolean NOT NULL,
    archived_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT archived_round_ranges_check CHECK ((from_round < to_round))
);

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id bigint,
    action text NOT NULL,
    subject_user_id bigint,
    round_id bigint,
    approval_id bigint,
    reason text,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z][a-z_.]{0,63}$'::text)),
    CONSTRAINT audit_log_reason_check CHECK (((reason IS NULL) OR (length(reason) <= 500)))
);

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;

--
-- Name: bets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bets (
    id bigint NOT NULL,
    round_id bigint NOT NULL,
    user_id bigint NOT NULL,
    side text NOT NULL,
    amount bigint NOT NULL,
    matched_amount bigint DEFAULT 0 NOT NULL,
    cancelled_amount bigint DEFAULT 0 NOT NULL,
    status text DEFAULT 'PENDING'::text NOT NULL,
    seq bigint,
    payout bigint,
    refund bigint,
    placed_at timestamp with time zone DEFAULT now() NOT NULL,
    settled_at timestamp with time zone,
    request_id text,
    CONSTRAINT bet_amounts_consistent CHECK (((matched_amount >= 0) AND (cancelled_amount >= 0) AND ((matched_amount + cancelled_amount) <= amount))),
    CONSTRAINT bet_final_has_money CHECK (((status = ANY (ARRAY['SETTLED'::text, 'VOID'::text])) = ((payout IS NOT NULL) AND (refund IS NOT NULL)))),
    CONSTRAINT bets_amount_check CHECK ((amount > 0)),
    CONSTRAINT bets_payout_check CHECK ((payout >= 0)),
    CONSTRAINT bets_refund_check CHECK ((refund >= 0)),
    CONSTRAINT bets_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'PARTIALLY_MATCHED'::text, 'MATCHED'::text, 'SETTLED'::text, 'CANCELLED'::text, 'VOID'::text])))
)
PARTITION BY RANGE (round_id);

--
-- Name: bets_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.bets_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: bets_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.bets_id_seq OWNED BY public.bets.id;

--
-- Name: deposit_intents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deposit_intents (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    amount bigint NOT NULL,
    provider text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT deposit_intents_amount_check CHECK ((amount > 0)),
    CONSTRAINT deposit_intents_provider_check CHECK ((provider ~ '^[a-z][a-z0-9_-]{0,31}$'::text))
);

--
-- Name: deposit_intents_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.deposit_intents_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: deposit_intents_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.deposit_intents_id_seq OWNED BY public.deposit_intents.id;

--
-- Name: game_config; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.game_config (
    version integer NOT NULL,
    sides text[] NOT NULL,
    round_seconds integer NOT NULL,
    min_bet bigint NOT NULL,
    max_bet bigint NOT NULL,
    rake_bps bigint NOT NULL,
    four_eyes_above bigint NOT NULL,
    reason text NOT NULL,
    created_by bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT game_config_bet_range CHECK ((max_bet >= min_bet)),
    CONSTRAINT game_config_four_eyes_above_check CHECK ((four_eyes_above >= 0)),
    CONSTRAINT game_config_min_bet_check CHECK ((min_bet >= 1)),
    CONSTRAINT game_config_rake_bps_check CHECK (((rake_bps >= 0) AND (rake_bps <= 10000))),
    CONSTRAINT game_config_reason_check CHECK (((length(reason) >= 1) AND (length(reason) <= 500))),
    CONSTRAINT game_config_round_seconds_check CHECK (((round_seconds >= 1) AND (round_seconds <= 86400))),
    CONSTRAINT game_config_sides_check CHECK (((array_length(sides, 1) = 2) AND (sides[1] <> sides[2]))),
    CONSTRAINT game_config_version_check CHECK ((version > 0))
);

--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    day date NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    shadow boolean DEFAULT false NOT NULL,
    request_hash text NOT NULL,
    status_code integer,
    response jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_shadow_has_no_answer CHECK (((NOT shadow) OR (status_code IS NULL)))
)
PARTITION BY RANGE (day);

--
-- Name: legacy_round_seeds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.legacy_round_seeds (
    round_id bigint NOT NULL,
    seed text NOT NULL,
    CONSTRAINT legacy_round_seeds_seed_check CHECK ((seed ~ '^[0-9a-f]{64}$'::text))
);

--
-- Name: login_throttle; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_throttle (
    username text NOT NULL,
    failures integer NOT NULL,
    blocked_until timestamp with time zone,
    last_failed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT login_throttle_failures_check CHECK ((failures > 0))
);

--
-- Name: match_books; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.match_books (
    round_id bigint NOT NULL,
    writer xid8 NOT NULL,
    last_seq bigint DEFAULT 0 NOT NULL,
    CONSTRAINT match_books_last_seq_check CHECK ((last_seq >= 0))
);

--
-- Name: matches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.matches (
    id bigint NOT NULL,
    round_id bigint NOT NULL,
    bet_id bigint NOT NULL,
    against_bet_id bigint NOT NULL,
    amount bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT matches_amount_check CHECK ((amount > 0)),
    CONSTRAINT matches_check CHECK ((bet_id <> against_bet_id))
)
PARTITION BY RANGE (round_id);

--
-- Name: matches_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.matches_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: matches_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.matches_id_seq OWNED BY public.matches.id;

--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    id bigint NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    topic text NOT NULL,
    partition_key bigint NOT NULL,
    payload jsonb NOT NULL,
    request_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    relayed_at timestamp with time zone
)
PARTITION BY RANGE (id);

--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_id_seq OWNED BY public.outbox.id;

--
-- Name: partition_schemes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.partition_schemes (
    parent text NOT NULL,
    key_kind text NOT NULL,
    key_col text NOT NULL,
    span bigint NOT NULL,
    ahead integer NOT NULL,
    options text DEFAULT ''::text NOT NULL,
    CONSTRAINT partition_schemes_ahead_check CHECK (((ahead >= 1) AND (ahead <= 100))),
    CONSTRAINT partition_schemes_key_kind_check CHECK ((key_kind = ANY (ARRAY['id'::text, 'round'::text, 'day'::text]))),
    CONSTRAINT partition_schemes_span_check CHECK ((span > 0))
);

--
-- Name: player_limits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.player_limits (
    user_id bigint NOT NULL,
    kind text NOT NULL,
    period text NOT NULL,
    amount bigint,
    pending_amount bigint,
    pending_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT player_limit_pending_has_time CHECK (((pending_at IS NOT NULL) OR (pending_amount IS NULL))),
    CONSTRAINT player_limits_amount_check CHECK ((amount >= 0)),
    CONSTRAINT player_limits_kind_check CHECK ((kind = ANY (ARRAY['deposit'::text, 'loss'::text, 'stake'::text]))),
    CONSTRAINT player_limits_pending_amount_check CHECK ((pending_amount >= 0)),
    CONSTRAINT player_limits_period_check CHECK ((period = ANY (ARRAY['24h'::text, '7d'::text, '30d'::text])))
);

--
-- Name: player_protection; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.player_protection (
    user_id bigint NOT NULL,
    timeout_until timestamp with time zone,
    excluded_until timestamp with time zone,
    excluded_at timestamp with time zone,
    reality_check_minutes integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT player_protection_reality_check_minutes_check CHECK (((reality_check_minutes >= 5) AND (reality_check_minutes <= 480)))
);

--
-- Name: player_protection_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.player_protection_log (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    action text NOT NULL,
    detail jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT player_protection_log_action_check CHECK ((action = ANY (ARRAY['limits'::text, 'timeout'::text, 'self_exclusion'::text, 'reality_check'::text])))
);

--
-- Name: player_protection_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.player_protection_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: player_protection_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.player_protection_log_id_seq OWNED BY public.player_protection_log.id;

--
-- Name: projection_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projection_state (
    name text NOT NULL,
    last_txid xid8 NOT NULL,
    last_id bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: protection_usage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.protection_usage (
    user_id bigint NOT NULL,
    hour timestamp with time zone NOT NULL,
    deposited bigint DEFAULT 0 NOT NULL,
    staked bigint DEFAULT 0 NOT NULL,
    refunded bigint DEFAULT 0 NOT NULL,
    paid bigint DEFAULT 0 NOT NULL
);

--
-- Name: revoked_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revoked_sessions (
    session_id text NOT NULL,
    user_id bigint NOT NULL,
    revoked_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT revoked_sessions_check CHECK ((expires_at > revoked_at)),
    CONSTRAINT revoked_sessions_session_id_check CHECK ((session_id ~ '^[A-Za-z0-9_-]{16,64}$'::text))
);

--
-- Name: round_settlements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.round_settlements (
    round_id bigint NOT NULL,
    user_id bigint NOT NULL,
    outcome text NOT NULL,
    staked bigint NOT NULL,
    net bigint NOT NULL,
    commission bigint NOT NULL,
    received bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT round_settlements_commission_check CHECK ((commission >= 0)),
    CONSTRAINT round_settlements_outcome_check CHECK ((outcome = ANY (ARRAY['SETTLED'::text, 'VOID'::text]))),
    CONSTRAINT round_settlements_received_check CHECK ((received >= 0))
)
PARTITION BY RANGE (round_id);

--
-- Name: round_totals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.round_totals (
    id bigint NOT NULL,
    round_id bigint NOT NULL,
    side text NOT NULL,
    bets bigint DEFAULT 0 NOT NULL,
    staked bigint DEFAULT 0 NOT NULL,
    matched bigint DEFAULT 0 NOT NULL,
    cancelled bigint DEFAULT 0 NOT NULL
);

--
-- Name: round_totals_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.round_totals_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: round_totals_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.round_totals_id_seq OWNED BY public.round_totals.id;

--
-- Name: rounds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rounds (
    id bigint NOT NULL,
    status text NOT NULL,
    sides text[] NOT NULL,
    rake_bps bigint NOT NULL,
    server_seed_hash text NOT NULL,
    server_seed text,
    result text,
    opens_at timestamp with time zone NOT NULL,
    closes_at timestamp with time zone NOT NULL,
    closed_at timestamp with time zone,
    settled_at timestamp with time zone,
    voided_at timestamp with time zone,
    voided_by bigint,
    config_version integer,
    void_reason text,
    CONSTRAINT rounds_check CHECK ((closes_at > opens_at)),
    CONSTRAINT rounds_check1 CHECK (((status <> 'SETTLED'::text) OR (result IS NOT NULL))),
    CONSTRAINT rounds_check2 CHECK (((result IS NULL) OR (result = ANY (sides)))),
    CONSTRAINT rounds_id_check CHECK ((id > 0)),
    CONSTRAINT rounds_rake_bps_check CHECK (((rake_bps >= 0) AND (rake_bps <= 10000))),
    CONSTRAINT rounds_server_seed_hash_check CHECK ((server_seed_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT rounds_sides_check CHECK ((array_length(sides, 1) = 2)),
    CONSTRAINT rounds_status_check CHECK ((status = ANY (ARRAY['OPEN'::text, 'CLOSED'::text, 'SETTLING'::text, 'SETTLED'::text, 'VOID'::text]))),
    CONSTRAINT rounds_void_reason_check CHECK (((void_reason IS NULL) OR (void_reason = ANY (ARRAY['interrupted'::text, 'seed_unavailable'::text]))))
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: seed_chains; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.seed_chains (
    id bigint NOT NULL,
    first_round_id bigint NOT NULL,
    length integer NOT NULL,
    commitment text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    nonce text,
    CONSTRAINT seed_chains_commitment_check CHECK ((commitment ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT seed_chains_length_check CHECK ((length > 0)),
    CONSTRAINT seed_chains_nonce_check CHECK ((nonce ~ '^[0-9a-f]{64}$'::text))
);

--
-- Name: seed_chains_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.seed_chains_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: seed_chains_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.seed_chains_id_seq OWNED BY public.seed_chains.id;

--
-- Name: service_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.service_settings (
    name text NOT NULL,
    value text NOT NULL
);

--
-- Name: settlement_chunks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settlement_chunks (
    round_id bigint NOT NULL,
    chunk integer NOT NULL,
    first_user_id bigint NOT NULL,
    last_user_id bigint NOT NULL,
    players integer NOT NULL,
    planned_at timestamp with time zone DEFAULT now() NOT NULL,
    settled_at timestamp with time zone,
    CONSTRAINT settlement_chunks_check CHECK ((first_user_id <= last_user_id)),
    CONSTRAINT settlement_chunks_chunk_check CHECK ((chunk >= 0)),
    CONSTRAINT settlement_chunks_players_check CHECK ((players > 0))
);

--
-- Name: settlement_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settlement_failures (
    round_id bigint NOT NULL,
    failures integer NOT NULL,
    last_error text NOT NULL,
    last_failed_at timestamp with time zone DEFAULT now() NOT NULL,
    quarantined_at timestamp with time zone,
    CONSTRAINT settlement_failures_failures_check CHECK ((failures > 0))
);

--
-- Name: transfer_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.transfer_keys (
    round_id bigint NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    transfer_id bigint NOT NULL,
    CONSTRAINT transfer_keys_round_id_check CHECK ((round_id >= 0)),
    CONSTRAINT transfer_keys_scope_check CHECK ((scope = ANY (ARRAY['deposit'::text, 'withdrawal_hold'::text, 'withdrawal_outcome'::text, 'stake'::text, 'cancel'::text, 'payout'::text, 'commission'::text])))
)
PARTITION BY RANGE (round_id);

--
-- Name: transfer_keys_ledger; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.transfer_keys_ledger (
    round_id bigint NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    transfer_id bigint NOT NULL,
    CONSTRAINT transfer_keys_round_id_check CHECK ((round_id >= 0)),
    CONSTRAINT transfer_keys_scope_check CHECK ((scope = ANY (ARRAY['deposit'::text, 'withdrawal_hold'::text, 'withdrawal_outcome'::text, 'stake'::text, 'cancel'::text, 'payout'::text, 'commission'::text])))
);

--
-- Name: transfers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.transfers (
    id bigint NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    debit_account_id bigint NOT NULL,
    credit_account_id bigint NOT NULL,
    amount bigint NOT NULL,
    kind text NOT NULL,
    user_id bigint,
    round_id bigint,
    bet_id bigint,
    withdrawal_id bigint,
    reference text,
    actor_id bigint,
    request_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT transfer_amount_positive CHECK ((amount > 0)),
    CONSTRAINT transfer_between_two_accounts CHECK ((debit_account_id <> credit_account_id)),
    CONSTRAINT transfer_has_its_key CHECK (
CASE kind
    WHEN 'deposit'::text THEN (reference IS NOT NULL)
    WHEN 'withdrawal_hold'::text THEN (withdrawal_id IS NOT NULL)
    WHEN 'withdrawal_post'::text THEN (withdrawal_id IS NOT NULL)
    WHEN 'withdrawal_release'::text THEN (withdrawal_id IS NOT NULL)
    WHEN 'stake'::text THEN ((bet_id IS NOT NULL) AND (round_id IS NOT NULL))
    WHEN 'cancel_refund'::text THEN ((bet_id IS NOT NULL) AND (round_id IS NOT NULL))
    ELSE ((round_id IS NOT NULL) AND (user_id IS NOT NULL))
END),
    CONSTRAINT transfers_kind_check CHECK ((kind = ANY (ARRAY['deposit'::text, 'withdrawal_hold'::text, 'withdrawal_post'::text, 'withdrawal_release'::text, 'stake'::text, 'cancel_refund'::text, 'settlement'::text, 'commission'::text, 'void_refund'::text])))
)
PARTITION BY RANGE (id);

--
-- Name: transfers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.transfers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: transfers_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.transfers_id_seq OWNED BY public.transfers.id;

--
-- Name: unbooked_bets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.unbooked_bets (
    round_id bigint NOT NULL,
    bet_id bigint NOT NULL,
    placed_at timestamp with time zone DEFAULT now() NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='20000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='20000', autovacuum_analyze_scale_factor='0', autovacuum_analyze_threshold='20000');

--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    username text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    demo boolean DEFAULT false NOT NULL,
    token_epoch integer DEFAULT 0 NOT NULL,
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['player'::text, 'operator'::text, 'support'::text, 'auditor'::text, 'none'::text]))),
    CONSTRAINT users_token_epoch_check CHECK ((token_epoch >= 0)),
    CONSTRAINT users_username_check CHECK ((username ~ '^[A-Za-z0-9_.-]{3,32}$'::text))
);

--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;

--
-- Name: verify_balances; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.verify_balances (
    account_id bigint NOT NULL,
    balance bigint NOT NULL
);

--
-- Name: verify_checkpoints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.verify_checkpoints (
    name text NOT NULL,
    last_txid xid8 NOT NULL,
    last_id bigint NOT NULL,
    last_round_id bigint NOT NULL,
    proved_rounds bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    proved_at timestamp with time zone NOT NULL,
    full_at timestamp with time zone,
    CONSTRAINT verify_checkpoints_last_round_id_check CHECK ((last_round_id >= 0))
);

--
-- Name: wallet_guard; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.wallet_guard (
    account_id bigint NOT NULL,
    balance bigint DEFAULT 0 NOT NULL,
    CONSTRAINT wallet_never_negative CHECK ((balance >= 0))
)
WITH (fillfactor='50');

--
-- Name: withdrawals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.withdrawals (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    amount bigint NOT NULL,
    status text DEFAULT 'REQUESTED'::text NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    decided_by bigint,
    CONSTRAINT withdrawals_amount_check CHECK ((amount > 0)),
    CONSTRAINT withdrawals_status_check CHECK ((status = ANY (ARRAY['REQUESTED'::text, 'APPROVED'::text, 'REJECTED'::text])))
);

--
-- Name: withdrawals_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.withdrawals_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: withdrawals_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.withdrawals_id_seq OWNED BY public.withdrawals.id;

--
-- Name: transfer_keys_ledger; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transfer_keys ATTACH PARTITION public.transfer_keys_ledger FOR VALUES FROM ('0') TO ('1');

--
-- Name: accounts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts ALTER COLUMN id SET DEFAULT nextval('public.accounts_id_seq'::regclass);

--
-- Name: approvals id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals ALTER COLUMN id SET DEFAULT nextval('public.approvals_id_seq'::regclass);

--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);

--
-- Name: bets id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bets ALTER COLUMN id SET DEFAULT nextval('public.bets_id_seq'::regclass);

--
-- Name: deposit_intents id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deposit_intents ALTER COLUMN id SET DEFAULT nextval('public.deposit_intents_id_seq'::regclass);

--
-- Name: matches id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.matches ALTER COLUMN id SET DEFAULT nextval('public.matches_id_seq'::regclass);

--
-- Name: outbox id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox ALTER COLUMN id SET DEFAULT nextval('public.outbox_id_seq'::regclass);

--
-- Name: player_protection_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_protection_log ALTER COLUMN id SET DEFAULT nextval('public.player_protection_log_id_seq'::regclass);

--
-- Name: round_totals id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.round_totals ALTER COLUMN id SET DEFAULT nextval('public.round_totals_id_seq'::regclass);

--
-- Name: seed_chains id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.seed_chains ALTER COLUMN id SET DEFAULT nextval('public.seed_chains_id_seq'::regclass);

--
-- Name: transfers id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transfers ALTER COLUMN id SET DEFAULT nextval('public.transfers_id_seq'::regclass);

--
-- Name: users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

--
-- Name: withdrawals id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.withdrawals ALTER COLUMN id SET DEFAULT nextval('public.withdrawals_id_seq'::regclass);

--
-- Name: account_balance account_balance_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_balance
    ADD CONSTRAINT account_balance_pkey PRIMARY KEY (account_id);

--
-- Name: account_suspensions account_suspensions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_suspensions
    ADD CONSTRAINT account_suspensions_pkey PRIMARY KEY (user_id);

--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

--
-- Name: approvals approvals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_pkey PRIMARY KEY (id);

--
-- Name: archived_round_ranges archived_round_ranges_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archived_round_ranges
    ADD CONSTRAINT archived_round_ranges_pkey PRIMARY KEY (from_round);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

--
-- Name: bets bets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bets
    ADD CONSTRAINT bets_pkey PRIMARY KEY (round_id, id);

--
-- Name: deposit_intents deposit_intents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deposit_intents
    ADD CONSTRAINT deposit_intents_pkey PRIMARY KEY (id);

--
-- Name: game_config game_config_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.game_config
    ADD CONSTRAINT game_config_pkey PRIMARY KEY (version);

--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (day, scope, key);

--
-- Name: legacy_round_seeds legacy_round_seeds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.legacy_round_seeds
    ADD CONSTRAINT legacy_round_seeds_pkey PRIMARY KEY (round_id);

--
-- Name: login_throttle login_throttle_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_throttle
    ADD CONSTRAINT login_throttle_pkey PRIMARY KEY (username);

--
-- Name: match_books match_books_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_books
    ADD CONSTRAINT match_books_pkey PRIMARY KEY (round_id);

--
-- Name: matches matches_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.matches
    ADD CONSTRAINT matches_once UNIQUE (round_id, bet_id, against_bet_id);

--
-- Name: matches matches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.matches
    ADD CONSTRAINT matches_pkey PRIMARY KEY (round_id, id);

--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);

--
-- Name: partition_schemes partition_schemes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partition_schemes
    ADD CONSTRAINT partition_schemes_pkey PRIMARY KEY (parent);

--
-- Name: player_limits player_limits_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_limits
    ADD CONSTRAINT player_limits_pkey PRIMARY KEY (user_id, kind, period);

--
-- Name: player_protection_log player_protection_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_protection_log
    ADD CONSTRAINT player_protection_log_pkey PRIMARY KEY (id);

--
-- Name: player_protection player_protection_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_protection
    ADD CONSTRAINT player_protection_pkey PRIMARY KEY (user_id);

--
-- Name: projection_state projection_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projection_state
    ADD CONSTRAINT projection_state_pkey PRIMARY KEY (name);

--
-- Name: protection_usage protection_usage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protection_usage
    ADD CONSTRAINT protection_usage_pkey PRIMARY KEY (user_id, hour);

--
-- Name: revoked_sessions revoked_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_sessions
    ADD CONSTRAINT revoked_sessions_pkey PRIMARY KEY (session_id);

--
-- Name: round_settlements round_settlements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.round_settlements
    ADD CONSTRAINT round_settlements_pkey PRIMARY KEY (round_id, user_id);

--
-- Name: round_totals round_totals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.round_totals
    ADD CONSTRAINT round_totals_pkey PRIMARY KEY (id);

--
-- Name: rounds rounds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rounds
    ADD CONSTRAINT rounds_pkey PRIMARY KEY (id);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (name);

--
-- Name: seed_chains seed_chains_derived; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.seed_chains
    ADD CONSTRAINT seed_chains_derived CHECK ((nonce IS NOT NULL)) NOT VALID;

--
-- Name: seed_chains seed_chains_first_round_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.seed_chains
    ADD CONSTRAINT seed_chains_first_round_id_key UNIQUE (first_round_id);

--
-- Name: seed_chains seed_chains_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.seed_chains
    ADD CONSTRAINT seed_chains_pkey PRIMARY KEY (id);

--
-- Name: service_settings service_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.service_settings
    ADD CONSTRAINT service_settings_pkey PRIMARY KEY (name);

--
-- Name: settlement_chunks settlement_chunks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settlement_chunks
    ADD CONSTRAINT settlement_chunks_pkey PRIMARY KEY (round_id, chunk);

--
-- Name: settlement_failures settlement_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settlement_failures
    ADD CONSTRAINT settlement_failures_pkey PRIMARY KEY (round_id);

--
-- Name: transfer_keys transfer_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transfer_keys
    ADD CONSTRAINT transfer_keys_pkey PRIMARY KEY (round_id, scope, key);

--
-- Name: transfer_keys_ledger transfer_keys_ledger_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transfer_keys_ledger
    ADD CONSTRAINT transfer_keys_ledger_pkey PRIMARY KEY (round_id, scope, key);

--
-- Name: transfers transfers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.transfers
    ADD CONSTRAINT transfers_pkey PRIMARY KEY (id);

--
-- Name: unbooked_bets unbooked_bets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.unbooked_bets
    ADD CONSTRAINT unbooked_bets_pkey PRIMARY KEY (round_id, bet_id);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);

--
-- Name: verify_balances verify_balances_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verify_balances
    ADD CONSTRAINT verify_balances_pkey PRIMARY KEY (account_id);

--
-- Name: verify_checkpoints verify_checkpoints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.verify_checkpoints
    ADD CONSTRAINT verify_checkpoints_pkey PRIMARY KEY (name);

--
-- Name: wallet_guard wallet_guard_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.wallet_guard
    ADD CONSTRAINT wallet_guard_pkey PRIMARY KEY (account_id);

--
-- Name: withdrawals withdrawals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.withdrawals
    ADD CONSTRAINT withdrawals_pkey PRIMARY KEY (id);

--
-- Name: accounts_one_escrow_per_round; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX accounts_one_escrow_per_round ON public.accounts USING btree (round_id) WHERE (kind = 'escrow'::text);

--
-- Name: accounts_one_wallet_per_user; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX accounts_one_wallet_per_user ON public.accounts USING btree (user_id) WHERE (kind = 'player'::text);

--
-- Name: accounts_singletons; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX accounts_singletons ON public.accounts USING btree (kind) WHERE (kind = ANY (ARRAY['house'::text, 'cash'::text, 'withdrawal_hold'::text]));

--
-- Name: approvals_deposit_reference; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX approvals_deposit_reference ON public.approvals USING btree (reference) WHERE (kind = 'deposit'::text);

--
-- Name: approvals_void_waiting; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX approvals_void_waiting ON public.approvals USING btree (round_id) WHERE ((kind = 'void'::text) AND (status = 'WAITING'::text));

--
-- Name: approvals_waiting; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX approvals_waiting ON public.approvals USING btree (id) WHERE (status = 'WAITING'::text);

--
-- Name: audit_log_subject; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_subject ON public.audit_log USING btree (subject_user_id, id) WHERE (subject_user_id IS NOT NULL);

--
-- Name: bets_by_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bets_by_id ON ONLY public.bets USING btree (id);

--
-- Name: bets_by_round_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bets_by_round_user ON ONLY public.bets USING btree (round_id, user_id);

--
-- Name: bets_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bets_by_user ON ONLY public.bets USING btree (user_id, id);

--
-- Name: deposit_intents_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX deposit_intents_by_user ON public.deposit_intents USING btree (user_id, id);

--
-- Name: idempotency_keys_by_age; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_by_age ON ONLY public.idempotency_keys USING brin (created_at);

--
-- Name: matches_by_against; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX matches_by_against ON ONLY public.matches USING btree (round_id, against_bet_id);

--
-- Name: outbox_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_pending ON ONLY public.outbox USING btree (topic, id) WHERE (relayed_at IS NULL);

--
-- Name: player_protection_log_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX player_protection_log_by_user ON public.player_protection_log USING btree (user_id, id);

--
-- Name: revoked_sessions_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX revoked_sessions_expires_at ON public.revoked_sessions USING btree (expires_at);

--
-- Name: round_totals_by_round; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX round_totals_by_round ON public.round_totals USING btree (round_id);

--
-- Name: rounds_by_opens_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rounds_by_opens_at ON public.rounds USING btree (opens_at);

--
-- Name: rounds_config_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rounds_config_version ON public.rounds USING btree (config_version, id);

--
-- Name: rounds_one_open; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX rounds_one_open ON public.rounds USING btree ((true)) WHERE (status = 'OPEN'::text);

--
-- Name: rounds_unfinished; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rounds_unfinished ON public.rounds USING btree (status, id) WHERE (status = ANY (ARRAY['OPEN'::text, 'CLOSED'::text, 'SETTLING'::text]));

--
-- Name: settlement_chunks_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX settlement_chunks_pending ON public.settlement_chunks USING btree (round_id, chunk) WHERE (settled_at IS NULL);

--
-- Name: settlement_failures_quarantined; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX settlement_failures_quarantined ON public.settlement_failures USING btree (round_id) WHERE (quarantined_at IS NOT NULL);

--
-- Name: transfers_by_credit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX transfers_by_credit ON ONLY public.transfers USING btree (credit_account_id, id);

--
-- Name: transfers_by_debit; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX transfers_by_debit ON ONLY public.transfers USING btree (debit_account_id, id);

--
-- Name: transfers_by_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX transfers_by_time ON ONLY public.transfers USING brin (created_at);

--
-- Name: transfers_by_txid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX transfers_by_txid ON ONLY public.transfers USING btree (txid, id);

--
-- Name: users_by_lower_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_by_lower_name ON public.users USING btree (lower(username) text_pattern_ops);

--
-- Name: users_username_any_case; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX users_username_any_case ON public.users USING btree (lower(username));

--
-- Name: withdrawals_by_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX withdrawals_by_status ON public.withdrawals USING btree (status, id);

--
-- Name: withdrawals_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX withdrawals_by_user ON public.withdrawals USING btree (user_id, id);

--
-- Name: withdrawals_pending_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX withdrawals_pending_by_user ON public.withdrawals USING btree (user_id) WHERE (status = 'REQUESTED'::text);

--
-- Name: transfer_keys_ledger_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.transfer_keys_pkey ATTACH PARTITION public.transfer_keys_ledger_pkey;

--
-- Name: accounts accounts_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER accounts_append_only BEFORE DELETE OR UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: approvals approvals_decide_once; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER approvals_decide_once BEFORE DELETE OR UPDATE ON public.approvals FOR EACH ROW EXECUTE FUNCTION public.approvals_decide_once();

--
-- Name: archived_round_ranges archived_round_ranges_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archived_round_ranges_append_only BEFORE DELETE OR UPDATE ON public.archived_round_ranges FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: audit_log audit_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: bets bets_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bets_guard AFTER UPDATE ON public.bets REFERENCING OLD TABLE AS old_bets NEW TABLE AS new_bets FOR EACH STATEMENT EXECUTE FUNCTION public.bets_on_update();

--
-- Name: bets bets_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bets_never_deleted BEFORE DELETE OR TRUNCATE ON public.bets FOR EACH STATEMENT EXECUTE FUNCTION public.bets_never_deleted();

--
-- Name: bets bets_round_totals_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bets_round_totals_insert AFTER INSERT ON public.bets REFERENCING NEW TABLE AS new_bets FOR EACH STATEMENT EXECUTE FUNCTION public.round_totals_on_insert();

--
-- Name: deposit_intents deposit_intents_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER deposit_intents_immutable BEFORE DELETE OR UPDATE ON public.deposit_intents FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: game_config game_config_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER game_config_immutable BEFORE DELETE OR UPDATE ON public.game_config FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: game_config game_config_next_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER game_config_next_version BEFORE INSERT ON public.game_config FOR EACH ROW EXECUTE FUNCTION public.game_config_next_version();

--
-- Name: idempotency_keys idempotency_keys_shadowed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER idempotency_keys_shadowed AFTER INSERT ON public.idempotency_keys REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION public.idempotency_keys_shadowed();

--
-- Name: legacy_round_seeds legacy_round_seeds_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER legacy_round_seeds_immutable BEFORE INSERT OR DELETE OR UPDATE ON public.legacy_round_seeds FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: matches matches_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER matches_immutable BEFORE DELETE OR UPDATE ON public.matches FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: matches matches_of_round_bets; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER matches_of_round_bets AFTER INSERT ON public.matches REFERENCING NEW TABLE AS new_matches FOR EACH STATEMENT EXECUTE FUNCTION public.matches_of_round_bets();

--
-- Name: player_limits player_limits_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER player_limits_guard BEFORE INSERT OR DELETE OR UPDATE ON public.player_limits FOR EACH ROW EXECUTE FUNCTION public.player_limits_guard();

--
-- Name: player_protection player_protection_backfill; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER player_protection_backfill AFTER INSERT ON public.player_protection FOR EACH ROW EXECUTE FUNCTION public.player_protection_backfill();

--
-- Name: player_protection player_protection_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER player_protection_guard BEFORE DELETE OR UPDATE ON public.player_protection FOR EACH ROW EXECUTE FUNCTION public.player_protection_guard();

--
-- Name: player_protection_log player_protection_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER player_protection_log_append_only BEFORE DELETE OR UPDATE ON public.player_protection_log FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: revoked_sessions revoked_sessions_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER revoked_sessions_guard BEFORE DELETE OR UPDATE ON public.revoked_sessions FOR EACH ROW EXECUTE FUNCTION public.revoked_sessions_guard();

--
-- Name: round_settlements round_settlements_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER round_settlements_immutable BEFORE DELETE OR UPDATE ON public.round_settlements FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: rounds rounds_config_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER rounds_config_guard BEFORE INSERT OR UPDATE ON public.rounds FOR EACH ROW EXECUTE FUNCTION public.rounds_config_guard();

--
-- Name: rounds rounds_escrow_empty_when_final; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER rounds_escrow_empty_when_final AFTER UPDATE ON public.rounds DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.status = ANY (ARRAY['SETTLED'::text, 'VOID'::text]))) EXECUTE FUNCTION public.rounds_escrow_empty();

--
-- Name: rounds rounds_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER rounds_guard BEFORE INSERT OR DELETE OR UPDATE ON public.rounds FOR EACH ROW EXECUTE FUNCTION public.rounds_guard();

--
-- Name: seed_chains seed_chains_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER seed_chains_immutable BEFORE DELETE OR UPDATE ON public.seed_chains FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: seed_chains seed_chains_start; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER seed_chains_start BEFORE INSERT ON public.seed_chains FOR EACH ROW EXECUTE FUNCTION public.seed_chains_start();

--
-- Name: settlement_chunks settlement_chunks_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER settlement_chunks_guard BEFORE DELETE OR UPDATE ON public.settlement_chunks FOR EACH ROW EXECUTE FUNCTION public.settlement_chunks_guard();

--
-- Name: transfer_keys transfer_keys_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfer_keys_append_only BEFORE DELETE OR UPDATE ON public.transfer_keys FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: transfer_keys transfer_keys_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfer_keys_no_truncate BEFORE TRUNCATE ON public.transfer_keys FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: transfers transfers_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfers_append_only BEFORE DELETE OR UPDATE ON public.transfers FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: transfers transfers_claim_keys; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfers_claim_keys AFTER INSERT ON public.transfers REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION public.transfers_claim_keys();

--
-- Name: transfers transfers_guard_wallets; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfers_guard_wallets AFTER INSERT ON public.transfers REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_guard_wallets();

--
-- Name: transfers transfers_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON public.transfers FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

--
-- Name: transfers transfers_refuse_suspended; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfers_refuse_suspended AFTER INSERT ON public.transfers REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION public.transfers_refuse_suspended();

--
-- Name: transfers transfers_track_protection; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER transfers_track_protection AFTER INSERT ON public.transfers REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION public.transfers_track_protection();

--
-- Name: users users_role_side; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_role_side BEFORE UPDATE OF role ON public.users FOR EACH ROW EXECUTE FUNCTION public.users_role_side();

--
-- Name: wallet_guard wallet_guard_only_by_transfer; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER wallet_guard_only_by_transfer BEFORE DELETE OR UPDATE ON public.wallet_guard FOR EACH STATEMENT EXECUTE FUNCTION public.wallet_guard_only_by_transfer();

--
-- Name: wallet_guard wallet_guard_starts_empty; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER wallet_guard_starts_empty BEFORE INSERT ON public.wallet_guard FOR EACH ROW EXECUTE FUNCTION public.wallet_guard_created_empty();

--
-- Name: withdrawals withdrawals_final; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER withdrawals_final BEFORE UPDATE ON public.withdrawals FOR EACH ROW EXECUTE FUNCTION public.withdrawals_decide_once();

--
-- Name: account_suspensions account_suspensions_suspended_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_suspensions
    ADD CONSTRAINT account_suspensions_suspended_by_fkey FOREIGN KEY (suspended_by) REFERENCES public.users(id);

--
-- Name: account_suspensions account_suspensions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_suspensions
    ADD CONSTRAINT account_suspensions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: accounts accounts_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: approvals approvals_decided_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES public.users(id);

--
-- Name: approvals approvals_requested_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES public.users(id);

--
-- Name: approvals approvals_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: audit_log audit_log_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id);

--
-- Name: audit_log audit_log_approval_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES public.approvals(id);

--
-- Name: audit_log audit_log_subject_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_subject_user_id_fkey FOREIGN KEY (subject_user_id) REFERENCES public.users(id);

--
-- Name: deposit_intents deposit_intents_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deposit_intents
    ADD CONSTRAINT deposit_intents_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: game_config game_config_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.game_config
    ADD CONSTRAINT game_config_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id);

--
-- Name: match_books match_books_round_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.match_books
    ADD CONSTRAINT match_books_round_id_fkey FOREIGN KEY (round_id) REFERENCES public.rounds(id);

--
-- Name: player_limits player_limits_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_limits
    ADD CONSTRAINT player_limits_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.player_protection(user_id);

--
-- Name: player_protection_log player_protection_log_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_protection_log
    ADD CONSTRAINT player_protection_log_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: player_protection player_protection_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.player_protection
    ADD CONSTRAINT player_protection_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: revoked_sessions revoked_sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_sessions
    ADD CONSTRAINT revoked_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- Name: rounds rounds_config_version_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rounds
    ADD CONSTRAINT rounds_config_version_fkey FOREIGN KEY (config_version) REFERENCES public.game_config(version);

--
-- Name: settlement_chunks settlement_chunks_round_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settlement_chunks
    ADD CONSTRAINT settlement_chunks_round_id_fkey FOREIGN KEY (round_id) REFERENCES public.rounds(id);

--
-- Name: settlement_failures settlement_failures_round_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settlement_failures
    ADD CONSTRAINT settlement_failures_round_id_fkey FOREIGN KEY (round_id) REFERENCES public.rounds(id);

--
-- Name: wallet_guard wallet_guard_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.wallet_guard
    ADD CONSTRAINT wallet_guard_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);

--
-- Name: withdrawals withdrawals_decided_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.withdrawals
    ADD CONSTRAINT withdrawals_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES public.users(id);

--
-- Name: withdrawals withdrawals_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.withdrawals
    ADD CONSTRAINT withdrawals_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- PostgreSQL database dump complete
--
