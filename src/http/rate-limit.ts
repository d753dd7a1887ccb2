// 429 for callers that send too much: a budget per caller (bearer token, else IP address) per
// window, per API process. The answer has the standard error body and a Retry-After header.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import { appError } from '../errors.ts';

export async function registerRateLimit(app: FastifyInstance, config: Config): Promise<void> {
  if (config.rateLimitMax === 0) return;
  await app.register(rateLimit, {
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowSeconds * 1000,
    // Health and metrics are for the load balancer and Prometheus, not for callers.
    allowList: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url.split('?')[0] ?? ''),
    keyGenerator: (req) => {
      const auth = req.headers.authorization;
      return auth
        ? `t:${createHash('sha256').update(auth).digest('base64url').slice(0, 22)}`
        : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      ...appError('RATE_LIMITED', `Too many requests: at most ${context.max} per ${context.after}`).toBody(),
    }),
  });
}
