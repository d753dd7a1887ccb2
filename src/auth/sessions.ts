// Revocable tokens (migrations 0013 and 0018). Tokens are still verified locally (HS256,
// cached), but a token is only accepted while it carries the user's current token epoch and
// its login session (the `sid` claim) is not revoked, and the role that counts is the one in
// the database, not the one in the token. A login starts a session; refreshing keeps it; a
// logout revokes it (a row in revoked_sessions, kept until its last refresh token would have
// expired), or with `all` moves the user's epoch on (every session, every device).
// Each process caches a user's (epoch, role) and the state of the sessions it has seen for at
// most SESSION_CHECK_SECONDS; a logout announces itself on the event hub, so every process
// drops its cached entry (and the gateway closes the sockets concerned) at once. A lost
// announcement is covered by the cache's short life.
import { randomBytes } from 'node:crypto';
import type { EventHub } from '../bus/events.ts';
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import type { Principal, Role, TokenCheck, TokenService } from './tokens.ts';

interface UserState {
  epoch: number;
  role: Role;
  at: number;
  /** Sessions looked up while this entry is fresh: session id -> revoked. */
  sessions: Map<string, boolean>;
}

const CACHE_MAX = 200_000;
/** Sessions remembered per user entry (devices in use at once); beyond it the map starts over. */
const SESSIONS_PER_USER = 64;

export interface IssuedTokens {
  token: string;
  refreshToken: string;
  expiresIn: number;
}

export class SessionTokens {
  private readonly users = new Map<string, UserState>();

  constructor(
    private readonly tokens: TokenService,
    private readonly db: Queryable,
    private readonly opts: { checkSeconds: number; refreshTtlSeconds: number; accessTtlSeconds: number },
    private readonly events?: EventHub,
  ) {
    events?.subscribe((e) => {
      if (e.type === 'revoked') this.users.delete(e.userId);
    });
  }

  /** The user's epoch and role, and whether `sessionId` is revoked; one query on a cache miss. */
  private async state(userId: bigint, sessionId?: string): Promise<UserState | undefined> {
    const key = userId.toString();
    const cached = this.users.get(key);
    const fresh = cached && Date.now() - cached.at < this.opts.checkSeconds * 1000 ? cached : undefined;
    if (fresh && (sessionId === undefined || fresh.sessions.has(sessionId))) return fresh;
    const { rows } = await this.db.query<{ token_epoch: number; role: Role; revoked: boolean }>(
      `SELECT u.token_epoch, u.role,
              EXISTS (SELECT 1 FROM revoked_sessions r WHERE r.session_id = $2) AS revoked
         FROM users u WHERE u.id = $1`,
      [userId, sessionId ?? null],
    );
    const row = rows[0];
    if (!row) {
      this.users.delete(key);
      return undefined;
    }
    // A new session of a user whose entry is fresh joins it (two devices do not evict each other).
    const state: UserState = fresh ?? {
      epoch: row.token_epoch,
      role: row.role,
      at: Date.now(),
      sessions: new Map(),
    };
    state.epoch = row.token_epoch;
    state.role = row.role;
    if (sessionId !== undefined) {
      if (state.sessions.size >= SESSIONS_PER_USER) state.sessions.clear();
      state.sessions.set(sessionId, row.revoked);
    }
    if (!fresh) {
      if (this.users.size >= CACHE_MAX) this.users.clear();
      this.users.set(key, state);
    }
    return state;
  }

  private async current(p: Principal | undefined): Promise<Principal | undefined> {
    if (!p) return undefined;
    const state = await this.state(p.userId, p.sessionId);
    if (!state || (p.epoch ?? 0) !== state.epoch) return undefined;
    if (p.sessionId !== undefined && state.sessions.get(p.sessionId) !== false) return undefined;
    return { ...p, role: state.role };
  }

  /** The caller of a valid, unrevoked access token, with the role it has now; else undefined. */
  async verify(token: string): Promise<Principal | undefined> {
    const p = await this.check(token);
    return p === 'expired' ? undefined : p;
  }

  /** Like verify, but 'expired' for an access token that was good until its time ran out. */
  async check(token: string): Promise<TokenCheck> {
    const p = await this.tokens.check(token, 'access');
    return p === 'expired' ? p : this.current(p);
  }

  /**
   * An access token and a refresh token under the user's current epoch, for the principal's
   * session, or a new session when it has none (a login).
   */
  async issue(p: Principal): Promise<IssuedTokens> {
    const state = await this.state(p.userId);
    if (!state) throw appError('UNAUTHORIZED');
    const current = {
      ...p,
      role: state.role,
      epoch: state.epoch,
      sessionId: p.sessionId ?? randomBytes(16).toString('base64url'),
    };
    return {
      token: await this.tokens.issue(current, 'access'),
      refreshToken: await this.tokens.issue(current, 'refresh', this.opts.refreshTtlSeconds),
      expiresIn: this.opts.accessTtlSeconds,
    };
  }

  /** New tokens of the same session for a valid, unrevoked refresh token (the role re-read); else 401. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const p = await this.current(await this.tokens.verify(refreshToken, 'refresh'));
    if (!p) throw appError('UNAUTHORIZED', 'Refresh token is invalid, expired or revoked');
    return this.issue(p);
  }

  /**
   * Revokes the caller's session (its access and refresh tokens), or with `all` (or a token from
   * before sessions, which has none) every token of the user; tells every process.
   */
  async logout(p: Principal, all = false): Promise<void> {
    const sessionId = all ? undefined : p.sessionId;
    if (sessionId === undefined) {
      await this.db.query('UPDATE users SET token_epoch = token_epoch + 1 WHERE id = $1', [p.userId]);
    } else {
      // Kept while any token of the session could still be presented: its newest refresh token
      // was issued before now, so it expires within REFRESH_TOKEN_TTL_SECONDS.
      const keepSeconds = Math.max(this.opts.refreshTtlSeconds, this.opts.accessTtlSeconds);
      await this.db.query(
        `INSERT INTO revoked_sessions (session_id, user_id, expires_at)
         VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (session_id) DO NOTHING`,
        [sessionId, p.userId, keepSeconds],
      );
    }
    this.users.delete(p.userId.toString());
    this.events?.publish([
      { type: 'revoked', userId: p.userId.toString(), ...(sessionId ? { sessionId } : {}) },
    ]);
  }
}

/** Deletes up to `batch` revocations past their expiry (no token of theirs can be presented any more). */
export async function pruneRevokedSessions(db: Queryable, batch: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM revoked_sessions WHERE session_id IN (
       SELECT session_id FROM revoked_sessions WHERE expires_at < now() ORDER BY expires_at LIMIT $1)`,
    [batch],
  );
  return rowCount ?? 0;
}
