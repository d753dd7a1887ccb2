-- Why: money lives in one append-only, double-entry table. Each transfer row debits one
-- account and credits another by the same positive amount, so the sum of all balances is
-- zero by construction (I3). Rows can never be changed or removed (I2), and the natural
-- keys below make every settlement, refund, cancellation and withdrawal step happen at
-- most once (I5) whatever the code above does.

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('player', 'operator')),
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Accounts are never deleted, so transfers need no foreign keys: a foreign key check would
-- take a KEY SHARE lock on the hot escrow and house rows for every bet.
CREATE TABLE accounts (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('player', 'escrow', 'house', 'cash', 'withdrawal_hold')),
  user_id    bigint REFERENCES users (id),
  round_id   bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'player') = (user_id IS NOT NULL)),
  CHECK ((kind = 'escrow') = (round_id IS NOT NULL))
);
CREATE UNIQUE INDEX accounts_one_wallet_per_user ON accounts (user_id) WHERE kind = 'player';
CREATE UNIQUE INDEX accounts_one_escrow_per_round ON accounts (round_id) WHERE kind = 'escrow';
CREATE UNIQUE INDEX accounts_singletons ON accounts (kind) WHERE kind IN ('house', 'cash', 'withdrawal_hold');
INSERT INTO accounts (kind) VALUES ('house'), ('cash'), ('withdrawal_hold');

-- The overdraft guard (I4): one row per player wallet, kept by the trigger below in the same
-- transaction as the transfer. Only player wallets have one: escrow and house are written by
-- every bet and must not serialise on a running-balance row.
CREATE TABLE wallet_guard (
  account_id bigint PRIMARY KEY REFERENCES accounts (id),
  balance    bigint NOT NULL DEFAULT 0 CONSTRAINT wallet_never_negative CHECK (balance >= 0)
);

CREATE TABLE transfers (
  id                bigserial PRIMARY KEY,
  -- The writing transaction's id lets the projection read the ledger in commit-safe order.
  txid              xid8 NOT NULL DEFAULT pg_current_xact_id(),
  debit_account_id  bigint NOT NULL,
  credit_account_id bigint NOT NULL,
  amount            bigint NOT NULL CONSTRAINT transfer_amount_positive CHECK (amount > 0),
  kind              text NOT NULL CHECK (kind IN (
                      'deposit', 'withdrawal_hold', 'withdrawal_post', 'withdrawal_release',
                      'stake', 'cancel_refund', 'settlement', 'commission', 'void_refund')),
  user_id           bigint,
  round_id          bigint,
  bet_id            bigint,
  withdrawal_id     bigint,
  reference         text,
  actor_id          bigint,
  request_id        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT transfer_between_two_accounts CHECK (debit_account_id <> credit_account_id)
);
CREATE INDEX transfers_by_debit ON transfers (debit_account_id, id);
CREATE INDEX transfers_by_credit ON transfers (credit_account_id, id);
CREATE INDEX transfers_by_txid ON transfers (txid, id);

-- Natural keys: each of these money movements can happen once only (I5).
CREATE UNIQUE INDEX transfers_once_deposit ON transfers (reference) WHERE kind = 'deposit';
CREATE UNIQUE INDEX transfers_once_withdrawal_hold ON transfers (withdrawal_id) WHERE kind = 'withdrawal_hold';
CREATE UNIQUE INDEX transfers_once_withdrawal_outcome ON transfers (withdrawal_id)
  WHERE kind IN ('withdrawal_post', 'withdrawal_release');
CREATE UNIQUE INDEX transfers_once_stake ON transfers (bet_id) WHERE kind = 'stake';
CREATE UNIQUE INDEX transfers_once_cancel ON transfers (bet_id) WHERE kind = 'cancel_refund';
CREATE UNIQUE INDEX transfers_once_round_payout ON transfers (round_id, user_id)
  WHERE kind IN ('settlement', 'void_refund');
CREATE UNIQUE INDEX transfers_once_commission ON transfers (round_id, user_id) WHERE kind = 'commission';

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER accounts_append_only BEFORE UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Every transfer moves the guard rows of the player wallets it touches; the CHECK on
-- wallet_guard then refuses any transfer that would take a wallet below zero, whichever
-- process or code path wrote it.
CREATE FUNCTION ledger_guard_wallets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE wallet_guard SET balance = balance - NEW.amount WHERE account_id = NEW.debit_account_id;
  UPDATE wallet_guard SET balance = balance + NEW.amount WHERE account_id = NEW.credit_account_id;
  RETURN NULL;
END $$;
CREATE TRIGGER transfers_guard_wallets AFTER INSERT ON transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_guard_wallets();

CREATE FUNCTION wallet_guard_created_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.balance <> 0 THEN
    RAISE EXCEPTION 'a wallet guard starts at 0; money only arrives by transfer' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER wallet_guard_starts_empty BEFORE INSERT ON wallet_guard
  FOR EACH ROW EXECUTE FUNCTION wallet_guard_created_empty();
