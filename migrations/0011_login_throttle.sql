-- Why: login could be tried without limit per account (the rate limit was per caller, and a
-- random token gave each request a fresh budget). Failed logins are counted per username here,
-- whether or not the username exists (so the answer says nothing about which names exist), and
-- after LOGIN_FREE_FAILURES failures each further attempt waits an exponentially growing delay.
-- A successful login clears the row. Usernames also become unique regardless of case, so
-- "Alice" and "alice" cannot both exist (look-alike names); login matches case-insensitively.
CREATE TABLE login_throttle (
  username      text PRIMARY KEY,
  failures      integer NOT NULL CHECK (failures > 0),
  blocked_until timestamptz,
  last_failed_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_username_any_case ON users (lower(username));
