-- Why: idempotency_keys kept every key forever (two writes per bet: a billion rows in a few
-- months at the seed's scale). Keys are now kept IDEMPOTENCY_RETENTION_HOURS (default 24, as
-- payment APIs do) and deleted in bounded batches by the scheduler leader. A BRIN index finds
-- the old ones: rows arrive in created_at order, and it costs next to nothing on the insert
-- path, unlike a b-tree on every bet.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys USING brin (created_at);
