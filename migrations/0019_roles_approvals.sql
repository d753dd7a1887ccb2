-- Why: one shared "operator" role could do everything, alone, and left no record of who did
-- what (issue 12, AGCO 1.19-1.21, RTS 12/13). Back-office accounts are now named and carry one
-- of three roles (operator: money and rounds; support: player data and suspension; auditor:
-- read only), or 'none' once revoked; an account never turns from player into staff or back.
-- A deposit or void above FOUR_EYES_ABOVE, and any void after the result is revealed, waits in
-- `approvals` until a second, different operator carries it out: the database refuses an
-- approval by its requester. Every back-office action is a row of the append-only `audit_log`.
-- A suspended player (`account_suspensions`) keeps their funds, but the database refuses any
-- stake or withdrawal hold from their wallet, whichever code path writes it.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
  CHECK (role IN ('player', 'operator', 'support', 'auditor', 'none'));

-- A player has a wallet and staff never do: a role change stays on its side of that line.
CREATE FUNCTION users_role_side() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.role = 'player') <> (NEW.role = 'player') THEN
    RAISE EXCEPTION 'user % cannot change role from % to %', OLD.id, OLD.role, NEW.role
      USING ERRCODE = 'check_violation', CONSTRAINT = 'users_role_side';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER users_role_side BEFORE UPDATE OF role ON users
  FOR EACH ROW EXECUTE FUNCTION users_role_side();

CREATE TABLE approvals (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('deposit', 'void')),
  status       text NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'APPROVED', 'REJECTED')),
  requested_by bigint NOT NULL REFERENCES users (id),
  requested_at timestamptz NOT NULL DEFAULT now(),
  reason       text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
  -- deposit: the wallet's owner, amount and reference; void: the round and its stakes at request
  user_id      bigint REFERENCES users (id),
  round_id     bigint,
  amount       bigint NOT NULL CHECK (amount >= 0),
  reference    text,
  decided_by   bigint REFERENCES users (id),
  decided_at   timestamptz,
  -- the answer of the operation it carried out, returned again to a repeated approval
  result       jsonb,
  CONSTRAINT approval_second_operator CHECK (decided_by IS NULL OR decided_by <> requested_by),
  CONSTRAINT approval_decided CHECK ((status = 'WAITING') = (decided_by IS NULL AND decided_at IS NULL)),
  CONSTRAINT approval_deposit_fields CHECK ((kind = 'deposit') = (user_id IS NOT NULL AND reference IS NOT NULL)),
  CONSTRAINT approval_void_fields CHECK ((kind = 'void') = (round_id IS NOT NULL AND reason IS NOT NULL))
);
-- A deposit reference names one deposit, waiting or done; a round has one waiting void.
CREATE UNIQUE INDEX approvals_deposit_reference ON approvals (reference) WHERE kind = 'deposit';
CREATE UNIQUE INDEX approvals_void_waiting ON approvals (round_id) WHERE kind = 'void' AND status = 'WAITING';
CREATE INDEX approvals_waiting ON approvals (id) WHERE status = 'WAITING';

-- A decision is final: WAITING moves once to APPROVED or REJECTED, and nothing else changes.
CREATE FUNCTION approvals_decide_once() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER approvals_decide_once BEFORE UPDATE OR DELETE ON approvals
  FOR EACH ROW EXECUTE FUNCTION approvals_decide_once();

CREATE TABLE audit_log (
  id              bigserial PRIMARY KEY,
  at              timestamptz NOT NULL DEFAULT now(),
  actor_id        bigint REFERENCES users (id),  -- NULL: the service itself
  action          text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{0,63}$'),
  subject_user_id bigint REFERENCES users (id),
  round_id        bigint,
  approval_id     bigint REFERENCES approvals (id),
  reason          text CHECK (reason IS NULL OR length(reason) <= 500),
  detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject_user_id, id) WHERE subject_user_id IS NOT NULL;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- The current suspensions; their history is in audit_log (player.suspend, player.reinstate).
CREATE TABLE account_suspensions (
  user_id      bigint PRIMARY KEY REFERENCES users (id),
  suspended_by bigint NOT NULL REFERENCES users (id),
  suspended_at timestamptz NOT NULL DEFAULT now(),
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500)
);

-- Stakes and withdrawal holds of a suspended player are refused in the statement that writes
-- them. One probe of a table that is almost always empty per INSERT statement, not per row;
-- each statement of a trigger sees what committed before it ran, so a suspension that commits
-- while a bet batch waits for its wallet locks still stops it.
CREATE FUNCTION transfers_refuse_suspended() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER transfers_refuse_suspended AFTER INSERT ON transfers
  REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION transfers_refuse_suspended();

-- The service role's rights, as in 0014: the audit log is insert-only; approvals are decided by
-- UPDATE (guarded above); suspensions come and go.
GRANT SELECT, INSERT ON audit_log TO colorbet_service;
GRANT SELECT, INSERT, UPDATE ON approvals TO colorbet_service;
GRANT SELECT, INSERT, DELETE ON account_suspensions TO colorbet_service;
GRANT USAGE, SELECT ON SEQUENCE audit_log_id_seq, approvals_id_seq TO colorbet_service;
