-- Why: tokens could not be revoked (no logout) and carried the role they were issued with, so
-- a stolen token worked until it expired and a demoted operator kept operating. Each user now
-- has a token epoch: every token carries the epoch it was issued under, a logout moves the epoch
-- on (revoking every token of that user, on every device), and the API re-reads the epoch and
-- the role (cached per process for at most SESSION_CHECK_SECONDS, and dropped at once on the
-- revocation event) instead of trusting the token's role.
ALTER TABLE users ADD COLUMN token_epoch integer NOT NULL DEFAULT 0 CHECK (token_epoch >= 0);
