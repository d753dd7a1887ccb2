-- Why: a player could not protect themselves: no deposit, loss or stake limit, no time-out, no
-- self-exclusion (UKGC RTS 12/13, AGCO, MGA player protection directive). These tables hold
-- what a player chose, and the database itself refuses what they ruled out:
--   player_protection  one row per player who set anything: time-out, self-exclusion, reality
--                      check interval. A time-out or exclusion in force can only be lengthened.
--   player_limits      deposit, loss and stake limits per 24 h, 7 d, 30 d. A lower limit applies
--                      at once; a higher one (or none) waits 24 h as a pending change.
--   protection_usage   per player and clock hour: deposited, staked, refunded (cancel, void) and
--                      paid (settlement), kept by a statement trigger on transfers for players
--                      with a protection row only, so other players pay one hash probe per
--                      statement. The service role can read it, never write it.
-- The same statement trigger refuses a stake or deposit of a protected player that breaks a
-- limit or falls in a time-out or exclusion (a backstop: the application checks first, in the
-- same transaction, with the same function colorbet_protection_room).
-- Windows are whole clock hours: "24 h" is the current hour and the 24 before it (between 24
-- and 25 hours), so a window never counts less than its length. docs/player-protection.md.

CREATE TABLE player_protection (
  user_id               bigint PRIMARY KEY REFERENCES users (id),
  timeout_until         timestamptz,
  excluded_until        timestamptz,
  excluded_at           timestamptz,
  reality_check_minutes integer CHECK (reality_check_minutes BETWEEN 5 AND 480),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE player_limits (
  user_id        bigint NOT NULL REFERENCES player_protection (user_id),
  kind           text NOT NULL CHECK (kind IN ('deposit', 'loss', 'stake')),
  period         text NOT NULL CHECK (period IN ('24h', '7d', '30d')),
  -- In force now (NULL: no limit), unless pending_at has passed.
  amount         bigint CHECK (amount >= 0),
  -- The increase (or removal, NULL) waiting for its cooling-off; pending_at NULL: none.
  pending_amount bigint CHECK (pending_amount >= 0),
  pending_at     timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, kind, period),
  CONSTRAINT player_limit_pending_has_time CHECK (pending_at IS NOT NULL OR pending_amount IS NULL)
);

CREATE TABLE protection_usage (
  user_id   bigint NOT NULL,
  hour      timestamptz NOT NULL,
  deposited bigint NOT NULL DEFAULT 0,
  staked    bigint NOT NULL DEFAULT 0,
  refunded  bigint NOT NULL DEFAULT 0,
  paid      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, hour)
);

-- What the player and support see happen to the settings: append-only.
CREATE TABLE player_protection_log (
  id         bigserial PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id),
  action     text NOT NULL CHECK (action IN ('limits', 'timeout', 'self_exclusion', 'reality_check')),
  detail     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX player_protection_log_by_user ON player_protection_log (user_id, id);
CREATE TRIGGER player_protection_log_append_only BEFORE UPDATE OR DELETE ON player_protection_log
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- A time-out or self-exclusion in force cannot be shortened or lifted, by anyone the service
-- works as; rows are never deleted.
CREATE FUNCTION player_protection_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER player_protection_guard BEFORE UPDATE OR DELETE ON player_protection
  FOR EACH ROW EXECUTE FUNCTION player_protection_guard();

-- A limit in force may only go down (or stay); a rise goes through pending_at, at least 24 h on.
CREATE FUNCTION player_limits_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER player_limits_guard BEFORE INSERT OR UPDATE OR DELETE ON player_limits
  FOR EACH ROW EXECUTE FUNCTION player_limits_guard();

-- Used per (player, kind, period): deposit = deposited; stake = staked - refunded;
-- loss = staked - refunded - paid (a stake counts as lost until its round pays it back).
CREATE FUNCTION colorbet_protection_usage(p_users bigint[])
RETURNS TABLE (user_id bigint, kind text, period text, used bigint)
LANGUAGE sql STABLE AS $$
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

-- Per protected player: exclusion and time-out ends, and how much more may be deposited and
-- staked now (NULL: no limit; the least of every limit's room; negative when already over).
CREATE FUNCTION colorbet_protection_room(p_users bigint[])
RETURNS TABLE (user_id bigint, excluded_until timestamptz, timeout_until timestamptz,
               deposit_room bigint, bet_room bigint)
LANGUAGE sql STABLE AS $$
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

-- Counts the statement's transfers of protected players into their hours, then refuses the
-- statement if one of its stakes or deposits breaks that player's exclusion, time-out or limits.
-- Runs as the owner: the service role cannot write protection_usage.
CREATE FUNCTION transfers_track_protection() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
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

-- A player's first protection row starts their usage from the ledger's last 31 days, under
-- their wallet guard's lock: a transfer that committed before is counted here, one that commits
-- after finds the row and counts itself, none is counted twice.
CREATE FUNCTION player_protection_backfill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
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

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION transfers_track_protection() SET search_path = %I, pg_temp', current_schema());
  EXECUTE format('ALTER FUNCTION player_protection_backfill() SET search_path = %I, pg_temp', current_schema());
END $$;
CREATE TRIGGER transfers_track_protection AFTER INSERT ON transfers
  REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION transfers_track_protection();
CREATE TRIGGER player_protection_backfill AFTER INSERT ON player_protection
  FOR EACH ROW EXECUTE FUNCTION player_protection_backfill();

GRANT SELECT, INSERT, UPDATE ON player_protection, player_limits TO colorbet_service;
GRANT SELECT, INSERT ON player_protection_log TO colorbet_service;
GRANT SELECT ON protection_usage TO colorbet_service;
GRANT USAGE, SELECT ON SEQUENCE player_protection_log_id_seq TO colorbet_service;
