// A small client for the public HTTP API, used by the simulator and the demo crowd. It
// records the latency of each call by kind, so a run can report percentiles. Access tokens are
// short-lived: a client holding a refresh token renews them before they expire, and once more
// on a 401 TOKEN_EXPIRED (a clock that drifted, a process that slept), then repeats the call.
import { randomUUID } from 'node:crypto';
import type { components, paths } from './api-types.ts';

// The bodies come from the types generated from the OpenAPI document (`npm run api:types`):
// a route that changes a status or a field breaks the type check here, not a simulation run.
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Post<P extends keyof paths> = paths[P]['post'];
type RequestJson<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
export type Tokens = Json<Post<'/v1/auth/login'>['responses'][200]>;
export type RoundView = components['schemas']['Round'];

const MAX_RETRIES = 8;
/** Renew this long before expiry, or at three quarters of a short lifetime. */
const REFRESH_AHEAD_MS = 60_000;

/** What login, register and refresh answer. */
export interface IssuedTokens {
  token: string;
  refreshToken?: string;
  /** Seconds the access token is valid for. */
  expiresIn?: number;
}

/**
 * A login session's tokens, shared by every ApiClient made from it. Refreshes are single-flight:
 * concurrent calls that find the token due wait for the same renewal.
 */
export class Session {
  private current: IssuedTokens;
  private renewAt = Infinity;
  private renewing: Promise<boolean> | undefined;

  constructor(
    private readonly baseUrl: string,
    tokens: IssuedTokens | string,
  ) {
    this.current = typeof tokens === 'string' ? { token: tokens } : tokens;
    this.schedule();
  }

  get token(): string {
    return this.current.token;
  }

  /** The access token, renewed first when it is due and the session can renew. */
  async fresh(): Promise<string> {
    if (Date.now() >= this.renewAt) await this.renew();
    return this.current.token;
  }

  /** Renews the tokens with the refresh token; false when there is none or it was refused. */
  renew(): Promise<boolean> {
    if (!this.current.refreshToken) return Promise.resolve(false);
    this.renewing ??= this.exchange().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async exchange(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: this.current.refreshToken }),
      });
      if (!res.ok) {
        await res.text();
        return false;
      }
      this.current = (await res.json()) as Json<Post<'/v1/auth/refresh'>['responses'][200]>;
      this.schedule();
      return true;
    } catch {
      return false;
    }
  }

  private schedule(): void {
    const ttlMs = (this.current.expiresIn ?? 0) * 1000;
    this.renewAt =
      this.current.refreshToken && ttlMs > 0
        ? Date.now() + Math.max(ttlMs - REFRESH_AHEAD_MS, ttlMs * 0.75)
        : Infinity;
  }
}

export interface ApiError {
  status: number;
  code: string;
  message: string;
}

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; error: ApiError };

export class LatencyLog {
  private readonly samples = new Map<string, number[]>();

  record(kind: string, ms: number): void {
    let list = this.samples.get(kind);
    if (!list) this.samples.set(kind, (list = []));
    list.push(ms);
  }

  percentiles(kind: string): { count: number; p50: number; p95: number; p99: number; max: number } {
    const list = [...(this.samples.get(kind) ?? [])].sort((a, b) => a - b);
    const at = (q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0;
    return {
      count: list.length,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: list[list.length - 1] ?? 0,
    };
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly session?: Session,
    private readonly latency?: LatencyLog,
    /** Aborted: calls in flight end at once and retries stop (a demo crowd that is stopping). */
    private readonly signal?: AbortSignal,
  ) {}

  /** A client that calls as the holder of these tokens (renewed when a refresh token is given). */
  withToken(tokens: IssuedTokens | string): ApiClient {
    return new ApiClient(this.baseUrl, new Session(this.baseUrl, tokens), this.latency, this.signal);
  }

  async call<T>(
    kind: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResult<T>> {
    const first = await this.send<T>(kind, method, path, body, headers);
    // Expired in flight or while the process slept: renew once and repeat. Safe for any call:
    // the guard refused it before anything ran.
    if (!first.ok && first.error.code === 'TOKEN_EXPIRED' && (await this.session?.renew()))
      return this.send<T>(kind, method, path, body, headers);
    return first;
  }

  private async send<T>(
    kind: string,
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<ApiResult<T>> {
    const token = await this.session?.fresh();
    // A request is safe to repeat when it reads, or carries an idempotency key or a deposit
    // reference: then a lost connection or a 502/503 from the load balancer is retried.
    const retryable = method === 'GET' || 'idempotency-key' in headers || kind === 'deposit';
    const started = performance.now();
    let res!: Response;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          ...(this.signal ? { signal: this.signal } : {}),
        });
        if (
          !retryable ||
          this.signal?.aborted ||
          attempt >= MAX_RETRIES ||
          (res.status !== 502 && res.status !== 503)
        )
          break;
        await res.text();
      } catch (err) {
        if (!retryable || this.signal?.aborted || attempt >= MAX_RETRIES) {
          this.latency?.record(`${kind}-failed`, performance.now() - started);
          // The answer was lost: the request may or may not have taken effect.
          return {
            ok: false,
            error: { status: 0, code: 'NETWORK', message: String((err as Error).cause ?? err) },
          };
        }
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** Math.min(attempt, 5)));
    }
    const text = await res.text();
    this.latency?.record(kind, performance.now() - started);
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (res.ok) return { ok: true, status: res.status, body: parsed as T };
    const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    return {
      ok: false,
      error: { status: res.status, code: err?.code ?? `HTTP_${res.status}`, message: err?.message ?? text },
    };
  }

  register(username: string, password: string) {
    const body: RequestJson<Post<'/v1/auth/register'>> = { username, password };
    return this.call<Json<Post<'/v1/auth/register'>['responses'][201]>>(
      'register',
      'POST',
      '/v1/auth/register',
      body,
    );
  }

  login(username: string, password: string) {
    const body: RequestJson<Post<'/v1/auth/login'>> = { username, password };
    return this.call<Tokens>('login', 'POST', '/v1/auth/login', body);
  }

  deposit(userId: number, amount: number, reference: string) {
    const body: RequestJson<Post<'/v1/admin/deposits'>> = { userId, amount, reference };
    return this.call<Json<Post<'/v1/admin/deposits'>['responses'][201]>>(
      'deposit',
      'POST',
      '/v1/admin/deposits',
      body,
    );
  }

  currentRound() {
    return this.call<Json<paths['/v1/rounds/current']['get']['responses'][200]>>(
      'round',
      'GET',
      '/v1/rounds/current',
    );
  }

  round(roundId: number) {
    return this.call<Json<paths['/v1/rounds/{id}']['get']['responses'][200]>>(
      'round',
      'GET',
      `/v1/rounds/${roundId}`,
    );
  }

  placeBet(roundId: number, side: string, amount: number, key = randomUUID()) {
    const body: RequestJson<Post<'/v1/bets'>> = { roundId, side, amount };
    return this.call<Json<Post<'/v1/bets'>['responses'][202]>>('bet', 'POST', '/v1/bets', body, {
      'idempotency-key': key,
    });
  }

  cancelBet(betId: number, key = randomUUID()) {
    return this.call<Json<paths['/v1/bets/{id}']['delete']['responses'][200]>>(
      'cancel',
      'DELETE',
      `/v1/bets/${betId}`,
      undefined,
      { 'idempotency-key': key },
    );
  }

  wallet() {
    return this.call<Json<paths['/v1/wallet']['get']['responses'][200]>>('wallet', 'GET', '/v1/wallet');
  }
}
