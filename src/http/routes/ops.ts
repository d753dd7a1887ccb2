// Health, readiness and metrics. With METRICS_TOKEN set, /metrics and the detail of /readyz
// (which dependency is down, and the database's own error text) need
// `Authorization: Bearer <METRICS_TOKEN>`; the load balancer's plain /readyz still gets ready or
// not, with each check's name and state only.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appError } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';
import { ref } from '../responses.ts';

function canSeeInternals(deps: AppDeps, req: FastifyRequest): boolean {
  const token = deps.config.metricsToken;
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function opsRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        response: {
          200: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean', enum: [true] } } },
        },
      },
    },
    async () => ({ ok: true }),
  );
  const readiness = {
    200: ref('Readiness'),
    503: { description: 'a dependency is down', ...ref('Readiness') },
  };
  app.get('/readyz', { schema: { tags: ['ops'], response: readiness } }, async (req, reply) => {
    const checks = await deps.readiness();
    const ok = checks.every((c) => c.ok);
    const shown = canSeeInternals(deps, req) ? checks : checks.map(({ name, ok }) => ({ name, ok }));
    return reply.status(ok ? 200 : 503).send({ ok, checks: shown });
  });
  const metrics = { 200: { description: 'Prometheus text format', type: 'string' } };
  app.get('/metrics', { schema: { hide: true, response: metrics } }, async (req, reply) => {
    if (!canSeeInternals(deps, req)) throw appError('UNAUTHORIZED', 'Metrics need the scrape token');
    const pool = deps.pool;
    deps.metrics.poolClients.set({ state: 'total' }, pool.totalCount);
    deps.metrics.poolClients.set({ state: 'idle' }, pool.idleCount);
    deps.metrics.poolClients.set({ state: 'waiting' }, pool.waitingCount);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
