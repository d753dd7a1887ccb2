-- Why: `colorbet verify` and the periodic audit re-proved the whole ledger on every run (19 s at
-- three million transfers; hours at 10^8 rows, past every timeout). A run now proves only what
-- is new since the last run that found every invariant holding, and advances this checkpoint in
-- the same transaction, only when everything held (src/audit.ts, docs/partitioning.md,
-- "Incremental verify"). `colorbet verify --full` ignores the checkpoint and rewrites it.
--
-- One row per check (its id in src/ledger/verify.ts and src/betting/verify.ts). A check without
-- a row (one added by a later release) makes the next run a full one, so it is proved over the
-- whole history before any run trusts the checkpoint for it. Every row of one run holds the
-- same position:
--   last_txid, last_id  the transfers proved, in the projection's commit-safe (txid, id) order:
--                       only transactions older than every one still running were read, so a
--                       transfer with a lower id that commits later is never skipped;
--   last_round_id       every round with an id up to this one is final (SETTLED or VOID) and
--                       proved; proved_rounds lists the final rounds above it proved already
--                       (a round quarantined or still settling keeps later ones out of the prefix);
--   proved_at           when the run began (idempotency keys are proved by age, with slack);
--   full_at             the last full run, for AUDIT_FULL_EVERY_SECONDS.
CREATE TABLE verify_checkpoints (
  name          text PRIMARY KEY,
  last_txid     xid8 NOT NULL,
  last_id       bigint NOT NULL,
  last_round_id bigint NOT NULL CHECK (last_round_id >= 0),
  proved_rounds bigint[] NOT NULL DEFAULT '{}',
  proved_at     timestamptz NOT NULL,
  full_at       timestamptz
);

-- The per-account ledger sums at the checkpoint (sum of credits minus debits of every transfer
-- up to (last_txid, last_id)). The sum checks (I3 zero sum, I4 guard = ledger, I6 escrow, I7
-- projection = ledger) add only the transfers after it. Shared by those checks: they advance
-- together. A cache of proved sums, not money: `verify --full` recomputes it from the ledger.
CREATE TABLE verify_balances (
  account_id bigint PRIMARY KEY,
  balance    bigint NOT NULL
);

-- The audit runs as the service role (the scheduler leader, the CLI, GET /v1/admin/audit).
GRANT SELECT, INSERT, UPDATE, DELETE ON verify_checkpoints, verify_balances TO colorbet_service;
