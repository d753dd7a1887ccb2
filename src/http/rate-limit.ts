// 429 for callers that send too much. The budget is keyed on the verified principal (a valid
// token's user), else on the client address: a made-up token gets no budget of its own. The
// address is the socket's, or the X-Forwarded-For hop of a proxy in TRUST_PROXY. With Redis
// the counters are shared by every API process; without, each process counts its own.
// Register and login have their own, stricter budget per address (AUTH_RATE_LIMIT_MAX per
// minute), on top of the per-username backoff of src/auth/login-throttle.ts.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf, type TokenVerifier } from './auth.ts';
import type { RedisClient } from '../bus/redis.ts';
import type { Config } from '../config.ts';
import { appError } from '../errors.ts';

const HEALTH = new Set(['/healthz', '/readyz', '/metrics']);

/** The caller a budget belongs to: `u:<user id>` for a valid token, else `ip:<address>`. */
export async function callerKey(tokens: TokenVerifier, req: FastifyRequest): Promise<string> {
  // A bad token is the guard's to refuse (401); here it only means "key on the address".
  const principal = await principalOf(tokens, req).catch(() => undefined);
  return principal ? `u:${principal.userId}` : `ip:${req.ip}`;
}

export async function registerRateLimit(
  app: FastifyInstance,
  deps: { config: Config; sessions: TokenVerifier; redis?: RedisClient },
): Promise<void> {
  const { config } = deps;
  if (config.rateLimitMax === 0 && config.authRateLimitMax === 0) return;
  await app.register(rateLimit, {
    // Without a general limit the plugin still serves the auth routes' own limits.
    global: config.rateLimitMax > 0,
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowSeconds * 1000,
    ...(deps.redis ? { redis: deps.redis, nameSpace: `${config.redisPrefix}ratelimit:` } : {}),
    // Health and metrics are for the load balancer and Prometheus, not for callers.
    allowList: (req) => HEALTH.has(req.url.split('?')[0] ?? ''),
    keyGenerator: (req) => callerKey(deps.sessions, req),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      ...appError('RATE_LIMITED', `Too many requests: at most ${context.max} per ${context.after}`).toBody(),
    }),
  });
}

/** Route options for register and login: AUTH_RATE_LIMIT_MAX per client address per minute. */
export function authRateLimit(config: Config) {
  return config.authRateLimitMax > 0
    ? {
        rateLimit: {
          max: config.authRateLimitMax,
          timeWindow: 60_000,
          keyGenerator: (req: FastifyRequest) => `auth:${req.ip}`,
        },
      }
    : {};
}
