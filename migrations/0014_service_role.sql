-- Why: the service's database role owned the schema and migrated on every start, so the
-- service itself could ALTER a table, DISABLE TRIGGER the append-only guards or TRUNCATE the
-- ledger: immutability rested on triggers alone. The service now works as colorbet_service
-- (DATABASE_SET_ROLE, default colorbet_service), which can read everything, insert what it
-- writes, update only what legitimately changes, delete only queue and cache rows, and never
-- UPDATE, DELETE or TRUNCATE transfers, matches, settlements, seeds or accounts, nor ALTER or
-- DROP anything (it owns nothing). Migrations run as the connecting (owner) role.
-- The role is cluster-wide and created once; the grants are per database and schema.
DO $$
BEGIN
  CREATE ROLE colorbet_service NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database of this cluster (or a concurrent migration) created it
END $$;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO colorbet_service', current_schema());
END $$;

GRANT SELECT ON users, accounts, wallet_guard, transfers, withdrawals, idempotency_keys, account_balance,
  projection_state, service_settings, seed_chains, round_seeds, rounds, bets, matches, round_settlements,
  outbox, settlement_failures, settlement_chunks, round_totals, login_throttle TO colorbet_service;

-- Append-only history: insert, never change.
GRANT INSERT ON accounts, transfers, matches, round_settlements, seed_chains, round_seeds TO colorbet_service;

-- State that legitimately changes (each still guarded by its own triggers and checks).
GRANT INSERT, UPDATE ON users, wallet_guard, withdrawals, account_balance, projection_state, rounds, bets,
  settlement_chunks TO colorbet_service;

-- Queues, caches and counters: rows come and go.
GRANT INSERT, UPDATE, DELETE ON idempotency_keys, service_settings, outbox, settlement_failures, round_totals,
  login_throttle TO colorbet_service;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO colorbet_service', current_schema());
END $$;
