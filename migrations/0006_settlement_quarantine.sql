-- Why: settlement took the lowest SETTLING round first, so one round whose settlement kept
-- failing (a bug, a statement timeout on a huge round) was retried forever and every later
-- round waited behind it with its stakes in escrow. Each failure is counted here; a round that
-- failed QUARANTINE_AFTER (5, src/betting/quarantine.ts) times is set aside (quarantined_at),
-- later rounds settle, and operators see it (GET /v1/admin/rounds/quarantined,
-- colorbet_rounds_quarantined, an alert) until they retry it or void it. The rounds table itself is not touched: its guard trigger
-- keeps round terms and statuses as they were.
CREATE TABLE settlement_failures (
  round_id        bigint PRIMARY KEY REFERENCES rounds (id),
  failures        integer NOT NULL CHECK (failures > 0),
  last_error      text NOT NULL,
  last_failed_at  timestamptz NOT NULL DEFAULT now(),
  quarantined_at  timestamptz
);
CREATE INDEX settlement_failures_quarantined ON settlement_failures (round_id) WHERE quarantined_at IS NOT NULL;
