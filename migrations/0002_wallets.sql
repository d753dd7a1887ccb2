-- Why: withdrawals are two-phase holds (requested -> approved or rejected), idempotency keys
-- make every money-moving request safe to retry (I8), and the balance projection is read by
-- GET /v1/wallet without touching the ledger (I7).

CREATE TABLE withdrawals (
  id           bigserial PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id),
  amount       bigint NOT NULL CHECK (amount > 0),
  status       text NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED', 'APPROVED', 'REJECTED')),
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_at   timestamptz,
  decided_by   bigint REFERENCES users (id)
);
CREATE INDEX withdrawals_pending_by_user ON withdrawals (user_id) WHERE status = 'REQUESTED';
CREATE INDEX withdrawals_by_status ON withdrawals (status, id);

-- A decided withdrawal is final.
CREATE FUNCTION withdrawals_decide_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'REQUESTED' OR NEW.amount <> OLD.amount OR NEW.user_id <> OLD.user_id THEN
    RAISE EXCEPTION 'withdrawal % is already %', OLD.id, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER withdrawals_final BEFORE UPDATE ON withdrawals
  FOR EACH ROW EXECUTE FUNCTION withdrawals_decide_once();

CREATE TABLE idempotency_keys (
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status_code  integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

CREATE TABLE account_balance (
  account_id    bigint PRIMARY KEY,
  balance       bigint NOT NULL,
  last_entry_id bigint NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Where the projection has read the ledger up to, in (txid, id) order.
CREATE TABLE projection_state (
  name       text PRIMARY KEY,
  last_txid  xid8 NOT NULL,
  last_id    bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_state (name, last_txid, last_id) VALUES ('wallet_balance', '0', 0);

-- Settings every process must share (e.g. the token signing key when AUTH_SECRET is unset).
CREATE TABLE service_settings (
  name  text PRIMARY KEY,
  value text NOT NULL
);
