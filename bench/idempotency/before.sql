CREATE TABLE idempotency_keys (scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, status_code integer, response jsonb, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, key));
CREATE INDEX idempotency_keys_by_age ON idempotency_keys USING brin (created_at);
INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response) SELECT 'user:' || (i % 1000), 'pre-' || i, md5(i::text), 202, '{"betId":1}' FROM generate_series(1, 1000000) i;
VACUUM ANALYZE idempotency_keys;
