// Per-username backoff after failed logins (migration 0011). Counted by the lower-cased name
// whether or not such a user exists, and checked before the password is, so a throttled answer
// is the same for every name and costs no password hash.
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';

/** Failures allowed before each further attempt has to wait. */
export const LOGIN_FREE_FAILURES = 5;
/** The longest wait, in seconds. */
export const LOGIN_MAX_BLOCK_SECONDS = 900;

/** Refuses with 429 LOGIN_THROTTLED (and the seconds to wait) while the name is blocked. */
export async function assertNotThrottled(db: Queryable, username: string): Promise<void> {
  const { rows } = await db.query<{ wait: number }>(
    `SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS wait FROM login_throttle
     WHERE username = lower($1) AND blocked_until > now()`,
    [username],
  );
  const wait = rows[0]?.wait;
  if (wait !== undefined) {
    throw appError('LOGIN_THROTTLED', `Too many failed logins for this username; retry in ${wait} s`, {
      retryAfterSeconds: wait,
    });
  }
}

/** Counts a failure; from the LOGIN_FREE_FAILURES-th on, blocks for 2^(n - free) s, at most 15 min. */
export async function recordLoginFailure(db: Queryable, username: string): Promise<void> {
  await db.query(
    `INSERT INTO login_throttle AS t (username, failures) VALUES (lower($1), 1)
     ON CONFLICT (username) DO UPDATE SET failures = t.failures + 1, last_failed_at = now(),
       blocked_until = CASE WHEN t.failures + 1 >= $2
         THEN now() + make_interval(secs => least($3, power(2, t.failures + 1 - $2)))
       END`,
    [username, LOGIN_FREE_FAILURES, LOGIN_MAX_BLOCK_SECONDS],
  );
}

export async function clearLoginFailures(db: Queryable, username: string): Promise<void> {
  await db.query('DELETE FROM login_throttle WHERE username = lower($1)', [username]);
}
