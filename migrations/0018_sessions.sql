-- Why: a logout revoked every token of the user (the token epoch of 0013), on every device,
-- when the player meant "this device". Each login now starts a session (the `sid` claim of its
-- access and refresh tokens; a refresh keeps it) and a logout revokes that session alone by
-- inserting it here; `{"all": true}` still moves the epoch. A row is kept while any token of
-- the session could still be presented (expires_at: the refresh token lifetime after the
-- logout); rows past it are deleted by retention. Logins write nothing: only revocations are
-- rows, so the table stays small and the per-request check stays one cached lookup.
CREATE TABLE revoked_sessions (
  session_id text PRIMARY KEY CHECK (session_id ~ '^[A-Za-z0-9_-]{16,64}$'),
  user_id bigint NOT NULL REFERENCES users (id),
  revoked_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CHECK (expires_at > revoked_at)
);
CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at);

-- A revocation cannot be taken back while it matters: only rows past their expiry may go, and
-- no row may change (so the service role cannot un-revoke a stolen session).
CREATE FUNCTION revoked_sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'revoked_sessions rows cannot be changed' USING ERRCODE = '42501',
      CONSTRAINT = 'revoked_sessions_append_only';
  END IF;
  IF OLD.expires_at > now() THEN
    RAISE EXCEPTION 'revoked session % is still live until %', OLD.session_id, OLD.expires_at
      USING ERRCODE = '42501', CONSTRAINT = 'revoked_sessions_kept_until_expiry';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER revoked_sessions_guard BEFORE UPDATE OR DELETE ON revoked_sessions
  FOR EACH ROW EXECUTE FUNCTION revoked_sessions_guard();

GRANT SELECT, INSERT, DELETE ON revoked_sessions TO colorbet_service;
