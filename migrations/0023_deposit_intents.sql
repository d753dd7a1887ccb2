-- Why: a new player had no way to get money in: only an operator typing the player's numeric id
-- into /admin. In a real deployment a player now starts a deposit here (who, how much, through
-- which provider) and is sent to the payment provider; the provider's signed callback credits
-- it as an ordinary deposit whose reference is `payment:<id>`, so the existing unique deposit
-- key (transfer_keys, I5) credits each intent at most once however often the callback is
-- replayed. An intent is a fact about a request and never changes; whether it was credited is
-- read from the ledger, not stored twice. (Demo funds need no table: their deposits carry the
-- reference `demo:<user>:<window>`, which the same key allows once per player per window.)
CREATE TABLE deposit_intents (
  id         bigserial PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id),
  amount     bigint NOT NULL CHECK (amount > 0),
  provider   text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deposit_intents_by_user ON deposit_intents (user_id, id);
CREATE TRIGGER deposit_intents_immutable BEFORE UPDATE OR DELETE ON deposit_intents
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

GRANT SELECT, INSERT ON deposit_intents TO colorbet_service;
GRANT USAGE, SELECT ON SEQUENCE deposit_intents_id_seq TO colorbet_service;

-- The player's own withdrawals, newest first (GET /v1/wallet/withdrawals), without a scan.
CREATE INDEX withdrawals_by_user ON withdrawals (user_id, id);
