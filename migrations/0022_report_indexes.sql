-- Why: the back office's reports and searches (src/reports/, docs/reports.md) must stay index
-- probes on a ledger of 10^8 rows, never a scan of it:
--   - balances and reconciliation "as of a time" filter transfers on created_at. Transfers are
--     written in nearly created_at order, so a BRIN index (a few pages per partition, next to
--     nothing on the bet path) lets a time bound skip every block range outside it;
--   - the turnover report takes a period's rounds by when they opened;
--   - player search looks usernames up by case-insensitive prefix.
-- Indexes on the partitioned transfers table are created on every partition, and on each
-- partition attached later (colorbet_ensure_partitions).
CREATE INDEX transfers_by_time ON transfers USING brin (created_at);
CREATE INDEX rounds_by_opens_at ON rounds (opens_at);
CREATE INDEX users_by_lower_name ON users (lower(username) text_pattern_ops);
