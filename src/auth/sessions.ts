// Revocable tokens (migration 0013). Tokens are still verified locally (HS256, cached), but a
// token is only accepted while it carries the user's current token epoch, and the role that
// counts is the one in the database, not the one in the token. Each process caches a user's
// (epoch, role) for at most SESSION_CHECK_SECONDS; a logout moves the epoch on and announces it
// on the event hub, so every process drops its cached entry (and the gateway closes that user's
// sockets) at once. A lost announcement is covered by the cache's short life.
import type { EventHub } from '../bus/events.ts';
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import type { Principal, Role, TokenService } from './tokens.ts';

interface UserState {
  epoch: number;
  role: Role;
  at: number;
}

const CACHE_MAX = 200_000;

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

  private async state(userId: bigint): Promise<UserState | undefined> {
    const key = userId.toString();
    const cached = this.users.get(key);
    if (cached && Date.now() - cached.at < this.opts.checkSeconds * 1000) return cached;
    const { rows } = await this.db.query<{ token_epoch: number; role: Role }>(
      'SELECT token_epoch, role FROM users WHERE id = $1',
      [userId],
    );
    const row = rows[0];
    if (!row) {
      this.users.delete(key);
      return undefined;
    }
    if (this.users.size >= CACHE_MAX) this.users.clear();
    const state = { epoch: row.token_epoch, role: row.role, at: Date.now() };
    this.users.set(key, state);
    return state;
  }

  private async current(p: Principal | undefined): Promise<Principal | undefined> {
    if (!p) return undefined;
    const state = await this.state(p.userId);
    if (!state || (p.epoch ?? 0) !== state.epoch) return undefined;
    return { ...p, role: state.role };
  }

  /** The caller of a valid, unrevoked access token, with the role it has now; else undefined. */
  async verify(token: string): Promise<Principal | undefined> {
    return this.current(await this.tokens.verify(token, 'access'));
  }

  /** An access token and a refresh token under the user's current epoch. */
  async issue(p: Principal): Promise<IssuedTokens> {
    const state = await this.state(p.userId);
    if (!state) throw appError('UNAUTHORIZED');
    const current = { ...p, role: state.role, epoch: state.epoch };
    return {
      token: await this.tokens.issue(current, 'access'),
      refreshToken: await this.tokens.issue(current, 'refresh', this.opts.refreshTtlSeconds),
      expiresIn: this.opts.accessTtlSeconds,
    };
  }

  /** New tokens for a valid, unrevoked refresh token (the role re-read); else 401. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const p = await this.current(await this.tokens.verify(refreshToken, 'refresh'));
    if (!p) throw appError('UNAUTHORIZED', 'Refresh token is invalid, expired or revoked');
    return this.issue(p);
  }

  /** Revokes every token of the user (all devices) and tells every process. */
  async logout(userId: bigint): Promise<void> {
    await this.db.query('UPDATE users SET token_epoch = token_epoch + 1 WHERE id = $1', [userId]);
    this.users.delete(userId.toString());
    this.events?.publish([{ type: 'revoked', userId: userId.toString() }]);
  }
}
