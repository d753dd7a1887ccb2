// The login session in the browser: a short-lived access token and the refresh token that
// renews it, kept together in localStorage. The access token is renewed a minute before it
// expires (or at three quarters of a short lifetime), and once more when the server answers
// TOKEN_EXPIRED (a laptop that slept); a refused refresh ends the session and the page shows
// the login again. Another tab's renewal or logout is picked up through the storage event.
import { ApiError, api } from './api.js';

const AHEAD_MS = 60_000;

/** onChange(reason): 'renewed' (new access token), 'ended' (logged out or refused), 'login'. */
export function createSession(key, { onChange }) {
  let current = load();
  let timer;
  let renewing;

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(key) || 'null');
      return saved && typeof saved.token === 'string' ? saved : null;
    } catch {
      return null;
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!current || !current.refreshToken) return;
    timer = setTimeout(() => void renew(), Math.max(0, current.renewAt - Date.now()));
  }

  function store(tokens) {
    if (tokens) {
      const ttl = (tokens.expiresIn || 0) * 1000;
      current = {
        token: tokens.token,
        refreshToken: tokens.refreshToken,
        renewAt: ttl > 0 ? Date.now() + Math.max(ttl - AHEAD_MS, ttl * 0.75) : Infinity,
      };
      localStorage.setItem(key, JSON.stringify(current));
    } else {
      current = null;
      localStorage.removeItem(key);
    }
    schedule();
  }

  /** Single-flight: true when a new access token is in place. */
  function renew() {
    if (!current || !current.refreshToken) return Promise.resolve(false);
    renewing ??= (async () => {
      const refreshToken = current.refreshToken;
      try {
        store(await api('POST', '/v1/auth/refresh', { body: { refreshToken } }));
        onChange('renewed');
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          // Revoked, expired, or replaced by another tab meanwhile.
          const other = load();
          if (other && other.refreshToken !== refreshToken) {
            current = other;
            schedule();
            onChange('renewed');
            return true;
          }
          store(null);
          onChange('ended');
          return false;
        }
        // Offline for a moment: try again shortly, the access token may still be good.
        clearTimeout(timer);
        timer = setTimeout(() => void renew(), 5000);
        return false;
      }
    })().finally(() => (renewing = undefined));
    return renewing;
  }

  window.addEventListener('storage', (e) => {
    if (e.key !== key) return;
    const had = Boolean(current);
    current = load();
    schedule();
    if (had !== Boolean(current)) onChange(current ? 'login' : 'ended');
    else if (current) onChange('renewed');
  });
  schedule();

  return {
    token: () => (current ? current.token : null),
    /** After login or register: the answer's tokens. */
    start(tokens) {
      store(tokens);
      onChange('login');
    },
    renew,
    /** Forgets the tokens here (the server already refused them). */
    forget() {
      store(null);
      onChange('ended');
    },
    /** Revokes this session on the server (best effort) and forgets it here. */
    async logout() {
      if (current) await this.call('POST', '/v1/auth/logout').catch(() => undefined);
      store(null);
      onChange('ended');
    },
    /** An API call with the access token: renewed first when due, and once more on TOKEN_EXPIRED. */
    async call(method, path, opts = {}) {
      if (current && Date.now() >= current.renewAt) await renew();
      try {
        return await api(method, path, { ...opts, token: current ? current.token : undefined });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'TOKEN_EXPIRED' && (await renew())) {
          return api(method, path, { ...opts, token: current.token });
        }
        throw err;
      }
    },
  };
}
